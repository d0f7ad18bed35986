//! Alerts: one [`LogEvent::Alert`] each for the caller's [`Logger`], and an optional HTTP webhook.
//!
//! Delivery never blocks the event loop: alerts are queued on a bounded channel ([`AlertSink::send`] uses
//! `try_send`), a background task POSTs them as JSON with exponential backoff, and anything that cannot be
//! delivered is counted in `seawall_webhook_failures_total`.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use seawall_core::Severity;

use crate::log::{LogEvent, Logger};
use crate::metrics::Metrics;

/// Delivery attempts per alert before the webhook gives up on it.
const WEBHOOK_ATTEMPTS: u32 = 5;

/// One alert.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alert {
    /// RFC 3339 time the alert was raised.
    pub time: String,
    /// Rule (drift kind such as `shell_spawned`, or a finding id such as `SW-CT-001`).
    pub rule: String,
    /// Severity.
    pub severity: Severity,
    /// Container name.
    pub container: String,
    /// Container id.
    pub container_id: String,
    /// Image reference of the container.
    pub image: String,
    /// What happened.
    pub message: String,
}

/// Where alerts go.
#[derive(Clone)]
pub struct AlertSink {
    tx: Option<mpsc::Sender<Alert>>,
    metrics: Arc<Metrics>,
    logger: Option<Logger>,
}

impl AlertSink {
    /// A sink that hands every alert to `logger` (when set) and, when `webhook` is set, posts it there;
    /// webhook deliveries that fail are reported to `logger` too. Must be called inside a tokio runtime
    /// when a webhook is given: it spawns the delivery task.
    pub fn new(webhook: Option<String>, metrics: Arc<Metrics>, logger: Option<Logger>) -> Self {
        let tx = webhook.map(|url| {
            let (tx, rx) = mpsc::channel(1024);
            tokio::spawn(deliver(url, rx, metrics.clone(), logger.clone()));
            tx
        });
        AlertSink { tx, metrics, logger }
    }

    /// Logs and queues an alert; never blocks.
    pub fn send(&self, alert: Alert) {
        if let Some(log) = &self.logger {
            log(&LogEvent::Alert(alert.clone()));
        }
        if let Some(tx) = &self.tx
            && tx.try_send(alert).is_err()
        {
            self.metrics.webhook_failures.inc();
        }
    }
}

async fn deliver(url: String, mut rx: mpsc::Receiver<Alert>, metrics: Arc<Metrics>, logger: Option<Logger>) {
    let client = match reqwest::Client::builder().timeout(Duration::from_secs(10)).build() {
        Ok(c) => c,
        Err(_) => return,
    };
    while let Some(alert) = rx.recv().await {
        let mut delay = Duration::from_millis(200);
        let mut ok = false;
        for _ in 0..WEBHOOK_ATTEMPTS {
            match client.post(&url).json(&alert).send().await {
                Ok(r) if r.status().is_success() => {
                    ok = true;
                    break;
                }
                _ => {
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        }
        if !ok {
            metrics.webhook_failures.inc();
            if let Some(log) = &logger {
                log(&LogEvent::WebhookFailed { rule: alert.rule, attempts: WEBHOOK_ATTEMPTS });
            }
        }
    }
}

/// Current time as RFC 3339.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    #[tokio::test]
    async fn webhook_retries_until_success() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (got_tx, mut got_rx) = mpsc::channel::<String>(4);
        tokio::spawn(async move {
            let mut attempt = 0;
            loop {
                let (mut s, _) = listener.accept().await.unwrap();
                attempt += 1;
                let mut req = String::new();
                let mut buf = vec![0u8; 8192];
                for _ in 0..20 {
                    let n = s.read(&mut buf).await.unwrap_or(0);
                    req.push_str(&String::from_utf8_lossy(&buf[..n]));
                    if n == 0 || req.contains("}") {
                        break;
                    }
                }
                let status = if attempt == 1 { "500 Internal Server Error" } else { "200 OK" };
                let _ = s
                    .write_all(
                        format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                            .as_bytes(),
                    )
                    .await;
                if attempt >= 2 {
                    let _ = got_tx.send(req).await;
                }
            }
        });
        let metrics = Arc::new(Metrics::new());
        let sink = AlertSink::new(Some(format!("http://{addr}/hook")), metrics.clone(), None);
        sink.send(Alert {
            time: now_rfc3339(),
            rule: "shell_spawned".into(),
            severity: Severity::High,
            container: "c".into(),
            container_id: "id".into(),
            image: "img".into(),
            message: "sh".into(),
        });
        let req = tokio::time::timeout(Duration::from_secs(10), got_rx.recv()).await.unwrap().unwrap();
        assert!(req.starts_with("POST /hook"));
        assert!(req.contains("shell_spawned"));
        assert_eq!(metrics.webhook_failures.get(), 0);
    }
}
