//! The generic detector: a value assigned to a secret-like name (`DB_PASSWORD=…`, `"api_key": "…"`,
//! `--token …`, Kubernetes `- name: X_TOKEN` / `value: …`), kept precise by name analysis, placeholder
//! rejection and entropy thresholds.

use std::ops::Range;

use crate::candidate::Candidate;
use crate::checks::{classes, entropy, is_identifier_like, is_placeholder, is_uuid};

/// Rule id of generic findings.
pub(crate) const RULE: &str = "SW-SEC-035";

/// Longest name + operator + value span the generic detector reads around a keyword hit.
pub(crate) const MAX_SPAN: usize = 700;

const MAX_NAME: usize = 80;
const MAX_VALUE: usize = 512;

/// Syntax family of a buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// Program source: generic values must be string literals.
    Code,
    /// Configuration, environment, shell, data files: unquoted values count too.
    Config,
}

impl Syntax {
    /// The syntax family for a path, from its extension.
    pub fn for_path(path: &str) -> Syntax {
        let name = path.rsplit('/').next().unwrap_or(path);
        let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
        match ext.as_str() {
            "py" | "pyi" | "pyx" | "js" | "mjs" | "cjs" | "ts" | "tsx" | "jsx" | "go" | "java" | "kt"
            | "scala" | "rb" | "rs" | "c" | "h" | "cc" | "cpp" | "hpp" | "cs" | "php" | "swift" | "r"
            | "jl" | "lua" | "pl" | "pm" | "ipynb" | "m" | "dart" | "groovy" | "vue" | "svelte" => {
                Syntax::Code
            }
            _ => Syntax::Config,
        }
    }
}

/// Whether a name denotes a password (shorter values accepted) or another secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NameKind {
    /// password, passwd, passphrase, pwd, pass.
    Password,
    /// token, secret, api key, credential.
    Token,
}

const NEGATIVE_LAST: &[&str] = &[
    "file",
    "files",
    "path",
    "paths",
    "dir",
    "directory",
    "url",
    "uri",
    "endpoint",
    "host",
    "name",
    "names",
    "type",
    "types",
    "id",
    "ids",
    "length",
    "len",
    "size",
    "count",
    "limit",
    "max",
    "min",
    "num",
    "env",
    "var",
    "field",
    "fields",
    "header",
    "prefix",
    "suffix",
    "pattern",
    "regex",
    "re",
    "format",
    "fmt",
    "hash",
    "hashed",
    "digest",
    "checksum",
    "sha",
    "sha1",
    "sha256",
    "md5",
    "expiry",
    "expires",
    "expiration",
    "ttl",
    "timeout",
    "cmd",
    "command",
    "policy",
    "ref",
    "template",
    "mode",
    "enabled",
    "enable",
    "disabled",
    "required",
    "provider",
    "manager",
    "store",
    "location",
    "version",
    "index",
    "idx",
    "class",
    "kind",
    "label",
    "list",
    "param",
    "params",
    "arg",
    "args",
    "source",
    "method",
    "scheme",
    "flag",
    "help",
    "description",
    "desc",
    "msg",
    "message",
    "prompt",
    "text",
    "placeholder",
    "example",
    "hint",
    "error",
    "callback",
    "handler",
    "request",
    "response",
    "generator",
    "validator",
    "validation",
    "column",
    "table",
    "usage",
    "counter",
    "budget",
    "cost",
    "price",
    "rate",
    "ratio",
    "policy",
    "secretref",
    "selector",
    "mount",
    "volume",
    "class",
    "ids",
    "map",
    "dict",
    "config",
    "options",
    "option",
    "key_ref",
    "keyref",
    "owner",
    "user",
    "username",
    "login",
    "email",
    "account",
    "region",
    "project",
    "bucket",
    "scope",
    "scopes",
    "audience",
    "issuer",
    "algorithm",
    "alg",
    "encoding",
    "charset",
    "changed",
    "reset",
    "policy",
    "strength",
    "complexity",
    "input",
    "output",
    "widget",
    "form",
    "label",
    "regexp",
    "tokens",
    "encryption",
    "hashes",
    "hashing",
    "filename",
    "filenames",
    "filepath",
    "dirname",
    "algorithms",
    "salt",
    "rounds",
    "iterations",
    "reminder",
];

/// Names containing any of these words hold non-secret tokens (pagination, locking, tokenizer vocab).
const NEGATIVE_ANY: &[&str] = &[
    "input",
    "output",
    "next",
    "page",
    "paging",
    "pagination",
    "continuation",
    "change",
    "lock",
    "sync",
    "resume",
    "cursor",
    "csrf",
    "xsrf",
    "idempotency",
    "marker",
    "bos",
    "eos",
    "pad",
    "unk",
    "sep",
    "cls",
    "mask",
    "special",
    "vocab",
    "total",
    "public",
    "publishable",
    "example",
    "sample",
    "dummy",
    "fake",
    "mock",
    "test",
    "placeholder",
    "verification",
];

const SECRET_WORDS: &[(&str, NameKind)] = &[
    ("password", NameKind::Password),
    ("passwd", NameKind::Password),
    ("passphrase", NameKind::Password),
    ("pwd", NameKind::Password),
    ("secret", NameKind::Token),
    ("token", NameKind::Token),
    ("apikey", NameKind::Token),
    ("credential", NameKind::Token),
    ("credentials", NameKind::Token),
    ("privatekey", NameKind::Token),
    ("accesskey", NameKind::Token),
    ("secretkey", NameKind::Token),
    ("authkey", NameKind::Token),
    ("clientsecret", NameKind::Token),
    ("accesstoken", NameKind::Token),
    ("authtoken", NameKind::Token),
    ("apitoken", NameKind::Token),
];

const KEY_QUALIFIERS: &[&str] = &[
    "api",
    "access",
    "secret",
    "private",
    "auth",
    "signing",
    "encryption",
    "master",
    "app",
    "service",
    "session",
    "account",
    "client",
    "shared",
    "storage",
    "license",
    "admin",
    "write",
    "read",
    "deploy",
];

const CONCAT_SUFFIXES: &[(&str, NameKind)] = &[
    ("password", NameKind::Password),
    ("passwd", NameKind::Password),
    ("secret", NameKind::Token),
    ("token", NameKind::Token),
    ("apikey", NameKind::Token),
    ("accesskey", NameKind::Token),
    ("secretkey", NameKind::Token),
    ("privatekey", NameKind::Token),
];

/// Splits a name into lower-case words at `_ - .` and camelCase boundaries.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let b = part.as_bytes();
        let mut start = 0;
        for i in 1..b.len() {
            let (p, c) = (b[i - 1], b[i]);
            let next_lower = b.get(i + 1).is_some_and(u8::is_ascii_lowercase);
            if c.is_ascii_uppercase()
                && (p.is_ascii_lowercase() || p.is_ascii_digit() || (p.is_ascii_uppercase() && next_lower))
            {
                out.push(part[start..i].to_ascii_lowercase());
                start = i;
            }
        }
        if start < b.len() {
            out.push(part[start..].to_ascii_lowercase());
        }
    }
    out.retain(|w| !w.is_empty());
    out
}

/// Classifies a variable/key name: `Some(kind)` when values assigned to it are likely secrets.
pub(crate) fn name_kind(name: &str) -> Option<NameKind> {
    let ws = words(name);
    let last = ws.last()?;
    if NEGATIVE_LAST.contains(&last.as_str()) {
        return None;
    }
    if ws.iter().any(|w| NEGATIVE_ANY.contains(&w.as_str())) {
        return None;
    }
    let mut kind = None;
    for (i, w) in ws.iter().enumerate() {
        if let Some((_, k)) = SECRET_WORDS.iter().find(|(s, _)| s == w) {
            kind = Some(match (kind, *k) {
                (Some(NameKind::Password), _) | (_, NameKind::Password) => NameKind::Password,
                _ => NameKind::Token,
            });
        }
        if w == "key" && i > 0 && ws.get(i - 1).is_some_and(|q| KEY_QUALIFIERS.contains(&q.as_str())) {
            kind.get_or_insert(NameKind::Token);
        }
        if w == "pass" && i + 1 == ws.len() {
            kind.get_or_insert(NameKind::Password);
        }
    }
    // `dbpassword`, `accesstoken`: only for single-word names (with separators the words decide).
    if kind.is_none() && ws.len() == 1 {
        let joined: String = ws.concat();
        kind = CONCAT_SUFFIXES.iter().find(|(s, _)| joined.ends_with(s)).map(|(_, k)| *k);
    }
    kind
}

/// True when a value assigned to a name of this kind looks like a real credential.
pub(crate) fn value_is_secret(kind: NameKind, v: &[u8]) -> bool {
    if v.iter().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) || is_placeholder(v) {
        return false;
    }
    if v.starts_with(b"arn:") || v.starts_with(b"sha256:") || v.starts_with(b"sha512-") {
        return false;
    }
    if matches!(v.first(), Some(b'/' | b'.' | b'~' | b'-' | b'#'))
        || v.windows(3).any(|w| w == b"://")
        || v.iter()
            .any(|b| matches!(b, b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'<' | b'>' | b'$' | b'`' | b'\\'))
    {
        return false;
    }
    if is_identifier_like(v) {
        return false;
    }
    if is_uuid(v) && kind == NameKind::Token {
        // UUIDs are request ids, change tokens and locks far more often than keys; keys that are UUIDs
        // are covered by provider rules (Pinecone) with their names.
        return false;
    }
    match kind {
        NameKind::Password => (8..=128).contains(&v.len()) && classes(v) >= 2 && entropy(v) >= 2.5,
        NameKind::Token => (16..=MAX_VALUE).contains(&v.len()) && classes(v) >= 2 && entropy(v) >= 3.2,
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

fn skip_blanks(buf: &[u8], mut i: usize) -> usize {
    while matches!(buf.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    i
}

fn line_start(buf: &[u8], i: usize) -> usize {
    let lo = i.saturating_sub(MAX_SPAN);
    buf[lo..i].iter().rposition(|b| *b == b'\n').map_or(lo, |p| lo + p + 1)
}

/// Reads a value at `i`: a quoted string (`"…"`, `'…'`, with an optional `b`/`r`/`u` prefix) or, when
/// `allow_bare`, a bare token. Returns the value range.
fn read_value(buf: &[u8], i: usize, allow_bare: bool) -> Option<Range<usize>> {
    let mut i = i;
    if matches!(buf.get(i), Some(b'b' | b'r' | b'u' | b'B' | b'R' | b'U'))
        && matches!(buf.get(i + 1), Some(b'"' | b'\''))
    {
        i += 1;
    }
    match buf.get(i) {
        Some(&q @ (b'"' | b'\'')) => {
            let start = i + 1;
            let end_limit = buf.len().min(start + MAX_VALUE + 1);
            let mut j = start;
            while j < end_limit {
                match buf[j] {
                    b'\\' => return None, // escapes: templated or encoded; not a plain literal
                    b'\n' => return None,
                    c if c == q => return Some(start..j),
                    _ => j += 1,
                }
            }
            None
        }
        Some(_) if allow_bare => {
            let start = i;
            let end_limit = buf.len().min(start + MAX_VALUE + 1);
            let mut j = start;
            while j < end_limit
                && !matches!(buf[j], b' ' | b'\t' | b'\r' | b'\n' | b'"' | b'\'' | b',' | b';' | b'}' | b')')
            {
                j += 1;
            }
            if j == end_limit && j < buf.len() {
                return None;
            }
            (j > start).then_some(start..j)
        }
        _ => None,
    }
}

/// The generic detector at one keyword hit. Returns the candidate and the end of the name (hits before it
/// are the same name and need not be examined again).
pub(crate) fn detect(buf: &[u8], hit: Range<usize>, syntax: Syntax) -> Option<(Candidate, usize)> {
    // Expand the hit to the whole name.
    let lo = hit.start.saturating_sub(MAX_NAME);
    let mut ns = hit.start;
    while ns > lo && is_name_byte(buf[ns - 1]) {
        ns -= 1;
    }
    let hi = buf.len().min(hit.end + MAX_NAME);
    let mut ne = hit.end.min(buf.len());
    while ne < hi && is_name_byte(buf[ne]) {
        ne += 1;
    }
    let raw_name = buf.get(ns..ne)?;
    let flag = raw_name.starts_with(b"--");
    let name_bytes = {
        let mut s = raw_name;
        while let [b'-' | b'.', rest @ ..] = s {
            s = rest;
        }
        while let [rest @ .., b'-' | b'.'] = s {
            s = rest;
        }
        s
    };
    let name = std::str::from_utf8(name_bytes).ok()?;
    let quoted_name =
        ns > 0 && matches!(buf.get(ns - 1), Some(b'"' | b'\'')) && buf.get(ne) == buf.get(ns - 1);
    let mut i = if quoted_name { ne + 1 } else { ne };
    i = skip_blanks(buf, i);
    let allow_bare = syntax == Syntax::Config;
    let value = match (buf.get(i), buf.get(i + 1)) {
        (Some(b'='), Some(b'=')) | (Some(b'!'), Some(b'=')) | (Some(b':'), Some(b':')) => None,
        (Some(b':'), Some(b'=')) | (Some(b'='), Some(b'>')) => {
            read_value(buf, skip_blanks(buf, i + 2), allow_bare)
        }
        // `KEY= value`: in shells and env files an `=` glued to the name and followed by a blank assigns
        // the empty string (`__mvncomp "username= password= …"`).
        (Some(b'='), Some(b' ' | b'\t')) if i == ne => None,
        (Some(b'=' | b':'), _) => {
            let j = skip_blanks(buf, i + 1);
            if matches!(buf.get(j), Some(b'\r' | b'\n') | None) {
                k8s_value(buf, ns, j, quoted_name)
            } else {
                read_value(buf, j, allow_bare)
            }
        }
        (Some(b','), _) if quoted_name => json_name_value(buf, ns, i),
        // XML elements: `<password>…</password>` (Maven `settings.xml`, Java configs).
        (Some(b'>'), _) if i == ne && ns > 0 && buf.get(ns - 1) == Some(&b'<') => xml_value(buf, i + 1),
        (Some(b' ' | b'\t'), _) | (Some(_), _) if flag && i > ne => read_value(buf, i, true),
        (Some(b'\r' | b'\n'), _) | (None, _) => k8s_value(buf, ns, i, quoted_name),
        _ => {
            let ls = line_start(buf, ns);
            let prefix = buf.get(ls..ns).unwrap_or_default();
            let trimmed = prefix.trim_ascii();
            if i > ne && (trimmed.eq_ignore_ascii_case(b"ENV") || trimmed.eq_ignore_ascii_case(b"ARG")) {
                read_value(buf, i, true)
            } else {
                None
            }
        }
    }?;
    let v = buf.get(value.clone())?;
    // Cheap shape checks first; the name analysis allocates.
    if !(8..=MAX_VALUE).contains(&v.len()) {
        return None;
    }
    let kind = name_kind(name)?;
    if !value_is_secret(kind, v) {
        return None;
    }
    let key: String = name.chars().take(64).collect();
    Some((Candidate { rule: RULE, secret: value, key: Some(key), priority: 90, severity: None }, ne))
}

/// Kubernetes / compose style `- name: X_TOKEN` followed by `value: …` on the next line.
fn k8s_value(buf: &[u8], ns: usize, eol: usize, quoted_name: bool) -> Option<Range<usize>> {
    let ls = line_start(buf, ns);
    let mut prefix = buf.get(ls..ns)?.trim_ascii();
    if quoted_name {
        prefix = prefix
            .strip_suffix(b"\"")
            .or_else(|| prefix.strip_suffix(b"'"))
            .unwrap_or(prefix)
            .trim_ascii_end();
    }
    let prefix = prefix.strip_prefix(b"-").unwrap_or(prefix).trim_ascii_start();
    if prefix != b"name:" {
        return None;
    }
    let mut j = eol;
    let rest = buf.get(j..buf.len().min(j + MAX_SPAN))?;
    let nl = rest.iter().position(|b| *b == b'\n')?;
    j += nl + 1;
    let j = skip_blanks(buf, j);
    let line = buf.get(j..)?;
    if !line.starts_with(b"value:") {
        return None;
    }
    read_value(buf, skip_blanks(buf, j + 6), true)
}

/// The text of an XML element up to its closing tag, on one line.
fn xml_value(buf: &[u8], start: usize) -> Option<Range<usize>> {
    let end_limit = buf.len().min(start + MAX_VALUE + 1);
    let rest = buf.get(start..end_limit)?;
    let end = start + rest.iter().position(|b| matches!(b, b'<' | b'\n'))?;
    (buf.get(end) == Some(&b'<') && buf.get(end + 1) == Some(&b'/') && end > start).then_some(start..end)
}

/// JSON env entries: `{"name": "X_TOKEN", "value": "…"}`.
fn json_name_value(buf: &[u8], ns: usize, comma: usize) -> Option<Range<usize>> {
    let before = buf.get(ns.saturating_sub(20)..ns.saturating_sub(1))?;
    let before = before.trim_ascii_end();
    let before = before.strip_suffix(b":")?.trim_ascii_end();
    if !before.ends_with(b"\"name\"") {
        return None;
    }
    let j = skip_blanks(buf, comma + 1);
    let rest = buf.get(j..buf.len().min(j + MAX_SPAN))?;
    let rest_start = j + rest.iter().position(|b| !b.is_ascii_whitespace())?;
    if buf.get(rest_start..rest_start + 7) != Some(b"\"value\"") {
        return None;
    }
    let k = skip_blanks(buf, rest_start + 7);
    if buf.get(k) != Some(&b':') {
        return None;
    }
    read_value(buf, skip_blanks(buf, k + 1), false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find(text: &str, syntax: Syntax) -> Option<String> {
        let b = text.as_bytes();
        for kw in crate::detectors::GENERIC_KEYWORDS {
            let lower = text.to_ascii_lowercase();
            if let Some(p) = lower.find(kw)
                && let Some((c, _)) = detect(b, p..p + kw.len(), syntax)
            {
                return Some(text[c.secret].to_string());
            }
        }
        None
    }

    #[test]
    fn names() {
        for n in [
            "DB_PASSWORD",
            "apiKey",
            "HF_TOKEN",
            "client_secret",
            "AWS_SECRET_ACCESS_KEY",
            "dbpassword",
            "SMTP_PASS",
            "x-api-key",
        ] {
            assert!(name_kind(n).is_some(), "{n}");
        }
        for n in [
            "tokenizer",
            "max_tokens",
            "password_file",
            "token_type",
            "secretKeyRef",
            "GPG_KEY",
            "bypass_cache",
            "TOKEN_URL",
        ] {
            assert!(name_kind(n).is_none(), "{n}");
        }
        assert_eq!(name_kind("DB_PASSWORD"), Some(NameKind::Password));
        assert_eq!(words("DBPasswordHash2"), vec!["db", "password", "hash2"]);
    }

    #[test]
    fn assignments() {
        let v = "Zq3v8LmT2pRx9WkBq8Zt";
        assert_eq!(find(&format!("API_TOKEN={v}\n"), Syntax::Config).as_deref(), Some(v));
        assert_eq!(find(&format!("api_token = \"{v}\"\n"), Syntax::Code).as_deref(), Some(v));
        assert_eq!(find(&format!("api_token = {v}\n"), Syntax::Code), None);
        assert_eq!(find(&format!("\"secret\": \"{v}\","), Syntax::Config).as_deref(), Some(v));
        assert_eq!(
            find(&format!("  - name: MY_TOKEN\n    value: \"{v}\"\n"), Syntax::Config).as_deref(),
            Some(v)
        );
        assert_eq!(
            find(&format!("{{\"name\": \"MY_TOKEN\", \"value\": \"{v}\"}}"), Syntax::Config).as_deref(),
            Some(v)
        );
        assert_eq!(find(&format!("run --api-key {v}"), Syntax::Config).as_deref(), Some(v));
        assert_eq!(find(&format!("ENV APP_SECRET {v}"), Syntax::Config).as_deref(), Some(v));
        assert_eq!(find("DB_PASSWORD=Str0ng!pw9", Syntax::Config).as_deref(), Some("Str0ng!pw9"));
        assert_eq!(
            find("<server><id>corp</id><password>Str0ng!pw9</password></server>", Syntax::Config).as_deref(),
            Some("Str0ng!pw9")
        );
        assert_eq!(find("<password>${env.MVN_PASSWORD}</password>", Syntax::Config), None);
        for neg in [
            "token = self.get_token()",
            "password: ${DB_PASSWORD}",
            "if token == \"abcdefghijklmnopq\":",
            "API_TOKEN=your_api_token_here",
            "secret = os.environ['SECRET']",
            "password=changeme",
            "token: str = None",
            "pad_token = \"<pad>\"",
            "PASSWORD_FILE=/run/secrets/db",
            "#password_encryption = scram-sha-256",
            "# com.sun.management.jmxremote.password.toHashes = true|false",
            "\"CloudWatchAPIKeyAccess\": \"arn:aws:iam::aws:policy/CloudWatchAPIKeyAccess\",",
            "\"VerificationToken\": \"QTKknzFg2J4ygwa+XvHAxUl1hyHoY0gVfZdfjIedHZ0=\"",
            "credentials = {\"username\": \"admin\", \"password\": \"P@55w0rd!\"}",
            "__mvncomp \"username= message= passphrase= password= scmVersion= $(x)\"",
            "'automount_service_account_token': 'automountServiceAccountToken',",
            "\"output_token\": \"LastEvaluatedBackupArn\",",
        ] {
            assert_eq!(find(neg, Syntax::Config), None, "{neg}");
        }
    }
}
