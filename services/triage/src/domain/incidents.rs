//! One incident, many reports: the open incidents in a spatial index, so that a new
//! report finds the incident it duplicates without a scan of all of them.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use geo::{Distance, Haversine, Point};
use rstar::{RTree, primitives::GeomWithData};

use super::{DuplicateRule, Priority};

/// An incident that new reports may still join.
#[derive(Clone, Debug, PartialEq)]
pub struct OpenIncident {
    pub id: String,
    pub department: String,
    pub category: String,
    pub latitude: f64,
    pub longitude: f64,
    pub opened_at: DateTime<Utc>,
}

/// An incident at its position in metres on a plane tangent to the city.
type Entry = GeomWithData<[f64; 2], OpenIncident>;

/// Mean Earth radius (IUGG), in metres.
const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// The open incidents of the city, by position. Positions are projected on a plane at
/// the city's latitude (equirectangular): across a city, distances are off by well under
/// 1 %, and every candidate is checked again on the sphere.
#[derive(Debug)]
pub struct IncidentIndex {
    tree: RTree<Entry>,
    by_id: HashMap<String, Entry>,
    metres_per_radian_of_longitude: f64,
}

impl IncidentIndex {
    /// An index of `open` incidents for a city around `reference_latitude`.
    pub fn new(reference_latitude: f64, open: impl IntoIterator<Item = OpenIncident>) -> Self {
        let mut index = Self {
            tree: RTree::new(),
            by_id: HashMap::new(),
            metres_per_radian_of_longitude: EARTH_RADIUS_M * reference_latitude.to_radians().cos(),
        };
        let entries: Vec<Entry> = open.into_iter().map(|i| index.entry(i)).collect();
        index.by_id = entries
            .iter()
            .map(|e| (e.data.id.clone(), e.clone()))
            .collect();
        index.tree = RTree::bulk_load(index.by_id.values().cloned().collect());
        index
    }

    fn project(&self, latitude: f64, longitude: f64) -> [f64; 2] {
        [
            longitude.to_radians() * self.metres_per_radian_of_longitude,
            latitude.to_radians() * EARTH_RADIUS_M,
        ]
    }

    fn entry(&self, incident: OpenIncident) -> Entry {
        GeomWithData::new(
            self.project(incident.latitude, incident.longitude),
            incident,
        )
    }

    pub fn len(&self) -> usize {
        self.by_id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_id.is_empty()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    /// Adds an incident; one already there is replaced.
    pub fn insert(&mut self, incident: OpenIncident) {
        self.remove(&incident.id);
        let entry = self.entry(incident);
        self.by_id.insert(entry.data.id.clone(), entry.clone());
        self.tree.insert(entry);
    }

    /// Takes an incident out (it closed, or it is gone).
    pub fn remove(&mut self, id: &str) {
        if let Some(entry) = self.by_id.remove(id) {
            self.tree.remove(&entry);
        }
    }

    /// The open incidents a new report of `department`/`category` at this place and
    /// time duplicates, nearest first: same department and category, within the
    /// rule's radius, opened no longer than the rule's window ago.
    pub fn duplicates_of(
        &self,
        department: &str,
        category: &str,
        (latitude, longitude): (f64, f64),
        rule: DuplicateRule,
        now: DateTime<Utc>,
    ) -> Vec<&OpenIncident> {
        if rule.radius_m <= 0.0 {
            return Vec::new();
        }
        let oldest = chrono::Duration::from_std(rule.window)
            .ok()
            .and_then(|window| now.checked_sub_signed(window))
            .unwrap_or(DateTime::<Utc>::MIN_UTC);
        let here = Point::new(longitude, latitude);
        // A little wider on the plane, then exact on the sphere.
        let search = rule.radius_m * 1.02;
        let mut found: Vec<(f64, &OpenIncident)> = self
            .tree
            .locate_within_distance(self.project(latitude, longitude), search * search)
            .map(|entry| &entry.data)
            .filter(|i| i.department == department && i.category == category)
            .filter(|i| i.opened_at >= oldest)
            .map(|i| {
                let there = Point::new(i.longitude, i.latitude);
                (Haversine.distance(here, there), i)
            })
            .filter(|(metres, _)| *metres <= rule.radius_m)
            .collect();
        found.sort_by(|a, b| a.0.total_cmp(&b.0));
        found.into_iter().map(|(_, i)| i).collect()
    }
}

/// Where the incidents a report may duplicate lie, as a replica asks the database for
/// them: a box around the report, and the grid cells whose locks make two replicas
/// placing reports of one problem take turns.
#[derive(Clone, Debug, PartialEq)]
pub struct Neighbourhood {
    pub department: String,
    pub category: String,
    pub south: f64,
    pub north: f64,
    pub west: f64,
    pub east: f64,
    /// The cells, of a grid 1.2 radii wide, that a square 1.2 radii wide around the
    /// report touches (one to four). Two reports less than a radius apart both touch the
    /// cell of the point halfway between them: they lock at least one cell in common.
    pub cells: Vec<String>,
}

impl IncidentIndex {
    /// The neighbourhood of a report of `department`/`category` at this place; none when
    /// the rule merges nothing.
    pub fn neighbourhood(
        &self,
        department: &str,
        category: &str,
        (latitude, longitude): (f64, f64),
        rule: DuplicateRule,
    ) -> Option<Neighbourhood> {
        if rule.radius_m <= 0.0 || !latitude.is_finite() || !longitude.is_finite() {
            return None;
        }
        let width = rule.radius_m * 1.2;
        // Cell numbers of the square's edges; a city's are far inside i64.
        let edges = |metres: f64| {
            let first = ((metres - width / 2.0) / width).floor() as i64;
            let last = ((metres + width / 2.0) / width).floor() as i64;
            first..=last
        };
        let [x, y] = self.project(latitude, longitude);
        let cells = edges(x)
            .flat_map(|column| edges(y).map(move |row| (column, row)))
            .map(|(column, row)| format!("{department}/{category}/{column}/{row}"))
            .collect();
        let reach = rule.radius_m * 1.02;
        let latitude_reach = (reach / EARTH_RADIUS_M).to_degrees();
        let longitude_reach = (reach / self.metres_per_radian_of_longitude).to_degrees();
        Some(Neighbourhood {
            department: department.to_owned(),
            category: category.to_owned(),
            south: latitude - latitude_reach,
            north: latitude + latitude_reach,
            west: longitude - longitude_reach,
            east: longitude + longitude_reach,
            cells,
        })
    }
}

/// The priority of an incident of `reports` reports whose first report had `initial`:
/// every `reports_per_step` reports raise it one level, up to high (critical is for
/// emergencies only, and they start there).
pub fn raised_priority(initial: Priority, reports: u32, reports_per_step: u32) -> Priority {
    let steps = reports / reports_per_step.max(1);
    let mut priority = initial;
    for _ in 0..steps {
        priority = match priority {
            Priority::Low => Priority::Normal,
            Priority::Normal | Priority::High => Priority::High,
            Priority::Critical => Priority::Critical,
        };
    }
    priority
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::time::Duration;

    use super::*;

    const MILAN: f64 = 45.46;

    fn incident(id: &str, category: &str, at: (f64, f64), hours_ago: i64) -> OpenIncident {
        OpenIncident {
            id: id.into(),
            department: "street_lighting".into(),
            category: category.into(),
            latitude: at.0,
            longitude: at.1,
            opened_at: Utc::now() - chrono::Duration::hours(hours_ago),
        }
    }

    fn rule(radius_m: f64, hours: u64) -> DuplicateRule {
        DuplicateRule {
            radius_m,
            window: Duration::from_secs(hours * 3600),
        }
    }

    fn ids(found: Vec<&OpenIncident>) -> Vec<&str> {
        found.into_iter().map(|i| i.id.as_str()).collect()
    }

    #[test]
    fn two_reports_less_than_a_radius_apart_share_a_cell_and_see_each_other() {
        let index = IncidentIndex::new(MILAN, []);
        let rule = rule(30.0, 24);
        let around = |at| {
            index
                .neighbourhood("street_lighting", "lamp_out", at, rule)
                .unwrap()
        };
        // Pairs about 29 m apart in every direction, over many cell edges.
        let step = 29.0 / 111_195.0;
        for i in 0..400 {
            let start = (
                45.46 + f64::from(i) * 0.000_013,
                9.19 + f64::from(i) * 0.000_017,
            );
            let angle = f64::from(i) * 0.37;
            let other = (
                start.0 + step * angle.sin(),
                start.1 + step * angle.cos() / MILAN.to_radians().cos(),
            );
            let (a, b) = (around(start), around(other));
            assert!(
                a.cells.iter().any(|cell| b.cells.contains(cell)),
                "{start:?} and {other:?} share no cell: {:?} {:?}",
                a.cells,
                b.cells
            );
            assert!((1..=4).contains(&a.cells.len()));
            assert!(a.south <= other.0 && other.0 <= a.north);
            assert!(a.west <= other.1 && other.1 <= a.east);
        }
        // Another category's report at the same place locks other cells.
        let bins = index
            .neighbourhood("waste", "bin_full", (45.46, 9.19), rule)
            .unwrap();
        assert!(
            bins.cells
                .iter()
                .all(|cell| !around((45.46, 9.19)).cells.contains(cell))
        );
        assert!(
            index
                .neighbourhood(
                    "street_lighting",
                    "lamp_out",
                    (45.46, 9.19),
                    super::DuplicateRule {
                        radius_m: 0.0,
                        ..rule
                    }
                )
                .is_none()
        );
    }

    #[test]
    fn a_report_finds_the_open_incidents_it_duplicates_nearest_first() {
        let duomo = (45.4642, 9.19);
        let index = IncidentIndex::new(
            MILAN,
            [
                // About 27 m and 14 m from the Duomo.
                incident("far_lamp", "lamp_out", (45.4644, 9.1902), 1),
                incident("near_lamp", "lamp_out", (45.4643, 9.1901), 1),
                // About 44 m away: outside a 30 m radius.
                incident("other_lamp", "lamp_out", (45.4646, 9.19), 1),
                incident("flicker", "lamp_faulty", duomo, 1),
                incident("old", "lamp_out", duomo, 800),
            ],
        );
        let found = index.duplicates_of(
            "street_lighting",
            "lamp_out",
            duomo,
            rule(30.0, 720),
            Utc::now(),
        );
        assert_eq!(ids(found), ["near_lamp", "far_lamp"]);
        assert!(
            index
                .duplicates_of("roads", "lamp_out", duomo, rule(30.0, 720), Utc::now())
                .is_empty()
        );
        assert!(
            index
                .duplicates_of(
                    "street_lighting",
                    "lamp_out",
                    duomo,
                    rule(0.0, 720),
                    Utc::now()
                )
                .is_empty(),
            "a radius of 0 never merges"
        );
    }

    #[test]
    fn incidents_come_and_go() {
        let duomo = (45.4642, 9.19);
        let mut index = IncidentIndex::new(MILAN, []);
        index.insert(incident("a", "lamp_out", duomo, 0));
        index.insert(incident("a", "lamp_out", duomo, 0));
        assert_eq!(index.len(), 1);
        let found = |index: &IncidentIndex| {
            ids(index.duplicates_of(
                "street_lighting",
                "lamp_out",
                duomo,
                rule(30.0, 1),
                Utc::now(),
            ))
            .len()
        };
        assert_eq!(found(&index), 1);
        index.remove("a");
        assert_eq!(found(&index), 0);
        assert!(index.is_empty());
    }

    #[test]
    fn more_reports_raise_the_priority_up_to_high() {
        assert_eq!(raised_priority(Priority::Normal, 1, 3), Priority::Normal);
        assert_eq!(raised_priority(Priority::Normal, 3, 3), Priority::High);
        assert_eq!(raised_priority(Priority::Low, 3, 3), Priority::Normal);
        assert_eq!(raised_priority(Priority::Low, 6, 3), Priority::High);
        assert_eq!(raised_priority(Priority::Normal, 30, 3), Priority::High);
        assert_eq!(
            raised_priority(Priority::Critical, 1, 3),
            Priority::Critical
        );
    }
}
