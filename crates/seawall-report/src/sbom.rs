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

/// The `pkg:oci` purl of an image target pulled by reference (registry or Docker Engine), when its
/// digest is known: `pkg:oci/app@sha256%3A…?repository_url=registry.example/acme/app&tag=1.4`. Archive
/// and layout targets (`docker-archive:`, `oci:`, `oci-archive:`, bare paths) have none.
pub(crate) fn image_purl(target: &seawall_core::Target) -> Option<String> {
    if target.kind != seawall_core::TargetKind::Image {
        return None;
    }
    let digest = target.digest.as_deref()?;
    let name = target.name.strip_prefix("docker:").unwrap_or(&target.name);
    if ["docker-archive:", "oci:", "oci-archive:"].iter().any(|p| name.starts_with(p))
        || name.starts_with('/')
        || name.starts_with('.')
        || name.ends_with(".tar")
    {
        return None;
    }
    let name = name.split_once('@').map_or(name, |(n, _)| n);
    // A tag is a `:` after the last `/` (a `:` before it belongs to a registry port).
    let (repo, tag) = match name.rfind(':') {
        Some(i) if !name[i..].contains('/') => (&name[..i], Some(&name[i + 1..])),
        _ => (name, None),
    };
    let last = repo.rsplit('/').next().filter(|s| !s.is_empty())?;
    let enc = |s: &str| crate::uri::encode_segment(s).to_ascii_lowercase().replace("%3a", "%3A");
    let mut purl = format!(
        "pkg:oci/{}@{}?repository_url={}",
        enc(last),
        crate::uri::encode_segment(digest),
        crate::uri::encode_path(repo)
    );
    if let Some(t) = tag.filter(|t| !t.is_empty()) {
        purl.push_str("&tag=");
        purl.push_str(&crate::uri::encode_segment(t));
    }
    Some(purl)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_purls() {
        use seawall_core::{Target, TargetKind};
        let t = |name: &str, digest: Option<&str>| {
            let mut t = Target::new(TargetKind::Image, name);
            t.digest = digest.map(String::from);
            t
        };
        assert_eq!(
            image_purl(&t("registry.example:5000/acme/ml-api:1.4", Some("sha256:ab"))).as_deref(),
            Some("pkg:oci/ml-api@sha256%3Aab?repository_url=registry.example%3A5000/acme/ml-api&tag=1.4")
        );
        assert_eq!(
            image_purl(&t("docker:python", Some("sha256:ab"))).as_deref(),
            Some("pkg:oci/python@sha256%3Aab?repository_url=python")
        );
        assert_eq!(image_purl(&t("docker-archive:x.tar", Some("sha256:ab"))), None);
        assert_eq!(image_purl(&t("app:1", None)), None);
        assert_eq!(image_purl(&Target::new(TargetKind::Filesystem, "app")), None);
    }

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
