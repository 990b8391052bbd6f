//! Triage: decides which department owns a report and how urgent it is, records why,
//! places it in an incident with the other reports of the same problem, and announces
//! `ReportRouted` or `ReportMerged`. At start it announces its taxonomy
//! (`TaxonomyPublished`) when that changed.

pub mod app;
mod contract;
pub mod domain;
mod events;
mod grpc;
pub mod settings;
pub mod store;

use std::sync::Arc;

use segnala_proto::{
    intake::v1::{ReportAnonymized, ReportReceived},
    tracking::v1::WorkOrderChanged,
};
use segnala_shared::{
    config::ConfigError,
    db,
    grpc::GrpcServer,
    messaging::{EventHandlers, Outbox},
    place::Jurisdiction,
    service::{Application, ServiceContext, StartupError},
};

pub use settings::TriageSettings;

pub const SERVICE_NAME: &str = "triage";

/// Builds the triage service with the configured taxonomy, for the reports located in
/// `jurisdiction`.
pub async fn build(
    context: ServiceContext,
    settings: TriageSettings,
    jurisdiction: Arc<Jurisdiction>,
) -> Result<Application, StartupError> {
    let config = |e: ConfigError| StartupError::Config(e.to_string());
    let taxonomy = Arc::new(settings.taxonomy().map_err(config)?);
    settings.check_zones(&jurisdiction).map_err(config)?;
    let db = db::connect_and_migrate::<store::Migrator>(&context.database).await?;
    let outbox = Outbox::new();
    app::publish_taxonomy(&db, &outbox, &taxonomy).await?;
    let classifier = Arc::new(settings.classifier(&taxonomy).map_err(config)?);
    let incidents =
        app::Incidents::load(&db, taxonomy.clone(), jurisdiction.middle_latitude()).await?;
    let handlers = EventHandlers::batched(app::TriageConsumer::new(
        app::RouteReport::new(
            classifier.clone(),
            taxonomy.clone(),
            jurisdiction,
            incidents.clone(),
            outbox.clone(),
        ),
        app::FollowWorkOrders::new(incidents.clone()),
    ))
    .on::<ReportReceived>()
    .on::<WorkOrderChanged>()
    .on::<ReportAnonymized>()
    .build();
    let operators = app::Operators::new(db.clone(), taxonomy.clone(), incidents, outbox.clone());
    let server = GrpcServer::new(
        grpc::policy(),
        context.authenticator.clone(),
        segnala_proto::FILE_DESCRIPTOR_SET,
    )
    .add_service(grpc::server(
        app::Decisions::new(db.clone()),
        operators,
        app::AssessText::new(classifier, taxonomy.clone()),
        taxonomy,
    ));
    Application::start(SERVICE_NAME, context, db, outbox, handlers, server).await
}
