//! A gRPC server as every service runs it: the service's own APIs behind the
//! authentication layer, plus `grpc.health.v1` and reflection, with one tracing span per
//! call that continues the caller's trace.

use std::{convert::Infallible, future::Future, pin::Pin};

use tokio::net::TcpListener;
use tonic::{
    body::Body,
    server::NamedService,
    service::RoutesBuilder,
    transport::{Server, server::TcpIncoming},
};
use tonic_health::ServingStatus;
use tower::Service;

use super::auth::{AuthLayer, Authenticator, MethodPolicy};
use crate::telemetry;

/// Resolves when the server should stop taking new calls.
pub type ShutdownSignal = Pin<Box<dyn Future<Output = ()> + Send>>;

pub struct GrpcServer {
    policy: MethodPolicy,
    authenticator: Authenticator,
    descriptor_sets: Vec<&'static [u8]>,
    routes: RoutesBuilder,
    service_names: Vec<&'static str>,
}

impl GrpcServer {
    /// `descriptor_set` is the encoded `FileDescriptorSet` that reflection serves.
    pub fn new(
        policy: MethodPolicy,
        authenticator: Authenticator,
        descriptor_set: &'static [u8],
    ) -> Self {
        Self {
            policy,
            authenticator,
            descriptor_sets: vec![descriptor_set, tonic_health::pb::FILE_DESCRIPTOR_SET],
            routes: RoutesBuilder::default(),
            service_names: Vec::new(),
        }
    }

    pub fn add_service<S>(mut self, service: S) -> Self
    where
        S: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Future: Send + 'static,
    {
        self.service_names.push(S::NAME);
        self.routes.add_service(service);
        self
    }

    /// Serves on `listener` until `shutdown` resolves, then lets calls in flight finish.
    pub async fn serve(
        self,
        listener: TcpListener,
        shutdown: ShutdownSignal,
    ) -> Result<(), tonic::transport::Error> {
        let (health_reporter, health_service) = tonic_health::server::health_reporter();
        for name in &self.service_names {
            health_reporter
                .set_service_status(*name, ServingStatus::Serving)
                .await;
        }
        let mut reflection = tonic_reflection::server::Builder::configure();
        for set in self.descriptor_sets {
            reflection = reflection.register_encoded_file_descriptor_set(set);
        }
        let reflection_v1 = reflection.build_v1().map_err(|e| {
            tracing::error!(error = %e, "reflection descriptors are invalid");
        });

        let mut routes = self.routes;
        routes.add_service(health_service);
        if let Ok(reflection_v1) = reflection_v1 {
            routes.add_service(reflection_v1);
        }

        Server::builder()
            .trace_fn(|request| {
                let span = tracing::info_span!(
                    "grpc",
                    otel.name = %request.uri().path(),
                    otel.kind = "server",
                    rpc.system = "grpc",
                );
                telemetry::continue_trace_from_http(&span, request.headers());
                span
            })
            .layer(AuthLayer::new(self.policy, self.authenticator))
            .add_routes(routes.routes())
            // Small answers go out at once instead of waiting on Nagle's algorithm.
            .serve_with_incoming_shutdown(
                TcpIncoming::from(listener).with_nodelay(Some(true)),
                shutdown,
            )
            .await
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub fn os_shutdown_signal() -> ShutdownSignal {
    Box::pin(async {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(term) => term,
                    Err(_) => {
                        let _ = ctrl_c.await;
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        {
            let _ = ctrl_c.await;
        }
    })
}
