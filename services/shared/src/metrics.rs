//! Prometheus metrics. One recorder per process — the services of `segnala up` share it
//! and their series carry a `service` or `consumer` label — served at `/metrics` on the
//! process's own metrics port, never on the public site.

use std::{sync::OnceLock, time::Duration};

use axum::{Router, http::header, response::IntoResponse, routing::get};
pub use metrics_exporter_prometheus::PrometheusHandle;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use sea_orm::DatabaseConnection;

use crate::messaging::outbox;

/// Latency buckets, in seconds, for every `…_seconds` histogram: from a cached read to a
/// broker that makes a batch wait.
const SECONDS_BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

/// How often a service reads its outbox's backlog.
const BACKLOG_EVERY: Duration = Duration::from_secs(5);

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process's recorder, once; later calls return the same handle. None when
/// another recorder was installed first (metrics then go there).
pub fn install() -> Option<PrometheusHandle> {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), &SECONDS_BUCKETS)
                .ok()?;
            match builder.install_recorder() {
                Ok(handle) => {
                    describe();
                    Some(handle)
                }
                Err(error) => {
                    tracing::warn!(%error, "metrics recorder not installed");
                    None
                }
            }
        })
        .clone()
}

/// `GET /metrics` in the Prometheus text format, and the recorder's upkeep (without
/// which histograms would grow for ever) every time it is read.
pub fn router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move {
                handle.run_upkeep();
                (
                    [(
                        header::CONTENT_TYPE,
                        "text/plain; version=0.0.4; charset=utf-8",
                    )],
                    handle.render(),
                )
                    .into_response()
            }
        }),
    )
}

/// Reads, until dropped, how many events wait in `service`'s outbox and how old the
/// oldest is: a relay that cannot publish shows as a growing age.
pub async fn watch_outbox(service: &'static str, db: DatabaseConnection) {
    let mut every = tokio::time::interval(BACKLOG_EVERY);
    loop {
        every.tick().await;
        match outbox::backlog(&db).await {
            Ok(backlog) => {
                metrics::gauge!("segnala_outbox_pending", "service" => service)
                    .set(backlog.pending as f64);
                metrics::gauge!("segnala_outbox_oldest_age_seconds", "service" => service)
                    .set(backlog.oldest_age.as_secs_f64());
            }
            Err(error) if db.get_database_backend() == sea_orm::DbBackend::Sqlite => {
                tracing::debug!(%error, "outbox backlog not read");
            }
            Err(error) => tracing::warn!(%error, "outbox backlog not read"),
        }
    }
}

/// What each series means, as `# HELP` tells a dashboard's author.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "segnala_grpc_requests_total",
        "gRPC calls served, by method and status code."
    );
    describe_histogram!(
        "segnala_grpc_request_duration_seconds",
        "Time to answer a gRPC call, by method."
    );
    describe_counter!(
        "segnala_http_requests_total",
        "HTTP requests served (Open311, webhooks, public pages), by route and status."
    );
    describe_histogram!(
        "segnala_http_request_duration_seconds",
        "Time to answer an HTTP request, by route."
    );
    describe_counter!(
        "segnala_reports_accepted_total",
        "Reports intake accepted, by channel."
    );
    describe_counter!(
        "segnala_triage_decisions_total",
        "Reports triage decided, by outcome and method."
    );
    describe_gauge!(
        "segnala_ready",
        "1 while a service reaches its database and broker, 0 while it does not."
    );
    describe_gauge!(
        "segnala_outbox_pending",
        "Events waiting in a service's outbox."
    );
    describe_gauge!(
        "segnala_outbox_oldest_age_seconds",
        "Age of the oldest event waiting in a service's outbox."
    );
    describe_counter!(
        "segnala_consumer_deliveries_total",
        "Messages delivered to a consumer, by event type."
    );
    describe_counter!(
        "segnala_consumer_redeliveries_total",
        "Messages the broker delivered to a consumer again."
    );
    describe_histogram!(
        "segnala_consumer_batch_duration_seconds",
        "Time a consumer took to handle one batch of messages."
    );
    describe_counter!(
        "segnala_dead_letters_total",
        "Messages a consumer gave up on, into its dead-letter queue."
    );
    describe_counter!(
        "segnala_deliveries_total",
        "Outgoing replies and webhooks, by destination and result (sent, retry, dead)."
    );
}
