//! RPM EVR ordering for Red Hat, Rocky Linux, AlmaLinux, SUSE, openSUSE, Mageia and friends.
//!
//! Each of epoch, version and release is compared with `rpmvercmp` from the `rpm-version` crate.
//! Splitting the string is done here, following what OSV data needs:
//!
//! * `E:` is an epoch only when `E` is all digits; otherwise the colon belongs to the version
//!   (module streams such as `1.module+el9.4.0+…:1`);
//! * the release is everything after the first `-` and keeps a marker, so that `1` < `1-`
//!   (a present-but-empty release sorts after a missing one, as osv-scalibr does);
//! * a missing epoch is `0`.

use std::cmp::Ordering;

use rpm_version::Evr;

/// A parsed RPM EVR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpmVersion {
    epoch: String,
    version: String,
    release: Option<String>,
}

impl RpmVersion {
    /// Parses any string; never fails.
    pub fn parse(s: &str) -> RpmVersion {
        let (epoch, vr) = match s.split_once(':') {
            Some((e, vr)) if e.bytes().all(|b| b.is_ascii_digit()) => {
                (if e.is_empty() { "0" } else { e }, vr)
            }
            _ => ("0", s),
        };
        let (version, release) = match vr.split_once('-') {
            Some((v, r)) => (v, Some(r.to_string())),
            None => (vr, None),
        };
        RpmVersion { epoch: epoch.to_string(), version: version.to_string(), release }
    }

    /// Total order of two parsed versions.
    pub fn compare(&self, other: &RpmVersion) -> Ordering {
        rpmvercmp(&self.epoch, &other.epoch).then_with(|| rpmvercmp(&self.version, &other.version)).then_with(
            || match (&self.release, &other.release) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                // The release keeps its leading `-` (as osv-scalibr does) so that `-` and `-.` are equal.
                (Some(a), Some(b)) => rpmvercmp(&format!("-{a}"), &format!("-{b}")),
            },
        )
    }
}

/// `rpmvercmp` on one field, via `rpm-version` (an EVR with only the version set).
fn rpmvercmp(a: &str, b: &str) -> Ordering {
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Less,
        (false, true) => return Ordering::Greater,
        (false, false) => {}
    }
    Evr::new("0", a, "").cmp(&Evr::new("0", b, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str) -> Ordering {
        RpmVersion::parse(a).compare(&RpmVersion::parse(b))
    }

    #[test]
    fn basics() {
        assert_eq!(c("1.0~rc1", "1.0"), Ordering::Less);
        assert_eq!(c("1", "1-"), Ordering::Less);
        assert_eq!(c("1:1.0", "2.0"), Ordering::Greater);
        assert_eq!(c("0:3.10.0-229.el7", "0:3.10.0-229.1.2.ael7b"), Ordering::Less);
    }
}
