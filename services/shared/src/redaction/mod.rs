//! Personal data in what citizens and crews write: phone numbers, e-mail addresses,
//! handles, Italian tax codes, IBANs, number plates and people's names. A report's
//! words are public once they leave intake (status pages, Open311, feeds, webhooks):
//! each piece of personal data is replaced there by a visible marker ("[telefono]",
//! "[phone]") so that neighbours still recognise the problem but nobody learns who
//! reported it. Pure text work, no I/O; the original stays in intake's tables.

mod codes;
mod contacts;
pub mod evaluation;
mod fold;
mod names;

use std::{ops::Range, sync::LazyLock};

use regex::Regex;

use crate::lang::Lang;

/// A kind of personal data the redactor recognises.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PersonalData {
    Phone,
    Email,
    /// A social-network account: `@name` or `@name@instance`.
    Handle,
    /// The Italian codice fiscale.
    TaxCode,
    Iban,
    Plate,
    /// A person's name, where the text introduces or signs with it.
    Name,
}

impl PersonalData {
    pub const ALL: [Self; 7] = [
        Self::Phone,
        Self::Email,
        Self::Handle,
        Self::TaxCode,
        Self::Iban,
        Self::Plate,
        Self::Name,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Phone => "phone",
            Self::Email => "email",
            Self::Handle => "handle",
            Self::TaxCode => "tax_code",
            Self::Iban => "iban",
            Self::Plate => "plate",
            Self::Name => "name",
        }
    }

    /// The kind [`Self::as_str`] spells `text`.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// What stands in the text where the data was.
    pub fn marker(self, lang: Lang) -> &'static str {
        match (self, lang) {
            (Self::Phone, Lang::It) => "[telefono]",
            (Self::Phone, Lang::En) => "[phone]",
            (Self::Email, _) => "[email]",
            (Self::Handle, Lang::It) => "[utente]",
            (Self::Handle, Lang::En) => "[user]",
            (Self::TaxCode, Lang::It) => "[codice fiscale]",
            (Self::TaxCode, Lang::En) => "[tax code]",
            (Self::Iban, _) => "[IBAN]",
            (Self::Plate, Lang::It) => "[targa]",
            (Self::Plate, Lang::En) => "[plate]",
            (Self::Name, Lang::It) => "[nome]",
            (Self::Name, Lang::En) => "[name]",
        }
    }
}

/// Where one piece of personal data stands in a text (byte offsets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub kind: PersonalData,
    pub range: Range<usize>,
}

/// The personal data in `text`, in order of position, never overlapping: where two
/// readings overlap, the one that starts first wins, then the longer. Characters
/// that hide data without showing (zero-width spaces, full-width digits, no-break
/// spaces…) count as what they read as, and go with the data they stand in.
pub fn find(text: &str) -> Vec<Finding> {
    let Some(folded) = fold::Folded::of(text) else {
        return find_plain(text);
    };
    find_plain(&folded.text)
        .into_iter()
        .map(|f| Finding {
            kind: f.kind,
            range: folded.original(f.range),
        })
        .collect()
}

fn find_plain(text: &str) -> Vec<Finding> {
    let mut candidates = Vec::new();
    // Most texts hold no number and no address: the patterns that need them are not
    // run at all.
    let digits = text.bytes().filter(u8::is_ascii_digit).count();
    contacts::find(text, digits, &mut candidates);
    if digits > 0 {
        codes::find(text, &mut candidates);
    }
    names::find(text, &mut candidates);
    candidates.sort_by_key(|f| (f.range.start, std::cmp::Reverse(f.range.end)));
    let mut findings: Vec<Finding> = Vec::with_capacity(candidates.len());
    for candidate in candidates {
        if findings
            .last()
            .is_none_or(|last| candidate.range.start >= last.range.end)
        {
            findings.push(candidate);
        }
    }
    findings
}

/// `text` with every piece of personal data replaced by its marker in `lang`.
pub fn redact(text: &str, lang: Lang) -> String {
    replace(text, find(text), || lang)
}

/// `text` redacted with the markers of `language` when it is known (a report's
/// declared language), else of the language the text reads as, else the city's. The
/// language is only told when there is something to replace.
pub fn redact_text(text: &str, language: Option<Lang>) -> String {
    replace(text, find(text), || {
        language.or_else(|| Lang::detect(text)).unwrap_or_default()
    })
}

fn replace(text: &str, findings: Vec<Finding>, lang: impl FnOnce() -> Lang) -> String {
    if findings.is_empty() {
        return text.to_owned();
    }
    let lang = lang();
    let mut redacted = String::with_capacity(text.len());
    let mut from = 0;
    for finding in findings {
        redacted.push_str(&text[from..finding.range.start]);
        redacted.push_str(finding.kind.marker(lang));
        from = finding.range.end;
    }
    redacted.push_str(&text[from..]);
    redacted
}

/// A built-in pattern; the unit tests compile every one of them. Word boundaries are
/// written ASCII-only, `(?-u:\b)`: a Unicode one makes the regex crate leave its fast
/// engines on any text with an accent, and Italian has one in almost every sentence.
fn pattern(source: &str) -> Regex {
    Regex::new(source).unwrap_or_else(|e| panic!("built-in pattern {source}: {e}"))
}

/// Words that, shortly before a number, say what it is.
struct Cues(LazyLock<Regex>);

impl Cues {
    /// Where the last cue within `reach` bytes before `at` ends, if no sentence ends
    /// between it and `at`.
    fn last_end_before(&self, text: &str, at: usize, reach: usize) -> Option<usize> {
        let start = floor_char_boundary(text, at.saturating_sub(reach));
        let end = start + self.0.find_iter(&text[start..at]).last()?.end();
        (!text[end..at].contains(['.', '!', '?', ';', '\n'])).then_some(end)
    }
}

fn floor_char_boundary(text: &str, mut at: usize) -> usize {
    while !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

fn ceil_char_boundary(text: &str, mut at: usize) -> usize {
    at = at.min(text.len());
    while !text.is_char_boundary(at) {
        at += 1;
    }
    at
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Each finding's kind and the text it covers.
    pub(crate) fn kinds(text: &str) -> Vec<(PersonalData, &str)> {
        find(text)
            .into_iter()
            .map(|f| (f.kind, &text[f.range]))
            .collect()
    }

    fn it(text: &str) -> String {
        redact(text, Lang::It)
    }

    fn en(text: &str) -> String {
        redact(text, Lang::En)
    }

    #[test]
    fn the_citizen_who_gives_name_phone_and_email_is_not_published() {
        assert_eq!(
            it(
                "Sono Giuseppe Verdini, chiamatemi al 347 555 1234 o scrivete a \
                giuseppe.verdini@example.com: il lampione è spento"
            ),
            "Sono [nome], chiamatemi al [telefono] o scrivete a [email]: il lampione è spento"
        );
        assert_eq!(
            en("My name is John Smith, call me on +44 20 7946 0958. The lamp is out."),
            "My name is [name], call me on [phone]. The lamp is out."
        );
    }

    #[test]
    fn handles_go_but_at_signs_of_emails_and_times_stay() {
        assert_eq!(
            it("@comune_milano @anna@mastodon.social buca enorme"),
            "[utente] [utente] buca enorme"
        );
        assert_eq!(it("scrivete a a.b@comune.milano.it"), "scrivete a [email]");
        assert_eq!(it("ci vediamo @ piazza Duomo"), "ci vediamo @ piazza Duomo");
    }

    #[test]
    fn markers_speak_the_language_they_are_asked_in() {
        for kind in PersonalData::ALL {
            assert!(kind.marker(Lang::It).starts_with('['));
            assert!(kind.marker(Lang::En).ends_with(']'));
        }
        assert_eq!(
            redact_text("Cable replaced, call Mario on 333 1234567", None),
            "Cable replaced, call Mario on [phone]"
        );
        assert_eq!(
            redact_text("Cable replaced, call 333 1234567", Some(Lang::It)),
            "Cable replaced, call [telefono]"
        );
    }

    #[test]
    fn text_without_personal_data_is_unchanged() {
        for text in [
            "Il lampione n. 1234 di via Roma 15 è spento dal 12/11/2026",
            "Buca di 30 cm in corso Buenos Aires 45, costo stimato 1.250,00 €",
            "Orari 08.30-12.30, palo 00123, CAP 20121",
            "The lamp post 2481 at 14 Baker Street has been out since 03/11/2026",
            "Sono passato ieri alle 18:30 e ci sono ancora rifiuti",
        ] {
            assert_eq!(it(text), text);
        }
    }

    /// Characters that show nothing or read as others must not hide personal data.
    #[test]
    fn hiding_characters_do_not_hide_personal_data() {
        use PersonalData::*;
        for (text, kind, data) in [
            (
                "chiamatemi al 347\u{200B}555\u{200B}1234",
                Phone,
                "347\u{200B}555\u{200B}1234",
            ),
            (
                "tel. 3\u{200D}4\u{200D}7 555 1234",
                Phone,
                "3\u{200D}4\u{200D}7 555 1234",
            ),
            (
                "tel ３４７ ５５５ １２３４ grazie",
                Phone,
                "３４７ ５５５ １２３４",
            ),
            (
                "cell. 347\u{00A0}555\u{2009}1234",
                Phone,
                "347\u{00A0}555\u{2009}1234",
            ),
            (
                "+39\u{202F}02\u{2011}1234\u{2011}5678",
                Phone,
                "+39\u{202F}02\u{2011}1234\u{2011}5678",
            ),
            ("whatsapp ٣٤٧٥٥٥١٢٣٤", Phone, "٣٤٧٥٥٥١٢٣٤"),
            (
                "scrivete a mario\u{200D}.rossi@libero.it",
                Email,
                "mario\u{200D}.rossi@libero.it",
            ),
            (
                "scrivete a mario.rossi＠libero．it",
                Email,
                "mario.rossi＠libero．it",
            ),
            (
                "anna\u{FEFF}@example.org",
                Email,
                "anna\u{FEFF}@example.org",
            ),
            ("scrivete a mаrio@libero.it", Email, "mаrio@libero.it"),
            ("seguitemi su ＠anna_b", Handle, "＠anna_b"),
            ("seguitemi su ﹫anna_b", Handle, "﹫anna_b"),
            (
                "CF RSSMRA85\u{200B}T10A562S",
                TaxCode,
                "RSSMRA85\u{200B}T10A562S",
            ),
            (
                "CF ＲＳＳＭＲＡ８５Ｔ１０Ａ５６２Ｓ",
                TaxCode,
                "ＲＳＳＭＲＡ８５Ｔ１０Ａ５６２Ｓ",
            ),
            (
                "IBAN IT60\u{00A0}X054\u{00A0}2811\u{00A0}1010\u{00A0}0000\u{00A0}0123\u{00A0}456",
                Iban,
                "IT60\u{00A0}X054\u{00A0}2811\u{00A0}1010\u{00A0}0000\u{00A0}0123\u{00A0}456",
            ),
            (
                "auto AB\u{2009}123\u{2009}CD in doppia fila",
                Plate,
                "AB\u{2009}123\u{2009}CD",
            ),
            (
                "Mi chiamo Ma\u{200B}rio Rossi.",
                Name,
                "Ma\u{200B}rio Rossi",
            ),
        ] {
            assert_eq!(kinds(text), vec![(kind, data)], "{text:?}");
            let redacted = it(text);
            assert!(redacted.contains(kind.marker(Lang::It)), "{redacted:?}");
            assert!(!redacted.contains(data), "{redacted:?}");
        }
        assert_eq!(
            it("Lampione\u{00A0}n.\u{00A0}1234 spento dal 12/11/2026, ore 18:30"),
            "Lampione\u{00A0}n.\u{00A0}1234 spento dal 12/11/2026, ore 18:30"
        );
    }

    /// A megabyte of reports: every piece of personal data in it found.
    #[test]
    fn a_megabyte_of_reports_is_redacted_whole() {
        let report = "Buongiorno, sono Anna Bianchi, il lampione n. 1234 di via Roma 15 è \
            spento dal 12/11/2026. Chiamatemi al 347 555 1234 o scrivete a anna@example.org.\n";
        let copies = MEGABYTE / report.len();
        let redacted = it(&report.repeat(copies));
        for marker in ["[nome]", "[telefono]", "[email]"] {
            assert_eq!(redacted.matches(marker).count(), copies, "{marker}");
        }
        assert_eq!(redacted.matches("n. 1234").count(), copies);
    }

    /// Hostile texts of half a megabyte: runs of digits, at signs, introductions,
    /// names, cues, hidden characters. The patterns cannot backtrack and what is
    /// looked at around each match is bounded, so the time grows with the length only:
    /// a quadratic step would take hours here, linear work seconds even unoptimised
    /// on a busy machine.
    #[test]
    fn hostile_texts_take_linear_time() {
        const HALF: usize = MEGABYTE / 2;
        let started = std::time::Instant::now();
        for (unit, marker) in [
            ("3", None),
            ("3 ", None),
            ("347 555 1234, ", Some("[telefono]")),
            ("a", None),
            ("a.", None),
            ("@a", None),
            ("a@", None),
            ("x [at] ", None),
            ("Sono ", None),
            ("Mario ", Some("[nome]")),
            ("il signor ", None),
            ("Saluti, ", None),
            ("targa AB ", None),
            ("IT60 X054 ", None),
            ("+39 ", None),
            ("\n", None),
            ("3\u{200B}", None),
            ("347\u{200B}555\u{200B}1234 ", Some("[telefono]")),
            ("０", None),
            ("è", None),
        ] {
            let text = unit.repeat(HALF / unit.len());
            let redacted = redact_text(&text, Some(Lang::It));
            if let Some(marker) = marker {
                assert!(redacted.contains(marker), "{unit:?}");
            }
        }
        let elapsed = started.elapsed();
        assert!(elapsed.as_secs() < 120, "{elapsed:?}");
    }

    const MEGABYTE: usize = 1 << 20;
}
