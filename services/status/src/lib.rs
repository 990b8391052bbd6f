//! Status: the public view of every report, fed only by events and holding no
//! personal data: state, department and a timeline per tracking code.

pub mod app;
pub mod domain;
mod grpc;
pub mod store;

use segnala_proto::{
    intake::v1::ReportReceived, tracking::v1::WorkOrderChanged, triage::v1::ReportRouted,
};
use segnala_shared::{
    db,
    grpc::GrpcServer,
    messaging::{EventHandlers, Outbox},
    service::{Application, ServiceContext, StartupError},
};

pub const SERVICE_NAME: &str = "status";

pub async fn build(context: ServiceContext) -> Result<Application, StartupError> {
    let db = db::connect_and_migrate::<store::Migrator>(&context.database).await?;
    let outbox = Outbox::new();
    let handlers = EventHandlers::new()
        .on::<ReportReceived, _>(app::Projector::default())
        .on::<ReportRouted, _>(app::Projector::default())
        .on::<WorkOrderChanged, _>(app::Projector::default());
    let server = GrpcServer::new(
        grpc::policy(),
        context.authenticator.clone(),
        segnala_proto::FILE_DESCRIPTOR_SET,
    )
    .add_service(grpc::server(app::Statuses::new(db.clone())));
    Application::start(SERVICE_NAME, context, db, outbox, handlers, server).await
}
