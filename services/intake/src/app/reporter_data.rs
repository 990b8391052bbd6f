//! The reporter's rights over what they gave the city: a copy of all of it, and its
//! erasure. Erasing keeps the reports, anonymous, so that the work on them goes on:
//! contacts and chat identifiers go, and the text loses the personal data in it.

use std::collections::BTreeMap;

use chrono::Utc;
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, TransactionTrait};
use segnala_shared::{
    AppError,
    lang::Lang,
    messaging::{Envelope, Outbox},
    redaction::redact_text,
};

use crate::{
    domain::{Erasure, Report, Reporter},
    events,
    store::{
        ReportStore,
        reporter_data::{
            self, AnonymousText, ReporterRecords, ReporterReport, StoredConversation,
            StoredQuestion, StoredReply,
        },
        reporter_requests::{self, ReporterAction},
    },
};

/// Everything intake keeps of one reporter.
#[derive(Clone, Debug, PartialEq)]
pub struct ReporterExport {
    /// Oldest first, as written, with the reporter's contact.
    pub reports: Vec<Report>,
    pub conversations: Vec<StoredConversation>,
    pub replies: Vec<StoredReply>,
    pub questions: Vec<StoredQuestion>,
}

#[derive(Clone)]
pub struct ReporterData {
    db: DatabaseConnection,
    outbox: Outbox,
}

impl ReporterData {
    pub fn new(db: DatabaseConnection, outbox: Outbox) -> Self {
        Self { db, outbox }
    }

    /// A copy of everything of `reporter`, recorded as asked by `operator`.
    pub async fn export(
        &self,
        reporter: &Reporter,
        operator: &str,
    ) -> Result<ReporterExport, AppError> {
        let txn = self.db.begin().await?;
        let records = reporter_data::find(&txn, reporter).await?;
        let ids: Vec<_> = records.reports.iter().map(|r| r.id).collect();
        let reports = ReportStore.by_ids(&txn, &ids).await?;
        let codes: Vec<String> = reports
            .iter()
            .map(|r| r.tracking_code.to_string())
            .collect();
        reporter_requests::record(
            &txn,
            ReporterAction::Export,
            reporter.channel,
            operator,
            &codes,
            0,
        )
        .await?;
        txn.commit().await?;
        Ok(ReporterExport {
            reports,
            conversations: records.conversations,
            replies: records.replies,
            questions: records.questions,
        })
    }

    /// Erases `reporter`'s identifiers and anonymises their reports, recorded as
    /// asked by `operator`.
    pub async fn erase(&self, reporter: &Reporter, operator: &str) -> Result<Erasure, AppError> {
        let txn = self.db.begin().await?;
        let records = reporter_data::find(&txn, reporter).await?;
        let erasure = erase(
            &txn,
            &self.outbox,
            &records,
            ReporterAction::Erase,
            operator,
        )
        .await?;
        txn.commit().await?;
        self.outbox.wake();
        Ok(erasure)
    }
}

/// Erases `records` within `txn`, records it in the audit log and announces each
/// report anonymised, so that triage and tracking anonymise their copies of its text.
pub(super) async fn erase(
    txn: &DatabaseTransaction,
    outbox: &Outbox,
    records: &ReporterRecords,
    action: ReporterAction,
    operator: &str,
) -> Result<Erasure, DbErr> {
    let texts: Vec<AnonymousText> = records.reports.iter().map(anonymous).collect();
    let changed = reporter_data::erase(txn, records, &texts).await?;
    let now = Utc::now();
    let announcements = records
        .reports
        .iter()
        .map(|report| {
            Envelope::new(&events::report_anonymized(
                &report.tracking_code,
                report.language_code.as_deref(),
                now,
            ))
        })
        .collect();
    outbox.record_envelopes(txn, announcements).await?;
    let erasure = Erasure {
        tracking_codes: records
            .reports
            .iter()
            .map(|r| r.tracking_code.clone())
            .collect(),
        records: changed,
    };
    reporter_requests::record(
        txn,
        action,
        records.channel,
        operator,
        &erasure.tracking_codes,
        erasure.records,
    )
    .await?;
    Ok(erasure)
}

/// The report's description and attribute answers without the personal data in them.
fn anonymous(report: &ReporterReport) -> AnonymousText {
    let language = report.language_code.as_deref().and_then(Lang::parse);
    let attributes: BTreeMap<String, String> =
        serde_json::from_str(&report.attributes).unwrap_or_default();
    let attributes: BTreeMap<String, String> = attributes
        .into_iter()
        .map(|(code, value)| (code, redact_text(&value, language)))
        .collect();
    AnonymousText {
        report_id: report.id,
        description: redact_text(&report.description, language),
        attributes: serde_json::to_string(&attributes).unwrap_or_else(|_| "{}".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;

    #[test]
    fn an_anonymous_report_keeps_the_problem_and_loses_the_person() {
        let report = ReporterReport {
            id: Uuid::new_v4(),
            tracking_code: "ABC-123".into(),
            description: "Lampione spento in via Roma 12, chiamatemi al 333 123 4567".into(),
            language_code: Some("it".into()),
            attributes: r#"{"note":"scrivete a anna.bianchi@example.it","palo":"1234"}"#.into(),
            created_at: Utc::now(),
        };
        let text = anonymous(&report);
        assert!(text.description.contains("Lampione spento in via Roma 12"));
        assert!(!text.description.contains("333"));
        assert!(!text.attributes.contains("anna.bianchi"));
        assert!(text.attributes.contains("1234"));
    }
}
