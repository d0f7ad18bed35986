//! apk database: `lib/apk/db/installed` (Alpine, Wolfi, Chainguard) and `usr/lib/apk/db/installed`
//! (apk-tools 3 with a merged `/usr`).
//!
//! Hand-written: one `X:value` line per field, blank-line separated stanzas; no maintained crate parses
//! it. Keys are one case-sensitive character (`P` is the name, `p` the provides list).

use seawall_analyzer::{AnalyzerError, EntryMeta};
use seawall_core::SourcePackage;

use crate::common::{Out, Parsed, WholeFile, line_list, text, whole_file_analyzer};
use crate::os::{ECOSYSTEM_ALPINE, OsEntry, record_database};

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

/// What [`parse_apk_installed`] read: packages, and the problems met (lines that are not `X:value`
/// fields, stanzas without `P:` or `V:`).
pub type ApkDatabase = Parsed<ApkEntry>;

/// Parses `lib/apk/db/installed`. Lines that are not a one-letter `X:value` field and stanzas
/// without `P:` are problems; a stanza without `V:` is an entry with an empty version and a problem.
/// Fuzz entry point.
pub fn parse_apk_installed(text: &str) -> ApkDatabase {
    let mut db = ApkDatabase::default();
    let mut cur = ApkEntry::default();
    let mut fields = 0usize;
    let mut bad: Vec<u32> = Vec::new();
    let flush = |cur: &mut ApkEntry, fields: &mut usize, bad: &mut Vec<u32>, db: &mut ApkDatabase| {
        let e = std::mem::take(cur);
        if let Some(&first) = bad.first() {
            db.problems.push((first, format!("line(s) {} are not `X:value` fields", line_list(bad))));
        }
        if !e.name.is_empty() && !e.version.is_empty() {
            db.entries.push(e);
        } else if *fields > 0 {
            let missing = if e.name.is_empty() { "P: (name)" } else { "V: (version)" };
            db.problems
                .push((e.line, format!("package stanza at line {} has no {missing}: skipped", e.line)));
        }
        *fields = 0;
        bad.clear();
    };
    for (i, line) in text.lines().enumerate() {
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() {
            flush(&mut cur, &mut fields, &mut bad, &mut db);
            continue;
        }
        let field =
            line.split_once(':').filter(|(k, _)| k.len() == 1 && k.bytes().all(|b| b.is_ascii_alphabetic()));
        let Some((k, v)) = field else {
            bad.push(lineno);
            continue;
        };
        if fields == 0 {
            cur.line = lineno;
        }
        fields += 1;
        let v = v.trim();
        match k {
            "P" => cur.name = v.to_string(),
            "V" => cur.version = v.to_string(),
            "o" if !v.is_empty() => cur.origin = Some(v.to_string()),
            "A" => cur.arch = v.to_string(),
            _ => {}
        }
    }
    flush(&mut cur, &mut fields, &mut bad, &mut db);
    db
}

impl From<ApkEntry> for OsEntry {
    fn from(e: ApkEntry) -> Self {
        let source = e.origin.map(|o| SourcePackage { name: o, version: e.version.clone() });
        OsEntry {
            name: e.name,
            version: e.version,
            arch: e.arch,
            source,
            line: Some(e.line),
            properties: Vec::new(),
        }
    }
}

/// Reads the apk database. Packages get ecosystem `Alpine` (rewritten by [`crate::apply_os`]),
/// `source` = origin with the binary version (apk records none for the origin), `properties["arch"]`
/// and a `pkg:apk/alpine/…` purl.
#[derive(Debug, Default, Clone, Copy)]
pub struct ApkAnalyzer;

impl WholeFile for ApkAnalyzer {
    const NAME: &'static str = "apk";
    const VERSION: u32 = 3;

    fn wants(&self, meta: &EntryMeta<'_>) -> bool {
        matches!(meta.rel_path(), "lib/apk/db/installed" | "usr/lib/apk/db/installed")
    }

    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError> {
        record_database(out, ECOSYSTEM_ALPINE, parse_apk_installed(&text(bytes)));
        Ok(())
    }
}

whole_file_analyzer!(ApkAnalyzer);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use seawall_analyzer::{Facts, FileAnalyzer, Interest};

    const DB: &str = "C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nS:383152\nI:622592\nT:the musl c library\no:musl\nm:Timo\np:so:libc.musl-x86_64.so.1=1\nF:lib\nR:libc.musl-x86_64.so.1\na:0:0:755\n\nP:libcrypto3\nV:3.1.4-r5\nA:x86_64\no:openssl\n\nP:python3\nV:3.11.8-r0\nA:x86_64\n";

    #[test]
    fn parses() {
        let db = parse_apk_installed(DB);
        let e = db.entries;
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].name, "musl");
        assert_eq!(e[0].version, "1.2.4-r2");
        assert_eq!(e[1].origin.as_deref(), Some("openssl"));
        assert_eq!(e[1].line, 15);
        assert_eq!(e[2].origin, None);
        assert_eq!(db.problems, []);
    }

    #[test]
    fn analyzer() {
        let a = ApkAnalyzer;
        let meta = EntryMeta::file("/lib/apk/db/installed", 1, Some(0));
        assert_eq!(a.required(&meta), Interest::Yes);
        assert_eq!(a.required(&EntryMeta::file("/usr/lib/apk/db/installed", 1, Some(0))), Interest::Yes);
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
        assert!(f.warnings.is_empty());
    }

    #[test]
    fn malformed_database_warns_naming_the_file() {
        let a = ApkAnalyzer;
        let meta = EntryMeta::file("/lib/apk/db/installed", 1, Some(0));
        let mut f = Facts::default();
        a.analyze(&meta, &mut &b"asdf\n\nyolo\n"[..], &mut f).unwrap();
        assert!(f.packages.is_empty());
        assert_eq!(f.warnings.len(), 2, "{:?}", f.warnings);
        assert_eq!(f.warnings[0].location.as_ref().unwrap().path, "/lib/apk/db/installed");
        // A corrupt line before good stanzas: the packages are kept, the line is reported.
        let mut f = Facts::default();
        a.analyze(
            &meta,
            &mut &b"this is a corrupt db\n\nP:musl\nV:1.2.4-r2\n\nP:noversion\nA:x86_64\n"[..],
            &mut f,
        )
        .unwrap();
        assert_eq!(f.packages.len(), 1);
        let msgs: Vec<_> = f.warnings.iter().map(|w| w.message.as_str()).collect();
        assert_eq!(msgs.len(), 2, "{msgs:?}");
        assert!(msgs[0].contains("line(s) 1"));
        assert!(msgs[1].contains("no V:"));
    }

    #[test]
    fn empty_database_is_valid() {
        let db = parse_apk_installed("");
        assert!(db.entries.is_empty() && db.problems.is_empty());
    }

    proptest! {
        #[test]
        fn never_panics(s in "\\PC*") {
            let _ = parse_apk_installed(&s);
        }
    }
}
