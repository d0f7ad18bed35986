//! OCI distribution registries: `HOST[:PORT]/REPO[:TAG|@DIGEST]`.
//!
//! Anonymous, basic and bearer-token authentication (a `401` with a `WWW-Authenticate` challenge leads to
//! the token endpoint), credentials from [`SourceOptions::credentials`] or the Docker config file,
//! multi-platform indexes resolved with the wanted platform, Docker v2 schema 2 and OCI media types.
//! Manifests and configs are verified against their digests; layer blobs are streamed as served (their
//! consumer verifies them while reading).

use std::io::Read;
use std::sync::Mutex;
use std::time::Duration;

use base64::Engine as _;
use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::header::{ACCEPT, AUTHORIZATION, WWW_AUTHENTICATE};
use serde::Deserialize;

use crate::auth::{Challenge, credentials_from_docker_config, default_docker_config, parse_challenge};
use crate::digest::{parse_digest, sha256_of, verify_bytes};
use crate::manifest::{
    Doc, MANIFEST_ACCEPT, MAX_CONFIG_SIZE, MAX_INDEX_DEPTH, MAX_MANIFEST_SIZE, PlatformSpec, build_meta,
    parse_doc, select_platform,
};
use crate::{Credentials, ImageMeta, ImageSource, RegistryRef, SourceError, SourceOptions};

pub(crate) mod artifacts;

/// Timeout for small requests (manifests, configs, tokens).
const SMALL_TIMEOUT: Duration = Duration::from_secs(60);
/// Largest token response accepted.
const MAX_TOKEN_RESPONSE: u64 = 1 << 20;

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

/// An HTTP client bound to one registry and repository, remembering its authorization.
struct RegistryClient {
    http: Client,
    base: String,
    reference: RegistryRef,
    credentials: Option<Credentials>,
    authorization: Mutex<Option<String>>,
}

fn send_err(url: &str, e: &reqwest::Error) -> SourceError {
    SourceError::Http { url: url.to_string(), reason: crate::error::chain(e) }
}

fn http_err(url: &str, e: impl std::fmt::Display) -> SourceError {
    SourceError::Http { url: url.to_string(), reason: e.to_string() }
}

impl RegistryClient {
    fn new(reference: &RegistryRef, opts: &SourceOptions) -> Result<Self, SourceError> {
        let plain_http = opts.insecure && reference.is_loopback();
        let base = format!("{}://{}", if plain_http { "http" } else { "https" }, reference.registry);
        let http = Client::builder()
            .timeout(None::<Duration>)
            .connect_timeout(Duration::from_secs(30))
            .danger_accept_invalid_certs(opts.insecure)
            .user_agent(concat!("seawall/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| http_err(&base, e))?;
        let credentials = match &opts.credentials {
            Some(c) => Some(c.clone()),
            None => match opts.docker_config.clone().or_else(|| default_docker_config(&opts.env)) {
                Some(path) => credentials_from_docker_config(&path, reference)?
                    .map(|(user, password)| Credentials::new(user, password)),
                None => None,
            },
        };
        Ok(RegistryClient {
            http,
            base,
            reference: reference.clone(),
            credentials,
            authorization: Mutex::new(None),
        })
    }

    fn current_auth(&self) -> Option<String> {
        self.authorization.lock().map(|g| g.clone()).unwrap_or(None)
    }

    fn set_auth(&self, value: String) {
        if let Ok(mut g) = self.authorization.lock() {
            *g = Some(value);
        }
    }

    fn basic(&self) -> Option<String> {
        self.credentials.as_ref().map(|c| {
            let pair = format!("{}:{}", c.username, c.password.expose());
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
        })
    }

    /// Answers a challenge: fetches a bearer token or switches to basic auth.
    fn authenticate(&self, challenge: &str, url: &str) -> Result<(), SourceError> {
        let registry = self.reference.registry.clone();
        let auth_err = |reason: String| SourceError::Auth { registry: registry.clone(), reason };
        match parse_challenge(challenge) {
            Some(Challenge::Basic) => {
                let basic = self
                    .basic()
                    .ok_or_else(|| auth_err("basic authentication required but no credentials".into()))?;
                self.set_auth(basic);
                Ok(())
            }
            Some(Challenge::Bearer { realm, service, scope }) => {
                let scope = scope.unwrap_or_else(|| format!("repository:{}:pull", self.reference.repository));
                let mut token_url = reqwest::Url::parse(&realm)
                    .map_err(|e| auth_err(format!("bad token realm {realm:?}: {e}")))?;
                if !matches!(token_url.scheme(), "http" | "https") {
                    return Err(auth_err(format!("bad token realm {realm:?}")));
                }
                {
                    let mut q = token_url.query_pairs_mut();
                    if let Some(s) = &service {
                        q.append_pair("service", s);
                    }
                    q.append_pair("scope", &scope);
                }
                let mut req = self.http.get(token_url).timeout(SMALL_TIMEOUT);
                if let Some(b) = self.basic() {
                    req = req.header(AUTHORIZATION, b);
                }
                let resp = req.send().map_err(|e| send_err(&realm, &e))?;
                let status = resp.status();
                if !status.is_success() {
                    return Err(auth_err(format!("token endpoint {realm} answered {status}")));
                }
                let body = read_limited(resp, MAX_TOKEN_RESPONSE, &realm)?;
                let tok: TokenResponse = serde_json::from_slice(&body)
                    .map_err(|e| SourceError::Json { what: format!("token from {realm}"), source: e })?;
                let token = tok
                    .token
                    .or(tok.access_token)
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| auth_err(format!("token endpoint {realm} returned no token")))?;
                self.set_auth(format!("Bearer {token}"));
                Ok(())
            }
            None => Err(auth_err(format!("unsupported challenge {challenge:?} from {url}"))),
        }
    }

    /// GET with authentication; one retry after answering a 401 challenge.
    fn get(&self, path: &str, accept: Option<&str>, small: bool) -> Result<Response, SourceError> {
        let url = format!("{}/v2/{}", self.base, path);
        for attempt in 0..2 {
            let mut req = self.http.get(&url);
            if small {
                req = req.timeout(SMALL_TIMEOUT);
            }
            if let Some(a) = accept {
                req = req.header(ACCEPT, a);
            }
            if let Some(auth) = self.current_auth() {
                req = req.header(AUTHORIZATION, auth);
            }
            let resp = req.send().map_err(|e| {
                let mut err = send_err(&url, &e);
                if let SourceError::Http { reason, .. } = &mut err
                    && self.base.starts_with("https://")
                    && self.reference.is_loopback()
                {
                    reason.push_str(" (a plain-HTTP registry on loopback needs --insecure)");
                }
                err
            })?;
            let status = resp.status();
            if status == StatusCode::UNAUTHORIZED && attempt == 0 {
                let challenge = resp
                    .headers()
                    .get(WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
                    .ok_or_else(|| SourceError::Auth {
                        registry: self.reference.registry.clone(),
                        reason: format!("{url} answered 401 without a WWW-Authenticate challenge"),
                    })?;
                self.authenticate(&challenge, &url)?;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                return Err(SourceError::Auth {
                    registry: self.reference.registry.clone(),
                    reason: format!("{url} answered {status}"),
                });
            }
            if status == StatusCode::NOT_FOUND {
                return Err(SourceError::Missing {
                    container: self.reference.to_string(),
                    member: path.to_string(),
                });
            }
            if !status.is_success() {
                return Err(http_err(&url, format!("unexpected status {status}")));
            }
            return Ok(resp);
        }
        Err(SourceError::Auth {
            registry: self.reference.registry.clone(),
            reason: format!("{url}: still unauthorized"),
        })
    }

    fn manifest(&self, reference: &str) -> Result<(String, Vec<u8>), SourceError> {
        let path = format!("{}/manifests/{reference}", self.reference.repository);
        let resp = self.get(&path, Some(MANIFEST_ACCEPT), true)?;
        let header_digest =
            resp.headers().get("docker-content-digest").and_then(|v| v.to_str().ok()).map(str::to_string);
        let what = format!("{}: manifest {reference}", self.reference);
        let bytes = read_limited(resp, MAX_MANIFEST_SIZE, &what)?;
        let digest = sha256_of(&bytes);
        let expected = if reference.contains(':') { Some(reference.to_string()) } else { header_digest };
        if let Some(expected) = expected {
            parse_digest(&what, &expected)?;
            verify_bytes(&what, &expected, &bytes)?;
            return Ok((expected, bytes));
        }
        Ok((digest, bytes))
    }

    fn blob(&self, digest: &str) -> Result<Response, SourceError> {
        let what = format!("{}: blob {digest}", self.reference);
        parse_digest(&what, digest)?;
        self.get(&format!("{}/blobs/{digest}", self.reference.repository), None, false)
    }
}

fn read_limited(resp: Response, limit: u64, what: &str) -> Result<Vec<u8>, SourceError> {
    if resp.content_length().is_some_and(|l| l > limit) {
        return Err(SourceError::TooLarge { what: what.to_string(), limit });
    }
    let mut buf = Vec::new();
    resp.take(limit + 1)
        .read_to_end(&mut buf)
        .map_err(|e| SourceError::Read { what: what.to_string(), source: e })?;
    if buf.len() as u64 > limit {
        return Err(SourceError::TooLarge { what: what.to_string(), limit });
    }
    Ok(buf)
}

/// An image in a registry. Random access: each layer is its own HTTP request.
pub(crate) struct RegistryImage {
    meta: ImageMeta,
    client: RegistryClient,
}

/// Resolves a registry reference to one image manifest and its config.
pub(crate) fn open_registry(
    name: &str,
    reference: &RegistryRef,
    opts: &SourceOptions,
) -> Result<RegistryImage, SourceError> {
    let platform = PlatformSpec::parse(opts.platform.as_deref())?;
    let client = RegistryClient::new(reference, opts)?;
    let mut wanted = reference.manifest_reference().to_string();
    for _ in 0..=MAX_INDEX_DEPTH {
        let (digest, bytes) = client.manifest(&wanted)?;
        let what = format!("{reference}: manifest {digest}");
        match parse_doc(&what, &bytes)? {
            Doc::Index(idx) => {
                wanted = select_platform(name, idx.manifests(), &platform)?.digest().to_string();
            }
            Doc::Manifest(m) => {
                let config_digest = m.config().digest().to_string();
                let what_cfg = format!("{reference}: config {config_digest}");
                let resp = client.blob(&config_digest)?;
                let cfg = read_limited(resp, MAX_CONFIG_SIZE, &what_cfg)?;
                verify_bytes(&what_cfg, &config_digest, &cfg)?;
                let meta = build_meta(name, Some(digest), &m, &cfg, &what)?;
                return Ok(RegistryImage { meta, client });
            }
        }
    }
    Err(SourceError::malformed(
        reference.to_string(),
        format!("indexes nested deeper than {MAX_INDEX_DEPTH} levels"),
    ))
}

impl ImageSource for RegistryImage {
    fn meta(&self) -> &ImageMeta {
        &self.meta
    }

    fn random_access(&self) -> bool {
        true
    }

    fn open_layer(&self, index: u32) -> Result<Box<dyn Read + Send + '_>, SourceError> {
        let count = self.meta.layers.len();
        let layer = usize::try_from(index)
            .ok()
            .and_then(|i| self.meta.layers.get(i))
            .ok_or(SourceError::NoSuchLayer { index, count })?;
        let digest = layer.digest.as_deref().unwrap_or_default();
        Ok(Box::new(self.client.blob(digest)?))
    }
}
