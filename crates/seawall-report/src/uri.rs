//! Making strings safe for the `uri` / `iri-reference` fields of SARIF and CycloneDX.

/// Percent-encodes everything but unreserved characters and `/` (for paths and path segments).
pub(crate) fn encode_path(path: &str) -> String {
    let mut s = String::with_capacity(path.len());
    for b in path.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => s.push(b as char),
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

/// Percent-encodes one path segment (also `/`), e.g. an advisory id placed in a URL.
pub(crate) fn encode_segment(seg: &str) -> String {
    encode_path(seg).replace('/', "%2F")
}

/// Repairs a reference URL so that it is a valid URI: bytes that may not appear in a URI (controls,
/// space, non-ASCII, `"<>\^`{|}`, and `%` not followed by two hex digits) are percent-encoded.
pub(crate) fn uri_safe(url: &str) -> String {
    let bytes = url.trim().as_bytes();
    let mut s = String::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        let pct_ok = b == b'%'
            && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
            && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
        let bad = b <= 0x20 || b >= 0x7f || b"\"<>\\^`{|}".contains(&b) || (b == b'%' && !pct_ok);
        if bad {
            s.push_str(&format!("%{b:02X}"));
        } else {
            s.push(b as char);
        }
    }
    s
}

/// True when the string starts with a URI scheme (`https:`, `mailto:` …): an absolute URI.
pub(crate) fn has_scheme(url: &str) -> bool {
    let Some((scheme, _)) = url.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding() {
        assert_eq!(encode_path("history[3]"), "history%5B3%5D");
        assert_eq!(encode_path("a b/c:d"), "a%20b/c%3Ad");
        assert_eq!(encode_path("é"), "%C3%A9");
        assert_eq!(encode_segment("a/b"), "a%2Fb");
        assert_eq!(uri_safe("https://example.org/a b?q=<x>"), "https://example.org/a%20b?q=%3Cx%3E");
        assert_eq!(uri_safe("https://x/%41%zz"), "https://x/%41%25zz");
        assert_eq!(uri_safe("https://x/ü"), "https://x/%C3%BC");
        assert!(has_scheme("https://x"));
        assert!(!has_scheme("www.example.org/x"));
        assert!(!has_scheme("1http://x"));
    }

    proptest::proptest! {
        #[test]
        fn uri_safe_output_has_only_uri_characters(s in "\\PC{0,40}") {
            let out = uri_safe(&s);
            proptest::prop_assert!(out.bytes().all(|b| b > 0x20 && b < 0x7f && !b"\"<>\\^`{|}".contains(&b)), "{out}");
            let bytes = out.as_bytes();
            for (i, &b) in bytes.iter().enumerate() {
                if b == b'%' {
                    proptest::prop_assert!(bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit) && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit));
                }
            }
        }
    }
}
