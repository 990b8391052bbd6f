//! Learning from a city's history, offline: its past reports read from CSV with their
//! labels translated into the taxonomy's departments, the training set and options of
//! a model, where a classifier routes each report, and cross-validation.

use std::{
    collections::{BTreeMap, HashMap},
    io,
    time::{Duration, Instant},
};

use super::{
    Answer, Audience, Classifier, Example, Featurizer, Model, ModelError, NOT_A_REPORT, Position,
    REPORT, ReportContext, Screening, ScreeningBars, ScreeningError, Taxonomy, TrainingOptions,
    UnknownLabels,
    evaluation::{Destination, Evaluation, ReviewShare},
};

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("{0}")]
    Csv(#[from] csv::Error),
    #[error("{file}: {error}")]
    Record { file: String, error: csv::Error },
    #[error("{file}: no column `{column}` (columns: {columns})")]
    NoColumn {
        file: String,
        column: String,
        columns: String,
    },
    #[error("{file}: row {row} has no text")]
    NoText { file: String, row: usize },
    #[error("{file} row {row}: {message}")]
    Position {
        file: String,
        row: usize,
        message: String,
    },
    #[error("{file} line {line}: expected `label,department`")]
    LabelMapLine { file: String, line: usize },
}

#[derive(Debug, thiserror::Error)]
pub enum TrainingError {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Labels(#[from] UnknownLabels),
    #[error(transparent)]
    Screening(#[from] ScreeningError),
}

/// Which columns of a CSV file with a header row make the reports.
#[derive(Clone, Debug)]
pub struct Columns {
    /// Columns whose text, joined, is the report.
    pub text: Vec<String>,
    /// The columns holding each report's label: with several, their values joined by
    /// `|` are the label (`Related and informative|Affected individuals`).
    pub label: Vec<String>,
    /// A column of other departments, `|`-separated, that count as right too.
    pub accepted: Option<String>,
    /// The column holding each report's position, `latitude longitude` in degrees.
    pub position: Option<String>,
    /// The column holding the service each citizen chose.
    pub service: Option<String>,
}

/// Translates the data's labels into the taxonomy's department ids.
#[derive(Clone, Debug, Default)]
pub struct LabelMap {
    departments: HashMap<String, String>,
    /// Leave out the reports whose label the map does not name (a map that labels a
    /// sample of the reports, keyed by their id).
    only_mapped: bool,
}

impl LabelMap {
    /// From lines of `label,department` (the department follows the line's last comma;
    /// `#` starts a comment line); `file` names the text in errors.
    pub fn parse(text: &str, file: &str, only_mapped: bool) -> Result<Self, DataError> {
        let mut departments = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // Labels may hold commas; department ids never do.
            let (from, to) = line
                .rsplit_once(',')
                .ok_or_else(|| DataError::LabelMapLine {
                    file: file.to_owned(),
                    line: n + 1,
                })?;
            departments.insert(from.trim().to_owned(), to.trim().to_owned());
        }
        Ok(Self {
            departments,
            only_mapped,
        })
    }

    /// The department of a label: the map's translation, or the label itself unless
    /// the map names only the reports to keep. Empty: the report is left out.
    fn department<'a>(&'a self, label: &'a str) -> Option<&'a str> {
        match self.departments.get(label) {
            Some(department) => Some(department),
            None if self.only_mapped => None,
            None => Some(label),
        }
    }
}

/// The labelled reports of a CSV file with a header row; `file` names it in errors.
/// Reports without a label, or whose label the map translates to nothing, are left
/// out: there is nothing to learn or score.
pub fn read_examples(
    csv: impl io::Read,
    file: &str,
    columns: &Columns,
    labels: &LabelMap,
) -> Result<Vec<Example>, DataError> {
    let mut reader = csv::Reader::from_reader(csv);
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| DataError::NoColumn {
                file: file.to_owned(),
                column: name.to_owned(),
                columns: headers.iter().collect::<Vec<_>>().join(", "),
            })
    };
    let text_columns = columns
        .text
        .iter()
        .map(|c| column(c))
        .collect::<Result<Vec<_>, _>>()?;
    let label_columns = columns
        .label
        .iter()
        .map(|c| column(c))
        .collect::<Result<Vec<_>, _>>()?;
    let accepted_column = columns.accepted.as_deref().map(column).transpose()?;
    let position_column = columns.position.as_deref().map(column).transpose()?;
    let service_column = columns.service.as_deref().map(column).transpose()?;
    let mut examples = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|error| DataError::Record {
            file: file.to_owned(),
            error,
        })?;
        let label = label_columns
            .iter()
            .map(|&c| record.get(c).unwrap_or_default().trim())
            .collect::<Vec<_>>()
            .join("|");
        let Some(label) = labels.department(&label).filter(|l| !l.is_empty()) else {
            continue;
        };
        let label = label.to_owned();
        let text = text_columns
            .iter()
            .filter_map(|&c| record.get(c))
            .collect::<Vec<_>>()
            .join(". ");
        if text.trim().is_empty() {
            return Err(DataError::NoText {
                file: file.to_owned(),
                row: row + 2,
            });
        }
        let position = match position_column {
            None => None,
            Some(c) => parse_position(record.get(c).unwrap_or_default()).map_err(|message| {
                DataError::Position {
                    file: file.to_owned(),
                    row: row + 2,
                    message,
                }
            })?,
        };
        let service = service_column
            .and_then(|c| record.get(c))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        let accepted = accepted_column
            .and_then(|c| record.get(c))
            .map(|field| {
                field
                    .split('|')
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default();
        examples.push(Example {
            text,
            label,
            position,
            service,
            accepted,
        });
    }
    Ok(examples)
}

/// The labels that are not departments of the taxonomy, with how many reports carry
/// each: a label the model can never give would otherwise be trained on, or scored as
/// a miss, without a word.
pub fn unknown_labels<'a>(
    examples: &'a [Example],
    taxonomy: &Taxonomy,
) -> BTreeMap<&'a str, usize> {
    let mut unknown: BTreeMap<&str, usize> = BTreeMap::new();
    for example in examples {
        if taxonomy.department(&example.label).is_none() {
            *unknown.entry(&example.label).or_default() += 1;
        }
    }
    unknown
}

/// `latitude longitude` (or `latitude,longitude`) in degrees; nothing when empty.
fn parse_position(field: &str) -> Result<Option<Position>, String> {
    let parts: Vec<&str> = field
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        [] => Ok(None),
        [latitude, longitude] => match (latitude.parse::<f64>(), longitude.parse::<f64>()) {
            (Ok(latitude), Ok(longitude)) if latitude.abs() <= 90.0 && longitude.abs() <= 180.0 => {
                Ok(Some((latitude, longitude)))
            }
            _ => Err(format!("`{field}` is not `latitude longitude` in degrees")),
        },
        _ => Err(format!("`{field}` is not `latitude longitude` in degrees")),
    }
}

/// What a model learns from besides a city's reports' words.
#[derive(Clone, Copy, Debug, Default)]
pub struct Learning {
    /// The reports' positions, in map cells of this side (km).
    pub cell_km: Option<f64>,
    /// The taxonomy's keywords and examples as well as the reports: a short history
    /// then starts from what the default model knows.
    pub with_taxonomy: bool,
}

impl Learning {
    pub fn options(&self) -> TrainingOptions {
        TrainingOptions {
            cell_km: self.cell_km,
            ..TrainingOptions::default()
        }
    }

    /// The reports to learn from, with the taxonomy's own examples when asked.
    pub fn training_set(&self, taxonomy: &Taxonomy, reports: Vec<Example>) -> Vec<Example> {
        let mut examples = reports;
        if self.with_taxonomy {
            examples.extend(taxonomy.training_examples());
        }
        examples
    }
}

/// A model learned from `examples`, whose labels must all be the taxonomy's
/// departments.
pub fn train(
    taxonomy: &Taxonomy,
    examples: &[Example],
    version: &str,
    options: TrainingOptions,
) -> Result<Model, TrainingError> {
    let model = Model::train(examples, version, &Featurizer::default(), options)?;
    Classifier::new(taxonomy, model.clone(), 0.0)?;
    Ok(model)
}

/// The examples with the screening model's labels: `not_a_report` stays, `report` and
/// every department of the taxonomy (a report routed there) become `report`. Labels
/// that are neither are counted by name, as [`unknown_labels`] does.
pub fn as_screening_labels(
    examples: Vec<Example>,
    taxonomy: &Taxonomy,
) -> Result<Vec<Example>, BTreeMap<String, usize>> {
    let mut unknown: BTreeMap<String, usize> = BTreeMap::new();
    let examples = examples
        .into_iter()
        .map(|mut e| {
            if e.label != NOT_A_REPORT {
                if e.label != REPORT && taxonomy.department(&e.label).is_none() {
                    *unknown.entry(e.label.clone()).or_default() += 1;
                }
                e.label = REPORT.to_owned();
            }
            e
        })
        .collect();
    if unknown.is_empty() {
        Ok(examples)
    } else {
        Err(unknown)
    }
}

/// A screening model learned from examples labelled `report` and `not_a_report`.
pub fn train_screening(
    examples: &[Example],
    version: &str,
    options: TrainingOptions,
) -> Result<Model, TrainingError> {
    let model = Model::train(examples, version, &Featurizer::default(), options)?;
    Screening::new(model.clone(), ScreeningBars::default())?;
    Ok(model)
}

pub type Screened = Destination;

fn screened(classifier: &Classifier, example: &Example, audience: Audience) -> Screened {
    let context = ReportContext {
        audience,
        ..example.context()
    };
    let routing = classifier.routing_of(&example.text, context);
    match (routing.answer, routing.to_review) {
        (Some(Answer::NotAReport), _) => Destination::Answered,
        (Some(Answer::OutOfRemit), _) => Destination::Elsewhere,
        (None, true) => Destination::Review,
        (None, false) => Destination::Department,
    }
}

/// Where a classifier sends each message written for `audience`.
pub fn screen_all(
    classifier: &Classifier,
    examples: &[Example],
    audience: Audience,
) -> Vec<Screened> {
    examples
        .iter()
        .map(|e| screened(classifier, e, audience))
        .collect()
}

/// Cross-validated screening: for each fold, a screening model learned from the
/// other folds (and the taxonomy's examples when asked) sends that fold's messages
/// through the classifier `classifier_with` makes around it.
pub fn screen_folds(
    taxonomy: &Taxonomy,
    examples: &[Example],
    folds: Folds,
    learning: Learning,
    audience: Audience,
    classifier_with: impl Fn(Model) -> Result<Classifier, TrainingError>,
) -> Result<Vec<Screened>, TrainingError> {
    let folds = folds.0;
    let mut outcomes = vec![Destination::Department; examples.len()];
    for fold in 0..folds {
        let mut training: Vec<Example> = examples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds != fold)
            .map(|(_, e)| e.clone())
            .collect();
        if learning.with_taxonomy {
            training.extend(taxonomy.screening_examples());
        }
        let model = train_screening(&training, &format!("fold-{fold}"), learning.options())?;
        let classifier = classifier_with(model)?;
        for (i, example) in examples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds == fold)
        {
            outcomes[i] = screened(&classifier, example, audience);
        }
    }
    Ok(outcomes)
}

/// Where a classifier sends a report: the department, and whether it waits for an
/// operator first.
pub type Routed = (String, bool);

fn routed(classifier: &Classifier, example: &Example) -> Routed {
    let routing = classifier.routing_of(&example.text, example.context());
    (routing.department.to_owned(), routing.to_review)
}

/// Where a classifier sends each report.
pub fn route_all(classifier: &Classifier, examples: &[Example]) -> Vec<Routed> {
    examples.iter().map(|e| routed(classifier, e)).collect()
}

/// How routings of labelled reports score: per department, and what the review
/// threshold they were made under catches and lets through.
pub fn measure<'a>(
    examples: &'a [Example],
    routings: &'a [Routed],
    review_threshold: f32,
) -> (Evaluation, ReviewShare) {
    // A department the data accepts as well counts as the label.
    let scored = |e: &'a Example, predicted: &'a str| {
        if e.accepted.iter().any(|d| d == predicted) {
            e.label.as_str()
        } else {
            predicted
        }
    };
    let evaluation = Evaluation::from_pairs(
        examples
            .iter()
            .zip(routings)
            .map(|(e, (predicted, _))| (e.label.as_str(), scored(e, predicted))),
    );
    let outcomes = examples
        .iter()
        .zip(routings)
        .map(|(e, (predicted, to_review))| (*to_review, e.label == scored(e, predicted)));
    (
        evaluation,
        ReviewShare::from_outcomes(review_threshold, outcomes),
    )
}

/// A number of folds to cross-validate reports in: from 2 to one per report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Folds(usize);

impl Folds {
    /// `None` when `folds` is under 2 or more than there are `reports`.
    pub fn new(folds: usize, reports: usize) -> Option<Self> {
        (2..=reports).contains(&folds).then_some(Self(folds))
    }

    pub fn count(&self) -> usize {
        self.0
    }
}

/// How one fold of a cross-validation went.
#[derive(Clone, Copy, Debug)]
pub struct Fold {
    /// From 0.
    pub index: usize,
    pub folds: usize,
    pub trained_on: usize,
    pub trained_in: Duration,
    pub held_out: usize,
    pub classified_in: Duration,
}

/// A cross-validation: K models, each trained on all folds but one and measured on
/// that one, a fold at a time as it is iterated; then their routings, pooled.
pub struct CrossValidation<'a> {
    taxonomy: &'a Taxonomy,
    examples: &'a [Example],
    folds: usize,
    learning: Learning,
    review_threshold: f32,
    featurizer: Featurizer,
    next: usize,
    routings: Vec<Routed>,
}

impl<'a> CrossValidation<'a> {
    pub fn new(
        taxonomy: &'a Taxonomy,
        examples: &'a [Example],
        folds: Folds,
        learning: Learning,
        review_threshold: f32,
    ) -> Self {
        Self {
            taxonomy,
            examples,
            folds: folds.0,
            learning,
            review_threshold,
            featurizer: Featurizer::default(),
            next: 0,
            routings: vec![(String::new(), false); examples.len()],
        }
    }

    /// Where each report went, with the model that did not see it.
    pub fn into_routings(self) -> Vec<Routed> {
        self.routings
    }

    fn run(&mut self, fold: usize) -> Result<Fold, TrainingError> {
        let folds = self.folds;
        let training = self.learning.training_set(
            self.taxonomy,
            self.examples
                .iter()
                .enumerate()
                .filter(|(i, _)| i % folds != fold)
                .map(|(_, e)| e.clone())
                .collect(),
        );
        let started = Instant::now();
        let model = Model::train(
            &training,
            &format!("fold-{fold}"),
            &self.featurizer,
            self.learning.options(),
        )?;
        let trained_in = started.elapsed();
        let classifier = Classifier::new(self.taxonomy, model, self.review_threshold)?;
        let started = Instant::now();
        let mut held_out = 0;
        for (i, example) in self
            .examples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds == fold)
        {
            self.routings[i] = routed(&classifier, example);
            held_out += 1;
        }
        Ok(Fold {
            index: fold,
            folds,
            trained_on: training.len(),
            trained_in,
            held_out,
            classified_in: started.elapsed(),
        })
    }
}

impl Iterator for CrossValidation<'_> {
    type Item = Result<Fold, TrainingError>;

    fn next(&mut self) -> Option<Self::Item> {
        let fold = self.next;
        if fold == self.folds {
            return None;
        }
        self.next += 1;
        Some(self.run(fold))
    }
}

/// The reports the emergency rules fire on, with the terms they find.
pub fn emergencies<'a>(
    classifier: &Classifier,
    examples: &'a [Example],
) -> Vec<(&'a Example, Vec<String>)> {
    examples
        .iter()
        .map(|e| (e, classifier.emergency_terms(&e.text)))
        .filter(|(_, terms)| !terms.is_empty())
        .collect()
}

/// Writes every misrouted report as CSV (label, predicted, text), to see what the
/// taxonomy's keywords and examples miss; returns how many.
pub fn write_mistakes(
    out: impl io::Write,
    examples: &[Example],
    routings: &[Routed],
) -> Result<usize, csv::Error> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["label", "predicted", "text"])?;
    let mut written = 0;
    for (example, (predicted, _)) in examples.iter().zip(routings) {
        if &example.label != predicted {
            writer.write_record([example.label.as_str(), predicted, &example.text])?;
            written += 1;
        }
    }
    writer.flush()?;
    Ok(written)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::domain::ReportContext;

    fn columns(label: &str) -> Columns {
        Columns {
            text: vec!["title".into(), "detail".into()],
            label: vec![label.into()],
            accepted: None,
            position: None,
            service: None,
        }
    }

    fn read(csv: &str, columns: &Columns, map: Option<(&str, bool)>) -> Vec<Example> {
        let labels = map.map_or_else(LabelMap::default, |(text, only_mapped)| {
            LabelMap::parse(text, "labels.csv", only_mapped).unwrap()
        });
        read_examples(csv.as_bytes(), "reports.csv", columns, &labels).unwrap()
    }

    const REPORTS: &str = "title,detail,category\n\
        Lamp out,Dark all night,\"Street lights, lamps\"\n\
        Sofa dumped,On the pavement,Fly-tipping\n\
        Something wrong,Please look,Other\n\
        Bus late,Again,Bus service\n";

    #[test]
    fn a_label_map_translates_labels_that_hold_commas_and_drops_those_it_maps_to_nothing() {
        let map = "# the borough's names\nStreet lights, lamps,street_lighting\n\
                   Fly-tipping,waste\nBus service,public_transport\nOther,\n";
        let examples = read(REPORTS, &columns("category"), Some((map, false)));
        let labels: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["street_lighting", "waste", "public_transport"]);
        assert_eq!(examples[0].text, "Lamp out. Dark all night");
    }

    #[test]
    fn labels_that_are_not_departments_are_counted_by_name() {
        let map = "Fly-tipping,waste\nOther,\n";
        let examples = read(REPORTS, &columns("category"), Some((map, false)));
        let taxonomy = Taxonomy::default_italian().unwrap();
        let unknown: Vec<(&str, usize)> =
            unknown_labels(&examples, &taxonomy).into_iter().collect();
        assert_eq!(unknown, [("Bus service", 1), ("Street lights, lamps", 1)]);
    }

    #[test]
    fn a_map_of_a_sample_keyed_by_id_scores_only_that_sample() {
        let reports = "report_id,title,detail\n\
            11,Sofa dumped,On the pavement\n\
            12,Lamp out,Dark all night\n\
            13,See photo,As before\n\
            14,Pothole,Deep one\n";
        let map = "11,waste\n12,street_lighting\n13,\n";
        let examples = read(reports, &columns("report_id"), Some((map, true)));
        let labels: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["waste", "street_lighting"]);
    }

    #[test]
    fn a_named_service_column_gives_each_report_the_service_it_was_filed_under() {
        let reports = "title,detail,service,dept\n\
            Lamp out,Dark all night, 101 ,street_lighting\n\
            Sofa dumped,On the pavement,,waste\n";
        let mut columns = columns("dept");
        columns.service = Some("service".into());
        let examples = read(reports, &columns, None);
        let services: Vec<Option<&str>> = examples.iter().map(|e| e.service.as_deref()).collect();
        assert_eq!(services, [Some("101"), None]);

        columns.service = Some("code".into());
        let error = read_examples(
            reports.as_bytes(),
            "reports.csv",
            &columns,
            &LabelMap::default(),
        )
        .unwrap_err()
        .to_string();
        assert!(error.contains("no column `code`"), "{error}");
    }

    #[test]
    fn mistakes_are_written_with_their_label_prediction_and_text() {
        let example = |text: &str, label: &str| Example {
            text: text.into(),
            label: label.into(),
            position: None,
            service: None,
            accepted: Vec::new(),
        };
        let examples = [
            example("Lamp out, dark all night", "street_lighting"),
            example("Sofa dumped on the pavement", "roads"),
        ];
        let routings = [
            ("street_lighting".to_owned(), false),
            ("waste".to_owned(), false),
        ];
        let mut written = Vec::new();
        assert_eq!(
            write_mistakes(&mut written, &examples, &routings).unwrap(),
            1
        );
        assert_eq!(
            String::from_utf8(written).unwrap(),
            "label,predicted,text\nroads,waste,Sofa dumped on the pavement\n"
        );
    }

    #[test]
    fn a_short_history_learns_the_taxonomy_too_when_asked() {
        let history = "title,detail,category\n\
            Sofa dumped,On the pavement,waste\n\
            Mattress dumped,By the bins,waste\n\
            Lamp out,Dark all night,street_lighting\n\
            Street light off,Whole road dark,street_lighting\n";
        let taxonomy = Taxonomy::default_italian().unwrap();
        let pothole = "Buca profonda in mezzo alla carreggiata";
        let department = |learning: Learning| {
            let examples =
                learning.training_set(&taxonomy, read(history, &columns("category"), None));
            let options = TrainingOptions {
                // Four reports: every word is rare.
                min_document_frequency: 1,
                ..learning.options()
            };
            let model = Model::train(&examples, "t", &Featurizer::default(), options).unwrap();
            let classifier = Classifier::new(&taxonomy, model, 0.0).unwrap();
            (
                examples.len(),
                classifier
                    .routing_of(pothole, ReportContext::default())
                    .department
                    .to_owned(),
            )
        };
        let (alone, routed_alone) = department(Learning::default());
        assert_eq!(alone, 4);
        assert_ne!(routed_alone, "roads", "four reports know no roads");
        let (with_taxonomy, routed) = department(Learning {
            with_taxonomy: true,
            ..Learning::default()
        });
        assert_eq!(with_taxonomy, 4 + taxonomy.training_examples().len());
        assert_eq!(routed, "roads");
    }

    #[test]
    fn several_label_columns_make_one_label_and_accepted_departments_count_as_right() {
        let reports = "title,detail,kind,type,also\n\
            Bridge down,People missing,informative,affected,\n\
            Lamp out,Dark,informative,other,traffic | general\n\
            Nice day,Hello,unrelated,none,\n";
        let mut columns = columns("kind");
        columns.label = vec!["kind".into(), "type".into()];
        columns.accepted = Some("also".into());
        let map = "informative|affected,civil_protection\ninformative|other,street_lighting\n";
        let examples = read(reports, &columns, Some((map, true)));
        let labels: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["civil_protection", "street_lighting"]);
        assert_eq!(examples[1].accepted, ["traffic", "general"]);

        let routings = [
            ("civil_protection".to_owned(), false),
            ("traffic".to_owned(), false),
        ];
        let (evaluation, review) = measure(&examples, &routings, 0.3);
        assert_eq!(
            evaluation.accuracy(),
            1.0,
            "traffic is accepted for the lamp"
        );
        assert_eq!(review.routed_wrong, 0);
    }

    #[test]
    fn screening_labels_take_departments_for_reports_and_name_the_rest() {
        let taxonomy = Taxonomy::default_italian().unwrap();
        let example = |label: &str| Example {
            text: "x".into(),
            label: label.into(),
            position: None,
            service: None,
            accepted: Vec::new(),
        };
        let labelled = as_screening_labels(
            vec![example("roads"), example("not_a_report"), example("report")],
            &taxonomy,
        )
        .unwrap();
        let labels: Vec<&str> = labelled.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, [REPORT, NOT_A_REPORT, REPORT]);
        let unknown = as_screening_labels(vec![example("1"), example("1")], &taxonomy).unwrap_err();
        assert_eq!(
            unknown.into_iter().collect::<Vec<_>>(),
            [("1".to_owned(), 2)]
        );
    }

    #[test]
    fn folds_are_from_two_to_one_per_report() {
        assert_eq!(Folds::new(1, 10), None);
        assert_eq!(Folds::new(2, 10), Some(Folds(2)));
        assert_eq!(Folds::new(10, 10), Some(Folds(10)));
        assert_eq!(Folds::new(11, 10), None);
    }
}
