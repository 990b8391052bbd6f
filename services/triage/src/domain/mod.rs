//! Routing decisions. No transport or storage types here.

mod classifier;
mod decision;
pub mod evaluation;
mod featurizer;
mod incidents;
mod index;
pub mod model;
mod taxonomy;
pub mod text;
pub mod training;

pub use classifier::{
    Answer, Bar, Classification, Classifier, Explanation, NOT_A_REPORT, REPORT, Routing, Screening,
    ScreeningBars, ScreeningError, UnknownLabels, Verdict, method as classifier_method,
};
pub use decision::{Assignment, Decision, Outcome, ReceivedReport};
pub use featurizer::{Audience, Featurizer, Position, ReportContext};
pub use incidents::{IncidentIndex, Neighbourhood, OpenIncident, raised_priority};
pub use model::{Example, Model, ModelError, TrainingOptions};
pub use taxonomy::{
    AnswerKind, Category, Department, DuplicateRule, Question, Taxonomy, TaxonomyError,
};

/// From least to most urgent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Low,
    Normal,
    High,
    Critical,
}

/// The model that ships with Segnala, trained on the default taxonomy's keywords and
/// examples only (`segnala triage train --from-taxonomy`).
const DEFAULT_MODEL: &[u8] = include_bytes!("../../default-model.json");

/// Its version, recorded in every decision it makes.
pub const DEFAULT_MODEL_VERSION: &str = "tfidf-logreg/default-taxonomy-2";

pub fn default_model() -> Result<Model, ModelError> {
    Model::from_json(DEFAULT_MODEL)
}

/// The screening model that ships with Segnala, trained on the default taxonomy's
/// examples of reports and of messages that are not (`segnala triage train --step
/// screening --from-taxonomy`).
const DEFAULT_SCREENING_MODEL: &[u8] = include_bytes!("../../default-screening-model.json");

pub const DEFAULT_SCREENING_VERSION: &str = "tfidf-logreg/screening-default-taxonomy-1";

pub fn default_screening_model() -> Result<Model, ModelError> {
    Model::from_json(DEFAULT_SCREENING_MODEL)
}

/// Training options for a model learned from a taxonomy: few examples, so every
/// feature counts; the keyword rules weigh as much as the model's guess.
pub fn taxonomy_training_options() -> TrainingOptions {
    TrainingOptions {
        min_document_frequency: 1,
        epochs: 30,
        rules_weight: 0.5,
        ..TrainingOptions::default()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Fails with how to retrain when a shipped model is not what the taxonomy trains.
    fn assert_shipped(examples: &[Example], version: &str, shipped: &[u8], retrain: &str) {
        let trained = Model::train(
            examples,
            version,
            &Featurizer::default(),
            taxonomy_training_options(),
        )
        .unwrap();
        assert!(
            trained.to_json().unwrap() == shipped,
            "a shipped model is stale: run `{retrain}`"
        );
    }

    #[test]
    fn the_shipped_model_is_the_one_the_default_taxonomy_trains() {
        let taxonomy = Taxonomy::default_italian().unwrap();
        assert_shipped(
            &taxonomy.training_examples(),
            DEFAULT_MODEL_VERSION,
            DEFAULT_MODEL,
            "segnala triage train --from-taxonomy --out services/triage/default-model.json",
        );
    }

    #[test]
    fn the_shipped_screening_model_is_the_one_the_default_taxonomy_trains() {
        let taxonomy = Taxonomy::default_italian().unwrap();
        assert_shipped(
            &taxonomy.screening_examples(),
            DEFAULT_SCREENING_VERSION,
            DEFAULT_SCREENING_MODEL,
            "segnala triage train --step screening --from-taxonomy --out services/triage/default-screening-model.json",
        );
    }
}
