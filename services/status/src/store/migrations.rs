use sea_orm_migration::{prelude::*, schema::*};
use segnala_shared::messaging;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        messaging::migration::with_messaging_tables(vec![Box::new(CreateReportStatuses)])
    }
}

#[derive(DeriveIden)]
enum ReportStatuses {
    Table,
    TrackingCode,
    State,
    Department,
    Category,
    RoutingVersion,
    WorkOrder,
    WorkOrderVersion,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum TimelineEntries {
    Table,
    Seq,
    TrackingCode,
    MessageId,
    Time,
    State,
    Message,
}

struct CreateReportStatuses;

impl MigrationName for CreateReportStatuses {
    fn name(&self) -> &str {
        "m20261123_000400_status_report_statuses"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateReportStatuses {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReportStatuses::Table)
                    .if_not_exists()
                    .col(string(ReportStatuses::TrackingCode).primary_key())
                    .col(string(ReportStatuses::State))
                    .col(string_null(ReportStatuses::Department))
                    .col(string_null(ReportStatuses::Category))
                    .col(big_integer(ReportStatuses::RoutingVersion).default(0))
                    .col(string_null(ReportStatuses::WorkOrder))
                    .col(big_integer(ReportStatuses::WorkOrderVersion).default(0))
                    .col(timestamp_with_time_zone(ReportStatuses::CreatedAt))
                    .col(timestamp_with_time_zone(ReportStatuses::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TimelineEntries::Table)
                    .if_not_exists()
                    .col(big_pk_auto(TimelineEntries::Seq))
                    .col(string(TimelineEntries::TrackingCode))
                    .col(uuid(TimelineEntries::MessageId))
                    .col(timestamp_with_time_zone(TimelineEntries::Time))
                    .col(string(TimelineEntries::State))
                    .col(text(TimelineEntries::Message))
                    .to_owned(),
            )
            .await?;
        // One entry per report per event, whatever is redelivered.
        manager
            .create_index(
                Index::create()
                    .name("timeline_entries_event")
                    .table(TimelineEntries::Table)
                    .col(TimelineEntries::TrackingCode)
                    .col(TimelineEntries::MessageId)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TimelineEntries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(ReportStatuses::Table).to_owned())
            .await
    }
}
