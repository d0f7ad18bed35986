//! Alpine apk version ordering (also Wolfi, Chainguard, MinimOS).
//!
//! Hand-written because no maintained Rust crate implements apk-tools' `apk_version_compare`.
//! apk versions have the shape `number{.number}…{letter}{_suffix{number}}…{~hash}{-r#}`:
//!
//! * numeric components compare numerically, except that a component after the first that has a
//!   leading zero compares as a string (apk's "fractional" rule: `1.01 < 1.1`);
//! * a single lower-case letter after the numbers sorts after no letter (`1.2a > 1.2`);
//! * suffixes order `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`, each
//!   with an optional number;
//! * a `~hash` is ignored; `-rN` (the package revision) compares numerically;
//! * anything left over makes the version invalid: two invalid versions compare as plain strings,
//!   otherwise a leftover tail sorts before no tail.
//!
//! apk-tools 2.x and 3.x disagree on some malformed inputs (`1-r-0`, `1.2.0A`); this module follows
//! the behaviour OSV.dev and osv-scalibr chose, which the fixtures in `testdata/` pin down.

use std::cmp::Ordering;

use crate::num::cmp_digits;

/// Suffix names in apk's order; the position is the weight, "no suffix" sits between `rc` and `cvs`.
const SUFFIXES: [&str; 9] = ["alpha", "beta", "pre", "rc", "cvs", "svn", "git", "hg", "p"];
/// Weight of a missing suffix.
const NO_SUFFIX: u8 = 4;

fn suffix_weight(name: &str) -> u8 {
    match name {
        "alpha" => 0,
        "beta" => 1,
        "pre" => 2,
        "rc" => 3,
        "cvs" => 5,
        "svn" => 6,
        "git" => 7,
        "hg" => 8,
        _ => 9,
    }
}

/// A parsed apk version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApkVersion {
    original: String,
    invalid: bool,
    remainder: String,
    components: Vec<String>,
    letter: Option<u8>,
    suffixes: Vec<(u8, String)>,
    revision: String,
}

impl ApkVersion {
    /// Parses any string; never fails (malformed input is flagged invalid and still ordered).
    pub fn parse(s: &str) -> ApkVersion {
        let mut v = ApkVersion {
            original: s.to_string(),
            invalid: false,
            remainder: String::new(),
            components: Vec::new(),
            letter: None,
            suffixes: Vec::new(),
            revision: "0".to_string(),
        };
        // 1. numeric components: greedy `(\d+\.?)*`; a dot not followed by a digit ends them.
        let b = s.as_bytes();
        let mut i = 0;
        loop {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                break;
            }
            v.components.push(s[start..i].to_string());
            if i < b.len() && b[i] == b'.' {
                i += 1;
            } else {
                break;
            }
        }
        let mut rest = &s[i..];
        // 2. one lower-case letter.
        if let Some(&c) = rest.as_bytes().first()
            && c.is_ascii_lowercase()
        {
            v.letter = Some(c);
            rest = &rest[1..];
        }
        // 3. suffixes: every `_name[digits]` occurrence counts; only those at the front are consumed.
        let suffix_area = rest;
        for (start, name, digits) in find_suffixes(suffix_area) {
            let number = if digits.is_empty() { "0" } else { digits };
            v.suffixes.push((suffix_weight(name), number.to_string()));
            let text = suffix_area.get(start..start + 1 + name.len() + digits.len()).unwrap_or("");
            if !text.is_empty()
                && let Some(r) = rest.strip_prefix(text)
            {
                rest = r;
            }
        }
        // 4. `~hash` (lower-case hex), ignored for ordering.
        if let Some(h) = rest.strip_prefix('~') {
            let n = h.bytes().take_while(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(c)).count();
            if n > 0 {
                rest = &h[n..];
            }
        }
        // 5. `-r<digits>` revision; any other non-empty tail marks the version invalid.
        if !rest.is_empty() {
            if let Some(r) = rest.strip_prefix("-r") {
                let n = r.bytes().take_while(u8::is_ascii_digit).count();
                if n > 0 {
                    v.revision = r[..n].to_string();
                }
                rest = &r[n..];
            } else {
                v.invalid = true;
            }
        }
        v.remainder = rest.to_string();
        v
    }

    /// Total order of two parsed versions.
    pub fn compare(&self, other: &ApkVersion) -> Ordering {
        if self.invalid && other.invalid {
            return self.original.cmp(&other.original);
        }
        self.cmp_components(other)
            .then_with(|| match (self.letter, other.letter) {
                (None, Some(_)) => Ordering::Less,
                (Some(_), None) => Ordering::Greater,
                (a, b) => a.cmp(&b),
            })
            .then_with(|| self.cmp_suffixes(other))
            .then_with(|| cmp_digits(&self.revision, &other.revision))
            .then_with(|| match (self.remainder.is_empty(), other.remainder.is_empty()) {
                (true, false) => Ordering::Greater,
                (false, true) => Ordering::Less,
                _ => Ordering::Equal,
            })
    }

    fn cmp_components(&self, other: &ApkVersion) -> Ordering {
        let n = self.components.len().max(other.components.len());
        for i in 0..n {
            // A missing component is a plain "0" that always compares numerically.
            let a = self.components.get(i);
            let b = other.components.get(i);
            let o = match (a, b) {
                (Some(x), Some(y)) if i > 0 && (x.starts_with('0') || y.starts_with('0')) => x.cmp(y),
                _ => cmp_digits(a.map_or("0", String::as_str), b.map_or("0", String::as_str)),
            };
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }

    fn cmp_suffixes(&self, other: &ApkVersion) -> Ordering {
        let n = self.suffixes.len().max(other.suffixes.len());
        for i in 0..n {
            let (wa, na) = self.suffixes.get(i).map_or((NO_SUFFIX, "0"), |(w, n)| (*w, n.as_str()));
            let (wb, nb) = other.suffixes.get(i).map_or((NO_SUFFIX, "0"), |(w, n)| (*w, n.as_str()));
            let o = wa.cmp(&wb).then_with(|| cmp_digits(na, nb));
            if o != Ordering::Equal {
                return o;
            }
        }
        Ordering::Equal
    }
}

/// All non-overlapping, leftmost-first matches of `_(alpha|beta|pre|rc|cvs|svn|git|hg|p)(\d*)`.
fn find_suffixes(s: &str) -> Vec<(usize, &'static str, &str)> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(off) = s.get(i..).and_then(|t| t.find('_')) {
        let at = i + off;
        let after = &s[at + 1..];
        if let Some(name) = SUFFIXES.iter().copied().find(|n| after.starts_with(n)) {
            let tail = &after[name.len()..];
            let n = tail.bytes().take_while(u8::is_ascii_digit).count();
            out.push((at, name, &tail[..n]));
            i = at + 1 + name.len() + n;
        } else {
            i = at + 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str) -> Ordering {
        ApkVersion::parse(a).compare(&ApkVersion::parse(b))
    }

    #[test]
    fn basics() {
        assert_eq!(c("1.2.3-r0", "1.2.3-r1"), Ordering::Less);
        assert_eq!(c("1.2_rc1", "1.2"), Ordering::Less);
        assert_eq!(c("1.2_p1", "1.2"), Ordering::Greater);
        assert_eq!(c("1.01", "1.1"), Ordering::Less);
        assert_eq!(c("1.0.0_rc7", "1.0.0_rc6-r1"), Ordering::Greater);
        assert_eq!(c("10.2.24.r0", "10.2.22.r0"), Ordering::Greater);
    }
}
