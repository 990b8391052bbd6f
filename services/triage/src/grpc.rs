//! The gRPC edge of triage.

use std::{collections::HashMap, sync::Arc};

use segnala_proto::triage::v1::{
    self as pb,
    triage_service_server::{TriageService, TriageServiceServer},
};
use segnala_shared::{
    AppError,
    grpc::{Access, MethodPolicy, Role, into_status},
    time::to_timestamp,
    tracking_code::parse_report_name,
};
use tonic::{Request, Response, Status};

use crate::{
    app::Decisions,
    domain::{AnswerKind, Category, Department, Priority, Question, Taxonomy},
    events,
    store::Outcome,
};

const DOMAIN: &str = "triage.segnala";

pub fn policy() -> MethodPolicy {
    MethodPolicy::new()
        .allow(
            "/segnala.triage.v1.TriageService/GetDecision",
            Access::Roles(&[Role::Operator]),
        )
        .allow(
            "/segnala.triage.v1.TriageService/ListDepartments",
            Access::Public,
        )
}

pub fn server(decisions: Decisions, taxonomy: Arc<Taxonomy>) -> TriageServiceServer<TriageApi> {
    TriageServiceServer::new(TriageApi {
        decisions,
        departments: taxonomy
            .departments
            .iter()
            .map(|d| department(&taxonomy, d))
            .collect(),
    })
}

pub struct TriageApi {
    decisions: Decisions,
    /// The taxonomy as the API shows it, converted once.
    departments: Vec<pb::Department>,
}

#[tonic::async_trait]
impl TriageService for TriageApi {
    async fn get_decision(
        &self,
        request: Request<pb::GetDecisionRequest>,
    ) -> Result<Response<pb::GetDecisionResponse>, Status> {
        let name = request.into_inner().name;
        let result = async {
            let code = name
                .strip_suffix("/decision")
                .ok_or(())
                .and_then(|report| parse_report_name(report).map_err(drop))
                .map_err(|()| {
                    AppError::invalid("name", "must be reports/{tracking_code}/decision")
                })?;
            self.decisions.get(&code).await
        }
        .await;
        let stored = result.map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::GetDecisionResponse {
            decision: Some(pb::Decision {
                name: format!("reports/{}/decision", stored.tracking_code),
                department: stored.department,
                category: stored.category,
                priority: events::priority(stored.priority) as i32,
                matched_keywords: stored.explanation.matched_keywords,
                method: stored.explanation.method,
                decide_time: Some(to_timestamp(stored.decided_at)),
                version: stored.version,
                outcome: match stored.outcome {
                    Outcome::Routed => pb::DecisionOutcome::Routed,
                    Outcome::NeedsReview => pb::DecisionOutcome::NeedsReview,
                    Outcome::Rejected => pb::DecisionOutcome::Rejected,
                } as i32,
                emergency: stored.emergency,
                rules: stored.explanation.rules,
                features: stored.explanation.features,
                scores: stored
                    .explanation
                    .scores
                    .into_iter()
                    .map(|(department, score)| pb::DepartmentScore {
                        department,
                        category: String::new(),
                        score: f64::from(score),
                    })
                    .collect(),
                model_version: stored.explanation.model_version,
            }),
        }))
    }

    async fn list_departments(
        &self,
        request: Request<pb::ListDepartmentsRequest>,
    ) -> Result<Response<pb::ListDepartmentsResponse>, Status> {
        let request = request.into_inner();
        let page = page(
            self.departments.len(),
            request.page_size,
            &request.page_token,
        )
        .map_err(|e| into_status(e, DOMAIN))?;
        Ok(Response::new(pb::ListDepartmentsResponse {
            departments: self.departments[page.start..page.end].to_vec(),
            next_page_token: page.next_token,
        }))
    }
}

struct Page {
    start: usize,
    end: usize,
    next_token: String,
}

/// The slice of `len` items a page size and token select; the token is the index of
/// the page's first item.
fn page(len: usize, page_size: i32, page_token: &str) -> Result<Page, AppError> {
    let start = if page_token.is_empty() {
        0
    } else {
        page_token
            .parse::<usize>()
            .ok()
            .filter(|start| *start < len)
            .ok_or_else(|| AppError::invalid("page_token", "is not a token this API returned"))?
    };
    let size = usize::try_from(page_size)
        .map_err(|_| AppError::invalid("page_size", "must not be negative"))?;
    let end = if size == 0 {
        len
    } else {
        start.saturating_add(size).min(len)
    };
    Ok(Page {
        start,
        end,
        next_token: if end < len {
            end.to_string()
        } else {
            String::new()
        },
    })
}

fn names(it: &str, en: &str) -> HashMap<String, String> {
    HashMap::from([
        ("it".to_owned(), it.to_owned()),
        ("en".to_owned(), en.to_owned()),
    ])
}

fn department(taxonomy: &Taxonomy, department: &Department) -> pb::Department {
    pb::Department {
        name: format!("departments/{}", department.id),
        department_id: department.id.clone(),
        display_names: names(&department.name_it, &department.name_en),
        emergency: department.emergency,
        fallback: department.fallback,
        categories: department.categories.iter().map(category).collect(),
        resolution_targets: [
            Priority::Critical,
            Priority::High,
            Priority::Normal,
            Priority::Low,
        ]
        .into_iter()
        .map(|priority| pb::ResolutionTarget {
            priority: events::priority(priority) as i32,
            resolve_within: Some(events::duration(
                taxonomy.resolve_within(department, priority),
            )),
        })
        .collect(),
        zones: department.zones.clone(),
    }
}

fn category(category: &Category) -> pb::Category {
    pb::Category {
        category_id: category.id.clone(),
        service_code: category.service_code.clone(),
        display_names: names(&category.name_it, &category.name_en),
        descriptions: names(&category.description_it, &category.description_en),
        questions: category.questions.iter().map(question).collect(),
    }
}

fn question(question: &Question) -> pb::CategoryQuestion {
    let answer_type = match question.answer {
        AnswerKind::String => pb::AnswerType::String,
        AnswerKind::Number => pb::AnswerType::Number,
        AnswerKind::Datetime => pb::AnswerType::Datetime,
        AnswerKind::Text => pb::AnswerType::Text,
        AnswerKind::SingleChoice => pb::AnswerType::SingleChoice,
        AnswerKind::MultipleChoice => pb::AnswerType::MultipleChoice,
    };
    pb::CategoryQuestion {
        code: question.code.clone(),
        answer_type: answer_type.into(),
        required: question.required,
        texts: names(&question.text_it, &question.text_en),
        choices: question
            .choices
            .iter()
            .map(|choice| pb::AnswerChoice {
                key: choice.key.clone(),
                display_names: names(&choice.name_it, &choice.name_en),
            })
            .collect(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pages_walk_the_list_and_bad_tokens_are_refused() {
        let first = page(12, 5, "").unwrap();
        assert_eq!(
            (first.start, first.end, first.next_token.as_str()),
            (0, 5, "5")
        );
        let last = page(12, 5, "10").unwrap();
        assert_eq!(
            (last.start, last.end, last.next_token.as_str()),
            (10, 12, "")
        );
        let all = page(12, 0, "").unwrap();
        assert_eq!((all.start, all.end), (0, 12));
        assert!(page(12, 5, "12").is_err());
        assert!(page(12, 5, "x").is_err());
        assert!(page(12, -1, "").is_err());
    }
}
