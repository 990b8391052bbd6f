use sea_orm_migration::{prelude::*, schema::*};
use segnala_shared::messaging::{self, migration};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        messaging::migration::with_messaging_tables(vec![
            Box::new(CreateDecisions),
            Box::new(DecisionOutcomes),
            Box::new(DecisionZones),
            Box::new(CreateIncidents),
            Box::new(CreateCorrections),
            Box::new(CorrectionContexts),
            Box::new(RejectedCorrections),
            Box::new(CreatePublishedTaxonomy),
            Box::new(IncidentsByPlace),
        ])
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

/// Decisions remember their outcome, whether they are emergencies, and why.
struct DecisionOutcomes;

#[derive(DeriveIden)]
enum DecisionOutcome {
    Outcome,
    Emergency,
    Explanation,
}

impl MigrationName for DecisionOutcomes {
    fn name(&self) -> &str {
        "m20261123_000300_triage_decision_outcomes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for DecisionOutcomes {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            string(DecisionOutcome::Outcome)
                .default("routed")
                .to_owned(),
            boolean(DecisionOutcome::Emergency)
                .default(false)
                .to_owned(),
            json_null(DecisionOutcome::Explanation),
        ];
        migration::add_columns(manager, Decisions::Table, columns).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::drop_columns(
            manager,
            Decisions::Table,
            [
                DecisionOutcome::Outcome,
                DecisionOutcome::Emergency,
                DecisionOutcome::Explanation,
            ],
        )
        .await?;
        Ok(())
    }
}

/// Decisions remember the zone of the report.
struct DecisionZones;

#[derive(DeriveIden)]
enum DecisionZone {
    Zone,
}

impl MigrationName for DecisionZones {
    fn name(&self) -> &str {
        "m20261123_000400_triage_decision_zones"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for DecisionZones {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::add_column(
            manager,
            Decisions::Table,
            string(DecisionZone::Zone).default(""),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::drop_column(manager, Decisions::Table, DecisionZone::Zone).await
    }
}

/// Incidents: the reports of one problem, and the incident of every decision.
struct CreateIncidents;

#[derive(DeriveIden)]
enum Incidents {
    Table,
    Id,
    Department,
    Category,
    Latitude,
    Longitude,
    Zone,
    ReportCount,
    InitialPriority,
    Priority,
    OpenedAt,
    LastReportAt,
    Open,
    OrderVersion,
    MergedInto,
}

#[derive(DeriveIden)]
enum DecisionIncident {
    Incident,
}

impl MigrationName for CreateIncidents {
    fn name(&self) -> &str {
        "m20261123_000500_triage_incidents"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateIncidents {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Incidents::Table)
                    .if_not_exists()
                    .col(string(Incidents::Id).primary_key())
                    .col(string(Incidents::Department))
                    .col(string(Incidents::Category))
                    .col(double(Incidents::Latitude))
                    .col(double(Incidents::Longitude))
                    .col(string(Incidents::Zone))
                    .col(integer(Incidents::ReportCount))
                    .col(string(Incidents::InitialPriority))
                    .col(string(Incidents::Priority))
                    .col(timestamp_with_time_zone(Incidents::OpenedAt))
                    .col(timestamp_with_time_zone(Incidents::LastReportAt))
                    .col(boolean(Incidents::Open))
                    .col(big_integer(Incidents::OrderVersion))
                    .col(string(Incidents::MergedInto).default(""))
                    .to_owned(),
            )
            .await?;
        // The index is rebuilt from open incidents at start.
        manager
            .create_index(
                Index::create()
                    .name("incidents_open_opened_at")
                    .table(Incidents::Table)
                    .col(Incidents::Open)
                    .col(Incidents::OpenedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        migration::add_column(
            manager,
            Decisions::Table,
            string(DecisionIncident::Incident).default(""),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::drop_column(manager, Decisions::Table, DecisionIncident::Incident).await?;
        manager
            .drop_table(Table::drop().table(Incidents::Table).to_owned())
            .await
    }
}

/// Operators' decisions: the report as received, and the corrections as training data.
struct CreateCorrections;

#[derive(DeriveIden)]
enum Corrections {
    Table,
    Id,
    TrackingCode,
    Text,
    Department,
    Category,
    PreviousDepartment,
    Operator,
    CorrectedAt,
}

#[derive(DeriveIden)]
enum DecisionReceived {
    Received,
}

impl MigrationName for CreateCorrections {
    fn name(&self) -> &str {
        "m20261123_000600_triage_corrections"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateCorrections {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Corrections::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Corrections::Id))
                    .col(string(Corrections::TrackingCode))
                    .col(text(Corrections::Text))
                    .col(string(Corrections::Department))
                    .col(string(Corrections::Category))
                    .col(string(Corrections::PreviousDepartment))
                    .col(string(Corrections::Operator))
                    .col(timestamp_with_time_zone(Corrections::CorrectedAt))
                    .to_owned(),
            )
            .await?;
        migration::add_column(
            manager,
            Decisions::Table,
            blob_null(DecisionReceived::Received),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::drop_column(manager, Decisions::Table, DecisionReceived::Received).await?;
        manager
            .drop_table(Table::drop().table(Corrections::Table).to_owned())
            .await
    }
}

/// What each corrected report carried besides its text, the service it was filed under
/// and where it was: a model learns from them too.
struct CorrectionContexts;

#[derive(DeriveIden)]
enum CorrectionContext {
    ServiceCode,
    Latitude,
    Longitude,
}

impl MigrationName for CorrectionContexts {
    fn name(&self) -> &str {
        "m20261125_000700_triage_correction_contexts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CorrectionContexts {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            string(CorrectionContext::ServiceCode)
                .default("")
                .to_owned(),
            double_null(CorrectionContext::Latitude),
            double_null(CorrectionContext::Longitude),
        ];
        migration::add_columns(manager, Corrections::Table, columns).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::drop_columns(
            manager,
            Corrections::Table,
            [
                CorrectionContext::ServiceCode,
                CorrectionContext::Latitude,
                CorrectionContext::Longitude,
            ],
        )
        .await?;
        Ok(())
    }
}

/// The taxonomy last announced (`TaxonomyPublished`), so that a start announces only a
/// taxonomy that changed.
struct CreatePublishedTaxonomy;

#[derive(DeriveIden)]
enum PublishedTaxonomy {
    Table,
    Id,
    Version,
    Event,
}

impl MigrationName for CreatePublishedTaxonomy {
    fn name(&self) -> &str {
        "m20261126_000900_triage_published_taxonomy"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreatePublishedTaxonomy {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PublishedTaxonomy::Table)
                    .if_not_exists()
                    .col(integer(PublishedTaxonomy::Id).primary_key())
                    .col(big_integer(PublishedTaxonomy::Version))
                    .col(blob(PublishedTaxonomy::Event))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PublishedTaxonomy::Table).to_owned())
            .await
    }
}

/// Operators' rejections of reports in review as not reports, kept beside their routing
/// decisions.
struct RejectedCorrections;

#[derive(DeriveIden)]
enum CorrectionRejection {
    Rejected,
}

impl MigrationName for RejectedCorrections {
    fn name(&self) -> &str {
        "m20261126_000800_triage_rejected_corrections"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for RejectedCorrections {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let column = boolean(CorrectionRejection::Rejected)
            .default(false)
            .to_owned();
        migration::add_columns(manager, Corrections::Table, [column]).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::drop_columns(manager, Corrections::Table, [CorrectionRejection::Rejected]).await
    }
}

/// Each batch reads the open incidents around its reports, whoever opened them; the
/// index by opening time served the catch-up that reading replaced.
struct IncidentsByPlace;

impl MigrationName for IncidentsByPlace {
    fn name(&self) -> &str {
        "m20261207_000900_triage_incidents_by_place"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for IncidentsByPlace {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("incidents_open_place")
                    .table(Incidents::Table)
                    .col(Incidents::Open)
                    .col(Incidents::Department)
                    .col(Incidents::Category)
                    .col(Incidents::Latitude)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("incidents_open_opened_at")
                    .table(Incidents::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("incidents_open_place")
                    .table(Incidents::Table)
                    .to_owned(),
            )
            .await
    }
}
