//! Value heuristics shared by the detectors: entropy, character classes, placeholders.

use std::sync::LazyLock;

use aho_corasick::AhoCorasick;

/// Shannon entropy of the bytes of `v`, in bits per byte.
pub(crate) fn entropy(v: &[u8]) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut counts = [0u32; 256];
    for &b in v {
        counts[usize::from(b)] += 1;
    }
    let n = v.len() as f64;
    counts
        .iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = f64::from(c) / n;
            -p * p.log2()
        })
        .sum()
}

/// Number of character classes present among lower case, upper case, digits and other symbols.
pub(crate) fn classes(v: &[u8]) -> u32 {
    let (mut l, mut u, mut d, mut s) = (false, false, false, false);
    for &b in v {
        match b {
            b'a'..=b'z' => l = true,
            b'A'..=b'Z' => u = true,
            b'0'..=b'9' => d = true,
            _ => s = true,
        }
    }
    u32::from(l) + u32::from(u) + u32::from(d) + u32::from(s)
}

/// Longest run of one repeated byte.
fn longest_run(v: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev = None;
    for &b in v {
        if Some(b) == prev {
            run += 1;
        } else {
            run = 1;
            prev = Some(b);
        }
        best = best.max(run);
    }
    best
}

fn contains_ci(hay: &[u8], needle: &str) -> bool {
    let n = needle.as_bytes();
    n.len() <= hay.len() && hay.windows(n.len()).any(|w| w.eq_ignore_ascii_case(n))
}

/// Markers that make any value (even with a provider prefix) a documentation example or template.
const STRONG_MARKERS: &[&str] = &[
    "example",
    "xxxx",
    "****",
    "....",
    "\u{2026}",
    "<",
    ">",
    "${",
    "{{",
    "$(",
    "%(",
    "your_",
    "your-",
    "yourkey",
    "yourtoken",
    "placeholder",
    "redacted",
    "replace_me",
    "replaceme",
    "insert_",
    "_here",
    "-here",
    "1234567890",
    "abcdefgh",
    "0000000",
    "dummy",
    "changeme",
    "notreal",
    "not_a_real",
    "not-a-real",
    "sample",
];

/// Known documentation values that look real (AWS docs, jwt.io).
const KNOWN_EXAMPLES: &[&str] = &[
    "AKIAIOSFODNN7EXAMPLE",
    "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
    "eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ",
    // RFC 6749 / RFC 5849 examples, quoted in oauthlib and requests-oauthlib docstrings
    "czZCaGRSa3F0MzpnWDFmQmF0M2JW",
    "gX1fBat3bV",
    "2YotnFZFEjr1zCsicMWpAA",
    "tGzv3JOkF0XG5Qx2TlKWIA",
    "ad180jjd733klru7",
    "2kjshdfp92i34asdasd",
    "kd94hf93k423kf44",
    "pfkkdhi9sl3r4s00",
    // NuGet.Config reference and `dotnet nuget` documentation examples (learn.microsoft.com)
    "33f!!lloppa",
    "hal+9ooo_da!sY",
];

fn markers(list: &[&[&str]]) -> Option<AhoCorasick> {
    AhoCorasick::builder().ascii_case_insensitive(true).build(list.iter().flat_map(|l| l.iter())).ok()
}

static STRONG: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| markers(&[STRONG_MARKERS, KNOWN_EXAMPLES]));
static WEAK: LazyLock<Option<AhoCorasick>> = LazyLock::new(|| markers(&[WEAK_MARKERS]));

fn has_marker(ac: &LazyLock<Option<AhoCorasick>>, lists: &[&[&str]], v: &[u8]) -> bool {
    match ac.as_ref() {
        Some(ac) => ac.is_match(v),
        None => lists.iter().flat_map(|l| l.iter()).any(|m| contains_ci(v, m)),
    }
}

/// Longest run of consecutive ascending letters or digits (`klmnop`, `456789`), case-insensitive.
fn longest_sequence(v: &[u8]) -> usize {
    let mut best = 0;
    let mut run = 0;
    let mut prev: Option<u8> = None;
    for &b in v {
        let c = b.to_ascii_lowercase();
        run = match prev {
            Some(p) if c.is_ascii_alphanumeric() && p.is_ascii_alphanumeric() && c == p.wrapping_add(1) => {
                run + 1
            }
            _ => 1,
        };
        prev = Some(c);
        best = best.max(run);
    }
    best
}

/// True when a value carries a documentation marker (`example`, `xxxx`, `<…>`, `${…}`, `your_`, …) or is
/// a known documentation value.
pub(crate) fn has_strong_marker(v: &[u8]) -> bool {
    has_marker(&STRONG, &[STRONG_MARKERS, KNOWN_EXAMPLES], v)
}

/// True when a value that matched a provider-specific shape is a documentation example or template: a
/// marker, a run of one repeated character, or a keyboard sequence (`abc123xyz-456def789ghij-klmnopqrstuvwx`).
pub(crate) fn is_strong_placeholder(v: &[u8]) -> bool {
    has_strong_marker(v) || longest_run(v) >= 6 || longest_sequence(v) >= 6
}

/// Additional markers for free-form values (generic assignments, URL passwords).
const WEAK_MARKERS: &[&str] = &[
    "password",
    "passwd",
    "passw0rd",
    "p@ssw0rd",
    "secret",
    "s3cr3t",
    "changeit",
    "change_me",
    "change-me",
    "hunter2",
    "qwerty",
    "letmein",
    "123456",
    "abcdef",
    "abc123",
    "111111",
    "aaaaaa",
    "todo",
    "fixme",
    "fake",
    "test123",
    "p4ssw0rd",
    "pa55word",
    "p@55w0rd",
    "token_",
    "_token",
    "mytoken",
    "my_key",
    "mykey",
    "foobar",
    "hello",
    "%s",
    "{}",
    "{0}",
    "$$",
    "...",
];

/// Values that are never credentials when they are the whole value.
const EXACT_PLACEHOLDERS: &[&str] = &[
    "none",
    "null",
    "nil",
    "true",
    "false",
    "undefined",
    "test",
    "testing",
    "admin",
    "root",
    "pass",
    "default",
    "token",
    "secret",
    "guest",
    "user",
    "username",
    "postgres",
    "mysql",
    "redis",
    "empty",
    "required",
    "optional",
    "string",
    "str",
    "bytes",
    "changeme",
    "xxx",
    "foo",
    "bar",
    "baz",
];

/// True when a free-form value (generic assignment, URL password, `.netrc` password) is a placeholder,
/// template, reference or well-known default rather than a real credential.
pub(crate) fn is_placeholder(v: &[u8]) -> bool {
    if v.is_empty() || is_strong_placeholder(v) {
        return true;
    }
    if EXACT_PLACEHOLDERS.iter().any(|p| v.eq_ignore_ascii_case(p.as_bytes())) {
        return true;
    }
    if has_marker(&WEAK, &[WEAK_MARKERS], v) {
        return true;
    }
    // Variable references and templates: $VAR, %VAR%, {var}, [REDACTED], ENV[...]
    matches!(v.first(), Some(b'$' | b'%' | b'{' | b'[' | b'@' | b'!' | b'&' | b'*'))
        || v.iter().all(|b| *b == b'*' || *b == b'x' || *b == b'X' || *b == b'.' || *b == b'-')
}

/// True when the bytes look like a program identifier, dotted/slashed name or constant rather than a
/// credential (`self.token`, `os.environ`, `HF_TOKEN`, `get_password`, `my-secret-name`,
/// `google_oauth2.Credentials`, `roles/iam.serviceAccountTokenCreator`, `LastEvaluatedBackupArn`).
pub(crate) fn is_identifier_like(v: &[u8]) -> bool {
    if v.is_empty() {
        return true;
    }
    let is_sep = |b: u8| matches!(b, b'_' | b'.' | b'-' | b'/' | b':');
    if !v.iter().all(|b| b.is_ascii_alphanumeric() || is_sep(*b)) {
        return false;
    }
    // Every segment is a word (letters with at most two digits: `oauth2`, `V1Service`) or a short number
    // (`sha-256`), written in lower case, UPPER case or camelCase (few capitals; random letters are
    // about half upper case).
    let mut words = 0;
    for seg in v.split(|b| is_sep(*b)) {
        let letters = seg.iter().filter(|b| b.is_ascii_alphabetic()).count();
        let digits = seg.len() - letters;
        if seg.is_empty() || (letters == 0 && digits <= 4) {
            continue;
        }
        let upper = seg.iter().filter(|b| b.is_ascii_uppercase()).count();
        // Segments in one case style (`mlflow`, `dbmdz`, `PASSPHRASE`, `string`, `Strength`) are words or
        // abbreviations whatever their vowels; pronounceability judges segments that mix in digits or
        // capitals inside (`tokenUsage` is a word pair, `qXzkVbnmTr` is not).
        let inner_caps = seg.iter().skip(1).any(u8::is_ascii_uppercase) && upper < letters;
        if letters == 0
            || digits > 2
            || !(upper == letters || upper <= 1 + letters / 4)
            || ((digits > 0 || inner_caps) && !pronounceable(seg))
        {
            return false;
        }
        words += 1;
    }
    words > 0
}

/// Words have vowels and short consonant clusters; random letters often do not (`X1siDkr`).
/// Segments shorter than five letters are not judged.
fn pronounceable(seg: &[u8]) -> bool {
    let letters: Vec<u8> =
        seg.iter().filter(|b| b.is_ascii_alphabetic()).map(u8::to_ascii_lowercase).collect();
    if letters.len() < 5 {
        return true;
    }
    let is_vowel = |b: u8| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y');
    let vowels = letters.iter().filter(|b| is_vowel(**b)).count();
    let mut run = 0;
    let mut max_run = 0;
    for &b in &letters {
        run = if is_vowel(b) { 0 } else { run + 1 };
        max_run = max_run.max(run);
    }
    vowels * 4 >= letters.len() && max_run <= 4
}

/// True for a canonical UUID (`8-4-4-4-12` hex digits).
pub(crate) fn is_uuid(v: &[u8]) -> bool {
    v.len() == 36
        && v.iter()
            .enumerate()
            .all(|(i, b)| if matches!(i, 8 | 13 | 18 | 23) { *b == b'-' } else { b.is_ascii_hexdigit() })
}

/// A plausibility check for the random part of a provider token.
pub(crate) fn random_enough(v: &[u8], min_entropy: f64) -> bool {
    !is_strong_placeholder(v) && entropy(v) >= min_entropy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_bounds() {
        assert_eq!(entropy(b""), 0.0);
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-9);
        assert!(entropy(b"q8Zt2LmX9vKp3RwY7nBc") > 4.0);
    }

    #[test]
    fn placeholders() {
        for p in [
            "AKIAIOSFODNN7EXAMPLE",
            "xxxxxxxxxxxxxxxx",
            "changeme",
            "<token>",
            "${HF_TOKEN}",
            "your_api_key_here",
            "{{ .Values.password }}",
            "$PASSWORD",
            "None",
            "********",
            "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
            "mysecretpassword",
            "%(password)s",
        ] {
            assert!(is_placeholder(p.as_bytes()), "{p}");
        }
        for real in ["Zq3v8LmT2pRx9WkB", "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", "S7rong&Pass9"] {
            assert!(!is_placeholder(real.as_bytes()), "{real}");
        }
    }

    #[test]
    fn identifiers() {
        for id in ["self.token", "HF_TOKEN", "get_password", "os.environ", "getToken", "secret-name"] {
            assert!(is_identifier_like(id.as_bytes()), "{id}");
        }
        for v in ["Zq3v8LmT2pRx9WkB", "a1b2c3d4e5f6a7b8c9d0", "S7rong&Pass9"] {
            assert!(!is_identifier_like(v.as_bytes()), "{v}");
        }
        assert!(!is_identifier_like(b"QmVtWcLdXyPaZrKsNbUj"));
        assert_eq!(longest_sequence(b"abc123xyz-456def789ghij-klmnopqrstuvwx"), 14);
        assert!(is_strong_placeholder(b"sk-ant-api03-abc123xyz-456def789ghij-klmnopqrstuvwx"));
        assert!(!is_strong_placeholder(b"QmVtWcLdXyPaZrKsNbUjHgFeDiCoBqLxTp"));
        assert!(!is_identifier_like(b"aUCGheuCaKY8P"));
        assert!(!is_identifier_like(b"enprhl-X1siDkr"));
        assert!(!is_identifier_like(b"1234"));
        assert!(!is_identifier_like(b"Winter2024x"));
        assert!(is_uuid(b"7f36cb30-74ef-4cff-8cd4-a77e1aba1746"));
        assert!(!is_uuid(b"7f36cb30-74ef-4cff-8cd4-a77e1aba174"));
        assert_eq!(classes(b"aB3$"), 4);
    }
}
