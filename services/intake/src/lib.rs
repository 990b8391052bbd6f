//! Intake: every way a report comes in. Normalises it into one [`domain::Report`],
//! rejects bad input with a clear error, gives it a public tracking code, stores the
//! reporter's contact apart, and announces `ReportReceived` through the outbox.

pub mod app;
pub mod channels;
pub mod domain;
mod events;
pub mod geocoding;
mod grpc;
pub mod http;
mod links;
pub mod settings;
pub mod store;
mod upstream;

use std::sync::Arc;

use segnala_proto::{
    status::v1::{AlertPublished, ReportStatusChanged},
    triage::v1::EmergencyDetected,
};
use segnala_shared::{
    db,
    grpc::GrpcServer,
    messaging::{EventHandlers, Outbox},
    place::Jurisdiction,
    service::{Application, ServiceContext, StartupError},
};

pub use settings::IntakeSettings;

pub const SERVICE_NAME: &str = "intake";

/// Builds the intake service: database, outbox relay, gRPC API and HTTP surface.
/// Reports located outside `jurisdiction` are refused.
pub async fn build(
    context: ServiceContext,
    settings: IntakeSettings,
    jurisdiction: Arc<Jurisdiction>,
) -> Result<Application, StartupError> {
    let db = db::connect_and_migrate::<store::Migrator>(&context.database).await?;
    let outbox = Outbox::new();
    let public_url = match (&settings.public_url, &context.http_listener) {
        (url, _) if !url.is_empty() => url.trim_end_matches('/').to_owned(),
        (_, Some(listener)) => format!("http://{}", listener.local_addr()?),
        (_, None) => String::new(),
    };
    let geocoder = geocoding::from_settings(&settings.geocoder, &jurisdiction, &settings.language)
        .map_err(StartupError::Config)?;
    let own_address = match &context.http_listener {
        Some(listener) => Some(listener.local_addr()?),
        None => None,
    };
    let media = links::MediaLinks::new(&settings, own_address);
    if let Some(problem) = media.problem(&context.public_url) {
        tracing::warn!("{problem}");
    }
    let triage = upstream::connect(&settings.triage_url, "intake.triage_url")
        .map_err(StartupError::Config)?;
    let status = upstream::connect(&settings.status_url, "intake.status_url")
        .map_err(StartupError::Config)?;
    let catalog: Arc<dyn app::ServiceCatalog> = Arc::new(upstream::triage::TriageCatalog::new(
        triage.clone(),
        settings.language.clone(),
    ));
    let reports = app::Reports::new(
        db.clone(),
        outbox.clone(),
        media.base,
        jurisdiction.clone(),
        geocoder,
        catalog.clone(),
    );
    let statuses = upstream::status::StatusClient::new(status);
    let retention = app::ContactRetention::new(
        db.clone(),
        outbox.clone(),
        statuses.clone(),
        chrono::Duration::days(settings.retention.contacts_days_after_close.into()),
        std::time::Duration::from_secs(settings.retention.check_every_secs),
    );
    let open311 = http::open311::Open311 {
        reports: reports.clone(),
        catalog: catalog.clone(),
        statuses: statuses.clone(),
        authenticator: context.authenticator.clone(),
        jurisdiction_id: settings.jurisdiction_id.clone(),
        endpoint_url: format!("{public_url}/open311/v2"),
        max_media_bytes: settings.max_media_bytes,
        per_key: http::rate_limit::KeyedLimiter::per_minute(settings.rate_limit.per_key_per_minute),
        per_address: http::rate_limit::KeyedLimiter::per_minute(
            settings.rate_limit.per_address_per_minute,
        ),
        languages: http::open311::Languages::new(&settings.language),
        time_zone: context.time_zone,
    };
    let startup = |e: reqwest::Error| StartupError::Config(format!("HTTP client: {e}"));
    let channels = channels::Channels::new(channels::ChannelParts {
        db: db.clone(),
        reports: reports.clone(),
        outbox: outbox.clone(),
        settings: settings.channels,
        jurisdiction,
        safety: upstream::safety::SafetyAdvisor::new(triage),
        statuses,
        public_url: context.public_url.clone(),
        time_zone: context.time_zone,
        max_media_bytes: settings.max_media_bytes,
    })
    .map_err(startup)?;
    let delivery_worker = channels.delivery_worker().map_err(startup)?;
    let mastodon_poller = channels.mastodon_poller().map_err(startup)?;
    // Replies that follow the reports' status changes, emergencies and alerts.
    let handlers = EventHandlers::batched(channels.clone())
        .on::<ReportStatusChanged>()
        .on::<EmergencyDetected>()
        .on::<AlertPublished>()
        .build();
    let server = GrpcServer::new(
        grpc::policy(),
        context.authenticator.clone(),
        segnala_proto::FILE_DESCRIPTOR_SET,
    )
    .add_service(grpc::server(
        reports.clone(),
        settings.language.clone(),
        settings.max_media_bytes,
    ))
    .add_service(grpc::reporter_data_server(app::ReporterData::new(
        db.clone(),
        outbox.clone(),
    )));
    let mut application = Application::start(SERVICE_NAME, context, db, outbox, handlers, server)
        .await?
        .with_http(http::router(open311, reports.clone(), &channels))
        .with_public_routes(http::media_router(reports));
    application.spawn_task(delivery_worker.run());
    application.spawn_task(retention.run());
    if let Some(poller) = mastodon_poller {
        application.spawn_task(poller);
    }
    Ok(application)
}
