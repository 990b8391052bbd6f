//! Replies that follow events: a report's public state changed, triage saw an
//! emergency, an operator published an alert. Each reply is queued in the same
//! transaction as the inbox entry, under a key unique to what it says, so a
//! redelivered event never sends twice.

use async_trait::async_trait;
use sea_orm::DatabaseTransaction;
use segnala_proto::{
    status::v1::{AlertPublished, PublicState, ReportStatusChanged},
    triage::v1::EmergencyDetected,
};
use segnala_shared::{
    messaging::{EventContext, EventHandler, HandlerError},
    tracking_code::TrackingCode,
};

use super::{Channels, outgoing, replies, store};
use crate::{domain::Channel, events, store::ReportStore};

/// What a reply is about, and what it says.
struct Reply {
    key: String,
    text: String,
}

impl Channels {
    /// Queues `compose`'s reply to the reporter of `tracking_code`, when the report
    /// came from a channel intake can answer on.
    async fn reply_to_reporter(
        &self,
        txn: &DatabaseTransaction,
        tracking_code: &str,
        compose: impl FnOnce(super::message::Language, &str) -> Option<Reply>,
    ) -> Result<(), HandlerError> {
        let code = TrackingCode::parse(tracking_code).map_err(|_| {
            HandlerError::Permanent(format!("`{tracking_code}` is not a tracking code"))
        })?;
        let Some(report) = ReportStore.by_tracking_code(txn, &code).await? else {
            tracing::warn!(%tracking_code, "no such report here; nobody to answer");
            return Ok(());
        };
        let Some(route) = store::route_of(txn, report.id).await? else {
            return if report.channel.has_replies() {
                // Its route is written right after the report: not there yet.
                Err(HandlerError::Transient(format!(
                    "report {tracking_code} has no reply route yet"
                )))
            } else {
                Ok(())
            };
        };
        let Some(reply) = compose(route.language, code.as_str()) else {
            return Ok(());
        };
        self.deliveries
            .enqueue(
                txn,
                outgoing::reply(reply.key, &route.route, &reply.text, &self.settings),
            )
            .await?;
        Ok(())
    }
}

#[async_trait]
impl EventHandler<ReportStatusChanged> for Channels {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: ReportStatusChanged,
        _context: &EventContext,
    ) -> Result<(), HandlerError> {
        // A report from a channel without replies needs no lookup; an event that does
        // not name its channel is looked up.
        let channel = Channel::ALL
            .into_iter()
            .find(|channel| events::channel(*channel) as i32 == event.channel);
        if channel.is_some_and(|channel| !channel.has_replies()) {
            return Ok(());
        }
        let state = PublicState::try_from(event.state).unwrap_or(PublicState::Unspecified);
        self.reply_to_reporter(txn, &event.tracking_code, |language, code| {
            let link = if event.status_url.is_empty() {
                replies::status_link(&self.public_url, code)
            } else {
                event.status_url.clone()
            };
            Some(Reply {
                key: format!("status/{code}/v{}", event.version),
                text: replies::status_changed(language, code, state, &event.message, &link)?,
            })
        })
        .await
    }
}

#[async_trait]
impl EventHandler<EmergencyDetected> for Channels {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: EmergencyDetected,
        _context: &EventContext,
    ) -> Result<(), HandlerError> {
        self.reply_to_reporter(txn, &event.tracking_code, |language, code| {
            Some(Reply {
                key: format!("emergency/{code}"),
                text: replies::emergency(language, code),
            })
        })
        .await
    }
}

#[async_trait]
impl EventHandler<AlertPublished> for Channels {
    async fn handle(
        &self,
        txn: &DatabaseTransaction,
        event: AlertPublished,
        _context: &EventContext,
    ) -> Result<(), HandlerError> {
        let text = replies::alert(&event.title, &event.body);
        if text.is_empty() {
            return Err(HandlerError::Permanent(format!(
                "alert {} has neither title nor body",
                event.alert
            )));
        }
        for request in outgoing::broadcast(&format!("alert/{}", event.alert), &text, &self.settings)
        {
            self.deliveries.enqueue(txn, request).await?;
        }
        Ok(())
    }
}
