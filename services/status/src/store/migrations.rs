use sea_orm_migration::{prelude::*, schema::*};
use segnala_shared::{
    messaging::{self, migration},
    redaction::redact_text,
};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        messaging::migration::with_messaging_tables(vec![
            Box::new(CreateReportStatuses),
            Box::new(PublicReadModel),
            Box::new(CreateAlerts),
            Box::new(EndableAlerts),
            Box::new(CreateWebhookSubscriptions),
            segnala_shared::delivery::migration(),
            Box::new(CreateTaxonomyDepartments),
            Box::new(ForgetTechnicalReviewReasons),
            Box::new(RedactPublicText),
        ])
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
    ServiceCode,
    Zone,
    Incident,
    DuplicateOf,
    Description,
    Channel,
    Latitude,
    Longitude,
    ExpectedAt,
    Reason,
    Triage,
    ReceivedVersion,
    WorkOrderState,
    Version,
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
    Kind,
    Note,
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

/// What the public pages, feeds and Open311 need of each report, and the public notes
/// of each step.
struct PublicReadModel;

impl MigrationName for PublicReadModel {
    fn name(&self) -> &str {
        "m20261123_000500_status_public_read_model"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for PublicReadModel {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            string_null(ReportStatuses::ServiceCode),
            string_null(ReportStatuses::Zone),
            string_null(ReportStatuses::Incident),
            string_null(ReportStatuses::DuplicateOf),
            text_null(ReportStatuses::Description),
            string_null(ReportStatuses::Channel),
            double_null(ReportStatuses::Latitude),
            double_null(ReportStatuses::Longitude),
            timestamp_with_time_zone_null(ReportStatuses::ExpectedAt),
            text_null(ReportStatuses::Reason),
            string(ReportStatuses::Triage).default("pending").to_owned(),
            big_integer(ReportStatuses::ReceivedVersion)
                .default(0)
                .to_owned(),
            string_null(ReportStatuses::WorkOrderState),
            big_integer(ReportStatuses::Version).default(0).to_owned(),
        ];
        migration::add_columns(manager, ReportStatuses::Table, columns).await?;
        migration::add_columns(
            manager,
            TimelineEntries::Table,
            [
                string(TimelineEntries::Kind).default("").to_owned(),
                text(TimelineEntries::Note).default("").to_owned(),
            ],
        )
        .await?;
        for (name, column) in [
            ("report_statuses_updated", ReportStatuses::UpdatedAt),
            ("report_statuses_department", ReportStatuses::Department),
            ("report_statuses_zone", ReportStatuses::Zone),
            ("report_statuses_incident", ReportStatuses::Incident),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(ReportStatuses::Table)
                        .col(column)
                        .if_not_exists()
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("timeline_entries_time")
                    .table(TimelineEntries::Table)
                    .col(TimelineEntries::Time)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::drop_columns(
            manager,
            ReportStatuses::Table,
            [
                ReportStatuses::ServiceCode,
                ReportStatuses::Zone,
                ReportStatuses::Incident,
                ReportStatuses::DuplicateOf,
                ReportStatuses::Description,
                ReportStatuses::Channel,
                ReportStatuses::Latitude,
                ReportStatuses::Longitude,
                ReportStatuses::ExpectedAt,
                ReportStatuses::Reason,
                ReportStatuses::Triage,
                ReportStatuses::ReceivedVersion,
                ReportStatuses::WorkOrderState,
                ReportStatuses::Version,
            ],
        )
        .await?;
        migration::drop_columns(
            manager,
            TimelineEntries::Table,
            [TimelineEntries::Kind, TimelineEntries::Note],
        )
        .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Alerts {
    Table,
    Id,
    RequestId,
    Severity,
    Title,
    Body,
    Zone,
    PublishedAt,
    ExpiresAt,
    EndedAt,
}

/// Operators' emergency broadcasts, shown on every public page while active.
struct CreateAlerts;

impl MigrationName for CreateAlerts {
    fn name(&self) -> &str {
        "m20261123_000600_status_alerts"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateAlerts {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Alerts::Table)
                    .if_not_exists()
                    .col(uuid(Alerts::Id).primary_key())
                    .col(string_uniq(Alerts::RequestId))
                    .col(string(Alerts::Severity))
                    .col(json(Alerts::Title))
                    .col(json(Alerts::Body))
                    .col(string_null(Alerts::Zone))
                    .col(timestamp_with_time_zone(Alerts::PublishedAt))
                    .col(timestamp_with_time_zone_null(Alerts::ExpiresAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Alerts::Table).to_owned())
            .await
    }
}

struct EndableAlerts;

impl MigrationName for EndableAlerts {
    fn name(&self) -> &str {
        "m20261123_000700_status_alert_ends"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for EndableAlerts {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::add_column(
            manager,
            Alerts::Table,
            timestamp_with_time_zone_null(Alerts::EndedAt),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::drop_column(manager, Alerts::Table, Alerts::EndedAt).await
    }
}

#[derive(DeriveIden)]
enum WebhookSubscriptions {
    Table,
    Id,
    RequestId,
    TargetUrl,
    TrackingCode,
    Zone,
    Secret,
    CreatedAt,
    DeletedAt,
}

struct CreateWebhookSubscriptions;

impl MigrationName for CreateWebhookSubscriptions {
    fn name(&self) -> &str {
        "m20261123_000800_status_webhook_subscriptions"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateWebhookSubscriptions {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(WebhookSubscriptions::Table)
                    .if_not_exists()
                    .col(uuid(WebhookSubscriptions::Id).primary_key())
                    .col(string_uniq(WebhookSubscriptions::RequestId))
                    .col(text(WebhookSubscriptions::TargetUrl))
                    .col(string_null(WebhookSubscriptions::TrackingCode))
                    .col(string_null(WebhookSubscriptions::Zone))
                    .col(string(WebhookSubscriptions::Secret))
                    .col(timestamp_with_time_zone(WebhookSubscriptions::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookSubscriptions::DeletedAt,
                    ))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            (
                "webhook_subscriptions_report",
                WebhookSubscriptions::TrackingCode,
            ),
            ("webhook_subscriptions_zone", WebhookSubscriptions::Zone),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(WebhookSubscriptions::Table)
                        .col(column)
                        .if_not_exists()
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookSubscriptions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum TaxonomyDepartments {
    Table,
    Department,
    Version,
    Position,
    Names,
    Categories,
}

/// The departments and categories triage publishes (`TaxonomyPublished`), by name.
struct CreateTaxonomyDepartments;

impl MigrationName for CreateTaxonomyDepartments {
    fn name(&self) -> &str {
        "m20261126_001000_status_taxonomy_departments"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateTaxonomyDepartments {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TaxonomyDepartments::Table)
                    .if_not_exists()
                    .col(string(TaxonomyDepartments::Department).primary_key())
                    .col(big_integer(TaxonomyDepartments::Version))
                    .col(integer(TaxonomyDepartments::Position))
                    .col(json(TaxonomyDepartments::Names))
                    .col(json(TaxonomyDepartments::Categories))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(TaxonomyDepartments::Table).to_owned())
            .await
    }
}

/// Triage's review events used to carry the classifier's explanation ("the best
/// department, general, scores 0.28, under 0.30") where status read a public reason:
/// the reports waiting for review and their review steps forget it.
struct ForgetTechnicalReviewReasons;

impl MigrationName for ForgetTechnicalReviewReasons {
    fn name(&self) -> &str {
        "m20261126_001100_status_forget_technical_review_reasons"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ForgetTechnicalReviewReasons {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .exec_stmt(
                Query::update()
                    .table(ReportStatuses::Table)
                    .value(ReportStatuses::Reason, Option::<String>::None)
                    .and_where(Expr::col(ReportStatuses::Triage).eq("in_review"))
                    .and_where(Expr::col(ReportStatuses::WorkOrderState).is_null())
                    .to_owned(),
            )
            .await?;
        manager
            .exec_stmt(
                Query::update()
                    .table(TimelineEntries::Table)
                    .value(TimelineEntries::Note, "")
                    .and_where(
                        Expr::col(TimelineEntries::Kind)
                            .eq("in_review")
                            .or(Expr::col(TimelineEntries::Kind)
                                .eq("")
                                .and(Expr::col(TimelineEntries::State).eq("in_review"))),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // What was forgotten stays forgotten: it was never the public's.
        Ok(())
    }
}

/// Statuses kept before status redacted what it projects: their descriptions, reasons
/// and notes are redacted now, so that no public answer carries what was kept raw.
struct RedactPublicText;

/// Rows read and rewritten at a time.
const REDACT_PAGE: u64 = 1000;

impl MigrationName for RedactPublicText {
    fn name(&self) -> &str {
        "m20261207_000100_status_redact_public_text"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for RedactPublicText {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let mut after = String::new();
        loop {
            let page = Query::select()
                .columns([
                    ReportStatuses::TrackingCode,
                    ReportStatuses::Description,
                    ReportStatuses::Reason,
                ])
                .from(ReportStatuses::Table)
                .and_where(Expr::col(ReportStatuses::TrackingCode).gt(after.clone()))
                .order_by(ReportStatuses::TrackingCode, Order::Asc)
                .limit(REDACT_PAGE)
                .to_owned();
            let rows = db.query_all(&page).await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.try_get("", "tracking_code")?;
            for row in &rows {
                let code: String = row.try_get("", "tracking_code")?;
                let mut update = Query::update();
                let mut changed = false;
                for (column, name) in [
                    (ReportStatuses::Description, "description"),
                    (ReportStatuses::Reason, "reason"),
                ] {
                    let text: Option<String> = row.try_get("", name)?;
                    if let Some(text) = text {
                        let redacted = redact_text(&text, None);
                        if redacted != text {
                            update.value(column, redacted);
                            changed = true;
                        }
                    }
                }
                if changed {
                    update
                        .table(ReportStatuses::Table)
                        .and_where(Expr::col(ReportStatuses::TrackingCode).eq(code));
                    db.execute(&update).await?;
                }
            }
        }
        let mut after = 0i64;
        loop {
            let page = Query::select()
                .columns([TimelineEntries::Seq, TimelineEntries::Note])
                .from(TimelineEntries::Table)
                .and_where(Expr::col(TimelineEntries::Seq).gt(after))
                .and_where(Expr::col(TimelineEntries::Note).ne(""))
                .order_by(TimelineEntries::Seq, Order::Asc)
                .limit(REDACT_PAGE)
                .to_owned();
            let rows = db.query_all(&page).await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.try_get("", "seq")?;
            for row in &rows {
                let seq: i64 = row.try_get("", "seq")?;
                let note: String = row.try_get("", "note")?;
                let redacted = redact_text(&note, None);
                if redacted != note {
                    let update = Query::update()
                        .table(TimelineEntries::Table)
                        .value(TimelineEntries::Note, redacted)
                        .and_where(Expr::col(TimelineEntries::Seq).eq(seq))
                        .to_owned();
                    db.execute(&update).await?;
                }
            }
        }
        Ok(())
    }

    /// What was redacted is gone: there is nothing to restore.
    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        Ok(())
    }
}
