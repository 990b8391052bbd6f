//! Is this a report at all? Before routing, each message is screened: rules (a
//! department's keyword, a chosen service, words of thanks and greetings) and a
//! linear model of reports against chatter, on the same featurizer as the router,
//! give the chance that it describes a problem to act on. Public mentions are held to
//! a stricter bar than messages people send to the city's own channels.

use serde::Deserialize;

use crate::domain::{
    featurizer::{Audience, Featurizer, ReportContext, Tokens},
    model::Model,
};

/// The model's label for a message that describes a problem to act on.
pub const REPORT: &str = "report";
/// Its label for everything else: news, thanks, politics, jokes, questions.
pub const NOT_A_REPORT: &str = "not_a_report";

/// Where the chance that a message is a report sends it: under `answer_below` it is
/// answered as not a report, under `review_below` an operator decides.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bar {
    pub answer_below: f32,
    pub review_below: f32,
}

/// The bars of each audience (`[triage.screening]` in the settings).
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ScreeningBars {
    /// Messages sent to the city: apps, chat bots, Open311, the API.
    pub direct: Bar,
    /// Posts that mention the city on a public timeline (Mastodon, X).
    pub mention: Bar,
}

impl Default for ScreeningBars {
    fn default() -> Self {
        Self {
            direct: Bar {
                answer_below: 0.15,
                review_below: 0.25,
            },
            mention: Bar {
                answer_below: 0.35,
                review_below: 0.55,
            },
        }
    }
}

/// The screening model with its bars.
pub struct Screening {
    model: Model,
    /// The model's class of reports.
    report_class: usize,
    bars: ScreeningBars,
}

/// What the rules say of a message before the model.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Cue {
    /// A department's keyword, an everyday fault or a chosen service.
    Report,
    /// Words of thanks, greetings or questions, and no department's keyword.
    Chatter,
    None,
}

/// How a message fared.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Screened {
    Report,
    Doubtful { chance: f32, below: f32 },
    NotAReport { chance: f32, below: f32 },
}

#[derive(Debug, thiserror::Error)]
pub enum ScreeningError {
    #[error("the screening model's classes must be `{REPORT}` and `{NOT_A_REPORT}`, not {0}")]
    Classes(String),
    #[error("the screening bars must satisfy 0 ≤ answer_below ≤ review_below ≤ 1")]
    Bars,
}

impl Screening {
    pub fn new(model: Model, bars: ScreeningBars) -> Result<Self, ScreeningError> {
        let mut classes = model.classes.clone();
        classes.sort();
        if classes != [NOT_A_REPORT, REPORT] {
            return Err(ScreeningError::Classes(model.classes.join(", ")));
        }
        let valid = |bar: Bar| {
            (0.0..=1.0).contains(&bar.answer_below)
                && (0.0..=1.0).contains(&bar.review_below)
                && bar.answer_below <= bar.review_below
        };
        if !valid(bars.direct) || !valid(bars.mention) {
            return Err(ScreeningError::Bars);
        }
        let report_class = model.classes.iter().position(|c| c == REPORT).unwrap_or(0);
        Ok(Self {
            model,
            report_class,
            bars,
        })
    }

    pub fn model_version(&self) -> &str {
        &self.model.version
    }

    /// The tokens of a text for this model, unless `routing` reads it the same way
    /// and its tokens serve.
    pub(super) fn own_tokens(
        &self,
        routing: &Model,
        featurizer: &Featurizer,
        text_words: &[String],
        context: ReportContext<'_>,
    ) -> Option<Tokens> {
        (!self.model.reads_like(routing))
            .then(|| self.model.tokens(featurizer, text_words, context))
    }

    /// The chance (0 to 1) that a text is a report: the model's, moved halfway
    /// (`rules_weight` of the model) towards what the rules say, with the rules and
    /// features behind it.
    pub(super) fn chance(
        &self,
        tokens: &Tokens,
        cue: Cue,
        rules: &mut Vec<String>,
    ) -> (f32, Vec<String>) {
        let prediction = self.model.predict(tokens);
        let model = prediction.probabilities[self.report_class];
        let w = self.model.rules_weight;
        let chance = match cue {
            Cue::Report => {
                rules.push("screening:report_words".into());
                (model + w) / (1.0 + w)
            }
            Cue::Chatter => {
                rules.push("screening:chatter_words".into());
                model / (1.0 + w)
            }
            Cue::None => model,
        };
        (chance, prediction.evidence)
    }

    pub(super) fn judge(&self, chance: f32, audience: Audience) -> Screened {
        let bar = match audience {
            Audience::Direct => self.bars.direct,
            Audience::Mention => self.bars.mention,
        };
        if chance < bar.answer_below {
            Screened::NotAReport {
                chance,
                below: bar.answer_below,
            }
        } else if chance < bar.review_below {
            Screened::Doubtful {
                chance,
                below: bar.review_below,
            }
        } else {
            Screened::Report
        }
    }
}
