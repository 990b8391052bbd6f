//! The kinds of problem a citizen can report (Open311 "services"), as the city's
//! taxonomy defines them, and the checking of answers to their questions.

use std::collections::BTreeMap;

use segnala_shared::FieldViolation;

/// One kind of report, such as "Lampione spento", with the questions it asks.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceType {
    pub code: String,
    pub name: String,
    pub description: String,
    /// The department that handles it, by id.
    pub department: String,
    /// The department's name, shown as the Open311 group.
    pub group: String,
    pub keywords: Vec<String>,
    pub attributes: Vec<Attribute>,
}

/// A department of the city, by its id and its name for the public.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Department {
    pub id: String,
    pub name: String,
}

/// A question of a service (Open311 service definition attribute).
#[derive(Clone, Debug, PartialEq)]
pub struct Attribute {
    pub code: String,
    /// False: only information shown to the citizen, no answer expected.
    pub variable: bool,
    pub datatype: Datatype,
    pub required: bool,
    pub datatype_description: String,
    pub order: u32,
    pub description: String,
    pub values: Vec<AttributeValue>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttributeValue {
    pub key: String,
    pub name: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Datatype {
    String,
    Number,
    Datetime,
    Text,
    SingleValueList,
    MultiValueList,
}

impl Datatype {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::String => "string",
            Self::Number => "number",
            Self::Datetime => "datetime",
            Self::Text => "text",
            Self::SingleValueList => "singlevaluelist",
            Self::MultiValueList => "multivaluelist",
        }
    }
}

impl ServiceType {
    /// Open311 `metadata`: whether the service has questions worth fetching.
    pub fn has_questions(&self) -> bool {
        !self.attributes.is_empty()
    }

    /// Checks answers (code to the values given) against the questions and returns them
    /// as stored: multi-values joined by ",". Missing required answers, values outside
    /// a list and malformed numbers or dates are all reported. Answers to questions the
    /// service does not ask are kept as given: back-ends such as FixMyStreet send their
    /// own (`asset_id`, `fixmystreet_id`, `easting`), and refusing them would refuse
    /// their reports.
    pub fn check_answers(
        &self,
        answers: &BTreeMap<String, Vec<String>>,
    ) -> Result<BTreeMap<String, String>, Vec<FieldViolation>> {
        let mut violations = Vec::new();
        let mut kept = BTreeMap::new();
        for (code, values) in answers {
            let field = format!("attribute[{code}]");
            let values: Vec<&str> = values
                .iter()
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .collect();
            if values.is_empty() {
                continue;
            }
            if let Some(attribute) = self.attributes.iter().find(|a| &a.code == code)
                && let Err(problem) = attribute.check(&values)
            {
                violations.push(FieldViolation::new(field, problem));
                continue;
            }
            kept.insert(code.clone(), values.join(","));
        }
        for attribute in &self.attributes {
            let field = format!("attribute[{}]", attribute.code);
            let answered =
                kept.contains_key(&attribute.code) || violations.iter().any(|v| v.field == field);
            if attribute.variable && attribute.required && !answered {
                violations.push(FieldViolation::new(
                    field,
                    format!("is required: {}", attribute.description),
                ));
            }
        }
        if violations.is_empty() {
            Ok(kept)
        } else {
            Err(violations)
        }
    }
}

impl Attribute {
    fn check(&self, values: &[&str]) -> Result<(), String> {
        if !self.variable {
            return Err("is information only and takes no answer".into());
        }
        if values.len() > 1 && self.datatype != Datatype::MultiValueList {
            return Err("takes one value".into());
        }
        for value in values {
            match self.datatype {
                Datatype::Number if value.parse::<f64>().map_or(true, |n| !n.is_finite()) => {
                    return Err(format!("`{value}` is not a number"));
                }
                Datatype::Datetime if chrono::DateTime::parse_from_rfc3339(value).is_err() => {
                    return Err(format!(
                        "`{value}` is not a date and time such as 2026-05-01T10:00:00Z"
                    ));
                }
                Datatype::SingleValueList | Datatype::MultiValueList
                    if !self.values.iter().any(|v| v.key == *value) =>
                {
                    let keys: Vec<&str> = self.values.iter().map(|v| v.key.as_str()).collect();
                    return Err(format!("`{value}` is not one of: {}", keys.join(", ")));
                }
                Datatype::String if value.contains('\n') => {
                    return Err("must be one line".into());
                }
                _ => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lamp() -> ServiceType {
        let list = |datatype, required| Attribute {
            code: "tipo".into(),
            variable: true,
            datatype,
            required,
            datatype_description: String::new(),
            order: 1,
            description: "Che cosa non va?".into(),
            values: vec![
                AttributeValue {
                    key: "spento".into(),
                    name: "Spento".into(),
                },
                AttributeValue {
                    key: "lampeggia".into(),
                    name: "Lampeggia".into(),
                },
            ],
        };
        ServiceType {
            code: "illuminazione.lampione".into(),
            name: "Lampione".into(),
            description: String::new(),
            department: "street_lighting".into(),
            group: "Illuminazione pubblica".into(),
            keywords: vec![],
            attributes: vec![
                list(Datatype::MultiValueList, true),
                Attribute {
                    code: "palo".into(),
                    datatype: Datatype::Number,
                    required: false,
                    ..list(Datatype::Number, false)
                },
            ],
        }
    }

    fn answers(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn fields(result: Result<BTreeMap<String, String>, Vec<FieldViolation>>) -> Vec<String> {
        result
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|v| v.field)
            .collect()
    }

    #[test]
    fn good_answers_are_kept_and_joined() {
        let kept = lamp().check_answers(&answers(&[
            ("tipo", &["spento", "lampeggia"]),
            ("palo", &["12"]),
        ]));
        assert_eq!(
            kept.ok().map(|k| k.into_iter().collect::<Vec<_>>()),
            Some(vec![
                ("palo".to_string(), "12".to_string()),
                ("tipo".to_string(), "spento,lampeggia".to_string())
            ])
        );
    }

    #[test]
    fn bad_answers_are_named() {
        assert_eq!(
            fields(lamp().check_answers(&answers(&[]))),
            ["attribute[tipo]"]
        );
        assert_eq!(
            fields(lamp().check_answers(&answers(&[("tipo", &["rotto"]), ("palo", &["dodici"]),]))),
            ["attribute[palo]", "attribute[tipo]"]
        );
    }

    #[test]
    fn answers_to_questions_not_asked_are_kept() {
        let kept = lamp().check_answers(&answers(&[
            ("tipo", &["spento"]),
            ("asset_id", &["LP-4471"]),
            ("fixmystreet_id", &["1001"]),
            ("category", &[""]),
        ]));
        assert_eq!(
            kept.ok().map(|k| k.into_iter().collect::<Vec<_>>()),
            Some(vec![
                ("asset_id".to_string(), "LP-4471".to_string()),
                ("fixmystreet_id".to_string(), "1001".to_string()),
                ("tipo".to_string(), "spento".to_string())
            ])
        );
    }
}
