//! The geocoders behind [`crate::app::Geocoder`]: a Nominatim-compatible service when
//! `[intake.geocoder] url` is set, else the street index of the example city shipped
//! with Segnala.

mod nominatim;
mod streets;

use std::{sync::Arc, time::Duration};

use segnala_shared::place::Jurisdiction;

pub use nominatim::Nominatim;
pub use streets::StreetIndex;

use crate::{app::Geocoder, settings::GeocoderSettings};

/// The geocoder the settings name, for addresses in `jurisdiction` written in
/// `language`.
pub fn from_settings(
    settings: &GeocoderSettings,
    jurisdiction: &Jurisdiction,
    language: &str,
) -> Result<Arc<dyn Geocoder>, String> {
    if !settings.url.is_empty() {
        let timeout = Duration::from_millis(settings.timeout_ms);
        let nominatim = Nominatim::new(&settings.url, timeout, jurisdiction, language)
            .map_err(|e| format!("intake.geocoder: HTTP client: {e}"))?;
        return Ok(Arc::new(nominatim));
    }
    let streets = StreetIndex::example_city()
        .map_err(|e| format!("the embedded street index: {e}"))?
        .within(jurisdiction);
    if streets.is_empty() {
        tracing::warn!(
            city = %jurisdiction.name,
            "no geocoder: the embedded street index knows only the example city; set [intake.geocoder] url, or reports with an address and no coordinates stay without a position"
        );
    }
    Ok(Arc::new(streets))
}
