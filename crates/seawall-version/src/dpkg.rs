//! dpkg ordering for Debian and Ubuntu (epochs, `~`, upstream version and revision).
//!
//! Valid versions are compared by the `debversion` crate, which implements dpkg's `verrevcmp`.
//! Strings dpkg would reject (rare in advisories) fall back to the generic comparator and sort
//! before every valid version, so a malformed string can never hide a vulnerability by sorting high.

use std::cmp::Ordering;
use std::str::FromStr;

/// A parsed dpkg version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DpkgVersion {
    /// A version dpkg accepts.
    Valid(debversion::Version),
    /// A string dpkg rejects, ordered by the fallback comparator.
    Invalid(String),
}

impl DpkgVersion {
    /// Parses any string; never fails.
    pub fn parse(s: &str) -> DpkgVersion {
        let t = s.trim();
        // Epochs that overflow u32 make debversion fail; they are invalid for dpkg too.
        match debversion::Version::from_str(t) {
            Ok(v) => DpkgVersion::Valid(v),
            Err(_) => DpkgVersion::Invalid(t.to_string()),
        }
    }

    /// Total order of two parsed versions.
    pub fn compare(&self, other: &DpkgVersion) -> Ordering {
        match (self, other) {
            (DpkgVersion::Valid(a), DpkgVersion::Valid(b)) => a.cmp(b),
            (DpkgVersion::Invalid(_), DpkgVersion::Valid(_)) => Ordering::Less,
            (DpkgVersion::Valid(_), DpkgVersion::Invalid(_)) => Ordering::Greater,
            (DpkgVersion::Invalid(a), DpkgVersion::Invalid(b)) => crate::fallback::compare(a, b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str) -> Ordering {
        DpkgVersion::parse(a).compare(&DpkgVersion::parse(b))
    }

    #[test]
    fn basics() {
        assert_eq!(c("1.2.3-1~deb7u1", "1.2.3-1"), Ordering::Less);
        assert_eq!(c("1:0.1", "2.0"), Ordering::Greater);
        assert_eq!(c("0.0.0", "0:0.0.0"), Ordering::Equal);
    }
}
