//! Photos attached to a report: links the citizen gave, or files uploaded with it.

/// More photos than this in one report are refused.
pub const MAX_MEDIA_PER_REPORT: usize = 5;
const MAX_URL_CHARS: usize = 2000;

#[derive(Clone, Debug, PartialEq)]
pub enum MediaDraft {
    /// A public link to the photo (Open311 `media_url`).
    Url(String),
    /// The photo itself, already checked to be an image (see [`sniff_image`]).
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
    Heic,
}

impl MediaKind {
    pub fn content_type(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::Gif => "image/gif",
            Self::Webp => "image/webp",
            Self::Heic => "image/heic",
        }
    }

    pub fn from_content_type(text: &str) -> Option<Self> {
        [Self::Jpeg, Self::Png, Self::Gif, Self::Webp, Self::Heic]
            .into_iter()
            .find(|k| k.content_type() == text)
    }
}

/// What kind of image `bytes` holds, judged by its magic bytes; `None` when it is not
/// one intake accepts.
pub fn sniff_image(bytes: &[u8]) -> Option<MediaKind> {
    match infer::get(bytes)?.mime_type() {
        "image/jpeg" => Some(MediaKind::Jpeg),
        "image/png" => Some(MediaKind::Png),
        "image/gif" => Some(MediaKind::Gif),
        "image/webp" => Some(MediaKind::Webp),
        "image/heif" | "image/heic" => Some(MediaKind::Heic),
        _ => None,
    }
}

impl MediaDraft {
    /// A photo from uploaded bytes, or a description of why they are refused.
    pub fn upload(bytes: bytes::Bytes, max_bytes: usize) -> Result<Self, String> {
        if bytes.is_empty() {
            return Err("the file is empty".into());
        }
        if bytes.len() > max_bytes {
            return Err(format!(
                "the file has {} bytes; at most {max_bytes} are accepted",
                bytes.len()
            ));
        }
        let kind =
            sniff_image(&bytes).ok_or("is not a JPEG, PNG, GIF, WebP or HEIC image".to_string())?;
        Ok(Self::Upload(Upload { kind, bytes }))
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

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

    #[test]
    fn images_are_told_by_their_bytes() {
        assert_eq!(sniff_image(PNG), Some(MediaKind::Png));
        assert_eq!(
            sniff_image(b"\xff\xd8\xff\xe0\0\x10JFIF\0"),
            Some(MediaKind::Jpeg)
        );
        assert_eq!(sniff_image(b"<html><script>"), None);
        assert_eq!(sniff_image(b"%PDF-1.7\n"), None);
    }

    #[test]
    fn uploads_are_checked() {
        let png = bytes::Bytes::from_static(PNG);
        assert!(MediaDraft::upload(png.clone(), 1024).is_ok());
        assert!(MediaDraft::upload(png, 8).is_err_and(|e| e.contains("at most 8")));
        assert!(
            MediaDraft::upload(bytes::Bytes::from_static(b"plain text, no image"), 1024).is_err()
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
