//! Measuring a classifier: per-label precision, recall and F1, macro-F1 and the
//! confusion matrix; and what its review threshold sends to an operator.

use std::fmt;

/// Counts of (true label, predicted label) pairs.
#[derive(Clone, Debug)]
pub struct Evaluation {
    pub labels: Vec<String>,
    /// `confusion[truth][predicted]`.
    pub confusion: Vec<Vec<usize>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LabelScore {
    pub label: String,
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
    pub support: usize,
}

impl Evaluation {
    /// From pairs of (truth, prediction). Labels are those seen in either, sorted.
    pub fn from_pairs<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)> + Clone) -> Self {
        let mut labels: Vec<String> = pairs
            .clone()
            .into_iter()
            .flat_map(|(t, p)| [t.to_owned(), p.to_owned()])
            .collect();
        labels.sort();
        labels.dedup();
        let mut confusion = vec![vec![0; labels.len()]; labels.len()];
        for (truth, predicted) in pairs {
            let t = labels
                .binary_search_by(|l| l.as_str().cmp(truth))
                .unwrap_or(0);
            let p = labels
                .binary_search_by(|l| l.as_str().cmp(predicted))
                .unwrap_or(0);
            confusion[t][p] += 1;
        }
        Self { labels, confusion }
    }

    /// Scores of the labels that occur as truths (labels only ever predicted are
    /// errors counted in others' precision, not classes of their own).
    pub fn scores(&self) -> Vec<LabelScore> {
        (0..self.labels.len())
            .filter_map(|i| {
                let support: usize = self.confusion[i].iter().sum();
                if support == 0 {
                    return None;
                }
                let predicted: usize = self.confusion.iter().map(|row| row[i]).sum();
                let correct = self.confusion[i][i] as f64;
                let precision = if predicted == 0 {
                    0.0
                } else {
                    correct / predicted as f64
                };
                let recall = correct / support as f64;
                let f1 = if precision + recall == 0.0 {
                    0.0
                } else {
                    2.0 * precision * recall / (precision + recall)
                };
                Some(LabelScore {
                    label: self.labels[i].clone(),
                    precision,
                    recall,
                    f1,
                    support,
                })
            })
            .collect()
    }

    pub fn macro_f1(&self) -> f64 {
        let scores = self.scores();
        if scores.is_empty() {
            return 0.0;
        }
        scores.iter().map(|s| s.f1).sum::<f64>() / scores.len() as f64
    }

    pub fn accuracy(&self) -> f64 {
        let total: usize = self.confusion.iter().flatten().sum();
        let correct: usize = (0..self.labels.len()).map(|i| self.confusion[i][i]).sum();
        if total == 0 {
            0.0
        } else {
            correct as f64 / total as f64
        }
    }
}

impl fmt::Display for Evaluation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = self
            .labels
            .iter()
            .map(String::len)
            .max()
            .unwrap_or(5)
            .max(5);
        writeln!(f, "{:width$}  precision  recall     f1  support", "label")?;
        for s in self.scores() {
            writeln!(
                f,
                "{:width$}  {:>9.3}  {:>6.3}  {:>5.3}  {:>7}",
                s.label, s.precision, s.recall, s.f1, s.support
            )?;
        }
        writeln!(
            f,
            "macro-F1 {:.3}  accuracy {:.3}",
            self.macro_f1(),
            self.accuracy()
        )?;
        writeln!(f)?;
        writeln!(f, "confusion matrix (rows: truth, columns: predicted)")?;
        write!(f, "{:width$}", "")?;
        for i in 0..self.labels.len() {
            write!(f, " {:>5}", format!("[{i}]"))?;
        }
        writeln!(f)?;
        for (i, row) in self.confusion.iter().enumerate() {
            write!(f, "{:width$}", format!("[{i}] {}", self.labels[i]))?;
            for count in row {
                write!(f, " {count:>5}")?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

/// What a review threshold does to the reports measured: how many wait for an
/// operator, and how many wrong routes it catches or lets through to a crew.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ReviewShare {
    pub threshold: f32,
    pub reviewed: usize,
    /// Reviewed reports whose best department was wrong: an operator puts them right.
    pub reviewed_wrong: usize,
    pub routed: usize,
    /// Reports routed without review to the wrong department.
    pub routed_wrong: usize,
}

impl ReviewShare {
    /// From (sent to review, routed right) for each report.
    pub fn from_outcomes(threshold: f32, outcomes: impl IntoIterator<Item = (bool, bool)>) -> Self {
        let mut share = Self {
            threshold,
            ..Self::default()
        };
        for (to_review, right) in outcomes {
            let (count, wrong) = if to_review {
                (&mut share.reviewed, &mut share.reviewed_wrong)
            } else {
                (&mut share.routed, &mut share.routed_wrong)
            };
            *count += 1;
            *wrong += usize::from(!right);
        }
        share
    }
}

impl fmt::Display for ReviewShare {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let percent = |part: usize, whole: usize| 100.0 * part as f64 / whole.max(1) as f64;
        writeln!(
            f,
            "review threshold {:.2}: {} of {} reports ({:.1}%) wait for an operator; {} of them would have been misrouted",
            self.threshold,
            self.reviewed,
            self.reviewed + self.routed,
            percent(self.reviewed, self.reviewed + self.routed),
            self.reviewed_wrong,
        )?;
        writeln!(
            f,
            "routed without review: {}, of them {} ({:.1}%) to the wrong department",
            self.routed,
            self.routed_wrong,
            percent(self.routed_wrong, self.routed),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_review_share_counts_what_the_threshold_catches_and_lets_through() {
        let outcomes = [
            (true, false),
            (true, true),
            (false, true),
            (false, false),
            (false, true),
        ];
        let share = ReviewShare::from_outcomes(0.3, outcomes);
        assert_eq!(
            (
                share.reviewed,
                share.reviewed_wrong,
                share.routed,
                share.routed_wrong
            ),
            (2, 1, 3, 1)
        );
        assert_eq!(
            share.to_string(),
            "review threshold 0.30: 2 of 5 reports (40.0%) wait for an operator; 1 of them would have been misrouted\n\
             routed without review: 3, of them 1 (33.3%) to the wrong department\n"
        );
    }

    #[test]
    fn scores_follow_the_confusion_matrix() {
        let pairs = [
            ("a", "a"),
            ("a", "a"),
            ("a", "b"),
            ("b", "b"),
            ("b", "a"),
            ("c", "c"),
        ];
        let evaluation = Evaluation::from_pairs(pairs.iter().copied());
        assert_eq!(evaluation.confusion, [[2, 1, 0], [1, 1, 0], [0, 0, 1]]);
        let scores = evaluation.scores();
        assert!((scores[0].precision - 2.0 / 3.0).abs() < 1e-9);
        assert!((scores[1].recall - 0.5).abs() < 1e-9);
        assert!((scores[2].f1 - 1.0).abs() < 1e-9);
        let expected = (2.0 / 3.0 + 0.5 + 1.0) / 3.0;
        assert!((evaluation.macro_f1() - expected).abs() < 1e-9);
    }
}
