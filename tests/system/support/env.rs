use std::{collections::HashMap, net::SocketAddr, time::Duration};

use lapin::{Connection, ConnectionProperties, options::QueueDeclareOptions, types::FieldTable};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use segnala::{Platform, ServiceKind, Settings};
use segnala_proto::intake::v1::{
    GetReportRequest, Report, intake_service_client::IntakeServiceClient,
};

use super::Clients;
use segnala_shared::{
    config::SecretString,
    db::{self, DatabaseTarget},
    grpc::{ApiKeySettings, Role},
    messaging::rabbitmq::Topology,
};

pub const INTEGRATOR_KEY: &str = "integrator-test-key-0001";
pub const OPERATOR_KEY: &str = "operator-test-key-00001";
pub const CREW_KEY: &str = "crew-test-key-000000001";

/// A database and a broker prefix of the test's own.
pub struct TestEnv {
    pub database_name: String,
    pub database_url: String,
    pub amqp_url: String,
    pub prefix: String,
    admin_url: String,
    /// Whether `cleanup` already removed what the test made.
    removed: bool,
}

fn admin_database_url() -> String {
    std::env::var("SEGNALA_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

pub fn amqp_url() -> String {
    std::env::var("SEGNALA_TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".into())
}

impl TestEnv {
    pub async fn new() -> Self {
        Self::with_broker(amqp_url()).await
    }

    /// Like `new`, on another broker (the fault tests' own node).
    pub async fn with_broker(amqp_url: String) -> Self {
        // A v7 id starts with its creation time (12 hex digits of milliseconds), which
        // tests/run.sh reads to clean up only what is old enough to be left over.
        let id = uuid::Uuid::now_v7().simple().to_string();
        let database_name = format!("segnala_t_{id}");
        let admin_url = admin_database_url();
        let admin = Database::connect(&admin_url)
            .await
            .expect("connect to PostgreSQL (is it running?)");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {database_name}"))
            .await
            .expect("create the test database");
        admin.close().await.ok();
        let (base, _) = admin_url.rsplit_once('/').expect("database URL has a path");
        Self {
            database_url: format!("{base}/{database_name}"),
            database_name,
            amqp_url,
            prefix: format!("t_{}_{}_", &id[..12], &id[24..]),
            admin_url,
            removed: false,
        }
    }

    /// Settings for a platform on this environment: PostgreSQL, RabbitMQ, port 0 and
    /// one key per role.
    pub fn settings(&self) -> Settings {
        let mut settings = Settings::default();
        settings.database.url = Some(SecretString::from(self.database_url.clone()));
        settings.database.max_connections = 5;
        settings.bus.url = Some(SecretString::from(self.amqp_url.clone()));
        settings.bus.prefix = self.prefix.clone();
        settings.listen.intake_port = 0;
        settings.listen.triage_port = 0;
        settings.listen.tracking_port = 0;
        settings.listen.status_port = 0;
        settings.listen.intake_http_port = 0;
        settings.listen.status_http_port = 0;
        settings.listen.metrics_port = 0;
        settings.auth.api_keys = vec![
            key("test-app", Role::Integrator, INTEGRATOR_KEY),
            key("test-operator", Role::Operator, OPERATOR_KEY),
            crew_key("test-crew", CREW_KEY, &["street_lighting"]),
        ];
        settings
    }

    /// The environment variables that give `segnala serve` the same settings.
    pub fn environment(&self) -> Vec<(String, String)> {
        vec![
            ("SEGNALA__DATABASE__URL".into(), self.database_url.clone()),
            ("SEGNALA__DATABASE__MAX_CONNECTIONS".into(), "5".into()),
            ("SEGNALA__BUS__URL".into(), self.amqp_url.clone()),
            ("SEGNALA__BUS__PREFIX".into(), self.prefix.clone()),
            ("SEGNALA__LISTEN__INTAKE_HTTP_PORT".into(), "0".into()),
            ("SEGNALA__LISTEN__STATUS_HTTP_PORT".into(), "0".into()),
            ("SEGNALA__LISTEN__METRICS_PORT".into(), "0".into()),
            (
                "SEGNALA__AUTH__API_KEYS".into(),
                format!(
                    "[{{name=\"test-app\",role=\"integrator\",key=\"{INTEGRATOR_KEY}\"}},{{name=\"test-operator\",role=\"operator\",key=\"{OPERATOR_KEY}\"}}]"
                ),
            ),
        ]
    }

    /// A connection to one service's own tables, for counting what it holds.
    pub async fn service_db(&self, kind: ServiceKind) -> DatabaseConnection {
        db::connect(&DatabaseTarget::Postgres {
            url: SecretString::from(self.database_url.clone()),
            schema: kind.name().to_owned(),
            min_connections: 1,
            max_connections: 2,
        })
        .await
        .expect("connect to the service schema")
    }

    pub fn topology(&self) -> Topology {
        Topology::new(&self.prefix)
    }

    /// Messages ready in a queue of this environment.
    pub async fn queue_depth(&self, queue: &str) -> u32 {
        self.declared(queue).await.message_count()
    }

    /// How many consumers the broker still delivers the queue's messages to.
    pub async fn queue_consumers(&self, queue: &str) -> u32 {
        self.declared(queue).await.consumer_count()
    }

    /// The queue as the broker sees it now.
    async fn declared(&self, queue: &str) -> lapin::Queue {
        let connection = Connection::connect(&self.amqp_url, ConnectionProperties::default())
            .await
            .expect("connect to RabbitMQ");
        let channel = connection.create_channel().await.expect("channel");
        let queue = channel
            .queue_declare(
                queue.into(),
                QueueDeclareOptions {
                    passive: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .expect("queue exists");
        let _ = connection.close(200, "done".into()).await;
        queue
    }

    /// Removes the test's queues, exchanges and database. Call it after the platform
    /// stopped (a running platform declares its queues again); a test that fails before
    /// calling it still has them removed when the environment is dropped.
    pub async fn cleanup(mut self) {
        self.resources().remove().await;
        self.removed = true;
    }

    fn resources(&self) -> Resources {
        Resources {
            amqp_url: self.amqp_url.clone(),
            topology: self.topology(),
            admin_url: self.admin_url.clone(),
            database_name: self.database_name.clone(),
        }
    }
}

impl Drop for TestEnv {
    fn drop(&mut self) {
        if self.removed {
            return;
        }
        // A failed test unwinds inside its runtime: remove on a runtime of our own.
        let resources = self.resources();
        let _ = std::thread::spawn(move || {
            if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                runtime.block_on(resources.remove());
            }
        })
        .join();
    }
}

/// What a test environment made on the broker and the database server.
struct Resources {
    amqp_url: String,
    topology: Topology,
    admin_url: String,
    database_name: String,
}

impl Resources {
    async fn remove(self) {
        if let Ok(connection) =
            Connection::connect(&self.amqp_url, ConnectionProperties::default()).await
            && let Ok(channel) = connection.create_channel().await
        {
            for consumer in ["intake", "triage", "tracking", "status"] {
                for queue in [
                    self.topology.queue(consumer),
                    self.topology.dead_letter_queue(consumer),
                ] {
                    let _ = channel
                        .queue_delete(queue.as_str().into(), Default::default())
                        .await;
                }
            }
            for exchange in [
                self.topology.exchange(),
                self.topology.dead_letter_exchange(),
            ] {
                let _ = channel
                    .exchange_delete(exchange.as_str().into(), Default::default())
                    .await;
            }
            let _ = connection.close(200, "done".into()).await;
        }
        if let Ok(admin) = Database::connect(&self.admin_url).await {
            let _ = admin
                .execute_unprepared(&format!(
                    "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                    self.database_name
                ))
                .await;
        }
    }
}

fn key(name: &str, role: Role, key: &str) -> ApiKeySettings {
    ApiKeySettings {
        name: name.into(),
        role,
        key: SecretString::from(key.to_owned()),
        departments: Vec::new(),
    }
}

/// A crew's key, for the departments it works for.
pub fn crew_key(name: &str, key: &str, departments: &[&str]) -> ApiKeySettings {
    ApiKeySettings {
        name: name.into(),
        role: Role::Crew,
        key: SecretString::from(key.to_owned()),
        departments: departments.iter().map(|d| (*d).to_owned()).collect(),
    }
}

/// Services running in this test process; stopped when dropped.
pub struct RunningPlatform {
    pub addresses: HashMap<&'static str, SocketAddr>,
    /// The web surfaces (intake's Open311 and webhooks, status pages).
    pub http_addresses: HashMap<&'static str, SocketAddr>,
    /// Where the process's Prometheus metrics are served.
    pub metrics_address: Option<SocketAddr>,
    task: tokio::task::JoinHandle<()>,
}

impl RunningPlatform {
    pub async fn start(settings: &Settings, services: &[ServiceKind]) -> Self {
        // SEGNALA_TEST_LOG=1 shows the services' logs (with --no-capture).
        if std::env::var_os("SEGNALA_TEST_LOG").is_some() {
            let _ = segnala_shared::telemetry::init("segnala-test", &settings.telemetry);
        }
        let platform = Platform::build(settings, services)
            .await
            .expect("the platform starts");
        let addresses = platform
            .applications()
            .iter()
            .map(|a| (a.name(), a.address()))
            .collect();
        let http_addresses = platform
            .applications()
            .iter()
            .filter_map(|a| Some((a.name(), a.http_address()?)))
            .collect();
        let metrics_address = platform.metrics_address();
        let task = tokio::spawn(async move {
            let _ = platform
                .run_until_stopped(Box::pin(std::future::pending()))
                .await;
        });
        Self {
            addresses,
            http_addresses,
            metrics_address,
            task,
        }
    }

    /// The base URL of a service's web surface.
    pub fn http_url(&self, kind: ServiceKind) -> String {
        format!("http://{}", self.http_addresses[kind.name()])
    }

    pub fn url(&self, kind: ServiceKind) -> String {
        format!("http://{}", self.addresses[kind.name()])
    }

    /// The report with `code` as operators read it from intake, contact and photos included.
    pub async fn report_as_operator(&self, code: &str) -> Report {
        let mut intake = IntakeServiceClient::new(
            super::clients::channel(&self.url(ServiceKind::Intake), Some(OPERATOR_KEY)).await,
        );
        intake
            .get_report(GetReportRequest {
                name: format!("reports/{code}"),
            })
            .await
            .expect("GetReport")
            .into_inner()
            .report
            .expect("a report")
    }

    /// Clients for the intake, status and (when running) tracking services.
    pub async fn clients(&self) -> Clients {
        let tracking = self
            .addresses
            .contains_key(ServiceKind::Tracking.name())
            .then(|| self.url(ServiceKind::Tracking));
        Clients::connect(
            &self.url(ServiceKind::Intake),
            &self.url(ServiceKind::Status),
            tracking.as_deref(),
        )
        .await
    }
}

impl Drop for RunningPlatform {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Gives up on a stuck await instead of hanging the suite.
pub async fn within<T>(
    what: &str,
    timeout: Duration,
    future: impl std::future::Future<Output = T>,
) -> T {
    tokio::time::timeout(timeout, future)
        .await
        .unwrap_or_else(|_| panic!("timed out after {timeout:?}: {what}"))
}
