//! An HTTP server as the services with web surfaces run it (Open311 and webhooks in
//! intake, the public pages in status): one tracing span per request that continues
//! the caller's trace, a body size limit, the peer's address for handlers
//! (`ConnectInfo<SocketAddr>`), graceful shutdown.

use std::net::SocketAddr;

use std::time::Instant;

use axum::{
    Router,
    extract::{DefaultBodyLimit, MatchedPath, Request},
    middleware::{self, Next},
    response::Response,
    serve::ListenerExt,
};
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::{grpc::ShutdownSignal, telemetry};

/// Bodies above this are refused with 413 unless a route sets its own limit (a
/// `DefaultBodyLimit` layer on the route; it applies to axum's body extractors).
pub const DEFAULT_BODY_LIMIT: usize = 1024 * 1024;

/// Serves `router` on `listener` until `shutdown` resolves, then lets requests in
/// flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: ShutdownSignal,
) -> std::io::Result<()> {
    let router = router
        .layer(DefaultBodyLimit::max(DEFAULT_BODY_LIMIT))
        .layer(middleware::from_fn(count_request))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &Request| {
                let span = tracing::info_span!(
                    "http",
                    otel.name = %format!("{} {}", request.method(), request.uri().path()),
                    otel.kind = "server",
                    http.request.method = %request.method(),
                );
                telemetry::continue_trace_from_http(&span, request.headers());
                span
            }),
        );
    // Small answers go out at once instead of waiting on Nagle's algorithm.
    let listener = listener.tap_io(|stream| {
        let _ = stream.set_nodelay(true);
    });
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Counts a request and times it, by route (the pattern, never the path: a tracking code
/// in a URL would make a series per report) and status.
async fn count_request(request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let method = request.method().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("segnala_http_requests_total", "route" => route.clone(), "method" => method, "status" => status).increment(1);
    metrics::histogram!("segnala_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}
