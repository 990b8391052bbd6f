use sea_orm_migration::{prelude::*, schema::*};
use segnala_shared::messaging;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        messaging::migration::with_messaging_tables(vec![Box::new(CreateDecisions)])
    }
}

#[derive(DeriveIden)]
enum Decisions {
    Table,
    TrackingCode,
    Department,
    Category,
    Priority,
    MatchedKeywords,
    Method,
    DecidedAt,
    Version,
}

struct CreateDecisions;

impl MigrationName for CreateDecisions {
    fn name(&self) -> &str {
        "m20261123_000200_triage_decisions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateDecisions {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Decisions::Table)
                    .if_not_exists()
                    .col(string(Decisions::TrackingCode).primary_key())
                    .col(string(Decisions::Department))
                    .col(string(Decisions::Category))
                    .col(string(Decisions::Priority))
                    .col(json(Decisions::MatchedKeywords))
                    .col(string(Decisions::Method))
                    .col(timestamp_with_time_zone(Decisions::DecidedAt))
                    .col(big_integer(Decisions::Version))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Decisions::Table).to_owned())
            .await
    }
}
