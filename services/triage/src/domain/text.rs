//! Text normalisation shared by the rules and the model: lower case, accents removed
//! (NFKD, combining marks dropped), words split on anything not alphanumeric, and
//! Snowball stems in the language the text seems to be written in.

use std::{cell::RefCell, collections::HashMap};

use rust_stemmers::{Algorithm, Stemmer};
use segnala_shared::lang::Lang;
use unicode_normalization::{UnicodeNormalization, char::is_combining_mark};

use super::index::typed_index;

/// Lower-case words without accents: "Più LUCI spente!" → ["piu", "luci", "spente"].
pub fn words(text: &str) -> Vec<String> {
    // Most reports are plain ASCII: decomposing them would change nothing.
    let folded: String = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else {
        text.nfkd()
            .filter(|c| !is_combining_mark(*c))
            .flat_map(char::to_lowercase)
            .collect()
    };
    folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
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
/// The model's stems are taken in this language, so it is part of what a trained model
/// means: a guess by other means would stem some reports in the other language, and
/// route them otherwise.
pub fn language(words: &[String]) -> Lang {
    Lang::by_common_words(
        words.iter().map(String::as_str),
        ITALIAN_WORDS,
        ENGLISH_WORDS,
    )
}

/// The language of a text: `known` when its sender said, else a guess from its words.
pub fn language_of(text: &str, known: Option<Lang>) -> Lang {
    known.unwrap_or_else(|| language(&words(text)))
}

/// `italian` or `english`, whichever is in `lang`.
pub fn in_language<'a>(lang: Lang, italian: &'a str, english: &'a str) -> &'a str {
    match lang {
        Lang::It => italian,
        Lang::En => english,
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

/// Words a thread remembers the stems of: reports reuse a few thousand words, so most
/// are stemmed once; past the bound the thread starts afresh, whatever it is sent.
const REMEMBERED_STEMS: usize = 20_000;

thread_local! {
    /// Stems already found on this thread, Italian then English: stemming a word costs
    /// several times a lookup.
    static KNOWN_STEMS: RefCell<[HashMap<String, String>; 2]> = RefCell::default();
}

impl Stemmers {
    pub fn stem(&self, language: Lang, word: &str) -> String {
        KNOWN_STEMS.with_borrow_mut(|known| {
            let (known, stemmer) = match language {
                Lang::It => (&mut known[0], &self.italian),
                Lang::En => (&mut known[1], &self.english),
            };
            if let Some(stem) = known.get(word) {
                return stem.clone();
            }
            if known.len() >= REMEMBERED_STEMS {
                known.clear();
            }
            let stem = stemmer.stem(word).into_owned();
            known.insert(word.to_owned(), stem.clone());
            stem
        })
    }
}

/// Keywords of this many letters or more match as prefixes.
const PREFIX_LETTERS: usize = 5;

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
                    let prefix = w.chars().count() >= PREFIX_LETTERS;
                    (w, prefix)
                })
                .collect(),
        }
    }

    /// How many words the keyword has (longer keywords are stronger evidence).
    pub fn word_count(&self) -> usize {
        self.words.len()
    }

    /// What a text word must be (whole) or start with (prefix) for the keyword to
    /// start there: the index key of [`KeywordSet`].
    fn first_word(&self) -> Option<(&str, bool)> {
        self.words.first().map(|(w, prefix)| {
            if *prefix {
                (first_letters(w), true)
            } else {
                (w.as_str(), false)
            }
        })
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

/// The first [`PREFIX_LETTERS`] letters of a word (all of it when shorter).
fn first_letters(word: &str) -> &str {
    word.char_indices()
        .nth(PREFIX_LETTERS)
        .map_or(word, |(end, _)| &word[..end])
}

typed_index! {
    /// A keyword's position in its [`KeywordSet`].
    pub struct KeywordIndex(usize);
}

/// Keywords indexed by their first word, so that finding them in a text costs a
/// lookup or two per text word instead of a comparison with every keyword.
#[derive(Clone, Debug, Default)]
pub struct KeywordSet {
    pub keywords: Vec<Keyword>,
    whole: HashMap<String, Vec<KeywordIndex>>,
    prefixed: HashMap<String, Vec<KeywordIndex>>,
}

impl KeywordSet {
    pub fn new<'a>(keywords: impl IntoIterator<Item = &'a str>) -> Self {
        let mut set = Self::default();
        for keyword in keywords {
            let keyword = Keyword::new(keyword);
            if let Some((first, prefix)) = keyword.first_word() {
                let index = if prefix {
                    &mut set.prefixed
                } else {
                    &mut set.whole
                };
                index
                    .entry(first.to_owned())
                    .or_default()
                    .push(KeywordIndex(set.keywords.len()));
            }
            set.keywords.push(keyword);
        }
        set
    }

    /// Each (keyword, start) where a keyword occurs, the start a position among the
    /// text's words, in order of start, found as they are asked for: a caller that
    /// needs only the first stops there.
    pub fn matches<'s>(
        &'s self,
        text: &'s [String],
    ) -> impl Iterator<Item = (KeywordIndex, usize)> + 's {
        text.iter().enumerate().flat_map(move |(start, word)| {
            let whole = self.whole.get(word.as_str());
            let prefixed = self.prefixed.get(first_letters(word));
            whole
                .into_iter()
                .chain(prefixed)
                .flatten()
                .filter(move |&&k| self.keywords[k].matches_at(text, start))
                .map(move |&k| (k, start))
        })
    }

    /// Every (keyword, start) where a keyword occurs, in order of start.
    pub fn occurrences(&self, text: &[String]) -> Vec<(KeywordIndex, usize)> {
        self.matches(text).collect()
    }

    /// The keywords that occur in the text, each once, in order.
    pub fn found(&self, text: &[String]) -> Vec<KeywordIndex> {
        let mut found: Vec<KeywordIndex> =
            self.occurrences(text).into_iter().map(|(k, _)| k).collect();
        found.sort_unstable();
        found.dedup();
        found
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
        assert_eq!(language(&words("Il lampione della via è spento")), Lang::It);
        assert_eq!(language(&words("The lamp on the street is out")), Lang::En);
    }

    #[test]
    fn stems_join_the_forms_of_a_word() {
        let stemmers = Stemmers::default();
        assert_eq!(
            stemmers.stem(Lang::It, "lampioni"),
            stemmers.stem(Lang::It, "lampione")
        );
        assert_eq!(
            stemmers.stem(Lang::En, "potholes"),
            stemmers.stem(Lang::En, "pothole")
        );
    }

    #[test]
    fn a_remembered_stem_is_the_one_of_its_language() {
        let stemmers = Stemmers::default();
        for _ in 0..2 {
            assert_eq!(stemmers.stem(Lang::It, "lampioni"), "lampion");
            assert_eq!(stemmers.stem(Lang::En, "lampioni"), "lampioni");
            assert_eq!(stemmers.stem(Lang::En, "flooding"), "flood");
            assert_eq!(stemmers.stem(Lang::It, "flooding"), "flooding");
        }
    }

    #[test]
    fn short_keywords_match_whole_words_and_long_ones_prefixes() {
        let set = KeywordSet::new(["bin", "rifiut", "fire", "pieno di", "citta"]);
        let text = words("Il binario è pieno di rifiuti; bin overflowing; fireworks in città");
        let found: Vec<(&str, usize)> = set
            .occurrences(&text)
            .into_iter()
            .map(|(k, start)| (set.keywords[k].text.as_str(), start))
            .collect();
        assert_eq!(
            found,
            [("pieno di", 3), ("rifiut", 5), ("bin", 6), ("citta", 10)]
        );
        assert!(set.occurrences(&text[..3]).is_empty());
    }
}
