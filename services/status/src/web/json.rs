//! The JSON view for integrators: the same public data as the pages.

use serde_json::{Value, json};

use super::views::{ReportView, UpdateView};
use crate::{domain::Alert, i18n::Lang};

fn report_value(report: &ReportView) -> Value {
    json!({
        "tracking_code": report.code,
        "state": report.state.as_str(),
        "state_label": report.state_label,
        "department": report.department,
        "department_name": report.department_name,
        "category": report.category,
        "category_name": report.category_name,
        "zone": report.zone,
        "zone_name": report.zone_name,
        "duplicate_of": report.duplicate_of,
        "expected_time": report.expected_at.map(|t| t.to_rfc3339()),
        "reason": report.reason,
        "approximate_location": report.location.map(|l| json!({
            "latitude": l.latitude,
            "longitude": l.longitude,
        })),
        "timeline": report.timeline.iter().map(|step| json!({
            "time": step.time.to_rfc3339(),
            "state": step.state.as_str(),
            "text": step.text,
            "note": step.note,
        })).collect::<Vec<_>>(),
        "create_time": report.created_at.to_rfc3339(),
        "update_time": report.updated_at.to_rfc3339(),
    })
}

pub fn alerts(alerts: &[Alert], lang: Lang) -> Value {
    Value::Array(
        alerts
            .iter()
            .map(|alert| {
                json!({
                    "alert": format!("alerts/{}", alert.id),
                    "severity": alert.severity.as_str(),
                    "title": Alert::text(&alert.title, lang.code()),
                    "body": Alert::text(&alert.body, lang.code()),
                    "zone": alert.zone,
                    "publish_time": alert.published_at.to_rfc3339(),
                    "expire_time": alert.expires_at.map(|t| t.to_rfc3339()),
                })
            })
            .collect(),
    )
}

pub fn report(report: &ReportView, url: &str, active: &[Alert], lang: Lang) -> Value {
    let mut value = report_value(report);
    value["url"] = json!(url);
    json!({ "report": value, "alerts": alerts(active, lang), "language": lang.code() })
}

pub fn updates(
    updates: &[UpdateView],
    next_page_token: &str,
    public_url: &str,
    active: &[Alert],
    lang: Lang,
) -> Value {
    json!({
        "updates": updates.iter().map(|update| json!({
            "time": update.step.time.to_rfc3339(),
            "state": update.step.state.as_str(),
            "text": update.step.text,
            "note": update.step.note,
            "url": format!("{public_url}/r/{}", update.report.code),
            "report": report_value(&update.report),
        })).collect::<Vec<_>>(),
        "next_page_token": next_page_token,
        "alerts": alerts(active, lang),
        "language": lang.code(),
    })
}
