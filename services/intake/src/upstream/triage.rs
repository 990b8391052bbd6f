//! The service list, read from triage's taxonomy (`ListDepartments`) and kept for a
//! minute, so that Open311 clients and every report with a service code do not each
//! cost a call. The taxonomy comes with its texts in every language it has; each
//! language asked for is put together once per reading.

use std::{
    collections::HashMap,
    sync::Arc,
    time::{Duration, Instant},
};

use segnala_proto::triage::v1::{self as pb, triage_service_client::TriageServiceClient};
use segnala_shared::AppError;
use tokio::sync::RwLock;

use super::{Connection, call_failed};
use crate::{
    app::{Catalog, ServiceCatalog},
    domain::{Attribute, AttributeValue, Datatype, Department, ServiceType},
};

const FRESH_FOR: Duration = Duration::from_secs(60);

pub struct TriageCatalog {
    client: Option<TriageServiceClient<Connection>>,
    /// The city's language: the texts a language lacks are taken from it.
    city_language: String,
    cached: RwLock<Option<Reading>>,
}

/// The taxonomy as last read, and the languages put together from it so far.
struct Reading {
    at: Instant,
    departments: Arc<Vec<pb::Department>>,
    /// Language code to the catalog in it. Only languages intake speaks are asked
    /// for, so this stays small.
    by_language: HashMap<String, Arc<Catalog>>,
}

impl TriageCatalog {
    pub fn new(connection: Option<Connection>, city_language: String) -> Self {
        Self {
            client: connection.map(TriageServiceClient::new),
            city_language,
            cached: RwLock::new(None),
        }
    }

    async fn fetch(&self) -> Result<Vec<pb::Department>, AppError> {
        let mut client = self.client.clone().ok_or_else(|| {
            AppError::Unavailable("no triage service configured (intake.triage_url)".into())
        })?;
        let mut departments = Vec::new();
        let mut page_token = String::new();
        loop {
            let response = client
                .list_departments(pb::ListDepartmentsRequest {
                    page_size: 0,
                    page_token: page_token.clone(),
                })
                .await
                .map_err(|s| call_failed("triage", s))?
                .into_inner();
            departments.extend(response.departments);
            if response.next_page_token.is_empty() {
                return Ok(departments);
            }
            page_token = response.next_page_token;
        }
    }

    /// The catalog in `language`.
    fn catalog_in(&self, departments: &[pb::Department], language: &str) -> Catalog {
        let texts = Texts {
            language,
            city_language: &self.city_language,
        };
        Catalog {
            services: departments
                .iter()
                .flat_map(|department| texts.services_of(department))
                .collect(),
            departments: departments
                .iter()
                .map(|department| Department {
                    id: department.department_id.clone(),
                    name: texts.pick(&department.display_names, &department.department_id),
                })
                .collect(),
        }
    }
}

/// Picks each text of the taxonomy in one language.
struct Texts<'a> {
    language: &'a str,
    city_language: &'a str,
}

impl Texts<'_> {
    fn services_of(&self, department: &pb::Department) -> Vec<ServiceType> {
        let group = self.pick(&department.display_names, &department.department_id);
        department
            .categories
            .iter()
            .filter(|c| !c.service_code.is_empty())
            .map(|category| ServiceType {
                name: self.pick(&category.display_names, &category.category_id),
                description: self.pick(&category.descriptions, ""),
                code: category.service_code.clone(),
                department: department.department_id.clone(),
                group: group.clone(),
                keywords: Vec::new(),
                attributes: category
                    .questions
                    .iter()
                    .zip(1..)
                    .filter_map(|(question, order)| self.attribute(question, order))
                    .collect(),
            })
            .collect()
    }

    /// An Open311 attribute; `None` for an answer type this version does not know.
    fn attribute(&self, question: &pb::CategoryQuestion, order: u32) -> Option<Attribute> {
        let datatype = match question.answer_type() {
            pb::AnswerType::String => Datatype::String,
            pb::AnswerType::Number => Datatype::Number,
            pb::AnswerType::Datetime => Datatype::Datetime,
            pb::AnswerType::Text => Datatype::Text,
            pb::AnswerType::SingleChoice => Datatype::SingleValueList,
            pb::AnswerType::MultipleChoice => Datatype::MultiValueList,
            pb::AnswerType::Unspecified => return None,
        };
        Some(Attribute {
            description: self.pick(&question.texts, &question.code),
            code: question.code.clone(),
            variable: true,
            datatype,
            required: question.required,
            datatype_description: String::new(),
            order,
            values: question
                .choices
                .iter()
                .map(|choice| AttributeValue {
                    name: self.pick(&choice.display_names, &choice.key),
                    key: choice.key.clone(),
                })
                .collect(),
        })
    }

    /// The text in the language asked for, else the city's, else English, else any,
    /// else `fallback`.
    fn pick(&self, texts: &HashMap<String, String>, fallback: &str) -> String {
        texts
            .get(self.language)
            .or_else(|| texts.get(self.city_language))
            .or_else(|| texts.get("en"))
            .or_else(|| {
                let mut languages: Vec<&String> = texts.keys().collect();
                languages.sort();
                languages.first().and_then(|l| texts.get(*l))
            })
            .cloned()
            .unwrap_or_else(|| fallback.to_owned())
    }
}

#[async_trait::async_trait]
impl ServiceCatalog for TriageCatalog {
    async fn catalog(&self, language: &str) -> Result<Arc<Catalog>, AppError> {
        let departments = {
            let cached = self.cached.read().await;
            match cached.as_ref() {
                Some(reading) if reading.at.elapsed() < FRESH_FOR => {
                    if let Some(catalog) = reading.by_language.get(language) {
                        return Ok(catalog.clone());
                    }
                    Some(reading.departments.clone())
                }
                _ => None,
            }
        };
        let departments = match departments {
            Some(departments) => departments,
            None => match self.fetch().await {
                Ok(departments) => {
                    let departments = Arc::new(departments);
                    *self.cached.write().await = Some(Reading {
                        at: Instant::now(),
                        departments: departments.clone(),
                        by_language: HashMap::new(),
                    });
                    departments
                }
                // The taxonomy changes rarely: the last list read beats refusing
                // reports while triage is away.
                Err(error) => match self.cached.read().await.as_ref() {
                    Some(reading) => {
                        tracing::warn!(%error, "triage unreachable; serving the last service list");
                        reading.departments.clone()
                    }
                    None => return Err(error),
                },
            },
        };
        let catalog = Arc::new(self.catalog_in(&departments, language));
        if let Some(reading) = self.cached.write().await.as_mut()
            && Arc::ptr_eq(&reading.departments, &departments)
        {
            reading
                .by_language
                .insert(language.to_owned(), catalog.clone());
        }
        Ok(catalog)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(l, t)| (l.to_string(), t.to_string()))
            .collect()
    }

    #[test]
    fn each_text_comes_in_the_language_asked_else_the_citys() {
        let department = pb::Department {
            department_id: "street_lighting".into(),
            display_names: texts(&[("it", "Illuminazione pubblica"), ("en", "Street lighting")]),
            categories: vec![pb::Category {
                category_id: "lamp_out".into(),
                service_code: "101".into(),
                display_names: texts(&[("it", "Lampione spento"), ("en", "Street lamp out")]),
                descriptions: texts(&[("it", "Un lampione non si accende")]),
                questions: Vec::new(),
            }],
            ..Default::default()
        };
        let catalog = TriageCatalog::new(None, "it".into());
        let english = catalog.catalog_in(std::slice::from_ref(&department), "en");
        assert_eq!(english.services[0].name, "Street lamp out");
        assert_eq!(english.services[0].group, "Street lighting");
        assert_eq!(
            english.services[0].description, "Un lampione non si accende",
            "a text missing in English comes in the city's language"
        );
        assert_eq!(
            english.department_name("street_lighting"),
            Some("Street lighting")
        );
        let italian = catalog.catalog_in(&[department], "it");
        assert_eq!(italian.services[0].name, "Lampione spento");
        assert_eq!(
            italian.department_name("street_lighting"),
            Some("Illuminazione pubblica")
        );
        assert_eq!(italian.department_name("unknown"), None);
    }
}
