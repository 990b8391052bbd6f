//! A Nominatim-compatible geocoder (`/search?format=jsonv2`): OpenStreetMap's own
//! service, a city's installation, or any server that answers the same way. Searches
//! are limited to the rectangle around the city, so that "Via Roma 1" is looked for in
//! the city and not in every town that has one.

use std::time::Duration;

use segnala_shared::{AppError, place::Jurisdiction};
use serde::Deserialize;

use crate::{app::Geocoder, domain::GeoPoint};

/// Candidates asked for: the first one inside the boundary is taken.
const CANDIDATES: &str = "5";

pub struct Nominatim {
    client: reqwest::Client,
    search_url: String,
    /// `west,south,east,north` of the city, when it has a boundary.
    viewbox: Option<String>,
    /// The city's language, for the names Nominatim matches first.
    language: String,
}

/// One result; Nominatim writes the coordinates as strings, some compatible servers as
/// numbers.
#[derive(Deserialize)]
struct Found {
    lat: serde_json::Value,
    lon: serde_json::Value,
}

impl Nominatim {
    /// `url` is the service's base, such as "https://nominatim.openstreetmap.org".
    pub fn new(
        url: &str,
        timeout: Duration,
        jurisdiction: &Jurisdiction,
        language: &str,
    ) -> Result<Self, reqwest::Error> {
        Ok(Self {
            client: segnala_shared::delivery::http_client(timeout)?,
            search_url: format!("{}/search", url.trim_end_matches('/')),
            viewbox: jurisdiction
                .bounds()
                .map(|[west, south, east, north]| format!("{west},{south},{east},{north}")),
            language: language.to_owned(),
        })
    }
}

fn degrees(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::String(text) => text.trim().parse().ok(),
        other => other.as_f64(),
    }
    .filter(|v: &f64| v.is_finite())
}

#[async_trait::async_trait]
impl Geocoder for Nominatim {
    async fn search(&self, address: &str) -> Result<Vec<GeoPoint>, AppError> {
        let unavailable = |e: reqwest::Error| AppError::Unavailable(format!("geocoder: {e}"));
        let mut query = vec![
            ("q", address),
            ("format", "jsonv2"),
            ("limit", CANDIDATES),
            ("accept-language", self.language.as_str()),
        ];
        if let Some(viewbox) = &self.viewbox {
            query.push(("viewbox", viewbox));
            query.push(("bounded", "1"));
        }
        let response = self
            .client
            .get(&self.search_url)
            .query(&query)
            .send()
            .await
            .map_err(unavailable)?;
        if !response.status().is_success() {
            return Err(AppError::Unavailable(format!(
                "geocoder: {} answered {}",
                self.search_url,
                response.status()
            )));
        }
        let body = response.bytes().await.map_err(unavailable)?;
        let found: Vec<Found> = serde_json::from_slice(&body)
            .map_err(|e| AppError::Unavailable(format!("geocoder: not a Nominatim answer: {e}")))?;
        Ok(found
            .iter()
            .filter_map(|f| {
                Some(GeoPoint {
                    latitude: degrees(&f.lat)?,
                    longitude: degrees(&f.lon)?,
                })
            })
            .collect())
    }
}
