//! People's names where the text gives them as names: a self-introduction ("mi
//! chiamo …", "sono Mario Rossi", "my name is …") or a signature ("Saluti, Anna
//! Bianchi"). A capitalised word anywhere else may be a street, a shop or a saint,
//! and stays.

use std::{collections::HashSet, sync::LazyLock};

use regex::Regex;

use super::{Finding, PersonalData, floor_char_boundary, pattern};

/// Introductions that are always followed by a name, even one written in lower case.
static STRONG_INTRO: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)(?-u:\b)(?:mi chiamo|il mio nome è|il mio nome e'|il mio nome e|sottoscritt[oa]|firmato|in fede|nome e cognome|my name is|my name's|signed)\s*:?\s+|(?-u:\b)(?:nome|name|cognome|surname)\s*:\s*",
    )
});

/// Introductions followed by a name only when the name is capitalised and the words
/// stand where a sentence starts: "Sono Giuseppe Verdini", not "ci sono Rifiuti".
static WEAK_INTRO: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)(?-u:\b)(?:io sono|sono|i am|i'm|this is|qui è|qui e')\s+"));

/// Greetings after which a sentence starts without punctuation.
static GREETING: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)(?-u:\b)(?:ciao|salve|buongiorno|buonasera|gentili|hello|hi|hey|good morning|good afternoon|good evening)\s*$",
    )
});

/// Closing words after which a name is a signature when it ends the line.
static SIGN_OFF: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)(?-u:\b)(?:cordiali saluti|distinti saluti|un cordiale saluto|un saluto|saluti|grazie mille|grazie in anticipo|grazie|cordialmente|buona giornata|buona serata|a presto|best regards|kind regards|regards|many thanks|thanks in advance|thanks|thank you|cheers|yours sincerely|yours faithfully|sincerely|best wishes)(?-u:\b)[ \t]*[,.!\-–—]?\s*",
    )
});

/// Titles before a name, wherever they stand: "il signor Rossi", "Mrs Khan".
static TITLE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)(?-u:\b)(?:sig\.ra|sig\.na|sig\.|sig|signor|signora|signorina|dott\.ssa|dott\.|dott|dr\.|dr|avv\.|avv|prof\.ssa|prof\.|ing\.|geom\.|mr\.|mr|mrs\.|mrs|ms\.|ms|miss)(?:[ \t]+|(?-u:\b))",
    )
});

/// Words that introduce someone else by name: relatives, neighbours, people spoken
/// to ("mio vicino Marco Bianchi", "I spoke to Tom Hughes").
static RELATION: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)(?-u:\b)(?:(?:mio|mia|il mio|la mia|nostro|nostra|my|our)[ \t]+(?:vicin[oa]|nipote|figli[oa]|madre|padre|mamma|papà|marito|moglie|compagn[oa]|ragazz[oa]|fidanzat[oa]|nonn[oa]|zi[oa]|cugin[oa]|fratello|sorella|amic[oa]|collega|neighbou?r|son|daughter|kid|child|wife|husband|partner|boyfriend|girlfriend|mother|father|mum|dad|brother|sister|cousin|friend|colleague)|parlato con|chiedere di|chiedete di|chiedi di|spoke to|spoken to|talked to|ask for|custode|portinai[oa]|portiere|caretaker)(?-u:\b),?[ \t]+",
    )
});

/// One to four capitalised words, possibly joined by a particle ("Maria De Luca",
/// "Anna di Stefano", "D'Amico").
static NAME: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"^(?:\p{Lu}['’]?\p{Lu}?[\p{Ll}'’]+(?:-\p{Lu}\p{Ll}+)?|\p{Lu}{2,})(?:[ \t]+(?:(?:de|di|da|del|della|dei|van|von|der|la|le|lo)[ \t]+)?(?:\p{Lu}['’]?\p{Lu}?[\p{Ll}'’]+(?:-\p{Lu}\p{Ll}+)?|\p{Lu}{2,})){0,3}",
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
        // Places that take a saint's or a gate's name, and who writes as a group.
        "giardini",
        "giardino",
        "porta",
        "san",
        "santa",
        "santo",
        "sant",
        "comitato",
        "condominio",
        "associazione",
        "residenti",
        "residents",
        // Closing words: a sign-off is never the name after another.
        "cordialmente",
        "cordiali",
        "distinti",
        "buona",
        "regards",
        "kind",
        "best",
        "many",
        "cheers",
        "sincerely",
        "thank",
        // Titles: the name is what follows them.
        "mr",
        "mrs",
        "ms",
        "dr",
        "miss",
        "sig",
        "signor",
        "signora",
        "dott",
        "prof",
        "avv",
    ]
    .into_iter()
    .collect()
});

/// Particles inside a name: "Maria De Luca", "Rosa Lo Russo".
static PARTICLES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    [
        "de", "di", "da", "del", "della", "dei", "van", "von", "der", "la", "le", "lo",
    ]
    .into_iter()
    .collect()
});

/// Common first names: one of them followed by a surname is a person wherever it
/// stands, unless a street, a school or a saint is named after them.
static FIRST_NAMES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    [
        // Italian.
        "alberto",
        "alessandra",
        "alessandro",
        "alessia",
        "alice",
        "andrea",
        "angela",
        "anna",
        "antonella",
        "antonio",
        "arianna",
        "aurora",
        "barbara",
        "beatrice",
        "benedetta",
        "bruno",
        "camilla",
        "carla",
        "carlo",
        "carmela",
        "caterina",
        "chiara",
        "claudia",
        "claudio",
        "cristina",
        "daniela",
        "daniele",
        "dario",
        "davide",
        "diego",
        "domenico",
        "edoardo",
        "elena",
        "elisa",
        "emanuele",
        "emma",
        "enrico",
        "enzo",
        "fabio",
        "federica",
        "federico",
        "filippo",
        "francesca",
        "francesco",
        "gabriele",
        "gabriella",
        "giacomo",
        "gianluca",
        "gianni",
        "giorgia",
        "giorgio",
        "giovanna",
        "giovanni",
        "giulia",
        "giuliana",
        "giulio",
        "giuseppe",
        "giuseppina",
        "greta",
        "ilaria",
        "irene",
        "laura",
        "leonardo",
        "lorenzo",
        "luca",
        "lucia",
        "luigi",
        "manuela",
        "marco",
        "maria",
        "marina",
        "mario",
        "marta",
        "martina",
        "massimo",
        "matteo",
        "mattia",
        "maurizio",
        "michela",
        "michele",
        "monica",
        "nicola",
        "noemi",
        "paola",
        "paolo",
        "patrizia",
        "pietro",
        "raffaele",
        "raffaella",
        "riccardo",
        "rita",
        "roberta",
        "roberto",
        "rosa",
        "salvatore",
        "samuele",
        "sara",
        "serena",
        "sergio",
        "silvia",
        "simona",
        "simone",
        "sofia",
        "stefania",
        "stefano",
        "teresa",
        "tommaso",
        "valentina",
        "valeria",
        "vincenzo",
        "vittoria",
        "ada",
        "adele",
        "adriana",
        "adriano",
        "agnese",
        "agostino",
        "aldo",
        "alfredo",
        "amalia",
        "ambra",
        "angelo",
        "anita",
        "annalisa",
        "antonietta",
        "armando",
        "arturo",
        "assunta",
        "attilio",
        "bianca",
        "carlotta",
        "carolina",
        "cesare",
        "cinzia",
        "clara",
        "concetta",
        "corrado",
        "cristian",
        "cristiano",
        "debora",
        "donatella",
        "donato",
        "elio",
        "eleonora",
        "elisabetta",
        "emilia",
        "emilio",
        "ermanno",
        "ernesto",
        "ettore",
        "eugenio",
        "fabrizio",
        "fausto",
        "fernanda",
        "fiorella",
        "flavia",
        "flavio",
        "franca",
        "franco",
        "gaetano",
        "gennaro",
        "gerardo",
        "gianfranco",
        "gianna",
        "gigi",
        "gino",
        "giorgio",
        "gloria",
        "graziella",
        "guido",
        "ida",
        "ignazio",
        "ines",
        "ivana",
        "ivo",
        "jacopo",
        "lara",
        "letizia",
        "lidia",
        "liliana",
        "lino",
        "livia",
        "loredana",
        "lorella",
        "lorena",
        "luciano",
        "luisa",
        "manuel",
        "mara",
        "marcello",
        "marilena",
        "marisa",
        "mauro",
        "milena",
        "mirella",
        "mirko",
        "nadia",
        "nicoletta",
        "nino",
        "nora",
        "orlando",
        "ornella",
        "ottavio",
        "pasquale",
        "piera",
        "piero",
        "pino",
        "renato",
        "renata",
        "rinaldo",
        "rino",
        "rocco",
        "rosanna",
        "rosaria",
        "rossana",
        "ruggero",
        "sabrina",
        "sandro",
        "sebastiano",
        "silvano",
        "silvio",
        "sonia",
        "tiziana",
        "tiziano",
        "ugo",
        "umberto",
        "vanessa",
        "veronica",
        "virginia",
        "vito",
        "walter",
        // English.
        "amelia",
        "amy",
        "ben",
        "charlotte",
        "chloe",
        "daniel",
        "david",
        "emily",
        "george",
        "grace",
        "hannah",
        "harry",
        "helen",
        "jack",
        "james",
        "jane",
        "john",
        "kevin",
        "lucy",
        "mark",
        "michael",
        "mohammed",
        "oliver",
        "olivia",
        "peter",
        "priya",
        "rachel",
        "richard",
        "sarah",
        "sophie",
        "susan",
        "thomas",
        "tom",
        "william",
        "andrew",
        "anne",
        "charles",
        "chris",
        "claire",
        "edward",
        "elizabeth",
        "harriet",
        "ian",
        "jessica",
        "joseph",
        "julia",
        "kate",
        "leo",
        "linda",
        "mary",
        "matthew",
        "nick",
        "paul",
        "robert",
        "ryan",
        "sam",
        "samuel",
        "simon",
        "steve",
    ]
    .into_iter()
    .collect()
});

/// Words before a name that make it a place's: "via Giuseppe Garibaldi", "scuola
/// elementare Gianni Rodari", "Papa Giovanni Paolo II".
static PLACE_BEFORE: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    [
        "via",
        "viale",
        "piazza",
        "piazzale",
        "piazzetta",
        "corso",
        "largo",
        "vicolo",
        "strada",
        "lungomare",
        "contrada",
        "borgo",
        "rotonda",
        "parco",
        "giardini",
        "giardino",
        "scuola",
        "istituto",
        "liceo",
        "asilo",
        "ospedale",
        "stadio",
        "palazzetto",
        "palestra",
        "biblioteca",
        "teatro",
        "museo",
        "ponte",
        "galleria",
        "fermata",
        "stazione",
        "chiesa",
        "oratorio",
        "cimitero",
        "centro",
        "palazzo",
        "san",
        "santa",
        "santo",
        "sant",
        "don",
        "papa",
        "beato",
        "beata",
        "padre",
        "madre",
        "suor",
        "fra",
        "st",
        "saint",
    ]
    .into_iter()
    .collect()
});

/// Words after a name that make it a place's: "Harold Wilson Way".
static PLACE_AFTER: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    [
        "street", "road", "way", "lane", "avenue", "close", "drive", "square", "park", "gardens",
        "court", "crescent", "place", "bridge", "station", "school", "academy", "college",
        "hospital", "centre", "center", "stadium", "library", "hall", "house", "church",
    ]
    .into_iter()
    .collect()
});

/// A capitalised word.
static CAPITALISED: LazyLock<Regex> = LazyLock::new(|| pattern(r"(?-u:\b)\p{Lu}\p{Ll}+"));

/// How many words before a name are looked at for a place, and within how many bytes.
const PLACE_REACH: usize = 3;
const PLACE_LOOKBACK: usize = 64;

/// How far back a greeting or a sentence's end is looked for.
const SENTENCE_LOOKBACK: usize = 64;

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
    for title in TITLE.find_iter(text) {
        if let Some(len) = surname(&text[title.end()..]) {
            push(title.end(), len);
        }
    }
    for relation in RELATION.find_iter(text) {
        if let Some(len) = capitalised_name(&text[relation.end()..]) {
            push(relation.end(), len);
        }
    }
    let mut named_until = 0;
    for word in CAPITALISED.find_iter(text) {
        let known = FIRST_NAMES.contains(word.as_str().to_lowercase().as_str());
        if known
            && word.start() >= named_until
            && let Some(len) = full_name_at(text, word.start())
        {
            push(word.start(), len);
            named_until = word.start() + len;
        }
    }
    if let Some((start, len)) = signature_line(text) {
        push(start, len);
    }
}

/// The length of the full name (two words at least) at `start`, a known first name,
/// unless it names a place.
fn full_name_at(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start..];
    let run = NAME.find(rest)?.as_str();
    let len = capitalised_name(rest)?;
    let place_after = words(run).any(|(_, w)| PLACE_AFTER.contains(w.to_lowercase().as_str()));
    let before = &text[floor_char_boundary(text, start.saturating_sub(PLACE_LOOKBACK))..start];
    let place_before = before
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .filter(|w| !w.is_empty())
        .rev()
        .take(PLACE_REACH)
        .any(|w| {
            let w = w.to_lowercase();
            let w = w.trim_end_matches(['\'', '’']);
            PLACE_BEFORE.contains(w)
        });
    (words(&rest[..len]).count() >= 2 && !place_after && !place_before).then_some(len)
}

/// The length of the capitalised name `rest` starts with, cut before the first word
/// that is no name.
fn capitalised_name(rest: &str) -> Option<usize> {
    let m = NAME.find(rest)?;
    let mut len = 0;
    for (offset, word) in words(m.as_str()) {
        let lower = word.to_lowercase();
        if len > 0 && PARTICLES.contains(lower.as_str()) {
            continue;
        }
        if NOT_NAMES.contains(lower.as_str()) {
            break;
        }
        len = offset + word.len();
    }
    (len > 0).then_some(len)
}

/// Like [`capitalised_name`], for what follows a title: there a particle may open
/// the name ("la signora Di Stefano").
fn surname(rest: &str) -> Option<usize> {
    let particle = rest
        .split_once([' ', '\t'])
        .filter(|(word, _)| PARTICLES.contains(word.to_lowercase().as_str()));
    match particle {
        Some((word, after)) => {
            let gap = rest.len() - word.len() - after.len();
            let after_trimmed = after.trim_start_matches([' ', '\t']);
            let gap = gap + (after.len() - after_trimmed.len());
            capitalised_name(after_trimmed).map(|len| word.len() + gap + len)
        }
        None => capitalised_name(rest),
    }
}

fn lower_case_name(rest: &str) -> usize {
    let Some(m) = LOWER_NAME.find(rest) else {
        return 0;
    };
    let mut len = 0;
    for (offset, word) in words(m.as_str()) {
        let lower = word.to_lowercase();
        if len > 0 && PARTICLES.contains(lower.as_str()) {
            continue;
        }
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
    let before =
        &before[floor_char_boundary(before, before.len().saturating_sub(SENTENCE_LOOKBACK))..];
    let before = before.trim_end();
    before.is_empty()
        || before.ends_with(['.', '!', '?', ';', ':', ',', '(', '\n'])
        || GREETING.is_match(before)
        || before
            .rsplit(char::is_whitespace)
            .next()
            .is_some_and(|word| word.starts_with('@'))
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
    // "-- Anna": the dashes of a signature make one word enough.
    let dashed = trimmed.len() < line.trim_start().len();
    let start = line_start + (line.len() - trimmed.len());
    let len = capitalised_name(trimmed)?;
    let whole = trimmed[len..].trim_end_matches('.').is_empty();
    (whole && (dashed || words(&trimmed[..len]).count() >= 2)).then_some((start, len))
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
    fn titles_relations_and_known_first_names_name_other_people() {
        assert_eq!(
            names("Anche la signora Di Stefano del piano di sopra"),
            ["Di Stefano"]
        );
        assert_eq!(names("Hi, I am Mrs O'Brien from flat 8"), ["O'Brien"]);
        assert_eq!(
            names("Il mio vicino Marco Bianchi parcheggia sul marciapiede"),
            ["Marco Bianchi"]
        );
        assert_eq!(
            names("per conto di mia madre, Rosa Lo Russo, che abita qui"),
            ["Rosa Lo Russo"]
        );
        assert_eq!(
            names("ho incontrato Giulia Ferraro davanti al cancello"),
            ["Giulia Ferraro"]
        );
        assert_eq!(
            names("mi chiamo matteo lo russo e ho visto"),
            ["matteo lo russo"]
        );
        assert_eq!(names("Buca in via Roma.\n-- Sara"), ["Sara"]);
        assert_eq!(names("spento, chiedere di Marisa al bar"), ["Marisa"]);
        assert_eq!(names("il mio ragazzo Luca ha bucato la gomma"), ["Luca"]);
        assert_eq!(names("Grazie. (Ivo Santini)"), ["Ivo Santini"]);
    }

    #[test]
    fn people_streets_and_schools_are_named_after_stay() {
        for text in [
            "Buca in via Giuseppe Garibaldi davanti alla scuola elementare Gianni Rodari",
            "Lampione spento in viale Papa Giovanni Paolo II",
            "The lamp on Harold Wilson Way is out, near Victoria Park",
            "Allagamento in piazza Santa Maria Nuova",
            "Rifiuti in via Mario Rossi 12.\nSan Siro",
            "Grazie.\nCordialmente\nPorta Romana",
        ] {
            assert_eq!(names(text), Vec::<&str>::new(), "{text}");
        }
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
