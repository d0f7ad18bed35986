//! Known public tokens (`data/known-public-tokens.tsv`): credentials published on purpose, matched by the
//! SHA-256 of the secret so that the list never holds a token.

use std::collections::HashMap;
use std::sync::LazyLock;

/// What a known public token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KnownClass {
    /// A documentation or SDK sample value: never reported.
    Example,
    /// A live-format token its owner published for tests (hub-CI sandbox tokens): INFO inside installed
    /// third-party packages, full severity with a note in the user's own files.
    TestToken,
}

/// One entry of the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KnownToken {
    /// Example or published test token.
    pub(crate) class: KnownClass,
    /// The rule the token belongs to.
    pub(crate) rule: &'static str,
    /// Where it is published and why it is public.
    pub(crate) note: &'static str,
}

const LIST: &str = include_str!("../data/known-public-tokens.tsv");

/// Parses the list; malformed lines are a bug caught by the tests (and skipped at run time).
fn parse(text: &'static str) -> HashMap<&'static str, KnownToken> {
    let mut out = HashMap::new();
    for line in text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let mut it = line.splitn(4, '\t');
        let (Some(digest), Some(class), Some(rule), Some(note)) =
            (it.next(), it.next(), it.next(), it.next())
        else {
            continue;
        };
        let class = match class {
            "example" => KnownClass::Example,
            "test-token" => KnownClass::TestToken,
            _ => continue,
        };
        out.insert(digest, KnownToken { class, rule, note });
    }
    out
}

static KNOWN: LazyLock<HashMap<&'static str, KnownToken>> = LazyLock::new(|| parse(LIST));

/// The list entry for a secret of rule `rule` whose SHA-256 hex digest is `digest`.
pub(crate) fn lookup(rule: &str, digest: &str) -> Option<&'static KnownToken> {
    KNOWN.get(digest).filter(|k| k.rule == rule)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_well_formed() {
        let lines = LIST.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).count();
        let parsed = parse(LIST);
        assert_eq!(parsed.len(), lines, "a line of data/known-public-tokens.tsv is malformed or repeated");
        for (d, k) in &parsed {
            assert_eq!(d.len(), 64, "{d}");
            assert!(d.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()), "{d}");
            assert!(crate::rules::rule(k.rule).is_some(), "{}", k.rule);
            assert!(k.note.len() > 20, "{d}: say where it is published");
        }
    }

    /// The hub-CI sandbox token that ships inside every transformers wheel made every image with
    /// transformers CRITICAL; it is on the list as a published test token.
    #[test]
    fn transformers_hub_ci_token_is_a_known_test_token() {
        let token = format!("hf_{}", "94wBhPGp6KrrTH3KDchhKpRxZwd6dmHWLL");
        let k = lookup("SW-SEC-001", &crate::emit::secret_digest(token.as_bytes())).unwrap();
        assert_eq!(k.class, KnownClass::TestToken);
        assert!(lookup("SW-SEC-035", &crate::emit::secret_digest(token.as_bytes())).is_none());
    }
}
