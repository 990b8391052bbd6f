//! GET `requests`, `requests/{id}` and `tokens/{token}`: what intake took in, with the
//! public status, notes and department from the status service.

use std::collections::HashMap;

use axum::{
    extract::{Path, RawQuery, State},
    response::Response,
};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use segnala_proto::status::v1::PublicState;
use segnala_shared::{lang::Lang, redaction::redact_text, tracking_code::TrackingCode};
use uuid::Uuid;

use super::{
    Open311, answer,
    document::{Format, Node},
    params::Params,
    response::{Document, Open311Error},
};
use crate::{
    domain::{Report, ServiceType},
    upstream::status::{PublicStatus, StatusQuery},
};

/// The longest span one query may cover, and the default span.
const MAX_SPAN_DAYS: i64 = 90;
const DEFAULT_PAGE_SIZE: u32 = 1000;
const MAX_PAGE_SIZE: u32 = 1000;
const MAX_IDS: usize = 200;

/// GET `requests.{format}`.
pub async fn list(
    open311: &Open311,
    format: Format,
    params: &Params,
) -> Result<Document, Open311Error> {
    let extensions = params.get("extensions") == Some("true");
    let ids = params.list("service_request_id");
    if !ids.is_empty() {
        // The ids override every other parameter.
        let codes = tracking_codes(format, &ids)?;
        return by_codes(open311, format, &codes, extensions).await;
    }
    let query = query(format, params)?;
    let page = positive(format, params, "page")?.unwrap_or(1);
    let service_codes = params.list("service_code");
    let mut statuses = Vec::new();
    if service_codes.is_empty() {
        statuses = open311
            .statuses
            .list(&query, page)
            .await
            .map_err(|e| Open311Error::from_app(format, e))?;
    } else {
        for code in service_codes {
            let query = StatusQuery {
                service_code: Some(code),
                ..query.clone()
            };
            statuses.extend(
                open311
                    .statuses
                    .list(&query, page)
                    .await
                    .map_err(|e| Open311Error::from_app(format, e))?,
            );
        }
        statuses.sort_by_key(|s| std::cmp::Reverse(s.updated_at));
        statuses.truncate(query.page_size as usize);
    }
    let codes: Vec<TrackingCode> = statuses
        .iter()
        .filter_map(|s| TrackingCode::parse(&s.tracking_code).ok())
        .collect();
    let reports = open311
        .reports
        .get_many(&codes)
        .await
        .map_err(|e| Open311Error::from_app(format, e))?;
    let mut reports: HashMap<String, Report> = reports
        .into_iter()
        .map(|r| (r.tracking_code.to_string(), r))
        .collect();
    let names = service_names(open311).await;
    let items = statuses
        .iter()
        .map(|status| {
            let report = reports.remove(&status.tracking_code);
            request_node(
                report.as_ref(),
                Some(status),
                &status.tracking_code,
                &names,
                extensions,
            )
        })
        .collect();
    Ok(Document {
        format,
        root: "service_requests",
        node: Node::list("request", items),
    })
}

/// GET `requests/{id}.{format}`.
pub async fn one(
    State(open311): State<Open311>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let open311 = &open311;
    answer(open311, &file, query, |id, format, params| async move {
        let code = TrackingCode::parse(id).map_err(|_| {
            Open311Error::not_found(format, format!("service request {id} was not found"))
        })?;
        let document = by_codes(
            open311,
            format,
            std::slice::from_ref(&code),
            params.get("extensions") == Some("true"),
        )
        .await?;
        match &document.node {
            Node::List { items, .. } if items.is_empty() => Err(Open311Error::not_found(
                format,
                format!("service request {code} was not found"),
            )),
            _ => Ok(document),
        }
    })
    .await
}

/// GET `tokens/{token}.{format}`.
pub async fn token(
    State(open311): State<Open311>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
) -> Response {
    let open311 = &open311;
    answer(open311, &file, query, |token, format, _| async move {
        let not_found = || Open311Error::not_found(format, format!("token {token} was not found"));
        let parsed = Uuid::parse_str(token).map_err(|_| not_found())?;
        let report = open311
            .reports
            .by_token(parsed)
            .await
            .map_err(|e| match e {
                segnala_shared::AppError::NotFound { .. } => not_found(),
                other => Open311Error::from_app(format, other),
            })?;
        Ok::<_, Open311Error>(Document {
            format,
            root: "service_requests",
            node: Node::list(
                "request",
                vec![Node::object([
                    (
                        "service_request_id",
                        Node::text(report.tracking_code.to_string()),
                    ),
                    ("token", Node::text(token)),
                ])],
            ),
        })
    })
    .await
}

async fn by_codes(
    open311: &Open311,
    format: Format,
    codes: &[TrackingCode],
    extensions: bool,
) -> Result<Document, Open311Error> {
    let reports = open311
        .reports
        .get_many(codes)
        .await
        .map_err(|e| Open311Error::from_app(format, e))?;
    let statuses: HashMap<String, PublicStatus> = if reports.is_empty() {
        HashMap::new()
    } else {
        let known: Vec<TrackingCode> = reports.iter().map(|r| r.tracking_code.clone()).collect();
        open311
            .statuses
            .batch(&known)
            .await
            .map_err(|e| Open311Error::from_app(format, e))?
            .into_iter()
            .map(|s| (s.tracking_code.clone(), s))
            .collect()
    };
    let names = service_names(open311).await;
    let mut by_code: HashMap<&TrackingCode, &Report> =
        reports.iter().map(|r| (&r.tracking_code, r)).collect();
    let items = codes
        .iter()
        .filter_map(|code| by_code.remove(code))
        .map(|report| {
            let code = report.tracking_code.to_string();
            request_node(Some(report), statuses.get(&code), &code, &names, extensions)
        })
        .collect();
    Ok(Document {
        format,
        root: "service_requests",
        node: Node::list("request", items),
    })
}

fn tracking_codes(format: Format, ids: &[String]) -> Result<Vec<TrackingCode>, Open311Error> {
    if ids.len() > MAX_IDS {
        return Err(Open311Error::bad_request(
            format,
            format!("service_request_id: at most {MAX_IDS} ids at once"),
        ));
    }
    ids.iter()
        .map(|id| {
            TrackingCode::parse(id).map_err(|e| {
                Open311Error::bad_request(format, format!("service_request_id `{id}`: {e}"))
            })
        })
        .collect()
}

/// The listing filters, with the 90-day window the specification sets.
fn query(format: Format, params: &Params) -> Result<StatusQuery, Open311Error> {
    let time = |name: &str| -> Result<Option<DateTime<Utc>>, Open311Error> {
        params
            .get(name)
            .map(|text| {
                DateTime::parse_from_rfc3339(text)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|_| {
                        Open311Error::bad_request(
                            format,
                            format!("{name}: `{text}` is not a w3 date and time such as 2026-01-01T00:00:00Z"),
                        )
                    })
            })
            .transpose()
    };
    let (start, end) = (time("start_date")?, time("end_date")?);
    let span = Duration::days(MAX_SPAN_DAYS);
    let (start, end) = match (start, end) {
        (Some(start), Some(end)) => (start, end),
        (Some(start), None) => (start, (start + span).min(Utc::now())),
        (None, Some(end)) => (end - span, end),
        (None, None) => {
            let now = Utc::now();
            (now - span, now)
        }
    };
    if end < start {
        return Err(Open311Error::bad_request(
            format,
            "end_date is before start_date",
        ));
    }
    if end - start > span {
        return Err(Open311Error::bad_request(
            format,
            format!("start_date to end_date may span at most {MAX_SPAN_DAYS} days"),
        ));
    }
    let statuses = params.list("status");
    let mut open = None;
    for status in &statuses {
        let wanted = match status.as_str() {
            "open" => true,
            "closed" => false,
            other => {
                return Err(Open311Error::bad_request(
                    format,
                    format!("status `{other}` is not open or closed"),
                ));
            }
        };
        // Both asked for is the same as neither.
        open = match open {
            None => Some(Some(wanted)),
            Some(previous) if previous == Some(wanted) => Some(previous),
            Some(_) => Some(None),
        };
    }
    let page_size = positive(format, params, "page_size")?.unwrap_or(DEFAULT_PAGE_SIZE);
    if page_size > MAX_PAGE_SIZE {
        return Err(Open311Error::bad_request(
            format,
            format!("page_size may be at most {MAX_PAGE_SIZE}"),
        ));
    }
    Ok(StatusQuery {
        service_code: None,
        open: open.flatten(),
        created_after: Some(start),
        created_before: Some(end),
        updated_after: time("updated_after")?,
        updated_before: time("updated_before")?,
        page_size,
    })
}

fn positive(format: Format, params: &Params, name: &str) -> Result<Option<u32>, Open311Error> {
    params
        .get(name)
        .map(|text| {
            text.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                Open311Error::bad_request(
                    format,
                    format!("{name}: `{text}` is not a whole number above 0"),
                )
            })
        })
        .transpose()
}

/// Service names by code; a listing still answers when triage does not.
async fn service_names(open311: &Open311) -> HashMap<String, ServiceType> {
    match open311.catalog.services().await {
        Ok(services) => services
            .iter()
            .map(|s| (s.code.clone(), s.clone()))
            .collect(),
        Err(error) => {
            tracing::warn!(%error, "Open311: service names unavailable");
            HashMap::new()
        }
    }
}

fn w3(time: DateTime<Utc>) -> Node {
    Node::text(time.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// About 100 m: enough to find the problem, not enough to tell a home.
fn rounded(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// One Open311 request from intake's report and, once it has one, its public status.
/// The exact address stays private: only the rounded position is shown.
fn request_node(
    report: Option<&Report>,
    status: Option<&PublicStatus>,
    code: &str,
    services: &HashMap<String, ServiceType>,
    extensions: bool,
) -> Node {
    let service_code = report
        .and_then(|r| r.service_code.clone())
        .or_else(|| status.map(|s| s.service_code.clone()))
        .filter(|c| !c.is_empty());
    let service = service_code.as_ref().and_then(|c| services.get(c));
    let requested = report
        .map(|r| r.created_at)
        .or_else(|| status.and_then(|s| s.created_at));
    let updated = status.and_then(|s| s.updated_at).or(requested);
    let position = status
        .and_then(|s| s.approximate_location)
        .or_else(|| {
            report
                .and_then(|r| r.location)
                .map(|p| (p.latitude, p.longitude))
        })
        .map(|(lat, long)| (rounded(lat), rounded(long)));
    let open = status.is_none_or(PublicStatus::is_open);
    // Public text is the redacted one status keeps; until status has the report,
    // intake's own copy is redacted the same way.
    let description = status
        .map(|s| s.description.clone())
        .filter(|d| !d.is_empty())
        .or_else(|| {
            report.map(|r| {
                redact_text(
                    &r.description,
                    r.language_code.as_deref().and_then(Lang::parse),
                )
            })
        });
    let mut node = Node::object([
        ("service_request_id", Node::text(code)),
        ("status", Node::text(if open { "open" } else { "closed" })),
        ("status_notes", Node::optional(status.and_then(status_note))),
        (
            "service_name",
            Node::optional(service.map(|s| s.name.clone())),
        ),
        ("service_code", Node::optional(service_code.clone())),
        ("description", Node::optional(description)),
        (
            "agency_responsible",
            Node::optional(
                status
                    .map(|s| s.department.clone())
                    .filter(|d| !d.is_empty())
                    .or_else(|| service.map(|s| s.department.clone())),
            ),
        ),
        ("service_notice", Node::Null),
        ("requested_datetime", requested.map_or(Node::Null, w3)),
        ("updated_datetime", updated.map_or(Node::Null, w3)),
        (
            "expected_datetime",
            status.and_then(|s| s.expected_at).map_or(Node::Null, w3),
        ),
        ("address", Node::Null),
        (
            "address_id",
            Node::optional(report.and_then(|r| r.address_id.clone())),
        ),
        ("zipcode", Node::Null),
        (
            "lat",
            position.map_or(Node::Null, |(lat, _)| Node::Number(lat)),
        ),
        (
            "long",
            position.map_or(Node::Null, |(_, long)| Node::Number(long)),
        ),
        (
            "media_url",
            Node::optional(report.and_then(|r| r.media_urls.first().cloned())),
        ),
    ]);
    if extensions {
        let notes = status.map(|s| s.notes.as_slice()).unwrap_or_default();
        node.push(
            "notes",
            Node::list(
                "note",
                notes
                    .iter()
                    .map(|note| {
                        Node::object([
                            ("datetime", note.time.map_or(Node::Null, w3)),
                            ("description", Node::text(note.message.clone())),
                            ("type", Node::text(state_name(note.state))),
                        ])
                    })
                    .collect(),
            ),
        );
        let mut extended = Node::object([(
            "duplicate_of",
            Node::optional(status.and_then(|s| s.duplicate_of.clone())),
        )]);
        if let Some(report) = report {
            extended.push(
                "media_urls",
                Node::list(
                    "media_url",
                    report.media_urls.iter().cloned().map(Node::Text).collect(),
                ),
            );
            extended.push(
                "attributes",
                Node::list(
                    "attribute",
                    report
                        .attributes
                        .iter()
                        .map(|(code, value)| {
                            Node::object([
                                ("code", Node::text(code.clone())),
                                ("value", Node::text(value.clone())),
                            ])
                        })
                        .collect(),
                ),
            );
        }
        node.push("extended_attributes", extended);
    }
    node
}

/// The public reason, else the latest note.
fn status_note(status: &PublicStatus) -> Option<String> {
    if !status.reason.is_empty() {
        return Some(status.reason.clone());
    }
    status.notes.last().map(|n| n.message.clone())
}

fn state_name(state: PublicState) -> &'static str {
    match state {
        PublicState::Unspecified => "unknown",
        PublicState::Received => "received",
        PublicState::InReview => "in_review",
        PublicState::Assigned => "assigned",
        PublicState::InProgress => "in_progress",
        PublicState::Resolved => "resolved",
        PublicState::Closed => "closed",
        PublicState::Duplicate => "duplicate",
        PublicState::Rejected => "rejected",
    }
}
