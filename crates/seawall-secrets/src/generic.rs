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
    "invalid",
    "wrong",
    "bogus",
    "non",
];

/// Names of providers whose API keys are UUIDs: a UUID assigned to `HEROKU_API_KEY` is a key, while a
/// UUID assigned to a bare `token` is usually a request or change id.
const UUID_KEY_PROVIDERS: &[&str] =
    &["heroku", "hubspot", "squarespace", "kucoin", "snyk", "octopus", "pinecone", "apify", "newrelic"];

/// Values with a provider's documented prefix are judged by that provider's rule only: when it rejected
/// the value (wrong length, placeholder ids), the generic rule does not report it either.
const PROVIDER_PREFIXES: &[&str] = &[
    "xox",
    "xapp-",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "github_pat_",
    "glpat-",
    "hf_",
    "api_org_",
    "sk-",
    "sk_live_",
    "sk_test_",
    "rk_live_",
    "rk_test_",
    "akia",
    "asia",
    "aiza",
    "npm_",
    "pypi-",
    "dckr_pat_",
    "r8_",
    "gsk_",
    "lsv2_",
    "pcsk_",
    "tgp_v1_",
    "absk",
    "bedrock-api-key-",
];

/// A value shape test.
type Shape = fn(&[u8]) -> bool;

/// Providers with one documented token shape, recognised by a word of the name: a value of another
/// shape assigned to `TELEGRAM_BOT_TOKEN` or `meraki_api_key` is a malformed token (wrong length, a
/// prefix or suffix glued on, a different identifier), not a credential of that provider, so the
/// generic rule does not report it either.
const PROVIDER_SHAPES: &[(&str, Shape)] =
    &[("telegram", telegram_bot_token), ("meraki", meraki_api_key), ("mailchimp", mailchimp_api_key)];

fn lower_hex(v: &[u8]) -> bool {
    v.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b))
}

/// Telegram bot token: the bot id (5–16 digits), `:`, then `A` and 33–34 letters, digits, `_` or `-`
/// (`110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw`, Telegram Bot API).
fn telegram_bot_token(v: &[u8]) -> bool {
    let Some(colon) = v.iter().position(|b| *b == b':') else {
        return false;
    };
    let (id, tail) = (&v[..colon], &v[colon + 1..]);
    (5..=16).contains(&id.len())
        && id.iter().all(u8::is_ascii_digit)
        && (34..=35).contains(&tail.len())
        && tail.first() == Some(&b'A')
        && tail.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

/// Cisco Meraki Dashboard API key: 40 lower-case hex digits.
fn meraki_api_key(v: &[u8]) -> bool {
    v.len() == 40 && lower_hex(v)
}

/// Mailchimp API key: 32 lower-case hex digits, `-us`, the data-centre number.
fn mailchimp_api_key(v: &[u8]) -> bool {
    v.len() >= 36
        && lower_hex(&v[..32])
        && v[32..].starts_with(b"-us")
        && (1..=2).contains(&v[35..].len())
        && v[35..].iter().all(u8::is_ascii_digit)
}

/// False when a word of the name names a provider of [`PROVIDER_SHAPES`] and the value does not have
/// that provider's shape.
fn provider_shape_ok(name: &str, v: &[u8]) -> bool {
    let ws = words(name);
    PROVIDER_SHAPES.iter().all(|(provider, shape)| !ws.iter().any(|w| w.contains(provider)) || shape(v))
}

/// Minified JavaScript object property: the name follows `,` or `{` and is followed by `:` and a quote
/// with no blank in between (`…,apiKey:"…",…`).
fn minified_js_property(buf: &[u8], ns: usize, ne: usize) -> bool {
    ns > 0
        && matches!(buf.get(ns - 1), Some(b',' | b'{'))
        && buf.get(ne) == Some(&b':')
        && matches!(buf.get(ne + 1), Some(b'"' | b'\''))
}

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

/// Words that may follow the secret word of a name without changing what the name holds: encodings,
/// environments, versions, roles (`API_TOKEN_PROD`, `SECRET_KEY_BASE`, `DB_PASSWORD_B64`).
const MODIFIERS: &[&str] = &[
    "value",
    "val",
    "str",
    "string",
    "raw",
    "b64",
    "base64",
    "hex",
    "enc",
    "encoded",
    "plain",
    "plaintext",
    "prod",
    "production",
    "dev",
    "development",
    "staging",
    "stage",
    "stg",
    "qa",
    "uat",
    "ci",
    "local",
    "old",
    "new",
    "current",
    "cur",
    "prev",
    "previous",
    "next",
    "main",
    "primary",
    "secondary",
    "backup",
    "base",
    "live",
    "sandbox",
    "admin",
    "ro",
    "rw",
    "read",
    "write",
    "readonly",
    "global",
    "override",
    "key",
    "secret",
    "token",
    "default",
    "internal",
    "external",
    "private",
    "priv",
];

/// What a secret-like name tells about its value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NameInfo {
    /// Password (short values accepted) or another secret.
    pub(crate) kind: NameKind,
    /// The word that makes the name secret-like (`passphrase`, `token`, `apikey`): a value that repeats
    /// it (`new-passphrase`, `NEW_PASSPHRASE`, `p@ss#word`) is a placeholder.
    pub(crate) word: String,
    /// The name names a provider whose keys are UUIDs ([`UUID_KEY_PROVIDERS`]).
    pub(crate) uuid_provider: bool,
}

/// `password1` → `password`: trailing digits do not change what a word means.
fn stem(w: &str) -> &str {
    w.trim_end_matches(|c: char| c.is_ascii_digit())
}

fn is_modifier(w: &str) -> bool {
    let s = stem(w);
    // `2`, `v2`, or a listed word
    s.is_empty() || (s == "v" && w.len() > 1) || MODIFIERS.contains(&s)
}

/// Classifies a variable/key name: `Some(kind)` when values assigned to it are likely secrets.
#[cfg(test)]
pub(crate) fn name_kind(name: &str) -> Option<NameKind> {
    name_info(name).map(|i| i.kind)
}

/// Classifies a name and returns its secret word. The secret word must be the head of the name: only
/// [`MODIFIERS`] may follow it (`HF_TOKEN`, `api_key_v2`), so that `_TOKEN_CLASSIFICATION`,
/// `TOKEN_USAGE_METADATA_KEY` and `token-classification` are not secret names.
pub(crate) fn name_info(name: &str) -> Option<NameInfo> {
    let ws = words(name);
    let last = ws.last()?;
    if NEGATIVE_LAST.contains(&stem(last)) {
        return None;
    }
    if ws.iter().any(|w| NEGATIVE_ANY.contains(&stem(w))) {
        return None;
    }
    let mut head: Option<(usize, NameKind, String)> = None;
    for (i, w) in ws.iter().enumerate() {
        let s = stem(w);
        if let Some((_, k)) = SECRET_WORDS.iter().find(|(x, _)| *x == s) {
            head = Some((i, *k, s.to_string()));
        } else if s == "key" && i > 0 && ws.get(i - 1).is_some_and(|q| KEY_QUALIFIERS.contains(&stem(q))) {
            let q = ws.get(i - 1).map_or("", |q| stem(q));
            // `secret_key`, `private_key`: the qualifier is itself a secret word; keep its kind.
            let kind = head.as_ref().filter(|(j, _, _)| *j + 1 == i).map_or(NameKind::Token, |h| h.1);
            head = Some((i, kind, format!("{q}key")));
        } else if s == "pass" && i + 1 == ws.len() {
            head = Some((i, NameKind::Password, "pass".into()));
        }
    }
    if let Some((i, kind, word)) = head {
        // a password-kind word anywhere before the head keeps the password kind (`db_password_key`)
        let kind = if ws[..i]
            .iter()
            .any(|w| SECRET_WORDS.iter().any(|(x, k)| *x == stem(w) && *k == NameKind::Password))
        {
            NameKind::Password
        } else {
            kind
        };
        let uuid_provider = ws[..i].iter().any(|w| UUID_KEY_PROVIDERS.contains(&stem(w)));
        return ws[i + 1..].iter().all(|w| is_modifier(w)).then_some(NameInfo { kind, word, uuid_provider });
    }
    // `dbpassword`, `accesstoken`: only for single-word names (with separators the words decide).
    if ws.len() == 1 {
        let joined = stem(&ws[0]);
        return CONCAT_SUFFIXES.iter().find(|(s, _)| joined.ends_with(s)).map(|(s, k)| NameInfo {
            kind: *k,
            word: (*s).to_string(),
            uuid_provider: false,
        });
    }
    None
}

/// Undoes common character substitutions (`p@ssw0rd`, `s3cr3t`, `pa$$`) and drops everything that is not
/// a letter, so that a value can be compared with the words of its name.
fn letters_deleet(v: &[u8]) -> Vec<u8> {
    v.iter()
        .filter_map(|&b| match b.to_ascii_lowercase() {
            b'@' | b'4' => Some(b'a'),
            b'0' => Some(b'o'),
            b'1' | b'!' => Some(b'i'),
            b'3' => Some(b'e'),
            b'$' | b'5' => Some(b's'),
            b'7' => Some(b't'),
            c if c.is_ascii_lowercase() => Some(c),
            _ => None,
        })
        .collect()
}

/// True when the value repeats the secret word of its name (`--new-passphrase "new-passphrase"`,
/// `PASSWORD: "p@ss#word"`, `TOKEN = "synthetic:token/+="`): a placeholder, not a credential.
fn repeats_name_word(word: &str, v: &[u8]) -> bool {
    if word.len() < 5 {
        return false;
    }
    let plain = letters_deleet(v);
    let w = word.as_bytes();
    plain.windows(w.len()).any(|x| x == w)
        || (word.ends_with("key")
            && word.len() > 5
            && plain.windows(word.len() - 3).any(|x| x == &w[..w.len() - 3]))
}

/// Dummy values made only of lower-case words (`mlflow-gateway-auth`, `not-set`, `rt_with_%_inside`):
/// no digit, no capital, at least two words. Generated secrets mix classes; such values are names.
fn lowercase_words(v: &[u8]) -> bool {
    !v.iter().any(|b| b.is_ascii_digit() || b.is_ascii_uppercase())
        && v.split(|b| !b.is_ascii_lowercase()).filter(|s| !s.is_empty()).count() >= 2
}

/// Base64 of a placeholder (`echo -n mypassword | base64` → `bXlwYXNzd29yZA==` in a Kubernetes `Secret`
/// or a Docker config): padded base64 that decodes to printable text judged a placeholder.
fn base64_of_placeholder(v: &[u8]) -> bool {
    use base64::Engine as _;
    if v.len() < 8
        || !v.len().is_multiple_of(4)
        || !v.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
    {
        return false;
    }
    match base64::engine::general_purpose::STANDARD.decode(v) {
        Ok(d) => {
            d.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
                && (is_placeholder(&d) || is_identifier_like(&d))
        }
        Err(_) => false,
    }
}

/// A qualified name `prefix:LocalName` (XML Schema types such as `clm5:AgencyIdentificationCodeContentType`,
/// namespaced symbols): a short alphanumeric prefix and a capitalised multi-word identifier.
fn qualified_name(v: &[u8]) -> bool {
    let Some(colon) = v.iter().position(|b| *b == b':') else {
        return false;
    };
    let (prefix, local) = (&v[..colon], &v[colon + 1..]);
    (1..=12).contains(&prefix.len())
        && prefix.iter().all(u8::is_ascii_alphanumeric)
        && local.len() >= 16
        && local.first().is_some_and(u8::is_ascii_uppercase)
        && local.iter().all(u8::is_ascii_alphanumeric)
        && is_identifier_like(local)
}

/// True when a value assigned to a name of this kind looks like a real credential; values repeating the
/// name's secret word are placeholders.
pub(crate) fn value_is_secret(name: &NameInfo, v: &[u8]) -> bool {
    let kind = name.kind;
    // App-only bearer tokens (Twitter/X) start with a long run of `A`s (zero bytes, base64): judge the rest.
    let v = match v.iter().position(|b| *b != b'A') {
        Some(p) if p >= 20 => &v[p..],
        _ => v,
    };
    if v.iter().any(|b| b.is_ascii_whitespace() || b.is_ascii_control()) || is_placeholder(v) {
        return false;
    }
    if v.starts_with(b"arn:") || v.starts_with(b"sha256:") || v.starts_with(b"sha512-") {
        return false;
    }
    if matches!(v.first(), Some(b'/' | b'.' | b'~' | b'-' | b'#'))
        || v.windows(3).any(|w| w == b"://")
        || v.iter().any(|b| matches!(b, b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'<' | b'>' | b'$' | b'`'))
        || has_bare_backslash(v)
    {
        return false;
    }
    if is_identifier_like(v)
        || lowercase_words(v)
        || repeats_name_word(&name.word, v)
        || qualified_name(v)
        || base64_of_placeholder(v)
    {
        return false;
    }
    if PROVIDER_PREFIXES.iter().any(|p| v.len() > p.len() && v[..p.len()].eq_ignore_ascii_case(p.as_bytes()))
    {
        return false;
    }
    if is_uuid(v) && kind == NameKind::Token && !name.uuid_provider {
        // UUIDs are request ids, change tokens and locks far more often than keys; keys that are UUIDs
        // are covered by provider rules (Pinecone) with their names.
        return false;
    }
    match kind {
        NameKind::Password => (8..=128).contains(&v.len()) && classes(v) >= 2 && entropy(v) >= 2.5,
        NameKind::Token => (16..=MAX_VALUE).contains(&v.len()) && classes(v) >= 2 && entropy(v) >= 3.2,
    }
}

/// A backslash that is not a JSON/string escape of a quote, slash or backslash (`\"`, `\/`, `\\`):
/// templated or encoded text rather than a literal.
fn has_bare_backslash(v: &[u8]) -> bool {
    let mut i = 0;
    while i < v.len() {
        if v[i] == b'\\' {
            if !matches!(v.get(i + 1), Some(b'"' | b'\'' | b'/' | b'\\')) {
                return true;
            }
            i += 2;
        } else {
            i += 1;
        }
    }
    false
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

/// Reads a value at `i`: a quoted string (`"…"`, `'…'`, `` `…` ``, with an optional `b`/`r`/`u` prefix)
/// or, when `allow_bare`, a bare token. Returns the value range.
///
/// Quoted strings may hold escapes (`\"`, `\/`, `\\`); a `\n`, `\r` or `\t` escape ends the value (the
/// string holds a whole file, `{"config.ini": "X_TOKEN=…\nDEBUG=1"}`). A closing quote followed by a
/// letter or digit, or a value that starts with punctuation, means the quote closed an earlier string
/// (`"Unexpected token =",DuplicateBinding:"…"`): no value.
fn read_value(buf: &[u8], i: usize, allow_bare: bool) -> Option<Range<usize>> {
    let mut i = i;
    if matches!(buf.get(i), Some(b'b' | b'r' | b'u' | b'B' | b'R' | b'U'))
        && matches!(buf.get(i + 1), Some(b'"' | b'\''))
    {
        i += 1;
    }
    match buf.get(i) {
        Some(&q @ (b'"' | b'\'' | b'`')) => {
            let start = i + 1;
            if matches!(buf.get(start), Some(b',' | b';' | b')' | b']' | b'}' | b':' | b' ' | b'\t' | b'+')) {
                return None;
            }
            let end_limit = buf.len().min(start + MAX_VALUE + 1);
            let mut j = start;
            let mut value_end = None;
            while j < end_limit {
                match buf[j] {
                    b'\\' => {
                        if matches!(buf.get(j + 1), Some(b'n' | b'r' | b't')) {
                            value_end.get_or_insert(j);
                        }
                        j += 2;
                    }
                    b'\n' => return None,
                    c if c == q => {
                        if buf.get(j + 1).is_some_and(u8::is_ascii_alphanumeric) {
                            return None;
                        }
                        return Some(start..value_end.unwrap_or(j));
                    }
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
                && !(buf[j] == b'\\' && matches!(buf.get(j + 1), Some(b'n' | b'r' | b't' | b'"')))
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

/// After a name in program source: a type before the `=` (`var xToken string = "…"`,
/// `val token: String = "…"`). Returns the position of the `=` when `i` starts a type followed by `=`.
fn skip_type(buf: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    let lim = buf.len().min(i + 40);
    while j < lim
        && (buf[j].is_ascii_alphanumeric() || matches!(buf[j], b'_' | b'.' | b'[' | b']' | b'*' | b'?'))
    {
        j += 1;
    }
    if j == i {
        return None;
    }
    let j = skip_blanks(buf, j);
    (buf.get(j) == Some(&b'=') && !matches!(buf.get(j + 1), Some(b'=' | b'>'))).then_some(j)
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
        (Some(b'='), Some(b'=')) | (Some(b'!'), Some(b'=')) => None,
        // Makefile `::=` / `:::=`; a bare `::` is a path separator (`Foo::TOKEN`).
        (Some(b':'), Some(b':')) => {
            let k = i + if buf.get(i + 2) == Some(&b':') { 3 } else { 2 };
            if buf.get(k) == Some(&b'=') {
                read_value(buf, skip_blanks(buf, k + 1), allow_bare)
            } else {
                None
            }
        }
        // `:=` (Go, Makefile), `=>` (PHP, Ruby, Logstash), `?=` (Makefile), `.=` (PHP).
        (Some(b':' | b'?' | b'.'), Some(b'=')) | (Some(b'='), Some(b'>')) => {
            read_value(buf, skip_blanks(buf, i + 2), allow_bare)
        }
        // `KEY= value`: in shells and env files an `=` glued to the name and followed by a blank assigns
        // the empty string (`__mvncomp "username= password= …"`).
        (Some(b'='), Some(b' ' | b'\t')) if i == ne => None,
        // `token: str = "…"` / `val token: String = "…"` in source: a type annotation, then the value.
        (Some(b':'), _) if syntax == Syntax::Code && !quoted_name => {
            let j = skip_blanks(buf, i + 1);
            match skip_type(buf, j) {
                Some(eq) => read_value(buf, skip_blanks(buf, eq + 1), false),
                None => read_value(buf, j, false),
            }
        }
        (Some(b'=' | b':'), _) => {
            let j = skip_blanks(buf, i + 1);
            if matches!(buf.get(j), Some(b'\r' | b'\n') | None) {
                k8s_value(buf, ns, j, quoted_name)
            } else {
                read_value(buf, j, allow_bare)
            }
        }
        // JSON env entries, and two-argument setters: `setProperty("X_TOKEN", "…")`, `put("apiKey", "…")`.
        (Some(b','), _) if quoted_name => json_name_value(buf, ns, i).or_else(|| setter_value(buf, ns, i)),
        // XML elements: `<password>…</password>` (Maven `settings.xml`, Java configs).
        (Some(b'>'), _) if i == ne && ns > 0 && buf.get(ns - 1) == Some(&b'<') => xml_value(buf, i + 1),
        (Some(b' ' | b'\t'), _) | (Some(_), _) if flag && i > ne => read_value(buf, i, true),
        (Some(b'\r' | b'\n'), _) | (None, _) => k8s_value(buf, ns, i, quoted_name),
        (Some(_), _) if i > ne => {
            let ls = line_start(buf, ns);
            let prefix = buf.get(ls..ns).unwrap_or_default();
            let trimmed = prefix.trim_ascii();
            if trimmed.eq_ignore_ascii_case(b"ENV") || trimmed.eq_ignore_ascii_case(b"ARG") {
                read_value(buf, i, true)
            } else if trimmed.ends_with(b"var") || trimmed.ends_with(b"const") {
                // Go: `var xToken string = "…"`
                skip_type(buf, i).and_then(|eq| read_value(buf, skip_blanks(buf, eq + 1), false))
            } else {
                None
            }
        }
        _ => None,
    }?;
    let v = buf.get(value.clone())?;
    // Cheap shape checks first; the name analysis allocates.
    if !(8..=MAX_VALUE).contains(&v.len()) {
        return None;
    }
    let info = name_info(name)?;
    if !value_is_secret(&info, v) || !provider_shape_ok(name, v) {
        return None;
    }
    // Browser SDK keys in minified bundles (`,apiKey:"<32 hex>"`: analytics and error-reporting keys such
    // as Amplitude's, Bugsnag's or Mixpanel's) are public by design: the bundle ships them to every visitor.
    if info.word == "apikey" && minified_js_property(buf, ns, ne) && v.len() == 32 && lower_hex(v) {
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

/// The text of an XML element up to its closing tag, on one line or alone on the lines between the tags
/// (`<apiToken>\n    …\n</apiToken>`).
fn xml_value(buf: &[u8], start: usize) -> Option<Range<usize>> {
    let end_limit = buf.len().min(start + MAX_VALUE + 1);
    let rest = buf.get(start..end_limit)?;
    let lt = rest.iter().position(|b| *b == b'<')?;
    if buf.get(start + lt + 1) != Some(&b'/') {
        return None;
    }
    let inner = rest.get(..lt)?;
    let first = inner.iter().position(|b| !b.is_ascii_whitespace())?;
    let last = inner.iter().rposition(|b| !b.is_ascii_whitespace())?;
    // one line of text: multi-line content is a document, not a value
    (!inner[first..=last].contains(&b'\n')).then_some(start + first..start + last + 1)
}

/// The second argument of a two-argument call whose first argument is the (quoted) name:
/// `System.setProperty("X_TOKEN", "…")`, `os.environ.setdefault("HF_TOKEN", "…")`.
fn setter_value(buf: &[u8], ns: usize, comma: usize) -> Option<Range<usize>> {
    let before = buf.get(ns.saturating_sub(8)..ns.saturating_sub(1))?.trim_ascii_end();
    if !before.ends_with(b"(") {
        return None;
    }
    read_value(buf, skip_blanks(buf, comma + 1), false)
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
