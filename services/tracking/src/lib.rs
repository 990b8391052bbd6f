//! Tracking: one work order per incident, in its department's queue, and every change
//! of it announced as `WorkOrderChanged`.

pub mod app;
pub mod domain;
mod events;
mod grpc;
pub mod store;

use segnala_proto::triage::v1::ReportRouted;
use segnala_shared::{
    db,
    grpc::GrpcServer,
    messaging::{EventHandlers, Outbox},
    service::{Application, ServiceContext, StartupError},
};

pub const SERVICE_NAME: &str = "tracking";

pub async fn build(context: ServiceContext) -> Result<Application, StartupError> {
    let db = db::connect_and_migrate::<store::Migrator>(&context.database).await?;
    let outbox = Outbox::new();
    let handlers =
        EventHandlers::new().on::<ReportRouted, _>(app::OpenWorkOrder::new(outbox.clone()));
    let server = GrpcServer::new(
        grpc::policy(),
        context.authenticator.clone(),
        segnala_proto::FILE_DESCRIPTOR_SET,
    )
    .add_service(grpc::server(app::WorkOrders::new(db.clone())));
    Application::start(SERVICE_NAME, context, db, outbox, handlers, server).await
}
