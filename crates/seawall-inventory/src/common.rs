//! What the analyzers share: the [`WholeFile`] analyzer shape (identity, path filter, one bounded
//! read) with its [`whole_file_analyzer!`] implementation of [`FileAnalyzer`], the [`Out`] sink
//! that creates packages and warnings at the file's location, purls, PEP 503 names and
//! RFC 822-style stanzas.

use std::io::Read;

use packageurl::PackageUrl;
use seawall_analyzer::{AnalyzerError, EntryMeta, Facts, Interest, ScanWarning};
use seawall_core::{Package, WarningKind};

/// Property key naming the analyzer that produced a package.
pub const PROP_ANALYZER: &str = "analyzer";
/// Property: `"true"` on a package whose record names it but gives no version (a git dependency of
/// a lock file, a broken database record). Such packages have an empty version; matchers cannot
/// match them, and where the record is malformed a warning names the file.
pub const PROP_VERSION_MISSING: &str = "version.missing";

/// Reads at most `limit` bytes; a longer input is an [`AnalyzerError::Limit`] (never silently cut).
pub(crate) fn read_bounded(r: &mut dyn Read, limit: u64) -> Result<Vec<u8>, AnalyzerError> {
    let mut buf = Vec::new();
    r.take(limit.saturating_add(1)).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(AnalyzerError::Limit(format!("file larger than {limit} bytes")));
    }
    Ok(buf)
}

/// Decodes bytes lossily as UTF-8 (package databases are UTF-8; a stray byte must not lose the file).
pub(crate) fn text(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

/// An inventory analyzer that reads a whole file (at most [`WholeFile::MAX_SIZE`] bytes) and turns
/// it into facts. [`whole_file_analyzer!`] implements [`FileAnalyzer`](seawall_analyzer::FileAnalyzer)
/// for it, so each analyzer states only what differs: its identity, which paths it wants and how it
/// reads the bytes.
pub(crate) trait WholeFile {
    /// Unique kebab-case analyzer name.
    const NAME: &'static str;
    /// Bumped when the output for the same input changes.
    const VERSION: u32;
    /// Largest file read.
    const MAX_SIZE: u64 = seawall_analyzer::DEFAULT_MAX_FILE_SIZE;

    /// True when the analyzer wants this regular file (path strings, size, mode only).
    fn wants(&self, meta: &EntryMeta<'_>) -> bool;

    /// The answer to `required`: [`Interest::Yes`] for regular files [`WholeFile::wants`] accepts.
    fn interest(&self, meta: &EntryMeta<'_>) -> Interest {
        if meta.is_file() && self.wants(meta) { Interest::Yes } else { Interest::No }
    }

    /// The content sniff for files [`WholeFile::interest`] answered [`Interest::Sniff`] for.
    fn sniff(&self, _meta: &EntryMeta<'_>, _head: &[u8]) -> bool {
        false
    }

    /// Turns the file's bytes into facts.
    fn read(&self, bytes: &[u8], out: &mut Out<'_, '_>) -> Result<(), AnalyzerError>;
}

/// Implements [`FileAnalyzer`](seawall_analyzer::FileAnalyzer) for a [`WholeFile`] type: the file is
/// read once, bounded by `MAX_SIZE`, and handed to `read` with an [`Out`] for the file.
macro_rules! whole_file_analyzer {
    ($ty:ty) => {
        impl seawall_analyzer::FileAnalyzer for $ty {
            fn name(&self) -> &'static str {
                <$ty as $crate::common::WholeFile>::NAME
            }

            fn version(&self) -> u32 {
                <$ty as $crate::common::WholeFile>::VERSION
            }

            fn required(&self, meta: &seawall_analyzer::EntryMeta<'_>) -> seawall_analyzer::Interest {
                $crate::common::WholeFile::interest(self, meta)
            }

            fn required_by_content(&self, meta: &seawall_analyzer::EntryMeta<'_>, head: &[u8]) -> bool {
                $crate::common::WholeFile::sniff(self, meta, head)
            }

            fn max_size(&self) -> u64 {
                <$ty as $crate::common::WholeFile>::MAX_SIZE
            }

            fn analyze(
                &self,
                meta: &seawall_analyzer::EntryMeta<'_>,
                content: &mut dyn std::io::Read,
                facts: &mut seawall_analyzer::Facts,
            ) -> Result<(), seawall_analyzer::AnalyzerError> {
                let bytes =
                    $crate::common::read_bounded(content, <$ty as $crate::common::WholeFile>::MAX_SIZE)?;
                let mut out = $crate::common::Out::new(<$ty as $crate::common::WholeFile>::NAME, meta, facts);
                $crate::common::WholeFile::read(self, &bytes, &mut out)
            }
        }
    };
}
pub(crate) use whole_file_analyzer;

/// Where an analyzer puts what it found in one file: packages created at the file's location and
/// tagged with the analyzer's name, warnings naming the file (and line).
pub(crate) struct Out<'a, 'm> {
    /// The analyzer's name.
    pub(crate) analyzer: &'static str,
    /// The file being read.
    pub(crate) meta: &'a EntryMeta<'m>,
    /// The facts of the layer.
    pub(crate) facts: &'a mut Facts,
}

impl<'a, 'm> Out<'a, 'm> {
    /// A sink for `analyzer` reading `meta`.
    pub(crate) fn new(analyzer: &'static str, meta: &'a EntryMeta<'m>, facts: &'a mut Facts) -> Self {
        Out { analyzer, meta, facts }
    }

    /// A package at this file's location (line `line` if given), tagged with the analyzer name.
    pub(crate) fn package(&self, name: &str, version: &str, ecosystem: &str, line: Option<u32>) -> Package {
        let mut p = Package::new(name, version, ecosystem, self.meta.location())
            .with_property(PROP_ANALYZER, self.analyzer);
        if let Some(l) = p.locations.first_mut() {
            l.line = line;
        }
        p
    }

    /// Records a package (tagged [`PROP_VERSION_MISSING`] when its version is empty).
    pub(crate) fn push(&mut self, mut p: Package) {
        if p.version.is_empty() && !p.properties.contains_key("constraint") {
            p.properties.insert(PROP_VERSION_MISSING.into(), "true".into());
        }
        self.facts.packages.push(p);
    }

    /// Records a warning about this file (at `line` if given): something in it was not understood
    /// (kind [`WarningKind::FileNotAnalyzed`]).
    pub(crate) fn warn(&mut self, line: Option<u32>, message: impl Into<String>) {
        self.warn_kind(line, WarningKind::FileNotAnalyzed, message);
    }

    /// Records a warning of a given kind ([`WarningKind::BudgetExceeded`] when a bound stopped the
    /// reading).
    pub(crate) fn warn_kind(&mut self, line: Option<u32>, kind: WarningKind, message: impl Into<String>) {
        let mut loc = self.meta.location();
        loc.line = line;
        self.facts.warnings.push(ScanWarning::at(self.analyzer, loc, message).with_kind(kind));
    }
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

/// PEP 503 normalisation (the one implementation lives in `seawall-core`).
///
/// ```
/// assert_eq!(seawall_inventory::pep503_normalize("Foo.Bar__baz"), "foo-bar-baz");
/// ```
pub use seawall_core::normalize_pypi_name as pep503_normalize;

/// A text database read record by record (dpkg, opkg and apk): the records understood and the
/// problems met, each with the 1-based line it concerns. Problems become warnings naming the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed<T> {
    /// The records read.
    pub entries: Vec<T>,
    /// What could not be understood: (1-based line, message).
    pub problems: Vec<(u32, String)>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed { entries: Vec::new(), problems: Vec::new() }
    }
}

/// One field of an RFC 822-style stanza (dpkg status, Python METADATA). Continuation lines (starting
/// with a space or tab) are joined with `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Field<'a> {
    pub(crate) key: &'a str,
    pub(crate) value: String,
    /// 1-based line of the key.
    pub(crate) line: u32,
}

/// A stanza: its fields, and the 1-based lines in it that are neither `Key: value` nor continuations.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Stanza<'a> {
    pub(crate) fields: Vec<Field<'a>>,
    pub(crate) malformed: Vec<u32>,
}

impl Stanza<'_> {
    /// The first value of `key` (case-insensitive).
    pub(crate) fn get(&self, key: &str) -> Option<&str> {
        self.fields.iter().find(|f| f.key.eq_ignore_ascii_case(key)).map(|f| f.value.as_str())
    }

    /// 1-based line of the stanza's first line.
    pub(crate) fn line(&self) -> u32 {
        let first_field = self.fields.first().map_or(u32::MAX, |f| f.line);
        let first_bad = self.malformed.first().copied().unwrap_or(u32::MAX);
        first_field.min(first_bad)
    }
}

/// Splits text into stanzas separated by blank lines. `stop_after_first` stops at the first blank
/// line (Python METADATA: the body follows).
pub(crate) fn stanzas(text: &str, stop_after_first: bool) -> Vec<Stanza<'_>> {
    let mut out = Vec::new();
    let mut cur = Stanza::default();
    for (i, line) in text.lines().enumerate() {
        let lineno = u32::try_from(i + 1).unwrap_or(u32::MAX);
        if line.trim().is_empty() {
            if !cur.fields.is_empty() || !cur.malformed.is_empty() {
                out.push(std::mem::take(&mut cur));
                if stop_after_first {
                    return out;
                }
            }
            continue;
        }
        if line.starts_with([' ', '\t']) {
            match cur.fields.last_mut() {
                Some(last) => {
                    last.value.push('\n');
                    last.value.push_str(line.trim());
                }
                None => cur.malformed.push(lineno),
            }
            continue;
        }
        match line.split_once(':') {
            Some((k, v)) if !k.trim().is_empty() && !k.contains(char::is_whitespace) => {
                cur.fields.push(Field { key: k.trim(), value: v.trim().to_string(), line: lineno });
            }
            _ => cur.malformed.push(lineno),
        }
    }
    if !cur.fields.is_empty() || !cur.malformed.is_empty() {
        out.push(cur);
    }
    out
}

/// `1, 2, 3, … (N lines)` for warning messages that list lines.
pub(crate) fn line_list(lines: &[u32]) -> String {
    const SHOWN: usize = 5;
    let mut s: Vec<String> = lines.iter().take(SHOWN).map(u32::to_string).collect();
    if lines.len() > SHOWN {
        s.push(format!("… ({} lines)", lines.len()));
    }
    s.join(", ")
}

/// Asserts what `a.required` answers for each path (a regular 1-byte file, directory scan).
#[cfg(test)]
pub(crate) fn assert_interest(a: &dyn seawall_analyzer::FileAnalyzer, want: Interest, paths: &[&str]) {
    for p in paths {
        assert_eq!(a.required(&EntryMeta::file(p, 1, None)), want, "{} on {p}", a.name());
    }
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
        assert_eq!(s[0].get("b"), Some("x\ny"));
        assert_eq!(s[1].get("A"), Some("2"));
        assert_eq!(s[1].fields[0].line, 6);
        assert_eq!(stanzas("A: 1\n\nBody: x\n", true).len(), 1);
    }

    #[test]
    fn stanza_malformed_lines_are_kept() {
        let s = stanzas("asdf\n\nyolo\nPackage: x\n no key\n", false);
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].malformed, [1]);
        assert!(s[0].fields.is_empty());
        assert_eq!(s[1].malformed, [3]);
        assert_eq!(s[1].get("Package"), Some("x\nno key"));
        assert_eq!(s[1].line(), 3);
        assert_eq!(stanzas(" leading continuation\n", false)[0].malformed, [1]);
        assert_eq!(stanzas("two words: value\n", false)[0].malformed, [1]);
    }

    #[test]
    fn lists_lines() {
        assert_eq!(line_list(&[1, 2]), "1, 2");
        assert_eq!(line_list(&[1, 2, 3, 4, 5, 6, 7]), "1, 2, 3, 4, 5, … (7 lines)");
    }

    #[test]
    fn bounded_read() {
        assert!(read_bounded(&mut &b"abcd"[..], 3).is_err());
        assert_eq!(read_bounded(&mut &b"abc"[..], 3).map(|v| v.len()).ok(), Some(3));
    }
}
