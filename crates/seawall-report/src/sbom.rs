//! Helpers shared by the SBOM formats: stable references and deterministic ids.

use seawall_core::{Package, Report, stable_hash};
use sha2::{Digest, Sha256};

/// A stable per-package key: ecosystem, name, version and locations.
pub(crate) fn package_key(p: &Package) -> String {
    let locs: Vec<String> = p
        .locations
        .iter()
        .map(|l| format!("{}@{}", l.path, l.layer.map(|x| x.to_string()).unwrap_or_default()))
        .collect();
    stable_hash(&[&p.ecosystem, &p.name, &p.version, &locs.join("|")])
}

/// The packages of a report without exact duplicates (the same package recorded twice is one SBOM
/// component), in report order.
pub(crate) fn unique_packages(report: &Report) -> Vec<&Package> {
    let mut seen: std::collections::BTreeMap<String, Vec<&Package>> = std::collections::BTreeMap::new();
    let mut out = Vec::with_capacity(report.packages.len());
    for p in &report.packages {
        let same = seen.entry(package_key(p)).or_default();
        if !same.contains(&p) {
            same.push(p);
            out.push(p);
        }
    }
    out
}

/// A UUID (RFC 4122 layout, version 5 bits) derived from bytes: the same input gives the same UUID.
pub(crate) fn uuid_from(bytes: &[u8]) -> String {
    let h = Sha256::digest(bytes);
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x50;
    b[8] = (b[8] & 0x3f) | 0x80;
    let x = hex::encode(b);
    format!("{}-{}-{}-{}-{}", &x[0..8], &x[8..12], &x[12..16], &x[16..20], &x[20..32])
}

/// The hex part of a `sha256:` digest, when it is one.
pub(crate) fn sha256_hex(digest: &str) -> Option<&str> {
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// A fingerprint of the report content that identifies an SBOM: the target digest when known,
/// otherwise the target name and the package list.
pub(crate) fn content_id(report: &Report) -> String {
    match &report.target.digest {
        Some(d) => stable_hash(&[&report.target.name, d]),
        None => {
            let keys: Vec<String> = unique_packages(report).into_iter().map(package_key).collect();
            stable_hash(&[&report.target.name, &keys.join(",")])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuid_layout() {
        let u = uuid_from(b"x");
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "5");
        assert!(matches!(&u[19..20], "8" | "9" | "a" | "b"));
        assert_eq!(u, uuid_from(b"x"));
        assert_ne!(u, uuid_from(b"y"));
    }
}
