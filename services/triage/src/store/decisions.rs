use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};
use serde_json::json;

use crate::domain::{Explanation, Priority};

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
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// What became of a report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    Routed,
    NeedsReview,
    Rejected,
}

/// A decision as stored, with when and in which version it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredDecision {
    pub tracking_code: String,
    pub outcome: Outcome,
    /// Empty unless routed.
    pub department: String,
    pub category: String,
    pub priority: Priority,
    pub emergency: bool,
    /// The jurisdiction's zone the report is in; empty when unknown.
    pub zone: String,
    pub explanation: Explanation,
    pub decided_at: DateTime<Utc>,
    pub version: i64,
}

impl StoredDecision {
    /// A report opens an incident named after it.
    pub fn incident(&self) -> &str {
        &self.tracking_code
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct DecisionStore;

impl DecisionStore {
    pub async fn insert<C: ConnectionTrait>(
        &self,
        db: &C,
        stored: &StoredDecision,
    ) -> Result<(), DbErr> {
        let explanation = &stored.explanation;
        decision::Entity::insert(decision::ActiveModel {
            tracking_code: Set(stored.tracking_code.clone()),
            department: Set(stored.department.clone()),
            category: Set(stored.category.clone()),
            priority: Set(priority_text(stored.priority).to_owned()),
            matched_keywords: Set(json!(explanation.matched_keywords)),
            method: Set(explanation.method.clone()),
            decided_at: Set(stored.decided_at),
            version: Set(stored.version),
            outcome: Set(outcome_text(stored.outcome).to_owned()),
            emergency: Set(stored.emergency),
            zone: Set(stored.zone.clone()),
            explanation: Set(Some(json!({
                "model_version": explanation.model_version,
                "rules": explanation.rules,
                "features": explanation.features,
                "scores": explanation.scores,
            }))),
        })
        .exec_without_returning(db)
        .await?;
        Ok(())
    }

    pub async fn get<C: ConnectionTrait>(
        &self,
        db: &C,
        tracking_code: &str,
    ) -> Result<Option<StoredDecision>, DbErr> {
        let Some(row) = decision::Entity::find_by_id(tracking_code.to_owned())
            .one(db)
            .await?
        else {
            return Ok(None);
        };
        let priority = match row.priority.as_str() {
            "critical" => Priority::Critical,
            "high" => Priority::High,
            "low" => Priority::Low,
            _ => Priority::Normal,
        };
        let outcome = match row.outcome.as_str() {
            "review" => Outcome::NeedsReview,
            "rejected" => Outcome::Rejected,
            _ => Outcome::Routed,
        };
        let details = row.explanation.unwrap_or_default();
        let field = |name: &str| details.get(name).cloned().unwrap_or_default();
        Ok(Some(StoredDecision {
            tracking_code: row.tracking_code,
            outcome,
            department: row.department,
            category: row.category,
            priority,
            emergency: row.emergency,
            zone: row.zone,
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
        }))
    }
}

fn priority_text(priority: Priority) -> &'static str {
    match priority {
        Priority::Low => "low",
        Priority::Normal => "normal",
        Priority::High => "high",
        Priority::Critical => "critical",
    }
}

fn outcome_text(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Routed => "routed",
        Outcome::NeedsReview => "review",
        Outcome::Rejected => "rejected",
    }
}
