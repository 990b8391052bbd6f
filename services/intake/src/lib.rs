//! Intake: every way a report comes in. Normalises it into one [`domain::Report`],
//! rejects bad input with a clear error, gives it a public tracking code, stores the
//! reporter's contact apart, and announces `ReportReceived` through the outbox.

pub mod app;
pub mod domain;
mod events;
mod grpc;
pub mod store;

use segnala_shared::{
    db,
    grpc::GrpcServer,
    messaging::{EventHandlers, Outbox},
    service::{Application, ServiceContext, StartupError},
};

pub const SERVICE_NAME: &str = "intake";

/// Builds the intake service: database, outbox relay and gRPC API.
pub async fn build(context: ServiceContext) -> Result<Application, StartupError> {
    let db = db::connect_and_migrate::<store::Migrator>(&context.database).await?;
    let outbox = Outbox::new();
    let reports = app::Reports::new(db.clone(), outbox.clone());
    let server = GrpcServer::new(
        grpc::policy(),
        context.authenticator.clone(),
        segnala_proto::FILE_DESCRIPTOR_SET,
    )
    .add_service(grpc::server(reports));
    Application::start(
        SERVICE_NAME,
        context,
        db,
        outbox,
        EventHandlers::new(),
        server,
    )
    .await
}
