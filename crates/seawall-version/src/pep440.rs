//! PEP 440 ordering for PyPI (and conda packages matched against PyPI advisories).
//!
//! Valid versions are parsed and compared by `pep440_rs`, the parser `uv` uses. Strings that are not
//! PEP 440 (old "legacy" versions such as `0.9-doduo`, still present in advisories) are ordered the
//! way setuptools' `LegacyVersion` did: they sort before every PEP 440 version and among themselves
//! by a normalised part list.

use std::cmp::Ordering;
use std::str::FromStr;

/// A parsed PyPI version: PEP 440 or legacy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PypiVersion {
    /// A PEP 440 version.
    Pep440(pep440_rs::Version),
    /// A pre-PEP 440 version, stored as its joined legacy sort key.
    Legacy(String),
}

impl PypiVersion {
    /// Parses any string; never fails (non-PEP 440 text becomes a legacy version).
    pub fn parse(s: &str) -> PypiVersion {
        match pep440_rs::Version::from_str(s.trim()) {
            Ok(v) => PypiVersion::Pep440(v),
            Err(_) => PypiVersion::Legacy(legacy_key(s)),
        }
    }

    /// Total order of two parsed versions.
    pub fn compare(&self, other: &PypiVersion) -> Ordering {
        match (self, other) {
            (PypiVersion::Pep440(a), PypiVersion::Pep440(b)) => a.cmp(b),
            (PypiVersion::Legacy(_), PypiVersion::Pep440(_)) => Ordering::Less,
            (PypiVersion::Pep440(_), PypiVersion::Legacy(_)) => Ordering::Greater,
            (PypiVersion::Legacy(a), PypiVersion::Legacy(b)) => a.cmp(b),
        }
    }
}

/// setuptools' legacy `_parse_version_parts` + `_legacy_cmpkey`, joined into one string.
fn legacy_key(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let mut parts: Vec<String> = Vec::new();
    for raw in legacy_tokens(&lower).into_iter().chain(std::iter::once("final")) {
        if raw == "." {
            continue;
        }
        let part = match raw {
            "pre" | "preview" | "rc" => "*c".to_string(),
            "-" => "*final-".to_string(),
            "dev" => "*@".to_string(),
            p if p.as_bytes().first().is_some_and(u8::is_ascii_digit) => format!("{p:0>8}"),
            p => format!("*{p}"),
        };
        if part.starts_with('*') {
            if part.as_str() < "*final" {
                while parts.last().is_some_and(|p| p == "*final-") {
                    parts.pop();
                }
            }
            while parts.last().is_some_and(|p| p == "00000000") {
                parts.pop();
            }
        }
        parts.push(part);
    }
    parts.concat()
}

/// Tokens of `(\d+|[a-z]+|\.|-)`; other characters are skipped.
fn legacy_tokens(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
        } else if c.is_ascii_lowercase() {
            while i < b.len() && b[i].is_ascii_lowercase() {
                i += 1;
            }
        } else if c == b'.' || c == b'-' {
            i += 1;
        } else {
            i += 1;
            continue;
        }
        out.push(&s[start..i]);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str) -> Ordering {
        PypiVersion::parse(a).compare(&PypiVersion::parse(b))
    }

    #[test]
    fn basics() {
        assert_eq!(c("1.0.dev0", "1.0a0"), Ordering::Less);
        assert_eq!(c("1!1.0", "2.0"), Ordering::Greater);
        assert_eq!(c("0.9-doduo", "0.9-eevee"), Ordering::Less);
        assert_eq!(c("0.9-doduo", "0.1"), Ordering::Less);
        assert_eq!(c("1.0.0+local.a", "1.0.0+local.1"), Ordering::Less);
    }
}
