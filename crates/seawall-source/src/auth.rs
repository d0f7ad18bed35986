//! Registry credentials (`~/.docker/config.json`) and `WWW-Authenticate` challenges.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Deserialize;

use crate::{RegistryRef, SourceError};

/// Largest Docker config file read (bytes).
const MAX_DOCKER_CONFIG: u64 = 4 << 20;

#[derive(Deserialize, Default)]
struct DockerConfigFile {
    #[serde(default)]
    auths: BTreeMap<String, AuthEntry>,
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

/// The Docker client config file to use: explicit, `$DOCKER_CONFIG/config.json`, or `~/.docker/config.json`.
pub(crate) fn default_docker_config() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("DOCKER_CONFIG") {
        return Some(PathBuf::from(dir).join("config.json"));
    }
    std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".docker").join("config.json"))
}

/// Looks up `(user, password)` for a registry in a Docker config file. A missing file means no
/// credentials; an unreadable or malformed one is an error naming the file.
pub(crate) fn credentials_from_docker_config(
    path: &Path,
    reference: &RegistryRef,
) -> Result<Option<(String, String)>, SourceError> {
    let bytes = match std::fs::File::open(path) {
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
    for key in reference.auth_keys() {
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
    Ok(None)
}

/// A parsed `WWW-Authenticate` challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Challenge {
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
pub(crate) fn parse_challenge(value: &str) -> Option<Challenge> {
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
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use proptest::prelude::*;

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
        std::fs::write(&p, format!(r#"{{"auths":{{"127.0.0.1:5000":{{"auth":"{auth}"}},"https://index.docker.io/v1/":{{"auth":"{auth}"}}}}}}"#))
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
        std::fs::write(&p, r#"{"auths":{"127.0.0.1:5000":{"auth":"!!!"}}}"#).unwrap();
        let err = credentials_from_docker_config(&p, &r).unwrap_err();
        assert!(err.to_string().contains("config.json"), "{err}");
    }

    proptest! {
        #[test]
        fn challenge_parser_never_panics(s in ".{0,200}") {
            let _ = parse_www_authenticate(&s);
        }
    }
}
