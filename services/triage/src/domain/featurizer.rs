//! What the model reads of a report: the stems of its words and pairs of neighbouring
//! stems; for a model trained with positions, the report's map cell and each stem
//! within that cell; for one trained with the services citizens chose, that service
//! and the pieces of its name; and for one trained with them, the pieces of its words.

use super::text::{Stemmers, language};

/// Marks a piece of a word in the vocabulary (words hold only letters and digits).
pub(super) const PIECE_MARK: char = '#';

/// Mark a service's token and the pieces of its name in the vocabulary.
const SERVICE_MARK: &str = "@service:";
pub(super) const SERVICE_PIECE_MARK: &str = "@service#";

/// The letters in a piece of a word, counting the `<` and `>` that mark its ends: few
/// enough to be shared by a word's misspellings, compounds and inflections that its
/// stem misses ("lampion", "streetlight", "overflowing"), enough to mean something.
/// Pieces of 3 to 5 letters scored hardly higher in cross-validation, for three times
/// the lookups.
const PIECE_LETTERS: usize = 4;

/// Where a report is: latitude and longitude in degrees.
pub type Position = (f64, f64);

/// What a report carries besides its words, for a model that learned from it.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ReportContext<'a> {
    pub position: Option<Position>,
    /// The service the citizen chose: an Open311 service code, or in a city's history
    /// the code or name of the category the report was filed under.
    pub service: Option<&'a str>,
    /// Whom the message was written for: screening holds public mentions to a
    /// stricter bar.
    pub audience: Audience,
}

/// Whom a message was written for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Audience {
    /// The city: its app, chat bot, Open311 or API. People who write there came to
    /// report.
    #[default]
    Direct,
    /// A public timeline that mentions the city (Mastodon, X): mostly news, thanks,
    /// politics and jokes.
    Mention,
}

/// A report's tokens: its stems, then its map cell when the model uses positions, then
/// its service when the model uses them; and the pieces of its words when the model
/// uses them.
#[derive(Clone, Debug)]
pub struct Tokens {
    pub(super) tokens: Vec<String>,
    stems: usize,
    /// The end of the map cell among the tokens: `stems` when there is none.
    cell_end: usize,
    /// The words, each between `<` and `>`, one after the other: the pieces are byte
    /// ranges of it, so that finding them builds no string.
    marked_words: String,
    pieces: Vec<(u32, u32)>,
}

/// A feature, by the index of its token(s) or piece in [`Tokens`].
pub(super) enum Feature {
    One(usize),
    Two(usize, usize),
    Piece(usize),
}

impl Tokens {
    /// Each token; each pair of neighbouring stems ("buca strada", "street light");
    /// and the cell with each stem ("@cell:312_-57 tree": who handles trees there).
    /// The service and the pieces of its name stand alone: the reports filed under
    /// one are too few to learn it word by word.
    pub(super) fn features(&self) -> impl Iterator<Item = Feature> + '_ {
        let stems = self.stems;
        let singles = (0..self.tokens.len()).map(Feature::One);
        let pairs = (1..stems).map(|i| Feature::Two(i - 1, i));
        let in_cell =
            (stems..self.cell_end).flat_map(move |c| (0..stems).map(move |s| Feature::Two(c, s)));
        let pieces = (0..self.pieces.len()).map(Feature::Piece);
        singles.chain(pairs).chain(in_cell).chain(pieces)
    }

    pub(super) fn piece(&self, p: usize) -> &str {
        let (start, end) = self.pieces[p];
        &self.marked_words[start as usize..end as usize]
    }

    /// The features' names, as the vocabulary holds them.
    pub(super) fn names(&self) -> Vec<String> {
        self.features()
            .map(|feature| match feature {
                Feature::One(t) => self.tokens[t].clone(),
                Feature::Two(a, b) => format!("{} {}", self.tokens[a], self.tokens[b]),
                Feature::Piece(p) => format!("{PIECE_MARK}{}", self.piece(p)),
            })
            .collect()
    }
}

/// The map cell of a position: squares of `km` on a side (east-west distances shrink
/// with latitude, so cells stay square across a city).
fn cell(position: Position, km: f64) -> String {
    const KM_PER_DEGREE: f64 = 111.32;
    let (latitude, longitude) = position;
    let y = (latitude * KM_PER_DEGREE / km).floor();
    let x = (longitude * latitude.to_radians().cos() * KM_PER_DEGREE / km).floor();
    format!("@cell:{y}_{x}")
}

/// The token of a service: its code or name, in lower case, its spaces joined (a
/// space would make it a pair of tokens); nothing for a blank one.
pub(super) fn service_token(service: &str) -> Option<String> {
    let words: Vec<String> = service.split_whitespace().map(str::to_lowercase).collect();
    (!words.is_empty()).then(|| format!("{SERVICE_MARK}{}", words.join("_")))
}

/// The pieces of a service's name, letters and digits run together: a history names
/// the same service in many ways ("Fly Tipping on Street", "Flytipping - General"),
/// and most names are too rare to learn whole.
fn service_pieces(service: &str) -> Vec<String> {
    let letters: Vec<char> = std::iter::once('<')
        .chain(
            service
                .chars()
                .filter(|c| c.is_alphanumeric())
                .flat_map(char::to_lowercase),
        )
        .chain(['>'])
        .collect();
    letters
        .windows(PIECE_LETTERS)
        .map(|w| format!("{SERVICE_PIECE_MARK}{}", w.iter().collect::<String>()))
        .collect()
}

/// Turns text into tokens; holds the stemmers, which are costly to create.
#[derive(Default)]
pub struct Featurizer {
    stemmers: Stemmers,
}

impl Featurizer {
    /// The stems of the text's words (`words`, from [`super::text::words`]); when
    /// both a position and a cell size are given, the position's cell; with
    /// `services`, the context's service; and with `word_pieces`, the pieces of the
    /// words. Callers go through [`Model::tokens`], which knows what the model learned
    /// from.
    pub(super) fn tokens(
        &self,
        words: &[String],
        context: ReportContext<'_>,
        cell_km: Option<f64>,
        services: bool,
        word_pieces: bool,
    ) -> Tokens {
        let language = language(words);
        let meaningful = || {
            words
                .iter()
                .filter(|w| w.chars().nth(1).is_some() && !w.bytes().all(|b| b.is_ascii_digit()))
        };
        let mut tokens: Vec<String> = meaningful()
            .map(|w| self.stemmers.stem(language, w))
            .collect();
        let stems = tokens.len();
        if let (Some(position), Some(km)) = (context.position, cell_km) {
            tokens.push(cell(position, km));
        }
        let cell_end = tokens.len();
        if services
            && let Some(service) = context.service
            && let Some(token) = service_token(service)
        {
            tokens.push(token);
            tokens.extend(service_pieces(service));
        }
        let mut marked_words = String::new();
        let mut pieces = Vec::new();
        if word_pieces {
            let mut bounds = Vec::new();
            for word in meaningful() {
                let start = marked_words.len();
                marked_words.push('<');
                marked_words.push_str(word);
                marked_words.push('>');
                bounds.clear();
                bounds.extend(
                    marked_words[start..]
                        .char_indices()
                        .map(|(i, _)| start + i)
                        .chain([marked_words.len()]),
                );
                pieces.extend(
                    bounds
                        .windows(PIECE_LETTERS + 1)
                        .map(|w| (w[0] as u32, w[PIECE_LETTERS] as u32)),
                );
            }
        }
        Tokens {
            tokens,
            stems,
            cell_end,
            marked_words,
            pieces,
        }
    }
}
