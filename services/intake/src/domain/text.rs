//! Citizens' text as plain text: markup some clients send (HTML from web forms,
//! pasted snippets, script injection attempts) is taken out before storing.

/// Removes HTML tags and comments, drops the content of `<script>` and `<style>`
/// elements, decodes the common entities and collapses the spaces the tags leave. A `<`
/// that does not open a tag (`a < 3`) stays as typed.
pub fn strip_markup(text: &str) -> String {
    if !text.contains('<') && !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        let Some(tag_name) = tag_name(after) else {
            out.push('<');
            rest = after;
            continue;
        };
        let Some(end) = after.find('>') else {
            // An unclosed tag: everything after it is markup.
            rest = "";
            break;
        };
        rest = &after[end + 1..];
        if tag_name.eq_ignore_ascii_case("script") || tag_name.eq_ignore_ascii_case("style") {
            let closing = format!("</{}", tag_name.to_ascii_lowercase());
            rest = match rest.to_ascii_lowercase().find(&closing) {
                Some(close) => rest[close..]
                    .find('>')
                    .map_or("", |gt| &rest[close + gt + 1..]),
                None => "",
            };
        }
        if matches!(
            tag_name.to_ascii_lowercase().as_str(),
            "br" | "p" | "/p" | "div" | "/div"
        ) {
            out.push('\n');
        } else if !out.ends_with(char::is_whitespace) {
            out.push(' ');
        }
    }
    out.push_str(rest);
    let decoded = decode_entities(&out);
    tidy_spaces(&decoded)
}

/// The name of the tag `after_lt` opens (`b`, `/b`, `!--`), or `None` when the `<` is
/// text.
fn tag_name(after_lt: &str) -> Option<&str> {
    let first = after_lt.chars().next()?;
    if !(first.is_ascii_alphabetic() || first == '/' || first == '!') {
        return None;
    }
    let end = after_lt
        .find(|c: char| c.is_whitespace() || c == '>')
        .unwrap_or(after_lt.len());
    let name = &after_lt[..end];
    let bare = name.trim_start_matches(['/', '!']).trim_end_matches('/');
    (name.starts_with("!--")
        || (!bare.is_empty() && bare.chars().all(|c| c.is_ascii_alphanumeric())))
    .then_some(if name.starts_with('/') { name } else { bare })
}

fn decode_entities(text: &str) -> String {
    const ENTITIES: [(&str, &str); 7] = [
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&apos;", "'"),
        ("&nbsp;", " "),
        ("&amp;", "&"),
    ];
    let mut text = text.to_owned();
    for (entity, plain) in ENTITIES {
        text = text.replace(entity, plain);
    }
    text
}

/// Runs of spaces become one, lines are trimmed, and at most one empty line remains.
fn tidy_spaces(text: &str) -> String {
    let mut lines: Vec<String> = Vec::new();
    for line in text.lines() {
        let line = line
            .split([' ', '\t'])
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ");
        if line.is_empty() && lines.last().is_none_or(String::is_empty) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_go_and_text_stays() {
        assert_eq!(strip_markup("Lampione spento"), "Lampione spento");
        assert_eq!(
            strip_markup("<p>Buca <b>profonda</b></p><p>via Roma</p>"),
            "Buca profonda\n\nvia Roma"
        );
        assert_eq!(
            strip_markup("ciao<script type=\"text/javascript\">alert('x')</script> mondo"),
            "ciao mondo"
        );
        assert_eq!(strip_markup("<img src=x onerror=alert(1)>rotto"), "rotto");
        assert_eq!(strip_markup("a < 3 & b > 2"), "a < 3 & b > 2");
        assert_eq!(strip_markup("&lt;b&gt; Tom &amp; Jerry"), "<b> Tom & Jerry");
        assert_eq!(strip_markup("<!-- nascosto --> visibile"), "visibile");
        assert_eq!(strip_markup("resto <SCRIPT>x"), "resto");
    }
}
