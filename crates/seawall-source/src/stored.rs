//! Images whose blobs are files in a [`Store`]: docker-archive, OCI layout, oci-archive.

use std::io::Read;

use crate::digest::VerifyingReader;
use crate::store::Store;
use crate::{ImageMeta, ImageSource, SourceError};

/// Where one layer's blob lives in the store and what it must hash to.
pub(crate) struct LayerBlob {
    /// Path relative to the store root.
    pub(crate) path: String,
    /// `sha256:` digest the blob bytes must match (when known).
    pub(crate) verify: Option<String>,
}

/// An image read from a directory or an indexed archive. Random access, parallel-safe.
pub(crate) struct StoredImage {
    pub(crate) meta: ImageMeta,
    pub(crate) store: Box<dyn Store>,
    pub(crate) blobs: Vec<LayerBlob>,
    /// Hash layer blobs while they stream.
    pub(crate) verify_layers: bool,
}

impl ImageSource for StoredImage {
    fn meta(&self) -> &ImageMeta {
        &self.meta
    }

    fn random_access(&self) -> bool {
        true
    }

    fn open_layer(&self, index: u32) -> Result<Box<dyn Read + Send + '_>, SourceError> {
        let count = self.blobs.len();
        let blob = usize::try_from(index)
            .ok()
            .and_then(|i| self.blobs.get(i))
            .ok_or(SourceError::NoSuchLayer { index, count })?;
        let (reader, size) = self.store.open(&blob.path)?;
        match blob.verify.as_ref().filter(|_| self.verify_layers) {
            Some(digest) => Ok(Box::new(VerifyingReader::new(
                reader,
                digest,
                Some(size),
                format!("{}: {}", self.store.describe(), blob.path),
            ))),
            None => Ok(reader),
        }
    }
}
