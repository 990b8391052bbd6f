//! Form and query parameters as Open311 clients send them: repeated keys, bracketed
//! attribute answers (`attribute[code]`, `attribute[code][]`), empty values meaning
//! "not given".

use std::collections::BTreeMap;

use super::{document::Format, response::Open311Error};

#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    /// Reads `a=1&b=2` (a query string or a url-encoded body).
    pub fn parse(format: Format, text: Option<&str>) -> Result<Self, Open311Error> {
        Self::parse_bytes(format, text.unwrap_or_default().as_bytes())
    }

    pub fn parse_bytes(format: Format, bytes: &[u8]) -> Result<Self, Open311Error> {
        let pairs: Vec<(String, String)> = serde_html_form::from_bytes(bytes).map_err(|e| {
            Open311Error::bad_request(format, format!("the parameters are malformed: {e}"))
        })?;
        Ok(Self { pairs })
    }

    pub fn push(&mut self, name: String, value: String) {
        self.pairs.push((name, value));
    }

    /// The last non-empty value of `name` ("optional" parameters sent empty count as
    /// absent, as the specification asks).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(n, v)| n == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim())
    }

    /// Every value of `name`, split on commas too (`status=open,closed`).
    pub fn list(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(n, _)| n == name)
            .flat_map(|(_, v)| v.split(','))
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
            .collect()
    }

    /// Attribute answers: `attribute[code]=v` and `attribute[code][]=v1&…[]=v2`.
    pub fn attributes(&self) -> BTreeMap<String, Vec<String>> {
        let mut answers: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, value) in &self.pairs {
            let Some(inner) = name.strip_prefix("attribute[") else {
                continue;
            };
            let code = inner
                .strip_suffix("][]")
                .or_else(|| inner.strip_suffix(']'));
            if let Some(code) = code {
                answers
                    .entry(code.to_owned())
                    .or_default()
                    .push(value.clone());
            }
        }
        answers
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_and_lists() {
        let params = Params::parse(
            Format::Xml,
            Some("attribute%5Btipo%5D%5B%5D=a&attribute[tipo][]=b&attribute[palo]=12&status=open,closed&email=&email=x%40y.it"),
        )
        .unwrap_or_default();
        let attributes = params.attributes();
        assert_eq!(attributes["tipo"], ["a", "b"]);
        assert_eq!(attributes["palo"], ["12"]);
        assert_eq!(params.list("status"), ["open", "closed"]);
        assert_eq!(params.get("email"), Some("x@y.it"));
        assert_eq!(params.get("missing"), None);
    }
}
