//! What every platform's webhook or poller turns a citizen's message into, and how to
//! answer them there. Routes and senders are personal data: they stay in intake.

use segnala_shared::lang::Lang;
use serde::{Deserialize, Serialize};

use crate::domain::{Channel, GeoPoint, ReporterContact};

/// One message from a citizen, whatever the platform.
#[derive(Clone, Debug, PartialEq)]
pub struct IncomingMessage {
    pub channel: Channel,
    /// The platform's id of this message, unique on the channel.
    pub message_id: String,
    /// Who wrote, as the platform identifies them (chat id, phone, account id).
    pub sender: String,
    pub text: Option<String>,
    pub location: Option<GeoPoint>,
    /// The platform's language hint for the sender or the post (`it`, `en-GB`).
    pub language_hint: Option<String>,
    pub contact: ReporterContact,
    /// The photos sent with it.
    pub photos: Vec<PhotoRef>,
    /// What else it held that the bot cannot read (a voice message, a sticker…).
    pub unreadable: Option<Unreadable>,
    /// A button of the bot's the citizen pressed instead of writing.
    pub button: Option<ButtonPress>,
    /// Whether it answers in a thread (a reply to a post). Chat messages always do; on
    /// Mastodon and X a post of its own starts afresh.
    pub in_thread: bool,
    /// How to answer this message.
    pub route: ReplyRoute,
}

impl IncomingMessage {
    /// A message on `channel` with nothing in it yet, answered along `route`.
    pub fn new(channel: Channel, message_id: String, sender: String, route: ReplyRoute) -> Self {
        Self {
            channel,
            message_id,
            sender,
            text: None,
            location: None,
            language_hint: None,
            contact: ReporterContact::default(),
            photos: Vec::new(),
            unreadable: None,
            button: None,
            in_thread: true,
            route,
        }
    }

    /// Whether it holds anything a report can be made of.
    pub fn has_content(&self) -> bool {
        self.text.as_deref().is_some_and(|t| !t.trim().is_empty())
            || self.location.is_some()
            || !self.photos.is_empty()
    }
}

/// What a message held that the bot cannot read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unreadable {
    /// A voice message or an audio file.
    Audio,
    Video,
    /// A file (PDF, document).
    Document,
    /// A contact card.
    Contact,
    /// A shop order, a poll, or anything else the bot has no use for.
    Other,
    /// A sticker, an animation or a reaction: no answer expected.
    Reaction,
}

impl Unreadable {
    /// Whether the citizen is told what the bot can read; a sticker or a reaction is
    /// acknowledged by saying nothing.
    pub fn deserves_an_answer(self) -> bool {
        self != Self::Reaction
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Audio => "audio",
            Self::Video => "video",
            Self::Document => "document",
            Self::Contact => "contact",
            Self::Other => "other",
            Self::Reaction => "reaction",
        }
    }
}

/// A button pressed: the data the bot gave it, and for Telegram the query to answer
/// so that the citizen's app stops waiting.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ButtonPress {
    pub data: String,
    pub callback_query_id: Option<String>,
}

/// Where a reply goes, per platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "platform", rename_all = "snake_case")]
pub enum ReplyRoute {
    Telegram {
        chat_id: i64,
    },
    WhatsApp {
        phone_number_id: String,
        to: String,
    },
    /// A reply in the thread of `status_id`, mentioning `acct`.
    Mastodon {
        status_id: String,
        acct: String,
    },
    X {
        tweet_id: String,
    },
}

/// A photo as the platform names it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "platform", rename_all = "snake_case")]
pub enum PhotoRef {
    /// A public link to the image.
    Link { url: String },
    /// A Bot API `file_id`.
    Telegram { file_id: String },
    /// A Cloud API media id.
    WhatsApp { media_id: String },
}

/// A button under a reply: what it says, and the data the platform gives back when it
/// is pressed. Telegram and WhatsApp show buttons; on Mastodon and X the text itself
/// says what to answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Choice {
    pub label: String,
    pub data: String,
}

/// The language to answer a message in: the platform's hint when it names one the
/// replies speak, else a guess from the words of the text; Italian when nothing tells.
/// The guess counts common words rather than asking [`Lang::detect`]: chat messages
/// are a few words long, too few for it ("Rifiuti abbandonati sul marciapiede" reads
/// as English there).
pub fn language_of(hint: Option<&str>, text: Option<&str>) -> Lang {
    if let Some(language) = hint.and_then(Lang::parse) {
        return language;
    }
    let Some(text) = text else {
        return Lang::It;
    };
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphabetic() && c != '\'')
        .map(str::to_lowercase)
        .collect();
    Lang::by_common_words(
        words.iter().map(String::as_str),
        ITALIAN_WORDS,
        ENGLISH_WORDS,
    )
}

/// Common function words, enough to tell a short Italian message from an English one.
const ITALIAN_WORDS: &[&str] = &[
    "il",
    "lo",
    "la",
    "i",
    "gli",
    "le",
    "un",
    "una",
    "di",
    "del",
    "della",
    "in",
    "nel",
    "nella",
    "su",
    "sul",
    "con",
    "per",
    "che",
    "è",
    "non",
    "c'è",
    "ci",
    "da",
    "dal",
    "alla",
    "al",
    "e",
    "sono",
    "buca",
    "lampione",
    "spento",
    "strada",
    "via",
    "piazza",
    "rotto",
    "rifiuti",
    "ciao",
    "buongiorno",
    "grazie",
];
const ENGLISH_WORDS: &[&str] = &[
    "the", "a", "an", "of", "in", "on", "at", "with", "for", "is", "are", "not", "there", "this",
    "that", "and", "street", "light", "broken", "pothole", "road", "near", "hello", "hi", "thanks",
    "please", "out",
];

/// Coordinates written in a text: `geo:45.46,9.19`, `45.4642, 9.1900`, or a map link
/// with `mlat=…&mlon=…` or `@45.46,9.19`. Only plausible pairs with a decimal point.
pub fn coordinates_in(text: &str) -> Option<GeoPoint> {
    if let (Some(lat), Some(lon)) = (query_value(text, "mlat="), query_value(text, "mlon=")) {
        return point(lat, lon);
    }
    let numbers: Vec<(usize, f64)> = number_tokens(text);
    numbers.windows(2).find_map(|pair| {
        let ((_, lat), (_, lon)) = (pair[0], pair[1]);
        point(lat, lon)
    })
}

fn query_value(text: &str, key: &str) -> Option<f64> {
    let start = text.find(key)? + key.len();
    let rest = &text[start..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-'))
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// Decimal numbers (with a point) in the text, with their position.
fn number_tokens(text: &str) -> Vec<(usize, f64)> {
    let mut tokens = Vec::new();
    let mut start = None;
    for (index, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        let part = c.is_ascii_digit() || c == '.' || (c == '-' && start.is_none());
        match (part, start) {
            (true, None) => start = Some(index),
            (false, Some(begin)) => {
                let token = &text[begin..index];
                if token.contains('.')
                    && let Ok(value) = token.parse::<f64>()
                {
                    tokens.push((begin, value));
                }
                start = None;
            }
            _ => {}
        }
    }
    tokens
}

fn point(latitude: f64, longitude: f64) -> Option<GeoPoint> {
    ((-90.0..=90.0).contains(&latitude) && (-180.0..=180.0).contains(&longitude)).then_some(
        GeoPoint {
            latitude,
            longitude,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_from_hint_then_text() {
        assert_eq!(language_of(Some("en-GB"), Some("buca")), Lang::En);
        assert_eq!(language_of(Some("ru"), None), Lang::It);
        assert_eq!(
            language_of(None, Some("The street light is out near the school")),
            Lang::En
        );
        assert_eq!(
            language_of(Some("ru"), Some("C'è una buca nella strada")),
            Lang::It
        );
    }

    #[test]
    fn coordinates_written_in_text() {
        let at = |t: &str| coordinates_in(t).map(|p| (p.latitude, p.longitude));
        assert_eq!(at("geo:45.4642,9.19"), Some((45.4642, 9.19)));
        assert_eq!(at("sono qui 45.46, 9.19 vicino"), Some((45.46, 9.19)));
        assert_eq!(
            at("https://www.openstreetmap.org/?mlat=45.1&mlon=9.2#map=19/45.1/9.2"),
            Some((45.1, 9.2))
        );
        assert_eq!(at("via Roma 12"), None);
        assert_eq!(at("99.5, 9.1"), None);
    }
}
