//! The channels' own tables: how to answer each report's reporter, conversations
//! waiting for a missing detail, messages already taken in, and pollers' cursors.
//! Personal data (chat ids, phone numbers, handles) lives here and nowhere else.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::OnConflict,
};
use sea_orm_migration::{prelude::*, schema::*};
use segnala_shared::messaging::migration;
use uuid::Uuid;

use super::{
    message::{Language, ReplyRoute},
    photos::PhotoRef,
};
use crate::domain::{Channel, GeoPoint, ReporterContact};

mod route {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "reply_routes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub report_id: Uuid,
        pub route: Json,
        pub language: String,
        /// Who reported, as the conversation knew them; absent on older rows.
        pub sender: Option<String>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod conversation {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "conversations")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub channel: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub sender: String,
        pub first_message_id: String,
        pub description: Option<String>,
        pub latitude: Option<f64>,
        pub longitude: Option<f64>,
        pub language: String,
        pub contact: Json,
        pub expires_at: DateTimeUtc,
        pub photos: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod seen {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "channel_messages")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub channel: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub message_id: String,
        pub received_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod cursor {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "channel_cursors")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub name: String,
        pub position: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A report waiting for its location or its description.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingReport {
    pub first_message_id: String,
    pub description: Option<String>,
    pub location: Option<GeoPoint>,
    pub language: Language,
    pub contact: ReporterContact,
    pub photos: Vec<PhotoRef>,
}

/// How to answer a report's reporter.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredRoute {
    pub route: ReplyRoute,
    pub language: Language,
    /// The reporter as the platform names them (chat id, phone, account id), to
    /// recognise their answers later; `None` on routes stored before it was kept.
    pub sender: Option<String>,
}

pub async fn save_route<C: ConnectionTrait>(
    db: &C,
    report_id: Uuid,
    route: &ReplyRoute,
    language: Language,
    sender: &str,
) -> Result<(), DbErr> {
    let json = serde_json::to_value(route).map_err(|e| DbErr::Custom(e.to_string()))?;
    route::Entity::insert(route::ActiveModel {
        report_id: Set(report_id),
        route: Set(json),
        language: Set(language.code().to_owned()),
        sender: Set(Some(sender.to_owned())),
    })
    .on_conflict(
        OnConflict::column(route::Column::ReportId)
            .update_columns([
                route::Column::Route,
                route::Column::Language,
                route::Column::Sender,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn route_of<C: ConnectionTrait>(
    db: &C,
    report_id: Uuid,
) -> Result<Option<StoredRoute>, DbErr> {
    let Some(row) = route::Entity::find_by_id(report_id).one(db).await? else {
        return Ok(None);
    };
    let route = serde_json::from_value(row.route)
        .map_err(|e| DbErr::Custom(format!("reply route of {report_id}: {e}")))?;
    Ok(Some(StoredRoute {
        route,
        language: Language::from_code(&row.language).unwrap_or(Language::Italian),
        sender: row.sender,
    }))
}

/// Records that a platform message was taken in; false when it already was.
pub async fn mark_seen<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    message_id: &str,
) -> Result<bool, DbErr> {
    let inserted = seen::Entity::insert(seen::ActiveModel {
        channel: Set(channel.as_str().to_owned()),
        message_id: Set(message_id.to_owned()),
        received_at: Set(Utc::now()),
    })
    .on_conflict(
        OnConflict::columns([seen::Column::Channel, seen::Column::MessageId])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted > 0)
}

pub async fn was_seen<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    message_id: &str,
) -> Result<bool, DbErr> {
    Ok(
        seen::Entity::find_by_id((channel.as_str().to_owned(), message_id.to_owned()))
            .one(db)
            .await?
            .is_some(),
    )
}

/// The sender's conversation, unless it expired.
pub async fn pending<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    sender: &str,
    now: DateTime<Utc>,
) -> Result<Option<PendingReport>, DbErr> {
    let row = conversation::Entity::find_by_id((channel.as_str().to_owned(), sender.to_owned()))
        .filter(conversation::Column::ExpiresAt.gt(now))
        .one(db)
        .await?;
    Ok(row.map(|row| {
        let contact: StoredContact = serde_json::from_value(row.contact).unwrap_or_default();
        PendingReport {
            first_message_id: row.first_message_id,
            description: row.description,
            location: match (row.latitude, row.longitude) {
                (Some(latitude), Some(longitude)) => Some(GeoPoint {
                    latitude,
                    longitude,
                }),
                _ => None,
            },
            language: Language::from_code(&row.language).unwrap_or(Language::Italian),
            contact: contact.into(),
            photos: serde_json::from_str(&row.photos).unwrap_or_default(),
        }
    }))
}

pub async fn save_pending<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    sender: &str,
    pending: &PendingReport,
    expires_at: DateTime<Utc>,
) -> Result<(), DbErr> {
    let contact = serde_json::to_value(StoredContact::from(&pending.contact))
        .map_err(|e| DbErr::Custom(e.to_string()))?;
    let photos =
        serde_json::to_string(&pending.photos).map_err(|e| DbErr::Custom(e.to_string()))?;
    conversation::Entity::insert(conversation::ActiveModel {
        channel: Set(channel.as_str().to_owned()),
        sender: Set(sender.to_owned()),
        first_message_id: Set(pending.first_message_id.clone()),
        description: Set(pending.description.clone()),
        latitude: Set(pending.location.map(|p| p.latitude)),
        longitude: Set(pending.location.map(|p| p.longitude)),
        language: Set(pending.language.code().to_owned()),
        contact: Set(contact),
        expires_at: Set(expires_at),
        photos: Set(photos),
    })
    .on_conflict(
        OnConflict::columns([conversation::Column::Channel, conversation::Column::Sender])
            .update_columns([
                conversation::Column::FirstMessageId,
                conversation::Column::Description,
                conversation::Column::Latitude,
                conversation::Column::Longitude,
                conversation::Column::Language,
                conversation::Column::Contact,
                conversation::Column::ExpiresAt,
                conversation::Column::Photos,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

pub async fn end_conversation<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    sender: &str,
) -> Result<(), DbErr> {
    conversation::Entity::delete_by_id((channel.as_str().to_owned(), sender.to_owned()))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn cursor<C: ConnectionTrait>(db: &C, name: &str) -> Result<Option<String>, DbErr> {
    Ok(cursor::Entity::find_by_id(name.to_owned())
        .one(db)
        .await?
        .map(|row| row.position))
}

pub async fn save_cursor<C: ConnectionTrait>(
    db: &C,
    name: &str,
    position: &str,
) -> Result<(), DbErr> {
    cursor::Entity::insert(cursor::ActiveModel {
        name: Set(name.to_owned()),
        position: Set(position.to_owned()),
    })
    .on_conflict(
        OnConflict::column(cursor::Column::Name)
            .update_column(cursor::Column::Position)
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

#[derive(Default, serde::Serialize, serde::Deserialize)]
struct StoredContact {
    display_name: Option<String>,
    handle: Option<String>,
    phone: Option<String>,
}

impl From<&ReporterContact> for StoredContact {
    fn from(contact: &ReporterContact) -> Self {
        Self {
            display_name: contact.display_name.clone(),
            handle: contact.handle.clone(),
            phone: contact.phone.clone(),
        }
    }
}

impl From<StoredContact> for ReporterContact {
    fn from(contact: StoredContact) -> Self {
        Self {
            display_name: contact.display_name,
            email: None,
            phone: contact.phone,
            handle: contact.handle,
        }
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

pub struct CreateChannelTables;

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
pub struct ConversationPhotos;

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
pub struct ReplyRouteSender;

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
