use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DatabaseExecutor, DbErr};
use segnala_shared::{
    AppError, db::begin_snapshot, error::FieldViolation, tracking_code::TrackingCode,
};

use crate::{
    domain::{ReportStatus, StatusView},
    store::{StatusCursor, StatusFilter, StatusStore, Steps, Update},
};

/// At most this many codes in one batch read.
pub const MAX_BATCH: usize = 200;
pub const DEFAULT_PAGE_SIZE: u64 = 50;
pub const MAX_PAGE_SIZE: u64 = 1000;

/// One page of a list, and where the next one starts.
#[derive(Clone, Debug, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Empty on the last page.
    pub next_page_token: String,
}

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
        self.get_as(code, StatusView::Full).await
    }

    pub async fn get_as(
        &self,
        code: &TrackingCode,
        view: StatusView,
    ) -> Result<ReportStatus, AppError> {
        self.read(&[code.to_string()], view)
            .await?
            .pop()
            .ok_or_else(|| AppError::NotFound {
                resource: "report",
                name: code.to_string(),
            })
    }

    /// The known reports among `codes`, in the order asked; unknown ones are left out,
    /// malformed ones refused all together.
    pub async fn batch_get(
        &self,
        codes: &[String],
        view: StatusView,
    ) -> Result<Vec<ReportStatus>, AppError> {
        if codes.len() > MAX_BATCH {
            return Err(AppError::invalid(
                "tracking_codes",
                format!("at most {MAX_BATCH} codes at once, got {}", codes.len()),
            ));
        }
        let mut violations = Vec::new();
        let mut parsed = Vec::with_capacity(codes.len());
        for (i, code) in codes.iter().enumerate() {
            match TrackingCode::parse(code) {
                Ok(code) if !parsed.contains(&code.to_string()) => parsed.push(code.to_string()),
                Ok(_) => {}
                Err(e) => violations.push(FieldViolation::new(
                    format!("tracking_codes[{i}]"),
                    e.to_string(),
                )),
            }
        }
        if !violations.is_empty() {
            return Err(AppError::InvalidArgument(violations));
        }
        self.read(&parsed, view).await
    }

    /// The statuses of `codes`, in the order asked.
    async fn read(
        &self,
        codes: &[String],
        view: StatusView,
    ) -> Result<Vec<ReportStatus>, AppError> {
        let reader = self.reader(view).await?;
        Ok(self.store.statuses(&reader, codes, view).await?)
    }

    /// Where a read in `view` runs: the full view reads statuses, then their timelines,
    /// so in one snapshot; the basic view is one statement, which sees one moment by
    /// itself and needs no transaction.
    async fn reader(&self, view: StatusView) -> Result<DatabaseExecutor<'_>, DbErr> {
        Ok(match view {
            StatusView::Basic => DatabaseExecutor::Connection(&self.db),
            StatusView::Full => DatabaseExecutor::OwnedTransaction(begin_snapshot(&self.db).await?),
        })
    }

    /// Statuses matching `filter`, most recently updated first.
    pub async fn list(
        &self,
        filter: &StatusFilter,
        page_size: u64,
        page_token: &str,
        view: StatusView,
    ) -> Result<Page<ReportStatus>, AppError> {
        let limit = page_limit(page_size);
        let cursor = if page_token.is_empty() {
            None
        } else {
            Some(parse_cursor(page_token).ok_or_else(not_our_token)?)
        };
        let mut items = self
            .store
            .list(
                &self.reader(view).await?,
                filter,
                cursor.as_ref(),
                limit + 1,
                view,
            )
            .await?;
        let next_page_token = if items.len() as u64 > limit {
            items.truncate(limit as usize);
            items.last().map(cursor_token).unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Page {
            items,
            next_page_token,
        })
    }

    /// Steps of reports matching `filter` (taken at or after `since`, when given),
    /// newest first: the city's recent updates, every step or each report's latest.
    pub async fn updates(
        &self,
        filter: &StatusFilter,
        steps: Steps,
        since: Option<DateTime<Utc>>,
        page_size: u64,
        page_token: &str,
    ) -> Result<Page<Update>, AppError> {
        let limit = page_limit(page_size);
        let before = if page_token.is_empty() {
            None
        } else {
            let seq = page_token
                .strip_prefix('u')
                .and_then(|hex| i64::from_str_radix(hex, 16).ok())
                .ok_or_else(not_our_token)?;
            Some(seq)
        };
        let mut items = self
            .store
            .updates(&self.db, filter, steps, since, before, limit + 1)
            .await?;
        let next_page_token = if items.len() as u64 > limit {
            items.truncate(limit as usize);
            items
                .last()
                .map(|u| format!("u{:x}", u.seq))
                .unwrap_or_default()
        } else {
            String::new()
        };
        Ok(Page {
            items,
            next_page_token,
        })
    }

    /// The statuses behind `updates`, by code, without timelines' cost mattering.
    pub async fn statuses_of(&self, updates: &[Update]) -> Result<Vec<ReportStatus>, AppError> {
        let mut codes: Vec<String> = Vec::new();
        for update in updates {
            if !codes.contains(&update.tracking_code) {
                codes.push(update.tracking_code.clone());
            }
        }
        self.read(&codes, StatusView::Full).await
    }
}

/// The page size asked for, within bounds; zero means the default.
pub fn page_limit(page_size: u64) -> u64 {
    match page_size {
        0 => DEFAULT_PAGE_SIZE,
        n => n.min(MAX_PAGE_SIZE),
    }
}

pub fn not_our_token() -> AppError {
    AppError::invalid("page_token", "is not a token this API gave out")
}

/// Page tokens are opaque to clients: this one is the last item's update time and code.
fn cursor_token(status: &ReportStatus) -> String {
    format!(
        "s{:x}.{}",
        status.updated_at.timestamp_micros(),
        status.tracking_code
    )
}

fn parse_cursor(token: &str) -> Option<StatusCursor> {
    let (micros, code) = token.strip_prefix('s')?.split_once('.')?;
    let updated_at = DateTime::from_timestamp_micros(i64::from_str_radix(micros, 16).ok()?)?;
    let code = TrackingCode::parse(code).ok()?;
    Some(StatusCursor {
        updated_at,
        tracking_code: code.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::StatusRecord;

    #[test]
    fn page_tokens_read_back_and_strangers_are_refused() {
        let at = DateTime::from_timestamp_micros(1_800_000_000_123_456).unwrap_or_default();
        let status = StatusRecord::new("7KQ2-M9XA-4BRT", at).status;
        let token = cursor_token(&status);
        assert_eq!(
            parse_cursor(&token),
            Some(StatusCursor {
                updated_at: at,
                tracking_code: "7KQ2-M9XA-4BRT".into()
            })
        );
        assert_eq!(parse_cursor("o10"), None);
        assert_eq!(parse_cursor("szz.7KQ2-M9XA-4BRT"), None);
    }
}
