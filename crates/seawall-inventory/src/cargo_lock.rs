//! Rust: `Cargo.lock` files (project trees, source copied into images). Binaries built with
//! `cargo auditable` are read by [`crate::binary`].

use seawall_analyzer::{AnalyzerError, EntryMeta};
use serde::Deserialize;

use crate::common::{Out, WholeFile, purl, text, whole_file_analyzer};

/// Ecosystem of Rust crates.
pub const ECOSYSTEM_CRATES_IO: &str = "crates.io";
/// Property: `source` of a locked crate (`registry+https://…`, `git+…`), absent for path crates.
pub const PROP_CARGO_SOURCE: &str = "cargo.source";

#[derive(Deserialize)]
struct Lock {
    #[serde(default)]
    package: Vec<LockPackage>,
}

#[derive(Deserialize)]
struct LockPackage {
    name: String,
    version: String,
    #[serde(default)]
    source: Option<String>,
}

/// `(name, version, source)` of every `[[package]]` of a `Cargo.lock`. Fuzz entry point.
pub fn parse_cargo_lock(text: &str) -> Result<Vec<(String, String, Option<String>)>, AnalyzerError> {
    if text.trim().is_empty() {
        return Err(AnalyzerError::parse("empty Cargo.lock"));
    }
    let lock: Lock = toml::from_str(text).map_err(|e| AnalyzerError::parse(e.to_string()))?;
    Ok(lock.package.into_iter().map(|p| (p.name, p.version, p.source)).collect())
}

/// A crates.io package with its purl, at `out`'s file.
pub(crate) fn crate_package(out: &Out<'_, '_>, name: &str, version: &str) -> seawall_core::Package {
    let mut p = out.package(name, version, ECOSYSTEM_CRATES_IO, None);
    p.purl = purl("cargo", None, name, Some(version), &[]);
    p
}

/// Reads `Cargo.lock`. Every locked package is reported (workspace members too, without
/// `cargo.source`).
#[derive(Debug, Default, Clone, Copy)]
pub struct CargoLockAnalyzer;

impl WholeFile for CargoLockAnalyzer {
    const NAME: &'static str = "cargo-lock";
    const VERSION: u32 = 2;
    const MAX_SIZE: u64 = 16 * 1024 * 1024;

    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        meta.file_name() == "Cargo.lock"
    }

    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        for (name, version, source) in parse_cargo_lock(&text(bytes))? {
            let mut p = crate_package(out, &name, &version);
            if let Some(s) = source {
                p.properties.insert(PROP_CARGO_SOURCE.into(), s);
            }
            out.push(p);
        }
        Ok(())
    }
}

whole_file_analyzer!(CargoLockAnalyzer);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use seawall_analyzer::{Facts, FileAnalyzer, Interest};

    #[test]
    fn parses() {
        let lock = "version = 3\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"serde\"]\n\n[[package]]\nname = \"serde\"\nversion = \"1.0.190\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"abc\"\n";
        let a = CargoLockAnalyzer;
        let m = EntryMeta::file("tool/Cargo.lock", 1, None);
        assert_eq!(a.required(&m), Interest::Yes);
        let mut f = Facts::default();
        a.analyze(&m, &mut lock.as_bytes(), &mut f).unwrap();
        assert_eq!(f.packages.len(), 2);
        assert_eq!(f.packages[1].purl.as_deref(), Some("pkg:cargo/serde@1.0.190"));
        assert_eq!(f.packages[1].ecosystem, "crates.io");
        assert!(f.packages[1].properties.contains_key(PROP_CARGO_SOURCE));
        assert!(a.analyze(&m, &mut &b"[[package]]\nname = 1\n"[..], &mut f).is_err());
        assert!(
            a.analyze(&m, &mut &b""[..], &mut f).is_err(),
            "a 0-byte Cargo.lock is not an empty inventory"
        );
        assert!(parse_cargo_lock("# generated\nversion = 3\n").unwrap().is_empty());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_cargo_lock(&s);
        }
    }
}
