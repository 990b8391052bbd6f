//! Public tracking codes: twelve Crockford base-32 symbols (60 random bits) shown as
//! `7KQ2-M9XA-4BRT`. Unguessable, easy to read aloud and to type on a phone: input is
//! case-insensitive, dashes and spaces are ignored, and the look-alikes O, I and L are
//! read as 0, 1 and 1.

use std::fmt;

const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
const SYMBOLS: usize = 12;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TrackingCode(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a tracking code has 12 letters and digits, like 7KQ2-M9XA-4BRT")]
pub struct InvalidTrackingCode;

impl TrackingCode {
    /// A fresh code from the operating system's random source.
    pub fn generate() -> Self {
        let symbols: String = (0..SYMBOLS)
            .map(|_| char::from(ALPHABET[rand::random_range(0..ALPHABET.len())]))
            .collect();
        Self::from_symbols(&symbols)
    }

    /// Reads a code as a citizen may type it.
    pub fn parse(input: &str) -> Result<Self, InvalidTrackingCode> {
        let mut symbols = String::with_capacity(SYMBOLS);
        for c in input.chars() {
            let c = match c.to_ascii_uppercase() {
                '-' | ' ' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c if c.is_ascii() && ALPHABET.contains(&(c as u8)) => c,
                _ => return Err(InvalidTrackingCode),
            };
            symbols.push(c);
        }
        if symbols.len() != SYMBOLS {
            return Err(InvalidTrackingCode);
        }
        Ok(Self::from_symbols(&symbols))
    }

    fn from_symbols(symbols: &str) -> Self {
        Self(format!(
            "{}-{}-{}",
            &symbols[0..4],
            &symbols[4..8],
            &symbols[8..12]
        ))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TrackingCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The resource name of a report, `reports/{tracking_code}`.
pub fn report_name(code: &TrackingCode) -> String {
    format!("reports/{code}")
}

/// Reads `reports/{tracking_code}`.
pub fn parse_report_name(name: &str) -> Result<TrackingCode, InvalidTrackingCode> {
    name.strip_prefix("reports/")
        .ok_or(InvalidTrackingCode)
        .and_then(TrackingCode::parse)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_parse_back_and_differ() {
        let a = TrackingCode::generate();
        let b = TrackingCode::generate();
        assert_ne!(a, b);
        assert_eq!(TrackingCode::parse(a.as_str()), Ok(a.clone()));
        assert_eq!(a.as_str().len(), 14);
    }

    #[test]
    fn typing_variants_are_forgiven() {
        let code = TrackingCode::parse("7KQ2-M9XA-4BR1").ok();
        assert_eq!(TrackingCode::parse("7kq2 m9xa 4brl").ok(), code);
        assert_eq!(TrackingCode::parse("7KQ2M9XA4BRI").ok(), code);
        assert_eq!(
            TrackingCode::parse("7KQ2-M9XA-4BR"),
            Err(InvalidTrackingCode)
        );
        assert_eq!(
            TrackingCode::parse("7KQ2-M9XA-4BRU"),
            Err(InvalidTrackingCode)
        );
        assert_eq!(parse_report_name("reports/7KQ2-M9XA-4BR1").ok(), code);
        assert!(parse_report_name("7KQ2-M9XA-4BR1").is_err());
    }
}
