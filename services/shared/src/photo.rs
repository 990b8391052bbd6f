//! Photos without what the camera wrote about them. A phone's JPEG tells where it
//! was taken (GPS), with which device, often by whom (Artist, Copyright, XMP and
//! IPTC authors); a citizen's photo of a pothole must not publish their home's
//! position. [`strip_metadata`] decodes the picture and encodes its pixels alone
//! again, in the same format, so that nothing but the picture survives. The EXIF
//! orientation is applied to the pixels first: the photo looks as it did.
//!
//! HEIC/HEIF is refused: no decoder in pure Rust reads it, and its metadata cannot
//! be dropped safely without one. Pure work on bytes, no I/O.

use std::io::Cursor;

use image::{
    AnimationDecoder, DynamicImage, ImageDecoder, ImageFormat, ImageReader, Limits,
    codecs::{
        gif::{GifDecoder, GifEncoder, Repeat},
        jpeg::JpegEncoder,
        png::PngEncoder,
        webp::WebPEncoder,
    },
};

/// The JPEG quality photos are encoded again with: no visible loss on a phone's
/// photo of a street.
const JPEG_QUALITY: u8 = 90;

/// The most memory a picture may take once decoded: a 48-megapixel photo fits, a
/// small file that unpacks to gigabytes does not.
const MAX_DECODED_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    #[error(
        "HEIC/HEIF photos are not accepted: their location and camera data cannot be removed; \
         please send a JPEG (on an iPhone: Settings › Camera › Formats › Most Compatible)"
    )]
    Heic,
    #[error("{content_type} is not a photo format accepted (JPEG, PNG, WebP or GIF)")]
    Unsupported { content_type: String },
    #[error("the file is not a {expected} picture")]
    NotThatFormat { expected: &'static str },
    #[error("the picture cannot be read: {0}")]
    Unreadable(String),
}

/// The picture in `bytes`, of type `content_type` (`image/jpeg`, `image/png`,
/// `image/webp`, `image/gif`), encoded again without any metadata: no EXIF, XMP,
/// IPTC or comments; turned upright by its EXIF orientation; same format.
pub fn strip_metadata(bytes: &[u8], content_type: &str) -> Result<Vec<u8>, PhotoError> {
    let format = match content_type {
        "image/jpeg" => ImageFormat::Jpeg,
        "image/png" => ImageFormat::Png,
        "image/webp" => ImageFormat::WebP,
        "image/gif" => ImageFormat::Gif,
        "image/heic" | "image/heif" => return Err(PhotoError::Heic),
        other => {
            return Err(PhotoError::Unsupported {
                content_type: other.to_owned(),
            });
        }
    };
    if image::guess_format(bytes).ok() != Some(format) {
        return Err(PhotoError::NotThatFormat {
            expected: format.to_mime_type(),
        });
    }
    let unreadable = |e: image::ImageError| PhotoError::Unreadable(e.to_string());
    if format == ImageFormat::Gif {
        return strip_gif(bytes).map_err(unreadable);
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(limits());
    let mut decoder = reader.into_decoder().map_err(unreadable)?;
    let orientation = decoder.orientation().map_err(unreadable)?;
    // The colour profile is no personal data, and without it a wide-gamut photo
    // would look washed out.
    let icc = decoder.icc_profile().ok().flatten();
    let mut picture = DynamicImage::from_decoder(decoder).map_err(unreadable)?;
    picture.apply_orientation(orientation);
    let mut out = Vec::new();
    match format {
        ImageFormat::Jpeg => {
            let picture = match picture {
                DynamicImage::ImageLuma8(_) => picture,
                other => DynamicImage::ImageRgb8(other.to_rgb8()),
            };
            let mut encoder = JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
            with_icc(&mut encoder, icc);
            picture.write_with_encoder(encoder).map_err(unreadable)?;
        }
        ImageFormat::Png => {
            let mut encoder = PngEncoder::new(&mut out);
            with_icc(&mut encoder, icc);
            picture.write_with_encoder(encoder).map_err(unreadable)?;
        }
        _ => {
            // image encodes WebP losslessly only: bigger, never worse.
            let picture = if picture.color().has_alpha() {
                DynamicImage::ImageRgba8(picture.to_rgba8())
            } else {
                DynamicImage::ImageRgb8(picture.to_rgb8())
            };
            let mut encoder = WebPEncoder::new_lossless(&mut out);
            with_icc(&mut encoder, icc);
            picture.write_with_encoder(encoder).map_err(unreadable)?;
        }
    }
    Ok(out)
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    limits
}

/// Encoders that cannot embed a profile go without it.
fn with_icc(encoder: &mut impl image::ImageEncoder, icc: Option<Vec<u8>>) {
    if let Some(icc) = icc {
        let _unsupported = encoder.set_icc_profile(icc);
    }
}

/// Every frame of a GIF, with its timing, and nothing else (no comments, no XMP
/// application blocks). GIFs carry no orientation.
fn strip_gif(bytes: &[u8]) -> Result<Vec<u8>, image::ImageError> {
    let mut decoder = GifDecoder::new(Cursor::new(bytes))?;
    decoder.set_limits(limits())?;
    let frames = decoder.into_frames().collect_frames()?;
    let mut out = Vec::new();
    {
        let mut encoder = GifEncoder::new(&mut out);
        encoder.set_repeat(Repeat::Infinite)?;
        encoder.encode_frames(frames)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heic_and_other_files_are_refused_with_a_reason() {
        assert_eq!(
            strip_metadata(b"\0\0\0\x18ftypheic", "image/heic"),
            Err(PhotoError::Heic)
        );
        assert!(matches!(
            strip_metadata(b"%PDF-1.7", "application/pdf"),
            Err(PhotoError::Unsupported { .. })
        ));
        assert_eq!(
            strip_metadata(b"%PDF-1.7", "image/jpeg"),
            Err(PhotoError::NotThatFormat {
                expected: "image/jpeg"
            })
        );
        assert!(matches!(
            strip_metadata(b"\xff\xd8\xff\xe0 truncated", "image/jpeg"),
            Err(PhotoError::Unreadable(_))
        ));
    }
}
