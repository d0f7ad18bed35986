//! The monitor's HTTP endpoints: `/metrics` (Prometheus / OpenMetrics text) and `/healthz`.

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::metrics::Metrics;

async fn metrics(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], m.render())
}

async fn healthz(State(m): State<Arc<Metrics>>) -> impl IntoResponse {
    if m.engine_up.get() == 1 {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "docker engine unreachable\n")
    }
}

/// The router (exposed for tests).
pub fn router(m: Arc<Metrics>) -> Router {
    Router::new().route("/metrics", get(metrics)).route("/healthz", get(healthz)).with_state(m)
}

/// Serves until `stop` becomes true.
pub(crate) async fn serve(
    listener: tokio::net::TcpListener,
    m: Arc<Metrics>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    let _ = axum::serve(listener, router(m))
        .with_graceful_shutdown(async move {
            let _ = stop.wait_for(|v| *v).await;
        })
        .await;
}
