//! Atom feeds (RFC 4287) of recent updates, with active alerts first. Every element is
//! written with an explicit end tag, so maud's escaping makes well-formed XML.

use chrono::Utc;
use maud::{PreEscaped, html};

use super::views::UpdateView;
use segnala_shared::lang::Lang;

use crate::domain::Alert;

#[derive(Debug)]
pub struct FeedInfo {
    pub title: String,
    pub self_url: String,
    pub public_url: String,
    pub lang: Lang,
}

pub fn atom(info: &FeedInfo, updates: &[UpdateView], alerts: &[Alert]) -> String {
    let lang = info.lang.code();
    let updated = updates
        .iter()
        .map(|u| u.step.time)
        .chain(alerts.iter().map(|a| a.published_at))
        .max()
        .unwrap_or_else(Utc::now);
    let markup = html! {
        (PreEscaped("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"))
        feed xmlns="http://www.w3.org/2005/Atom" xml:lang=(lang) {
            id { (info.self_url) }
            title { (info.title) }
            updated { (updated.to_rfc3339()) }
            link rel="self" href=(info.self_url) {}
            link rel="alternate" type="text/html" href={ (info.public_url) "/?lang=" (lang) } {}
            author { name { "Segnala" } }
            @for alert in alerts {
                entry {
                    id { "urn:segnala:alert:" (alert.id) }
                    title { (Alert::text(&alert.title, lang)) }
                    updated { (alert.published_at.to_rfc3339()) }
                    category term="alert" {}
                    link rel="alternate" type="text/html" href={ (info.public_url) "/?lang=" (lang) } {}
                    summary { (Alert::text(&alert.body, lang)) }
                }
            }
            @for update in updates {
                entry {
                    id { "urn:segnala:update:" (update.id) }
                    title { (update.report.code) ": " (update.step.text) }
                    updated { (update.step.time.to_rfc3339()) }
                    category term=(update.step.state.as_str()) {}
                    link rel="alternate" type="text/html" href={ (info.public_url) "/r/" (update.report.code) "?lang=" (lang) } {}
                    summary {
                        (update.report.state_label)
                        @if let Some(department) = &update.report.department_name { " · " (department) }
                        @if !update.step.note.is_empty() { " — " (update.step.note) }
                    }
                }
            }
        }
    };
    markup.into_string()
}
