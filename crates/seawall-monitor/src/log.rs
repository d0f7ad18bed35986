//! The monitor's log records, handed to a [`Logger`] chosen by the caller.
//!
//! A library does not print: the monitor describes what happened as a [`LogEvent`] and the caller
//! decides where it goes (`seawall monitor` writes [`LogEvent::to_json_line`] on stderr; tests collect
//! them; without a logger they are dropped).

use std::sync::Arc;

use crate::alerts::Alert;

/// One log record of the monitor.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LogEvent {
    /// An alert was raised (and queued for the webhook, when there is one).
    Alert(Alert),
    /// An alert could not be delivered to the webhook after every retry.
    WebhookFailed {
        /// The alert's rule.
        rule: String,
        /// Delivery attempts made.
        attempts: u32,
    },
    /// A record for the fleet service was not kept: the spool is full or cannot be written, a
    /// spooled record is unreadable, or the service refused it as invalid.
    ReportSpoolRefused {
        /// Why.
        message: String,
    },
    /// Delivery to the fleet service failed; records stay in the spool and are retried.
    ReportFailed {
        /// Why.
        message: String,
        /// Records waiting.
        pending: usize,
    },
    /// Delivery to the fleet service works again after failures.
    ReportRecovered {
        /// Milliseconds since the first failure.
        outage_ms: u64,
        /// Records in the first successful batch.
        delivered: usize,
        /// Records still waiting.
        pending: usize,
    },
    /// The image of a started container could not be scanned.
    ImageScanFailed {
        /// The image id.
        image_id: String,
        /// Why.
        message: String,
    },
}

impl LogEvent {
    /// The level of the record: `alert`, `error`, `warn` or `info`.
    pub fn level(&self) -> &'static str {
        match self {
            LogEvent::Alert(_) => "alert",
            LogEvent::WebhookFailed { .. } | LogEvent::ReportSpoolRefused { .. } => "error",
            LogEvent::ReportFailed { .. } => "warn",
            LogEvent::ReportRecovered { .. } => "info",
            LogEvent::ImageScanFailed { .. } => "warn",
        }
    }

    /// The record as one JSON object on one line, as `seawall monitor` writes it on stderr:
    /// `{"alert":{…},"level":"alert"}`, `{"level":"error","message":…,"rule":…}`,
    /// `{"level":"warn","message":…}`.
    pub fn to_json_line(&self) -> String {
        let value = match self {
            LogEvent::Alert(alert) => serde_json::json!({ "level": self.level(), "alert": alert }),
            LogEvent::WebhookFailed { rule, attempts } => serde_json::json!({
                "level": self.level(),
                "message": format!("alert webhook delivery failed after {attempts} attempts"),
                "rule": rule,
            }),
            LogEvent::ReportSpoolRefused { message } => {
                serde_json::json!({ "level": self.level(), "message": message })
            }
            LogEvent::ReportFailed { message, pending } => serde_json::json!({
                "level": self.level(),
                "message": format!("cannot deliver to the fleet service (records kept in the spool, retried): {message}"),
                "pending": pending,
            }),
            LogEvent::ReportRecovered { outage_ms, delivered, pending } => serde_json::json!({
                "level": self.level(),
                "message": "delivering to the fleet service again",
                "outage_ms": outage_ms,
                "delivered": delivered,
                "pending": pending,
            }),
            LogEvent::ImageScanFailed { image_id, message } => serde_json::json!({
                "level": self.level(),
                "message": format!("cannot scan image {image_id}: {message}"),
            }),
        };
        value.to_string()
    }
}

/// Receives the monitor's log records. Called from the monitor's tasks: it must return quickly.
pub type Logger = Arc<dyn Fn(&LogEvent) + Send + Sync>;

#[cfg(test)]
mod tests {
    use super::*;
    use seawall_core::Severity;

    #[test]
    fn json_lines_keep_the_shape_seawall_monitor_always_wrote() {
        let alert = Alert {
            time: "2024-01-01T00:00:00Z".into(),
            rule: "shell_spawned".into(),
            severity: Severity::High,
            container: "c".into(),
            container_id: "id".into(),
            image: "img".into(),
            message: "sh".into(),
        };
        let line = LogEvent::Alert(alert.clone()).to_json_line();
        assert!(!line.contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["level"], "alert");
        assert_eq!(v["alert"], serde_json::to_value(&alert).unwrap());
        let v: serde_json::Value = serde_json::from_str(
            &LogEvent::WebhookFailed { rule: "shell_spawned".into(), attempts: 5 }.to_json_line(),
        )
        .unwrap();
        assert_eq!(
            v,
            serde_json::json!({"level": "error", "message": "alert webhook delivery failed after 5 attempts", "rule": "shell_spawned"})
        );
        let v: serde_json::Value = serde_json::from_str(
            &LogEvent::ImageScanFailed { image_id: "sha256:ab".into(), message: "gone".into() }
                .to_json_line(),
        )
        .unwrap();
        assert_eq!(v, serde_json::json!({"level": "warn", "message": "cannot scan image sha256:ab: gone"}));
    }
}
