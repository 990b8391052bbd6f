//! Classification rate on one thread, and training time, on generated reports.
//!
//! cargo bench -p segnala-triage --bench classify
//!
//! Writes 20,000 short reports in Italian and English (a problem, a place, an aside,
//! in varying order and case, some with accents), each with a position in one of four
//! districts that route fly-tipping differently. Then: classifies them with the shipped
//! default model; trains a model with positions on them and times it; classifies them
//! with that model. Environment: SEGNALA_BENCH_REPORTS (default 20000).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use rand::{Rng, SeedableRng, rngs::StdRng, seq::IndexedRandom};
use segnala_triage::domain::{
    Classifier, Example, Featurizer, Model, Taxonomy, TrainingOptions, default_model,
};

/// (department, problems in Italian, problems in English).
const PROBLEMS: &[(&str, &[&str], &[&str])] = &[
    (
        "street_lighting",
        &[
            "il lampione è spento",
            "lampioni spenti da giorni",
            "la luce della via non si accende",
        ],
        &[
            "street light out",
            "the lamp post is not working",
            "lights off all night, very dark",
        ],
    ),
    (
        "roads",
        &[
            "buca enorme nell'asfalto",
            "marciapiede dissestato",
            "chiusino rotto in mezzo alla strada",
        ],
        &[
            "large pothole in the road",
            "broken paving slab, trip hazard",
            "road surface breaking up",
        ],
    ),
    (
        "waste",
        &[
            "cassonetti pieni e rifiuti per terra",
            "sacchi abbandonati sul marciapiede",
            "strada sporca, cartacce ovunque",
        ],
        &[
            "fly tipping: mattress and sofa dumped",
            "overflowing bin",
            "litter everywhere, needs sweeping",
        ],
    ),
    (
        "parks_trees",
        &[
            "ramo caduto dopo il temporale",
            "erba alta nel parco",
            "albero da potare",
        ],
        &[
            "tree branch hanging over the path",
            "overgrown grass verge",
            "broken swing in the playground",
        ],
    ),
    (
        "water_sewer",
        &[
            "tombino intasato, si allaga",
            "perdita d'acqua dal tubo",
            "puzza di fogna",
        ],
        &[
            "blocked drain, the road floods",
            "water leak from a burst pipe",
            "sewage smell from the gully",
        ],
    ),
    (
        "traffic",
        &[
            "semaforo guasto all'incrocio",
            "cartello di stop abbattuto",
            "strisce pedonali sbiadite",
        ],
        &[
            "traffic lights stuck on red",
            "road sign knocked down",
            "faded road markings",
        ],
    ),
    (
        "local_police",
        &[
            "auto abbandonata senza targa",
            "musica alta tutte le notti",
            "auto in doppia fila",
        ],
        &[
            "abandoned car with flat tyres",
            "hire bike dumped on the pavement",
            "car parked on the pavement",
        ],
    ),
    (
        "urban_decorum",
        &[
            "scritte sui muri della scuola",
            "manifesti abusivi sui pali",
            "fioriera distrutta dai vandali",
        ],
        &[
            "graffiti on the wall",
            "fly-posting on the phone box",
            "railings smashed by vandals",
        ],
    ),
    (
        "animals",
        &[
            "gatto morto sul bordo della strada",
            "topi tra i cassonetti",
            "cane randagio vicino alla scuola",
        ],
        &[
            "dead fox in the road",
            "rats running around the bins",
            "wasp nest in the playground",
        ],
    ),
];

const PLACES_IT: &[&str] = &[
    "in via Roma",
    "davanti al civico 12",
    "in piazza Duomo",
    "all'angolo con corso Garibaldi",
    "",
];
const PLACES_EN: &[&str] = &[
    "on the High Street",
    "outside number 40",
    "near the station",
    "by the school gates",
    "",
];
const ASIDES_IT: &[&str] = &[
    "da una settimana",
    "Per favore intervenite.",
    "È pericoloso per i bambini",
    "Già segnalato più volte",
    "",
];
const ASIDES_EN: &[&str] = &[
    "for a week now",
    "Please sort it out.",
    "It is dangerous for children",
    "Reported several times",
    "",
];

/// Four districts, south-west to north-east; in the first two parks handle fly-tipping.
const DISTRICTS: &[(f64, f64)] = &[(45.44, 9.14), (45.44, 9.22), (45.49, 9.14), (45.49, 9.22)];

fn reports(count: usize) -> Vec<Example> {
    let mut rng = StdRng::seed_from_u64(11);
    (0..count)
        .map(|_| {
            let (department, italian, english) = PROBLEMS.choose(&mut rng).unwrap();
            let (problems, places, asides) = if rng.random_bool(0.5) {
                (*italian, PLACES_IT, ASIDES_IT)
            } else {
                (*english, PLACES_EN, ASIDES_EN)
            };
            let problem = problems.choose(&mut rng).unwrap();
            let place = places.choose(&mut rng).unwrap();
            let aside = asides.choose(&mut rng).unwrap();
            let mut text = if rng.random_bool(0.5) {
                format!("{problem} {place}. {aside}")
            } else {
                format!("{place} {problem}! {aside}")
            };
            if rng.random_bool(0.2) {
                text = text.to_uppercase();
            }
            let district = rng.random_range(0..DISTRICTS.len());
            let (latitude, longitude) = DISTRICTS[district];
            let position = (
                latitude + rng.random_range(0.0..0.04),
                longitude + rng.random_range(0.0..0.06),
            );
            let label = if district < 2 && problem.contains("fly tipping") {
                "parks_trees"
            } else {
                department
            };
            Example {
                text,
                label: label.to_owned(),
                position: Some(position),
                service: None,
                accepted: Vec::new(),
            }
        })
        .collect()
}

/// Classifies every report once, on this thread; prints and returns the rate.
fn classify_all(name: &str, classifier: &Classifier, reports: &[Example]) {
    let started = Instant::now();
    let mut correct = 0usize;
    for report in reports {
        let classification = classifier.classify(&report.text, report.context());
        correct += usize::from(
            classification
                .explanation
                .scores
                .first()
                .is_some_and(|(department, _)| *department == report.label),
        );
    }
    let took = started.elapsed().as_secs_f64();
    println!(
        "{name}: classified {} reports in {took:.3} s: {:.0} reports/s on one thread ({:.1}% as labelled)",
        reports.len(),
        reports.len() as f64 / took,
        100.0 * correct as f64 / reports.len() as f64
    );
}

fn main() {
    let count: usize = std::env::var("SEGNALA_BENCH_REPORTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20_000);
    let reports = reports(count);
    let taxonomy = Taxonomy::default_italian().unwrap();

    let default = Classifier::new(&taxonomy, default_model().unwrap(), 0.3).unwrap();
    classify_all("default model", &default, &reports);

    let options = TrainingOptions {
        cell_km: Some(2.0),
        ..TrainingOptions::default()
    };
    let started = Instant::now();
    let model = Model::train(&reports, "bench", &Featurizer::default(), options).unwrap();
    println!(
        "trained a model with positions on {} reports in {:.2} s (one thread)",
        reports.len(),
        started.elapsed().as_secs_f64()
    );
    let trained = Classifier::new(&taxonomy, model, 0.3).unwrap();
    classify_all("trained model", &trained, &reports);
}
