//! Reports as a city receives them on a bad day: short texts in Italian and English
//! about every department's usual problems, at addresses spread over the city.
//! Generated here, from a seed, so that two runs drive the same load.

use std::collections::VecDeque;

use rand::{Rng, SeedableRng, rngs::StdRng};

/// One report to submit.
#[derive(Clone, Debug)]
pub struct GeneratedReport {
    pub description: String,
    pub latitude: f64,
    pub longitude: f64,
    pub address: String,
    pub language: &'static str,
}

/// What citizens write, per problem: (Italian, English). `{street}` is filled in.
const PROBLEMS: &[(&str, &str)] = &[
    (
        "Lampione spento da tre sere in {street}, la strada è buia",
        "Street light out for three nights in {street}, the road is dark",
    ),
    (
        "Il lampione davanti al civico 12 di {street} lampeggia",
        "The lamp post outside number 12 on {street} keeps flickering",
    ),
    (
        "Buca profonda sull'asfalto in {street}, pericolosa per gli scooter",
        "Deep pothole in the road on {street}, dangerous for scooters",
    ),
    (
        "Marciapiede dissestato in {street}, le piastrelle sono rotte",
        "Broken pavement on {street}, the paving slabs are cracked",
    ),
    (
        "Cassonetti stracolmi in {street}, rifiuti per terra",
        "Overflowing bins on {street}, rubbish all over the pavement",
    ),
    (
        "Abbandono di rifiuti ingombranti, un materasso in {street}",
        "Fly-tipping: a mattress dumped on {street}",
    ),
    (
        "Albero caduto nel parco vicino a {street}",
        "A tree has fallen in the park near {street}",
    ),
    (
        "Perdita d'acqua dal tombino in {street}",
        "Water leaking from the drain cover on {street}",
    ),
    (
        "Semaforo guasto all'incrocio di {street}",
        "Traffic light not working at the junction of {street}",
    ),
    (
        "Pensilina della fermata dell'autobus rotta in {street}",
        "Bus shelter glass smashed at the stop on {street}",
    ),
    (
        "Auto abbandonata da settimane in {street}",
        "Car abandoned for weeks on {street}",
    ),
    (
        "Graffiti sul muro della scuola in {street}",
        "Graffiti sprayed on the school wall on {street}",
    ),
    (
        "Carcassa di un gatto sulla strada in {street}",
        "Dead cat lying in the road on {street}",
    ),
];

const STREETS: &[&str] = &[
    "via Padova",
    "corso Buenos Aires",
    "viale Monza",
    "via Torino",
    "corso di Porta Romana",
    "via Vittor Pisani",
    "viale Papiniano",
    "via Novara",
    "piazzale Loreto",
    "via Ripamonti",
    "corso Sempione",
    "via Washington",
];

/// The city's extent: central Milan, about 12 km by 10 km.
const SOUTH: f64 = 45.42;
const NORTH: f64 = 45.52;
const WEST: f64 = 9.10;
const EAST: f64 = 9.26;

/// How many of the latest new problems a duplicate may repeat: at 1,000 reports a
/// second, those of the last second; at 50, of the last 20 seconds.
const RECENT_PROBLEMS: usize = 1_000;

/// How far a duplicate lies from the report it repeats, at most, in degrees: about 5 m,
/// inside every category's merging radius.
const DUPLICATE_SPREAD: f64 = 0.000_045;

/// A problem seen in the street: what it is, and where.
#[derive(Clone, Copy)]
struct Problem {
    kind: usize,
    street: usize,
    latitude: f64,
    longitude: f64,
}

pub struct Workload {
    rng: StdRng,
    /// The share of reports that repeat a recent problem.
    duplicates: f64,
    recent: VecDeque<Problem>,
}

impl Workload {
    pub fn new(seed: u64, duplicates: f64) -> Self {
        Self {
            rng: StdRng::seed_from_u64(seed),
            duplicates: duplicates.clamp(0.0, 1.0),
            recent: VecDeque::with_capacity(RECENT_PROBLEMS),
        }
    }

    pub fn next_report(&mut self) -> GeneratedReport {
        let problem = if !self.recent.is_empty() && self.rng.random_bool(self.duplicates) {
            // Another citizen, a few steps away, reporting what someone just reported.
            let seen = self.recent[self.rng.random_range(0..self.recent.len())];
            Problem {
                latitude: seen.latitude
                    + self.rng.random_range(-DUPLICATE_SPREAD..DUPLICATE_SPREAD),
                longitude: seen.longitude
                    + self.rng.random_range(-DUPLICATE_SPREAD..DUPLICATE_SPREAD),
                ..seen
            }
        } else {
            let problem = Problem {
                kind: self.rng.random_range(0..PROBLEMS.len()),
                street: self.rng.random_range(0..STREETS.len()),
                latitude: self.rng.random_range(SOUTH..NORTH),
                longitude: self.rng.random_range(WEST..EAST),
            };
            if self.recent.len() == RECENT_PROBLEMS {
                self.recent.pop_front();
            }
            self.recent.push_back(problem);
            problem
        };
        let (italian, english) = PROBLEMS[problem.kind];
        let street = STREETS[problem.street];
        // Two reports in three are in Italian, as in an Italian city.
        let (template, language) = if self.rng.random_ratio(2, 3) {
            (italian, "it")
        } else {
            (english, "en")
        };
        GeneratedReport {
            description: template.replace("{street}", street),
            latitude: problem.latitude,
            longitude: problem.longitude,
            address: format!("{street}, Milano"),
            language,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_drives_the_same_load_inside_the_city() {
        let first: Vec<_> = {
            let mut w = Workload::new(7, 0.0);
            (0..50).map(|_| w.next_report().description).collect()
        };
        let mut again = Workload::new(7, 0.0);
        for description in &first {
            let report = again.next_report();
            assert_eq!(&report.description, description);
            assert!((SOUTH..NORTH).contains(&report.latitude));
            assert!((WEST..EAST).contains(&report.longitude));
            assert!(!report.description.contains("{street}"));
        }
        let languages: std::collections::HashSet<_> =
            (0..50).map(|_| again.next_report().language).collect();
        assert_eq!(languages.len(), 2, "both languages appear");
    }

    #[test]
    fn a_share_of_duplicates_repeats_recent_problems_a_few_metres_away() {
        let mut workload = Workload::new(11, 0.4);
        let reports: Vec<_> = (0..2_000).map(|_| workload.next_report()).collect();
        let repeats = reports
            .iter()
            .enumerate()
            .filter(|(i, report)| {
                reports[..*i].iter().any(|earlier| {
                    earlier.address == report.address
                        && (earlier.latitude - report.latitude).abs() <= DUPLICATE_SPREAD
                        && (earlier.longitude - report.longitude).abs() <= DUPLICATE_SPREAD
                })
            })
            .count();
        assert!(
            (700..=900).contains(&repeats),
            "about 40% of 2,000 repeat an earlier problem: {repeats}"
        );
        let mut none = Workload::new(11, 0.0);
        let first = none.next_report();
        assert!(
            (0..2_000).all(|_| {
                let next = none.next_report();
                (next.latitude, next.longitude) != (first.latitude, first.longitude)
            }),
            "without duplicates, every report is somewhere else"
        );
    }
}
