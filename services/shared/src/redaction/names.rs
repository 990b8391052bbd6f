//! People's names where the text gives them as names: a self-introduction ("mi
//! chiamo …", "sono Mario Rossi", "my name is …") or a signature ("Saluti, Anna
//! Bianchi"). A capitalised word anywhere else may be a street, a shop or a saint,
//! and stays.

use std::{collections::HashSet, sync::LazyLock};

use regex::Regex;

use super::{Finding, PersonalData, pattern};

/// Introductions that are always followed by a name, even one written in lower case.
static STRONG_INTRO: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(?:mi chiamo|il mio nome è|il mio nome e'|il mio nome e|sottoscritt[oa]|firmato|in fede|nome e cognome|my name is|my name's|signed)\s*:?\s+|\b(?:nome|name|cognome|surname)\s*:\s*",
    )
});

/// Introductions followed by a name only when the name is capitalised and the words
/// stand where a sentence starts: "Sono Giuseppe Verdini", not "ci sono Rifiuti".
static WEAK_INTRO: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)\b(?:io sono|sono|i am|i'm|this is|qui è|qui e')\s+"));

/// Greetings after which a sentence starts without punctuation.
static GREETING: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(?:ciao|salve|buongiorno|buonasera|gentili|hello|hi|hey|good morning|good afternoon|good evening)\s*$",
    )
});

/// Closing words after which a name is a signature when it ends the line.
static SIGN_OFF: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)\b(?:cordiali saluti|distinti saluti|un cordiale saluto|un saluto|saluti|grazie mille|grazie|cordialmente|best regards|kind regards|regards|many thanks|thanks|thank you|cheers|sincerely|best wishes)\b[ \t]*[,.!\-–—]?\s*",
    )
});

/// One to four capitalised words, possibly joined by a particle ("Maria De Luca",
/// "Anna di Stefano", "D'Amico").
static NAME: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"^(?:\p{Lu}['’]?\p{Lu}?[\p{Ll}'’]+(?:-\p{Lu}\p{Ll}+)?|\p{Lu}{2,})(?:[ \t]+(?:(?:de|di|da|del|della|dei|van|von|der|la|le)[ \t]+)?(?:\p{Lu}['’]?\p{Lu}?[\p{Ll}'’]+(?:-\p{Lu}\p{Ll}+)?|\p{Lu}{2,})){0,3}",
    )
});

/// Up to three words of any case, for names after a strong introduction.
static LOWER_NAME: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^\p{L}[\p{L}'’-]*(?:[ \t]+\p{L}[\p{L}'’-]*){0,2}"));

/// Capitalised words that are not names: places, institutions, days and months,
/// words that open sentences.
static NOT_NAMES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    [
        // Streets and places.
        "via",
        "viale",
        "piazza",
        "piazzale",
        "corso",
        "largo",
        "vicolo",
        "strada",
        "parco",
        "ponte",
        "stazione",
        "quartiere",
        "zona",
        "municipio",
        "street",
        "road",
        "avenue",
        "lane",
        "square",
        "park",
        "station",
        "milano",
        "roma",
        "torino",
        "napoli",
        "genova",
        "bologna",
        "firenze",
        "italia",
        "milan",
        "rome",
        "london",
        "italy",
        // Institutions.
        "comune",
        "polizia",
        "vigili",
        "carabinieri",
        "atm",
        "amsa",
        "urp",
        "council",
        "city",
        "police",
        "segnala",
        // Days and months.
        "lunedì",
        "martedì",
        "mercoledì",
        "giovedì",
        "venerdì",
        "sabato",
        "domenica",
        "gennaio",
        "febbraio",
        "marzo",
        "aprile",
        "maggio",
        "giugno",
        "luglio",
        "agosto",
        "settembre",
        "ottobre",
        "novembre",
        "dicembre",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        // Words that open sentences, and what people are rather than who.
        "il",
        "lo",
        "la",
        "le",
        "gli",
        "un",
        "una",
        "uno",
        "in",
        "da",
        "di",
        "del",
        "della",
        "non",
        "ho",
        "qui",
        "grazie",
        "saluti",
        "buongiorno",
        "ciao",
        "salve",
        "the",
        "a",
        "an",
        "this",
        "that",
        "it",
        "is",
        "we",
        "please",
        "thanks",
        "hello",
        "hi",
        "dear",
        "residente",
        "cittadino",
        "cittadina",
        "resident",
        "italiano",
        "italiana",
        "italian",
        "english",
        "british",
        "stanco",
        "stanca",
        "tired",
        "sorry",
        "ok",
        "anche",
        "ancora",
        "sempre",
        "molto",
        "very",
        "also",
        "still",
        "not",
        "here",
        "there",
    ]
    .into_iter()
    .collect()
});

/// Words that end a lower-case name: "mi chiamo mario e ho visto".
static NAME_ENDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    [
        "e", "ed", "ho", "sono", "abito", "vivo", "vorrei", "volevo", "per", "che", "di", "da",
        "in", "a", "al", "del", "della", "non", "and", "i", "live", "would", "want", "from", "of",
        "at", "on", "to", "the", "is", "have",
    ]
    .into_iter()
    .collect()
});

pub(super) fn find(text: &str, findings: &mut Vec<Finding>) {
    let mut push = |start: usize, len: usize| {
        if len > 0 {
            findings.push(Finding {
                kind: PersonalData::Name,
                range: start..start + len,
            });
        }
    };
    for intro in STRONG_INTRO.find_iter(text) {
        let rest = &text[intro.end()..];
        let len = capitalised_name(rest).unwrap_or_else(|| lower_case_name(rest));
        push(intro.end(), len);
    }
    for intro in WEAK_INTRO.find_iter(text) {
        if starts_sentence(&text[..intro.start()])
            && let Some(len) = capitalised_name(&text[intro.end()..])
        {
            push(intro.end(), len);
        }
    }
    for sign_off in SIGN_OFF.find_iter(text) {
        let rest = &text[sign_off.end()..];
        if let Some(len) = capitalised_name(rest)
            && ends_line(&rest[len..])
        {
            push(sign_off.end(), len);
        }
    }
    if let Some((start, len)) = signature_line(text) {
        push(start, len);
    }
}

/// The length of the capitalised name `rest` starts with, cut before the first word
/// that is no name.
fn capitalised_name(rest: &str) -> Option<usize> {
    let m = NAME.find(rest)?;
    let mut len = 0;
    for (offset, word) in words(m.as_str()) {
        if NOT_NAMES.contains(word.to_lowercase().as_str()) {
            break;
        }
        len = offset + word.len();
    }
    (len > 0).then_some(len)
}

fn lower_case_name(rest: &str) -> usize {
    let Some(m) = LOWER_NAME.find(rest) else {
        return 0;
    };
    let mut len = 0;
    for (offset, word) in words(m.as_str()) {
        let lower = word.to_lowercase();
        if NAME_ENDS.contains(lower.as_str()) || NOT_NAMES.contains(lower.as_str()) {
            break;
        }
        len = offset + word.len();
    }
    len
}

fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_whitespace().map(move |word| {
        let offset = word.as_ptr() as usize - text.as_ptr() as usize;
        (offset, word)
    })
}

/// Whether what comes before an introduction ends a sentence or a greeting.
fn starts_sentence(before: &str) -> bool {
    let before = before.trim_end();
    before.is_empty()
        || before.ends_with(['.', '!', '?', ';', ':', ',', '(', '\n'])
        || GREETING.is_match(before)
}

fn ends_line(after: &str) -> bool {
    let after = after.trim_start_matches([' ', '\t', '.', '!']);
    after.is_empty() || after.starts_with(['\n', '\r'])
}

/// A last line made of a name alone, after the text: the way a letter is signed.
fn signature_line(text: &str) -> Option<(usize, usize)> {
    let body = text.trim_end();
    let newline = body.rfind('\n')?;
    let line_start = newline + 1;
    let line = &body[line_start..];
    let trimmed = line.trim_start_matches([' ', '\t', '-', '–', '—']);
    let start = line_start + (line.len() - trimmed.len());
    let len = capitalised_name(trimmed)?;
    let whole = trimmed[len..].trim_end_matches('.').is_empty();
    (whole && words(&trimmed[..len]).count() >= 2).then_some((start, len))
}

#[cfg(test)]
mod tests {
    use super::super::{PersonalData, find};

    fn names(text: &str) -> Vec<&str> {
        find(text)
            .into_iter()
            .filter(|f| f.kind == PersonalData::Name)
            .map(|f| &text[f.range])
            .collect()
    }

    #[test]
    fn introductions_name_their_speaker() {
        assert_eq!(names("Mi chiamo mario rossi e abito qui"), ["mario rossi"]);
        assert_eq!(
            names("Buongiorno, sono Anna Maria De Luca."),
            ["Anna Maria De Luca"]
        );
        assert_eq!(names("Salve sono Luca, la buca è enorme"), ["Luca"]);
        assert_eq!(names("Hi, I'm Sarah O'Neil from Brixton"), ["Sarah O'Neil"]);
        assert_eq!(names("my name is John. The lamp is out"), ["John"]);
        assert_eq!(names("Nome: Giulia Bianchi"), ["Giulia Bianchi"]);
        assert_eq!(
            names("Sono Giuseppe Verdini di Via Roma"),
            ["Giuseppe Verdini"]
        );
    }

    #[test]
    fn signatures_name_their_writer() {
        assert_eq!(
            names("La buca è ancora lì. Saluti, Anna Bianchi"),
            ["Anna Bianchi"]
        );
        assert_eq!(names("Rifiuti da giorni.\nGrazie\nMarco"), ["Marco"]);
        assert_eq!(
            names("Bins overflowing.\nKind regards,\nPeter Jones"),
            ["Peter Jones"]
        );
        assert_eq!(
            names("Lampione spento.\n\nGiovanni Esposito"),
            ["Giovanni Esposito"]
        );
    }

    #[test]
    fn capitalised_words_that_are_no_introduction_stay() {
        for text in [
            "Ci sono Rifiuti ovunque in Piazza Duomo",
            "Sono passato in via Manzoni",
            "Sono stanco di aspettare",
            "I am Italian and I pay taxes",
            "Grazie per l'intervento rapido",
            "Thanks Milan council for nothing",
            "This is Via Padova, the lamp is out",
            "Lampione spento.\nVia Roma 3",
            "Il lampione di Corso Como è spento",
        ] {
            assert_eq!(names(text), Vec::<&str>::new(), "{text}");
        }
    }
}
