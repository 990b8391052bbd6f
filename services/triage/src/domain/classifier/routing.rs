//! The routing rules in their order, and the scores they weigh.

use super::{
    AnswerRule, CategoryIndex, Classifier, DepartmentIndex, Explanation, Verdict,
    emergency::{EmergencyFindings, OrdinaryFault},
    method,
    screening::{Cue, Screened},
};
use crate::domain::{ReportContext, featurizer::Tokens, model::argmax, text::words};

/// What the rules made of a message, before the review threshold.
pub(super) enum Finding {
    Emergency,
    /// Answered instead of routed: not a report, or outside the city's remit.
    Answered(Verdict),
    /// Routed to the category of the service the citizen chose.
    Filed(CategoryIndex),
    /// It may not be a report: an operator decides. `best` is where it would go.
    Doubtful {
        best: DepartmentIndex,
        chance: f32,
        below: f32,
    },
    /// The best-scoring department, its score and its best keyword category.
    Scored {
        best: DepartmentIndex,
        confidence: f32,
        category: Option<String>,
    },
}

/// An ordinary fault counts for its category as much as a keyword of two words.
const ORDINARY_WEIGHT: f32 = 2.0;

impl Classifier {
    /// The rules in their order: emergency language first, then the scores, then the
    /// citizen's chosen service and the answers that outweigh them, then screening
    /// (is it a report at all?). Fills the explanation, method included.
    pub(super) fn decide(
        &self,
        text: &str,
        context: ReportContext<'_>,
        explanation: &mut Explanation,
    ) -> Finding {
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
            return Finding::Emergency;
        }
        let tokens = self.model.tokens(&self.featurizer, &text_words, context);
        let (department_scores, mut best_category) =
            self.scores(&text_words, &tokens, &ordinary, explanation);
        let best = DepartmentIndex(argmax(&department_scores));
        let confidence = department_scores[best];
        let filed = context
            .service
            .and_then(|code| Some((code, *self.service_codes.get(code)?)));
        if let Some((code, category)) = filed
            && !self.model.knows_service(code)
        {
            explanation.method = method::SERVICE_CODE.into();
            explanation.rules = vec![format!("service_code:{code}")];
            return Finding::Filed(category);
        }
        let has_department_keyword = !explanation.matched_keywords.is_empty();
        if let Some((verdict, answered_by)) =
            self.answered(&text_words, has_department_keyword, confidence, explanation)
        {
            explanation.method = answered_by.into();
            return Finding::Answered(verdict);
        }
        let cue = if has_department_keyword || !ordinary.is_empty() || filed.is_some() {
            Cue::Report
        } else if self.not_a_report.keywords.found(&text_words).is_empty() {
            Cue::None
        } else {
            Cue::Chatter
        };
        let own = self
            .screening
            .own_tokens(&self.model, &self.featurizer, &text_words, context);
        let (chance, evidence) =
            self.screening
                .chance(own.as_ref().unwrap_or(&tokens), cue, &mut explanation.rules);
        match self.screening.judge(chance, context.audience) {
            Screened::Report => {}
            Screened::NotAReport { chance, below } => {
                explanation.method = method::SCREENING.into();
                explanation
                    .rules
                    .push(format!("screening:{chance:.2}<{below:.2}"));
                explanation.features = evidence;
                return Finding::Answered(Verdict::NotAReport);
            }
            Screened::Doubtful { chance, below } => {
                explanation.method = method::SCREENING.into();
                explanation
                    .rules
                    .push(format!("screening:{chance:.2}<{below:.2}"));
                explanation.features = evidence;
                return Finding::Doubtful {
                    best,
                    chance,
                    below,
                };
            }
        }
        explanation.method = method::CLASSIFIER.into();
        // The model weighed the service; where it agrees, the citizen named the category.
        let category = match filed {
            Some((code, category)) if self.categories[category].department == best => {
                explanation.rules.push(format!("service_code:{code}"));
                Some(self.categories[category].category.clone())
            }
            _ => best_category.swap_remove(best.0),
        };
        Finding::Scored {
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
        tokens: &Tokens,
        ordinary: &[OrdinaryFault],
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
        for OrdinaryFault {
            term,
            near,
            category: c,
        } in ordinary
        {
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
        let prediction = self.model.predict(tokens);
        explanation.features = prediction.evidence;
        let mut scores = vec![0.0f32; n];
        for (department, probability) in self.class_department.iter().zip(&prediction.probabilities)
        {
            if let Some(d) = *department {
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
        scores[self.emergency_department] = 0.0;
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

    pub(super) fn first_category(&self, department: DepartmentIndex) -> String {
        self.categories
            .iter()
            .find(|c| c.department == department)
            .map(|c| c.category.clone())
            .unwrap_or_default()
    }
}
