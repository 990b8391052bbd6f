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

/// A yes/no step measured on labelled messages: how often it says yes when it
/// should (recall), how often its yes is right (precision), and how often it says
/// yes when it should not (the false-alarm rate).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BinaryCounts {
    pub true_positives: usize,
    pub false_positives: usize,
    pub true_negatives: usize,
    pub false_negatives: usize,
}

impl BinaryCounts {
    /// From (should say yes, said yes) for each message.
    pub fn from_outcomes(outcomes: impl IntoIterator<Item = (bool, bool)>) -> Self {
        let mut counts = Self::default();
        for (truth, said) in outcomes {
            *match (truth, said) {
                (true, true) => &mut counts.true_positives,
                (false, true) => &mut counts.false_positives,
                (false, false) => &mut counts.true_negatives,
                (true, false) => &mut counts.false_negatives,
            } += 1;
        }
        counts
    }

    pub fn recall(&self) -> Proportion {
        Proportion::new(
            self.true_positives,
            self.true_positives + self.false_negatives,
        )
    }

    pub fn precision(&self) -> Proportion {
        Proportion::new(
            self.true_positives,
            self.true_positives + self.false_positives,
        )
    }

    pub fn false_alarm_rate(&self) -> Proportion {
        Proportion::new(
            self.false_positives,
            self.false_positives + self.true_negatives,
        )
    }
}

impl fmt::Display for BinaryCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "recall {}", self.recall())?;
        writeln!(f, "precision {}", self.precision())?;
        writeln!(f, "false alarms {}", self.false_alarm_rate())
    }
}

/// A share of a count, with its 95% Wilson score interval: the samples are small,
/// and a share near 0 or 1 needs an interval that stays inside them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Proportion {
    pub part: usize,
    pub whole: usize,
}

impl Proportion {
    pub fn new(part: usize, whole: usize) -> Self {
        Self { part, whole }
    }

    pub fn value(&self) -> f64 {
        self.part as f64 / self.whole.max(1) as f64
    }

    pub fn interval(&self) -> (f64, f64) {
        if self.whole == 0 {
            return (0.0, 1.0);
        }
        const Z: f64 = 1.96;
        let n = self.whole as f64;
        let p = self.value();
        let centre = (p + Z * Z / (2.0 * n)) / (1.0 + Z * Z / n);
        let half = Z * (p * (1.0 - p) / n + Z * Z / (4.0 * n * n)).sqrt() / (1.0 + Z * Z / n);
        ((centre - half).max(0.0), (centre + half).min(1.0))
    }
}

impl fmt::Display for Proportion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (low, high) = self.interval();
        write!(
            f,
            "{:.3} ({} of {}; 95% interval {low:.3}–{high:.3})",
            self.value(),
            self.part,
            self.whole
        )
    }
}

/// Where a message ends: a department's queue, an operator, answered as not a
/// report, or answered with whom to ask (another operator's problem).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Destination {
    Department,
    Review,
    Answered,
    Elsewhere,
}

/// Where screening and routing send messages that are reports and messages that are
/// not.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScreeningCounts {
    pub reports: Destinations,
    pub not_reports: Destinations,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Destinations {
    pub department: usize,
    pub review: usize,
    pub answered: usize,
    pub elsewhere: usize,
}

impl Destinations {
    fn total(&self) -> usize {
        self.department + self.review + self.answered + self.elsewhere
    }
}

impl ScreeningCounts {
    /// From (is a report, where it ended) for each message.
    pub fn from_outcomes(outcomes: impl IntoIterator<Item = (bool, Destination)>) -> Self {
        let mut counts = Self::default();
        for (report, destination) in outcomes {
            let side = if report {
                &mut counts.reports
            } else {
                &mut counts.not_reports
            };
            *match destination {
                Destination::Department => &mut side.department,
                Destination::Review => &mut side.review,
                Destination::Answered => &mut side.answered,
                Destination::Elsewhere => &mut side.elsewhere,
            } += 1;
        }
        counts
    }

    /// Reports that screening lets through: to a department, to an operator, or
    /// answered with whom to ask.
    pub fn reports_through(&self) -> Proportion {
        let r = self.reports;
        Proportion::new(r.total() - r.answered, r.total())
    }

    /// Reports that reach a department or an operator.
    pub fn reports_to_the_city(&self) -> Proportion {
        let r = self.reports;
        Proportion::new(r.department + r.review, r.total())
    }

    /// Messages that are not reports and reach no department's queue.
    pub fn not_reports_kept_out(&self) -> Proportion {
        let n = self.not_reports;
        Proportion::new(n.total() - n.department, n.total())
    }

    /// Of every message, those an operator reads.
    pub fn reviewed(&self) -> Proportion {
        Proportion::new(
            self.reports.review + self.not_reports.review,
            self.reports.total() + self.not_reports.total(),
        )
    }
}

impl fmt::Display for ScreeningCounts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "                department   review  answered  elsewhere"
        )?;
        for (name, d) in [("reports", self.reports), ("not reports", self.not_reports)] {
            writeln!(
                f,
                "{name:<14}  {:>10}  {:>7}  {:>8}  {:>9}",
                d.department, d.review, d.answered, d.elsewhere
            )?;
        }
        writeln!(
            f,
            "reports through screening (not answered as chatter) {}",
            self.reports_through()
        )?;
        writeln!(
            f,
            "reports to a department or to review {}",
            self.reports_to_the_city()
        )?;
        writeln!(
            f,
            "not reports kept out of department queues {}",
            self.not_reports_kept_out()
        )?;
        writeln!(f, "sent to an operator {}", self.reviewed())
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
    fn a_yes_no_step_counts_recall_precision_and_false_alarms_with_intervals() {
        let counts = BinaryCounts::from_outcomes([
            (true, true),
            (true, true),
            (true, false),
            (false, true),
            (false, false),
            (false, false),
            (false, false),
        ]);
        assert_eq!(counts.recall(), Proportion::new(2, 3));
        assert_eq!(counts.precision(), Proportion::new(2, 3));
        assert_eq!(counts.false_alarm_rate(), Proportion::new(1, 4));
        let (low, high) = Proportion::new(0, 20).interval();
        assert!(low == 0.0 && (0.15..0.17).contains(&high), "{low} {high}");
        let (low, high) = Proportion::new(90, 100).interval();
        assert!((0.82..0.83).contains(&low) && (0.94..0.95).contains(&high));
    }

    #[test]
    fn screening_counts_say_what_goes_through_and_what_is_kept_out() {
        use Destination::*;
        let counts = ScreeningCounts::from_outcomes([
            (true, Department),
            (true, Review),
            (true, Answered),
            (true, Elsewhere),
            (false, Department),
            (false, Review),
            (false, Answered),
            (false, Elsewhere),
        ]);
        assert_eq!(counts.reports_through(), Proportion::new(3, 4));
        assert_eq!(counts.reports_to_the_city(), Proportion::new(2, 4));
        assert_eq!(counts.not_reports_kept_out(), Proportion::new(3, 4));
        assert_eq!(counts.reviewed(), Proportion::new(2, 8));
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
