//! # seawall-store — fleet mode on PostgreSQL
//!
//! Everything `seawall serve` and `seawall worker` share lives in PostgreSQL, reached through this
//! crate (tokio-postgres + a deadpool pool); no state is kept in a process that a restart would lose.
//!
//! * [`Store`] — a connection pool with typed operations:
//!   * tokens ([`Store::create_token`], [`Store::authenticate`], [`Store::revoke_token`]): only the
//!     SHA-256 of a token is stored, each token belongs to one project;
//!   * the job queue ([`Store::enqueue`], [`Store::claim`], [`Store::heartbeat`], [`Store::fail_job`],
//!     [`Store::reap_expired`]): claims with `SELECT … FOR UPDATE SKIP LOCKED`, leases renewed by
//!     heartbeat, bounded attempts with exponential backoff, `NOTIFY seawall_jobs` on every queued
//!     job (see [`JobListener`]);
//!   * results ([`Store::store_result`]): the JSON report byte for byte (zstd), completeness, counts,
//!     and the inventory and findings row by row for fleet queries ([`Store::images_with_package`],
//!     [`Store::images_with_advisory`], [`Store::findings`]);
//!   * the shared per-layer fact cache ([`Store::layer_cache_get`], [`Store::layer_cache_put`]);
//!   * scheduled registry crawls ([`Store::put_crawl`], [`Store::claim_crawl`],
//!     [`Store::crawl_digests_to_queue`]);
//!   * the web dashboard's read-only queries ([`Store::project_overview`], [`Store::dashboard_images`],
//!     [`Store::finding_trends`], [`Store::agent_view`]);
//!   * re-evaluation after a vulnerability-DB update ([`Store::rematch_packages`],
//!     [`Store::apply_rematch`]) and the webhook outbox ([`Store::due_webhooks`]).
//! * agents ([`Store::record_agent_report`], [`Store::hosts`], [`Store::agent_alerts`]): what
//!   `seawall monitor --report-to` sends — hosts, the containers each runs, alerts deduplicated on
//!   (project, host, agent sequence number).
//! * [`migrate`] — versioned SQL migrations embedded from `migrations/`, applied under an advisory lock.
//! * [`secret`] — token generation and hashing, and [`SecretKey`] that seals registry credentials.
//!
//! Every statement is a constant SQL string with `$n` parameters (a test checks that no SQL text is
//! built by formatting). Relation to siblings: `seawall-server` (REST API) and `seawall-worker` (scans)
//! are its two users; reports are `seawall_core::Report`s.
//!
//! ```no_run
//! # async fn demo() -> Result<(), seawall_store::StoreError> {
//! let store = seawall_store::Store::connect("postgres://seawall@127.0.0.1/seawall", 8)?;
//! store.migrate().await?;
//! let token = store.create_token("ml-platform").await?;
//! let who = store.authenticate(&token).await?;
//! assert!(who.is_some());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod agents;
mod cache;
mod crawl;
mod dashboard;
mod error;
mod jobs;
mod listen;
pub mod migrate;
#[cfg(test)]
mod pg_tests;
mod rematch;
mod results;
pub mod secret;
mod sql;
mod tokens;
mod types;

use std::str::FromStr;
use std::time::Duration;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use tokio_postgres::NoTls;

pub use agents::{
    AgentAlertView, AgentInput, AgentReportOutcome, HostContainer, HostContainerView, HostView,
};
pub use cache::{CacheLock, CacheStats, MAX_ENTRY_BYTES};
pub use crawl::{ClaimedCrawl, CrawlView, NewCrawl, crawl_credentials_context};
pub use dashboard::{
    AgentView, DashboardAlert, DashboardContainer, DashboardHost, DashboardImage, ProjectOverview, TrendDay,
    WorstFinding,
};
pub use error::{StoreError, db_message};
pub use jobs::{Failure, QueueCounts, dedupe_key};
pub use listen::{JOBS_CHANNEL, JobListener};
pub use rematch::{
    AdvisoryMatch, Delivery, Exposure, OpenedFinding, RematchPackage, RematchSummary, notification,
    valid_severity,
};
pub use results::counts_of;
pub use results::{StoredReport, parse_finding_cursor, parse_id_cursor};
pub use secret::{Credentials, SecretKey};
pub use tokens::valid_project_name;
pub use types::*;

/// A pool of connections to the fleet database.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
    config: tokio_postgres::Config,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration holds the password: never printed.
        f.debug_struct("Store").field("pool_status", &self.pool.status()).finish_non_exhaustive()
    }
}

impl Store {
    /// A pool of at most `max_size` connections to `url` (`postgres://user:pass@host:port/db` or a
    /// key=value string). Connections are opened lazily, so this succeeds while the database is down;
    /// each use reconnects as needed.
    pub fn connect(url: &str, max_size: usize) -> Result<Store, StoreError> {
        let config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Config(format!("invalid --database URL: {}", db_message(&e))))?;
        Store::from_config(config, max_size)
    }

    /// [`Store::connect`] with the password read from a file (a mounted secret) instead of the URL.
    pub fn connect_with_password_file(
        url: &str,
        password_file: Option<&std::path::Path>,
        max_size: usize,
    ) -> Result<Store, StoreError> {
        let mut config = tokio_postgres::Config::from_str(url)
            .map_err(|e| StoreError::Config(format!("invalid --database URL: {}", db_message(&e))))?;
        if let Some(p) = password_file {
            let text = fs_err::read_to_string(p).map_err(|e| {
                StoreError::Config(format!("cannot read the password file {}: {e}", p.display()))
            })?;
            config.password(text.trim_end_matches(['\n', '\r']));
        }
        Store::from_config(config, max_size)
    }

    /// [`Store::connect`] with a parsed configuration.
    pub fn from_config(mut config: tokio_postgres::Config, max_size: usize) -> Result<Store, StoreError> {
        if config.get_application_name().is_none() {
            config.application_name("seawall");
        }
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(5));
        }
        let mgr = Manager::from_config(
            config.clone(),
            NoTls,
            ManagerConfig { recycling_method: RecyclingMethod::Fast },
        );
        let pool = Pool::builder(mgr)
            .max_size(max_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(Duration::from_secs(30)))
            .create_timeout(Some(Duration::from_secs(10)))
            .recycle_timeout(Some(Duration::from_secs(5)))
            .build()
            .map_err(|e| StoreError::Config(format!("cannot build the connection pool: {e}")))?;
        Ok(Store { pool, config })
    }

    pub(crate) async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        self.pool.get().await.map_err(StoreError::from)
    }

    /// Applies pending migrations (`seawall serve --migrate`); returns the versions applied.
    pub async fn migrate(&self) -> Result<Vec<i32>, StoreError> {
        let mut c = self.client().await?;
        let client: &mut tokio_postgres::Client = &mut c;
        migrate::migrate(client).await
    }

    /// Fails unless the schema is exactly the one this build needs (checked at start).
    pub async fn check_schema(&self) -> Result<(), StoreError> {
        let c = self.client().await?;
        migrate::check(&c).await
    }

    /// A round trip to the database (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let c = self.client().await?;
        c.query_one("SELECT 1", &[]).await?;
        Ok(())
    }

    /// Connection-pool figures: (connections open, idle, tasks waiting).
    pub fn pool_status(&self) -> (usize, usize, usize) {
        let s = self.pool.status();
        (s.size, s.available, s.waiting)
    }

    /// Opens a dedicated connection that listens on [`JOBS_CHANNEL`].
    pub async fn listen_jobs(&self) -> Result<JobListener, StoreError> {
        JobListener::connect(&self.config).await
    }
}
