use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, prelude::Expr,
};

mod published {
    use sea_orm::entity::prelude::*;

    /// One row: the taxonomy triage last announced.
    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "published_taxonomy")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: i32,
        /// 0 until the first announcement.
        pub version: i64,
        /// The last `TaxonomyPublished`, encoded; empty before the first.
        pub event: Vec<u8>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The only row's id.
const ROW: i32 = 1;

/// The taxonomy last announced, and its version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LastPublished {
    pub version: i64,
    pub event: Vec<u8>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct PublishedTaxonomyStore;

impl PublishedTaxonomyStore {
    pub async fn last<C: ConnectionTrait>(&self, db: &C) -> Result<LastPublished, DbErr> {
        if let Some(row) = published::Entity::find_by_id(ROW).one(db).await? {
            return Ok(LastPublished {
                version: row.version,
                event: row.event,
            });
        }
        // The first start of all: make the row (a replica starting beside may have made
        // it already).
        published::Entity::insert(published::ActiveModel {
            id: Set(ROW),
            version: Set(0),
            event: Set(Vec::new()),
        })
        .on_conflict_do_nothing_on([published::Column::Id])
        .exec_without_returning(db)
        .await?;
        Ok(LastPublished {
            version: 0,
            event: Vec::new(),
        })
    }

    /// Stores `event` as version `seen + 1`, unless another replica published since
    /// version `seen` was read; returns whether it did.
    pub async fn replace<C: ConnectionTrait>(
        &self,
        db: &C,
        seen: i64,
        event: Vec<u8>,
    ) -> Result<bool, DbErr> {
        let updated = published::Entity::update_many()
            .col_expr(published::Column::Version, Expr::value(seen + 1))
            .col_expr(published::Column::Event, Expr::value(event))
            .filter(published::Column::Id.eq(ROW))
            .filter(published::Column::Version.eq(seen))
            .exec(db)
            .await?;
        Ok(updated.rows_affected == 1)
    }
}
