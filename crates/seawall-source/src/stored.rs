//! Images whose blobs are files in a [`Store`]: docker-archive, OCI layout, oci-archive.

use std::io::Read;

use crate::store::Store;
use crate::{ImageMeta, ImageSource, SourceError};

/// Where one layer's blob lives in the store.
pub(crate) struct LayerBlob {
    /// Path relative to the store root.
    pub(crate) path: String,
    /// The member the path resolves to (links followed): layers naming the same member share a blob.
    pub(crate) key: String,
}

/// An image read from a directory or an indexed archive. Random access, parallel-safe.
pub(crate) struct StoredImage {
    pub(crate) meta: ImageMeta,
    pub(crate) store: Box<dyn Store>,
    pub(crate) blobs: Vec<LayerBlob>,
}

impl StoredImage {
    fn blob(&self, index: u32) -> Result<&LayerBlob, SourceError> {
        let count = self.blobs.len();
        usize::try_from(index)
            .ok()
            .and_then(|i| self.blobs.get(i))
            .ok_or(SourceError::NoSuchLayer { index, count })
    }
}

impl ImageSource for StoredImage {
    fn meta(&self) -> &ImageMeta {
        &self.meta
    }

    fn random_access(&self) -> bool {
        true
    }

    fn open_layer(&self, index: u32) -> Result<Box<dyn Read + Send + '_>, SourceError> {
        let (reader, _) = self.store.open(&self.blob(index)?.path)?;
        Ok(reader)
    }

    fn blob_key(&self, index: u32) -> Option<String> {
        self.blob(index).ok().map(|b| format!("{}:{}", self.store.describe(), b.key))
    }
}
