use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use uuid::Uuid;

mod request {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "work_order_requests")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub request_id: String,
        pub method: String,
        pub work_order_id: Option<Uuid>,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A call already carried out, remembered by its request id.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredRequest {
    pub method: String,
    pub work_order_id: Option<Uuid>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct RequestStore;

impl RequestStore {
    pub async fn find<C: ConnectionTrait>(
        &self,
        db: &C,
        request_id: &str,
    ) -> Result<Option<StoredRequest>, DbErr> {
        Ok(request::Entity::find_by_id(request_id.to_owned())
            .one(db)
            .await?
            .map(|row| StoredRequest {
                method: row.method,
                work_order_id: row.work_order_id,
            }))
    }

    pub async fn insert<C: ConnectionTrait>(
        &self,
        db: &C,
        request_id: &str,
        method: &str,
        work_order_id: Option<Uuid>,
        at: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        request::Entity::insert(request::ActiveModel {
            request_id: Set(request_id.to_owned()),
            method: Set(method.to_owned()),
            work_order_id: Set(work_order_id),
            created_at: Set(at),
        })
        .exec_without_returning(db)
        .await?;
        Ok(())
    }
}
