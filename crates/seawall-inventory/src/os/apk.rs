//! apk database: `lib/apk/db/installed` (Alpine, Wolfi, Chainguard).
//!
//! Hand-written: one `X:value` line per field, blank-line separated stanzas; no maintained crate parses
//! it. Keys are case-sensitive (`P` is the name, `p` the provides list).

use std::io::Read;

use seawall_analyzer::{AnalyzerError, EntryMeta, Facts, FileAnalyzer, Interest};
use seawall_core::SourcePackage;

use crate::common::{package, read_text};
use crate::os::{ECOSYSTEM_ALPINE, PROP_ARCH, set_os_purl};
use crate::python::interpreter;

/// One package of the apk database.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ApkEntry {
    /// `P:` name.
    pub name: String,
    /// `V:` version.
    pub version: String,
    /// `o:` origin (source package), if recorded.
    pub origin: Option<String>,
    /// `A:` architecture.
    pub arch: String,
    /// 1-based line of the stanza's first field.
    pub line: u32,
}

/// Parses `lib/apk/db/installed`; stanzas without `P:` or `V:` are skipped. Fuzz entry point.
pub fn parse_apk_installed(text: &str) -> Vec<ApkEntry> {
    let mut out = Vec::new();
    let mut cur = ApkEntry::default();
    let mut flush = |cur: &mut ApkEntry| {
        let e = std::mem::take(cur);
        if !e.name.is_empty() && !e.version.is_empty() {
            out.push(e);
        }
    };
    for (i, line) in text.lines().enumerate() {
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() {
            flush(&mut cur);
            continue;
        }
        if cur.line == 0 {
            cur.line = lineno;
        }
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        match k {
            "P" => cur.name = v.to_string(),
            "V" => cur.version = v.to_string(),
            "o" if !v.is_empty() => cur.origin = Some(v.to_string()),
            "A" => cur.arch = v.to_string(),
            _ => {}
        }
    }
    flush(&mut cur);
    out
}

/// Reads the apk database. Packages get ecosystem `Alpine` (rewritten by [`crate::apply_os`]),
/// `source` = origin with the binary version (apk records none for the origin), `properties["arch"]`
/// and a `pkg:apk/alpine/…` purl.
#[derive(Debug, Default, Clone, Copy)]
pub struct ApkAnalyzer;

impl FileAnalyzer for ApkAnalyzer {
    fn name(&self) -> &'static str {
        "apk"
    }

    fn version(&self) -> u32 {
        1
    }

    fn required(&self, meta: &EntryMeta<'_>) -> Interest {
        if meta.is_file() && meta.rel_path() == "lib/apk/db/installed" { Interest::Yes } else { Interest::No }
    }

    fn analyze(
        &self,
        meta: &EntryMeta<'_>,
        content: &mut dyn Read,
        out: &mut Facts,
    ) -> Result<(), AnalyzerError> {
        let text = read_text(content, self.max_size())?;
        for e in parse_apk_installed(&text) {
            let mut p = package(self.name(), meta, &e.name, &e.version, ECOSYSTEM_ALPINE);
            if let Some(l) = p.locations.first_mut() {
                l.line = Some(e.line);
            }
            if let Some(o) = &e.origin {
                p.source = Some(SourcePackage { name: o.clone(), version: e.version.clone() });
            }
            if !e.arch.is_empty() {
                p.properties.insert(PROP_ARCH.into(), e.arch.clone());
            }
            set_os_purl(&mut p, None);
            if let Some(py) = interpreter::from_os_package(self.name(), meta, &e.name, &e.version) {
                out.packages.push(py);
            }
            out.packages.push(p);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

    const DB: &str = "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:383152\nI:622592\nT:the musl c library\no:musl\nm:Timo\np:so:libc.musl-x86_64.so.1=1\nF:lib\nR:libc.musl-x86_64.so.1\na:0:0:755\n\nP:libcrypto3\nV:3.1.4-r5\nA:x86_64\no:openssl\n\nP:python3\nV:3.11.8-r0\nA:x86_64\n\nP:broken\n";

    #[test]
    fn parses() {
        let e = parse_apk_installed(DB);
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].name, "musl");
        assert_eq!(e[0].version, "1.2.4-r2");
        assert_eq!(e[1].origin.as_deref(), Some("openssl"));
        assert_eq!(e[1].line, 15);
        assert_eq!(e[2].origin, None);
    }

    #[test]
    fn analyzer() {
        let a = ApkAnalyzer;
        let meta = EntryMeta::file("/lib/apk/db/installed", 1, Some(0));
        assert_eq!(a.required(&meta), Interest::Yes);
        assert_eq!(a.required(&EntryMeta::file("/lib/apk/db/lock", 1, Some(0))), Interest::No);
        let mut f = Facts::default();
        a.analyze(&meta, &mut DB.as_bytes(), &mut f).unwrap();
        let ssl = f.packages.iter().find(|p| p.name == "libcrypto3").unwrap();
        assert_eq!(
            ssl.purl.as_deref(),
            Some("pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&upstream=openssl")
        );
        assert_eq!(ssl.source.as_ref().unwrap().name, "openssl");
        let py = f.packages.iter().find(|p| p.name == "python").unwrap();
        assert_eq!(py.version, "3.11.8");
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_apk_installed(&s);
        }
    }
}
