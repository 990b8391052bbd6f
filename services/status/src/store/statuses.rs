use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, sea_query::OnConflict,
};
use uuid::Uuid;

use crate::domain::{PublicState, ReportStatus, TimelineEntry};

mod status {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "report_statuses")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tracking_code: String,
        pub state: String,
        pub department: Option<String>,
        pub category: Option<String>,
        pub routing_version: i64,
        pub work_order: Option<String>,
        pub work_order_version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod timeline {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "timeline_entries")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub tracking_code: String,
        pub message_id: Uuid,
        pub time: DateTimeUtc,
        pub state: String,
        pub message: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The projection's working row: the public status plus the versions it was built from.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusRow {
    pub tracking_code: String,
    pub state: PublicState,
    pub department: Option<String>,
    pub category: Option<String>,
    pub routing_version: i64,
    pub work_order: Option<String>,
    pub work_order_version: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl StatusRow {
    pub fn new(tracking_code: &str, state: PublicState, at: DateTime<Utc>) -> Self {
        Self {
            tracking_code: tracking_code.to_owned(),
            state,
            department: None,
            category: None,
            routing_version: 0,
            work_order: None,
            work_order_version: 0,
            created_at: at,
            updated_at: at,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct StatusStore;

impl StatusStore {
    pub async fn row<C: ConnectionTrait>(
        &self,
        db: &C,
        tracking_code: &str,
    ) -> Result<Option<StatusRow>, DbErr> {
        let Some(row) = status::Entity::find_by_id(tracking_code.to_owned())
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(StatusRow {
            state: parse_state(&row.state)?,
            tracking_code: row.tracking_code,
            department: row.department,
            category: row.category,
            routing_version: row.routing_version,
            work_order: row.work_order,
            work_order_version: row.work_order_version,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }))
    }

    /// Inserts or replaces the row.
    pub async fn save<C: ConnectionTrait>(&self, db: &C, row: &StatusRow) -> Result<(), DbErr> {
        use status::Column;
        status::Entity::insert(status::ActiveModel {
            tracking_code: Set(row.tracking_code.clone()),
            state: Set(row.state.as_str().to_owned()),
            department: Set(row.department.clone()),
            category: Set(row.category.clone()),
            routing_version: Set(row.routing_version),
            work_order: Set(row.work_order.clone()),
            work_order_version: Set(row.work_order_version),
            created_at: Set(row.created_at),
            updated_at: Set(row.updated_at),
        })
        .on_conflict(
            OnConflict::column(Column::TrackingCode)
                .update_columns([
                    Column::State,
                    Column::Department,
                    Column::Category,
                    Column::RoutingVersion,
                    Column::WorkOrder,
                    Column::WorkOrderVersion,
                    Column::CreatedAt,
                    Column::UpdatedAt,
                ])
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
        Ok(())
    }

    /// Adds a timeline entry once per event (`message_id`).
    pub async fn add_entry<C: ConnectionTrait>(
        &self,
        db: &C,
        tracking_code: &str,
        message_id: Uuid,
        entry: &TimelineEntry,
    ) -> Result<(), DbErr> {
        timeline::Entity::insert(timeline::ActiveModel {
            tracking_code: Set(tracking_code.to_owned()),
            message_id: Set(message_id),
            time: Set(entry.time),
            state: Set(entry.state.as_str().to_owned()),
            message: Set(entry.message.clone()),
            ..Default::default()
        })
        .on_conflict_do_nothing_on([timeline::Column::TrackingCode, timeline::Column::MessageId])
        .exec_without_returning(db)
        .await?;
        Ok(())
    }

    pub async fn status<C: ConnectionTrait>(
        &self,
        db: &C,
        tracking_code: &str,
    ) -> Result<Option<ReportStatus>, DbErr> {
        let Some(row) = self.row(db, tracking_code).await? else {
            return Ok(None);
        };
        let timeline = timeline::Entity::find()
            .filter(timeline::Column::TrackingCode.eq(tracking_code))
            .order_by_asc(timeline::Column::Time)
            .order_by_asc(timeline::Column::Seq)
            .all(db)
            .await?
            .into_iter()
            .map(|entry| {
                Ok(TimelineEntry {
                    time: entry.time,
                    state: parse_state(&entry.state)?,
                    message: entry.message,
                })
            })
            .collect::<Result<Vec<_>, DbErr>>()?;
        Ok(Some(ReportStatus {
            tracking_code: row.tracking_code,
            state: row.state,
            department: row.department,
            category: row.category,
            timeline,
            created_at: row.created_at,
            updated_at: row.updated_at,
        }))
    }
}

/// How many reports status knows.
pub async fn count_statuses(db: &DatabaseConnection) -> Result<u64, DbErr> {
    status::Entity::find().count(db).await
}

fn parse_state(text: &str) -> Result<PublicState, DbErr> {
    PublicState::parse(text).ok_or_else(|| DbErr::Custom(format!("unknown public state `{text}`")))
}
