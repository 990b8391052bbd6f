use sea_orm::DatabaseConnection;
use segnala_shared::{AppError, tracking_code::TrackingCode};

use crate::{domain::ReportStatus, store::StatusStore};

/// Reading public statuses.
#[derive(Clone)]
pub struct Statuses {
    db: DatabaseConnection,
    store: StatusStore,
}

impl Statuses {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            store: StatusStore,
        }
    }

    pub async fn get(&self, code: &TrackingCode) -> Result<ReportStatus, AppError> {
        self.store
            .status(&self.db, code.as_str())
            .await?
            .ok_or_else(|| AppError::NotFound {
                resource: "report",
                name: code.to_string(),
            })
    }
}
