//! `seawall monitor`: events, audits on start, drift sampling, metrics and alerts.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bollard::Docker;
use bollard::query_parameters::{EventsOptions, ListContainersOptionsBuilder};
use futures_util::StreamExt;
use tokio::sync::Mutex;

use seawall_docker::LiveContainer;
use seawall_docker::audit::check_container;

use crate::alerts::{Alert, AlertSink, now_rfc3339};
use crate::drift::{Baseline, DriftKind};
use crate::error::MonitorError;
use crate::log::{LogEvent, Logger};
use crate::metrics::{Metrics, labels};
use crate::report::{AgentContainer, RecordBody, Reporter};
use crate::{sampler, server};

/// Scans an image (by image id) for vulnerabilities, secrets and model files; injected by the CLI so
/// that this crate does not depend on the scan pipeline. Runs on a blocking thread.
pub type ImageScanner = Arc<dyn Fn(&str) -> Result<Vec<seawall_core::Finding>, String> + Send + Sync>;

/// How the monitor runs.
#[derive(Clone)]
pub struct MonitorOptions {
    /// Address of the `/metrics` and `/healthz` server.
    pub listen: SocketAddr,
    /// Docker endpoint (default `DOCKER_HOST` of [`MonitorOptions::env`] or the local socket).
    pub docker_host: Option<String>,
    /// Alert webhook URL.
    pub webhook: Option<String>,
    /// Sampling interval.
    pub interval: Duration,
    /// Learning window after a container starts: what runs then becomes the baseline.
    pub learn: Duration,
    /// Receives alerts and the agent's warnings and errors ([`LogEvent`]); `None` drops them.
    pub logger: Option<Logger>,
    /// Scan the image of every container that starts (once per image id; layers come from the cache).
    pub image_scanner: Option<ImageScanner>,
    /// The environment the Docker connection settings come from (`DOCKER_HOST`, `DOCKER_TLS_VERIFY`, …).
    pub env: seawall_core::Environment,
    /// Send alerts and host audits to the fleet service (`--report-to`), spooled on disk.
    pub report: Option<crate::report::ReportOptions>,
}

impl std::fmt::Debug for MonitorOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MonitorOptions")
            .field("listen", &self.listen)
            .field("docker_host", &self.docker_host)
            .field("webhook", &self.webhook)
            .field("interval", &self.interval)
            .field("learn", &self.learn)
            .field("logger", &self.logger.is_some())
            .field("image_scanner", &self.image_scanner.is_some())
            .field("env", &self.env)
            .field("report", &self.report.as_ref().map(|r| (&r.url, &r.spool_dir)))
            .finish()
    }
}

impl Default for MonitorOptions {
    fn default() -> Self {
        MonitorOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 9797)),
            docker_host: None,
            webhook: None,
            interval: Duration::from_secs(1),
            learn: Duration::from_secs(5),
            logger: None,
            image_scanner: None,
            env: seawall_core::Environment::default(),
            report: None,
        }
    }
}

/// A container under watch.
struct Tracked {
    info: LiveContainer,
    baseline: Baseline,
    started: Instant,
    known_exes: BTreeSet<String>,
    repo_digests: Vec<String>,
}

/// Shared monitor state.
struct State {
    metrics: Arc<Metrics>,
    sink: AlertSink,
    containers: Mutex<HashMap<String, Tracked>>,
    /// Image ids already scanned (or being scanned).
    scanned_images: Mutex<std::collections::HashSet<String>>,
    opts: MonitorOptions,
    reporter: Option<Reporter>,
}

impl State {
    fn alert(&self, c: &LiveContainer, rule: &str, severity: seawall_core::Severity, message: String) {
        self.metrics
            .drift_alerts
            .get_or_create(&labels(&[("rule", rule), ("severity", severity.as_str())]))
            .inc();
        let alert = Alert {
            time: now_rfc3339(),
            rule: rule.to_string(),
            severity,
            container: c.name.clone(),
            container_id: c.id.clone(),
            image: c.image.clone(),
            message,
        };
        if let Some(r) = &self.reporter {
            r.record(RecordBody::Alert { alert: alert.clone() });
        }
        self.sink.send(alert);
    }

    /// Reports the host's containers now (when reporting to the fleet service).
    fn report_audit(&self, containers: &HashMap<String, Tracked>) {
        let Some(r) = &self.reporter else { return };
        let mut list: Vec<AgentContainer> = containers
            .values()
            .map(|t| AgentContainer {
                id: t.info.id.clone(),
                name: t.info.name.clone(),
                image: t.info.image.clone(),
                image_id: t.info.image_id.clone(),
                repo_digests: t.repo_digests.clone(),
                state: if t.info.running { "running" } else { "stopped" }.to_string(),
                findings: check_container(&t.info),
            })
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name).then_with(|| a.id.cmp(&b.id)));
        r.record(RecordBody::Audit { containers: list });
    }
}

/// Runs the monitor until `shutdown` resolves. Reconnects to the Engine forever; returns an error only
/// when the HTTP server cannot listen.
pub async fn run(
    opts: MonitorOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), MonitorError> {
    let metrics = Arc::new(Metrics::new());
    let sink = AlertSink::new(opts.webhook.clone(), metrics.clone(), opts.logger.clone());
    let reporter = match &opts.report {
        Some(r) => Some(Reporter::open(r, metrics.clone(), opts.logger.clone())?),
        None => None,
    };
    let state = Arc::new(State {
        reporter,
        metrics: metrics.clone(),
        sink,
        containers: Mutex::new(HashMap::new()),
        scanned_images: Mutex::new(std::collections::HashSet::new()),
        opts,
    });
    let listener = tokio::net::TcpListener::bind(state.opts.listen)
        .await
        .map_err(|e| MonitorError::Listen { addr: state.opts.listen.to_string(), message: e.to_string() })?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = stop_tx.send(true);
    });
    let server = tokio::spawn(server::serve(listener, metrics.clone(), stop_rx.clone()));
    let delivery = match (&state.reporter, &state.opts.report) {
        (Some(r), Some(o)) => Some(r.spawn_delivery(o, stop_rx.clone())),
        _ => None,
    };
    let events = tokio::spawn(event_loop(state.clone(), stop_rx.clone()));
    let sampling = tokio::spawn(sample_loop(state.clone(), stop_rx.clone()));
    let _ = tokio::join!(server, events, sampling);
    if let Some(d) = delivery {
        let _ = d.await;
    }
    Ok(())
}

async fn connect_ready(state: &State) -> Option<Docker> {
    let docker = seawall_docker::connect(state.opts.docker_host.as_deref(), &state.opts.env).ok()?;
    docker.ping().await.ok()?;
    Some(docker)
}

/// Subscribes to container events, resuming from the last event seen after a reconnection so that no
/// event is lost; replays are deduplicated.
async fn event_loop(state: Arc<State>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut since: Option<String> = None;
    let mut recent: VecDeque<(i64, String, String)> = VecDeque::new();
    let mut backoff = Duration::from_millis(250);
    let mut reconnecting = false;
    loop {
        if *stop.borrow() {
            return;
        }
        let Some(docker) = connect_ready(&state).await else {
            state.metrics.engine_up.set(0);
            tokio::select! {
                _ = tokio::time::sleep(backoff) => {}
                _ = stop.changed() => return,
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
            continue;
        };
        state.metrics.engine_up.set(1);
        if reconnecting {
            state.metrics.reconnects.inc();
        }
        reconnecting = false;
        backoff = Duration::from_millis(250);
        let mut filters = HashMap::new();
        filters.insert("type".to_string(), vec!["container".to_string()]);
        // Resume from the last event seen; on the first connection, from now (a little earlier, for
        // clock skew), so that events during a later outage are replayed even if none came before it.
        let resume = since.clone().unwrap_or_else(|| {
            let now = jiff::Timestamp::now().as_second() - 2;
            now.to_string()
        });
        since = Some(resume.clone());
        let opts = EventsOptions { since: Some(resume), until: None, filters: Some(filters) };
        let mut stream = docker.events(Some(opts));
        // Containers already running (first connection) or started while we were disconnected are
        // covered by a full resync.
        resync(&state, &docker).await;
        // A stream whose connection dies silently (a proxy or socket cut without EOF) would hang
        // forever: the Engine is pinged every second and the stream is renewed (with `since`, so
        // nothing is lost) at least once a minute.
        let mut health = tokio::time::interval(Duration::from_secs(1));
        health.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let opened = Instant::now();
        let mut failed = false;
        loop {
            let next = tokio::select! {
                n = stream.next() => n,
                _ = health.tick() => {
                    let alive = tokio::time::timeout(Duration::from_secs(2), docker.ping()).await;
                    if !matches!(alive, Ok(Ok(_))) {
                        failed = true;
                        break;
                    }
                    if opened.elapsed() > Duration::from_secs(60) {
                        break;
                    }
                    continue;
                }
                _ = stop.changed() => return,
            };
            let Some(Ok(ev)) = next else {
                failed = true;
                break;
            };
            let nano = ev.time_nano.unwrap_or(0);
            let id = ev.actor.as_ref().and_then(|a| a.id.clone()).unwrap_or_default();
            let action = ev.action.clone().unwrap_or_default();
            let key = (nano, id.clone(), action.clone());
            if recent.contains(&key) {
                continue;
            }
            recent.push_back(key);
            if recent.len() > 4096 {
                recent.pop_front();
            }
            if nano > 0 {
                since = Some(format!("{}.{:09}", nano / 1_000_000_000, nano % 1_000_000_000));
                let now = jiff::Timestamp::now().as_nanosecond();
                let lag = (now - i128::from(nano)).max(0) as f64 / 1e9;
                state.metrics.event_lag_seconds.observe(lag);
            }
            let verb = action.split(':').next().unwrap_or("").trim().to_string();
            state.metrics.events.get_or_create(&labels(&[("type", "container"), ("action", &verb)])).inc();
            handle_event(&state, &docker, &id, &verb, &action).await;
        }
        if failed {
            state.metrics.engine_up.set(0);
            reconnecting = true;
        }
    }
}

async fn handle_event(state: &Arc<State>, docker: &Docker, id: &str, verb: &str, action: &str) {
    match verb {
        "start" | "unpause" => track(state, docker, id).await,
        "die" | "destroy" | "stop" => {
            let mut guard = state.containers.lock().await;
            if guard.remove(id).is_some() {
                state.report_audit(&guard);
            }
        }
        "exec_start" => {
            // `exec_start: sh -c …`: the command is in the action; a shell or a package manager run
            // through `docker exec` is drift even if it ends before the next sample.
            let cmd = action.split_once(':').map(|(_, c)| c.trim()).unwrap_or("");
            let mut guard = state.containers.lock().await;
            if let Some(t) = guard.get_mut(id) {
                let sample = crate::drift::Sample {
                    processes: vec![crate::drift::Process {
                        pid: 0,
                        uid: if t.baseline.root_seen { 0 } else { u32::MAX },
                        comm: cmd
                            .split_whitespace()
                            .next()
                            .map(|c| c.rsplit('/').next().unwrap_or(c))
                            .unwrap_or("")
                            .to_string(),
                        args: cmd.to_string(),
                        exe: None,
                    }],
                    ..Default::default()
                };
                let info = t.info.clone();
                for a in t.baseline.detect(&sample) {
                    state.alert(&info, a.kind.as_str(), a.severity, format!("docker exec: {}", a.message));
                }
            }
        }
        _ => {}
    }
}

async fn resync(state: &Arc<State>, docker: &Docker) {
    let list = docker.list_containers(Some(ListContainersOptionsBuilder::default().all(false).build())).await;
    let Ok(list) = list else { return };
    let ids: Vec<String> = list.into_iter().filter_map(|c| c.id).collect();
    {
        let mut guard = state.containers.lock().await;
        let before = guard.len();
        guard.retain(|id, _| ids.contains(id));
        if guard.len() != before {
            state.report_audit(&guard);
        }
    }
    for id in ids {
        let known = state.containers.lock().await.contains_key(&id);
        if !known {
            track(state, docker, &id).await;
        }
    }
}

/// Starts watching a container: inspect, audit, baseline from the image.
async fn track(state: &Arc<State>, docker: &Docker, id: &str) {
    let t0 = Instant::now();
    let Ok(inspect) = docker.inspect_container(id, None).await else {
        return;
    };
    let Ok(value) = serde_json::to_value(&inspect) else {
        return;
    };
    let info = LiveContainer::from_inspect(&value);
    if info.privileged {
        state.alert(
            &info,
            DriftKind::PrivilegedStart.as_str(),
            DriftKind::PrivilegedStart.severity(),
            format!("container {} started privileged", info.name),
        );
    }
    let findings = check_container(&info);
    state.metrics.audit_duration_seconds.observe(t0.elapsed().as_secs_f64());
    let risk = findings.iter().map(|f| f.severity).max();
    set_findings_gauge(state, &info.image, "container", &findings);
    if let Some(scanner) = state.opts.image_scanner.clone() {
        let first = state.scanned_images.lock().await.insert(info.image_id.clone());
        if first {
            let st = state.clone();
            let (image_id, image) = (info.image_id.clone(), info.image.clone());
            tokio::spawn(async move {
                let t = Instant::now();
                let id = image_id.clone();
                let result = tokio::task::spawn_blocking(move || scanner(&id)).await;
                st.metrics.scan_duration_seconds.observe(t.elapsed().as_secs_f64());
                match result {
                    Ok(Ok(found)) => set_findings_gauge(&st, &image, "image", &found),
                    Ok(Err(message)) => {
                        if let Some(log) = &st.opts.logger {
                            log(&LogEvent::ImageScanFailed { image_id, message });
                        }
                    }
                    Err(_) => {}
                }
            });
        }
    }
    let repo_digests = if state.reporter.is_some() {
        docker.inspect_image(&info.image_id).await.ok().and_then(|i| i.repo_digests).unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut baseline = Baseline::from_image(&info.entrypoint, &info.cmd);
    if let Some(hc) = &info.healthcheck_cmd {
        baseline.allow_args(hc);
    }
    let mut guard = state.containers.lock().await;
    guard.insert(
        id.to_string(),
        Tracked { info, baseline, started: Instant::now(), known_exes: BTreeSet::new(), repo_digests },
    );
    let _ = risk;
    update_risk_gauge(state, &guard);
    state.report_audit(&guard);
}

/// Publishes finding counts per (image, source, severity, practice); `source` is `container` for the
/// runtime configuration audit and `image` for the image scan.
fn set_findings_gauge(state: &State, image: &str, source: &str, findings: &[seawall_core::Finding]) {
    let mut counts: std::collections::BTreeMap<(seawall_core::Severity, u8), i64> = Default::default();
    for f in findings {
        *counts.entry((f.severity, f.practice)).or_default() += 1;
    }
    for ((sev, practice), n) in counts {
        state
            .metrics
            .findings
            .get_or_create(&labels(&[
                ("image", image),
                ("source", source),
                ("severity", sev.as_str()),
                ("practice", &practice.to_string()),
            ]))
            .set(n);
    }
}

fn update_risk_gauge(state: &State, containers: &HashMap<String, Tracked>) {
    let mut counts: HashMap<&'static str, i64> = HashMap::new();
    for t in containers.values() {
        let risk =
            check_container(&t.info).iter().map(|f| f.severity).max().map(|s| s.as_str()).unwrap_or("NONE");
        *counts.entry(risk).or_default() += 1;
    }
    for level in ["CRITICAL", "HIGH", "MEDIUM", "LOW", "INFO", "NONE"] {
        state
            .metrics
            .containers_by_risk
            .get_or_create(&labels(&[("risk", &level.to_ascii_lowercase())]))
            .set(counts.get(level).copied().unwrap_or(0));
    }
}

async fn sample_loop(state: Arc<State>, mut stop: tokio::sync::watch::Receiver<bool>) {
    let mut docker: Option<Docker> = None;
    let mut tick = tokio::time::interval(state.opts.interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = stop.changed() => return,
        }
        if docker.is_none() {
            docker = connect_ready(&state).await;
        }
        let Some(d) = docker.clone() else { continue };
        let targets: Vec<(String, u32, BTreeSet<String>, bool)> = {
            let guard = state.containers.lock().await;
            guard
                .iter()
                .map(|(id, t)| {
                    (id.clone(), t.info.pid, t.known_exes.clone(), t.started.elapsed() >= state.opts.learn)
                })
                .collect()
        };
        for (id, pid, mut known, learned) in targets {
            let sample = match sampler::sample(&d, &id, pid, &mut known, learned).await {
                Ok(s) => s,
                Err(_) => {
                    // The container may be gone; a dead connection is re-established next round.
                    if d.ping().await.is_err() {
                        docker = None;
                    }
                    continue;
                }
            };
            let mut guard = state.containers.lock().await;
            let Some(t) = guard.get_mut(&id) else {
                continue;
            };
            t.known_exes = known;
            if !learned {
                t.baseline.learn(&sample);
                continue;
            }
            let info = t.info.clone();
            for a in t.baseline.detect(&sample) {
                state.alert(&info, a.kind.as_str(), a.severity, a.message);
            }
        }
        state.metrics.samples.inc();
    }
}
