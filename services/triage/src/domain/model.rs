//! The statistical layer: TF-IDF over stems and stem pairs, and a multinomial logistic
//! regression trained by stochastic gradient descent. Its parameters are a file (JSON):
//! the default one ships embedded, a city trains its own with `segnala triage train`.

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
    vocabulary: Vec<String>,
    idf: Vec<f32>,
    /// Feature-major: the weight of feature `f` for class `c` is `weights[f * classes + c]`.
    weights: Vec<f32>,
    bias: Vec<f32>,
    #[serde(skip)]
    index: HashMap<String, usize>,
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

/// Turns text into features; holds the stemmers, which are costly to create.
#[derive(Default)]
pub struct Featurizer {
    stemmers: Stemmers,
}

impl Featurizer {
    /// Stems, and pairs of neighbouring stems ("buca strada", "street light").
    pub fn features(&self, text: &str) -> Vec<String> {
        let words = words(text);
        let language = language(&words);
        let stems: Vec<String> = words
            .iter()
            .filter(|w| w.chars().count() > 1 && !w.chars().all(|c| c.is_ascii_digit()))
            .map(|w| self.stemmers.stem(language, w))
            .collect();
        let pairs = stems
            .windows(2)
            .map(|pair| format!("{} {}", pair[0], pair[1]));
        let mut features: Vec<String> = pairs.collect();
        features.extend(stems);
        features
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
}

impl Default for TrainingOptions {
    fn default() -> Self {
        Self {
            epochs: 10,
            learning_rate: 1.0,
            min_document_frequency: 2,
            seed: 7,
        }
    }
}

/// One labelled text.
#[derive(Clone, Debug)]
pub struct Example {
    pub text: String,
    pub label: String,
}

type SparseVector = Vec<(usize, f32)>;

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
        model.index = index(&model.vocabulary);
        Ok(model)
    }

    pub fn to_json(&self) -> Result<Vec<u8>, ModelError> {
        Ok(serde_json::to_vec(self)?)
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
        let documents: Vec<Vec<String>> = examples
            .iter()
            .map(|e| featurizer.features(&e.text))
            .collect();
        let mut document_frequency: HashMap<&str, usize> = HashMap::new();
        for features in &documents {
            let mut unique: Vec<&str> = features.iter().map(String::as_str).collect();
            unique.sort_unstable();
            unique.dedup();
            for feature in unique {
                *document_frequency.entry(feature).or_default() += 1;
            }
        }
        let mut vocabulary: Vec<String> = document_frequency
            .iter()
            .filter(|(_, df)| **df >= options.min_document_frequency)
            .map(|(feature, _)| (*feature).to_owned())
            .collect();
        vocabulary.sort();
        let n = documents.len() as f32;
        let idf = vocabulary
            .iter()
            .map(|f| ((1.0 + n) / (1.0 + document_frequency[f.as_str()] as f32)).ln() + 1.0)
            .collect();
        let mut model = Model {
            version: version.to_owned(),
            weights: vec![0.0; vocabulary.len() * classes.len()],
            bias: vec![0.0; classes.len()],
            index: index(&vocabulary),
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
                    let row = &mut self.weights[f * k..(f + 1) * k];
                    for (w, gradient) in row.iter_mut().zip(&scores) {
                        *w -= gradient * x;
                    }
                }
            }
        }
    }

    /// TF-IDF (logarithmic term frequency), L2-normalised; unknown features dropped.
    fn vectorize(&self, features: &[String]) -> SparseVector {
        let mut counts: HashMap<usize, f32> = HashMap::new();
        for feature in features {
            if let Some(&f) = self.index.get(feature) {
                *counts.entry(f).or_default() += 1.0;
            }
        }
        let mut vector: SparseVector = counts
            .into_iter()
            .map(|(f, tf)| (f, (1.0 + tf.ln()) * self.idf[f]))
            .collect();
        // Sorted first: the norm must not depend on the map's order.
        vector.sort_unstable_by_key(|(f, _)| *f);
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
            for (s, w) in scores.iter_mut().zip(&self.weights[f * k..(f + 1) * k]) {
                *s += w * x;
            }
        }
    }

    /// The probability of each class, in `classes` order, and the features that pushed
    /// the most likely class up the most.
    pub fn predict(&self, features: &[String]) -> Prediction {
        let vector = self.vectorize(features);
        let mut probabilities = vec![0.0f32; self.classes.len()];
        self.scores_into(&vector, &mut probabilities);
        softmax(&mut probabilities);
        let best = argmax(&probabilities);
        let k = self.classes.len();
        let mut contributions: Vec<(usize, f32)> = vector
            .iter()
            .map(|&(f, x)| (f, x * self.weights[f * k + best]))
            .filter(|(_, c)| *c > 0.0)
            .collect();
        contributions.sort_by(|a, b| b.1.total_cmp(&a.1));
        Prediction {
            probabilities,
            evidence: contributions
                .into_iter()
                .take(5)
                .map(|(f, _)| self.vocabulary[f].clone())
                .collect(),
        }
    }
}

/// What the model thinks of one text.
#[derive(Clone, Debug)]
pub struct Prediction {
    pub probabilities: Vec<f32>,
    /// The features that weighed most for the most likely class.
    pub evidence: Vec<String>,
}

fn index(vocabulary: &[String]) -> HashMap<String, usize> {
    vocabulary
        .iter()
        .enumerate()
        .map(|(i, f)| (f.clone(), i))
        .collect()
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
        }
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
        let light = model.predict(&featurizer.features("i lampioni sono spenti"));
        assert_eq!(model.classes[argmax(&light.probabilities)], "light");
        assert!(
            light.evidence.iter().any(|f| f.starts_with("lampion")),
            "{:?}",
            light.evidence
        );
        let road = model.predict(&featurizer.features("another pothole"));
        assert_eq!(model.classes[argmax(&road.probabilities)], "road");

        let reloaded = Model::from_json(&model.to_json().unwrap()).unwrap();
        let again = reloaded.predict(&featurizer.features("another pothole"));
        assert_eq!(again.probabilities, road.probabilities);
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
    }
}
