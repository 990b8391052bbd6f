//! The short conversation that turns one or two messages into a report: a message
//! without a place makes the bot ask for it (and one with only a place, for the
//! problem); the sender's next message completes the same report when it can be the
//! missing detail, and the bot answers with the tracking code and the status link. A
//! message that cannot be that detail (a thank-you, a voice message, a post outside
//! the thread) is ignored or answered for what it is. Commands: `/start`,
//! `/stato CODE`, `/status CODE`.

use chrono::Utc;
use sea_orm::{DatabaseTransaction, TransactionTrait};
use segnala_shared::{
    AppError, FieldViolation, lang::Lang, place::Place, tracking_code::TrackingCode,
};

use super::{Channels, replies};
use crate::{
    channels::{
        domain::{IncomingMessage, PendingReport, coordinates_in, language_of, words},
        platforms::outgoing,
        store::conversations as store,
    },
    domain::{GeoPoint, PublicState, ReportDraft, ReporterContact, StatusStep},
};

enum Command {
    Start,
    Status(Option<String>),
}

impl Command {
    /// `/start`, `/stato CODE` or `/status CODE` (`/stato@CityBot CODE` in groups).
    fn parse(text: &str) -> Option<(Self, Option<Lang>)> {
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
            "stato" => Some((Self::Status(argument), Some(Lang::It))),
            "status" => Some((Self::Status(argument), Some(Lang::En))),
            _ => None,
        }
    }
}

/// What the latest message added to a waiting report.
#[derive(Default)]
struct Progress {
    /// The problem was described in this message.
    described: bool,
    /// Something the report lacked came with it (a description, a place, a photo).
    advanced: bool,
}

impl Channels {
    /// Takes in one message. The same message delivered again changes nothing.
    pub async fn receive(&self, message: IncomingMessage) -> Result<(), AppError> {
        let channel = message.channel.as_str();
        if store::was_seen(&self.db, message.channel, &message.message_id).await? {
            tracing::debug!(channel, "message already taken in");
            return Ok(());
        }
        if let Some(press) = &message.button {
            return self.answer_button(&message, press).await;
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
                .and_then(Lang::parse)
                .or(language)
                .unwrap_or_default();
            return self.command(&message, command, language).await;
        }
        if let Some(text) = text
            && self.answer_in_words(&message, text).await?
        {
            return Ok(());
        }
        let mut pending =
            store::pending(&self.db, message.channel, &message.sender, Utc::now()).await?;
        if pending.is_some() && !message.in_thread {
            tracing::debug!(channel, "a post outside the bot's thread: it starts afresh");
            pending = None;
        }
        let language = pending.as_ref().map_or_else(
            || language_of(message.language_hint.as_deref(), text),
            |p| p.language,
        );
        if !message.has_content() {
            return self.unreadable(&message, language).await;
        }
        let located = message.location.or_else(|| text.and_then(coordinates_in));
        if let Some(point) = located
            && self.outside_city(point)
        {
            // Refused now, in their words; what they described still waits for a
            // place in the city.
            let text = replies::outside_city(language, &self.jurisdiction.name);
            return self.say(&message, "outside", &text).await;
        }
        let (report, address, progress) = match pending {
            Some(pending) => continue_report(pending, &message, text, located),
            None => {
                let description = text.filter(|t| words::can_describe(t));
                if description.is_none() && located.is_none() && message.photos.is_empty() {
                    return self
                        .say(&message, "small-talk", &replies::small_talk(language))
                        .await;
                }
                // A public post that mentions the city is mostly not a report: chatter
                // starts no conversation on the timeline.
                if message.channel.is_public_timeline()
                    && let Some(description) = description
                    && let Some(answer) = self
                        .safety
                        .look(description, language.code(), true)
                        .await
                        .not_a_report
                {
                    return self.not_a_report(&message, &answer).await;
                }
                let report = PendingReport {
                    first_message_id: message.message_id.clone(),
                    description: description.map(str::to_owned),
                    location: located,
                    language,
                    contact: message.contact.clone(),
                    photos: message.photos.clone(),
                };
                let progress = Progress {
                    described: report.description.is_some(),
                    advanced: true,
                };
                (report, None, progress)
            }
        };
        if report.description.is_some() && (report.location.is_some() || address.is_some()) {
            self.complete(&message, report, address).await
        } else {
            self.ask_for_more(&message, report, progress).await
        }
    }

    /// Answers a mention that is not a report, or leaves it alone when the city
    /// chose so; either way it is taken in once.
    async fn not_a_report(&self, message: &IncomingMessage, answer: &str) -> Result<(), AppError> {
        tracing::debug!(
            channel = message.channel.as_str(),
            "a mention that is not a report"
        );
        if self.settings.conversation.answer_turned_away_mentions {
            return self.say(message, "not-a-report", answer).await;
        }
        let txn = self.db.begin().await?;
        store::mark_seen(&txn, message.channel, &message.message_id).await?;
        txn.commit().await?;
        Ok(())
    }

    fn outside_city(&self, point: GeoPoint) -> bool {
        self.jurisdiction.locate(point.latitude, point.longitude) == Place::Outside
    }

    /// A message with nothing a report can be made of: a voice message or a file is
    /// answered with what the bot can read; a sticker or a reaction is left alone.
    async fn unreadable(&self, message: &IncomingMessage, language: Lang) -> Result<(), AppError> {
        match message.unreadable {
            Some(kind) if kind.deserves_an_answer() => {
                tracing::debug!(
                    channel = message.channel.as_str(),
                    kind = kind.as_str(),
                    "a message the bot cannot read; told what it can"
                );
                self.say(message, "unreadable", &replies::can_read(language))
                    .await
            }
            kind => {
                tracing::debug!(
                    channel = message.channel.as_str(),
                    kind = kind.map_or("empty", |k| k.as_str()),
                    "a message with nothing to read, ignored"
                );
                let txn = self.db.begin().await?;
                store::mark_seen(&txn, message.channel, &message.message_id).await?;
                txn.commit().await?;
                Ok(())
            }
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
            store::save_route(&txn, report_id, &message.route, language, &message.sender).await?;
        }
        store::end_conversation(&txn, message.channel, &message.sender).await?;
        self.answer(txn, message, key, &text).await
    }

    async fn ask_for_more(
        &self,
        message: &IncomingMessage,
        pending: PendingReport,
        progress: Progress,
    ) -> Result<(), AppError> {
        let language = pending.language;
        let mut question = match (&pending.description, pending.location) {
            (Some(_), _) if progress.advanced => replies::ask_location(language),
            (Some(_), _) => replies::ask_location_again(language),
            (None, Some(_)) => replies::ask_description(language),
            (None, None) => replies::ask_about_photo(language),
        };
        // Danger to people is answered at once; where it is can be asked after.
        if progress.described
            && let Some(description) = &pending.description
            && let Some(advice) = self.safety.advice(description, language.code()).await
        {
            question = format!("{advice}\n\n{question}");
        }
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
        language: Lang,
    ) -> Result<(), AppError> {
        let text = match command {
            Command::Start | Command::Status(None) => replies::welcome(language),
            Command::Status(Some(code)) => match TrackingCode::parse(&code) {
                Ok(parsed) => match self.reports.get(&parsed).await {
                    Ok(report) => self.status_of(&report.tracking_code, language).await,
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

    /// Where the report stands, its expected date and its link, from the status
    /// service; only the link when status cannot say in time.
    async fn status_of(&self, code: &TrackingCode, language: Lang) -> String {
        let code_text = code.to_string();
        let link = replies::status_link(&self.public_url, &code_text);
        let looked_up = tokio::time::timeout(
            STATUS_WITHIN,
            self.statuses
                .batch(std::slice::from_ref(code), language.code()),
        )
        .await;
        let status = match looked_up {
            Ok(Ok(mut found)) => found.pop(),
            Ok(Err(error)) => {
                tracing::warn!(%error, "status could not be read for a /stato command");
                return replies::status_lookup(language, &code_text, &link);
            }
            Err(_) => {
                tracing::warn!(within = ?STATUS_WITHIN, "status did not answer a /stato command in time");
                return replies::status_lookup(language, &code_text, &link);
            }
        };
        let last = status.as_ref().and_then(|s| s.notes.last());
        let note = match (&status, last) {
            (_, Some(step)) if !step.note.is_empty() => step.note.clone(),
            (Some(status), _) => status.reason.clone(),
            _ => String::new(),
        };
        let news = replies::StatusNews {
            code: &code_text,
            // Not projected yet: it was received.
            state: status.as_ref().map_or(PublicState::Received, |s| s.state),
            step: last.map_or(StatusStep::Unspecified, |s| s.step),
            note: &note,
            expected_at: status
                .as_ref()
                .and_then(|s| s.expected_at)
                .map(|at| at.with_timezone(&self.time_zone)),
            link: &link,
        };
        replies::status_now(language, &news)
    }

    /// Queues `text` back to the sender of `message`, about nothing but that message.
    async fn say(&self, message: &IncomingMessage, what: &str, text: &str) -> Result<(), AppError> {
        let txn = self.db.begin().await?;
        let key = format!("{what}/{}/{}", message.channel.as_str(), message.message_id);
        self.answer(txn, message, key, text).await
    }

    /// Within `txn`: records `message` as taken in and queues `text` back to its
    /// sender under `key`; then commits.
    pub(super) async fn answer(
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
                outgoing::reply(key, &message.route, text, &[], &self.settings),
            )
            .await?;
        txn.commit().await?;
        self.deliveries.wake();
        Ok(())
    }
}

/// How long a `/stato` command waits for the status service.
const STATUS_WITHIN: std::time::Duration = std::time::Duration::from_secs(3);

/// The waiting report with what `message` adds that can be its missing detail: a
/// description when it lacked one, a place (a location, coordinates, or words that say
/// where) when it lacked that. Anything else is left out.
fn continue_report(
    pending: PendingReport,
    message: &IncomingMessage,
    text: Option<&str>,
    located: Option<GeoPoint>,
) -> (PendingReport, Option<String>, Progress) {
    let mut report = pending;
    let mut progress = Progress::default();
    let mut address = None;
    match (&report.description, text) {
        (None, Some(text)) if words::can_describe(text) => {
            report.description = Some(text.to_owned());
            progress.described = true;
            progress.advanced = true;
        }
        (Some(_), Some(text)) if located.is_none() && words::can_be_address(text) => {
            address = Some(text.to_owned());
            progress.advanced = true;
        }
        _ => {}
    }
    if located.is_some() {
        report.location = located;
        progress.advanced = true;
    }
    if !message.photos.is_empty() {
        report.photos.extend(message.photos.iter().cloned());
        progress.advanced = true;
    }
    report.contact = merge_contact(report.contact, &message.contact);
    (report, address, progress)
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
