//! The audit log of reporters' rights: every export and erasure, who asked and what it
//! touched. It names the reports by tracking code and never the reporter, so that
//! the log of an erasure does not keep what was erased.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait, QueryOrder};
use sea_orm_migration::{prelude::*, schema::*};
use uuid::Uuid;

use crate::domain::Channel;

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "reporter_data_requests")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub action: String,
        pub channel: String,
        pub operator: String,
        /// JSON: ["ABC-123", …].
        pub tracking_codes: String,
        pub records: i64,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// What was done for a reporter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReporterAction {
    Export,
    Erase,
    /// Contacts erased because the report closed long enough ago.
    Retention,
}

impl ReporterAction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Export => "export",
            Self::Erase => "erase",
            Self::Retention => "retention",
        }
    }
}

/// One line of the log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReporterRequest {
    pub action: String,
    pub channel: String,
    /// The key's name, or "retention" for the automatic erasure.
    pub operator: String,
    pub tracking_codes: Vec<String>,
    pub records: i64,
    pub created_at: DateTime<Utc>,
}

pub async fn record<C: ConnectionTrait>(
    db: &C,
    action: ReporterAction,
    channel: Channel,
    operator: &str,
    tracking_codes: &[String],
    records: u64,
) -> Result<(), DbErr> {
    let codes = serde_json::to_string(tracking_codes).map_err(|e| DbErr::Custom(e.to_string()))?;
    entity::Entity::insert(entity::ActiveModel {
        id: Set(Uuid::new_v4()),
        action: Set(action.as_str().to_owned()),
        channel: Set(channel.as_str().to_owned()),
        operator: Set(operator.to_owned()),
        tracking_codes: Set(codes),
        records: Set(<i64 as TryFrom<u64>>::try_from(records).unwrap_or(i64::MAX)),
        created_at: Set(Utc::now()),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// The whole log, oldest first.
pub async fn all<C: ConnectionTrait>(db: &C) -> Result<Vec<ReporterRequest>, DbErr> {
    entity::Entity::find()
        .order_by_asc(entity::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            Ok(ReporterRequest {
                tracking_codes: serde_json::from_str(&row.tracking_codes)
                    .map_err(|e| DbErr::Custom(e.to_string()))?,
                action: row.action,
                channel: row.channel,
                operator: row.operator,
                records: row.records,
                created_at: row.created_at,
            })
        })
        .collect()
}

#[derive(DeriveIden)]
enum ReporterDataRequests {
    Table,
    Id,
    Action,
    Channel,
    Operator,
    TrackingCodes,
    Records,
    CreatedAt,
}

pub struct CreateReporterDataRequests;

impl MigrationName for CreateReporterDataRequests {
    fn name(&self) -> &str {
        "m20261207_000200_intake_reporter_data_requests"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateReporterDataRequests {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ReporterDataRequests::Table)
                    .if_not_exists()
                    .col(pk_uuid(ReporterDataRequests::Id))
                    .col(string(ReporterDataRequests::Action))
                    .col(string(ReporterDataRequests::Channel))
                    .col(string(ReporterDataRequests::Operator))
                    .col(text(ReporterDataRequests::TrackingCodes))
                    .col(big_integer(ReporterDataRequests::Records))
                    .col(timestamp_with_time_zone(ReporterDataRequests::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ReporterDataRequests::Table).to_owned())
            .await
    }
}
