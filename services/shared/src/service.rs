//! The common shape of a running service: its database, its messaging tasks (outbox
//! relay, inbox consumer) and its gRPC server, built once and run until stopped.

use std::{future::Future, net::SocketAddr, sync::Arc};

use sea_orm::{DatabaseConnection, DbErr};
use tokio::net::TcpListener;

use crate::{
    db::DatabaseTarget,
    grpc::{Authenticator, GrpcServer, ShutdownSignal},
    messaging::{
        EventHandlers, InboxConsumer, Outbox, Subscription, TaskGuard, Transport, TransportError,
    },
    readiness::Readiness,
};

/// What the process gives a service to run with.
pub struct ServiceContext {
    pub database: DatabaseTarget,
    pub transport: Arc<dyn Transport>,
    pub authenticator: Authenticator,
    /// Bound already, so that port 0 works and the caller knows the port.
    pub listener: TcpListener,
    /// For the services with a web surface (intake, status); bound already too.
    pub http_listener: Option<TcpListener>,
    /// Where citizens reach the public status pages, such as "https://segnala.comune.it".
    pub public_url: String,
    /// The city's time zone, in which every time shown to people is written.
    pub time_zone: chrono_tz::Tz,
}

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Database(#[from] DbErr),
    #[error("message broker: {0}")]
    Transport(#[from] TransportError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("configuration: {0}")]
    Config(String),
}

/// A built service, ready to run.
pub struct Application {
    name: &'static str,
    address: SocketAddr,
    db: DatabaseConnection,
    server: GrpcServer,
    listener: TcpListener,
    http: Option<(TcpListener, axum::Router)>,
    http_listener: Option<TcpListener>,
    /// Routes the service offers to the public site when the status pages run in the
    /// same process (intake's photos), see [`Application::with_public_routes`].
    public_routes: Option<axum::Router>,
    tasks: TaskGuard,
    /// Run when the shutdown signal comes, before the servers wait for open calls.
    shutdown_hooks: Vec<Box<dyn FnOnce() + Send>>,
    readiness: Readiness,
}

impl Application {
    /// Starts the messaging side of service `name` — the outbox relay and, when it has
    /// handlers, its inbox consumer — and prepares `server` on the context's listener.
    pub async fn start(
        name: &'static str,
        context: ServiceContext,
        db: DatabaseConnection,
        outbox: Outbox,
        handlers: EventHandlers,
        server: GrpcServer,
    ) -> Result<Self, StartupError> {
        let mut tasks = TaskGuard::default();
        if !handlers.event_types().is_empty() {
            let subscription = Subscription {
                consumer: name.to_owned(),
                event_types: handlers.event_types(),
                handler: Arc::new(InboxConsumer::new(
                    name,
                    db.clone(),
                    handlers,
                    outbox.clone(),
                )),
            };
            tasks.extend(context.transport.subscribe(subscription).await?);
        }
        let relay = outbox.relay(db.clone(), context.transport.clone());
        tasks.push(tokio::spawn(relay.run()));
        tasks.push(tokio::spawn(crate::metrics::watch_outbox(name, db.clone())));
        let readiness = Readiness {
            service: name,
            health: server.health(),
            services: server.service_names(),
            db: db.clone(),
            transport: context.transport.clone(),
            stopping: Arc::default(),
        };
        tasks.push(tokio::spawn(readiness.clone().watch()));
        let address = context.listener.local_addr()?;
        Ok(Self {
            name,
            address,
            db,
            server,
            listener: context.listener,
            http: None,
            http_listener: context.http_listener,
            public_routes: None,
            tasks,
            shutdown_hooks: Vec::new(),
            readiness,
        })
    }

    /// Serves `router` on the context's HTTP listener beside the gRPC server. Without an
    /// HTTP listener the service runs gRPC only.
    pub fn with_http(mut self, router: axum::Router) -> Self {
        if let Some(listener) = self.http_listener.take() {
            self.http = Some((listener, router));
        }
        self
    }

    /// Routes that belong on the public site, where citizens follow links: a process
    /// that runs the status pages too serves them there as well (see
    /// [`Application::serve_public_routes`]).
    pub fn with_public_routes(mut self, router: axum::Router) -> Self {
        self.public_routes = Some(router);
        self
    }

    /// The routes this service offers to the public site, once.
    pub fn take_public_routes(&mut self) -> Option<axum::Router> {
        self.public_routes.take()
    }

    /// Serves another service's public routes beside this one's own on its HTTP
    /// listener; nothing without one.
    pub fn serve_public_routes(&mut self, routes: axum::Router) {
        if let Some((listener, router)) = self.http.take() {
            self.http = Some((listener, router.merge(routes)));
        }
    }

    /// Runs `hook` as soon as the service is told to stop, so that long calls (server
    /// streams) can end and the servers' graceful shutdown does not wait for them.
    pub fn on_shutdown(mut self, hook: impl FnOnce() + Send + 'static) -> Self {
        self.shutdown_hooks.push(Box::new(hook));
        self
    }

    /// Where the HTTP surface listens, when the service has one.
    pub fn http_address(&self) -> Option<SocketAddr> {
        self.http
            .as_ref()
            .and_then(|(listener, _)| listener.local_addr().ok())
    }

    /// Runs `task` until the service stops.
    pub fn spawn_task(&mut self, task: impl Future<Output = ()> + Send + 'static) {
        self.tasks.push(tokio::spawn(task));
    }

    /// Serves gRPC over TLS with `tls`.
    pub fn with_tls(mut self, tls: tonic::transport::ServerTlsConfig) -> Self {
        self.server = self.server.with_tls(tls);
        self
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Where clients reach the gRPC server: `https://…` when it serves TLS.
    pub fn grpc_url(&self) -> String {
        let scheme = if self.server.uses_tls() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.address)
    }

    pub fn address(&self) -> SocketAddr {
        self.address
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// The service's own database, for diagnostics and tests.
    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    /// Serves until `shutdown` resolves; the messaging tasks stop with it.
    pub async fn run_until_stopped(
        self,
        shutdown: ShutdownSignal,
    ) -> Result<(), tonic::transport::Error> {
        let hooks = self.shutdown_hooks;
        let readiness = self.readiness;
        let shutdown: ShutdownSignal = Box::pin(async move {
            shutdown.await;
            // Balancers and clients that check health stop choosing this replica
            // while it finishes the calls in flight.
            readiness.stop().await;
            for hook in hooks {
                hook();
            }
        });
        let Some((http_listener, router)) = self.http else {
            let result = self.server.serve(self.listener, shutdown).await;
            drop(self.tasks);
            return result;
        };
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let signal = |mut stopped: tokio::sync::watch::Receiver<bool>| -> ShutdownSignal {
            Box::pin(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })
        };
        let http = tokio::spawn(crate::http::serve(
            http_listener,
            router,
            signal(stopped.clone()),
        ));
        let grpc = self.server.serve(self.listener, signal(stopped));
        tokio::pin!(grpc);
        let result = tokio::select! {
            _ = shutdown => {
                let _ = stop.send(true);
                grpc.await
            }
            result = &mut grpc => {
                let _ = stop.send(true);
                result
            }
        };
        if let Ok(Err(error)) = http.await {
            tracing::error!(service = self.name, %error, "HTTP server failed");
        }
        drop(self.tasks);
        result
    }
}
