//! The settings tree of a Segnala process. Defaults run everything embedded: SQLite
//! files in `data_dir` and the in-process bus.

use std::{net::IpAddr, path::PathBuf};

use segnala_intake::IntakeSettings;
use segnala_shared::{
    config::{ConfigError, ExposeSecret, SecretString, Validate},
    grpc::{ApiKeySettings, TlsSettings, auth::validate_keys},
    place::Jurisdiction,
    telemetry::TelemetrySettings,
    time::{DEFAULT_TIME_ZONE, Tz},
};
use segnala_status::StatusSettings;
use segnala_tracking::TrackingSettings;
use segnala_triage::TriageSettings;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Where embedded mode keeps its SQLite files and its local API key.
    pub data_dir: PathBuf,
    pub database: DatabaseSettings,
    pub bus: BusSettings,
    pub listen: ListenSettings,
    pub auth: AuthSettings,
    pub telemetry: TelemetrySettings,
    /// Where citizens reach the public status pages; links in replies point there.
    /// Empty: the status service's own HTTP address.
    pub public_url: String,
    /// The city's boundary and zones (GeoJSON, see docs/triage.md). Absent: the
    /// example city shipped with Segnala.
    pub jurisdiction_path: Option<PathBuf>,
    /// The city's time zone (an IANA name): every time shown to people is in it.
    pub time_zone: Tz,
    pub intake: IntakeSettings,
    pub triage: TriageSettings,
    pub tracking: TrackingSettings,
    pub status: StatusSettings,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseSettings {
    /// A PostgreSQL URL. Absent: SQLite files in `data_dir`. Each service keeps its
    /// tables in a schema named after it.
    pub url: Option<SecretString>,
    pub max_connections: u32,
    /// Connections each service's pool opens at start and keeps, so that the first
    /// reports after a start do not wait while new connections open and load their
    /// catalogs. Absent: `max_connections`.
    pub min_connections: Option<u32>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BusSettings {
    /// An AMQP URL. Absent: the in-process bus (only for `segnala up`).
    pub url: Option<SecretString>,
    /// Prepended to exchange and queue names, to share a broker.
    pub prefix: String,
    /// Deliveries a consumer may hold unacknowledged. It handles up to half of them in
    /// one transaction while the rest arrive.
    pub prefetch: u16,
    /// Deliveries of one message before it is dead-lettered.
    pub delivery_limit: u32,
}

/// Where a process listens unless told otherwise, and so where the command-line clients
/// look for it.
pub mod default_listen {
    use std::net::Ipv4Addr;

    pub const HOST: Ipv4Addr = Ipv4Addr::LOCALHOST;
    pub const INTAKE_PORT: u16 = 50051;
    pub const TRIAGE_PORT: u16 = 50052;
    pub const TRACKING_PORT: u16 = 50053;
    pub const STATUS_PORT: u16 = 50054;
    pub const INTAKE_HTTP_PORT: u16 = 8081;
    pub const STATUS_HTTP_PORT: u16 = 8080;
    /// Prometheus's registered port for exporters of this kind.
    pub const METRICS_PORT: u16 = 9464;

    /// The plain-text URL of `port` on the default host, such as `http://127.0.0.1:50051`.
    pub fn url(port: u16) -> String {
        format!("http://{HOST}:{port}")
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ListenSettings {
    pub host: IpAddr,
    pub intake_port: u16,
    pub triage_port: u16,
    pub tracking_port: u16,
    pub status_port: u16,
    /// Open311 and the channels' webhooks.
    pub intake_http_port: u16,
    /// The public status pages, feeds and JSON.
    pub status_http_port: u16,
    /// Prometheus metrics (`/metrics`) of every service in the process; keep it off the
    /// public network.
    pub metrics_port: u16,
    /// A certificate for the tracking service's gRPC port, the one crews reach from
    /// the street: with it, that port serves TLS only.
    pub tracking_tls: Option<TlsSettings>,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    pub api_keys: Vec<ApiKeySettings>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("segnala-data"),
            database: DatabaseSettings::default(),
            bus: BusSettings::default(),
            listen: ListenSettings::default(),
            auth: AuthSettings::default(),
            telemetry: TelemetrySettings::default(),
            public_url: String::new(),
            jurisdiction_path: None,
            time_zone: DEFAULT_TIME_ZONE,
            intake: IntakeSettings::default(),
            triage: TriageSettings::default(),
            tracking: TrackingSettings::default(),
            status: StatusSettings::default(),
        }
    }
}

impl Default for DatabaseSettings {
    fn default() -> Self {
        Self {
            url: None,
            max_connections: 10,
            min_connections: None,
        }
    }
}

impl Default for BusSettings {
    fn default() -> Self {
        Self {
            url: None,
            prefix: String::new(),
            prefetch: 512,
            delivery_limit: 20,
        }
    }
}

impl Default for ListenSettings {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(default_listen::HOST),
            intake_port: default_listen::INTAKE_PORT,
            triage_port: default_listen::TRIAGE_PORT,
            tracking_port: default_listen::TRACKING_PORT,
            status_port: default_listen::STATUS_PORT,
            intake_http_port: default_listen::INTAKE_HTTP_PORT,
            status_http_port: default_listen::STATUS_HTTP_PORT,
            metrics_port: default_listen::METRICS_PORT,
            tracking_tls: None,
        }
    }
}

impl Settings {
    /// The configured jurisdiction, parsed and validated.
    pub fn jurisdiction(&self) -> Result<Jurisdiction, ConfigError> {
        Jurisdiction::load(self.jurisdiction_path.as_deref())
    }
}

impl Validate for Settings {
    fn validate(&self) -> Result<(), ConfigError> {
        if let Some(url) = &self.database.url {
            let url = url.expose_secret();
            if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
                return Err(ConfigError::invalid(
                    "database.url",
                    "must be a postgres:// URL",
                ));
            }
        }
        if self.database.max_connections == 0 {
            return Err(ConfigError::invalid(
                "database.max_connections",
                "must be at least 1",
            ));
        }
        if self
            .database
            .min_connections
            .is_some_and(|min| min > self.database.max_connections)
        {
            return Err(ConfigError::invalid(
                "database.min_connections",
                "must not exceed database.max_connections",
            ));
        }
        if let Some(url) = &self.bus.url {
            let url = url.expose_secret();
            if !(url.starts_with("amqp://") || url.starts_with("amqps://")) {
                return Err(ConfigError::invalid(
                    "bus.url",
                    "must be an amqp:// or amqps:// URL",
                ));
            }
        }
        if !self
            .bus
            .prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
        {
            return Err(ConfigError::invalid(
                "bus.prefix",
                "may hold only letters, digits, '.', '_' and '-'",
            ));
        }
        if self.bus.prefetch == 0 {
            return Err(ConfigError::invalid("bus.prefetch", "must be at least 1"));
        }
        if self.bus.delivery_limit == 0 {
            return Err(ConfigError::invalid(
                "bus.delivery_limit",
                "must be at least 1",
            ));
        }
        if !(self.public_url.is_empty()
            || self.public_url.starts_with("http://")
            || self.public_url.starts_with("https://"))
        {
            return Err(ConfigError::invalid(
                "public_url",
                "must be an http:// or https:// URL",
            ));
        }
        validate_keys(&self.auth.api_keys, "auth.api_keys")?;
        let jurisdiction = self.jurisdiction()?;
        self.intake.validate()?;
        self.triage.validate()?;
        self.triage.check_zones(&jurisdiction)?;
        self.tracking.validate()?;
        self.status.validate()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_key_and_hide_secrets() {
        let mut settings = Settings::default();
        settings.bus.url = Some(SecretString::from("http://guest:s3cret@broker"));
        let error = settings
            .validate()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(
            error,
            "configuration key `bus.url`: must be an amqp:// or amqps:// URL"
        );
        assert!(!format!("{settings:?}").contains("s3cret"));
        assert!(Settings::default().validate().is_ok());
    }

    #[test]
    fn the_time_zone_is_an_iana_name_and_rome_by_default() {
        assert_eq!(Settings::default().time_zone.name(), "Europe/Rome");
        let settings = toml::from_str::<Settings>("time_zone = \"Europe/London\"");
        assert_eq!(
            settings.map(|s| s.time_zone.name()).ok(),
            Some("Europe/London")
        );
        let error = toml::from_str::<Settings>("time_zone = \"Mars/Olympus\"")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("time_zone"), "{error}");
    }

    #[test]
    fn a_pool_cannot_keep_more_connections_than_it_may_open() {
        let mut settings = Settings::default();
        settings.database.min_connections = Some(settings.database.max_connections + 1);
        let error = settings.validate().err().map(|e| e.to_string());
        assert_eq!(
            error.as_deref(),
            Some(
                "configuration key `database.min_connections`: must not exceed database.max_connections"
            )
        );
        settings.database.min_connections = Some(settings.database.max_connections);
        assert!(settings.validate().is_ok());
    }
}
