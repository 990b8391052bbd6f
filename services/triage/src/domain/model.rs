//! The statistical layer: TF-IDF over stems, stem pairs and pieces of words (and, for a
//! model trained with positions, the report's map cell and each stem within that cell;
//! for one trained with the services citizens chose, that service), and a multinomial
//! logistic regression trained by stochastic gradient descent. Its
//! parameters are a file (JSON): the default one ships embedded, a city trains its own
//! with `segnala triage train`.

use std::collections::HashMap;

use rand::{SeedableRng, rngs::StdRng, seq::SliceRandom};
use serde::{Deserialize, Serialize};

use super::text::{Stemmers, language, words};

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
    index: FeatureIndex,
}

/// Marks a piece of a word in the vocabulary (words hold only letters and digits).
const PIECE_MARK: char = '#';

/// Mark a service's token and the pieces of its name in the vocabulary.
const SERVICE_MARK: &str = "@service:";
const SERVICE_PIECE_MARK: &str = "@service#";

/// The letters in a piece of a word, counting the `<` and `>` that mark its ends: few
/// enough to be shared by a word's misspellings, compounds and inflections that its
/// stem misses ("lampion", "streetlight", "overflowing"), enough to mean something.
/// Pieces of 3 to 5 letters scored 0.004 higher in cross-validation, for three times
/// the lookups.
const PIECE_LETTERS: usize = 4;

/// A report has a token for each word and a piece for each letter: a fast hash
/// keeps them cheap to find (the keys are a model's own, not an attacker's).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Finds features without building their names: single tokens and pieces of words by
/// text, pairs by the indices of their two tokens.
#[derive(Clone, Debug, Default)]
struct FeatureIndex {
    tokens: FastMap<String, u32>,
    pairs: FastMap<(u32, u32), u32>,
    pieces: FastMap<String, u32>,
    /// Whether each feature is a piece of a word (or of a service's name), without
    /// reading its name.
    piece_flags: Vec<bool>,
}

impl FeatureIndex {
    fn new(vocabulary: &[String]) -> Result<Self, ModelError> {
        let mut index = Self {
            piece_flags: vocabulary
                .iter()
                .map(|f| f.starts_with(PIECE_MARK) || f.starts_with(SERVICE_PIECE_MARK))
                .collect(),
            ..Self::default()
        };
        for (f, feature) in vocabulary.iter().enumerate() {
            if let Some(piece) = feature.strip_prefix(PIECE_MARK) {
                index.pieces.insert(piece.to_owned(), f as u32);
            } else if !feature.contains(' ') {
                index.tokens.insert(feature.clone(), f as u32);
            }
        }
        for (f, feature) in vocabulary.iter().enumerate() {
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
                index.pairs.insert((a, b), f as u32);
            }
        }
        Ok(index)
    }

    fn is_piece(&self, feature: u32) -> bool {
        self.piece_flags[feature as usize]
    }

    /// The known features of a report's tokens, sorted, repeated as often as they occur.
    fn features(&self, tokens: &Tokens) -> Vec<u32> {
        let ids: Vec<Option<u32>> = tokens
            .tokens
            .iter()
            .map(|t| self.tokens.get(t.as_str()).copied())
            .collect();
        let mut features: Vec<u32> = tokens
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

/// Where a report is: latitude and longitude in degrees.
pub type Position = (f64, f64);

/// What a report carries besides its words, for a model that learned from it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReportContext<'a> {
    pub position: Option<Position>,
    /// The service the citizen chose: an Open311 service code, or in a city's history
    /// the code or name of the category the report was filed under.
    pub service: Option<&'a str>,
}

/// A report's tokens: its stems, then its map cell when the model uses positions, then
/// its service when the model uses them; and the pieces of its words when the model
/// uses them.
#[derive(Clone, Debug)]
pub struct Tokens {
    tokens: Vec<String>,
    stems: usize,
    /// The end of the map cell among the tokens: `stems` when there is none.
    cell_end: usize,
    /// The words, each between `<` and `>`, one after the other: the pieces are byte
    /// ranges of it, so that finding them builds no string.
    marked_words: String,
    pieces: Vec<(u32, u32)>,
}

/// A feature, by the index of its token(s) or piece in [`Tokens`].
enum Feature {
    One(usize),
    Two(usize, usize),
    Piece(usize),
}

impl Tokens {
    /// Each token; each pair of neighbouring stems ("buca strada", "street light");
    /// and the cell with each stem ("@cell:312_-57 tree": who handles trees there).
    /// The service and the pieces of its name stand alone: the reports filed under
    /// one are too few to learn it word by word.
    fn features(&self) -> impl Iterator<Item = Feature> + '_ {
        let stems = self.stems;
        let singles = (0..self.tokens.len()).map(Feature::One);
        let pairs = (1..stems).map(|i| Feature::Two(i - 1, i));
        let in_cell =
            (stems..self.cell_end).flat_map(move |c| (0..stems).map(move |s| Feature::Two(c, s)));
        let pieces = (0..self.pieces.len()).map(Feature::Piece);
        singles.chain(pairs).chain(in_cell).chain(pieces)
    }

    fn piece(&self, p: usize) -> &str {
        let (start, end) = self.pieces[p];
        &self.marked_words[start as usize..end as usize]
    }

    /// The features' names, as the vocabulary holds them.
    fn names(&self) -> Vec<String> {
        self.features()
            .map(|feature| match feature {
                Feature::One(t) => self.tokens[t].clone(),
                Feature::Two(a, b) => format!("{} {}", self.tokens[a], self.tokens[b]),
                Feature::Piece(p) => format!("{PIECE_MARK}{}", self.piece(p)),
            })
            .collect()
    }
}

/// The map cell of a position: squares of `km` on a side (east-west distances shrink
/// with latitude, so cells stay square across a city).
fn cell(position: Position, km: f64) -> String {
    const KM_PER_DEGREE: f64 = 111.32;
    let (latitude, longitude) = position;
    let y = (latitude * KM_PER_DEGREE / km).floor();
    let x = (longitude * latitude.to_radians().cos() * KM_PER_DEGREE / km).floor();
    format!("@cell:{y}_{x}")
}

/// The token of a service: its code or name, in lower case, its spaces joined (a
/// space would make it a pair of tokens); nothing for a blank one.
fn service_token(service: &str) -> Option<String> {
    let words: Vec<String> = service.split_whitespace().map(str::to_lowercase).collect();
    (!words.is_empty()).then(|| format!("{SERVICE_MARK}{}", words.join("_")))
}

/// The pieces of a service's name, letters and digits run together: a history names
/// the same service in many ways ("Fly Tipping on Street", "Flytipping - General"),
/// and most names are too rare to learn whole.
fn service_pieces(service: &str) -> Vec<String> {
    let letters: Vec<char> = std::iter::once('<')
        .chain(
            service
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase),
        )
        .chain(['>'])
        .collect();
    letters
        .windows(PIECE_LETTERS)
        .map(|w| format!("{SERVICE_PIECE_MARK}{}", w.iter().collect::<String>()))
        .collect()
}

/// Turns text into tokens; holds the stemmers, which are costly to create.
#[derive(Default)]
pub struct Featurizer {
    stemmers: Stemmers,
}

impl Featurizer {
    /// The stems of the text's words (`words`, from [`super::text::words`]); when
    /// both a position and a cell size are given, the position's cell; with
    /// `services`, the context's service; and with `word_pieces`, the pieces of the
    /// words. Callers go through [`Model::tokens`], which knows what the model learned
    /// from.
    fn tokens(
        &self,
        words: &[String],
        context: ReportContext<'_>,
        cell_km: Option<f64>,
        services: bool,
        word_pieces: bool,
    ) -> Tokens {
        let language = language(words);
        let meaningful = || {
            words
                .iter()
                .filter(|w| w.chars().nth(1).is_some() && !w.bytes().all(|b| b.is_ascii_digit()))
        };
        let mut tokens: Vec<String> = meaningful()
            .map(|w| self.stemmers.stem(language, w))
            .collect();
        let stems = tokens.len();
        if let (Some(position), Some(km)) = (context.position, cell_km) {
            tokens.push(cell(position, km));
        }
        let cell_end = tokens.len();
        if services
            && let Some(service) = context.service
            && let Some(token) = service_token(service)
        {
            tokens.push(token);
            tokens.extend(service_pieces(service));
        }
        let mut marked_words = String::new();
        let mut pieces = Vec::new();
        if word_pieces {
            let mut bounds = Vec::new();
            for word in meaningful() {
                let start = marked_words.len();
                marked_words.push('<');
                marked_words.push_str(word);
                marked_words.push('>');
                bounds.clear();
                bounds.extend(
                    marked_words[start..]
                        .char_indices()
                        .map(|(i, _)| start + i)
                        .chain([marked_words.len()]),
                );
                pieces.extend(
                    bounds
                        .windows(PIECE_LETTERS + 1)
                        .map(|w| (w[0] as u32, w[PIECE_LETTERS] as u32)),
                );
            }
        }
        Tokens {
            tokens,
            stems,
            cell_end,
            marked_words,
            pieces,
        }
    }
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
}

impl Example {
    pub fn context(&self) -> ReportContext<'_> {
        ReportContext {
            position: self.position,
            service: self.service.as_deref(),
        }
    }
}

type SparseVector = Vec<(u32, f32)>;

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
        model.index = FeatureIndex::new(&model.vocabulary)?;
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
            index: FeatureIndex::new(&vocabulary)?,
            cell_km: options.cell_km,
            word_pieces: options.word_pieces,
            services,
            rules_weight: options.rules_weight,
            classes,
            vocabulary,
            idf,
        };
        let labels: Vec<usize> = examples
            .iter()
            .map(|e| model.classes.binary_search(&e.label).unwrap_or(0))
            .collect();
        let vectors: Vec<SparseVector> = documents.iter().map(|d| model.vectorize(d)).collect();
        model.fit(&vectors, &labels, options);
        Ok(model)
    }

    /// Stochastic gradient descent on the cross-entropy, each class weighted by its
    /// rarity so that small departments are not drowned by large ones.
    fn fit(&mut self, vectors: &[SparseVector], labels: &[usize], options: TrainingOptions) {
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
                for (c, p) in scores.iter_mut().enumerate() {
                    let target = if c == labels[i] { 1.0 } else { 0.0 };
                    *p = rate * weight * (*p - target);
                }
                for (c, gradient) in scores.iter().enumerate() {
                    self.bias[c] -= gradient * 0.1;
                }
                for &(f, x) in &vectors[i] {
                    let f = f as usize;
                    let row = &mut self.weights[f * k..(f + 1) * k];
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
            *x = tf * self.idf[*f as usize];
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
            let f = f as usize;
            for (s, w) in scores.iter_mut().zip(&self.weights[f * k..(f + 1) * k]) {
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
        let best = argmax(&probabilities);
        let k = self.classes.len();
        // Stems, pairs and cells say more to an operator than pieces of words, which
        // only fill the places they leave.
        let mut contributions: Vec<(bool, f32, u32)> = vector
            .iter()
            .map(|&(f, x)| (f, x * self.weights[f as usize * k + best]))
            .filter(|(_, c)| *c > 0.0)
            .map(|(f, c)| (self.index.is_piece(f), c, f))
            .collect();
        let order =
            |a: &(bool, f32, u32), b: &(bool, f32, u32)| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1));
        if contributions.len() > EVIDENCE {
            contributions.select_nth_unstable_by(EVIDENCE, order);
            contributions.truncate(EVIDENCE);
        }
        contributions.sort_unstable_by(order);
        Prediction {
            probabilities,
            evidence: contributions
                .into_iter()
                .map(|(_, _, f)| self.vocabulary[f as usize].clone())
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
                service: None,
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
                position: None,
                service: Some(service),
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
