//! Helpers shared by the analyzers: bounded reads, purls, PEP 503 names, RFC 822-style headers.

use std::io::Read;

use packageurl::PackageUrl;
use seawall_analyzer::{AnalyzerError, EntryMeta};
use seawall_core::Package;

/// Property key naming the analyzer that produced a package.
pub const PROP_ANALYZER: &str = "analyzer";

/// Reads at most `limit` bytes; a longer input is an [`AnalyzerError::Limit`] (never silently cut).
pub(crate) fn read_bounded(r: &mut dyn Read, limit: u64) -> Result<Vec<u8>, AnalyzerError> {
    let mut buf = Vec::new();
    r.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(AnalyzerError::Limit(format!("file larger than {limit} bytes")));
    }
    Ok(buf)
}

/// Reads at most `limit` bytes and decodes them lossily as UTF-8.
pub(crate) fn read_text(r: &mut dyn Read, limit: u64) -> Result<String, AnalyzerError> {
    let bytes = read_bounded(r, limit)?;
    Ok(match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    })
}

/// Builds a purl string; `None` when the parts are not a valid purl (empty name, …).
pub(crate) fn purl(
    ty: &str,
    namespace: Option<&str>,
    name: &str,
    version: Option<&str>,
    qualifiers: &[(&str, &str)],
) -> Option<String> {
    if name.is_empty() {
        return None;
    }
    let mut p = PackageUrl::new(ty.to_string(), name.to_string()).ok()?;
    if let Some(ns) = namespace.filter(|n| !n.is_empty()) {
        p.with_namespace(ns.to_string()).ok()?;
    }
    if let Some(v) = version.filter(|v| !v.is_empty()) {
        p.with_version(v.to_string()).ok()?;
    }
    for (k, v) in qualifiers {
        if !v.is_empty() {
            p.add_qualifier(k.to_string(), v.to_string()).ok()?;
        }
    }
    Some(p.to_string())
}

/// A package found by `analyzer` at `meta`'s location, tagged with the analyzer name.
pub(crate) fn package(
    analyzer: &str,
    meta: &EntryMeta<'_>,
    name: &str,
    version: &str,
    ecosystem: &str,
) -> Package {
    Package::new(name, version, ecosystem, meta.location()).with_property(PROP_ANALYZER, analyzer)
}

/// PEP 503 normalisation (the one implementation lives in `seawall-core`).
///
/// ```
/// assert_eq!(seawall_inventory::pep503_normalize("Foo.Bar__baz"), "foo-bar-baz");
/// ```
pub use seawall_core::normalize_pypi_name as pep503_normalize;

/// One field of an RFC 822-style stanza (dpkg status, Python METADATA). Continuation lines (starting
/// with a space or tab) are joined with `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field<'a> {
    pub(crate) key: &'a str,
    pub(crate) value: String,
    /// 1-based line of the key.
    pub(crate) line: u32,
}

/// Splits text into stanzas separated by blank lines; each stanza is a list of fields.
/// `stop_after_first` stops at the first blank line (Python METADATA: the body follows).
pub(crate) fn stanzas(text: &str, stop_after_first: bool) -> Vec<Vec<Field<'_>>> {
    let mut out = Vec::new();
    let mut cur: Vec<Field<'_>> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
                if stop_after_first {
                    return out;
                }
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(last) = cur.last_mut() {
                last.value.push('\n');
                last.value.push_str(line.trim());
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            cur.push(Field { key: k.trim(), value: v.trim().to_string(), line: lineno });
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// The first value of `key` (case-insensitive) in a stanza.
pub(crate) fn field<'s>(stanza: &'s [Field<'_>], key: &str) -> Option<&'s str> {
    stanza.iter().find(|f| f.key.eq_ignore_ascii_case(key)).map(|f| f.value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes() {
        assert_eq!(pep503_normalize("Django"), "django");
        assert_eq!(pep503_normalize("ruamel.yaml"), "ruamel-yaml");
        assert_eq!(pep503_normalize("typing_extensions"), "typing-extensions");
        assert_eq!(pep503_normalize("a--_.b"), "a-b");
    }

    #[test]
    fn purls() {
        assert_eq!(purl("pypi", None, "numpy", Some("1.0"), &[]).as_deref(), Some("pkg:pypi/numpy@1.0"));
        assert_eq!(
            purl(
                "deb",
                Some("debian"),
                "libc6",
                Some("2.36-9"),
                &[("distro", "debian-12"), ("arch", "amd64")]
            )
            .as_deref(),
            Some("pkg:deb/debian/libc6@2.36-9?arch=amd64&distro=debian-12")
        );
        assert_eq!(purl("npm", None, "", None, &[]), None);
    }

    #[test]
    fn stanza_parsing() {
        let s = stanzas("A: 1\nB: x\n y\n\n\nA: 2\n", false);
        assert_eq!(s.len(), 2);
        assert_eq!(field(&s[0], "b"), Some("x\ny"));
        assert_eq!(field(&s[1], "A"), Some("2"));
        assert_eq!(s[1][0].line, 6);
        assert_eq!(stanzas("A: 1\n\nBody: x\n", true).len(), 1);
    }

    #[test]
    fn bounded_read() {
        assert!(read_bounded(&mut &b"abcd"[..], 3).is_err());
        assert_eq!(read_bounded(&mut &b"abc"[..], 3).map(|v| v.len()).ok(), Some(3));
    }
}
