//! The triage section of the settings tree (`[triage]` in the TOML file,
//! `SEGNALA__TRIAGE__…` in the environment).

use std::path::PathBuf;

use segnala_shared::{
    config::{ConfigError, Validate},
    place::Jurisdiction,
};
use serde::Deserialize;

use crate::domain::{
    Classifier, Model, Screening, ScreeningBars, ScreeningError, Taxonomy, default_model,
    default_screening_model,
};

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TriageSettings {
    /// The city's taxonomy (TOML); the built-in Italian one when absent.
    pub taxonomy_path: Option<PathBuf>,
    /// A model trained with `segnala triage train`; the built-in one when absent.
    pub model_path: Option<PathBuf>,
    /// Reports whose best department scores under this (0 to 1) go to human review.
    pub review_threshold: f32,
    /// A screening model trained with `segnala triage train --step screening`; the
    /// built-in one when absent.
    pub screening_model_path: Option<PathBuf>,
    pub screening: ScreeningBars,
}

impl Default for TriageSettings {
    fn default() -> Self {
        Self {
            taxonomy_path: None,
            model_path: None,
            review_threshold: 0.3,
            screening_model_path: None,
            screening: ScreeningBars::default(),
        }
    }
}

impl TriageSettings {
    /// The configured taxonomy, parsed and validated; errors name the settings key.
    pub fn taxonomy(&self) -> Result<Taxonomy, ConfigError> {
        let Some(path) = &self.taxonomy_path else {
            return Taxonomy::default_italian()
                .map_err(|e| ConfigError::invalid("triage.taxonomy_path", e.to_string()));
        };
        let key = "triage.taxonomy_path";
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError::invalid(key, format!("{}: {e}", path.display())))?;
        Taxonomy::parse(&text, &path.display().to_string())
            .map_err(|e| ConfigError::invalid(key, e.to_string()))
    }
}

impl TriageSettings {
    /// Checks that the taxonomy's departments name only zones of the jurisdiction.
    pub fn check_zones(&self, jurisdiction: &Jurisdiction) -> Result<(), ConfigError> {
        self.taxonomy()?
            .check_zones(|zone| jurisdiction.zone(zone).is_some())
            .map_err(|e| ConfigError::invalid("triage.taxonomy_path", e.to_string()))
    }

    /// The configured model, checked against the taxonomy.
    pub fn classifier(&self, taxonomy: &Taxonomy) -> Result<Classifier, ConfigError> {
        let key = "triage.model_path";
        let model = match &self.model_path {
            None => default_model().map_err(|e| ConfigError::invalid(key, e.to_string()))?,
            Some(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| ConfigError::invalid(key, format!("{}: {e}", path.display())))?;
                Model::from_json(&bytes)
                    .map_err(|e| ConfigError::invalid(key, format!("{}: {e}", path.display())))?
            }
        };
        let classifier = Classifier::new(taxonomy, model, self.review_threshold)
            .map_err(|e| ConfigError::invalid(key, e.to_string()))?;
        Ok(classifier.with_screening(self.screening()?))
    }

    /// The configured screening model with its bars.
    fn screening(&self) -> Result<Screening, ConfigError> {
        let key = "triage.screening_model_path";
        let model = match &self.screening_model_path {
            None => {
                default_screening_model().map_err(|e| ConfigError::invalid(key, e.to_string()))?
            }
            Some(path) => {
                let bytes = std::fs::read(path)
                    .map_err(|e| ConfigError::invalid(key, format!("{}: {e}", path.display())))?;
                Model::from_json(&bytes)
                    .map_err(|e| ConfigError::invalid(key, format!("{}: {e}", path.display())))?
            }
        };
        Screening::new(model, self.screening).map_err(|e| {
            let key = match e {
                ScreeningError::Classes(_) => key,
                ScreeningError::Bars => "triage.screening",
            };
            ConfigError::invalid(key, e.to_string())
        })
    }
}

impl Validate for TriageSettings {
    fn validate(&self) -> Result<(), ConfigError> {
        if !(0.0..=1.0).contains(&self.review_threshold) {
            return Err(ConfigError::invalid(
                "triage.review_threshold",
                "must be between 0 and 1",
            ));
        }
        let taxonomy = self.taxonomy()?;
        self.classifier(&taxonomy).map(drop)
    }
}
