//! Prometheus metrics of the monitor (`/metrics`, OpenMetrics text format via `prometheus-client`).
//!
//! Names follow Prometheus conventions: a `seawall_` prefix, units in names, `_total` on counters (added by
//! the encoder).

use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

type Labels = Vec<(String, String)>;

/// All metrics of one monitor process.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    /// Containers currently known, by highest finding severity (`critical` … `none`).
    pub containers_by_risk: Family<Labels, Gauge>,
    /// Findings per image, severity and practice, from the latest audit of a container of that image.
    pub findings: Family<Labels, Gauge>,
    /// Drift alerts raised, by rule and severity.
    pub drift_alerts: Family<Labels, Counter>,
    /// Docker events received, by type and action.
    pub events: Family<Labels, Counter>,
    /// Seconds between an event's time and its processing.
    pub event_lag_seconds: Histogram,
    /// Seconds taken to audit one container.
    pub audit_duration_seconds: Histogram,
    /// Seconds taken to scan one image.
    pub scan_duration_seconds: Histogram,
    /// Reconnections to the Docker Engine event stream.
    pub reconnects: Counter,
    /// Webhook deliveries that failed after all retries, or alerts dropped because the queue was full.
    pub webhook_failures: Counter,
    /// Sampling rounds completed.
    pub samples: Counter,
    /// 1 while connected to the Docker Engine, else 0.
    pub engine_up: Gauge<i64, AtomicI64Compat>,
    /// Records waiting in the report spool (`--report-to`).
    pub report_spooled: Gauge,
    /// Records delivered to the fleet service.
    pub report_delivered: Counter,
    /// Records the service already had (retries after a lost answer).
    pub report_duplicates: Counter,
    /// Failed delivery attempts (service down or refusing).
    pub report_failures: Counter,
    /// Records NOT kept: spool full or unwritable, unreadable, or refused by the service as invalid.
    pub report_spool_refused: Counter,
    /// 1 while the last delivery attempt succeeded, else 0.
    pub report_up: Gauge,
}

/// The atomic type used for the `engine_up` gauge (re-exported default of prometheus-client).
pub type AtomicI64Compat = std::sync::atomic::AtomicI64;

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("seawall");
        let containers_by_risk = Family::<Labels, Gauge>::default();
        registry.register(
            "containers",
            "Containers currently known to the monitor, by risk (highest finding severity)",
            containers_by_risk.clone(),
        );
        let findings = Family::<Labels, Gauge>::default();
        registry.register(
            "findings",
            "Findings of the latest audit (source=container) and image scan (source=image), by image, severity and practice",
            findings.clone(),
        );
        let drift_alerts = Family::<Labels, Counter>::default();
        registry.register("drift_alerts", "Drift alerts raised, by rule and severity", drift_alerts.clone());
        let events = Family::<Labels, Counter>::default();
        registry.register(
            "docker_events",
            "Docker Engine events received, by type and action",
            events.clone(),
        );
        let event_lag_seconds = Histogram::new(exponential_buckets(0.001, 4.0, 10));
        registry.register(
            "event_lag_seconds",
            "Delay between a Docker event and its processing",
            event_lag_seconds.clone(),
        );
        let audit_duration_seconds = Histogram::new(exponential_buckets(0.001, 4.0, 10));
        registry.register(
            "audit_duration_seconds",
            "Time to audit one container",
            audit_duration_seconds.clone(),
        );
        let scan_duration_seconds = Histogram::new(exponential_buckets(0.01, 4.0, 10));
        registry.register(
            "image_scan_duration_seconds",
            "Time to scan one image",
            scan_duration_seconds.clone(),
        );
        let reconnects = Counter::default();
        registry.register(
            "engine_reconnects",
            "Reconnections to the Docker Engine event stream",
            reconnects.clone(),
        );
        let webhook_failures = Counter::default();
        registry.register(
            "webhook_failures",
            "Alert webhook deliveries that failed after retries or were dropped",
            webhook_failures.clone(),
        );
        let samples = Counter::default();
        registry.register("samples", "Process and socket sampling rounds completed", samples.clone());
        let engine_up = Gauge::<i64, AtomicI64Compat>::default();
        registry.register("engine_up", "1 while connected to the Docker Engine", engine_up.clone());
        let report_spooled = Gauge::default();
        registry.register(
            "report_spooled_records",
            "Records waiting in the report spool for the fleet service",
            report_spooled.clone(),
        );
        let report_delivered = Counter::default();
        registry.register(
            "report_delivered",
            "Records delivered to the fleet service",
            report_delivered.clone(),
        );
        let report_duplicates = Counter::default();
        registry.register(
            "report_duplicates",
            "Records the fleet service already had (a retry after a lost answer)",
            report_duplicates.clone(),
        );
        let report_failures = Counter::default();
        registry.register(
            "report_failures",
            "Failed deliveries to the fleet service (retried with backoff)",
            report_failures.clone(),
        );
        let report_spool_refused = Counter::default();
        registry.register(
            "report_spool_refused",
            "Records not kept for the fleet service: spool full or unwritable, unreadable, or refused as invalid",
            report_spool_refused.clone(),
        );
        let report_up = Gauge::default();
        registry.register("report_up", "1 while deliveries to the fleet service succeed", report_up.clone());
        Metrics {
            registry,
            report_spooled,
            report_delivered,
            report_duplicates,
            report_failures,
            report_spool_refused,
            report_up,
            containers_by_risk,
            findings,
            drift_alerts,
            events,
            event_lag_seconds,
            audit_duration_seconds,
            scan_duration_seconds,
            reconnects,
            webhook_failures,
            samples,
            engine_up,
        }
    }

    /// The exposition text (`/metrics`).
    pub fn render(&self) -> String {
        let mut s = String::new();
        if encode(&mut s, &self.registry).is_err() {
            s.clear();
        }
        s
    }
}

/// Builds a label set from pairs.
pub fn labels(pairs: &[(&str, &str)]) -> Labels {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_prometheus_names() {
        let m = Metrics::new();
        m.drift_alerts.get_or_create(&labels(&[("rule", "shell_spawned"), ("severity", "HIGH")])).inc();
        m.engine_up.set(1);
        let text = m.render();
        assert!(
            text.contains("seawall_drift_alerts_total{rule=\"shell_spawned\",severity=\"HIGH\"} 1"),
            "{text}"
        );
        assert!(text.contains("seawall_engine_up 1"));
        assert!(text.contains("# TYPE seawall_event_lag_seconds histogram"));
        assert!(text.ends_with("# EOF\n"));
    }
}
