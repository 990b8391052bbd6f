//! Photos uploaded with reports: taken in without their metadata, served to the
//! public unless an operator hid them.

use chrono::Utc;
use sea_orm::TransactionTrait;
use segnala_shared::AppError;
use uuid::Uuid;

use super::Reports;
use crate::{
    domain::{MediaDraft, PhotoVisibility, Report, VisibilityChange},
    store::photos::{self, StoredMedia},
};

/// [`MediaDraft::upload`] on a blocking thread: decoding a phone's photo and encoding
/// it again takes a good part of a second, which must not hold up other requests.
pub async fn upload_photo(bytes: bytes::Bytes, max_bytes: usize) -> Result<MediaDraft, String> {
    tokio::task::spawn_blocking(move || MediaDraft::upload(&bytes, max_bytes))
        .await
        .unwrap_or_else(|failed| Err(format!("the picture cannot be read: {failed}")))
}

impl Reports {
    /// Where the photo is served.
    pub fn media_link(&self, id: Uuid) -> String {
        format!("{}/{id}", self.media_base_url)
    }

    /// A photo uploaded with a report, as the public may see it: a hidden one is not
    /// found.
    pub async fn public_media(&self, id: Uuid) -> Result<StoredMedia, AppError> {
        photos::media(&self.db, id)
            .await?
            .filter(|media| !media.hidden)
            .ok_or_else(|| not_found(id))
    }

    /// Whether the public sees the photo, and who changed that, when and why.
    pub async fn photo_visibility(&self, id: Uuid) -> Result<PhotoVisibility, AppError> {
        photos::visibility(&self.db, id)
            .await?
            .ok_or_else(|| not_found(id))
    }

    /// Hides the photo from the public (`hidden`) or shows it again, with the
    /// operator's reason in the record. Asking for the state it is already in changes
    /// and records nothing.
    pub async fn change_photo_visibility(
        &self,
        operator: &str,
        id: Uuid,
        hidden: bool,
        reason: &str,
    ) -> Result<PhotoVisibility, AppError> {
        let change = VisibilityChange::new(hidden, operator, reason, Utc::now())
            .map_err(|problem| AppError::invalid("reason", problem))?;
        let txn = self.db.begin().await?;
        let mut photo = photos::visibility(&txn, id)
            .await?
            .ok_or_else(|| not_found(id))?;
        if !photos::change_visibility(&txn, id, &change).await? {
            // Already in that state, perhaps by another operator a moment ago.
            photo.hidden = hidden;
            return Ok(photo);
        }
        txn.commit().await?;
        tracing::info!(photo = %id, hidden, operator, "photo visibility changed");
        photo.hidden = hidden;
        photo.changes.push(change);
        Ok(photo)
    }

    /// `reports` as the public sees them: links to their hidden photos left out.
    pub(super) async fn without_hidden_photos(
        &self,
        mut reports: Vec<Report>,
    ) -> Result<Vec<Report>, AppError> {
        let ids: Vec<Uuid> = reports.iter().map(|r| r.id).collect();
        let hidden = photos::hidden_among(&self.db, &ids).await?;
        if hidden.is_empty() {
            return Ok(reports);
        }
        let prefix = format!("{}/", self.media_base_url);
        for report in &mut reports {
            report.media_urls.retain(|url| {
                url.strip_prefix(&prefix)
                    .and_then(|id| Uuid::parse_str(id).ok())
                    .is_none_or(|id| !hidden.contains(&id))
            });
        }
        Ok(reports)
    }
}

fn not_found(id: Uuid) -> AppError {
    AppError::NotFound {
        resource: "photo",
        name: format!("photos/{id}"),
    }
}
