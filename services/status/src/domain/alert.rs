use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use segnala_shared::{AppError, error::FieldViolation};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Info,
    Warning,
    Emergency,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Emergency => "emergency",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Info, Self::Warning, Self::Emergency]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// An operator's broadcast to everyone, shown on the public pages while active.
#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub id: uuid::Uuid,
    pub severity: Severity,
    /// Per language code ("it", "en").
    pub title: BTreeMap<String, String>,
    pub body: BTreeMap<String, String>,
    /// Zone id, or `None` for the whole city.
    pub zone: Option<String>,
    pub published_at: DateTime<Utc>,
    pub expires_at: Option<DateTime<Utc>>,
    /// When an operator ended it before it expired.
    pub ended_at: Option<DateTime<Utc>>,
}

pub const MAX_TITLE_CHARS: usize = 140;
pub const MAX_BODY_CHARS: usize = 2000;

impl Alert {
    /// The text in `lang`, or in Italian, or in any language given.
    pub fn text<'a>(map: &'a BTreeMap<String, String>, lang: &str) -> &'a str {
        map.get(lang)
            .or_else(|| map.get("it"))
            .or_else(|| map.values().next())
            .map_or("", String::as_str)
    }

    /// Whether a page about `zone` (or about the whole city, `None`) shows it: city-wide
    /// alerts show everywhere, a zone's alert on the city-wide pages and that zone's.
    pub fn concerns(&self, zone: Option<&str>) -> bool {
        match (self.zone.as_deref(), zone) {
            (Some(own), Some(asked)) => own == asked,
            _ => true,
        }
    }

    /// Whether it says what `other` says (a retried publication): all but the id and
    /// the times the server sets; the expiry to the microsecond, as databases keep it.
    pub fn same_request(&self, other: &Self) -> bool {
        let micros = |alert: &Self| alert.expires_at.map(|t| t.timestamp_micros());
        self.severity == other.severity
            && self.title == other.title
            && self.body == other.body
            && self.zone == other.zone
            && micros(self) == micros(other)
    }

    /// Checks what an operator wrote; every problem is named.
    pub fn validate(&self, now: DateTime<Utc>) -> Result<(), AppError> {
        let mut violations = Vec::new();
        let mut check = |field: &str, map: &BTreeMap<String, String>, max: usize| {
            if map.values().all(|v| v.trim().is_empty()) {
                violations.push(FieldViolation::new(
                    field,
                    "needs a text in at least one language",
                ));
            }
            for (lang, text) in map {
                if !matches!(lang.as_str(), "it" | "en") {
                    violations.push(FieldViolation::new(
                        format!("{field}[{lang}]"),
                        "only the languages it and en are shown",
                    ));
                }
                if text.chars().count() > max {
                    violations.push(FieldViolation::new(
                        format!("{field}[{lang}]"),
                        format!("must be at most {max} characters"),
                    ));
                }
            }
        };
        check("title", &self.title, MAX_TITLE_CHARS);
        check("body", &self.body, MAX_BODY_CHARS);
        if self.expires_at.is_some_and(|at| at <= now) {
            violations.push(FieldViolation::new("expire_time", "must be in the future"));
        }
        if violations.is_empty() {
            Ok(())
        } else {
            Err(AppError::InvalidArgument(violations))
        }
    }
}
