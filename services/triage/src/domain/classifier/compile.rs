//! Compiling the taxonomy's rules and the model's classes into a classifier.

use super::{
    CategoryIndex, Classifier, DepartmentIndex, Screening, ScreeningBars,
    emergency::{EmergencyRules, OrdinaryRule},
};
use crate::domain::{
    Taxonomy, default_screening_model,
    featurizer::Featurizer,
    model::Model,
    taxonomy::Answered,
    text::{KeywordIndex, KeywordSet, words},
};

/// Words that make a message one the service answers itself, in messages of at most
/// `max_words` words.
pub(super) struct AnswerRule {
    pub(super) keywords: KeywordSet,
    pub(super) max_words: usize,
}

impl AnswerRule {
    fn new(answered: &Answered) -> Self {
        Self {
            keywords: KeywordSet::new(answered.keywords.iter().map(String::as_str)),
            max_words: answered.max_words.unwrap_or(usize::MAX),
        }
    }
}

pub(super) struct CategoryRules {
    pub(super) department: DepartmentIndex,
    pub(super) category: String,
}

#[derive(Debug, thiserror::Error)]
pub enum UnknownLabels {
    #[error("the model knows labels that are not departments of the taxonomy: {0}")]
    Departments(String),
    #[error("the built-in screening model: {0}")]
    Screening(String),
}

impl Classifier {
    /// `review_below`: a best score under it sends the report to a human.
    pub fn new(
        taxonomy: &Taxonomy,
        model: Model,
        review_below: f32,
    ) -> Result<Self, UnknownLabels> {
        let departments: Vec<String> = taxonomy.departments.iter().map(|d| d.id.clone()).collect();
        let department_of = |id: &str| {
            departments
                .iter()
                .position(|d| d == id)
                .map(DepartmentIndex)
        };
        let class_department: Vec<Option<DepartmentIndex>> =
            model.classes.iter().map(|c| department_of(c)).collect();
        let unknown: Vec<&str> = model
            .classes
            .iter()
            .zip(&class_department)
            .filter(|(_, d)| d.is_none())
            .map(|(c, _)| c.as_str())
            .collect();
        if !unknown.is_empty() {
            return Err(UnknownLabels::Departments(unknown.join(", ")));
        }
        let categories: Vec<(CategoryRules, &[String])> = taxonomy
            .departments
            .iter()
            .enumerate()
            .flat_map(|(d, department)| {
                department.categories.iter().map(move |c| {
                    let rules = CategoryRules {
                        department: DepartmentIndex(d),
                        category: c.id.clone(),
                    };
                    (rules, c.keywords.as_slice())
                })
            })
            .collect();
        let keywords = KeywordSet::new(
            categories
                .iter()
                .flat_map(|(_, keywords)| keywords.iter().map(String::as_str)),
        );
        let keyword_category = categories
            .iter()
            .enumerate()
            .flat_map(|(c, (_, keywords))| std::iter::repeat_n(CategoryIndex(c), keywords.len()))
            .collect();
        let service_codes = taxonomy
            .departments
            .iter()
            .flat_map(|d| &d.categories)
            .enumerate()
            .map(|(c, category)| (category.service_code.clone(), CategoryIndex(c)))
            .collect();
        let compile = |keywords: &[String]| KeywordSet::new(keywords.iter().map(String::as_str));
        let emergency = &taxonomy.emergency;
        // Counted terms come after the others, each needing a count before it.
        let terms = KeywordSet::new(
            emergency
                .terms
                .iter()
                .chain(&emergency.counted)
                .map(String::as_str),
        );
        let needs_count: Vec<bool> = std::iter::repeat_n(false, emergency.terms.len())
            .chain(std::iter::repeat_n(true, emergency.counted.len()))
            .collect();
        // Compared with the text's words, so folded the same way ("Più" → "piu").
        let negations: Vec<String> = taxonomy
            .emergency
            .negations
            .iter()
            .map(|negation| words(negation).join(" "))
            .collect();
        let ordinary = taxonomy
            .emergency
            .ordinary
            .iter()
            .map(|fault| OrdinaryRule {
                terms: terms
                    .keywords
                    .iter()
                    .enumerate()
                    .filter(|(_, term)| fault.terms.contains(&term.text))
                    .map(|(k, _)| KeywordIndex(k))
                    .collect(),
                near: compile(&fault.near),
                // The taxonomy checked that the category exists.
                category: CategoryIndex(
                    categories
                        .iter()
                        .position(|(rules, _)| {
                            fault.category
                                == format!("{}/{}", departments[rules.department], rules.category)
                        })
                        .unwrap_or(0),
                ),
            })
            .collect();
        let emergency_department = taxonomy.emergency_department();
        let screening = default_screening_model()
            .map_err(|e| e.to_string())
            .and_then(|model| {
                Screening::new(model, ScreeningBars::default()).map_err(|e| e.to_string())
            })
            .map_err(UnknownLabels::Screening)?;
        Ok(Self {
            fallback: department_of(&taxonomy.fallback().id).unwrap_or(DepartmentIndex(0)),
            emergency_department: department_of(&emergency_department.id)
                .unwrap_or(DepartmentIndex(0)),
            emergency_category: emergency_department.first_category().id.clone(),
            departments,
            categories: categories.into_iter().map(|(rules, _)| rules).collect(),
            keywords,
            keyword_category,
            service_codes,
            class_department,
            model,
            featurizer: Featurizer::default(),
            screening,
            emergency: EmergencyRules {
                denial_proof: terms
                    .keywords
                    .iter()
                    .map(|term| {
                        words(&term.text)
                            .first()
                            .is_some_and(|first| negations.contains(first))
                    })
                    .collect(),
                terms,
                negations,
                cancelled_by: compile(&taxonomy.emergency.cancelled_by),
                harmless: compile(&taxonomy.emergency.harmless),
                ordinary,
                needs_count,
                counts: compile(&emergency.counts),
                disasters: compile(&emergency.disasters),
                concrete: compile(&emergency.concrete),
                places: compile(&emergency.places),
                present: compile(&emergency.present),
            },
            not_a_report: AnswerRule::new(&taxonomy.not_a_report),
            out_of_remit: AnswerRule::new(&taxonomy.out_of_remit),
            review_below,
        })
    }
}
