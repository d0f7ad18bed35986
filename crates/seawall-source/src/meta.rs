//! What a source knows about an image before any layer is read.

use seawall_core::ImageConfig;

/// One layer as the source stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerDesc {
    /// 0-based index, bottom layer 0.
    pub index: u32,
    /// Digest of the uncompressed layer tar (`sha256:…`), from the config's `rootfs.diff_ids`.
    pub diff_id: String,
    /// Digest of the blob as stored, when the source knows it.
    pub digest: Option<String>,
    /// Size in bytes of the blob as stored (0 when unknown).
    pub size: u64,
    /// Media type of the blob as stored (`application/vnd.oci.image.layer.v1.tar+gzip`, …), or
    /// `application/vnd.docker.image.rootfs.diff.tar` for an uncompressed docker-save layer.
    pub media_type: String,
}

/// Everything a source knows about an image: name, digests, configuration and layers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageMeta {
    /// The reference as given by the user.
    pub name: String,
    /// The manifest digest, when known.
    pub digest: Option<String>,
    /// The digest of the config blob (`sha256:…`), which is also the Docker image ID.
    pub config_digest: String,
    /// The parsed configuration and history.
    pub config: ImageConfig,
    /// Layers, bottom first.
    pub layers: Vec<LayerDesc>,
}
