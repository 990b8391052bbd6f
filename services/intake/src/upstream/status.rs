//! Public statuses from the status service, for Open311's GET requests.

use chrono::{DateTime, Utc};
use segnala_proto::status::v1::{self as pb, status_service_client::StatusServiceClient};
use segnala_shared::{
    AppError,
    time::{from_timestamp, to_timestamp},
    tracking_code::TrackingCode,
};

use super::{Connection, call_failed};
use crate::{
    domain::{PublicState, StatusStep},
    events::{public_state, status_step},
};

/// What the public may know of a report's progress.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicStatus {
    pub tracking_code: String,
    pub state: PublicState,
    pub department: String,
    pub service_code: String,
    pub description: String,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
    pub expected_at: Option<DateTime<Utc>>,
    /// Tracking code of the report this one duplicates.
    pub duplicate_of: Option<String>,
    pub reason: String,
    /// Rounded so that no home can be told from it.
    pub approximate_location: Option<(f64, f64)>,
    /// Oldest first.
    pub notes: Vec<StatusNote>,
}

/// One public step of a report.
#[derive(Clone, Debug, PartialEq)]
pub struct StatusNote {
    pub time: Option<DateTime<Utc>>,
    pub step: StatusStep,
    /// The state the step left the report in.
    pub state: PublicState,
    /// The step in a sentence, in the language asked for.
    pub message: String,
    /// The crew's or operator's own public words, if any.
    pub note: String,
}

impl PublicStatus {
    /// Open311's two states.
    pub fn is_open(&self) -> bool {
        self.state.is_open()
    }
}

/// Filters of a status listing; each applies when set.
#[derive(Clone, Debug, Default)]
pub struct StatusQuery {
    pub service_code: Option<String>,
    pub open: Option<bool>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    pub updated_before: Option<DateTime<Utc>>,
    pub page_size: u32,
}

#[derive(Clone)]
pub struct StatusClient {
    client: Option<StatusServiceClient<Connection>>,
}

impl StatusClient {
    pub fn new(connection: Option<Connection>) -> Self {
        Self {
            client: connection.map(StatusServiceClient::new),
        }
    }

    fn client(&self) -> Result<StatusServiceClient<Connection>, AppError> {
        self.client.clone().ok_or_else(|| {
            AppError::Unavailable("no status service configured (intake.status_url)".into())
        })
    }

    /// The statuses of these reports that status knows, their sentences in `language`.
    pub async fn batch(
        &self,
        codes: &[TrackingCode],
        language: &str,
    ) -> Result<Vec<PublicStatus>, AppError> {
        let mut found = Vec::with_capacity(codes.len());
        for chunk in codes.chunks(200) {
            let response = self
                .client()?
                .batch_get_report_statuses(pb::BatchGetReportStatusesRequest {
                    tracking_codes: chunk.iter().map(ToString::to_string).collect(),
                    // The timeline is the request's notes.
                    view: pb::ReportStatusView::Full as i32,
                    language_code: language.to_owned(),
                })
                .await
                .map_err(|s| call_failed("status", s))?;
            found.extend(response.into_inner().statuses.into_iter().map(from_proto));
        }
        Ok(found)
    }

    /// Page `page` (from 1) of the statuses matching `query`, most recently updated
    /// first, their sentences in `language`.
    pub async fn list(
        &self,
        query: &StatusQuery,
        page: u32,
        language: &str,
    ) -> Result<Vec<PublicStatus>, AppError> {
        let mut client = self.client()?;
        let mut page_token = String::new();
        for current in 1..=page {
            let request = pb::ListReportStatusesRequest {
                service_code: query.service_code.clone().unwrap_or_default(),
                openness: match query.open {
                    None => pb::Openness::Unspecified,
                    Some(true) => pb::Openness::Open,
                    Some(false) => pb::Openness::Closed,
                } as i32,
                created_after: query.created_after.map(to_timestamp),
                created_before: query.created_before.map(to_timestamp),
                updated_after: query.updated_after.map(to_timestamp),
                updated_before: query.updated_before.map(to_timestamp),
                page_size: i32::try_from(query.page_size).unwrap_or(i32::MAX),
                page_token: page_token.clone(),
                language_code: language.to_owned(),
                ..Default::default()
            };
            let response = client
                .list_report_statuses(request)
                .await
                .map_err(|s| call_failed("status", s))?
                .into_inner();
            if current == page {
                return Ok(response.statuses.into_iter().map(from_proto).collect());
            }
            if response.next_page_token.is_empty() {
                break;
            }
            page_token = response.next_page_token;
        }
        Ok(Vec::new())
    }
}

fn from_proto(status: pb::ReportStatus) -> PublicStatus {
    let duplicate_of = status
        .duplicate_of
        .strip_prefix("reports/")
        .map(str::to_owned)
        .filter(|c| !c.is_empty());
    PublicStatus {
        state: public_state(status.state),
        department: status.department,
        service_code: status.service_code,
        description: status.description,
        created_at: from_timestamp(status.create_time.as_ref()),
        updated_at: from_timestamp(status.update_time.as_ref()),
        expected_at: from_timestamp(status.expected_time.as_ref()),
        duplicate_of,
        reason: status.reason,
        approximate_location: status
            .approximate_location
            .map(|l| (l.latitude, l.longitude)),
        notes: status
            .timeline
            .into_iter()
            .map(|entry| StatusNote {
                time: from_timestamp(entry.time.as_ref()),
                step: status_step(entry.step),
                state: public_state(entry.state),
                message: entry.message,
                note: entry.note,
            })
            .collect(),
        tracking_code: status.tracking_code,
    }
}
