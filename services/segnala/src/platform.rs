//! Builds and runs the services: all four in one process (`segnala up`) or one
//! (`segnala serve`), on SQLite and the in-process bus or on PostgreSQL and RabbitMQ.

use std::{fmt, net::SocketAddr, path::Path, sync::Arc};

use segnala_shared::{
    config::{ConfigError, ExposeSecret, SecretString},
    db::DatabaseTarget,
    grpc::{ApiKeySettings, Authenticator, Role, ShutdownSignal, TlsSettings},
    messaging::{EmbeddedBus, RabbitMqSettings, RabbitMqTransport, Transport},
    metrics::{self, PrometheusHandle},
    place::Jurisdiction,
    service::{Application, ServiceContext, StartupError},
};
use tokio::{net::TcpListener, sync::watch};

use crate::settings::Settings;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ServiceKind {
    Intake,
    Triage,
    Tracking,
    Status,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 4] = [Self::Intake, Self::Triage, Self::Tracking, Self::Status];

    pub fn name(self) -> &'static str {
        match self {
            Self::Intake => segnala_intake::SERVICE_NAME,
            Self::Triage => segnala_triage::SERVICE_NAME,
            Self::Tracking => segnala_tracking::SERVICE_NAME,
            Self::Status => segnala_status::SERVICE_NAME,
        }
    }

    fn port(self, settings: &Settings) -> u16 {
        match self {
            Self::Intake => settings.listen.intake_port,
            Self::Triage => settings.listen.triage_port,
            Self::Tracking => settings.listen.tracking_port,
            Self::Status => settings.listen.status_port,
        }
    }

    /// The certificate the service's gRPC port serves, when it serves TLS.
    fn tls(self, settings: &Settings) -> Option<(&TlsSettings, &'static str)> {
        match self {
            Self::Tracking => settings
                .listen
                .tracking_tls
                .as_ref()
                .map(|tls| (tls, "listen.tracking_tls")),
            Self::Intake | Self::Triage | Self::Status => None,
        }
    }

    /// The port of the service's web surface, for those that have one.
    fn http_port(self, settings: &Settings) -> Option<u16> {
        match self {
            Self::Intake => Some(settings.listen.intake_http_port),
            Self::Status => Some(settings.listen.status_http_port),
            Self::Triage | Self::Tracking => None,
        }
    }

    async fn build(
        self,
        context: ServiceContext,
        settings: &Settings,
        addresses: &[(ServiceKind, SocketAddr)],
        jurisdiction: &Arc<Jurisdiction>,
    ) -> Result<Application, StartupError> {
        match self {
            Self::Intake => {
                let intake = intake_settings(settings, addresses, &context.public_url);
                segnala_intake::build(context, intake, jurisdiction.clone()).await
            }
            Self::Triage => {
                segnala_triage::build(context, settings.triage.clone(), jurisdiction.clone()).await
            }
            Self::Tracking => segnala_tracking::build(context, settings.tracking.clone()).await,
            Self::Status => {
                segnala_status::build(context, settings.status.clone(), jurisdiction.clone()).await
            }
        }
    }
}

impl fmt::Display for ServiceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Running services that stop together.
pub struct Platform {
    applications: Vec<Application>,
    embedded: bool,
    /// The metrics port and what it serves; none when the process has no recorder of
    /// its own.
    metrics: Option<(TcpListener, PrometheusHandle)>,
}

impl Platform {
    /// Builds `services` from `settings`. Without a bus URL they share one in-process bus,
    /// which only works when they share this process.
    pub async fn build(
        settings: &Settings,
        services: &[ServiceKind],
    ) -> Result<Self, StartupError> {
        let jurisdiction = Arc::new(
            settings
                .jurisdiction()
                .map_err(|e| StartupError::Config(e.to_string()))?,
        );
        let metrics = match metrics::install() {
            Some(handle) => {
                let address = SocketAddr::new(settings.listen.host, settings.listen.metrics_port);
                let listener = TcpListener::bind(address).await.map_err(|e| {
                    std::io::Error::new(
                        e.kind(),
                        format!("metrics: cannot listen on {address}: {e}"),
                    )
                })?;
                Some((listener, handle))
            }
            None => None,
        };
        let (transport, embedded_bus) = transport(settings).await?;
        let authenticator = Authenticator::new(settings.auth.api_keys.clone());
        let mut applications = Vec::with_capacity(services.len());
        let mut http_listeners = Vec::with_capacity(services.len());
        for &kind in services {
            http_listeners.push(match kind.http_port(settings) {
                Some(port) => Some(bind(settings, kind, port).await?),
                None => None,
            });
        }
        let public_url = public_url(settings, services, &http_listeners);
        // Every gRPC port first, so that a service can be told where the others listen.
        let mut listeners = Vec::with_capacity(services.len());
        let mut addresses = Vec::with_capacity(services.len());
        for &kind in services {
            let listener = bind(settings, kind, kind.port(settings)).await?;
            addresses.push((kind, listener.local_addr()?));
            listeners.push(listener);
        }
        for ((&kind, http_listener), listener) in services.iter().zip(http_listeners).zip(listeners)
        {
            let context = ServiceContext {
                database: database_target(settings, kind),
                transport: transport.clone(),
                authenticator: authenticator.clone(),
                listener,
                http_listener,
                public_url: public_url.clone(),
                time_zone: settings.time_zone,
            };
            let tls = kind
                .tls(settings)
                .map(|(tls, key)| tls.load(key))
                .transpose()
                .map_err(|e| StartupError::Config(e.to_string()))?;
            let application = kind
                .build(context, settings, &addresses, &jurisdiction)
                .await?;
            applications.push(match tls {
                Some(tls) => application.with_tls(tls),
                None => application,
            });
        }
        share_public_routes(&mut applications);
        // Every service of the process has subscribed: what their outboxes hold, such
        // as the taxonomy triage announced at start, now reaches its consumers.
        if let Some(bus) = embedded_bus {
            bus.open();
        }
        Ok(Self {
            applications,
            embedded: settings.bus.url.is_none(),
            metrics,
        })
    }

    pub fn applications(&self) -> &[Application] {
        &self.applications
    }

    pub fn application(&self, kind: ServiceKind) -> Option<&Application> {
        self.applications.iter().find(|a| a.name() == kind.name())
    }

    pub fn is_embedded(&self) -> bool {
        self.embedded
    }

    /// Where Prometheus scrapes the process's metrics.
    pub fn metrics_address(&self) -> Option<SocketAddr> {
        self.metrics
            .as_ref()
            .and_then(|(listener, _)| listener.local_addr().ok())
    }

    /// Serves until `shutdown` resolves; every service then stops taking calls.
    pub async fn run_until_stopped(
        self,
        shutdown: ShutdownSignal,
    ) -> Result<(), tonic::transport::Error> {
        let (stop, stopped) = watch::channel(false);
        let mut servers = tokio::task::JoinSet::new();
        // Resolves once `stop` is sent: every server of the process stops together.
        let signal = || -> ShutdownSignal {
            let mut stopped = stopped.clone();
            Box::pin(async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            })
        };
        if let Some((listener, handle)) = self.metrics {
            let signal = signal();
            tokio::spawn(async move {
                if let Err(error) =
                    segnala_shared::http::serve(listener, metrics::router(handle), signal).await
                {
                    tracing::error!(%error, "metrics server failed");
                }
            });
        }
        for application in self.applications {
            servers.spawn(application.run_until_stopped(signal()));
        }
        tokio::select! {
            _ = shutdown => {}
            Some(finished) = servers.join_next() => {
                // A server ended on its own: stop the others too, and report why.
                let _ = stop.send(true);
                servers.join_all().await;
                return finished.unwrap_or(Ok(()));
            }
        }
        let _ = stop.send(true);
        for result in servers.join_all().await {
            result?;
        }
        Ok(())
    }
}

/// The status pages' listener is the public site: routes other services in this
/// process offer to it (intake's photos) are served there too, where the links point.
fn share_public_routes(applications: &mut [Application]) {
    let offered: Vec<_> = applications
        .iter_mut()
        .filter_map(Application::take_public_routes)
        .collect();
    if let Some(status) = applications
        .iter_mut()
        .find(|a| a.name() == ServiceKind::Status.name())
    {
        for routes in offered {
            status.serve_public_routes(routes);
        }
    }
}

/// Intake's settings, with the gRPC URLs of triage and status filled in when they run
/// in this process and none is configured, and its photo links on the public site when
/// the status pages run here too (they serve the photos then).
fn intake_settings(
    settings: &Settings,
    addresses: &[(ServiceKind, SocketAddr)],
    public_url: &str,
) -> segnala_intake::IntakeSettings {
    let mut intake = settings.intake.clone();
    if intake.media_url.is_empty()
        && intake.public_url.is_empty()
        && addresses
            .iter()
            .any(|(kind, _)| *kind == ServiceKind::Status)
    {
        intake.media_url = format!("{}/media", public_url.trim_end_matches('/'));
    }
    let url_of = |wanted: ServiceKind| {
        addresses
            .iter()
            .find(|(kind, _)| *kind == wanted)
            .map(|(_, address)| format!("http://{address}"))
    };
    if intake.triage_url.is_empty()
        && let Some(url) = url_of(ServiceKind::Triage)
    {
        intake.triage_url = url;
    }
    if intake.status_url.is_empty()
        && let Some(url) = url_of(ServiceKind::Status)
    {
        intake.status_url = url;
    }
    intake
}

async fn bind(settings: &Settings, kind: ServiceKind, port: u16) -> std::io::Result<TcpListener> {
    let address = SocketAddr::new(settings.listen.host, port);
    TcpListener::bind(address).await.map_err(|e| {
        std::io::Error::new(e.kind(), format!("{kind}: cannot listen on {address}: {e}"))
    })
}

/// The configured public URL or, when there is none, the status pages' own address.
fn public_url(
    settings: &Settings,
    services: &[ServiceKind],
    http_listeners: &[Option<TcpListener>],
) -> String {
    if !settings.public_url.is_empty() {
        return settings.public_url.trim_end_matches('/').to_owned();
    }
    let status_address = services
        .iter()
        .zip(http_listeners)
        .find(|(kind, _)| **kind == ServiceKind::Status)
        .and_then(|(_, listener)| listener.as_ref()?.local_addr().ok());
    match status_address {
        Some(address) => format!("http://{address}"),
        None => format!(
            "http://{}:{}",
            settings.listen.host, settings.listen.status_http_port
        ),
    }
}

/// The transport the services share and, when it is the in-process bus, the bus
/// itself, held until every service has subscribed.
async fn transport(
    settings: &Settings,
) -> Result<(Arc<dyn Transport>, Option<Arc<EmbeddedBus>>), StartupError> {
    match &settings.bus.url {
        Some(url) => {
            let transport = RabbitMqTransport::connect(RabbitMqSettings {
                url: url.clone(),
                prefix: settings.bus.prefix.clone(),
                prefetch: settings.bus.prefetch,
                delivery_limit: settings.bus.delivery_limit,
            })
            .await?;
            Ok((transport, None))
        }
        None => {
            let bus = EmbeddedBus::held();
            Ok((bus.clone(), Some(bus)))
        }
    }
}

fn database_target(settings: &Settings, kind: ServiceKind) -> DatabaseTarget {
    match &settings.database.url {
        Some(url) => DatabaseTarget::Postgres {
            url: url.clone(),
            schema: kind.name().to_owned(),
            min_connections: settings
                .database
                .min_connections
                .unwrap_or(settings.database.max_connections),
            max_connections: settings.database.max_connections,
        },
        None => DatabaseTarget::Sqlite {
            path: settings.data_dir.join(format!("{}.db", kind.name())),
        },
    }
}

/// `segnala serve` runs one service per process: the services must meet on a broker.
pub fn require_broker(settings: &Settings) -> Result<(), ConfigError> {
    if settings.bus.url.is_none() {
        return Err(ConfigError::invalid(
            "bus.url",
            "`segnala serve` runs one service per process and needs RabbitMQ: set SEGNALA__BUS__URL (or use `segnala up`)",
        ));
    }
    Ok(())
}

/// The file where embedded mode keeps its local admin key.
pub fn local_key_path(data_dir: &Path) -> std::path::PathBuf {
    data_dir.join("api-key")
}

/// `segnala up` makes one admin key for local use, keeps it in the data directory
/// (readable by its owner only) and reuses it on later starts. It is accepted beside
/// the keys `auth.api_keys` configures, so that the local clients (`segnala report`,
/// `ops`, `tracking`), which read it, keep working once the city adds its own keys.
pub fn ensure_local_key(settings: &mut Settings) -> std::io::Result<std::path::PathBuf> {
    let path = local_key_path(&settings.data_dir);
    let key = match std::fs::read_to_string(&path) {
        Ok(existing) if existing.trim().len() >= 16 => existing.trim().to_owned(),
        _ => {
            std::fs::create_dir_all(&settings.data_dir)?;
            let key: String = (0..32)
                .map(|_| char::from(b"abcdefghijkmnpqrstuvwxyz23456789"[rand::random_range(0..32)]))
                .collect();
            write_private(&path, &key)?;
            key
        }
    };
    settings.auth.api_keys.push(ApiKeySettings {
        name: "local-admin".into(),
        role: Role::Admin,
        key: SecretString::from(key),
        departments: Vec::new(),
    });
    Ok(path)
}

/// Writes `contents` to `path`, readable and writable by its owner only.
pub fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::{io::Write, os::unix::fs::OpenOptionsExt};
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(path)?;
        file.write_all(contents.as_bytes())
    }
    #[cfg(not(unix))]
    {
        std::fs::write(path, contents)
    }
}

/// Where the services of a platform listen, for people.
pub fn describe(platform: &Platform, settings: &Settings) -> String {
    let mut text = String::new();
    if platform.is_embedded() {
        text.push_str(&format!(
            "Segnala is running embedded: SQLite files in {}, in-process event bus.\n",
            settings.data_dir.display()
        ));
    } else {
        text.push_str("Segnala is running on PostgreSQL and RabbitMQ.\n");
    }
    for application in platform.applications() {
        text.push_str(&format!(
            "  {:<9} gRPC  {}\n",
            application.name(),
            application.grpc_url()
        ));
        if let Some(address) = application.http_address() {
            text.push_str(&format!("  {:<9} HTTP  http://{address}\n", ""));
        }
    }
    if let Some(address) = platform.metrics_address() {
        text.push_str(&format!("  metrics   http://{address}/metrics\n"));
    }
    if let Some(url) = &settings.bus.url {
        let shown = url
            .expose_secret()
            .split('@')
            .next_back()
            .unwrap_or_default();
        text.push_str(&format!("  bus       {shown}\n"));
    }
    text
}
