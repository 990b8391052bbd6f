use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, TryInsertResult, prelude::Expr,
};

use crate::domain::{Subscription, Topic};

mod subscription {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhook_subscriptions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique)]
        pub request_id: String,
        pub target_url: String,
        pub tracking_code: Option<String>,
        pub zone: Option<String>,
        pub secret: String,
        pub created_at: DateTimeUtc,
        pub deleted_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A subscription with the key of its signatures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredSubscription {
    pub subscription: Subscription,
    pub secret: String,
    pub deleted: bool,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct SubscriptionStore;

impl SubscriptionStore {
    /// Stores `subscription` unless `request_id` was seen; returns whether it is new.
    pub async fn insert<C: ConnectionTrait>(
        &self,
        db: &C,
        request_id: &str,
        subscription: &Subscription,
        secret: &str,
    ) -> Result<bool, DbErr> {
        let (tracking_code, zone) = match &subscription.topic {
            Topic::Report(code) => (Some(code.clone()), None),
            Topic::Zone(zone) => (None, Some(zone.clone())),
        };
        let inserted = subscription::Entity::insert(subscription::ActiveModel {
            id: Set(subscription.id),
            request_id: Set(request_id.to_owned()),
            target_url: Set(subscription.target_url.clone()),
            tracking_code: Set(tracking_code),
            zone: Set(zone),
            secret: Set(secret.to_owned()),
            created_at: Set(subscription.created_at),
            deleted_at: Set(None),
        })
        .on_conflict_do_nothing_on([subscription::Column::RequestId])
        .exec_without_returning(db)
        .await?;
        Ok(matches!(inserted, TryInsertResult::Inserted(n) if n > 0))
    }

    pub async fn by_request<C: ConnectionTrait>(
        &self,
        db: &C,
        request_id: &str,
    ) -> Result<Option<StoredSubscription>, DbErr> {
        subscription::Entity::find()
            .filter(subscription::Column::RequestId.eq(request_id))
            .one(db)
            .await?
            .map(to_stored)
            .transpose()
    }

    pub async fn by_id<C: ConnectionTrait>(
        &self,
        db: &C,
        id: uuid::Uuid,
    ) -> Result<Option<StoredSubscription>, DbErr> {
        subscription::Entity::find_by_id(id)
            .one(db)
            .await?
            .map(to_stored)
            .transpose()
    }

    pub async fn delete<C: ConnectionTrait>(
        &self,
        db: &C,
        id: uuid::Uuid,
        at: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        subscription::Entity::update_many()
            .col_expr(subscription::Column::DeletedAt, Expr::value(at))
            .filter(subscription::Column::Id.eq(id))
            .filter(subscription::Column::DeletedAt.is_null())
            .exec(db)
            .await?;
        Ok(())
    }

    /// Whether any subscription is live.
    pub async fn any_live<C: ConnectionTrait>(&self, db: &C) -> Result<bool, DbErr> {
        Ok(subscription::Entity::find()
            .select_only()
            .column(subscription::Column::Id)
            .filter(subscription::Column::DeletedAt.is_null())
            .into_tuple::<uuid::Uuid>()
            .one(db)
            .await?
            .is_some())
    }

    /// The live subscriptions to the report `tracking_code` or to `zone`, oldest first.
    pub async fn following<C: ConnectionTrait>(
        &self,
        db: &C,
        tracking_code: &str,
        zone: Option<&str>,
    ) -> Result<Vec<Subscription>, DbErr> {
        let mut topic = Condition::any().add(subscription::Column::TrackingCode.eq(tracking_code));
        if let Some(zone) = zone {
            topic = topic.add(subscription::Column::Zone.eq(zone));
        }
        subscription::Entity::find()
            .filter(topic)
            .filter(subscription::Column::DeletedAt.is_null())
            .order_by_asc(subscription::Column::CreatedAt)
            .all(db)
            .await?
            .into_iter()
            .map(|row| to_stored(row).map(|s| s.subscription))
            .collect()
    }
}

fn to_stored(row: subscription::Model) -> Result<StoredSubscription, DbErr> {
    let topic = match (row.tracking_code, row.zone) {
        (Some(code), _) => Topic::Report(code),
        (None, Some(zone)) => Topic::Zone(zone),
        (None, None) => {
            return Err(DbErr::Custom(format!(
                "subscription {} follows nothing",
                row.id
            )));
        }
    };
    Ok(StoredSubscription {
        subscription: Subscription {
            id: row.id,
            target_url: row.target_url,
            topic,
            created_at: row.created_at,
        },
        secret: row.secret,
        deleted: row.deleted_at.is_some(),
    })
}
