//! The HTML pages: semantic, readable on a phone, no JavaScript, escaped by maud.

use axum::response::Html;
use maud::{DOCTYPE, Markup, PreEscaped, html};
use segnala_shared::{lang::Lang, time::Tz};

use super::views::{ReportView, UpdateView, date, day};
use crate::{
    domain::{Alert, Names, PublicState},
    i18n::{Words, state_label, words},
};

/// High contrast (WCAG AA and better), large targets, one column on small screens.
const STYLE: &str = "body{margin:0;font:1.05rem/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff}\
header,main,footer{max-width:46rem;margin:0 auto;padding:1rem}\
header{display:flex;flex-wrap:wrap;justify-content:space-between;align-items:center;border-bottom:2px solid #0b3d91}\
a{color:#0b3d91}a:focus,button:focus,input:focus,select:focus{outline:3px solid #ffbf47}\
.alert{background:#7a0000;color:#fff;padding:1rem;margin:0}.alert a{color:#fff}\
.state{display:inline-block;padding:.2rem .6rem;border:2px solid #0b3d91;border-radius:.3rem;font-weight:700}\
dl{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem}dt{font-weight:700}\
ol.timeline{padding-left:1.2rem}ol.timeline li{margin-bottom:.6rem}\
form.filters{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end}\
form.filters>div{max-width:100%}\
label{display:block;font-weight:700}input,select,button{font:inherit;padding:.4rem;min-height:2.4rem;max-width:100%}\
button{background:#0b3d91;color:#fff;border:0;border-radius:.3rem}\
ul.updates{list-style:none;padding:0}ul.updates li{border-bottom:1px solid #767676;padding:.6rem 0}\
@media (max-width:30rem){dl{grid-template-columns:1fr}}";

fn layout(lang: Lang, title: &str, path: &str, alerts: &[Alert], content: Markup) -> Html<String> {
    let w = words(lang);
    Html(html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " — Segnala" }
                link rel="alternate" type="application/atom+xml" title=(w.feed) href="/feeds/city";
                style { (PreEscaped(STYLE)) }
            }
            body {
                @for alert in alerts {
                    section.alert role="alert" aria-label=(w.alert) {
                        strong { (Alert::text(&alert.title, lang.code())) }
                        " " (Alert::text(&alert.body, lang.code()))
                    }
                }
                header {
                    a href={ "/?lang=" (lang.code()) } { (w.home) }
                    nav aria-label=(w.language) {
                        a href={ (path) "?lang=it" } lang="it" hreflang="it" { "Italiano" }
                        " · "
                        a href={ (path) "?lang=en" } lang="en" hreflang="en" { "English" }
                    }
                }
                main { (content) }
                footer {
                    a href="/feeds/city" { (w.feed) }
                }
            }
        }
    }
    .into_string())
}

fn state_badge(lang: Lang, state: PublicState) -> Markup {
    html! { span.state data-state=(state.as_str()) { (state_label(lang, state)) } }
}

pub fn report(lang: Lang, zone: Tz, report: &ReportView, alerts: &[Alert]) -> Html<String> {
    let w = words(lang);
    let path = format!("/r/{}", report.code);
    let content = html! {
        h1 { (w.report_title) " " span translate="no" { (report.code) } }
        dl {
            dt { (w.state) } dd { (state_badge(lang, report.state)) }
            @if let Some(department) = &report.department_name {
                dt { (w.department) } dd { (department) }
            }
            @if let Some(category) = &report.category_name {
                dt { (w.category) } dd { (category) }
            }
            @if let Some(zone_name) = &report.zone_name { dt { (w.zone) } dd { (zone_name) } }
            @if let Some(expected) = report.expected_at {
                dt { (w.expected) } dd { time datetime=(expected.to_rfc3339()) { (day(expected, lang, zone)) } }
            }
            @if let Some(original) = &report.duplicate_of {
                dt { (w.duplicate_of) } dd { a href={ "/r/" (original) "?lang=" (lang.code()) } { (original) } }
            }
            @if let Some(reason) = &report.reason { dt { (w.reason) } dd { (reason) } }
        }
        @if let Some(location) = report.location {
            section aria-labelledby="position" {
                h2 #position { (w.position) }
                p {
                    (format!("{:.3}, {:.3}", location.latitude, location.longitude)) " — "
                    a href=(format!(
                        "https://www.openstreetmap.org/?mlat={0:.3}&mlon={1:.3}#map=17/{0:.3}/{1:.3}",
                        location.latitude, location.longitude
                    )) { (w.open_map) }
                }
                p { small { (w.position_note) } }
            }
        }
        section aria-labelledby="timeline" {
            h2 #timeline { (w.timeline) }
            ol.timeline {
                @for step in &report.timeline {
                    li {
                        time datetime=(step.time.to_rfc3339()) { (date(step.time, lang, zone)) }
                        " — " (step.text)
                        @if !step.note.is_empty() { br; q { (step.note) } }
                    }
                }
            }
        }
    };
    layout(
        lang,
        &format!("{} {}", w.report_title, report.code),
        &path,
        alerts,
        content,
    )
}

/// The city page's current filters, as given.
#[derive(Debug, Default)]
pub struct Filters {
    pub department: String,
    pub zone: String,
    pub state: String,
}

/// What the city page shows.
pub struct CityPage<'a> {
    pub lang: Lang,
    pub time_zone: Tz,
    pub filters: &'a Filters,
    /// For the department and zone lists.
    pub names: &'a Names,
    pub updates: &'a [UpdateView],
    pub next_page_token: &'a str,
    pub alerts: &'a [Alert],
}

/// A list to choose one of `options` (value, label) or any; the current choice stays
/// chosen even when the list does not offer it (an older department, a typed id).
fn choice(
    id: &str,
    label: &str,
    any: &str,
    options: &[(String, String)],
    current: &str,
    unlisted: String,
) -> Markup {
    let listed = current.is_empty() || options.iter().any(|(value, _)| value == current);
    html! {
        div {
            label for=(id) { (label) }
            select #(id) name=(id) {
                option value="" { (any) }
                @for (value, text) in options {
                    option value=(value) selected[value == current] { (text) }
                }
                @if !listed { option value=(current) selected { (unlisted) } }
            }
        }
    }
}

pub fn city(page: &CityPage<'_>) -> Html<String> {
    let CityPage {
        lang,
        time_zone,
        filters,
        names,
        updates,
        next_page_token,
        alerts,
    } = *page;
    let w: &Words = words(lang);
    let departments = names.current_departments(lang.code());
    let zones: Vec<(String, String)> = names
        .zones()
        .iter()
        .map(|zone| (zone.id.clone(), zone.name.clone()))
        .collect();
    let content = html! {
        h1 { (w.city_title) }
        form method="get" action="/r" {
            label for="code" { (w.find_label) }
            input #code name="code" autocomplete="off" placeholder="7KQ2-M9XA-4BRT";
            input type="hidden" name="lang" value=(lang.code());
            button type="submit" { (w.find) }
        }
        form.filters method="get" action="/" aria-label=(w.filter) {
            input type="hidden" name="lang" value=(lang.code());
            (choice("department", w.department, w.any, &departments, &filters.department, names.department(&filters.department, lang.code())))
            (choice("zone", w.zone, w.any, &zones, &filters.zone, names.zone(&filters.zone)))
            div {
                label for="state" { (w.state) }
                select #state name="state" {
                    option value="" { (w.any) }
                    @for state in PublicState::ALL {
                        option value=(state.as_str()) selected[filters.state == state.as_str()] { (state_label(lang, state)) }
                    }
                }
            }
            button type="submit" { (w.apply) }
        }
        h2 { (w.updates) }
        @if updates.is_empty() { p { (w.no_updates) } }
        ul.updates {
            @for update in updates {
                li {
                    a href={ "/r/" (update.report.code) "?lang=" (lang.code()) } { (update.report.code) }
                    " " (state_badge(lang, update.report.state))
                    br;
                    time datetime=(update.step.time.to_rfc3339()) { (date(update.step.time, lang, time_zone)) }
                    " — " (update.step.text)
                    @if let Some(department) = &update.report.department_name { " · " (department) }
                    @if !update.step.note.is_empty() { br; q { (update.step.note) } }
                }
            }
        }
        @if !next_page_token.is_empty() {
            a href={ "/?lang=" (lang.code()) "&department=" (filters.department) "&zone=" (filters.zone) "&state=" (filters.state) "&page_token=" (next_page_token) } { (w.older) }
        }
    };
    layout(lang, w.city_title, "/", alerts, content)
}

pub fn not_found(lang: Lang, alerts: &[Alert]) -> Html<String> {
    let w = words(lang);
    layout(
        lang,
        w.not_found_title,
        "/",
        alerts,
        html! {
            h1 { (w.not_found_title) }
            p { (w.not_found_text) }
        },
    )
}

pub fn bad_request(lang: Lang, message: &str) -> Html<String> {
    let w = words(lang);
    layout(
        lang,
        w.bad_request_title,
        "/",
        &[],
        html! {
            h1 { (w.bad_request_title) }
            p { (message) }
        },
    )
}
