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

/// Crews' photos stored before tracking removed their metadata are encoded again
/// without it. One that does not decode is left as it is, with a warning: no one
/// outside the city's staff sees crews' photos.
pub struct StripStoredPhotoMetadata;

impl sea_orm_migration::MigrationName for StripStoredPhotoMetadata {
    fn name(&self) -> &str {
        "m20261207_000305_tracking_strip_photo_metadata"
    }
}

/// Photos read at once: a few megabytes each.
const PHOTOS_PER_PAGE: u64 = 20;

#[async_trait::async_trait]
impl sea_orm_migration::MigrationTrait for StripStoredPhotoMetadata {
    async fn up(&self, manager: &sea_orm_migration::SchemaManager) -> Result<(), DbErr> {
        use sea_orm::sea_query::Expr;
        let db = manager.get_connection();
        let mut after: Option<Uuid> = None;
        loop {
            let mut page = photo::Entity::find()
                .order_by_asc(photo::Column::Id)
                .limit(PHOTOS_PER_PAGE);
            if let Some(last) = after {
                page = page.filter(photo::Column::Id.gt(last));
            }
            let photos = page.all(db).await?;
            let Some(last) = photos.last() else {
                return Ok(());
            };
            after = Some(last.id);
            for stored in photos {
                match segnala_shared::photo::strip_metadata(&stored.content, &stored.content_type) {
                    Ok(clean) => {
                        let size = i64::try_from(clean.len()).unwrap_or(i64::MAX);
                        photo::Entity::update_many()
                            .col_expr(photo::Column::Content, Expr::value(clean))
                            .col_expr(photo::Column::SizeBytes, Expr::value(size))
                            .filter(photo::Column::Id.eq(stored.id))
                            .exec(db)
                            .await?;
                    }
                    Err(problem) => {
                        tracing::warn!(photo = %stored.id, %problem, "a crew's stored photo keeps its metadata: it cannot be decoded");
                    }
                }
            }
        }
    }

    async fn down(&self, _manager: &sea_orm_migration::SchemaManager) -> Result<(), DbErr> {
        // What was removed from the photos cannot be put back.
        Ok(())
    }
}
