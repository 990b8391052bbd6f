//! The ways to reach a person: phone numbers, e-mail addresses and handles.

use std::sync::LazyLock;

use regex::Regex;

use super::{Cues, Finding, PersonalData, ceil_char_boundary, pattern};

/// `name@domain.tld`, also written `name [at] domain [dot] tld` to fool harvesters;
/// letters of any script, so that a look-alike letter does not cut the address short.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"(?i)[\p{L}\p{N}][\p{L}\p{N}._%+-]*(?:@|\s?[\[(]\s?at\s?[\])]\s?)[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:(?:\.|\s?[\[(]\s?dot\s?[\])]\s?)[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*(?:\.|\s?[\[(]\s?dot\s?[\])]\s?)\p{L}{2,}(?-u:\b)",
    )
});

/// `@name` (X, Telegram, Instagram) or `@name@instance` (Mastodon).
static HANDLE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,})?",
    )
});

/// A country code after `+` or `00`, then the number in groups.
static INTERNATIONAL: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"\(?(?:\+|(?-u:\b)00)[1-9](?:[ ./-]?\(?\d\)?){7,14}"));

/// Italian mobiles: ten digits (some nine) from 31x to 39x.
static MOBILE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?-u:\b)3[1-9]\d(?:[ ./-]?\d){6,7}(?-u:\b)"));

/// Landlines, Italian and British alike: a leading 0, six to eleven digits in all.
static LANDLINE: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"(?-u:\b)0[1-9]\d{0,3}(?:[ ./-]?\d){4,9}(?-u:\b)"));

/// Any run of digits in groups: a phone number where the words before say so.
static DIGITS: LazyLock<Regex> =
    LazyLock::new(|| pattern(r"\+?\(?\d(?:[ ./-]?\(?\d\)?){5,14}(?-u:\b)"));

/// Shapes that are dates, times and periods, not numbers to call.
static NOT_A_PHONE: LazyLock<Regex> = LazyLock::new(|| {
    pattern(
        r"^(?:\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|\d{4}[./-]\d{1,2}[./-]\d{1,2}|\d{1,2}[./-]\d{4}|\d{1,2}[.:]\d{2}\s?-\s?\d{1,2}[.:]\d{2})$",
    )
});

static PHONE_CUES: Cues = Cues(LazyLock::new(|| {
    pattern(
        r"(?i)(?-u:\b)(?:tel|tel\.|telefono|telefonare|telefonatemi|cell|cell\.|cellulare|chiama\w*|contatta\w*|recapito|numero di telefono|numero di casa|mio numero|whatsapp|sms|phone|call|ring|mobile|text me|contact me|reach me|my number|number is)(?-u:\b)",
    )
}));

/// Words before a number that make it a lamp post's, a file's or a house's.
static OTHER_NUMBER_CUES: Cues = Cues(LazyLock::new(|| {
    pattern(
        r"(?i)(?:(?-u:\b)n\.|(?-u:\b)nr\.?|(?-u:\b)num\.|(?-u:\b)numero(?-u:\b)|(?-u:\b)palo(?-u:\b)|(?-u:\b)lampione(?-u:\b)|(?-u:\b)matricola(?-u:\b)|(?-u:\b)prot\w*|(?-u:\b)pratica(?-u:\b)|(?-u:\b)codice(?-u:\b)|(?-u:\b)cod\.|(?-u:\b)rif\w*|(?-u:\b)ref(?-u:\b)|(?-u:\b)ticket(?-u:\b)|#|(?-u:\b)pole(?-u:\b)|(?-u:\b)post(?-u:\b)|(?-u:\b)no\.|(?-u:\b)number(?-u:\b)|(?-u:\b)cap(?-u:\b)|(?-u:\b)civico(?-u:\b)|(?-u:\b)contatore(?-u:\b)|(?-u:\b)tombino(?-u:\b)|(?-u:\b)cassonetto(?-u:\b)|(?-u:\b)punto luce(?-u:\b)|(?-u:\b)segnalazione(?-u:\b)|(?-u:\b)avviso(?-u:\b)|(?-u:\b)fattura(?-u:\b)|(?-u:\b)verbale(?-u:\b)|(?-u:\b)serial(?-u:\b)|(?-u:\b)reference(?-u:\b)|(?-u:\b)meter(?-u:\b))",
    )
}));

/// How far before a number its cue may stand.
const CUE_REACH: usize = 24;

/// Fewer digits than this make no phone number.
const PHONE_DIGITS: usize = 6;

/// `digits`: how many the text holds.
pub(super) fn find(text: &str, digits: usize, findings: &mut Vec<Finding>) {
    let mut push = |kind, range| findings.push(Finding { kind, range });
    let spelled_at = text
        .as_bytes()
        .windows(3)
        .any(|w| w.eq_ignore_ascii_case(b"at]") || w.eq_ignore_ascii_case(b"at)"));
    if text.contains('@') || spelled_at {
        addresses(text, &mut push);
    }
    if digits >= PHONE_DIGITS {
        phones(text, &mut push);
    }
}

fn addresses(text: &str, push: &mut impl FnMut(PersonalData, std::ops::Range<usize>)) {
    for m in HANDLE.find_iter(text) {
        // After a letter, digit or dot the `@` belongs to an e-mail address.
        let joined = text[..m.start()]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || "._%+-".contains(c));
        if !joined {
            push(PersonalData::Handle, m.range());
        }
    }
    for m in EMAIL.find_iter(text) {
        push(PersonalData::Email, m.range());
    }
}

fn phones(text: &str, push: &mut impl FnMut(PersonalData, std::ops::Range<usize>)) {
    for m in INTERNATIONAL.find_iter(text) {
        push(PersonalData::Phone, m.range());
    }
    for m in MOBILE.find_iter(text).chain(LANDLINE.find_iter(text)) {
        if !NOT_A_PHONE.is_match(m.as_str()) && cue(text, m.start()) != Some(Cue::OtherNumber) {
            push(PersonalData::Phone, m.range());
        }
    }
    for m in DIGITS.find_iter(text) {
        let digits = m.as_str().chars().filter(char::is_ascii_digit).count();
        if (6..=15).contains(&digits)
            && !NOT_A_PHONE.is_match(m.as_str())
            && cue(text, m.start()) == Some(Cue::Phone)
        {
            let start = ceil_char_boundary(text, m.start());
            push(PersonalData::Phone, start..m.end());
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Cue {
    Phone,
    OtherNumber,
}

/// What the words shortly before `at` say a number is: the cue nearest to it wins
/// ("il mio numero di pratica è …" is a file's number).
fn cue(text: &str, at: usize) -> Option<Cue> {
    let phone = PHONE_CUES.last_end_before(text, at, CUE_REACH);
    let other = OTHER_NUMBER_CUES.last_end_before(text, at, CUE_REACH);
    match (phone, other) {
        (Some(p), Some(o)) if o > p => Some(Cue::OtherNumber),
        (Some(_), _) => Some(Cue::Phone),
        (None, Some(_)) => Some(Cue::OtherNumber),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::super::{PersonalData, tests::kinds};

    #[test]
    fn phone_numbers_in_the_ways_people_write_them() {
        for (text, number) in [
            ("chiamatemi al 347 555 1234", "347 555 1234"),
            ("cell. 3475551234", "3475551234"),
            ("tel 02 1234 5678 grazie", "02 1234 5678"),
            ("tel: 06-12345678", "06-12345678"),
            ("+39 347 555 1234", "+39 347 555 1234"),
            ("(+39) 340.123.45.67", "(+39) 340.123.45.67"),
            ("0039 3331234567", "0039 3331234567"),
            ("ring 07700 900123", "07700 900123"),
            ("+44 20 7946 0958", "+44 20 7946 0958"),
            ("whatsapp 45 67 89 12", "45 67 89 12"),
            ("My number is 020 7946 0958.", "020 7946 0958"),
            ("codice AB12-CD34. 347 555 1234", "347 555 1234"),
        ] {
            assert_eq!(kinds(text), vec![(PersonalData::Phone, number)], "{text}");
        }
    }

    #[test]
    fn numbers_that_are_not_phones_stay() {
        for text in [
            "dal 12/11/2026",
            "lampione n. 0123456 spento",
            "pratica 0234567/2026",
            "orario 08.30-12.30",
            "costo 1.250.000 euro",
            "via Roma 15, 20121 Milano",
            "palo 3",
            "il mio numero di pratica è 0234567",
            "contatore 3456789012",
        ] {
            assert_eq!(kinds(text), vec![], "{text}");
        }
    }

    #[test]
    fn addresses_and_handles() {
        assert_eq!(
            kinds("mario.rossi+comune@example.co.uk"),
            vec![(PersonalData::Email, "mario.rossi+comune@example.co.uk")]
        );
        assert_eq!(
            kinds("anna [at] example [dot] it"),
            vec![(PersonalData::Email, "anna [at] example [dot] it")]
        );
        assert_eq!(
            kinds("grazie @Anna_B e @luca@social.coop, @marco.verdi."),
            vec![
                (PersonalData::Handle, "@Anna_B"),
                (PersonalData::Handle, "@luca@social.coop"),
                (PersonalData::Handle, "@marco.verdi")
            ]
        );
    }
}
