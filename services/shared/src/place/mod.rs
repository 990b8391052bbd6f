//! The place a city serves: its boundary and the zones (municipi, wards) inside it,
//! read from GeoJSON. Intake refuses locations outside the boundary; triage names the
//! zone of every report and lets zones steer routing.

use std::{collections::HashSet, path::Path};

use geo::{BoundingRect, Intersects, MultiPolygon, Point};

use crate::config::ConfigError;

/// The settings key that names the jurisdiction file.
pub const SETTINGS_KEY: &str = "jurisdiction_path";

/// The example city shipped with Segnala: Milan's boundary and its nine municipi,
/// simplified to a few dozen points (drawn for Segnala, not surveyed).
const EXAMPLE_CITY: &str = include_str!("milano.geojson");

/// A city's boundary and zones.
#[derive(Clone, Debug)]
pub struct Jurisdiction {
    pub id: String,
    pub name: String,
    boundary: MultiPolygon<f64>,
    zones: Vec<Zone>,
}

/// A part of the city with its own id, such as "municipio_3".
#[derive(Clone, Debug)]
pub struct Zone {
    pub id: String,
    pub name: String,
    area: MultiPolygon<f64>,
}

/// Where a point falls.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place<'a> {
    Outside,
    /// Inside the boundary; in no zone when the zones leave a gap there.
    Inside {
        zone: Option<&'a str>,
    },
}

#[derive(Debug, thiserror::Error)]
#[error("jurisdiction {source_name}: {key}: {message}")]
pub struct JurisdictionError {
    source_name: String,
    key: String,
    message: String,
}

impl Jurisdiction {
    /// The example city, used when no file is configured.
    pub fn example_city() -> Result<Self, JurisdictionError> {
        Self::parse(EXAMPLE_CITY, "(example city)")
    }

    /// The jurisdiction in `path`, or the example city when there is none; errors name
    /// the settings key and the feature that is wrong.
    pub fn load(path: Option<&Path>) -> Result<Self, ConfigError> {
        let invalid = |message: String| ConfigError::invalid(SETTINGS_KEY, message);
        match path {
            None => Self::example_city().map_err(|e| invalid(e.to_string())),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| invalid(format!("{}: {e}", path.display())))?;
                Self::parse(&text, &path.display().to_string()).map_err(|e| invalid(e.to_string()))
            }
        }
    }

    /// Parses a GeoJSON FeatureCollection: one feature with `"kind": "boundary"` and
    /// any number with `"kind": "zone"`, each with an `id` and a `name` property and a
    /// Polygon or MultiPolygon geometry in longitude/latitude (WGS 84).
    pub fn parse(text: &str, source_name: &str) -> Result<Self, JurisdictionError> {
        let error = |key: &str, message: String| JurisdictionError {
            source_name: source_name.to_owned(),
            key: key.to_owned(),
            message,
        };
        let collection: geojson::FeatureCollection = text
            .parse()
            .map_err(|e| error("(file)", format!("not a GeoJSON FeatureCollection: {e}")))?;
        let mut boundary = None;
        let mut zones: Vec<Zone> = Vec::new();
        let mut zone_ids = HashSet::new();
        for (i, feature) in collection.features.iter().enumerate() {
            let key = |field: &str| format!("features[{i}].{field}");
            let text_property = |name: &str| {
                feature
                    .property(name)
                    .and_then(|v| v.as_str())
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        error(
                            &key(&format!("properties.{name}")),
                            "must be a non-empty string".into(),
                        )
                    })
            };
            let kind = text_property("kind")?;
            let id = text_property("id")?;
            let name = text_property("name")?;
            check_id(&id).map_err(|m| error(&key("properties.id"), m))?;
            let area = area(feature).map_err(|m| error(&key("geometry"), m))?;
            match kind.as_str() {
                "boundary" if boundary.is_some() => {
                    return Err(error(
                        &key("properties.kind"),
                        "a second boundary: the file must have exactly one".into(),
                    ));
                }
                "boundary" => boundary = Some((id, name, area)),
                "zone" => {
                    if !zone_ids.insert(id.clone()) {
                        return Err(error(
                            &key("properties.id"),
                            format!("zone `{id}` is defined twice"),
                        ));
                    }
                    zones.push(Zone { id, name, area });
                }
                other => {
                    return Err(error(
                        &key("properties.kind"),
                        format!("`{other}`: must be \"boundary\" or \"zone\""),
                    ));
                }
            }
        }
        let Some((id, name, boundary)) = boundary else {
            return Err(error(
                "features",
                "no feature with \"kind\": \"boundary\"".into(),
            ));
        };
        if let Some(zone) = zones.iter().find(|z| !z.area.intersects(&boundary)) {
            return Err(error(
                "features",
                format!("zone `{}` lies entirely outside the boundary", zone.id),
            ));
        }
        Ok(Self {
            id,
            name,
            boundary,
            zones,
        })
    }

    /// Where a point falls: outside, or inside and in which zone. Points on a border
    /// count as inside; a point on the border of two zones belongs to the first.
    pub fn locate(&self, latitude: f64, longitude: f64) -> Place<'_> {
        let point = Point::new(longitude, latitude);
        if !self.boundary.intersects(&point) {
            return Place::Outside;
        }
        Place::Inside {
            zone: self
                .zones
                .iter()
                .find(|z| z.area.intersects(&point))
                .map(|z| z.id.as_str()),
        }
    }

    /// The rectangle around the boundary: west, south, east and north edges, in
    /// degrees of longitude and latitude.
    pub fn bounds(&self) -> Option<[f64; 4]> {
        self.boundary
            .bounding_rect()
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y])
    }

    /// The latitude halfway between the boundary's northernmost and southernmost
    /// points: where a flat map of the city is least distorted.
    pub fn middle_latitude(&self) -> f64 {
        self.boundary
            .bounding_rect()
            .map(|r| (r.min().y + r.max().y) / 2.0)
            .unwrap_or_default()
    }

    pub fn zones(&self) -> impl Iterator<Item = &Zone> {
        self.zones.iter()
    }

    pub fn zone(&self, id: &str) -> Option<&Zone> {
        self.zones.iter().find(|z| z.id == id)
    }
}

fn area(feature: &geojson::Feature) -> Result<MultiPolygon<f64>, String> {
    let geometry = feature.geometry.as_ref().ok_or("is missing")?;
    let area = match geo::Geometry::<f64>::try_from(geometry).map_err(|e| e.to_string())? {
        geo::Geometry::Polygon(polygon) => MultiPolygon::new(vec![polygon]),
        geo::Geometry::MultiPolygon(polygons) => polygons,
        _ => return Err("must be a Polygon or a MultiPolygon".into()),
    };
    let outside_the_globe = area.0.iter().any(|polygon| {
        polygon
            .exterior()
            .coords()
            .chain(polygon.interiors().iter().flat_map(|ring| ring.coords()))
            .any(|c| !((-180.0..=180.0).contains(&c.x) && (-90.0..=90.0).contains(&c.y)))
    });
    if outside_the_globe {
        return Err("coordinates must be [longitude, latitude] within ±180 and ±90".into());
    }
    if area.0.iter().any(|p| p.exterior().0.len() < 4) {
        return Err("every ring needs at least four positions".into());
    }
    Ok(area)
}

fn check_id(id: &str) -> Result<(), String> {
    if id
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        Ok(())
    } else {
        Err(format!(
            "`{id}`: ids are lower-case letters, digits and underscores"
        ))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn milan() -> Jurisdiction {
        Jurisdiction::example_city().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_example_city_places_its_landmarks_in_their_municipi() {
        let milan = milan();
        assert_eq!(milan.id, "milano");
        assert_eq!(milan.zones().count(), 9);
        assert!((milan.middle_latitude() - 45.46).abs() < 0.01);
        assert_eq!(milan.bounds(), Some([9.0413, 45.3887, 9.2855, 45.5405]));
        for (latitude, longitude, zone) in [
            (45.4642, 9.19, "municipio_1"),   // Duomo
            (45.4855, 9.2042, "municipio_2"), // Stazione Centrale
            (45.4781, 9.2275, "municipio_3"), // Città Studi
            (45.4478, 9.2402, "municipio_4"), // Corvetto
            (45.4289, 9.1860, "municipio_5"), // Vigentino
            (45.4372, 9.1476, "municipio_6"), // Barona
            (45.4620, 9.0870, "municipio_7"), // Baggio
            (45.5032, 9.1393, "municipio_8"), // Gallaratese
            (45.5180, 9.1890, "municipio_9"), // Niguarda
        ] {
            assert_eq!(
                milan.locate(latitude, longitude),
                Place::Inside { zone: Some(zone) },
                "{latitude}, {longitude}"
            );
        }
        // Monza, Turin and a swapped pair of coordinates are not Milan's.
        assert_eq!(milan.locate(45.5845, 9.2744), Place::Outside);
        assert_eq!(milan.locate(45.0703, 7.6869), Place::Outside);
        assert_eq!(milan.locate(9.19, 45.4642), Place::Outside);
    }

    #[test]
    fn the_example_city_covers_the_load_harness_extent() {
        let milan = milan();
        for latitude in [45.42, 45.47, 45.52] {
            for longitude in [9.10, 9.18, 9.26] {
                assert!(
                    matches!(
                        milan.locate(latitude, longitude),
                        Place::Inside { zone: Some(_) }
                    ),
                    "{latitude}, {longitude}"
                );
            }
        }
    }

    fn feature(kind: &str, id: &str, ring: &str) -> String {
        format!(
            r#"{{"type": "Feature", "properties": {{"kind": "{kind}", "id": "{id}", "name": "N"}},
               "geometry": {{"type": "Polygon", "coordinates": [{ring}]}}}}"#
        )
    }

    fn collection(features: &[String]) -> String {
        format!(
            r#"{{"type": "FeatureCollection", "features": [{}]}}"#,
            features.join(",")
        )
    }

    const SQUARE: &str = "[[9,45],[10,45],[10,46],[9,46],[9,45]]";
    const FAR: &str = "[[0,0],[1,0],[1,1],[0,1],[0,0]]";

    fn error_of(text: &str) -> String {
        Jurisdiction::parse(text, "city.geojson")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn errors_name_the_feature_that_is_wrong() {
        let ok = collection(&[
            feature("boundary", "city", SQUARE),
            feature("zone", "north", SQUARE),
        ]);
        assert!(
            Jurisdiction::parse(&ok, "city.geojson").is_ok(),
            "{}",
            error_of(&ok)
        );
        assert_eq!(
            error_of(&collection(&[feature("zone", "north", SQUARE)])),
            "jurisdiction city.geojson: features: no feature with \"kind\": \"boundary\""
        );
        assert_eq!(
            error_of(&collection(&[
                feature("boundary", "city", SQUARE),
                feature("zone", "north", SQUARE),
                feature("zone", "north", SQUARE),
            ])),
            "jurisdiction city.geojson: features[2].properties.id: zone `north` is defined twice"
        );
        assert_eq!(
            error_of(&collection(&[
                feature("boundary", "city", SQUARE),
                feature("ward", "north", SQUARE),
            ])),
            "jurisdiction city.geojson: features[1].properties.kind: `ward`: must be \"boundary\" or \"zone\""
        );
        assert_eq!(
            error_of(&collection(&[
                feature("boundary", "city", SQUARE),
                feature("zone", "away", FAR),
            ])),
            "jurisdiction city.geojson: features: zone `away` lies entirely outside the boundary"
        );
        assert_eq!(
            error_of(&collection(&[feature(
                "boundary",
                "city",
                "[[9,45],[10,95],[10,46],[9,45]]"
            )])),
            "jurisdiction city.geojson: features[0].geometry: coordinates must be [longitude, latitude] within ±180 and ±90"
        );
        assert_eq!(
            error_of(&collection(&[feature("boundary", "Città", SQUARE)])),
            "jurisdiction city.geojson: features[0].properties.id: `Città`: ids are lower-case letters, digits and underscores"
        );
        assert!(
            error_of("{\"type\": \"Point\"}")
                .starts_with("jurisdiction city.geojson: (file): not a GeoJSON FeatureCollection")
        );
    }
}
