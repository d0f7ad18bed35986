//! # seawall-source — where image bytes come from
//!
//! An [`ImageSource`] gives the rest of seawall one view of a container image, whatever it is stored in:
//! its [`ImageMeta`] (name, manifest digest, parsed [`seawall_core::ImageConfig`], one [`LayerDesc`]
//! per layer) and the layer blobs exactly as stored (possibly gzip or zstd compressed — the walker sniffs
//! the compression). [`open`] parses the reference forms of `seawall scan image REF`:
//!
//! | form | source |
//! |---|---|
//! | `docker-archive:PATH[:TAG]` | a `docker save` tar, legacy (`<id>/layer.tar`) or OCI-style (`blobs/sha256/…`); gzip/zstd-compressed ones are streamed |
//! | `oci:DIR[:TAG]` | an OCI image layout directory (nested indexes, `org.opencontainers.image.ref.name`) |
//! | `oci-archive:PATH[:TAG]` | a tar of an OCI image layout |
//! | `PATH.tar` | docker-archive or oci-archive, decided by content |
//! | `docker:NAME[:TAG]` | the local Docker Engine (unix socket or `DOCKER_HOST`) |
//! | `HOST[:PORT]/REPO[:TAG\|@DIGEST]` | an OCI distribution registry |
//!
//! Archives are indexed once (member name → offset, size; [`tarindex`]) and members are read by seeking
//! a file, so layers of file-based and registry sources can be read in parallel
//! ([`ImageSource::random_access`]); the Docker Engine only offers one `docker save` stream, read with
//! [`ImageSource::stream_layers`] (which every source implements). Nothing is ever extracted or written
//! to disk. Manifests and configs are checked against their digests when read. Layer blobs are
//! delivered exactly as stored, together with what the image claims about them ([`LayerDesc::digest`],
//! [`LayerDesc::diff_id`], [`LayerDelivery::blob_digest`]): the consumer verifies both digests in the
//! same pass that reads the layer (`seawall-walker` computes them while it walks), so that a blob is
//! hashed once and a mismatch becomes a finding-level verdict instead of a read error.
//!
//! The walker (`seawall-walker`) consumes an `ImageSource`; the vocabulary types come from
//! `seawall-core`. Errors are [`SourceError`]s naming the file, member, blob or reference concerned.
//!
//! Parsers exposed as fuzz entry points (never panic on any input): [`tarindex::index_tar_bytes`],
//! [`read_tar_stream_bytes`],
//! [`parse_manifest_bytes`], [`parse_docker_manifest_bytes`], [`parse_www_authenticate`],
//! [`ImageRef::parse`].
//!
//! ```
//! use seawall_source::{ImageRef, SourceError, SourceOptions, open};
//! let ImageRef::Registry(r) = ImageRef::parse("127.0.0.1:5000/team/app:v1")? else { unreachable!() };
//! assert_eq!((r.registry.as_str(), r.repository.as_str(), r.manifest_reference()), ("127.0.0.1:5000", "team/app", "v1"));
//! assert!(r.is_loopback());
//! // Errors name what is wrong and where.
//! let err = open("docker-archive:/nonexistent/app.tar", &SourceOptions::default()).err().unwrap();
//! assert!(err.to_string().contains("/nonexistent/app.tar"));
//! # Ok::<(), SourceError>(())
//! ```
//!
//! Reading every layer, whatever the source:
//!
//! ```no_run
//! use seawall_source::{open, SourceError, SourceOptions};
//! let source = open("docker:my-model-server:latest", &SourceOptions::default())?;
//! source.stream_layers(&mut |delivery, blob| {
//!     let n = std::io::copy(blob, &mut std::io::sink())
//!         .map_err(|e| SourceError::Read { what: format!("layers {:?}", delivery.indexes), source: e })?;
//!     println!("layers {:?}: {n} bytes", delivery.indexes);
//!     Ok(())
//! })?;
//! // Sequential sources may refine their metadata while streaming: read it again afterwards.
//! println!("{} history entries", source.meta().config.history.len());
//! # Ok::<(), SourceError>(())
//! ```
#![deny(missing_docs)]

mod auth;
mod compressed;
mod digest;
mod docker_archive;
mod engine;
mod error;
mod manifest;
mod meta;
mod oci;
mod reference;
mod registry;
mod savestream;
mod store;
mod stored;
pub mod tarindex;
mod tarstream;
#[cfg(test)]
#[cfg(unix)]
mod tests_engine;
#[cfg(test)]
mod tests_fuzz;
#[cfg(test)]
mod tests_local;
#[cfg(test)]
mod tests_registry;
#[cfg(test)]
mod testutil;

use std::io::Read;
use std::path::PathBuf;

use seawall_core::Redacted;

pub use auth::{Challenge, parse_challenge, parse_www_authenticate};
pub use docker_archive::parse_docker_manifest_bytes;
pub use error::SourceError;
pub use manifest::parse_manifest_bytes;
pub use meta::{ImageMeta, LayerDesc};
pub use reference::{DOCKER_HUB, ImageRef, RegistryRef, parse_registry};
pub use registry::artifacts::{Referrer, ReferrersVia, RegistryArtifacts, fallback_tag};
pub use tarstream::read_tar_stream_bytes;

/// A readable image: metadata plus layer blobs.
pub trait ImageSource: Send + Sync {
    /// Name, digests, configuration and layers.
    ///
    /// The Docker Engine source first answers from the inspect/history API (layer sizes 0, history
    /// reconstructed) and, once [`ImageSource::stream_layers`] has returned, from the exact config blob
    /// and layer sizes seen in the stream: call `meta()` again after streaming.
    fn meta(&self) -> &ImageMeta;

    /// `true`: [`ImageSource::open_layer`] may be called for any index, concurrently from several
    /// threads. `false`: use [`ImageSource::stream_layers`].
    fn random_access(&self) -> bool;

    /// The layer blob exactly as stored (maybe gzip/zstd compressed; the walker sniffs compression).
    /// Not verified: see the crate documentation.
    fn open_layer(&self, index: u32) -> Result<Box<dyn Read + Send + '_>, SourceError>;

    /// Identifies the stored blob of a layer: layers with the same key read the same bytes (the same
    /// blob digest, the same archive member), so a consumer reads such a blob once. `None` when
    /// unknown. The default is the layer's claimed blob digest.
    fn blob_key(&self, index: u32) -> Option<String> {
        self.meta().layers.get(usize::try_from(index).ok()?)?.digest.clone()
    }

    /// Calls `f(delivery, reader)` once per stored blob, in the order the source can deliver them
    /// (stream order for the Docker Engine, index order otherwise); `delivery.indexes` lists every
    /// layer that blob stands for. The default implementation loops over
    /// [`ImageSource::open_layer`], one layer at a time.
    fn stream_layers(
        &self,
        f: &mut dyn FnMut(&LayerDelivery, &mut dyn Read) -> Result<(), SourceError>,
    ) -> Result<(), SourceError> {
        for layer in &self.meta().layers {
            let mut r = self.open_layer(layer.index)?;
            f(&LayerDelivery { indexes: vec![layer.index], blob_digest: layer.digest.clone() }, &mut r)?;
        }
        Ok(())
    }
}

/// One blob delivered by [`ImageSource::stream_layers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerDelivery {
    /// The layers this blob is (one, or several layers with the same content), ascending.
    pub indexes: Vec<u32>,
    /// The `sha256:` digest the stored bytes must have, when the source knows it (a manifest
    /// descriptor, a blob named by its digest). Otherwise the bytes must match the layers' diff_ids.
    pub blob_digest: Option<String>,
}

/// Registry credentials given on the command line or by an embedding program. The password is
/// [`Redacted`]: it never appears in `Debug` output, logs or errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// User name.
    pub username: String,
    /// Password or token.
    pub password: Redacted<String>,
}

impl Credentials {
    /// Credentials from a user name and a password.
    pub fn new(username: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials { username: username.into(), password: Redacted::new(password.into()) }
    }
}

/// Options that influence how a reference is resolved and fetched.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct SourceOptions {
    /// `os/arch[/variant]` to select from a multi-platform index (default `linux/amd64`).
    pub platform: Option<String>,
    /// Allow plain HTTP (and unverified TLS) for registries on loopback addresses.
    pub insecure: bool,
    /// Docker Engine endpoint (`unix:///var/run/docker.sock`, `tcp://host:2375`); default a non-empty
    /// `DOCKER_HOST` of [`SourceOptions::env`], else the standard socket.
    pub docker_host: Option<String>,
    /// Docker client config file with registry credentials (`auths`, `credHelpers`, `credsStore`);
    /// default `$DOCKER_CONFIG/config.json` or `~/.docker/config.json` of [`SourceOptions::env`].
    pub docker_config: Option<PathBuf>,
    /// Registry credentials that take precedence over the Docker config.
    pub credentials: Option<Credentials>,
    /// The environment the defaults above come from (`DOCKER_HOST`, `DOCKER_CONFIG`, `HOME`); empty by
    /// default, so that nothing is read from the process environment unless the caller passes it.
    pub env: seawall_core::Environment,
}

/// Opens an image from a reference string (see the crate documentation for the forms).
///
/// Blocking: the registry and Docker Engine sources use `reqwest`'s blocking client, so call this (and
/// read layers) outside async tasks — from a plain thread or `tokio::task::spawn_blocking`.
pub fn open(reference: &str, opts: &SourceOptions) -> Result<Box<dyn ImageSource>, SourceError> {
    let parsed = ImageRef::parse(reference)?;
    open_ref(reference, &parsed, opts)
}

/// Opens an already parsed reference; `name` becomes [`ImageMeta::name`].
pub fn open_ref(
    name: &str,
    reference: &ImageRef,
    opts: &SourceOptions,
) -> Result<Box<dyn ImageSource>, SourceError> {
    match reference {
        ImageRef::DockerArchive { path, tag } => {
            if let Some(c) = compressed::sniff(path)? {
                return Ok(Box::new(compressed::open_compressed_docker_archive(
                    path,
                    name,
                    tag.as_deref(),
                    c,
                )?));
            }
            let store = Box::new(store::TarStore::new(path)?);
            Ok(Box::new(docker_archive::open_docker_archive(store, name, tag.as_deref(), opts)?))
        }
        ImageRef::OciDir { dir, tag } => {
            let store = Box::new(store::DirStore::new(dir)?);
            Ok(Box::new(oci::open_layout(store, name, tag.as_deref(), opts)?))
        }
        ImageRef::OciArchive { path, tag } => {
            if compressed::sniff(path)?.is_some() {
                return Err(SourceError::Unsupported {
                    reference: name.to_string(),
                    reason: "compressed oci-archive: decompress it first (layers inside are usually compressed already)"
                        .to_string(),
                });
            }
            let store = Box::new(store::TarStore::new(path)?);
            Ok(Box::new(oci::open_layout(store, name, tag.as_deref(), opts)?))
        }
        ImageRef::TarFile(path) => {
            if let Some(c) = compressed::sniff(path)? {
                return Ok(Box::new(compressed::open_compressed_docker_archive(path, name, None, c)?));
            }
            let store = Box::new(store::TarStore::new(path)?);
            if store::Store::exists(store.as_ref(), "manifest.json") {
                Ok(Box::new(docker_archive::open_docker_archive(store, name, None, opts)?))
            } else if store::Store::exists(store.as_ref(), "index.json") {
                Ok(Box::new(oci::open_layout(store, name, None, opts)?))
            } else {
                Err(SourceError::malformed(
                    path.display().to_string(),
                    "neither a docker-archive (no manifest.json) nor an oci-archive (no index.json)",
                ))
            }
        }
        ImageRef::Registry(r) => Ok(Box::new(registry::open_registry(name, r, opts)?)),
        ImageRef::Docker(image) => Ok(Box::new(engine::open_engine(name, image, opts)?)),
    }
}
