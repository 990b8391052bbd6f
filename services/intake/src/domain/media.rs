//! Photos attached to a report: links the citizen gave, or files uploaded with it.
//! Uploaded files are kept only as pictures encoded again without what the camera
//! wrote into them (GPS position, device, owner): see [`segnala_shared::photo`].

use segnala_shared::photo::{PhotoError, strip_metadata};

/// More photos than this in one report are refused.
pub const MAX_MEDIA_PER_REPORT: usize = 5;
const MAX_URL_CHARS: usize = 2000;

#[derive(Clone, Debug, PartialEq)]
pub enum MediaDraft {
    /// A public link to the photo (Open311 `media_url`).
    Url(String),
    /// The photo itself, checked to be an image (see [`sniff_image`]) and stripped
    /// of its metadata.
    Upload(Upload),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Upload {
    pub kind: MediaKind,
    pub bytes: bytes::Bytes,
}

/// The image formats intake keeps, told apart by their first bytes (never by the name
/// or the type the client declared).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Jpeg,
    Png,
    Gif,
    Webp,
}

impl MediaKind {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
        }
    }
}

/// What kind of image `bytes` holds, judged by its magic bytes: one intake accepts,
/// or why not.
pub fn sniff_image(bytes: &[u8]) -> Result<MediaKind, PhotoError> {
    match infer::get(bytes).map(|kind| kind.mime_type()) {
        Some("image/jpeg") => Ok(MediaKind::Jpeg),
        Some("image/png") => Ok(MediaKind::Png),
        Some("image/gif") => Ok(MediaKind::Gif),
        Some("image/webp") => Ok(MediaKind::Webp),
        Some("image/heif" | "image/heic") => Err(PhotoError::Heic),
        found => Err(PhotoError::Unsupported {
            content_type: found.unwrap_or("a file of unknown type").to_owned(),
        }),
    }
}

impl MediaDraft {
    /// A photo from uploaded bytes, encoded again without its metadata, or why the
    /// bytes are refused. Decoding and encoding a phone's photo takes a good part of a
    /// second: servers call this on a blocking thread.
    pub fn upload(bytes: &[u8], max_bytes: usize) -> Result<Self, String> {
        if bytes.is_empty() {
            return Err("the file is empty".into());
        }
        if bytes.len() > max_bytes {
            return Err(format!(
                "the file has {} bytes; at most {max_bytes} are accepted",
                bytes.len()
            ));
        }
        let kind = sniff_image(bytes).map_err(|e| e.to_string())?;
        let clean = strip_metadata(bytes, kind.content_type()).map_err(|e| e.to_string())?;
        Ok(Self::Upload(Upload {
            kind,
            bytes: clean.into(),
        }))
    }

    pub(super) fn check(&self) -> Result<(), String> {
        match self {
            Self::Url(url) => {
                let lower = url.to_ascii_lowercase();
                if !(lower.starts_with("https://") || lower.starts_with("http://")) {
                    return Err("must be an http:// or https:// URL".into());
                }
                if url.chars().count() > MAX_URL_CHARS || url.chars().any(char::is_whitespace) {
                    return Err(format!(
                        "must be one URL of at most {MAX_URL_CHARS} characters"
                    ));
                }
                Ok(())
            }
            Self::Upload(_) => Ok(()),
        }
    }
}

/// Longest reason an operator may give for hiding or showing a photo.
const MAX_REASON_CHARS: usize = 500;

/// Whether the public sees a photo, and every time an operator changed that.
#[derive(Clone, Debug, PartialEq)]
pub struct PhotoVisibility {
    pub id: uuid::Uuid,
    /// The report it came with.
    pub tracking_code: segnala_shared::tracking_code::TrackingCode,
    pub hidden: bool,
    /// Oldest first.
    pub changes: Vec<VisibilityChange>,
}

/// An operator hid a photo from the public, or showed it again.
#[derive(Clone, Debug, PartialEq)]
pub struct VisibilityChange {
    pub hidden: bool,
    /// The key's name.
    pub operator: String,
    pub reason: String,
    pub changed_at: chrono::DateTime<chrono::Utc>,
}

impl VisibilityChange {
    /// The change, or why the reason is refused: the record must say why.
    pub fn new(
        hidden: bool,
        operator: &str,
        reason: &str,
        changed_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Self, String> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err("is required: say why, for the record".into());
        }
        if reason.chars().count() > MAX_REASON_CHARS {
            return Err(format!("must be at most {MAX_REASON_CHARS} characters"));
        }
        Ok(Self {
            hidden,
            operator: operator.to_owned(),
            reason: reason.to_owned(),
            changed_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One transparent pixel, with a text chunk naming who took it.
    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\x13tEXtAuthor\0Anna Bianchi\x9d\xa4\x9b\xf5\0\0\0\x0bIDATx\xdac`\0\x02\0\0\x05\0\x01\xe9\xfa\xdc\xd8\0\0\0\0IEND\xaeB`\x82";

    #[test]
    fn images_are_told_by_their_bytes() {
        assert_eq!(sniff_image(PNG), Ok(MediaKind::Png));
        assert_eq!(
            sniff_image(b"\xff\xd8\xff\xe0\0\x10JFIF\0"),
            Ok(MediaKind::Jpeg)
        );
        assert!(sniff_image(b"<html><script>").is_err());
        assert!(
            sniff_image(b"%PDF-1.7\n").is_err_and(|e| e.to_string().contains("application/pdf"))
        );
        assert_eq!(
            sniff_image(b"\0\0\0\x18ftypheic\0\0\0\0mif1heic"),
            Err(PhotoError::Heic)
        );
    }

    #[test]
    fn uploads_are_checked_and_kept_without_their_metadata() {
        let Ok(MediaDraft::Upload(upload)) = MediaDraft::upload(PNG, 1024) else {
            panic!("a PNG is taken");
        };
        assert_eq!(upload.kind, MediaKind::Png);
        assert!(upload.bytes.starts_with(b"\x89PNG"));
        assert!(
            !upload.bytes.windows(5).any(|w| w == b"Anna "),
            "the author is gone"
        );
        assert!(MediaDraft::upload(PNG, 8).is_err_and(|e| e.contains("at most 8")));
        assert!(MediaDraft::upload(b"plain text, no image", 1024).is_err());
        assert!(
            MediaDraft::upload(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 1024)
                .is_err_and(|e| e.contains("cannot be read"))
        );
        assert!(
            MediaDraft::Url("javascript:alert(1)".into())
                .check()
                .is_err()
        );
        assert!(
            MediaDraft::Url("https://example.org/a.jpg".into())
                .check()
                .is_ok()
        );
    }
}
