use sea_orm_migration::{prelude::*, schema::*};
use segnala_shared::messaging::{
    self,
    migration::{self, index_on},
};

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        // The channels' changes were made between intake's own: each keeps its place.
        let channels = crate::channels::migrations();
        messaging::migration::with_messaging_tables(vec![
            Box::new(CreateReports),
            channels.tables,
            channels.deliveries,
            Box::new(Open311AndMedia),
            channels.conversation_photos,
            Box::new(RequestHashes),
            channels.reply_route_sender,
            channels.feedback_requests,
            Box::new(super::reporter_requests::CreateReporterDataRequests),
            Box::new(super::photos::PhotoVisibilityMigration),
            Box::new(super::photos::StripStoredPhotoMetadata),
        ])
    }
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
    TrackingCode,
    RequestId,
    Channel,
    ExternalId,
    Description,
    Latitude,
    Longitude,
    Address,
    ServiceCode,
    LanguageCode,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReportsV2 {
    #[sea_orm(iden = "reports")]
    Table,
    CreatedAt,
    Token,
    AddressId,
    Attributes,
    MediaUrls,
}

#[derive(DeriveIden)]
enum ReportsV3 {
    #[sea_orm(iden = "reports")]
    Table,
    RequestHash,
}

#[derive(DeriveIden)]
enum Media {
    Table,
    Id,
    ReportId,
    ContentType,
    Content,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReporterContacts {
    Table,
    ReportId,
    DisplayName,
    Email,
    Phone,
    Handle,
}

struct CreateReports;

impl MigrationName for CreateReports {
    fn name(&self) -> &str {
        "m20261123_000100_intake_reports"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateReports {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Reports::Table)
                    .if_not_exists()
                    .col(pk_uuid(Reports::Id))
                    .col(string_uniq(Reports::TrackingCode))
                    .col(string_null(Reports::RequestId).unique_key())
                    .col(string(Reports::Channel))
                    .col(string_null(Reports::ExternalId))
                    .col(text(Reports::Description))
                    .col(double_null(Reports::Latitude))
                    .col(double_null(Reports::Longitude))
                    .col(text_null(Reports::Address))
                    .col(string_null(Reports::ServiceCode))
                    .col(string_null(Reports::LanguageCode))
                    .col(timestamp_with_time_zone(Reports::CreatedAt))
                    .to_owned(),
            )
            .await?;
        // The same post or message delivered twice is one report.
        manager
            .create_index(
                index_on(
                    "reports_channel_external_id",
                    Reports::Table,
                    [Reports::Channel, Reports::ExternalId],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ReporterContacts::Table)
                    .if_not_exists()
                    .col(pk_uuid(ReporterContacts::ReportId))
                    .col(string_null(ReporterContacts::DisplayName))
                    .col(string_null(ReporterContacts::Email))
                    .col(string_null(ReporterContacts::Phone))
                    .col(string_null(ReporterContacts::Handle))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReporterContacts::Table, ReporterContacts::ReportId)
                            .to(Reports::Table, Reports::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReporterContacts::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Reports::Table).to_owned())
            .await
    }
}

/// Open311 tokens, address ids and attribute answers; photos uploaded with reports.
struct Open311AndMedia;

impl MigrationName for Open311AndMedia {
    fn name(&self) -> &str {
        "m20261123_000200_intake_open311_media"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Open311AndMedia {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::add_columns(
            manager,
            ReportsV2::Table,
            [
                ColumnDef::new(ReportsV2::Token).string().null().to_owned(),
                ColumnDef::new(ReportsV2::AddressId)
                    .string()
                    .null()
                    .to_owned(),
                // JSON: {"code": "value"}.
                ColumnDef::new(ReportsV2::Attributes)
                    .text()
                    .not_null()
                    .default("{}")
                    .to_owned(),
                // JSON: ["https://…"].
                ColumnDef::new(ReportsV2::MediaUrls)
                    .text()
                    .not_null()
                    .default("[]")
                    .to_owned(),
            ],
        )
        .await?;
        manager
            .create_index(
                index_on("reports_token", ReportsV2::Table, [ReportsV2::Token])
                    .unique()
                    .to_owned(),
            )
            .await?;
        // Operators list reports newest first.
        manager
            .create_index(index_on(
                "reports_created_at",
                ReportsV2::Table,
                [ReportsV2::CreatedAt],
            ))
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Media::Table)
                    .if_not_exists()
                    .col(pk_uuid(Media::Id))
                    .col(uuid(Media::ReportId))
                    .col(string(Media::ContentType))
                    .col(blob(Media::Content))
                    .col(timestamp_with_time_zone(Media::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Media::Table, Media::ReportId)
                            .to(ReportsV2::Table, Reports::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Media::Table).to_owned())
            .await
    }
}

/// What each request id asked for (`ReportDraft::fingerprint`), so that the id used
/// again for another report is refused. Reports stored before have none.
struct RequestHashes;

impl MigrationName for RequestHashes {
    fn name(&self) -> &str {
        "m20261126_000500_intake_request_hashes"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for RequestHashes {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::add_columns(
            manager,
            ReportsV3::Table,
            [ColumnDef::new(ReportsV3::RequestHash)
                .string()
                .null()
                .to_owned()],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::drop_columns(manager, ReportsV3::Table, [ReportsV3::RequestHash]).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Databases record migrations by name and ran them in this order: neither may
    /// change.
    #[test]
    fn intake_migrations_keep_their_names_and_order() {
        let names: Vec<String> = Migrator::migrations()
            .iter()
            .map(|m| m.name().to_owned())
            .collect();
        let own = &names[names.len() - 11..];
        assert_eq!(
            own,
            [
                "m20261123_000100_intake_reports",
                "m20261123_000300_intake_channels",
                "m20261123_000010_outgoing_deliveries",
                "m20261123_000200_intake_open311_media",
                "m20261123_000400_intake_conversation_photos",
                "m20261126_000500_intake_request_hashes",
                "m20261207_000000_intake_reply_route_sender",
                "m20261207_000100_intake_feedback_requests",
                "m20261207_000200_intake_reporter_data_requests",
                "m20261207_000300_intake_photo_visibility",
                "m20261207_000400_intake_strip_stored_photo_metadata",
            ]
        );
    }
}
