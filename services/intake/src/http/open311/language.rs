//! The language of an Open311 answer. GeoReport v2 has no language parameter; like
//! Helsinki's and the CitySDK endpoints, a request may name one with `locale`
//! (`locale=en_US`) or `lang`; otherwise `Accept-Language` decides, and otherwise the
//! city's language.

use super::params::Params;

/// The languages Open311 answers in: the city's, and Italian and English, in which the
/// default taxonomy and the status sentences are written.
#[derive(Clone, Debug)]
pub struct Languages {
    spoken: Vec<String>,
}

impl Languages {
    /// `city` first: it is the answer when nothing else decides.
    pub fn new(city: &str) -> Self {
        let mut spoken = vec![primary(city).unwrap_or_else(|| "it".to_owned())];
        for other in ["it", "en"] {
            if !spoken.iter().any(|s| s == other) {
                spoken.push(other.to_owned());
            }
        }
        Self { spoken }
    }

    pub fn city(&self) -> &str {
        &self.spoken[0]
    }

    /// The language `params` or `accept_language` ask for, among those spoken.
    pub fn of_request(&self, params: &Params, accept_language: Option<&str>) -> &str {
        let named = params.get("locale").or_else(|| params.get("lang"));
        named
            .and_then(|tag| self.spoken(tag))
            .or_else(|| accept_language.and_then(|header| self.preferred(header)))
            .unwrap_or_else(|| self.city())
    }

    fn spoken(&self, tag: &str) -> Option<&str> {
        let language = primary(tag)?;
        self.spoken
            .iter()
            .find(|s| **s == language)
            .map(String::as_str)
    }

    /// The spoken language `Accept-Language` rates highest (the first of equals).
    fn preferred(&self, header: &str) -> Option<&str> {
        let mut best: Option<(f32, &str)> = None;
        for range in header.split(',') {
            let (tag, parameters) = range.split_once(';').unwrap_or((range, ""));
            let weight = parameters
                .split(';')
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1.0), |q| q.trim().parse::<f32>().ok());
            if let (Some(weight), Some(language)) = (weight, self.spoken(tag))
                && weight > 0.0
                && best.is_none_or(|(w, _)| weight > w)
            {
                best = Some((weight, language));
            }
        }
        best.map(|(_, language)| language)
    }
}

/// "en" of "en_US", "EN-gb" or "en"; `None` for "*" or nothing.
fn primary(tag: &str) -> Option<String> {
    let language = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
    (language.len() >= 2 && language.chars().all(|c| c.is_ascii_alphabetic())).then_some(language)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::open311::document::Format;

    fn asked(query: &str, header: Option<&str>) -> String {
        let params = Params::parse(Format::Json, Some(query)).unwrap_or_default();
        Languages::new("it").of_request(&params, header).to_owned()
    }

    #[test]
    fn a_named_locale_wins_then_the_header_then_the_city() {
        assert_eq!(asked("locale=en_US", Some("it-IT")), "en");
        assert_eq!(asked("lang=EN", None), "en");
        assert_eq!(asked("locale=fi_FI", Some("en-GB,it;q=0.5")), "en");
        assert_eq!(asked("", Some("de-DE, it;q=0.3, en;q=0.8")), "en");
        assert_eq!(asked("", Some("en;q=0, it")), "it");
        assert_eq!(asked("", Some("fr, *;q=0.1")), "it");
        assert_eq!(asked("", None), "it");
        let german = Languages::new("de-DE");
        assert_eq!(german.city(), "de");
        let params = Params::default();
        assert_eq!(german.of_request(&params, Some("fr")), "de");
    }
}
