use std::sync::Arc;

use async_trait::async_trait;
use chrono::Utc;
use sea_orm::DatabaseTransaction;
use segnala_proto::intake::v1::ReportReceived;
use segnala_shared::{
    messaging::{EventContext, EventHandler, HandlerError, Outbox},
    tracking_code::TrackingCode,
};

use crate::{
    domain::KeywordRouter,
    events,
    store::{DecisionStore, StoredDecision},
};

/// Routes each received report and announces the decision.
pub struct RouteReport {
    router: Arc<KeywordRouter>,
    outbox: Outbox,
    store: DecisionStore,
}

impl RouteReport {
    pub fn new(router: Arc<KeywordRouter>, outbox: Outbox) -> Self {
        Self {
            router,
            outbox,
            store: DecisionStore,
        }
    }
}

#[async_trait]
impl EventHandler<ReportReceived> for RouteReport {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: ReportReceived,
        _: &EventContext,
    ) -> Result<(), HandlerError> {
        let code = TrackingCode::parse(&event.tracking_code).map_err(|e| {
            HandlerError::Permanent(format!("tracking_code `{}`: {e}", event.tracking_code))
        })?;
        if self.store.get(txn, code.as_str()).await?.is_some() {
            // Already routed (the same report announced twice): the first decision stands.
            return Ok(());
        }
        let stored = StoredDecision {
            tracking_code: code.to_string(),
            decision: self.router.route(&event.description),
            decided_at: Utc::now(),
            version: 1,
        };
        self.store.insert(txn, &stored).await?;
        self.outbox
            .record(txn, &events::report_routed(&event, &stored))
            .await?;
        tracing::info!(tracking_code = %code, department = %stored.decision.department, "report routed");
        Ok(())
    }
}
