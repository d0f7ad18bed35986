//! The values the store reads and writes (also the JSON shapes of the REST API).

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The state of a scan job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum JobStatus {
    /// Waiting for a worker (or for its retry time).
    Queued,
    /// Claimed by a worker that holds a lease on it.
    Running,
    /// Finished with a result.
    Done,
    /// Given up: the reason is in `error`.
    Failed,
}

impl JobStatus {
    /// The lower-case name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "queued",
            JobStatus::Running => "running",
            JobStatus::Done => "done",
            JobStatus::Failed => "failed",
        }
    }

    /// Parses a stored status.
    pub fn parse(s: &str) -> Option<JobStatus> {
        match s {
            "queued" => Some(JobStatus::Queued),
            "running" => Some(JobStatus::Running),
            "done" => Some(JobStatus::Done),
            "failed" => Some(JobStatus::Failed),
            _ => None,
        }
    }
}

/// Who a valid token speaks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Project id.
    pub project_id: i64,
    /// Project name.
    pub project: String,
    /// Token id.
    pub token_id: i64,
}

/// A token as listed (never its secret).
#[derive(Debug, Clone, Serialize)]
pub struct TokenInfo {
    /// Token id.
    pub id: i64,
    /// Project name.
    pub project: String,
    /// The first characters of the token.
    pub prefix: String,
    /// Creation time (RFC 3339, UTC).
    pub created_at: String,
    /// Last successful use, if any.
    pub last_used_at: Option<String>,
    /// Revocation time, if revoked.
    pub revoked_at: Option<String>,
}

/// A scan to enqueue.
#[derive(Debug, Clone)]
pub struct NewJob {
    /// Owning project.
    pub project_id: i64,
    /// Registry reference, already validated.
    pub reference: String,
    /// Manifest digest when the reference pins one (for the freshness check).
    pub pinned_digest: Option<String>,
    /// Platform to select from an index.
    pub platform: Option<String>,
    /// Plain HTTP to a loopback registry.
    pub insecure: bool,
    /// Registry credentials sealed with the server key.
    pub sealed_credentials: Option<Vec<u8>>,
    /// Attempts before the job fails.
    pub max_attempts: i32,
}

/// The answer to an enqueue.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Enqueued {
    /// The job id (an existing job's id when deduplicated).
    pub id: Uuid,
    /// Its status.
    pub status: JobStatus,
    /// True when the submission matched a queued or running job, or a fresh result of the digest.
    pub deduplicated: bool,
}

/// A job claimed by a worker.
#[derive(Debug, Clone)]
pub struct ClaimedJob {
    /// Job id.
    pub id: Uuid,
    /// Owning project.
    pub project_id: i64,
    /// Registry reference.
    pub reference: String,
    /// Platform to select.
    pub platform: Option<String>,
    /// Plain HTTP to a loopback registry.
    pub insecure: bool,
    /// Sealed registry credentials.
    pub sealed_credentials: Option<Vec<u8>>,
    /// This attempt's number (1-based).
    pub attempt: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
}

/// Finding counts of a result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Counts {
    /// CRITICAL findings.
    pub critical: i64,
    /// HIGH findings.
    pub high: i64,
    /// MEDIUM findings.
    pub medium: i64,
    /// LOW findings.
    pub low: i64,
    /// INFO findings.
    pub info: i64,
    /// All findings.
    pub findings: i64,
    /// Packages in the inventory.
    pub packages: i64,
    /// Vulnerability findings.
    pub vulnerabilities: i64,
    /// Secret findings.
    pub secrets: i64,
    /// Model findings.
    pub models: i64,
    /// Misconfiguration findings.
    pub misconfigurations: i64,
}

/// A stored result, without its report.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ResultSummary {
    /// Result id.
    pub result_id: i64,
    /// Image digest.
    pub digest: String,
    /// `worker` or `upload`.
    pub origin: String,
    /// Whether every input was read and analysed (the report's completeness verdict).
    pub complete: bool,
    /// The report's completeness: status and every reason (kind, count, first occurrence).
    #[schema(value_type = Object)]
    pub completeness: seawall_core::Completeness,
    /// Finding and package counts.
    pub counts: Counts,
    /// Scanner versions fingerprint.
    pub scanner: String,
    /// Vulnerability-DB version used, if vulnerabilities were matched.
    pub db_version: Option<String>,
    /// Layers walked / served from the layer cache (worker results).
    pub layers_walked: Option<i32>,
    /// Layers served from the layer cache.
    pub layers_cached: Option<i32>,
    /// When it was stored (RFC 3339, UTC).
    pub created_at: String,
    /// The worker that scanned it (worker results).
    pub worker: Option<String>,
}

/// A job as `GET /api/v1/scans/{id}` shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobView {
    /// Job id.
    pub id: Uuid,
    /// Status.
    pub status: JobStatus,
    /// The image digest, once resolved.
    pub digest: Option<String>,
    /// Why the job failed (or why the last attempt failed while it is retried).
    pub error: Option<String>,
    /// The reference submitted.
    pub reference: String,
    /// Attempts so far.
    pub attempts: i32,
    /// Attempts allowed.
    pub max_attempts: i32,
    /// Submission time.
    pub created_at: String,
    /// Start of the latest attempt.
    pub started_at: Option<String>,
    /// End time.
    pub finished_at: Option<String>,
    /// The result, when done.
    pub result: Option<ResultSummary>,
}

/// Where a result came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Scanned by a `seawall worker`.
    Worker,
    /// Uploaded by `seawall scan … --upload`.
    Upload,
}

impl Origin {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Origin::Worker => "worker",
            Origin::Upload => "upload",
        }
    }
}

/// A result to store.
#[derive(Debug)]
pub struct NewResult<'a> {
    /// Owning project.
    pub project_id: i64,
    /// Reference the image was scanned as.
    pub reference: &'a str,
    /// Image digest (manifest digest when known, else config digest, else a `target:` key).
    pub digest: &'a str,
    /// Config digest, when an image.
    pub config_digest: Option<&'a str>,
    /// Worker or upload.
    pub origin: Origin,
    /// Scanner versions fingerprint.
    pub scanner: &'a str,
    /// Vulnerability-DB version.
    pub db_version: Option<&'a str>,
    /// The report (for inventory, findings, counts, completeness).
    pub report: &'a seawall_core::Report,
    /// The report's JSON exactly as `--format json` renders it.
    pub report_json: &'a [u8],
    /// Layers walked.
    pub layers_walked: Option<i32>,
    /// Layers from the cache.
    pub layers_cached: Option<i32>,
    /// Worker id.
    pub worker: Option<&'a str>,
}

/// What storing a result did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stored {
    /// The result id (an existing identical result's id when deduplicated).
    pub result_id: i64,
    /// True when an identical worker result existed already.
    pub existed: bool,
}

/// One image with its latest result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImageSummary {
    /// Image digest.
    pub digest: String,
    /// Config digest.
    pub config_digest: Option<String>,
    /// Last reference it was scanned or uploaded as.
    pub reference: String,
    /// Last update.
    pub updated_at: String,
    /// Latest result.
    pub latest: Option<ResultSummary>,
}

/// A page of items with the cursor of the next page.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// Items in stable order.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// An image that contains a package.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PackageHit {
    /// Image digest.
    pub digest: String,
    /// Last reference.
    pub reference: String,
    /// Package ecosystem.
    pub ecosystem: String,
    /// Package name.
    pub name: String,
    /// Installed version.
    pub version: String,
    /// Package URL, if any.
    pub purl: Option<String>,
}

/// One finding of an image's latest result.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FindingRow {
    /// Image digest.
    pub digest: String,
    /// Last reference.
    pub reference: String,
    /// `vulnerability`, `secret`, `model` or `misconfiguration`.
    pub kind: String,
    /// Rule or advisory id.
    pub id: String,
    /// Other advisory ids.
    pub aliases: Vec<String>,
    /// Severity.
    pub severity: String,
    /// Practice (1–10).
    pub practice: i16,
    /// Title.
    pub title: String,
    /// Path.
    pub path: String,
    /// Layer index.
    pub layer: Option<i32>,
    /// Package name (vulnerabilities).
    pub package: Option<String>,
    /// Package version.
    pub version: Option<String>,
    /// Stable fingerprint.
    pub fingerprint: String,
}

/// Filters of [`crate::Store::findings`].
#[derive(Debug, Clone, Default)]
pub struct FindingFilter {
    /// Finding kind.
    pub kind: Option<String>,
    /// Severities (upper case); empty = all.
    pub severities: Vec<String>,
    /// Practice.
    pub practice: Option<i16>,
    /// Rule or advisory id (also matched against aliases).
    pub id: Option<String>,
    /// One image.
    pub digest: Option<String>,
}

/// A worker as registered.
#[derive(Debug, Clone, Serialize)]
pub struct WorkerInfo {
    /// Worker id.
    pub id: String,
    /// Host name.
    pub hostname: String,
    /// Scanner fingerprint.
    pub scanner: String,
    /// Vulnerability-DB version.
    pub db_version: Option<String>,
    /// Seconds since its last heartbeat.
    pub idle_seconds: f64,
    /// Jobs completed.
    pub jobs_done: i64,
    /// Jobs failed.
    pub jobs_failed: i64,
}
