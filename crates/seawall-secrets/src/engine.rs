//! The one-pass engine: an Aho-Corasick keyword prefilter over the whole buffer, then each hit
//! detector's patterns on merged candidate windows around its keyword hits.
//!
//! Work is linear in the buffer length: the prefilter is one automaton pass; per detector the windows
//! are merged so that no byte is searched twice by the same pattern; the regex engine (`regex-automata`
//! meta regex: lazy DFA / PikeVM, no backtracking) is linear in the window length.

use std::ops::Range;
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use regex_automata::util::captures::Captures;
use regex_automata::util::syntax;
use regex_automata::{Input, PatternID, meta};
use seawall_core::Severity;

use crate::candidate::Candidate;
use crate::detectors::{self, Check, DetectorSpec, GENERIC_KEYWORDS};
use crate::generic::{self, Syntax};
use crate::validate;

/// How a buffer should be read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Hint<'a> {
    /// Syntax family (decides whether unquoted generic assignments count).
    pub(crate) syntax: Syntax,
    /// Lower-case file name, for path-triggered detectors.
    pub(crate) file_name: &'a str,
}

struct CompiledPattern {
    re: meta::Regex,
    secret_group: Option<usize>,
    key_group: Option<usize>,
    host_group: Option<usize>,
}

struct Compiled {
    spec: DetectorSpec,
    patterns: Vec<CompiledPattern>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Detector(usize),
    Generic,
}

/// The compiled detector set.
pub(crate) struct Engine {
    ac: AhoCorasick,
    targets: Vec<Vec<Target>>,
    detectors: Vec<Compiled>,
    longest_window: usize,
}

static ENGINE: LazyLock<Result<Engine, String>> = LazyLock::new(Engine::build);

/// The process-wide compiled engine (immutable; built once on first use).
pub(crate) fn engine() -> Option<&'static Engine> {
    ENGINE.as_ref().ok()
}

/// The build error of the engine, if building failed (a bug; covered by tests).
pub(crate) fn engine_error() -> Option<&'static str> {
    ENGINE.as_ref().err().map(String::as_str)
}

impl Engine {
    fn build() -> Result<Engine, String> {
        let specs = detectors::all();
        let mut detectors_out = Vec::with_capacity(specs.len());
        let mut keyword_targets: Vec<(String, Vec<Target>)> = Vec::new();
        let add_kw = |kw: &str, t: Target, list: &mut Vec<(String, Vec<Target>)>| {
            if let Some((_, ts)) = list.iter_mut().find(|(k, _)| k == kw) {
                if !ts.contains(&t) {
                    ts.push(t);
                }
            } else {
                list.push((kw.to_string(), vec![t]));
            }
        };
        let mut longest_window = 0;
        for (i, spec) in specs.into_iter().enumerate() {
            for kw in spec.keywords {
                add_kw(kw, Target::Detector(i), &mut keyword_targets);
            }
            let mut patterns = Vec::with_capacity(spec.patterns.len());
            for p in &spec.patterns {
                let re = meta::Regex::builder()
                    .syntax(syntax::Config::new().unicode(false).utf8(false))
                    .configure(meta::Config::new().utf8_empty(false))
                    .build(p)
                    .map_err(|e| format!("{}: {e}", spec.rule))?;
                let gi = re.group_info();
                patterns.push(CompiledPattern {
                    secret_group: gi.to_index(PatternID::ZERO, "s"),
                    key_group: gi.to_index(PatternID::ZERO, "k"),
                    host_group: gi.to_index(PatternID::ZERO, "h"),
                    re,
                });
            }
            longest_window = longest_window.max(spec.max_len);
            detectors_out.push(Compiled { spec, patterns });
        }
        for kw in GENERIC_KEYWORDS {
            add_kw(kw, Target::Generic, &mut keyword_targets);
        }
        let keyword_targets = minimize_keywords(keyword_targets);
        let ac = AhoCorasick::builder()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(keyword_targets.iter().map(|(k, _)| k.as_str()))
            .map_err(|e| e.to_string())?;
        Ok(Engine {
            ac,
            targets: keyword_targets.into_iter().map(|(_, t)| t).collect(),
            detectors: detectors_out,
            longest_window: longest_window.max(generic::MAX_SPAN),
        })
    }

    /// The longest match any detector can produce: chunked scanning overlaps by at least this much.
    pub(crate) fn max_match_len(&self) -> usize {
        self.longest_window
    }

    /// Scans one buffer; returns validated, overlap-resolved candidates sorted by position.
    pub(crate) fn scan(&self, buf: &[u8], hint: Hint<'_>) -> Vec<Candidate> {
        let mut windows: Vec<Vec<Range<usize>>> = vec![Vec::new(); self.detectors.len()];
        let mut generic_hits: Vec<Range<usize>> = Vec::new();
        for m in self.ac.find_overlapping_iter(buf) {
            let Some(ts) = self.targets.get(m.pattern().as_usize()) else {
                continue;
            };
            for t in ts {
                match *t {
                    Target::Generic => generic_hits.push(m.start()..m.end()),
                    Target::Detector(i) => {
                        let Some(d) = self.detectors.get(i) else {
                            continue;
                        };
                        let w = m.start().saturating_sub(d.spec.max_len)
                            ..(m.end() + d.spec.max_len).min(buf.len());
                        push_merged(&mut windows[i], w);
                    }
                }
            }
        }
        if !hint.file_name.is_empty() {
            for (i, d) in self.detectors.iter().enumerate() {
                if d.spec.file_names.contains(&hint.file_name) {
                    windows[i].clear();
                    windows[i].push(0..buf.len());
                }
            }
        }

        let mut out = Vec::new();
        for (i, ws) in windows.iter().enumerate() {
            if ws.is_empty() {
                continue;
            }
            let Some(d) = self.detectors.get(i) else {
                continue;
            };
            for p in &d.patterns {
                let mut caps = p.re.create_captures();
                // end of the last YAML document judged by a document-level check: each is judged once
                let mut judged_until = 0usize;
                for w in ws {
                    search_window(buf, w.clone(), d, p, &mut caps, &mut out, &mut judged_until);
                }
            }
        }
        // Each generic hit reads at most `generic::MAX_SPAN` bytes; a budget proportional to the buffer
        // keeps hostile inputs (a keyword every few bytes) linear.
        let mut budget = buf.len().saturating_mul(4).saturating_add(1 << 16);
        let mut last_name_end = 0usize;
        for h in generic_hits {
            if h.start < last_name_end {
                continue;
            }
            let Some(rest) = budget.checked_sub(generic::MAX_SPAN) else {
                break;
            };
            budget = rest;
            if let Some((c, name_end)) = generic::detect(buf, h, hint.syntax) {
                last_name_end = name_end;
                out.push(c);
            }
        }
        resolve_overlaps(out)
    }
}

/// Longest keyword kept in the prefilter automaton: a prefix of a keyword is in every match that
/// contains the keyword, and a smaller automaton is a faster one.
const MAX_KEYWORD: usize = 8;

/// Truncates keywords to [`MAX_KEYWORD`] bytes and drops every keyword that contains another one,
/// handing its detectors to the keywords it contains. The result has no keyword inside another, so a
/// keyword nested in another is not needed: the overlapping scan reports the inner one at the same place.
fn minimize_keywords(list: Vec<(String, Vec<Target>)>) -> Vec<(String, Vec<Target>)> {
    let mut merged: Vec<(String, Vec<Target>)> = Vec::new();
    for (kw, ts) in list {
        let cut: String = kw.chars().take(MAX_KEYWORD).collect();
        match merged.iter_mut().find(|(k, _)| *k == cut) {
            Some((_, existing)) => {
                for t in ts {
                    if !existing.contains(&t) {
                        existing.push(t);
                    }
                }
            }
            None => merged.push((cut, ts)),
        }
    }
    let keys: Vec<String> = merged.iter().map(|(k, _)| k.clone()).collect();
    let mut kept: Vec<(String, Vec<Target>)> = Vec::new();
    let mut moved: Vec<(usize, Vec<Target>)> = Vec::new();
    for (idx, (kw, ts)) in merged.iter().enumerate() {
        let inner: Vec<usize> = keys
            .iter()
            .enumerate()
            .filter(|(j, k)| *j != idx && kw.contains(k.as_str()))
            .map(|(j, _)| j)
            .collect();
        if inner.is_empty() {
            kept.push((kw.clone(), ts.clone()));
        } else {
            for j in inner {
                moved.push((j, ts.clone()));
            }
        }
    }
    for (j, ts) in moved {
        let Some(key) = keys.get(j) else { continue };
        // The contained keyword may itself contain a shorter one; hand the targets to every kept
        // keyword inside `key` (or `key` itself).
        for (_, existing) in kept.iter_mut().filter(|(k, _)| key.contains(k.as_str())) {
            for t in &ts {
                if !existing.contains(t) {
                    existing.push(*t);
                }
            }
        }
    }
    kept
}

fn push_merged(ws: &mut Vec<Range<usize>>, w: Range<usize>) {
    if let Some(last) = ws.last_mut()
        && w.start <= last.end
    {
        // Overlapping hits arrive by end position, so a start may precede the previous one by less
        // than a keyword length.
        last.start = last.start.min(w.start);
        last.end = last.end.max(w.end);
        return;
    }
    ws.push(w);
}

fn search_window(
    buf: &[u8],
    w: Range<usize>,
    d: &Compiled,
    p: &CompiledPattern,
    caps: &mut Captures,
    out: &mut Vec<Candidate>,
    judged_until: &mut usize,
) {
    let mut input = Input::new(buf).range(w.clone());
    loop {
        p.re.search_captures(&input, caps);
        let Some(m) = caps.get_match() else { break };
        let next = if m.end() > m.start() { m.end() } else { m.end() + 1 };
        if let Some(c) = candidate(buf, d, p, caps, m.range(), judged_until) {
            out.push(c);
        }
        if next >= w.end {
            break;
        }
        input.set_start(next);
    }
}

fn candidate(
    buf: &[u8],
    d: &Compiled,
    p: &CompiledPattern,
    caps: &Captures,
    whole: Range<usize>,
    judged_until: &mut usize,
) -> Option<Candidate> {
    let spec = &d.spec;
    let mut secret = p.secret_group.and_then(|g| caps.get_group(g)).map_or(whole.clone(), |s| s.range());
    let before = whole.start.checked_sub(1).and_then(|i| buf.get(i).copied());
    if !spec.left.allows(before) {
        return None;
    }
    let key_bytes = p.key_group.and_then(|g| caps.get_group(g)).and_then(|s| buf.get(s.range()));
    let mut severity = None;
    let mut k8s_key: Option<Range<usize>> = None;
    let value = buf.get(secret.clone())?;
    let ok = match spec.check {
        Check::Random(min) => {
            validate::random_token(value, min)
                && !(spec.reject_words && crate::checks::is_identifier_like(value))
        }
        Check::OpenAi => validate::openai(value),
        Check::Jwt => validate::jwt(value),
        Check::AuthHeader(min) => validate::auth_header(value, min),
        Check::BasicAuth => validate::basic_auth(value),
        Check::KubernetesSecret => {
            // One judgement per document: later `kind: Secret` lines of a judged document are skipped, and
            // the document search does not go back before the previous one (linear on hostile input).
            if whole.start < *judged_until {
                return None;
            }
            let (doc, found) = validate::kubernetes_secret(buf, whole.clone(), *judged_until);
            *judged_until = doc.end.max(whole.end);
            match found {
                Some((value, name)) => {
                    secret = value;
                    k8s_key = Some(name);
                    true
                }
                None => false,
            }
        }
        Check::DockerAuth => validate::docker_auth(value),
        Check::Slack => validate::slack(value),
        Check::ApiHeader => {
            key_bytes.is_some_and(validate::credential_header) && validate::header_value(value, 3.0)
        }
        Check::Password => {
            let host = p.host_group.and_then(|g| caps.get_group(g)).and_then(|s| buf.get(s.range()));
            validate::password(value, host)
        }
        Check::Pem => match validate::pem_body(buf, whole.end) {
            Some(body) => {
                secret = body;
                if key_bytes.is_some_and(|k| k.windows(9).any(|w| w == b"ENCRYPTED")) {
                    severity = Some(Severity::Medium);
                }
                true
            }
            None => false,
        },
    };
    if !ok {
        return None;
    }
    if !matches!(spec.check, Check::Pem | Check::KubernetesSecret) {
        let after = buf.get(secret.end).copied();
        if !spec.right.allows(after) {
            return None;
        }
    }
    if spec.rule == "SW-SEC-024" && value.windows(6).any(|w| w == b"_test_") {
        severity = Some(Severity::Medium);
    }
    // EasyPost test-mode keys
    if spec.rule == "SW-SEC-040" && value.starts_with(b"EZTK") {
        severity = Some(Severity::Medium);
    }
    let key_bytes = match k8s_key {
        Some(r) => buf.get(r),
        None => key_bytes,
    };
    let key = key_bytes.map(|k| {
        let k = String::from_utf8_lossy(k);
        let k = k.trim().trim_matches('"');
        let k = if k.is_empty() { "PRIVATE KEY" } else { k };
        k.chars().take(64).collect::<String>()
    });
    Some(Candidate { rule: spec.rule, secret, key, priority: spec.priority, severity })
}

/// Sorts candidates and keeps, among overlapping secrets, the most specific one (lowest priority value,
/// then the longest).
fn resolve_overlaps(mut cands: Vec<Candidate>) -> Vec<Candidate> {
    cands.sort_by_key(|c| (c.secret.start, c.priority, std::cmp::Reverse(c.secret.end)));
    let mut out: Vec<Candidate> = Vec::with_capacity(cands.len());
    for c in cands {
        if let Some(last) = out.last_mut()
            && c.secret.start < last.secret.end
        {
            let better = (c.priority, std::cmp::Reverse(c.secret.len()))
                < (last.priority, std::cmp::Reverse(last.secret.len()));
            if better {
                *last = c;
            }
            continue;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_builds() {
        assert!(engine_error().is_none(), "{:?}", engine_error());
        assert!(engine().is_some_and(|e| e.max_match_len() >= 300));
    }

    #[test]
    fn keywords_minimized() {
        let t = |i| vec![Target::Detector(i)];
        let out = minimize_keywords(vec![
            ("sk-".into(), t(0)),
            ("sk-ant-".into(), t(1)),
            ("secret".into(), vec![Target::Generic]),
            ("_secret".into(), t(2)),
            ("pypi-ageichlwas5vcmc".into(), t(3)),
        ]);
        let get = |k: &str| out.iter().find(|(x, _)| x == k).map(|(_, v)| v.clone());
        assert_eq!(get("sk-"), Some(vec![Target::Detector(0), Target::Detector(1)]));
        assert_eq!(get("secret"), Some(vec![Target::Generic, Target::Detector(2)]));
        assert_eq!(get("pypi-age"), Some(t(3)));
        assert_eq!(out.len(), 3);
        // overlapping (not nested) keywords are both kept: the scan reports overlapping hits
        let out = minimize_keywords(vec![("aws_secret".into(), t(0)), ("secret".into(), t(1))]);
        assert_eq!(out.len(), 2);
    }

    #[test]
    fn windows_merge() {
        let mut ws = vec![];
        push_merged(&mut ws, 0..10);
        push_merged(&mut ws, 5..20);
        push_merged(&mut ws, 30..40);
        assert_eq!(ws, vec![0..20, 30..40]);
    }

    #[test]
    fn overlaps_keep_specific() {
        let c = |rule, r: Range<usize>, priority| Candidate {
            rule,
            secret: r,
            key: None,
            priority,
            severity: None,
        };
        let out = resolve_overlaps(vec![c("G", 0..10, 90), c("P", 0..10, 10), c("X", 20..30, 50)]);
        assert_eq!(out.iter().map(|c| c.rule).collect::<Vec<_>>(), vec!["P", "X"]);
    }

    #[test]
    fn left_boundary_applies() {
        let e = engine().unwrap();
        let hint = Hint { syntax: Syntax::Config, file_name: "" };
        let tok = format!("hf_{}", "QmVtWcLdXyPaZrKsNbUjHgFeDiCoBqLxTp");
        assert_eq!(e.scan(format!("x {tok}").as_bytes(), hint).len(), 1);
        assert_eq!(e.scan(format!("xx{tok}").as_bytes(), hint).len(), 0);
    }
}
