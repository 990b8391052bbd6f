//! The status section of the settings tree (`[status]` in the TOML file,
//! `SEGNALA__STATUS__…` in the environment).

use segnala_shared::config::{ConfigError, Validate};
use serde::Deserialize;

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatusSettings {}

impl Validate for StatusSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        Ok(())
    }
}
