//! Photos as phones make them, and what exiftool (Debian's libimage-exiftool-perl,
//! which tests/run.sh installs) reads in them: real files tagged the way phones and
//! cameras tag them, to check that nothing of it reaches the public.

use std::{path::Path, process::Command};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use serde_json::{Map, Value};

/// The smallest valid PNG: one transparent pixel.
pub const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\x0bIDATx\xdac`\0\x02\0\0\x05\0\x01\xe9\xfa\xdc\xd8\0\0\0\0IEND\xaeB`\x82";

/// What a phone writes: where, with what, by whom, and which way up (6: the camera
/// was turned, the picture must be rotated 90° clockwise to be seen upright).
pub const CAMERA_TAGS: &[&str] = &[
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
pub fn tagged_photo(dir: &Path, format: ImageFormat, tags: &[&str]) -> Vec<u8> {
    let path = dir.join(format!("camera.{}", format.extensions_str()[0]));
    DynamicImage::ImageRgb8(picture())
        .save_with_format(&path, format)
        .expect("test photo");
    let path_text = path.to_str().expect("test photo");
    let mut args = vec!["-q", "-overwrite_original"];
    args.extend_from_slice(tags);
    args.push(path_text);
    exiftool(&args);
    std::fs::read(&path).expect("test photo")
}

/// Every tag exiftool reads in `bytes`, named `Group:Tag`.
pub fn tags(dir: &Path, bytes: &[u8], format: ImageFormat) -> Map<String, Value> {
    let path = dir.join(format!("read.{}", format.extensions_str()[0]));
    std::fs::write(&path, bytes).expect("test photo");
    let json = exiftool(&["-j", "-G", "-a", path.to_str().expect("test photo")]);
    let mut files: Vec<Map<String, Value>> = serde_json::from_slice(&json).expect("test photo");
    files.remove(0)
}

/// Tags that tell where, with what or by whom.
pub fn revealing(tags: &Map<String, Value>) -> Vec<String> {
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
pub fn assert_upright(bytes: &[u8], exact: bool) {
    let picture = image::load_from_memory(bytes)
        .expect("test photo")
        .to_rgb8();
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

/// A phone's JPEG: the picture of [`assert_upright`], taken turned, tagged with
/// [`CAMERA_TAGS`].
pub fn camera_jpeg() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("a temporary directory");
    tagged_photo(dir.path(), ImageFormat::Jpeg, CAMERA_TAGS)
}

/// Asserts that `bytes`, as the platform serves or keeps them, are the picture of
/// [`camera_jpeg`] with nothing of the camera's tags left, standing upright.
pub fn assert_without_camera_metadata(bytes: &[u8]) {
    let format = image::guess_format(bytes).expect("the served bytes are a picture");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let found = tags(dir.path(), bytes, format);
    assert_eq!(revealing(&found), Vec::<String>::new(), "{found:#?}");
    assert_upright(bytes, format != ImageFormat::Jpeg);
}

/// True when both are the same picture, pixel by pixel.
pub fn same_picture(a: &[u8], b: &[u8]) -> bool {
    let decode = |bytes: &[u8]| image::load_from_memory(bytes).map(|p| p.to_rgba8());
    matches!((decode(a), decode(b)), (Ok(a), Ok(b)) if a == b)
}
