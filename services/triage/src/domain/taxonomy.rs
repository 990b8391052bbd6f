use std::{collections::HashSet, time::Duration};

use serde::Deserialize;

use super::{Example, Priority};

/// Departments, their categories and the words that point to them. Configuration, not
/// code: a city replaces the file (`triage.taxonomy_path`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Taxonomy {
    pub defaults: Defaults,
    pub departments: Vec<Department>,
    pub not_a_report: Answered,
    pub out_of_remit: Answered,
    pub outside_jurisdiction: Message,
    /// What the reporter reads while an operator decides. Optional in a city's file.
    #[serde(default = "Message::needs_review")]
    pub needs_review: Message,
    pub emergency: EmergencyTerms,
}

/// An answer in both languages.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub message_it: String,
    pub message_en: String,
}

impl Message {
    /// The public sentence of a report waiting for an operator, for taxonomies that
    /// do not word it themselves.
    fn needs_review() -> Self {
        Self {
            message_it: "Un operatore verificherà la segnalazione.".into(),
            message_en: "An operator will check your report.".into(),
        }
    }
}

/// What a department or category does not say for itself.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    pub resolve_within_hours: ResolutionTargets,
    pub duplicate_radius_m: f64,
    pub duplicate_window_hours: u32,
    /// Every this many reports of one incident raise its priority a level (up to high).
    #[serde(default = "default_reports_per_priority_step")]
    pub reports_per_priority_step: u32,
}

fn default_reports_per_priority_step() -> u32 {
    3
}

/// Hours to resolve a work order, per priority.
#[derive(Clone, Copy, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResolutionTargets {
    pub critical: u32,
    pub high: u32,
    pub normal: u32,
    pub low: u32,
}

impl ResolutionTargets {
    pub fn hours(&self, priority: Priority) -> u32 {
        match priority {
            Priority::Critical => self.critical,
            Priority::High => self.high,
            Priority::Normal => self.normal,
            Priority::Low => self.low,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Department {
    pub id: String,
    pub name_it: String,
    pub name_en: String,
    /// Reports that reach this department are emergencies.
    #[serde(default)]
    pub emergency: bool,
    /// Where reports go when nothing else fits.
    #[serde(default)]
    pub fallback: bool,
    /// Zone ids the department serves; empty: all of them.
    #[serde(default)]
    pub zones: Vec<String>,
    pub resolve_within_hours: Option<ResolutionTargets>,
    pub categories: Vec<Category>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub id: String,
    pub service_code: String,
    pub name_it: String,
    pub name_en: String,
    pub description_it: String,
    pub description_en: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Short reports of this kind, in both languages: training data for the default model.
    #[serde(default)]
    pub examples: Vec<String>,
    pub duplicate_radius_m: Option<f64>,
    pub duplicate_window_hours: Option<u32>,
    /// Questions for the citizen (Open311 attributes), in the order asked.
    #[serde(default)]
    pub questions: Vec<Question>,
}

/// A question about a report of one category.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Question {
    pub code: String,
    pub answer: AnswerKind,
    #[serde(default)]
    pub required: bool,
    pub text_it: String,
    pub text_en: String,
    /// The answers to choose from, for `single_choice` and `multiple_choice`.
    #[serde(default)]
    pub choices: Vec<Choice>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnswerKind {
    String,
    Number,
    Datetime,
    Text,
    SingleChoice,
    MultipleChoice,
}

impl AnswerKind {
    fn has_choices(self) -> bool {
        matches!(self, Self::SingleChoice | Self::MultipleChoice)
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Choice {
    pub key: String,
    pub name_it: String,
    pub name_en: String,
}

/// Messages that get a polite answer instead of a work order.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Answered {
    pub keywords: Vec<String>,
    /// Longer messages are never answered this way: a "thank you" closing a long
    /// description is politeness, not the message.
    #[serde(default)]
    pub max_words: Option<usize>,
    /// Messages of this kind, for the screening model to learn from (only
    /// `[not_a_report]` has them).
    #[serde(default)]
    pub examples: Vec<String>,
    pub message_it: String,
    pub message_en: String,
}

/// Language of danger to people.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmergencyTerms {
    pub terms: Vec<String>,
    /// Words that, just before a term, deny it ("no fire", "nessun ferito").
    pub negations: Vec<String>,
    /// Words or phrases that, just after a term, make it harmless ("fire is out",
    /// "fire hazard"); phrases, since "out" alone would also hide "flames out of the
    /// window".
    pub cancelled_by: Vec<String>,
    /// Phrases that contain a term but name a thing, not a danger ("fire exit",
    /// "fire engine"): a term inside one of them is not an emergency, while the same
    /// term elsewhere in the text still is.
    #[serde(default)]
    pub harmless: Vec<String>,
    /// Terms of people dead, missing or hurt that are an emergency only after a
    /// number or a word of `counts` up to three words before them ("16 morti", "at
    /// least three dead", "killing 14"): alone they also say "dead pigeon".
    #[serde(default)]
    pub counted: Vec<String>,
    /// Words that count people ("tre", "almeno", "several").
    #[serde(default)]
    pub counts: Vec<String>,
    /// Names of disasters ("terremoto", "alluvione", "earthquake"): an emergency only
    /// with a word of `concrete` in the same message (damage, closed roads, the
    /// evacuated, a strong shock), not as a hashtag on a joke, a prayer or a quake far
    /// away.
    #[serde(default)]
    pub disasters: Vec<String>,
    #[serde(default)]
    pub concrete: Vec<String>,
    /// Names of the city and its places ("milano", "navigli"): a disaster named with
    /// one of them and a word of `present` ("adesso", "now") is here and now, an
    /// emergency as with a word of `concrete`.
    #[serde(default)]
    pub places: Vec<String>,
    #[serde(default)]
    pub present: Vec<String>,
    /// Terms that, next to certain words, name an everyday fault ("collapsed drain
    /// cover", "injured pigeon").
    #[serde(default)]
    pub ordinary: Vec<OrdinaryFault>,
    /// The safety reply once the report is in (`EmergencyDetected`).
    pub message_it: String,
    pub message_en: String,
    /// What to tell a citizen at once, before their report is complete (it may still
    /// lack its place), so it promises nothing done yet. Absent: the messages above.
    #[serde(default)]
    pub advice_it: Option<String>,
    #[serde(default)]
    pub advice_en: Option<String>,
}

impl EmergencyTerms {
    /// The advice before the report is complete, Italian and English.
    pub fn advice(&self) -> (&str, &str) {
        (
            self.advice_it.as_deref().unwrap_or(&self.message_it),
            self.advice_en.as_deref().unwrap_or(&self.message_en),
        )
    }
}

/// Emergency terms made ordinary by the words around them.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrdinaryFault {
    /// Terms of `emergency.terms`.
    pub terms: Vec<String>,
    /// Keywords that, a few words before or after the term, make it ordinary.
    pub near: Vec<String>,
    /// Where such a report belongs, `department/category`: it counts as a keyword of it.
    pub category: String,
}

/// When two reports of a category are the same problem.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DuplicateRule {
    pub radius_m: f64,
    pub window: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum TaxonomyError {
    #[error("taxonomy {source_name}: {error}")]
    Parse {
        source_name: String,
        error: Box<toml::de::Error>,
    },
    #[error("taxonomy: {key}: {message}")]
    Invalid { key: String, message: String },
}

fn invalid(key: impl Into<String>, message: impl Into<String>) -> TaxonomyError {
    TaxonomyError::Invalid {
        key: key.into(),
        message: message.into(),
    }
}

const DEFAULT_TAXONOMY: &str = include_str!("../../taxonomy.toml");

impl Taxonomy {
    pub fn default_italian() -> Result<Self, TaxonomyError> {
        Self::parse(DEFAULT_TAXONOMY, "(default)")
    }

    /// Parses and validates a taxonomy; `source_name` (a path) appears in errors.
    pub fn parse(text: &str, source_name: &str) -> Result<Self, TaxonomyError> {
        let taxonomy: Taxonomy = toml::from_str(text).map_err(|error| TaxonomyError::Parse {
            source_name: source_name.to_owned(),
            error: Box::new(error),
        })?;
        taxonomy.validate()?;
        Ok(taxonomy)
    }

    fn validate(&self) -> Result<(), TaxonomyError> {
        let mut ids = HashSet::new();
        let mut codes = HashSet::new();
        for (d, department) in self.departments.iter().enumerate() {
            let key = format!("departments[{d}]");
            check_id(&format!("{key}.id"), &department.id)?;
            if !ids.insert(department.id.as_str()) {
                return Err(invalid(
                    format!("{key}.id"),
                    format!("`{}` is used twice", department.id),
                ));
            }
            if department.categories.is_empty() {
                return Err(invalid(
                    format!("{key}.categories"),
                    format!("department `{}` needs at least one category", department.id),
                ));
            }
            let mut category_ids = HashSet::new();
            for (c, category) in department.categories.iter().enumerate() {
                let key = format!("{key}.categories[{c}]");
                check_id(&format!("{key}.id"), &category.id)?;
                if !category_ids.insert(category.id.as_str()) {
                    return Err(invalid(
                        format!("{key}.id"),
                        format!("`{}` is used twice in `{}`", category.id, department.id),
                    ));
                }
                let code = category.service_code.trim();
                if code.is_empty() || code.len() != category.service_code.len() {
                    return Err(invalid(
                        format!("{key}.service_code"),
                        "must be a non-empty code without surrounding spaces",
                    ));
                }
                if !codes.insert(code) {
                    return Err(invalid(
                        format!("{key}.service_code"),
                        format!("`{code}` is used twice"),
                    ));
                }
                if let Some(i) = category.keywords.iter().position(|k| k.trim().is_empty()) {
                    return Err(invalid(format!("{key}.keywords[{i}]"), "is empty"));
                }
                check_questions(&key, &category.questions)?;
                if category
                    .duplicate_radius_m
                    .is_some_and(|r| !(0.0..=10_000.0).contains(&r))
                {
                    return Err(invalid(
                        format!("{key}.duplicate_radius_m"),
                        "must be between 0 and 10000 metres",
                    ));
                }
            }
        }
        if let Some(d) = self
            .departments
            .iter()
            .position(|d| (d.fallback || d.emergency) && !d.zones.is_empty())
        {
            return Err(invalid(
                format!("departments[{d}].zones"),
                "the fallback and emergency departments serve every zone: leave `zones` out",
            ));
        }
        let fallbacks = self.departments.iter().filter(|d| d.fallback).count();
        if fallbacks != 1 {
            return Err(invalid(
                "departments",
                format!("exactly one department must have `fallback = true`, found {fallbacks}"),
            ));
        }
        if !self.departments.iter().any(|d| d.emergency) {
            return Err(invalid(
                "departments",
                "one department must have `emergency = true`",
            ));
        }
        self.validate_ordinary_faults()?;
        if self.defaults.reports_per_priority_step == 0 {
            return Err(invalid(
                "defaults.reports_per_priority_step",
                "must be at least 1",
            ));
        }
        if !(0.0..=10_000.0).contains(&self.defaults.duplicate_radius_m) {
            return Err(invalid(
                "defaults.duplicate_radius_m",
                "must be between 0 and 10000 metres",
            ));
        }
        Ok(())
    }

    fn validate_ordinary_faults(&self) -> Result<(), TaxonomyError> {
        for (i, fault) in self.emergency.ordinary.iter().enumerate() {
            let key = format!("emergency.ordinary[{i}]");
            if let Some((t, term)) = fault.terms.iter().enumerate().find(|(_, t)| {
                !self.emergency.terms.contains(t) && !self.emergency.counted.contains(t)
            }) {
                return Err(invalid(
                    format!("{key}.terms[{t}]"),
                    format!("`{term}` is not one of `emergency.terms` or `emergency.counted`"),
                ));
            }
            if fault.near.is_empty() || fault.near.iter().any(|w| w.trim().is_empty()) {
                return Err(invalid(format!("{key}.near"), "needs words, none empty"));
            }
            if self.category(&fault.category).is_none() {
                return Err(invalid(
                    format!("{key}.category"),
                    format!(
                        "`{}` is not `department/category` of this taxonomy",
                        fault.category
                    ),
                ));
            }
        }
        Ok(())
    }

    /// A category named `department/category`.
    pub fn category(&self, path: &str) -> Option<(&Department, &Category)> {
        let (department, category) = path.split_once('/')?;
        let department = self.department(department)?;
        Some((department, department.category(category)?))
    }

    pub fn fallback(&self) -> &Department {
        // validate() guarantees exactly one; the first department is never reached.
        self.departments
            .iter()
            .find(|d| d.fallback)
            .unwrap_or(&self.departments[0])
    }

    pub fn emergency_department(&self) -> &Department {
        self.departments
            .iter()
            .find(|d| d.emergency)
            .unwrap_or(&self.departments[0])
    }

    /// Checks that departments name only zones the jurisdiction has.
    pub fn check_zones(&self, mut known: impl FnMut(&str) -> bool) -> Result<(), TaxonomyError> {
        for (d, department) in self.departments.iter().enumerate() {
            if let Some((z, zone)) = department
                .zones
                .iter()
                .enumerate()
                .find(|(_, zone)| !known(zone))
            {
                return Err(invalid(
                    format!("departments[{d}].zones[{z}]"),
                    format!("`{zone}` is not a zone of the jurisdiction"),
                ));
            }
        }
        Ok(())
    }

    /// Who handles `category` of `department` in `zone`: the department itself when
    /// it serves the zone; else the first department that lists the zone and has a
    /// category of the same id; else the fallback department with its first category.
    /// `None` when the department serves the zone.
    pub fn steer(
        &self,
        department: &Department,
        category: &str,
        zone: Option<&str>,
    ) -> Option<(&Department, &Category)> {
        if department.serves(zone) {
            return None;
        }
        let twin = self.departments.iter().find_map(|d| {
            zone.is_some_and(|zone| d.zones.iter().any(|z| z == zone))
                .then(|| d.category(category))
                .flatten()
                .map(|c| (d, c))
        });
        Some(twin.unwrap_or_else(|| {
            let fallback = self.fallback();
            (fallback, fallback.first_category())
        }))
    }

    pub fn department(&self, id: &str) -> Option<&Department> {
        self.departments.iter().find(|d| d.id == id)
    }

    pub fn resolve_within(&self, department: &Department, priority: Priority) -> Duration {
        let targets = department
            .resolve_within_hours
            .unwrap_or(self.defaults.resolve_within_hours);
        Duration::from_secs(u64::from(targets.hours(priority)) * 3600)
    }

    pub fn duplicate_rule(&self, category: &Category) -> DuplicateRule {
        DuplicateRule {
            radius_m: category
                .duplicate_radius_m
                .unwrap_or(self.defaults.duplicate_radius_m),
            window: Duration::from_secs(
                u64::from(
                    category
                        .duplicate_window_hours
                        .unwrap_or(self.defaults.duplicate_window_hours),
                ) * 3600,
            ),
        }
    }
}

impl Taxonomy {
    /// What the default screening model learns from: every category's examples and
    /// keywords are reports; `[not_a_report]`'s examples and keywords are not.
    pub fn screening_examples(&self) -> Vec<Example> {
        let chatter = self
            .not_a_report
            .examples
            .iter()
            .chain(&self.not_a_report.keywords)
            .map(|text| (text, super::NOT_A_REPORT));
        self.category_texts()
            .map(|(_, text)| (text, super::REPORT))
            .chain(chatter)
            .map(|(text, label)| example(text, label))
            .collect()
    }

    /// What the default routing model learns from: every category's examples and
    /// keywords, labelled with its department.
    pub fn training_examples(&self) -> Vec<Example> {
        self.category_texts()
            .map(|(department, text)| example(text, &department.id))
            .collect()
    }

    /// Each category's examples and keywords, with its department.
    fn category_texts(&self) -> impl Iterator<Item = (&Department, &String)> {
        self.departments.iter().flat_map(|d| {
            d.categories
                .iter()
                .flat_map(|c| c.examples.iter().chain(&c.keywords))
                .map(move |text| (d, text))
        })
    }
}

fn example(text: &str, label: &str) -> Example {
    Example {
        text: text.to_owned(),
        label: label.to_owned(),
        position: None,
        service: None,
        accepted: Vec::new(),
    }
}

impl Department {
    pub fn category(&self, id: &str) -> Option<&Category> {
        self.categories.iter().find(|c| c.id == id)
    }

    /// Whether the department takes reports from `zone`; reports in no known zone go
    /// where the text sends them.
    pub fn serves(&self, zone: Option<&str>) -> bool {
        self.zones.is_empty() || zone.is_none_or(|zone| self.zones.iter().any(|z| z == zone))
    }

    /// The category used when no rule picks one: the first.
    pub fn first_category(&self) -> &Category {
        &self.categories[0]
    }
}

/// Question codes are ids, once each; list questions have choices, others none.
fn check_questions(key: &str, questions: &[Question]) -> Result<(), TaxonomyError> {
    let mut codes = HashSet::new();
    for (q, question) in questions.iter().enumerate() {
        let key = format!("{key}.questions[{q}]");
        check_id(&format!("{key}.code"), &question.code)?;
        if !codes.insert(question.code.as_str()) {
            return Err(invalid(
                format!("{key}.code"),
                format!("`{}` is used twice", question.code),
            ));
        }
        match (question.answer.has_choices(), question.choices.is_empty()) {
            (true, true) => {
                return Err(invalid(
                    format!("{key}.choices"),
                    "a choice question needs its choices",
                ));
            }
            (false, false) => {
                return Err(invalid(
                    format!("{key}.choices"),
                    "only single_choice and multiple_choice questions have choices",
                ));
            }
            _ => {}
        }
        let mut keys = HashSet::new();
        for (c, choice) in question.choices.iter().enumerate() {
            check_id(&format!("{key}.choices[{c}].key"), &choice.key)?;
            if !keys.insert(choice.key.as_str()) {
                return Err(invalid(
                    format!("{key}.choices[{c}].key"),
                    format!("`{}` is used twice", choice.key),
                ));
            }
        }
    }
    Ok(())
}

fn check_id(key: &str, id: &str) -> Result<(), TaxonomyError> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(invalid(
            key,
            format!("`{id}`: ids are lower-case letters, digits and underscores"),
        ));
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn default() -> Taxonomy {
        Taxonomy::default_italian().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_default_taxonomy_has_the_stable_department_ids() {
        let ids: Vec<String> = default().departments.into_iter().map(|d| d.id).collect();
        assert_eq!(
            ids,
            [
                "street_lighting",
                "roads",
                "waste",
                "parks_trees",
                "water_sewer",
                "traffic",
                "public_transport",
                "local_police",
                "urban_decorum",
                "animals",
                "civil_protection",
                "general"
            ]
        );
    }

    #[test]
    fn targets_fall_back_to_the_defaults() {
        let taxonomy = default();
        let department = taxonomy.department("roads").unwrap();
        assert_eq!(
            taxonomy.resolve_within(department, Priority::Normal),
            Duration::from_secs(168 * 3600)
        );
        let lighting = taxonomy.department("street_lighting").unwrap();
        assert_eq!(
            taxonomy.resolve_within(lighting, Priority::Normal),
            Duration::from_secs(120 * 3600)
        );
        assert_eq!(
            taxonomy.duplicate_rule(lighting.first_category()).radius_m,
            30.0
        );
    }

    fn with_departments(departments: &str) -> String {
        format!(
            "[defaults]\nresolve_within_hours = {{ critical = 1, high = 2, normal = 3, low = 4 }}\n\
             duplicate_radius_m = 50\nduplicate_window_hours = 24\n{departments}\n\
             [not_a_report]\nkeywords = []\nmessage_it = 'g'\nmessage_en = 't'\n\
             [out_of_remit]\nkeywords = []\nmessage_it = 'n'\nmessage_en = 'n'\n\
             [outside_jurisdiction]\nmessage_it = 'f'\nmessage_en = 'f'\n\
             [emergency]\nterms = []\nnegations = []\ncancelled_by = []\nmessage_it = '112'\nmessage_en = '112'\n"
        )
    }

    fn department(id: &str, flags: &str, code: &str) -> String {
        format!(
            "[[departments]]\nid = '{id}'\nname_it = 'A'\nname_en = 'A'\n{flags}\n\
             [[departments.categories]]\nid = 'c'\nservice_code = '{code}'\nname_it = 'c'\n\
             name_en = 'c'\ndescription_it = 'c'\ndescription_en = 'c'\n"
        )
    }

    fn error_of(text: &str) -> String {
        Taxonomy::parse(text, "city.toml")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn zones_steer_a_report_to_the_department_that_serves_them() {
        let text = with_departments(&format!(
            "{}{}{}{}",
            department("a", "fallback = true", "1"),
            department("b", "emergency = true", "2"),
            department("parks", "zones = ['north']", "3"),
            department("parks_centre", "zones = ['centre']", "4"),
        ));
        let taxonomy = Taxonomy::parse(&text, "city.toml").unwrap_or_else(|e| panic!("{e}"));
        let parks = taxonomy.department("parks").unwrap();
        let steered = |zone| {
            taxonomy
                .steer(parks, "c", zone)
                .map(|(d, c)| format!("{}/{}", d.id, c.id))
        };
        assert_eq!(steered(Some("north")), None);
        assert_eq!(steered(None), None, "no known zone: the text decides");
        assert_eq!(steered(Some("centre")).as_deref(), Some("parks_centre/c"));
        assert_eq!(steered(Some("south")).as_deref(), Some("a/c"));

        assert!(
            taxonomy
                .check_zones(|z| ["north", "centre"].contains(&z))
                .is_ok()
        );
        assert_eq!(
            taxonomy
                .check_zones(|z| z == "north")
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default(),
            "taxonomy: departments[3].zones[0]: `centre` is not a zone of the jurisdiction"
        );
        let zoned_fallback = with_departments(&format!(
            "{}{}",
            department("a", "fallback = true\nzones = ['north']", "1"),
            department("b", "emergency = true", "2"),
        ));
        assert_eq!(
            error_of(&zoned_fallback),
            "taxonomy: departments[0].zones: the fallback and emergency departments serve every zone: leave `zones` out"
        );
    }

    #[test]
    fn errors_name_the_key_that_is_wrong() {
        let ok = with_departments(&format!(
            "{}{}",
            department("a", "fallback = true", "1"),
            department("b", "emergency = true", "2")
        ));
        assert!(
            Taxonomy::parse(&ok, "city.toml").is_ok(),
            "{}",
            error_of(&ok)
        );

        let twice = with_departments(&format!(
            "{}{}",
            department("a", "fallback = true", "1"),
            department("a", "emergency = true", "2")
        ));
        assert_eq!(
            error_of(&twice),
            "taxonomy: departments[1].id: `a` is used twice"
        );

        let same_code = with_departments(&format!(
            "{}{}",
            department("a", "fallback = true", "1"),
            department("b", "emergency = true", "1")
        ));
        assert_eq!(
            error_of(&same_code),
            "taxonomy: departments[1].categories[0].service_code: `1` is used twice"
        );

        let no_fallback = with_departments(&department("a", "emergency = true", "1"));
        assert_eq!(
            error_of(&no_fallback),
            "taxonomy: departments: exactly one department must have `fallback = true`, found 0"
        );

        let bad_id = with_departments(&department("Street Lighting", "fallback = true", "1"));
        assert!(
            error_of(&bad_id).starts_with("taxonomy: departments[0].id: `Street Lighting`"),
            "{}",
            error_of(&bad_id)
        );

        let unknown = format!("{ok}\n[zones]\n");
        assert!(
            error_of(&unknown).starts_with("taxonomy city.toml: "),
            "{}",
            error_of(&unknown)
        );
    }

    #[test]
    fn questions_are_checked_at_start() {
        let with_questions = |questions: &str| {
            with_departments(&format!(
                "{}questions = [{questions}]\n{}",
                department("a", "fallback = true", "1"),
                department("b", "emergency = true", "2")
            ))
        };
        let good = with_questions(
            "{ code = 'size', answer = 'single_choice', text_it = 'q', text_en = 'q', \
             choices = [{ key = 'big', name_it = 'g', name_en = 'b' }] }",
        );
        assert!(
            Taxonomy::parse(&good, "city.toml").is_ok(),
            "{}",
            error_of(&good)
        );
        let no_choices = with_questions(
            "{ code = 'size', answer = 'multiple_choice', text_it = 'q', text_en = 'q' }",
        );
        assert_eq!(
            error_of(&no_choices),
            "taxonomy: departments[0].categories[0].questions[0].choices: a choice question needs its choices"
        );
        let stray_choices = with_questions(
            "{ code = 'note', answer = 'text', text_it = 'q', text_en = 'q', \
             choices = [{ key = 'x', name_it = 'x', name_en = 'x' }] }",
        );
        assert!(
            error_of(&stray_choices)
                .ends_with("only single_choice and multiple_choice questions have choices"),
            "{}",
            error_of(&stray_choices)
        );
        let twice = with_questions(
            "{ code = 'n', answer = 'number', text_it = 'q', text_en = 'q' }, \
             { code = 'n', answer = 'string', text_it = 'q', text_en = 'q' }",
        );
        assert_eq!(
            error_of(&twice),
            "taxonomy: departments[0].categories[0].questions[1].code: `n` is used twice"
        );
    }

    #[test]
    fn ordinary_faults_name_emergency_terms_and_a_category() {
        let with_fault = |fault: &str| {
            let departments = format!(
                "{}{}",
                department("a", "fallback = true", "1"),
                department("b", "emergency = true", "2")
            );
            with_departments(&departments).replace("terms = []", "terms = ['collapsed']")
                + &format!("[[emergency.ordinary]]\n{fault}\n")
        };
        let good = with_fault("terms = ['collapsed']\nnear = ['drain']\ncategory = 'a/c'");
        assert!(
            Taxonomy::parse(&good, "city.toml").is_ok(),
            "{}",
            error_of(&good)
        );
        assert_eq!(
            error_of(&with_fault(
                "terms = ['fire']\nnear = ['bin']\ncategory = 'a/c'"
            )),
            "taxonomy: emergency.ordinary[0].terms[0]: `fire` is not one of `emergency.terms` or `emergency.counted`"
        );
        assert_eq!(
            error_of(&with_fault(
                "terms = ['collapsed']\nnear = ['drain']\ncategory = 'a/x'"
            )),
            "taxonomy: emergency.ordinary[0].category: `a/x` is not `department/category` of this taxonomy"
        );
        assert_eq!(
            error_of(&with_fault(
                "terms = ['collapsed']\nnear = []\ncategory = 'a/c'"
            )),
            "taxonomy: emergency.ordinary[0].near: needs words, none empty"
        );
    }
}
