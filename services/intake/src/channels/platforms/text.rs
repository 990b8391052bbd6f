//! Posts as plain text: Mastodon's HTML without markup, entities decoded, the
//! mentions that address the city account taken off the front.

/// Plain text of a post's HTML: paragraphs and line breaks become new lines, every
/// tag goes, entities are decoded. Script and style contents are dropped.
pub fn html_to_text(html: &str) -> String {
    let mut text = String::with_capacity(html.len());
    let mut rest = html;
    let mut skipping: Option<&str> = None;
    while let Some(start) = rest.find('<') {
        if skipping.is_none() {
            text.push_str(&rest[..start]);
        }
        let after = &rest[start..];
        let Some(end) = after.find('>') else {
            // A lone '<' is text.
            if skipping.is_none() {
                text.push_str(after);
            }
            rest = "";
            break;
        };
        let tag = after[1..end].trim().to_ascii_lowercase();
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default()
            .to_owned();
        match skipping {
            Some(open) if tag.starts_with('/') && name == open => skipping = None,
            Some(_) => {}
            None if name == "script" || name == "style" => {
                skipping = Some(if name == "script" { "script" } else { "style" });
            }
            None if name == "br" || (tag.starts_with('/') && name == "p") => text.push('\n'),
            None => {}
        }
        rest = &after[end + 1..];
    }
    if skipping.is_none() {
        text.push_str(rest);
    }
    decode_entities(&text)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Decodes the named entities posts use and every numeric one.
pub fn decode_entities(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let decoded = after.find(';').filter(|end| *end <= 10).and_then(|end| {
            let entity = &after[1..end];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" | "#39" => Some('\''),
                "nbsp" => Some(' '),
                _ => entity.strip_prefix('#').and_then(|number| {
                    let code = match number.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => number.parse().ok(),
                    };
                    code.and_then(char::from_u32)
                }),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// "@comune @vigili C'è una buca" → "C'è una buca".
pub fn without_leading_mentions(text: &str) -> String {
    let mut rest = text.trim_start();
    while rest.starts_with('@') {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = rest[end..].trim_start();
    }
    rest.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastodon_html_becomes_plain_text() {
        let html = r#"<p><span class="h-card" translate="no"><a href="https://social.example/@comune" class="u-url mention">@<span>comune</span></a></span> Lampione spento in via Roma &amp; via Verdi</p><p>Da due giorni&#33;<br>Grazie &lt;3</p><script>alert(1)</script>"#;
        let text = html_to_text(html);
        assert_eq!(
            text,
            "@comune Lampione spento in via Roma & via Verdi\nDa due giorni!\nGrazie <3"
        );
        assert_eq!(
            without_leading_mentions(&text),
            "Lampione spento in via Roma & via Verdi\nDa due giorni!\nGrazie <3"
        );
        assert_eq!(
            decode_entities("a & b &bogus; &#x1F6A7;"),
            "a & b &bogus; 🚧"
        );
    }
}
