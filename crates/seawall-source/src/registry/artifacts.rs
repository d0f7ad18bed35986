//! Signature and attestation artifacts stored next to an image in a registry: raw manifests by tag or
//! digest, small blobs, and OCI 1.1 referrers (the `/v2/<name>/referrers/<digest>` API, falling back
//! to the `sha256-<hex>` tag schema when the registry does not offer it). Used by `seawall-trust` to
//! find cosign signatures (`sha256-<hex>.sig`), cosign attestations (`sha256-<hex>.att`) and Sigstore
//! bundles attached as referrers. Everything fetched is verified against its digest.

use reqwest::StatusCode;
use serde::Deserialize;

use super::{RegistryClient, read_limited};
use crate::digest::{parse_digest, verify_bytes};
use crate::manifest::MAX_MANIFEST_SIZE;
use crate::{RegistryRef, SourceError, SourceOptions};

/// Accept header for referrer indexes.
const INDEX_ACCEPT: &str = "application/vnd.oci.image.index.v1+json";

/// One manifest that refers to an image (an entry of the referrers index).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Referrer {
    /// Digest of the referring manifest.
    pub digest: String,
    /// Its media type.
    #[serde(default)]
    pub media_type: String,
    /// Its artifact type (`application/vnd.dev.sigstore.bundle.v0.3+json`, …).
    #[serde(default)]
    pub artifact_type: Option<String>,
    /// Size in bytes.
    #[serde(default)]
    pub size: u64,
    /// Its annotations.
    #[serde(default)]
    pub annotations: std::collections::BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct ReferrerIndex {
    #[serde(default)]
    manifests: Vec<Referrer>,
}

/// Where a referrer list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferrersVia {
    /// The registry's referrers API.
    Api,
    /// The `sha256-<hex>` fallback tag.
    TagSchema,
    /// Neither exists: no referrers.
    None,
}

/// A connection to one repository for reading signature artifacts.
pub struct RegistryArtifacts {
    client: RegistryClient,
}

impl std::fmt::Debug for RegistryArtifacts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "RegistryArtifacts({})", self.client.reference)
    }
}

impl RegistryArtifacts {
    /// Connects to the repository of `reference` (credentials and `--insecure` as for scanning).
    pub fn connect(reference: &RegistryRef, opts: &SourceOptions) -> Result<RegistryArtifacts, SourceError> {
        Ok(RegistryArtifacts { client: RegistryClient::new(reference, opts)? })
    }

    /// The repository reference this connection reads.
    pub fn reference(&self) -> &RegistryRef {
        &self.client.reference
    }

    /// A manifest (or index) by tag or digest: `(digest, bytes)`, verified against the digest when one
    /// was asked for or announced. `Ok(None)` when the registry answers 404.
    pub fn manifest(&self, reference: &str) -> Result<Option<(String, Vec<u8>)>, SourceError> {
        match self.client.manifest(reference) {
            Ok(m) => Ok(Some(m)),
            Err(SourceError::Missing { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A blob of at most `limit` bytes, verified against its digest.
    pub fn blob(&self, digest: &str, limit: u64) -> Result<Vec<u8>, SourceError> {
        let what = format!("{}: blob {digest}", self.client.reference);
        parse_digest(&what, digest)?;
        let resp = self.client.blob(digest)?;
        let bytes = read_limited(resp, limit, &what)?;
        verify_bytes(&what, digest, &bytes)?;
        Ok(bytes)
    }

    /// The manifests referring to `digest`: from the referrers API when the registry has it, else from
    /// the `sha256-<hex>` tag (an index maintained by the pushing client), else none.
    pub fn referrers(&self, digest: &str) -> Result<(Vec<Referrer>, ReferrersVia), SourceError> {
        let what = format!("{}: referrers of {digest}", self.client.reference);
        parse_digest(&what, digest)?;
        let path = format!("{}/referrers/{digest}", self.client.reference.repository);
        match self.client.get(&path, Some(INDEX_ACCEPT), true) {
            Ok(resp) => {
                let is_index = resp
                    .headers()
                    .get(reqwest::header::CONTENT_TYPE)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|ct| ct.starts_with(INDEX_ACCEPT));
                if resp.status() == StatusCode::OK && is_index {
                    let bytes = read_limited(resp, MAX_MANIFEST_SIZE, &what)?;
                    let idx: ReferrerIndex = serde_json::from_slice(&bytes)
                        .map_err(|e| SourceError::Json { what: what.clone(), source: e })?;
                    return Ok((idx.manifests, ReferrersVia::Api));
                }
            }
            Err(SourceError::Missing { .. }) => {}
            // Registries without the API answer 404 or 400/405 (unknown route); fall back.
            Err(SourceError::Http { .. }) => {}
            Err(e) => return Err(e),
        }
        let tag = fallback_tag(digest, "");
        match self.manifest(&tag)? {
            None => Ok((Vec::new(), ReferrersVia::None)),
            Some((_, bytes)) => {
                let idx: ReferrerIndex = serde_json::from_slice(&bytes)
                    .map_err(|e| SourceError::Json { what: format!("{what} (tag {tag})"), source: e })?;
                Ok((idx.manifests, ReferrersVia::TagSchema))
            }
        }
    }
}

/// The cosign / OCI fallback tag for a digest: `sha256:abc…` → `sha256-abc…{suffix}` (`.sig`, `.att`,
/// or `` for the referrers tag schema).
pub fn fallback_tag(digest: &str, suffix: &str) -> String {
    format!("{}{suffix}", digest.replacen(':', "-", 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fallback_tags() {
        assert_eq!(fallback_tag("sha256:ab12", ".sig"), "sha256-ab12.sig");
        assert_eq!(fallback_tag("sha256:ab12", ""), "sha256-ab12");
    }
}
