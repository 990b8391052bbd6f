//! The JSON view for integrators: the same public data as the pages. Fields are
//! declared in alphabetical order, the order the view has always had.

use serde::Serialize;

use super::views::{ReportView, StepView, UpdateView};
use segnala_shared::lang::Lang;

use crate::domain::Alert;

/// `GET /api/v1/reports/{code}`.
#[derive(Debug, Serialize)]
pub struct ReportAnswer<'a> {
    alerts: Vec<AlertJson<'a>>,
    language: &'static str,
    report: ReportJson<'a>,
}

impl<'a> ReportAnswer<'a> {
    pub fn new(report: &'a ReportView, url: &'a str, active: &'a [Alert], lang: Lang) -> Self {
        Self {
            alerts: alerts(active, lang),
            language: lang.code(),
            report: ReportJson::new(report, Some(url)),
        }
    }
}

/// `GET /api/v1/updates`.
#[derive(Debug, Serialize)]
pub struct UpdatesAnswer<'a> {
    alerts: Vec<AlertJson<'a>>,
    language: &'static str,
    next_page_token: &'a str,
    updates: Vec<UpdateJson<'a>>,
}

impl<'a> UpdatesAnswer<'a> {
    pub fn new(
        updates: &'a [UpdateView],
        next_page_token: &'a str,
        public_url: &str,
        active: &'a [Alert],
        lang: Lang,
    ) -> Self {
        Self {
            alerts: alerts(active, lang),
            language: lang.code(),
            next_page_token,
            updates: updates
                .iter()
                .map(|update| UpdateJson {
                    note: &update.step.note,
                    report: ReportJson::new(&update.report, None),
                    state: update.step.state.as_str(),
                    text: &update.step.text,
                    time: update.step.time.to_rfc3339(),
                    url: format!("{public_url}/r/{}", update.report.code),
                })
                .collect(),
        }
    }
}

/// `GET /api/v1/alerts`: the active alerts.
pub fn alerts(alerts: &[Alert], lang: Lang) -> Vec<AlertJson<'_>> {
    alerts
        .iter()
        .map(|alert| AlertJson {
            alert: format!("alerts/{}", alert.id),
            body: Alert::text(&alert.body, lang.code()),
            expire_time: alert.expires_at.map(|t| t.to_rfc3339()),
            publish_time: alert.published_at.to_rfc3339(),
            severity: alert.severity.as_str(),
            title: Alert::text(&alert.title, lang.code()),
            zone: alert.zone.as_deref(),
        })
        .collect()
}

#[derive(Debug, Serialize)]
pub struct AlertJson<'a> {
    alert: String,
    body: &'a str,
    expire_time: Option<String>,
    publish_time: String,
    severity: &'static str,
    title: &'a str,
    zone: Option<&'a str>,
}

#[derive(Debug, Serialize)]
struct ReportJson<'a> {
    approximate_location: Option<LocationJson>,
    category: Option<&'a str>,
    category_name: Option<&'a str>,
    create_time: String,
    department: Option<&'a str>,
    department_name: Option<&'a str>,
    duplicate_of: Option<&'a str>,
    expected_time: Option<String>,
    reason: Option<&'a str>,
    state: &'static str,
    state_label: &'static str,
    timeline: Vec<StepJson<'a>>,
    tracking_code: &'a str,
    update_time: String,
    /// Its page; left out where the report is part of an update that links it.
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<&'a str>,
    zone: Option<&'a str>,
    zone_name: Option<&'a str>,
}

impl<'a> ReportJson<'a> {
    fn new(report: &'a ReportView, url: Option<&'a str>) -> Self {
        Self {
            approximate_location: report.location.map(|l| LocationJson {
                latitude: l.latitude,
                longitude: l.longitude,
            }),
            category: report.category.as_deref(),
            category_name: report.category_name.as_deref(),
            create_time: report.created_at.to_rfc3339(),
            department: report.department.as_deref(),
            department_name: report.department_name.as_deref(),
            duplicate_of: report.duplicate_of.as_deref(),
            expected_time: report.expected_at.map(|t| t.to_rfc3339()),
            reason: report.reason.as_deref(),
            state: report.state.as_str(),
            state_label: report.state_label,
            timeline: report.timeline.iter().map(StepJson::new).collect(),
            tracking_code: &report.code,
            update_time: report.updated_at.to_rfc3339(),
            url,
            zone: report.zone.as_deref(),
            zone_name: report.zone_name.as_deref(),
        }
    }
}

#[derive(Debug, Serialize)]
struct LocationJson {
    latitude: f64,
    longitude: f64,
}

#[derive(Debug, Serialize)]
struct StepJson<'a> {
    note: &'a str,
    state: &'static str,
    text: &'a str,
    time: String,
}

impl<'a> StepJson<'a> {
    fn new(step: &'a StepView) -> Self {
        Self {
            note: &step.note,
            state: step.state.as_str(),
            text: &step.text,
            time: step.time.to_rfc3339(),
        }
    }
}

#[derive(Debug, Serialize)]
struct UpdateJson<'a> {
    note: &'a str,
    report: ReportJson<'a>,
    state: &'static str,
    text: &'a str,
    time: String,
    url: String,
}

/// What a failed JSON request answers.
#[derive(Debug, Serialize)]
pub struct ErrorAnswer<'a> {
    error: ErrorJson<'a>,
}

impl<'a> ErrorAnswer<'a> {
    pub fn new(reason: &'static str, message: &'a str) -> Self {
        Self {
            error: ErrorJson { message, reason },
        }
    }
}

#[derive(Debug, Serialize)]
struct ErrorJson<'a> {
    message: &'a str,
    reason: &'static str,
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, Utc};

    use super::*;
    use crate::{
        domain::{ApproximateLocation, PublicState, Severity},
        http::views::StepView,
    };

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .map(|t| t.to_utc())
            .unwrap_or_default()
    }

    /// One report with every field given, one with none of the optional ones.
    fn reports() -> [ReportView; 2] {
        let step = StepView {
            time: at("2027-01-15T09:30:00Z"),
            state: PublicState::InProgress,
            text: "Work in progress".into(),
            note: "Cable \"replaced\"".into(),
        };
        [
            ReportView {
                code: "7KQ2-M9XA-4BRT".into(),
                state: PublicState::InProgress,
                state_label: "In progress",
                department: Some("street_lighting".into()),
                department_name: Some("Street lighting".into()),
                category: Some("lamp_out".into()),
                category_name: Some("Street light out".into()),
                zone: Some("municipio_1".into()),
                zone_name: Some("Municipio 1 – Centro storico".into()),
                duplicate_of: Some("AAAA-BBBB-CCCC".into()),
                expected_at: Some(at("2027-01-16T08:00:00Z")),
                reason: Some("Waiting for parts".into()),
                location: Some(ApproximateLocation {
                    latitude: 45.464,
                    longitude: 9.19,
                }),
                timeline: vec![step],
                created_at: at("2027-01-15T08:00:00Z"),
                updated_at: at("2027-01-15T09:30:00.250Z"),
            },
            ReportView {
                code: "REVW-0000-0001".into(),
                state: PublicState::Received,
                state_label: "Ricevuta",
                department: None,
                department_name: None,
                category: None,
                category_name: None,
                zone: None,
                zone_name: None,
                duplicate_of: None,
                expected_at: None,
                reason: None,
                location: None,
                timeline: Vec::new(),
                created_at: at("2027-01-15T08:00:00Z"),
                updated_at: at("2027-01-15T08:00:00Z"),
            },
        ]
    }

    fn active() -> Vec<Alert> {
        let texts = |it: &str, en: &str| {
            [
                ("it".to_owned(), it.to_owned()),
                ("en".to_owned(), en.to_owned()),
            ]
            .into_iter()
            .collect()
        };
        vec![
            Alert {
                id: uuid::Uuid::from_u128(7),
                severity: Severity::Emergency,
                title: texts("Allerta", "Alert"),
                body: texts("Evitate via Roma", "Avoid via Roma"),
                zone: Some("municipio_1".into()),
                published_at: at("2027-01-15T07:00:00Z"),
                expires_at: Some(at("2027-01-15T19:00:00Z")),
                ended_at: None,
            },
            Alert {
                id: uuid::Uuid::from_u128(8),
                severity: Severity::Info,
                title: texts("Avviso", "Notice"),
                body: texts("", ""),
                zone: None,
                published_at: at("2027-01-14T07:00:00Z"),
                expires_at: None,
                ended_at: None,
            },
        ]
    }

    fn json(value: &impl serde::Serialize) -> String {
        serde_json::to_string(value).unwrap_or_default()
    }

    #[test]
    fn a_report_reads_as_it_always_has() {
        let [full, bare] = reports();
        let url = "https://segnala.example/r/7KQ2-M9XA-4BRT";
        assert_eq!(
            json(&ReportAnswer::new(&full, url, &active(), Lang::En)),
            r#"{"alerts":[{"alert":"alerts/00000000-0000-0000-0000-000000000007","body":"Avoid via Roma","expire_time":"2027-01-15T19:00:00+00:00","publish_time":"2027-01-15T07:00:00+00:00","severity":"emergency","title":"Alert","zone":"municipio_1"},{"alert":"alerts/00000000-0000-0000-0000-000000000008","body":"","expire_time":null,"publish_time":"2027-01-14T07:00:00+00:00","severity":"info","title":"Notice","zone":null}],"language":"en","report":{"approximate_location":{"latitude":45.464,"longitude":9.19},"category":"lamp_out","category_name":"Street light out","create_time":"2027-01-15T08:00:00+00:00","department":"street_lighting","department_name":"Street lighting","duplicate_of":"AAAA-BBBB-CCCC","expected_time":"2027-01-16T08:00:00+00:00","reason":"Waiting for parts","state":"in_progress","state_label":"In progress","timeline":[{"note":"Cable \"replaced\"","state":"in_progress","text":"Work in progress","time":"2027-01-15T09:30:00+00:00"}],"tracking_code":"7KQ2-M9XA-4BRT","update_time":"2027-01-15T09:30:00.250+00:00","url":"https://segnala.example/r/7KQ2-M9XA-4BRT","zone":"municipio_1","zone_name":"Municipio 1 – Centro storico"}}"#
        );
        let url = "https://segnala.example/r/REVW-0000-0001";
        assert_eq!(
            json(&ReportAnswer::new(&bare, url, &[], Lang::It)),
            r#"{"alerts":[],"language":"it","report":{"approximate_location":null,"category":null,"category_name":null,"create_time":"2027-01-15T08:00:00+00:00","department":null,"department_name":null,"duplicate_of":null,"expected_time":null,"reason":null,"state":"received","state_label":"Ricevuta","timeline":[],"tracking_code":"REVW-0000-0001","update_time":"2027-01-15T08:00:00+00:00","url":"https://segnala.example/r/REVW-0000-0001","zone":null,"zone_name":null}}"#
        );
    }

    #[test]
    fn updates_alerts_and_errors_read_as_they_always_have() {
        let [full, bare] = reports();
        let step = full.timeline[0].clone();
        let updates = [
            UpdateView {
                id: 1,
                report: full,
                step: step.clone(),
            },
            UpdateView {
                id: 2,
                report: bare,
                step,
            },
        ];
        let alerts = active();
        assert_eq!(
            json(&UpdatesAnswer::new(
                &updates,
                "tok",
                "https://segnala.example",
                &alerts,
                Lang::It
            )),
            r#"{"alerts":[{"alert":"alerts/00000000-0000-0000-0000-000000000007","body":"Evitate via Roma","expire_time":"2027-01-15T19:00:00+00:00","publish_time":"2027-01-15T07:00:00+00:00","severity":"emergency","title":"Allerta","zone":"municipio_1"},{"alert":"alerts/00000000-0000-0000-0000-000000000008","body":"","expire_time":null,"publish_time":"2027-01-14T07:00:00+00:00","severity":"info","title":"Avviso","zone":null}],"language":"it","next_page_token":"tok","updates":[{"note":"Cable \"replaced\"","report":{"approximate_location":{"latitude":45.464,"longitude":9.19},"category":"lamp_out","category_name":"Street light out","create_time":"2027-01-15T08:00:00+00:00","department":"street_lighting","department_name":"Street lighting","duplicate_of":"AAAA-BBBB-CCCC","expected_time":"2027-01-16T08:00:00+00:00","reason":"Waiting for parts","state":"in_progress","state_label":"In progress","timeline":[{"note":"Cable \"replaced\"","state":"in_progress","text":"Work in progress","time":"2027-01-15T09:30:00+00:00"}],"tracking_code":"7KQ2-M9XA-4BRT","update_time":"2027-01-15T09:30:00.250+00:00","zone":"municipio_1","zone_name":"Municipio 1 – Centro storico"},"state":"in_progress","text":"Work in progress","time":"2027-01-15T09:30:00+00:00","url":"https://segnala.example/r/7KQ2-M9XA-4BRT"},{"note":"Cable \"replaced\"","report":{"approximate_location":null,"category":null,"category_name":null,"create_time":"2027-01-15T08:00:00+00:00","department":null,"department_name":null,"duplicate_of":null,"expected_time":null,"reason":null,"state":"received","state_label":"Ricevuta","timeline":[],"tracking_code":"REVW-0000-0001","update_time":"2027-01-15T08:00:00+00:00","zone":null,"zone_name":null},"state":"in_progress","text":"Work in progress","time":"2027-01-15T09:30:00+00:00","url":"https://segnala.example/r/REVW-0000-0001"}]}"#
        );
        assert_eq!(
            json(&super::alerts(&alerts, Lang::En)),
            r#"[{"alert":"alerts/00000000-0000-0000-0000-000000000007","body":"Avoid via Roma","expire_time":"2027-01-15T19:00:00+00:00","publish_time":"2027-01-15T07:00:00+00:00","severity":"emergency","title":"Alert","zone":"municipio_1"},{"alert":"alerts/00000000-0000-0000-0000-000000000008","body":"","expire_time":null,"publish_time":"2027-01-14T07:00:00+00:00","severity":"info","title":"Notice","zone":null}]"#
        );
        assert_eq!(
            json(&ErrorAnswer::new("NOT_FOUND", "report \"x\" not found")),
            r#"{"error":{"message":"report \"x\" not found","reason":"NOT_FOUND"}}"#
        );
    }
}
