//! Decides what a report is: an emergency, a problem for a department and category,
//! something a human should look at, or not the city's business. Rules (keywords,
//! emergency terms) and the model each give evidence, and every decision says which.

use std::collections::HashMap;

use super::{
    Priority, Taxonomy,
    model::{Featurizer, Model, ReportContext, argmax},
    taxonomy::Answered,
    text::{KeywordSet, words},
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
    /// Whether it waits for an operator first (its best score is under the threshold).
    pub to_review: bool,
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

/// Words that make a message one the service answers itself, in messages of at most
/// `max_words` words.
struct AnswerRule {
    keywords: KeywordSet,
    max_words: usize,
}

impl AnswerRule {
    fn new(answered: &Answered) -> Self {
        Self {
            keywords: KeywordSet::new(answered.keywords.iter().map(String::as_str)),
            max_words: answered.max_words.unwrap_or(usize::MAX),
        }
    }
}

/// What the rules made of a message, before the review threshold.
enum Decision {
    Emergency,
    /// Answered instead of routed: not a report, or outside the city's remit.
    Answered(Verdict),
    /// Routed to the category (index) of the service the citizen chose.
    Filed(usize),
    /// The best-scoring department (index), its score and its best keyword category.
    Scored {
        best: usize,
        confidence: f32,
        category: Option<String>,
    },
}

struct CategoryRules {
    department: usize,
    category: String,
}

/// The taxonomy's rules, compiled, and the model.
pub struct Classifier {
    departments: Vec<String>,
    categories: Vec<CategoryRules>,
    /// Every category's keywords, in category order.
    keywords: KeywordSet,
    /// For each keyword, its category.
    keyword_category: Vec<usize>,
    /// Each category (index) by its Open311 service code.
    service_codes: HashMap<String, usize>,
    /// For each model class, its department index.
    class_department: Vec<Option<usize>>,
    model: Model,
    featurizer: Featurizer,
    emergency: EmergencyRules,
    not_a_report: AnswerRule,
    out_of_remit: AnswerRule,
    review_below: f32,
    fallback: usize,
    /// The emergency department (index) and its category: reached only through the
    /// emergency rules, never by the scores.
    emergency_department: (usize, String),
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
        let categories: Vec<(CategoryRules, &[String])> = taxonomy
            .departments
            .iter()
            .enumerate()
            .flat_map(|(d, department)| {
                department.categories.iter().map(move |c| {
                    let rules = CategoryRules {
                        department: d,
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
            .flat_map(|(c, (_, keywords))| std::iter::repeat_n(c, keywords.len()))
            .collect();
        let service_codes = taxonomy
            .departments
            .iter()
            .flat_map(|d| &d.categories)
            .enumerate()
            .map(|(c, category)| (category.service_code.clone(), c))
            .collect();
        let compile = |keywords: &[String]| KeywordSet::new(keywords.iter().map(String::as_str));
        let terms = compile(&taxonomy.emergency.terms);
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
                    .map(|(k, _)| k)
                    .collect(),
                near: compile(&fault.near),
                // The taxonomy checked that the category exists.
                category: categories
                    .iter()
                    .position(|(rules, _)| {
                        fault.category
                            == format!("{}/{}", departments[rules.department], rules.category)
                    })
                    .unwrap_or(0),
            })
            .collect();
        let emergency_department = taxonomy.emergency_department();
        let emergency_index = departments
            .iter()
            .position(|d| *d == emergency_department.id)
            .unwrap_or(0);
        Ok(Self {
            fallback: departments
                .iter()
                .position(|d| *d == taxonomy.fallback().id)
                .unwrap_or(0),
            departments,
            categories: categories.into_iter().map(|(rules, _)| rules).collect(),
            keywords,
            keyword_category,
            service_codes,
            class_department,
            model,
            featurizer: Featurizer::default(),
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
            },
            not_a_report: AnswerRule::new(&taxonomy.not_a_report),
            out_of_remit: AnswerRule::new(&taxonomy.out_of_remit),
            review_below,
            emergency_department: (
                emergency_index,
                emergency_department.first_category().id.clone(),
            ),
        })
    }

    pub fn model_version(&self) -> &str {
        &self.model.version
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
            Decision::Emergency => Verdict::Route {
                department: self.departments[self.emergency_department.0].clone(),
                category: self.emergency_department.1.clone(),
                priority: Priority::Critical,
                emergency: true,
            },
            Decision::Answered(verdict) => verdict,
            Decision::Filed(category) => {
                let rules = &self.categories[category];
                Verdict::Route {
                    department: self.departments[rules.department].clone(),
                    category: rules.category.clone(),
                    priority: Priority::Normal,
                    emergency: false,
                }
            }
            Decision::Scored {
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
        let (index, to_review) = match self.decide(text, context, &mut Explanation::default()) {
            Decision::Emergency => (self.emergency_department.0, false),
            Decision::Answered(_) => (self.fallback, false),
            Decision::Filed(category) => (self.categories[category].department, false),
            Decision::Scored {
                best, confidence, ..
            } => (best, self.waits_for_review(confidence)),
        };
        Routing {
            department: &self.departments[index],
            to_review,
        }
    }

    /// Whether a best score is too low to route without an operator.
    fn waits_for_review(&self, confidence: f32) -> bool {
        confidence < self.review_below
    }

    /// The rules in their order: emergency language first, then the scores, then the
    /// citizen's chosen service and the answers that outweigh them. Fills the
    /// explanation, method included.
    fn decide(
        &self,
        text: &str,
        context: ReportContext<'_>,
        explanation: &mut Explanation,
    ) -> Decision {
        let text_words = words(text);
        let EmergencyFindings {
            live: emergency_terms,
            ordinary,
        } = self.emergency.find(&text_words);
        if !emergency_terms.is_empty() {
            explanation.method = method::EMERGENCY.into();
            explanation.rules = emergency_terms
                .iter()
                .map(|t| format!("emergency:{t}"))
                .collect();
            explanation.matched_keywords = emergency_terms;
            return Decision::Emergency;
        }
        let (department_scores, mut best_category) =
            self.scores(&text_words, context, &ordinary, explanation);
        let best = argmax(&department_scores);
        let confidence = department_scores[best];
        let filed = context
            .service
            .and_then(|code| Some((code, *self.service_codes.get(code)?)));
        if let Some((code, category)) = filed
            && !self.model.knows_service(code)
        {
            explanation.method = method::SERVICE_CODE.into();
            explanation.rules = vec![format!("service_code:{code}")];
            return Decision::Filed(category);
        }
        let has_department_keyword = !explanation.matched_keywords.is_empty();
        if let Some((verdict, answered_by)) =
            self.answered(&text_words, has_department_keyword, confidence, explanation)
        {
            explanation.method = answered_by.into();
            return Decision::Answered(verdict);
        }
        explanation.method = method::CLASSIFIER.into();
        // The model weighed the service; where it agrees, the citizen named the category.
        let category = match filed {
            Some((code, category)) if self.categories[category].department == best => {
                explanation.rules.push(format!("service_code:{code}"));
                Some(self.categories[category].category.clone())
            }
            _ => best_category.swap_remove(best),
        };
        Decision::Scored {
            best,
            confidence,
            category,
        }
    }

    /// Whether the message gets an answer instead of a department: outside the city's
    /// remit, or not a report at all. A department's keyword, or (for not a report) a
    /// confident score, outweighs the answer's words. Records the rules that fired;
    /// gives the verdict and its method.
    fn answered(
        &self,
        text_words: &[String],
        has_department_keyword: bool,
        confidence: f32,
        explanation: &mut Explanation,
    ) -> Option<(Verdict, &'static str)> {
        let mut found = |rule: &AnswerRule, kind: &str| {
            if text_words.len() > rule.max_words {
                return false;
            }
            let keywords = &rule.keywords;
            let found = keywords.found(text_words);
            explanation.rules.extend(
                found
                    .iter()
                    .map(|&k| format!("{kind}:{}", keywords.keywords[k].text)),
            );
            !found.is_empty()
        };
        if found(&self.out_of_remit, "out_of_remit") && !has_department_keyword {
            return Some((Verdict::OutOfRemit, method::OUT_OF_REMIT));
        }
        if found(&self.not_a_report, "not_a_report") && !has_department_keyword && confidence < 0.8
        {
            return Some((Verdict::NotAReport, method::NOT_A_REPORT));
        }
        None
    }

    /// Combined department scores (model probabilities blended with the share of
    /// keyword weight each department got; an ordinary fault counts as a keyword), and
    /// each department's best category by keywords. Fills the explanation's scores,
    /// rules, keywords and features.
    fn scores(
        &self,
        text_words: &[String],
        context: ReportContext<'_>,
        ordinary: &[(String, String, usize)],
        explanation: &mut Explanation,
    ) -> (Vec<f32>, Vec<Option<String>>) {
        let n = self.departments.len();
        let mut keyword_weight = vec![0.0f32; n];
        let mut category_weight = vec![0.0f32; self.categories.len()];
        for k in self.keywords.found(text_words) {
            let keyword = &self.keywords.keywords[k];
            let c = self.keyword_category[k];
            let rules = &self.categories[c];
            category_weight[c] += keyword.word_count() as f32;
            explanation.matched_keywords.push(keyword.text.clone());
            explanation.rules.push(format!(
                "keyword:{}→{}/{}",
                keyword.text, self.departments[rules.department], rules.category
            ));
        }
        for (term, near, c) in ordinary {
            let rules = &self.categories[*c];
            category_weight[*c] += ORDINARY_WEIGHT;
            explanation.rules.push(format!(
                "ordinary:{term}+{near}→{}/{}",
                self.departments[rules.department], rules.category
            ));
        }
        let mut best_category: Vec<Option<(String, f32)>> = vec![None; n];
        for (rules, &weight) in self.categories.iter().zip(&category_weight) {
            if weight > 0.0 {
                keyword_weight[rules.department] += weight;
                let slot = &mut best_category[rules.department];
                if slot.as_ref().is_none_or(|(_, w)| weight > *w) {
                    *slot = Some((rules.category.clone(), weight));
                }
            }
        }
        let tokens = self.model.tokens(&self.featurizer, text_words, context);
        let prediction = self.model.predict(&tokens);
        explanation.features = prediction.evidence;
        let mut scores = vec![0.0f32; n];
        for (class, probability) in prediction.probabilities.iter().enumerate() {
            if let Some(d) = self.class_department[class] {
                scores[d] += probability;
            }
        }
        let total: f32 = keyword_weight.iter().sum();
        let rules_weight = self.model.rules_weight;
        if total > 0.0 {
            for (score, weight) in scores.iter_mut().zip(&keyword_weight) {
                *score = (*score + rules_weight * weight / total) / (1.0 + rules_weight);
            }
        }
        scores[self.emergency_department.0] = 0.0;
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

/// Emergency terms with what makes them harmless or ordinary.
struct EmergencyRules {
    terms: KeywordSet,
    /// For each term, whether it starts with a negation ("non respira", "not
    /// breathing"): another negation before it ("non risponde e non respira") is part
    /// of the same alarm, not a denial of it.
    denial_proof: Vec<bool>,
    negations: Vec<String>,
    cancelled_by: KeywordSet,
    harmless: KeywordSet,
    ordinary: Vec<OrdinaryRule>,
}

/// Terms (indices into the emergency terms) that the `near` words make a fault of a
/// category (index into the classifier's categories).
struct OrdinaryRule {
    terms: Vec<usize>,
    near: KeywordSet,
    category: usize,
}

/// What the emergency rules found in a text.
#[derive(Default)]
struct EmergencyFindings {
    /// Terms of a real emergency, in the taxonomy's order.
    live: Vec<String>,
    /// Terms made ordinary: (term, the word that did it, the category it points to).
    ordinary: Vec<(String, String, usize)>,
}

/// How many words before a term a negation may stand, and after it a word that
/// makes it harmless.
const NEGATION_WINDOW: usize = 3;
const CANCEL_WINDOW: usize = 3;
/// How many words before or after a term an ordinary fault's word may stand.
const ORDINARY_WINDOW: usize = 6;
/// An ordinary fault counts for its category as much as a keyword of two words.
const ORDINARY_WEIGHT: f32 = 2.0;

impl EmergencyRules {
    fn find(&self, text: &[String]) -> EmergencyFindings {
        let mut findings = EmergencyFindings::default();
        let occurrences = self.terms.occurrences(text);
        if occurrences.is_empty() {
            return findings;
        }
        let mut live = Vec::new();
        let harmless: Vec<(usize, usize)> = self
            .harmless
            .occurrences(text)
            .into_iter()
            .map(|(h, start)| (start, start + self.harmless.keywords[h].word_count()))
            .collect();
        for (k, start) in occurrences {
            let before = &text[start.saturating_sub(NEGATION_WINDOW)..start];
            let end = (start + self.terms.keywords[k].word_count()).min(text.len());
            let after = &text[end..(end + CANCEL_WINDOW).min(text.len())];
            if harmless.iter().any(|&(from, to)| start < to && from < end)
                || (!self.denial_proof[k] && before.iter().any(|w| self.negations.contains(w)))
                || self.cancelled_by.matches(after).next().is_some()
            {
                continue;
            }
            let around =
                start.saturating_sub(ORDINARY_WINDOW)..(end + ORDINARY_WINDOW).min(text.len());
            let fault = self.ordinary.iter().find_map(|rule| {
                if !rule.terms.contains(&k) {
                    return None;
                }
                let (near, _) = rule.near.matches(&text[around.clone()]).next()?;
                Some((rule.near.keywords[near].text.clone(), rule.category))
            });
            let term = self.terms.keywords[k].text.clone();
            match fault {
                Some((near, category)) => findings.ordinary.push((term, near, category)),
                None => live.push(k),
            }
        }
        // One everyday mention explains the others ("blocked drain causing flooding …
        // the water is flooding the garden").
        live.retain(|&k| {
            let term = &self.terms.keywords[k].text;
            !findings.ordinary.iter().any(|(t, _, _)| t == term)
        });
        live.sort_unstable();
        live.dedup();
        findings.live = live
            .into_iter()
            .map(|k| self.terms.keywords[k].text.clone())
            .collect();
        findings
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
            (
                "Da giorni nessuno ritira la differenziata in via Manzoni",
                "waste",
                "bins",
            ),
            (
                "Erbacce e rovi altissimi nell'aiuola della piazza",
                "parks_trees",
                "green_areas",
            ),
            (
                "Tombini intasati in via Dante, con la pioggia si forma un lago",
                "water_sewer",
                "drains",
            ),
            (
                "Il semaforo pedonale non funziona, il pulsante è rotto",
                "traffic",
                "traffic_lights",
            ),
            (
                "Motorino senza targa lasciato in cortile da mesi",
                "local_police",
                "abandoned_vehicle",
            ),
            ("Topo morto sul marciapiede", "animals", "dead_animal"),
            (
                "Luce pubblica guasta in largo Cavour",
                "street_lighting",
                "lamp_out",
            ),
            (
                "Belisha beacon out at the zebra crossing",
                "traffic",
                "signs",
            ),
            (
                "The lift in our block is out of service again",
                "general",
                "other",
            ),
            ("Come faccio a cambiare la residenza?", "general", "other"),
            (
                "Hallway lights broken on the third floor landing",
                "general",
                "other",
            ),
            (
                "Someone sleeping rough in a tent by the library",
                "general",
                "other",
            ),
            (
                "Electrical cabinet left open, wires showing",
                "general",
                "other",
            ),
        ];
        for (text, department, category) in cases {
            let classification = c.classify(text, ReportContext::default());
            let (d, cat, priority, emergency) = routed(&classification);
            assert_eq!((d, cat), (department, category), "{text}");
            assert_eq!(priority, Priority::Normal);
            assert!(!emergency);
        }
    }

    #[test]
    fn emergencies_are_critical_and_denied_or_harmless_ones_are_not() {
        let c = classifier();
        let crollo = c.classify(
            "Crollo di un balcone, ci sono feriti",
            ReportContext::default(),
        );
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
            "Cars parked across the fire exit of the school",
            "Risk of flooding in the underpass when it rains",
            "Signs of collapse in the old garden wall",
            "The skip fire was put out last night, please take the skip away",
        ] {
            assert!(c.emergency_terms(harmless).is_empty(), "{harmless}");
            let classification = c.classify(harmless, ReportContext::default());
            assert_ne!(
                classification.explanation.method,
                method::EMERGENCY,
                "{harmless}"
            );
        }
        assert_eq!(c.emergency_terms("Fuga di gas in via Po"), ["fuga di gas"]);
    }

    #[test]
    fn real_emergencies_are_detected_in_both_languages() {
        let c = classifier();
        for (text, term) in [
            ("Crollo del tetto in via Verdi", "crollo"),
            ("Incendio nel cortile della scuola", "incendio"),
            ("C'è una fuga di gas in via Po", "fuga di gas"),
            ("Alluvione: il quartiere è sott'acqua", "alluvion"),
            ("Frana sulla strada per il colle", "frana"),
            ("Incidente, ci sono feriti a terra", "feriti"),
            (
                "Persone intrappolate in ascensore dopo la scossa",
                "intrappolat",
            ),
            ("Una famiglia è sotto le macerie", "sotto le macerie"),
            ("The flat above the shop is on fire", "on fire"),
            ("House on fire, the fire brigade is on its way", "on fire"),
            ("Case crollate dopo il terremoto", "crollat"),
            ("Case crollate dopo il terremoto", "terremoto"),
            ("After the explosion the warehouse collapsed", "explosion"),
            ("A man remains trapped under the car", "trapped"),
            ("Il signore non risponde e non respira", "non respira"),
            ("He is not moving and not breathing", "not breathing"),
            ("Flames coming out of the first floor window", "flames"),
            (
                "Fire out of control in the park, spreading to the houses",
                "fire",
            ),
            ("Gas leak at the junction, strong smell", "gas leak"),
            (
                "Flooding in the underpass, water up to the car doors",
                "flooding",
            ),
            ("The old cinema has collapsed onto the road", "collapsed"),
            ("A cyclist is injured and lying in the road", "injured"),
            (
                "Crollo di un muro sul marciapiede, ci sono feriti",
                "feriti",
            ),
            ("Un ragazzo a terra che perde sangue", "sangue"),
            ("Signore anziano svenuto in piazza, non risponde", "svenut"),
            (
                "Smottamento sotto la strada, la casa si crepa",
                "smottament",
            ),
            ("Il fiume sta uscendo dagli argini", "dagli argini"),
            (
                "Odore fortissimo di gas vicino all'asilo",
                "odore fortissimo di gas",
            ),
            ("Sottopasso allagato, c'è un'auto dentro", "allagat"),
            ("A man is lying unconscious at the bus stop", "unconscious"),
            (
                "The river has burst its banks by the school",
                "burst its banks",
            ),
        ] {
            let classification = c.classify(text, ReportContext::default());
            assert_eq!(
                classification.explanation.method,
                method::EMERGENCY,
                "{text}: {:?}",
                classification.explanation
            );
            assert!(
                classification
                    .explanation
                    .matched_keywords
                    .iter()
                    .any(|k| k == term),
                "{text}: {:?}",
                classification.explanation.matched_keywords
            );
        }
    }

    #[test]
    fn everyday_faults_in_emergency_words_go_to_their_department() {
        let c = classifier();
        for (text, department, rule) in [
            (
                "The drain cover outside the shop has collapsed",
                "roads",
                "ordinary:collapsed+cover→roads/manhole",
            ),
            (
                "Collapsed drain at the corner, water everywhere",
                "water_sewer",
                "ordinary:collapsed+drain→water_sewer/drains",
            ),
            (
                "Blocked gully causing flooding across the road every time it rains",
                "water_sewer",
                "ordinary:flooding+blocked→water_sewer/drains",
            ),
            (
                "Blocked drain causing flooding. The water is flooding the garden of number 3",
                "water_sewer",
                "ordinary:flooding+blocked→water_sewer/drains",
            ),
            (
                "Surface water flooding on the road outside number 10",
                "water_sewer",
                "ordinary:flooding+surface water→water_sewer/drains",
            ),
            (
                "La strada si è allagata di nuovo per il tombino intasato",
                "water_sewer",
                "ordinary:allagat+strada→water_sewer/drains",
            ),
            (
                "Injured fox in the garden",
                "animals",
                "ordinary:injured+fox→animals/stray_animals",
            ),
            (
                "Chiusino crollato in mezzo alla carreggiata",
                "roads",
                "ordinary:crollat+chiusin→roads/manhole",
            ),
            (
                "The railings along the canal path have collapsed",
                "urban_decorum",
                "ordinary:collapsed+railing→urban_decorum/vandalism",
            ),
            (
                "Speed table collapsed, the road surface around it is breaking up",
                "roads",
                "ordinary:collapsed+speed table→roads/pothole",
            ),
        ] {
            let classification = c.classify(text, ReportContext::default());
            assert!(c.emergency_terms(text).is_empty(), "{text}");
            assert_eq!(routed(&classification).0, department, "{text}");
            assert!(
                classification.explanation.rules.iter().any(|r| r == rule),
                "{text}: {:?}",
                classification.explanation.rules
            );
        }
        for what_has_not_happened in [
            "Loose paving slab, someone could get injured",
            "Fix this before someone is injured",
            "Il muro potrebbe crollare da un momento all'altro",
        ] {
            assert!(
                c.emergency_terms(what_has_not_happened).is_empty(),
                "{what_has_not_happened}"
            );
        }
    }

    #[test]
    fn thanks_and_other_operators_are_answered_and_vague_text_is_reviewed() {
        let c = classifier();
        assert_eq!(
            c.classify("Grazie mille, complimenti!", ReportContext::default())
                .verdict,
            Verdict::NotAReport
        );
        assert_eq!(
            c.classify(
                "My national rail train was cancelled again",
                ReportContext::default()
            )
            .verdict,
            Verdict::OutOfRemit
        );
        // A question about a service, not a problem: answered, with no work order.
        assert_eq!(
            c.classify(
                "Come faccio a iscrivere mio figlio all'asilo nido?",
                ReportContext::default()
            )
            .verdict,
            Verdict::NotAReport
        );
        // A thank-you that also reports a problem is a report.
        let both = c.classify(
            "Thanks! Also the street light outside 4 is out",
            ReportContext::default(),
        );
        assert_eq!(routed(&both).0, "street_lighting");
        // So is a longer description that closes with thanks, even without a
        // department's keyword.
        let polite = c.classify(
            "Next to 42 Charlotte Street the light has stopped working. \
             Can it be fixed please? Thank you.",
            ReportContext::default(),
        );
        assert_ne!(
            polite.verdict,
            Verdict::NotAReport,
            "{:?}",
            polite.explanation
        );
        assert!(matches!(
            c.classify(
                "Qualcuno deve venire a vedere, è una situazione assurda",
                ReportContext::default()
            )
            .verdict,
            Verdict::Review { .. }
        ));
    }

    #[test]
    fn the_measured_routing_is_what_the_service_does() {
        let c = classifier();
        for (text, department) in [
            (
                "C'è una fuga di gas in via Roma, si sente l'odore",
                "civil_protection",
            ),
            ("House fire on Mill Lane, people inside", "civil_protection"),
            ("Grazie mille, complimenti!", "general"),
            ("My national rail train was cancelled again", "general"),
            (
                "Thanks! Also the street light outside 4 is out",
                "street_lighting",
            ),
            ("The bin fire is out, please collect the burnt bin", "waste"),
            ("Buca enorme in via Garibaldi", "roads"),
        ] {
            let routing = c.routing_of(text, ReportContext::default());
            assert_eq!(routing.department, department, "{text}");
            assert!(!routing.to_review, "{text}");
        }
        // A vague report is measured as waiting for an operator, as the service does.
        let vague = "Qualcuno deve venire a vedere, è una situazione assurda";
        assert!(matches!(
            c.classify(vague, ReportContext::default()).verdict,
            Verdict::Review { .. }
        ));
        assert!(c.routing_of(vague, ReportContext::default()).to_review);
        // Under a threshold of zero nothing waits.
        let taxonomy = Taxonomy::default_italian().unwrap();
        let eager = Classifier::new(&taxonomy, default_model().unwrap(), 0.0).unwrap();
        assert!(!eager.routing_of(vague, ReportContext::default()).to_review);
    }

    fn trained(examples: &[crate::domain::Example]) -> Result<Model, crate::domain::ModelError> {
        Model::train(
            examples,
            "t",
            &Featurizer::default(),
            crate::domain::TrainingOptions::default(),
        )
    }

    fn filed(service: &str) -> ReportContext<'_> {
        ReportContext {
            position: None,
            service: Some(service),
        }
    }

    #[test]
    fn the_chosen_service_code_wins_over_the_text_unless_it_is_an_emergency() {
        let c = classifier();
        let pothole = c.classify("Deep pothole in front of number 4", filed("101"));
        assert_eq!(
            routed(&pothole),
            ("street_lighting", "lamp_out", Priority::Normal, false)
        );
        assert_eq!(pothole.explanation.method, method::SERVICE_CODE);
        assert_eq!(pothole.explanation.rules, ["service_code:101"]);
        assert_eq!(
            c.routing_of("Deep pothole in front of number 4", filed("101"))
                .department,
            "street_lighting"
        );
        let fire = c.classify("House fire on Mill Lane, people inside", filed("101"));
        assert_eq!(routed(&fire).0, "civil_protection");
        // A code the taxonomy does not have is no choice at all.
        let unknown = c.classify("Deep pothole in front of number 4", filed("999"));
        assert_eq!(routed(&unknown).0, "roads");
        assert_eq!(unknown.explanation.method, method::CLASSIFIER);
    }

    #[test]
    fn a_model_that_learned_a_service_code_weighs_it_against_the_text() {
        // In this city's history, a vague report took its department from the
        // service it was filed under; potholes filed as "lamp out" (101) went to roads.
        let taxonomy = Taxonomy::default_italian().unwrap();
        let mut examples = taxonomy.training_examples();
        let history = (0..8).flat_map(|i| {
            [
                (
                    format!("It is broken, please fix it {i}"),
                    "101",
                    "street_lighting",
                ),
                (format!("It is broken, please fix it {i}"), "201", "roads"),
                (format!("Pothole outside the school {i}"), "101", "roads"),
            ]
        });
        for (text, service, label) in history {
            examples.push(crate::domain::Example {
                text,
                label: label.into(),
                position: None,
                service: Some(service.into()),
            });
        }
        let c = Classifier::new(&taxonomy, trained(&examples).unwrap(), 0.0).unwrap();

        let pothole = c.classify("Deep pothole in front of number 4", filed("101"));
        assert_eq!(routed(&pothole).0, "roads", "{:?}", pothole.explanation);
        assert_eq!(pothole.explanation.method, method::CLASSIFIER);
        assert!(
            !pothole
                .explanation
                .rules
                .contains(&"service_code:101".into())
        );
        // Where the model agrees with the citizen, the citizen named the category.
        let vague = c.classify("Broken again, please fix", filed("101"));
        assert_eq!(
            routed(&vague),
            ("street_lighting", "lamp_out", Priority::Normal, false),
            "{:?}",
            vague.explanation
        );
        assert!(vague.explanation.rules.contains(&"service_code:101".into()));
        assert!(
            vague.explanation.features.contains(&"@service:101".into()),
            "{:?}",
            vague.explanation
        );
        let road = c.classify("Broken again, please fix", filed("201"));
        assert_eq!(routed(&road).0, "roads", "{:?}", road.explanation);
        // A code it never learned still wins, as with the default model.
        let manhole = c.classify("Deep pothole in front of number 4", filed("203"));
        assert_eq!(routed(&manhole).1, "manhole");
        assert_eq!(manhole.explanation.method, method::SERVICE_CODE);
    }

    #[test]
    fn a_model_with_labels_outside_the_taxonomy_is_refused() {
        let taxonomy = Taxonomy::default_italian().unwrap();
        let examples = [("a lamp", "lights"), ("a hole", "holes")].map(|(text, label)| {
            crate::domain::Example {
                text: text.into(),
                label: label.into(),
                position: None,
                service: None,
            }
        });
        let error = Classifier::new(&taxonomy, trained(&examples).unwrap(), 0.3)
            .err()
            .unwrap();
        assert_eq!(
            error.to_string(),
            "the model knows labels that are not departments of the taxonomy: holes, lights"
        );
    }
}
