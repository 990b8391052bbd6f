//! How well the redactor does on texts whose personal data is known: recall and
//! precision per kind, span by span. A finding counts only where it covers exactly
//! the marked text and names its kind; anything else is both a miss and a false
//! alarm.
//!
//! The texts are written one a line, personal data marked `[[kind:text]]` (kinds as
//! [`PersonalData::as_str`] spells them), a line break inside a text as `\n`, comments
//! after `#`. The built-in set is in `data/redaction/`: [`DEV`] to tune on and
//! [`HELD_OUT`] to check that the tuning holds.

use std::{collections::HashMap, fmt, ops::Range};

use super::{PersonalData, find};

/// The texts the redactor is tuned on.
pub const DEV: &str = include_str!("../../data/redaction/dev.txt");
/// Texts never looked at while tuning: their figures tell whether the tuning holds.
pub const HELD_OUT: &str = include_str!("../../data/redaction/held-out.txt");

/// The recall and precision every kind must reach.
pub const REQUIRED_SCORE: f64 = 0.97;

/// One text and where its personal data stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Example {
    pub text: String,
    pub spans: Vec<(PersonalData, Range<usize>)>,
}

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct ParseError {
    pub line: usize,
    pub problem: String,
}

/// Reads texts marked as this module describes.
pub fn parse(source: &str) -> Result<Vec<Example>, ParseError> {
    let mut examples = Vec::new();
    for (index, line) in source.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let failed = |problem: String| ParseError {
            line: index + 1,
            problem,
        };
        let line = line.replace("\\n", "\n");
        let mut text = String::with_capacity(line.len());
        let mut spans = Vec::new();
        let mut rest = line.as_str();
        while let Some(open) = rest.find("[[") {
            text.push_str(&rest[..open]);
            let marked = &rest[open + 2..];
            let close = marked
                .find("]]")
                .ok_or_else(|| failed("a `[[` is never closed".into()))?;
            let (kind, data) = marked[..close]
                .split_once(':')
                .ok_or_else(|| failed("a mark has no `kind:`".into()))?;
            let kind = PersonalData::parse(kind)
                .ok_or_else(|| failed(format!("`{kind}` is no kind of personal data")))?;
            if data.is_empty() {
                return Err(failed("a mark covers no text".into()));
            }
            spans.push((kind, text.len()..text.len() + data.len()));
            text.push_str(data);
            rest = &marked[close + 2..];
        }
        text.push_str(rest);
        examples.push(Example { text, spans });
    }
    Ok(examples)
}

/// Counts for one kind.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Marked spans found exactly.
    pub found: usize,
    /// Marked spans not found exactly.
    pub missed: usize,
    /// Findings that match no marked span.
    pub false_alarms: usize,
}

impl Counts {
    /// Found among marked; 1 when nothing is marked.
    pub fn recall(&self) -> f64 {
        ratio(self.found, self.found + self.missed)
    }

    /// Right among findings; 1 when nothing is found.
    pub fn precision(&self) -> f64 {
        ratio(self.found, self.found + self.false_alarms)
    }

    pub fn meets(&self, score: f64) -> bool {
        self.recall() >= score && self.precision() >= score
    }
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        1.0
    } else {
        part as f64 / whole as f64
    }
}

/// A span the redactor got wrong: marked and missed, or found and not marked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mistake {
    pub kind: PersonalData,
    pub missed: bool,
    pub span: String,
    pub text: String,
}

/// The redactor's figures on a set of texts.
#[derive(Clone, Debug, Default)]
pub struct Evaluation {
    pub texts: usize,
    pub counts: HashMap<PersonalData, Counts>,
    pub mistakes: Vec<Mistake>,
}

impl Evaluation {
    pub fn of(examples: &[Example]) -> Self {
        let mut evaluation = Self {
            texts: examples.len(),
            ..Self::default()
        };
        for example in examples {
            let findings: Vec<(PersonalData, Range<usize>)> = find(&example.text)
                .into_iter()
                .map(|f| (f.kind, f.range))
                .collect();
            let mut note = |kind, range: &Range<usize>, missed| {
                evaluation.mistakes.push(Mistake {
                    kind,
                    missed,
                    span: example.text[range.clone()].to_owned(),
                    text: example.text.clone(),
                });
            };
            for marked in &example.spans {
                let counts = evaluation.counts.entry(marked.0).or_default();
                if findings.contains(marked) {
                    counts.found += 1;
                } else {
                    counts.missed += 1;
                    note(marked.0, &marked.1, true);
                }
            }
            for finding in &findings {
                if !example.spans.contains(finding) {
                    evaluation.counts.entry(finding.0).or_default().false_alarms += 1;
                    note(finding.0, &finding.1, false);
                }
            }
        }
        evaluation
    }

    pub fn counts(&self, kind: PersonalData) -> Counts {
        self.counts.get(&kind).copied().unwrap_or_default()
    }

    /// The kinds below `score` in recall or precision.
    pub fn below(&self, score: f64) -> Vec<PersonalData> {
        PersonalData::ALL
            .into_iter()
            .filter(|&kind| !self.counts(kind).meets(score))
            .collect()
    }
}

/// A table of the figures per kind, one a line.
impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<9} {:>6} {:>6} {:>6} {:>6} {:>9}",
            "kind", "marked", "missed", "false", "recall", "precision"
        )?;
        for kind in PersonalData::ALL {
            let c = self.counts(kind);
            writeln!(
                f,
                "{:<9} {:>6} {:>6} {:>6} {:>6.3} {:>9.3}",
                kind.as_str(),
                c.found + c.missed,
                c.missed,
                c.false_alarms,
                c.recall(),
                c.precision()
            )?;
        }
        write!(f, "{} texts", self.texts)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn marks_become_spans_of_the_plain_text() {
        let examples = parse(
            "# a comment\nChiamatemi al [[phone:333 123 4567]].\\nSaluti\\n[[name:Anna Neri]]\n\nniente\n",
        )
        .unwrap();
        assert_eq!(examples.len(), 2);
        let first = &examples[0];
        assert_eq!(first.text, "Chiamatemi al 333 123 4567.\nSaluti\nAnna Neri");
        let covered: Vec<(PersonalData, &str)> = first
            .spans
            .iter()
            .map(|(kind, range)| (*kind, &first.text[range.clone()]))
            .collect();
        assert_eq!(
            covered,
            [
                (PersonalData::Phone, "333 123 4567"),
                (PersonalData::Name, "Anna Neri")
            ]
        );
        assert_eq!(examples[1].spans, []);
    }

    #[test]
    fn bad_marks_are_refused_with_their_line() {
        assert_eq!(
            parse("ok\n[[fax:0212345678]]").map_err(|e| e.to_string()),
            Err("line 2: `fax` is no kind of personal data".to_owned())
        );
        assert!(parse("[[phone:333").is_err());
        assert!(parse("[[phone:]]").is_err());
    }

    #[test]
    fn a_finding_counts_only_where_it_covers_the_marked_text() {
        let examples =
            parse("tel. [[phone:+39 347 555 1234]]\nlampione n. 1234\nIl mio nome è [[name:Anna]]")
                .unwrap();
        let evaluation = Evaluation::of(&examples);
        assert_eq!(
            evaluation.counts(PersonalData::Phone),
            Counts {
                found: 1,
                missed: 0,
                false_alarms: 0
            }
        );
        assert_eq!(evaluation.counts(PersonalData::Name).found, 1);
        assert_eq!(evaluation.below(REQUIRED_SCORE), []);
        let wrong = Evaluation::of(&parse("tel. +39 [[phone:347 555 1234]]").unwrap());
        assert_eq!(
            wrong.counts(PersonalData::Phone),
            Counts {
                found: 0,
                missed: 1,
                false_alarms: 1
            }
        );
        assert_eq!(wrong.below(REQUIRED_SCORE), [PersonalData::Phone]);
    }

    /// The figures the built-in set must show, on the texts tuned on and on those
    /// kept apart.
    #[test]
    fn the_redactor_reaches_the_required_score_on_the_built_in_set() {
        for (part, source) in [("dev", DEV), ("held-out", HELD_OUT)] {
            let examples = parse(source).unwrap_or_else(|e| panic!("{part}: {e}"));
            assert!(examples.len() > 150, "{part}");
            let evaluation = Evaluation::of(&examples);
            assert_eq!(
                evaluation.below(REQUIRED_SCORE),
                [],
                "{part}:\n{evaluation}"
            );
        }
    }
}
