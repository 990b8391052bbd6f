use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use segnala_shared::{FieldViolation, tracking_code::TrackingCode};
use uuid::Uuid;

use super::{
    media::{MAX_MEDIA_PER_REPORT, MediaDraft},
    text::strip_markup,
};

/// Longer descriptions are refused, not truncated: the citizen should know.
pub const MAX_DESCRIPTION_CHARS: usize = 4000;
const MAX_ADDRESS_CHARS: usize = 500;
const MAX_SHORT_FIELD_CHARS: usize = 200;
const MAX_ATTRIBUTES: usize = 50;
const MAX_ATTRIBUTE_VALUE_CHARS: usize = 1000;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Channel {
    #[default]
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

    pub const ALL: [Self; 7] = [
        Self::Api,
        Self::Open311,
        Self::Telegram,
        Self::WhatsApp,
        Self::Mastodon,
        Self::X,
        Self::Web,
    ];

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == text)
    }

    /// Whether a report on this channel is a post on a public timeline.
    pub fn is_public_timeline(self) -> bool {
        matches!(self, Self::Mastodon | Self::X)
    }

    /// Whether intake answers reporters on this channel: the messaging channels, where
    /// a reply route is kept for each report.
    pub fn has_replies(self) -> bool {
        matches!(
            self,
            Self::Telegram | Self::WhatsApp | Self::Mastodon | Self::X
        )
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
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReportDraft {
    pub description: String,
    pub location: Option<GeoPoint>,
    pub address: Option<String>,
    /// The city's own id of the address (Open311 `address_id`).
    pub address_id: Option<String>,
    pub channel: Channel,
    pub external_id: Option<String>,
    pub reporter: ReporterContact,
    pub service_code: Option<String>,
    pub language_code: Option<String>,
    /// Answers to the service's questions, code to value (multi-values joined by ",").
    pub attributes: BTreeMap<String, String>,
    pub media: Vec<MediaDraft>,
}

pub use segnala_shared::request_id::RequestId;

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
    pub address_id: Option<String>,
    pub attributes: BTreeMap<String, String>,
    /// Photos: the URLs the citizen gave and those intake serves for uploads.
    pub media_urls: Vec<String>,
    /// The Open311 token of the request, for `tokens/{token}`.
    pub token: Option<Uuid>,
    pub created_at: DateTime<Utc>,
}

impl ReportDraft {
    /// Cleans the draft (trims, drops control characters, empties become absent) and
    /// checks every field, reporting all problems at once.
    pub fn validate(self) -> Result<ReportDraft, Vec<FieldViolation>> {
        let mut violations = Vec::new();
        let description = strip_markup(&clean_text(&self.description));
        // A photo can say what the problem is; without one, the words must.
        if description.is_empty() && self.media.is_empty() {
            violations.push(FieldViolation::new(
                "report.description",
                "is required unless a photo is sent",
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
            self.address.map(|a| strip_markup(&a)),
            "report.address",
            MAX_ADDRESS_CHARS,
            &mut violations,
        );
        let address_id = optional(
            self.address_id,
            "report.address_id",
            MAX_SHORT_FIELD_CHARS,
            &mut violations,
        );
        if self.location.is_none() && address.is_none() && address_id.is_none() {
            violations.push(FieldViolation::new(
                "report.location",
                "give a location or an address",
            ));
        }
        let attributes = attributes(self.attributes, &mut violations);
        if self.media.len() > MAX_MEDIA_PER_REPORT {
            violations.push(FieldViolation::new(
                "report.media",
                format!("at most {MAX_MEDIA_PER_REPORT} photos per report"),
            ));
        }
        for (i, media) in self.media.iter().enumerate() {
            if let Err(problem) = media.check() {
                violations.push(FieldViolation::new(format!("report.media[{i}]"), problem));
            }
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
            address_id,
            channel: self.channel,
            external_id,
            reporter,
            service_code,
            language_code,
            attributes,
            media: self.media,
        })
    }
}

fn attributes(
    given: BTreeMap<String, String>,
    violations: &mut Vec<FieldViolation>,
) -> BTreeMap<String, String> {
    if given.len() > MAX_ATTRIBUTES {
        violations.push(FieldViolation::new(
            "report.attributes",
            format!("at most {MAX_ATTRIBUTES} answers"),
        ));
    }
    let mut kept = BTreeMap::new();
    for (code, value) in given {
        let field = format!("report.attributes[{code}]");
        let code = clean_text(&code);
        if code.is_empty() || code.chars().count() > MAX_SHORT_FIELD_CHARS {
            violations.push(FieldViolation::new(
                field,
                format!("the code must have 1 to {MAX_SHORT_FIELD_CHARS} characters"),
            ));
            continue;
        }
        let value = strip_markup(&clean_text(&value));
        if value.chars().count() > MAX_ATTRIBUTE_VALUE_CHARS {
            violations.push(FieldViolation::new(
                field,
                format!("must be at most {MAX_ATTRIBUTE_VALUE_CHARS} characters"),
            ));
            continue;
        }
        if !value.is_empty() {
            kept.insert(code, value);
        }
    }
    kept
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
            ..ReportDraft::default()
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
    fn a_photo_may_stand_for_the_description() {
        let photo_only = ReportDraft {
            description: String::new(),
            media: vec![MediaDraft::Url("https://photos.example.org/1.jpg".into())],
            ..draft()
        };
        assert_eq!(
            photo_only.validate().ok().map(|d| d.description),
            Some(String::new())
        );
        let nothing = ReportDraft {
            description: "  ".into(),
            ..draft()
        };
        assert_eq!(fields(nothing.validate()), ["report.description"]);
    }

    #[test]
    fn markup_is_stored_as_plain_text() {
        let html = ReportDraft {
            description: "<b>Buca</b> enorme<script>alert(1)</script> a < 3 m".into(),
            ..draft()
        };
        assert_eq!(
            html.validate().ok().map(|d| d.description),
            Some("Buca enorme a < 3 m".to_string())
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
            id.map(|i| i.as_str().to_owned()),
            Some("0f8fad5b-d9cb-469f-a165-70867728950e".to_string())
        );
    }
}
