//! SemVer-like ordering for npm, crates.io, Go, Hex, Pub and other SemVer ecosystems.
//!
//! Hand-written instead of the `semver` crate on purpose: OSV data is full of versions that strict
//! SemVer 2.0 rejects (`v1.2.3`, Go pseudo-versions, four numeric components, numbers beyond
//! `u64`), and a vulnerability matcher must still order them. The rules:
//!
//! * an optional leading `v` is ignored (Go);
//! * the numeric core is every leading `N.N.N…` component; components past the third move into the
//!   pre-release string as `.N` (so `1.1.3.4` orders like `1.1.3-.4`);
//! * everything from the first non-digit, non-dot character on is the pre-release; build metadata
//!   (after `+`) is ignored, a leading `-` is dropped;
//! * pre-release identifiers compare per SemVer §11: numeric identifiers numerically (any length),
//!   alphanumeric ones in ASCII order, numeric < alphanumeric, longer list wins on a tie;
//!   a version with a pre-release sorts before the same core without one.
//!
//! Go pseudo-versions (`v0.0.0-20210101000000-abcdef123456`, `v1.2.4-0.2021…`) are ordinary
//! pre-releases under these rules, which is exactly how the Go toolchain orders them.

use std::cmp::Ordering;

use crate::num::{cmp_components, cmp_signed, parse_signed};

/// A parsed SemVer-like version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SemverLike {
    components: Vec<String>,
    pre: String,
}

impl SemverLike {
    /// Parses any string; never fails (unparseable text becomes the pre-release part).
    pub fn parse(s: &str) -> SemverLike {
        let s = s.strip_prefix('v').unwrap_or(s);
        let mut components: Vec<String> = Vec::new();
        let mut cur = String::new();
        let mut rest = "";
        for (i, c) in s.char_indices() {
            if c.is_ascii_digit() {
                cur.push(c);
                continue;
            }
            if !cur.is_empty() {
                components.push(std::mem::take(&mut cur));
            }
            if c == '.' {
                continue;
            }
            rest = &s[i..];
            break;
        }
        if rest.is_empty() && !cur.is_empty() {
            components.push(cur);
        }
        let mut pre = String::from(rest);
        if components.len() > 3 {
            let mut extra = String::new();
            for c in components.drain(3..) {
                let t = c.trim_start_matches('0');
                extra.push('.');
                extra.push_str(if t.is_empty() { "0" } else { t });
            }
            pre.push_str(&extra);
        }
        SemverLike { components, pre }
    }

    /// Total order of two parsed versions.
    pub fn compare(&self, other: &SemverLike) -> Ordering {
        cmp_components(&self.components, &other.components)
            .then_with(|| compare_prerelease(&self.pre, &other.pre))
    }
}

fn strip_build(s: &str) -> &str {
    let s = s.split('+').next().unwrap_or("");
    s.strip_prefix('-').unwrap_or(s)
}

fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let a = strip_build(a);
    let b = strip_build(b);
    match (a.is_empty(), b.is_empty()) {
        (true, true) => return Ordering::Equal,
        (true, false) => return Ordering::Greater,
        (false, true) => return Ordering::Less,
        (false, false) => {}
    }
    let mut ai = a.split('.');
    let mut bi = b.split('.');
    loop {
        match (ai.next(), bi.next()) {
            (None, None) => return Ordering::Equal,
            (Some(_), None) => return Ordering::Greater,
            (None, Some(_)) => return Ordering::Less,
            (Some(x), Some(y)) => {
                let o = match (parse_signed(x), parse_signed(y)) {
                    (Some(nx), Some(ny)) => cmp_signed(nx, ny),
                    (None, None) => x.cmp(y),
                    (Some(_), None) => Ordering::Less,
                    (None, Some(_)) => Ordering::Greater,
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str) -> Ordering {
        SemverLike::parse(a).compare(&SemverLike::parse(b))
    }

    #[test]
    fn basics() {
        assert_eq!(c("v1.2.3", "1.2.3"), Ordering::Equal);
        assert_eq!(c("1.0.0-alpha", "1.0.0-alpha.1"), Ordering::Less);
        assert_eq!(c("1.2.3-r2", "1.2.3-r100"), Ordering::Greater);
        assert_eq!(c("1.2.3+build", "1.2.3+other"), Ordering::Equal);
        assert_eq!(
            c("v0.0.0-20210101000000-abcdef123456", "v0.0.0-20220101000000-abcdef123456"),
            Ordering::Less
        );
        assert_eq!(c("v0.0.0-20210101000000-abcdef123456", "v0.1.0"), Ordering::Less);
        assert_eq!(c("1.1.3.4", "1.1.3"), Ordering::Less);
    }
}
