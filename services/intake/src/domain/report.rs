use chrono::{DateTime, Utc};
use segnala_shared::{FieldViolation, tracking_code::TrackingCode};
use uuid::Uuid;

/// Longer descriptions are refused, not truncated: the citizen should know.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
const MAX_ADDRESS_CHARS: usize = 500;
const MAX_SHORT_FIELD_CHARS: usize = 200;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Channel {
    Api,
    Open311,
    Telegram,
    WhatsApp,
    Mastodon,
    X,
    Web,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Api => "api",
            Self::Open311 => "open311",
            Self::Telegram => "telegram",
            Self::WhatsApp => "whatsapp",
            Self::Mastodon => "mastodon",
            Self::X => "x",
            Self::Web => "web",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::Api,
            Self::Open311,
            Self::Telegram,
            Self::WhatsApp,
            Self::Mastodon,
            Self::X,
            Self::Web,
        ]
        .into_iter()
        .find(|c| c.as_str() == text)
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct GeoPoint {
    pub latitude: f64,
    pub longitude: f64,
}

/// How to reach the reporter. Personal data: never leaves intake in an event.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReporterContact {
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub handle: Option<String>,
}

impl ReporterContact {
    pub fn is_empty(&self) -> bool {
        self.display_name.is_none()
            && self.email.is_none()
            && self.phone.is_none()
            && self.handle.is_none()
    }
}

/// A report as submitted, before it is accepted.
#[derive(Clone, Debug, PartialEq)]
pub struct ReportDraft {
    pub description: String,
    pub location: Option<GeoPoint>,
    pub address: Option<String>,
    pub channel: Channel,
    pub external_id: Option<String>,
    pub reporter: ReporterContact,
    pub service_code: Option<String>,
    pub language_code: Option<String>,
}

/// The client's idempotency key for a create (a UUID, as AIP-155 asks).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// Empty means "none given".
    pub fn parse(text: &str) -> Result<Option<Self>, FieldViolation> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        Uuid::parse_str(text)
            .map(|id| Some(Self(id.hyphenated().to_string())))
            .map_err(|_| {
                FieldViolation::new(
                    "request_id",
                    "must be a UUID, such as 0f8fad5b-d9cb-469f-a165-70867728950e",
                )
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An accepted report.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    pub id: Uuid,
    pub tracking_code: TrackingCode,
    pub description: String,
    pub location: Option<GeoPoint>,
    pub address: Option<String>,
    pub channel: Channel,
    pub external_id: Option<String>,
    pub reporter: ReporterContact,
    pub service_code: Option<String>,
    pub language_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl ReportDraft {
    /// Cleans the draft (trims, drops control characters, empties become absent) and
    /// checks every field, reporting all problems at once.
    pub fn validate(self) -> Result<ReportDraft, Vec<FieldViolation>> {
        let mut violations = Vec::new();
        let description = clean_text(&self.description);
        if description.is_empty() {
            violations.push(FieldViolation::new(
                "report.description",
                "must not be empty",
            ));
        } else if description.chars().count() > MAX_DESCRIPTION_CHARS {
            violations.push(FieldViolation::new(
                "report.description",
                format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
            ));
        }
        if let Some(point) = self.location {
            if !(point.latitude.is_finite() && (-90.0..=90.0).contains(&point.latitude)) {
                violations.push(FieldViolation::new(
                    "report.location.latitude",
                    "must be between -90 and 90",
                ));
            }
            if !(point.longitude.is_finite() && (-180.0..=180.0).contains(&point.longitude)) {
                violations.push(FieldViolation::new(
                    "report.location.longitude",
                    "must be between -180 and 180",
                ));
            }
        }
        let address = optional(
            self.address,
            "report.address",
            MAX_ADDRESS_CHARS,
            &mut violations,
        );
        if self.location.is_none() && address.is_none() {
            violations.push(FieldViolation::new(
                "report.location",
                "give a location or an address",
            ));
        }
        let external_id = optional(
            self.external_id,
            "report.external_id",
            MAX_SHORT_FIELD_CHARS,
            &mut violations,
        );
        let service_code = optional(
            self.service_code,
            "report.service_code",
            MAX_SHORT_FIELD_CHARS,
            &mut violations,
        );
        let language_code = optional(
            self.language_code,
            "report.language_code",
            35,
            &mut violations,
        );
        let reporter = ReporterContact {
            display_name: optional(
                self.reporter.display_name,
                "report.reporter.display_name",
                MAX_SHORT_FIELD_CHARS,
                &mut violations,
            ),
            email: optional(
                self.reporter.email,
                "report.reporter.email",
                254,
                &mut violations,
            ),
            phone: optional(
                self.reporter.phone,
                "report.reporter.phone",
                32,
                &mut violations,
            ),
            handle: optional(
                self.reporter.handle,
                "report.reporter.handle",
                MAX_SHORT_FIELD_CHARS,
                &mut violations,
            ),
        };
        if let Some(email) = &reporter.email
            && !looks_like_email(email)
        {
            violations.push(FieldViolation::new(
                "report.reporter.email",
                "is not an e-mail address",
            ));
        }
        if let Some(phone) = &reporter.phone
            && !phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +-().".contains(c))
        {
            violations.push(FieldViolation::new(
                "report.reporter.phone",
                "may hold only digits, spaces and + - ( ) .",
            ));
        }
        if !violations.is_empty() {
            return Err(violations);
        }
        Ok(ReportDraft {
            description,
            location: self.location,
            address,
            channel: self.channel,
            external_id,
            reporter,
            service_code,
            language_code,
        })
    }
}

/// Plain text: control characters other than line breaks and tabs removed, outer
/// whitespace trimmed. Markup stays as typed; every surface escapes it when showing it.
fn clean_text(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() || matches!(c, '\n' | '\t'))
        .collect::<String>()
        .trim()
        .to_owned()
}

fn optional(
    value: Option<String>,
    field: &str,
    max_chars: usize,
    violations: &mut Vec<FieldViolation>,
) -> Option<String> {
    let value = clean_text(&value?);
    if value.is_empty() {
        return None;
    }
    if value.chars().count() > max_chars {
        violations.push(FieldViolation::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Some(value)
}

fn looks_like_email(text: &str) -> bool {
    match text.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty() && domain.contains('.') && !text.contains(char::is_whitespace)
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft() -> ReportDraft {
        ReportDraft {
            description: "  Lampione spento in via Roma  ".into(),
            location: Some(GeoPoint {
                latitude: 45.46,
                longitude: 9.19,
            }),
            address: None,
            channel: Channel::Api,
            external_id: None,
            reporter: ReporterContact::default(),
            service_code: None,
            language_code: Some(" ".into()),
        }
    }

    fn fields(result: Result<ReportDraft, Vec<FieldViolation>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.field)
            .collect()
    }

    #[test]
    fn a_good_draft_is_cleaned() {
        let valid = draft().validate().ok();
        assert_eq!(
            valid.as_ref().map(|d| d.description.as_str()),
            Some("Lampione spento in via Roma")
        );
        assert_eq!(valid.and_then(|d| d.language_code), None);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let bad = ReportDraft {
            description: " \u{7} ".into(),
            location: Some(GeoPoint {
                latitude: 91.0,
                longitude: f64::NAN,
            }),
            reporter: ReporterContact {
                email: Some("nobody".into()),
                ..ReporterContact::default()
            },
            ..draft()
        };
        assert_eq!(
            fields(bad.validate()),
            [
                "report.description",
                "report.location.latitude",
                "report.location.longitude",
                "report.reporter.email"
            ]
        );
    }

    #[test]
    fn limits_and_missing_place() {
        let long = ReportDraft {
            description: "x".repeat(MAX_DESCRIPTION_CHARS + 1),
            location: None,
            ..draft()
        };
        assert_eq!(
            fields(long.validate()),
            ["report.description", "report.location"]
        );
        let exact = ReportDraft {
            description: "è".repeat(MAX_DESCRIPTION_CHARS),
            ..draft()
        };
        assert!(
            exact.validate().is_ok(),
            "the limit counts characters, not bytes"
        );
    }

    #[test]
    fn request_ids_are_uuids() {
        assert_eq!(RequestId::parse("").ok(), Some(None));
        assert!(RequestId::parse("retry-1").is_err());
        let id = RequestId::parse("0F8FAD5B-D9CB-469F-A165-70867728950E")
            .ok()
            .flatten();
        assert_eq!(
            id.map(|i| i.0),
            Some("0f8fad5b-d9cb-469f-a165-70867728950e".to_string())
        );
    }
}
