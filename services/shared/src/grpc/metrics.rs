//! Every gRPC call counted and timed, by method and status code.

use std::{
    future::Future,
    pin::Pin,
    task::{Context, Poll},
    time::Instant,
};

use tower::{Layer, Service};

#[derive(Clone, Copy, Debug, Default)]
pub struct MetricsLayer;

impl<S> Layer<S> for MetricsLayer {
    type Service = Counted<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Counted { inner }
    }
}

#[derive(Clone, Debug)]
pub struct Counted<S> {
    inner: S,
}

impl<S, B, R> Service<http::Request<B>> for Counted<S>
where
    S: Service<http::Request<B>, Response = http::Response<R>>,
    S::Future: Send + 'static,
    S::Error: 'static,
    R: 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let method = request.uri().path().to_owned();
        let started = Instant::now();
        let answering = self.inner.call(request);
        Box::pin(async move {
            let answered = answering.await;
            let code = match &answered {
                Ok(response) => code_of(response),
                Err(_) => tonic::Code::Internal,
            };
            // A method the server does not have is any path a client sends: one series.
            let method = if code == tonic::Code::Unimplemented {
                "unknown".to_owned()
            } else {
                method
            };
            metrics::histogram!("segnala_grpc_request_duration_seconds", "method" => method.clone())
                .record(started.elapsed().as_secs_f64());
            metrics::counter!("segnala_grpc_requests_total", "method" => method, "code" => format!("{code:?}"))
                .increment(1);
            answered
        })
    }
}

/// The status of a call answered at once with an error (in its headers); a call answered
/// normally carries its status in the trailers, after the body: counted as OK.
fn code_of<R>(response: &http::Response<R>) -> tonic::Code {
    response
        .headers()
        .get("grpc-status")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<i32>().ok())
        .map_or(tonic::Code::Ok, tonic::Code::from_i32)
}
