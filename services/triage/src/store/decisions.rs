use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DbErr, EntityTrait};

use crate::domain::{Decision, Priority};

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
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A decision as stored, with when and in which version it was made.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredDecision {
    pub tracking_code: String,
    pub decision: Decision,
    pub decided_at: DateTime<Utc>,
    pub version: i64,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct DecisionStore;

impl DecisionStore {
    pub async fn insert<C: ConnectionTrait>(
        &self,
        db: &C,
        stored: &StoredDecision,
    ) -> Result<(), DbErr> {
        decision::Entity::insert(decision::ActiveModel {
            tracking_code: Set(stored.tracking_code.clone()),
            department: Set(stored.decision.department.clone()),
            category: Set(String::new()),
            priority: Set(priority_text(stored.decision.priority).to_owned()),
            matched_keywords: Set(serde_json::json!(stored.decision.matched_keywords)),
            method: Set(stored.decision.method.clone()),
            decided_at: Set(stored.decided_at),
            version: Set(stored.version),
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
            _ => Priority::Normal,
        };
        Ok(Some(StoredDecision {
            tracking_code: row.tracking_code,
            decision: Decision {
                department: row.department,
                priority,
                matched_keywords: serde_json::from_value(row.matched_keywords).unwrap_or_default(),
                method: row.method,
            },
            decided_at: row.decided_at,
            version: row.version,
        }))
    }
}

fn priority_text(priority: Priority) -> &'static str {
    match priority {
        Priority::Normal => "normal",
        Priority::Critical => "critical",
    }
}
