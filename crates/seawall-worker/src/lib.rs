//! # seawall-worker — `seawall worker`, the fleet's scanners
//!
//! A stateless process (run as many as needed, anywhere) that takes scan jobs from the PostgreSQL
//! queue of `seawall-store` and stores their results:
//!
//! 1. claims a job with `SELECT … FOR UPDATE SKIP LOCKED` and a lease, renewed by a heartbeat while
//!    the scan runs; woken by `LISTEN seawall_jobs` (with a polling fallback);
//! 2. opens the registry image (credentials come sealed in the job and are opened with the shared
//!    key); when a result for (digest, scanner versions, DB version) exists, the job is completed
//!    with it and nothing is scanned;
//! 3. scans with `seawall_scan::scan_source` exactly as `seawall scan image` does and renders the JSON
//!    report the same way, so the stored report is the CLI's;
//! 4. stores the result and completes the job in one transaction that checks the lease: a job whose
//!    lease expired under a slow or partitioned worker keeps the other worker's result only.
//!
//! Failures: permanent ones (image gone, reference refused, authentication) fail the job at once with
//! the reason; transient ones go back to the queue with exponential backoff until `max_attempts`. A
//! worker killed mid-scan loses nothing: its lease expires and another worker retries.
//!
//! [`vulndb::LocalDb`] keeps the local OSV database current on an interval and versions it;
//! [`scan::scanner_fingerprint`] names the scanner versions.
#![deny(missing_docs)]

mod layers;
pub mod reevaluate;
pub mod scan;
pub mod vulndb;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Notify, Semaphore};

use seawall_core::Environment;
use seawall_scan::{ScanOptions, Scanners};
use seawall_store::{ClaimedJob, Failure, NewResult, Origin, SecretKey, Store, StoreError};

pub use layers::SharedLayerCache;
use vulndb::LocalDb;

/// How a worker runs.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// Worker id (unique per process; default `HOST-PID-RANDOM`).
    pub id: String,
    /// Jobs scanned at once by this process.
    pub concurrency: usize,
    /// Lease length; the heartbeat renews it every third of it.
    pub lease: Duration,
    /// Poll interval when no notification arrives.
    pub poll: Duration,
    /// Local OSV database.
    pub db_path: PathBuf,
    /// Where database updates come from.
    pub db_source: String,
    /// Ecosystems to keep in the database.
    pub db_ecosystems: Vec<String>,
    /// Update interval; zero disables updates after the first.
    pub db_update_interval: Duration,
    /// Opens sealed registry credentials.
    pub secret_key: Option<SecretKey>,
    /// Local layer cache directory (`None`: the default one).
    pub cache_dir: Option<PathBuf>,
    /// Share per-layer facts through PostgreSQL (the fleet-wide cache) instead of a local directory.
    pub shared_cache: bool,
    /// Bypass every layer cache.
    pub no_cache: bool,
    /// Scanners to run.
    pub scanners: Scanners,
    /// Stop after this many jobs (benchmarks and tests); `None` = forever.
    pub max_jobs: Option<u64>,
    /// The environment the worker was started in (the default layer cache directory below
    /// `SEAWALL_CACHE_DIR`, `XDG_CACHE_HOME` or `HOME`).
    pub env: Environment,
}

impl WorkerConfig {
    /// Defaults for a worker with its DB at `db_path`, started in `env`.
    pub fn new(db_path: PathBuf, env: Environment) -> Self {
        WorkerConfig {
            id: default_id(&env),
            concurrency: 1,
            lease: Duration::from_secs(60),
            poll: Duration::from_secs(5),
            db_path,
            db_source: seawall_vulndb::DEFAULT_SOURCE.to_string(),
            db_ecosystems: seawall_vulndb::DEFAULT_ECOSYSTEMS.iter().map(|s| s.to_string()).collect(),
            db_update_interval: Duration::from_secs(3600),
            secret_key: None,
            cache_dir: None,
            shared_cache: true,
            no_cache: false,
            scanners: Scanners::default(),
            max_jobs: None,
            env,
        }
    }
}

/// `HOST-PID-RANDOM`: the host is `/proc/sys/kernel/hostname`, else `HOSTNAME` of `env`, else `worker`.
pub fn default_id(env: &Environment) -> String {
    let host = fs_err::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| env.hostname().map(str::to_string))
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "worker".into());
    let mut r = [0u8; 3];
    let _ = getrandom::fill(&mut r);
    format!("{host}-{}-{}", std::process::id(), hex::encode(r))
}

/// Errors that stop a worker.
#[derive(Debug, thiserror::Error)]
pub enum WorkerError {
    /// The database schema is not the one this build needs.
    #[error("{0}")]
    Schema(String),
}

#[expect(clippy::print_stderr, reason = "the worker's log: one timestamped line on stderr per event")]
fn log(msg: impl AsRef<str>) {
    eprintln!("{} seawall worker: {}", jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ"), msg.as_ref());
}

struct Shared {
    store: Store,
    config: WorkerConfig,
    db: Arc<LocalDb>,
    scanner: String,
    layer_cache: Option<Arc<SharedLayerCache>>,
    wake: Notify,
    stopping: AtomicBool,
}

/// Runs a worker until SIGINT/SIGTERM (or `max_jobs`). Waits for PostgreSQL when it is down.
pub async fn run(config: WorkerConfig, store: Store) -> Result<(), WorkerError> {
    // The schema must be current (serve --migrate applies it); wait while the database is down.
    let mut delay = Duration::from_millis(500);
    loop {
        match store.check_schema().await {
            Ok(()) => break,
            Err(e @ StoreError::Schema(_)) => return Err(WorkerError::Schema(e.to_string())),
            Err(e) => {
                log(format!("waiting for the database: {e}"));
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
    }
    let db = LocalDb::new(config.db_path.clone(), config.db_source.clone(), config.db_ecosystems.clone());
    let scanner = scan::scanner_fingerprint(&config.scanners);
    let layer_cache = (config.shared_cache && !config.no_cache)
        .then(|| Arc::new(SharedLayerCache::new(store.clone(), tokio::runtime::Handle::current())));
    let shared = Arc::new(Shared {
        store,
        config,
        db,
        scanner,
        layer_cache,
        wake: Notify::new(),
        stopping: AtomicBool::new(false),
    });

    // The first database: before any job (a result without vulnerability matching is incomplete).
    while shared.db.version().is_none() {
        let db = shared.db.clone();
        match tokio::task::spawn_blocking(move || db.update()).await {
            Ok(Ok(line)) => log(line),
            Ok(Err(e)) => log(e),
            Err(e) => log(format!("database update task failed: {e}")),
        }
        if shared.db.version().is_none() {
            log(format!(
                "no usable vulnerability database at {}; retrying in 60 s",
                shared.db.path.display()
            ));
            tokio::select! {
                () = tokio::time::sleep(Duration::from_secs(60)) => {},
                () = seawall_server_signal() => return Ok(()),
            }
        }
    }
    register(&shared).await;
    log(format!(
        "{} ready: scanner {}, {}, concurrency {}",
        shared.config.id,
        shared.scanner,
        shared.db.version().unwrap_or_default(),
        shared.config.concurrency
    ));

    tokio::spawn(listen_loop(shared.clone()));
    tokio::spawn(housekeeping_loop(shared.clone()));
    tokio::spawn(webhook_loop(shared.clone()));
    tokio::spawn(reevaluate(shared.clone()));
    if !shared.config.db_update_interval.is_zero() {
        tokio::spawn(db_update_loop(shared.clone()));
    }

    let permits = Arc::new(Semaphore::new(shared.config.concurrency.max(1)));
    let mut claimed: u64 = 0;
    let mut backoff = Duration::from_millis(200);
    let signal = seawall_server_signal();
    tokio::pin!(signal);
    loop {
        if shared.config.max_jobs.is_some_and(|m| claimed >= m) {
            break;
        }
        let permit = tokio::select! {
            p = permits.clone().acquire_owned() => match p { Ok(p) => p, Err(_) => break },
            () = &mut signal => break,
        };
        match shared.store.claim(&shared.config.id, shared.config.lease.as_secs_f64()).await {
            Ok(Some(job)) => {
                backoff = Duration::from_millis(200);
                claimed += 1;
                let s = shared.clone();
                tokio::spawn(async move {
                    process(&s, job).await;
                    drop(permit);
                });
            }
            Ok(None) => {
                drop(permit);
                tokio::select! {
                    () = shared.wake.notified() => {},
                    () = tokio::time::sleep(shared.config.poll) => {},
                    () = &mut signal => break,
                }
            }
            Err(e) => {
                drop(permit);
                log(format!("cannot claim jobs: {e}; retrying in {} ms", backoff.as_millis()));
                tokio::select! {
                    () = tokio::time::sleep(backoff) => {},
                    () = &mut signal => break,
                }
                backoff = (backoff * 2).min(Duration::from_secs(10));
            }
        }
    }
    shared.stopping.store(true, Ordering::SeqCst);
    // Let running jobs finish (their leases keep them ours); a second signal or the orchestrator's
    // kill ends the process, and the leases then expire and other workers retry.
    log("stopping: waiting for running jobs");
    let all = u32::try_from(shared.config.concurrency.max(1)).unwrap_or(u32::MAX);
    tokio::select! {
        _ = permits.acquire_many(all) => {},
        () = seawall_server_signal() => {},
    }
    Ok(())
}

/// SIGINT or SIGTERM.
async fn seawall_server_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

async fn register(s: &Shared) {
    let mut delay = Duration::from_millis(500);
    loop {
        let v = s.db.version();
        match s.store.register_worker(&s.config.id, &hostname(), &s.scanner, v.as_deref()).await {
            Ok(()) => return,
            Err(e) => {
                log(format!("cannot register: {e}"));
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
    }
}

fn hostname() -> String {
    fs_err::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_default()
}

/// Keeps a LISTEN connection open (reconnecting after database restarts) and wakes the claim loop.
async fn listen_loop(s: Arc<Shared>) {
    let mut delay = Duration::from_millis(500);
    loop {
        match s.store.listen_jobs().await {
            Ok(listener) => {
                delay = Duration::from_millis(500);
                // Jobs may have been queued while not listening.
                s.wake.notify_one();
                loop {
                    listener.notified().await;
                    if listener.is_closed() {
                        break;
                    }
                    s.wake.notify_one();
                }
                log("LISTEN connection lost; reconnecting");
            }
            Err(e) => {
                log(format!("cannot LISTEN: {e}"));
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
            }
        }
    }
}

/// Liveness heartbeat of the worker and the reaper of expired leases (any worker may reap).
async fn housekeeping_loop(s: Arc<Shared>) {
    let period = (s.config.lease / 4).clamp(Duration::from_millis(500), Duration::from_secs(15));
    let mut last_evict = Instant::now();
    loop {
        tokio::time::sleep(period).await;
        // Shared layer-cache entries unused for 30 days go (any worker may do it; it is idempotent).
        if s.layer_cache.is_some() && last_evict.elapsed() > Duration::from_secs(3600) {
            last_evict = Instant::now();
            match s.store.layer_cache_evict(30).await {
                Ok(0) => {}
                Ok(n) => log(format!("evicted {n} shared layer-cache entries unused for 30 days")),
                Err(e) => log(format!("layer-cache eviction failed: {e}")),
            }
        }
        let v = s.db.version();
        if let Err(e) = s.store.worker_seen(&s.config.id, v.as_deref()).await {
            if e.is_transient() {
                continue;
            }
            log(format!("worker heartbeat failed: {e}"));
        }
        match s.store.reap_expired().await {
            Ok((0, 0)) => {}
            Ok((requeued, failed)) => {
                log(format!("expired leases: {requeued} job(s) requeued, {failed} failed"));
                s.wake.notify_one();
            }
            Err(e) if e.is_transient() => {}
            Err(e) => log(format!("reaping expired leases failed: {e}")),
        }
    }
}

async fn db_update_loop(s: Arc<Shared>) {
    loop {
        tokio::time::sleep(s.config.db_update_interval).await;
        let db = s.db.clone();
        match tokio::task::spawn_blocking(move || db.update()).await {
            Ok(Ok(line)) => log(line),
            Ok(Err(e)) => log(e),
            Err(e) => log(format!("database update task failed: {e}")),
        }
        let v = s.db.version();
        let _ = s.store.worker_seen(&s.config.id, v.as_deref()).await;
        tokio::spawn(reevaluate(s.clone()));
    }
}

/// Re-matches the stored inventories against the current database version (once fleet-wide per
/// version; one run at a time in this process).
async fn reevaluate(s: Arc<Shared>) {
    static RUNNING: AtomicBool = AtomicBool::new(false);
    if RUNNING.swap(true, Ordering::SeqCst) {
        return;
    }
    if let Some(version) = s.db.version() {
        let epoch = s.db.begin_read();
        let db = s.db.clone();
        match reevaluate::reevaluate(&s.store, &s.config.id, &s.db.path, &version, move || {
            db.unchanged_since(epoch)
        })
        .await
        {
            Ok(o) => log(o.line),
            Err(e) => log(format!("re-evaluation of stored inventories failed: {e}")),
        }
    }
    RUNNING.store(false, Ordering::SeqCst);
}

/// Delivers queued webhook notifications (any worker may; each delivery is leased).
async fn webhook_loop(s: Arc<Shared>) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .redirect(reqwest::redirect::Policy::none())
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            log(format!("webhooks disabled: cannot build an HTTP client: {e}"));
            return;
        }
    };
    loop {
        let (ok, failed) = reevaluate::deliver_webhooks(&s.store, &client).await;
        if ok > 0 {
            log(format!("delivered {ok} webhook notification(s)"));
        }
        if ok + failed == 0 {
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
}

/// Renews a job's lease until `done` is set; sets `lost` when the lease is gone.
async fn heartbeat(s: Arc<Shared>, job: uuid::Uuid, done: Arc<AtomicBool>, lost: Arc<AtomicBool>) {
    let period = (s.config.lease / 3).max(Duration::from_millis(100));
    while !done.load(Ordering::SeqCst) {
        tokio::time::sleep(period).await;
        if done.load(Ordering::SeqCst) {
            break;
        }
        match s.store.heartbeat(job, &s.config.id, s.config.lease.as_secs_f64()).await {
            Ok(true) => {}
            Ok(false) => {
                lost.store(true, Ordering::SeqCst);
                log(format!("job {job}: lease lost (expired and taken back); its result will be discarded"));
                break;
            }
            Err(e) => log(format!("job {job}: heartbeat failed: {e}")),
        }
    }
}

/// What a job attempt produced.
enum Outcome {
    Scanned {
        digest: String,
        config_digest: String,
        output: Box<scan::ScanOutput>,
        db_version: Option<String>,
    },
    Reused {
        digest: String,
        result_id: i64,
    },
    Failed {
        failure: Failure,
        reason: String,
        digest: Option<String>,
    },
}

async fn process(s: &Arc<Shared>, job: ClaimedJob) {
    let t0 = Instant::now();
    let done = Arc::new(AtomicBool::new(false));
    let lost = Arc::new(AtomicBool::new(false));
    tokio::spawn(heartbeat(s.clone(), job.id, done.clone(), lost.clone()));
    log(format!("job {} {}: attempt {}/{}", job.id, job.reference, job.attempt, job.max_attempts));
    let outcome = attempt(s, &job).await;
    done.store(true, Ordering::SeqCst);
    let secs = t0.elapsed().as_secs_f64();
    match outcome {
        Outcome::Scanned { digest, config_digest, output, db_version } => {
            let new = NewResult {
                project_id: job.project_id,
                reference: &job.reference,
                digest: &digest,
                config_digest: Some(&config_digest),
                origin: Origin::Worker,
                scanner: &s.scanner,
                db_version: db_version.as_deref(),
                report: &output.report,
                report_json: &output.json,
                layers_walked: i32::try_from(output.walked).ok(),
                layers_cached: i32::try_from(output.cached).ok(),
                worker: Some(&s.config.id),
            };
            let stored =
                retry(s, "store the result", || s.store.store_result(&new, Some((job.id, &s.config.id))))
                    .await;
            match stored {
                Some(Some(st)) => {
                    log(format!(
                        "job {} {}: done in {secs:.1} s, result {}{} ({} layers walked, {} from cache)",
                        job.id,
                        digest,
                        st.result_id,
                        if st.existed { " (existing)" } else { "" },
                        output.walked,
                        output.cached
                    ));
                    let _ = s.store.worker_counted(&s.config.id, 1, 0).await;
                }
                Some(None) => {
                    log(format!("job {}: lease lost before the result was stored; discarded", job.id))
                }
                None => log(format!(
                    "job {}: result not stored (database unavailable); the lease will expire",
                    job.id
                )),
            }
        }
        Outcome::Reused { digest, result_id } => {
            match retry(s, "complete the job", || {
                s.store.complete_with_existing(job.id, &s.config.id, &digest, result_id)
            })
            .await
            {
                Some(true) => {
                    log(format!("job {} {digest}: fresh result {result_id} reused, nothing scanned", job.id));
                    let _ = s.store.worker_counted(&s.config.id, 1, 0).await;
                }
                Some(false) => log(format!("job {}: lease lost", job.id)),
                None => {}
            }
        }
        Outcome::Failed { failure, reason, digest } => {
            let status = retry(s, "record the failure", || {
                s.store.fail_job(job.id, &s.config.id, failure, &reason, digest.as_deref())
            })
            .await;
            if let Some(Some(st)) = status {
                log(format!("job {} {}: {} after {secs:.1} s: {reason}", job.id, job.reference, st.as_str()));
                if st == seawall_store::JobStatus::Failed {
                    let _ = s.store.worker_counted(&s.config.id, 0, 1).await;
                }
            }
        }
    }
}

/// Retries a store operation through transient errors (a database restart) for up to two leases.
async fn retry<T, F, Fut>(s: &Shared, what: &str, mut op: F) -> Option<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, StoreError>>,
{
    let deadline = Instant::now() + s.config.lease * 2;
    let mut delay = Duration::from_millis(200);
    loop {
        match op().await {
            Ok(v) => return Some(v),
            Err(e) if e.is_transient() && Instant::now() < deadline => {
                log(format!("cannot {what} ({e}); retrying in {} ms", delay.as_millis()));
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(5));
            }
            Err(e) => {
                log(format!("cannot {what}: {e}"));
                return None;
            }
        }
    }
}

async fn attempt(s: &Arc<Shared>, job: &ClaimedJob) -> Outcome {
    let credentials = match (&job.sealed_credentials, &s.config.secret_key) {
        (None, _) => None,
        (Some(_), None) => {
            return Outcome::Failed {
                failure: Failure::Permanent,
                reason: "the job carries sealed registry credentials but this worker has no --secret-key"
                    .into(),
                digest: None,
            };
        }
        (Some(sealed), Some(key)) => {
            let ctx = seawall_store::secret::credentials_context(job.project_id, &job.reference);
            match key.open(sealed, &ctx).and_then(|plain| {
                serde_json::from_slice::<seawall_store::Credentials>(&plain)
                    .map_err(|e| StoreError::Crypto(format!("sealed credentials are not readable: {e}")))
            }) {
                Ok(c) => Some((c.username, c.password)),
                Err(e) => {
                    return Outcome::Failed {
                        failure: Failure::Permanent,
                        reason: e.to_string(),
                        digest: None,
                    };
                }
            }
        }
    };
    let (reference, platform, insecure) = (job.reference.clone(), job.platform.clone(), job.insecure);
    let opened = tokio::task::spawn_blocking(move || {
        scan::open(&reference, platform.as_deref(), insecure, credentials)
    })
    .await;
    let source: Arc<dyn seawall_source::ImageSource> = match opened {
        Ok(Ok(src)) => Arc::from(src),
        Ok(Err(e)) => {
            return Outcome::Failed {
                failure: scan::classify(&e),
                reason: format!("cannot open the image: {e}"),
                digest: None,
            };
        }
        Err(e) => {
            return Outcome::Failed {
                failure: Failure::Transient,
                reason: format!("scan task failed: {e}"),
                digest: None,
            };
        }
    };
    let (digest, config_digest) = scan::image_digest(source.as_ref());
    // Idempotency: a result for this digest, scanner and DB version already exists.
    let version = s.db.version();
    if let Some(Ok(Some(result_id))) = retry(s, "look up existing results", || async {
        Ok::<_, StoreError>(
            s.store.existing_result(job.project_id, &digest, &s.scanner, version.as_deref()).await,
        )
    })
    .await
    {
        return Outcome::Reused { digest, result_id };
    }
    let opts = ScanOptions {
        scanners: s.config.scanners,
        db: Some(s.db.path.clone()),
        offline: true,
        cache_dir: s.config.cache_dir.clone(),
        no_cache: s.config.no_cache,
        layer_store: s.layer_cache.clone().map(|c| c as Arc<dyn seawall_walker::LayerStore>),
        env: s.config.env.clone(),
        ..Default::default()
    };
    // Repeat when the DB was replaced during the scan, so the version recorded is the one used.
    for _ in 0..3 {
        let db = s.db.clone();
        let (src, o) = (source.clone(), opts.clone());
        let run = tokio::task::spawn_blocking(move || {
            let epoch = db.begin_read();
            let version = db.version();
            let out = scan::scan(src.as_ref(), o);
            (out, version, db.unchanged_since(epoch))
        })
        .await;
        match run {
            Ok((Ok(output), version, true)) => {
                return Outcome::Scanned {
                    digest,
                    config_digest,
                    output: Box::new(output),
                    db_version: version,
                };
            }
            Ok((Ok(_), _, false)) => {
                log(format!("job {}: the database was updated during the scan; rescanning", job.id))
            }
            Ok((Err(e), _, _)) => {
                let failure = match &e {
                    seawall_scan::ScanError::Source(se) => scan::classify(se),
                    _ => Failure::Permanent,
                };
                return Outcome::Failed {
                    failure,
                    reason: format!("scan failed: {e}"),
                    digest: Some(digest),
                };
            }
            Err(e) => {
                return Outcome::Failed {
                    failure: Failure::Transient,
                    reason: format!("scan task failed: {e}"),
                    digest: Some(digest),
                };
            }
        }
    }
    Outcome::Failed {
        failure: Failure::Transient,
        reason: "the database kept changing during the scan".into(),
        digest: Some(digest),
    }
}
