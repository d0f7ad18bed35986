//! Monitor agents: `POST /api/v1/agents/report` (what `seawall monitor --report-to` and `seawall
//! audit docker --upload` send), `GET /api/v1/hosts` and `GET /api/v1/alerts`.
//!
//! The wire format is `seawall_monitor::report`
//! ([`AgentBatch`](seawall_monitor::report::AgentBatch) in, [`BatchAck`] out). Each record is
//! validated on its own: an invalid record is acknowledged and listed in `rejected` (it can never be
//! stored, and must not block the agent's queue); a malformed batch is refused with 400 and the agent
//! retries. Storing is idempotent on (project, hostname, sequence number).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Extension, Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use seawall_monitor::report::{AgentRecord, BatchAck, RecordBody, RejectedRecord};
use seawall_store::{AgentAlertView, AgentInput, HostContainer, HostView, Page, Principal};

use crate::AppState;
use crate::api::{ApiError, ErrorBody};
use crate::validate;

/// Largest report body.
pub const MAX_REPORT_BYTES: usize = 8 << 20;
/// Most records in one batch.
pub const MAX_BATCH_RECORDS: usize = 1000;
/// Most containers in one audit.
pub const MAX_AUDIT_CONTAINERS: usize = 10_000;

/// The batch as received: records are checked one by one.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBatch {
    hostname: String,
    agent_version: String,
    records: Vec<serde_json::Value>,
}

/// `POST /api/v1/agents/report` body (see `seawall_monitor::report::AgentBatch`).
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "a schema-only type: its fields are read by the utoipa derive, never by code")]
pub struct AgentBatchSchema {
    /// Host name (the agent's identity within the project): letters, digits, `.`, `_`, `-`.
    hostname: String,
    /// seawall version of the agent.
    agent_version: String,
    /// Records in increasing `seq` order: `{"seq", "time", "kind": "alert", "alert": {…}}` or
    /// `{"seq", "time", "kind": "audit", "containers": [{"id", "name", "image", "image_id",
    /// "repo_digests", "state", "findings"}]}`.
    #[schema(value_type = Vec<Object>)]
    records: Vec<serde_json::Value>,
}

/// The answer (see `seawall_monitor::report::BatchAck`).
#[derive(Debug, ToSchema)]
#[expect(dead_code, reason = "a schema-only type: its fields are read by the utoipa derive, never by code")]
pub struct BatchAckSchema {
    /// Records stored now.
    accepted: u64,
    /// Records stored before (a retry).
    duplicates: u64,
    /// Records refused as invalid, `{"seq", "reason"}`.
    #[schema(value_type = Vec<Object>)]
    rejected: Vec<serde_json::Value>,
    /// The highest sequence number handled: the agent may forget every record up to it.
    acked_through: u64,
}

/// Validates a host name: 1–253 bytes of letters, digits, `.`, `_`, `-`, starting with a letter or
/// digit.
pub fn validate_hostname(h: &str) -> Result<(), String> {
    let ok = !h.is_empty()
        && h.len() <= 253
        && h.as_bytes()[0].is_ascii_alphanumeric()
        && h.bytes().all(|b| b.is_ascii_alphanumeric() || b"._-".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid hostname {:?}: 1-253 letters, digits, '.', '_' or '-'",
            h.chars().take(80).collect::<String>()
        ))
    }
}

fn timestamp(what: &str, t: &str) -> Result<String, String> {
    t.parse::<jiff::Timestamp>()
        .map(|ts| ts.to_string())
        .map_err(|_| format!("{what}: not an RFC 3339 time: {:?}", t.chars().take(64).collect::<String>()))
}

fn bounded(what: &str, v: &str, max: usize) -> Result<(), String> {
    if v.len() > max {
        Err(format!("{what} longer than {max} bytes"))
    } else if v.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        Err(format!("{what} contains control characters"))
    } else {
        Ok(())
    }
}

/// Checks one record and converts it for the store.
pub fn check_record(record: &AgentRecord) -> Result<AgentInput, String> {
    let seq = i64::try_from(record.seq).ok().filter(|s| *s > 0).ok_or("seq out of range 1..2^63")?;
    let time = timestamp("time", &record.time)?;
    match &record.body {
        RecordBody::Alert { alert } => {
            let occurred_at = timestamp("alert.time", &alert.time)?;
            validate::identifier("alert.rule", &alert.rule, 128)?;
            bounded("alert.message", &alert.message, 16 * 1024)?;
            bounded("alert.container_id", &alert.container_id, 128)?;
            bounded("alert.container", &alert.container, 256)?;
            bounded("alert.image", &alert.image, validate::MAX_REFERENCE_LEN)?;
            let body = serde_json::to_value(alert).map_err(|e| e.to_string())?;
            Ok(AgentInput::Alert {
                seq,
                kind: alert.rule.clone(),
                severity: alert.severity.as_str().to_string(),
                container_id: alert.container_id.clone(),
                message: alert.message.clone(),
                body,
                occurred_at,
            })
        }
        RecordBody::Audit { containers } => {
            if containers.len() > MAX_AUDIT_CONTAINERS {
                return Err(format!("audit of more than {MAX_AUDIT_CONTAINERS} containers"));
            }
            let mut out = Vec::with_capacity(containers.len());
            for c in containers {
                validate::identifier("container id", &c.id, 128)?;
                bounded("container name", &c.name, 256)?;
                bounded("container image", &c.image, validate::MAX_REFERENCE_LEN)?;
                bounded("container image_id", &c.image_id, 256)?;
                bounded("container state", &c.state, 32)?;
                if c.repo_digests.len() > 64 {
                    return Err("more than 64 repo_digests".into());
                }
                for d in &c.repo_digests {
                    bounded("repo digest", d, validate::MAX_REFERENCE_LEN)?;
                }
                if c.findings.len() > 1000 {
                    return Err("more than 1000 findings for one container".into());
                }
                out.push(HostContainer {
                    container_id: c.id.clone(),
                    name: c.name.clone(),
                    image_ref: c.image.clone(),
                    image_digest: c.image_id.clone(),
                    state: c.state.clone(),
                    repo_digests: c.repo_digests.clone(),
                    findings: serde_json::to_value(&c.findings).map_err(|e| e.to_string())?,
                });
            }
            Ok(AgentInput::Audit { seq, time, containers: out })
        }
    }
}

#[utoipa::path(post, path = "/api/v1/agents/report", tag = "agents", request_body = AgentBatchSchema,
    responses(
        (status = 200, description = "Every record stored, already stored (deduplicated on project, hostname and seq) or refused as invalid; the agent may forget records up to acked_through", body = BatchAckSchema),
        (status = 400, description = "Not a batch, an invalid hostname, too many records, or seq not increasing", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 413, description = "Body larger than 8 MiB"),
    ), security(("bearer" = [])))]
pub(crate) async fn report(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let batch: RawBatch = serde_json::from_slice(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid agent report: {e}")))?;
    validate_hostname(&batch.hostname).map_err(ApiError::bad_request)?;
    validate::identifier("agent_version", &batch.agent_version, 64).map_err(ApiError::bad_request)?;
    if batch.records.len() > MAX_BATCH_RECORDS {
        return Err(ApiError::bad_request(format!("more than {MAX_BATCH_RECORDS} records in one batch")));
    }
    let mut inputs = Vec::with_capacity(batch.records.len());
    let mut rejected = Vec::new();
    let mut last: u64 = 0;
    for raw in batch.records {
        let seq = raw
            .get("seq")
            .and_then(serde_json::Value::as_u64)
            .ok_or_else(|| ApiError::bad_request("every record needs a numeric seq"))?;
        if seq <= last {
            return Err(ApiError::bad_request(format!(
                "records must come in increasing seq order ({seq} after {last})"
            )));
        }
        last = seq;
        let checked = serde_json::from_value::<AgentRecord>(raw)
            .map_err(|e| format!("not an agent record: {e}"))
            .and_then(|r| check_record(&r));
        match checked {
            Ok(i) => inputs.push(i),
            Err(reason) => {
                state.metrics.integration("agents", "refused");
                rejected.push(RejectedRecord { seq, reason });
            }
        }
    }
    let outcome = state
        .store
        .record_agent_report(who.project_id, &batch.hostname, &batch.agent_version, &inputs)
        .await?;
    for _ in 0..outcome.accepted {
        state.metrics.integration("agents", "stored");
    }
    for _ in 0..outcome.duplicates {
        state.metrics.integration("agents", "deduplicated");
    }
    Ok(Json(BatchAck {
        accepted: outcome.accepted,
        duplicates: outcome.duplicates,
        rejected,
        acked_through: last,
    })
    .into_response())
}

#[utoipa::path(get, path = "/api/v1/hosts", tag = "agents",
    responses(
        (status = 200, description = "Hosts whose monitor agent reports to this project, with the containers of their latest audit (image reference and image id)", body = Vec<HostView>),
        (status = 401, description = "No valid token", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn hosts(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
) -> Result<Json<Vec<HostView>>, ApiError> {
    Ok(Json(state.store.hosts(who.project_id).await?))
}

/// `GET /api/v1/alerts`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// Only this host.
    pub host: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Alerts per page (1–500, default 100).
    pub limit: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/alerts", tag = "agents", params(AlertQuery),
    responses(
        (status = 200, description = "Alerts the agents reported, in arrival order", body = Page<AgentAlertView>),
        (status = 400, description = "Invalid parameter", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
    ), security(("bearer" = [])))]
pub(crate) async fn alerts(
    State(state): State<Arc<AppState>>,
    Extension(who): Extension<Principal>,
    q: Result<Query<AlertQuery>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(q) = q?;
    if let Some(h) = &q.host {
        validate_hostname(h).map_err(ApiError::bad_request)?;
    }
    let limit = validate::limit(q.limit).map_err(ApiError::bad_request)?;
    let page =
        state.store.agent_alerts(who.project_id, q.host.as_deref(), q.cursor.as_deref(), limit).await?;
    Ok(Json(page).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_monitor::report::AgentContainer;

    fn alert_record(seq: u64, time: &str) -> AgentRecord {
        AgentRecord {
            seq,
            time: time.into(),
            body: RecordBody::Alert {
                alert: seawall_monitor::Alert {
                    time: time.into(),
                    rule: "shell_spawned".into(),
                    severity: seawall_core::Severity::High,
                    container: "web".into(),
                    container_id: "abc".into(),
                    image: "app:1".into(),
                    message: "sh".into(),
                },
            },
        }
    }

    #[test]
    fn hostnames() {
        assert!(validate_hostname("web-1.example").is_ok());
        for bad in ["", "-x", "a b", "a/b", &"x".repeat(254), "h\u{0}"] {
            assert!(validate_hostname(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn records_are_checked_one_by_one() {
        let ok = check_record(&alert_record(5, "2026-01-01T00:00:00Z")).unwrap();
        assert!(matches!(ok, AgentInput::Alert { seq: 5, ref severity, .. } if severity == "HIGH"));
        assert!(check_record(&alert_record(0, "2026-01-01T00:00:00Z")).is_err());
        assert!(check_record(&alert_record(u64::MAX, "2026-01-01T00:00:00Z")).is_err());
        assert!(check_record(&alert_record(1, "yesterday")).unwrap_err().contains("RFC 3339"));
        let audit = AgentRecord {
            seq: 9,
            time: "2026-01-01T00:00:00Z".into(),
            body: RecordBody::Audit {
                containers: vec![AgentContainer {
                    id: "abc".into(),
                    name: "web".into(),
                    image: "app:1".into(),
                    image_id: format!("sha256:{}", "a".repeat(64)),
                    repo_digests: vec![],
                    state: "running".into(),
                    findings: vec![],
                }],
            },
        };
        let AgentInput::Audit { containers, .. } = check_record(&audit).unwrap() else { panic!() };
        assert_eq!(containers[0].image_digest, format!("sha256:{}", "a".repeat(64)));
        let mut bad = audit.clone();
        if let RecordBody::Audit { containers } = &mut bad.body {
            containers[0].id = String::new();
        }
        assert!(check_record(&bad).is_err());
    }
}
