//! Scheduled registry crawls: per-project configuration, claims by `seawall serve` replicas (one
//! crawler per registry row at a time, under a lease), and the record of the digests each crawl found
//! and queued, so that a digest is queued once rather than on every crawl.

use serde::Serialize;
use uuid::Uuid;

use crate::{Store, StoreError};

/// An RFC 3339 UTC rendering of a nullable timestamp column.
macro_rules! ts {
    ($col:literal) => {
        concat!("to_char(", $col, " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')")
    };
}

const PUT_CRAWL: &str = "INSERT INTO crawl_registries
    (project_id, registry, insecure, credentials, interval_seconds, rate_limit, include, exclude, max_tags)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
    ON CONFLICT (project_id, registry) DO UPDATE SET insecure = EXCLUDED.insecure,
        credentials = EXCLUDED.credentials, interval_seconds = EXCLUDED.interval_seconds,
        rate_limit = EXCLUDED.rate_limit, include = EXCLUDED.include, exclude = EXCLUDED.exclude,
        max_tags = EXCLUDED.max_tags, next_run_at = now(), updated_at = now()
    RETURNING id";

const LIST_CRAWLS: &str = concat!(
    "SELECT registry, insecure, credentials IS NOT NULL, interval_seconds, rate_limit, include, exclude, \
     max_tags, ",
    ts!("next_run_at"),
    ", ",
    ts!("last_started_at"),
    ", ",
    ts!("last_finished_at"),
    ", last_error, last_stats, lease_owner IS NOT NULL AND lease_expires > now()
    FROM crawl_registries WHERE project_id = $1 ORDER BY registry"
);

const DELETE_CRAWL: &str = "DELETE FROM crawl_registries WHERE project_id = $1 AND registry = $2";

const CLAIM_CRAWL: &str = "WITH next AS (
        SELECT id FROM crawl_registries
        WHERE next_run_at <= now() AND (lease_expires IS NULL OR lease_expires < now())
        ORDER BY next_run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
    UPDATE crawl_registries c SET lease_owner = $1, lease_expires = now() + make_interval(secs => $2),
        last_started_at = now()
    FROM next WHERE c.id = next.id
    RETURNING c.id, c.project_id, c.registry, c.insecure, c.credentials, c.interval_seconds, c.rate_limit,
        c.include, c.exclude, c.max_tags";

const RENEW_CRAWL: &str = "UPDATE crawl_registries SET lease_expires = now() + make_interval(secs => $3)
    WHERE id = $1 AND lease_owner = $2";

const FINISH_CRAWL: &str = "UPDATE crawl_registries SET lease_owner = NULL, lease_expires = NULL,
        last_finished_at = now(), last_error = $3, last_stats = $4,
        next_run_at = now() + make_interval(secs => interval_seconds)
    WHERE id = $1 AND lease_owner = $2";

/// The digests of a crawl that need a job: no result in the project, and no job queued, running or
/// done for it, nor one that failed within the last day.
const DIGESTS_TO_QUEUE: &str = "SELECT d FROM unnest($3::text[]) AS d
    WHERE NOT EXISTS (SELECT 1 FROM images i
                      WHERE i.project_id = $2 AND i.digest = d AND i.latest_result_id IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM crawl_digests c JOIN jobs j ON j.id = c.job_id
                      WHERE c.crawl_id = $1 AND c.digest = d
                        AND (j.status <> 'failed' OR j.finished_at > now() - interval '1 day'))";

const SEEN_DIGESTS: &str = "INSERT INTO crawl_digests (crawl_id, digest, reference)
    SELECT $1, d.digest, d.reference FROM unnest($2::text[], $3::text[]) AS d(digest, reference)
    ON CONFLICT (crawl_id, digest) DO UPDATE SET last_seen = now(), reference = EXCLUDED.reference";

const QUEUED_DIGEST: &str = "UPDATE crawl_digests SET job_id = $3 WHERE crawl_id = $1 AND digest = $2";

/// A crawl configuration to store (validated by the caller).
#[derive(Debug, Clone)]
pub struct NewCrawl {
    /// Owning project.
    pub project_id: i64,
    /// `host[:port]` of the registry.
    pub registry: String,
    /// Plain HTTP (loopback registries) or TLS without certificate verification.
    pub insecure: bool,
    /// Registry credentials sealed with the server key ([`crawl_credentials_context`]).
    pub sealed_credentials: Option<Vec<u8>>,
    /// Seconds between the end of a crawl and the start of the next.
    pub interval_seconds: i32,
    /// Requests per second to the registry.
    pub rate_limit: f64,
    /// Repository globs to crawl (empty: all).
    pub include: Vec<String>,
    /// Repository globs to skip.
    pub exclude: Vec<String>,
    /// Most tags resolved per repository.
    pub max_tags: i32,
}

/// A crawl configuration as listed (never its credentials).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CrawlView {
    /// `host[:port]` of the registry.
    pub registry: String,
    /// Plain HTTP (loopback) or unverified TLS.
    pub insecure: bool,
    /// Whether credentials are stored (sealed).
    pub has_credentials: bool,
    /// Seconds between crawls.
    pub interval_seconds: i32,
    /// Requests per second.
    pub rate_limit: f64,
    /// Repository globs crawled.
    pub include: Vec<String>,
    /// Repository globs skipped.
    pub exclude: Vec<String>,
    /// Most tags resolved per repository.
    pub max_tags: i32,
    /// When the next crawl is due (RFC 3339, UTC).
    pub next_run_at: Option<String>,
    /// Start of the latest crawl.
    pub last_started_at: Option<String>,
    /// End of the latest crawl.
    pub last_finished_at: Option<String>,
    /// Why the latest crawl failed or was partial.
    pub last_error: Option<String>,
    /// Figures of the latest crawl (repositories, tags, digests, queued, requests, seconds, …).
    #[schema(value_type = Object)]
    pub last_stats: Option<serde_json::Value>,
    /// A replica is crawling it now.
    pub running: bool,
}

/// A crawl claimed by a `seawall serve` replica.
#[derive(Debug, Clone)]
pub struct ClaimedCrawl {
    /// Row id.
    pub id: i64,
    /// Owning project.
    pub project_id: i64,
    /// `host[:port]`.
    pub registry: String,
    /// Plain HTTP (loopback) or unverified TLS.
    pub insecure: bool,
    /// Sealed credentials.
    pub sealed_credentials: Option<Vec<u8>>,
    /// Seconds between crawls.
    pub interval_seconds: i32,
    /// Requests per second.
    pub rate_limit: f64,
    /// Repository globs crawled.
    pub include: Vec<String>,
    /// Repository globs skipped.
    pub exclude: Vec<String>,
    /// Most tags resolved per repository.
    pub max_tags: i32,
}

/// The associated data that binds a crawl's sealed credentials to its project and registry.
pub fn crawl_credentials_context(project_id: i64, registry: &str) -> Vec<u8> {
    let mut v = project_id.to_be_bytes().to_vec();
    v.extend_from_slice(b"crawl:");
    v.extend_from_slice(registry.as_bytes());
    v
}

impl Store {
    /// Creates or replaces the project's crawl of `registry`; the next crawl is due at once.
    pub async fn put_crawl(&self, crawl: &NewCrawl) -> Result<i64, StoreError> {
        let c = self.client().await?;
        let row = c
            .query_one(
                PUT_CRAWL,
                &[
                    &crawl.project_id,
                    &crawl.registry,
                    &crawl.insecure,
                    &crawl.sealed_credentials,
                    &crawl.interval_seconds,
                    &crawl.rate_limit,
                    &crawl.include,
                    &crawl.exclude,
                    &crawl.max_tags,
                ],
            )
            .await?;
        Ok(row.get(0))
    }

    /// The project's crawls with the status of their latest run.
    pub async fn crawls(&self, project_id: i64) -> Result<Vec<CrawlView>, StoreError> {
        let c = self.client().await?;
        let rows = c.query(LIST_CRAWLS, &[&project_id]).await?;
        Ok(rows
            .iter()
            .map(|r| CrawlView {
                registry: r.get(0),
                insecure: r.get(1),
                has_credentials: r.get(2),
                interval_seconds: r.get(3),
                rate_limit: r.get(4),
                include: r.get(5),
                exclude: r.get(6),
                max_tags: r.get(7),
                next_run_at: r.get(8),
                last_started_at: r.get(9),
                last_finished_at: r.get(10),
                last_error: r.get(11),
                last_stats: r.get(12),
                running: r.get::<_, Option<bool>>(13).unwrap_or(false),
            })
            .collect())
    }

    /// Deletes the project's crawl of `registry`; `false` when there was none.
    pub async fn delete_crawl(&self, project_id: i64, registry: &str) -> Result<bool, StoreError> {
        let c = self.client().await?;
        Ok(c.execute(DELETE_CRAWL, &[&project_id, &registry]).await? > 0)
    }

    /// Claims the crawl due first for `owner`, with a lease of `lease_seconds`.
    pub async fn claim_crawl(
        &self,
        owner: &str,
        lease_seconds: f64,
    ) -> Result<Option<ClaimedCrawl>, StoreError> {
        let c = self.client().await?;
        let row = c.query_opt(CLAIM_CRAWL, &[&owner, &lease_seconds]).await?;
        Ok(row.map(|r| ClaimedCrawl {
            id: r.get(0),
            project_id: r.get(1),
            registry: r.get(2),
            insecure: r.get(3),
            sealed_credentials: r.get(4),
            interval_seconds: r.get(5),
            rate_limit: r.get(6),
            include: r.get(7),
            exclude: r.get(8),
            max_tags: r.get(9),
        }))
    }

    /// Renews a crawl's lease; `false` when `owner` no longer holds it.
    pub async fn renew_crawl(&self, id: i64, owner: &str, lease_seconds: f64) -> Result<bool, StoreError> {
        let c = self.client().await?;
        Ok(c.execute(RENEW_CRAWL, &[&id, &owner, &lease_seconds]).await? == 1)
    }

    /// Ends a crawl: records its figures and error, releases the lease, schedules the next run.
    pub async fn finish_crawl(
        &self,
        id: i64,
        owner: &str,
        error: Option<&str>,
        stats: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        let c = self.client().await?;
        let error: Option<String> = error.map(|e| e.chars().take(4000).collect());
        Ok(c.execute(FINISH_CRAWL, &[&id, &owner, &error, stats]).await? == 1)
    }

    /// Records the `(digest, reference)` pairs a crawl found and returns the digests that need a job:
    /// without a result in the project and without a job of this crawl that is queued, running, done,
    /// or failed within the last day.
    pub async fn crawl_digests_to_queue(
        &self,
        crawl_id: i64,
        project_id: i64,
        found: &[(String, String)],
    ) -> Result<Vec<String>, StoreError> {
        let c = self.client().await?;
        let digests: Vec<&str> = found.iter().map(|(d, _)| d.as_str()).collect();
        let references: Vec<&str> = found.iter().map(|(_, r)| r.as_str()).collect();
        let rows = c.query(DIGESTS_TO_QUEUE, &[&crawl_id, &project_id, &digests]).await?;
        c.execute(SEEN_DIGESTS, &[&crawl_id, &digests, &references]).await?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }

    /// Records the job queued for a digest a crawl found.
    pub async fn crawl_digest_queued(
        &self,
        crawl_id: i64,
        digest: &str,
        job: Uuid,
    ) -> Result<(), StoreError> {
        let c = self.client().await?;
        c.execute(QUEUED_DIGEST, &[&crawl_id, &digest, &job]).await?;
        Ok(())
    }
}

#[cfg(test)]
mod pg_tests {
    //! Crawl bookkeeping against a real PostgreSQL (run with the store's other `pg_tests` by
    //! `tests/e2e/test-fleet.sh`; by hand: `SEAWALL_TEST_DATABASE_URL=postgres://… cargo test -p
    //! seawall-store pg_tests -- --ignored`).

    use std::str::FromStr;

    use seawall_core::{Report, Target, TargetKind};

    use super::*;
    use crate::{Failure, JobStatus, NewJob, NewResult, Origin};

    #[expect(
        clippy::disallowed_methods,
        reason = "test harness: the PostgreSQL server of these tests is named by the test runner's environment"
    )]
    async fn fresh_store(name: &str) -> Store {
        let base = std::env::var("SEAWALL_TEST_DATABASE_URL").expect("SEAWALL_TEST_DATABASE_URL");
        let admin = Store::connect(&base, 1).unwrap();
        {
            let c = admin.client().await.unwrap();
            c.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.unwrap();
            c.batch_execute(&format!("CREATE DATABASE {name}")).await.unwrap();
        }
        let mut config = tokio_postgres::Config::from_str(&base).unwrap();
        config.dbname(name);
        let store = Store::from_config(config, 4).unwrap();
        store.migrate().await.unwrap();
        store
    }

    fn d(c: char) -> String {
        format!("sha256:{}", c.to_string().repeat(64))
    }

    #[tokio::test]
    #[ignore = "needs PostgreSQL (SEAWALL_TEST_DATABASE_URL)"]
    async fn crawls_are_leased_scheduled_and_queue_each_digest_once() {
        let store = fresh_store("seawall_pg_crawl").await;
        let token = store.create_token("crawler").await.unwrap();
        let pid = store.authenticate(&token).await.unwrap().unwrap().project_id;
        let new = NewCrawl {
            project_id: pid,
            registry: "127.0.0.1:5000".into(),
            insecure: true,
            sealed_credentials: None,
            interval_seconds: 60,
            rate_limit: 2.0,
            include: vec!["ml/**".into()],
            exclude: vec![],
            max_tags: 10,
        };
        let id = store.put_crawl(&new).await.unwrap();
        assert_eq!(store.put_crawl(&new).await.unwrap(), id, "one row per project and registry");
        let listed = store.crawls(pid).await.unwrap();
        assert_eq!(listed.len(), 1);
        assert!(!listed[0].has_credentials && !listed[0].running);

        // One replica at a time.
        let claimed = store.claim_crawl("a", 60.0).await.unwrap().unwrap();
        assert_eq!((claimed.id, claimed.include.clone()), (id, vec!["ml/**".to_string()]));
        assert!(store.claim_crawl("b", 60.0).await.unwrap().is_none(), "leased to a");
        assert!(!store.renew_crawl(id, "b", 60.0).await.unwrap());
        assert!(store.renew_crawl(id, "a", 60.0).await.unwrap());
        assert!(store.crawls(pid).await.unwrap()[0].running);

        // Digests: queued once; a job that failed today is not retried; a digest with a result is known.
        let found = |ds: &[char]| -> Vec<(String, String)> {
            ds.iter().map(|c| (d(*c), format!("127.0.0.1:5000/ml/app@{}", d(*c)))).collect()
        };
        assert_eq!(store.crawl_digests_to_queue(id, pid, &found(&['a', 'b', 'c'])).await.unwrap().len(), 3);
        let job = |c: char| NewJob {
            project_id: pid,
            reference: format!("127.0.0.1:5000/ml/app@{}", d(c)),
            pinned_digest: Some(d(c)),
            platform: None,
            insecure: true,
            sealed_credentials: None,
            max_attempts: 1,
        };
        let ja = store.enqueue(&job('a')).await.unwrap();
        store.crawl_digest_queued(id, &d('a'), ja.id).await.unwrap();
        let jb = store.enqueue(&job('b')).await.unwrap();
        store.crawl_digest_queued(id, &d('b'), jb.id).await.unwrap();
        let claimed_job = store.claim("w", 60.0).await.unwrap().unwrap();
        let status = store.fail_job(claimed_job.id, "w", Failure::Permanent, "gone", None).await.unwrap();
        assert_eq!(status, Some(JobStatus::Failed));
        let mut r = Report::new(Target::new(TargetKind::Image, "127.0.0.1:5000/ml/app"));
        r.target.digest = Some(d('c'));
        r.normalize();
        let json = serde_json::to_vec(&r).unwrap();
        store
            .store_result(
                &NewResult {
                    project_id: pid,
                    reference: "127.0.0.1:5000/ml/app",
                    digest: &d('c'),
                    config_digest: None,
                    origin: Origin::Upload,
                    scanner: "test",
                    db_version: None,
                    report: &r,
                    report_json: &json,
                    layers_walked: None,
                    layers_cached: None,
                    worker: None,
                },
                None,
            )
            .await
            .unwrap();
        let again = store.crawl_digests_to_queue(id, pid, &found(&['a', 'b', 'c', 'e'])).await.unwrap();
        assert_eq!(again, vec![d('e')], "a and b have jobs (one failed today), c has a result");

        // The end of a crawl schedules the next one an interval later.
        assert!(store.finish_crawl(id, "a", None, &serde_json::json!({"queued": 2})).await.unwrap());
        assert!(!store.finish_crawl(id, "a", None, &serde_json::json!({})).await.unwrap(), "lease released");
        assert!(store.claim_crawl("b", 60.0).await.unwrap().is_none(), "not due for 60 s");
        let listed = store.crawls(pid).await.unwrap();
        assert_eq!(listed[0].last_stats, Some(serde_json::json!({"queued": 2})));
        assert!(listed[0].last_finished_at.is_some() && !listed[0].running);
        // A new configuration is due at once.
        store.put_crawl(&new).await.unwrap();
        assert!(store.claim_crawl("b", 60.0).await.unwrap().is_some());
        // Other projects see nothing; deleting removes the digests too.
        let other = store.create_token("other").await.unwrap();
        let other = store.authenticate(&other).await.unwrap().unwrap().project_id;
        assert!(store.crawls(other).await.unwrap().is_empty());
        assert!(!store.delete_crawl(other, "127.0.0.1:5000").await.unwrap());
        assert!(store.delete_crawl(pid, "127.0.0.1:5000").await.unwrap());
        let c = store.client().await.unwrap();
        let n: i64 = c.query_one("SELECT count(*) FROM crawl_digests", &[]).await.unwrap().get(0);
        assert_eq!(n, 0);
    }
}
