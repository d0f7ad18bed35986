//! Registry credentials (`~/.docker/config.json`) and `WWW-Authenticate` challenges.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use crate::{RegistryRef, SourceError};

/// Largest Docker config file read (bytes).
const MAX_DOCKER_CONFIG: u64 = 4 << 20;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct DockerConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
    #[serde(default)]
    creds_store: Option<String>,
    #[serde(default)]
    cred_helpers: BTreeMap<String, String>,
}

/// What `docker-credential-<helper> get` prints.
#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct HelperOutput {
    #[serde(default)]
    username: String,
    #[serde(default)]
    secret: String,
}

/// Largest credential-helper output read.
const MAX_HELPER_OUTPUT: u64 = 1 << 20;

/// Runs `docker-credential-<helper> get` for `server` (from `search_dir` when given, else `PATH`).
/// `Ok(None)` when the helper knows no credentials for the server.
fn run_helper(
    helper: &str,
    server: &str,
    search_dir: Option<&Path>,
    registry: &str,
) -> Result<Option<(String, String)>, SourceError> {
    use std::io::{Read, Write};
    let auth_err = |reason: String| SourceError::Auth { registry: registry.to_string(), reason };
    if helper.is_empty() || !helper.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)) {
        return Err(auth_err(format!("invalid credential helper name {helper:?}")));
    }
    let program = format!("docker-credential-{helper}");
    let program = match search_dir {
        Some(dir) => dir.join(&program),
        None => PathBuf::from(&program),
    };
    let mut child = std::process::Command::new(&program)
        .arg("get")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| auth_err(format!("cannot run {}: {e}", program.display())))?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(server.as_bytes());
    }
    let mut out = Vec::new();
    if let Some(stdout) = child.stdout.take() {
        stdout
            .take(MAX_HELPER_OUTPUT)
            .read_to_end(&mut out)
            .map_err(|e| auth_err(format!("reading from {}: {e}", program.display())))?;
    }
    let status = child.wait().map_err(|e| auth_err(format!("{}: {e}", program.display())))?;
    if !status.success() {
        // "credentials not found in native keychain" and the like.
        return Ok(None);
    }
    let parsed: HelperOutput = serde_json::from_slice(&out)
        .map_err(|e| SourceError::Json { what: format!("output of {}", program.display()), source: e })?;
    if parsed.username == "<token>" || parsed.secret.is_empty() {
        // Identity tokens (OAuth refresh tokens) are not supported.
        return Ok(None);
    }
    Ok(Some((parsed.username, parsed.secret)))
}

#[derive(Deserialize, Default)]
struct AuthEntry {
    #[serde(default)]
    auth: Option<String>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    password: Option<String>,
}

/// The Docker client config file of `env`: `$DOCKER_CONFIG/config.json`, or `~/.docker/config.json`.
pub(crate) fn default_docker_config(env: &seawall_core::Environment) -> Option<PathBuf> {
    if let Some(dir) = &env.docker_config {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    env.home.as_ref().map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

/// Looks up `(user, password)` for a registry in a Docker config file. A missing file means no
/// credentials; an unreadable or malformed one is an error naming the file.
pub(crate) fn credentials_from_docker_config(
    path: &Path,
    reference: &RegistryRef,
) -> Result<Option<(String, String)>, SourceError> {
    credentials_with_helpers_in(path, reference, None)
}

/// [`credentials_from_docker_config`] with credential helpers looked up in `helper_dir` (tests).
/// Order as in the Docker CLI: `credHelpers` for the registry, then `auths`, then `credsStore`.
pub(crate) fn credentials_with_helpers_in(
    path: &Path,
    reference: &RegistryRef,
    helper_dir: Option<&Path>,
) -> Result<Option<(String, String)>, SourceError> {
    let bytes = match fs_err::File::open(path) {
        Ok(f) => {
            use std::io::Read;
            let mut v = Vec::new();
            f.take(MAX_DOCKER_CONFIG).read_to_end(&mut v).map_err(|e| SourceError::io(path, e))?;
            v
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(SourceError::io(path, e)),
    };
    let what = path.display().to_string();
    let cfg: DockerConfigFile =
        serde_json::from_slice(&bytes).map_err(|e| SourceError::Json { what: what.clone(), source: e })?;
    let keys = reference.auth_keys();
    let server = keys.first().cloned().unwrap_or_default();
    for key in &keys {
        if let Some(helper) = cfg.cred_helpers.get(key) {
            return run_helper(helper, &server, helper_dir, &reference.registry);
        }
    }
    for key in keys {
        let Some(entry) = cfg.auths.get(&key) else {
            continue;
        };
        if let Some(auth) = entry.auth.as_deref().filter(|a| !a.is_empty()) {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(auth.trim())
                .map_err(|e| SourceError::malformed(&what, format!("auths.{key}.auth is not base64: {e}")))?;
            let text = String::from_utf8(decoded)
                .map_err(|_| SourceError::malformed(&what, format!("auths.{key}.auth is not UTF-8")))?;
            let (user, pass) = text.split_once(':').ok_or_else(|| {
                SourceError::malformed(&what, format!("auths.{key}.auth is not user:password"))
            })?;
            return Ok(Some((user.to_string(), pass.to_string())));
        }
        if let (Some(u), Some(p)) = (&entry.username, &entry.password) {
            return Ok(Some((u.clone(), p.clone())));
        }
    }
    match &cfg.creds_store {
        // A general store that cannot run (Docker Desktop's helper on a CI machine) must not prevent
        // anonymous pulls; an explicit per-registry helper above is an error instead.
        Some(store) if !store.is_empty() => {
            Ok(run_helper(store, &server, helper_dir, &reference.registry).unwrap_or(None))
        }
        _ => Ok(None),
    }
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Challenge {
    /// `Basic realm="…"`.
    Basic,
    /// `Bearer realm="…",service="…",scope="…"`.
    Bearer {
        /// Token endpoint.
        realm: String,
        /// `service` parameter, if any.
        service: Option<String>,
        /// `scope` parameter, if any.
        scope: Option<String>,
    },
}

/// Parses a `WWW-Authenticate` header value (one challenge; quoted or bare parameter values).
pub fn parse_challenge(value: &str) -> Option<Challenge> {
    let value = value.trim();
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let mut params = BTreeMap::new();
    let mut s = rest.trim();
    while !s.is_empty() {
        let (key, after) = s.split_once('=')?;
        let key = key.trim().trim_start_matches(',').trim().to_ascii_lowercase();
        let after = after.trim_start();
        let (val, remaining) = if let Some(q) = after.strip_prefix('"') {
            let mut out = String::new();
            let mut chars = q.char_indices();
            let mut end = None;
            while let Some((i, c)) = chars.next() {
                match c {
                    '\\' => {
                        if let Some((_, n)) = chars.next() {
                            out.push(n);
                        }
                    }
                    '"' => {
                        end = Some(i + 1);
                        break;
                    }
                    c => out.push(c),
                }
            }
            (out, &q[end?..])
        } else {
            let end = after.find(',').unwrap_or(after.len());
            (after[..end].trim().to_string(), &after[end..])
        };
        params.insert(key, val);
        s = remaining.trim_start().trim_start_matches(',').trim_start();
    }
    if scheme.eq_ignore_ascii_case("basic") {
        Some(Challenge::Basic)
    } else if scheme.eq_ignore_ascii_case("bearer") {
        Some(Challenge::Bearer {
            realm: params.remove("realm")?,
            service: params.remove("service"),
            scope: params.remove("scope"),
        })
    } else {
        None
    }
}

/// Fuzz entry point: parses a `WWW-Authenticate` header value. Never panics.
pub fn parse_www_authenticate(value: &str) -> bool {
    parse_challenge(value).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn default_docker_config_precedence() {
        use seawall_core::Environment;
        let at =
            |pairs: &[(&str, &str)]| default_docker_config(&Environment::from_pairs(pairs.iter().copied()));
        assert_eq!(at(&[("DOCKER_CONFIG", "/d"), ("HOME", "/h")]), Some(PathBuf::from("/d/config.json")));
        assert_eq!(at(&[("HOME", "/h")]), Some(PathBuf::from("/h/.docker/config.json")));
        assert_eq!(at(&[]), None);
    }

    #[test]
    fn challenges() {
        assert_eq!(
            parse_challenge(
                r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/ubuntu:pull""#
            ),
            Some(Challenge::Bearer {
                realm: "https://auth.docker.io/token".into(),
                service: Some("registry.docker.io".into()),
                scope: Some("repository:library/ubuntu:pull".into()),
            })
        );
        assert_eq!(parse_challenge(r#"Basic realm="Registry Realm""#), Some(Challenge::Basic));
        assert_eq!(
            parse_challenge("Bearer realm=http://x/token, service=svc"),
            Some(Challenge::Bearer {
                realm: "http://x/token".into(),
                service: Some("svc".into()),
                scope: None
            })
        );
        assert_eq!(parse_challenge("Bearer service=\"x\""), None);
        assert_eq!(parse_challenge("Negotiate"), None);
        assert_eq!(parse_challenge(r#"Bearer realm="unterminated"#), None);
    }

    #[test]
    fn docker_config_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.json");
        let auth = base64::engine::general_purpose::STANDARD.encode("alice:s3cret:with:colons");
        fs_err::write(&p, format!(r#"{{"auths":{{"127.0.0.1:5000":{{"auth":"{auth}"}},"https://index.docker.io/v1/":{{"auth":"{auth}"}}}}}}"#))
            .unwrap();
        let r = crate::parse_registry("x", "127.0.0.1:5000/a/b:1").unwrap();
        assert_eq!(
            credentials_from_docker_config(&p, &r).unwrap(),
            Some(("alice".into(), "s3cret:with:colons".into()))
        );
        let hub = crate::parse_registry("x", "ubuntu").unwrap();
        assert!(credentials_from_docker_config(&p, &hub).unwrap().is_some());
        let other = crate::parse_registry("x", "ghcr.io/a/b").unwrap();
        assert_eq!(credentials_from_docker_config(&p, &other).unwrap(), None);
        assert_eq!(credentials_from_docker_config(&dir.path().join("nope.json"), &r).unwrap(), None);
        fs_err::write(&p, r#"{"auths":{"127.0.0.1:5000":{"auth":"!!!"}}}"#).unwrap();
        let err = credentials_from_docker_config(&p, &r).unwrap_err();
        assert!(err.to_string().contains("config.json"), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn credential_helpers() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let helper = |name: &str, body: &str| {
            let p = dir.path().join(format!("docker-credential-{name}"));
            fs_err::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
            fs_err::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        // Echoes the server it was asked about, so the test sees what was sent on stdin.
        helper("store", r#"read s; printf '{"ServerURL":"%s","Username":"u-%s","Secret":"pw"}' "$s" "$s""#);
        helper("none", "echo 'credentials not found in native keychain'; exit 1");
        let cfg = dir.path().join("config.json");
        let r = crate::parse_registry("x", "127.0.0.1:5000/a/b:1").unwrap();
        let hub = crate::parse_registry("x", "ubuntu").unwrap();
        fs_err::write(&cfg, r#"{"credsStore":"store","credHelpers":{"127.0.0.1:5000":"none"}}"#).unwrap();
        assert_eq!(credentials_with_helpers_in(&cfg, &r, Some(dir.path())).unwrap(), None);
        assert_eq!(
            credentials_with_helpers_in(&cfg, &hub, Some(dir.path())).unwrap(),
            Some(("u-https://index.docker.io/v1/".into(), "pw".into()))
        );
        fs_err::write(&cfg, r#"{"credHelpers":{"127.0.0.1:5000":"../../bin/sh"}}"#).unwrap();
        let err = credentials_with_helpers_in(&cfg, &r, Some(dir.path())).unwrap_err();
        assert!(err.to_string().contains("invalid credential helper"), "{err}");
        fs_err::write(&cfg, r#"{"credHelpers":{"127.0.0.1:5000":"missing"}}"#).unwrap();
        let err = credentials_with_helpers_in(&cfg, &r, Some(dir.path())).unwrap_err();
        assert!(err.to_string().contains("docker-credential-missing"), "{err}");
        // A general store that cannot run means anonymous access.
        fs_err::write(&cfg, r#"{"credsStore":"missing"}"#).unwrap();
        assert_eq!(credentials_with_helpers_in(&cfg, &r, Some(dir.path())).unwrap(), None);
    }

    proptest! {
        #[test]
        fn challenge_parser_never_panics(s in ".{0,200}") {
            let _ = parse_www_authenticate(&s);
        }
    }
}
