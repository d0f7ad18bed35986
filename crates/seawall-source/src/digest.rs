//! Digest helpers: validation, blob paths, hashing of small documents. (Layer blobs are verified by
//! their consumer while it reads them: see [`crate::ImageSource`].)

use sha2::{Digest as _, Sha256};

use crate::SourceError;

/// Splits and validates `algorithm:hex`; only `sha256` (64 hex) and `sha512` (128 hex) are accepted.
pub(crate) fn parse_digest(what: &str, digest: &str) -> Result<(&'static str, String), SourceError> {
    let bad = || SourceError::malformed(what, format!("invalid digest {digest:?}"));
    let (alg, hex) = digest.split_once(':').ok_or_else(bad)?;
    let alg: &'static str = match (alg, hex.len()) {
        ("sha256", 64) => "sha256",
        ("sha512", 128) => "sha512",
        _ => return Err(bad()),
    };
    if !hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return Err(bad());
    }
    Ok((alg, hex.to_string()))
}

/// `blobs/<alg>/<hex>` for a validated digest (so the result never contains `..` or `/` tricks).
pub(crate) fn blob_path(what: &str, digest: &str) -> Result<String, SourceError> {
    let (alg, hex) = parse_digest(what, digest)?;
    Ok(format!("blobs/{alg}/{hex}"))
}

/// `sha256:<hex>` of some bytes.
pub(crate) fn sha256_of(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// Checks small in-memory blobs (manifests, configs) against their digest. Non-sha256 digests are
/// accepted unchecked.
pub(crate) fn verify_bytes(what: &str, expected: &str, bytes: &[u8]) -> Result<(), SourceError> {
    if !expected.starts_with("sha256:") {
        return Ok(());
    }
    let actual = sha256_of(bytes);
    if actual != expected {
        return Err(SourceError::DigestMismatch {
            what: what.to_string(),
            expected: expected.to_string(),
            actual,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blob_paths_are_safe() {
        let d = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(blob_path("x", &d).unwrap(), format!("blobs/sha256/{}", "ab".repeat(32)));
        assert!(blob_path("x", "sha256:../../etc/passwd").is_err());
        assert!(blob_path("x", &format!("md5:{}", "a".repeat(64))).is_err());
        assert!(blob_path("x", &format!("sha256:{}", "A".repeat(64))).is_err());
    }
}
