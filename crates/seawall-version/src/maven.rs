//! Maven ordering (the version order specification of the POM reference, as `ComparableVersion`).
//!
//! * The version is split into tokens at `.` and `-` and at every digit/non-digit transition; the
//!   separator before a token is kept (a transition counts as `-`). Tokens are case-insensitive.
//! * Empty tokens are `0`; `cr` is `rc`; `ga`, `final`, `release` are the empty qualifier; `a`, `b`,
//!   `m` directly followed by a number are `alpha`, `beta`, `milestone`.
//! * Trailing "null" tokens (`0`, empty) are trimmed, again before each remaining `-`.
//! * Comparing pads the shorter list with nulls. With equal separators numbers compare
//!   numerically, a real number beats a qualifier, and qualifiers order
//!   `alpha < beta < milestone < rc < snapshot < "" < sp < (others, alphabetically)`.
//!   With different separators: `.qualifier < -qualifier < -number < .number`.

use std::cmp::Ordering;

use crate::num::{cmp_signed, parse_signed};

#[derive(Debug, Clone, PartialEq, Eq)]
struct Token {
    dash: bool,
    value: String,
    null: bool,
}

impl Token {
    fn numeric(&self) -> Option<(bool, &str)> {
        parse_signed(&self.value)
    }
}

const KEYWORDS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];

fn keyword_rank(v: &str) -> usize {
    KEYWORDS.iter().position(|k| *k == v).unwrap_or(KEYWORDS.len())
}

/// A parsed Maven version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MavenVersion {
    tokens: Vec<Token>,
}

impl MavenVersion {
    /// Parses any string; never fails.
    pub fn parse(s: &str) -> MavenVersion {
        let lower = s.to_lowercase();
        let mut tokens = Vec::new();
        let mut dash = false;
        for (piece, sep_after) in split_keep(&lower) {
            let subs = split_transitions(piece);
            let count = subs.len();
            for (j, sub) in subs.into_iter().enumerate() {
                let d = if j > 0 { true } else { dash };
                let mut value = match sub {
                    "" => "0".to_string(),
                    "cr" => "rc".to_string(),
                    "ga" | "final" | "release" => String::new(),
                    v => v.to_string(),
                };
                if j + 1 < count {
                    match value.as_str() {
                        "a" => value = "alpha".into(),
                        "b" => value = "beta".into(),
                        "m" => value = "milestone".into(),
                        _ => {}
                    }
                }
                if let Some((neg, digits)) = parse_signed(&value) {
                    let t = digits.trim_start_matches('0');
                    let t = if t.is_empty() { "0" } else { t };
                    value = if neg { format!("-{t}") } else { t.to_string() };
                }
                tokens.push(Token { dash: d, value, null: false });
            }
            dash = sep_after == Some('-');
        }
        // Trim trailing nulls, then again before each remaining hyphen, from the end.
        let mut i = tokens.len().saturating_sub(1) as isize;
        while i > 0 {
            let idx = i as usize;
            if matches!(tokens[idx].value.as_str(), "0" | "" | "final" | "ga") {
                tokens.remove(idx);
                i -= 1;
                continue;
            }
            while i >= 0 && !tokens[i as usize].dash {
                i -= 1;
            }
            i -= 1;
        }
        MavenVersion { tokens }
    }

    /// Total order of two parsed versions.
    pub fn compare(&self, other: &MavenVersion) -> Ordering {
        if self.tokens == other.tokens {
            return Ordering::Equal;
        }
        if self.less_than(other) {
            Ordering::Less
        } else if other.less_than(self) {
            Ordering::Greater
        } else {
            Ordering::Equal
        }
    }

    fn less_than(&self, other: &MavenVersion) -> bool {
        let n = self.tokens.len().max(other.tokens.len());
        for i in 0..n {
            let left = match self.tokens.get(i) {
                Some(t) => t.clone(),
                None => null_like(other.tokens.get(i)),
            };
            let right = match other.tokens.get(i) {
                Some(t) => t.clone(),
                None => null_like(self.tokens.get(i)),
            };
            if left.dash == right.dash && left.value == right.value {
                continue;
            }
            return token_less(&left, &right);
        }
        false
    }
}

fn null_like(t: Option<&Token>) -> Token {
    match t {
        Some(t) if !t.dash => {
            Token { dash: false, value: if t.value == "sp" { String::new() } else { "0".into() }, null: true }
        }
        _ => Token { dash: true, value: String::new(), null: true },
    }
}

fn token_less(a: &Token, b: &Token) -> bool {
    if a.dash == b.dash {
        match (a.numeric(), b.numeric()) {
            (Some(x), Some(y)) => return cmp_signed(x, y) == Ordering::Less,
            (Some(_), _) if !a.null => return false,
            (_, Some(_)) if !b.null => return true,
            _ => {}
        }
        let (ra, rb) = (keyword_rank(&a.value), keyword_rank(&b.value));
        if ra == KEYWORDS.len() && rb == KEYWORDS.len() {
            return a.value < b.value;
        }
        return ra < rb;
    }
    let order = |t: &Token| match (t.numeric().is_some(), t.dash) {
        (false, false) => 0,
        (false, true) => 1,
        (true, true) => 2,
        (true, false) => 3,
    };
    order(a) < order(b)
}

/// Splits at `.`/`-`, returning each piece with the separator that follows it.
fn split_keep(s: &str) -> Vec<(&str, Option<char>)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices() {
        if c == '.' || c == '-' {
            out.push((&s[start..i], Some(c)));
            start = i + 1;
        }
    }
    out.push((&s[start..], None));
    out
}

/// Splits a piece at digit/non-digit transitions.
fn split_transitions(piece: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut prev: Option<bool> = None;
    for (i, c) in piece.char_indices() {
        let d = c.is_ascii_digit();
        if let Some(p) = prev
            && p != d
        {
            out.push(&piece[start..i]);
            start = i;
        }
        prev = Some(d);
    }
    out.push(&piece[start..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(a: &str, b: &str) -> Ordering {
        MavenVersion::parse(a).compare(&MavenVersion::parse(b))
    }

    #[test]
    fn basics() {
        assert_eq!(c("1.0-alpha-1", "1.0"), Ordering::Less);
        assert_eq!(c("1.0-SNAPSHOT", "1.0"), Ordering::Less);
        assert_eq!(c("1", "1.0.0"), Ordering::Equal);
        assert_eq!(c("1a1", "1-alpha-1"), Ordering::Equal);
        assert_eq!(c("2.0.1-xyz", "2.0.1-123"), Ordering::Less);
    }
}
