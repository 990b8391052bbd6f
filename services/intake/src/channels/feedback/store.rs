//! The questions asked after a resolution, and whether each was answered: one row per
//! report and resolution, so that an answer counts once and a late one is recognised.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, OnConflict},
};
use sea_orm_migration::{prelude::*, schema::*};
use segnala_shared::messaging::migration::index_on;
use uuid::Uuid;

use crate::{channels::message::Language, domain::Channel};

mod entity {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "feedback_requests")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub report_id: Uuid,
        pub tracking_code: String,
        pub channel: String,
        /// Who was asked, as the platform names them; empty when the route predates it.
        pub sender: String,
        pub language: String,
        /// The status version that announced the resolution.
        pub status_version: i64,
        pub resolved_at: Option<DateTimeUtc>,
        pub asked_at: DateTimeUtc,
        /// `open`, `answered`, or `closed` when the report moved on unanswered.
        pub state: String,
        pub answered_at: Option<DateTimeUtc>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use entity::{Column, Entity};

/// Where a question stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuestionState {
    Open,
    Answered,
    /// The report moved on (work started again, a reopening) before an answer came.
    Closed,
}

impl QuestionState {
    fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Answered => "answered",
            Self::Closed => "closed",
        }
    }

    fn parse(text: &str) -> Self {
        match text {
            "open" => Self::Open,
            "answered" => Self::Answered,
            _ => Self::Closed,
        }
    }
}

/// "Is it fixed?", asked of a reporter after a resolution.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub id: Uuid,
    pub report_id: Uuid,
    pub tracking_code: String,
    pub channel: Channel,
    pub sender: String,
    pub language: Language,
    pub status_version: i64,
    pub resolved_at: Option<DateTime<Utc>>,
    pub asked_at: DateTime<Utc>,
    pub state: QuestionState,
}

impl From<entity::Model> for Question {
    fn from(row: entity::Model) -> Self {
        Self {
            id: row.id,
            report_id: row.report_id,
            tracking_code: row.tracking_code,
            channel: Channel::parse(&row.channel).unwrap_or_default(),
            sender: row.sender,
            language: Language::from_code(&row.language).unwrap_or(Language::Italian),
            status_version: row.status_version,
            resolved_at: row.resolved_at,
            asked_at: row.asked_at,
            state: QuestionState::parse(&row.state),
        }
    }
}

/// Records `question` unless the same resolution was asked about already; true when
/// it is new. Older open questions of the report close: only the latest resolution is
/// asked about.
pub async fn ask<C: ConnectionTrait>(db: &C, question: &Question) -> Result<bool, DbErr> {
    let inserted = Entity::insert(entity::ActiveModel {
        id: Set(question.id),
        report_id: Set(question.report_id),
        tracking_code: Set(question.tracking_code.clone()),
        channel: Set(question.channel.as_str().to_owned()),
        sender: Set(question.sender.clone()),
        language: Set(question.language.code().to_owned()),
        status_version: Set(question.status_version),
        resolved_at: Set(question.resolved_at),
        asked_at: Set(question.asked_at),
        state: Set(QuestionState::Open.as_str().to_owned()),
        answered_at: Set(None),
    })
    .on_conflict(
        OnConflict::columns([Column::ReportId, Column::StatusVersion])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted > 0 {
        close_before(db, question.report_id, question.status_version).await?;
    }
    Ok(inserted > 0)
}

/// Closes the report's open questions about resolutions before status version
/// `version`: the report moved on since.
pub async fn close_before<C: ConnectionTrait>(
    db: &C,
    report_id: Uuid,
    version: i64,
) -> Result<u64, DbErr> {
    let closed = Entity::update_many()
        .col_expr(Column::State, Expr::value(QuestionState::Closed.as_str()))
        .filter(Column::ReportId.eq(report_id))
        .filter(Column::StatusVersion.lt(version))
        .filter(Column::State.eq(QuestionState::Open.as_str()))
        .exec(db)
        .await?;
    Ok(closed.rows_affected)
}

pub async fn get<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<Question>, DbErr> {
    Ok(Entity::find_by_id(id).one(db).await?.map(Question::from))
}

/// The latest question asked of `sender` on `channel` since `since`.
pub async fn latest_for<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    sender: &str,
    since: DateTime<Utc>,
) -> Result<Option<Question>, DbErr> {
    if sender.is_empty() {
        return Ok(None);
    }
    Ok(Entity::find()
        .filter(Column::Channel.eq(channel.as_str()))
        .filter(Column::Sender.eq(sender))
        .filter(Column::AskedAt.gt(since))
        .order_by_desc(Column::AskedAt)
        .one(db)
        .await?
        .map(Question::from))
}

/// Marks the question answered; false when it was not open any more (answered by a
/// concurrent message, or closed).
pub async fn answer<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let updated = Entity::update_many()
        .col_expr(Column::State, Expr::value(QuestionState::Answered.as_str()))
        .col_expr(Column::AnsweredAt, Expr::value(at))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(QuestionState::Open.as_str()))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}

#[derive(DeriveIden)]
enum FeedbackRequests {
    Table,
    Id,
    ReportId,
    TrackingCode,
    Channel,
    Sender,
    Language,
    StatusVersion,
    ResolvedAt,
    AskedAt,
    State,
    AnsweredAt,
}

#[derive(DeriveIden)]
enum Reports {
    Table,
    Id,
}

pub struct CreateFeedbackRequests;

impl MigrationName for CreateFeedbackRequests {
    fn name(&self) -> &str {
        "m20261207_000100_intake_feedback_requests"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateFeedbackRequests {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FeedbackRequests::Table)
                    .if_not_exists()
                    .col(pk_uuid(FeedbackRequests::Id))
                    .col(uuid(FeedbackRequests::ReportId))
                    .col(string(FeedbackRequests::TrackingCode))
                    .col(string(FeedbackRequests::Channel))
                    .col(string(FeedbackRequests::Sender))
                    .col(string(FeedbackRequests::Language))
                    .col(big_integer(FeedbackRequests::StatusVersion))
                    .col(timestamp_with_time_zone_null(FeedbackRequests::ResolvedAt))
                    .col(timestamp_with_time_zone(FeedbackRequests::AskedAt))
                    .col(string(FeedbackRequests::State))
                    .col(timestamp_with_time_zone_null(FeedbackRequests::AnsweredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FeedbackRequests::Table, FeedbackRequests::ReportId)
                            .to(Reports::Table, Reports::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                index_on(
                    "feedback_requests_report_version",
                    FeedbackRequests::Table,
                    [FeedbackRequests::ReportId, FeedbackRequests::StatusVersion],
                )
                .unique()
                .to_owned(),
            )
            .await?;
        manager
            .create_index(index_on(
                "feedback_requests_sender",
                FeedbackRequests::Table,
                [
                    FeedbackRequests::Channel,
                    FeedbackRequests::Sender,
                    FeedbackRequests::AskedAt,
                ],
            ))
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FeedbackRequests::Table).to_owned())
            .await
    }
}
