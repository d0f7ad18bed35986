//! Digest helpers: validation, blob paths, hashing and a reader that verifies while streaming.

use std::io::Read;

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

/// A reader that hashes what passes through and fails at end of stream when the content does not
/// match the expected `sha256:` digest or size. Content read only partially is not verified.
pub(crate) struct VerifyingReader<R> {
    inner: R,
    hasher: Sha256,
    expected: String,
    expected_size: Option<u64>,
    seen: u64,
    what: String,
    done: bool,
}

impl<R: Read> VerifyingReader<R> {
    /// Wraps `inner`; `expected` must be a `sha256:` digest (others make this a plain pass-through).
    pub(crate) fn new(inner: R, expected: &str, expected_size: Option<u64>, what: String) -> Self {
        VerifyingReader {
            inner,
            hasher: Sha256::new(),
            expected: expected.to_string(),
            expected_size,
            seen: 0,
            what,
            done: !expected.starts_with("sha256:"),
        }
    }
}

impl<R: Read> VerifyingReader<R> {
    /// Compares what was seen with what was expected (once).
    fn finish(&mut self) -> std::io::Result<()> {
        self.done = true;
        if let Some(size) = self.expected_size
            && size != self.seen
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: size mismatch: expected {size} bytes, got {}", self.what, self.seen),
            ));
        }
        let actual = format!("sha256:{}", hex::encode(self.hasher.clone().finalize()));
        if actual != self.expected {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!("{}: digest mismatch: expected {}, got {actual}", self.what, self.expected),
            ));
        }
        Ok(())
    }
}

impl<R: Read> Read for VerifyingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if self.done {
            return Ok(n);
        }
        if n > 0 {
            self.hasher.update(&buf[..n]);
            self.seen += n as u64;
            // With a known size, verify on the read that completes the blob: consumers (a gzip decoder
            // that has seen its trailer) often never ask for the final empty read.
            if self.expected_size.is_some_and(|size| self.seen >= size) {
                self.finish()?;
            }
            return Ok(n);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        self.finish()?;
        Ok(0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn verifying_reader_accepts_and_rejects() {
        let data = b"layer bytes".to_vec();
        let good = sha256_of(&data);
        let mut out = Vec::new();
        VerifyingReader::new(&data[..], &good, Some(11), "l".into()).read_to_end(&mut out).unwrap();
        assert_eq!(out, data);
        let bad = sha256_of(b"other");
        let err = VerifyingReader::new(&data[..], &bad, None, "l".into()).read_to_end(&mut Vec::new());
        assert!(err.unwrap_err().to_string().contains("digest mismatch"));
        let err = VerifyingReader::new(&data[..], &good, Some(3), "l".into()).read_to_end(&mut Vec::new());
        assert!(err.unwrap_err().to_string().contains("size mismatch"));
        // With a known size the check fires on the read that completes the blob, without a final
        // empty read.
        let mut r = VerifyingReader::new(&data[..], &bad, Some(11), "l".into());
        let mut buf = [0u8; 64];
        assert!(r.read(&mut buf).unwrap_err().to_string().contains("digest mismatch"));
        let mut r = VerifyingReader::new(&data[..], &good, Some(11), "l".into());
        assert_eq!(r.read(&mut buf).unwrap(), 11);
        assert_eq!(r.read(&mut buf).unwrap(), 0);
    }

    #[test]
    fn blob_paths_are_safe() {
        let d = format!("sha256:{}", "ab".repeat(32));
        assert_eq!(blob_path("x", &d).unwrap(), format!("blobs/sha256/{}", "ab".repeat(32)));
        assert!(blob_path("x", "sha256:../../etc/passwd").is_err());
        assert!(blob_path("x", &format!("md5:{}", "a".repeat(64))).is_err());
        assert!(blob_path("x", &format!("sha256:{}", "A".repeat(64))).is_err());
    }
}
