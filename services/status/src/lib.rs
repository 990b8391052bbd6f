//! Status: the public view of every report, fed only by events and holding no
//! personal data: state, department, expected date and a timeline per tracking code.

pub mod app;
pub mod domain;
mod events;
mod grpc;
mod http;
pub mod i18n;
pub mod settings;
pub mod store;

use std::sync::Arc;

use segnala_proto::{
    intake::v1::ReportReceived,
    tracking::v1::WorkOrderChanged,
    triage::v1::{
        ReportMerged, ReportNeedsReview, ReportRejected, ReportRouted, TaxonomyPublished,
    },
};
use segnala_shared::{
    db,
    delivery::Deliveries,
    grpc::GrpcServer,
    messaging::{EventHandlers, Outbox},
    place::Jurisdiction,
    service::{Application, ServiceContext, StartupError},
};

use domain::TargetPolicy;
pub use settings::StatusSettings;

pub const SERVICE_NAME: &str = "status";

/// Builds the status service; zones are named and placed by `jurisdiction`.
pub async fn build(
    context: ServiceContext,
    settings: StatusSettings,
    jurisdiction: Arc<Jurisdiction>,
) -> Result<Application, StartupError> {
    let db = db::connect_and_migrate::<store::Migrator>(&context.database).await?;
    let outbox = Outbox::new();
    let directory = app::Directory::new(db.clone(), jurisdiction);
    let watch = app::StatusWatch::default();
    let deliveries = Deliveries::new();
    let subscriptions = app::Subscriptions::new(
        db.clone(),
        deliveries.clone(),
        TargetPolicy {
            allow_private: settings.webhooks.allow_private_targets,
        },
        directory.clone(),
        &context.public_url,
    );
    let webhook_worker = deliveries
        .worker(
            db.clone(),
            vec![subscriptions.destination(settings.webhooks.rate_per_second)],
            settings.webhooks.delivery.policy(),
        )
        .map_err(|e| StartupError::Config(format!("HTTP client: {e}")))?;
    let projector = app::Projector::new(
        outbox.clone(),
        watch.clone(),
        subscriptions.clone(),
        directory.clone(),
        &context.public_url,
    );
    let handlers = EventHandlers::batched(projector)
        .on::<ReportReceived>()
        .on::<ReportRouted>()
        .on::<ReportMerged>()
        .on::<ReportNeedsReview>()
        .on::<ReportRejected>()
        .on::<WorkOrderChanged>()
        .on::<TaxonomyPublished>()
        .build();
    let statuses = app::Statuses::new(db.clone());
    let alerts = app::Alerts::new(db.clone(), outbox.clone());
    let server = GrpcServer::new(
        grpc::policy(),
        context.authenticator.clone(),
        segnala_proto::FILE_DESCRIPTOR_SET,
    )
    .add_service(grpc::server(grpc::StatusApi {
        statuses: statuses.clone(),
        alerts: alerts.clone(),
        subscriptions,
        watch: watch.clone(),
        directory: directory.clone(),
        public_url: context.public_url.trim_end_matches('/').to_owned(),
    }));
    let web = http::Web::new(
        statuses,
        alerts,
        directory,
        context.time_zone,
        &context.public_url,
    );
    let mut application =
        Application::start(SERVICE_NAME, context, db, outbox, handlers, server).await?;
    application.spawn_task(webhook_worker.run());
    Ok(application
        .with_http(web.router())
        .on_shutdown(move || watch.stop()))
}
