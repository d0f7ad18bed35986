//! The handlers of `/api/v1`, `/healthz`, `/readyz` and `/metrics`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use seawall_core::Report;
use seawall_store::{
    Credentials, Enqueued, FindingFilter, FindingRow, ImageSummary, JobView, NewJob, NewResult, Origin,
    PackageHit, Page, Principal, StoreError, WorkerInfo,
};

use crate::AppState;
use crate::validate;

/// The JSON body of every error response.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong, and what to do about it.
    pub error: String,
}

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    message: String,
}

impl ApiError {
    pub(crate) fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError { status, message: message.into() }
    }
    pub(crate) fn bad_request(message: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, message)
    }
    pub(crate) fn not_found(what: &str) -> Self {
        ApiError::new(StatusCode::NOT_FOUND, format!("{what} not found"))
    }
    /// The status and message.
    pub(crate) fn parts(self) -> (StatusCode, String) {
        (self.status, self.message)
    }
}

impl From<StoreError> for ApiError {
    #[expect(
        clippy::print_stderr,
        reason = "the server's log is its stderr; the client gets a generic message"
    )]
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::Invalid(m) => ApiError::bad_request(m.clone()),
            e if e.is_transient() => {
                eprintln!("seawall serve: database unavailable: {e}");
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "the database is unavailable; retry later")
            }
            e => {
                eprintln!("seawall serve: internal error: {e}");
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal error (see the server log)")
            }
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(e: QueryRejection) -> Self {
        ApiError::bad_request(format!("invalid query string: {}", e.body_text()))
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (self.status, Json(ErrorBody { error: self.message })).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"seawall\""));
        }
        r
    }
}

type ApiResult<T> = Result<T, ApiError>;

/// A JSON response with a strong ETag (SHA-256 of the body); `304` when `If-None-Match` matches.
fn json_etag<T: Serialize>(headers: &HeaderMap, value: &T) -> ApiResult<Response> {
    let body = serde_json::to_vec(value).map_err(|e| {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, format!("cannot encode the response: {e}"))
    })?;
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&body))[..32]);
    Ok(with_etag(headers, etag, "application/json", body))
}

fn with_etag(headers: &HeaderMap, etag: String, content_type: &'static str, body: Vec<u8>) -> Response {
    let matches = headers.get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).is_some_and(|v| {
        v.split(',').map(str::trim).any(|t| t == etag || t == "*" || t.trim_start_matches("W/") == etag)
    });
    let etag_value = HeaderValue::from_str(&etag).unwrap_or_else(|_| HeaderValue::from_static("\"\""));
    if matches {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag_value)]).into_response();
    }
    (
        StatusCode::OK,
        [(header::ETAG, etag_value), (header::CONTENT_TYPE, HeaderValue::from_static(content_type))],
        body,
    )
        .into_response()
}

// ---- scans ----

/// `POST /api/v1/scans`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScanRequest {
    /// Registry reference: `HOST[:PORT]/REPO[:TAG|@DIGEST]`.
    pub image: String,
    /// Plain HTTP to a registry on a loopback address.
    #[serde(default)]
    pub insecure: bool,
    /// Platform to select from a multi-platform index (`linux/amd64`).
    #[serde(default)]
    pub platform: Option<String>,
    /// Registry credentials for this job only; stored sealed with the server key, erased when the job ends.
    #[serde(default)]
    #[schema(value_type = Option<CredentialsSchema>)]
    pub credentials: Option<Credentials>,
}

/// Registry credentials.
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "a schema-only type: its fields are read by the utoipa derive, never by code")]
pub struct CredentialsSchema {
    /// User or robot account.
    username: String,
    /// Password or token.
    password: String,
}

/// Largest `POST /api/v1/scans` body.
pub const MAX_SCAN_REQUEST_BYTES: usize = 64 * 1024;

#[utoipa::path(post, path = "/api/v1/scans", tag = "scans", request_body = ScanRequest,
    responses(
        (status = 202, description = "Queued (or an identical queued/running job, or the job of a fresh result)", body = Enqueued),
        (status = 400, description = "Malformed request or reference, with the reason", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 413, description = "Body larger than 64 KiB"),
    ), security(("bearer" = [])))]
pub(crate) async fn submit_scan(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    body: Bytes,
) -> ApiResult<Response> {
    let req: ScanRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid scan request: {e}")))?;
    let valid = validate::validate_reference(&req.image, &state.config.allowed_registries)
        .map_err(|e| ApiError::bad_request(format!("invalid image reference: {e}")))?;
    if let Some(p) = &req.platform {
        let ok = !p.is_empty()
            && p.len() <= 64
            && p.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"/._-".contains(&b));
        if !ok {
            return Err(ApiError::bad_request("invalid platform: os/arch[/variant] such as linux/amd64"));
        }
    }
    let sealed = match &req.credentials {
        None => None,
        Some(c) => {
            if c.username.len() > 4096 || c.password.len() > 4096 {
                return Err(ApiError::bad_request("credentials longer than 4096 bytes"));
            }
            let Some(key) = &state.config.secret_key else {
                return Err(ApiError::bad_request(
                    "this server has no --secret-key, so it cannot accept registry credentials \
                     (they are never stored in plaintext)",
                ));
            };
            let plain = serde_json::to_vec(c)
                .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
            let ctx = seawall_store::secret::credentials_context(who.project_id, &valid.reference);
            Some(key.seal(&plain, &ctx)?)
        }
    };
    let job = NewJob {
        project_id: who.project_id,
        reference: valid.reference,
        pinned_digest: valid.pinned_digest,
        platform: req.platform,
        insecure: req.insecure,
        sealed_credentials: sealed,
        max_attempts: state.config.max_attempts,
    };
    let e = state.store.enqueue(&job).await?;
    let outcome = if e.deduplicated { "deduplicated" } else { "queued" };
    state.metrics.submissions.get_or_create(&vec![("outcome".into(), outcome.into())]).inc();
    let location = HeaderValue::from_str(&format!("/api/v1/scans/{}", e.id))
        .unwrap_or_else(|_| HeaderValue::from_static("/api/v1/scans"));
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(e)).into_response())
}

fn parse_uuid(id: &str) -> ApiResult<uuid::Uuid> {
    uuid::Uuid::parse_str(id).map_err(|_| {
        ApiError::bad_request(format!(
            "invalid scan id {:?}: a UUID",
            id.chars().take(64).collect::<String>()
        ))
    })
}

#[utoipa::path(get, path = "/api/v1/scans/{id}", tag = "scans",
    params(("id" = String, Path, description = "Job id (UUID)")),
    responses(
        (status = 200, description = "The job", body = JobView),
        (status = 400, description = "Not a UUID", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such job in this project", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn get_scan(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let id = parse_uuid(&id)?;
    let job = state.store.job(who.project_id, id).await?.ok_or_else(|| ApiError::not_found("scan"))?;
    json_etag(&headers, &job)
}

// ---- images and reports ----

/// Paging parameters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Items per page (1–500, default 100).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/images", tag = "images", params(PageQuery),
    responses(
        (status = 200, description = "Images with the summary of their latest result, in stable order", body = Page<ImageSummary>),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn list_images(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    q: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Query(q) = q?;
    let limit = validate::limit(q.limit).map_err(ApiError::bad_request)?;
    let page = state.store.list_images(who.project_id, q.cursor.as_deref(), limit).await?;
    json_etag(&headers, &page)
}

fn digest_param(d: &str) -> ApiResult<()> {
    validate::validate_digest(d).map_err(ApiError::bad_request)
}

#[utoipa::path(get, path = "/api/v1/images/{digest}", tag = "images",
    params(("digest" = String, Path, description = "Manifest or config digest")),
    responses(
        (status = 200, description = "The image and its latest result", body = ImageSummary),
        (status = 400, description = "Malformed digest", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No such image in this project", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn get_image(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(digest): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    digest_param(&digest)?;
    let image =
        state.store.image(who.project_id, &digest).await?.ok_or_else(|| ApiError::not_found("image"))?;
    json_etag(&headers, &image)
}

/// Report format.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportQuery {
    /// json (default), sarif, cyclonedx, spdx, html, markdown or table.
    pub format: Option<String>,
}

fn content_type(f: seawall_report::Format) -> &'static str {
    use seawall_report::Format;
    match f {
        Format::Json => "application/json",
        Format::Sarif => "application/sarif+json",
        Format::CycloneDx => "application/vnd.cyclonedx+json",
        Format::Spdx => "application/spdx+json",
        Format::Html => "text/html; charset=utf-8",
        Format::Markdown => "text/markdown; charset=utf-8",
        Format::Table => "text/plain; charset=utf-8",
    }
}

#[utoipa::path(get, path = "/api/v1/images/{digest}/report", tag = "images",
    params(("digest" = String, Path, description = "Manifest or config digest"), ReportQuery),
    responses(
        (status = 200, description = "The latest report of the image: the same document `seawall scan image` writes in that format"),
        (status = 304, description = "Not modified (If-None-Match)"),
        (status = 400, description = "Malformed digest or unknown format", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 404, description = "No report of this image in this project", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn get_report(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(digest): Path<String>,
    q: Result<Query<ReportQuery>, QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Query(q) = q?;
    digest_param(&digest)?;
    let name = q.format.as_deref().unwrap_or("json");
    let format: seawall_report::Format = name.parse().map_err(|_| {
        ApiError::bad_request(format!(
            "unknown format {:?}: json, sarif, cyclonedx, spdx, html, markdown or table",
            name.chars().take(40).collect::<String>()
        ))
    })?;
    let stored = state
        .store
        .latest_report(who.project_id, &digest)
        .await?
        .ok_or_else(|| ApiError::not_found("report"))?;
    let etag = format!("\"{}-{}\"", &stored.sha256[..32], format);
    if format == seawall_report::Format::Json {
        return Ok(with_etag(&headers, etag, content_type(format), stored.json));
    }
    let epoch = state.config.env.source_date_epoch().map(str::to_string);
    let rendered = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        let report: Report = serde_json::from_slice(&stored.json)
            .map_err(|e| format!("stored report is not readable: {e}"))?;
        let rules = seawall_scan::registry::catalog();
        let ctx = seawall_report::RenderContext::new(&rules).with_source_date_epoch(epoch.as_deref());
        let mut out = Vec::new();
        seawall_report::render(&report, format, &ctx, &mut out).map_err(|e| e.to_string())?;
        Ok(out)
    })
    .await
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
    .map_err(|e| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    Ok(with_etag(&headers, etag, content_type(format), rendered))
}

// ---- fleet queries ----

/// `GET /api/v1/packages`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PackageQuery {
    /// Package name as the package manager records it (Python names PEP 503-normalised).
    pub name: String,
    /// OSV ecosystem (`PyPI`, `Debian`, `Debian:12`, `npm`…); any when absent.
    pub ecosystem: Option<String>,
    /// Version range, comparators joined by commas (`>=3.0,<3.1.3`, `==2.28.1`), ordered by the
    /// ecosystem's own rules.
    pub range: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Images per page (1–500, default 100).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/packages", tag = "fleet", params(PackageQuery),
    responses(
        (status = 200, description = "Images whose latest result contains the package in the range", body = Page<PackageHit>),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn packages(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    q: Result<Query<PackageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Query(q) = q?;
    let name = validate::identifier("name", &q.name, 256).map_err(ApiError::bad_request)?;
    let ecosystem = q
        .ecosystem
        .as_deref()
        .map(|e| validate::identifier("ecosystem", e, 64))
        .transpose()
        .map_err(ApiError::bad_request)?;
    let range = q.range.as_deref().map(validate::parse_range).transpose().map_err(ApiError::bad_request)?;
    let limit = validate::limit(q.limit).map_err(ApiError::bad_request)?;
    let keep = move |eco: &str, version: &str| range.as_ref().is_none_or(|r| r.contains(eco, version));
    let page = state
        .store
        .images_with_package(who.project_id, &name, ecosystem.as_deref(), &keep, q.cursor.as_deref(), limit)
        .await?;
    json_etag(&headers, &page)
}

#[utoipa::path(get, path = "/api/v1/advisories/{id}/images", tag = "fleet",
    params(("id" = String, Path, description = "Advisory id or alias (CVE-…, GHSA-…, PYSEC-…) or rule id"), PageQuery),
    responses(
        (status = 200, description = "Images whose latest result has a finding with this id or alias, with the affected package", body = Page<PackageHit>),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn advisory_images(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    q: Result<Query<PageQuery>, QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Query(q) = q?;
    let id = validate::identifier("advisory id", &id, 128).map_err(ApiError::bad_request)?;
    let limit = validate::limit(q.limit).map_err(ApiError::bad_request)?;
    let page = state.store.images_with_advisory(who.project_id, &id, q.cursor.as_deref(), limit).await?;
    json_etag(&headers, &page)
}

/// `GET /api/v1/findings`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct FindingQuery {
    /// vulnerability, secret, model or misconfiguration.
    pub kind: Option<String>,
    /// Severities, comma-separated (`HIGH,CRITICAL`).
    pub severity: Option<String>,
    /// Practice 1–10.
    pub practice: Option<String>,
    /// Rule or advisory id (aliases match too).
    pub id: Option<String>,
    /// Only this image.
    pub digest: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Findings per page (1–500, default 100).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/findings", tag = "fleet", params(FindingQuery),
    responses(
        (status = 200, description = "Findings of the latest result of every image, filtered, in stable order", body = Page<FindingRow>),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn findings(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    q: Result<Query<FindingQuery>, QueryRejection>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let Query(q) = q?;
    let bad = ApiError::bad_request;
    let filter = FindingFilter {
        kind: q.kind.as_deref().map(validate::kind).transpose().map_err(bad)?,
        severities: q
            .severity
            .as_deref()
            .map(validate::severities)
            .transpose()
            .map_err(bad)?
            .unwrap_or_default(),
        practice: q.practice.as_deref().map(validate::practice).transpose().map_err(bad)?,
        id: q.id.as_deref().map(|i| validate::identifier("id", i, 128)).transpose().map_err(bad)?,
        digest: match q.digest {
            Some(d) => {
                validate::validate_digest(&d).map_err(bad)?;
                Some(d)
            }
            None => None,
        },
    };
    let limit = validate::limit(q.limit).map_err(bad)?;
    let page = state.store.findings(who.project_id, &filter, q.cursor.as_deref(), limit).await?;
    json_etag(&headers, &page)
}

// ---- uploads ----

/// The answer to an upload.
#[derive(Debug, Serialize, ToSchema)]
pub struct Uploaded {
    /// The stored result.
    pub result_id: i64,
    /// The key the report is stored under (`GET /api/v1/images/{digest}/report`).
    pub digest: String,
    /// Whether the uploaded scan read every input.
    pub complete: bool,
}

/// The key of an uploaded report: the image's manifest or config digest, else `target:` + SHA-256
/// of the target kind and name (directories, configuration and model scans).
pub fn upload_key(report: &Report) -> String {
    match &report.target.digest {
        Some(d) if validate::validate_digest(d).is_ok() => d.clone(),
        _ => {
            let mut h = Sha256::new();
            h.update(format!("{:?}", report.target.kind).as_bytes());
            h.update([0]);
            h.update(report.target.name.as_bytes());
            format!("target:{}", hex::encode(h.finalize()))
        }
    }
}

#[utoipa::path(post, path = "/api/v1/reports", tag = "reports",
    request_body(content = String, description = "A JSON report as `seawall scan … --format json` writes it", content_type = "application/json"),
    responses(
        (status = 201, description = "Stored", body = Uploaded),
        (status = 400, description = "Not a seawall JSON report", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 413, description = "Larger than the server's --max-upload"),
    ), security(("bearer" = [])))]
pub(crate) async fn upload_report(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    body: Bytes,
) -> ApiResult<Response> {
    let report: Report = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("not a seawall JSON report: {e}")))?;
    if report.schema_version > seawall_core::SCHEMA_VERSION {
        return Err(ApiError::bad_request(format!(
            "report schema {} is newer than this server's ({})",
            report.schema_version,
            seawall_core::SCHEMA_VERSION
        )));
    }
    let key = upload_key(&report);
    let scanner = format!("{} {} (upload)", report.tool.name, report.tool.version);
    let reference: String = report.target.name.chars().take(validate::MAX_REFERENCE_LEN).collect();
    let new = NewResult {
        project_id: who.project_id,
        reference: &reference,
        digest: &key,
        config_digest: report.target.digest.as_deref().filter(|d| validate::validate_digest(d).is_ok()),
        origin: Origin::Upload,
        scanner: &scanner,
        db_version: None,
        report: &report,
        report_json: &body,
        layers_walked: None,
        layers_cached: None,
        worker: None,
    };
    let stored = state
        .store
        .store_result(&new, None)
        .await?
        .ok_or_else(|| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "upload not stored"))?;
    state.metrics.uploads.inc();
    let complete = report.compute_completeness().is_complete();
    Ok((StatusCode::CREATED, Json(Uploaded { result_id: stored.result_id, digest: key, complete }))
        .into_response())
}

// ---- operations ----

#[utoipa::path(get, path = "/api/v1/workers", tag = "operations",
    responses((status = 200, description = "Workers seen in the last day", body = Vec<WorkerInfoSchema>), (status = 401, description = "No valid token", body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn workers(State(state): State<Arc<AppState>>) -> ApiResult<Json<Vec<WorkerInfo>>> {
    Ok(Json(state.store.workers().await?))
}

/// A worker (see `seawall_store::WorkerInfo`).
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "a schema-only type: its fields are read by the utoipa derive, never by code")]
pub struct WorkerInfoSchema {
    id: String,
    hostname: String,
    scanner: String,
    db_version: Option<String>,
    idle_seconds: f64,
    jobs_done: i64,
    jobs_failed: i64,
}

#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is alive (no token needed)")))]
pub(crate) async fn healthz() -> &'static str {
    "ok\n"
}

#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses((status = 200, description = "PostgreSQL reachable and the schema current"), (status = 503, description = "Not ready", body = ErrorBody)),
    security(("bearer" = [])))]
pub(crate) async fn readyz(State(state): State<Arc<AppState>>) -> ApiResult<&'static str> {
    state
        .store
        .check_schema()
        .await
        .map_err(|e| ApiError::new(StatusCode::SERVICE_UNAVAILABLE, format!("not ready: {e}")))?;
    Ok("ready\n")
}

#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus metrics (OpenMetrics text); token required unless --public-metrics")),
    security(("bearer" = [])))]
pub(crate) async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    let body = state.metrics.render(&state.store).await;
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body)
        .into_response()
}

pub(crate) async fn openapi() -> Response {
    use utoipa::OpenApi as _;
    let doc = crate::openapi::ApiDoc::openapi();
    match doc.to_json() {
        Ok(s) => ([(header::CONTENT_TYPE, "application/json")], s).into_response(),
        Err(e) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found("route")
}
