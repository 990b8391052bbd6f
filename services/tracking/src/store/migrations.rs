use sea_orm_migration::{prelude::*, schema::*};
use segnala_shared::messaging;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        messaging::migration::with_messaging_tables(vec![Box::new(CreateWorkOrders)])
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
}

#[derive(DeriveIden)]
enum WorkOrderReports {
    Table,
    Report,
    WorkOrderId,
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
        // A department's queue: most urgent first, then oldest.
        manager
            .create_index(
                Index::create()
                    .name("work_orders_queue")
                    .table(WorkOrders::Table)
                    .col(WorkOrders::Department)
                    .col(WorkOrders::State)
                    .col(WorkOrders::PriorityRank)
                    .col(WorkOrders::CreatedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
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
