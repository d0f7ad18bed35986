//! `LISTEN seawall_jobs` on a dedicated connection: workers wake as soon as a job is queued.

use std::sync::Arc;

use futures_util::StreamExt as _;
use tokio::sync::Notify;
use tokio_postgres::{AsyncMessage, NoTls};

use crate::{StoreError, db_message};

/// The channel the `jobs_notify` trigger notifies on every queued job.
pub const JOBS_CHANNEL: &str = "seawall_jobs";

/// A listening connection. [`JobListener::notified`] wakes on every notification; when the
/// connection is lost, [`JobListener::is_closed`] turns true and the owner reconnects.
pub struct JobListener {
    wake: Arc<Notify>,
    closed: Arc<std::sync::atomic::AtomicBool>,
    _client: tokio_postgres::Client,
}

impl std::fmt::Debug for JobListener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobListener").field("closed", &self.is_closed()).finish()
    }
}

impl JobListener {
    pub(crate) async fn connect(config: &tokio_postgres::Config) -> Result<JobListener, StoreError> {
        let (client, mut connection) = config.connect(NoTls).await?;
        let wake = Arc::new(Notify::new());
        let closed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (w, cl) = (wake.clone(), closed.clone());
        tokio::spawn(async move {
            let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
            while let Some(m) = messages.next().await {
                match m {
                    Ok(AsyncMessage::Notification(_)) => w.notify_one(),
                    Ok(_) => {}
                    Err(_) => break,
                }
            }
            cl.store(true, std::sync::atomic::Ordering::SeqCst);
            // Wake the waiter so that it notices the closed connection at once.
            w.notify_one();
        });
        client
            .batch_execute("LISTEN seawall_jobs")
            .await
            .map_err(|e| StoreError::Unavailable(format!("LISTEN failed: {}", db_message(&e))))?;
        Ok(JobListener { wake, closed, _client: client })
    }

    /// Waits for the next notification (or for the connection to close).
    pub async fn notified(&self) {
        self.wake.notified().await;
    }

    /// Whether the connection is gone.
    pub fn is_closed(&self) -> bool {
        self.closed.load(std::sync::atomic::Ordering::SeqCst)
    }
}
