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
    domain::{Classification, Classifier, Explanation, Priority, Taxonomy, Verdict, text},
    events::{self, Language},
    store::{DecisionStore, Outcome, StoredDecision},
};

/// Decides what each received report is and announces it: routed (and perhaps an
/// emergency), sent to a human for review, or turned away with a polite answer.
pub struct RouteReport {
    classifier: Arc<Classifier>,
    taxonomy: Arc<Taxonomy>,
    outbox: Outbox,
    store: DecisionStore,
}

impl RouteReport {
    pub fn new(classifier: Arc<Classifier>, taxonomy: Arc<Taxonomy>, outbox: Outbox) -> Self {
        Self {
            classifier,
            taxonomy,
            outbox,
            store: DecisionStore,
        }
    }

    /// The citizen's chosen service code wins over the text, unless the text is an
    /// emergency.
    fn classify(&self, event: &ReportReceived) -> Classification {
        let classification = self.classifier.classify(&event.description);
        if classification.explanation.method == crate::domain::classifier_method::EMERGENCY {
            return classification;
        }
        match self.taxonomy.by_service_code(&event.service_code) {
            Some((department, category)) => Classification {
                verdict: Verdict::Route {
                    department: department.id.clone(),
                    category: category.id.clone(),
                    priority: Priority::Normal,
                    emergency: false,
                },
                explanation: Explanation {
                    method: crate::domain::classifier_method::SERVICE_CODE.into(),
                    rules: vec![format!("service_code:{}", event.service_code)],
                    ..classification.explanation
                },
            },
            None => classification,
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
            // Already decided (the same report announced twice): the first decision stands.
            return Ok(());
        }
        let Classification {
            verdict,
            explanation,
        } = self.classify(&event);
        let language = Language::of(&event.language_code, &text::words(&event.description));
        let mut stored = StoredDecision {
            tracking_code: code.to_string(),
            outcome: Outcome::Routed,
            department: String::new(),
            category: String::new(),
            priority: Priority::Normal,
            emergency: false,
            explanation,
            decided_at: Utc::now(),
            version: 1,
        };
        match verdict {
            Verdict::Route {
                department,
                category,
                priority,
                emergency,
            } => {
                stored.department = department;
                stored.category = category;
                stored.priority = priority;
                stored.emergency = emergency;
                self.store.insert(txn, &stored).await?;
                self.outbox
                    .record(txn, &events::report_routed(&event, &stored, &self.taxonomy))
                    .await?;
                if emergency {
                    self.outbox
                        .record(
                            txn,
                            &events::emergency_detected(&event, &stored, &self.taxonomy, language),
                        )
                        .await?;
                }
            }
            Verdict::Review { reason } => {
                stored.outcome = Outcome::NeedsReview;
                self.store.insert(txn, &stored).await?;
                self.outbox
                    .record(txn, &events::needs_review(&event, &stored, &reason))
                    .await?;
            }
            verdict @ (Verdict::NotAReport | Verdict::OutOfRemit) => {
                stored.outcome = Outcome::Rejected;
                self.store.insert(txn, &stored).await?;
                self.outbox
                    .record(
                        txn,
                        &events::rejected(&event, &stored, &verdict, &self.taxonomy, language),
                    )
                    .await?;
            }
        }
        tracing::info!(
            tracking_code = %code,
            department = %stored.department,
            method = %stored.explanation.method,
            outcome = ?stored.outcome,
            "report triaged"
        );
        Ok(())
    }
}
