//! The job queue: enqueue with deduplication, claims with `FOR UPDATE SKIP LOCKED`, leases,
//! heartbeats, retries with backoff, and the reaper for leases of lost workers.

use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{ClaimedJob, Enqueued, JobStatus, JobView, NewJob, Store, StoreError, WorkerInfo, sql};

/// The deduplication key of a submission: the same reference, platform and transport in one project
/// is one job while it is queued or running.
pub fn dedupe_key(reference: &str, platform: Option<&str>, insecure: bool) -> String {
    let mut h = Sha256::new();
    for part in [reference, platform.unwrap_or(""), if insecure { "insecure" } else { "tls" }] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

/// How a job attempt ended without a result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// Retrying cannot help (the image does not exist, the reference is refused, authentication failed).
    Permanent,
    /// Retry later, with backoff, while attempts remain.
    Transient,
}

/// Queue depth figures for `/metrics`.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueueCounts {
    /// Jobs queued (also those waiting for a retry time).
    pub queued: i64,
    /// Jobs a worker could claim now.
    pub ready: i64,
    /// Jobs running.
    pub running: i64,
    /// Age in seconds of the oldest ready job.
    pub oldest_ready_seconds: f64,
}

impl Store {
    /// Enqueues a scan. A submission identical to a queued or running job of the project returns
    /// that job; a digest-pinned reference with a fresh result returns the job that produced it.
    pub async fn enqueue(&self, job: &NewJob) -> Result<Enqueued, StoreError> {
        let c = self.client().await?;
        if let Some(digest) = &job.pinned_digest
            && let Some(row) =
                c.query_opt(sql::FRESH_JOB_FOR_DIGEST, &[&job.project_id, digest, &job.platform]).await?
        {
            return Ok(Enqueued { id: row.get(0), status: JobStatus::Done, deduplicated: true });
        }
        let key = dedupe_key(&job.reference, job.platform.as_deref(), job.insecure);
        // The insert and the lookup of the active job race with workers finishing that job: retry.
        for _ in 0..5 {
            let inserted = c
                .query_opt(
                    sql::ENQUEUE,
                    &[
                        &job.project_id,
                        &job.reference,
                        &job.platform,
                        &job.insecure,
                        &job.sealed_credentials,
                        &key,
                        &job.max_attempts,
                    ],
                )
                .await?;
            if let Some(row) = inserted {
                return Ok(Enqueued { id: row.get(0), status: JobStatus::Queued, deduplicated: false });
            }
            if let Some(row) = c.query_opt(sql::ACTIVE_JOB, &[&job.project_id, &key]).await? {
                let status: String = row.get(1);
                return Ok(Enqueued {
                    id: row.get(0),
                    status: JobStatus::parse(&status).unwrap_or(JobStatus::Queued),
                    deduplicated: true,
                });
            }
        }
        Err(StoreError::Unavailable("the job queue is too busy to enqueue; retry".into()))
    }

    /// Claims the next ready job for `worker` with a lease of `lease_seconds`.
    pub async fn claim(&self, worker: &str, lease_seconds: f64) -> Result<Option<ClaimedJob>, StoreError> {
        let c = self.client().await?;
        let row = c.query_opt(sql::CLAIM, &[&worker, &lease_seconds]).await?;
        Ok(row.map(|r| ClaimedJob {
            id: r.get(0),
            project_id: r.get(1),
            reference: r.get(2),
            platform: r.get(3),
            insecure: r.get(4),
            sealed_credentials: r.get(5),
            attempt: r.get(6),
            max_attempts: r.get(7),
        }))
    }

    /// Renews the lease; `false` when the worker no longer holds it (expired and reaped).
    pub async fn heartbeat(&self, job: Uuid, worker: &str, lease_seconds: f64) -> Result<bool, StoreError> {
        let c = self.client().await?;
        Ok(c.execute(sql::HEARTBEAT, &[&job, &worker, &lease_seconds]).await? == 1)
    }

    /// Ends an attempt without a result: back to the queue with backoff while attempts remain and
    /// the failure is transient, else `failed` with `reason`. Returns the new status (`None` when the
    /// worker no longer held the lease).
    pub async fn fail_job(
        &self,
        job: Uuid,
        worker: &str,
        failure: Failure,
        reason: &str,
        digest: Option<&str>,
    ) -> Result<Option<JobStatus>, StoreError> {
        let c = self.client().await?;
        let permanent = failure == Failure::Permanent;
        let reason: String = reason.chars().take(4000).collect();
        let row = c.query_opt(sql::FAIL_JOB, &[&job, &worker, &permanent, &reason, &digest]).await?;
        Ok(row.and_then(|r| JobStatus::parse(r.get(0))))
    }

    /// Puts the jobs of expired leases back in the queue (or fails them when out of attempts);
    /// returns `(requeued, failed)`.
    pub async fn reap_expired(&self) -> Result<(u64, u64), StoreError> {
        let c = self.client().await?;
        let rows = c.query(sql::REAP_EXPIRED, &[]).await?;
        let failed = rows.iter().filter(|r| r.get::<_, &str>(1) == "failed").count() as u64;
        Ok((rows.len() as u64 - failed, failed))
    }

    /// A job of the project, with its result summary when done; `None` for unknown ids and for jobs
    /// of other projects.
    pub async fn job(&self, project_id: i64, id: Uuid) -> Result<Option<JobView>, StoreError> {
        let c = self.client().await?;
        let Some(r) = c.query_opt(sql::GET_JOB, &[&id, &project_id]).await? else {
            return Ok(None);
        };
        let result_id: Option<i64> = r.get(10);
        let result = match result_id {
            Some(rid) => self.result_summary_with(&c, project_id, rid).await?,
            None => None,
        };
        let status: String = r.get(1);
        Ok(Some(JobView {
            id: r.get(0),
            status: JobStatus::parse(&status).unwrap_or(JobStatus::Queued),
            digest: r.get(2),
            error: r.get(3),
            reference: r.get(4),
            attempts: r.get(5),
            max_attempts: r.get(6),
            created_at: r.get(7),
            started_at: r.get(8),
            finished_at: r.get(9),
            result,
        }))
    }

    /// Queue depth figures.
    pub async fn queue_counts(&self) -> Result<QueueCounts, StoreError> {
        let c = self.client().await?;
        let r = c.query_one(sql::QUEUE_COUNTS, &[]).await?;
        Ok(QueueCounts {
            queued: r.get(0),
            ready: r.get(1),
            running: r.get(2),
            oldest_ready_seconds: r.get::<_, Option<f64>>(3).unwrap_or(0.0),
        })
    }

    /// Registers (or re-registers) a worker.
    pub async fn register_worker(
        &self,
        id: &str,
        hostname: &str,
        scanner: &str,
        db_version: Option<&str>,
    ) -> Result<(), StoreError> {
        let c = self.client().await?;
        c.execute(sql::REGISTER_WORKER, &[&id, &hostname, &env!("CARGO_PKG_VERSION"), &scanner, &db_version])
            .await?;
        Ok(())
    }

    /// A worker's liveness heartbeat with its current DB version.
    pub async fn worker_seen(&self, id: &str, db_version: Option<&str>) -> Result<(), StoreError> {
        let c = self.client().await?;
        c.execute(sql::WORKER_SEEN, &[&id, &db_version]).await?;
        Ok(())
    }

    /// Counts a finished job for a worker.
    pub async fn worker_counted(&self, id: &str, done: i64, failed: i64) -> Result<(), StoreError> {
        let c = self.client().await?;
        c.execute(sql::WORKER_DONE, &[&id, &done, &failed]).await?;
        Ok(())
    }

    /// Workers seen in the last day.
    pub async fn workers(&self) -> Result<Vec<WorkerInfo>, StoreError> {
        let c = self.client().await?;
        let rows = c.query(sql::LIST_WORKERS, &[]).await?;
        Ok(rows
            .iter()
            .map(|r| WorkerInfo {
                id: r.get(0),
                hostname: r.get(1),
                scanner: r.get(2),
                db_version: r.get(3),
                idle_seconds: r.get(4),
                jobs_done: r.get(5),
                jobs_failed: r.get(6),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedupe_key_separates_fields() {
        assert_eq!(dedupe_key("r/a:1", None, false), dedupe_key("r/a:1", None, false));
        assert_ne!(dedupe_key("r/a:1", None, false), dedupe_key("r/a:1", None, true));
        assert_ne!(dedupe_key("r/a:1", Some("linux/arm64"), false), dedupe_key("r/a:1", None, false));
        // Length-prefixed: no ambiguity from concatenation.
        assert_ne!(dedupe_key("ab", Some("c"), false), dedupe_key("a", Some("bc"), false));
    }
}
