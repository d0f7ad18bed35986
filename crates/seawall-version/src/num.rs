//! Arbitrary-length decimal integers compared without allocation.
//!
//! Versions in OSV data contain numbers far beyond `u64` (dates with times, commit counters,
//! `999999999999999999999999999999` in fixtures), so every engine compares digit strings.

use std::cmp::Ordering;

/// Compares two strings of ASCII digits by numeric value (leading zeros ignored).
pub(crate) fn cmp_digits(a: &str, b: &str) -> Ordering {
    let a = a.trim_start_matches('0');
    let b = b.trim_start_matches('0');
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

/// A signed decimal integer as Go's `big.Int.SetString(s, 10)` accepts it: an optional `+`/`-`
/// sign followed by at least one ASCII digit. Returns `(negative, digits)`.
pub(crate) fn parse_signed(s: &str) -> Option<(bool, &str)> {
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let zero = digits.bytes().all(|b| b == b'0');
    Some((neg && !zero, digits))
}

/// Compares two parsed signed integers (see [`parse_signed`]).
pub(crate) fn cmp_signed(a: (bool, &str), b: (bool, &str)) -> Ordering {
    match (a.0, b.0) {
        (false, false) => cmp_digits(a.1, b.1),
        (true, true) => cmp_digits(b.1, a.1),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    }
}

/// Compares two lists of digit strings, padding the shorter one with zeros.
pub(crate) fn cmp_components<S: AsRef<str>>(a: &[S], b: &[S]) -> Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let x = a.get(i).map(AsRef::as_ref).unwrap_or("0");
        let y = b.get(i).map(AsRef::as_ref).unwrap_or("0");
        let o = cmp_digits(x, y);
        if o != Ordering::Equal {
            return o;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digits() {
        assert_eq!(cmp_digits("010", "9"), Ordering::Greater);
        assert_eq!(cmp_digits("000", ""), Ordering::Equal);
        assert_eq!(cmp_signed((true, "0"), (false, "0")), Ordering::Less);
        assert_eq!(parse_signed("-0"), Some((false, "0")));
        assert_eq!(parse_signed("+"), None);
        assert_eq!(cmp_components(&["1", "0"], &["1"]), Ordering::Equal);
    }
}
