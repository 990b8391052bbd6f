use sea_orm::DatabaseConnection;
use segnala_shared::{AppError, tracking_code::TrackingCode};

use crate::{domain::Decision, store::DecisionStore};

/// Reading decisions, for operators.
#[derive(Clone)]
pub struct Decisions {
    db: DatabaseConnection,
    store: DecisionStore,
}

impl Decisions {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            store: DecisionStore,
        }
    }

    pub async fn get(&self, code: &TrackingCode) -> Result<Decision, AppError> {
        self.store
            .get(&self.db, code.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound {
                resource: "decision",
                name: format!("reports/{code}/decision"),
            })
    }
}
