//! The channels' tables. They were made between intake's own tables and changes, and
//! databases record them in that order, so each keeps its place in intake's history.

use sea_orm_migration::{prelude::*, schema::*};
use segnala_shared::messaging::migration::{self, index_on};

/// The channels' migrations, each to be run at its place among intake's.
pub struct ChannelMigrations {
    /// Reply routes, conversations, messages taken in, pollers' cursors; after
    /// intake's reports.
    pub tables: Box<dyn MigrationTrait>,
    /// The outgoing delivery queue the replies leave through.
    pub deliveries: Box<dyn MigrationTrait>,
    /// After Open311's tokens and photos.
    pub conversation_photos: Box<dyn MigrationTrait>,
    /// After the request hashes.
    pub reply_route_sender: Box<dyn MigrationTrait>,
    pub feedback_requests: Box<dyn MigrationTrait>,
}

pub fn migrations() -> ChannelMigrations {
    ChannelMigrations {
        tables: Box::new(CreateChannelTables),
        deliveries: segnala_shared::delivery::migration(),
        conversation_photos: Box::new(ConversationPhotos),
        reply_route_sender: Box::new(ReplyRouteSender),
        feedback_requests: Box::new(CreateFeedbackRequests),
    }
}

#[derive(DeriveIden)]
enum ReplyRoutes {
    Table,
    ReportId,
    Route,
    Language,
    Sender,
}

#[derive(DeriveIden)]
enum Conversations {
    Table,
    Channel,
    Sender,
    FirstMessageId,
    Description,
    Latitude,
    Longitude,
    Language,
    Contact,
    ExpiresAt,
    Photos,
}

#[derive(DeriveIden)]
enum ChannelMessages {
    Table,
    Channel,
    MessageId,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum ChannelCursors {
    Table,
    Name,
    Position,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
}

struct CreateChannelTables;

impl MigrationName for CreateChannelTables {
    fn name(&self) -> &str {
        "m20261123_000300_intake_channels"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateChannelTables {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReplyRoutes::Table)
                    .if_not_exists()
                    .col(pk_uuid(ReplyRoutes::ReportId))
                    .col(json(ReplyRoutes::Route))
                    .col(string(ReplyRoutes::Language))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReplyRoutes::Table, ReplyRoutes::ReportId)
                            .to(Reports::Table, Reports::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Conversations::Table)
                    .if_not_exists()
                    .col(string(Conversations::Channel))
                    .col(string(Conversations::Sender))
                    .col(string(Conversations::FirstMessageId))
                    .col(text_null(Conversations::Description))
                    .col(double_null(Conversations::Latitude))
                    .col(double_null(Conversations::Longitude))
                    .col(string(Conversations::Language))
                    .col(json(Conversations::Contact))
                    .col(timestamp_with_time_zone(Conversations::ExpiresAt))
                    .primary_key(
                        Index::create()
                            .col(Conversations::Channel)
                            .col(Conversations::Sender),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChannelMessages::Table)
                    .if_not_exists()
                    .col(string(ChannelMessages::Channel))
                    .col(string(ChannelMessages::MessageId))
                    .col(timestamp_with_time_zone(ChannelMessages::ReceivedAt))
                    .primary_key(
                        Index::create()
                            .col(ChannelMessages::Channel)
                            .col(ChannelMessages::MessageId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ChannelCursors::Table)
                    .if_not_exists()
                    .col(string(ChannelCursors::Name).primary_key())
                    .col(string(ChannelCursors::Position))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ChannelCursors::Table.into_iden(),
            ChannelMessages::Table.into_iden(),
            Conversations::Table.into_iden(),
            ReplyRoutes::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

/// The photos of a conversation's messages, kept until the report is complete.
struct ConversationPhotos;

impl MigrationName for ConversationPhotos {
    fn name(&self) -> &str {
        "m20261123_000400_intake_conversation_photos"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ConversationPhotos {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // JSON: the platforms' references, as `PhotoRef`s.
        migration::add_column(
            manager,
            Conversations::Table,
            text(Conversations::Photos).default("[]"),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::drop_column(manager, Conversations::Table, Conversations::Photos).await
    }
}

/// Who each reply route belongs to, so that answers to the questions sent along it
/// (is it fixed?) are recognised.
struct ReplyRouteSender;

impl MigrationName for ReplyRouteSender {
    fn name(&self) -> &str {
        "m20261207_000000_intake_reply_route_sender"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for ReplyRouteSender {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::add_column(
            manager,
            ReplyRoutes::Table,
            string_null(ReplyRoutes::Sender),
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        migration::drop_column(manager, ReplyRoutes::Table, ReplyRoutes::Sender).await
    }
}

#[derive(DeriveIden)]
enum FeedbackRequests {
    Table,
    Id,
    ReportId,
    TrackingCode,
    Channel,
    Sender,
    Language,
    StatusVersion,
    ResolvedAt,
    AskedAt,
    State,
    AnsweredAt,
}

struct CreateFeedbackRequests;

impl MigrationName for CreateFeedbackRequests {
    fn name(&self) -> &str {
        "m20261207_000100_intake_feedback_requests"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateFeedbackRequests {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FeedbackRequests::Table)
                    .if_not_exists()
                    .col(pk_uuid(FeedbackRequests::Id))
                    .col(uuid(FeedbackRequests::ReportId))
                    .col(string(FeedbackRequests::TrackingCode))
                    .col(string(FeedbackRequests::Channel))
                    .col(string(FeedbackRequests::Sender))
                    .col(string(FeedbackRequests::Language))
                    .col(big_integer(FeedbackRequests::StatusVersion))
                    .col(timestamp_with_time_zone_null(FeedbackRequests::ResolvedAt))
                    .col(timestamp_with_time_zone(FeedbackRequests::AskedAt))
                    .col(string(FeedbackRequests::State))
                    .col(timestamp_with_time_zone_null(FeedbackRequests::AnsweredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FeedbackRequests::Table, FeedbackRequests::ReportId)
                            .to(Reports::Table, Reports::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index_on(
                    "feedback_requests_report_version",
                    FeedbackRequests::Table,
                    [FeedbackRequests::ReportId, FeedbackRequests::StatusVersion],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                "feedback_requests_sender",
                FeedbackRequests::Table,
                [
                    FeedbackRequests::Channel,
                    FeedbackRequests::Sender,
                    FeedbackRequests::AskedAt,
                ],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FeedbackRequests::Table).to_owned())
            .await
    }
}
