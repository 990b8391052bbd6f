//! Camera photos lose what the camera wrote about them and keep their look. The photos
//! are real files tagged by exiftool (Debian's libimage-exiftool-perl, which
//! tests/run.sh installs) the way phones and cameras tag them, and exiftool reads what
//! is left after stripping.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::{path::Path, process::Command};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use segnala_shared::photo::strip_metadata;
use serde_json::{Map, Value};

/// What a phone writes: where, with what, by whom, and which way up (6: the camera
/// was turned, the picture must be rotated 90° clockwise to be seen upright).
const CAMERA_TAGS: &[&str] = &[
    "-GPSLatitude=45.4642",
    "-GPSLatitudeRef=N",
    "-GPSLongitude=9.19",
    "-GPSLongitudeRef=E",
    "-GPSAltitude=120",
    "-Make=Canon",
    "-Model=Canon EOS 80D",
    "-SerialNumber=0123456789",
    "-Artist=Anna Bianchi",
    "-Copyright=Anna Bianchi",
    "-Orientation#=6",
    "-XMP-dc:Creator=Anna Bianchi",
    "-XMP-photoshop:City=Milano",
];

/// 40 × 20 pixels: the left half red, the right half blue.
fn picture() -> RgbImage {
    RgbImage::from_fn(40, 20, |x, _| {
        if x < 20 {
            Rgb([220, 20, 20])
        } else {
            Rgb([20, 20, 220])
        }
    })
}

fn exiftool(args: &[&str]) -> Vec<u8> {
    let output = Command::new("exiftool")
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "exiftool (Debian package libimage-exiftool-perl; tests/run.sh installs it): {e}"
            )
        });
    assert!(
        output.status.success(),
        "exiftool {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

/// A photo in `format` tagged with `tags` by exiftool.
fn tagged_photo(dir: &Path, format: ImageFormat, tags: &[&str]) -> Vec<u8> {
    let path = dir.join(format!("camera.{}", format.extensions_str()[0]));
    DynamicImage::ImageRgb8(picture())
        .save_with_format(&path, format)
        .unwrap();
    let path_text = path.to_str().unwrap();
    let mut args = vec!["-q", "-overwrite_original"];
    args.extend_from_slice(tags);
    args.push(path_text);
    exiftool(&args);
    std::fs::read(&path).unwrap()
}

/// Every tag exiftool reads in `bytes`, named `Group:Tag`.
fn tags(dir: &Path, bytes: &[u8], format: ImageFormat) -> Map<String, Value> {
    let path = dir.join(format!("read.{}", format.extensions_str()[0]));
    std::fs::write(&path, bytes).unwrap();
    let json = exiftool(&["-j", "-G", "-a", path.to_str().unwrap()]);
    let mut files: Vec<Map<String, Value>> = serde_json::from_slice(&json).unwrap();
    files.remove(0)
}

/// Tags that tell where, with what or by whom.
fn revealing(tags: &Map<String, Value>) -> Vec<String> {
    tags.keys()
        .filter(|key| {
            let (group, name) = key.split_once(':').unwrap_or(("", key));
            let metadata = [
                "EXIF",
                "XMP",
                "IPTC",
                "Photoshop",
                "MakerNotes",
                "Composite",
            ]
            .contains(&group)
                && !(group == "Composite" && ["ImageSize", "Megapixels"].contains(&name));
            metadata
                || name.contains("GPS")
                || [
                    "Make",
                    "Model",
                    "Artist",
                    "Creator",
                    "By-line",
                    "City",
                    "Copyright",
                    "SerialNumber",
                    "Comment",
                ]
                .contains(&name)
        })
        .cloned()
        .collect()
}

/// The picture decoded: upright means 20 wide, 40 high, red on top, blue below.
fn assert_upright(bytes: &[u8], exact: bool) {
    let picture = image::load_from_memory(bytes).unwrap().to_rgb8();
    assert_eq!(picture.dimensions(), (20, 40));
    let close = |Rgb(found): Rgb<u8>, wanted: [u8; 3]| {
        let slack = if exact { 0 } else { 24 };
        found
            .iter()
            .zip(wanted)
            .all(|(f, w)| f.abs_diff(w) <= slack)
    };
    assert!(close(*picture.get_pixel(10, 8), [220, 20, 20]));
    assert!(close(*picture.get_pixel(10, 32), [20, 20, 220]));
}

fn check(format: ImageFormat, extra_tags: &[&str], exact: bool) {
    let dir = tempfile::tempdir().unwrap();
    let tags_written: Vec<&str> = CAMERA_TAGS.iter().chain(extra_tags).copied().collect();
    let photo = tagged_photo(dir.path(), format, &tags_written);
    let before = tags(dir.path(), &photo, format);
    for tag in [
        "EXIF:GPSLatitude",
        "EXIF:Make",
        "EXIF:Artist",
        "XMP:Creator",
    ] {
        assert!(before.contains_key(tag), "{format:?} written without {tag}");
    }
    assert_eq!(before["EXIF:Orientation"], "Rotate 90 CW");

    let stripped = strip_metadata(&photo, format.to_mime_type()).unwrap();

    let after = tags(dir.path(), &stripped, format);
    assert_eq!(
        revealing(&after),
        Vec::<String>::new(),
        "{format:?}: {after:#?}"
    );
    let width = after
        .iter()
        .find(|(key, _)| key.ends_with(":ImageWidth"))
        .map(|(_, value)| value.clone());
    assert_eq!(width, Some(Value::from(20)), "{format:?}");
    assert_upright(&stripped, exact);
}

#[test]
fn a_camera_jpeg_loses_gps_device_owner_xmp_and_iptc_and_stands_upright() {
    check(
        ImageFormat::Jpeg,
        &[
            "-IPTC:By-line=Anna Bianchi",
            "-IPTC:City=Milano",
            "-Comment=scattata dal balcone di casa",
        ],
        false,
    );
}

#[test]
fn a_png_loses_its_exif_and_xmp_and_stands_upright() {
    check(ImageFormat::Png, &[], true);
}

#[test]
fn a_webp_loses_its_exif_and_xmp_and_stands_upright() {
    check(ImageFormat::WebP, &[], true);
}

#[test]
fn a_gif_keeps_its_frames_and_loses_comments_and_xmp() {
    let dir = tempfile::tempdir().unwrap();
    let photo = tagged_photo(
        dir.path(),
        ImageFormat::Gif,
        &[
            "-Comment=Anna Bianchi, via Roma 3",
            "-XMP-dc:Creator=Anna Bianchi",
        ],
    );
    let before = tags(dir.path(), &photo, ImageFormat::Gif);
    assert!(before.contains_key("XMP:Creator"), "{before:#?}");

    let stripped = strip_metadata(&photo, "image/gif").unwrap();

    let after = tags(dir.path(), &stripped, ImageFormat::Gif);
    assert_eq!(revealing(&after), Vec::<String>::new(), "{after:#?}");
    let picture = image::load_from_memory(&stripped).unwrap();
    assert_eq!((picture.width(), picture.height()), (40, 20));
}
