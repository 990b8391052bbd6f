//! What the public surfaces call departments, categories and zones: the names triage
//! published with its taxonomy and the zones of the city's jurisdiction. An id shows
//! only when no name is known for it.

use std::collections::BTreeMap;

/// A name per language code ("it", "en").
pub type DisplayNames = BTreeMap<String, String>;

/// A department as triage last published it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedDepartment {
    pub id: String,
    pub names: DisplayNames,
    pub categories: Vec<PublishedCategory>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedCategory {
    pub id: String,
    pub names: DisplayNames,
}

/// One `TaxonomyPublished`: every department, in the taxonomy's order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublishedTaxonomy {
    pub version: i64,
    pub departments: Vec<PublishedDepartment>,
}

/// A department known to status, and whether the newest taxonomy still has it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KnownDepartment {
    pub department: PublishedDepartment,
    pub current: bool,
}

/// A zone of the jurisdiction: its id and its one name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ZoneName {
    pub id: String,
    pub name: String,
}

/// The names of everything a public page may mention.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Names {
    /// In the newest taxonomy's order; departments it dropped keep their last names
    /// after the current ones, so that older reports still read well.
    departments: Vec<KnownDepartment>,
    zones: Vec<ZoneName>,
}

/// The name in `language`, else in any language, else `None`.
fn pick<'a>(names: &'a DisplayNames, language: &str) -> Option<&'a str> {
    names
        .get(language)
        .or_else(|| names.values().next())
        .map(String::as_str)
        .filter(|name| !name.trim().is_empty())
}

impl Names {
    pub fn new(departments: Vec<KnownDepartment>, zones: Vec<ZoneName>) -> Self {
        Self { departments, zones }
    }

    fn known(&self, id: &str) -> Option<&PublishedDepartment> {
        self.departments
            .iter()
            .map(|known| &known.department)
            .find(|department| department.id == id)
    }

    /// The department's name in `language`; its id when triage never named it.
    pub fn department(&self, id: &str, language: &str) -> String {
        self.known(id)
            .and_then(|department| pick(&department.names, language))
            .unwrap_or(id)
            .to_owned()
    }

    /// The category's name in `language` within its department; its id when unknown.
    pub fn category(&self, department: &str, id: &str, language: &str) -> String {
        self.known(department)
            .and_then(|d| d.categories.iter().find(|c| c.id == id))
            .and_then(|category| pick(&category.names, language))
            .unwrap_or(id)
            .to_owned()
    }

    /// The zone's name in the jurisdiction; its id when the jurisdiction has no such zone.
    pub fn zone(&self, id: &str) -> String {
        self.zones
            .iter()
            .find(|zone| zone.id == id)
            .map_or(id, |zone| zone.name.as_str())
            .to_owned()
    }

    /// The departments of the newest taxonomy, as (id, name in `language`).
    pub fn current_departments(&self, language: &str) -> Vec<(String, String)> {
        self.departments
            .iter()
            .filter(|known| known.current)
            .map(|known| {
                let id = known.department.id.clone();
                let name = self.department(&id, language);
                (id, name)
            })
            .collect()
    }

    pub fn zones(&self) -> &[ZoneName] {
        &self.zones
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(it: &str, en: &str) -> DisplayNames {
        DisplayNames::from([("it".into(), it.into()), ("en".into(), en.into())])
    }

    fn book() -> Names {
        let lighting = PublishedDepartment {
            id: "street_lighting".into(),
            names: names("Illuminazione pubblica", "Street lighting"),
            categories: vec![PublishedCategory {
                id: "lamp_out".into(),
                names: names("Lampione spento", "Street light out"),
            }],
        };
        let old = PublishedDepartment {
            id: "markets".into(),
            names: DisplayNames::from([("it".into(), "Mercati".into())]),
            categories: Vec::new(),
        };
        Names::new(
            vec![
                KnownDepartment {
                    department: lighting,
                    current: true,
                },
                KnownDepartment {
                    department: old,
                    current: false,
                },
            ],
            vec![ZoneName {
                id: "municipio_1".into(),
                name: "Municipio 1 – Centro storico".into(),
            }],
        )
    }

    #[test]
    fn names_come_in_the_language_asked_and_ids_only_as_a_last_resort() {
        let book = book();
        assert_eq!(book.department("street_lighting", "en"), "Street lighting");
        assert_eq!(
            book.department("street_lighting", "it"),
            "Illuminazione pubblica"
        );
        assert_eq!(book.department("markets", "en"), "Mercati", "any language");
        assert_eq!(book.department("unknown_dept", "en"), "unknown_dept");
        assert_eq!(
            book.category("street_lighting", "lamp_out", "en"),
            "Street light out"
        );
        assert_eq!(book.category("roads", "lamp_out", "en"), "lamp_out");
        assert_eq!(book.zone("municipio_1"), "Municipio 1 – Centro storico");
        assert_eq!(book.zone("municipio_42"), "municipio_42");
        assert_eq!(
            book.current_departments("it"),
            [("street_lighting".into(), "Illuminazione pubblica".into())],
            "a department the newest taxonomy dropped is not offered"
        );
    }
}
