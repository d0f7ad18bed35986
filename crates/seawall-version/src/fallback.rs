//! The generic comparator for ecosystems without a dedicated engine.
//!
//! Natural ordering: the string is cut into runs of digits and runs of other characters; digit runs
//! compare numerically (any length), other runs byte-wise; when one string is a prefix of the
//! other the shorter sorts first. Deterministic and total, but only approximate for a given
//! ecosystem: callers that need exactness should check [`crate::Engine::is_exact`].

use std::cmp::Ordering;

use crate::num::cmp_digits;

fn runs(s: &str) -> impl Iterator<Item = (bool, &str)> {
    let mut rest = s;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let digit = first.is_ascii_digit();
        let end = rest.find(|c: char| c.is_ascii_digit() != digit).unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        rest = tail;
        Some((digit, run))
    })
}

/// Compares two strings with the natural ordering described in the module docs.
pub fn compare(a: &str, b: &str) -> Ordering {
    let mut ai = runs(a);
    let mut bi = runs(b);
    loop {
        match (ai.next(), bi.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some((da, x)), Some((db, y))) => {
                let o = match (da, db) {
                    (true, true) => cmp_digits(x, y).then_with(|| x.len().cmp(&y.len())),
                    (false, false) => x.cmp(y),
                    (true, false) => Ordering::Greater,
                    (false, true) => Ordering::Less,
                };
                if o != Ordering::Equal {
                    return o;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn natural() {
        assert_eq!(compare("1.10", "1.9"), Ordering::Greater);
        assert_eq!(compare("1.0", "1.0a"), Ordering::Less);
        assert_eq!(compare("abc", "abc"), Ordering::Equal);
    }
}
