//! Decides what a report is: an emergency, a problem for a department and category,
//! something a human should look at, or not the city's business. Rules (keywords,
//! emergency terms) and the model each give evidence, and every decision says which.

use super::{
    Priority, Taxonomy,
    model::{Featurizer, Model, argmax},
    text::{Keyword, words},
};

/// Method names stored with each decision.
pub mod method {
    pub const EMERGENCY: &str = "rules/emergency";
    pub const SERVICE_CODE: &str = "rules/service_code";
    pub const CLASSIFIER: &str = "classifier";
    pub const NOT_A_REPORT: &str = "rules/not_a_report";
    pub const OUT_OF_REMIT: &str = "rules/out_of_remit";
    /// An operator decided (review resolved, report rerouted).
    pub const OPERATOR: &str = "operator";
}

/// How much the keyword rules weigh against the model's probabilities.
const RULES_WEIGHT: f32 = 0.5;

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

struct CategoryRules {
    department: usize,
    category: String,
    keywords: Vec<Keyword>,
}

/// The taxonomy's rules, compiled, and the model.
pub struct Classifier {
    departments: Vec<String>,
    categories: Vec<CategoryRules>,
    /// For each model class, its department index.
    class_department: Vec<Option<usize>>,
    model: Model,
    featurizer: Featurizer,
    emergency: EmergencyRules,
    not_a_report: Vec<Keyword>,
    out_of_remit: Vec<Keyword>,
    review_below: f32,
    fallback: usize,
    emergency_department: (String, String),
}

#[derive(Debug, thiserror::Error)]
#[error("the model knows labels that are not departments of the taxonomy: {0}")]
pub struct UnknownLabels(String);

impl Classifier {
    /// `review_below`: a best score under it sends the report to a human.
    pub fn new(
        taxonomy: &Taxonomy,
        model: Model,
        review_below: f32,
    ) -> Result<Self, UnknownLabels> {
        let departments: Vec<String> = taxonomy.departments.iter().map(|d| d.id.clone()).collect();
        let class_department: Vec<Option<usize>> = model
            .classes
            .iter()
            .map(|c| departments.iter().position(|d| d == c))
            .collect();
        let unknown: Vec<&str> = model
            .classes
            .iter()
            .zip(&class_department)
            .filter(|(_, d)| d.is_none())
            .map(|(c, _)| c.as_str())
            .collect();
        if !unknown.is_empty() {
            return Err(UnknownLabels(unknown.join(", ")));
        }
        let categories = taxonomy
            .departments
            .iter()
            .enumerate()
            .flat_map(|(d, department)| {
                department.categories.iter().map(move |c| CategoryRules {
                    department: d,
                    category: c.id.clone(),
                    keywords: c.keywords.iter().map(|k| Keyword::new(k)).collect(),
                })
            })
            .collect();
        let compile = |keywords: &[String]| keywords.iter().map(|k| Keyword::new(k)).collect();
        let emergency_department = taxonomy.emergency_department();
        Ok(Self {
            fallback: departments
                .iter()
                .position(|d| *d == taxonomy.fallback().id)
                .unwrap_or(0),
            departments,
            categories,
            class_department,
            model,
            featurizer: Featurizer::default(),
            emergency: EmergencyRules {
                terms: compile(&taxonomy.emergency.terms),
                negations: taxonomy.emergency.negations.clone(),
                cancelled_by: taxonomy.emergency.cancelled_by.clone(),
            },
            not_a_report: compile(&taxonomy.not_a_report.keywords),
            out_of_remit: compile(&taxonomy.out_of_remit.keywords),
            review_below,
            emergency_department: (
                emergency_department.id.clone(),
                emergency_department.first_category().id.clone(),
            ),
        })
    }

    pub fn model_version(&self) -> &str {
        &self.model.version
    }

    /// Emergency terms found in the text, ignoring denied and harmless ones.
    pub fn emergency_terms(&self, text: &str) -> Vec<String> {
        self.emergency.find(&words(text))
    }

    pub fn classify(&self, text: &str) -> Classification {
        let text_words = words(text);
        let mut explanation = Explanation {
            model_version: self.model.version.clone(),
            ..Explanation::default()
        };
        let emergency_terms = self.emergency.find(&text_words);
        if !emergency_terms.is_empty() {
            explanation.method = method::EMERGENCY.into();
            explanation.rules = emergency_terms
                .iter()
                .map(|t| format!("emergency:{t}"))
                .collect();
            explanation.matched_keywords = emergency_terms;
            return Classification {
                verdict: Verdict::Route {
                    department: self.emergency_department.0.clone(),
                    category: self.emergency_department.1.clone(),
                    priority: Priority::Critical,
                    emergency: true,
                },
                explanation,
            };
        }

        let (department_scores, best_category) = self.scores(&text_words, text, &mut explanation);
        let best = argmax(&department_scores);
        let confidence = department_scores[best];
        let has_department_keyword = !explanation.matched_keywords.is_empty();

        let answered = |keywords: &[Keyword], kind: &str, explanation: &mut Explanation| {
            let found: Vec<&Keyword> = keywords
                .iter()
                .filter(|k| k.occurs_in(&text_words))
                .collect();
            explanation
                .rules
                .extend(found.iter().map(|k| format!("{kind}:{}", k.text)));
            !found.is_empty()
        };
        if answered(&self.out_of_remit, "out_of_remit", &mut explanation) && !has_department_keyword
        {
            explanation.method = method::OUT_OF_REMIT.into();
            return Classification {
                verdict: Verdict::OutOfRemit,
                explanation,
            };
        }
        if answered(&self.not_a_report, "not_a_report", &mut explanation)
            && !has_department_keyword
            && confidence < 0.8
        {
            explanation.method = method::NOT_A_REPORT.into();
            return Classification {
                verdict: Verdict::NotAReport,
                explanation,
            };
        }

        explanation.method = method::CLASSIFIER.into();
        let verdict = if confidence < self.review_below {
            Verdict::Review {
                reason: format!(
                    "the best department, {}, scores {confidence:.2}, under {:.2}",
                    self.departments[best], self.review_below
                ),
            }
        } else {
            let category = best_category[best]
                .clone()
                .unwrap_or_else(|| self.first_category(best));
            Verdict::Route {
                department: self.departments[best].clone(),
                category,
                priority: Priority::Normal,
                emergency: false,
            }
        };
        Classification {
            verdict,
            explanation,
        }
    }

    /// The department the classifier prefers, without the emergency and answer rules:
    /// what `triage eval` measures.
    pub fn department_of(&self, text: &str) -> &str {
        let mut explanation = Explanation::default();
        let (scores, _) = self.scores(&words(text), text, &mut explanation);
        &self.departments[argmax(&scores)]
    }

    /// Combined department scores (model probabilities blended with the share of
    /// keyword weight each department got), and each department's best category by
    /// keywords. Fills the explanation's scores, rules, keywords and features.
    fn scores(
        &self,
        text_words: &[String],
        text: &str,
        explanation: &mut Explanation,
    ) -> (Vec<f32>, Vec<Option<String>>) {
        let n = self.departments.len();
        let mut keyword_weight = vec![0.0f32; n];
        let mut best_category: Vec<Option<(String, f32)>> = vec![None; n];
        for rules in &self.categories {
            let mut weight = 0.0;
            for keyword in &rules.keywords {
                if keyword.occurs_in(text_words) {
                    weight += keyword.word_count() as f32;
                    explanation.matched_keywords.push(keyword.text.clone());
                    explanation.rules.push(format!(
                        "keyword:{}→{}/{}",
                        keyword.text, self.departments[rules.department], rules.category
                    ));
                }
            }
            if weight > 0.0 {
                keyword_weight[rules.department] += weight;
                let slot = &mut best_category[rules.department];
                if slot.as_ref().is_none_or(|(_, w)| weight > *w) {
                    *slot = Some((rules.category.clone(), weight));
                }
            }
        }
        let prediction = self.model.predict(&self.featurizer.features(text));
        explanation.features = prediction.evidence;
        let mut scores = vec![0.0f32; n];
        for (class, probability) in prediction.probabilities.iter().enumerate() {
            if let Some(d) = self.class_department[class] {
                scores[d] += probability;
            }
        }
        let total: f32 = keyword_weight.iter().sum();
        if total > 0.0 {
            for (score, weight) in scores.iter_mut().zip(&keyword_weight) {
                *score = (*score + RULES_WEIGHT * weight / total) / (1.0 + RULES_WEIGHT);
            }
        }
        if scores.iter().all(|s| *s == 0.0) {
            scores[self.fallback] = 1.0;
        }
        let mut ranked: Vec<(String, f32)> = self
            .departments
            .iter()
            .cloned()
            .zip(scores.iter().copied())
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
        ranked.truncate(3);
        explanation.scores = ranked;
        (
            scores,
            best_category
                .into_iter()
                .map(|c| c.map(|(category, _)| category))
                .collect(),
        )
    }

    fn first_category(&self, department: usize) -> String {
        self.categories
            .iter()
            .find(|c| c.department == department)
            .map(|c| c.category.clone())
            .unwrap_or_default()
    }
}

/// Emergency terms with what makes them harmless.
struct EmergencyRules {
    terms: Vec<Keyword>,
    negations: Vec<String>,
    cancelled_by: Vec<String>,
}

/// How many words before a term a negation may stand, and after it a word that
/// makes it harmless.
const NEGATION_WINDOW: usize = 3;
const CANCEL_WINDOW: usize = 3;

impl EmergencyRules {
    fn find(&self, text: &[String]) -> Vec<String> {
        let mut found = Vec::new();
        for term in &self.terms {
            let live = term.positions(text).any(|start| {
                let before = &text[start.saturating_sub(NEGATION_WINDOW)..start];
                let end = (start + term.word_count()).min(text.len());
                let after = &text[end..(end + CANCEL_WINDOW).min(text.len())];
                !before.iter().any(|w| self.negations.contains(w))
                    && !after.iter().any(|w| self.cancelled_by.contains(w))
            });
            if live && !found.contains(&term.text) {
                found.push(term.text.clone());
            }
        }
        found
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::default_model;

    fn classifier() -> Classifier {
        let taxonomy = Taxonomy::default_italian().unwrap();
        Classifier::new(&taxonomy, default_model().unwrap(), 0.3).unwrap()
    }

    fn routed(classification: &Classification) -> (&str, &str, Priority, bool) {
        match &classification.verdict {
            Verdict::Route {
                department,
                category,
                priority,
                emergency,
            } => (department, category, *priority, *emergency),
            other => panic!("not routed: {other:?} {:?}", classification.explanation),
        }
    }

    #[test]
    fn routes_italian_and_english_to_department_and_category() {
        let c = classifier();
        let cases = [
            (
                "Il lampione di via Roma è spento da giorni",
                "street_lighting",
                "lamp_out",
            ),
            (
                "Street light out on Baker Street",
                "street_lighting",
                "lamp_out",
            ),
            ("Una buca enorme davanti al civico 12", "roads", "pothole"),
            ("Cassonetti pieni, rifiuti ovunque", "waste", "bins"),
            (
                "Someone dumped a mattress and a sofa by the bins",
                "waste",
                "dumping",
            ),
            (
                "Ramo caduto sul marciapiede dopo il temporale",
                "parks_trees",
                "trees",
            ),
            (
                "Tombino intasato, la strada si allaga",
                "water_sewer",
                "drains",
            ),
            (
                "The traffic light at the junction is stuck on red",
                "traffic",
                "traffic_lights",
            ),
            (
                "Auto abbandonata senza targa da mesi",
                "local_police",
                "abandoned_vehicle",
            ),
            (
                "Graffiti sprayed all over the school wall",
                "urban_decorum",
                "graffiti",
            ),
            ("Dead fox lying in the road", "animals", "dead_animal"),
        ];
        for (text, department, category) in cases {
            let classification = c.classify(text);
            let (d, cat, priority, emergency) = routed(&classification);
            assert_eq!((d, cat), (department, category), "{text}");
            assert_eq!(priority, Priority::Normal);
            assert!(!emergency);
        }
    }

    #[test]
    fn emergencies_are_critical_and_denied_or_harmless_ones_are_not() {
        let c = classifier();
        let crollo = c.classify("Crollo di un balcone, ci sono feriti");
        assert_eq!(
            routed(&crollo),
            ("civil_protection", "emergency", Priority::Critical, true)
        );
        assert_eq!(crollo.explanation.matched_keywords, ["crollo", "feriti"]);
        assert_eq!(crollo.explanation.method, method::EMERGENCY);
        for harmless in [
            "The bin fire is out, please collect the bin",
            "Nessun ferito, ma il cartello è caduto",
            "Dumped mattress is a fire hazard",
            "Fire hydrant cover missing",
            "Fireworks litter all over the park",
        ] {
            assert!(c.emergency_terms(harmless).is_empty(), "{harmless}");
            let classification = c.classify(harmless);
            assert_ne!(
                classification.explanation.method,
                method::EMERGENCY,
                "{harmless}"
            );
        }
        assert_eq!(c.emergency_terms("Fuga di gas in via Po"), ["fuga di gas"]);
    }

    #[test]
    fn thanks_and_other_operators_are_answered_and_vague_text_is_reviewed() {
        let c = classifier();
        assert_eq!(
            c.classify("Grazie mille, complimenti!").verdict,
            Verdict::NotAReport
        );
        assert_eq!(
            c.classify("My national rail train was cancelled again")
                .verdict,
            Verdict::OutOfRemit
        );
        // A thank-you that also reports a problem is a report.
        let both = c.classify("Thanks! Also the street light outside 4 is out");
        assert_eq!(routed(&both).0, "street_lighting");
        assert!(matches!(
            c.classify("Qualcuno deve venire a vedere, è una situazione assurda")
                .verdict,
            Verdict::Review { .. }
        ));
    }

    #[test]
    fn a_model_with_labels_outside_the_taxonomy_is_refused() {
        let taxonomy = Taxonomy::default_italian().unwrap();
        let examples = [("a lamp", "lights"), ("a hole", "holes")].map(|(text, label)| {
            crate::domain::Example {
                text: text.into(),
                label: label.into(),
            }
        });
        let model = Model::train(
            &examples,
            "t",
            &Featurizer::default(),
            crate::domain::TrainingOptions::default(),
        )
        .unwrap();
        let error = Classifier::new(&taxonomy, model, 0.3).err().unwrap();
        assert_eq!(
            error.to_string(),
            "the model knows labels that are not departments of the taxonomy: holes, lights"
        );
    }
}
