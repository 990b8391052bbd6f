//! Photos of the work: only real pictures, not too big, taken near the problem.

use super::Location;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhotoKind {
    Before,
    After,
}

impl PhotoKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Before => "before",
            Self::After => "after",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        [Self::Before, Self::After]
            .into_iter()
            .find(|k| k.as_str() == text)
    }
}

/// A checked photo.
#[derive(Clone, Debug, PartialEq)]
pub struct Photo {
    pub kind: PhotoKind,
    pub content_type: &'static str,
    pub content: Vec<u8>,
    pub location: Option<Location>,
    /// From the order's location, when both are known.
    pub distance_meters: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum PhotoError {
    #[error("is empty")]
    Empty,
    #[error("is {size} bytes; at most {limit} are accepted")]
    TooLarge { size: usize, limit: usize },
    #[error("is not a JPEG, PNG or WebP picture{}", .found.map(|f| format!(" (it looks like {f})")).unwrap_or_default())]
    NotAPicture { found: Option<&'static str> },
    #[error("was taken {distance:.0} m from the problem; at most {limit:.0} m are accepted")]
    TooFar { distance: f64, limit: f64 },
    #[error("latitude must be between -90 and 90 and longitude between -180 and 180")]
    BadLocation,
}

impl PhotoError {
    /// The request field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::TooFar { .. } | Self::BadLocation => "location",
            _ => "content",
        }
    }
}

const ACCEPTED: [&str; 3] = ["image/jpeg", "image/png", "image/webp"];

impl Photo {
    /// Checks the bytes (by their magic numbers, not by what the client claims), the
    /// size and, when both are known, the distance from the order's location.
    pub fn check(
        kind: PhotoKind,
        content: Vec<u8>,
        location: Option<Location>,
        order_location: Option<Location>,
        max_bytes: usize,
        max_distance_meters: f64,
    ) -> Result<Self, PhotoError> {
        if content.is_empty() {
            return Err(PhotoError::Empty);
        }
        if content.len() > max_bytes {
            return Err(PhotoError::TooLarge {
                size: content.len(),
                limit: max_bytes,
            });
        }
        let detected = infer::get(&content).map(|t| t.mime_type());
        let content_type = detected
            .and_then(|mime| ACCEPTED.into_iter().find(|accepted| *accepted == mime))
            .ok_or(PhotoError::NotAPicture { found: detected })?;
        if let Some(l) = location
            && !((-90.0..=90.0).contains(&l.latitude) && (-180.0..=180.0).contains(&l.longitude))
        {
            return Err(PhotoError::BadLocation);
        }
        let distance_meters = location
            .zip(order_location)
            .map(|(a, b)| distance_meters(a, b));
        if let Some(distance) = distance_meters
            && distance > max_distance_meters
        {
            return Err(PhotoError::TooFar {
                distance,
                limit: max_distance_meters,
            });
        }
        Ok(Self {
            kind,
            content_type,
            content,
            location,
            distance_meters,
        })
    }
}

/// Great-circle distance (haversine), plenty exact for "is the crew at the lamp".
pub fn distance_meters(a: Location, b: Location) -> f64 {
    const EARTH_RADIUS_M: f64 = 6_371_008.8;
    let (lat1, lat2) = (a.latitude.to_radians(), b.latitude.to_radians());
    let d_lat = lat2 - lat1;
    let d_lon = (b.longitude - a.longitude).to_radians();
    let h = (d_lat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (d_lon / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * h.sqrt().asin()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const PNG: &[u8] = &[
        0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D,
    ];
    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj";

    fn at(latitude: f64, longitude: f64) -> Option<Location> {
        Some(Location {
            latitude,
            longitude,
        })
    }

    #[test]
    fn photos_are_checked_by_content_size_and_place() {
        let lamp = at(45.4642, 9.19);
        let photo = Photo::check(
            PhotoKind::After,
            PNG.to_vec(),
            at(45.4643, 9.19),
            lamp,
            1024,
            200.0,
        );
        assert_eq!(photo.map(|p| p.content_type), Ok("image/png"));
        assert_eq!(
            Photo::check(PhotoKind::After, PDF.to_vec(), None, lamp, 1024, 200.0),
            Err(PhotoError::NotAPicture {
                found: Some("application/pdf")
            })
        );
        assert!(matches!(
            Photo::check(PhotoKind::After, PNG.to_vec(), None, lamp, 4, 200.0),
            Err(PhotoError::TooLarge { size: 12, limit: 4 })
        ));
        let far = Photo::check(
            PhotoKind::Before,
            PNG.to_vec(),
            at(45.4742, 9.19),
            lamp,
            1024,
            200.0,
        );
        assert!(
            matches!(far, Err(PhotoError::TooFar { distance, .. }) if (distance - 1112.0).abs() < 5.0)
        );
    }
}
