//! After a resolution the reporter is asked, on their channel, whether the problem is
//! really fixed. Their answer — a button on Telegram and WhatsApp, or words in Italian
//! or English anywhere — is announced once as `ReporterFeedbackReceived`; tracking
//! reopens or closes the work order from it. An answer to a question already answered,
//! or to one the report has moved past, is thanked and announced no more.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{DatabaseTransaction, DbErr, TransactionTrait};
use segnala_shared::AppError;
use uuid::Uuid;

use super::{Channels, replies};
use crate::{
    channels::{
        domain::{
            ButtonPress, Choice, IncomingMessage, Question, QuestionState, ReporterRoute, words,
        },
        platforms::outgoing,
        store::{conversations, questions as store},
    },
    domain::Channel,
    events,
};

/// How long after the question words are taken as its answer. Buttons work as long as
/// the question is open.
const ANSWER_WITHIN: Duration = Duration::days(14);

/// Data of the question's buttons: `fb:{question}:{y|n}`, well within Telegram's 64 bytes.
fn button_data(question: Uuid, fixed: bool) -> String {
    format!("fb:{}:{}", question.simple(), if fixed { 'y' } else { 'n' })
}

fn parse_button(data: &str) -> Option<(Uuid, bool)> {
    let rest = data.strip_prefix("fb:")?;
    let (id, answer) = rest.split_once(':')?;
    let fixed = match answer {
        "y" => true,
        "n" => false,
        _ => return None,
    };
    Some((Uuid::parse_str(id).ok()?, fixed))
}

/// The resolution a question is about.
pub struct Resolution<'a> {
    pub report_id: Uuid,
    pub tracking_code: &'a str,
    /// The status version that announced it.
    pub status_version: i64,
    pub resolved_at: Option<DateTime<Utc>>,
}

impl Channels {
    /// Within `txn`: records the question about `resolution` for the reporter reached
    /// along `route`, and returns its buttons; `None` when it was asked already (the
    /// same event delivered again).
    pub(super) async fn ask_if_fixed(
        &self,
        txn: &DatabaseTransaction,
        resolution: Resolution<'_>,
        route: &ReporterRoute,
        channel: Channel,
    ) -> Result<Option<Vec<Choice>>, DbErr> {
        let question = Question {
            id: Uuid::now_v7(),
            report_id: resolution.report_id,
            tracking_code: resolution.tracking_code.to_owned(),
            channel,
            sender: route.sender.clone().unwrap_or_default(),
            language: route.language,
            status_version: resolution.status_version,
            resolved_at: resolution.resolved_at,
            asked_at: Utc::now(),
            state: QuestionState::Open,
        };
        if !store::ask(txn, &question).await? {
            return Ok(None);
        }
        let [yes, no] = replies::fixed_labels(route.language);
        Ok(Some(vec![
            Choice {
                label: yes.to_owned(),
                data: button_data(question.id, true),
            },
            Choice {
                label: no.to_owned(),
                data: button_data(question.id, false),
            },
        ]))
    }

    /// Within `txn`: the report moved on at status version `version` (work started
    /// again, reopened, rejected): questions about earlier resolutions are closed.
    pub(super) async fn report_moved_on(
        &self,
        txn: &DatabaseTransaction,
        report_id: Uuid,
        version: i64,
    ) -> Result<(), DbErr> {
        let closed = store::close_before(txn, report_id, version).await?;
        if closed > 0 {
            tracing::debug!(%report_id, closed, "questions about an earlier resolution closed");
        }
        Ok(())
    }

    /// A button the citizen pressed. Buttons the bot does not know, or pressed in
    /// another chat, are acknowledged and change nothing.
    pub(super) async fn answer_button(
        &self,
        message: &IncomingMessage,
        press: &ButtonPress,
    ) -> Result<(), AppError> {
        let question = match parse_button(&press.data) {
            Some((id, fixed)) => store::get(&self.db, id)
                .await?
                .filter(|q| {
                    q.channel == message.channel
                        && (q.sender.is_empty() || q.sender == message.sender)
                })
                .map(|q| (q, fixed)),
            None => None,
        };
        let txn = self.db.begin().await?;
        if let Some(id) = &press.callback_query_id {
            self.deliveries
                .enqueue(
                    &txn,
                    outgoing::answer_button(format!("button/{}", message.message_id), id),
                )
                .await?;
        }
        match question {
            Some((question, fixed)) => self.take_answer(txn, message, question, fixed, None).await,
            None => {
                tracing::debug!(
                    channel = message.channel.as_str(),
                    "a button press that answers no question of this chat, ignored"
                );
                conversations::mark_seen(&txn, message.channel, &message.message_id).await?;
                txn.commit().await?;
                self.deliveries.wake();
                Ok(())
            }
        }
    }

    /// Words that answer "is it fixed?", when the sender was asked lately; true when
    /// they were taken as the answer (or as a second answer to the same question).
    pub(super) async fn answer_in_words(
        &self,
        message: &IncomingMessage,
        text: &str,
    ) -> Result<bool, AppError> {
        let Some(fixed) = words::verdict(text) else {
            return Ok(false);
        };
        let since = Utc::now() - ANSWER_WITHIN;
        let Some(question) =
            store::latest_for(&self.db, message.channel, &message.sender, since).await?
        else {
            return Ok(false);
        };
        // Once the question is answered or closed, only a short answer is taken as
        // about it: more words may well be a new report.
        if question.state != QuestionState::Open && !words::is_short_answer(text) {
            return Ok(false);
        }
        let txn = self.db.begin().await?;
        let reason = words::reason(text);
        self.take_answer(txn, message, question, fixed, reason.as_deref())
            .await?;
        Ok(true)
    }

    /// Within `txn`: announces the answer once, and thanks the citizen; then commits.
    async fn take_answer(
        &self,
        txn: DatabaseTransaction,
        message: &IncomingMessage,
        question: Question,
        fixed: bool,
        reason: Option<&str>,
    ) -> Result<(), AppError> {
        let (language, code) = (question.language, question.tracking_code.as_str());
        let now = Utc::now();
        let text = match question.state {
            QuestionState::Open if store::answer(&txn, question.id, now).await? => {
                let event = events::reporter_feedback_received(
                    code,
                    fixed,
                    reason.unwrap_or_default(),
                    message.channel,
                    question.resolved_at,
                    now,
                );
                self.outbox.record(&txn, &event).await?;
                tracing::info!(tracking_code = code, fixed, "reporter feedback taken in");
                replies::thanks_for_feedback(language, code, fixed)
            }
            QuestionState::Open | QuestionState::Answered => {
                tracing::debug!(tracking_code = code, "a second answer to the same question");
                replies::already_answered(language, code)
            }
            QuestionState::Closed => {
                tracing::debug!(tracking_code = code, "an answer after the report moved on");
                replies::moved_on(
                    language,
                    code,
                    &replies::status_link(&self.public_url, code),
                )
            }
        };
        let key = format!(
            "feedback/{}/{}",
            message.channel.as_str(),
            message.message_id
        );
        self.answer(txn, message, key, &text).await?;
        self.outbox.wake();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_data_names_the_question_and_the_answer() {
        let id = Uuid::now_v7();
        let yes = button_data(id, true);
        assert!(yes.len() <= 64, "{yes}");
        assert_eq!(parse_button(&yes), Some((id, true)));
        assert_eq!(parse_button(&button_data(id, false)), Some((id, false)));
        assert_eq!(parse_button("fb:nope:y"), None);
        assert_eq!(parse_button(&format!("fb:{}:maybe", id.simple())), None);
        assert_eq!(parse_button("something else"), None);
    }
}
