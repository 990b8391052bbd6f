//! What a citizen's words can be taken as, in Italian and English: the answer to
//! "is it fixed?", an address, a description, or only politeness. The bot asks for a
//! missing detail; a message that cannot be that detail must not become it.

use segnala_shared::redaction::redact_text;

/// Lower-case words without accents or punctuation: "Sì, è RISOLTO!" → ["si", "e", "risolto"].
fn words(text: &str) -> Vec<String> {
    text.chars()
        .map(|c| match c {
            'à' | 'á' | 'À' | 'Á' => 'a',
            'è' | 'é' | 'È' | 'É' => 'e',
            'ì' | 'í' | 'Ì' | 'Í' => 'i',
            'ò' | 'ó' | 'Ò' | 'Ó' => 'o',
            'ù' | 'ú' | 'Ù' | 'Ú' => 'u',
            '’' => '\'',
            c => c,
        })
        .flat_map(char::to_lowercase)
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .flat_map(|w| w.split('\''))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Words that are politeness, agreement or a bare verdict: a message of only these is
/// no report, no address and no description.
const SMALL_TALK: &[&str] = &[
    "grazie",
    "mille",
    "tante",
    "ciao",
    "salve",
    "buongiorno",
    "buonasera",
    "ok",
    "okay",
    "va",
    "bene",
    "si",
    "no",
    "perfetto",
    "ottimo",
    "gentilissimi",
    "gentili",
    "siete",
    "risolto",
    "risolta",
    "sistemato",
    "sistemata",
    "tutto",
    "a",
    "posto",
    "fatto",
    "e",
    "thanks",
    "thank",
    "you",
    "so",
    "much",
    "many",
    "hi",
    "hello",
    "yes",
    "yeah",
    "yep",
    "nope",
    "great",
    "perfect",
    "cheers",
    "fixed",
    "solved",
    "done",
    "all",
    "good",
    "it",
    "is",
    "the",
    "ringrazio",
    "vi",
    "ti",
    "molto",
];

/// Whether the text is only politeness (or has no letters at all: emoji, punctuation).
pub fn is_small_talk(text: &str) -> bool {
    words(text)
        .iter()
        .all(|w| SMALL_TALK.contains(&w.as_str()) || !w.chars().any(char::is_alphabetic))
}

/// Whether the text can describe a problem: something beyond politeness.
pub fn can_describe(text: &str) -> bool {
    !is_small_talk(text)
}

/// Words that say where: street types, landmarks, "near", "in front of".
const PLACE_WORDS: &[&str] = &[
    "via",
    "viale",
    "vle",
    "corso",
    "piazza",
    "piazzale",
    "pza",
    "largo",
    "vicolo",
    "strada",
    "str",
    "lungo",
    "alzaia",
    "ripa",
    "bastioni",
    "galleria",
    "passaggio",
    "ponte",
    "stazione",
    "fermata",
    "incrocio",
    "angolo",
    "rotonda",
    "parco",
    "giardini",
    "giardino",
    "scuola",
    "chiesa",
    "mercato",
    "davanti",
    "vicino",
    "accanto",
    "presso",
    "fronte",
    "dietro",
    "altezza",
    "civico",
    "street",
    "st",
    "road",
    "rd",
    "avenue",
    "ave",
    "lane",
    "square",
    "boulevard",
    "drive",
    "way",
    "crossing",
    "corner",
    "junction",
    "roundabout",
    "bridge",
    "station",
    "stop",
    "park",
    "school",
    "church",
    "market",
    "near",
    "opposite",
    "outside",
    "behind",
    "next",
];

/// Whether the text can be the answer to "where is it?": a street, a landmark, a house
/// number. "Risolto, grazie!" or "ok" cannot.
pub fn can_be_address(text: &str) -> bool {
    if is_small_talk(text) {
        return false;
    }
    let words = words(text);
    let place_word = words.iter().any(|w| PLACE_WORDS.contains(&w.as_str()));
    let number = words.iter().any(|w| w.chars().any(|c| c.is_ascii_digit()));
    let name = words
        .iter()
        .any(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 3);
    place_word || (number && name)
}

/// Whether the text is a few words that say nothing of a place ("no, still broken",
/// "Risolto, grazie!"): an answer, not a report of its own.
pub fn is_short_answer(text: &str) -> bool {
    words(text).len() <= 6 && !can_be_address(text)
}

/// Phrases that say the problem is still there.
const NOT_FIXED: &[&[&str]] = &[
    &["non", "e", "risolto"],
    &["non", "e", "risolta"],
    &["non", "risolto"],
    &["non", "risolta"],
    &["non", "e", "stato", "risolto"],
    &["non", "e", "stata", "risolta"],
    &["non", "e", "sistemato"],
    &["non", "funziona"],
    &["non", "va"],
    &["ancora"],
    &["di", "nuovo"],
    &["nuovamente"],
    &["not", "fixed"],
    &["isn", "t", "fixed"],
    &["not", "solved"],
    &["not", "working"],
    &["funziona", "male"],
    &["works", "badly"],
    &["doesn", "t", "work"],
    &["does", "not", "work"],
    &["still"],
    &["again"],
];

/// Words that, first in the answer, say yes or no.
const YES: &[&str] = &[
    "si", "yes", "yeah", "yep", "ok", "okay", "perfetto", "confermo",
];
const NO: &[&str] = &["no", "nope", "non", "not", "macche", "niente", "nothing"];
/// Words that say it is fixed wherever they stand (their negations are caught first).
const FIXED: &[&str] = &[
    "risolto",
    "risolta",
    "sistemato",
    "sistemata",
    "riparato",
    "riparata",
    "funziona",
    "fixed",
    "solved",
    "repaired",
    "works",
    "working",
];

/// The answer to "is it fixed?" in the text: `Some(true)` fixed, `Some(false)` not
/// fixed, `None` when it answers neither ("what time do you open?").
pub fn verdict(text: &str) -> Option<bool> {
    let words = words(text);
    let contains = |phrase: &[&str]| words.windows(phrase.len()).any(|w| w == phrase);
    if NOT_FIXED.iter().any(|phrase| contains(phrase)) {
        return Some(false);
    }
    let first = words.first()?.as_str();
    if NO.contains(&first) {
        return Some(false);
    }
    (YES.contains(&first) || words.iter().any(|w| FIXED.contains(&w.as_str()))).then_some(true)
}

/// The citizen's words as a reason for the crew, or `None` when they are only the
/// verdict ("No", "Sì, grazie"). A reason travels in an event, so personal data in it
/// is redacted as on every public surface.
pub fn reason(text: &str) -> Option<String> {
    if is_small_talk(text) {
        return None;
    }
    let cleaned = redact_text(text.trim(), None);
    (!cleaned.is_empty()).then(|| cleaned.chars().take(MAX_REASON_CHARS).collect())
}

const MAX_REASON_CHARS: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_to_is_it_fixed_in_both_languages() {
        for text in [
            "No, non è risolto, il lampione è ancora spento",
            "no",
            "Non funziona ancora",
            "È di nuovo rotto",
            "Still dark tonight",
            "No, it's not fixed",
            "Nope",
        ] {
            assert_eq!(verdict(text), Some(false), "{text}");
        }
        for text in [
            "Risolto, grazie!",
            "Sì",
            "si, funziona",
            "Yes thanks",
            "It works now, thank you",
            "Ok",
        ] {
            assert_eq!(verdict(text), Some(true), "{text}");
        }
        for text in ["Via Roma 3", "C'è una buca enorme", "Quando aprite?", "🙂"] {
            assert_eq!(verdict(text), None, "{text}");
        }
    }

    #[test]
    fn only_words_that_say_where_are_an_address() {
        for text in [
            "Via Emilia 120, vicino al ponte",
            "Piazza Maggiore 1, Bologna",
            "Corso Buenos Aires 12",
            "near the station",
            "Baker Street 221b",
            "davanti alla scuola",
        ] {
            assert!(can_be_address(text), "{text}");
        }
        for text in ["Risolto, grazie!", "ok", "grazie mille", "👍", "sì", "boh"] {
            assert!(!can_be_address(text), "{text}");
        }
    }

    #[test]
    fn short_answers_are_told_from_reports() {
        assert!(is_short_answer("no, still broken"));
        assert!(is_short_answer("Risolto, grazie!"));
        assert!(!is_short_answer("No parking signs in via Roma"));
        assert!(!is_short_answer(
            "No, there is another pothole now and it is even deeper than before"
        ));
    }

    #[test]
    fn politeness_describes_nothing() {
        assert!(is_small_talk("Grazie mille!"));
        assert!(is_small_talk("Thank you so much 🙏"));
        assert!(is_small_talk("Risolto, grazie!"));
        assert!(!is_small_talk("Lampione spento"));
        assert!(can_describe("Rifiuti abbandonati"));
    }

    #[test]
    fn reasons_keep_the_words_and_lose_the_personal_data() {
        assert_eq!(reason("No"), None);
        assert_eq!(reason("Sì, grazie!"), None);
        assert_eq!(
            reason("No, è ancora spento. Chiamatemi al 333 123 4567 o scrivete a anna@example.org")
                .as_deref(),
            Some("No, è ancora spento. Chiamatemi al [telefono] o scrivete a [email]")
        );
        assert_eq!(
            reason("Still broken, ask @neighbour_joe or +393331234567").as_deref(),
            Some("Still broken, ask [user] or [phone]")
        );
    }
}
