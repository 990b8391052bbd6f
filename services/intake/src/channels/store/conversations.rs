//! How to answer each report's reporter, conversations
//! waiting for a missing detail, messages already taken in, and pollers' cursors.
//! Personal data (chat ids, phone numbers, handles) lives here and nowhere else.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    sea_query::OnConflict,
};
use segnala_shared::lang::Lang;
use uuid::Uuid;

use crate::{
    channels::domain::{PendingReport, ReplyRoute, ReporterRoute},
    domain::{Channel, GeoPoint, ReporterContact},
};

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

pub async fn save_route<C: ConnectionTrait>(
    db: &C,
    report_id: Uuid,
    route: &ReplyRoute,
    language: Lang,
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
) -> Result<Option<ReporterRoute>, DbErr> {
    let Some(row) = route::Entity::find_by_id(report_id).one(db).await? else {
        return Ok(None);
    };
    let route = serde_json::from_value(row.route)
        .map_err(|e| DbErr::Custom(format!("reply route of {report_id}: {e}")))?;
    Ok(Some(ReporterRoute {
        route,
        language: Lang::parse(&row.language).unwrap_or_default(),
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
            language: Lang::parse(&row.language).unwrap_or_default(),
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
