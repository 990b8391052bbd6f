//! Text normalisation shared by the rules and the model: lower case, accents removed
//! (NFKD, combining marks dropped), words split on anything not alphanumeric, and
//! Snowball stems in the language the text seems to be written in.

use rust_stemmers::{Algorithm, Stemmer};
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

/// Lower-case words without accents: "Più LUCI spente!" → ["piu", "luci", "spente"].
pub fn words(text: &str) -> Vec<String> {
    let folded: String = text
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect();
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Language {
    Italian,
    English,
}

const ITALIAN_WORDS: &[&str] = &[
    "il", "lo", "la", "i", "gli", "le", "di", "del", "della", "dei", "delle", "e", "che", "non",
    "un", "una", "per", "con", "sul", "sulla", "nel", "nella", "da", "dal", "alla", "al", "sono",
    "c", "ci", "piu", "molto", "via", "davanti",
];
const ENGLISH_WORDS: &[&str] = &[
    "the", "a", "an", "of", "and", "is", "are", "in", "on", "at", "to", "for", "with", "has",
    "have", "been", "this", "there", "outside", "not", "it", "road", "street", "please",
];

/// The language of most of the function words; Italian when undecided (the city's own).
pub fn language(words: &[String]) -> Language {
    let (mut italian, mut english) = (0, 0);
    for word in words {
        italian += usize::from(ITALIAN_WORDS.contains(&word.as_str()));
        english += usize::from(ENGLISH_WORDS.contains(&word.as_str()));
    }
    if english > italian {
        Language::English
    } else {
        Language::Italian
    }
}

/// Stems words with the Snowball stemmer of each language.
pub struct Stemmers {
    italian: Stemmer,
    english: Stemmer,
}

impl Default for Stemmers {
    fn default() -> Self {
        Self {
            italian: Stemmer::create(Algorithm::Italian),
            english: Stemmer::create(Algorithm::English),
        }
    }
}

impl Stemmers {
    pub fn stem(&self, language: Language, word: &str) -> String {
        match language {
            Language::Italian => self.italian.stem(word).into_owned(),
            Language::English => self.english.stem(word).into_owned(),
        }
    }
}

/// A keyword as the rules match it: its words, each matching a text word that starts
/// with it when it has five letters or more ("lampion" → "lampioni"), or only itself
/// when shorter ("bin" is not "binario", "fire" is not "fireworks").
#[derive(Clone, Debug)]
pub struct Keyword {
    pub text: String,
    /// Each word, and whether it matches as a prefix.
    words: Vec<(String, bool)>,
}

impl Keyword {
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            words: words(text)
                .into_iter()
                .map(|w| {
                    let prefix = w.chars().count() >= 5;
                    (w, prefix)
                })
                .collect(),
        }
    }

    /// How many words the keyword has (longer keywords are stronger evidence).
    pub fn word_count(&self) -> usize {
        self.words.len()
    }

    /// Where the keyword starts in `text`, each time it occurs.
    pub fn positions<'a>(&'a self, text: &'a [String]) -> impl Iterator<Item = usize> + 'a {
        let n = self.words.len();
        (0..text.len().saturating_sub(n.saturating_sub(1)))
            .filter(move |&start| n > 0 && self.matches_at(text, start))
    }

    pub fn occurs_in(&self, text: &[String]) -> bool {
        self.positions(text).next().is_some()
    }

    fn matches_at(&self, text: &[String], start: usize) -> bool {
        self.words
            .iter()
            .enumerate()
            .all(|(i, (keyword_word, prefix))| {
                text.get(start + i).is_some_and(|word| {
                    if *prefix {
                        word.starts_with(keyword_word.as_str())
                    } else {
                        word == keyword_word
                    }
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_lose_case_and_accents() {
        assert_eq!(
            words("Più LUCI, città—perché?"),
            ["piu", "luci", "citta", "perche"]
        );
    }

    #[test]
    fn the_language_follows_the_function_words() {
        assert_eq!(
            language(&words("Il lampione della via è spento")),
            Language::Italian
        );
        assert_eq!(
            language(&words("The lamp on the street is out")),
            Language::English
        );
    }

    #[test]
    fn stems_join_the_forms_of_a_word() {
        let stemmers = Stemmers::default();
        assert_eq!(
            stemmers.stem(Language::Italian, "lampioni"),
            stemmers.stem(Language::Italian, "lampione")
        );
        assert_eq!(
            stemmers.stem(Language::English, "potholes"),
            stemmers.stem(Language::English, "pothole")
        );
    }

    #[test]
    fn short_keywords_match_whole_words_and_long_ones_prefixes() {
        let text = words("Il binario è pieno di rifiuti; bin overflowing; fireworks");
        assert!(!Keyword::new("bin").positions(&text[..3]).any(|_| true));
        assert!(Keyword::new("bin").occurs_in(&text));
        assert!(Keyword::new("rifiut").occurs_in(&text));
        assert!(!Keyword::new("fire").occurs_in(&text));
        assert_eq!(
            Keyword::new("pieno di")
                .positions(&text)
                .collect::<Vec<_>>(),
            [3]
        );
    }
}
