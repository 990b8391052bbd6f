//! Announcing the taxonomy, so that other services name departments and categories
//! without reading triage's configuration.

use chrono::Utc;
use prost::Message;
use sea_orm::{DatabaseConnection, DbErr, TransactionTrait};
use segnala_proto::triage::v1::TaxonomyPublished;
use segnala_shared::{messaging::Outbox, time::to_timestamp};

use crate::{contract, domain::Taxonomy, store::PublishedTaxonomyStore};

/// Writes `TaxonomyPublished` to the outbox when `taxonomy` differs from the one last
/// published; returns the version it published, if it did. Safe when several replicas
/// start at once: the version only moves from the one read, so one of them publishes
/// and the others then find it published.
pub async fn publish_taxonomy(
    db: &DatabaseConnection,
    outbox: &Outbox,
    taxonomy: &Taxonomy,
) -> Result<Option<i64>, DbErr> {
    let store = PublishedTaxonomyStore;
    let departments = contract::departments(taxonomy);
    loop {
        let txn = db.begin().await?;
        let last = store.last(&txn).await?;
        let unchanged = last.version > 0
            && TaxonomyPublished::decode(last.event.as_slice())
                .is_ok_and(|published| published.departments == departments);
        if unchanged {
            txn.commit().await?;
            return Ok(None);
        }
        let event = TaxonomyPublished {
            version: last.version + 1,
            departments: departments.clone(),
            publish_time: Some(to_timestamp(Utc::now())),
        };
        if store
            .replace(&txn, last.version, event.encode_to_vec())
            .await?
        {
            outbox.record(&txn, &event).await?;
            txn.commit().await?;
            tracing::info!(version = event.version, "taxonomy published");
            return Ok(Some(event.version));
        }
        // Another replica published meanwhile: compare with what it published.
        txn.rollback().await?;
    }
}
