//! `segnala triage train|eval`: teach the classifier a city's own history and measure
//! it, offline, from a CSV file of past reports.

use std::{
    collections::{BTreeMap, HashMap},
    path::{Path, PathBuf},
    time::Instant,
};

use clap::{Args, Subcommand};
use segnala_triage::{
    TriageSettings,
    domain::{
        Classifier, DEFAULT_MODEL_VERSION, Example, Featurizer, Model, Position, Taxonomy,
        TrainingOptions, default_model,
        evaluation::{Evaluation, ReviewShare},
        taxonomy_training_options,
    },
};

use super::CommandError;

#[derive(Debug, Subcommand)]
pub enum TriageCommand {
    /// Train a model from past reports (or from the taxonomy's own examples) and write
    /// its parameters to a file for `triage.model_path`.
    Train(TrainArgs),
    /// Print per-department precision, recall, F1, macro-F1 and the confusion matrix of
    /// a model (the built-in one by default) on labelled reports.
    Eval(EvalArgs),
}

#[derive(Debug, Args)]
pub struct DataArgs {
    /// A CSV file with a header row.
    #[arg(long)]
    csv: Option<PathBuf>,
    /// Columns whose text, joined, is the report.
    #[arg(long, value_delimiter = ',', default_value = "title,detail")]
    text_columns: Vec<String>,
    /// The column holding each report's department.
    #[arg(long, default_value = "dept")]
    label_column: String,
    /// A file of `label,department` lines translating the data's labels into the
    /// taxonomy's department ids (the department follows the line's last comma);
    /// reports whose label it translates to nothing are left out.
    #[arg(long)]
    label_map: Option<PathBuf>,
    /// Leave out the reports whose label the map does not name: for a map that labels
    /// a sample of the reports, keyed by their id (`--label-column report_id`).
    #[arg(long, requires = "label_map")]
    only_mapped: bool,
    /// The taxonomy (TOML); the built-in one when absent.
    #[arg(long)]
    taxonomy: Option<PathBuf>,
    /// The column holding each report's position, `latitude longitude` in degrees:
    /// the model then learns who handles what in each part of the city.
    #[arg(long)]
    position_column: Option<String>,
    /// With `--position-column`: the side of the map cells the model learns from (km).
    #[arg(long, default_value_t = 3.0)]
    cell_km: f64,
    /// The column holding the service each citizen chose (an Open311 service code, or
    /// the category the report was filed under): the model then learns how far each
    /// one can be taken at its word.
    #[arg(long)]
    service_column: Option<String>,
    /// Learn from the taxonomy's keywords and examples as well as from the reports: a
    /// short history then starts from what the default model knows.
    #[arg(long)]
    with_taxonomy: bool,
}

impl DataArgs {
    fn training_options(&self) -> TrainingOptions {
        TrainingOptions {
            cell_km: self.position_column.is_some().then_some(self.cell_km),
            ..TrainingOptions::default()
        }
    }

    /// The reports to learn from, with the taxonomy's own examples when asked.
    fn training_set(&self, taxonomy: &Taxonomy, reports: Vec<Example>) -> Vec<Example> {
        let mut examples = reports;
        if self.with_taxonomy {
            examples.extend(taxonomy.training_examples());
        }
        examples
    }
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// Train on the taxonomy's keywords and examples instead of a CSV file.
    #[arg(long, conflicts_with = "csv")]
    from_taxonomy: bool,
    /// Where to write the model (JSON).
    #[arg(long)]
    out: PathBuf,
    /// The name decisions record for this model.
    #[arg(long)]
    version: Option<String>,
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    #[command(flatten)]
    data: DataArgs,
    /// A model from `segnala triage train`; the built-in one when absent.
    #[arg(long, conflicts_with = "folds")]
    model: Option<PathBuf>,
    /// Cross-validate: train on all folds but one, measure on that one, K times.
    #[arg(long)]
    folds: Option<usize>,
    /// Also write every misrouted report to this CSV file (label, predicted, text),
    /// to see what the taxonomy's keywords and examples miss.
    #[arg(long)]
    mistakes: Option<PathBuf>,
    /// The service's `triage.review_threshold` to measure: how many reports score under
    /// it and wait for an operator, and how many wrong routes reach a crew without one.
    #[arg(long, default_value_t = TriageSettings::default().review_threshold)]
    review_threshold: f32,
}

pub fn run(command: TriageCommand) -> Result<(), CommandError> {
    match command {
        TriageCommand::Train(args) => train(args),
        TriageCommand::Eval(args) => eval(args),
    }
}

fn taxonomy(path: Option<&PathBuf>) -> Result<Taxonomy, CommandError> {
    match path {
        None => Ok(Taxonomy::default_italian()?),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| CommandError::new(format!("{}: {e}", path.display())))?;
            Ok(Taxonomy::parse(&text, &path.display().to_string())?)
        }
    }
}

fn train(args: TrainArgs) -> Result<(), CommandError> {
    let taxonomy = taxonomy(args.data.taxonomy.as_ref())?;
    let (examples, options, version) = if args.from_taxonomy {
        let version = args
            .version
            .unwrap_or_else(|| DEFAULT_MODEL_VERSION.to_owned());
        (
            taxonomy.training_examples(),
            taxonomy_training_options(),
            version,
        )
    } else {
        let examples = args
            .data
            .training_set(&taxonomy, read_examples(&args.data, &taxonomy)?);
        let version = args.version.unwrap_or_else(|| {
            format!(
                "tfidf-logreg/{}-{}",
                file_stem(args.data.csv.as_ref()),
                examples.len()
            )
        });
        (examples, args.data.training_options(), version)
    };
    let started = Instant::now();
    let model = Model::train(&examples, &version, &Featurizer::default(), options)?;
    let took = started.elapsed();
    Classifier::new(&taxonomy, model.clone(), 0.0)?;
    std::fs::write(&args.out, model.to_json()?)
        .map_err(|e| CommandError::new(format!("{}: {e}", args.out.display())))?;
    outln!(
        "trained {version} on {} examples in {:.2} s (one thread); wrote {}",
        examples.len(),
        took.as_secs_f64(),
        args.out.display()
    );
    Ok(())
}

fn eval(args: EvalArgs) -> Result<(), CommandError> {
    if !(0.0..=1.0).contains(&args.review_threshold) {
        return Err(CommandError::new(format!(
            "--review-threshold must be between 0 and 1, not {}",
            args.review_threshold
        )));
    }
    let taxonomy = taxonomy(args.data.taxonomy.as_ref())?;
    let examples = read_examples(&args.data, &taxonomy)?;
    let routings: Vec<(String, bool)> = match args.folds {
        Some(folds) => cross_validate(
            &taxonomy,
            &examples,
            folds,
            &args.data,
            args.review_threshold,
        )?,
        None => {
            let model = match &args.model {
                None => default_model()?,
                Some(path) => Model::from_json(
                    &std::fs::read(path)
                        .map_err(|e| CommandError::new(format!("{}: {e}", path.display())))?,
                )?,
            };
            let classifier = Classifier::new(&taxonomy, model, args.review_threshold)?;
            let started = Instant::now();
            let routings: Vec<(String, bool)> =
                examples.iter().map(|e| routed(&classifier, e)).collect();
            let took = started.elapsed().as_secs_f64();
            outln!(
                "model {}: classified {} reports in {took:.3} s, {:.0} reports/s (one thread)",
                classifier.model_version(),
                examples.len(),
                examples.len() as f64 / took
            );
            report_emergencies(&classifier, &examples)?;
            routings
        }
    };
    let (predictions, to_review): (Vec<String>, Vec<bool>) = routings.into_iter().unzip();
    if let Some(path) = &args.mistakes {
        write_mistakes(path, &examples, &predictions)?;
    }
    let evaluation = Evaluation::from_pairs(
        examples
            .iter()
            .zip(&predictions)
            .map(|(e, p)| (e.label.as_str(), p.as_str())),
    );
    outln!();
    out!("{evaluation}");
    let outcomes = examples
        .iter()
        .zip(&predictions)
        .zip(&to_review)
        .map(|((e, predicted), &to_review)| (to_review, &e.label == predicted));
    outln!();
    out!(
        "{}",
        ReviewShare::from_outcomes(args.review_threshold, outcomes)
    );
    Ok(())
}

/// The department a report goes to, and whether it waits for an operator first.
fn routed(classifier: &Classifier, example: &Example) -> (String, bool) {
    let routing = classifier.routing_of(&example.text, example.context());
    (routing.department.to_owned(), routing.to_review)
}

/// Pooled routings of K models, each measured on the fold it did not see.
fn cross_validate(
    taxonomy: &Taxonomy,
    examples: &[Example],
    folds: usize,
    data: &DataArgs,
    review_threshold: f32,
) -> Result<Vec<(String, bool)>, CommandError> {
    if folds < 2 || folds > examples.len() {
        return Err(CommandError::new(format!(
            "--folds must be between 2 and the number of reports ({})",
            examples.len()
        )));
    }
    let featurizer = Featurizer::default();
    let mut routings = vec![(String::new(), false); examples.len()];
    for fold in 0..folds {
        let training = data.training_set(
            taxonomy,
            examples
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
            &featurizer,
            data.training_options(),
        )?;
        let trained_in = started.elapsed().as_secs_f64();
        let classifier = Classifier::new(taxonomy, model, review_threshold)?;
        let started = Instant::now();
        let mut held_out = 0;
        for (i, example) in examples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % folds == fold)
        {
            routings[i] = routed(&classifier, example);
            held_out += 1;
        }
        let took = started.elapsed().as_secs_f64();
        outln!(
            "fold {}/{folds}: trained on {} examples in {trained_in:.2} s; classified {held_out} in {took:.3} s ({:.0} reports/s, one thread)",
            fold + 1,
            training.len(),
            f64::from(held_out) / took
        );
    }
    Ok(routings)
}

fn write_mistakes(
    path: &Path,
    examples: &[Example],
    predictions: &[String],
) -> Result<(), CommandError> {
    let failed = |e: csv::Error| CommandError::new(format!("{}: {e}", path.display()));
    let mut writer = csv::Writer::from_path(path).map_err(failed)?;
    writer
        .write_record(["label", "predicted", "text"])
        .map_err(failed)?;
    let mut written = 0;
    for (example, predicted) in examples.iter().zip(predictions) {
        if &example.label != predicted {
            writer
                .write_record([example.label.as_str(), predicted, &example.text])
                .map_err(failed)?;
            written += 1;
        }
    }
    writer.flush().map_err(|e| failed(e.into()))?;
    outln!("wrote {written} misrouted reports to {}", path.display());
    Ok(())
}

/// How often the emergency rules fire, with the first texts they fire on.
fn report_emergencies(classifier: &Classifier, examples: &[Example]) -> Result<(), CommandError> {
    let flagged: Vec<(&Example, Vec<String>)> = examples
        .iter()
        .map(|e| (e, classifier.emergency_terms(&e.text)))
        .filter(|(_, terms)| !terms.is_empty())
        .collect();
    outln!(
        "emergency rules fired on {} of {} reports ({:.2}%)",
        flagged.len(),
        examples.len(),
        100.0 * flagged.len() as f64 / examples.len().max(1) as f64
    );
    for (example, terms) in flagged.iter().take(20) {
        let text: String = example.text.chars().take(110).collect();
        outln!(
            "  [{}] {}: {}",
            terms.join(", "),
            example.label,
            text.replace('\n', " ")
        );
    }
    Ok(())
}

fn read_examples(data: &DataArgs, taxonomy: &Taxonomy) -> Result<Vec<Example>, CommandError> {
    let path = data
        .csv
        .as_ref()
        .ok_or_else(|| CommandError::new("--csv FILE is needed"))?;
    let label_map = match &data.label_map {
        None => HashMap::new(),
        Some(path) => read_label_map(path)?,
    };
    let mut reader = csv::Reader::from_path(path)
        .map_err(|e| CommandError::new(format!("{}: {e}", path.display())))?;
    let headers = reader.headers()?.clone();
    let column = |name: &str| {
        headers.iter().position(|h| h == name).ok_or_else(|| {
            CommandError::new(format!(
                "{}: no column `{name}` (columns: {})",
                path.display(),
                headers.iter().collect::<Vec<_>>().join(", ")
            ))
        })
    };
    let text_columns = data
        .text_columns
        .iter()
        .map(|c| column(c))
        .collect::<Result<Vec<_>, _>>()?;
    let label_column = column(&data.label_column)?;
    let position_column = data.position_column.as_deref().map(column).transpose()?;
    let service_column = data.service_column.as_deref().map(column).transpose()?;
    let mut examples = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.map_err(|e| CommandError::new(format!("{}: {e}", path.display())))?;
        let label = record.get(label_column).unwrap_or_default().trim();
        let label = match label_map.get(label) {
            Some(department) => department.as_str(),
            None if data.only_mapped => continue,
            None => label,
        };
        // No label, or one the map translates to nothing: nothing to learn or score.
        if label.is_empty() {
            continue;
        }
        let label = label.to_owned();
        let text = text_columns
            .iter()
            .filter_map(|&c| record.get(c))
            .collect::<Vec<_>>()
            .join(". ");
        if text.trim().is_empty() {
            return Err(CommandError::new(format!(
                "{}: row {} has no text",
                path.display(),
                row + 2
            )));
        }
        let position = match position_column {
            None => None,
            Some(c) => parse_position(record.get(c).unwrap_or_default()).map_err(|e| {
                CommandError::new(format!("{} row {}: {e}", path.display(), row + 2))
            })?,
        };
        let service = service_column
            .and_then(|c| record.get(c))
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned);
        examples.push(Example {
            text,
            label,
            position,
            service,
        });
    }
    check_labels(&examples, taxonomy, path)?;
    Ok(examples)
}

/// Every label must be one of the taxonomy's departments: a label the model can never
/// give would otherwise be trained on, or scored as a miss, without a word.
fn check_labels(
    examples: &[Example],
    taxonomy: &Taxonomy,
    path: &Path,
) -> Result<(), CommandError> {
    let mut unknown: BTreeMap<&str, usize> = BTreeMap::new();
    for example in examples {
        if taxonomy.department(&example.label).is_none() {
            *unknown.entry(&example.label).or_default() += 1;
        }
    }
    if unknown.is_empty() {
        return Ok(());
    }
    let listed: Vec<String> = unknown
        .iter()
        .map(|(label, count)| format!("`{label}` ({count})"))
        .collect();
    Err(CommandError::new(format!(
        "{}: labels that are not departments of the taxonomy: {}; translate them with --label-map",
        path.display(),
        listed.join(", ")
    )))
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

fn read_label_map(path: &PathBuf) -> Result<HashMap<String, String>, CommandError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| CommandError::new(format!("{}: {e}", path.display())))?;
    let mut map = HashMap::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        // Labels may hold commas; department ids never do.
        let (from, to) = line.rsplit_once(',').ok_or_else(|| {
            CommandError::new(format!(
                "{} line {}: expected `label,department`",
                path.display(),
                n + 1
            ))
        })?;
        map.insert(from.trim().to_owned(), to.trim().to_owned());
    }
    Ok(map)
}

fn file_stem(path: Option<&PathBuf>) -> String {
    path.and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "data".into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use segnala_triage::domain::ReportContext;

    use super::*;

    fn data_args(dir: &Path, csv: &str, label_map: Option<&str>) -> DataArgs {
        let csv_path = dir.join("reports.csv");
        std::fs::write(&csv_path, csv).unwrap();
        let label_map = label_map.map(|text| {
            let path = dir.join("labels.csv");
            std::fs::write(&path, text).unwrap();
            path
        });
        DataArgs {
            csv: Some(csv_path),
            text_columns: vec!["title".into(), "detail".into()],
            label_column: "category".into(),
            label_map,
            only_mapped: false,
            taxonomy: None,
            position_column: None,
            cell_km: 3.0,
            service_column: None,
            with_taxonomy: false,
        }
    }

    const REPORTS: &str = "title,detail,category\n\
        Lamp out,Dark all night,\"Street lights, lamps\"\n\
        Sofa dumped,On the pavement,Fly-tipping\n\
        Something wrong,Please look,Other\n\
        Bus late,Again,Bus service\n";

    #[test]
    fn a_label_map_translates_labels_that_hold_commas_and_drops_those_it_maps_to_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let map = "# the borough's names\nStreet lights, lamps,street_lighting\n\
                   Fly-tipping,waste\nBus service,public_transport\nOther,\n";
        let examples = read_examples(
            &data_args(dir.path(), REPORTS, Some(map)),
            &Taxonomy::default_italian().unwrap(),
        )
        .unwrap();
        let labels: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["street_lighting", "waste", "public_transport"]);
        assert_eq!(examples[0].text, "Lamp out. Dark all night");
    }

    #[test]
    fn labels_that_are_not_departments_are_refused_by_name_and_count() {
        let dir = tempfile::tempdir().unwrap();
        let map = "Fly-tipping,waste\nOther,\n";
        let error = read_examples(
            &data_args(dir.path(), REPORTS, Some(map)),
            &Taxonomy::default_italian().unwrap(),
        )
        .unwrap_err()
        .to_string();
        assert!(
            error.contains("`Bus service` (1), `Street lights, lamps` (1)")
                && error.contains("--label-map"),
            "{error}"
        );
    }

    #[test]
    fn a_map_of_a_sample_keyed_by_id_scores_only_that_sample() {
        let dir = tempfile::tempdir().unwrap();
        let reports = "report_id,title,detail\n\
            11,Sofa dumped,On the pavement\n\
            12,Lamp out,Dark all night\n\
            13,See photo,As before\n\
            14,Pothole,Deep one\n";
        let read = "11,waste\n12,street_lighting\n13,\n";
        let mut data = data_args(dir.path(), reports, Some(read));
        data.label_column = "report_id".into();
        data.only_mapped = true;
        let examples = read_examples(&data, &Taxonomy::default_italian().unwrap()).unwrap();
        let labels: Vec<&str> = examples.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["waste", "street_lighting"]);
    }

    #[test]
    fn a_named_service_column_gives_each_report_the_service_it_was_filed_under() {
        let dir = tempfile::tempdir().unwrap();
        let reports = "title,detail,service,dept\n\
            Lamp out,Dark all night, 101 ,street_lighting\n\
            Sofa dumped,On the pavement,,waste\n";
        let mut data = data_args(dir.path(), reports, None);
        data.label_column = "dept".into();
        data.service_column = Some("service".into());
        let taxonomy = Taxonomy::default_italian().unwrap();
        let examples = read_examples(&data, &taxonomy).unwrap();
        let services: Vec<Option<&str>> = examples.iter().map(|e| e.service.as_deref()).collect();
        assert_eq!(services, [Some("101"), None]);

        data.service_column = Some("code".into());
        let error = read_examples(&data, &taxonomy).unwrap_err().to_string();
        assert!(error.contains("no column `code`"), "{error}");
    }

    #[test]
    fn mistakes_are_written_with_their_label_prediction_and_text() {
        let dir = tempfile::tempdir().unwrap();
        let example = |text: &str, label: &str| Example {
            text: text.into(),
            label: label.into(),
            position: None,
            service: None,
        };
        let examples = [
            example("Lamp out, dark all night", "street_lighting"),
            example("Sofa dumped on the pavement", "roads"),
        ];
        let predictions = ["street_lighting".to_owned(), "waste".to_owned()];
        let path = dir.path().join("mistakes.csv");
        write_mistakes(&path, &examples, &predictions).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "label,predicted,text\nroads,waste,Sofa dumped on the pavement\n"
        );
    }

    #[test]
    fn a_short_history_learns_the_taxonomy_too_when_asked() {
        let dir = tempfile::tempdir().unwrap();
        let history = "title,detail,category\n\
            Sofa dumped,On the pavement,waste\n\
            Mattress dumped,By the bins,waste\n\
            Lamp out,Dark all night,street_lighting\n\
            Street light off,Whole road dark,street_lighting\n";
        let taxonomy = Taxonomy::default_italian().unwrap();
        let mut data = data_args(dir.path(), history, None);
        let pothole = "Buca profonda in mezzo alla carreggiata";
        let department = |data: &DataArgs| {
            let examples = data.training_set(&taxonomy, read_examples(data, &taxonomy).unwrap());
            let options = TrainingOptions {
                // Four reports: every word is rare.
                min_document_frequency: 1,
                ..data.training_options()
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
        let (alone, routed_alone) = department(&data);
        assert_eq!(alone, 4);
        assert_ne!(routed_alone, "roads", "four reports know no roads");
        data.with_taxonomy = true;
        let (with_taxonomy, routed) = department(&data);
        assert_eq!(with_taxonomy, 4 + taxonomy.training_examples().len());
        assert_eq!(routed, "roads");
    }
}
