use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::{NotSet, Set},
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
    sea_query::Expr,
};

use crate::domain::Position;

mod correction {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "corrections")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub tracking_code: String,
        pub text: String,
        pub service_code: String,
        pub latitude: Option<f64>,
        pub longitude: Option<f64>,
        pub department: String,
        pub category: String,
        pub previous_department: String,
        pub operator: String,
        pub corrected_at: DateTimeUtc,
        pub rejected: bool,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// An operator's decision on a report: a labelled training example.
#[derive(Clone, Debug, PartialEq)]
pub struct Correction {
    /// Its place in the order corrections were made.
    pub id: i64,
    pub tracking_code: String,
    pub text: String,
    /// The Open311 service code the citizen chose; empty when none.
    pub service_code: String,
    /// Where the report was, when it said.
    pub position: Option<Position>,
    /// Empty for a rejection.
    pub department: String,
    pub category: String,
    /// Where triage had sent the report; empty when it waited for review.
    pub previous_department: String,
    pub operator: String,
    pub corrected_at: DateTime<Utc>,
    /// The operator rejected it as not a report: an example of what needs no work.
    pub rejected: bool,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct CorrectionStore;

impl CorrectionStore {
    /// The id, tracking code and text of every correction of `codes`.
    pub async fn texts_of<C: ConnectionTrait>(
        &self,
        db: &C,
        codes: &[String],
    ) -> Result<Vec<(i64, String, String)>, DbErr> {
        correction::Entity::find()
            .select_only()
            .columns([
                correction::Column::Id,
                correction::Column::TrackingCode,
                correction::Column::Text,
            ])
            .filter(correction::Column::TrackingCode.is_in(codes.iter().cloned()))
            .into_tuple()
            .all(db)
            .await
    }

    pub async fn replace_text<C: ConnectionTrait>(
        &self,
        db: &C,
        id: i64,
        text: &str,
    ) -> Result<(), DbErr> {
        correction::Entity::update_many()
            .col_expr(correction::Column::Text, Expr::value(text))
            .filter(correction::Column::Id.eq(id))
            .exec(db)
            .await?;
        Ok(())
    }

    pub async fn insert<C: ConnectionTrait>(
        &self,
        db: &C,
        correction: &Correction,
    ) -> Result<(), DbErr> {
        correction::Entity::insert(correction::ActiveModel {
            id: NotSet,
            tracking_code: Set(correction.tracking_code.clone()),
            text: Set(correction.text.clone()),
            service_code: Set(correction.service_code.clone()),
            latitude: Set(correction.position.map(|(latitude, _)| latitude)),
            longitude: Set(correction.position.map(|(_, longitude)| longitude)),
            department: Set(correction.department.clone()),
            category: Set(correction.category.clone()),
            previous_department: Set(correction.previous_department.clone()),
            operator: Set(correction.operator.clone()),
            corrected_at: Set(correction.corrected_at),
            rejected: Set(correction.rejected),
        })
        .exec_without_returning(db)
        .await?;
        Ok(())
    }

    /// Corrections after `after` (an id), oldest first.
    pub async fn list<C: ConnectionTrait>(
        &self,
        db: &C,
        after: i64,
        limit: u64,
    ) -> Result<Vec<Correction>, DbErr> {
        Ok(correction::Entity::find()
            .filter(correction::Column::Id.gt(after))
            .order_by_asc(correction::Column::Id)
            .limit(limit)
            .all(db)
            .await?
            .into_iter()
            .map(|row| Correction {
                id: row.id,
                tracking_code: row.tracking_code,
                text: row.text,
                service_code: row.service_code,
                position: row.latitude.zip(row.longitude),
                department: row.department,
                category: row.category,
                previous_department: row.previous_department,
                operator: row.operator,
                corrected_at: row.corrected_at,
                rejected: row.rejected,
            })
            .collect())
    }
}
