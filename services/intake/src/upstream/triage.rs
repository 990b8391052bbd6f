//! The service list, read from triage's taxonomy (`ListDepartments`) and kept for a
//! minute, so that Open311 clients and every report with a service code do not each
//! cost a call.

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
    app::ServiceCatalog,
    domain::{Attribute, AttributeValue, Datatype, ServiceType},
};

const FRESH_FOR: Duration = Duration::from_secs(60);

pub struct TriageCatalog {
    client: Option<TriageServiceClient<Connection>>,
    /// The language names and descriptions are shown in.
    language: String,
    cached: RwLock<Option<(Instant, Arc<Vec<ServiceType>>)>>,
}

impl TriageCatalog {
    pub fn new(connection: Option<Connection>, language: String) -> Self {
        Self {
            client: connection.map(TriageServiceClient::new),
            language,
            cached: RwLock::new(None),
        }
    }

    async fn fetch(&self) -> Result<Vec<ServiceType>, AppError> {
        let mut client = self.client.clone().ok_or_else(|| {
            AppError::Unavailable("no triage service configured (intake.triage_url)".into())
        })?;
        let mut services = Vec::new();
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
            for department in response.departments {
                services.extend(self.services_of(department));
            }
            if response.next_page_token.is_empty() {
                return Ok(services);
            }
            page_token = response.next_page_token;
        }
    }

    fn services_of(&self, department: pb::Department) -> Vec<ServiceType> {
        let group = self.localized(&department.display_names, &department.department_id);
        department
            .categories
            .into_iter()
            .filter(|c| !c.service_code.is_empty())
            .map(|category| ServiceType {
                name: self.localized(&category.display_names, &category.category_id),
                description: self.localized(&category.descriptions, ""),
                code: category.service_code,
                department: department.department_id.clone(),
                group: group.clone(),
                keywords: Vec::new(),
                attributes: category
                    .questions
                    .into_iter()
                    .zip(1..)
                    .filter_map(|(question, order)| self.attribute(question, order))
                    .collect(),
            })
            .collect()
    }

    /// An Open311 attribute; `None` for an answer type this version does not know.
    fn attribute(&self, question: pb::CategoryQuestion, order: u32) -> Option<Attribute> {
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
            description: self.localized(&question.texts, &question.code),
            code: question.code,
            variable: true,
            datatype,
            required: question.required,
            datatype_description: String::new(),
            order,
            values: question
                .choices
                .into_iter()
                .map(|choice| AttributeValue {
                    name: self.localized(&choice.display_names, &choice.key),
                    key: choice.key,
                })
                .collect(),
        })
    }

    /// The text in the configured language, else English, else any, else `fallback`.
    fn localized(&self, texts: &HashMap<String, String>, fallback: &str) -> String {
        texts
            .get(&self.language)
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
    async fn services(&self) -> Result<Arc<Vec<ServiceType>>, AppError> {
        if let Some((at, services)) = self.cached.read().await.as_ref()
            && at.elapsed() < FRESH_FOR
        {
            return Ok(services.clone());
        }
        match self.fetch().await {
            Ok(services) => {
                let services = Arc::new(services);
                *self.cached.write().await = Some((Instant::now(), services.clone()));
                Ok(services)
            }
            // The taxonomy changes rarely: the last list read beats refusing reports
            // while triage is away.
            Err(error) => match self.cached.read().await.as_ref() {
                Some((_, services)) => {
                    tracing::warn!(%error, "triage unreachable; serving the last service list");
                    Ok(services.clone())
                }
                None => Err(error),
            },
        }
    }
}
