//! The table of outgoing deliveries.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
};
use sea_orm_migration::{prelude::*, schema::*};

use super::OutgoingRequest;

pub(super) mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "outgoing_deliveries")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        #[sea_orm(unique)]
        pub dedup_key: String,
        pub destination: String,
        pub target: String,
        pub content_type: String,
        pub body: Vec<u8>,
        pub headers: Json,
        pub state: String,
        pub attempts: i32,
        pub next_attempt_ms: i64,
        pub last_error: Option<String>,
        pub created_at: DateTimeUtc,
        pub finished_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub(super) use entity::{Column, Entity as DeliveryRow};

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryState {
    Pending,
    Sent,
    /// Given up on: the last attempt failed, or the platform refused it for good.
    Dead,
}

impl DeliveryState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Dead => "dead",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "sent" => Self::Sent,
            "dead" => Self::Dead,
            _ => Self::Pending,
        }
    }
}

/// A delivery as stored, for diagnostics and tests.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliveryRecord {
    pub key: String,
    pub destination: String,
    pub target: String,
    pub body: Vec<u8>,
    pub state: DeliveryState,
    pub attempts: u32,
    pub last_error: Option<String>,
}

pub(super) async fn insert<C: ConnectionTrait>(
    db: &C,
    request: OutgoingRequest,
) -> Result<bool, DbErr> {
    let headers = serde_json::to_value(&request.headers).unwrap_or_default();
    let inserted = DeliveryRow::insert(entity::ActiveModel {
        dedup_key: Set(request.key),
        destination: Set(request.destination),
        target: Set(request.target),
        content_type: Set(request.content_type),
        body: Set(request.body),
        headers: Set(headers),
        state: Set(DeliveryState::Pending.as_str().to_owned()),
        attempts: Set(0),
        next_attempt_ms: Set(0),
        last_error: Set(None),
        created_at: Set(Utc::now()),
        finished_at: Set(None),
        ..Default::default()
    })
    .on_conflict(OnConflict::column(Column::DedupKey).do_nothing().to_owned())
    .exec_without_returning(db)
    .await?;
    Ok(inserted > 0)
}

/// Every delivery, oldest first; only those in `state` when given.
pub async fn records<C: ConnectionTrait>(
    db: &C,
    state: Option<DeliveryState>,
) -> Result<Vec<DeliveryRecord>, DbErr> {
    let mut query = DeliveryRow::find().order_by_asc(Column::Seq);
    if let Some(state) = state {
        query = query.filter(Column::State.eq(state.as_str()));
    }
    Ok(query
        .all(db)
        .await?
        .into_iter()
        .map(|row| DeliveryRecord {
            key: row.dedup_key,
            destination: row.destination,
            target: row.target,
            body: row.body,
            state: DeliveryState::parse(&row.state),
            attempts: row.attempts.unsigned_abs(),
            last_error: row.last_error,
        })
        .collect())
}

#[derive(DeriveIden)]
enum OutgoingDeliveries {
    Table,
    Seq,
    DedupKey,
    Destination,
    Target,
    ContentType,
    Body,
    Headers,
    State,
    Attempts,
    NextAttemptMs,
    LastError,
    CreatedAt,
    FinishedAt,
}

/// The migration that creates the deliveries table; add it to the service's migrator.
pub fn migration() -> Box<dyn MigrationTrait> {
    Box::new(CreateOutgoingDeliveries)
}

struct CreateOutgoingDeliveries;

impl MigrationName for CreateOutgoingDeliveries {
    fn name(&self) -> &str {
        "m20261123_000010_outgoing_deliveries"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateOutgoingDeliveries {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OutgoingDeliveries::Table)
                    .if_not_exists()
                    .col(big_pk_auto(OutgoingDeliveries::Seq))
                    .col(string_uniq(OutgoingDeliveries::DedupKey))
                    .col(string(OutgoingDeliveries::Destination))
                    .col(text(OutgoingDeliveries::Target))
                    .col(string(OutgoingDeliveries::ContentType))
                    .col(blob(OutgoingDeliveries::Body))
                    .col(json(OutgoingDeliveries::Headers))
                    .col(string(OutgoingDeliveries::State))
                    .col(integer(OutgoingDeliveries::Attempts).default(0))
                    .col(big_integer(OutgoingDeliveries::NextAttemptMs))
                    .col(text_null(OutgoingDeliveries::LastError))
                    .col(timestamp_with_time_zone(OutgoingDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        OutgoingDeliveries::FinishedAt,
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outgoing_deliveries_due")
                    .table(OutgoingDeliveries::Table)
                    .col(OutgoingDeliveries::State)
                    .col(OutgoingDeliveries::NextAttemptMs)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OutgoingDeliveries::Table).to_owned())
            .await
    }
}
