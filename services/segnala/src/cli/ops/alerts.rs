//! `segnala ops alerts`: operators' messages to everyone — a banner on the public pages
//! and a post on every configured channel — published, ended and listed on status.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use clap::Subcommand;
use segnala_proto::status::v1::{
    Alert, AlertSeverity, EndAlertRequest, ListAlertsRequest, PublishAlertRequest,
    status_service_client::StatusServiceClient,
};
use segnala_shared::time::{Tz, from_timestamp, to_timestamp};
use serde::Serialize;

use crate::{
    cli::{
        CommandError,
        client::{Intercepted, KeyArgs, connect},
        clock::local_time,
    },
    settings::default_listen,
};

#[derive(Debug, clap::Args)]
pub struct AlertsArgs {
    /// The status service.
    #[arg(
        long,
        env = "SEGNALA_STATUS_URL",
        default_value_t = default_listen::url(default_listen::STATUS_PORT),
        global = true
    )]
    status_url: String,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: AlertsCommand,
}

#[derive(Debug, Subcommand)]
enum AlertsCommand {
    /// Publish an alert: a banner while it lasts and a post on every channel.
    Publish(PublishArgs),
    /// End an alert before it expires: its banner goes.
    End {
        /// The alert (alerts/ID or ID), as `publish` or `list` showed it.
        alert: String,
    },
    /// The active alerts, newest first.
    List {
        /// Also those that ended or expired.
        #[arg(long)]
        all: bool,
    },
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum Severity {
    Info,
    Warning,
    Emergency,
}

#[derive(Debug, clap::Args)]
struct PublishArgs {
    #[arg(long, value_enum)]
    severity: Severity,
    /// The headline in Italian (at most 140 characters); give it in English too, or
    /// only.
    #[arg(long)]
    title_it: Option<String>,
    /// The text in Italian (at most 2000 characters).
    #[arg(long, requires = "title_it")]
    body_it: Option<String>,
    /// The headline in English.
    #[arg(long)]
    title_en: Option<String>,
    /// The text in English.
    #[arg(long, requires = "title_en")]
    body_en: Option<String>,
    /// A zone id; the whole city when left out.
    #[arg(long, default_value = "")]
    zone: String,
    /// When the banner goes by itself: minutes, hours or days from now, such as 90m,
    /// 6h or 2d; it lasts until `end` when left out.
    #[arg(long, value_parser = parse_span)]
    expires_in: Option<chrono::Duration>,
    /// A UUID that makes a retry safe (the same alert is not posted twice); a fresh
    /// one when left out.
    #[arg(long)]
    request_id: Option<String>,
}

/// Runs an alerts command; times are shown in `zone`.
pub async fn run(args: AlertsArgs, key: &KeyArgs, zone: Tz) -> Result<(), CommandError> {
    let mut client: StatusServiceClient<Intercepted> = connect(
        &args.status_url,
        &key.trust,
        key.key(),
        StatusServiceClient::new,
    )
    .await?;
    let failed = |status: tonic::Status| CommandError::from_status(&status, &args.status_url);
    match args.command {
        AlertsCommand::Publish(publish) => {
            let alert = client
                .publish_alert(PublishAlertRequest {
                    alert: Some(new_alert(publish.texts())),
                    request_id: publish
                        .request_id
                        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
                })
                .await
                .map_err(failed)?
                .into_inner()
                .alert
                .unwrap_or_default();
            let done = "Published. It shows on the public pages and goes out on every channel.";
            print_alert(&alert, args.json, done, zone)?;
        }
        AlertsCommand::End { alert } => {
            let name = if alert.starts_with("alerts/") {
                alert
            } else {
                format!("alerts/{alert}")
            };
            let alert = client
                .end_alert(EndAlertRequest { name })
                .await
                .map_err(failed)?
                .into_inner()
                .alert
                .unwrap_or_default();
            print_alert(&alert, args.json, "Ended: its banner is gone.", zone)?;
        }
        AlertsCommand::List { all } => {
            let mut alerts = Vec::new();
            let mut page_token = String::new();
            loop {
                let page = client
                    .list_alerts(ListAlertsRequest {
                        page_size: 200,
                        page_token,
                        include_inactive: all,
                    })
                    .await
                    .map_err(failed)?
                    .into_inner();
                alerts.extend(page.alerts);
                if page.next_page_token.is_empty() {
                    break;
                }
                page_token = page.next_page_token;
            }
            if args.json {
                let alerts: Vec<AlertOutput> = alerts.iter().map(AlertOutput::from).collect();
                outln!("{}", serde_json::to_string_pretty(&alerts)?);
            } else {
                for alert in &alerts {
                    out!("{}", describe(alert, zone));
                }
                let which = if all { "" } else { "active " };
                outln!("{} {which}alert(s).", alerts.len());
            }
        }
    }
    Ok(())
}

/// The alert a change left: as JSON, or what was done and the alert for people.
fn print_alert(alert: &Alert, json: bool, done: &str, zone: Tz) -> Result<(), CommandError> {
    if json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&AlertOutput::from(alert))?
        );
    } else {
        outln!("{done}");
        out!("{}", describe(alert, zone));
    }
    Ok(())
}

/// What an operator wrote, without the options of the call.
struct Texts {
    severity: Severity,
    title: HashMap<String, String>,
    body: HashMap<String, String>,
    zone: String,
    expires_in: Option<chrono::Duration>,
}

impl PublishArgs {
    fn texts(&self) -> Texts {
        let texts = |pairs: [(&str, &Option<String>); 2]| {
            pairs
                .into_iter()
                .filter_map(|(lang, text)| Some((lang.to_owned(), text.clone()?)))
                .collect()
        };
        Texts {
            severity: self.severity,
            title: texts([("it", &self.title_it), ("en", &self.title_en)]),
            body: texts([("it", &self.body_it), ("en", &self.body_en)]),
            zone: self.zone.clone(),
            expires_in: self.expires_in,
        }
    }
}

fn new_alert(texts: Texts) -> Alert {
    Alert {
        severity: match texts.severity {
            Severity::Info => AlertSeverity::Info,
            Severity::Warning => AlertSeverity::Warning,
            Severity::Emergency => AlertSeverity::Emergency,
        } as i32,
        title: texts.title,
        body: texts.body,
        zone: texts.zone,
        expire_time: texts.expires_in.map(|span| to_timestamp(Utc::now() + span)),
        ..Alert::default()
    }
}

/// "90m", "6h", "2d".
fn parse_span(text: &str) -> Result<chrono::Duration, String> {
    let text = text.trim();
    let wrong = || format!("`{text}` is not a span such as 90m, 6h or 2d");
    let split = text.len().checked_sub(1).ok_or_else(wrong)?;
    let (count, unit) = text.split_at(split);
    let count: i64 = count.parse().map_err(|_| wrong())?;
    if count <= 0 {
        return Err(wrong());
    }
    match unit {
        "m" => Ok(chrono::Duration::minutes(count)),
        "h" => Ok(chrono::Duration::hours(count)),
        "d" => Ok(chrono::Duration::days(count)),
        _ => Err(wrong()),
    }
}

#[derive(Debug, Serialize)]
struct AlertOutput {
    name: String,
    severity: String,
    /// Active, ended or expired.
    state: &'static str,
    title: std::collections::BTreeMap<String, String>,
    body: std::collections::BTreeMap<String, String>,
    zone: String,
    publish_time: Option<String>,
    expire_time: Option<String>,
    end_time: Option<String>,
}

impl From<&Alert> for AlertOutput {
    fn from(alert: &Alert) -> Self {
        let rfc3339 = |t: Option<DateTime<Utc>>| t.map(|t| t.to_rfc3339());
        Self {
            name: alert.name.clone(),
            severity: severity_name(alert.severity),
            state: state(alert, Utc::now()),
            title: alert.title.clone().into_iter().collect(),
            body: alert.body.clone().into_iter().collect(),
            zone: alert.zone.clone(),
            publish_time: rfc3339(from_timestamp(alert.publish_time.as_ref())),
            expire_time: rfc3339(from_timestamp(alert.expire_time.as_ref())),
            end_time: rfc3339(from_timestamp(alert.end_time.as_ref())),
        }
    }
}

fn state(alert: &Alert, now: DateTime<Utc>) -> &'static str {
    if alert.end_time.is_some() {
        "ended"
    } else if from_timestamp(alert.expire_time.as_ref()).is_some_and(|t| t <= now) {
        "expired"
    } else {
        "active"
    }
}

fn severity_name(severity: i32) -> String {
    AlertSeverity::try_from(severity)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("ALERT_SEVERITY_")
                .to_lowercase()
        })
        .unwrap_or_else(|_| "unknown".into())
}

/// The alert for people: what, where, since and until when, on the city's clock.
fn describe(alert: &Alert, zone: Tz) -> String {
    let when = |t: &Option<prost_types::Timestamp>| {
        from_timestamp(t.as_ref()).map(|t| local_time(t, zone))
    };
    let place = if alert.zone.is_empty() {
        "the whole city".to_owned()
    } else {
        format!("zone {}", alert.zone)
    };
    let mut text = format!(
        "{}  {}, {}, {place}\n",
        alert.name,
        severity_name(alert.severity),
        state(alert, Utc::now())
    );
    for lang in ["it", "en"] {
        if let Some(title) = alert.title.get(lang) {
            text.push_str(&format!("  {lang}  {title}\n"));
            if let Some(body) = alert.body.get(lang) {
                text.push_str(&format!("      {body}\n"));
            }
        }
    }
    if let Some(since) = when(&alert.publish_time) {
        text.push_str(&format!("  since     {since}\n"));
    }
    match (when(&alert.end_time), when(&alert.expire_time)) {
        (Some(ended), _) => text.push_str(&format!("  ended     {ended}\n")),
        (None, Some(until)) => text.push_str(&format!("  until     {until}\n")),
        (None, None) => text.push_str("  until     an operator ends it\n"),
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_minutes_hours_or_days() {
        assert_eq!(parse_span("90m"), Ok(chrono::Duration::minutes(90)));
        assert_eq!(parse_span(" 6h"), Ok(chrono::Duration::hours(6)));
        assert_eq!(parse_span("2d"), Ok(chrono::Duration::days(2)));
        for wrong in ["", "h", "0h", "-2h", "3w", "1.5h"] {
            assert!(parse_span(wrong).is_err(), "{wrong}");
        }
    }
}
