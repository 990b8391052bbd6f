use chrono::Utc;
use sea_orm::{DatabaseConnection, TransactionTrait};
use segnala_shared::{AppError, messaging::Outbox, request_id::RequestId};

use crate::{domain::Alert, events, store::AlertStore};

/// Publishing and reading operators' alerts.
#[derive(Clone)]
pub struct Alerts {
    db: DatabaseConnection,
    outbox: Outbox,
    store: AlertStore,
}

impl Alerts {
    pub fn new(db: DatabaseConnection, outbox: Outbox) -> Self {
        Self {
            db,
            outbox,
            store: AlertStore,
        }
    }

    /// Stores the alert and announces it, once per `request_id`: a retried call gets
    /// the alert it published the first time; the same id with another alert is
    /// refused.
    pub async fn publish(&self, request_id: &str, alert: Alert) -> Result<Alert, AppError> {
        let request_id = RequestId::parse(request_id)
            .map_err(|v| AppError::InvalidArgument(vec![v]))?
            .ok_or_else(|| AppError::invalid("request_id", "is required"))?;
        alert.validate(Utc::now())?;
        let txn = self.db.begin().await?;
        if !self.store.insert(&txn, request_id.as_str(), &alert).await? {
            drop(txn);
            let published = self
                .store
                .by_request(&self.db, request_id.as_str())
                .await?
                .ok_or_else(|| AppError::Unavailable("the alert is being published".into()))?;
            if !published.same_request(&alert) {
                return Err(request_id.reused("alert"));
            }
            return Ok(published);
        }
        self.outbox
            .record(&txn, &events::alert_published(&alert))
            .await?;
        txn.commit().await?;
        self.outbox.wake();
        Ok(alert)
    }

    /// Ends the alert now, unless it had ended already; returns it as it stands.
    pub async fn end(&self, id: uuid::Uuid) -> Result<Alert, AppError> {
        self.store.end(&self.db, id, Utc::now()).await?;
        self.store
            .by_id(&self.db, id)
            .await?
            .ok_or_else(|| AppError::NotFound {
                resource: "alert",
                name: format!("alerts/{id}"),
            })
    }

    /// A page of alerts, newest first, and whether more follow: the active ones, or
    /// all of them.
    pub async fn list(
        &self,
        include_inactive: bool,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Alert>, bool), AppError> {
        let active_at = (!include_inactive).then(Utc::now);
        let mut alerts = self
            .store
            .list(&self.db, active_at, offset, limit.saturating_add(1))
            .await?;
        let more = alerts.len() as u64 > limit;
        alerts.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok((alerts, more))
    }

    pub async fn active(&self) -> Result<Vec<Alert>, AppError> {
        Ok(self.store.active(&self.db, Utc::now()).await?)
    }

    /// The active alerts a page about `zone` (`None`: the whole city) shows.
    pub async fn active_for(&self, zone: Option<&str>) -> Result<Vec<Alert>, AppError> {
        let mut alerts = self.active().await?;
        alerts.retain(|alert| alert.concerns(zone));
        Ok(alerts)
    }
}
