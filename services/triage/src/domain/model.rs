//! The statistical layer: TF-IDF over the features of a report (`featurizer`), and a
//! multinomial logistic regression trained by stochastic gradient descent. Its
//! parameters are a file (JSON): the default one ships embedded, a city trains its own
//! with `segnala triage train`.

use std::collections::HashMap;

use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde::{Deserialize, Serialize};

use super::{
    featurizer::{
        Feature, Featurizer, PIECE_MARK, Position, ReportContext, SERVICE_PIECE_MARK, Tokens,
        service_token,
    },
    index::typed_index,
    text::words,
};

/// A trained model.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Model {
    /// Names the parameters, for decisions to say which model made them.
    pub version: String,
    /// The labels (department ids), in score order.
    pub classes: Vec<String>,
    /// Features: a token (a stem, a map cell such as `@cell:312_-57`, a service such as
    /// `@service:101` or a piece of its name, `@service#<101`), two tokens
    /// joined by a space (neighbouring stems, or a cell and a stem in it), or a piece of
    /// a word after [`PIECE_MARK`] (`#<lam`, `#one>`).
    vocabulary: Vec<String>,
    idf: Vec<f32>,
    /// Feature-major: the weight of feature `f` for class `c` is `weights[f * classes + c]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
    /// The side of the map cells in km, when the model was trained with positions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cell_km: Option<f64>,
    /// Whether the model learned from pieces of words.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    word_pieces: bool,
    /// Whether the model learned from the service each citizen chose.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    services: bool,
    /// How much the taxonomy's keyword rules weigh against the model's probabilities.
    #[serde(default = "default_rules_weight")]
    pub rules_weight: f32,
    #[serde(skip)]
    index: FeatureLookup,
}

typed_index! {
    /// A feature's position in a model's vocabulary.
    struct FeatureIndex(u32);
    /// A class's position in a model's classes.
    struct ClassIndex(usize);
}

/// Where the weights of a feature for each of `classes` classes lie in `weights`.
fn weight_row(feature: FeatureIndex, classes: usize) -> std::ops::Range<usize> {
    let start = feature.0 as usize * classes;
    start..start + classes
}

/// A report has a token for each word and a piece for each letter: a fast hash
/// keeps them cheap to find (the keys are a model's own, not an attacker's).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Finds features without building their names: single tokens and pieces of words by
/// text, pairs by the features of their two tokens.
#[derive(Clone, Debug, Default)]
struct FeatureLookup {
    tokens: FastMap<String, FeatureIndex>,
    pairs: FastMap<(FeatureIndex, FeatureIndex), FeatureIndex>,
    pieces: FastMap<String, FeatureIndex>,
    /// Whether each feature is a piece of a word (or of a service's name), without
    /// reading its name.
    piece_flags: Vec<bool>,
}

impl FeatureLookup {
    fn new(vocabulary: &[String]) -> Result<Self, ModelError> {
        let mut index = Self {
            piece_flags: vocabulary
                .iter()
                .map(|f| f.starts_with(PIECE_MARK) || f.starts_with(SERVICE_PIECE_MARK))
                .collect(),
            ..Self::default()
        };
        for (f, feature) in (0..).map(FeatureIndex).zip(vocabulary) {
            if let Some(piece) = feature.strip_prefix(PIECE_MARK) {
                index.pieces.insert(piece.to_owned(), f);
            } else if !feature.contains(' ') {
                index.tokens.insert(feature.clone(), f);
            }
        }
        for (f, feature) in (0..).map(FeatureIndex).zip(vocabulary) {
            if feature.starts_with(PIECE_MARK) {
                continue;
            }
            if let Some((first, second)) = feature.split_once(' ') {
                let (Some(&a), Some(&b)) = (index.tokens.get(first), index.tokens.get(second))
                else {
                    return Err(ModelError::Inconsistent(format!(
                        "the pair `{feature}` has a token that is not a feature"
                    )));
                };
                index.pairs.insert((a, b), f);
            }
        }
        Ok(index)
    }

    fn is_piece(&self, feature: FeatureIndex) -> bool {
        self.piece_flags[feature]
    }

    /// The known features of a report's tokens, sorted, repeated as often as they occur.
    fn features(&self, tokens: &Tokens) -> Vec<FeatureIndex> {
        let ids: Vec<Option<FeatureIndex>> = tokens
            .tokens
            .iter()
            .map(|t| self.tokens.get(t.as_str()).copied())
            .collect();
        let mut features: Vec<FeatureIndex> = tokens
            .features()
            .filter_map(|feature| match feature {
                Feature::One(t) => ids[t],
                Feature::Two(a, b) => self.pairs.get(&(ids[a]?, ids[b]?)).copied(),
                Feature::Piece(p) => self.pieces.get(tokens.piece(p)).copied(),
            })
            .collect();
        features.sort_unstable();
        features
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("model file: {0}")]
    Format(#[from] serde_json::Error),
    #[error("model file: {0}")]
    Inconsistent(String),
    #[error("training needs examples of at least two labels")]
    TooFewLabels,
}

/// How to train.
#[derive(Clone, Copy, Debug)]
pub struct TrainingOptions {
    pub epochs: usize,
    pub learning_rate: f32,
    /// Features seen in fewer documents are left out.
    pub min_document_frequency: usize,
    pub seed: u64,
    /// Learn from the examples' positions too, in map cells of this side (km).
    pub cell_km: Option<f64>,
    /// Learn from pieces of words too, not only from their stems.
    pub word_pieces: bool,
    /// How much the taxonomy's keyword rules will weigh against the model's
    /// probabilities: less for a model that learned a city's own routing than for one
    /// that learned only the taxonomy.
    pub rules_weight: f32,
}

fn default_rules_weight() -> f32 {
    0.5
}

impl Default for TrainingOptions {
    fn default() -> Self {
        Self {
            epochs: 10,
            learning_rate: 1.0,
            min_document_frequency: 2,
            seed: 7,
            cell_km: None,
            word_pieces: true,
            rules_weight: 0.25,
        }
    }
}

/// One labelled text, with where it was reported and the service it was filed under
/// when known.
#[derive(Clone, Debug)]
pub struct Example {
    pub text: String,
    pub label: String,
    pub position: Option<Position>,
    pub service: Option<String>,
    /// Other labels that count as right when measuring (a report that two
    /// departments could take).
    pub accepted: Vec<String>,
}

impl Example {
    pub fn context(&self) -> ReportContext<'_> {
        ReportContext {
            position: self.position,
            service: self.service.as_deref(),
            ..ReportContext::default()
        }
    }
}

type SparseVector = Vec<(FeatureIndex, f32)>;

impl Model {
    pub fn from_json(bytes: &[u8]) -> Result<Self, ModelError> {
        let mut model: Model = serde_json::from_slice(bytes)?;
        let (features, classes) = (model.vocabulary.len(), model.classes.len());
        if model.idf.len() != features
            || model.weights.len() != features * classes
            || model.bias.len() != classes
        {
            return Err(ModelError::Inconsistent(
                "the sizes of vocabulary, idf, weights and bias do not agree".into(),
            ));
        }
        model.index = FeatureLookup::new(&model.vocabulary)?;
        Ok(model)
    }

    pub fn to_json(&self) -> Result<Vec<u8>, ModelError> {
        Ok(serde_json::to_vec(self)?)
    }

    /// The tokens of a text (its words, from [`super::text::words`]) as this model
    /// reads them.
    pub fn tokens(
        &self,
        featurizer: &Featurizer,
        words: &[String],
        context: ReportContext<'_>,
    ) -> Tokens {
        featurizer.tokens(
            words,
            context,
            self.cell_km,
            self.services,
            self.word_pieces,
        )
    }

    /// Whether `other` reads a text into the same tokens, so one set serves both.
    pub fn reads_like(&self, other: &Model) -> bool {
        self.cell_km == other.cell_km
            && self.services == other.services
            && self.word_pieces == other.word_pieces
    }

    /// Whether the model learned from reports filed under this service, and so weighs
    /// it against their words.
    pub fn knows_service(&self, service: &str) -> bool {
        self.services
            && service_token(service).is_some_and(|token| self.index.tokens.contains_key(&token))
    }

    pub fn train(
        examples: &[Example],
        version: &str,
        featurizer: &Featurizer,
        options: TrainingOptions,
    ) -> Result<Self, ModelError> {
        let mut classes: Vec<String> = examples.iter().map(|e| e.label.clone()).collect();
        classes.sort();
        classes.dedup();
        if classes.len() < 2 {
            return Err(ModelError::TooFewLabels);
        }
        let services = examples.iter().any(|e| e.service.is_some());
        let documents: Vec<Tokens> = examples
            .iter()
            .map(|e| {
                featurizer.tokens(
                    &words(&e.text),
                    e.context(),
                    options.cell_km,
                    services,
                    options.word_pieces,
                )
            })
            .collect();
        let mut document_frequency: HashMap<String, usize> = HashMap::new();
        for tokens in &documents {
            let mut unique = tokens.names();
            unique.sort_unstable();
            unique.dedup();
            for feature in unique {
                *document_frequency.entry(feature).or_default() += 1;
            }
        }
        let n = documents.len() as f32;
        let mut vocabulary: Vec<(String, f32)> = document_frequency
            .into_iter()
            .filter(|(_, df)| *df >= options.min_document_frequency)
            .map(|(feature, df)| (feature, ((1.0 + n) / (1.0 + df as f32)).ln() + 1.0))
            .collect();
        vocabulary.sort_by(|a, b| a.0.cmp(&b.0));
        let (vocabulary, idf): (Vec<String>, Vec<f32>) = vocabulary.into_iter().unzip();
        let mut model = Model {
            version: version.to_owned(),
            weights: vec![0.0; vocabulary.len() * classes.len()],
            bias: vec![0.0; classes.len()],
            index: FeatureLookup::new(&vocabulary)?,
            cell_km: options.cell_km,
            word_pieces: options.word_pieces,
            services,
            rules_weight: options.rules_weight,
            classes,
            vocabulary,
            idf,
        };
        let labels: Vec<ClassIndex> = examples
            .iter()
            .map(|e| ClassIndex(model.classes.binary_search(&e.label).unwrap_or(0)))
            .collect();
        let vectors: Vec<SparseVector> = documents.iter().map(|d| model.vectorize(d)).collect();
        model.fit(&vectors, &labels, options);
        Ok(model)
    }

    /// Stochastic gradient descent on the cross-entropy, each class weighted by its
    /// rarity so that small departments are not drowned by large ones.
    fn fit(&mut self, vectors: &[SparseVector], labels: &[ClassIndex], options: TrainingOptions) {
        let k = self.classes.len();
        let mut counts = vec![0usize; k];
        for &label in labels {
            counts[label] += 1;
        }
        let class_weight: Vec<f32> = counts
            .iter()
            .map(|&c| (labels.len() as f32 / (k as f32 * c.max(1) as f32)).sqrt())
            .collect();
        let mut order: Vec<usize> = (0..vectors.len()).collect();
        let mut rng = StdRng::seed_from_u64(options.seed);
        let mut scores = vec![0.0f32; k];
        let total_steps = (options.epochs * vectors.len()).max(1) as f32;
        let mut step = 0usize;
        for _ in 0..options.epochs {
            order.shuffle(&mut rng);
            for &i in &order {
                let rate = options.learning_rate * (1.0 - step as f32 / total_steps).max(0.05);
                step += 1;
                self.scores_into(&vectors[i], &mut scores);
                softmax(&mut scores);
                let weight = class_weight[labels[i]];
                for (c, p) in (0..).map(ClassIndex).zip(scores.iter_mut()) {
                    let target = if c == labels[i] { 1.0 } else { 0.0 };
                    *p = rate * weight * (*p - target);
                }
                for (c, gradient) in scores.iter().enumerate() {
                    self.bias[c] -= gradient * 0.1;
                }
                for &(f, x) in &vectors[i] {
                    let row = &mut self.weights[weight_row(f, k)];
                    for (w, gradient) in row.iter_mut().zip(&scores) {
                        *w -= gradient * x;
                    }
                }
            }
        }
    }

    /// TF-IDF (logarithmic term frequency), L2-normalised; unknown features dropped.
    fn vectorize(&self, tokens: &Tokens) -> SparseVector {
        let features = self.index.features(tokens);
        let mut vector: SparseVector = Vec::with_capacity(features.len());
        for f in features {
            match vector.last_mut() {
                Some((last, count)) if *last == f => *count += 1.0,
                _ => vector.push((f, 1.0)),
            }
        }
        for (f, x) in &mut vector {
            // Most features occur once, and ln(1) is 0: skip the logarithm for them.
            let tf = if *x > 1.0 { 1.0 + x.ln() } else { 1.0 };
            *x = tf * self.idf[*f];
        }
        let norm = vector.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
        if norm > 0.0 {
            vector.iter_mut().for_each(|(_, x)| *x /= norm);
        }
        vector
    }

    fn scores_into(&self, vector: &SparseVector, scores: &mut [f32]) {
        let k = self.classes.len();
        scores.copy_from_slice(&self.bias);
        for &(f, x) in vector {
            for (s, w) in scores.iter_mut().zip(&self.weights[weight_row(f, k)]) {
                *s += w * x;
            }
        }
    }

    /// The probability of each class, in `classes` order, and the features that pushed
    /// the most likely class up the most.
    pub fn predict(&self, tokens: &Tokens) -> Prediction {
        let vector = self.vectorize(tokens);
        let mut probabilities = vec![0.0f32; self.classes.len()];
        self.scores_into(&vector, &mut probabilities);
        softmax(&mut probabilities);
        let best = ClassIndex(argmax(&probabilities));
        let k = self.classes.len();
        // Stems, pairs and cells say more to an operator than pieces of words, which
        // only fill the places they leave.
        let mut contributions: Vec<(bool, f32, FeatureIndex)> = vector
            .iter()
            .map(|&(f, x)| (f, x * self.weights[weight_row(f, k)][best]))
            .filter(|(_, c)| *c > 0.0)
            .map(|(f, c)| (self.index.is_piece(f), c, f))
            .collect();
        let order = |a: &(bool, f32, FeatureIndex), b: &(bool, f32, FeatureIndex)| {
            a.0.cmp(&b.0).then(b.1.total_cmp(&a.1))
        };
        if contributions.len() > EVIDENCE {
            contributions.select_nth_unstable_by(EVIDENCE, order);
            contributions.truncate(EVIDENCE);
        }
        contributions.sort_unstable_by(order);
        Prediction {
            probabilities,
            evidence: contributions
                .into_iter()
                .map(|(_, _, f)| self.vocabulary[f].clone())
                .collect(),
        }
    }
}

/// How many features a prediction gives as its evidence.
const EVIDENCE: usize = 5;

/// What the model thinks of one text.
#[derive(Clone, Debug)]
pub struct Prediction {
    pub probabilities: Vec<f32>,
    /// The features that weighed most for the most likely class, pieces of words last.
    pub evidence: Vec<String>,
}

fn softmax(scores: &mut [f32]) {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = (*s - max).exp();
        sum += *s;
    }
    scores.iter_mut().for_each(|s| *s /= sum);
}

pub fn argmax(values: &[f32]) -> usize {
    values
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn example(text: &str, label: &str) -> Example {
        Example {
            text: text.into(),
            label: label.into(),
            position: None,
            service: None,
            accepted: Vec::new(),
        }
    }

    fn predict(model: &Model, featurizer: &Featurizer, text: &str) -> Prediction {
        model.predict(&model.tokens(featurizer, &words(text), ReportContext::default()))
    }

    fn small_set() -> Vec<Example> {
        let mut examples = Vec::new();
        for i in 0..5 {
            examples.push(example(&format!("lampione spento numero {i}"), "light"));
            examples.push(example(&format!("street light out near {i}"), "light"));
            examples.push(example(&format!("buca nella strada {i}"), "road"));
            examples.push(example(&format!("pothole in the road {i}"), "road"));
        }
        examples
    }

    #[test]
    fn learns_labels_from_examples_and_survives_a_round_trip_through_its_file() {
        let featurizer = Featurizer::default();
        let model = Model::train(
            &small_set(),
            "test/1",
            &featurizer,
            TrainingOptions::default(),
        )
        .unwrap();
        let light = predict(&model, &featurizer, "i lampioni sono spenti");
        assert_eq!(model.classes[argmax(&light.probabilities)], "light");
        assert!(
            light.evidence.iter().any(|f| f.starts_with("lampion")),
            "{:?}",
            light.evidence
        );
        let road = predict(&model, &featurizer, "another pothole");
        assert_eq!(model.classes[argmax(&road.probabilities)], "road");

        let reloaded = Model::from_json(&model.to_json().unwrap()).unwrap();
        let again = predict(&reloaded, &featurizer, "another pothole");
        assert_eq!(again.probabilities, road.probabilities);
    }

    #[test]
    fn pieces_of_words_route_a_joined_word_that_no_stem_matches() {
        let featurizer = Featurizer::default();
        let train = |word_pieces| {
            let options = TrainingOptions {
                word_pieces,
                ..TrainingOptions::default()
            };
            Model::train(&small_set(), "test/pieces", &featurizer, options).unwrap()
        };
        let text = "streetlights";
        let stems_only = predict(&train(false), &featurizer, text);
        assert!(stems_only.evidence.is_empty(), "{:?}", stems_only.evidence);

        let model = Model::from_json(&train(true).to_json().unwrap()).unwrap();
        let pieces = predict(&model, &featurizer, text);
        assert_eq!(model.classes[argmax(&pieces.probabilities)], "light");
        assert!(
            pieces.evidence.iter().any(|f| f.starts_with(PIECE_MARK)),
            "{:?}",
            pieces.evidence
        );
    }

    #[test]
    fn a_model_trained_with_positions_learns_who_handles_what_where() {
        // In the west, fly-tipping goes to parks; in the east, to waste.
        let (west, east) = ((51.50, -0.30), (51.50, 0.05));
        let mut examples = Vec::new();
        for i in 0..6 {
            for (text, west_label, east_label) in [
                ("fly tipping on the corner", "parks", "waste"),
                ("overgrown hedge in the park", "parks", "parks"),
                ("overflowing bin", "waste", "waste"),
            ] {
                let text = format!("{text} {i}");
                for (position, label) in [(west, west_label), (east, east_label)] {
                    examples.push(Example {
                        position: Some(position),
                        ..example(&text, label)
                    });
                }
            }
        }
        let options = TrainingOptions {
            cell_km: Some(5.0),
            ..TrainingOptions::default()
        };
        let featurizer = Featurizer::default();
        let model = Model::train(&examples, "test/where", &featurizer, options).unwrap();
        let model = Model::from_json(&model.to_json().unwrap()).unwrap();
        let label_at = |position| {
            let context = ReportContext {
                position: Some(position),
                ..ReportContext::default()
            };
            let tokens = model.tokens(&featurizer, &words("Fly-tipping again"), context);
            let prediction = model.predict(&tokens);
            (
                model.classes[argmax(&prediction.probabilities)].clone(),
                prediction.evidence,
            )
        };
        let (west_label, west_evidence) = label_at(west);
        assert_eq!(west_label, "parks");
        assert!(
            west_evidence.iter().any(|f| f.starts_with("@cell:")),
            "{west_evidence:?}"
        );
        assert_eq!(label_at(east).0, "waste");
    }

    #[test]
    fn a_model_trained_with_services_weighs_the_citizens_choice_against_the_words() {
        // Citizens file dumped rubbish under "Parks" when it lies in a park, and the
        // history routed those to the parks; elsewhere it went to waste.
        let mut examples = Vec::new();
        for i in 0..6 {
            for (text, service, label) in [
                ("rubbish dumped by the path", "Parks", "parks"),
                ("rubbish dumped by the path", "Fly Tipping", "waste"),
                ("overgrown hedge", "Parks", "parks"),
                ("overflowing bin", "Fly Tipping", "waste"),
            ] {
                examples.push(Example {
                    service: Some(service.into()),
                    ..example(&format!("{text} {i}"), label)
                });
            }
        }
        let featurizer = Featurizer::default();
        let options = TrainingOptions::default();
        let model = Model::train(&examples, "test/services", &featurizer, options).unwrap();
        let model = Model::from_json(&model.to_json().unwrap()).unwrap();
        let label_under = |service| {
            let context = ReportContext {
                service: Some(service),
                ..ReportContext::default()
            };
            let tokens = model.tokens(&featurizer, &words("Rubbish dumped again"), context);
            let prediction = model.predict(&tokens);
            (
                model.classes[argmax(&prediction.probabilities)].clone(),
                prediction.evidence,
            )
        };
        let (in_parks, evidence) = label_under("parks ");
        assert_eq!(in_parks, "parks");
        assert!(
            evidence.contains(&"@service:parks".to_owned()),
            "{evidence:?}"
        );
        assert_eq!(label_under("Fly  tipping").0, "waste");
        assert!(model.knows_service("PARKS") && model.knows_service("fly tipping"));
        // A name never seen whole is read by its pieces.
        assert_eq!(label_under("Flytipping - Street").0, "waste");
        assert!(!model.knows_service("Flytipping - Street"));
        assert!(!model.knows_service("Potholes") && !model.knows_service(" "));

        let without: Vec<Example> = examples
            .into_iter()
            .map(|e| Example { service: None, ..e })
            .collect();
        let words_only = Model::train(&without, "test/words", &featurizer, options).unwrap();
        assert!(!words_only.knows_service("Parks"));
    }

    #[test]
    fn refuses_a_single_label_and_a_damaged_file() {
        let one = vec![example("a b", "x"), example("b c", "x")];
        assert!(matches!(
            Model::train(
                &one,
                "t",
                &Featurizer::default(),
                TrainingOptions::default()
            ),
            Err(ModelError::TooFewLabels)
        ));
        let bad = br#"{"version":"v","classes":["a","b"],"vocabulary":["x"],"idf":[1.0],"weights":[0.0],"bias":[0.0,0.0]}"#;
        assert!(matches!(
            Model::from_json(bad),
            Err(ModelError::Inconsistent(_))
        ));
        let orphan_pair = br#"{"version":"v","classes":["a","b"],"vocabulary":["x y"],"idf":[1.0],"weights":[0.0,0.0],"bias":[0.0,0.0]}"#;
        assert!(matches!(
            Model::from_json(orphan_pair),
            Err(ModelError::Inconsistent(_))
        ));
    }
}
