//! Request validation: image references, digests, version ranges, filters. Pure functions; every
//! error is a sentence the client can act on (returned as 400 with that reason).

use std::cmp::Ordering;

/// Longest image reference accepted.
pub const MAX_REFERENCE_LEN: usize = 512;

/// A reference the fleet may scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidRef {
    /// The reference as stored and passed to workers (`docker://` removed, trimmed).
    pub reference: String,
    /// `host[:port]` of the registry.
    pub registry: String,
    /// The manifest digest when the reference pins one.
    pub pinned_digest: Option<String>,
}

/// Validates a scan submission's image reference: registry references only
/// (`HOST[:PORT]/REPO[:TAG|@DIGEST]`, Docker Hub short names). Local forms (`docker-archive:`,
/// `oci:`, paths, `docker:`) would make a worker read its own disk or Docker Engine and are refused;
/// nothing here touches the file system. With a non-empty `allowed` list, only those registries.
pub fn validate_reference(input: &str, allowed: &[String]) -> Result<ValidRef, String> {
    if input.is_empty() {
        return Err("image reference is empty".into());
    }
    if input.len() > MAX_REFERENCE_LEN {
        return Err(format!("image reference is longer than {MAX_REFERENCE_LEN} bytes"));
    }
    if input.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("image reference contains whitespace or control characters".into());
    }
    let s = input.strip_prefix("docker://").unwrap_or(input);
    for prefix in ["docker-archive:", "oci-archive:", "oci:", "docker:", "docker-daemon:", "file:"] {
        if s.starts_with(prefix) {
            return Err(format!(
                "{prefix} references name files or the Docker Engine of the machine that reads them; the fleet \
                 scans registry references (HOST[:PORT]/REPO[:TAG|@DIGEST]). Scan local images with \
                 `seawall scan image … --upload URL`"
            ));
        }
    }
    if s.starts_with('/') || s.starts_with('.') || s.ends_with(".tar") || s.contains("..") {
        return Err("file paths cannot be scanned by the fleet: use a registry reference".into());
    }
    let parsed = seawall_source::parse_registry(input, s).map_err(|e| e.to_string())?;
    // The distribution grammar: each path component starts and ends with a letter or digit.
    for c in parsed.repository.split('/') {
        let (Some(first), Some(last)) = (c.chars().next(), c.chars().last()) else {
            return Err("empty repository path component".into());
        };
        if !first.is_ascii_alphanumeric() || !last.is_ascii_alphanumeric() {
            return Err(format!(
                "invalid repository path component {c:?}: it must start and end with a letter or digit"
            ));
        }
    }
    if let Some(d) = &parsed.digest {
        validate_digest(d)?;
    }
    if !allowed.is_empty() && !allowed.iter().any(|a| a.eq_ignore_ascii_case(&parsed.registry)) {
        return Err(format!(
            "registry {} is not in this server's --allow-registry list ({})",
            parsed.registry,
            allowed.join(", ")
        ));
    }
    Ok(ValidRef { reference: s.to_string(), registry: parsed.registry.clone(), pinned_digest: parsed.digest })
}

/// Validates an image digest in a path (`sha256:` + 64 hex, `sha512:` + 128 hex, or the `target:`
/// key of an uploaded non-image report). Lower-case hex only.
pub fn validate_digest(d: &str) -> Result<(), String> {
    let ok = |hex: &str, len: usize| {
        hex.len() == len && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let valid = match d.split_once(':') {
        Some(("sha256", h)) | Some(("target", h)) => ok(h, 64),
        Some(("sha512", h)) => ok(h, 128),
        _ => false,
    };
    if valid {
        Ok(())
    } else {
        Err(format!(
            "invalid digest {:?}: expected sha256:<64 lower-case hex> (or sha512:, target:)",
            d.chars().take(80).collect::<String>()
        ))
    }
}

/// A comparison operator of a version range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=` / `==`
    Eq,
    /// `!=`
    Ne,
}

/// A version range: comparators joined by commas, all of which must hold (`>=1.0,<2.0`, `==3.1.2`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Range(pub Vec<(Op, String)>);

/// Parses a range; a bare version means `==`.
pub fn parse_range(spec: &str) -> Result<Range, String> {
    if spec.len() > 256 {
        return Err("version range longer than 256 bytes".into());
    }
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let (op, v) = if let Some(v) = part.strip_prefix(">=") {
            (Op::Ge, v)
        } else if let Some(v) = part.strip_prefix("<=") {
            (Op::Le, v)
        } else if let Some(v) = part.strip_prefix("==") {
            (Op::Eq, v)
        } else if let Some(v) = part.strip_prefix("!=") {
            (Op::Ne, v)
        } else if let Some(v) = part.strip_prefix('>') {
            (Op::Gt, v)
        } else if let Some(v) = part.strip_prefix('<') {
            (Op::Lt, v)
        } else if let Some(v) = part.strip_prefix('=') {
            (Op::Eq, v)
        } else {
            (Op::Eq, part)
        };
        let v = v.trim();
        if v.is_empty() || v.chars().any(|c| c.is_whitespace() || c.is_control() || "<>=!,".contains(c)) {
            return Err(format!("invalid comparator {part:?} in version range {spec:?}"));
        }
        out.push((op, v.to_string()));
    }
    if out.is_empty() {
        return Err(format!("empty version range {spec:?}"));
    }
    Ok(Range(out))
}

impl Range {
    /// Whether `version` (of `ecosystem`, ordered by its own rules) satisfies every comparator.
    pub fn contains(&self, ecosystem: &str, version: &str) -> bool {
        self.0.iter().all(|(op, bound)| {
            let Some(ord) = seawall_version::compare(ecosystem, version, bound) else { return false };
            match op {
                Op::Lt => ord == Ordering::Less,
                Op::Le => ord != Ordering::Greater,
                Op::Gt => ord == Ordering::Greater,
                Op::Ge => ord != Ordering::Less,
                Op::Eq => ord == Ordering::Equal,
                Op::Ne => ord != Ordering::Equal,
            }
        })
    }
}

/// A bounded, printable identifier from a query string or path (package name, ecosystem, advisory id).
pub fn identifier(what: &str, value: &str, max: usize) -> Result<String, String> {
    if value.is_empty() {
        return Err(format!("{what} is empty"));
    }
    if value.len() > max {
        return Err(format!("{what} is longer than {max} bytes"));
    }
    if value.chars().any(|c| c.is_control()) {
        return Err(format!("{what} contains control characters"));
    }
    Ok(value.to_string())
}

/// Page size: 1..=500, default 100.
pub fn limit(value: Option<i64>) -> Result<i64, String> {
    match value {
        None => Ok(100),
        Some(n) if (1..=500).contains(&n) => Ok(n),
        Some(n) => Err(format!("limit {n} out of range 1..=500")),
    }
}

/// Finding kind filter.
pub fn kind(value: &str) -> Result<String, String> {
    match value.to_ascii_lowercase().as_str() {
        k @ ("vulnerability" | "secret" | "model" | "misconfiguration") => Ok(k.to_string()),
        "vuln" => Ok("vulnerability".into()),
        "config" => Ok("misconfiguration".into()),
        _ => Err(format!(
            "invalid kind {:?}: vulnerability, secret, model or misconfiguration",
            value.chars().take(40).collect::<String>()
        )),
    }
}

/// Severity list filter (`HIGH,CRITICAL`).
pub fn severities(value: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for s in value.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let sev: seawall_core::Severity = s.parse().map_err(|_| {
            format!(
                "invalid severity {:?}: CRITICAL, HIGH, MEDIUM, LOW or INFO",
                s.chars().take(40).collect::<String>()
            )
        })?;
        out.push(sev.as_str().to_string());
    }
    Ok(out)
}

/// Practice filter (1–10).
pub fn practice(value: &str) -> Result<i16, String> {
    value
        .parse::<i16>()
        .ok()
        .filter(|p| (1..=10).contains(p))
        .ok_or_else(|| format!("invalid practice {:?}: 1 to 10", value.chars().take(40).collect::<String>()))
}

/// Every request parser on arbitrary input, for the fuzz target `fleet_request` and the no-panic
/// property test: none may panic.
pub fn fuzz_request(data: &[u8]) {
    let s = String::from_utf8_lossy(data);
    let _ = validate_reference(&s, &[]);
    let _ = validate_reference(&s, &["127.0.0.1:5000".to_string()]);
    let _ = validate_digest(&s);
    if let Ok(r) = parse_range(&s) {
        let _ = r.contains("PyPI", "1.0");
        let _ = r.contains("Debian:12", &s);
    }
    let _ = kind(&s);
    let _ = severities(&s);
    let _ = practice(&s);
    let _ = identifier("x", &s, 64);
    let _ = seawall_store::parse_id_cursor(Some(&s));
    let _ = seawall_store::parse_finding_cursor(Some(&s));
    let _ = seawall_store::SecretKey::parse(&s);
    let _ = serde_json::from_slice::<crate::api::ScanRequest>(data);
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn request_parsers_never_panic(data in proptest::collection::vec(proptest::num::u8::ANY, 0..300)) {
            fuzz_request(&data);
        }

        #[test]
        fn reference_like_strings_never_panic(s in "[a-z0-9:/@._-]{0,80}") {
            fuzz_request(s.as_bytes());
        }
    }

    #[test]
    fn registry_references_are_accepted() {
        let r = validate_reference("127.0.0.1:5000/ml/app:v1", &[]).unwrap();
        assert_eq!(r.registry, "127.0.0.1:5000");
        assert_eq!(r.pinned_digest, None);
        let d = format!("127.0.0.1:5000/ml/app@sha256:{}", "a".repeat(64));
        assert_eq!(
            validate_reference(&d, &[]).unwrap().pinned_digest,
            Some(format!("sha256:{}", "a".repeat(64)))
        );
        assert_eq!(validate_reference("docker://ubuntu:22.04", &[]).unwrap().reference, "ubuntu:22.04");
    }

    #[test]
    fn malformed_references_are_refused_with_a_reason() {
        for bad in [
            "",
            "docker-archive:/etc/passwd",
            "oci:/var/lib/x",
            "docker:app",
            "/etc/shadow",
            "./x.tar",
            "app.tar",
            "127.0.0.1:5000/UPPER/case:1",
            "127.0.0.1:5000/app:bad tag",
            "127.0.0.1:5000/app@sha256:xyz",
            "127.0.0.1:5000/app'; DROP TABLE jobs;--",
            "127.0.0.1:5000/../../etc:1",
            "-1",
            "127.0.0.1:5000/app-:1",
        ] {
            let e = validate_reference(bad, &[]).unwrap_err();
            assert!(!e.is_empty(), "{bad}");
        }
        assert!(validate_reference(&"a".repeat(600), &[]).is_err());
        let allowed = vec!["registry.example:443".to_string()];
        assert!(
            validate_reference("127.0.0.1:5000/app:1", &allowed).unwrap_err().contains("--allow-registry")
        );
    }

    #[test]
    fn digests() {
        assert!(validate_digest(&format!("sha256:{}", "0".repeat(64))).is_ok());
        assert!(validate_digest(&format!("target:{}", "0".repeat(64))).is_ok());
        assert!(validate_digest(&format!("sha256:{}", "A".repeat(64))).is_err());
        assert!(validate_digest("sha256:abc").is_err());
        assert!(validate_digest("1 OR 1=1").is_err());
    }

    #[test]
    fn version_ranges_use_ecosystem_ordering() {
        let r = parse_range(">=3.0,<3.1.3").unwrap();
        assert!(r.contains("PyPI", "3.1.2"));
        assert!(!r.contains("PyPI", "3.1.3"));
        assert!(parse_range("3.1.2").unwrap().contains("PyPI", "3.1.2"));
        assert!(parse_range("<1.2-1").unwrap().contains("Debian:12", "1.2-1~deb12u1"));
        assert!(parse_range("").is_err());
        assert!(parse_range(">=1 OR 1=1").is_err());
    }

    #[test]
    fn filters() {
        assert_eq!(kind("Secret").unwrap(), "secret");
        assert!(kind("secret'--").is_err());
        assert_eq!(severities("high,critical").unwrap(), vec!["HIGH", "CRITICAL"]);
        assert!(severities("HIGH;DROP").is_err());
        assert_eq!(practice("7").unwrap(), 7);
        assert!(practice("11").is_err());
        assert!(limit(Some(0)).is_err());
        assert_eq!(limit(None).unwrap(), 100);
    }
}
