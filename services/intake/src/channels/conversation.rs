//! The short conversation that turns one or two messages into a report: a message
//! without a place makes the bot ask for it (and one with only a place, for the
//! problem); the sender's next message completes the same report, and the bot answers
//! with the tracking code and the status link. Commands: `/start`, `/stato CODE`,
//! `/status CODE`.

use chrono::Utc;
use sea_orm::{DatabaseTransaction, TransactionTrait};
use segnala_shared::{AppError, FieldViolation, tracking_code::TrackingCode};

use super::{
    Channels,
    message::{IncomingMessage, Language, coordinates_in},
    outgoing, replies,
    store::{self, PendingReport},
};
use crate::domain::{ReportDraft, ReporterContact};

enum Command {
    Start,
    Status(Option<String>),
}

impl Command {
    /// `/start`, `/stato CODE` or `/status CODE` (`/stato@CityBot CODE` in groups).
    fn parse(text: &str) -> Option<(Self, Option<Language>)> {
        let mut words = text.split_whitespace();
        let head = words.next()?.strip_prefix('/')?;
        let name = head
            .split('@')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let argument = words.next().map(str::to_owned);
        match name.as_str() {
            "start" => Some((Self::Start, None)),
            "stato" => Some((Self::Status(argument), Some(Language::Italian))),
            "status" => Some((Self::Status(argument), Some(Language::English))),
            _ => None,
        }
    }
}

impl Channels {
    /// Takes in one message. The same message delivered again changes nothing.
    pub async fn receive(&self, message: IncomingMessage) -> Result<(), AppError> {
        if store::was_seen(&self.db, message.channel, &message.message_id).await? {
            tracing::debug!(
                channel = message.channel.as_str(),
                "message already taken in"
            );
            return Ok(());
        }
        let text = message
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty());
        if let Some((command, language)) = text.and_then(Command::parse) {
            let language = message
                .language_hint
                .as_deref()
                .and_then(Language::from_code)
                .or(language)
                .unwrap_or(Language::Italian);
            return self.command(&message, command, language).await;
        }
        let now = Utc::now();
        let pending = store::pending(&self.db, message.channel, &message.sender, now).await?;
        let located = message.location.or_else(|| text.and_then(coordinates_in));
        let report = match pending {
            Some(pending) => {
                // A text answering "where?" is the address, unless it holds coordinates.
                let address = (pending.description.is_some() && located.is_none())
                    .then(|| text.map(str::to_owned))
                    .flatten();
                let description = pending.description.or_else(|| text.map(str::to_owned));
                let mut photos = pending.photos;
                photos.extend(message.photos.iter().cloned());
                let report = PendingReport {
                    first_message_id: pending.first_message_id,
                    description,
                    location: located.or(pending.location),
                    language: pending.language,
                    contact: merge_contact(pending.contact, &message.contact),
                    photos,
                };
                (report, address)
            }
            None => (
                PendingReport {
                    first_message_id: message.message_id.clone(),
                    description: text.map(str::to_owned),
                    location: located,
                    language: Language::detect(message.language_hint.as_deref(), text),
                    contact: message.contact.clone(),
                    photos: message.photos.clone(),
                },
                None,
            ),
        };
        match report {
            (report, address)
                if report.description.is_some()
                    && (report.location.is_some() || address.is_some()) =>
            {
                self.complete(&message, report, address).await
            }
            (report, _) => self.ask_for_more(&message, report).await,
        }
    }

    async fn complete(
        &self,
        message: &IncomingMessage,
        pending: PendingReport,
        address: Option<String>,
    ) -> Result<(), AppError> {
        let language = pending.language;
        // Fetched before anything is stored: a platform that cannot be reached now
        // delivers the message again later.
        let media = self.photos.fetch(&pending.photos).await?;
        let draft = ReportDraft {
            description: pending.description.unwrap_or_default(),
            location: pending.location,
            address,
            channel: message.channel,
            // The conversation's first message: the same post delivered again is
            // recognised as this report.
            external_id: Some(pending.first_message_id),
            reporter: pending.contact,
            service_code: None,
            language_code: Some(language.code().to_owned()),
            media,
            ..ReportDraft::default()
        };
        let (key, text, report_id) = match self.reports.create(draft, None).await {
            Ok(report) => {
                let code = report.tracking_code.to_string();
                let link = replies::status_link(&self.public_url, &code);
                (
                    format!("accepted/{code}"),
                    replies::accepted(language, &code, &link),
                    Some(report.id),
                )
            }
            Err(AppError::InvalidArgument(violations)) => (
                format!(
                    "rejected/{}/{}",
                    message.channel.as_str(),
                    message.message_id
                ),
                replies::rejected_input(language, &describe(&violations)),
                None,
            ),
            Err(other) => return Err(other),
        };
        let txn = self.db.begin().await?;
        if let Some(report_id) = report_id {
            store::save_route(&txn, report_id, &message.route, language).await?;
        }
        store::end_conversation(&txn, message.channel, &message.sender).await?;
        self.answer(txn, message, key, &text).await
    }

    async fn ask_for_more(
        &self,
        message: &IncomingMessage,
        pending: PendingReport,
    ) -> Result<(), AppError> {
        let question = if pending.description.is_some() {
            replies::ask_location(pending.language)
        } else {
            replies::ask_description(pending.language)
        };
        let expires_at = chrono::Duration::from_std(self.settings.conversation.expiry())
            .ok()
            .and_then(|wait| Utc::now().checked_add_signed(wait))
            .unwrap_or(chrono::DateTime::<Utc>::MAX_UTC);
        let txn = self.db.begin().await?;
        store::save_pending(&txn, message.channel, &message.sender, &pending, expires_at).await?;
        let key = format!("ask/{}/{}", message.channel.as_str(), message.message_id);
        self.answer(txn, message, key, &question).await
    }

    async fn command(
        &self,
        message: &IncomingMessage,
        command: Command,
        language: Language,
    ) -> Result<(), AppError> {
        let text = match command {
            Command::Start | Command::Status(None) => replies::welcome(language),
            Command::Status(Some(code)) => match TrackingCode::parse(&code) {
                Ok(parsed) => match self.reports.get(&parsed).await {
                    Ok(report) => {
                        let code = report.tracking_code.to_string();
                        let link = replies::status_link(&self.public_url, &code);
                        replies::status_lookup(language, &code, &link)
                    }
                    Err(AppError::NotFound { .. }) => replies::unknown_code(language, &code),
                    Err(other) => return Err(other),
                },
                Err(_) => replies::unknown_code(language, &code),
            },
        };
        let txn = self.db.begin().await?;
        let key = format!(
            "command/{}/{}",
            message.channel.as_str(),
            message.message_id
        );
        self.answer(txn, message, key, &text).await
    }

    /// Within `txn`: records `message` as taken in and queues `text` back to its
    /// sender under `key`; then commits.
    async fn answer(
        &self,
        txn: DatabaseTransaction,
        message: &IncomingMessage,
        key: String,
        text: &str,
    ) -> Result<(), AppError> {
        store::mark_seen(&txn, message.channel, &message.message_id).await?;
        self.deliveries
            .enqueue(
                &txn,
                outgoing::reply(key, &message.route, text, &self.settings),
            )
            .await?;
        txn.commit().await?;
        self.deliveries.wake();
        Ok(())
    }
}

/// What the latest message says of the sender wins; the rest is kept.
fn merge_contact(kept: ReporterContact, latest: &ReporterContact) -> ReporterContact {
    ReporterContact {
        display_name: latest.display_name.clone().or(kept.display_name),
        email: latest.email.clone().or(kept.email),
        phone: latest.phone.clone().or(kept.phone),
        handle: latest.handle.clone().or(kept.handle),
    }
}

/// "description: must be at most 4000 characters", for the citizen.
fn describe(violations: &[FieldViolation]) -> String {
    violations
        .iter()
        .map(|v| {
            let field = v.field.rsplit('.').next().unwrap_or(&v.field);
            format!("{field}: {}", v.description)
        })
        .collect::<Vec<_>>()
        .join("; ")
}
