//! The trusted root: Fulcio certificate authorities, Rekor and CT log keys, timestamp authorities, in
//! the Sigstore `trusted_root.json` format (`application/vnd.dev.sigstore.trustedroot+json`).
//!
//! Everything is checked offline against this file. The public-good root is embedded in the binary
//! (as shipped by `sigstore-trust-root`); an installed copy (`seawall trust update --from FILE`, stored
//! as `trusted_root.json` in seawall's cache directory) replaces it, and `--trusted-root FILE` replaces
//! both for one command (a private Sigstore deployment or a test root).

use std::path::{Path, PathBuf};

use sigstore_verify::trust_root::{SIGSTORE_PRODUCTION_TRUSTED_ROOT, TrustedRoot};

use crate::TrustError;

/// Largest trusted root file read (bytes).
const MAX_ROOT_SIZE: u64 = 8 << 20;

/// File name of the installed trusted root inside seawall's cache directory.
pub const INSTALLED_ROOT_FILE: &str = "trusted_root.json";

/// Where a [`TrustRoot`] came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RootOrigin {
    /// The Sigstore public-good root embedded in seawall.
    Embedded,
    /// A file (`--trusted-root`, or the installed copy).
    File(PathBuf),
}

impl std::fmt::Display for RootOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RootOrigin::Embedded => f.write_str("embedded Sigstore public-good root"),
            RootOrigin::File(p) => write!(f, "{}", p.display()),
        }
    }
}

/// A parsed trusted root, ready for verification.
#[derive(Debug, Clone)]
pub struct TrustRoot {
    pub(crate) root: TrustedRoot,
    /// Where it came from.
    pub origin: RootOrigin,
}

impl TrustRoot {
    /// The Sigstore public-good root embedded in seawall.
    pub fn embedded() -> Result<TrustRoot, TrustError> {
        Self::from_json_str(SIGSTORE_PRODUCTION_TRUSTED_ROOT, RootOrigin::Embedded)
    }

    /// Parses a trusted root document.
    pub fn from_json_str(json: &str, origin: RootOrigin) -> Result<TrustRoot, TrustError> {
        let root = TrustedRoot::from_json(json)
            .map_err(|e| TrustError::TrustedRoot { what: origin.to_string(), reason: e.to_string() })?;
        // Reject material the verifier cannot use now, not at the first signature.
        sigstore_verify::Verifier::new(&root)
            .map_err(|e| TrustError::TrustedRoot { what: origin.to_string(), reason: e.to_string() })?;
        Ok(TrustRoot { root, origin })
    }

    /// Reads a trusted root file.
    pub fn from_file(path: &Path) -> Result<TrustRoot, TrustError> {
        let text = read_text(path, MAX_ROOT_SIZE)?;
        Self::from_json_str(&text, RootOrigin::File(path.to_path_buf()))
    }

    /// The root to use: `explicit` when given, else the installed copy in `cache_dir` when present,
    /// else the embedded public-good root.
    pub fn resolve(explicit: Option<&Path>, cache_dir: Option<&Path>) -> Result<TrustRoot, TrustError> {
        if let Some(p) = explicit {
            return Self::from_file(p);
        }
        if let Some(dir) = cache_dir {
            let installed = dir.join(INSTALLED_ROOT_FILE);
            if installed.is_file() {
                return Self::from_file(&installed);
            }
        }
        Self::embedded()
    }

    /// Validates `source` and installs it as `cache_dir/trusted_root.json` (atomically: written to a
    /// temporary file beside it, then renamed). Returns the installed path.
    pub fn install(source: &Path, cache_dir: &Path) -> Result<PathBuf, TrustError> {
        let text = read_text(source, MAX_ROOT_SIZE)?;
        Self::from_json_str(&text, RootOrigin::File(source.to_path_buf()))?;
        fs_err::create_dir_all(cache_dir).map_err(|e| TrustError::io(cache_dir, e))?;
        let dest = cache_dir.join(INSTALLED_ROOT_FILE);
        let tmp = cache_dir.join(format!("{INSTALLED_ROOT_FILE}.tmp"));
        fs_err::write(&tmp, text.as_bytes()).map_err(|e| TrustError::io(&tmp, e))?;
        fs_err::rename(&tmp, &dest).map_err(|e| TrustError::io(&dest, e))?;
        Ok(dest)
    }

    /// Number of (certificate authorities, transparency logs, CT logs, timestamp authorities).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        (
            self.root.certificate_authorities.len(),
            self.root.tlogs.len(),
            self.root.ctlogs.len(),
            self.root.timestamp_authorities.len(),
        )
    }
}

/// Reads a UTF-8 text file of at most `limit` bytes.
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<String, TrustError> {
    use std::io::Read;
    let f = fs_err::File::open(path).map_err(|e| TrustError::io(path, e))?;
    let mut buf = String::new();
    f.take(limit + 1).read_to_string(&mut buf).map_err(|e| TrustError::io(path, e))?;
    if buf.len() as u64 > limit {
        return Err(TrustError::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidData, format!("larger than {limit} bytes")),
        ));
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_root_parses() {
        let r = TrustRoot::embedded().unwrap();
        let (ca, tl, ct, _) = r.counts();
        assert!(ca >= 1 && tl >= 1 && ct >= 1);
    }

    #[test]
    fn bad_root_is_an_error_naming_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("root.json");
        fs_err::write(&p, "{\"mediaType\": 3}").unwrap();
        let e = TrustRoot::from_file(&p).unwrap_err();
        assert!(e.to_string().contains("root.json"), "{e}");
        assert!(TrustRoot::install(&p, dir.path()).is_err());
        assert!(!dir.path().join(INSTALLED_ROOT_FILE).exists());
    }

    #[test]
    fn installed_root_is_preferred_over_embedded() {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src.json");
        fs_err::write(&src, SIGSTORE_PRODUCTION_TRUSTED_ROOT).unwrap();
        let cache = dir.path().join("cache");
        TrustRoot::install(&src, &cache).unwrap();
        let r = TrustRoot::resolve(None, Some(&cache)).unwrap();
        assert_eq!(r.origin, RootOrigin::File(cache.join(INSTALLED_ROOT_FILE)));
        assert_eq!(TrustRoot::resolve(None, None).unwrap().origin, RootOrigin::Embedded);
    }
}
