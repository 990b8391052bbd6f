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

    /// The language to answer a request in: the one `query` (a `?lang=` parameter)
    /// names, if Segnala speaks it; else the one the `Accept-Language` header prefers
    /// among those it speaks; else `default`.
    pub fn negotiate(query: Option<&str>, accept_language: Option<&str>, default: Lang) -> Lang {
        query
            .and_then(Self::parse)
            .or_else(|| accept_language.and_then(|header| Self::preferred(header, default)))
            .unwrap_or(default)
    }

    /// The language Segnala speaks that `header` weighs highest, the first listed on a
    /// tie; `None` if it accepts none of them. A language weighs what the best range
    /// naming it says (`it`, `it-IT`), or else what `*` says, which on a tie stands for
    /// `default`; weight 0 refuses it.
    fn preferred(header: &str, default: Lang) -> Option<Lang> {
        let ranges: Vec<(Option<Lang>, f32)> = header.split(',').filter_map(range).collect();
        let weight = |lang: Lang| {
            let named = ranges
                .iter()
                .enumerate()
                .filter_map(|(i, &(named, q))| (named == Some(lang)).then_some((q, i, ())));
            heaviest(named).or_else(|| {
                let (i, &(_, q)) = ranges.iter().enumerate().find(|(_, r)| r.0.is_none())?;
                Some((q, i, ()))
            })
        };
        let candidates =
            std::iter::once(default).chain(Self::ALL.into_iter().filter(|l| *l != default));
        let accepted = candidates.filter_map(|lang| {
            let (q, i, ()) = weight(lang)?;
            (q > 0.0).then_some((q, i, lang))
        });
        heaviest(accepted).map(|(_, _, lang)| lang)
    }

    /// The language most of `words` (lower case) belong to, counted against two lists
    /// of common words; Italian, the city's own, when undecided. For texts too short
    /// for [`Lang::detect`]: a chat message of four words, or where a trained model
    /// depends on its callers' own lists.
    pub fn by_common_words<'a>(
        words: impl IntoIterator<Item = &'a str>,
        italian: &[&str],
        english: &[&str],
    ) -> Lang {
        let (mut in_italian, mut in_english) = (0usize, 0usize);
        for word in words {
            in_italian += usize::from(italian.contains(&word));
            in_english += usize::from(english.contains(&word));
        }
        if in_english > in_italian {
            Self::En
        } else {
            Self::It
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

/// The item of the highest weight, the earliest (by position, then order) on a tie.
fn heaviest<T>(items: impl Iterator<Item = (f32, usize, T)>) -> Option<(f32, usize, T)> {
    items.fold(None, |best, item| match &best {
        Some((q, i, _)) if *q > item.0 || (*q == item.0 && *i <= item.1) => best,
        _ => Some(item),
    })
}

/// One range of an `Accept-Language` header: a language Segnala speaks (`None` for
/// `*`) and its weight; `None` for a language it does not speak or a broken weight.
fn range(text: &str) -> Option<(Option<Lang>, f32)> {
    let mut parts = text.split(';');
    let tag = parts.next()?.trim();
    let weight = match parts.find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim().eq_ignore_ascii_case("q").then_some(value)
    }) {
        None => 1.0,
        Some(value) => value
            .trim()
            .parse::<f32>()
            .ok()
            .filter(|q| (0.0..=1.0).contains(q))?,
    };
    let lang = if tag == "*" {
        None
    } else {
        Some(Lang::parse(tag)?)
    };
    Some((lang, weight))
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
    fn the_query_wins_then_the_best_accepted_language_then_the_default() {
        let negotiate = |query, header| Lang::negotiate(query, header, Lang::It);
        assert_eq!(negotiate(Some("en"), Some("it-IT")), Lang::En);
        assert_eq!(negotiate(Some("xx"), Some("en-GB,it;q=0.5")), Lang::En);
        assert_eq!(negotiate(None, Some("de-DE, it;q=0.3, en;q=0.8")), Lang::En);
        assert_eq!(negotiate(None, Some("fr")), Lang::It);
        assert_eq!(negotiate(None, None), Lang::It);
        assert_eq!(Lang::negotiate(None, None, Lang::En), Lang::En);
        assert_eq!(Lang::negotiate(Some(""), Some(""), Lang::En), Lang::En);
    }

    #[test]
    fn region_tags_count_for_their_language() {
        let negotiate = |header| Lang::negotiate(None, Some(header), Lang::En);
        assert_eq!(negotiate("it-IT"), Lang::It);
        assert_eq!(negotiate("it_IT;q=0.9, en-US;q=0.8"), Lang::It);
        assert_eq!(negotiate("en-GB;q=0.4, it-CH;q=0.2, it;q=0.6"), Lang::It);
        // Equal weights: the first listed wins.
        assert_eq!(negotiate("en-US, it-IT"), Lang::En);
        assert_eq!(negotiate("IT, en"), Lang::It);
    }

    #[test]
    fn weight_zero_refuses_a_language() {
        let negotiate = |header, default| Lang::negotiate(None, Some(header), default);
        assert_eq!(negotiate("en;q=0, it", Lang::It), Lang::It);
        assert_eq!(negotiate("en;q=0", Lang::En), Lang::En);
        assert_eq!(negotiate("it;q=0.0, en;q=0.1", Lang::It), Lang::En);
        assert_eq!(negotiate("*, it;q=0", Lang::It), Lang::En);
    }

    #[test]
    fn a_wildcard_stands_for_the_languages_not_named() {
        let negotiate = |header, default| Lang::negotiate(None, Some(header), default);
        assert_eq!(negotiate("*", Lang::En), Lang::En);
        assert_eq!(negotiate("fr, *;q=0.5", Lang::It), Lang::It);
        assert_eq!(negotiate("*;q=0.5, en;q=0.8", Lang::It), Lang::En);
        assert_eq!(negotiate("en;q=0.4, *;q=0.5", Lang::It), Lang::It);
        // `*` makes both languages as welcome: the default wins.
        assert_eq!(negotiate("de, *", Lang::En), Lang::En);
        assert_eq!(negotiate("*;q=0", Lang::En), Lang::En);
    }

    #[test]
    fn garbage_is_ignored() {
        let negotiate = |header| Lang::negotiate(None, Some(header), Lang::It);
        for header in [
            "",
            ",,,",
            ";;;",
            "q=1",
            "en;q=",
            "en;q=abc",
            "en;q=1.5",
            "en;q=-1",
            "en;q=NaN",
            "en;q=inf",
            "e\u{301}n, ü;q=1",
            "en-;-;q=0.9=1",
        ] {
            assert_eq!(negotiate(header), Lang::It, "{header:?}");
        }
        assert_eq!(negotiate("en;q=abc, en-GB;q=0.7"), Lang::En);
        assert_eq!(negotiate(" en ; Q = 0.7 , xx"), Lang::En);
        assert_eq!(negotiate("en;level=1;q=0.5"), Lang::En);
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
