//! The words of the public surfaces in Italian and English: states, steps and page
//! labels. Departments, categories and zones are named by `Names` (triage's taxonomy
//! and the jurisdiction). The language comes from `?lang=` or `Accept-Language`.

use segnala_shared::lang::Lang;

use crate::domain::{Names, PublicState, StepKind, TimelineEntry};

/// The fixed words of the pages.
#[derive(Debug)]
pub struct Words {
    pub city_title: &'static str,
    pub report_title: &'static str,
    pub state: &'static str,
    pub department: &'static str,
    pub category: &'static str,
    pub zone: &'static str,
    pub expected: &'static str,
    pub duplicate_of: &'static str,
    pub reason: &'static str,
    pub timeline: &'static str,
    pub position: &'static str,
    pub position_note: &'static str,
    pub open_map: &'static str,
    pub updates: &'static str,
    pub no_updates: &'static str,
    pub filter: &'static str,
    pub any: &'static str,
    pub apply: &'static str,
    pub older: &'static str,
    pub feed: &'static str,
    pub not_found_title: &'static str,
    pub not_found_text: &'static str,
    pub bad_request_title: &'static str,
    pub alert: &'static str,
    pub language: &'static str,
    pub report: &'static str,
    pub when: &'static str,
    pub home: &'static str,
    pub find_label: &'static str,
    pub find: &'static str,
}

const IT: Words = Words {
    city_title: "Segnalazioni della città",
    report_title: "Segnalazione",
    state: "Stato",
    department: "Ufficio",
    category: "Categoria",
    zone: "Zona",
    expected: "Risoluzione prevista",
    duplicate_of: "Unita alla segnalazione",
    reason: "Motivo",
    timeline: "Cronologia",
    position: "Posizione approssimativa",
    position_note: "Arrotondata a circa 100 m per proteggere la privacy.",
    open_map: "Apri sulla mappa (OpenStreetMap)",
    updates: "Aggiornamenti recenti",
    no_updates: "Nessun aggiornamento.",
    filter: "Filtra",
    any: "Tutti",
    apply: "Applica",
    older: "Aggiornamenti precedenti",
    feed: "Feed Atom",
    not_found_title: "Segnalazione non trovata",
    not_found_text: "Nessuna segnalazione ha questo codice. Controlla il codice ricevuto: è fatto di 12 lettere e cifre, come 7KQ2-M9XA-4BRT.",
    bad_request_title: "Richiesta non valida",
    alert: "Avviso",
    language: "Lingua",
    report: "Segnalazione",
    when: "Quando",
    home: "Tutte le segnalazioni",
    find_label: "Codice di tracciamento",
    find: "Cerca",
};

const EN: Words = Words {
    city_title: "City reports",
    report_title: "Report",
    state: "Status",
    department: "Department",
    category: "Category",
    zone: "Zone",
    expected: "Expected fix",
    duplicate_of: "Merged with report",
    reason: "Reason",
    timeline: "Timeline",
    position: "Approximate position",
    position_note: "Rounded to about 100 m to protect privacy.",
    open_map: "Open on the map (OpenStreetMap)",
    updates: "Recent updates",
    no_updates: "No updates.",
    filter: "Filter",
    any: "Any",
    apply: "Apply",
    older: "Older updates",
    feed: "Atom feed",
    not_found_title: "Report not found",
    not_found_text: "No report has this code. Check the code you were given: it has 12 letters and digits, like 7KQ2-M9XA-4BRT.",
    bad_request_title: "Invalid request",
    alert: "Alert",
    language: "Language",
    report: "Report",
    when: "When",
    home: "All reports",
    find_label: "Tracking code",
    find: "Find",
};

pub fn words(lang: Lang) -> &'static Words {
    match lang {
        Lang::It => &IT,
        Lang::En => &EN,
    }
}

pub fn state_label(lang: Lang, state: PublicState) -> &'static str {
    use PublicState::*;
    match (lang, state) {
        (Lang::It, Received) => "Ricevuta",
        (Lang::It, InReview) => "In verifica",
        (Lang::It, Assigned) => "Assegnata",
        (Lang::It, InProgress) => "In lavorazione",
        (Lang::It, Resolved) => "Risolta",
        (Lang::It, Closed) => "Chiusa",
        (Lang::It, Duplicate) => "Duplicata",
        (Lang::It, Rejected) => "Respinta",
        (Lang::En, Received) => "Received",
        (Lang::En, InReview) => "In review",
        (Lang::En, Assigned) => "Assigned",
        (Lang::En, InProgress) => "In progress",
        (Lang::En, Resolved) => "Resolved",
        (Lang::En, Closed) => "Closed",
        (Lang::En, Duplicate) => "Duplicate",
        (Lang::En, Rejected) => "Rejected",
    }
}

/// The sentence of a timeline step, without its public note.
pub fn step_text(lang: Lang, entry: &TimelineEntry, names: &Names) -> String {
    use StepKind::*;
    let detail = entry.detail.as_str();
    let department = || names.department(detail, lang.code());
    match (lang, entry.kind) {
        (Lang::En, Received) => "Report received".into(),
        (Lang::En, InReview) => "An operator is checking the report".into(),
        (Lang::En, Routed) => format!("Sent to the {} department", department()),
        (Lang::En, Merged) => format!("Merged with report {detail}, about the same problem"),
        (Lang::En, Rejected) => "Not taken on".into(),
        (Lang::En, WorkQueued) => "In the department's work queue".into(),
        (Lang::En, Reopened) => "Reopened: back in the work queue".into(),
        (Lang::En, CrewClaimed) => "A crew has taken the job".into(),
        (Lang::En, WorkStarted) => "Work in progress".into(),
        (Lang::En, OnHold) => "Work on hold".into(),
        (Lang::En, WorkResolved) => "Resolved".into(),
        (Lang::En, WorkClosed) => "Closed".into(),
        (Lang::En, WorkCancelled) => "Cancelled".into(),
        (Lang::It, Received) => "Segnalazione ricevuta".into(),
        (Lang::It, InReview) => "Un operatore sta verificando la segnalazione".into(),
        (Lang::It, Routed) => format!("Inviata all'ufficio {}", department()),
        (Lang::It, Merged) => {
            format!("Unita alla segnalazione {detail}, sullo stesso problema")
        }
        (Lang::It, Rejected) => "Non presa in carico".into(),
        (Lang::It, WorkQueued) => "Nella coda di lavoro dell'ufficio".into(),
        (Lang::It, Reopened) => "Riaperta: di nuovo in coda".into(),
        (Lang::It, CrewClaimed) => "Una squadra ha preso in carico il lavoro".into(),
        (Lang::It, WorkStarted) => "Lavori in corso".into(),
        (Lang::It, OnHold) => "Lavori sospesi".into(),
        (Lang::It, WorkResolved) => "Risolta".into(),
        (Lang::It, WorkClosed) => "Chiusa".into(),
        (Lang::It, WorkCancelled) => "Annullata".into(),
    }
}
