use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::domain::{Location, Note, NoteVisibility, Photo, PhotoKind};

mod note {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "work_order_notes")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub work_order_id: Uuid,
        pub author: String,
        pub visibility: String,
        pub text: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod photo {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "work_order_photos")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub work_order_id: Uuid,
        pub kind: String,
        pub content_type: String,
        pub content: Vec<u8>,
        pub size_bytes: i64,
        pub latitude: Option<f64>,
        pub longitude: Option<f64>,
        pub distance_meters: Option<f64>,
        pub author: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A photo's description, without its bytes.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredPhoto {
    pub id: Uuid,
    pub work_order_id: Uuid,
    pub kind: PhotoKind,
    pub content_type: String,
    pub size_bytes: i64,
    pub location: Option<Location>,
    pub distance_meters: Option<f64>,
    pub author: String,
    pub created_at: DateTime<Utc>,
}

/// Notes and photos of work orders.
#[derive(Clone, Copy, Debug, Default)]
pub struct AttachmentStore;

impl AttachmentStore {
    pub async fn add_note<C: ConnectionTrait>(
        &self,
        db: &C,
        work_order_id: Uuid,
        note: &Note,
    ) -> Result<(), DbErr> {
        note::Entity::insert(note::ActiveModel {
            work_order_id: Set(work_order_id),
            author: Set(note.author.clone()),
            visibility: Set(note.visibility.as_str().to_owned()),
            text: Set(note.text.clone()),
            created_at: Set(note.created_at),
            ..Default::default()
        })
        .exec_without_returning(db)
        .await?;
        Ok(())
    }

    pub async fn notes<C: ConnectionTrait>(
        &self,
        db: &C,
        work_order_id: Uuid,
    ) -> Result<Vec<Note>, DbErr> {
        note::Entity::find()
            .filter(note::Column::WorkOrderId.eq(work_order_id))
            .order_by_asc(note::Column::Seq)
            .all(db)
            .await?
            .into_iter()
            .map(|row| {
                Ok(Note {
                    visibility: NoteVisibility::parse(&row.visibility).ok_or_else(|| {
                        DbErr::Custom(format!("note {}: unknown visibility", row.seq))
                    })?,
                    author: row.author,
                    text: row.text,
                    created_at: row.created_at,
                })
            })
            .collect()
    }

    pub async fn add_photo<C: ConnectionTrait>(
        &self,
        db: &C,
        work_order_id: Uuid,
        photo: &Photo,
        author: &str,
        at: DateTime<Utc>,
    ) -> Result<StoredPhoto, DbErr> {
        let stored = StoredPhoto {
            id: Uuid::now_v7(),
            work_order_id,
            kind: photo.kind,
            content_type: photo.content_type.to_owned(),
            size_bytes: photo.content.len() as i64,
            location: photo.location,
            distance_meters: photo.distance_meters,
            author: author.to_owned(),
            created_at: at,
        };
        photo::Entity::insert(photo::ActiveModel {
            id: Set(stored.id),
            work_order_id: Set(work_order_id),
            kind: Set(photo.kind.as_str().to_owned()),
            content_type: Set(stored.content_type.clone()),
            content: Set(photo.content.clone()),
            size_bytes: Set(stored.size_bytes),
            latitude: Set(photo.location.map(|l| l.latitude)),
            longitude: Set(photo.location.map(|l| l.longitude)),
            distance_meters: Set(photo.distance_meters),
            author: Set(author.to_owned()),
            created_at: Set(at),
        })
        .exec_without_returning(db)
        .await?;
        Ok(stored)
    }

    /// The photos of an order, oldest first, without their bytes.
    pub async fn photos<C: ConnectionTrait>(
        &self,
        db: &C,
        work_order_id: Uuid,
    ) -> Result<Vec<StoredPhoto>, DbErr> {
        type Row = (
            Uuid,
            String,
            String,
            i64,
            Option<f64>,
            Option<f64>,
            Option<f64>,
            String,
            DateTime<Utc>,
        );
        let rows: Vec<Row> = photo::Entity::find()
            .select_only()
            .columns([
                photo::Column::Id,
                photo::Column::Kind,
                photo::Column::ContentType,
                photo::Column::SizeBytes,
                photo::Column::Latitude,
                photo::Column::Longitude,
                photo::Column::DistanceMeters,
                photo::Column::Author,
                photo::Column::CreatedAt,
            ])
            .filter(photo::Column::WorkOrderId.eq(work_order_id))
            .order_by_asc(photo::Column::CreatedAt)
            .into_tuple()
            .all(db)
            .await?;
        rows.into_iter()
            .map(
                |(
                    id,
                    kind,
                    content_type,
                    size_bytes,
                    lat,
                    lon,
                    distance_meters,
                    author,
                    created_at,
                )| {
                    Ok(StoredPhoto {
                        id,
                        work_order_id,
                        kind: PhotoKind::parse(&kind)
                            .ok_or_else(|| DbErr::Custom(format!("photo {id}: unknown kind")))?,
                        content_type,
                        size_bytes,
                        location: lat.zip(lon).map(|(latitude, longitude)| Location {
                            latitude,
                            longitude,
                        }),
                        distance_meters,
                        author,
                        created_at,
                    })
                },
            )
            .collect()
    }
}
