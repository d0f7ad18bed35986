//! Scheduled crawls of registries that cannot send push events.
//!
//! A project configures a registry (`PUT /api/v1/crawls/{registry}`): repository globs, an interval,
//! a rate limit in requests per second, and optionally credentials (sealed with the server key). Every
//! `seawall serve` replica runs [`run_crawler`]: it claims a due crawl under a lease (so a registry is
//! crawled by one replica at a time), lists `/v2/_catalog` and each selected repository's
//! `/v2/<name>/tags/list` — both paged through the `Link: <…>; rel="next"` header —, resolves every
//! tag to its manifest digest with a `HEAD` (the OCI and Docker manifest and index media types in
//! `Accept`), and queues a digest-pinned scan `HOST/REPOSITORY@DIGEST` for each digest the project has
//! no result and no live job for — the job queue and its deduplication are those of
//! `POST /api/v1/scans` and the registry push events.
//!
//! Every request to the registry (token requests included) waits for the [`RateLimiter`]; a `429`
//! answer is retried after its `Retry-After` (seconds or an HTTP date; else an exponential backoff),
//! and the limiter holds every later request back until then. Bearer-token registries (a `401` with a
//! `WWW-Authenticate: Bearer realm=…` challenge) get a token per scope (`registry:catalog:*`,
//! `repository:NAME:pull`) with the configured credentials; basic-auth registries get them directly.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use globset::{GlobSet, GlobSetBuilder};
use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, LINK, RETRY_AFTER, WWW_AUTHENTICATE};
use reqwest::{Method, Url};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use seawall_store::{ClaimedCrawl, CrawlView, Credentials, NewCrawl, NewJob, Principal};

use crate::AppState;
use crate::api::{ApiError, ErrorBody};
use crate::validate;

/// The manifest media types asked for when a tag is resolved (indexes too: a multi-platform tag is
/// queued as its index digest and the worker selects the platform).
pub const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.list.v2+json";

/// Entries asked for per catalog or tag-list page (`?n=`); the registry may send fewer.
pub const PAGE_SIZE: usize = 100;
/// Most repositories listed from one catalog.
pub const MAX_REPOSITORIES: usize = 10_000;
/// Largest catalog, tag-list, token or manifest body read.
const MAX_BODY: usize = 4 << 20;
/// Most retries of one request answered `429`.
const MAX_THROTTLED_RETRIES: u32 = 6;
/// Longest `Retry-After` honoured (a longer one ends the crawl's request with an error).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(300);
/// Timeout of one request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Lease of a claimed crawl (renewed every third of it while the crawl runs).
const LEASE_SECONDS: f64 = 60.0;
/// How often a replica looks for a due crawl.
const POLL: Duration = Duration::from_secs(2);
/// The user agent of crawl requests (told apart from workers' pulls in registry logs).
pub const USER_AGENT: &str = concat!("seawall-crawler/", env!("CARGO_PKG_VERSION"));

// ---- rate limit ----

/// Spaces requests at least `1 / rate` seconds apart, and holds them back after a `429`.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Instant,
}

impl RateLimiter {
    /// A limiter for `per_second` requests per second (at least one request per 1000 s).
    pub fn new(per_second: f64) -> Self {
        let per_second = if per_second.is_finite() { per_second.clamp(0.001, 1000.0) } else { 1.0 };
        RateLimiter { interval: Duration::from_secs_f64(1.0 / per_second), next: Instant::now() }
    }

    /// Waits until the next request may be sent, and books its slot.
    pub async fn wait(&mut self) {
        let now = Instant::now();
        if self.next > now {
            tokio::time::sleep_until(self.next.into()).await;
        }
        self.next = self.next.max(Instant::now()) + self.interval;
    }

    /// No request before `delay` from now (a `429`'s `Retry-After`).
    pub fn hold_off(&mut self, delay: Duration) {
        self.next = self.next.max(Instant::now() + delay);
    }
}

/// Parses a `Retry-After` value: delta-seconds or an HTTP date (RFC 9110), relative to now.
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = jiff::fmt::rfc2822::parse(v).ok()?.timestamp();
    let delta = when.as_millisecond() - jiff::Timestamp::now().as_millisecond();
    Some(Duration::from_millis(u64::try_from(delta).unwrap_or(0)))
}

/// The `rel="next"` target of a `Link` header, resolved against `current`; only links to the same
/// scheme, host and port are followed (a registry cannot send the crawler, or its credentials,
/// elsewhere).
pub fn next_link(header: &str, current: &Url) -> Option<Url> {
    for part in header.split(',') {
        let part = part.trim();
        let (Some(start), Some(end)) = (part.find('<'), part.find('>')) else { continue };
        if end < start {
            continue;
        }
        let params = &part[end + 1..];
        let is_next = params.split(';').any(|p| {
            let p = p.trim().to_ascii_lowercase();
            p == "rel=\"next\"" || p == "rel=next"
        });
        if !is_next {
            continue;
        }
        let url = current.join(&part[start + 1..end]).ok()?;
        let same = url.scheme() == current.scheme()
            && url.host_str() == current.host_str()
            && url.port_or_known_default() == current.port_or_known_default();
        return same.then_some(url);
    }
    None
}

// ---- repository selection ----

/// Compiles repository globs: `*` stays within one path component, `**` crosses them.
pub fn compile_globs(globs: &[String]) -> Result<GlobSet, String> {
    let mut b = GlobSetBuilder::new();
    for g in globs {
        let glob = globset::GlobBuilder::new(g)
            .literal_separator(true)
            .build()
            .map_err(|e| format!("invalid glob {:?}: {e}", g.chars().take(80).collect::<String>()))?;
        b.add(glob);
    }
    b.build().map_err(|e| format!("invalid globs: {e}"))
}

/// Which repositories a crawl takes.
#[derive(Debug, Clone)]
pub struct Selector {
    include: Option<GlobSet>,
    exclude: GlobSet,
}

impl Selector {
    /// Every repository matching one of `include` (all when empty) and none of `exclude`.
    pub fn new(include: &[String], exclude: &[String]) -> Result<Self, String> {
        Ok(Selector {
            include: if include.is_empty() { None } else { Some(compile_globs(include)?) },
            exclude: compile_globs(exclude)?,
        })
    }

    /// Whether `repository` is crawled.
    pub fn takes(&self, repository: &str) -> bool {
        self.include.as_ref().is_none_or(|g| g.is_match(repository)) && !self.exclude.is_match(repository)
    }
}

// ---- the crawl ----

/// What to crawl.
#[derive(Debug, Clone)]
pub struct CrawlTarget {
    /// `host[:port]`.
    pub registry: String,
    /// Plain HTTP on loopback registries; unverified TLS elsewhere.
    pub insecure: bool,
    /// Registry credentials.
    pub credentials: Option<Credentials>,
    /// Requests per second.
    pub rate_limit: f64,
    /// Which repositories.
    pub selector: Selector,
    /// Most tags resolved per repository.
    pub max_tags: usize,
}

/// A tag resolved to its manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// Repository.
    pub repository: String,
    /// Tag.
    pub tag: String,
    /// Manifest digest.
    pub digest: String,
    /// Manifest media type, when the registry said.
    pub media_type: Option<String>,
}

/// What a crawl saw.
#[derive(Debug, Clone, Default)]
pub struct CrawlOutcome {
    /// Repositories in the catalog.
    pub repositories_listed: usize,
    /// Repositories selected by the globs.
    pub repositories_crawled: usize,
    /// Tags listed in the selected repositories.
    pub tags: usize,
    /// Tags resolved to a manifest.
    pub found: Vec<Found>,
    /// Repositories with more tags than `max_tags` (the rest were not resolved).
    pub truncated: Vec<String>,
    /// Requests sent (token requests included).
    pub requests: u64,
    /// Requests answered `429`.
    pub throttled: u64,
    /// Errors that skipped a repository or a tag (the crawl went on), and a catalog error that
    /// ended it.
    pub errors: Vec<String>,
    /// The catalog could not be read: nothing was crawled.
    pub failed: bool,
}

/// Errors of one request.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    /// Transport error.
    #[error("{url}: {reason}")]
    Http {
        /// The URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// The registry refused the credentials (or has none to offer).
    #[error("{url}: authentication failed: {reason}")]
    Auth {
        /// The URL.
        url: String,
        /// What failed.
        reason: String,
    },
    /// A status other than success.
    #[error("{url}: answered {status}")]
    Status {
        /// The URL.
        url: String,
        /// The status.
        status: u16,
    },
    /// A body that is too large or not the JSON expected.
    #[error("{url}: {reason}")]
    Body {
        /// The URL.
        url: String,
        /// What is wrong.
        reason: String,
    },
}

#[derive(Deserialize)]
struct CatalogPage {
    #[serde(default)]
    repositories: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct TagsPage {
    #[serde(default)]
    tags: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct TokenResponse {
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    access_token: Option<String>,
}

/// A registry client for one crawl: rate-limited, authenticating, counting.
struct Crawler {
    http: reqwest::Client,
    base: Url,
    limiter: RateLimiter,
    credentials: Option<Credentials>,
    /// Bearer tokens per scope.
    tokens: HashMap<String, String>,
    /// The registry asked for basic authentication.
    basic: bool,
    requests: u64,
    throttled: u64,
}

fn http_err(url: &Url, e: &dyn std::fmt::Display) -> CrawlError {
    CrawlError::Http { url: url.to_string(), reason: e.to_string() }
}

/// The bearer scope a registry path needs.
fn scope_of(path: &str) -> String {
    if path == "/v2/_catalog" {
        return "registry:catalog:*".into();
    }
    let rest = path.strip_prefix("/v2/").unwrap_or(path);
    let repo = ["/tags/list", "/manifests/"]
        .iter()
        .filter_map(|m| rest.find(m).map(|i| &rest[..i]))
        .next()
        .unwrap_or(rest);
    format!("repository:{repo}:pull")
}

async fn read_limited(mut resp: reqwest::Response, url: &Url) -> Result<Vec<u8>, CrawlError> {
    if resp.content_length().is_some_and(|l| l > MAX_BODY as u64) {
        return Err(CrawlError::Body {
            url: url.to_string(),
            reason: format!("larger than {MAX_BODY} bytes"),
        });
    }
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| http_err(url, &e))? {
        out.extend_from_slice(&chunk);
        if out.len() > MAX_BODY {
            return Err(CrawlError::Body {
                url: url.to_string(),
                reason: format!("larger than {MAX_BODY} bytes"),
            });
        }
    }
    Ok(out)
}

impl Crawler {
    fn new(target: &CrawlTarget) -> Result<Self, CrawlError> {
        let plain = target.insecure && registry_is_loopback(&target.registry);
        let base_text = format!("{}://{}/", if plain { "http" } else { "https" }, target.registry);
        let base = Url::parse(&base_text)
            .map_err(|e| CrawlError::Http { url: base_text.clone(), reason: e.to_string() })?;
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(Duration::from_secs(10))
            .danger_accept_invalid_certs(target.insecure)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| http_err(&base, &e))?;
        Ok(Crawler {
            http,
            base,
            limiter: RateLimiter::new(target.rate_limit),
            credentials: target.credentials.clone(),
            tokens: HashMap::new(),
            basic: false,
            requests: 0,
            throttled: 0,
        })
    }

    fn basic_header(&self) -> Option<String> {
        self.credentials.as_ref().map(|c| {
            let pair = format!("{}:{}", c.username, c.password);
            format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair))
        })
    }

    /// Sends one request through the limiter; retries `429` after `Retry-After` and answers one
    /// authentication challenge.
    async fn send(
        &mut self,
        method: Method,
        url: &Url,
        accept: Option<&str>,
    ) -> Result<reqwest::Response, CrawlError> {
        let scope = scope_of(url.path());
        let mut challenged = false;
        let mut throttled = 0u32;
        loop {
            self.limiter.wait().await;
            let mut req = self.http.request(method.clone(), url.clone());
            if let Some(a) = accept {
                req = req.header(ACCEPT, a);
            }
            if let Some(t) = self.tokens.get(&scope) {
                req = req.header(AUTHORIZATION, format!("Bearer {t}"));
            } else if self.basic
                && let Some(b) = self.basic_header()
            {
                req = req.header(AUTHORIZATION, b);
            }
            self.requests += 1;
            let resp = req.send().await.map_err(|e| http_err(url, &e))?;
            let status = resp.status();
            if status == StatusCode::TOO_MANY_REQUESTS {
                self.throttled += 1;
                throttled += 1;
                let delay = resp
                    .headers()
                    .get(RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(parse_retry_after)
                    .unwrap_or_else(|| Duration::from_secs(1 << throttled.min(6)));
                if throttled > MAX_THROTTLED_RETRIES || delay > MAX_RETRY_AFTER {
                    return Err(CrawlError::Status { url: url.to_string(), status: 429 });
                }
                self.limiter.hold_off(delay);
                continue;
            }
            if status == StatusCode::UNAUTHORIZED && !challenged {
                challenged = true;
                let challenge = resp
                    .headers()
                    .get(WWW_AUTHENTICATE)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_string)
                    .ok_or_else(|| CrawlError::Auth {
                        url: url.to_string(),
                        reason: "401 without a WWW-Authenticate challenge".into(),
                    })?;
                self.answer(&challenge, &scope, url).await?;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
                return Err(CrawlError::Auth { url: url.to_string(), reason: format!("answered {status}") });
            }
            return Ok(resp);
        }
    }

    /// Answers a challenge: basic credentials, or a bearer token for `scope` from the realm.
    async fn answer(&mut self, challenge: &str, scope: &str, url: &Url) -> Result<(), CrawlError> {
        let auth = |reason: String| CrawlError::Auth { url: url.to_string(), reason };
        match seawall_source::parse_challenge(challenge) {
            Some(seawall_source::Challenge::Basic) => {
                if self.credentials.is_none() {
                    return Err(auth("the registry asks for basic authentication; no credentials".into()));
                }
                self.basic = true;
                Ok(())
            }
            Some(seawall_source::Challenge::Bearer { realm, service, scope: asked }) => {
                let mut token_url =
                    Url::parse(&realm).map_err(|e| auth(format!("bad token realm {realm:?}: {e}")))?;
                if !matches!(token_url.scheme(), "http" | "https") {
                    return Err(auth(format!("bad token realm {realm:?}")));
                }
                {
                    let mut q = token_url.query_pairs_mut();
                    if let Some(s) = &service {
                        q.append_pair("service", s);
                    }
                    q.append_pair("scope", asked.as_deref().unwrap_or(scope));
                }
                self.limiter.wait().await;
                let mut req = self.http.get(token_url.clone());
                if let Some(b) = self.basic_header() {
                    req = req.header(AUTHORIZATION, b);
                }
                self.requests += 1;
                let resp = req.send().await.map_err(|e| http_err(&token_url, &e))?;
                if !resp.status().is_success() {
                    return Err(auth(format!("token endpoint {realm} answered {}", resp.status())));
                }
                let body = read_limited(resp, &token_url).await?;
                let tok: TokenResponse = serde_json::from_slice(&body)
                    .map_err(|e| auth(format!("token endpoint {realm}: {e}")))?;
                let token = tok
                    .token
                    .or(tok.access_token)
                    .filter(|t| !t.is_empty())
                    .ok_or_else(|| auth(format!("token endpoint {realm} returned no token")))?;
                self.tokens.insert(scope.to_string(), token);
                Ok(())
            }
            None => Err(auth(format!(
                "unsupported challenge {:?}",
                challenge.chars().take(100).collect::<String>()
            ))),
        }
    }

    /// GETs every page of a paged list, following `Link: rel="next"`.
    async fn pages(&mut self, first: Url, limit: usize) -> Result<Vec<Vec<u8>>, CrawlError> {
        let mut out = Vec::new();
        let mut url = Some(first);
        let mut seen = std::collections::HashSet::new();
        while let Some(u) = url.take() {
            if !seen.insert(u.to_string()) || out.len() >= limit {
                break;
            }
            let resp = self.send(Method::GET, &u, Some("application/json")).await?;
            if !resp.status().is_success() {
                return Err(CrawlError::Status { url: u.to_string(), status: resp.status().as_u16() });
            }
            url = resp.headers().get(LINK).and_then(|v| v.to_str().ok()).and_then(|l| next_link(l, &u));
            out.push(read_limited(resp, &u).await?);
        }
        Ok(out)
    }

    async fn catalog(&mut self) -> Result<Vec<String>, CrawlError> {
        let mut url = self.base.join("v2/_catalog").map_err(|e| http_err(&self.base, &e))?;
        url.query_pairs_mut().append_pair("n", &PAGE_SIZE.to_string());
        let mut repos = Vec::new();
        for body in self.pages(url.clone(), MAX_REPOSITORIES / PAGE_SIZE + 100).await? {
            let page: CatalogPage = serde_json::from_slice(&body).map_err(|e| CrawlError::Body {
                url: url.to_string(),
                reason: format!("not a catalog: {e}"),
            })?;
            repos.extend(page.repositories.unwrap_or_default());
            if repos.len() >= MAX_REPOSITORIES {
                repos.truncate(MAX_REPOSITORIES);
                break;
            }
        }
        Ok(repos)
    }

    async fn tags(&mut self, repository: &str, max: usize) -> Result<Vec<String>, CrawlError> {
        let mut url =
            self.base.join(&format!("v2/{repository}/tags/list")).map_err(|e| http_err(&self.base, &e))?;
        url.query_pairs_mut().append_pair("n", &PAGE_SIZE.to_string());
        let mut tags = Vec::new();
        for body in self.pages(url.clone(), max / PAGE_SIZE + 2).await? {
            let page: TagsPage = serde_json::from_slice(&body).map_err(|e| CrawlError::Body {
                url: url.to_string(),
                reason: format!("not a tag list: {e}"),
            })?;
            tags.extend(page.tags.unwrap_or_default());
            if tags.len() > max {
                break;
            }
        }
        Ok(tags)
    }

    /// The manifest digest and media type of a tag; `None` when the tag is gone.
    async fn resolve(
        &mut self,
        repository: &str,
        tag: &str,
    ) -> Result<Option<(String, Option<String>)>, CrawlError> {
        let url = self
            .base
            .join(&format!("v2/{repository}/manifests/{tag}"))
            .map_err(|e| http_err(&self.base, &e))?;
        let resp = self.send(Method::HEAD, &url, Some(MANIFEST_ACCEPT)).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !resp.status().is_success() {
            return Err(CrawlError::Status { url: url.to_string(), status: resp.status().as_u16() });
        }
        let media = resp.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let digest =
            resp.headers().get("docker-content-digest").and_then(|v| v.to_str().ok()).map(str::to_string);
        if let Some(d) = digest.filter(|d| validate::validate_digest(d).is_ok() && !d.starts_with("target:"))
        {
            return Ok(Some((d, media)));
        }
        // No (usable) digest header: the digest of the manifest's bytes.
        let resp = self.send(Method::GET, &url, Some(MANIFEST_ACCEPT)).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !resp.status().is_success() {
            return Err(CrawlError::Status { url: url.to_string(), status: resp.status().as_u16() });
        }
        let media = resp.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_string);
        let body = read_limited(resp, &url).await?;
        Ok(Some((format!("sha256:{}", hex::encode(Sha256::digest(&body))), media)))
    }
}

fn registry_is_loopback(registry: &str) -> bool {
    seawall_source::parse_registry(registry, &format!("{registry}/x:y")).is_ok_and(|r| r.is_loopback())
}

/// A repository name the crawler will put into a URL and a reference: the distribution grammar's
/// characters only.
fn valid_repository(r: &str) -> bool {
    !r.is_empty()
        && r.len() <= 256
        && r.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/".contains(&b))
        && !r.split('/').any(|c| c.is_empty() || c == "." || c == "..")
}

fn valid_tag(t: &str) -> bool {
    !t.is_empty() && t.len() <= 128 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b))
}

/// Crawls one registry: the catalog, the selected repositories' tags, each tag's manifest digest.
pub async fn crawl(target: &CrawlTarget) -> CrawlOutcome {
    let mut out = CrawlOutcome::default();
    let mut c = match Crawler::new(target) {
        Ok(c) => c,
        Err(e) => {
            out.errors.push(e.to_string());
            out.failed = true;
            return out;
        }
    };
    let repos = match c.catalog().await {
        Ok(r) => r,
        Err(e) => {
            out.errors.push(format!("catalog: {e}"));
            out.failed = true;
            out.requests = c.requests;
            out.throttled = c.throttled;
            return out;
        }
    };
    out.repositories_listed = repos.len();
    for repo in repos {
        if !valid_repository(&repo) {
            out.errors.push(format!(
                "repository {:?} skipped: not a valid name",
                repo.chars().take(80).collect::<String>()
            ));
            continue;
        }
        if !target.selector.takes(&repo) {
            continue;
        }
        out.repositories_crawled += 1;
        let mut tags = match c.tags(&repo, target.max_tags).await {
            Ok(t) => t,
            Err(e) => {
                out.errors.push(format!("{repo}: tags: {e}"));
                continue;
            }
        };
        out.tags += tags.len();
        if tags.len() > target.max_tags {
            tags.truncate(target.max_tags);
            out.truncated.push(repo.clone());
        }
        for tag in tags {
            if !valid_tag(&tag) {
                out.errors.push(format!(
                    "{repo}: tag {:?} skipped: not a valid tag",
                    tag.chars().take(80).collect::<String>()
                ));
                continue;
            }
            match c.resolve(&repo, &tag).await {
                Ok(Some((digest, media_type))) => {
                    out.found.push(Found { repository: repo.clone(), tag, digest, media_type });
                }
                Ok(None) => {}
                Err(e) => out.errors.push(format!("{repo}:{tag}: {e}")),
            }
        }
    }
    out.requests = c.requests;
    out.throttled = c.throttled;
    out
}

// ---- the loop in `seawall serve` ----

/// Figures of one crawl run, stored as the crawl's `last_stats`.
fn stats(
    outcome: &CrawlOutcome,
    queued: usize,
    known: usize,
    rejected: usize,
    seconds: f64,
) -> serde_json::Value {
    serde_json::json!({
        "repositories_listed": outcome.repositories_listed,
        "repositories_crawled": outcome.repositories_crawled,
        "tags": outcome.tags,
        "digests": outcome.found.iter().map(|f| f.digest.as_str()).collect::<std::collections::BTreeSet<_>>().len(),
        "queued": queued,
        "already_known": known,
        "rejected": rejected,
        "truncated_repositories": outcome.truncated,
        "requests": outcome.requests,
        "throttled": outcome.throttled,
        "errors": outcome.errors.len(),
        "seconds": (seconds * 1000.0).round() / 1000.0,
    })
}

/// A replica's name in crawl leases: `HOSTNAME-PID-RANDOM`.
fn owner_id(env: &seawall_core::Environment) -> String {
    let host = env
        .hostname
        .as_ref()
        .and_then(|h| h.to_str())
        .filter(|h| !h.is_empty())
        .unwrap_or("serve")
        .chars()
        .take(64)
        .collect::<String>();
    let mut r = [0u8; 4];
    let _ = getrandom::fill(&mut r);
    format!("{host}-{}-{}", std::process::id(), hex::encode(r))
}

/// Runs due crawls for as long as the server runs (spawned by [`crate::serve`]).
#[expect(clippy::print_stderr, reason = "the server's log is its stderr")]
pub async fn run_crawler(state: Arc<AppState>) {
    let owner = owner_id(&state.config.env);
    loop {
        match state.store.claim_crawl(&owner, LEASE_SECONDS).await {
            Ok(Some(claimed)) => {
                run_one(&state, &owner, claimed).await;
                continue;
            }
            Ok(None) => {}
            Err(e) => eprintln!("seawall serve: crawl: cannot claim: {e}"),
        }
        tokio::time::sleep(POLL).await;
    }
}

#[expect(clippy::print_stderr, reason = "the server's log is its stderr")]
async fn run_one(state: &AppState, owner: &str, claimed: ClaimedCrawl) {
    let t0 = Instant::now();
    let finish = async |error: Option<String>, stats: serde_json::Value| {
        if let Err(e) = state.store.finish_crawl(claimed.id, owner, error.as_deref(), &stats).await {
            eprintln!("seawall serve: crawl of {}: cannot record the end: {e}", claimed.registry);
        }
    };
    let credentials = match (&claimed.sealed_credentials, &state.config.secret_key) {
        (None, _) => None,
        (Some(_), None) => {
            let msg = "credentials are stored but this server has no --secret-key-file to open them";
            eprintln!("seawall serve: crawl of {}: {msg}", claimed.registry);
            return finish(Some(msg.into()), serde_json::json!({})).await;
        }
        (Some(sealed), Some(key)) => {
            let ctx = seawall_store::crawl_credentials_context(claimed.project_id, &claimed.registry);
            match key.open(sealed, &ctx).ok().and_then(|p| serde_json::from_slice::<Credentials>(&p).ok()) {
                Some(c) => Some(c),
                None => {
                    let msg = "stored credentials do not open with this server's key";
                    return finish(Some(msg.into()), serde_json::json!({})).await;
                }
            }
        }
    };
    let selector = match Selector::new(&claimed.include, &claimed.exclude) {
        Ok(s) => s,
        Err(e) => return finish(Some(e), serde_json::json!({})).await,
    };
    let target = CrawlTarget {
        registry: claimed.registry.clone(),
        insecure: claimed.insecure,
        credentials: credentials.clone(),
        rate_limit: claimed.rate_limit,
        selector,
        max_tags: usize::try_from(claimed.max_tags).unwrap_or(1000),
    };
    // The crawl, with its lease renewed every third of it.
    let work = crawl(&target);
    tokio::pin!(work);
    let mut renew = tokio::time::interval(Duration::from_secs_f64(LEASE_SECONDS / 3.0));
    renew.tick().await;
    let outcome = loop {
        tokio::select! {
            o = &mut work => break o,
            _ = renew.tick() => {
                if let Ok(false) = state.store.renew_crawl(claimed.id, owner, LEASE_SECONDS).await {
                    eprintln!("seawall serve: crawl of {}: lease lost; abandoned", claimed.registry);
                    return;
                }
            }
        }
    };
    let (queued, known, rejected) = match enqueue_found(state, &claimed, credentials.as_ref(), &outcome).await
    {
        Ok(n) => n,
        Err(e) => {
            let s = stats(&outcome, 0, 0, 0, t0.elapsed().as_secs_f64());
            return finish(Some(format!("queueing the digests found failed: {e}")), s).await;
        }
    };
    let seconds = t0.elapsed().as_secs_f64();
    let s = stats(&outcome, queued, known, rejected, seconds);
    eprintln!(
        "seawall serve: crawl of {} (project {}): {} repositories, {} tags, {queued} queued, {known} known, {} requests in {seconds:.2} s, {} throttled, {} errors",
        claimed.registry,
        claimed.project_id,
        outcome.repositories_crawled,
        outcome.tags,
        outcome.requests,
        outcome.throttled,
        outcome.errors.len()
    );
    for e in outcome.errors.iter().take(20) {
        eprintln!("seawall serve: crawl of {}: {e}", claimed.registry);
    }
    let error = match outcome.errors.len() {
        0 => None,
        1 => outcome.errors.first().cloned(),
        n => outcome.errors.first().map(|e| format!("{e} (and {} more errors)", n - 1)),
    };
    finish(error, s).await;
}

/// Queues a digest-pinned scan for each digest found that the project has no result or live job
/// for; returns (queued, already known, rejected).
#[expect(clippy::print_stderr, reason = "the server's log is its stderr")]
async fn enqueue_found(
    state: &AppState,
    claimed: &ClaimedCrawl,
    credentials: Option<&Credentials>,
    outcome: &CrawlOutcome,
) -> Result<(usize, usize, usize), seawall_store::StoreError> {
    let mut found: Vec<(String, String)> = Vec::new();
    let mut rejected = 0;
    for f in &outcome.found {
        if found.iter().any(|(d, _)| *d == f.digest) {
            continue;
        }
        let reference = format!("{}/{}@{}", claimed.registry, f.repository, f.digest);
        match validate::validate_reference(&reference, &state.config.allowed_registries) {
            Ok(v) => found.push((f.digest.clone(), v.reference)),
            Err(e) => {
                rejected += 1;
                state.metrics.integration("crawl", "refused");
                eprintln!("seawall serve: crawl of {}: {reference} refused: {e}", claimed.registry);
            }
        }
    }
    let to_queue = state.store.crawl_digests_to_queue(claimed.id, claimed.project_id, &found).await?;
    let mut queued = 0;
    for (digest, reference) in found.iter().filter(|(d, _)| to_queue.contains(d)) {
        let sealed = match (credentials, &state.config.secret_key) {
            (Some(c), Some(key)) => {
                let plain =
                    serde_json::to_vec(c).map_err(|e| seawall_store::StoreError::Crypto(e.to_string()))?;
                let ctx = seawall_store::secret::credentials_context(claimed.project_id, reference);
                Some(key.seal(&plain, &ctx)?)
            }
            _ => None,
        };
        let job = NewJob {
            project_id: claimed.project_id,
            reference: reference.clone(),
            pinned_digest: Some(digest.clone()),
            platform: None,
            insecure: claimed.insecure,
            sealed_credentials: sealed,
            max_attempts: state.config.max_attempts,
        };
        let e = state.store.enqueue(&job).await?;
        state.metrics.integration("crawl", if e.deduplicated { "deduplicated" } else { "queued" });
        state.store.crawl_digest_queued(claimed.id, digest, e.id).await?;
        queued += 1;
    }
    Ok((queued, found.len() - queued, rejected))
}

// ---- the API ----

/// `PUT /api/v1/crawls/{registry}`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CrawlRequest {
    /// Plain HTTP to a loopback registry; elsewhere TLS without certificate verification.
    #[serde(default)]
    pub insecure: bool,
    /// Seconds between the end of a crawl and the next (10 – 604800, default 3600).
    #[serde(default)]
    pub interval_seconds: Option<i32>,
    /// Requests per second to the registry (0.1 – 100, default 5).
    #[serde(default)]
    pub rate_limit: Option<f64>,
    /// Repository globs to crawl (default all); `*` stays within a path component, `**` crosses them.
    #[serde(default)]
    pub include: Vec<String>,
    /// Repository globs to skip.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Most tags resolved per repository (1 – 10000, default 1000).
    #[serde(default)]
    pub max_tags: Option<i32>,
    /// Registry credentials (sealed with the server key; also sent, sealed, with the jobs queued).
    #[serde(default)]
    #[schema(value_type = Option<crate::api::CredentialsSchema>)]
    pub credentials: Option<Credentials>,
}

fn registry_param(registry: &str, allowed: &[String]) -> Result<String, ApiError> {
    let r = registry.to_ascii_lowercase();
    let ok = !r.is_empty()
        && r.len() <= 255
        && r.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b".-:[]".contains(&b))
        && (r.contains('.') || r.contains(':') || r == "localhost");
    if !ok {
        return Err(ApiError::bad_request(
            "invalid registry: host[:port] (a host name with a dot or a port, or localhost)",
        ));
    }
    validate::validate_reference(&format!("{r}/x:y"), allowed)
        .map_err(|e| ApiError::bad_request(format!("invalid registry: {e}")))?;
    Ok(r)
}

#[utoipa::path(put, path = "/api/v1/crawls/{registry}", tag = "scans", request_body = CrawlRequest,
    params(("registry" = String, Path, description = "host[:port] of the registry")),
    responses(
        (status = 204, description = "Stored; the first crawl is due at once, then every interval_seconds"),
        (status = 400, description = "Invalid registry, glob, interval, rate limit or credentials", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn put_crawl(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(registry): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let registry = registry_param(&registry, &state.config.allowed_registries)?;
    let req: CrawlRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid crawl request: {e}")))?;
    let interval = req.interval_seconds.unwrap_or(3600);
    if !(10..=604_800).contains(&interval) {
        return Err(ApiError::bad_request("interval_seconds: 10 to 604800"));
    }
    let rate = req.rate_limit.unwrap_or(5.0);
    if !rate.is_finite() || !(0.1..=100.0).contains(&rate) {
        return Err(ApiError::bad_request("rate_limit: 0.1 to 100 requests per second"));
    }
    let max_tags = req.max_tags.unwrap_or(1000);
    if !(1..=10_000).contains(&max_tags) {
        return Err(ApiError::bad_request("max_tags: 1 to 10000"));
    }
    for globs in [&req.include, &req.exclude] {
        if globs.len() > 100 || globs.iter().any(|g| g.is_empty() || g.len() > 256) {
            return Err(ApiError::bad_request("include/exclude: at most 100 globs of 1 to 256 bytes"));
        }
    }
    Selector::new(&req.include, &req.exclude).map_err(ApiError::bad_request)?;
    let sealed = match &req.credentials {
        None => None,
        Some(c) => {
            if c.username.len() > 4096 || c.password.len() > 4096 {
                return Err(ApiError::bad_request("credentials longer than 4096 bytes"));
            }
            let Some(key) = &state.config.secret_key else {
                return Err(ApiError::bad_request(
                    "this server has no --secret-key-file, so it cannot accept registry credentials \
                     (they are never stored in plaintext)",
                ));
            };
            let plain = serde_json::to_vec(c)
                .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            Some(key.seal(&plain, &seawall_store::crawl_credentials_context(who.project_id, &registry))?)
        }
    };
    state
        .store
        .put_crawl(&NewCrawl {
            project_id: who.project_id,
            registry,
            insecure: req.insecure,
            sealed_credentials: sealed,
            interval_seconds: interval,
            rate_limit: rate,
            include: req.include,
            exclude: req.exclude,
            max_tags,
        })
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/crawls", tag = "scans",
    responses(
        (status = 200, description = "The project's crawls with the figures of their latest run (never the credentials)", body = Vec<CrawlView>),
        (status = 401, description = "No valid token", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn list_crawls(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
) -> Result<Json<Vec<CrawlView>>, ApiError> {
    Ok(Json(state.store.crawls(who.project_id).await?))
}

#[utoipa::path(delete, path = "/api/v1/crawls/{registry}", tag = "scans",
    params(("registry" = String, Path, description = "host[:port] of the registry")),
    responses(
        (status = 204, description = "Deleted (jobs already queued stay queued)"),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No crawl of this registry in the project", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn delete_crawl(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(registry): Path<String>,
) -> Result<Response, ApiError> {
    let registry = registry.to_ascii_lowercase();
    if state.store.delete_crawl(who.project_id, &registry).await? {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(ApiError::not_found("crawl"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::extract::Request;
    use std::sync::Mutex;

    /// A registry in-process: paged catalog and tag lists (`page` entries per page whatever `n`
    /// asks), manifests answered to `HEAD` with their digest, optional bearer-token authentication,
    /// optional `429` on the first catalog request. Every request is recorded with its arrival time.
    #[derive(Default)]
    struct Fake {
        repos: Vec<(String, Vec<String>)>,
        page: usize,
        bearer: bool,
        throttle_first_catalog: bool,
        log: Mutex<Vec<(Instant, String, String)>>,
        addr: Mutex<String>,
    }

    fn digest_of(repo: &str, tag: &str) -> String {
        format!("sha256:{}", hex::encode(Sha256::digest(format!("{repo}:{tag}"))))
    }

    fn page_of(all: &[String], last: Option<&str>, size: usize) -> (Vec<String>, Option<String>) {
        let start = last.map_or(0, |l| all.iter().position(|x| x == l).map_or(all.len(), |i| i + 1));
        let items: Vec<String> = all.iter().skip(start).take(size).cloned().collect();
        let more = start + size < all.len();
        (items.clone(), if more { items.last().cloned() } else { None })
    }

    async fn handle(State(f): State<Arc<Fake>>, req: Request) -> Response {
        let path = req.uri().path().to_string();
        let query: HashMap<String, String> = req.uri().query().map(url_pairs).unwrap_or_default();
        let first_catalog = {
            let mut log = f.log.lock().unwrap();
            let first = !log.iter().any(|(_, _, p)| p == "/v2/_catalog");
            log.push((Instant::now(), req.method().to_string(), path.clone()));
            first
        };
        let auth = req.headers().get(AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        if path == "/token" {
            if auth != format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("u:p")) {
                return StatusCode::UNAUTHORIZED.into_response();
            }
            let scope = query.get("scope").cloned().unwrap_or_default();
            return Json(serde_json::json!({"token": format!("tok-{scope}")})).into_response();
        }
        if path == "/v2/_catalog" && f.throttle_first_catalog && first_catalog {
            return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")]).into_response();
        }
        if f.bearer {
            let scope = scope_of(&path);
            if auth != format!("Bearer tok-{scope}") {
                let addr = f.addr.lock().unwrap().clone();
                let challenge =
                    format!(r#"Bearer realm="http://{addr}/token",service="fake",scope="{scope}""#);
                return (StatusCode::UNAUTHORIZED, [("www-authenticate", challenge)]).into_response();
            }
        }
        let last = query.get("last").map(String::as_str);
        if path == "/v2/_catalog" {
            let all: Vec<String> = f.repos.iter().map(|(r, _)| r.clone()).collect();
            let (items, next) = page_of(&all, last, f.page);
            let mut resp = Json(serde_json::json!({"repositories": items})).into_response();
            if let Some(n) = next {
                let link = format!(r#"</v2/_catalog?n={}&last={n}>; rel="next""#, f.page);
                resp.headers_mut().insert("link", link.parse().unwrap());
            }
            return resp;
        }
        let rest = path.trim_start_matches("/v2/");
        if let Some(repo) = rest.strip_suffix("/tags/list") {
            let Some((_, tags)) = f.repos.iter().find(|(r, _)| r == repo) else {
                return StatusCode::NOT_FOUND.into_response();
            };
            let (items, next) = page_of(tags, last, f.page);
            let mut resp = Json(serde_json::json!({"name": repo, "tags": items})).into_response();
            if let Some(n) = next {
                let link = format!(
                    r#"<http://{}/v2/{repo}/tags/list?n={}&last={n}>; rel="next""#,
                    f.addr.lock().unwrap(),
                    f.page
                );
                resp.headers_mut().insert("link", link.parse().unwrap());
            }
            return resp;
        }
        if let Some((repo, tag)) = rest.split_once("/manifests/") {
            let accept = req.headers().get(ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
            assert!(accept.contains("application/vnd.oci.image.manifest.v1+json"), "{accept}");
            assert!(accept.contains("application/vnd.docker.distribution.manifest.v2+json"), "{accept}");
            if repo == "nohdr" {
                // No digest header: the crawler hashes the manifest it GETs.
                return (
                    [("content-type", "application/vnd.oci.image.manifest.v1+json")],
                    format!("{repo}:{tag}"),
                )
                    .into_response();
            }
            return (
                [
                    ("content-type", "application/vnd.docker.distribution.manifest.v2+json".to_string()),
                    ("docker-content-digest", digest_of(repo, tag)),
                ],
                "",
            )
                .into_response();
        }
        StatusCode::NOT_FOUND.into_response()
    }

    fn url_pairs(q: &str) -> HashMap<String, String> {
        Url::parse(&format!("http://x/?{q}"))
            .map(|u| u.query_pairs().into_owned().collect())
            .unwrap_or_default()
    }

    async fn start(fake: Fake) -> (Arc<Fake>, String) {
        let f = Arc::new(fake);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        *f.addr.lock().unwrap() = addr.clone();
        let app = axum::Router::new().fallback(handle).with_state(f.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        (f, addr)
    }

    fn tags(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("v{i}")).collect()
    }

    fn target(addr: &str, rate: f64, include: &[&str], exclude: &[&str]) -> CrawlTarget {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        CrawlTarget {
            registry: addr.to_string(),
            insecure: true,
            credentials: None,
            rate_limit: rate,
            selector: Selector::new(&s(include), &s(exclude)).unwrap(),
            max_tags: 1000,
        }
    }

    #[tokio::test]
    async fn pages_catalog_and_tags_through_link_headers_and_resolves_each_tag() {
        let repos = ["a/one", "a/two", "a/x/nested", "b/three", "c/deep/four", "nohdr"];
        let (f, addr) = start(Fake {
            repos: repos.iter().map(|r| (r.to_string(), tags(5))).collect(),
            page: 2,
            ..Fake::default()
        })
        .await;
        let out = crawl(&target(&addr, 1000.0, &["a/*", "c/**", "nohdr"], &["a/two"])).await;
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert!(!out.failed);
        assert_eq!(out.repositories_listed, 6);
        // a/* does not reach a/x/nested; a/two is excluded; b/three is not included.
        assert_eq!(out.repositories_crawled, 3);
        assert_eq!(out.tags, 15);
        assert_eq!(out.found.len(), 15);
        for fd in &out.found {
            assert!(["a/one", "c/deep/four", "nohdr"].contains(&fd.repository.as_str()), "{fd:?}");
            let want = if fd.repository == "nohdr" {
                format!("sha256:{}", hex::encode(Sha256::digest(format!("nohdr:{}", fd.tag))))
            } else {
                digest_of(&fd.repository, &fd.tag)
            };
            assert_eq!(fd.digest, want);
        }
        let log = f.log.lock().unwrap();
        // 3 catalog pages, 3 tag pages for each of 3 repositories, a HEAD per tag and a GET per
        // tag of the repository without a digest header.
        assert_eq!(log.iter().filter(|(_, _, p)| p == "/v2/_catalog").count(), 3);
        assert_eq!(log.iter().filter(|(_, _, p)| p.ends_with("/tags/list")).count(), 9);
        assert_eq!(log.iter().filter(|(_, m, _)| m == "HEAD").count(), 15);
        assert_eq!(out.requests as usize, log.len());
        assert_eq!(log.len(), 3 + 9 + 15 + 5);
    }

    #[tokio::test]
    async fn max_tags_truncates_a_repository() {
        let (_f, addr) =
            start(Fake { repos: vec![("big".into(), tags(7))], page: 3, ..Fake::default() }).await;
        let mut t = target(&addr, 1000.0, &[], &[]);
        t.max_tags = 4;
        let out = crawl(&t).await;
        assert_eq!(out.found.len(), 4);
        assert_eq!(out.truncated, vec!["big".to_string()]);
    }

    #[tokio::test]
    async fn the_rate_limit_spaces_every_request() {
        let (f, addr) = start(Fake {
            repos: (0..4).map(|i| (format!("r{i}"), tags(3))).collect(),
            page: 2,
            ..Fake::default()
        })
        .await;
        let rate = 20.0;
        let out = crawl(&target(&addr, rate, &[], &[])).await;
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        let log = f.log.lock().unwrap();
        assert!(log.len() >= 20, "{}", log.len());
        let times: Vec<Instant> = log.iter().map(|(t, _, _)| *t).collect();
        let min_gap = times.windows(2).map(|w| w[1] - w[0]).min().unwrap();
        // 50 ms apart at the client; arrival times may jitter by a few milliseconds.
        assert!(min_gap >= Duration::from_millis(40), "requests {min_gap:?} apart");
        let span = (times[times.len() - 1] - times[0]).as_secs_f64();
        let observed = (times.len() - 1) as f64 / span;
        assert!(observed <= rate * 1.05, "{observed:.2} requests/s with a limit of {rate}");
        // The limit is the pace, not a cap far below it.
        assert!(observed >= rate * 0.7, "{observed:.2} requests/s with a limit of {rate}");
    }

    #[tokio::test]
    async fn a_429_is_retried_after_retry_after_and_holds_back_the_next_requests() {
        let (f, addr) = start(Fake {
            repos: vec![("one".into(), tags(2))],
            page: 10,
            throttle_first_catalog: true,
            ..Fake::default()
        })
        .await;
        let out = crawl(&target(&addr, 100.0, &[], &[])).await;
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.throttled, 1);
        assert_eq!(out.found.len(), 2);
        let log = f.log.lock().unwrap();
        let catalog: Vec<Instant> =
            log.iter().filter(|(_, _, p)| p == "/v2/_catalog").map(|(t, _, _)| *t).collect();
        assert_eq!(catalog.len(), 2);
        let waited = catalog[1] - catalog[0];
        assert!(waited >= Duration::from_millis(950), "retried after {waited:?}, Retry-After was 1 s");
    }

    #[tokio::test]
    async fn bearer_tokens_per_scope_with_the_configured_credentials() {
        let (f, addr) = start(Fake {
            repos: vec![("team/app".into(), tags(3))],
            page: 2,
            bearer: true,
            ..Fake::default()
        })
        .await;
        let mut t = target(&addr, 1000.0, &[], &[]);
        let out = crawl(&t).await;
        assert!(out.failed, "no credentials: the token endpoint refuses");
        t.credentials = Some(Credentials { username: "u".into(), password: "p".into() });
        let out = crawl(&t).await;
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.found.len(), 3);
        assert_eq!(out.found[0].digest, digest_of("team/app", "v0"));
        let log = f.log.lock().unwrap();
        // One token per scope: the catalog's and the repository's.
        let tokens = log.iter().filter(|(_, _, p)| p == "/token").count();
        assert_eq!(tokens, 1 + 2, "one refused token request, then one per scope");
    }

    #[tokio::test]
    async fn an_unreachable_registry_fails_the_crawl() {
        let out = crawl(&target("127.0.0.1:1", 1000.0, &[], &[])).await;
        assert!(out.failed);
        assert!(out.errors[0].contains("catalog"), "{:?}", out.errors);
    }

    #[test]
    fn link_headers() {
        let cur = Url::parse("http://127.0.0.1:5000/v2/_catalog?n=100").unwrap();
        let n = next_link(r#"</v2/_catalog?last=b&n=100>; rel="next""#, &cur).unwrap();
        assert_eq!(n.as_str(), "http://127.0.0.1:5000/v2/_catalog?last=b&n=100");
        let n = next_link(r#"<http://127.0.0.1:5000/v2/x/tags/list?last=v>; rel=next"#, &cur).unwrap();
        assert_eq!(n.path(), "/v2/x/tags/list");
        assert!(next_link(r#"</v2/_catalog?last=b>; rel="prev""#, &cur).is_none());
        assert!(next_link(r#"<http://evil.example/v2/_catalog>; rel="next""#, &cur).is_none());
        assert!(next_link(r#"<https://127.0.0.1:5000/v2/_catalog>; rel="next""#, &cur).is_none());
        assert!(next_link(r#"<http://127.0.0.1:5001/v2/_catalog>; rel="next""#, &cur).is_none());
        assert!(next_link("garbage", &cur).is_none());
        assert!(next_link(r#">< ; rel="next""#, &cur).is_none());
    }

    #[test]
    fn retry_after_values() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0 "), Some(Duration::ZERO));
        let later = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(30);
        let date = jiff::fmt::rfc2822::DateTimePrinter::new().timestamp_to_rfc9110_string(&later).unwrap();
        let d = parse_retry_after(&date).unwrap();
        assert!(d > Duration::from_secs(27) && d <= Duration::from_secs(30), "{date}: {d:?}");
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
    }

    #[test]
    fn globs_and_scopes() {
        let s = Selector::new(&["ml/*".into(), "base/**".into()], &["ml/tmp-*".into()]).unwrap();
        assert!(s.takes("ml/app"));
        assert!(!s.takes("ml/tmp-1"));
        assert!(!s.takes("ml/a/b"));
        assert!(s.takes("base/a/b"));
        assert!(!s.takes("other"));
        assert!(Selector::new(&[], &[]).unwrap().takes("anything/at/all"));
        assert!(Selector::new(&["a[".into()], &[]).is_err());
        assert_eq!(scope_of("/v2/_catalog"), "registry:catalog:*");
        assert_eq!(scope_of("/v2/a/b/tags/list"), "repository:a/b:pull");
        assert_eq!(scope_of("/v2/a/manifests/v1"), "repository:a:pull");
        assert!(valid_repository("a/b-c.d_e"));
        assert!(!valid_repository("a//b"));
        assert!(!valid_repository("../x"));
        assert!(!valid_repository("A"));
        assert!(!valid_tag("v1/x"));
    }
}
