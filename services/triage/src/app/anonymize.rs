//! A report lost the personal data in its texts at intake (its reporter's erasure, or
//! retention): triage's copies of its description lose the same data, with the same
//! redactor — the report kept with its decision, and operators' corrections, which
//! are exported for training.

use std::collections::HashMap;

use sea_orm::{ConnectionTrait, DbErr};
use segnala_shared::{lang::Lang, redaction::redact_text};

use crate::store::{CorrectionStore, DecisionStore};

/// A report intake anonymised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnonymizedReport {
    pub tracking_code: String,
    /// The report's language, as intake knew it.
    pub language: Option<Lang>,
}

/// Removes the personal data from triage's copies of the texts of `reports`.
pub async fn anonymize<C: ConnectionTrait>(
    db: &C,
    reports: &[AnonymizedReport],
) -> Result<(), DbErr> {
    if reports.is_empty() {
        return Ok(());
    }
    let languages: HashMap<&str, Option<Lang>> = reports
        .iter()
        .map(|r| (r.tracking_code.as_str(), r.language))
        .collect();
    let codes: Vec<String> = reports.iter().map(|r| r.tracking_code.clone()).collect();
    for mut received in DecisionStore.received_of(db, &codes).await? {
        let language = languages
            .get(received.tracking_code.as_str())
            .copied()
            .flatten()
            .or(received.language);
        received.description = redact_text(&received.description, language);
        DecisionStore.replace_received(db, &received).await?;
    }
    for (id, code, text) in CorrectionStore.texts_of(db, &codes).await? {
        let language = languages.get(code.as_str()).copied().flatten();
        CorrectionStore
            .replace_text(db, id, &redact_text(&text, language))
            .await?;
    }
    Ok(())
}
