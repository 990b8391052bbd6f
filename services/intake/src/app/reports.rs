use chrono::Utc;
use sea_orm::{DatabaseConnection, DbErr, SqlErr, TransactionTrait};
use segnala_shared::{AppError, messaging::Outbox, tracking_code::TrackingCode};
use uuid::Uuid;

use crate::{
    domain::{Channel, Report, ReportDraft, RequestId},
    events,
    store::ReportStore,
};

/// Creating and reading reports.
#[derive(Clone)]
pub struct Reports {
    db: DatabaseConnection,
    outbox: Outbox,
    store: ReportStore,
}

impl Reports {
    pub fn new(db: DatabaseConnection, outbox: Outbox) -> Self {
        Self {
            db,
            outbox,
            store: ReportStore,
        }
    }

    /// Accepts a report, or returns the one already accepted for the same request id or
    /// the same channel message. The report and its `ReportReceived` event commit
    /// together.
    pub async fn create(
        &self,
        draft: ReportDraft,
        request_id: Option<RequestId>,
    ) -> Result<Report, AppError> {
        let draft = draft.validate().map_err(AppError::InvalidArgument)?;
        let external_id = draft.external_id.as_deref();
        if let Some(existing) = self
            .find_previous(draft.channel, external_id, request_id.as_ref())
            .await?
        {
            return Ok(existing);
        }
        let report = Report {
            id: Uuid::now_v7(),
            tracking_code: TrackingCode::generate(),
            description: draft.description,
            location: draft.location,
            address: draft.address,
            channel: draft.channel,
            external_id: draft.external_id,
            reporter: draft.reporter,
            service_code: draft.service_code,
            language_code: draft.language_code,
            created_at: Utc::now(),
        };
        match self.insert(&report, request_id.as_ref()).await {
            Ok(()) => {
                self.outbox.wake();
                tracing::info!(tracking_code = %report.tracking_code, channel = report.channel.as_str(), "report accepted");
                Ok(report)
            }
            // A concurrent retry of the same request won the race: answer with its report.
            Err(error) if matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) => {
                self.find_previous(
                    report.channel,
                    report.external_id.as_deref(),
                    request_id.as_ref(),
                )
                .await?
                .ok_or_else(|| AppError::internal(error))
            }
            Err(error) => Err(error.into()),
        }
    }

    pub async fn get(&self, code: &TrackingCode) -> Result<Report, AppError> {
        self.store
            .by_tracking_code(&self.db, code)
            .await?
            .ok_or_else(|| AppError::NotFound {
                resource: "report",
                name: code.to_string(),
            })
    }

    async fn insert(&self, report: &Report, request_id: Option<&RequestId>) -> Result<(), DbErr> {
        let txn = self.db.begin().await?;
        self.store
            .insert(&txn, report, request_id.map(RequestId::as_str))
            .await?;
        self.outbox
            .record(&txn, &events::report_received(report))
            .await?;
        txn.commit().await
    }

    async fn find_previous(
        &self,
        channel: Channel,
        external_id: Option<&str>,
        request_id: Option<&RequestId>,
    ) -> Result<Option<Report>, DbErr> {
        if let Some(request_id) = request_id
            && let Some(report) = self
                .store
                .by_request_id(&self.db, request_id.as_str())
                .await?
        {
            return Ok(Some(report));
        }
        if let Some(external_id) = external_id {
            return self
                .store
                .by_external_id(&self.db, channel, external_id)
                .await;
        }
        Ok(None)
    }
}
