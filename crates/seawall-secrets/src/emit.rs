//! Turning candidates into [`Finding`]s: location, redaction, fingerprint.

use memchr::memchr_iter;
use seawall_core::{Finding, Location, Severity, stable_hash};
use sha2::{Digest, Sha256};

use crate::candidate::Candidate;
use crate::known::{self, KnownClass, KnownToken};
use crate::{paths, rules};

/// Redacts a secret for display: at most its first 4 characters (fewer for short values, so that a
/// short password never shows more than a quarter of itself) and its length, e.g. `hf_a…(37 chars)`.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let show = if n >= 16 { 4 } else { n / 4 };
    let prefix: String = secret.chars().take(show).collect();
    format!("{prefix}\u{2026}({n} chars)")
}

/// One secret found in a free text by [`secret_spans`]: where it is and how it is shown (never the
/// secret itself, so `Debug` output is safe).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretSpan {
    /// Byte range of the secret in the text (always on `char` boundaries).
    pub range: std::ops::Range<usize>,
    /// Rule id of the detector that found it.
    pub rule: &'static str,
    /// The redacted form ([`redact`]).
    pub redacted: String,
}

/// Every secret the engine finds in a free text (a shell command, a history `created_by` line, a log
/// line), read as configuration syntax, in text order and without overlaps.
pub fn secret_spans(text: &str) -> Vec<SecretSpan> {
    let Some(e) = crate::engine::engine() else {
        return Vec::new();
    };
    let hint = crate::engine::Hint { syntax: crate::generic::Syntax::Config, file_name: "" };
    let mut out: Vec<SecretSpan> = Vec::new();
    for c in e.scan(text.as_bytes(), hint) {
        // Detectors work on bytes; widen a range that cuts a multi-byte character.
        let mut r = c.secret.clone();
        while r.start > 0 && !text.is_char_boundary(r.start) {
            r.start -= 1;
        }
        while r.end < text.len() && !text.is_char_boundary(r.end) {
            r.end += 1;
        }
        let Some(secret) = text.get(r.clone()) else { continue };
        if out.last().is_some_and(|p| r.start < p.range.end) {
            continue;
        }
        out.push(SecretSpan { range: r, rule: c.rule, redacted: redact(secret) });
    }
    out
}

/// `text` with every secret replaced by its redacted form (`RUN |1 HF_TOKEN=hf_Q…(37 chars) /bin/sh …`).
pub fn redact_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0;
    for s in secret_spans(text) {
        out.push_str(text.get(pos..s.range.start).unwrap_or_default());
        out.push_str(&s.redacted);
        pos = s.range.end;
    }
    out.push_str(text.get(pos..).unwrap_or_default());
    out
}

/// Hex SHA-256 of the secret bytes (used only inside the fingerprint).
pub(crate) fn secret_digest(secret: &[u8]) -> String {
    hex::encode(Sha256::digest(secret))
}

/// The stable fingerprint of a secret finding: `stable_hash([rule id, path, sha256(secret)])`.
pub fn fingerprint(rule_id: &str, path: &str, secret: &[u8]) -> String {
    stable_hash(&[rule_id, path, &secret_digest(secret)])
}

/// Tracks line numbers and line starts over a stream of absolute byte offsets.
#[derive(Debug, Clone)]
pub(crate) struct LineCursor {
    pos: usize,
    line: u32,
    line_start: usize,
}

impl Default for LineCursor {
    fn default() -> Self {
        LineCursor { pos: 0, line: 1, line_start: 0 }
    }
}

impl LineCursor {
    /// Advances to absolute offset `target`; `buf` starts at absolute offset `buf_abs` and must cover
    /// `self.pos..target`. Offsets before the cursor leave it unchanged.
    pub(crate) fn advance(&mut self, buf: &[u8], buf_abs: usize, target: usize) {
        if target <= self.pos || self.pos < buf_abs {
            return;
        }
        let from = self.pos - buf_abs;
        let to = (target - buf_abs).min(buf.len());
        if let Some(slice) = buf.get(from..to) {
            for nl in memchr_iter(b'\n', slice) {
                self.line = self.line.saturating_add(1);
                self.line_start = buf_abs + from + nl + 1;
            }
        }
        self.pos = buf_abs + to;
    }

    /// 1-based line at the cursor.
    pub(crate) fn line(&self) -> u32 {
        self.line
    }

    /// 1-based byte column of the cursor.
    pub(crate) fn column(&self) -> u32 {
        u32::try_from(self.pos - self.line_start + 1).unwrap_or(u32::MAX)
    }
}

/// Builds the finding for a candidate whose secret bytes are `secret`, and applies the third-party
/// policy (`docs/secrets.md`):
///
/// * a known documentation/SDK example ([`KnownClass::Example`]) is not a finding;
/// * a known published test token ([`KnownClass::TestToken`]) inside installed third-party code
///   (`site-packages`, `dist-packages`, `node_modules`, conda `pkgs/`, …) is reported at INFO; in the
///   user's own files it keeps its severity; both carry `details.known_public`;
/// * any other secret inside third-party code keeps its severity and carries `details.third_party`.
pub(crate) fn finding(c: &Candidate, secret: &[u8], location: Location) -> Option<Finding> {
    finding_with(c, secret, location, known::lookup)
}

/// [`finding`] with the known-token list as a parameter (tests use their own look-alike list).
fn finding_with(
    c: &Candidate,
    secret: &[u8],
    location: Location,
    lookup: impl Fn(&str, &str) -> Option<&'static KnownToken>,
) -> Option<Finding> {
    let rule = rules::rule(c.rule)?;
    let digest = secret_digest(secret);
    let known = lookup(rule.id, &digest);
    if known.is_some_and(|k| k.class == KnownClass::Example) {
        return None;
    }
    let text = String::from_utf8_lossy(secret);
    let redacted = redact(&text);
    let mut f = Finding::from_rule(rule);
    if let Some(s) = c.severity {
        f.severity = s;
    }
    let mut message = match &c.key {
        Some(k) => format!("{} `{redacted}` (in `{k}`)", rule.title,),
        None => format!("{} `{redacted}`", rule.title),
    };
    let third_party = paths::is_third_party(&location.path);
    if let Some(k) = known {
        f.details.insert("known_public".into(), k.note.to_string());
        if third_party {
            f.severity = Severity::Info;
            message.push_str(": a published test token shipped in a third-party package");
        } else {
            message.push_str(": a published test token, but in your own files");
        }
    }
    if third_party {
        f.details.insert("third_party".into(), "true".into());
    }
    f.fingerprint = stable_hash(&[rule.id, &location.path, &digest]);
    f.location = location;
    f.message = message;
    f.redacted = Some(redacted);
    if let Some(k) = &c.key {
        f.details.insert("key".into(), k.clone());
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        assert_eq!(redact("hf_abcdefghijklmnopqrstuvwxyzABCDEFGH"), "hf_a\u{2026}(37 chars)");
        assert_eq!(redact("Str0ng!pw9"), "St\u{2026}(10 chars)");
        assert_eq!(redact("abc"), "\u{2026}(3 chars)");
    }

    /// Third-party policy: a published test token in an installed package is INFO; the same token in
    /// the user's own files keeps its severity; SDK examples are not findings; unknown secrets in
    /// third-party code keep their severity with `details.third_party`.
    #[test]
    fn known_public_tokens_in_third_party_packages_are_info() {
        static CI: KnownToken =
            KnownToken { class: KnownClass::TestToken, rule: "SW-SEC-001", note: "look-alike hub-CI token" };
        static SAMPLE: KnownToken =
            KnownToken { class: KnownClass::Example, rule: "SW-SEC-019", note: "look-alike SDK sample key" };
        let ci = format!("hf_{}", "LookAlikeHubCiTokenForSeawallTests");
        let sample = format!("AIza{}", "SyLookAlikeSdkSampleKey0123456789ab");
        let (ci_d, sample_d) = (secret_digest(ci.as_bytes()), secret_digest(sample.as_bytes()));
        let lookup = |rule: &str, d: &str| -> Option<&'static KnownToken> {
            if d == ci_d && rule == CI.rule {
                Some(&CI)
            } else if d == sample_d && rule == SAMPLE.rule {
                Some(&SAMPLE)
            } else {
                None
            }
        };
        let cand = |rule| Candidate { rule, secret: 0..1, key: None, priority: 10, severity: None };
        let site = "/usr/local/lib/python3.11/site-packages/acme/testing_utils.py";
        let f = finding_with(&cand("SW-SEC-001"), ci.as_bytes(), Location::file(site), lookup).unwrap();
        assert_eq!(f.severity, Severity::Info);
        assert_eq!(f.details.get("third_party").map(String::as_str), Some("true"));
        assert!(f.details.contains_key("known_public"));
        let own = finding_with(&cand("SW-SEC-001"), ci.as_bytes(), Location::file("/app/train.py"), lookup)
            .unwrap();
        assert_eq!(own.severity, Severity::Critical);
        assert!(own.details.contains_key("known_public") && !own.details.contains_key("third_party"));
        let conda = "/opt/conda/pkgs/acme-1.0-py_0/site-packages/acme/ci.py";
        assert_eq!(
            finding_with(&cand("SW-SEC-001"), ci.as_bytes(), Location::file(conda), lookup).unwrap().severity,
            Severity::Info
        );
        assert!(
            finding_with(&cand("SW-SEC-019"), sample.as_bytes(), Location::file("/app/a.json"), lookup)
                .is_none()
        );
        // an unknown token in a third-party package keeps its severity, marked third_party
        let other = format!("hf_{}", "QmVtWcLdXyPaZrKsNbUjHgFeDiCoBqLxTp");
        let f = finding_with(&cand("SW-SEC-001"), other.as_bytes(), Location::file(site), lookup).unwrap();
        assert_eq!(f.severity, Severity::Critical);
        assert_eq!(f.details.get("third_party").map(String::as_str), Some("true"));
        assert!(!f.details.contains_key("known_public"));
        // the list only applies to its rule
        assert!(
            finding_with(&cand("SW-SEC-035"), ci.as_bytes(), Location::file(site), lookup)
                .is_some_and(|f| f.severity == Severity::Medium)
        );
    }

    #[test]
    fn text_redaction() {
        let tok = format!("hf_{}", "QmVtWcLdXyPaZrKsNbUjHgFeDiCoBqLxTp");
        let line = format!("RUN |2 HF_TOKEN={tok} Z=\u{e9}\u{e9} /bin/sh -c pip install x # caf\u{e9}");
        let red = redact_text(&line);
        assert!(!red.contains(&tok));
        assert_eq!(
            red,
            "RUN |2 HF_TOKEN=hf_Q\u{2026}(37 chars) Z=\u{e9}\u{e9} /bin/sh -c pip install x # caf\u{e9}"
        );
        let spans = secret_spans(&line);
        assert_eq!(spans.len(), 1);
        assert_eq!(&line[spans[0].range.clone()], tok);
        assert_eq!(spans[0].rule, "SW-SEC-001");
        assert!(!format!("{spans:?}").contains(&tok));
        assert_eq!(redact_text("no secrets here"), "no secrets here");
    }

    #[test]
    fn cursor_counts_lines() {
        let buf = b"a\nbb\nccc";
        let mut c = LineCursor::default();
        c.advance(buf, 0, 6);
        assert_eq!((c.line(), c.column()), (3, 2));
        c.advance(buf, 0, 2);
        assert_eq!(c.line(), 3);
    }

    #[test]
    fn fingerprint_depends_on_secret_and_path() {
        assert_ne!(fingerprint("SW-SEC-001", "a", b"x"), fingerprint("SW-SEC-001", "a", b"y"));
        assert_ne!(fingerprint("SW-SEC-001", "a", b"x"), fingerprint("SW-SEC-001", "b", b"x"));
        assert_eq!(fingerprint("SW-SEC-001", "a", b"x").len(), 16);
    }
}
