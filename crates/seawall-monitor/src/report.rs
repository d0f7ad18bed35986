//! Reporting to the fleet service (`seawall monitor --report-to URL`, `seawall audit docker --upload`).
//!
//! Every alert and every audit of the host becomes one [`AgentRecord`] with a sequence number,
//! durably appended to a [`Spool`] before anything is sent. A delivery task posts the oldest records
//! as one [`AgentBatch`] to `POST /api/v1/agents/report`, removes them only after the service
//! answered 2xx with [`BatchAck`], and retries with exponential backoff while the service is down —
//! so records arrive in order, and a retry after a lost answer is harmless because the service
//! deduplicates on (project, hostname, sequence number).

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use crate::alerts::Alert;
use crate::log::{LogEvent, Logger};
use crate::metrics::Metrics;
use crate::spool::{Spool, SpoolError};

/// The path of the report endpoint under the service's base URL.
pub const REPORT_PATH: &str = "/api/v1/agents/report";

/// Records per batch.
pub const BATCH_RECORDS: usize = 200;

/// One container of a host, as an audit reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentContainer {
    /// Container id.
    pub id: String,
    /// Name.
    pub name: String,
    /// Image reference as given at `docker run`.
    pub image: String,
    /// Image id (`sha256:` of the image configuration).
    pub image_id: String,
    /// The image's repository digests (`repo@sha256:…` of the manifests it was pulled as).
    #[serde(default)]
    pub repo_digests: Vec<String>,
    /// `running`, `exited`…
    pub state: String,
    /// Findings of the container's runtime-configuration audit.
    #[serde(default)]
    pub findings: Vec<seawall_core::Finding>,
}

/// What a record carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RecordBody {
    /// A drift or audit alert.
    Alert {
        /// The alert, as the log and the webhook carry it.
        alert: Alert,
    },
    /// The host's containers now: replaces what the service knew of this host.
    Audit {
        /// Every container the agent watches.
        containers: Vec<AgentContainer>,
    },
}

/// One record of an agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRecord {
    /// Sequence number, strictly increasing per agent (spool directory).
    pub seq: u64,
    /// RFC 3339 time the record was made.
    pub time: String,
    /// The content.
    #[serde(flatten)]
    pub body: RecordBody,
}

/// The body of `POST /api/v1/agents/report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentBatch {
    /// The agent's host name (its identity within the project).
    pub hostname: String,
    /// `seawall` version of the agent.
    pub agent_version: String,
    /// Records in sequence order.
    pub records: Vec<AgentRecord>,
}

/// A record the service refused (invalid), with the reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RejectedRecord {
    /// Its sequence number.
    pub seq: u64,
    /// Why.
    pub reason: String,
}

/// The service's answer: every record of the batch is stored (or was already, or is refused).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BatchAck {
    /// Records stored now.
    pub accepted: u64,
    /// Records the service had already (a retry after a lost answer).
    pub duplicates: u64,
    /// Records refused as invalid (they will never be stored).
    #[serde(default)]
    pub rejected: Vec<RejectedRecord>,
    /// The highest sequence number handled.
    pub acked_through: u64,
}

/// Where and how to report.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// Base URL of the service (`http://host:8080`) or the full endpoint.
    pub url: String,
    /// Project token.
    pub token: String,
    /// The spool directory.
    pub spool_dir: PathBuf,
    /// Records the spool holds at most while the service is down.
    pub max_records: usize,
    /// The host name reported.
    pub hostname: String,
    /// Longest wait between delivery attempts.
    pub max_backoff: Duration,
}

/// The endpoint for a base URL or a full endpoint.
pub fn report_url(base: &str) -> String {
    let b = base.trim_end_matches('/');
    if b.ends_with(REPORT_PATH) { b.to_string() } else { format!("{b}{REPORT_PATH}") }
}

/// The host name: `/proc/sys/kernel/hostname`, else `HOSTNAME` of `env`, else `localhost`.
pub fn hostname(env: &seawall_core::Environment) -> String {
    fs_err::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| env.hostname().filter(|s| !s.is_empty()).map(str::to_string))
        .unwrap_or_else(|| "localhost".to_string())
}

/// Spools records and delivers them in the background.
#[derive(Clone)]
pub struct Reporter {
    spool: Arc<Mutex<Spool>>,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
    logger: Option<Logger>,
}

impl std::fmt::Debug for Reporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reporter").finish_non_exhaustive()
    }
}

fn log(logger: &Option<Logger>, event: LogEvent) {
    if let Some(l) = logger {
        l(&event);
    }
}

impl Reporter {
    /// Opens the spool; [`Reporter::spawn_delivery`] starts sending.
    pub fn open(
        opts: &ReportOptions,
        metrics: Arc<Metrics>,
        logger: Option<Logger>,
    ) -> Result<Reporter, SpoolError> {
        let spool = Spool::open(&opts.spool_dir, opts.max_records)?;
        metrics.report_spooled.set(i64::try_from(spool.len()).unwrap_or(i64::MAX));
        Ok(Reporter { spool: Arc::new(Mutex::new(spool)), wake: Arc::new(Notify::new()), metrics, logger })
    }

    /// Durably spools a record (a write and two fsyncs: call it where a few milliseconds of blocking
    /// are acceptable) and wakes the delivery task. When the spool is full or cannot be written, the
    /// record is not kept: that is logged as an error and counted in
    /// `seawall_report_spool_refused_total`, never silent.
    pub fn record(&self, body: RecordBody) {
        let time = crate::alerts::now_rfc3339();
        let result = match self.spool.lock() {
            Ok(mut s) => {
                let r = s.append(|seq| AgentRecord { seq, time, body });
                self.metrics.report_spooled.set(i64::try_from(s.len()).unwrap_or(i64::MAX));
                r
            }
            Err(_) => return,
        };
        match result {
            Ok(_) => self.wake.notify_one(),
            Err(e) => {
                self.metrics.report_spool_refused.inc();
                log(&self.logger, LogEvent::ReportSpoolRefused { message: e.to_string() });
            }
        }
    }

    /// Records waiting in the spool.
    pub fn pending(&self) -> usize {
        self.spool.lock().map(|s| s.len()).unwrap_or(0)
    }

    /// Starts the delivery task; it stops when `stop` turns true.
    pub fn spawn_delivery(
        &self,
        opts: &ReportOptions,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let me = self.clone();
        let opts = opts.clone();
        tokio::spawn(async move { me.deliver_loop(opts, stop).await })
    }

    /// Sends one batch of the oldest records. `Ok(None)` when nothing waits, `Ok(Some(n))` when `n`
    /// records were delivered (and removed from the spool).
    pub async fn deliver_once(
        &self,
        client: &reqwest::Client,
        opts: &ReportOptions,
    ) -> Result<Option<usize>, String> {
        let spool = self.spool.clone();
        let (records, unreadable) = tokio::task::spawn_blocking(move || {
            spool
                .lock()
                .map_err(|_| "spool lock poisoned".to_string())?
                .oldest::<AgentRecord>(BATCH_RECORDS)
                .map_err(|e| e.to_string())
        })
        .await
        .map_err(|e| e.to_string())??;
        for (seq, why) in unreadable {
            self.metrics.report_spool_refused.inc();
            log(
                &self.logger,
                LogEvent::ReportSpoolRefused {
                    message: format!("spooled record {seq} is unreadable and was set aside: {why}"),
                },
            );
        }
        if records.is_empty() {
            return Ok(None);
        }
        let last = records.last().map_or(0, |r| r.seq);
        let n = records.len();
        let batch = AgentBatch {
            hostname: opts.hostname.clone(),
            agent_version: env!("CARGO_PKG_VERSION").to_string(),
            records: records.into_iter().map(|r| r.record).collect(),
        };
        let resp = client
            .post(report_url(&opts.url))
            .bearer_auth(opts.token.trim())
            .json(&batch)
            .send()
            .await
            .map_err(|e| format!("cannot reach {}: {e}", report_url(&opts.url)))?;
        let status = resp.status();
        if !status.is_success() {
            let text = resp.text().await.unwrap_or_default();
            return Err(format!("{status}: {}", text.trim().chars().take(300).collect::<String>()));
        }
        let ack: BatchAck = resp.json().await.map_err(|e| format!("unreadable answer: {e}"))?;
        if ack.acked_through < last {
            return Err(format!("the service acknowledged up to {} of {last}", ack.acked_through));
        }
        for r in &ack.rejected {
            self.metrics.report_spool_refused.inc();
            log(
                &self.logger,
                LogEvent::ReportSpoolRefused {
                    message: format!("the service refused record {}: {}", r.seq, r.reason),
                },
            );
        }
        let spool = self.spool.clone();
        let metrics = self.metrics.clone();
        tokio::task::spawn_blocking(move || -> Result<(), String> {
            let mut s = spool.lock().map_err(|_| "spool lock poisoned".to_string())?;
            // Counted before the records leave the spool (and before the lock is released), so
            // that whoever sees the spool shrink sees the counters too.
            metrics.report_up.set(1);
            metrics.report_delivered.inc_by(n as u64);
            metrics.report_duplicates.inc_by(ack.duplicates);
            s.ack(last).map_err(|e| e.to_string())?;
            metrics.report_spooled.set(i64::try_from(s.len()).unwrap_or(i64::MAX));
            Ok(())
        })
        .await
        .map_err(|e| e.to_string())??;
        Ok(Some(n))
    }

    async fn deliver_loop(self, opts: ReportOptions, mut stop: tokio::sync::watch::Receiver<bool>) {
        let Ok(client) = reqwest::Client::builder().timeout(Duration::from_secs(30)).build() else {
            return;
        };
        let first = Duration::from_millis(250);
        let mut backoff = first;
        let mut down_since: Option<Instant> = None;
        loop {
            if *stop.borrow() {
                return;
            }
            match self.deliver_once(&client, &opts).await {
                Ok(Some(n)) => {
                    self.metrics.report_up.set(1);
                    if let Some(t) = down_since.take() {
                        log(
                            &self.logger,
                            LogEvent::ReportRecovered {
                                outage_ms: u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX),
                                delivered: n,
                                pending: self.pending(),
                            },
                        );
                    }
                    backoff = first;
                }
                Ok(None) => {
                    self.metrics.report_up.set(1);
                    backoff = first;
                    tokio::select! {
                        _ = self.wake.notified() => {}
                        // A periodic look, in case a wake-up raced with the emptiness check.
                        _ = tokio::time::sleep(Duration::from_secs(5)) => {}
                        _ = stop.changed() => return,
                    }
                }
                Err(message) => {
                    self.metrics.report_up.set(0);
                    self.metrics.report_failures.inc();
                    if down_since.is_none() {
                        down_since = Some(Instant::now());
                        log(&self.logger, LogEvent::ReportFailed { message, pending: self.pending() });
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(backoff) => {}
                        _ = stop.changed() => return,
                    }
                    backoff = (backoff * 2).min(opts.max_backoff.max(first));
                }
            }
        }
    }
}

/// The audit record of a list of containers: image ids, and the repository digests of each image
/// when `docker` is given (one image inspection per distinct image).
pub async fn audit_containers(
    docker: Option<&bollard::Docker>,
    containers: &[seawall_docker::LiveContainer],
) -> Vec<AgentContainer> {
    let mut digests: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    if let Some(d) = docker {
        for c in containers {
            if !digests.contains_key(&c.image_id) {
                let repo =
                    d.inspect_image(&c.image_id).await.ok().and_then(|i| i.repo_digests).unwrap_or_default();
                digests.insert(c.image_id.clone(), repo);
            }
        }
    }
    let mut out: Vec<AgentContainer> = containers
        .iter()
        .map(|c| AgentContainer {
            id: c.id.clone(),
            name: c.name.clone(),
            image: c.image.clone(),
            image_id: c.image_id.clone(),
            repo_digests: digests.get(&c.image_id).cloned().unwrap_or_default(),
            state: if c.running { "running" } else { "stopped" }.to_string(),
            findings: seawall_docker::audit::check_container(c),
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
    out
}

/// What [`upload_once`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadSummary {
    /// Records delivered (this one and any left in the spool by earlier runs).
    pub delivered: usize,
    /// Records still in the spool.
    pub pending: usize,
}

/// `seawall audit docker --upload`: spools `body`, then delivers the whole spool, retrying up to
/// `attempts` times with backoff. On failure the records stay in the spool (for the next upload or a
/// monitor using the same spool) and the error says so.
pub async fn upload_once(
    opts: &ReportOptions,
    body: RecordBody,
    attempts: u32,
    logger: Option<Logger>,
) -> Result<UploadSummary, String> {
    let metrics = Arc::new(Metrics::new());
    let reporter = Reporter::open(opts, metrics.clone(), logger).map_err(|e| e.to_string())?;
    reporter.record(body);
    if metrics.report_spool_refused.get() > 0 {
        return Err(format!("the audit could not be spooled in {}", opts.spool_dir.display()));
    }
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))?;
    let mut delivered = 0;
    let mut failures = 0;
    let mut backoff = Duration::from_millis(500);
    loop {
        match reporter.deliver_once(&client, opts).await {
            Ok(Some(n)) => delivered += n,
            Ok(None) => return Ok(UploadSummary { delivered, pending: 0 }),
            Err(e) => {
                failures += 1;
                if failures >= attempts.max(1) {
                    return Err(format!(
                        "{e}; {} record(s) kept in the spool {} for the next --upload or `seawall monitor --report-to` with this spool",
                        reporter.pending(),
                        opts.spool_dir.display()
                    ));
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(opts.max_backoff.max(Duration::from_millis(500)));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_core::Severity;
    use std::sync::atomic::{AtomicBool, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    fn alert(n: usize) -> RecordBody {
        RecordBody::Alert {
            alert: Alert {
                time: "2026-01-01T00:00:00Z".into(),
                rule: "shell_spawned".into(),
                severity: Severity::High,
                container: "c".into(),
                container_id: "id".into(),
                image: "img".into(),
                message: format!("alert {n}"),
            },
        }
    }

    #[test]
    fn wire_format_is_tagged_and_round_trips() {
        let r = AgentRecord { seq: 7, time: "t".into(), body: alert(1) };
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(v["kind"], "alert");
        assert_eq!(v["seq"], 7);
        assert_eq!(v["alert"]["rule"], "shell_spawned");
        assert_eq!(serde_json::from_value::<AgentRecord>(v).unwrap(), r);
        let a = AgentRecord { seq: 8, time: "t".into(), body: RecordBody::Audit { containers: vec![] } };
        assert_eq!(serde_json::to_value(&a).unwrap()["kind"], "audit");
        assert_eq!(report_url("http://h:1/"), "http://h:1/api/v1/agents/report");
        assert_eq!(report_url("http://h:1/api/v1/agents/report"), "http://h:1/api/v1/agents/report");
    }

    /// A minimal HTTP service that stores records by sequence number (deduplicating like the real
    /// one) and can be "down" (connection refused is simulated by a 503) or lose its answers.
    async fn service(
        down: Arc<AtomicBool>,
        lose_answer_once: Arc<AtomicBool>,
        got: Arc<Mutex<Vec<(u64, String)>>>,
    ) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                let mut buf = Vec::new();
                let mut chunk = vec![0u8; 65536];
                let body = loop {
                    let n = s.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break None;
                    }
                    buf.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buf).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let len = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap())
                            })
                            .unwrap_or(0);
                        if body.len() >= len {
                            break Some(body.to_string());
                        }
                    }
                };
                let Some(body) = body else { continue };
                if down.load(Ordering::SeqCst) {
                    let _ = s.write_all(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 0\r\nconnection: close\r\n\r\n").await;
                    continue;
                }
                let batch: AgentBatch = serde_json::from_str(&body).unwrap();
                let mut ack = BatchAck::default();
                {
                    let mut g = got.lock().unwrap();
                    for r in &batch.records {
                        if g.iter().any(|(s, _)| *s == r.seq) {
                            ack.duplicates += 1;
                        } else {
                            let RecordBody::Alert { alert } = &r.body else { panic!() };
                            g.push((r.seq, alert.message.clone()));
                            ack.accepted += 1;
                        }
                        ack.acked_through = r.seq;
                    }
                }
                if lose_answer_once.swap(false, Ordering::SeqCst) {
                    // Stored, but the answer is lost: the agent must retry, the service dedupe.
                    continue;
                }
                let out = serde_json::to_string(&ack).unwrap();
                let _ = s
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{out}",
                            out.len()
                        )
                        .as_bytes(),
                    )
                    .await;
            }
        });
        format!("http://{addr}")
    }

    #[tokio::test]
    async fn outage_then_recovery_delivers_everything_once_in_order() {
        let down = Arc::new(AtomicBool::new(true));
        let lose = Arc::new(AtomicBool::new(false));
        let got = Arc::new(Mutex::new(Vec::new()));
        let url = service(down.clone(), lose.clone(), got.clone()).await;
        let dir = tempfile::tempdir().unwrap();
        let opts = ReportOptions {
            url,
            token: "swt_x".into(),
            spool_dir: dir.path().to_path_buf(),
            max_records: 1000,
            hostname: "h1".into(),
            max_backoff: Duration::from_millis(200),
        };
        let metrics = Arc::new(Metrics::new());
        let reporter = Reporter::open(&opts, metrics.clone(), None).unwrap();
        let (_stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let task = reporter.spawn_delivery(&opts, stop_rx);
        for i in 0..30 {
            reporter.record(alert(i));
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
        assert_eq!(reporter.pending(), 30, "nothing leaves the spool while the service is down");
        assert!(metrics.report_failures.get() >= 1);
        // Back up, but the first answer is lost after the records were stored.
        lose.store(true, Ordering::SeqCst);
        down.store(false, Ordering::SeqCst);
        for i in 30..40 {
            reporter.record(alert(i));
        }
        let t0 = Instant::now();
        while reporter.pending() > 0 && t0.elapsed() < Duration::from_secs(20) {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert_eq!(reporter.pending(), 0);
        let got = got.lock().unwrap().clone();
        let messages: Vec<String> = got.iter().map(|(_, m)| m.clone()).collect();
        let expected: Vec<String> = (0..40).map(|i| format!("alert {i}")).collect();
        assert_eq!(messages, expected, "every alert once, in order");
        assert!(got.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(metrics.report_duplicates.get() >= 1, "the retry after the lost answer was deduplicated");
        assert_eq!(metrics.report_delivered.get(), 40, "each record leaves the spool once");
        task.abort();
    }

    #[tokio::test]
    async fn a_full_spool_is_counted_and_logged() {
        let dir = tempfile::tempdir().unwrap();
        let opts = ReportOptions {
            url: "http://127.0.0.1:1".into(),
            token: "t".into(),
            spool_dir: dir.path().to_path_buf(),
            max_records: 3,
            hostname: "h".into(),
            max_backoff: Duration::from_secs(1),
        };
        let logged = Arc::new(Mutex::new(Vec::<String>::new()));
        let l = logged.clone();
        let logger: Logger = Arc::new(move |e: &LogEvent| l.lock().unwrap().push(e.to_json_line()));
        let metrics = Arc::new(Metrics::new());
        let reporter = Reporter::open(&opts, metrics.clone(), Some(logger)).unwrap();
        for i in 0..5 {
            reporter.record(alert(i));
        }
        assert_eq!(reporter.pending(), 3);
        assert_eq!(metrics.report_spool_refused.get(), 2);
        let logged = logged.lock().unwrap();
        assert_eq!(logged.len(), 2);
        assert!(logged[0].contains("\"level\":\"error\"") && logged[0].contains("full"), "{}", logged[0]);
        assert!(metrics.render().contains("seawall_report_spool_refused_total 2"));
    }
}
