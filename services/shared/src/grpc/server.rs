//! A gRPC server as every service runs it: the service's own APIs behind the
//! authentication layer, plus `grpc.health.v1` and reflection, with one tracing span per
//! call that continues the caller's trace; over TLS when given a certificate.

use std::{convert::Infallible, future::Future, path::PathBuf, pin::Pin};

use serde::Deserialize;
use tokio::net::TcpListener;
use tonic::{
    body::Body,
    server::NamedService,
    service::RoutesBuilder,
    transport::{Identity, Server, ServerTlsConfig, server::TcpIncoming},
};
use tonic_health::{
    pb::health_server::HealthServer,
    server::{HealthReporter, HealthService},
};
use tower::Service;

use super::auth::{AuthLayer, Authenticator, MethodPolicy};
use crate::{config::ConfigError, error::root_cause, telemetry};

/// Resolves when the server should stop taking new calls.
pub type ShutdownSignal = Pin<Box<dyn Future<Output = ()> + Send>>;

pub struct GrpcServer {
    policy: MethodPolicy,
    authenticator: Authenticator,
    descriptor_sets: Vec<&'static [u8]>,
    routes: RoutesBuilder,
    service_names: Vec<&'static str>,
    tls: Option<ServerTlsConfig>,
    health: HealthReporter,
}

/// The certificate a gRPC server presents: PEM files, the chain first in `cert_file`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsSettings {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

impl TlsSettings {
    /// Reads and checks the certificate and key; errors name `key`, the setting.
    pub fn load(&self, key: &str) -> Result<ServerTlsConfig, ConfigError> {
        let read = |path: &PathBuf, field: &str| {
            std::fs::read(path).map_err(|e| {
                ConfigError::invalid(format!("{key}.{field}"), format!("{}: {e}", path.display()))
            })
        };
        let identity = Identity::from_pem(
            read(&self.cert_file, "cert_file")?,
            read(&self.key_file, "key_file")?,
        );
        let config = ServerTlsConfig::new().identity(identity);
        // Building a server parses the PEM files: a bad one fails at startup, not at the
        // first connection.
        Server::builder().tls_config(config.clone()).map_err(|e| {
            ConfigError::invalid(
                key,
                format!("not a usable certificate and key: {}", root_cause(&e)),
            )
        })?;
        Ok(config)
    }
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
            tls: None,
            health: HealthReporter::new(),
        }
    }

    /// Serves TLS with `tls` instead of plain HTTP/2.
    pub fn with_tls(mut self, tls: ServerTlsConfig) -> Self {
        self.tls = Some(tls);
        self
    }

    pub fn uses_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// What `grpc.health.v1` answers: the server as a whole ("", liveness) and each of
    /// its services (readiness), which `Readiness` keeps true.
    pub fn health(&self) -> HealthReporter {
        self.health.clone()
    }

    /// The services this server serves besides health and reflection.
    pub fn service_names(&self) -> Vec<&'static str> {
        self.service_names.clone()
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
        let health_service =
            HealthServer::new(HealthService::from_health_reporter(self.health.clone()));
        let mut routes = self.routes;
        routes.add_service(health_service);
        // Both versions: grpcurl and Postman speak v1, many clients (PyPI's
        // grpcio-reflection among them) still v1alpha.
        let reflection = Reflection {
            descriptor_sets: &self.descriptor_sets,
            services: &self.service_names,
        };
        match (
            reflection.builder().build_v1(),
            reflection.builder().build_v1alpha(),
        ) {
            (Ok(v1), Ok(v1alpha)) => {
                routes.add_service(v1);
                routes.add_service(v1alpha);
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!(error = %e, "reflection descriptors are invalid");
            }
        }

        let mut server = Server::builder();
        if let Some(tls) = self.tls {
            server = server.tls_config(tls)?;
        }
        server
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
            .layer(super::metrics::MetricsLayer)
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

/// What reflection tells a client: the descriptors of every contract (so that any type
/// can be looked up), but only the services this port serves, beside health and
/// reflection themselves.
struct Reflection<'a> {
    descriptor_sets: &'a [&'static [u8]],
    services: &'a [&'static str],
}

/// The services every port serves besides its own.
const SHARED_SERVICES: [&str; 3] = [
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

impl Reflection<'_> {
    fn builder(&self) -> tonic_reflection::server::Builder<'static> {
        // Each version's builder registers its own descriptor only; both are listed.
        let mut builder = tonic_reflection::server::Builder::configure()
            .include_reflection_service(false)
            .register_encoded_file_descriptor_set(tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(
                tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
            );
        for set in self.descriptor_sets {
            builder = builder.register_encoded_file_descriptor_set(set);
        }
        for name in self.services.iter().chain(&SHARED_SERVICES) {
            builder = builder.with_service_name(*name);
        }
        builder
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
