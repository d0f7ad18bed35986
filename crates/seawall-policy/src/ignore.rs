//! Ignore entries: the `.seawallignore` file format and `[[ignore]]` tables of `seawall.toml`.
//!
//! # `.seawallignore` format
//!
//! One entry per line; blank lines and lines starting with `#` are skipped.
//!
//! ```text
//! ID-OR-FINGERPRINT [pkg:NAME[@VERSION]] [path:GLOB] [exp:YYYY-MM-DD]   # reason
//! ```
//!
//! * The first word is a finding id (`CVE-2023-1234`, `GHSA-…`, `SW-DF-001`), one of its aliases, or the
//!   16-hex-digit fingerprint printed in every report; a trailing `*` makes it a prefix (`SW-K8S-*`), and
//!   `*` alone matches any id (useful with `path:`). Ids are compared ASCII case-insensitively.
//! * `pkg:NAME` limits the entry to findings about that package (names compared case-insensitively with
//!   `_`/`.` folded to `-`); `pkg:NAME@VERSION` also pins the version.
//! * `path:GLOB` limits it to findings whose location path matches the glob (`*` stays within one path
//!   component, `**` crosses them; a leading `/` is ignored on both sides).
//! * `exp:YYYY-MM-DD` is the last day on which the entry applies. From the next day on it no longer
//!   suppresses anything and the report carries a warning naming it.
//! * Everything after ` #` is the reason, shown in reports next to the suppressed finding.
//!
//! A malformed line is an error naming the file and line: a typo in an ignore file must not silently
//! ignore nothing (or everything).

use std::path::Path;

use jiff::civil::Date;
use seawall_core::Finding;

use crate::PolicyError;
use crate::matcher::{PathGlob, id_matches, normalize_name};

/// One ignore rule, from a `.seawallignore` line or a `[[ignore]]` table of `seawall.toml`.
#[derive(Debug, Clone)]
pub struct IgnoreEntry {
    /// Finding id, alias or fingerprint; a trailing `*` makes it a prefix, `*` alone matches every finding.
    pub id: String,
    /// Package name, optionally `NAME@VERSION`.
    pub package: Option<String>,
    /// Path glob as written.
    pub path: Option<String>,
    /// Last day on which the entry applies.
    pub expires: Option<Date>,
    /// Why the finding is accepted.
    pub reason: Option<String>,
    /// Where the entry was written (`.seawallignore:3`, `seawall.toml`), used in `suppressed_by`.
    pub origin: String,
    glob: Option<PathGlob>,
}

impl IgnoreEntry {
    /// An entry that matches `id` everywhere, with no expiry.
    pub fn new(id: impl Into<String>, origin: impl Into<String>) -> Self {
        IgnoreEntry {
            id: id.into(),
            package: None,
            path: None,
            expires: None,
            reason: None,
            origin: origin.into(),
            glob: None,
        }
    }

    /// Limits the entry to one package (`NAME` or `NAME@VERSION`).
    pub fn with_package(mut self, package: impl Into<String>) -> Self {
        self.package = Some(package.into());
        self
    }

    /// Limits the entry to paths matching `glob`.
    pub fn with_path(mut self, glob: &str) -> Result<Self, globset::Error> {
        self.glob = Some(PathGlob::new(glob)?);
        self.path = Some(glob.to_string());
        Ok(self)
    }

    /// Sets the expiry (last day the entry applies).
    pub fn with_expires(mut self, date: Date) -> Self {
        self.expires = Some(date);
        self
    }

    /// Sets the reason.
    pub fn with_reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// True when the entry has expired on `today` (`today` is after the expiry date).
    pub fn is_expired(&self, today: Date) -> bool {
        self.expires.is_some_and(|e| today > e)
    }

    /// True when the entry names this finding (expiry is not considered here).
    pub fn matches(&self, finding: &Finding) -> bool {
        let id_ok = match self.id.strip_suffix('*') {
            Some(prefix) => {
                let p = prefix.to_ascii_uppercase();
                finding.id.to_ascii_uppercase().starts_with(&p)
                    || finding.aliases.iter().any(|a| a.to_ascii_uppercase().starts_with(&p))
            }
            None => id_matches(&self.id, finding),
        };
        if !id_ok {
            return false;
        }
        if let Some(want) = &self.package {
            let Some(pkg) = &finding.package else {
                return false;
            };
            let (name, version) = match want.split_once('@') {
                Some((n, v)) => (n, Some(v)),
                None => (want.as_str(), None),
            };
            if normalize_name(name) != normalize_name(&pkg.name) {
                return false;
            }
            if version.is_some_and(|v| v != pkg.version) {
                return false;
            }
        }
        if let Some(glob) = &self.glob
            && !glob.is_match(&finding.location.path)
        {
            return false;
        }
        true
    }

    /// A short human description: `CVE-1 pkg:pillow path:/x (.seawallignore:3)`.
    pub fn describe(&self) -> String {
        let mut s = self.id.clone();
        if let Some(p) = &self.package {
            s.push_str(" pkg:");
            s.push_str(p);
        }
        if let Some(p) = &self.path {
            s.push_str(" path:");
            s.push_str(p);
        }
        s.push_str(" (");
        s.push_str(&self.origin);
        s.push(')');
        s
    }
}

/// Parses a `.seawallignore` document. `name` is used in origins and error messages.
pub fn parse_ignore_file(text: &str, name: &Path) -> Result<Vec<IgnoreEntry>, PolicyError> {
    let mut out = Vec::new();
    // A UTF-8 byte-order mark would otherwise become part of the first id and silently match nothing.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (idx, raw) in text.lines().enumerate() {
        let line_no = idx + 1;
        let err =
            |message: String| PolicyError::IgnoreLine { path: name.to_path_buf(), line: line_no, message };
        let (body, reason) = split_comment(raw);
        let body = body.trim();
        if body.is_empty() {
            continue;
        }
        let mut words = body.split_whitespace();
        let Some(id) = words.next() else { continue };
        if has_known_prefix(id) {
            return Err(err(format!(
                "line starts with {id:?}; the first word must be an id, a fingerprint or `*`"
            )));
        }
        let origin = format!("{}:{line_no}", name.display());
        let mut entry = IgnoreEntry::new(id, origin);
        for word in words {
            if let Some(pkg) = word.strip_prefix("pkg:") {
                if pkg.is_empty() {
                    return Err(err("empty pkg: value".into()));
                }
                entry.package = Some(pkg.to_string());
            } else if let Some(glob) = word.strip_prefix("path:") {
                if glob.is_empty() {
                    return Err(err("empty path: value".into()));
                }
                entry = entry.with_path(glob).map_err(|e| err(format!("bad path glob {glob:?}: {e}")))?;
            } else if let Some(date) = word.strip_prefix("exp:") {
                let d: Date = date
                    .parse()
                    .map_err(|e| err(format!("bad expiry date {date:?} (want YYYY-MM-DD): {e}")))?;
                entry.expires = Some(d);
            } else {
                return Err(err(format!(
                    "unexpected word {word:?} (expected pkg:NAME, path:GLOB, exp:YYYY-MM-DD or # reason)"
                )));
            }
        }
        entry.reason = reason;
        out.push(entry);
    }
    Ok(out)
}

fn has_known_prefix(word: &str) -> bool {
    ["pkg:", "path:", "exp:"].iter().any(|p| word.starts_with(p))
}

/// Splits `body # reason`: the comment starts at a `#` at the start of the line or after whitespace.
fn split_comment(line: &str) -> (&str, Option<String>) {
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'#' && (i == 0 || bytes[i - 1].is_ascii_whitespace()) {
            let reason = line[i + 1..].trim();
            let reason = if reason.is_empty() || i == 0 { None } else { Some(reason.to_string()) };
            return (&line[..i], reason);
        }
    }
    (line, None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_core::{FindingKind, Location, PackageRef, Severity};

    fn vuln(id: &str, pkg: &str, version: &str, path: &str) -> Finding {
        let mut f = Finding::new(FindingKind::Vulnerability, id, Severity::High, 7, "t")
            .with_location(Location::file(path));
        f.package = Some(PackageRef { name: pkg.into(), version: version.into(), ecosystem: "PyPI".into() });
        f.aliases = vec!["CVE-2023-50447".into()];
        f.ensure_fingerprint();
        f
    }

    #[test]
    fn parses_documented_example() {
        let text = "# header comment\n\nGHSA-3f63-hfp8-52jq pkg:pillow path:/usr/lib/** exp:2026-12-31 # not reachable\n*  path:tests/**\nSW-DF-001\n";
        let e = parse_ignore_file(text, Path::new(".seawallignore")).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].id, "GHSA-3f63-hfp8-52jq");
        assert_eq!(e[0].package.as_deref(), Some("pillow"));
        assert_eq!(e[0].path.as_deref(), Some("/usr/lib/**"));
        assert_eq!(e[0].expires, Some(jiff::civil::date(2026, 12, 31)));
        assert_eq!(e[0].reason.as_deref(), Some("not reachable"));
        assert_eq!(e[0].origin, ".seawallignore:3");
        assert_eq!(e[1].id, "*");
        assert!(e[2].reason.is_none());
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse_ignore_file("CVE-1\nCVE-2 bogus\n", Path::new("x")).unwrap_err();
        assert!(err.to_string().starts_with("x:2:"), "{err}");
        assert!(parse_ignore_file("CVE-1 exp:31-12-2026", Path::new("x")).is_err());
        assert!(parse_ignore_file("pkg:foo", Path::new("x")).is_err());
        assert!(parse_ignore_file("CVE-1 path:[", Path::new("x")).is_err());
    }

    #[test]
    fn matching_by_id_alias_fingerprint_package_path() {
        let f = vuln("GHSA-x", "Pillow", "9.4.0", "/usr/lib/python3/dist-packages/PIL/METADATA");
        assert!(IgnoreEntry::new("ghsa-x", "t").matches(&f));
        assert!(IgnoreEntry::new("CVE-2023-50447", "t").matches(&f));
        assert!(IgnoreEntry::new(f.fingerprint.clone(), "t").matches(&f));
        assert!(!IgnoreEntry::new("GHSA-y", "t").matches(&f));
        assert!(IgnoreEntry::new("*", "t").with_package("pillow").matches(&f));
        assert!(IgnoreEntry::new("ghsa-*", "t").matches(&f));
        assert!(IgnoreEntry::new("CVE-2023-*", "t").matches(&f), "prefix of an alias");
        assert!(!IgnoreEntry::new("SW-*", "t").matches(&f));
        assert!(IgnoreEntry::new("*", "t").with_package("pillow@9.4.0").matches(&f));
        assert!(!IgnoreEntry::new("*", "t").with_package("pillow@10.0.0").matches(&f));
        assert!(!IgnoreEntry::new("*", "t").with_package("numpy").matches(&f));
        assert!(IgnoreEntry::new("*", "t").with_path("/usr/lib/**").unwrap().matches(&f));
        assert!(!IgnoreEntry::new("*", "t").with_path("/opt/**").unwrap().matches(&f));
    }

    #[test]
    fn expiry_is_inclusive() {
        let e = IgnoreEntry::new("x", "t").with_expires(jiff::civil::date(2026, 1, 31));
        assert!(!e.is_expired(jiff::civil::date(2026, 1, 31)));
        assert!(e.is_expired(jiff::civil::date(2026, 2, 1)));
        assert!(!IgnoreEntry::new("x", "t").is_expired(jiff::civil::date(2999, 1, 1)));
    }

    #[test]
    fn byte_order_mark_and_crlf() {
        let e = parse_ignore_file("\u{feff}CVE-1 # a\r\nCVE-2\r\n", Path::new("x")).unwrap();
        assert_eq!(e[0].id, "CVE-1");
        assert_eq!(e[0].reason.as_deref(), Some("a"));
        assert_eq!(e[1].id, "CVE-2");
    }

    #[test]
    fn hash_inside_word_is_not_a_comment() {
        let e = parse_ignore_file("SW-1 path:a#b # why", Path::new("x")).unwrap();
        assert_eq!(e[0].path.as_deref(), Some("a#b"));
        assert_eq!(e[0].reason.as_deref(), Some("why"));
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_ignore_file(&s, Path::new("p"));
        }

        #[test]
        fn never_panics_on_tokens(s in "(CVE-1|\\*|pkg:[a-z@.]{0,4}|path:[\\[\\]*a/]{0,5}|exp:[0-9-]{0,11}|#|[ \\n]){0,12}") {
            let _ = parse_ignore_file(&s, Path::new("p"));
        }
    }
}
