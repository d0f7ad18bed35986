//! # seawall-server — `seawall serve`, the fleet REST API
//!
//! An axum application over [`seawall_store::Store`]: clients submit registry images to scan, poll
//! the job, and read the image's report in any seawall format; fleet queries answer "which images
//! contain package X in range R", "which images does advisory Y affect" and filtered findings; CI
//! uploads reports made elsewhere. Workers (`seawall-worker`) do the scanning; the server never reads
//! an image itself.
//!
//! * [`ServerConfig`] / [`serve`] — listen, graceful shutdown on SIGINT/SIGTERM.
//! * [`router`] — the routes (also for in-process tests): `/api/v1/…`, `/healthz`, `/readyz`,
//!   `/metrics`, `/api/v1/openapi.json` ([`openapi::ApiDoc`], generated with utoipa).
//! * Security: every route but `/healthz` needs a project bearer token (`/metrics` too unless
//!   `public_metrics`); unknown and revoked tokens get 401, other projects' objects 404; bodies are
//!   bounded (413); references, digests and every query parameter are validated ([`validate`]) and
//!   reach SQL only as parameters.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let store = seawall_store::Store::connect("postgres://seawall@127.0.0.1/seawall", 16)?;
//! let config = seawall_server::ServerConfig::new("127.0.0.1:8443".parse()?);
//! seawall_server::serve(config, store).await?;
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod agents;
pub mod api;
pub mod crawl;
pub mod dashboard;
pub mod dashboard_html;
pub mod events;
pub mod harbor;
pub mod integrations;
pub mod metrics;
pub mod openapi;
pub mod validate;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use seawall_store::{SecretKey, Store};

use crate::api::ApiError;
use crate::metrics::Metrics;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on.
    pub listen: SocketAddr,
    /// Serve `/metrics` without a token (for a scraper on a private network).
    pub public_metrics: bool,
    /// Largest uploaded report in bytes.
    pub max_upload_bytes: usize,
    /// Seals registry credentials of submissions; without it, submissions with credentials get 400.
    pub secret_key: Option<SecretKey>,
    /// Registries the fleet may pull from (`host[:port]`); empty = any.
    pub allowed_registries: Vec<String>,
    /// Attempts per job before it fails.
    pub max_attempts: i32,
    /// The environment the server was started in (`SOURCE_DATE_EPOCH` fixes the creation time of the
    /// SBOMs it renders); empty by default.
    pub env: seawall_core::Environment,
    /// Run due registry crawls in this process ([`crawl::run_crawler`]).
    pub crawl: bool,
}

impl ServerConfig {
    /// Defaults: token-protected metrics, 64 MiB uploads, no key, any registry, 3 attempts, crawls on.
    pub fn new(listen: SocketAddr) -> Self {
        ServerConfig {
            listen,
            public_metrics: false,
            max_upload_bytes: 64 << 20,
            secret_key: None,
            allowed_registries: Vec::new(),
            max_attempts: 3,
            env: seawall_core::Environment::default(),
            crawl: true,
        }
    }
}

/// Shared state of the handlers.
pub struct AppState {
    /// The database.
    pub store: Store,
    /// Metrics.
    pub metrics: Metrics,
    /// Configuration.
    pub config: ServerConfig,
}

/// Errors of [`serve`].
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        #[source]
        source: std::io::Error,
    },
    /// The server stopped with an I/O error.
    #[error("server error: {0}")]
    Io(#[from] std::io::Error),
}

/// The bearer token of a request, if well-formed.
fn bearer(req: &Request) -> Option<&str> {
    let v = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

async fn require_token(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    let Some(token) = bearer(&req) else {
        state.metrics.auth_failures.inc();
        return ApiError::new(StatusCode::UNAUTHORIZED, "missing bearer token (Authorization: Bearer TOKEN)")
            .into_response();
    };
    match state.store.authenticate(token).await {
        Ok(Some(p)) => {
            req.extensions_mut().insert(p);
            next.run(req).await
        }
        Ok(None) => {
            state.metrics.auth_failures.inc();
            ApiError::new(StatusCode::UNAUTHORIZED, "invalid or revoked token").into_response()
        }
        Err(e) => ApiError::from(e).into_response(),
    }
}

async fn track(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map_or("unmatched", |m| m.as_str()).to_string();
    let method = req.method().as_str().to_string();
    let t0 = Instant::now();
    let resp = next.run(req).await;
    state
        .metrics
        .requests
        .get_or_create(&vec![
            ("method".into(), method),
            ("route".into(), route.clone()),
            ("status".into(), resp.status().as_u16().to_string()),
        ])
        .inc();
    state
        .metrics
        .request_seconds
        .get_or_create(&vec![("route".into(), route)])
        .observe(t0.elapsed().as_secs_f64());
    resp
}

/// The application's routes.
pub fn router(state: Arc<AppState>) -> Router {
    let auth = middleware::from_fn_with_state(state.clone(), require_token);
    let upload_limit = state.config.max_upload_bytes;
    let api = Router::new()
        .route(
            "/api/v1/scans",
            post(api::submit_scan).layer(DefaultBodyLimit::max(api::MAX_SCAN_REQUEST_BYTES)),
        )
        .route("/api/v1/scans/{id}", get(api::get_scan))
        .route("/api/v1/images", get(api::list_images))
        .route("/api/v1/images/{digest}", get(api::get_image))
        .route("/api/v1/images/{digest}/report", get(api::get_report))
        .route("/api/v1/packages", get(api::packages))
        .route("/api/v1/advisories/{id}/images", get(api::advisory_images))
        .route("/api/v1/findings", get(api::findings))
        .route("/api/v1/reports", post(api::upload_report).layer(DefaultBodyLimit::max(upload_limit)))
        .route(
            "/api/v1/registry-events",
            post(integrations::registry_events).layer(DefaultBodyLimit::max(events::MAX_EVENTS_BODY_BYTES)),
        )
        .route(
            "/api/v1/webhook",
            axum::routing::put(integrations::set_webhook).layer(DefaultBodyLimit::max(16 * 1024)),
        )
        .route("/api/v1/advisories/{id}/exposure", get(integrations::exposure))
        .route(
            "/api/v1/agents/report",
            post(agents::report).layer(DefaultBodyLimit::max(agents::MAX_REPORT_BYTES)),
        )
        .route("/api/v1/hosts", get(agents::hosts))
        .route("/api/v1/alerts", get(agents::alerts))
        .route("/api/v1/crawls", get(crawl::list_crawls))
        .route(
            "/api/v1/crawls/{registry}",
            axum::routing::put(crawl::put_crawl)
                .delete(crawl::delete_crawl)
                .layer(DefaultBodyLimit::max(64 * 1024)),
        )
        .route("/harbor/api/v1/metadata", get(integrations::harbor_metadata))
        .route(
            "/harbor/api/v1/scan",
            post(integrations::harbor_scan).layer(DefaultBodyLimit::max(api::MAX_SCAN_REQUEST_BYTES)),
        )
        .route("/harbor/api/v1/scan/{id}/report", get(integrations::harbor_report))
        .route("/api/v1/workers", get(api::workers))
        .route("/api/v1/openapi.json", get(api::openapi))
        .route("/readyz", get(api::readyz))
        .fallback(api::not_found)
        .layer(auth.clone());
    let metrics = Router::new().route("/metrics", get(api::metrics));
    let metrics = if state.config.public_metrics { metrics } else { metrics.layer(auth) };
    Router::new()
        .route("/healthz", get(api::healthz))
        .merge(metrics)
        .merge(dashboard::routes())
        .merge(api)
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

/// Serves until SIGINT or SIGTERM; in-flight requests finish first.
pub async fn serve(config: ServerConfig, store: Store) -> Result<(), ServeError> {
    let addr = config.listen;
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|source| ServeError::Bind { addr, source })?;
    let state = Arc::new(AppState { store, metrics: Metrics::new(), config });
    let crawler = state.config.crawl.then(|| tokio::spawn(crawl::run_crawler(state.clone())));
    let served = axum::serve(listener, router(state)).with_graceful_shutdown(shutdown_signal()).await;
    if let Some(c) = crawler {
        c.abort();
    }
    served?;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use tower::ServiceExt as _;

    /// A router over a database that does not exist: every check that comes before the database
    /// (authentication headers, body limits, the OpenAPI document) is testable without PostgreSQL.
    fn app() -> Router {
        let store = Store::connect("postgres://nobody@127.0.0.1:1/none?connect_timeout=1", 1).unwrap();
        router(Arc::new(AppState {
            store,
            metrics: Metrics::new(),
            config: ServerConfig::new(([127, 0, 0, 1], 0).into()),
        }))
    }

    async fn status(method: &str, uri: &str, auth: Option<&str>, body: Vec<u8>) -> StatusCode {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(a) = auth {
            b = b.header(header::AUTHORIZATION, a);
        }
        app().oneshot(b.body(Body::from(body)).unwrap()).await.unwrap().status()
    }

    #[tokio::test]
    async fn every_route_but_healthz_needs_a_token() {
        assert_eq!(status("GET", "/healthz", None, vec![]).await, StatusCode::OK);
        for (m, uri) in [
            ("POST", "/api/v1/scans"),
            ("GET", "/api/v1/scans/00000000-0000-0000-0000-000000000000"),
            ("GET", "/api/v1/images"),
            ("GET", "/api/v1/images/sha256:00/report"),
            ("GET", "/api/v1/packages?name=x"),
            ("GET", "/api/v1/advisories/CVE-1/images"),
            ("GET", "/api/v1/findings"),
            ("POST", "/api/v1/reports"),
            ("GET", "/api/v1/workers"),
            ("POST", "/api/v1/registry-events"),
            ("PUT", "/api/v1/webhook"),
            ("GET", "/api/v1/advisories/CVE-1/exposure"),
            ("POST", "/api/v1/agents/report"),
            ("GET", "/api/v1/hosts"),
            ("GET", "/api/v1/alerts"),
            ("GET", "/api/v1/crawls"),
            ("PUT", "/api/v1/crawls/127.0.0.1:5000"),
            ("DELETE", "/api/v1/crawls/127.0.0.1:5000"),
            ("GET", "/harbor/api/v1/metadata"),
            ("POST", "/harbor/api/v1/scan"),
            ("GET", "/harbor/api/v1/scan/00000000-0000-0000-0000-000000000000/report"),
            ("GET", "/api/v1/openapi.json"),
            ("GET", "/readyz"),
            ("GET", "/metrics"),
            ("GET", "/no/such/route"),
        ] {
            assert_eq!(status(m, uri, None, vec![]).await, StatusCode::UNAUTHORIZED, "{m} {uri}");
            assert_eq!(
                status(m, uri, Some("Basic dTpw"), vec![]).await,
                StatusCode::UNAUTHORIZED,
                "{m} {uri}"
            );
            // A malformed token is refused before any database lookup.
            assert_eq!(
                status(m, uri, Some("Bearer nope"), vec![]).await,
                StatusCode::UNAUTHORIZED,
                "{m} {uri}"
            );
        }
    }

    #[test]
    fn openapi_document_lists_every_route() {
        use utoipa::OpenApi as _;
        let json = openapi::ApiDoc::openapi().to_json().unwrap();
        let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        for p in [
            "/api/v1/scans",
            "/api/v1/scans/{id}",
            "/api/v1/images",
            "/api/v1/images/{digest}",
            "/api/v1/images/{digest}/report",
            "/api/v1/packages",
            "/api/v1/advisories/{id}/images",
            "/api/v1/findings",
            "/api/v1/reports",
            "/api/v1/registry-events",
            "/api/v1/webhook",
            "/api/v1/advisories/{id}/exposure",
            "/api/v1/agents/report",
            "/api/v1/hosts",
            "/api/v1/alerts",
            "/api/v1/crawls",
            "/api/v1/crawls/{registry}",
            "/healthz",
            "/readyz",
            "/metrics",
        ] {
            assert!(paths.contains_key(p), "{p} missing from the OpenAPI document");
        }
        assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    }

    #[test]
    fn upload_keys() {
        let mut r =
            seawall_core::Report::new(seawall_core::Target::new(seawall_core::TargetKind::Filesystem, "."));
        assert!(api::upload_key(&r).starts_with("target:"));
        let d = format!("sha256:{}", "b".repeat(64));
        r.target.digest = Some(d.clone());
        assert_eq!(api::upload_key(&r), d);
        r.target.digest = Some("sha256:../../x".into());
        assert!(api::upload_key(&r).starts_with("target:"));
    }
}
