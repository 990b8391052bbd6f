//! Layered, typed configuration: built-in defaults, then an optional TOML file, then
//! `SEGNALA__…` environment variables (`SEGNALA__DATABASE__URL` sets `database.url`).
//! Errors name the key that is wrong; secrets are `SecretString` and never printed.

use std::path::Path;

use figment::{
    Figment,
    providers::{Env, Format, Toml},
};
use serde::de::DeserializeOwned;

pub use secrecy::{ExposeSecret, SecretString};

/// Prefix of the environment variables that configure Segnala.
pub const ENV_PREFIX: &str = "SEGNALA__";

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("configuration key `{key}`: {message}")]
    Invalid { key: String, message: String },
    #[error("configuration file {path}: {message}")]
    File { path: String, message: String },
}

impl ConfigError {
    pub fn invalid(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            key: key.into(),
            message: message.into(),
        }
    }
}

/// Settings that can check themselves after loading.
pub trait Validate {
    fn validate(&self) -> Result<(), ConfigError>;
}

/// Loads `T` from its serde defaults, the TOML file at `file` (which must exist when
/// given) and the environment, then validates it.
pub fn load<T: DeserializeOwned + Validate>(file: Option<&Path>) -> Result<T, ConfigError> {
    let mut figment = Figment::new();
    if let Some(path) = file {
        if !path.is_file() {
            return Err(ConfigError::File {
                path: path.display().to_string(),
                message: "not found".into(),
            });
        }
        figment = figment.merge(Toml::file_exact(path));
    }
    figment = figment.merge(Env::prefixed(ENV_PREFIX).split("__"));
    let settings: T = figment.extract().map_err(from_figment)?;
    settings.validate()?;
    Ok(settings)
}

fn from_figment(error: figment::Error) -> ConfigError {
    let key = if error.path.is_empty() {
        "(root)".to_string()
    } else {
        error.path.join(".")
    };
    let source = error
        .metadata
        .as_ref()
        .map(|m| format!(" (from {})", m.name))
        .unwrap_or_default();
    ConfigError::invalid(key, format!("{}{source}", error.kind))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[serde(default, deny_unknown_fields)]
    struct Sample {
        port: u16,
        secret: Option<SecretString>,
    }

    impl Default for Sample {
        fn default() -> Self {
            Self {
                port: 7,
                secret: None,
            }
        }
    }

    impl Validate for Sample {
        fn validate(&self) -> Result<(), ConfigError> {
            if self.port == 1 {
                return Err(ConfigError::invalid("port", "1 is reserved"));
            }
            Ok(())
        }
    }

    #[test]
    fn file_overrides_defaults_and_errors_name_the_key() {
        let dir = std::env::temp_dir().join(format!("segnala-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).ok();
        let good = dir.join("good.toml");
        std::fs::write(&good, "port = 9\nsecret = \"hunter2\"\n").ok();
        let loaded: Sample = load(Some(&good))
            .map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(loaded.port, 9);
        assert!(
            !format!("{loaded:?}").contains("hunter2"),
            "secrets must not be printed"
        );

        let bad = dir.join("bad.toml");
        std::fs::write(&bad, "port = \"many\"\n").ok();
        let error = load::<Sample>(Some(&bad))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("`port`"), "{error}");

        let reserved = dir.join("reserved.toml");
        std::fs::write(&reserved, "port = 1\n").ok();
        let error = load::<Sample>(Some(&reserved))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(error, "configuration key `port`: 1 is reserved");

        let missing = load::<Sample>(Some(&dir.join("nope.toml")))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(missing.contains("not found"), "{missing}");
        std::fs::remove_dir_all(&dir).ok();
    }
}
