//! A first look at a citizen's words before their report is complete: is it an
//! emergency, and what should they be told at once. The channels ask while the place is
//! still missing, so that the safety advice does not wait for it.

use std::sync::Arc;

use segnala_shared::{AppError, lang::Lang};

use crate::domain::{
    Answer, Audience, Classifier, ReportContext, Taxonomy,
    text::{in_language, language_of},
};

/// The longest text assessed, as long as a report's description may be.
const MAX_CHARS: usize = 4000;

/// What the emergency rules see in a text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assessment {
    /// The live emergency terms found; empty: no emergency.
    pub matched_terms: Vec<String>,
    /// The taxonomy's advice before a report is complete, in `language`, when it is
    /// an emergency.
    pub safety_message: Option<String>,
    /// The taxonomy's polite answer, in `language`, when screening takes the text for
    /// something other than a report.
    pub not_a_report_message: Option<String>,
    pub language: Lang,
}

#[derive(Clone)]
pub struct AssessText {
    classifier: Arc<Classifier>,
    taxonomy: Arc<Taxonomy>,
}

impl AssessText {
    pub fn new(classifier: Arc<Classifier>, taxonomy: Arc<Taxonomy>) -> Self {
        Self {
            classifier,
            taxonomy,
        }
    }

    /// The same rules routing applies, so a text assessed an emergency here is routed
    /// as one once the report is complete.
    /// `language`: the one the text's sender said it is in, if any.
    /// `audience`: whom it was written for.
    pub fn assess(
        &self,
        text: &str,
        language: Option<Lang>,
        audience: Audience,
    ) -> Result<Assessment, AppError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(AppError::invalid("text", "must not be empty"));
        }
        if text.chars().count() > MAX_CHARS {
            return Err(AppError::invalid(
                "text",
                format!("must be at most {MAX_CHARS} characters"),
            ));
        }
        let language = language_of(text, language);
        let matched_terms = self.classifier.emergency_terms(text);
        let (italian, english) = self.taxonomy.emergency.advice();
        let safety_message =
            (!matched_terms.is_empty()).then(|| in_language(language, italian, english).to_owned());
        let context = ReportContext {
            audience,
            ..ReportContext::default()
        };
        let answer = &self.taxonomy.not_a_report;
        let not_a_report_message = (self.classifier.routing_of(text, context).answer
            == Some(Answer::NotAReport))
        .then(|| in_language(language, &answer.message_it, &answer.message_en).to_owned());
        Ok(Assessment {
            matched_terms,
            safety_message,
            not_a_report_message,
            language,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::settings::TriageSettings;

    fn assessor() -> AssessText {
        let settings = TriageSettings::default();
        let taxonomy = Arc::new(settings.taxonomy().unwrap());
        let classifier = Arc::new(settings.classifier(&taxonomy).unwrap());
        AssessText::new(classifier, taxonomy)
    }

    #[test]
    fn danger_gets_the_safety_advice_in_the_texts_language() {
        let assessor = assessor();
        let gas = assessor
            .assess(
                "Forte odore di gas nel palazzo, fuga di gas!",
                None,
                Audience::Mention,
            )
            .unwrap();
        assert_eq!(gas.language, Lang::It);
        assert!(
            gas.matched_terms.contains(&"fuga di gas".to_owned()),
            "{gas:?}"
        );
        // Before the report is complete nothing was passed on: the advice says so.
        let advice = gas.safety_message.unwrap();
        assert!(
            advice.contains("112") && !advice.contains("avvisato"),
            "{advice}"
        );
        let fire = assessor
            .assess(
                "There is a house on fire near the school",
                Lang::parse("en-GB"),
                Audience::Direct,
            )
            .unwrap();
        assert_eq!(fire.language, Lang::En);
        assert!(
            fire.safety_message
                .unwrap()
                .starts_with("If anyone is in danger")
        );
    }

    #[test]
    fn everyday_faults_and_bad_input_are_no_emergency() {
        let assessor = assessor();
        for text in [
            "Lampione spento in via Roma",
            "Nessun incendio, solo fumo dal camino",
        ] {
            let calm = assessor
                .assess(text, Some(Lang::It), Audience::Direct)
                .unwrap();
            assert_eq!(
                (calm.matched_terms.len(), calm.safety_message),
                (0, None),
                "{text}"
            );
        }
        assert!(
            assessor
                .assess("  ", Some(Lang::It), Audience::Direct)
                .is_err()
        );
        assert!(
            assessor
                .assess(&"a".repeat(4001), Some(Lang::It), Audience::Direct)
                .is_err()
        );
    }

    #[test]
    fn a_mention_that_is_chatter_gets_the_polite_answer_and_danger_never_does() {
        let assessor = assessor();
        let chatter = assessor
            .assess(
                "Buon Natale a tutta la città e buone feste",
                None,
                Audience::Mention,
            )
            .unwrap();
        assert!(
            chatter
                .not_a_report_message
                .is_some_and(|m| m.contains("Non contiene una segnalazione")),
        );
        for text in [
            "Il lampione di via Roma è spento da giorni",
            "Esondato il torrente, ci sono persone intrappolate",
        ] {
            let report = assessor.assess(text, None, Audience::Mention).unwrap();
            assert_eq!(report.not_a_report_message, None, "{text}");
        }
    }
}
