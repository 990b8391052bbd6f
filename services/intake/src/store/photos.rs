//! Photos uploaded with reports: their bytes, whether the public may see them, and the
//! record of every time an operator hid or showed one.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use sea_orm_migration::{prelude::*, schema::*};
use segnala_shared::{photo::strip_metadata, tracking_code::TrackingCode};
use uuid::Uuid;

use super::reports::report;
use crate::domain::{PhotoVisibility, VisibilityChange};

pub(super) mod media {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "media")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub report_id: Uuid,
        pub content_type: String,
        pub content: Vec<u8>,
        pub created_at: DateTimeUtc,
        /// Set while an operator keeps the photo from the public.
        pub hidden_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod change {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "media_visibility_changes")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub media_id: Uuid,
        pub hidden: bool,
        pub operator: String,
        pub reason: String,
        pub changed_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A stored photo, as served at `/media/{id}`.
#[derive(Clone, Debug)]
pub struct StoredMedia {
    pub content_type: String,
    pub content: Vec<u8>,
    pub hidden: bool,
}

pub async fn media<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<StoredMedia>, DbErr> {
    Ok(media::Entity::find_by_id(id)
        .one(db)
        .await?
        .map(|m| StoredMedia {
            content_type: m.content_type,
            content: m.content,
            hidden: m.hidden_at.is_some(),
        }))
}

/// Which photos of `report_ids` are hidden from the public.
pub async fn hidden_among<C: ConnectionTrait>(
    db: &C,
    report_ids: &[Uuid],
) -> Result<HashSet<Uuid>, DbErr> {
    if report_ids.is_empty() {
        return Ok(HashSet::new());
    }
    let ids: Vec<Uuid> = media::Entity::find()
        .select_only()
        .column(media::Column::Id)
        .filter(media::Column::ReportId.is_in(report_ids.iter().copied()))
        .filter(media::Column::HiddenAt.is_not_null())
        .into_tuple()
        .all(db)
        .await?;
    Ok(ids.into_iter().collect())
}

/// The photo's report and visibility with its history, oldest change first; `None` for
/// an unknown photo.
pub async fn visibility<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
) -> Result<Option<PhotoVisibility>, DbErr> {
    let Some((report_id, hidden_at)) = media::Entity::find_by_id(id)
        .select_only()
        .columns([media::Column::ReportId, media::Column::HiddenAt])
        .into_tuple::<(Uuid, Option<DateTime<Utc>>)>()
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let code: String = report::Entity::find_by_id(report_id)
        .select_only()
        .column(report::Column::TrackingCode)
        .into_tuple()
        .one(db)
        .await?
        .ok_or_else(|| DbErr::Custom(format!("photo {id} belongs to no report")))?;
    let tracking_code = TrackingCode::parse(&code)
        .map_err(|e| DbErr::Custom(format!("stored tracking code {code}: {e}")))?;
    let changes = change::Entity::find()
        .filter(change::Column::MediaId.eq(id))
        .order_by_asc(change::Column::ChangedAt)
        .order_by_asc(change::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|c| VisibilityChange {
            hidden: c.hidden,
            operator: c.operator,
            reason: c.reason,
            changed_at: c.changed_at,
        })
        .collect();
    Ok(Some(PhotoVisibility {
        id,
        tracking_code,
        hidden: hidden_at.is_some(),
        changes,
    }))
}

/// Hides or shows the photo and records the change; `false`, changing and recording
/// nothing, for an unknown photo or one already in that state (two operators at once
/// make one change).
pub async fn change_visibility<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    change: &VisibilityChange,
) -> Result<bool, DbErr> {
    let in_other_state = if change.hidden {
        media::Column::HiddenAt.is_null()
    } else {
        media::Column::HiddenAt.is_not_null()
    };
    let updated = media::Entity::update_many()
        .col_expr(
            media::Column::HiddenAt,
            Expr::value(change.hidden.then_some(change.changed_at)),
        )
        .filter(media::Column::Id.eq(id))
        .filter(in_other_state)
        .exec(db)
        .await?;
    if updated.rows_affected == 0 {
        return Ok(false);
    }
    change::Entity::insert(change::ActiveModel {
        id: Set(Uuid::now_v7()),
        media_id: Set(id),
        hidden: Set(change.hidden),
        operator: Set(change.operator.clone()),
        reason: Set(change.reason.clone()),
        changed_at: Set(change.changed_at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(true)
}

#[derive(DeriveIden)]
enum Media {
    Table,
    HiddenAt,
}

#[derive(DeriveIden)]
enum MediaVisibilityChanges {
    Table,
    Id,
    MediaId,
    Hidden,
    Operator,
    Reason,
    ChangedAt,
}

/// Operators may hide a photo from the public; each change is kept.
pub struct PhotoVisibilityMigration;

impl MigrationName for PhotoVisibilityMigration {
    fn name(&self) -> &str {
        "m20261207_000300_intake_photo_visibility"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for PhotoVisibilityMigration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        segnala_shared::messaging::migration::add_columns(
            manager,
            Media::Table,
            [ColumnDef::new(Media::HiddenAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned()],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(MediaVisibilityChanges::Table)
                    .if_not_exists()
                    .col(pk_uuid(MediaVisibilityChanges::Id))
                    .col(uuid(MediaVisibilityChanges::MediaId))
                    .col(boolean(MediaVisibilityChanges::Hidden))
                    .col(string(MediaVisibilityChanges::Operator))
                    .col(text(MediaVisibilityChanges::Reason))
                    .col(timestamp_with_time_zone(MediaVisibilityChanges::ChangedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                segnala_shared::messaging::migration::index_on(
                    "media_visibility_changes_media",
                    MediaVisibilityChanges::Table,
                    [MediaVisibilityChanges::MediaId],
                )
                .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(MediaVisibilityChanges::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Media::Table)
                    .drop_column(Media::HiddenAt)
                    .to_owned(),
            )
            .await
    }
}

/// Who hid, in the record, the photos stored before intake removed metadata and
/// which it cannot clean now.
pub const MIGRATION_OPERATOR: &str = "photo-metadata-migration";

/// Photos stored before intake removed their metadata are encoded again without it.
/// One that cannot be (a HEIC, which intake no longer takes, or a file that does not
/// decode) is hidden from the public, with the reason recorded: keeping it public
/// would keep publishing where it was taken.
pub struct StripStoredPhotoMetadata;

impl MigrationName for StripStoredPhotoMetadata {
    fn name(&self) -> &str {
        "m20261207_000400_intake_strip_stored_photo_metadata"
    }
}

/// Photos read at once: a few megabytes each.
const PHOTOS_PER_PAGE: u64 = 20;

#[async_trait::async_trait]
impl MigrationTrait for StripStoredPhotoMetadata {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let mut after: Option<Uuid> = None;
        loop {
            let mut page = media::Entity::find()
                .order_by_asc(media::Column::Id)
                .limit(PHOTOS_PER_PAGE);
            if let Some(last) = after {
                page = page.filter(media::Column::Id.gt(last));
            }
            let photos = page.all(db).await?;
            let Some(last) = photos.last() else {
                return Ok(());
            };
            after = Some(last.id);
            for photo in photos {
                match strip_metadata(&photo.content, &photo.content_type) {
                    Ok(clean) => {
                        media::Entity::update_many()
                            .col_expr(media::Column::Content, Expr::value(clean))
                            .filter(media::Column::Id.eq(photo.id))
                            .exec(db)
                            .await?;
                    }
                    Err(problem) => {
                        tracing::warn!(photo = %photo.id, %problem, "a stored photo is hidden: its metadata cannot be removed");
                        let change = VisibilityChange {
                            hidden: true,
                            operator: MIGRATION_OPERATOR.to_owned(),
                            reason: format!("its camera metadata cannot be removed: {problem}"),
                            changed_at: Utc::now(),
                        };
                        change_visibility(db, photo.id, &change).await?;
                    }
                }
            }
        }
    }

    async fn down(&self, _manager: &SchemaManager) -> Result<(), DbErr> {
        // What was removed from the photos cannot be put back.
        Ok(())
    }
}
