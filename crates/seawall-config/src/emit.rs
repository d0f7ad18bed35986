//! Small helpers shared by every check: building findings from rules and mapping byte offsets to
//! line/column.

use seawall_core::{Finding, Location, RuleMeta};

/// A finding of `rule` at `loc` with a message; `key` distinguishes several findings of the same rule
/// in the same file (it feeds the fingerprint, never the line).
pub(crate) fn finding(rule: &RuleMeta, loc: Location, message: impl Into<String>, key: &str) -> Finding {
    let mut f = Finding::from_rule(rule).with_location(loc).with_message(message);
    if !key.is_empty() {
        f = f.with_detail("key", key);
    }
    f.ensure_fingerprint();
    f
}

/// Makes fingerprints unique within `out`: the second and later findings that would share one (the
/// same rule and message in two stages or at two lines of a file) get an occurrence number in their
/// key, in location order, so an ignore or baseline entry never silences a sibling.
pub(crate) fn unique_fingerprints(out: &mut [Finding]) {
    out.sort_by(|a, b| (&a.location, &a.id).cmp(&(&b.location, &b.id)));
    let mut seen: std::collections::BTreeMap<String, u32> = std::collections::BTreeMap::new();
    for f in out.iter_mut() {
        let n = seen.entry(f.fingerprint.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            let key = format!("{}#{n}", f.details.get("key").cloned().unwrap_or_default());
            f.details.insert("key".into(), key);
            f.fingerprint.clear();
            f.ensure_fingerprint();
        }
    }
}

/// Masks the user-info part of URLs (`https://user:token@host/…` → `https://***@host/…`) so that
/// messages quoting commands or URLs never carry credentials.
pub(crate) fn redact_urls(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end =
            tail.find(|c: char| c == '/' || c.is_whitespace() || c == '"' || c == '\'').unwrap_or(tail.len());
        match tail[..end].rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&tail[at..end]);
            }
            None => out.push_str(&tail[..end]),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

/// Maps byte offsets of a text to 1-based line and column (columns count characters).
#[derive(Debug, Clone)]
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    /// Indexes the line starts of `text`.
    pub(crate) fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, starts }
    }

    /// 1-based (line, column) of a byte offset (clamped to the text).
    pub(crate) fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.starts.partition_point(|&s| s <= offset).max(1);
        let start = self.starts.get(line - 1).copied().unwrap_or(0);
        let col = self.text.get(start..offset).map_or(0, |s| s.chars().count()) + 1;
        (u32::try_from(line).unwrap_or(u32::MAX), u32::try_from(col).unwrap_or(u32::MAX))
    }

    /// A location in `path` at a byte offset.
    pub(crate) fn loc(&self, base: &Location, offset: usize) -> Location {
        let (l, c) = self.line_col(offset);
        base.clone().with_line(l).with_column(c)
    }
}

/// Location of a YAML node (line/column 0 mean unknown and are left out).
pub(crate) fn yaml_loc(base: &Location, line: u32, col: u32) -> Location {
    let mut l = base.clone();
    if line > 0 {
        l.line = Some(line);
        if col > 0 {
            l.column = Some(col);
        }
    }
    l
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        assert_eq!(redact_urls("ADD https://u:tok@h.io/m.bin /m"), "ADD https://***@h.io/m.bin /m");
        assert_eq!(
            redact_urls("postgresql://mlflow:pw@db/x and http://plain/x"),
            "postgresql://***@db/x and http://plain/x"
        );
        assert_eq!(redact_urls("no urls"), "no urls");
        assert_eq!(redact_urls("x://"), "x://");
    }

    #[test]
    fn line_col() {
        let idx = LineIndex::new("ab\ncdé\nx");
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(3), (2, 1));
        assert_eq!(idx.line_col(7), (2, 4));
        assert_eq!(idx.line_col(8), (3, 1));
        assert_eq!(idx.line_col(999), (3, 2));
    }
}
