//! Codes that name one person or their car: the Italian tax code, IBANs and number
//! plates. Check characters are verified where the code has them, so that a serial
//! number or a lamp post's code that merely looks alike stays.

use std::sync::LazyLock;

use regex::Regex;

use super::{Finding, PersonalData, ceil_char_boundary, pattern};

/// Sixteen characters: surname, name, year, month letter, day, place, check letter.
/// Digits may be replaced by letters (omocodia), so those places take both.
static TAX_CODE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)(?-u:\b)[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z](?-u:\b)",
    )
});

/// The written form of a tax code, with digits where digits belong.
static TAX_CODE_PLAIN: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^[A-Z]{6}\d{2}[ABCDEHLMPRST]\d{2}[A-Z]\d{3}[A-Z]$"));

/// A country, two check digits and the account, often in groups of four.
static IBAN: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?i)(?-u:\b)[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}"));

/// An Italian IBAN's layout: check letter, bank and branch, account.
static ITALIAN_IBAN: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"^(?:IT|SM)\d{2}[A-Z]\d{10}[A-Z0-9]{12}$"));

/// Plates whose shape alone tells them: Italian and French (AB 123 CD), British
/// (AB12 CDE), German (M-AB 1234), Spanish (1234 BCD).
static PLATES: LazyLock<[Regex; 4]> = LazyLock::new(|| {
    [
        pattern(r"(?-u:\b)[A-HJ-NPR-TV-Z]{2}[ -]?\d{3}[ -]?[A-HJ-NPR-TV-Z]{2}(?-u:\b)"),
        pattern(r"(?-u:\b)[A-Z]{2}\d{2} ?[A-Z]{3}(?-u:\b)"),
        pattern(r"(?:(?-u:\b)[A-Z]|[ÄÖÜ])[A-ZÄÖÜ]{0,2}-[A-Z]{1,2} ?\d{1,4}[EH]?(?-u:\b)"),
        pattern(r"(?-u:\b)\d{4}[ -]?[BCDFGHJKLMNPRSTVWXYZ]{3}(?-u:\b)"),
    ]
});

/// "targa", "plate": what follows shortly is a plate whatever its shape.
static PLATE_CUE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)(?-u:\b)(?:targa|targata|targato|targhe|number plate|plate|registration|reg\.|kennzeichen|immatricolat\w*)",
    )
});

/// Letters and digits a plate of any country is made of: the Italian shape in any
/// case, else letters after the digits belong to it when joined to them or written
/// in capitals ("targa AB 12345 da un mese").
static CUED_PLATE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)(?-u:\b)(?:[A-Z]{2}[ -]?\d{3}[ -]?[A-Z]{2}|[A-Z]{1,3}[ -]?\d{2,6}(?:[A-Z]{1,3}|[ -](?-i:[A-Z]{1,3}))?)(?-u:\b)",
    )
});

/// How far after its cue a plate may stand.
const PLATE_CUE_REACH: usize = 30;

/// Countries' IBAN lengths, for those a city's citizens most often bank in.
const IBAN_LENGTHS: [(&str, usize); 20] = [
    ("IT", 27),
    ("SM", 27),
    ("VA", 22),
    ("DE", 22),
    ("FR", 27),
    ("ES", 24),
    ("GB", 22),
    ("CH", 21),
    ("AT", 20),
    ("BE", 16),
    ("NL", 18),
    ("PT", 25),
    ("IE", 22),
    ("LU", 20),
    ("MC", 27),
    ("PL", 28),
    ("RO", 24),
    ("GR", 27),
    ("HR", 21),
    ("SI", 19),
];

pub(super) fn find(text: &str, findings: &mut Vec<Finding>) {
    for m in TAX_CODE.find_iter(text) {
        let code = m.as_str().to_ascii_uppercase();
        if TAX_CODE_PLAIN.is_match(&code) || tax_code_checks(&code) {
            findings.push(Finding {
                kind: PersonalData::TaxCode,
                range: m.range(),
            });
        }
    }
    for m in IBAN.find_iter(text) {
        if let Some(len) = iban_length(m.as_str()) {
            findings.push(Finding {
                kind: PersonalData::Iban,
                range: m.start()..m.start() + len,
            });
        }
    }
    for plates in PLATES.iter() {
        for m in plates.find_iter(text) {
            findings.push(Finding {
                kind: PersonalData::Plate,
                range: m.range(),
            });
        }
    }
    for cue in PLATE_CUE.find_iter(text) {
        let end = ceil_char_boundary(text, cue.end() + PLATE_CUE_REACH);
        if let Some(m) = CUED_PLATE.find(&text[cue.end()..end]) {
            let at = cue.end();
            findings.push(Finding {
                kind: PersonalData::Plate,
                range: at + m.start()..at + m.end(),
            });
        }
    }
}

/// The check letter of a codice fiscale: odd places weigh by a table, even places by
/// their value, and the sum modulo 26 is the letter.
fn tax_code_checks(code: &str) -> bool {
    const ODD: [u32; 26] = [
        1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24,
        23,
    ];
    let bytes = code.as_bytes();
    if bytes.len() != 16 {
        return false;
    }
    let value = |b: u8| match b {
        b'0'..=b'9' => u32::from(b - b'0'),
        b'A'..=b'Z' => u32::from(b - b'A'),
        _ => 0,
    };
    let sum: u32 = bytes[..15]
        .iter()
        .enumerate()
        .map(|(i, &b)| {
            let v = value(b) as usize;
            if i % 2 == 0 { ODD[v] } else { v as u32 }
        })
        .sum();
    u32::from(bytes[15] - b'A') == sum % 26
}

/// The length in bytes of the IBAN that `candidate` starts with, if it starts with
/// one: its country's length, ending a word, with a valid check (or, for Italy, the
/// layout of one, mistyped).
fn iban_length(candidate: &str) -> Option<usize> {
    // The account's characters with the byte offset just after each.
    let chars: Vec<(char, usize)> = candidate
        .char_indices()
        .filter(|(_, c)| c.is_ascii_alphanumeric())
        .map(|(i, c)| (c.to_ascii_uppercase(), i + c.len_utf8()))
        .collect();
    let compact: String = chars.iter().map(|(c, _)| c).collect();
    let country = compact.get(..2)?;
    let &(_, len) = IBAN_LENGTHS.iter().find(|(c, _)| *c == country)?;
    let iban = compact.get(..len)?;
    let end = chars.get(len - 1)?.1;
    let ends_word = !candidate[end..]
        .chars()
        .next()
        .is_some_and(|c| c.is_alphanumeric());
    (ends_word && (iban_checks(iban) || ITALIAN_IBAN.is_match(iban))).then_some(end)
}

/// ISO 13616: the first four characters moved to the end, letters as 10–35, the
/// number modulo 97 is 1.
fn iban_checks(iban: &str) -> bool {
    let (head, tail) = iban.split_at(4.min(iban.len()));
    let mut remainder = 0u32;
    for c in tail.chars().chain(head.chars()) {
        let Some(value) = c.to_digit(36) else {
            return false;
        };
        remainder = if value < 10 {
            (remainder * 10 + value) % 97
        } else {
            (remainder * 100 + value) % 97
        };
    }
    remainder == 1
}

#[cfg(test)]
mod tests {
    use super::super::{PersonalData, tests::kinds};
    use super::*;

    #[test]
    fn tax_codes_are_checked_by_their_last_letter() {
        assert!(tax_code_checks("RSSMRA85T10A562S"));
        assert!(!tax_code_checks("RSSMRA85T10A562T"));
        assert_eq!(
            kinds("CF rssmra85t10a562s"),
            vec![(PersonalData::TaxCode, "rssmra85t10a562s")]
        );
        // The written form is taken even with a wrong check letter: a typo still
        // names the person.
        assert_eq!(
            kinds("codice RSSMRA85T10A562T"),
            vec![(PersonalData::TaxCode, "RSSMRA85T10A562T")]
        );
        assert_eq!(kinds("abcdefghijklmnop"), vec![]);
    }

    #[test]
    fn ibans_end_where_their_country_says() {
        assert_eq!(
            kinds("rimborso su IT60 X054 2811 1010 0000 0123 456 grazie"),
            vec![(PersonalData::Iban, "IT60 X054 2811 1010 0000 0123 456")]
        );
        assert_eq!(
            kinds("DE89370400440532013000"),
            vec![(PersonalData::Iban, "DE89370400440532013000")]
        );
        assert_eq!(kinds("DE89370400440532013001"), vec![]);
    }

    #[test]
    fn plates_by_shape_and_by_the_word_before_them() {
        for (text, plate) in [
            ("auto AB 123 CD in doppia fila", "AB 123 CD"),
            ("la FG-456-HJ è lì da un mese", "FG-456-HJ"),
            ("van LD51 ABC on the pavement", "LD51 ABC"),
            ("Wagen M-AB 1234 abgestellt", "M-AB 1234"),
            ("coche 1234 BCD", "1234 BCD"),
            ("targa svizzera TI 123456", "TI 123456"),
            ("targata ab123cd", "ab123cd"),
            ("registration ZH 12345", "ZH 12345"),
            ("targato tb 917 ag da ieri", "tb 917 ag"),
            ("con targa XL 77902 da settimane", "XL 77902"),
        ] {
            assert_eq!(kinds(text), vec![(PersonalData::Plate, plate)], "{text}");
        }
        for text in [
            "SS 36 al km 12",
            "linea 90 e 91",
            "codice 2481 AB",
            "A4 uscita 12",
        ] {
            assert_eq!(kinds(text), vec![], "{text}");
        }
    }
}
