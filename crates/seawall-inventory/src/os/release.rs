//! `os-release` (`/etc/os-release`, `/usr/lib/os-release`) → [`Facts::os`](seawall_analyzer::Facts::os).
//!
//! Hand-written: the format is a dozen lines of shell-style `KEY=value` assignments; no crate adds
//! anything over a careful unquote.

use seawall_analyzer::{AnalyzerError, EntryMeta};
use seawall_core::OsInfo;

use crate::common::{Out, WholeFile, text, whole_file_analyzer};

/// Reads `etc/os-release` and `usr/lib/os-release` into [`Facts::os`](seawall_analyzer::Facts::os).
/// Debian testing/sid images carry no `VERSION_ID`; it is then left empty.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsReleaseAnalyzer;

impl WholeFile for OsReleaseAnalyzer {
    const NAME: &'static str = "os-release";
    const VERSION: u32 = 1;
    const MAX_SIZE: u64 = 64 * 1024;

    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        matches!(meta.rel_path(), "etc/os-release" | "usr/lib/os-release")
    }

    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        let os =
            parse_os_release(&text(bytes)).ok_or_else(|| AnalyzerError::parse("os-release has no ID"))?;
        out.facts.os.push((out.meta.location(), os));
        Ok(())
    }
}

whole_file_analyzer!(OsReleaseAnalyzer);

/// Parses an `os-release` file. Returns `None` when there is no `ID`. Fuzz entry point.
///
/// ```
/// let os = seawall_inventory::parse_os_release("ID=debian\nVERSION_ID=\"12\"\n").unwrap();
/// assert_eq!(os.osv_ecosystem().as_deref(), Some("Debian:12"));
/// ```
pub fn parse_os_release(text: &str) -> Option<OsInfo> {
    let mut os = OsInfo::default();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        let v = unquote(v.trim());
        match k.trim() {
            "ID" => os.id = v.to_ascii_lowercase(),
            "VERSION_ID" => os.version_id = v,
            "PRETTY_NAME" => os.pretty_name = Some(v),
            "VERSION_CODENAME" if !v.is_empty() => os.version_codename = Some(v),
            _ => {}
        }
    }
    (!os.id.is_empty()).then_some(os)
}

/// Removes shell quotes: `"a\"b"` → `a"b`, `'x'` → `x`.
fn unquote(v: &str) -> String {
    if let Some(inner) = v.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        return inner.to_string();
    }
    let Some(inner) = v.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return v.to_string();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use seawall_analyzer::{Facts, FileAnalyzer, Interest};

    const DEBIAN: &str = "PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"12\"\nVERSION=\"12 (bookworm)\"\nVERSION_CODENAME=bookworm\nID=debian\n";

    #[test]
    fn parses_debian() {
        let os = parse_os_release(DEBIAN).unwrap();
        assert_eq!(os.id, "debian");
        assert_eq!(os.version_id, "12");
        assert_eq!(os.pretty_name.as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
        assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
    }

    #[test]
    fn parses_alpine_and_quotes() {
        let os = parse_os_release(
            "NAME='Alpine Linux'\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME=\"a \\\"b\\\"\"\n",
        )
        .unwrap();
        assert_eq!(os.osv_ecosystem().as_deref(), Some("Alpine:v3.19"));
        assert_eq!(os.pretty_name.as_deref(), Some("a \"b\""));
        assert!(parse_os_release("NAME=x\n").is_none());
    }

    #[test]
    fn analyzer_paths() {
        let a = OsReleaseAnalyzer;
        assert_eq!(a.required(&EntryMeta::file("/etc/os-release", 10, Some(0))), Interest::Yes);
        assert_eq!(a.required(&EntryMeta::file("usr/lib/os-release", 10, None)), Interest::Yes);
        assert_eq!(a.required(&EntryMeta::file("/etc/os-release.bak", 10, None)), Interest::No);
        let mut facts = Facts::default();
        a.analyze(&EntryMeta::file("/etc/os-release", 10, Some(2)), &mut DEBIAN.as_bytes(), &mut facts)
            .unwrap();
        assert_eq!(facts.os[0].0.layer, Some(2));
        assert!(a.analyze(&EntryMeta::file("/etc/os-release", 1, None), &mut &b"x"[..], &mut facts).is_err());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_os_release(&s);
        }
    }
}
