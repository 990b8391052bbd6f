use std::net::IpAddr;

use chrono::{DateTime, Utc};
use segnala_shared::{AppError, error::FieldViolation, tracking_code::TrackingCode};

/// What a subscription follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Topic {
    /// One report, by its tracking code.
    Report(String),
    /// Every report in a zone.
    Zone(String),
}

/// Someone's URL that hears of every public change of a report or a zone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscription {
    pub id: uuid::Uuid,
    pub target_url: String,
    pub topic: Topic,
    pub created_at: DateTime<Utc>,
}

pub const MAX_URL_CHARS: usize = 2000;
pub const MAX_ZONE_CHARS: usize = 100;

/// Where webhooks may go.
#[derive(Clone, Copy, Debug, Default)]
pub struct TargetPolicy {
    /// `http` and loopback or private addresses too: for tests and local set-ups only,
    /// since otherwise anyone could make the server call into its own network.
    pub allow_private: bool,
}

impl Subscription {
    /// Checks what a subscriber asked for; every problem is named. `zones` are the
    /// ids of the city's zones: another would never hear of anything.
    pub fn new(
        target_url: &str,
        tracking_code: &str,
        zone: &str,
        policy: TargetPolicy,
        zones: &[&str],
        now: DateTime<Utc>,
    ) -> Result<Self, AppError> {
        let mut violations = Vec::new();
        if let Err(problem) = check_target(target_url, policy) {
            violations.push(FieldViolation::new("subscription.target_url", problem));
        }
        let (code, zone) = (tracking_code.trim(), zone.trim());
        let topic = match (code.is_empty(), zone.is_empty()) {
            (true, true) => {
                violations.push(FieldViolation::new(
                    "subscription.tracking_code",
                    "give the tracking_code of a report, or a zone",
                ));
                None
            }
            (false, false) => {
                violations.push(FieldViolation::new(
                    "subscription.zone",
                    "give a tracking_code or a zone, not both",
                ));
                None
            }
            (false, true) => match TrackingCode::parse(code) {
                Ok(code) => Some(Topic::Report(code.to_string())),
                Err(e) => {
                    violations.push(FieldViolation::new(
                        "subscription.tracking_code",
                        e.to_string(),
                    ));
                    None
                }
            },
            (true, false) if zone.chars().count() > MAX_ZONE_CHARS => {
                violations.push(FieldViolation::new(
                    "subscription.zone",
                    format!("must be at most {MAX_ZONE_CHARS} characters"),
                ));
                None
            }
            (true, false) if !zones.contains(&zone) => {
                violations.push(FieldViolation::new(
                    "subscription.zone",
                    format!(
                        "`{zone}` is not a zone of the city; its zones are: {}",
                        zones.join(", ")
                    ),
                ));
                None
            }
            (true, false) => Some(Topic::Zone(zone.to_owned())),
        };
        match topic {
            Some(topic) if violations.is_empty() => Ok(Self {
                id: uuid::Uuid::now_v7(),
                target_url: target_url.trim().to_owned(),
                topic,
                created_at: now,
            }),
            _ => Err(AppError::InvalidArgument(violations)),
        }
    }

    /// Whether it asked for the same thing as `other` (a retried creation).
    pub fn same_request(&self, other: &Self) -> bool {
        self.target_url == other.target_url && self.topic == other.topic
    }
}

fn check_target(text: &str, policy: TargetPolicy) -> Result<(), String> {
    let text = text.trim();
    if text.chars().count() > MAX_URL_CHARS {
        return Err(format!("must be at most {MAX_URL_CHARS} characters"));
    }
    let url = url::Url::parse(text).map_err(|e| format!("is not a URL: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if policy.allow_private => {}
        _ => return Err("must be an https URL".into()),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not hold credentials".into());
    }
    let private = match url.host() {
        None => return Err("must name a host".into()),
        Some(url::Host::Domain(domain)) => {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            domain == "localhost" || domain.ends_with(".localhost") || domain.ends_with(".local")
        }
        Some(url::Host::Ipv4(ip)) => is_private(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_private(IpAddr::V6(ip)),
    };
    if private && !policy.allow_private {
        return Err("must be a public address".into());
    }
    Ok(())
}

fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => {
            ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
                || ip.is_documentation()
                // 100.64.0.0/10, carrier-grade NAT.
                || (ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64)
        }
        IpAddr::V6(ip) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || ip.is_unique_local()
                || ip.is_unicast_link_local()
                || ip
                    .to_ipv4_mapped()
                    .is_some_and(|v4| is_private(IpAddr::V4(v4)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(url: &str, code: &str, zone: &str, allow_private: bool) -> Result<Subscription, String> {
        Subscription::new(
            url,
            code,
            zone,
            TargetPolicy { allow_private },
            &["municipio_1", "z"],
            Utc::now(),
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn subscribers_name_a_public_https_url_and_one_topic() {
        let ok = new(
            "https://hooks.example.org/segnala",
            "7kq2 m9xa 4brt",
            "",
            false,
        );
        assert_eq!(
            ok.map(|s| s.topic),
            Ok(Topic::Report("7KQ2-M9XA-4BRT".into()))
        );
        assert!(new("https://hooks.example.org/x", "", "municipio_1", false).is_ok());
        for (url, code, zone, problem) in [
            ("http://hooks.example.org/x", "", "z", "https"),
            ("https://127.0.0.1/x", "", "z", "public address"),
            ("https://10.1.2.3/x", "", "z", "public address"),
            ("https://[::1]/x", "", "z", "public address"),
            ("https://localhost/x", "", "z", "public address"),
            (
                "https://user:pw@hooks.example.org/x",
                "",
                "z",
                "credentials",
            ),
            ("not a url", "", "z", "not a URL"),
            (
                "https://hooks.example.org/x",
                "",
                "municipio-1",
                "`municipio-1` is not a zone of the city; its zones are: municipio_1, z",
            ),
            (
                "https://hooks.example.org/x",
                "",
                "",
                "tracking_code of a report, or a zone",
            ),
            (
                "https://hooks.example.org/x",
                "7KQ2-M9XA-4BRT",
                "z",
                "not both",
            ),
            (
                "https://hooks.example.org/x",
                "nope!",
                "",
                "subscription.tracking_code",
            ),
        ] {
            let error = new(url, code, zone, false).err().unwrap_or_default();
            assert!(error.contains(problem), "{url} {code} {zone}: {error}");
        }
        assert!(new("http://127.0.0.1:8080/x", "", "z", true).is_ok());
    }
}
