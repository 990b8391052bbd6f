//! GET `requests`, `requests/{id}` and `tokens/{token}`: what intake took in, with the
//! public status, notes and department from the status service.

use std::{collections::HashMap, sync::Arc};

use axum::{
    extract::{Path, RawQuery, State},
    http::HeaderMap,
    response::Response,
};
use segnala_shared::{lang::Lang, redaction::redact_text, tracking_code::TrackingCode};
use uuid::Uuid;

use super::{
    Asked, Open311, answer,
    document::{Format, Node, rounded, w3},
    extensions, notices,
    response::{Document, Open311Error},
    window,
};
use crate::{
    app::Catalog,
    domain::Report,
    upstream::status::{PublicStatus, StatusQuery},
};

const MAX_IDS: usize = 200;

/// What every request of an answer is written with.
struct Rendering<'a> {
    /// The taxonomy in the answer's language; `None` while triage cannot be read.
    catalog: Option<Arc<Catalog>>,
    language: &'a str,
    extensions: bool,
}

/// GET `requests.{format}`.
pub async fn list(open311: &Open311, asked: &Asked) -> Result<Document, Open311Error> {
    let (format, params, language) = (asked.format, &asked.params, asked.language.as_str());
    let ids = params.list("service_request_id");
    if !ids.is_empty() {
        // The ids override every other parameter.
        let codes = tracking_codes(format, &ids)?;
        return by_codes(open311, asked, &codes).await;
    }
    let query = window::query(format, params, open311.time_zone)?;
    let page = window::positive(format, params, "page")?.unwrap_or(1);
    let service_codes = params.list("service_code");
    let mut statuses = Vec::new();
    if service_codes.is_empty() {
        statuses = open311
            .statuses
            .list(&query, page, language)
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
                    .list(&query, page, language)
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
        .get_many_public(&codes)
        .await
        .map_err(|e| Open311Error::from_app(format, e))?;
    let mut reports: HashMap<String, Report> = reports
        .into_iter()
        .map(|r| (r.tracking_code.to_string(), r))
        .collect();
    let rendering = rendering(open311, asked).await;
    let items = statuses
        .iter()
        .map(|status| {
            let report = reports.remove(&status.tracking_code);
            request_node(
                report.as_ref(),
                Some(status),
                &status.tracking_code,
                &rendering,
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
    headers: HeaderMap,
) -> Response {
    let open311 = &open311;
    answer(open311, &file, query, &headers, |id, asked| async move {
        let format = asked.format;
        let code = TrackingCode::parse(id).map_err(|_| {
            Open311Error::not_found(format, format!("service request {id} was not found"))
        })?;
        let document = by_codes(open311, &asked, std::slice::from_ref(&code)).await?;
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

/// GET `tokens/{token}.{format}`. Requests get their id at once, so no token is given
/// any more; those given before keep answering with their request's id.
pub async fn token(
    State(open311): State<Open311>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let open311 = &open311;
    answer(open311, &file, query, &headers, |token, asked| async move {
        let format = asked.format;
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
    asked: &Asked,
    codes: &[TrackingCode],
) -> Result<Document, Open311Error> {
    let format = asked.format;
    let reports = open311
        .reports
        .get_many_public(codes)
        .await
        .map_err(|e| Open311Error::from_app(format, e))?;
    let statuses: HashMap<String, PublicStatus> = if reports.is_empty() {
        HashMap::new()
    } else {
        let known: Vec<TrackingCode> = reports.iter().map(|r| r.tracking_code.clone()).collect();
        open311
            .statuses
            .batch(&known, &asked.language)
            .await
            .map_err(|e| Open311Error::from_app(format, e))?
            .into_iter()
            .map(|s| (s.tracking_code.clone(), s))
            .collect()
    };
    let rendering = rendering(open311, asked).await;
    let mut by_code: HashMap<&TrackingCode, &Report> =
        reports.iter().map(|r| (&r.tracking_code, r)).collect();
    let items = codes
        .iter()
        .filter_map(|code| by_code.remove(code))
        .map(|report| {
            let code = report.tracking_code.to_string();
            request_node(Some(report), statuses.get(&code), &code, &rendering)
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

/// How the requests of this answer are written; a listing still answers when triage
/// does not, without service and department names.
async fn rendering<'a>(open311: &Open311, asked: &'a Asked) -> Rendering<'a> {
    let catalog = match open311.catalog.catalog(&asked.language).await {
        Ok(catalog) => Some(catalog),
        Err(error) => {
            tracing::warn!(%error, "Open311: service names unavailable");
            None
        }
    };
    Rendering {
        catalog,
        language: &asked.language,
        extensions: asked.params.get("extensions") == Some("true"),
    }
}

/// One Open311 request from intake's report and, once it has one, its public status.
/// The exact address stays private: only the rounded position is shown.
fn request_node(
    report: Option<&Report>,
    status: Option<&PublicStatus>,
    code: &str,
    rendering: &Rendering<'_>,
) -> Node {
    let catalog = rendering.catalog.as_deref();
    let service_code = report
        .and_then(|r| r.service_code.clone())
        .or_else(|| status.map(|s| s.service_code.clone()))
        .filter(|c| !c.is_empty());
    let service = service_code
        .as_ref()
        .and_then(|c| catalog.and_then(|catalog| catalog.service(c)));
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
    let department = status
        .map(|s| s.department.as_str())
        .filter(|d| !d.is_empty())
        .or_else(|| service.map(|s| s.department.as_str()));
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
                department.and_then(|d| catalog.and_then(|catalog| catalog.department_name(d))),
            ),
        ),
        (
            "service_notice",
            Node::optional(
                position
                    .is_none()
                    .then(|| notices::place_unknown(rendering.language)),
            ),
        ),
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
    if rendering.extensions {
        extensions::add(&mut node, report, status, service);
    }
    node
}

/// Why the request is where it is: the public reason, else the latest step's own words
/// (a crew's note), else the latest step.
fn status_note(status: &PublicStatus) -> Option<String> {
    if !status.reason.is_empty() {
        return Some(status.reason.clone());
    }
    status.notes.last().map(|n| {
        if n.note.is_empty() {
            n.message.clone()
        } else {
            n.note.clone()
        }
    })
}
