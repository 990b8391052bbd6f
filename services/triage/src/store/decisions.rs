use std::collections::HashSet;

use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
    sea_query::{Expr, LockType},
};
use serde_json::json;

use crate::{
    domain::{Assignment, Decision, Explanation, Outcome, Priority, ReceivedReport},
    events,
};

mod decision {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "decisions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tracking_code: String,
        pub department: String,
        pub category: String,
        pub priority: String,
        pub matched_keywords: Json,
        pub method: String,
        pub decided_at: DateTimeUtc,
        pub version: i64,
        pub outcome: String,
        pub emergency: bool,
        pub explanation: Option<Json>,
        pub zone: String,
        pub incident: String,
        /// The report as triage received it (a protobuf `ReportReceived`), so an
        /// operator's decision can route it later.
        pub received: Option<Vec<u8>>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

#[derive(Clone, Copy, Debug, Default)]
pub struct DecisionStore;

impl DecisionStore {
    /// The reports kept with the decisions of `codes`, as received.
    pub async fn received_of<C: ConnectionTrait>(
        &self,
        db: &C,
        codes: &[String],
    ) -> Result<Vec<ReceivedReport>, DbErr> {
        let kept: Vec<Option<Vec<u8>>> = decision::Entity::find()
            .select_only()
            .column(decision::Column::Received)
            .filter(decision::Column::TrackingCode.is_in(codes.iter().cloned()))
            .into_tuple()
            .all(db)
            .await?;
        Ok(kept
            .iter()
            .flatten()
            .filter_map(|bytes| events::decode_received(bytes))
            .collect())
    }

    /// Keeps `report` as its decision's received report.
    pub async fn replace_received<C: ConnectionTrait>(
        &self,
        db: &C,
        report: &ReceivedReport,
    ) -> Result<(), DbErr> {
        decision::Entity::update_many()
            .col_expr(
                decision::Column::Received,
                Expr::value(events::encode_received(report)),
            )
            .filter(decision::Column::TrackingCode.eq(report.tracking_code.as_str()))
            .exec(db)
            .await?;
        Ok(())
    }

    /// Inserts new decisions, with one statement per thousand.
    pub async fn insert_all<C: ConnectionTrait>(
        &self,
        db: &C,
        decisions: &[Decision],
    ) -> Result<(), DbErr> {
        segnala_shared::db::insert_all(db, decisions.iter().map(row)).await
    }

    /// Which of `codes` are decided already.
    pub async fn decided_among<C: ConnectionTrait>(
        &self,
        db: &C,
        codes: Vec<String>,
    ) -> Result<HashSet<String>, DbErr> {
        if codes.is_empty() {
            return Ok(HashSet::new());
        }
        decision::Entity::find()
            .select_only()
            .column(decision::Column::TrackingCode)
            .filter(decision::Column::TrackingCode.is_in(codes))
            .into_tuple::<String>()
            .all(db)
            .await
            .map(|codes| codes.into_iter().collect())
    }

    /// Replaces the decision (an operator decided again).
    pub async fn update<C: ConnectionTrait>(&self, db: &C, stored: &Decision) -> Result<(), DbErr> {
        decision::Entity::update(row(stored)).exec(db).await?;
        Ok(())
    }

    /// Reads a decision and locks it until the transaction ends.
    pub async fn get_for_update<C: ConnectionTrait>(
        &self,
        db: &C,
        tracking_code: &str,
    ) -> Result<Option<Decision>, DbErr> {
        Ok(decision::Entity::find_by_id(tracking_code.to_owned())
            .lock(LockType::Update)
            .one(db)
            .await?
            .map(from_row))
    }

    /// The decisions of the reports in an incident, locked, oldest first.
    pub async fn in_incident<C: ConnectionTrait>(
        &self,
        db: &C,
        incident: &str,
    ) -> Result<Vec<Decision>, DbErr> {
        // Decisions made before incidents were recorded name none: the report's own.
        let members = Condition::any()
            .add(decision::Column::Incident.eq(incident))
            .add(
                Condition::all()
                    .add(decision::Column::TrackingCode.eq(incident))
                    .add(decision::Column::Incident.eq("")),
            );
        Ok(decision::Entity::find()
            .filter(members)
            .filter(decision::Column::Outcome.eq(ROUTED))
            .order_by_asc(decision::Column::DecidedAt)
            .lock(LockType::Update)
            .all(db)
            .await?
            .into_iter()
            .map(from_row)
            .collect())
    }

    /// Decisions waiting for review, oldest first, skipping `offset`.
    pub async fn waiting_for_review<C: ConnectionTrait>(
        &self,
        db: &C,
        offset: u64,
        limit: u64,
    ) -> Result<Vec<Decision>, DbErr> {
        Ok(decision::Entity::find()
            .filter(decision::Column::Outcome.eq(REVIEW))
            .order_by_asc(decision::Column::DecidedAt)
            .order_by_asc(decision::Column::TrackingCode)
            .offset(offset)
            .limit(limit)
            .all(db)
            .await?
            .into_iter()
            .map(from_row)
            .collect())
    }

    pub async fn get<C: ConnectionTrait>(
        &self,
        db: &C,
        tracking_code: &str,
    ) -> Result<Option<Decision>, DbErr> {
        Ok(decision::Entity::find_by_id(tracking_code.to_owned())
            .one(db)
            .await?
            .map(from_row))
    }
}

/// The outcomes as the `outcome` column names them: routed (into an incident of its
/// own or another's, an emergency or not), waiting for review, rejected.
const ROUTED: &str = "routed";
const REVIEW: &str = "review";
const REJECTED: &str = "rejected";

fn row(stored: &Decision) -> decision::ActiveModel {
    let explanation = &stored.explanation;
    let (outcome, assignment) = match &stored.outcome {
        Outcome::NeedsReview { .. } => (REVIEW, None),
        Outcome::Rejected => (REJECTED, None),
        Outcome::Routed(assignment)
        | Outcome::Merged { assignment, .. }
        | Outcome::Emergency { assignment, .. } => (ROUTED, Some(assignment)),
    };
    decision::ActiveModel {
        tracking_code: Set(stored.tracking_code.clone()),
        department: Set(assignment.map(|a| a.department.clone()).unwrap_or_default()),
        category: Set(assignment.map(|a| a.category.clone()).unwrap_or_default()),
        priority: Set(
            priority_text(assignment.map_or(Priority::Normal, |a| a.priority)).to_owned(),
        ),
        matched_keywords: Set(json!(explanation.matched_keywords)),
        method: Set(explanation.method.clone()),
        decided_at: Set(stored.decided_at),
        version: Set(stored.version),
        outcome: Set(outcome.to_owned()),
        emergency: Set(stored.is_emergency()),
        zone: Set(stored.zone.clone().unwrap_or_default()),
        incident: Set(stored.incident().unwrap_or_default().to_owned()),
        explanation: Set(Some(json!({
            "model_version": explanation.model_version,
            "rules": explanation.rules,
            "features": explanation.features,
            "scores": explanation.scores,
            "review_reason": stored.review_reason().unwrap_or_default(),
        }))),
        received: Set(stored.received.as_ref().map(events::encode_received)),
    }
}

fn from_row(row: decision::Model) -> Decision {
    let details = row.explanation.unwrap_or_default();
    let field = |name: &str| details.get(name).cloned().unwrap_or_default();
    let outcome = match row.outcome.as_str() {
        REVIEW => Outcome::NeedsReview {
            reason: serde_json::from_value(field("review_reason")).unwrap_or_default(),
        },
        REJECTED => Outcome::Rejected,
        _ => {
            let assignment = Assignment {
                department: row.department,
                category: row.category,
                priority: priority_from_text(&row.priority),
            };
            // Decisions made before incidents were recorded name none: the report's own.
            let joined = (!row.incident.is_empty() && row.incident != row.tracking_code)
                .then_some(row.incident);
            match (row.emergency, joined) {
                (true, joined) => Outcome::Emergency { assignment, joined },
                (false, Some(incident)) => Outcome::Merged {
                    assignment,
                    incident,
                },
                (false, None) => Outcome::Routed(assignment),
            }
        }
    };
    Decision {
        tracking_code: row.tracking_code,
        outcome,
        zone: Some(row.zone).filter(|zone| !zone.is_empty()),
        received: row.received.as_deref().and_then(events::decode_received),
        explanation: Explanation {
            method: row.method,
            model_version: serde_json::from_value(field("model_version")).unwrap_or_default(),
            rules: serde_json::from_value(field("rules")).unwrap_or_default(),
            matched_keywords: serde_json::from_value(row.matched_keywords).unwrap_or_default(),
            features: serde_json::from_value(field("features")).unwrap_or_default(),
            scores: serde_json::from_value(field("scores")).unwrap_or_default(),
        },
        decided_at: row.decided_at,
        version: row.version,
    }
}

pub(super) fn priority_from_text(text: &str) -> Priority {
    match text {
        "critical" => Priority::Critical,
        "high" => Priority::High,
        "low" => Priority::Low,
        _ => Priority::Normal,
    }
}

pub(super) fn priority_text(priority: Priority) -> &'static str {
    match priority {
        Priority::Low => "low",
        Priority::Normal => "normal",
        Priority::High => "high",
        Priority::Critical => "critical",
    }
}
