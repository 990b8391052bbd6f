use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Select, TryInsertResult, prelude::Expr,
};

use crate::domain::{Alert, Severity};

mod alert {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "alerts")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique)]
        pub request_id: String,
        pub severity: String,
        pub title: Json,
        pub body: Json,
        pub zone: Option<String>,
        pub published_at: DateTimeUtc,
        pub expires_at: Option<DateTimeUtc>,
        pub ended_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Clone, Copy, Debug, Default)]
pub struct AlertStore;

impl AlertStore {
    /// Stores `alert` unless `request_id` was seen; returns whether it is new.
    pub async fn insert<C: ConnectionTrait>(
        &self,
        db: &C,
        request_id: &str,
        alert: &Alert,
    ) -> Result<bool, DbErr> {
        let inserted = alert::Entity::insert(alert::ActiveModel {
            id: Set(alert.id),
            request_id: Set(request_id.to_owned()),
            severity: Set(alert.severity.as_str().to_owned()),
            title: Set(serde_json::to_value(&alert.title).unwrap_or_default()),
            body: Set(serde_json::to_value(&alert.body).unwrap_or_default()),
            zone: Set(alert.zone.clone()),
            published_at: Set(alert.published_at),
            expires_at: Set(alert.expires_at),
            ended_at: Set(alert.ended_at),
        })
        .on_conflict_do_nothing_on([alert::Column::RequestId])
        .exec_without_returning(db)
        .await?;
        Ok(matches!(inserted, TryInsertResult::Inserted(n) if n > 0))
    }

    pub async fn by_request<C: ConnectionTrait>(
        &self,
        db: &C,
        request_id: &str,
    ) -> Result<Option<Alert>, DbErr> {
        alert::Entity::find()
            .filter(alert::Column::RequestId.eq(request_id))
            .one(db)
            .await?
            .map(to_alert)
            .transpose()
    }

    pub async fn by_id<C: ConnectionTrait>(
        &self,
        db: &C,
        id: uuid::Uuid,
    ) -> Result<Option<Alert>, DbErr> {
        alert::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(to_alert)
            .transpose()
    }

    /// Marks the alert ended at `at` unless it was already.
    pub async fn end<C: ConnectionTrait>(
        &self,
        db: &C,
        id: uuid::Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        alert::Entity::update_many()
            .col_expr(alert::Column::EndedAt, Expr::value(at))
            .filter(alert::Column::Id.eq(id))
            .filter(alert::Column::EndedAt.is_null())
            .exec(db)
            .await?;
        Ok(())
    }

    /// Alerts published, not ended and not yet expired at `now`, newest first.
    pub async fn active<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
    ) -> Result<Vec<Alert>, DbErr> {
        newest_first(Some(now))
            .all(db)
            .await?
            .into_iter()
            .map(to_alert)
            .collect()
    }

    /// A page of alerts, newest first: those active at `active_at`, or all of them.
    pub async fn list<C: ConnectionTrait>(
        &self,
        db: &C,
        active_at: Option<DateTime<Utc>>,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Alert>, DbErr> {
        newest_first(active_at)
            .offset(offset)
            .limit(limit)
            .all(db)
            .await?
            .into_iter()
            .map(to_alert)
            .collect()
    }
}

/// The alerts active at `active_at` (all of them: `None`), newest first.
fn newest_first(active_at: Option<DateTime<Utc>>) -> Select<alert::Entity> {
    let mut query = alert::Entity::find();
    if let Some(now) = active_at {
        query = query
            .filter(alert::Column::PublishedAt.lte(now))
            .filter(alert::Column::EndedAt.is_null())
            .filter(
                Condition::any()
                    .add(alert::Column::ExpiresAt.is_null())
                    .add(alert::Column::ExpiresAt.gt(now)),
            );
    }
    query
        .order_by_desc(alert::Column::PublishedAt)
        .order_by_desc(alert::Column::Id)
}

fn to_alert(row: alert::Model) -> Result<Alert, DbErr> {
    let texts = |value: serde_json::Value| -> Result<BTreeMap<String, String>, DbErr> {
        serde_json::from_value(value).map_err(|e| DbErr::Custom(format!("alert text: {e}")))
    };
    Ok(Alert {
        id: row.id,
        severity: Severity::parse(&row.severity)
            .ok_or_else(|| DbErr::Custom(format!("unknown severity `{}`", row.severity)))?,
        title: texts(row.title)?,
        body: texts(row.body)?,
        zone: row.zone,
        published_at: row.published_at,
        expires_at: row.expires_at,
        ended_at: row.ended_at,
    })
}
