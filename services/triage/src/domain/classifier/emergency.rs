//! The emergency rules: the taxonomy's emergency terms, unless denied, harmless or
//! an everyday fault.

use super::CategoryIndex;
use crate::domain::text::{KeywordIndex, KeywordSet};

/// Emergency terms with what makes them harmless or ordinary.
pub(super) struct EmergencyRules {
    pub(super) terms: KeywordSet,
    /// For each term, whether it starts with a negation ("non respira", "not
    /// breathing"): another negation before it ("non risponde e non respira") is part
    /// of the same alarm, not a denial of it.
    pub(super) denial_proof: Vec<bool>,
    pub(super) negations: Vec<String>,
    pub(super) cancelled_by: KeywordSet,
    pub(super) harmless: KeywordSet,
    pub(super) ordinary: Vec<OrdinaryRule>,
    /// For each term, whether it needs a count before it ("16 morti").
    pub(super) needs_count: Vec<bool>,
    pub(super) counts: KeywordSet,
    pub(super) disasters: KeywordSet,
    pub(super) concrete: KeywordSet,
    pub(super) places: KeywordSet,
    pub(super) present: KeywordSet,
}

/// Emergency terms that the `near` words make a fault of a category.
pub(super) struct OrdinaryRule {
    pub(super) terms: Vec<KeywordIndex>,
    pub(super) near: KeywordSet,
    pub(super) category: CategoryIndex,
}

/// What the emergency rules found in a text.
#[derive(Default)]
pub(super) struct EmergencyFindings {
    /// Terms of a real emergency, in the taxonomy's order.
    pub(super) live: Vec<String>,
    /// Terms made ordinary.
    pub(super) ordinary: Vec<OrdinaryFault>,
}

/// An emergency term that a word near it made an everyday fault of a category.
pub(super) struct OrdinaryFault {
    pub(super) term: String,
    /// The word that did it.
    pub(super) near: String,
    pub(super) category: CategoryIndex,
}

/// How many words before a term a negation may stand, and after it a word that
/// makes it harmless.
const NEGATION_WINDOW: usize = 3;
const CANCEL_WINDOW: usize = 3;
/// How many words before or after a term an ordinary fault's word may stand.
const ORDINARY_WINDOW: usize = 6;
/// How many words before a counted term its count may stand ("9 persone morte",
/// "killing at least 17").
const COUNT_WINDOW: usize = 3;

impl EmergencyRules {
    pub(super) fn find(&self, text: &[String]) -> EmergencyFindings {
        let mut findings = EmergencyFindings::default();
        let occurrences = self.terms.occurrences(text);
        let mut live = Vec::new();
        // The span of words of each harmless mention: from its start to its end.
        let harmless: Vec<(usize, usize)> = self
            .harmless
            .occurrences(text)
            .into_iter()
            .map(|(h, start)| (start, start + self.harmless.keywords[h].word_count()))
            .collect();
        for (k, start) in occurrences {
            let before = &text[start.saturating_sub(NEGATION_WINDOW)..start];
            let end = (start + self.terms.keywords[k].word_count()).min(text.len());
            let after = &text[end..(end + CANCEL_WINDOW).min(text.len())];
            if harmless.iter().any(|&(from, to)| start < to && from < end)
                || (!self.denial_proof[k] && self.denied(before))
                || self.cancelled_by.matches(after).next().is_some()
                || (self.needs_count[k] && !self.counted(text, start, end))
            {
                continue;
            }
            let around =
                start.saturating_sub(ORDINARY_WINDOW)..(end + ORDINARY_WINDOW).min(text.len());
            let fault = self.ordinary.iter().find_map(|rule| {
                if !rule.terms.contains(&k) {
                    return None;
                }
                let (near, _) = rule.near.matches(&text[around.clone()]).next()?;
                Some(OrdinaryFault {
                    term: self.terms.keywords[k].text.clone(),
                    near: rule.near.keywords[near].text.clone(),
                    category: rule.category,
                })
            });
            match fault {
                Some(fault) => findings.ordinary.push(fault),
                None => live.push(k),
            }
        }
        // One everyday mention explains the others ("blocked drain causing flooding …
        // the water is flooding the garden").
        live.retain(|&k| {
            let term = &self.terms.keywords[k].text;
            !findings.ordinary.iter().any(|fault| fault.term == *term)
        });
        live.sort_unstable();
        live.dedup();
        findings.live = live
            .into_iter()
            .map(|k| self.terms.keywords[k].text.clone())
            .collect();
        if findings.live.is_empty()
            && findings.ordinary.is_empty()
            && let Some(disaster) = self.concrete_disaster(text)
        {
            findings.live.push(disaster);
        }
        findings
    }

    fn denied(&self, before: &[String]) -> bool {
        before.iter().any(|w| self.negations.contains(w))
    }

    /// Whether a number or a word that counts people stands just before the term
    /// from `start` to `end`, or just after it ("kills at least 4").
    fn counted(&self, text: &[String], start: usize, end: usize) -> bool {
        let before = &text[start.saturating_sub(COUNT_WINDOW)..start];
        let after = &text[end..(end + COUNT_WINDOW).min(text.len())];
        [before, after].iter().any(|words| {
            words.iter().any(|w| w.bytes().all(|b| b.is_ascii_digit()))
                || self.counts.matches(words).next().is_some()
        })
    }

    /// A disaster named with something concrete that it did, or with a place of the
    /// city and a word of now ("terremoto+crollata", "terremoto+milano"): none denied.
    fn concrete_disaster(&self, text: &[String]) -> Option<String> {
        let live = |set: &KeywordSet| {
            set.occurrences(text).into_iter().find_map(|(k, start)| {
                let before = &text[start.saturating_sub(NEGATION_WINDOW)..start];
                (!self.denied(before)).then(|| set.keywords[k].text.clone())
            })
        };
        let disaster = live(&self.disasters)?;
        let here_and_now = || live(&self.present).and(live(&self.places));
        let concrete = live(&self.concrete).or_else(here_and_now)?;
        Some(format!("{disaster}+{concrete}"))
    }
}
