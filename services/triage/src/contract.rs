//! The taxonomy as the contracts show it: the departments of `ListDepartments` and of
//! the `TaxonomyPublished` event.

use std::collections::HashMap;

use segnala_proto::triage::v1 as pb;

use crate::{
    domain::{AnswerKind, Category, Department, Priority, Question, Taxonomy},
    events,
};

/// Every department of `taxonomy`, in its order.
pub fn departments(taxonomy: &Taxonomy) -> Vec<pb::Department> {
    taxonomy
        .departments
        .iter()
        .map(|d| department(taxonomy, d))
        .collect()
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
