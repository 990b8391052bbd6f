//! The steps before routing, trained and measured on their own: screening (is this a
//! report at all?) and the emergency rules.

use std::{path::Path, time::Instant};

use segnala_triage::domain::{
    Audience, Classifier, DEFAULT_SCREENING_VERSION, Example, NOT_A_REPORT, REPORT, Screening,
    ScreeningBars, Taxonomy, default_model, default_screening_model,
    evaluation::{BinaryCounts, Destination, ScreeningCounts},
    taxonomy_training_options,
    training::{self, Screened},
};

use super::{
    AudienceArg, CommandError, DataArgs, EvalArgs, TrainArgs, folds_of, read_labelled, read_model,
    train_and_write, unknown_labels_error, version_of,
};

/// The label that counts as an emergency, besides the emergency department's id.
const EMERGENCY: &str = "emergency";

impl From<AudienceArg> for Audience {
    fn from(audience: AudienceArg) -> Self {
        match audience {
            AudienceArg::Direct => Audience::Direct,
            AudienceArg::Mention => Audience::Mention,
        }
    }
}

/// The messages of `--csv` labelled `report` or `not_a_report` (a department is a
/// report).
fn screening_examples(data: &DataArgs, taxonomy: &Taxonomy) -> Result<Vec<Example>, CommandError> {
    training::as_screening_labels(read_labelled(data)?, taxonomy).map_err(|unknown| {
        unknown_labels_error(
            data,
            unknown
                .iter()
                .map(|(label, count)| (label.as_str(), *count)),
            &format!("`{REPORT}`, `{NOT_A_REPORT}` or departments of the taxonomy"),
        )
    })
}

pub(super) fn train_screening(args: TrainArgs, taxonomy: &Taxonomy) -> Result<(), CommandError> {
    let (examples, options, version) = if args.from_taxonomy {
        (
            taxonomy.screening_examples(),
            taxonomy_training_options(),
            args.version
                .unwrap_or_else(|| DEFAULT_SCREENING_VERSION.to_owned()),
        )
    } else {
        let learning = args.data.learning();
        let mut examples = screening_examples(&args.data, taxonomy)?;
        if learning.with_taxonomy {
            examples.extend(taxonomy.screening_examples());
        }
        let version = args
            .version
            .unwrap_or_else(|| version_of("screening-", &args.data, examples.len()));
        (examples, learning.options(), version)
    };
    train_and_write(&examples, &version, &args.out, |examples, version| {
        training::train_screening(examples, version, options)
    })
}

/// What reaches a department's queue, an operator, or is answered, of the messages
/// that are reports and of those that are not.
pub(super) fn eval_screening(args: EvalArgs, taxonomy: &Taxonomy) -> Result<(), CommandError> {
    let examples = screening_examples(&args.data, taxonomy)?;
    let audience = Audience::from(args.audience);
    let bars = bars(&args, audience);
    let routing = match &args.model {
        None => default_model()?,
        Some(path) => read_model(path)?,
    };
    let classifier_with = |screening: Screening| {
        Classifier::new(taxonomy, routing.clone(), args.review_threshold)
            .map(|classifier| classifier.with_screening(screening))
    };
    let outcomes: Vec<Screened> = match args.folds {
        Some(folds) => {
            let folds = folds_of(folds, examples.len())?;
            let started = Instant::now();
            let outcomes = training::screen_folds(
                taxonomy,
                &examples,
                folds,
                args.data.learning(),
                audience,
                |model| Ok(classifier_with(Screening::new(model, bars)?)?),
            )?;
            outln!(
                "{} folds trained and measured in {:.2} s",
                folds.count(),
                started.elapsed().as_secs_f64()
            );
            outcomes
        }
        None => {
            let model = match &args.screening_model {
                None => default_screening_model()?,
                Some(path) => read_model(path)?,
            };
            let classifier = classifier_with(Screening::new(model, bars)?)?;
            let started = Instant::now();
            let outcomes = training::screen_all(&classifier, &examples, audience);
            let took = started.elapsed().as_secs_f64();
            outln!(
                "screening model {}: {} messages in {took:.3} s, {:.0} messages/s (one thread)",
                classifier.screening_version(),
                examples.len(),
                examples.len() as f64 / took
            );
            outcomes
        }
    };
    if let Some(path) = &args.mistakes {
        let wrong = examples
            .iter()
            .zip(&outcomes)
            .filter_map(|(e, &destination)| {
                let mistaken = if e.label == REPORT {
                    destination == Destination::Answered
                } else {
                    destination == Destination::Department
                };
                let outcome = match destination {
                    Destination::Department => "department",
                    Destination::Review => "review",
                    Destination::Answered => "answered",
                    Destination::Elsewhere => "elsewhere",
                };
                mistaken.then_some((e, outcome))
            });
        write_step_mistakes(path, wrong)?;
    }
    let counts = ScreeningCounts::from_outcomes(
        examples
            .iter()
            .zip(&outcomes)
            .map(|(e, &destination)| (e.label == REPORT, destination)),
    );
    outln!();
    out!("{counts}");
    Ok(())
}

/// The default bars, the measured audience's moved as `--answer-below` and
/// `--review-below` say.
fn bars(args: &EvalArgs, audience: Audience) -> ScreeningBars {
    let mut bars = ScreeningBars::default();
    let bar = match audience {
        Audience::Direct => &mut bars.direct,
        Audience::Mention => &mut bars.mention,
    };
    bar.answer_below = args.answer_below.unwrap_or(bar.answer_below);
    bar.review_below = args.review_below.unwrap_or(bar.review_below);
    bars
}

/// Recall, precision and false alarms of the emergency rules.
pub(super) fn eval_emergency(args: EvalArgs, taxonomy: &Taxonomy) -> Result<(), CommandError> {
    let examples = read_labelled(&args.data)?;
    let classifier = Classifier::new(taxonomy, default_model()?, args.review_threshold)?;
    let emergency_department = taxonomy.emergency_department().id.as_str();
    let started = Instant::now();
    let terms: Vec<Vec<String>> = examples
        .iter()
        .map(|e| classifier.emergency_terms(&e.text))
        .collect();
    let took = started.elapsed().as_secs_f64();
    outln!(
        "emergency rules: {} messages in {took:.3} s, {:.0} messages/s (one thread)",
        examples.len(),
        examples.len() as f64 / took
    );
    let is_emergency = |e: &Example| e.label == EMERGENCY || e.label == emergency_department;
    if let Some(path) = &args.mistakes {
        let wrong = examples
            .iter()
            .zip(&terms)
            .filter(|(e, terms)| is_emergency(e) == terms.is_empty())
            .map(|(e, terms)| {
                let outcome = if terms.is_empty() {
                    "missed".to_owned()
                } else {
                    terms.join("|")
                };
                (e, outcome)
            });
        write_step_mistakes(path, wrong)?;
    }
    let counts = BinaryCounts::from_outcomes(
        examples
            .iter()
            .zip(&terms)
            .map(|(e, terms)| (is_emergency(e), !terms.is_empty())),
    );
    outln!();
    out!("{counts}");
    Ok(())
}

/// Writes each mistaken message (label, what the step did, text) as CSV.
fn write_step_mistakes<'a, O: AsRef<str>>(
    path: &Path,
    wrong: impl Iterator<Item = (&'a Example, O)>,
) -> Result<(), CommandError> {
    let error = |e: csv::Error| CommandError::new(format!("{}: {e}", path.display()));
    let mut writer = csv::Writer::from_path(path).map_err(error)?;
    writer
        .write_record(["label", "outcome", "text"])
        .map_err(error)?;
    let mut written = 0;
    for (example, outcome) in wrong {
        writer
            .write_record([example.label.as_str(), outcome.as_ref(), &example.text])
            .map_err(error)?;
        written += 1;
    }
    writer
        .flush()
        .map_err(|e| CommandError::new(format!("{}: {e}", path.display())))?;
    outln!("wrote {written} mistakes to {}", path.display());
    Ok(())
}
