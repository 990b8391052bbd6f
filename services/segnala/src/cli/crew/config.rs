//! Where `segnala crew login` keeps the server and the crew's token: a TOML file only
//! its owner can read.

use std::path::{Path, PathBuf};

use segnala_shared::{
    config::SecretString,
    time::{DEFAULT_TIME_ZONE, Tz},
};
use serde::{Deserialize, Serialize};

use crate::cli::{
    CommandError,
    client::{Intercepted, TrustArgs, connect},
    clock::parse_time_zone,
};

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CrewConfig {
    /// The tracking service, such as https://tracking.segnala.comune.it.
    pub server: String,
    pub token: String,
    /// A certificate to trust for an https:// server besides the web's roots.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_cert: Option<PathBuf>,
    /// The department `next`, `queue` and `watch` use when none is given.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub department: String,
    /// The order the crew claimed last: the default of the commands that act on one.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub current: String,
    /// The city's time zone (an IANA name) the times are shown in; Europe/Rome when
    /// empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub time_zone: String,
}

impl CrewConfig {
    /// `--config`, else `$XDG_CONFIG_HOME/segnala/crew.toml`, else
    /// `~/.config/segnala/crew.toml`.
    pub fn default_path() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
        Some(base.join("segnala").join("crew.toml"))
    }

    pub fn load(path: &Path) -> Result<Self, CommandError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                CommandError::new(format!(
                    "not logged in ({} does not exist): run `segnala crew login --server URL` first",
                    path.display()
                ))
            } else {
                CommandError::new(format!("{}: {e}", path.display()))
            }
        })?;
        let config: Self = toml::from_str(&text)
            .map_err(|e| CommandError::new(format!("{}: {e}", path.display())))?;
        config
            .zone()
            .map_err(|e| CommandError::new(format!("{}: time_zone: {e}", path.display())))?;
        Ok(config)
    }

    /// The time zone the login saved, else the default city's.
    pub fn zone(&self) -> Result<Tz, String> {
        if self.time_zone.is_empty() {
            return Ok(DEFAULT_TIME_ZONE);
        }
        parse_time_zone(&self.time_zone)
    }

    pub fn save(&self, path: &Path) -> Result<(), CommandError> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| CommandError::new(format!("{}: {e}", dir.display())))?;
        }
        let text = toml::to_string(self).map_err(|e| CommandError::new(e.to_string()))?;
        let failed = |e: std::io::Error| CommandError::new(format!("{}: {e}", path.display()));
        crate::platform::write_private(path, &text).map_err(failed)?;
        // A file that existed before keeps its mode on write: tighten it too.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(failed)?;
        }
        Ok(())
    }

    pub fn token(&self) -> SecretString {
        SecretString::from(self.token.clone())
    }

    pub fn trust(&self) -> TrustArgs {
        TrustArgs {
            ca_cert: self.ca_cert.clone(),
        }
    }

    /// A client of the server, with the crew's token.
    pub async fn connect<T>(&self, make: fn(Intercepted) -> T) -> Result<T, CommandError> {
        connect(&self.server, &self.trust(), Some(self.token()), make).await
    }
}
