//! Finding where an address is. Intake places every report that comes with an address
//! and no coordinates; the chat channels ask the same port when a citizen types where
//! the problem is. The answer is kept only inside the city's boundary, like any other
//! position.

use segnala_shared::{
    AppError,
    place::{Jurisdiction, Place},
};

use crate::domain::GeoPoint;

/// Looks addresses up: a Nominatim-compatible service, or the city's street index.
#[async_trait::async_trait]
pub trait Geocoder: Send + Sync {
    /// The places `address` may be, best first; empty when it names none. An error
    /// means the geocoder could not be asked (down, too slow, a malformed answer).
    async fn search(&self, address: &str) -> Result<Vec<GeoPoint>, AppError>;
}

/// Where an address is, as far as the city is concerned.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Located {
    /// Inside the city, here.
    At(GeoPoint),
    /// Found, but only outside the city's boundary.
    Outside,
    /// Not found, or the geocoder could not be asked: the place is unknown.
    Unknown,
}

/// Looks `address` up and keeps the first place inside `jurisdiction`.
pub async fn locate(
    geocoder: &dyn Geocoder,
    jurisdiction: &Jurisdiction,
    address: &str,
) -> Located {
    let places = match geocoder.search(address).await {
        Ok(places) => places,
        Err(error) => {
            tracing::warn!(%error, "geocoding failed; the report keeps its address without a position");
            return Located::Unknown;
        }
    };
    let inside = places
        .iter()
        .find(|p| jurisdiction.locate(p.latitude, p.longitude) != Place::Outside);
    match (inside, places.is_empty()) {
        (Some(point), _) => Located::At(*point),
        (None, false) => Located::Outside,
        (None, true) => Located::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed(Result<Vec<GeoPoint>, AppError>);

    #[async_trait::async_trait]
    impl Geocoder for Fixed {
        async fn search(&self, _: &str) -> Result<Vec<GeoPoint>, AppError> {
            match &self.0 {
                Ok(places) => Ok(places.clone()),
                Err(_) => Err(AppError::Unavailable("geocoder down".into())),
            }
        }
    }

    const DUOMO: GeoPoint = GeoPoint {
        latitude: 45.4642,
        longitude: 9.19,
    };
    const MONZA: GeoPoint = GeoPoint {
        latitude: 45.5845,
        longitude: 9.2744,
    };

    #[tokio::test]
    async fn the_first_place_inside_the_city_is_kept() {
        let Ok(city) = Jurisdiction::example_city() else {
            panic!("the example city does not load");
        };
        let at = |places: Vec<GeoPoint>| {
            let city = &city;
            async move { locate(&Fixed(Ok(places)), city, "Via Dante").await }
        };
        assert_eq!(at(vec![MONZA, DUOMO]).await, Located::At(DUOMO));
        assert_eq!(at(vec![MONZA]).await, Located::Outside);
        assert_eq!(at(Vec::new()).await, Located::Unknown);
        let down = Fixed(Err(AppError::Unavailable(String::new())));
        assert_eq!(locate(&down, &city, "Via Dante").await, Located::Unknown);
    }
}
