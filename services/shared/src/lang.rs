//! The languages Segnala speaks to people, and which of them a text is written in.

use std::sync::LazyLock;

/// A language of the public surfaces and replies. Italian is the city's own language
/// and the default.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    It,
    En,
}

/// Detection looks only at the languages Segnala speaks, so that a short Italian
/// text is never taken for Spanish.
static DETECTOR: LazyLock<whatlang::Detector> = LazyLock::new(|| {
    whatlang::Detector::with_allowlist(vec![whatlang::Lang::Ita, whatlang::Lang::Eng])
});

impl Lang {
    pub const ALL: [Self; 2] = [Self::It, Self::En];

    /// The ISO 639-1 code: "it", "en".
    pub fn code(self) -> &'static str {
        match self {
            Self::It => "it",
            Self::En => "en",
        }
    }

    /// A language code or tag such as "it", "en-GB" or "it_IT"; `None` for a language
    /// Segnala does not speak.
    pub fn parse(tag: &str) -> Option<Self> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "it" => Some(Self::It),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The language `text` is most likely written in; `None` when it has no words to
    /// tell by.
    pub fn detect(text: &str) -> Option<Self> {
        match DETECTOR.detect(text)?.lang() {
            whatlang::Lang::Eng => Some(Self::En),
            _ => Some(Self::It),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_name_their_primary_language() {
        assert_eq!(Lang::parse("en-GB"), Some(Lang::En));
        assert_eq!(Lang::parse(" it_IT "), Some(Lang::It));
        assert_eq!(Lang::parse("de"), None);
        assert_eq!(Lang::parse(""), None);
    }

    #[test]
    fn texts_are_told_apart_by_their_words() {
        assert_eq!(
            Lang::detect("Il lampione di via Roma è spento"),
            Some(Lang::It)
        );
        assert_eq!(Lang::detect("The street lamp is out again"), Some(Lang::En));
    }
}
