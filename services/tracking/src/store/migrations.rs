use sea_orm_migration::{prelude::*, schema::*};
use segnala_shared::messaging::{
    self,
    migration::{self, index_on},
};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        messaging::migration::with_messaging_tables(vec![
            Box::new(CreateWorkOrders),
            Box::new(WorkOrderLife),
            Box::new(ClaimableIndex),
            Box::new(ReportsByOrderIndex),
            Box::new(DropQueueIndex),
            Box::new(super::attachments::StripStoredPhotoMetadata),
        ])
    }
}

#[derive(DeriveIden)]
enum WorkOrders {
    Table,
    Id,
    Department,
    Category,
    State,
    PriorityRank,
    Description,
    Latitude,
    Longitude,
    Address,
    CreatedAt,
    UpdatedAt,
    Version,
    Incident,
    Zone,
    DueAt,
    Crew,
    LeaseUntil,
    HoldReason,
    CancelReason,
    PublicNote,
    ResolvedAt,
    EscalatedDue,
    AuditHead,
    AuditCount,
}

#[derive(DeriveIden)]
enum WorkOrderReports {
    Table,
    Report,
    WorkOrderId,
    RouteVersion,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Seq,
    WorkOrderId,
    OrderSeq,
    Actor,
    Action,
    FromState,
    ToState,
    Detail,
    AtMicros,
    PreviousHash,
    Hash,
}

#[derive(DeriveIden)]
enum WorkOrderNotes {
    Table,
    Seq,
    WorkOrderId,
    Author,
    Visibility,
    Text,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WorkOrderPhotos {
    Table,
    Id,
    WorkOrderId,
    Kind,
    ContentType,
    Content,
    SizeBytes,
    Latitude,
    Longitude,
    DistanceMeters,
    Author,
    CreatedAt,
}

#[derive(DeriveIden)]
enum WorkOrderRequests {
    Table,
    RequestId,
    Method,
    WorkOrderId,
    CreatedAt,
}

struct CreateWorkOrders;

impl MigrationName for CreateWorkOrders {
    fn name(&self) -> &str {
        "m20261123_000300_tracking_work_orders"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateWorkOrders {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WorkOrders::Table)
                    .if_not_exists()
                    .col(pk_uuid(WorkOrders::Id))
                    .col(string(WorkOrders::Department))
                    .col(string(WorkOrders::Category))
                    .col(string(WorkOrders::State))
                    .col(integer(WorkOrders::PriorityRank))
                    .col(text(WorkOrders::Description))
                    .col(double_null(WorkOrders::Latitude))
                    .col(double_null(WorkOrders::Longitude))
                    .col(text(WorkOrders::Address))
                    .col(timestamp_with_time_zone(WorkOrders::CreatedAt))
                    .col(timestamp_with_time_zone(WorkOrders::UpdatedAt))
                    .col(big_integer(WorkOrders::Version))
                    .to_owned(),
            )
            .await?;
        manager.create_index(queue_index()).await?;
        // A report belongs to one work order at a time.
        manager
            .create_table(
                Table::create()
                    .table(WorkOrderReports::Table)
                    .if_not_exists()
                    .col(string(WorkOrderReports::Report).primary_key())
                    .col(uuid(WorkOrderReports::WorkOrderId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WorkOrderReports::Table, WorkOrderReports::WorkOrderId)
                            .to(WorkOrders::Table, WorkOrders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WorkOrderReports::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(WorkOrders::Table).to_owned())
            .await
    }
}

/// States, leases, due times, incidents; the audit log, notes, photos and the request
/// ids that make retries safe.
struct WorkOrderLife;

impl MigrationName for WorkOrderLife {
    fn name(&self) -> &str {
        "m20261123_000301_tracking_work_order_life"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for WorkOrderLife {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            string(WorkOrders::Incident).default("").to_owned(),
            string(WorkOrders::Zone).default("").to_owned(),
            timestamp_with_time_zone_null(WorkOrders::DueAt),
            string_null(WorkOrders::Crew),
            timestamp_with_time_zone_null(WorkOrders::LeaseUntil),
            text_null(WorkOrders::HoldReason),
            string_null(WorkOrders::CancelReason),
            text_null(WorkOrders::PublicNote),
            timestamp_with_time_zone_null(WorkOrders::ResolvedAt),
            timestamp_with_time_zone_null(WorkOrders::EscalatedDue),
            string(WorkOrders::AuditHead).default("").to_owned(),
            big_integer(WorkOrders::AuditCount).default(0).to_owned(),
        ];
        migration::add_columns(manager, WorkOrders::Table, columns).await?;
        migration::add_column(
            manager,
            WorkOrderReports::Table,
            big_integer(WorkOrderReports::RouteVersion).default(0),
        )
        .await?;
        let db = manager.get_connection();
        db.execute_unprepared("UPDATE work_orders SET due_at = created_at WHERE due_at IS NULL")
            .await?;
        // One order per incident; orders opened before incidents existed have none.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX IF NOT EXISTS work_orders_incident ON work_orders (incident) WHERE incident <> ''",
        )
        .await?;
        // A department's queue in claim order: most urgent, then soonest due.
        manager
            .create_index(index_on(
                "work_orders_claim",
                WorkOrders::Table,
                [
                    WorkOrders::Department,
                    WorkOrders::State,
                    WorkOrders::PriorityRank,
                    WorkOrders::DueAt,
                ],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    .if_not_exists()
                    .col(big_pk_auto(AuditLog::Seq))
                    .col(uuid(AuditLog::WorkOrderId))
                    .col(big_integer(AuditLog::OrderSeq))
                    .col(string(AuditLog::Actor))
                    .col(string(AuditLog::Action))
                    .col(string(AuditLog::FromState))
                    .col(string(AuditLog::ToState))
                    .col(text(AuditLog::Detail))
                    .col(big_integer(AuditLog::AtMicros))
                    .col(string(AuditLog::PreviousHash))
                    .col(string(AuditLog::Hash))
                    .to_owned(),
            )
            .await?;
        // Two appends to one order's chain at the same position cannot both commit.
        manager
            .create_index(
                index_on(
                    "audit_log_order_chain",
                    AuditLog::Table,
                    [AuditLog::WorkOrderId, AuditLog::OrderSeq],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkOrderNotes::Table)
                    .if_not_exists()
                    .col(big_pk_auto(WorkOrderNotes::Seq))
                    .col(uuid(WorkOrderNotes::WorkOrderId))
                    .col(string(WorkOrderNotes::Author))
                    .col(string(WorkOrderNotes::Visibility))
                    .col(text(WorkOrderNotes::Text))
                    .col(timestamp_with_time_zone(WorkOrderNotes::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                "work_order_notes_order",
                WorkOrderNotes::Table,
                [WorkOrderNotes::WorkOrderId],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkOrderPhotos::Table)
                    .if_not_exists()
                    .col(pk_uuid(WorkOrderPhotos::Id))
                    .col(uuid(WorkOrderPhotos::WorkOrderId))
                    .col(string(WorkOrderPhotos::Kind))
                    .col(string(WorkOrderPhotos::ContentType))
                    .col(blob(WorkOrderPhotos::Content))
                    .col(big_integer(WorkOrderPhotos::SizeBytes))
                    .col(double_null(WorkOrderPhotos::Latitude))
                    .col(double_null(WorkOrderPhotos::Longitude))
                    .col(double_null(WorkOrderPhotos::DistanceMeters))
                    .col(string(WorkOrderPhotos::Author))
                    .col(timestamp_with_time_zone(WorkOrderPhotos::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                "work_order_photos_order",
                WorkOrderPhotos::Table,
                [WorkOrderPhotos::WorkOrderId],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkOrderRequests::Table)
                    .if_not_exists()
                    .col(string(WorkOrderRequests::RequestId).primary_key())
                    .col(string(WorkOrderRequests::Method))
                    .col(uuid_null(WorkOrderRequests::WorkOrderId))
                    .col(timestamp_with_time_zone(WorkOrderRequests::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            WorkOrderRequests::Table.into_iden(),
            WorkOrderPhotos::Table.into_iden(),
            WorkOrderNotes::Table.into_iden(),
            AuditLog::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// The claim query walks this index in queue order and stops at the first row no other
/// claim holds, instead of sorting the whole queue on every claim.
struct ClaimableIndex;

impl MigrationName for ClaimableIndex {
    fn name(&self) -> &str {
        "m20261123_000302_tracking_claimable_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ClaimableIndex {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX IF NOT EXISTS work_orders_claimable ON work_orders \
                 (department, priority_rank DESC, due_at, created_at, id) \
                 WHERE state IN ('queued', 'reopened')",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS work_orders_claimable")
            .await?;
        Ok(())
    }
}

/// An order's reports are read with every order: find them by the order.
struct ReportsByOrderIndex;

impl MigrationName for ReportsByOrderIndex {
    fn name(&self) -> &str {
        "m20261123_000303_tracking_reports_by_order"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ReportsByOrderIndex {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(index_on(
                "work_order_reports_order",
                WorkOrderReports::Table,
                [WorkOrderReports::WorkOrderId],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("work_order_reports_order")
                    .table(WorkOrderReports::Table)
                    .to_owned(),
            )
            .await
    }
}

/// Queues are listed and claimed soonest-due first (`work_orders_claim`): the index in
/// the older order, oldest first, serves no query and costs a write with every order.
struct DropQueueIndex;

impl MigrationName for DropQueueIndex {
    fn name(&self) -> &str {
        "m20261124_000304_tracking_drop_queue_index"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for DropQueueIndex {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DROP INDEX IF EXISTS work_orders_queue")
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.create_index(queue_index()).await
    }
}

/// A department's queue: most urgent first, then oldest (the order before due times).
fn queue_index() -> IndexCreateStatement {
    index_on(
        "work_orders_queue",
        WorkOrders::Table,
        [
            WorkOrders::Department,
            WorkOrders::State,
            WorkOrders::PriorityRank,
            WorkOrders::CreatedAt,
        ],
    )
}
