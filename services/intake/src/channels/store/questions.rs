//! The questions asked after a resolution, and whether each was answered: one row per
//! report and resolution, so that an answer counts once and a late one is recognised.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    sea_query::{Expr, OnConflict},
};
use segnala_shared::lang::Lang;
use uuid::Uuid;

use crate::{
    channels::domain::{Question, QuestionState},
    domain::Channel,
};

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

/// How a question's state is stored.
fn state_code(state: QuestionState) -> &'static str {
    match state {
        QuestionState::Open => "open",
        QuestionState::Answered => "answered",
        QuestionState::Closed => "closed",
    }
}

fn state_of(code: &str) -> QuestionState {
    match code {
        "open" => QuestionState::Open,
        "answered" => QuestionState::Answered,
        _ => QuestionState::Closed,
    }
}

fn question_of(row: entity::Model) -> Question {
    Question {
        id: row.id,
        report_id: row.report_id,
        tracking_code: row.tracking_code,
        channel: Channel::parse(&row.channel).unwrap_or_default(),
        sender: row.sender,
        language: Lang::parse(&row.language).unwrap_or_default(),
        status_version: row.status_version,
        resolved_at: row.resolved_at,
        asked_at: row.asked_at,
        state: state_of(&row.state),
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
        state: Set(state_code(QuestionState::Open).to_owned()),
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
        .col_expr(
            Column::State,
            Expr::value(state_code(QuestionState::Closed)),
        )
        .filter(Column::ReportId.eq(report_id))
        .filter(Column::StatusVersion.lt(version))
        .filter(Column::State.eq(state_code(QuestionState::Open)))
        .exec(db)
        .await?;
    Ok(closed.rows_affected)
}

pub async fn get<C: ConnectionTrait>(db: &C, id: Uuid) -> Result<Option<Question>, DbErr> {
    Ok(Entity::find_by_id(id).one(db).await?.map(question_of))
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
        .map(question_of))
}

/// Marks the question answered; false when it was not open any more (answered by a
/// concurrent message, or closed).
pub async fn answer<C: ConnectionTrait>(
    db: &C,
    id: Uuid,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let updated = Entity::update_many()
        .col_expr(
            Column::State,
            Expr::value(state_code(QuestionState::Answered)),
        )
        .col_expr(Column::AnsweredAt, Expr::value(at))
        .filter(Column::Id.eq(id))
        .filter(Column::State.eq(state_code(QuestionState::Open)))
        .exec(db)
        .await?;
    Ok(updated.rows_affected == 1)
}
