//! `segnala triage train|eval`: teach the classifier a city's own history and measure
//! it, offline, from a CSV file of past reports.

mod steps;

use std::{
    path::{Path, PathBuf},
    time::Instant,
};

use clap::{Args, Subcommand, ValueEnum};
use segnala_triage::{
    TriageSettings,
    domain::{
        Classifier, DEFAULT_MODEL_VERSION, Example, Model, NOT_A_REPORT, Taxonomy, default_model,
        taxonomy_training_options,
        training::{self, Columns, Folds, LabelMap, Learning, Routed},
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
    /// The column holding each report's department (or, for `--step screening`,
    /// `report` / `not_a_report`; for `--step emergency`, `emergency` or anything
    /// else). Several columns, comma-separated, make one label of their values joined
    /// by `|`, for `--label-map` to translate.
    #[arg(long, value_delimiter = ',', default_value = "dept")]
    label_column: Vec<String>,
    /// A column of other departments, `|`-separated, that count as right too: a
    /// report two departments could take.
    #[arg(long)]
    accepted_column: Option<String>,
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
    fn learning(&self) -> Learning {
        Learning {
            cell_km: self.position_column.is_some().then_some(self.cell_km),
            with_taxonomy: self.with_taxonomy,
        }
    }

    fn columns(&self) -> Columns {
        Columns {
            text: self.text_columns.clone(),
            label: self.label_column.clone(),
            accepted: self.accepted_column.clone(),
            position: self.position_column.clone(),
            service: self.service_column.clone(),
        }
    }
}

/// Which step of triage to train or measure.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Step {
    /// Which department a report goes to.
    #[default]
    Routing,
    /// Whether a message is a report at all.
    Screening,
    /// Whether it tells of danger to people (rules only: measured, not trained).
    Emergency,
}

/// Whom the measured messages were written for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum AudienceArg {
    /// The city's own channels.
    #[default]
    Direct,
    /// Public posts that mention the city (Mastodon, X).
    Mention,
}

#[derive(Debug, Args)]
pub struct TrainArgs {
    #[command(flatten)]
    data: DataArgs,
    /// The routing model, or the screening model (labels `report`, `not_a_report` or
    /// departments, which are reports).
    #[arg(long, value_enum, default_value_t)]
    step: Step,
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
    /// What to measure: routing (per department), screening (what reaches a
    /// department's queue, an operator, or is answered) or the emergency rules
    /// (recall, precision, false alarms).
    #[arg(long, value_enum, default_value_t)]
    step: Step,
    /// Whom the messages were written for: screening holds public mentions to a
    /// stricter bar.
    #[arg(long, value_enum, default_value_t)]
    audience: AudienceArg,
    /// A screening model from `segnala triage train --step screening`; the built-in
    /// one when absent.
    #[arg(long, conflicts_with = "folds")]
    screening_model: Option<PathBuf>,
    /// Screening: answer as not a report under this chance, instead of the
    /// audience's `triage.screening` default.
    #[arg(long)]
    answer_below: Option<f32>,
    /// Screening: send to an operator under this chance, instead of the audience's
    /// default.
    #[arg(long)]
    review_below: Option<f32>,
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
    match args.step {
        Step::Routing => {}
        Step::Screening => return steps::train_screening(args, &taxonomy),
        Step::Emergency => {
            return Err(CommandError::new(
                "the emergency step is the taxonomy's `[emergency]` rules: measure it with `triage eval --step emergency`",
            ));
        }
    }
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
        let learning = args.data.learning();
        let examples = learning.training_set(&taxonomy, read_examples(&args.data, &taxonomy)?);
        let version = args
            .version
            .unwrap_or_else(|| version_of("", &args.data, examples.len()));
        (examples, learning.options(), version)
    };
    train_and_write(&examples, &version, &args.out, |examples, version| {
        training::train(&taxonomy, examples, version, options)
    })
}

/// Learns a model with `learn`, writes it to `out` and says how long it took.
fn train_and_write(
    examples: &[Example],
    version: &str,
    out: &Path,
    learn: impl FnOnce(&[Example], &str) -> Result<Model, training::TrainingError>,
) -> Result<(), CommandError> {
    let started = Instant::now();
    let model = learn(examples, version)?;
    let took = started.elapsed();
    std::fs::write(out, model.to_json()?)
        .map_err(|e| CommandError::new(format!("{}: {e}", out.display())))?;
    outln!(
        "trained {version} on {} examples in {:.2} s (one thread); wrote {}",
        examples.len(),
        took.as_secs_f64(),
        out.display()
    );
    Ok(())
}

/// The name decisions record for a model learned from `examples` reports of a file.
fn version_of(kind: &str, data: &DataArgs, examples: usize) -> String {
    format!(
        "tfidf-logreg/{kind}{}-{examples}",
        file_stem(data.csv.as_ref())
    )
}

fn eval(args: EvalArgs) -> Result<(), CommandError> {
    if !(0.0..=1.0).contains(&args.review_threshold) {
        return Err(CommandError::new(format!(
            "--review-threshold must be between 0 and 1, not {}",
            args.review_threshold
        )));
    }
    let taxonomy = taxonomy(args.data.taxonomy.as_ref())?;
    match args.step {
        Step::Routing => {}
        Step::Screening => return steps::eval_screening(args, &taxonomy),
        Step::Emergency => return steps::eval_emergency(args, &taxonomy),
    }
    let examples = read_examples(&args.data, &taxonomy)?;
    let routings: Vec<Routed> = match args.folds {
        Some(folds) => {
            let folds = folds_of(folds, examples.len())?;
            let mut validation = training::CrossValidation::new(
                &taxonomy,
                &examples,
                folds,
                args.data.learning(),
                args.review_threshold,
            );
            for fold in &mut validation {
                let fold = fold?;
                let took = fold.classified_in.as_secs_f64();
                outln!(
                    "fold {}/{}: trained on {} examples in {:.2} s; classified {} in {took:.3} s ({:.0} reports/s, one thread)",
                    fold.index + 1,
                    fold.folds,
                    fold.trained_on,
                    fold.trained_in.as_secs_f64(),
                    fold.held_out,
                    fold.held_out as f64 / took
                );
            }
            validation.into_routings()
        }
        None => {
            let model = match &args.model {
                None => default_model()?,
                Some(path) => read_model(path)?,
            };
            let classifier = Classifier::new(&taxonomy, model, args.review_threshold)?;
            let started = Instant::now();
            let routings = training::route_all(&classifier, &examples);
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
    if let Some(path) = &args.mistakes {
        write_mistakes(path, &examples, &routings)?;
    }
    let (evaluation, review) = training::measure(&examples, &routings, args.review_threshold);
    outln!();
    out!("{evaluation}");
    outln!();
    out!("{review}");
    Ok(())
}

fn write_mistakes(
    path: &Path,
    examples: &[Example],
    routings: &[Routed],
) -> Result<(), CommandError> {
    let file = std::fs::File::create(path)
        .map_err(|e| CommandError::new(format!("{}: {e}", path.display())))?;
    let written = training::write_mistakes(file, examples, routings)
        .map_err(|e| CommandError::new(format!("{}: {e}", path.display())))?;
    outln!("wrote {written} misrouted reports to {}", path.display());
    Ok(())
}

/// How often the emergency rules fire, with the first texts they fire on.
fn report_emergencies(classifier: &Classifier, examples: &[Example]) -> Result<(), CommandError> {
    let flagged = training::emergencies(classifier, examples);
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

/// The labelled reports of `--csv`, their labels translated by `--label-map`; every
/// label must be one of the taxonomy's departments.
fn read_examples(data: &DataArgs, taxonomy: &Taxonomy) -> Result<Vec<Example>, CommandError> {
    let (rejections, examples): (Vec<Example>, Vec<Example>) = read_labelled(data)?
        .into_iter()
        .partition(|e| e.label == NOT_A_REPORT);
    if !rejections.is_empty() {
        outln!(
            "{} message(s) labelled `{NOT_A_REPORT}` left out: they name no department (`--step screening` learns from them)",
            rejections.len()
        );
    }
    let unknown = training::unknown_labels(&examples, taxonomy);
    if unknown.is_empty() {
        return Ok(examples);
    }
    Err(unknown_labels_error(
        data,
        unknown.iter().map(|(label, count)| (*label, *count)),
        "departments of the taxonomy",
    ))
}

/// Labels a step cannot score, by name and count.
fn unknown_labels_error<'a>(
    data: &DataArgs,
    unknown: impl Iterator<Item = (&'a str, usize)>,
    expected: &str,
) -> CommandError {
    let listed: Vec<String> = unknown
        .map(|(label, count)| format!("`{label}` ({count})"))
        .collect();
    CommandError::new(format!(
        "{}: labels that are not {expected}: {}; translate them with --label-map",
        data.csv
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        listed.join(", ")
    ))
}

/// The labelled reports of `--csv`, their labels translated by `--label-map`.
fn read_labelled(data: &DataArgs) -> Result<Vec<Example>, CommandError> {
    let path = data
        .csv
        .as_ref()
        .ok_or_else(|| CommandError::new("--csv FILE is needed"))?;
    let labels = match &data.label_map {
        None => LabelMap::default(),
        Some(map) => LabelMap::parse(
            &read_to_string(map)?,
            &map.display().to_string(),
            data.only_mapped,
        )?,
    };
    let file = std::fs::File::open(path)
        .map_err(|e| CommandError::new(format!("{}: {e}", path.display())))?;
    Ok(training::read_examples(
        file,
        &path.display().to_string(),
        &data.columns(),
        &labels,
    )?)
}

/// `--folds`, checked against the number of labelled examples.
fn folds_of(folds: usize, examples: usize) -> Result<Folds, CommandError> {
    Folds::new(folds, examples).ok_or_else(|| {
        CommandError::new(format!(
            "--folds must be between 2 and the number of labelled examples ({examples})"
        ))
    })
}

fn read_model(path: &Path) -> Result<Model, CommandError> {
    let bytes =
        std::fs::read(path).map_err(|e| CommandError::new(format!("{}: {e}", path.display())))?;
    Model::from_json(&bytes).map_err(|e| CommandError::new(format!("{}: {e}", path.display())))
}

fn read_to_string(path: &Path) -> Result<String, CommandError> {
    std::fs::read_to_string(path).map_err(|e| CommandError::new(format!("{}: {e}", path.display())))
}

fn file_stem(path: Option<&PathBuf>) -> String {
    path.and_then(|p| p.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "data".into())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
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
            label_column: vec!["category".into()],
            accepted_column: None,
            label_map,
            only_mapped: false,
            taxonomy: None,
            position_column: None,
            cell_km: 3.0,
            service_column: None,
            with_taxonomy: false,
        }
    }

    #[test]
    fn labels_that_are_not_departments_are_refused_by_name_and_count() {
        let dir = tempfile::tempdir().unwrap();
        let reports = "title,detail,category\n\
            Lamp out,Dark all night,\"Street lights, lamps\"\n\
            Sofa dumped,On the pavement,Fly-tipping\n\
            Bus late,Again,Bus service\n";
        let map = "Fly-tipping,waste\n";
        let error = read_examples(
            &data_args(dir.path(), reports, Some(map)),
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
    fn mistakes_are_written_to_the_named_file() {
        let dir = tempfile::tempdir().unwrap();
        let examples = [Example {
            text: "Sofa dumped on the pavement".into(),
            label: "roads".into(),
            position: None,
            service: None,
            accepted: Vec::new(),
        }];
        let path = dir.path().join("mistakes.csv");
        write_mistakes(&path, &examples, &[("waste".to_owned(), false)]).unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "label,predicted,text\nroads,waste,Sofa dumped on the pavement\n"
        );
    }
}
