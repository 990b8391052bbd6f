//! Everything intake keeps of one reporter, across its tables: found, copied out and
//! erased together. Plain statements over the tables by name, because the data sits
//! in the reports' tables and the channels' alike.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbBackend, DbErr, QueryResult, Statement, Value};
use segnala_shared::db::placeholder;
use serde_json::Value as Json;
use uuid::Uuid;

use crate::domain::{Channel, GeoPoint, Identities, Reporter};

/// One of the reporter's reports, as found.
#[derive(Clone, Debug, PartialEq)]
pub struct ReporterReport {
    pub id: Uuid,
    pub tracking_code: String,
    pub description: String,
    pub language_code: Option<String>,
    /// Open311 attributes as stored (a JSON object of strings).
    pub attributes: String,
    pub created_at: DateTime<Utc>,
}

/// A report the reporter began in a chat and has not finished.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredConversation {
    pub sender: String,
    pub description: Option<String>,
    pub location: Option<GeoPoint>,
    pub expires_at: DateTime<Utc>,
}

/// A reply to the reporter, sent or waiting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredReply {
    pub seq: i64,
    pub body: String,
    pub state: String,
    pub created_at: DateTime<Utc>,
}

/// A satisfaction question put to the reporter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredQuestion {
    pub id: Uuid,
    pub tracking_code: String,
    pub asked_at: DateTime<Utc>,
    pub state: String,
}

/// All of it, on one channel.
#[derive(Clone, Debug, PartialEq)]
pub struct ReporterRecords {
    pub channel: Channel,
    pub reports: Vec<ReporterReport>,
    pub conversations: Vec<StoredConversation>,
    pub replies: Vec<StoredReply>,
    pub questions: Vec<StoredQuestion>,
}

/// A report's text once anonymised.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnonymousText {
    pub report_id: Uuid,
    pub description: String,
    pub attributes: String,
}

/// Finds everything of `reporter`, oldest first.
pub async fn find<C: ConnectionTrait>(
    db: &C,
    reporter: &Reporter,
) -> Result<ReporterRecords, DbErr> {
    let forms = reporter.identities();
    let channel = reporter.channel.as_str();
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(REPORT_COLUMNS);
    sql.push(
        " LEFT JOIN reporter_contacts c ON c.report_id = r.id \
         LEFT JOIN reply_routes rr ON rr.report_id = r.id WHERE r.channel = ",
    );
    sql.bind(channel);
    sql.push(" AND (rr.sender = ");
    sql.bind(forms.exact.clone());
    sql.push(" OR LOWER(c.email) = ");
    sql.bind(forms.email.clone());
    sql.push(" OR REPLACE(REPLACE(c.phone, ' ', ''), '-', '') = ");
    sql.bind(forms.phone.clone());
    sql.push(" OR LOWER(c.handle) = ");
    sql.bind(forms.handle.clone());
    sql.push(") ORDER BY r.created_at, r.id");
    let reports = report_rows(sql.query(db).await?)?;
    let report_ids: Vec<Value> = reports.iter().map(|r| r.id.into()).collect();
    let names = names(db, Some(&forms), &report_ids).await?;
    Ok(ReporterRecords {
        channel: reporter.channel,
        conversations: find_conversations(db, channel, &names.senders).await?,
        replies: find_replies(db, channel, &names).await?,
        questions: find_questions(db, channel, &names.senders, &report_ids).await?,
        reports,
    })
}

/// Up to `limit` reports on `channel` created before `before` and after `after`, oldest
/// first, whose reporter can still be reached: they have a contact or a reply route.
pub async fn reachable_reports<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    before: DateTime<Utc>,
    after: Option<&ReporterReport>,
    limit: u64,
) -> Result<Vec<ReporterReport>, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(REPORT_COLUMNS);
    sql.push(" WHERE r.channel = ");
    sql.bind(channel.as_str());
    sql.push(" AND r.created_at < ");
    sql.bind(before);
    if let Some(last) = after {
        sql.push(" AND (r.created_at > ");
        sql.bind(last.created_at);
        sql.push(" OR (r.created_at = ");
        sql.bind(last.created_at);
        sql.push(" AND r.id > ");
        sql.bind(last.id);
        sql.push("))");
    }
    sql.push(
        " AND (EXISTS (SELECT 1 FROM reporter_contacts c WHERE c.report_id = r.id) \
         OR EXISTS (SELECT 1 FROM reply_routes rr WHERE rr.report_id = r.id)) \
         ORDER BY r.created_at, r.id LIMIT ",
    );
    sql.bind(i64::try_from(limit).unwrap_or(i64::MAX));
    report_rows(sql.query(db).await?)
}

/// Everything tied to `reports` of `channel` alone: their contacts and reply routes
/// and the questions asked about them. The replies sent along those routes go by
/// their own age ([`forget_replies_finished_before`]), without a search through them.
pub async fn of_reports<C: ConnectionTrait>(
    db: &C,
    channel: Channel,
    reports: Vec<ReporterReport>,
) -> Result<ReporterRecords, DbErr> {
    let report_ids: Vec<Value> = reports.iter().map(|r| r.id.into()).collect();
    let mut questions = Vec::new();
    if !report_ids.is_empty() {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push(QUESTION_COLUMNS);
        sql.push(" WHERE report_id IN (");
        sql.bind_list(report_ids);
        sql.push(")");
        questions = question_rows(sql.query(db).await?)?;
    }
    Ok(ReporterRecords {
        channel,
        conversations: Vec::new(),
        replies: Vec::new(),
        questions,
        reports,
    })
}

/// Deletes the replies sent (or given up on) before `time`: each names its reporter
/// (a chat id, a phone number) and has done its work. Returns how many went.
pub async fn forget_replies_finished_before<C: ConnectionTrait>(
    db: &C,
    time: DateTime<Utc>,
) -> Result<u64, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("DELETE FROM outgoing_deliveries WHERE finished_at IS NOT NULL AND finished_at < ");
    sql.bind(time);
    sql.execute(db).await
}

const REPORT_COLUMNS: &str = "SELECT DISTINCT r.id, r.tracking_code, r.description, \
     r.language_code, r.attributes, r.created_at FROM reports r";

fn report_rows(rows: Vec<QueryResult>) -> Result<Vec<ReporterReport>, DbErr> {
    rows.iter()
        .map(|row| {
            Ok(ReporterReport {
                id: row.try_get("", "id")?,
                tracking_code: row.try_get("", "tracking_code")?,
                description: row.try_get("", "description")?,
                language_code: row.try_get("", "language_code")?,
                attributes: row.try_get("", "attributes")?,
                created_at: row.try_get("", "created_at")?,
            })
        })
        .collect()
}

/// Deletes every record in `records` but the reports, whose texts become `texts` and
/// whose posts' ids are dropped. Returns how many rows changed.
pub async fn erase<C: ConnectionTrait>(
    db: &C,
    records: &ReporterRecords,
    texts: &[AnonymousText],
) -> Result<u64, DbErr> {
    let report_ids: Vec<Value> = records.reports.iter().map(|r| r.id.into()).collect();
    let questions: Vec<Value> = records.questions.iter().map(|q| q.id.into()).collect();
    let replies: Vec<Value> = records.replies.iter().map(|r| r.seq.into()).collect();
    let senders: Vec<Value> = records
        .conversations
        .iter()
        .map(|c| c.sender.clone().into())
        .collect();
    let mut changed = 0;
    for (table, column, keys) in [
        ("reporter_contacts", "report_id", report_ids.clone()),
        ("reply_routes", "report_id", report_ids),
        ("feedback_requests", "id", questions),
        ("outgoing_deliveries", "seq", replies),
    ] {
        if keys.is_empty() {
            continue;
        }
        let mut sql = Sql::new(db.get_database_backend());
        sql.push(&format!("DELETE FROM {table} WHERE {column} IN ("));
        sql.bind_list(keys);
        sql.push(")");
        changed += sql.execute(db).await?;
    }
    if !senders.is_empty() {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("DELETE FROM conversations WHERE channel = ");
        sql.bind(records.channel.as_str());
        sql.push(" AND sender IN (");
        sql.bind_list(senders);
        sql.push(")");
        changed += sql.execute(db).await?;
    }
    for text in texts {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("UPDATE reports SET description = ");
        sql.bind(text.description.clone());
        sql.push(", attributes = ");
        sql.bind(text.attributes.clone());
        sql.push(", external_id = NULL WHERE id = ");
        sql.bind(text.report_id);
        changed += sql.execute(db).await?;
    }
    Ok(changed)
}

/// The names a channel knows the reporter by.
struct Names {
    /// Conversation and question senders: the identity given and their reply routes'.
    senders: Vec<String>,
    /// Anything a reply to them carries that points at them: chat ids, phone numbers,
    /// accounts and the posts they wrote.
    in_replies: HashSet<String>,
    /// `@account`, as replies mention them in their text.
    handles: Vec<String>,
}

async fn names<C: ConnectionTrait>(
    db: &C,
    forms: Option<&Identities>,
    report_ids: &[Value],
) -> Result<Names, DbErr> {
    let mut names = Names {
        senders: Vec::new(),
        in_replies: HashSet::new(),
        handles: Vec::new(),
    };
    if let Some(forms) = forms {
        names.add_sender(forms.exact.clone());
        names.add_sender(forms.handle.trim_start_matches('@').to_owned());
        names.handles.push(forms.handle.clone());
    }
    if !report_ids.is_empty() {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push("SELECT route, sender FROM reply_routes WHERE report_id IN (");
        sql.bind_list(report_ids.to_vec());
        sql.push(")");
        for row in sql.query(db).await? {
            if let Some(sender) = row.try_get::<Option<String>>("", "sender")? {
                names.add_sender(sender);
            }
            let route: Json = row.try_get("", "route")?;
            if let Some(acct) = route.get("acct").and_then(Json::as_str) {
                names.handles.push(format!("@{}", acct.to_lowercase()));
            }
            names.in_replies.extend(route_names(&route));
        }
    }
    Ok(names)
}

impl Names {
    fn add_sender(&mut self, sender: String) {
        self.in_replies.insert(sender.clone());
        if !self.senders.contains(&sender) {
            self.senders.push(sender);
        }
    }
}

/// What a stored reply route names of the reporter. The city's own WhatsApp number
/// (`phone_number_id`) is not the reporter's.
fn route_names(route: &Json) -> Vec<String> {
    let Some(fields) = route.as_object() else {
        return Vec::new();
    };
    ["chat_id", "to", "acct", "status_id", "tweet_id"]
        .iter()
        .filter_map(|key| fields.get(*key))
        .filter_map(leaf_text)
        .collect()
}

fn leaf_text(value: &Json) -> Option<String> {
    match value {
        Json::String(text) => Some(text.clone()),
        Json::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

async fn find_conversations<C: ConnectionTrait>(
    db: &C,
    channel: &str,
    senders: &[String],
) -> Result<Vec<StoredConversation>, DbErr> {
    if senders.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(
        "SELECT sender, description, latitude, longitude, expires_at FROM conversations \
         WHERE channel = ",
    );
    sql.bind(channel);
    sql.push(" AND sender IN (");
    sql.bind_list(senders.iter().map(|s| s.clone().into()).collect());
    sql.push(")");
    sql.query(db)
        .await?
        .iter()
        .map(|row| {
            let latitude: Option<f64> = row.try_get("", "latitude")?;
            let longitude: Option<f64> = row.try_get("", "longitude")?;
            Ok(StoredConversation {
                sender: row.try_get("", "sender")?,
                description: row.try_get("", "description")?,
                location: latitude
                    .zip(longitude)
                    .map(|(latitude, longitude)| GeoPoint {
                        latitude,
                        longitude,
                    }),
                expires_at: row.try_get("", "expires_at")?,
            })
        })
        .collect()
}

/// Replies go out through the destination named after their channel; one is the
/// reporter's when a value in its request is one of their names, or its text
/// mentions their handle.
async fn find_replies<C: ConnectionTrait>(
    db: &C,
    channel: &str,
    names: &Names,
) -> Result<Vec<StoredReply>, DbErr> {
    if names.in_replies.is_empty() && names.handles.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT seq, body, state, created_at FROM outgoing_deliveries WHERE destination = ");
    sql.bind(channel);
    sql.push(" ORDER BY seq");
    let mut replies = Vec::new();
    for row in sql.query(db).await? {
        let body: Vec<u8> = row.try_get("", "body")?;
        let Ok(request) = serde_json::from_slice::<Json>(&body) else {
            continue;
        };
        if names_reporter(&request, &names.in_replies, &names.handles) {
            replies.push(StoredReply {
                seq: row.try_get("", "seq")?,
                body: String::from_utf8_lossy(&body).into_owned(),
                state: row.try_get("", "state")?,
                created_at: row.try_get("", "created_at")?,
            });
        }
    }
    Ok(replies)
}

fn names_reporter(value: &Json, names: &HashSet<String>, handles: &[String]) -> bool {
    match value {
        Json::Object(fields) => fields.values().any(|v| names_reporter(v, names, handles)),
        Json::Array(items) => items.iter().any(|v| names_reporter(v, names, handles)),
        Json::String(text) => {
            names.contains(text) || {
                let text = text.to_lowercase();
                handles
                    .iter()
                    .any(|handle| handle.len() > 1 && mentions(&text, handle))
            }
        }
        Json::Number(number) => names.contains(&number.to_string()),
        _ => false,
    }
}

/// Whether `text` mentions `handle` as a whole word (`@anna`, not `@annalisa`).
fn mentions(text: &str, handle: &str) -> bool {
    text.match_indices(handle).any(|(at, _)| {
        let after = text[at + handle.len()..].chars().next();
        !after.is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '@'))
    })
}

async fn find_questions<C: ConnectionTrait>(
    db: &C,
    channel: &str,
    senders: &[String],
    report_ids: &[Value],
) -> Result<Vec<StoredQuestion>, DbErr> {
    if senders.is_empty() && report_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(db.get_database_backend());
    sql.push(QUESTION_COLUMNS);
    sql.push(" WHERE ");
    if !senders.is_empty() {
        sql.push("(channel = ");
        sql.bind(channel);
        sql.push(" AND sender IN (");
        sql.bind_list(senders.iter().map(|s| s.clone().into()).collect());
        sql.push("))");
        if !report_ids.is_empty() {
            sql.push(" OR ");
        }
    }
    if !report_ids.is_empty() {
        sql.push("report_id IN (");
        sql.bind_list(report_ids.to_vec());
        sql.push(")");
    }
    sql.push(" ORDER BY asked_at");
    question_rows(sql.query(db).await?)
}

const QUESTION_COLUMNS: &str = "SELECT id, tracking_code, asked_at, state FROM feedback_requests";

fn question_rows(rows: Vec<QueryResult>) -> Result<Vec<StoredQuestion>, DbErr> {
    rows.iter()
        .map(|row| {
            Ok(StoredQuestion {
                id: row.try_get("", "id")?,
                tracking_code: row.try_get("", "tracking_code")?,
                asked_at: row.try_get("", "asked_at")?,
                state: row.try_get("", "state")?,
            })
        })
        .collect()
}

/// A statement written piece by piece, with the backend's placeholders.
struct Sql {
    backend: DbBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    fn new(backend: DbBackend) -> Self {
        Self {
            backend,
            text: String::new(),
            values: Vec::new(),
        }
    }

    fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    fn bind(&mut self, value: impl Into<Value>) {
        self.values.push(value.into());
        self.text
            .push_str(&placeholder(self.backend, self.values.len()));
    }

    fn bind_list(&mut self, values: Vec<Value>) {
        for (i, value) in values.into_iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind(value);
        }
    }

    fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }

    async fn query<C: ConnectionTrait>(self, db: &C) -> Result<Vec<QueryResult>, DbErr> {
        db.query_all_raw(self.statement()).await
    }

    async fn execute<C: ConnectionTrait>(self, db: &C) -> Result<u64, DbErr> {
        Ok(db.execute_raw(self.statement()).await?.rows_affected())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(list: &[&str]) -> HashSet<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_reply_is_the_reporters_when_it_names_them() {
        let telegram = serde_json::json!({ "chat_id": 4242, "text": "Grazie!" });
        assert!(names_reporter(&telegram, &names(&["4242"]), &[]));
        assert!(!names_reporter(&telegram, &names(&["424"]), &[]));
        let mastodon =
            serde_json::json!({ "status": "@anna@social.example fatto", "in_reply_to_id": "9" });
        assert!(names_reporter(
            &mastodon,
            &names(&[]),
            &["@anna@social.example".into()]
        ));
        let other = serde_json::json!({ "status": "@annalisa@social.example fatto" });
        assert!(!names_reporter(&other, &names(&[]), &["@anna".into()]));
    }

    #[test]
    fn the_citys_own_number_is_not_the_reporters() {
        let route = serde_json::json!({ "platform": "whatsapp", "phone_number_id": "1000", "to": "393331234567" });
        assert_eq!(route_names(&route), vec!["393331234567".to_owned()]);
        let telegram = serde_json::json!({ "platform": "telegram", "chat_id": 77 });
        assert_eq!(route_names(&telegram), vec!["77".to_owned()]);
    }
}
