//! How long removing a photo's metadata takes on one core: a phone-sized JPEG (12
//! megapixels, 4000 × 3000) and a chat-sized one (1280 × 960), decoded, turned upright
//! and encoded again.
//!
//!     cargo bench -p segnala-shared --bench photo
//!
//! Each measure runs for a few seconds after one warm-up and prints photos/s and the
//! time per photo.

// A benchmark whose photo cannot be made or stripped has nothing to measure: it stops.
#![allow(clippy::expect_used)]

use std::{
    hint::black_box,
    io::Cursor,
    time::{Duration, Instant},
};

use image::{DynamicImage, ImageFormat, Rgb, RgbImage};
use segnala_shared::photo::strip_metadata;

const MEASURE: Duration = Duration::from_secs(5);

/// A picture with detail, so that the encoder has work like a street photo's.
fn photo(width: u32, height: u32) -> Vec<u8> {
    let picture = RgbImage::from_fn(width, height, |x, y| {
        let wave = ((x / 7 + y / 5) % 64) as u8;
        Rgb([wave.wrapping_mul(3), (x % 251) as u8, (y % 241) as u8])
    });
    let mut bytes = Cursor::new(Vec::new());
    DynamicImage::ImageRgb8(picture)
        .write_to(&mut bytes, ImageFormat::Jpeg)
        .expect("encode the test photo");
    bytes.into_inner()
}

fn main() {
    for (label, width, height) in [
        ("phone, 4000 × 3000", 4000, 3000),
        ("chat, 1280 × 960", 1280, 960),
    ] {
        let jpeg = photo(width, height);
        black_box(strip_metadata(&jpeg, "image/jpeg").expect("strips"));
        let started = Instant::now();
        let mut done = 0u32;
        while started.elapsed() < MEASURE {
            black_box(strip_metadata(black_box(&jpeg), "image/jpeg").expect("strips"));
            done += 1;
        }
        let elapsed = started.elapsed().as_secs_f64();
        println!(
            "{label} ({} KiB): {:.2} photos/s, {:.0} ms each",
            jpeg.len() / 1024,
            f64::from(done) / elapsed,
            elapsed * 1000.0 / f64::from(done)
        );
    }
}
