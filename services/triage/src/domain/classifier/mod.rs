//! Decides what a report is: an emergency, a problem for a department and category,
//! something a human should look at, or not the city's business. Rules (keywords,
//! emergency terms) and the model each give evidence, and every decision says which.
//! The taxonomy's rules are compiled once (`compile`), then each text meets the
//! emergency rules (`emergency`) and the routing rules and scores (`routing`).

mod compile;
mod emergency;
mod routing;
mod screening;
#[cfg(test)]
mod tests;

use std::collections::HashMap;

pub use compile::UnknownLabels;
use compile::{AnswerRule, CategoryRules};
use emergency::EmergencyRules;
use routing::Finding;
pub use screening::{Bar, NOT_A_REPORT, REPORT, Screening, ScreeningBars, ScreeningError};

use super::{
    Priority,
    featurizer::{Featurizer, ReportContext},
    index::typed_index,
    model::Model,
    text::{KeywordSet, words},
};

typed_index! {
    /// A department's position in the taxonomy.
    struct DepartmentIndex(usize);
    /// A category's position among all the taxonomy's categories, department after
    /// department.
    struct CategoryIndex(usize);
}

/// Method names stored with each decision.
pub mod method {
    pub const EMERGENCY: &str = "rules/emergency";
    pub const SERVICE_CODE: &str = "rules/service_code";
    pub const CLASSIFIER: &str = "classifier";
    pub const NOT_A_REPORT: &str = "rules/not_a_report";
    /// Screening found chatter, not a report.
    pub const SCREENING: &str = "screening";
    pub const OUT_OF_REMIT: &str = "rules/out_of_remit";
    /// An operator decided (review resolved, report rerouted).
    pub const OPERATOR: &str = "operator";
}

/// What the classifier concluded.
#[derive(Clone, Debug, PartialEq)]
pub enum Verdict {
    Route {
        department: String,
        category: String,
        priority: Priority,
        emergency: bool,
    },
    /// Not sure: a human decides.
    Review {
        reason: String,
    },
    NotAReport,
    OutOfRemit,
    /// The place is outside the city's boundary (decided on the location, not the text).
    OutsideJurisdiction,
}

/// Where a report goes, for measuring routing without building a whole verdict.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Routing<'a> {
    /// The department it ends with, or would end with if an operator agreed.
    pub department: &'a str,
    /// Whether it waits for an operator first (its best score is under the threshold,
    /// or it may not be a report at all).
    pub to_review: bool,
    /// Whether the service answers it instead of routing it, and how: `department`
    /// is then the fallback, which answers.
    pub answer: Option<Answer>,
}

/// Why the service answers a message itself.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    NotAReport,
    /// A problem for another operator (trains, motorways): the answer says whom to ask.
    OutOfRemit,
}

/// Why: everything an operator needs to understand the verdict.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Explanation {
    pub method: String,
    pub model_version: String,
    /// The rules that fired, such as "keyword:lampion→street_lighting/lamp_out".
    pub rules: Vec<String>,
    /// The keywords and emergency terms found.
    pub matched_keywords: Vec<String>,
    /// The model's strongest features for its best department.
    pub features: Vec<String>,
    /// Departments with their combined score, best first.
    pub scores: Vec<(String, f32)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Classification {
    pub verdict: Verdict,
    pub explanation: Explanation,
}

/// The taxonomy's rules, compiled, and the model.
pub struct Classifier {
    /// By `DepartmentIndex`.
    departments: Vec<String>,
    /// By `CategoryIndex`.
    categories: Vec<CategoryRules>,
    /// Every category's keywords, in category order.
    keywords: KeywordSet,
    /// For each keyword (by `KeywordIndex`), its category.
    keyword_category: Vec<CategoryIndex>,
    /// Each category by its Open311 service code.
    service_codes: HashMap<String, CategoryIndex>,
    /// For each model class (by `ClassIndex`), its department.
    class_department: Vec<Option<DepartmentIndex>>,
    model: Model,
    featurizer: Featurizer,
    screening: Screening,
    emergency: EmergencyRules,
    not_a_report: AnswerRule,
    out_of_remit: AnswerRule,
    review_below: f32,
    fallback: DepartmentIndex,
    /// The emergency department and its category: reached only through the emergency
    /// rules, never by the scores.
    emergency_department: DepartmentIndex,
    emergency_category: String,
}

impl Classifier {
    pub fn model_version(&self) -> &str {
        &self.model.version
    }

    pub fn screening_version(&self) -> &str {
        self.screening.model_version()
    }

    /// The same classifier with another screening model or bars.
    pub fn with_screening(self, screening: Screening) -> Self {
        Self { screening, ..self }
    }

    /// Emergency terms found in the text, ignoring denied and harmless ones.
    pub fn emergency_terms(&self, text: &str) -> Vec<String> {
        self.emergency.find(&words(text)).live
    }

    /// `context`: where the report is, for a model that learned who handles what
    /// where; and the service code the citizen chose. That choice wins over the text,
    /// unless the text is an emergency or the model learned from the city's history
    /// how far reports filed under that code can be taken at their word.
    pub fn classify(&self, text: &str, context: ReportContext<'_>) -> Classification {
        let mut explanation = Explanation {
            model_version: self.model.version.clone(),
            ..Explanation::default()
        };
        let verdict = match self.decide(text, context, &mut explanation) {
            Finding::Emergency => Verdict::Route {
                department: self.departments[self.emergency_department].clone(),
                category: self.emergency_category.clone(),
                priority: Priority::Critical,
                emergency: true,
            },
            Finding::Answered(verdict) => verdict,
            Finding::Doubtful { chance, below, .. } => Verdict::Review {
                reason: format!(
                    "it may not be a report: the chance that it is one is {chance:.2}, under {below:.2}"
                ),
            },
            Finding::Filed(category) => {
                let rules = &self.categories[category];
                Verdict::Route {
                    department: self.departments[rules.department].clone(),
                    category: rules.category.clone(),
                    priority: Priority::Normal,
                    emergency: false,
                }
            }
            Finding::Scored {
                best,
                confidence,
                category,
            } => {
                if self.waits_for_review(confidence) {
                    Verdict::Review {
                        reason: format!(
                            "the best department, {}, scores {confidence:.2}, under {:.2}",
                            self.departments[best], self.review_below
                        ),
                    }
                } else {
                    Verdict::Route {
                        department: self.departments[best].clone(),
                        category: category.unwrap_or_else(|| self.first_category(best)),
                        priority: Priority::Normal,
                        emergency: false,
                    }
                }
            }
        };
        Classification {
            verdict,
            explanation,
        }
    }

    /// Where a report goes by `classify`'s rules, as `triage eval` measures it: the
    /// emergency department for an emergency, the fallback one (which answers) for a
    /// message outside the remit or not a report, the chosen service's department when
    /// that wins, else the best score, and whether that score is under the review
    /// threshold.
    pub fn routing_of(&self, text: &str, context: ReportContext<'_>) -> Routing<'_> {
        let (index, to_review, answer) =
            match self.decide(text, context, &mut Explanation::default()) {
                Finding::Emergency => (self.emergency_department, false, None),
                Finding::Answered(verdict) => {
                    let answer = if verdict == Verdict::OutOfRemit {
                        Answer::OutOfRemit
                    } else {
                        Answer::NotAReport
                    };
                    (self.fallback, false, Some(answer))
                }
                Finding::Filed(category) => (self.categories[category].department, false, None),
                Finding::Doubtful { best, .. } => (best, true, None),
                Finding::Scored {
                    best, confidence, ..
                } => (best, self.waits_for_review(confidence), None),
            };
        Routing {
            department: &self.departments[index],
            to_review,
            answer,
        }
    }

    /// Whether a best score is too low to route without an operator.
    fn waits_for_review(&self, confidence: f32) -> bool {
        confidence < self.review_below
    }
}
