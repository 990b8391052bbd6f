use std::collections::HashSet;

use serde::Deserialize;

/// Departments and the words that point to them. Configuration, not code: a city
/// replaces the file.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Taxonomy {
    pub departments: Vec<Department>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub id: String,
    pub name_it: String,
    pub name_en: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Reports that reach this department are emergencies.
    #[serde(default)]
    pub emergency: bool,
    /// Where reports go when no keyword matches.
    #[serde(default)]
    pub fallback: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    #[error("taxonomy: {0}")]
    Parse(#[from] toml::de::Error),
    #[error("taxonomy: departments[{index}].id `{id}`: {message}")]
    Invalid {
        index: usize,
        id: String,
        message: String,
    },
    #[error("taxonomy: exactly one department must have `fallback = true`, found {0}")]
    Fallback(usize),
}

const DEFAULT_TAXONOMY: &str = include_str!("../../taxonomy.toml");

impl Taxonomy {
    pub fn default_italian() -> Result<Self, TaxonomyError> {
        Self::parse(DEFAULT_TAXONOMY)
    }

    pub fn parse(text: &str) -> Result<Self, TaxonomyError> {
        let taxonomy: Taxonomy = toml::from_str(text)?;
        taxonomy.validate()?;
        Ok(taxonomy)
    }

    fn validate(&self) -> Result<(), TaxonomyError> {
        let mut seen = HashSet::new();
        for (index, department) in self.departments.iter().enumerate() {
            let invalid = |message: &str| TaxonomyError::Invalid {
                index,
                id: department.id.clone(),
                message: message.to_owned(),
            };
            if department.id.is_empty()
                || !department
                    .id
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_')
            {
                return Err(invalid("ids are lower-case letters and underscores"));
            }
            if !seen.insert(department.id.as_str()) {
                return Err(invalid("is used twice"));
            }
            if department.keywords.iter().any(|k| k.trim().is_empty()) {
                return Err(invalid("has an empty keyword"));
            }
        }
        let fallbacks = self.departments.iter().filter(|d| d.fallback).count();
        if fallbacks != 1 {
            return Err(TaxonomyError::Fallback(fallbacks));
        }
        Ok(())
    }

    pub fn fallback(&self) -> Option<&Department> {
        self.departments.iter().find(|d| d.fallback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_taxonomy_has_the_stable_department_ids() {
        let taxonomy = Taxonomy::default_italian().map_err(|e| e.to_string());
        let ids: Vec<String> = taxonomy
            .map(|t| t.departments.into_iter().map(|d| d.id).collect())
            .unwrap_or_default();
        assert_eq!(
            ids,
            [
                "street_lighting",
                "roads",
                "waste",
                "parks_trees",
                "water_sewer",
                "traffic",
                "public_transport",
                "local_police",
                "urban_decorum",
                "animals",
                "civil_protection",
                "general"
            ]
        );
    }

    #[test]
    fn errors_name_the_department() {
        let twice = "[[departments]]\nid='a'\nname_it='A'\nname_en='A'\nfallback=true\n[[departments]]\nid='a'\nname_it='B'\nname_en='B'\n";
        let error = Taxonomy::parse(twice)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert_eq!(error, "taxonomy: departments[1].id `a`: is used twice");
        let none = "[[departments]]\nid='a'\nname_it='A'\nname_en='A'\n";
        assert!(matches!(
            Taxonomy::parse(none),
            Err(TaxonomyError::Fallback(0))
        ));
    }
}
