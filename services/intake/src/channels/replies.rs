//! What the bot says, in Italian and English. Plain text: every platform shows it as is.

use std::collections::HashMap;

use segnala_proto::status::v1::PublicState;

use super::message::Language;

/// The public page of a report.
pub fn status_link(public_url: &str, tracking_code: &str) -> String {
    format!("{}/r/{tracking_code}", public_url.trim_end_matches('/'))
}

pub fn accepted(language: Language, code: &str, link: &str) -> String {
    match language {
        Language::Italian => format!(
            "Grazie! La segnalazione è registrata con il codice {code}. Segui lo stato qui: {link}"
        ),
        Language::English => format!(
            "Thank you! Your report is registered with the code {code}. Follow its status here: {link}"
        ),
    }
}

pub fn ask_location(language: Language) -> String {
    match language {
        Language::Italian => {
            "Dove si trova il problema? Invia la posizione, oppure scrivi l'indirizzo.".into()
        }
        Language::English => "Where is the problem? Send the location, or type the address.".into(),
    }
}

pub fn ask_description(language: Language) -> String {
    match language {
        Language::Italian => {
            "Qual è il problema in questo punto? Descrivilo in poche parole.".into()
        }
        Language::English => {
            "What is the problem at this place? Describe it in a few words.".into()
        }
    }
}

pub fn welcome(language: Language) -> String {
    match language {
        Language::Italian => "Ciao! Qui puoi segnalare al Comune un problema in città: descrivilo (per esempio «lampione spento») e invia la posizione. Per sapere a che punto è una segnalazione scrivi /stato CODICE.".into(),
        Language::English => "Hello! Here you can report a problem in town to the city: describe it (for example \"street light out\") and send the location. To check on a report, write /status CODE.".into(),
    }
}

pub fn status_lookup(language: Language, code: &str, link: &str) -> String {
    match language {
        Language::Italian => format!("Segnalazione {code}: lo stato aggiornato è qui {link}"),
        Language::English => format!("Report {code}: its current status is here {link}"),
    }
}

pub fn unknown_code(language: Language, code: &str) -> String {
    match language {
        Language::Italian => format!(
            "Non trovo nessuna segnalazione con il codice «{code}». Controlla il codice e riprova."
        ),
        Language::English => {
            format!(
                "I cannot find a report with the code \"{code}\". Check the code and try again."
            )
        }
    }
}

pub fn rejected_input(language: Language, reason: &str) -> String {
    match language {
        Language::Italian => format!("Non posso registrare la segnalazione: {reason}"),
        Language::English => format!("I could not register the report: {reason}"),
    }
}

pub fn emergency(language: Language, code: &str) -> String {
    match language {
        Language::Italian => format!(
            "La segnalazione {code} potrebbe essere un'emergenza: l'abbiamo inoltrata con priorità. Se qualcuno è in pericolo chiama subito il 112."
        ),
        Language::English => format!(
            "Report {code} may be an emergency: it has been forwarded with priority. If anyone is in danger, call 112 now."
        ),
    }
}

/// A public alert: the Italian text first, then the English one, each "title: body".
pub fn alert(titles: &HashMap<String, String>, bodies: &HashMap<String, String>) -> String {
    let mut parts = Vec::new();
    for language in [Language::Italian, Language::English] {
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

/// The update sent when a report's public state changes; `None` for states the
/// citizen was already told about (received).
pub fn status_changed(
    language: Language,
    code: &str,
    state: PublicState,
    note: &str,
    link: &str,
) -> Option<String> {
    let what = match (language, state) {
        (_, PublicState::Unspecified | PublicState::Received) => return None,
        (Language::Italian, PublicState::InReview) => "è in verifica da parte degli uffici",
        (Language::Italian, PublicState::Assigned) => "è stata presa in carico",
        (Language::Italian, PublicState::InProgress) => "una squadra è al lavoro",
        (Language::Italian, PublicState::Resolved) => "è stata risolta",
        (Language::Italian, PublicState::Closed) => "è stata chiusa",
        (Language::Italian, PublicState::Duplicate) => {
            "è stata unita a un'altra segnalazione dello stesso problema"
        }
        (Language::Italian, PublicState::Rejected) => "non è stata accolta",
        (Language::English, PublicState::InReview) => "is being reviewed by the city",
        (Language::English, PublicState::Assigned) => "has been taken on",
        (Language::English, PublicState::InProgress) => "a crew is working on it",
        (Language::English, PublicState::Resolved) => "has been resolved",
        (Language::English, PublicState::Closed) => "has been closed",
        (Language::English, PublicState::Duplicate) => {
            "has been merged with another report of the same problem"
        }
        (Language::English, PublicState::Rejected) => "was not accepted",
    };
    let note = note.trim();
    let note = match (language, note.is_empty()) {
        (_, true) => String::new(),
        (Language::Italian, false) => format!(" Nota: {note}"),
        (Language::English, false) => format!(" Note: {note}"),
    };
    Some(match language {
        Language::Italian => format!("Segnalazione {code}: {what}.{note} Dettagli: {link}"),
        Language::English => format!("Report {code}: {what}.{note} Details: {link}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_updates_speak_the_reporters_language() {
        assert_eq!(
            status_changed(
                Language::Italian,
                "ABC",
                PublicState::Resolved,
                "Lampada sostituita",
                "https://x/r/ABC"
            )
            .as_deref(),
            Some(
                "Segnalazione ABC: è stata risolta. Nota: Lampada sostituita Dettagli: https://x/r/ABC"
            )
        );
        assert_eq!(
            status_changed(Language::English, "ABC", PublicState::Assigned, "", "L").as_deref(),
            Some("Report ABC: has been taken on. Details: L")
        );
        assert_eq!(
            status_changed(Language::English, "ABC", PublicState::Received, "", "L"),
            None
        );
    }
}
