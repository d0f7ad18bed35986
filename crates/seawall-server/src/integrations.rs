//! Handlers of the integrations: Harbor's scanner-adapter API under `/harbor/api/v1` ([`crate::harbor`])
//! and registry push notifications at `POST /api/v1/registry-events` ([`crate::events`]).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use seawall_core::Report;
use seawall_store::{Credentials, JobStatus, NewJob, Principal, StoreError};

use crate::AppState;
use crate::api::{ApiError, ErrorBody};
use crate::events;
use crate::harbor::{self, AcceptError, ArtifactWire, RequestError, Wanted};

/// A Harbor-style error: `{"error": {"message"}}` with the spec's error media type.
fn harbor_error(status: StatusCode, message: impl AsRef<str>) -> Response {
    harbor_json(status, harbor::ERROR_1_0, &harbor::error_body(message.as_ref()))
}

fn harbor_json(status: StatusCode, media_type: &'static str, value: &serde_json::Value) -> Response {
    match serde_json::to_vec(value) {
        Ok(body) => {
            (status, [(header::CONTENT_TYPE, HeaderValue::from_static(media_type))], body).into_response()
        }
        Err(e) => {
            (StatusCode::INTERNAL_SERVER_ERROR, format!("cannot encode the response: {e}")).into_response()
        }
    }
}

fn harbor_store_error(e: StoreError) -> Response {
    let api = ApiError::from(e);
    let (status, message) = api.parts();
    harbor_error(status, message)
}

/// `GET /harbor/api/v1/metadata`.
pub(crate) async fn harbor_metadata(State(state): State<Arc<AppState>>, headers: HeaderMap) -> Response {
    let db_version = match state.store.workers().await {
        Ok(ws) => ws.into_iter().filter_map(|w| w.db_version).next(),
        Err(e) => return harbor_store_error(e),
    };
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let media = if accept.split(',').any(|a| harbor::same_media_type(a.trim(), harbor::METADATA_1_1)) {
        harbor::METADATA_1_1
    } else {
        harbor::METADATA_1_0
    };
    harbor_json(StatusCode::OK, media, &harbor::metadata(db_version.as_deref()))
}

/// `POST /harbor/api/v1/scan`.
pub(crate) async fn harbor_scan(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("");
        let ok = [harbor::SCAN_REQUEST_1_1, harbor::SCAN_REQUEST_1_0, "application/json"]
            .iter()
            .any(|m| harbor::same_media_type(ct, m))
            || harbor::same_media_type(ct.split(';').next().unwrap_or(""), "application/json");
        if !ok {
            return harbor_error(
                StatusCode::BAD_REQUEST,
                format!(
                    "Content-Type {:?} is not a scan request ({})",
                    ct.chars().take(100).collect::<String>(),
                    harbor::SCAN_REQUEST_1_1
                ),
            );
        }
    }
    let scan = match harbor::parse_scan_request(&body, &state.config.allowed_registries) {
        Ok(s) => s,
        Err(e) => {
            let status = match &e {
                RequestError::Malformed(_) => StatusCode::BAD_REQUEST,
                RequestError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
                RequestError::Unsupported(_) => StatusCode::NOT_IMPLEMENTED,
            };
            state.metrics.integration("harbor", "refused");
            return harbor_error(status, e.to_string());
        }
    };
    let sealed = match scan.credentials {
        None => None,
        Some(c) => {
            let Some(key) = &state.config.secret_key else {
                return harbor_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid field registry.authorization: this server has no --secret-key-file, so it cannot \
                     accept registry credentials (they are never stored in plaintext)",
                );
            };
            let plain = match serde_json::to_vec(&Credentials::from(c)) {
                Ok(p) => p,
                Err(e) => return harbor_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
            };
            let ctx = seawall_store::secret::credentials_context(who.project_id, &scan.reference);
            match key.seal(&plain, &ctx) {
                Ok(s) => Some(s),
                Err(e) => return harbor_store_error(e),
            }
        }
    };
    let job = NewJob {
        project_id: who.project_id,
        reference: scan.reference,
        pinned_digest: Some(scan.digest),
        platform: None,
        insecure: scan.insecure,
        sealed_credentials: sealed,
        max_attempts: state.config.max_attempts,
    };
    match state.store.enqueue(&job).await {
        Ok(e) => {
            state.metrics.integration("harbor", if e.deduplicated { "deduplicated" } else { "queued" });
            harbor_json(StatusCode::ACCEPTED, harbor::SCAN_RESPONSE_1_0, &serde_json::json!({"id": e.id}))
        }
        Err(e) => harbor_store_error(e),
    }
}

/// Query of `GET /harbor/api/v1/scan/{id}/report`.
#[derive(Debug, Deserialize)]
pub(crate) struct HarborReportQuery {
    sbom_media_type: Option<String>,
}

/// `GET /harbor/api/v1/scan/{scan_request_id}/report`.
pub(crate) async fn harbor_report(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
    query: Result<Query<HarborReportQuery>, axum::extract::rejection::QueryRejection>,
    headers: HeaderMap,
) -> Response {
    let Ok(Query(q)) = query else {
        return harbor_error(StatusCode::BAD_REQUEST, "invalid query string");
    };
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok());
    let wanted = match harbor::negotiate(accept, q.sbom_media_type.as_deref()) {
        Ok(w) => w,
        Err(AcceptError::BadRequest(m)) => return harbor_error(StatusCode::BAD_REQUEST, m),
        Err(AcceptError::NotProduced(m)) => return harbor_error(StatusCode::NOT_IMPLEMENTED, m),
    };
    let Ok(id) = uuid::Uuid::parse_str(&id) else {
        return harbor_error(StatusCode::NOT_FOUND, "no such scan request");
    };
    let job = match state.store.job(who.project_id, id).await {
        Ok(Some(j)) => j,
        Ok(None) => return harbor_error(StatusCode::NOT_FOUND, "no such scan request"),
        Err(e) => return harbor_store_error(e),
    };
    let result_id = match (job.status, &job.result) {
        (JobStatus::Queued | JobStatus::Running, _) => {
            return (
                StatusCode::FOUND,
                [(
                    axum::http::HeaderName::from_static("refresh-after"),
                    HeaderValue::from(harbor::REFRESH_AFTER_SECONDS),
                )],
            )
                .into_response();
        }
        (JobStatus::Failed, _) => {
            return harbor_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                format!("the scan failed: {}", job.error.as_deref().unwrap_or("no reason recorded")),
            );
        }
        (JobStatus::Done, Some(r)) => r.result_id,
        (JobStatus::Done, None) => {
            return harbor_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "the scan is done but its result was deleted",
            );
        }
    };
    let (stored, created_at) = match state.store.report_of_result(who.project_id, result_id).await {
        Ok(Some(r)) => r,
        Ok(None) => return harbor_error(StatusCode::INTERNAL_SERVER_ERROR, "the scan's result was deleted"),
        Err(e) => return harbor_store_error(e),
    };
    let artifact = ArtifactWire {
        repository: Some(harbor::repository_of(&job.reference)),
        digest: job.digest.clone(),
        tag: None,
        mime_type: None,
    };
    let epoch = state.config.env.source_date_epoch().map(str::to_string);
    let rendered =
        tokio::task::spawn_blocking(move || -> Result<(&'static str, serde_json::Value), String> {
            let report: Report = serde_json::from_slice(&stored.json)
                .map_err(|e| format!("stored report is not readable: {e}"))?;
            match wanted {
                Wanted::Vulnerability(media) => {
                    Ok((media, harbor::vulnerability_report(&report, &artifact, &created_at)))
                }
                Wanted::Sbom(sbom_type) => {
                    let format = if sbom_type == "application/spdx+json" {
                        seawall_report::Format::Spdx
                    } else {
                        seawall_report::Format::CycloneDx
                    };
                    let rules = seawall_scan::registry::catalog();
                    let ctx =
                        seawall_report::RenderContext::new(&rules).with_source_date_epoch(epoch.as_deref());
                    let mut out = Vec::new();
                    seawall_report::render(&report, format, &ctx, &mut out).map_err(|e| e.to_string())?;
                    let sbom: serde_json::Value = serde_json::from_slice(&out)
                        .map_err(|e| format!("rendered SBOM is not JSON: {e}"))?;
                    Ok((
                        harbor::SBOM_REPORT_1_0,
                        harbor::sbom_report(&artifact, &created_at, sbom_type, sbom),
                    ))
                }
            }
        })
        .await;
    match rendered {
        Ok(Ok((media, value))) => harbor_json(StatusCode::OK, media, &value),
        Ok(Err(e)) => harbor_error(StatusCode::INTERNAL_SERVER_ERROR, e),
        Err(e) => harbor_error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()),
    }
}

// ---- registry notifications ----

/// One queued push.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueuedPush {
    /// The digest-pinned reference queued.
    pub reference: String,
    /// The job.
    pub id: uuid::Uuid,
    /// True when an identical job was queued or running, or the digest has a fresh result.
    pub deduplicated: bool,
}

/// The answer to a notification.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventsAccepted {
    /// Image-manifest pushes queued.
    pub queued: Vec<QueuedPush>,
    /// Events that are not image-manifest pushes (pulls, blobs, indexes, deletes).
    pub ignored: usize,
    /// Push events refused, with the reason (an invalid reference, a registry not allowed).
    pub rejected: Vec<String>,
}

#[utoipa::path(post, path = "/api/v1/registry-events", tag = "scans",
    request_body(content = String, description = "A distribution registry notification envelope (`notifications: endpoints:` with `headers: Authorization: [Bearer TOKEN]`)", content_type = "application/vnd.docker.distribution.events.v1+json"),
    responses(
        (status = 200, description = "Every image-manifest push queued as a digest-pinned scan", body = EventsAccepted),
        (status = 400, description = "Not a notification envelope", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 413, description = "Body larger than 1 MiB"),
    ), security(("bearer" = [])))]
#[expect(
    clippy::print_stderr,
    reason = "the server's log is its stderr: each refused event is one line there"
)]
pub(crate) async fn registry_events(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let parsed =
        events::parse_events(&body, &state.config.allowed_registries).map_err(ApiError::bad_request)?;
    for r in &parsed.rejected {
        eprintln!("seawall serve: registry event of project {} refused: {r}", who.project);
    }
    let mut queued = Vec::with_capacity(parsed.pushed.len());
    for p in parsed.pushed {
        let job = NewJob {
            project_id: who.project_id,
            reference: p.reference.clone(),
            pinned_digest: Some(p.digest),
            platform: None,
            insecure: p.insecure,
            sealed_credentials: None,
            max_attempts: state.config.max_attempts,
        };
        let e = state.store.enqueue(&job).await?;
        state.metrics.integration("registry-events", if e.deduplicated { "deduplicated" } else { "queued" });
        queued.push(QueuedPush { reference: p.reference, id: e.id, deduplicated: e.deduplicated });
    }
    for _ in 0..parsed.ignored {
        state.metrics.integration("registry-events", "ignored");
    }
    for _ in &parsed.rejected {
        state.metrics.integration("registry-events", "refused");
    }
    Ok(Json(EventsAccepted { queued, ignored: parsed.ignored, rejected: parsed.rejected }).into_response())
}

// ---- re-evaluation: webhook and exposure ----

/// `PUT /api/v1/webhook`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookRequest {
    /// `http(s)://` URL the notifications are POSTed to.
    pub url: String,
    /// HMAC-SHA256 key (16–256 bytes): `X-Seawall-Signature: sha256=HEX(HMAC(secret, body))`.
    pub secret: String,
    /// Lowest severity notified (default HIGH).
    #[serde(default)]
    pub min_severity: Option<String>,
}

/// Validates a webhook URL: absolute http(s), no credentials, bounded.
pub fn validate_webhook_url(url: &str) -> Result<(), String> {
    if url.len() > 2048 || url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("webhook url: at most 2048 bytes, no whitespace".into());
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or("webhook url: an http:// or https:// URL")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.contains('@') {
        return Err("webhook url: a host, without credentials".into());
    }
    Ok(())
}

#[utoipa::path(put, path = "/api/v1/webhook", tag = "fleet", request_body = WebhookRequest,
    responses(
        (status = 204, description = "Set: after each vulnerability-DB update, new findings at or above min_severity in the project's stored images are POSTed once, signed, retried with backoff"),
        (status = 400, description = "Invalid URL, secret or severity", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn set_webhook(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let req: WebhookRequest = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid webhook request: {e}")))?;
    validate_webhook_url(&req.url).map_err(ApiError::bad_request)?;
    if !(16..=256).contains(&req.secret.len()) {
        return Err(ApiError::bad_request("webhook secret: 16 to 256 bytes"));
    }
    let min = req.min_severity.as_deref().unwrap_or("HIGH");
    state.store.set_webhook(who.project_id, &req.url, &req.secret, min).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[utoipa::path(get, path = "/api/v1/advisories/{id}/exposure", tag = "fleet",
    params(("id" = String, Path, description = "Advisory id or alias")),
    responses(
        (status = 200, description = "Every image of the project that is or was affected, with first_seen and the DB version that reported it, and when closed the DB version that closed it (re-evaluation after DB updates, without rescanning), and the hosts whose monitor agents report a container of it (`hosts`)", body = Vec<seawall_store::Exposure>),
        (status = 400, description = "Invalid id", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn exposure(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id = crate::validate::identifier("advisory id", &id, 128).map_err(ApiError::bad_request)?;
    Ok(Json(state.store.exposure(who.project_id, &id).await?).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhook_urls() {
        assert!(validate_webhook_url("https://hooks.example/seawall?x=1").is_ok());
        assert!(validate_webhook_url("http://127.0.0.1:9000/").is_ok());
        for bad in
            ["ftp://x", "https://", "https://u:p@host/", "https://a b", "file:///etc/passwd", "hooks.example"]
        {
            assert!(validate_webhook_url(bad).is_err(), "{bad}");
        }
    }
}
