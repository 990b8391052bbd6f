//! How many texts per second one core redacts, over the built-in evaluation set:
//! invented citizen reports in Italian and English, most of them with personal data.
//!
//!     cargo bench -p segnala-shared --bench redaction
//!
//! Each measure runs for a few seconds after a warm-up and prints texts/s and MB/s.

use std::{
    hint::black_box,
    time::{Duration, Instant},
};

use segnala_shared::{
    lang::Lang,
    redaction::{evaluation, find, redact, redact_text},
};

const WARM_UP: Duration = Duration::from_millis(500);
const MEASURE: Duration = Duration::from_secs(3);

fn main() {
    let texts: Vec<String> = [evaluation::DEV, evaluation::HELD_OUT]
        .into_iter()
        .flat_map(|source| evaluation::parse(source).unwrap_or_default())
        .map(|example| example.text)
        .collect();
    assert!(!texts.is_empty(), "the built-in set has texts");
    let bytes: usize = texts.iter().map(String::len).sum();
    println!(
        "{} texts, {} bytes on average, one thread",
        texts.len(),
        bytes / texts.len()
    );
    measure("find", &texts, bytes, |t| find(t).len());
    measure("redact (Italian markers)", &texts, bytes, |t| {
        redact(t, Lang::It).len()
    });
    measure("redact_text (language detected)", &texts, bytes, |t| {
        redact_text(t, None).len()
    });
}

fn measure(name: &str, texts: &[String], bytes: usize, work: impl Fn(&str) -> usize) {
    let run = |until: Duration| {
        let start = Instant::now();
        let mut rounds = 0u64;
        while start.elapsed() < until {
            for text in texts {
                black_box(work(black_box(text)));
            }
            rounds += 1;
        }
        (rounds, start.elapsed())
    };
    run(WARM_UP);
    let (rounds, elapsed) = run(MEASURE);
    let seconds = elapsed.as_secs_f64();
    let per_second = rounds as f64 * texts.len() as f64 / seconds;
    let megabytes = rounds as f64 * bytes as f64 / seconds / 1e6;
    println!("{name:<34} {per_second:>10.0} texts/s {megabytes:>8.1} MB/s");
}
