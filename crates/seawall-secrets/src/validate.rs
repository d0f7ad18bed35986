//! Per-detector validation of a matched value.

use std::ops::Range;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::checks::{self, classes, entropy, is_placeholder, is_strong_placeholder};

/// Longest private-key body considered (bytes after the BEGIN line).
const MAX_PEM_BODY: usize = 16 * 1024;

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const B64_URL: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::URL_SAFE, LENIENT);
const B64_STD: GeneralPurpose = GeneralPurpose::new(&base64::alphabet::STANDARD, LENIENT);

/// Provider token with a fixed shape: not a placeholder and random enough.
pub(crate) fn random_token(v: &[u8], min_entropy: f64) -> bool {
    checks::random_enough(v, min_entropy)
}

/// OpenAI keys: `sk-` keys that are not Anthropic keys and either carry the `T3BlbkFJ` marker or have a
/// long, mixed-case random tail.
pub(crate) fn openai(v: &[u8]) -> bool {
    if v.starts_with(b"sk-ant-") || is_strong_placeholder(v) {
        return false;
    }
    let tail = v.get(3..).unwrap_or_default();
    if tail.windows(8).any(|w| w == b"T3BlbkFJ") {
        return entropy(tail) >= 3.0;
    }
    let alnum = tail.iter().filter(|b| b.is_ascii_alphanumeric()).count();
    tail.len() >= 40 && alnum * 10 >= tail.len() * 9 && classes(tail) >= 3 && entropy(tail) >= 4.0
}

/// JWT: three base64url parts; the header decodes to a JSON object with `alg`, the payload to an object.
pub(crate) fn jwt(v: &[u8]) -> bool {
    if is_strong_placeholder(v) {
        return false;
    }
    let mut parts = v.split(|b| *b == b'.');
    let (Some(h), Some(p), Some(_sig)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(header) = B64_URL.decode(h) else {
        return false;
    };
    let Ok(payload) = B64_URL.decode(p) else {
        return false;
    };
    header.starts_with(b"{")
        && header.windows(5).any(|w| w == b"\"alg\"")
        && payload.starts_with(b"{")
        && carries_auth_claims(&payload)
}

/// Registered claims (RFC 7519 §4.1) and OpenID Connect claims that identify a subject or a session.
const AUTH_CLAIMS: &[&str] = &[
    "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "azp", "scp", "acr", "amr", "nonce", "at_hash", "id",
    "uid", "cid", "sid", "oid", "tid", "upn", "mid",
];

/// Words of claim names that say who the bearer is or what it may do.
const AUTH_CLAIM_WORDS: &[&str] = &[
    "user", "email", "role", "scope", "perm", "auth", "token", "session", "tenant", "group", "client",
    "account", "admin", "issuer", "subject", "name", "login", "key", "secret", "password", "grant", "org",
];

/// A JWT is a credential when its payload says who the bearer is or what it may do: a registered or
/// OpenID claim, an `*_id`/`*Id` claim or a claim about users, roles, scopes, sessions, clients. A signed
/// document without any (`{"confidence":0.8}`) is a signature over data, not a bearer token. A payload
/// that is not a JSON object is kept (judged by shape alone).
fn carries_auth_claims(payload: &[u8]) -> bool {
    let Ok(serde_json::Value::Object(map)) = serde_json::from_slice::<serde_json::Value>(payload) else {
        return true;
    };
    map.keys().any(|k| {
        let lower = k.to_ascii_lowercase();
        AUTH_CLAIMS.contains(&lower.as_str())
            || k.ends_with("Id")
            || k.ends_with("ID")
            || lower.ends_with("_id")
            || lower.ends_with("-id")
            || AUTH_CLAIM_WORDS.iter().any(|w| lower.contains(w))
    })
}

/// Docker `auths.*.auth`: base64 of `user:password` with a non-placeholder password.
pub(crate) fn docker_auth(v: &[u8]) -> bool {
    let Ok(decoded) = B64_STD.decode(v) else {
        return false;
    };
    let Some(colon) = decoded.iter().position(|b| *b == b':') else {
        return false;
    };
    let (user, pw) = (&decoded[..colon], decoded.get(colon + 1..).unwrap_or_default());
    !user.is_empty()
        && !pw.is_empty()
        && user.iter().all(|b| b.is_ascii_graphic())
        && pw.iter().all(|b| b.is_ascii_graphic())
        && !is_placeholder(pw)
}

/// A free-form password from a URL or `.netrc`: not a placeholder, template, default or port number.
pub(crate) fn password(v: &[u8], host: Option<&[u8]>) -> bool {
    if host.is_some_and(|h| h.windows(7).any(|w| w.eq_ignore_ascii_case(b"example"))) {
        return false;
    }
    if v.len() < 3 || v.iter().all(u8::is_ascii_digit) {
        return false;
    }
    !is_placeholder(v)
        && !checks::is_identifier_like(v)
        && !v.iter().any(|b| matches!(b, b'{' | b'}' | b'$' | b'(' | b')' | b':' | b',' | b'"' | b'\''))
}

/// `Authorization` header credential: a `Basic` value must decode to `user:password` with a real
/// password; other values must be random tokens.
pub(crate) fn auth_header(v: &[u8], min_entropy: f64) -> bool {
    if let Ok(decoded) = B64_STD.decode(v)
        && let Some(colon) = decoded.iter().position(|b| *b == b':')
        && decoded.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
    {
        let pw = decoded.get(colon + 1..).unwrap_or_default();
        return !pw.is_empty() && !is_placeholder(pw) && !checks::is_identifier_like(pw);
    }
    checks::random_enough(v, min_entropy) && !is_placeholder(v) && !checks::is_identifier_like(v)
}

/// `Authorization: Basic` value (RFC 7617): base64 of `user-id:password` with a real password. A value
/// that does not decode to that (a JWT or an opaque token sent under the wrong scheme, a template) is not
/// HTTP Basic credentials.
pub(crate) fn basic_auth(v: &[u8]) -> bool {
    let Ok(decoded) = B64_STD.decode(v) else {
        return false;
    };
    let Some(colon) = decoded.iter().position(|b| *b == b':') else {
        return false;
    };
    if !decoded.iter().all(|b| b.is_ascii_graphic() || *b == b' ') {
        return false;
    }
    let pw = decoded.get(colon + 1..).unwrap_or_default();
    !pw.is_empty() && !is_placeholder(pw) && !checks::is_identifier_like(pw)
}

/// Longest Kubernetes manifest document examined around a `kind: Secret` line, in each direction.
const MAX_K8S_DOC: usize = 64 * 1024;

/// Leading blanks (spaces and tabs) of a line.
fn indent(line: &[u8]) -> usize {
    line.iter().take_while(|b| matches!(b, b' ' | b'\t')).count()
}

/// True for a line that is empty or only a comment.
fn blank_or_comment(line: &[u8]) -> bool {
    let t = line.trim_ascii();
    t.is_empty() || t.starts_with(b"#")
}

/// A Kubernetes `Secret` value (decoded from base64 for `data:`) that is a credential: not a placeholder,
/// name or template; not a certificate or public key; random key material when binary.
fn k8s_value_is_secret(v: &[u8]) -> bool {
    if v.windows(11).any(|w| w == b"-----BEGIN ") {
        return v.windows(11).any(|w| w == b"PRIVATE KEY");
    }
    if v.iter().all(|b| b.is_ascii_graphic()) {
        return v.len() >= 6
            && !is_placeholder(v)
            && !checks::is_identifier_like(v)
            && !v.windows(2).any(|w| w == b"{{")
            && classes(v) >= 2;
    }
    if v.iter().any(|b| b.is_ascii_whitespace()) && v.is_ascii() {
        // text with blanks or lines (a config file, a JSON document): not judged as one value
        return false;
    }
    // binary: key material
    v.len() >= 16 && entropy(v) >= 3.0
}

/// The document (between `---` lines) that contains `at`, bounded to [`MAX_K8S_DOC`] on each side and
/// starting at or after `floor`.
fn yaml_document(buf: &[u8], at: Range<usize>, floor: usize) -> Range<usize> {
    let lo = at.start.saturating_sub(MAX_K8S_DOC).max(floor).min(at.start);
    let hi = buf.len().min(at.end.saturating_add(MAX_K8S_DOC));
    let is_sep = |line: &[u8]| line.trim_ascii_end() == b"---";
    let mut start = lo;
    let mut i = at.start;
    while i > lo {
        let ls = buf[lo..i - 1].iter().rposition(|b| *b == b'\n').map_or(lo, |p| lo + p + 1);
        if is_sep(&buf[ls..i - 1]) {
            start = i;
            break;
        }
        i = ls;
    }
    let mut end = hi;
    let mut j = at.end;
    while j < hi {
        let le = buf[j..hi].iter().position(|b| *b == b'\n').map_or(hi, |p| j + p);
        if is_sep(&buf[j..le]) {
            end = j;
            break;
        }
        j = le + 1;
    }
    start..end
}

/// A value range and the range of its key name.
type KeyedValue = (Range<usize>, Range<usize>);

/// Kubernetes `kind: Secret` (the match): the first credential among the `data:` (base64) and
/// `stringData:` values of the same YAML document (not before `floor`), before or after the `kind` line.
/// Returns the document examined and, when one is found, the value's range and its key name's range.
pub(crate) fn kubernetes_secret(
    buf: &[u8],
    at: Range<usize>,
    floor: usize,
) -> (Range<usize>, Option<KeyedValue>) {
    let doc = yaml_document(buf, at, floor);
    (doc.clone(), secret_data(buf, doc))
}

fn secret_data(buf: &[u8], doc: Range<usize>) -> Option<KeyedValue> {
    let mut lines: Vec<Range<usize>> = Vec::new();
    let mut i = doc.start;
    while i < doc.end {
        let e = buf[i..doc.end].iter().position(|b| *b == b'\n').map_or(doc.end, |p| i + p);
        let e = if e > i && buf[e - 1] == b'\r' { e - 1 } else { e };
        lines.push(i..e);
        i = buf[i..doc.end].iter().position(|b| *b == b'\n').map_or(doc.end, |p| i + p + 1);
    }
    let mut n = 0;
    while n < lines.len() {
        let line = &buf[lines[n].clone()];
        let t = line.trim_ascii();
        let encoded = t == b"data:";
        if !(encoded || t == b"stringData:") {
            n += 1;
            continue;
        }
        let base = indent(line);
        n += 1;
        while n < lines.len() {
            let r = lines[n].clone();
            let line = &buf[r.clone()];
            if blank_or_comment(line) {
                n += 1;
                continue;
            }
            if indent(line) <= base {
                break;
            }
            let ind = indent(line);
            let Some(colon) = line.iter().position(|b| *b == b':') else {
                n += 1;
                continue;
            };
            let key = r.start + ind..r.start + colon;
            let mut vs = r.start + colon + 1;
            while vs < r.end && matches!(buf[vs], b' ' | b'\t') {
                vs += 1;
            }
            let mut value = vs..r.end;
            let raw = buf[value.clone()].trim_ascii();
            n += 1;
            if raw.is_empty() || matches!(raw.first(), Some(b'|' | b'>')) {
                // block scalar: the following more-indented lines
                let first = n;
                while n < lines.len()
                    && (blank_or_comment(&buf[lines[n].clone()]) || indent(&buf[lines[n].clone()]) > ind)
                {
                    n += 1;
                }
                let body: Vec<&Range<usize>> =
                    lines[first..n].iter().filter(|l| !buf[(*l).clone()].trim_ascii().is_empty()).collect();
                let (Some(a), Some(b)) = (body.first(), body.last()) else { continue };
                value = a.start + indent(&buf[(*a).clone()])..b.end;
            } else if matches!(raw.first(), Some(b'"' | b'\'')) && raw.len() >= 2 && raw.last() == raw.first()
            {
                value = value.start + 1..value.start + raw.len() - 1;
            }
            let text = &buf[value.clone()];
            let judged = if encoded {
                let compact: Vec<u8> = text.iter().copied().filter(|b| !b.is_ascii_whitespace()).collect();
                if compact.len() < 8 {
                    continue;
                }
                match B64_STD.decode(&compact) {
                    Ok(d) => k8s_value_is_secret(&d),
                    Err(_) => false,
                }
            } else {
                k8s_value_is_secret(text.trim_ascii())
            };
            if judged {
                return Some((value, key));
            }
        }
    }
    None
}

/// Slack tokens and webhooks: the random part (after the last `-` or `/`) is random, not a word or mask.
pub(crate) fn slack(v: &[u8]) -> bool {
    let tail = v.rsplit(|b| *b == b'-' || *b == b'/').next().unwrap_or(v);
    // numeric team/user ids may repeat digits (`511111111`); only the random part is judged by shape
    !checks::has_strong_marker(v)
        && !is_strong_placeholder(tail)
        && !v.contains(&b'#')
        && tail.len() >= 8
        && checks::random_enough(tail, 2.5)
        && !checks::is_identifier_like(tail)
}

/// Header names that carry a credential (`Api-Token`, `X-Api-Key`, `X-Octopus-ApiKey`, `apikey`, `Token`,
/// `X-Auth-Token`, `Private-Token`, `Authorization` without a `Bearer`/`Basic` scheme).
pub(crate) fn credential_header(name: &[u8]) -> bool {
    let n: Vec<u8> = name.iter().filter(|b| b.is_ascii_alphanumeric()).map(u8::to_ascii_lowercase).collect();
    let has = |w: &[u8]| n.windows(w.len()).any(|x| x == w);
    n == b"authorization"
        || has(b"apikey")
        || has(b"apitoken")
        || has(b"token")
        || has(b"secret")
        || n.ends_with(b"key")
}

/// A credential header value: not a placeholder, template or word, random enough.
pub(crate) fn header_value(v: &[u8], min_entropy: f64) -> bool {
    !is_placeholder(v)
        && !checks::is_identifier_like(v)
        && !v.iter().any(|b| matches!(b, b'$' | b'{' | b'}' | b'<' | b'>' | b'%'))
        && checks::random_enough(v, min_entropy.min(3.0))
}

/// Finds the base64 body of a private key after its BEGIN line (`start` = end of the BEGIN line).
/// Skips whitespace, `\n` escapes in source strings, quotes/concatenation and RFC 1421 / OpenPGP header
/// lines. Returns the body range when it holds at least 64 base64 characters of plausible entropy.
pub(crate) fn pem_body(buf: &[u8], start: usize) -> Option<Range<usize>> {
    let limit = buf.len().min(start.saturating_add(MAX_PEM_BODY));
    let mut i = start;
    let mut first = None;
    let mut last = start;
    let mut count = 0usize;
    let mut at_line_start = true;
    while i < limit {
        let b = buf[i];
        if b == b'-' && buf.get(i..i + 5) == Some(b"-----") {
            break;
        }
        if b == b'\\' && matches!(buf.get(i + 1), Some(b'n' | b'r')) {
            i += 2;
            at_line_start = true;
            continue;
        }
        if b == b'\n' {
            at_line_start = true;
            i += 1;
            continue;
        }
        if at_line_start && first.is_none() && (b.is_ascii_alphabetic()) {
            // Header line such as `Proc-Type: 4,ENCRYPTED`, `DEK-Info: …`, `Version: …`, `Comment: …`.
            let line_end = (i..limit)
                .find(|&j| buf[j] == b'\n' || (buf[j] == b'\\' && buf.get(j + 1) == Some(&b'n')))
                .unwrap_or(limit);
            if buf[i..line_end].contains(&b':') {
                i = line_end;
                continue;
            }
        }
        at_line_start = false;
        if b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=') {
            first.get_or_insert(i);
            last = i + 1;
            count += 1;
        } else if !(b.is_ascii_whitespace() || matches!(b, b'"' | b'\'' | b',' | b'+')) {
            break;
        }
        i += 1;
    }
    let first = first?;
    let body = buf.get(first..last)?;
    let sample = &body[..body.len().min(2048)];
    let placeholder = ["...", "xxxx", "XXXX", "<", "\u{2026}"]
        .iter()
        .any(|m| sample.windows(m.len()).any(|w| w == m.as_bytes()));
    (count >= 64 && !placeholder && entropy(sample) >= 4.0).then_some(first..last)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64url(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn jwt_shape() {
        let t = format!(
            "{}.{}.{}",
            b64url(r#"{"alg":"HS256","typ":"JWT"}"#),
            b64url(r#"{"sub":"svc-trainer","iat":1716239022}"#),
            "q8Zt2LmX9vKp3RwY7nBcTf4Hj6"
        );
        assert!(jwt(t.as_bytes()));
        let not = format!("{}.{}.{}", b64url(r#"{"x":1}"#), b64url("{}"), "q8Zt2LmX9vKp3RwY7nBc");
        assert!(!jwt(not.as_bytes()));
    }

    #[test]
    fn docker_auth_decodes() {
        let good = base64::engine::general_purpose::STANDARD.encode("mlops:Zq3v8LmT2pRx");
        assert!(docker_auth(good.as_bytes()));
        let ph = base64::engine::general_purpose::STANDARD.encode("user:changeme");
        assert!(!docker_auth(ph.as_bytes()));
        assert!(!docker_auth(b"required"));
    }

    #[test]
    fn openai_shapes() {
        assert!(openai(b"sk-proj-Zq3v8LmT2pRx9WkBq8Zt2LmX9vKp3RwY7nBcT3BlbkFJq8Zt2LmX9vKp3RwY7nBc"));
        assert!(!openai(b"sk-learn-is-a-python-package-name-and-not-a-key"));
        assert!(!openai(b"sk-ant-api03-Zq3v8LmT2pRx9WkBq8Zt2LmX9vKp3RwY7nBc"));
    }

    #[test]
    fn pem() {
        let body =
            "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7q8Zt2LmX9vKp3RwY7nBcTf4Hj6Zq3v8LmT2pRx9WkB";
        let text = format!("-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n");
        let start = text.find("\n").unwrap_or(0);
        let r = pem_body(text.as_bytes(), start);
        assert_eq!(r.map(|r| &text[r]), Some(body));
        let ph = "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----";
        assert!(pem_body(ph.as_bytes(), 27).is_none());
        let escaped =
            format!("\"-----BEGIN RSA PRIVATE KEY-----\\n{body}\\n-----END RSA PRIVATE KEY-----\\n\"");
        assert!(pem_body(escaped.as_bytes(), 32).is_some());
    }

    #[test]
    fn passwords() {
        assert!(password(b"Zq3v8LmT2p", None));
        assert!(!password(b"password", None));
        assert!(!password(b"8080", None));
        assert!(!password(b"Zq3v8LmT2p", Some(b"db.example.com")));
        assert!(!password(b"bobwillknow", None));
        assert!(!password(b"123,foo:bar", None));
        assert!(auth_header(b"bWxvcHM6WnEzdjhMbVQycA==", 3.0));
        assert!(!auth_header(b"czZCaGRSa3F0MzpnWDFmQmF0M2JW", 3.0), "RFC 6749 example");
        assert!(!auth_header(b"dXNlcm5hbWU6cGFzc3dvcmQ=", 3.0));
    }
}
