//! What the bot says, in Italian and English. Plain text: every platform shows it as is.

use std::collections::HashMap;

use chrono::{DateTime, Datelike};
use segnala_shared::{lang::Lang, time::Tz};

use crate::domain::{PublicState, StatusStep};

/// The public page of a report.
pub fn status_link(public_url: &str, tracking_code: &str) -> String {
    format!("{}/r/{tracking_code}", public_url.trim_end_matches('/'))
}

pub fn accepted(language: Lang, code: &str, link: &str) -> String {
    match language {
        Lang::It => format!(
            "Grazie! La segnalazione è registrata con il codice {code}. Segui lo stato qui: {link}"
        ),
        Lang::En => format!(
            "Thank you! Your report is registered with the code {code}. Follow its status here: {link}"
        ),
    }
}

pub fn ask_location(language: Lang) -> String {
    match language {
        Lang::It => {
            "Dove si trova il problema? Invia la posizione, oppure scrivi l'indirizzo.".into()
        }
        Lang::En => "Where is the problem? Send the location, or type the address.".into(),
    }
}

/// When the answer to "where?" was not a place.
pub fn ask_location_again(language: Lang) -> String {
    match language {
        Lang::It => "Non ho capito dove si trova il problema: invia la posizione, oppure scrivi la via e il numero civico (per esempio «via Roma 12»).".into(),
        Lang::En => "I could not tell where the problem is: send the location, or type the street and the number (for example \"12 Via Roma\").".into(),
    }
}

pub fn ask_description(language: Lang) -> String {
    match language {
        Lang::It => "Qual è il problema in questo punto? Descrivilo in poche parole.".into(),
        Lang::En => "What is the problem at this place? Describe it in a few words.".into(),
    }
}

/// After a photo with neither words nor a place.
pub fn ask_about_photo(language: Lang) -> String {
    match language {
        Lang::It => {
            "Cosa mostra la foto? Descrivi il problema in poche parole e invia la posizione.".into()
        }
        Lang::En => {
            "What does the photo show? Describe the problem in a few words and send the location."
                .into()
        }
    }
}

/// After a voice message, a video, a file or a contact card.
pub fn can_read(language: Lang) -> String {
    match language {
        Lang::It => "Posso leggere testo, posizioni e foto, ma non messaggi vocali, video, file o contatti: scrivi qual è il problema e invia la posizione.".into(),
        Lang::En => "I can read text, places and photos, but not voice messages, videos, files or contacts: write what the problem is and send the location.".into(),
    }
}

/// After a thank-you or a greeting that is no report.
pub fn small_talk(language: Lang) -> String {
    match language {
        Lang::It => "Grazie a te! Per segnalare un problema scrivi cosa succede e invia la posizione; per sapere a che punto è una segnalazione scrivi /stato CODICE.".into(),
        Lang::En => "Thank you! To report a problem, write what is wrong and send the location; to check on a report, write /status CODE.".into(),
    }
}

/// A place outside the city, refused as soon as it arrives.
pub fn outside_city(language: Lang, jurisdiction: &str) -> String {
    match language {
        Lang::It => format!(
            "Il luogo che hai indicato è fuori dal territorio di {jurisdiction}: raccogliamo solo segnalazioni in città. Se il problema è in città, invia la posizione giusta. Se qualcuno è in pericolo chiama il 112."
        ),
        Lang::En => format!(
            "The place you sent is outside {jurisdiction}: we can only take reports within the city. If the problem is in town, send the right location. If anyone is in danger, call 112."
        ),
    }
}

pub fn welcome(language: Lang) -> String {
    match language {
        Lang::It => "Ciao! Qui puoi segnalare al Comune un problema in città: descrivilo (per esempio «lampione spento») e invia la posizione. Per sapere a che punto è una segnalazione scrivi /stato CODICE.".into(),
        Lang::En => "Hello! Here you can report a problem in town to the city: describe it (for example \"street light out\") and send the location. To check on a report, write /status CODE.".into(),
    }
}

pub fn status_lookup(language: Lang, code: &str, link: &str) -> String {
    match language {
        Lang::It => format!("Segnalazione {code}: lo stato aggiornato è qui {link}"),
        Lang::En => format!("Report {code}: its current status is here {link}"),
    }
}

pub fn unknown_code(language: Lang, code: &str) -> String {
    match language {
        Lang::It => format!(
            "Non trovo nessuna segnalazione con il codice «{code}». Controlla il codice e riprova."
        ),
        Lang::En => {
            format!(
                "I cannot find a report with the code \"{code}\". Check the code and try again."
            )
        }
    }
}

pub fn rejected_input(language: Lang, reason: &str) -> String {
    match language {
        Lang::It => format!("Non posso registrare la segnalazione: {reason}"),
        Lang::En => format!("I could not register the report: {reason}"),
    }
}

pub fn emergency(language: Lang, code: &str) -> String {
    match language {
        Lang::It => format!(
            "La segnalazione {code} potrebbe essere un'emergenza: l'abbiamo inoltrata con priorità. Se qualcuno è in pericolo chiama subito il 112."
        ),
        Lang::En => format!(
            "Report {code} may be an emergency: it has been forwarded with priority. If anyone is in danger, call 112 now."
        ),
    }
}

/// A public alert: the Italian text first, then the English one, each "title: body".
pub fn alert(titles: &HashMap<String, String>, bodies: &HashMap<String, String>) -> String {
    let mut parts = Vec::new();
    for language in Lang::ALL {
        let code = language.code();
        let title = titles.get(code).map(|t| t.trim()).unwrap_or_default();
        let body = bodies.get(code).map(|b| b.trim()).unwrap_or_default();
        let part = match (title.is_empty(), body.is_empty()) {
            (true, true) => continue,
            (false, true) => format!("⚠️ {title}"),
            (true, false) => format!("⚠️ {body}"),
            (false, false) => format!("⚠️ {title}: {body}"),
        };
        parts.push(part);
    }
    parts.join("\n\n")
}

/// Where a report stands, as a reply tells it.
#[derive(Clone, Debug)]
pub struct StatusNews<'a> {
    pub code: &'a str,
    pub state: PublicState,
    pub step: StatusStep,
    /// The public note of the change, or the reason of a hold or rejection.
    pub note: &'a str,
    /// When the city expects it fixed, in the city's time zone.
    pub expected_at: Option<DateTime<Tz>>,
    pub link: &'a str,
}

/// The update sent when a report's public state changes; `None` for states the
/// citizen was already told about (received).
pub fn status_changed(language: Lang, news: &StatusNews<'_>) -> Option<String> {
    if matches!(news.state, PublicState::Unspecified | PublicState::Received) {
        return None;
    }
    Some(status_now(language, news))
}

/// Where a report stands now, with the note or reason, the expected date and the link.
pub fn status_now(language: Lang, news: &StatusNews<'_>) -> String {
    let what = state_words(language, news.state, news.step);
    let note = news.note.trim();
    let note = match (language, note.is_empty(), news.step) {
        (_, true, _) => String::new(),
        (Lang::It, false, StatusStep::OnHold) => format!(" Motivo: {}", sentence(note)),
        (Lang::En, false, StatusStep::OnHold) => format!(" Reason: {}", sentence(note)),
        (Lang::It, false, _) => format!(" Nota: {}", sentence(note)),
        (Lang::En, false, _) => format!(" Note: {}", sentence(note)),
    };
    let open = matches!(news.state, PublicState::Assigned | PublicState::InProgress);
    let expected = match (language, news.expected_at.filter(|_| open)) {
        (_, None) => String::new(),
        (Lang::It, Some(at)) => format!(" Data prevista: {}.", date(language, at)),
        (Lang::En, Some(at)) => format!(" Expected by {}.", date(language, at)),
    };
    let (code, link) = (news.code, news.link);
    match language {
        Lang::It => {
            format!("Segnalazione {code}: {what}.{note}{expected} Dettagli: {link}")
        }
        Lang::En => format!("Report {code}: {what}.{note}{expected} Details: {link}"),
    }
}

fn state_words(language: Lang, state: PublicState, step: StatusStep) -> &'static str {
    match (language, step, state) {
        (Lang::It, StatusStep::OnHold, _) => "i lavori sono sospesi",
        (Lang::En, StatusStep::OnHold, _) => "work on it is on hold",
        (Lang::It, StatusStep::Reopened, _) => "è stata riaperta e torna alla squadra",
        (Lang::En, StatusStep::Reopened, _) => "has been reopened and goes back to the crew",
        (Lang::It, _, PublicState::Unspecified | PublicState::Received) => "è stata ricevuta",
        (Lang::It, _, PublicState::InReview) => "è in verifica da parte degli uffici",
        (Lang::It, _, PublicState::Assigned) => "è stata presa in carico",
        (Lang::It, _, PublicState::InProgress) => "una squadra è al lavoro",
        (Lang::It, _, PublicState::Resolved) => "è stata risolta",
        (Lang::It, _, PublicState::Closed) => "è stata chiusa",
        (Lang::It, _, PublicState::Duplicate) => {
            "è stata unita a un'altra segnalazione dello stesso problema"
        }
        (Lang::It, _, PublicState::Rejected) => "non è stata accolta",
        (Lang::En, _, PublicState::Unspecified | PublicState::Received) => "has been received",
        (Lang::En, _, PublicState::InReview) => "is being reviewed by the city",
        (Lang::En, _, PublicState::Assigned) => "has been taken on",
        (Lang::En, _, PublicState::InProgress) => "a crew is working on it",
        (Lang::En, _, PublicState::Resolved) => "has been resolved",
        (Lang::En, _, PublicState::Closed) => "has been closed",
        (Lang::En, _, PublicState::Duplicate) => {
            "has been merged with another report of the same problem"
        }
        (Lang::En, _, PublicState::Rejected) => "was not accepted",
    }
}

/// A note as a sentence: ending with a full stop unless it ends with punctuation.
fn sentence(text: &str) -> String {
    if text.ends_with(['.', '!', '?', '…']) {
        text.to_owned()
    } else {
        format!("{text}.")
    }
}

const MONTHS_IT: [&str; 12] = [
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
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// "5 dicembre 2026, ore 14:30" / "5 December 2026, 14:30", on the city's clock.
fn date(language: Lang, at: DateTime<Tz>) -> String {
    let month = usize::try_from(at.month0()).unwrap_or_default();
    let (day, year, time) = (at.day(), at.year(), at.format("%H:%M"));
    match language {
        Lang::It => format!("{day} {} {year}, ore {time}", MONTHS_IT[month % 12]),
        Lang::En => format!("{day} {} {year}, {time}", MONTHS_EN[month % 12]),
    }
}

/// Asked after the resolution's news.
pub fn ask_if_fixed(language: Lang) -> String {
    match language {
        Lang::It => {
            "Il problema è davvero risolto? Rispondi «sì» oppure «no», e se qualcosa non va dicci cosa.".into()
        }
        Lang::En => {
            "Is the problem really fixed? Answer \"yes\" or \"no\", and if something is wrong tell us what.".into()
        }
    }
}

/// The two buttons under the question: fixed, not fixed.
pub fn fixed_labels(language: Lang) -> [&'static str; 2] {
    match language {
        Lang::It => ["Sì, è risolto", "No, non è risolto"],
        Lang::En => ["Yes, it's fixed", "No, not fixed"],
    }
}

pub fn thanks_for_feedback(language: Lang, code: &str, fixed: bool) -> String {
    match (language, fixed) {
        (Lang::It, true) => {
            format!("Grazie della conferma! La segnalazione {code} è risolta.")
        }
        (Lang::It, false) => format!(
            "Grazie, ci dispiace: la segnalazione {code} torna alla squadra. Ti aggiorneremo qui."
        ),
        (Lang::En, true) => {
            format!("Thank you for confirming! Report {code} is resolved.")
        }
        (Lang::En, false) => format!(
            "Thank you, and sorry: report {code} goes back to the crew. We will keep you posted here."
        ),
    }
}

pub fn already_answered(language: Lang, code: &str) -> String {
    match language {
        Lang::It => {
            format!("Abbiamo già la tua risposta sulla segnalazione {code}, grazie.")
        }
        Lang::En => format!("We already have your answer on report {code}, thank you."),
    }
}

/// An answer that comes after the report moved on (work started again, reopened).
pub fn moved_on(language: Lang, code: &str, link: &str) -> String {
    match language {
        Lang::It => format!(
            "Grazie! La segnalazione {code} nel frattempo è andata avanti: lo stato aggiornato è qui {link}"
        ),
        Lang::En => {
            format!(
                "Thank you! Report {code} has moved on since: its current status is here {link}"
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn news<'a>(state: PublicState, step: StatusStep, note: &'a str) -> StatusNews<'a> {
        StatusNews {
            code: "ABC",
            state,
            step,
            note,
            expected_at: None,
            link: "https://x/r/ABC",
        }
    }

    #[test]
    fn status_updates_speak_the_reporters_language() {
        assert_eq!(
            status_changed(
                Lang::It,
                &news(
                    PublicState::Resolved,
                    StatusStep::WorkResolved,
                    "Lampada sostituita"
                )
            )
            .as_deref(),
            Some(
                "Segnalazione ABC: è stata risolta. Nota: Lampada sostituita. Dettagli: https://x/r/ABC"
            )
        );
        let mut assigned = news(PublicState::Assigned, StatusStep::WorkQueued, "");
        assigned.link = "L";
        assert_eq!(
            status_changed(Lang::En, &assigned).as_deref(),
            Some("Report ABC: has been taken on. Details: L")
        );
        assert_eq!(
            status_changed(
                Lang::En,
                &news(PublicState::Received, StatusStep::Received, "")
            ),
            None
        );
    }

    #[test]
    fn a_hold_is_a_hold_with_its_reason_and_the_expected_date_on_the_citys_clock() {
        let mut held = news(
            PublicState::InProgress,
            StatusStep::OnHold,
            "In attesa del pezzo di ricambio",
        );
        // 13:30 UTC on 4 December is 14:30 in Rome.
        let due = chrono::Utc
            .with_ymd_and_hms(2026, 12, 4, 13, 30, 0)
            .unwrap();
        held.expected_at = Some(due.with_timezone(&segnala_shared::time::DEFAULT_TIME_ZONE));
        assert_eq!(
            status_now(Lang::It, &held),
            "Segnalazione ABC: i lavori sono sospesi. Motivo: In attesa del pezzo di ricambio. Data prevista: 4 dicembre 2026, ore 14:30. Dettagli: https://x/r/ABC"
        );
        held.note = "Waiting for a spare part";
        held.expected_at = Some(due.with_timezone(&Tz::Europe__London));
        assert_eq!(
            status_now(Lang::En, &held),
            "Report ABC: work on it is on hold. Reason: Waiting for a spare part. Expected by 4 December 2026, 13:30. Details: https://x/r/ABC"
        );
        // No expected date once it is resolved.
        let mut resolved = news(PublicState::Resolved, StatusStep::WorkResolved, "");
        resolved.expected_at = held.expected_at;
        assert_eq!(
            status_now(Lang::En, &resolved),
            "Report ABC: has been resolved. Details: https://x/r/ABC"
        );
    }
}
