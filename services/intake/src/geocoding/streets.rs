//! The embedded geocoder: a street index of the example city, used when no geocoder
//! is configured. It finds the street an address names ("C.so Buenos Aires 33,
//! Milano") and answers the street's middle; house numbers are not known.

use segnala_shared::{
    AppError,
    place::{Jurisdiction, Place},
};

use crate::{app::Geocoder, domain::GeoPoint};

/// Streets of the example city, one a line: name, latitude, longitude, tab-separated.
const EXAMPLE_CITY: &str = include_str!("streets-milano.tsv");

/// How addresses shorten street types; what each stands for.
const ABBREVIATIONS: [(&str, &str); 11] = [
    ("v", "via"),
    ("vle", "viale"),
    ("cso", "corso"),
    ("pza", "piazza"),
    ("pzza", "piazza"),
    ("p.za", "piazza"),
    ("p.zza", "piazza"),
    ("ple", "piazzale"),
    ("p.le", "piazzale"),
    ("v.le", "viale"),
    ("c.so", "corso"),
];

#[derive(Clone, Debug)]
pub struct StreetIndex {
    streets: Vec<Street>,
}

#[derive(Clone, Debug)]
struct Street {
    /// The name's words, folded as addresses are.
    words: Vec<String>,
    point: GeoPoint,
}

impl StreetIndex {
    /// The example city's streets.
    pub fn example_city() -> Result<Self, String> {
        Self::parse(EXAMPLE_CITY)
    }

    /// Reads `name<TAB>latitude<TAB>longitude` lines; `#` starts a comment line.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut streets = Vec::new();
        for (number, line) in text.lines().enumerate() {
            let line = line.trim_end();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bad = |what: &str| format!("line {}: {what}: {line}", number + 1);
            let mut fields = line.split('\t');
            let (Some(name), Some(latitude), Some(longitude), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(bad("expected a name, a latitude and a longitude"));
            };
            let coordinate =
                |text: &str| text.trim().parse::<f64>().map_err(|_| bad("not a number"));
            let words = words(name);
            if words.is_empty() {
                return Err(bad("no name"));
            }
            streets.push(Street {
                words,
                point: GeoPoint {
                    latitude: coordinate(latitude)?,
                    longitude: coordinate(longitude)?,
                },
            });
        }
        Ok(Self { streets })
    }

    /// Only the streets inside `jurisdiction`: a city that is not the example one
    /// keeps none of them, rather than places in another city.
    pub fn within(self, jurisdiction: &Jurisdiction) -> Self {
        Self {
            streets: self
                .streets
                .into_iter()
                .filter(|s| {
                    jurisdiction.locate(s.point.latitude, s.point.longitude) != Place::Outside
                })
                .collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.streets.len()
    }

    pub fn is_empty(&self) -> bool {
        self.streets.is_empty()
    }

    /// The street `address` names; the longest name wins ("Piazzale Loreto" over a
    /// shorter one inside it).
    pub fn find(&self, address: &str) -> Option<GeoPoint> {
        let address = words(address);
        self.streets
            .iter()
            .filter(|street| {
                address
                    .windows(street.words.len())
                    .any(|window| window == street.words.as_slice())
            })
            .max_by_key(|street| street.words.len())
            .map(|street| street.point)
    }
}

#[async_trait::async_trait]
impl Geocoder for StreetIndex {
    async fn search(&self, address: &str) -> Result<Vec<GeoPoint>, AppError> {
        Ok(self.find(address).into_iter().collect())
    }
}

/// An address as words to compare: lower case, without accents, apostrophes and
/// punctuation, its abbreviated street types written out.
fn words(text: &str) -> Vec<String> {
    text.split([' ', ',', '\t', '\n'])
        .filter(|word| !word.is_empty())
        .flat_map(|word| {
            let folded: String = word.chars().map(fold).collect();
            let expanded = ABBREVIATIONS
                .iter()
                .find(|(short, _)| folded.trim_end_matches('.') == *short)
                .map_or(folded, |(_, long)| (*long).to_owned());
            expanded
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Lower case, with the accents of Italian (and the apostrophe's forms) taken off.
fn fold(c: char) -> char {
    match c.to_lowercase().next().unwrap_or(c) {
        'à' | 'á' | 'â' | 'ä' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        '’' | '`' => '\'',
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn milan() -> (Jurisdiction, StreetIndex) {
        let (Ok(city), Ok(index)) = (Jurisdiction::example_city(), StreetIndex::example_city())
        else {
            panic!("the example city and its streets load");
        };
        (city, index)
    }

    #[test]
    fn every_street_of_the_index_lies_in_the_example_city() {
        let (city, index) = milan();
        let count = index.len();
        assert!(count >= 50, "{count} streets");
        assert_eq!(index.within(&city).len(), count);
    }

    #[test]
    fn addresses_find_their_street_however_they_are_written() {
        let (city, index) = milan();
        let zone = |address: &str| {
            index
                .find(address)
                .map(|p| match city.locate(p.latitude, p.longitude) {
                    Place::Inside { zone } => zone.unwrap_or_default().to_owned(),
                    Place::Outside => "outside".to_owned(),
                })
        };
        assert_eq!(
            zone("Piazza del Duomo 1, Milano").as_deref(),
            Some("municipio_1")
        );
        assert_eq!(zone("piazza del duomo").as_deref(), Some("municipio_1"));
        for written in [
            "Corso Buenos Aires 33, 20124 Milano",
            "C.so Buenos Aires, 33",
            "CORSO BUENOS AIRES",
        ] {
            assert_eq!(
                index.find(written),
                index.find("Corso Buenos Aires"),
                "{written}"
            );
        }
        assert!(index.find("Corso Buenos Aires").is_some());
        assert_eq!(
            index.find("P.za Duca d’Aosta"),
            index.find("Piazza Duca d'Aosta")
        );
        assert!(index.find("Piazza Duca d'Aosta").is_some());
        assert_eq!(index.find("Via dei Cipressi 4, Roccacannuccia"), None);
        assert_eq!(index.find(""), None);
    }

    #[test]
    fn a_city_other_than_the_example_keeps_none_of_its_streets() {
        let (_, index) = milan();
        let elsewhere = Jurisdiction::parse(
            r#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"kind":"boundary","id":"torino","name":"Torino"},"geometry":{"type":"Polygon","coordinates":[[[7.6,45.0],[7.75,45.0],[7.75,45.12],[7.6,45.12],[7.6,45.0]]]}}]}"#,
            "test",
        );
        let Ok(elsewhere) = elsewhere else {
            panic!("the test boundary parses");
        };
        assert!(index.within(&elsewhere).is_empty());
    }

    #[test]
    fn malformed_lines_are_named() {
        assert!(StreetIndex::parse("Via Roma\t45.1\n").is_err_and(|e| e.contains("line 1")));
        assert!(
            StreetIndex::parse("# c\nVia Roma\tnord\t9.1\n").is_err_and(|e| e.contains("line 2"))
        );
    }
}
