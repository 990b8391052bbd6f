//! What the tracking tests need: a tracking service with a clock the test moves, events
//! published as the other services would, and crew clients.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use segnala::Settings;
use segnala_proto::{
    common::v1::{LatLng, Priority},
    tracking::v1::{
        ClaimNextRequest, HoldWorkRequest, ResolveWorkRequest, StartWorkRequest, WorkOrder,
        tracking_service_client::TrackingServiceClient,
        work_queue_service_client::WorkQueueServiceClient,
    },
    triage::v1::ReportRouted,
};
use segnala_shared::{
    db::DatabaseTarget,
    grpc::Authenticator,
    messaging::{Envelope, RabbitMqSettings, RabbitMqTransport, Transport},
    service::ServiceContext,
};
use segnala_tracking::domain::Clock;
use tokio::net::TcpListener;
use tonic::Status;

use super::{
    TestEnv,
    clients::{Intercepted, channel},
    env::OPERATOR_KEY,
    tap::EventTap,
};

/// A tracking service running in this process, on the test's database and broker.
pub struct TrackingReplica {
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl TrackingReplica {
    pub async fn start(env: &TestEnv, settings: &Settings, clock: Arc<dyn Clock>) -> Self {
        let database = DatabaseTarget::Postgres {
            url: env.database_url.clone().into(),
            schema: "tracking".into(),
            min_connections: 1,
            max_connections: settings.database.max_connections,
        };
        Self::start_on(database, transport(env).await, settings, clock).await
    }

    /// On any database and transport (SQLite and the in-process bus, for instance).
    pub async fn start_on(
        database: DatabaseTarget,
        transport: Arc<dyn Transport>,
        settings: &Settings,
        clock: Arc<dyn Clock>,
    ) -> Self {
        let context = ServiceContext {
            database,
            transport,
            authenticator: Authenticator::new(settings.auth.api_keys.clone()),
            listener: TcpListener::bind("127.0.0.1:0").await.expect("a port"),
            http_listener: None,
            public_url: String::new(),
            time_zone: settings.time_zone,
        };
        let application =
            segnala_tracking::build_with_clock(context, settings.tracking.clone(), clock)
                .await
                .expect("tracking starts");
        let address = application.address();
        let task = tokio::spawn(async move {
            let _ = application
                .run_until_stopped(Box::pin(std::future::pending()))
                .await;
        });
        Self { address, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }
}

impl Drop for TrackingReplica {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn transport(env: &TestEnv) -> Arc<RabbitMqTransport> {
    RabbitMqTransport::connect(RabbitMqSettings {
        url: env.amqp_url.clone().into(),
        prefix: env.prefix.clone(),
        prefetch: 64,
        delivery_limit: 20,
    })
    .await
    .expect("connect to RabbitMQ")
}

/// Publishes `event` on the test's exchange, as the service that owns it would.
pub async fn publish<E: prost::Message + prost::Name>(env: &TestEnv, event: &E) {
    publish_envelopes(env, &[Envelope::new(event)]).await;
}

/// Publishes messages as they are, in order: the same envelope twice is a redelivery.
pub async fn publish_envelopes(env: &TestEnv, envelopes: &[Envelope]) {
    let transport = transport(env).await;
    let outcome = transport.publish(envelopes).await;
    assert!(outcome.iter().all(Result::is_ok), "published: {outcome:?}");
}

/// A routed report opening its own incident, as triage announces it.
pub fn routed(code: &str, department: &str, priority: Priority) -> ReportRouted {
    ReportRouted {
        report: format!("reports/{code}"),
        tracking_code: code.to_owned(),
        department: department.to_owned(),
        category: "lamp_out".into(),
        priority: priority as i32,
        description: format!("Lampione spento ({code})"),
        location: Some(LatLng {
            latitude: 45.4642,
            longitude: 9.19,
        }),
        address: "Via Roma 3, Milano".into(),
        version: 1,
        incident: format!("incidents/{code}"),
        zone: "municipio-1".into(),
        ..ReportRouted::default()
    }
}

/// A crew's work-queue client and an operator's tracking client on one service.
pub async fn crew_client(url: &str, key: &str) -> WorkQueueServiceClient<Intercepted> {
    WorkQueueServiceClient::new(channel(url, Some(key)).await)
}

pub async fn operator_client(url: &str) -> TrackingServiceClient<Intercepted> {
    TrackingServiceClient::new(channel(url, Some(OPERATOR_KEY)).await)
}

type Crew = WorkQueueServiceClient<Intercepted>;

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

// A crew's steps, each with a fresh request id, answered with the order as the step
// left it.

/// The order `crew` claims from `department` (empty: any of its own), if there is one.
pub async fn claim(crew: &mut Crew, department: &str) -> Result<Option<WorkOrder>, Status> {
    let request = ClaimNextRequest {
        department: department.to_owned(),
        request_id: request_id(),
    };
    Ok(crew.claim_next(request).await?.into_inner().work_order)
}

pub async fn start(crew: &mut Crew, name: &str) -> Result<WorkOrder, Status> {
    let request = StartWorkRequest {
        name: name.to_owned(),
        request_id: request_id(),
    };
    Ok(crew
        .start_work(request)
        .await?
        .into_inner()
        .work_order
        .unwrap_or_default())
}

pub async fn hold(crew: &mut Crew, name: &str, reason: &str) -> Result<WorkOrder, Status> {
    let request = HoldWorkRequest {
        name: name.to_owned(),
        reason: reason.to_owned(),
        request_id: request_id(),
    };
    Ok(crew
        .hold_work(request)
        .await?
        .into_inner()
        .work_order
        .unwrap_or_default())
}

pub async fn resolve(crew: &mut Crew, name: &str, public_note: &str) -> Result<WorkOrder, Status> {
    let request = ResolveWorkRequest {
        name: name.to_owned(),
        public_note: public_note.to_owned(),
        request_id: request_id(),
    };
    Ok(crew
        .resolve_work(request)
        .await?
        .into_inner()
        .work_order
        .unwrap_or_default())
}

/// The order of `report`, once tracking has it.
pub async fn order_of(
    tracking: &TrackingServiceClient<Intercepted>,
    report: &str,
    what: &str,
    condition: impl Fn(&WorkOrder) -> bool,
) -> WorkOrder {
    super::eventually(what, Duration::from_secs(30), || {
        let mut tracking = tracking.clone();
        let report = report.to_owned();
        let condition = &condition;
        async move {
            tracking
                .list_work_orders(segnala_proto::tracking::v1::ListWorkOrdersRequest {
                    report,
                    ..Default::default()
                })
                .await
                .ok()?
                .into_inner()
                .work_orders
                .into_iter()
                .find(|o| condition(o))
        }
    })
    .await
}

/// The next event of type `E` on `tap` (bound to `E`'s routing key).
pub async fn next_event<E: prost::Message + prost::Name + Default>(
    tap: &mut EventTap,
    timeout: Duration,
) -> E {
    tap.next(&E::full_name(), timeout)
        .await
        .decode::<E>()
        .expect("the tap carries only this event type")
}

/// A tap on one event type.
pub async fn tap_of<E: prost::Name>(env: &TestEnv) -> EventTap {
    EventTap::bind(env, &E::full_name()).await
}
