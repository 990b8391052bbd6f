//! Tracking: one work order per incident, in its department's queue; crews claim, work
//! and resolve them under leases; every change is audited in a hash chain and announced
//! as `WorkOrderChanged`, every missed due time as `WorkOrderEscalated`.

pub mod app;
pub mod domain;
mod events;
mod grpc;
pub mod settings;
pub mod store;

use std::sync::Arc;

use segnala_proto::{
    intake::v1::{ReportAnonymized, ReporterFeedbackReceived},
    triage::v1::{ReportMerged, ReportRouted},
};
use segnala_shared::{
    db,
    grpc::GrpcServer,
    messaging::{EventHandlers, Outbox},
    service::{Application, ServiceContext, StartupError},
};

pub use settings::TrackingSettings;

use crate::domain::{Clock, SystemClock};

pub const SERVICE_NAME: &str = "tracking";

pub async fn build(
    context: ServiceContext,
    settings: TrackingSettings,
) -> Result<Application, StartupError> {
    build_with_clock(context, settings, Arc::new(SystemClock)).await
}

/// Like [`build`], reading the time from `clock` (tests move it forward).
pub async fn build_with_clock(
    context: ServiceContext,
    settings: TrackingSettings,
    clock: Arc<dyn Clock>,
) -> Result<Application, StartupError> {
    let db = db::connect_and_migrate::<store::Migrator>(&context.database).await?;
    let outbox = Outbox::new();
    let ledger = app::Ledger::new(outbox.clone());
    let watch = app::QueueWatch::default();
    let resolve_within = settings.resolve_within;
    let consumer = app::TrackingConsumer::new(ledger.clone(), clock.clone(), resolve_within);
    let handlers = EventHandlers::batched(consumer)
        .on::<ReportRouted>()
        .on::<ReportMerged>()
        .on::<ReporterFeedbackReceived>()
        .on::<ReportAnonymized>()
        .build();
    let changes = app::OrderChanges::new(db.clone(), ledger, clock.clone(), watch);
    let queue = app::WorkQueue::new(changes.clone(), settings.clone());
    let operations = app::Operations::new(changes.clone(), settings.lease(), resolve_within);
    let server = GrpcServer::new(
        grpc::policy(),
        context.authenticator.clone(),
        segnala_proto::FILE_DESCRIPTOR_SET,
    )
    .add_service(grpc::tracking_server(
        app::WorkOrders::new(db.clone()),
        operations,
        clock.clone(),
    ))
    .add_service(grpc::work_queue_server(
        queue,
        clock.clone(),
        settings.max_photo_bytes,
    ));
    let sweeper = app::Sweeper::new(changes);
    let mut application =
        Application::start(SERVICE_NAME, context, db, outbox, handlers, server).await?;
    application.spawn_task(sweeper.run(settings.sweep_interval()));
    Ok(application)
}
