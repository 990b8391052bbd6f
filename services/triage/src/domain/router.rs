use super::Taxonomy;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Priority {
    Normal,
    Critical,
}

/// Where a report goes, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub department: String,
    pub priority: Priority,
    /// The keywords found, in taxonomy order.
    pub matched_keywords: Vec<String>,
    pub method: String,
}

/// Routes by the taxonomy's keywords: each department scores the words of the
/// keywords it matched, the highest score wins, ties go to the department listed first.
pub struct KeywordRouter {
    departments: Vec<CompiledDepartment>,
    fallback: String,
}

struct CompiledDepartment {
    id: String,
    emergency: bool,
    keywords: Vec<(String, Vec<String>)>,
}

pub const METHOD: &str = "keywords/1";

impl KeywordRouter {
    pub fn new(taxonomy: Taxonomy) -> Self {
        let fallback = taxonomy
            .fallback()
            .map(|d| d.id.clone())
            .unwrap_or_else(|| "general".into());
        let departments = taxonomy
            .departments
            .into_iter()
            .map(|d| CompiledDepartment {
                id: d.id,
                emergency: d.emergency,
                keywords: d
                    .keywords
                    .into_iter()
                    .map(|k| (k.clone(), words(&k)))
                    .collect(),
            })
            .collect();
        Self {
            departments,
            fallback,
        }
    }

    pub fn route(&self, text: &str) -> Decision {
        let text_words = words(text);
        let mut best: Option<(&CompiledDepartment, usize, Vec<String>)> = None;
        for department in &self.departments {
            let mut score = 0;
            let mut matched = Vec::new();
            for (keyword, keyword_words) in &department.keywords {
                if contains_sequence(&text_words, keyword_words) {
                    score += keyword_words.len();
                    matched.push(keyword.clone());
                }
            }
            if score > 0
                && best
                    .as_ref()
                    .is_none_or(|(_, best_score, _)| score > *best_score)
            {
                best = Some((department, score, matched));
            }
        }
        match best {
            Some((department, _, matched_keywords)) => Decision {
                department: department.id.clone(),
                priority: if department.emergency {
                    Priority::Critical
                } else {
                    Priority::Normal
                },
                matched_keywords,
                method: METHOD.to_owned(),
            },
            None => Decision {
                department: self.fallback.clone(),
                priority: Priority::Normal,
                matched_keywords: Vec::new(),
                method: METHOD.to_owned(),
            },
        }
    }
}

/// Lower-case words with accents removed: "Più LUCI" → ["piu", "luci"].
fn words(text: &str) -> Vec<String> {
    text.chars()
        .map(|c| fold(c.to_lowercase().next().unwrap_or(c)))
        .collect::<String>()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

fn fold(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ä' => 'a',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ò' | 'ó' | 'ô' | 'ö' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        other => other,
    }
}

/// Whether the words of `keyword` appear in `text` in a row, each text word starting
/// with the keyword's word.
fn contains_sequence(text: &[String], keyword: &[String]) -> bool {
    if keyword.is_empty() || keyword.len() > text.len() {
        return false;
    }
    text.windows(keyword.len()).any(|window| {
        window
            .iter()
            .zip(keyword)
            .all(|(word, stem)| word.starts_with(stem.as_str()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> KeywordRouter {
        KeywordRouter::new(Taxonomy::default_italian().unwrap_or_else(|e| panic!("{e}")))
    }

    #[test]
    fn routes_italian_and_english() {
        let r = router();
        assert_eq!(
            r.route("Il lampione di via Roma è spento da giorni")
                .department,
            "street_lighting"
        );
        assert_eq!(
            r.route("Street light out on Baker Street").department,
            "street_lighting"
        );
        assert_eq!(
            r.route("Una buca enorme davanti al civico 12").department,
            "roads"
        );
        assert_eq!(
            r.route("Cassonetti pieni, rifiuti ovunque").department,
            "waste"
        );
        assert_eq!(
            r.route("The traffic light at the junction is stuck on red")
                .department,
            "traffic"
        );
        assert_eq!(r.route("Grazie per il lavoro!").department, "general");
    }

    #[test]
    fn emergencies_are_critical() {
        let decision = router().route("Crollo di un balcone, ci sono feriti");
        assert_eq!(decision.department, "civil_protection");
        assert_eq!(decision.priority, Priority::Critical);
        assert_eq!(decision.matched_keywords, ["crollo", "feriti"]);
    }
}
