//! Photos of the work: only real pictures, not too big, taken near the problem, kept
//! without what the camera wrote into them (GPS, device, owner).

use segnala_shared::photo::strip_metadata;

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
    #[error("cannot be read as a picture: {0}")]
    Unreadable(String),
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

/// A picture checked by its bytes (their magic numbers, not what the client claims)
/// and encoded again without its metadata.
#[derive(Clone, Debug, PartialEq)]
pub struct PhotoContent {
    pub content_type: &'static str,
    pub bytes: Vec<u8>,
}

impl PhotoContent {
    /// Decoding a phone's photo and encoding it again takes a good part of a second:
    /// servers call this on a blocking thread.
    pub fn clean(content: &[u8], max_bytes: usize) -> Result<Self, PhotoError> {
        if content.is_empty() {
            return Err(PhotoError::Empty);
        }
        if content.len() > max_bytes {
            return Err(PhotoError::TooLarge {
                size: content.len(),
                limit: max_bytes,
            });
        }
        let detected = infer::get(content).map(|t| t.mime_type());
        let content_type = detected
            .and_then(|mime| ACCEPTED.into_iter().find(|accepted| *accepted == mime))
            .ok_or(PhotoError::NotAPicture { found: detected })?;
        let bytes = strip_metadata(content, content_type)
            .map_err(|e| PhotoError::Unreadable(e.to_string()))?;
        Ok(Self {
            content_type,
            bytes,
        })
    }
}

impl Photo {
    /// Checks, when both are known, the distance from the order's location.
    pub fn check(
        kind: PhotoKind,
        content: PhotoContent,
        location: Option<Location>,
        order_location: Option<Location>,
        max_distance_meters: f64,
    ) -> Result<Self, PhotoError> {
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
            content_type: content.content_type,
            content: content.bytes,
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

    /// One transparent pixel, with a text chunk naming who took it.
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\x13tEXtAuthor\0Anna Bianchi\x9d\xa4\x9b\xf5\0\0\0\x0bIDATx\xdac`\0\x02\0\0\x05\0\x01\xe9\xfa\xdc\xd8\0\0\0\0IEND\xaeB`\x82";
    const PDF: &[u8] = b"%PDF-1.7\n1 0 obj";

    fn at(latitude: f64, longitude: f64) -> Option<Location> {
        Some(Location {
            latitude,
            longitude,
        })
    }

    #[test]
    fn pictures_are_checked_by_their_bytes_and_kept_without_metadata() {
        let clean = PhotoContent::clean(PNG, 1024).unwrap();
        assert_eq!(clean.content_type, "image/png");
        assert!(
            !clean.bytes.windows(5).any(|w| w == b"Anna "),
            "the author is gone"
        );
        assert_eq!(
            PhotoContent::clean(PDF, 1024),
            Err(PhotoError::NotAPicture {
                found: Some("application/pdf")
            })
        );
        assert!(matches!(
            PhotoContent::clean(PNG, 4),
            Err(PhotoError::TooLarge { limit: 4, .. })
        ));
        assert!(matches!(
            PhotoContent::clean(&PNG[..20], 1024),
            Err(PhotoError::Unreadable(_))
        ));
    }

    #[test]
    fn photos_are_checked_by_place() {
        let lamp = at(45.4642, 9.19);
        let content = || PhotoContent::clean(PNG, 1024).unwrap();
        let photo = Photo::check(PhotoKind::After, content(), at(45.4643, 9.19), lamp, 200.0);
        assert_eq!(photo.map(|p| p.content_type), Ok("image/png"));
        let far = Photo::check(PhotoKind::Before, content(), at(45.4742, 9.19), lamp, 200.0);
        assert!(
            matches!(far, Err(PhotoError::TooFar { distance, .. }) if (distance - 1112.0).abs() < 5.0)
        );
        assert_eq!(
            Photo::check(PhotoKind::Before, content(), at(91.0, 9.19), lamp, 200.0),
            Err(PhotoError::BadLocation)
        );
    }
}
