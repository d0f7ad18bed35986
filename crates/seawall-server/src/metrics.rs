//! Prometheus metrics of `seawall serve` (OpenMetrics text via `prometheus-client`): HTTP traffic,
//! submissions and uploads counted in the process; queue depth, workers and the layer cache read
//! from PostgreSQL at scrape time, so every replica reports the same fleet figures.

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use seawall_store::Store;

type Labels = Vec<(String, String)>;

/// The metrics of one serve process.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// HTTP requests by method, route template and status.
    pub requests: Family<Labels, Counter>,
    /// Request durations by route template.
    pub request_seconds: Family<Labels, Histogram>,
    /// Scan submissions by outcome (`queued`, `deduplicated`).
    pub submissions: Family<Labels, Counter>,
    /// Reports uploaded.
    pub uploads: Counter,
    /// Submissions through the integrations by source (`harbor`, `registry-events`) and outcome
    /// (`queued`, `deduplicated`, `ignored`, `refused`).
    pub integrations: Family<Labels, Counter>,
    /// Authentication failures.
    pub auth_failures: Counter,
    // Read from the database at scrape time.
    jobs: Family<Labels, Gauge>,
    oldest_ready: Gauge<f64, std::sync::atomic::AtomicU64>,
    workers_live: Gauge,
    worker_jobs: Family<Labels, Gauge>,
    cache_entries: Gauge,
    cache_hits: Gauge,
    cache_bytes: Gauge,
    cache_duplicates: Gauge,
    pool: Family<Labels, Gauge>,
    db_up: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Counts one integration submission.
    pub fn integration(&self, source: &str, outcome: &str) {
        self.integrations
            .get_or_create(&vec![("source".into(), source.into()), ("outcome".into(), outcome.into())])
            .inc();
    }

    /// Creates and registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("seawall");
        let requests = Family::<Labels, Counter>::default();
        registry.register("http_requests", "HTTP requests by method, route and status", requests.clone());
        let request_seconds = Family::<Labels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0005, 3.0, 12))
        });
        registry.register(
            "http_request_duration_seconds",
            "HTTP request durations by route",
            request_seconds.clone(),
        );
        let submissions = Family::<Labels, Counter>::default();
        registry.register("scan_submissions", "Scan submissions by outcome", submissions.clone());
        let uploads = Counter::default();
        registry.register("report_uploads", "Reports uploaded by `seawall scan --upload`", uploads.clone());
        let integrations = Family::<Labels, Counter>::default();
        registry.register(
            "integration_submissions",
            "Harbor scan requests and registry push events by source and outcome",
            integrations.clone(),
        );
        let auth_failures = Counter::default();
        registry.register(
            "auth_failures",
            "Requests refused for a missing, malformed or unknown token",
            auth_failures.clone(),
        );
        let jobs = Family::<Labels, Gauge>::default();
        registry.register(
            "jobs",
            "Jobs by state (queued includes retries waiting; ready can be claimed now)",
            jobs.clone(),
        );
        let oldest_ready = Gauge::<f64, std::sync::atomic::AtomicU64>::default();
        registry.register(
            "queue_oldest_ready_seconds",
            "Age of the oldest claimable job",
            oldest_ready.clone(),
        );
        let workers_live = Gauge::default();
        registry.register(
            "workers_live",
            "Workers with a heartbeat in the last minute",
            workers_live.clone(),
        );
        let worker_jobs = Family::<Labels, Gauge>::default();
        registry.register(
            "worker_jobs",
            "Jobs finished per worker and outcome (since the worker registered)",
            worker_jobs.clone(),
        );
        let cache_entries = Gauge::default();
        registry.register("layer_cache_entries", "Entries of the shared layer cache", cache_entries.clone());
        let cache_hits = Gauge::default();
        registry.register(
            "layer_cache_hits",
            "Hits served by the shared layer cache entries",
            cache_hits.clone(),
        );
        let cache_bytes = Gauge::default();
        registry.register(
            "layer_cache_bytes",
            "Compressed bytes in the shared layer cache",
            cache_bytes.clone(),
        );
        let cache_duplicates = Gauge::default();
        registry.register(
            "layer_cache_duplicate_walks",
            "Layers walked again although an entry existed (concurrent scanners that did not wait)",
            cache_duplicates.clone(),
        );
        let pool = Family::<Labels, Gauge>::default();
        registry.register("db_pool_connections", "Database pool connections by state", pool.clone());
        let db_up = Gauge::default();
        registry.register("db_up", "1 when the last scrape reached PostgreSQL", db_up.clone());
        Metrics {
            registry,
            requests,
            request_seconds,
            submissions,
            uploads,
            integrations,
            auth_failures,
            jobs,
            oldest_ready,
            workers_live,
            worker_jobs,
            cache_entries,
            cache_hits,
            cache_bytes,
            cache_duplicates,
            pool,
            db_up,
        }
    }

    /// Refreshes the database-backed gauges and encodes everything.
    pub async fn render(&self, store: &Store) -> String {
        let (size, idle, waiting) = store.pool_status();
        for (state, n) in [("open", size), ("idle", idle), ("waiting", waiting)] {
            self.pool.get_or_create(&vec![("state".into(), state.into())]).set(n as i64);
        }
        let mut up = true;
        match store.queue_counts().await {
            Ok(q) => {
                for (state, n) in [("queued", q.queued), ("ready", q.ready), ("running", q.running)] {
                    self.jobs.get_or_create(&vec![("state".into(), state.into())]).set(n);
                }
                self.oldest_ready.set(q.oldest_ready_seconds);
            }
            Err(_) => up = false,
        }
        match store.workers().await {
            Ok(ws) => {
                self.workers_live.set(ws.iter().filter(|w| w.idle_seconds < 60.0).count() as i64);
                for w in ws {
                    for (outcome, n) in [("done", w.jobs_done), ("failed", w.jobs_failed)] {
                        self.worker_jobs
                            .get_or_create(&vec![
                                ("worker".into(), w.id.clone()),
                                ("outcome".into(), outcome.into()),
                            ])
                            .set(n);
                    }
                }
            }
            Err(_) => up = false,
        }
        match store.layer_cache_stats().await {
            Ok(s) => {
                self.cache_entries.set(s.entries);
                self.cache_hits.set(s.hits);
                self.cache_bytes.set(s.bytes);
                self.cache_duplicates.set(s.duplicate_walks);
            }
            Err(_) => up = false,
        }
        self.db_up.set(i64::from(up));
        let mut out = String::new();
        // Writing to a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }
}
