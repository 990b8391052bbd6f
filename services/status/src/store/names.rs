use sea_orm::{
    ActiveValue::Set,
    ConnectionTrait, DbErr, EntityTrait, QueryOrder, QuerySelect,
    sea_query::{Expr, ExprTrait, OnConflict},
};
use serde_json::{Value, json};

use crate::domain::{DisplayNames, KnownDepartment, PublishedCategory, PublishedDepartment};

mod department {
    use sea_orm::entity::prelude::*;

    /// A department as triage last published it, with its categories.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "taxonomy_departments")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub department: String,
        /// The taxonomy version that last listed it.
        pub version: i64,
        /// Its place in that taxonomy.
        pub position: i32,
        /// Language code to name.
        pub names: Json,
        /// `[{"id": …, "names": {…}}]`.
        pub categories: Json,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The departments and categories triage published, by name.
#[derive(Clone, Copy, Debug, Default)]
pub struct NameStore;

impl NameStore {
    /// The newest taxonomy version kept; 0 before the first.
    pub async fn version<C: ConnectionTrait>(&self, db: &C) -> Result<i64, DbErr> {
        let newest: Option<Option<i64>> = department::Entity::find()
            .select_only()
            .column_as(Expr::col(department::Column::Version).max(), "newest")
            .into_tuple()
            .one(db)
            .await?;
        Ok(newest.flatten().unwrap_or(0))
    }

    /// Keeps the departments of taxonomy `version`, unless a newer one is kept already.
    /// Departments it does not list keep their last names, for the reports that still
    /// name them.
    pub async fn keep<C: ConnectionTrait>(
        &self,
        db: &C,
        version: i64,
        departments: &[PublishedDepartment],
    ) -> Result<bool, DbErr> {
        if version <= self.version(db).await? || departments.is_empty() {
            return Ok(false);
        }
        let rows = departments
            .iter()
            .enumerate()
            .map(|(position, d)| department::ActiveModel {
                department: Set(d.id.clone()),
                version: Set(version),
                position: Set(i32::try_from(position).unwrap_or(i32::MAX)),
                names: Set(json!(d.names)),
                categories: Set(Value::Array(
                    d.categories
                        .iter()
                        .map(|c| json!({ "id": c.id, "names": c.names }))
                        .collect(),
                )),
            });
        department::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(department::Column::Department)
                    .update_columns([
                        department::Column::Version,
                        department::Column::Position,
                        department::Column::Names,
                        department::Column::Categories,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        Ok(true)
    }

    /// Every department kept: the newest taxonomy's in its order, then the others.
    pub async fn departments<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> Result<Vec<KnownDepartment>, DbErr> {
        let rows = department::Entity::find()
            .order_by_desc(department::Column::Version)
            .order_by_asc(department::Column::Position)
            .all(db)
            .await?;
        let newest = rows.first().map_or(0, |row| row.version);
        Ok(rows
            .into_iter()
            .map(|row| KnownDepartment {
                current: row.version == newest,
                department: PublishedDepartment {
                    id: row.department,
                    names: display_names(&row.names),
                    categories: row
                        .categories
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|category| {
                            Some(PublishedCategory {
                                id: category["id"].as_str()?.to_owned(),
                                names: display_names(&category["names"]),
                            })
                        })
                        .collect(),
                },
            })
            .collect())
    }
}

fn display_names(value: &Value) -> DisplayNames {
    value
        .as_object()
        .into_iter()
        .flatten()
        .filter_map(|(language, name)| Some((language.clone(), name.as_str()?.to_owned())))
        .collect()
}
