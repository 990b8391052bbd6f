//! Replies that follow events: a report's public state changed, triage saw an
//! emergency, an operator published an alert. Each reply is queued in the same
//! transaction as the inbox entry, under a key unique to what it says, so a
//! redelivered event never sends twice.

use async_trait::async_trait;
use sea_orm::DatabaseTransaction;
use segnala_shared::{
    messaging::{BatchHandler, Delivered, HandlerError},
    tracking_code::TrackingCode,
};
use tracing::Instrument;

use super::{Channels, feedback, replies};
use crate::{
    channels::{
        domain::{Choice, ReporterRoute},
        platforms::outgoing,
        store::conversations as store,
    },
    domain::{Alert, Notice, PublicState, Report, StatusChange},
};

/// Answers the notices of a delivered batch one by one, each in its message's span;
/// what they queue commits with the batch.
#[async_trait]
impl BatchHandler for Channels {
    type Item = Delivered<Notice>;
    type Batch = ();
    type Output = ();

    /// Nothing to read first: each notice looks up the one report it is about.
    async fn load(
        &self,
        _txn: &DatabaseTransaction,
        _notices: &[Delivered<Notice>],
    ) -> Result<(), HandlerError> {
        Ok(())
    }

    async fn apply(
        &self,
        txn: &DatabaseTransaction,
        _batch: &mut (),
        (notice, context): Delivered<Notice>,
    ) -> Result<(), HandlerError> {
        let answered = async {
            match notice {
                Notice::StatusChanged(change) => self.status_changed(txn, change).await,
                Notice::Emergency { tracking_code } => self.emergency(txn, &tracking_code).await,
                Notice::Alert(alert) => self.alert(txn, alert).await,
            }
        };
        answered.instrument(context.span).await
    }

    async fn flush(&self, _txn: &DatabaseTransaction, _batch: ()) -> Result<(), HandlerError> {
        Ok(())
    }
}

impl Channels {
    /// The report of `tracking_code` and how to answer its reporter, when it came from a
    /// channel intake can answer on.
    async fn reporter_of(
        &self,
        txn: &DatabaseTransaction,
        tracking_code: &str,
    ) -> Result<Option<(Report, ReporterRoute)>, HandlerError> {
        let code = TrackingCode::parse(tracking_code).map_err(|_| {
            HandlerError::Permanent(format!("`{tracking_code}` is not a tracking code"))
        })?;
        let Some(report) = self.reports.find_in(txn, &code).await? else {
            tracing::warn!(%tracking_code, "no such report here; nobody to answer");
            return Ok(None);
        };
        match store::route_of(txn, report.id).await? {
            Some(route) => Ok(Some((report, route))),
            // Its route is written right after the report: not there yet.
            None if report.channel.has_replies() => Err(HandlerError::Transient(format!(
                "report {tracking_code} has no reply route yet"
            ))),
            None => Ok(None),
        }
    }

    /// Queues `text` (with `choices` as buttons) to the reporter along `route`.
    async fn tell(
        &self,
        txn: &DatabaseTransaction,
        key: String,
        route: &ReporterRoute,
        text: &str,
        choices: &[Choice],
    ) -> Result<(), HandlerError> {
        self.deliveries
            .enqueue(
                txn,
                outgoing::reply(key, &route.route, text, choices, &self.settings),
            )
            .await?;
        Ok(())
    }

    /// Tells the reporter where their report now stands; after a resolution, asks
    /// whether it is fixed.
    async fn status_changed(
        &self,
        txn: &DatabaseTransaction,
        change: StatusChange,
    ) -> Result<(), HandlerError> {
        // A report from a channel without replies needs no lookup; a change that does
        // not name its channel is looked up.
        if change.channel.is_some_and(|channel| !channel.has_replies()) {
            return Ok(());
        }
        let Some((report, route)) = self.reporter_of(txn, &change.tracking_code).await? else {
            return Ok(());
        };
        if change.state == PublicState::Rejected
            && report.channel.is_public_timeline()
            && !self.settings.conversation.answer_turned_away_mentions
        {
            return Ok(());
        }
        let code = report.tracking_code.to_string();
        let link = change
            .status_url
            .clone()
            .unwrap_or_else(|| replies::status_link(&self.public_url, &code));
        let news = replies::StatusNews {
            code: &code,
            state: change.state,
            step: change.step,
            note: &change.note,
            expected_at: change
                .expected_at
                .map(|at| at.with_timezone(&self.time_zone)),
            link: &link,
        };
        let Some(mut text) = replies::status_changed(route.language, &news) else {
            return Ok(());
        };
        let mut choices = Vec::new();
        match change.state {
            PublicState::Resolved => {
                let resolution = feedback::Resolution {
                    report_id: report.id,
                    tracking_code: &code,
                    status_version: change.version,
                    resolved_at: change.changed_at,
                };
                if let Some(buttons) = self
                    .ask_if_fixed(txn, resolution, &route, report.channel)
                    .await?
                {
                    choices = buttons;
                }
                text = format!("{text}\n\n{}", replies::ask_if_fixed(route.language));
            }
            // A closed report may still be "not fixed"; any other step is the report
            // moving past its resolution.
            PublicState::Closed => {}
            _ => self.report_moved_on(txn, report.id, change.version).await?,
        }
        let key = format!("status/{code}/v{}", change.version);
        self.tell(txn, key, &route, &text, &choices).await
    }

    /// Tells the reporter that their report went on with priority, and whom to call.
    async fn emergency(
        &self,
        txn: &DatabaseTransaction,
        tracking_code: &str,
    ) -> Result<(), HandlerError> {
        let Some((report, route)) = self.reporter_of(txn, tracking_code).await? else {
            return Ok(());
        };
        let code = report.tracking_code.to_string();
        let text = replies::emergency(route.language, &code);
        self.tell(txn, format!("emergency/{code}"), &route, &text, &[])
            .await
    }

    /// Publishes an alert on every channel configured for broadcasts.
    async fn alert(&self, txn: &DatabaseTransaction, alert: Alert) -> Result<(), HandlerError> {
        let text = replies::alert(&alert.titles, &alert.bodies);
        if text.is_empty() {
            return Err(HandlerError::Permanent(format!(
                "alert {} has neither title nor body",
                alert.id
            )));
        }
        for request in outgoing::broadcast(&format!("alert/{}", alert.id), &text, &self.settings) {
            self.deliveries.enqueue(txn, request).await?;
        }
        Ok(())
    }
}
