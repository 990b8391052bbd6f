//! Retention: a reporter's contact and chat identifiers outlive their report's
//! closing by a set time, then go, as an erasure the reporter had asked for would;
//! replies sent longer ago than that go too. Whether a report is closed, and since
//! when, is the status service's to say.

use std::{collections::HashMap, time::Duration};

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, TransactionTrait};
use segnala_shared::{AppError, messaging::Outbox, tracking_code::TrackingCode};

use super::reporter_data::erase;
use crate::{
    domain::Channel,
    store::{reporter_data, reporter_requests::ReporterAction},
    upstream::status::StatusClient,
};

/// Reports looked at per statement and per call to status.
const PAGE: u64 = 200;

/// Who the audit log names for these erasures.
pub const RETENTION_OPERATOR: &str = "retention";

pub struct ContactRetention {
    db: DatabaseConnection,
    outbox: Outbox,
    statuses: StatusClient,
    keep_after_close: chrono::Duration,
    every: Duration,
}

impl ContactRetention {
    pub fn new(
        db: DatabaseConnection,
        outbox: Outbox,
        statuses: StatusClient,
        keep_after_close: chrono::Duration,
        every: Duration,
    ) -> Self {
        Self {
            db,
            outbox,
            statuses,
            keep_after_close,
            every,
        }
    }

    /// Sweeps every `every` until the service stops. A failed sweep (status down)
    /// is tried again at the next.
    pub async fn run(self) {
        let mut ticks = tokio::time::interval(self.every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match self.sweep(Utc::now()).await {
                Ok(0) => {}
                Ok(erased) => tracing::info!(erased, "contacts of closed reports erased"),
                Err(error) => tracing::warn!(%error, "contact retention postponed"),
            }
        }
    }

    /// Erases the contacts of reports closed for longer than the retention time at
    /// `now`; returns how many reports lost them.
    pub async fn sweep(&self, now: DateTime<Utc>) -> Result<usize, AppError> {
        let closed_before = now - self.keep_after_close;
        reporter_data::forget_replies_finished_before(&self.db, closed_before).await?;
        let mut erased = 0;
        for channel in Channel::ALL {
            let mut after = None;
            loop {
                let page = reporter_data::reachable_reports(
                    &self.db,
                    channel,
                    closed_before,
                    after.as_ref(),
                    PAGE,
                )
                .await?;
                let Some(last) = page.last().cloned() else {
                    break;
                };
                let full = page.len() as u64 == PAGE;
                let due = self.closed_before(page, closed_before).await?;
                if !due.is_empty() {
                    erased += due.len();
                    let txn = self.db.begin().await?;
                    let records = reporter_data::of_reports(&txn, channel, due).await?;
                    erase(
                        &txn,
                        &self.outbox,
                        &records,
                        ReporterAction::Retention,
                        RETENTION_OPERATOR,
                    )
                    .await?;
                    txn.commit().await?;
                    self.outbox.wake();
                }
                if !full {
                    break;
                }
                after = Some(last);
            }
        }
        Ok(erased)
    }

    /// Those of `reports` that status says closed before `time`.
    async fn closed_before(
        &self,
        reports: Vec<reporter_data::ReporterReport>,
        time: DateTime<Utc>,
    ) -> Result<Vec<reporter_data::ReporterReport>, AppError> {
        let codes: Vec<TrackingCode> = reports
            .iter()
            .filter_map(|r| TrackingCode::parse(&r.tracking_code).ok())
            .collect();
        let closed: HashMap<String, bool> = self
            .statuses
            .batch(&codes, "en")
            .await?
            .into_iter()
            .map(|s| {
                let due = !s.state.is_open() && s.updated_at.is_some_and(|at| at <= time);
                (s.tracking_code, due)
            })
            .collect();
        Ok(reports
            .into_iter()
            .filter(|r| closed.get(&r.tracking_code).copied().unwrap_or(false))
            .collect())
    }
}
