//! Open311 documents: one tree, written as XML or as JSON by the Spark convention the
//! specification uses (a list element becomes an array of its items, an element with
//! children an object).

use quick_xml::{
    Writer,
    events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event},
};

/// A value of an Open311 document.
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    Null,
    Text(String),
    Bool(bool),
    Number(f64),
    /// Elements named `item` in XML, an array in JSON.
    List {
        item: &'static str,
        items: Vec<Node>,
    },
    Object(Vec<(String, Node)>),
}

impl Node {
    pub fn text(value: impl Into<String>) -> Self {
        Self::Text(value.into())
    }

    /// Text, or null when absent or empty.
    pub fn optional(value: Option<impl Into<String>>) -> Self {
        match value.map(Into::into) {
            Some(text) if !text.is_empty() => Self::Text(text),
            _ => Self::Null,
        }
    }

    pub fn object<const N: usize>(fields: [(&str, Node); N]) -> Self {
        Self::Object(fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
    }

    pub fn list(item: &'static str, items: Vec<Node>) -> Self {
        Self::List { item, items }
    }

    /// Adds a field to an object (ignored for other values).
    pub fn push(&mut self, name: &str, value: Node) {
        if let Self::Object(fields) = self {
            fields.push((name.to_owned(), value));
        }
    }
}

/// A w3 date and time (`2026-01-01T10:00:00Z`), as the specification writes them.
pub fn w3(time: chrono::DateTime<chrono::Utc>) -> Node {
    Node::text(time.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
}

/// About 100 m: enough to find the problem, not enough to tell a home.
pub fn rounded(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}

/// The two formats of every Open311 resource, chosen by the path's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    /// Splits "requests.json" into ("requests", Json).
    pub fn split(file: &str) -> Option<(&str, Format)> {
        let (stem, extension) = file.rsplit_once('.')?;
        let format = match extension {
            "xml" => Format::Xml,
            "json" => Format::Json,
            _ => return None,
        };
        Some((stem, format))
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Self::Xml => "text/xml; charset=utf-8",
            Self::Json => "application/json; charset=utf-8",
        }
    }

    /// The document `root` holding `node`, in this format.
    pub fn render(self, root: &str, node: &Node) -> String {
        match self {
            Self::Json => to_json(node).to_string(),
            Self::Xml => to_xml(root, node),
        }
    }
}

fn to_json(node: &Node) -> serde_json::Value {
    use serde_json::Value;
    match node {
        Node::Null => Value::Null,
        Node::Text(text) => Value::String(text.clone()),
        Node::Bool(b) => Value::Bool(*b),
        // Whole numbers as integers (`403`, not `403.0`), as clients compare them.
        Node::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Value::from(*n as i64),
        Node::Number(n) => serde_json::Number::from_f64(*n).map_or(Value::Null, Value::Number),
        Node::List { items, .. } => Value::Array(items.iter().map(to_json).collect()),
        Node::Object(fields) => Value::Object(
            fields
                .iter()
                .map(|(name, value)| (name.clone(), to_json(value)))
                .collect(),
        ),
    }
}

fn to_xml(root: &str, node: &Node) -> String {
    let mut writer = Writer::new(Vec::new());
    // Writing to a Vec cannot fail.
    let _ = writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("utf-8"), None)));
    write_element(&mut writer, root, node);
    String::from_utf8(writer.into_inner()).unwrap_or_default()
}

fn write_element(writer: &mut Writer<Vec<u8>>, name: &str, node: &Node) {
    let _ = writer.write_event(Event::Start(BytesStart::new(name)));
    match node {
        Node::Null => {}
        Node::Text(text) => {
            let _ = writer.write_event(Event::Text(BytesText::new(text)));
        }
        Node::Bool(b) => {
            let _ = writer.write_event(Event::Text(BytesText::new(if *b {
                "true"
            } else {
                "false"
            })));
        }
        Node::Number(n) => {
            let _ = writer.write_event(Event::Text(BytesText::new(&n.to_string())));
        }
        Node::List { item, items } => {
            for value in items {
                write_element(writer, item, value);
            }
        }
        Node::Object(fields) => {
            for (field, value) in fields {
                write_element(writer, field, value);
            }
        }
    }
    let _ = writer.write_event(Event::End(BytesEnd::new(name)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_tree_two_formats() {
        let doc = Node::list(
            "service",
            vec![Node::object([
                ("service_code", Node::text("001")),
                ("metadata", Node::Bool(false)),
                ("description", Node::text("<script>x</script> & co")),
                ("group", Node::Null),
            ])],
        );
        assert_eq!(
            Format::Xml.render("services", &doc),
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service><service_code>001</service_code><metadata>false</metadata><description>&lt;script&gt;x&lt;/script&gt; &amp; co</description><group></group></service></services>"
        );
        let json: serde_json::Value =
            serde_json::from_str(&Format::Json.render("services", &doc)).unwrap_or_default();
        assert_eq!(
            json,
            serde_json::json!([{"service_code": "001", "metadata": false, "description": "<script>x</script> & co", "group": null}])
        );
        assert_eq!(
            Format::split("requests.json"),
            Some(("requests", Format::Json))
        );
        assert_eq!(Format::split("requests.html"), None);
    }
}
