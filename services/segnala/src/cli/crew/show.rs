//! How a work order looks in the terminal (what, where, how urgent, by when) and in
//! `--json`.

use chrono::{DateTime, Utc};
use segnala_proto::{
    common::v1::Priority,
    tracking::v1::{NoteVisibility, PhotoKind, WorkOrder, WorkOrderState},
};
use segnala_shared::time::{Tz, from_timestamp};
use serde::Serialize;

use crate::cli::clock::local_time;

#[derive(Debug, Serialize)]
pub struct OrderOutput {
    pub name: String,
    pub state: String,
    pub priority: String,
    pub department: String,
    pub category: String,
    pub description: String,
    pub address: String,
    pub zone: String,
    /// Where, for people: the address, else the zone, else the coordinates.
    pub place: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub map_url: Option<String>,
    pub expected_time: Option<String>,
    pub overdue: bool,
    pub crew: String,
    pub lease_expire_time: Option<String>,
    pub hold_reason: String,
    pub public_note: String,
    pub incident: String,
    pub reports: Vec<String>,
    pub version: i64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<NoteOutput>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<PhotoOutput>,
}

#[derive(Debug, Serialize)]
pub struct NoteOutput {
    pub author: String,
    pub visibility: String,
    pub text: String,
    pub time: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct PhotoOutput {
    pub name: String,
    pub kind: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub distance_meters: f64,
}

impl From<&WorkOrder> for OrderOutput {
    fn from(order: &WorkOrder) -> Self {
        Self {
            name: order.name.clone(),
            state: state_name(order.state),
            priority: priority_name(order.priority),
            department: order.department.clone(),
            category: order.category.clone(),
            description: order.description.clone(),
            address: order.address.clone(),
            zone: order.zone.clone(),
            place: place(order),
            latitude: order.location.map(|l| l.latitude),
            longitude: order.location.map(|l| l.longitude),
            map_url: order.location.map(|l| map_url(l.latitude, l.longitude)),
            expected_time: time(order.expected_time.as_ref()).map(|t| t.to_rfc3339()),
            overdue: order.overdue,
            crew: order.crew.clone(),
            lease_expire_time: time(order.lease_expire_time.as_ref()).map(|t| t.to_rfc3339()),
            hold_reason: order.hold_reason.clone(),
            public_note: order.public_note.clone(),
            incident: order.incident.clone(),
            reports: order.reports.clone(),
            version: order.version,
            notes: order
                .notes
                .iter()
                .map(|n| NoteOutput {
                    author: n.author.clone(),
                    visibility: NoteVisibility::try_from(n.visibility)
                        .map(|v| enum_word(v.as_str_name(), "NOTE_VISIBILITY_"))
                        .unwrap_or_default(),
                    text: n.text.clone(),
                    time: time(n.create_time.as_ref()).map(|t| t.to_rfc3339()),
                })
                .collect(),
            photos: order
                .photos
                .iter()
                .map(|p| PhotoOutput {
                    name: p.name.clone(),
                    kind: PhotoKind::try_from(p.kind)
                        .map(|k| enum_word(k.as_str_name(), "PHOTO_KIND_"))
                        .unwrap_or_default(),
                    content_type: p.content_type.clone(),
                    size_bytes: p.size_bytes,
                    distance_meters: p.distance_meters,
                })
                .collect(),
        }
    }
}

/// An OpenStreetMap link centred on the problem, with a marker.
pub fn map_url(latitude: f64, longitude: f64) -> String {
    format!(
        "https://www.openstreetmap.org/?mlat={latitude:.6}&mlon={longitude:.6}#map=19/{latitude:.6}/{longitude:.6}"
    )
}

/// The order for people: what, where, how urgent, by when (on the city's clock).
pub fn describe(order: &WorkOrder, now: DateTime<Utc>, zone: Tz) -> String {
    let mut text = format!("{}\n", order.name);
    let what = if order.category.is_empty() {
        order.department.clone()
    } else {
        format!("{} / {}", order.department, order.category)
    };
    text.push_str(&format!(
        "  what      {} ({what})\n",
        order.description.trim()
    ));
    text.push_str(&format!("  where     {}\n", place(order)));
    if !order.address.is_empty() && !order.zone.is_empty() {
        text.push_str(&format!("            zone {}\n", order.zone));
    }
    if let Some(l) = order.location {
        text.push_str(&format!(
            "            {}\n",
            map_url(l.latitude, l.longitude)
        ));
    }
    text.push_str(&format!("  priority  {}\n", priority_name(order.priority)));
    if let Some(due) = time(order.expected_time.as_ref()) {
        text.push_str(&format!(
            "  due       {} ({})\n",
            local_time(due, zone),
            relative(due, now)
        ));
    }
    let mut state = state_name(order.state);
    if !order.crew.is_empty() {
        state.push_str(&format!(", crew {}", order.crew));
    }
    if let Some(lease) = time(order.lease_expire_time.as_ref()) {
        state.push_str(&format!(", lease until {}", local_time(lease, zone)));
    }
    if !order.hold_reason.is_empty() {
        state.push_str(&format!(": {}", order.hold_reason));
    }
    text.push_str(&format!("  state     {state}\n"));
    text.push_str(&format!(
        "  reports   {} ({})\n",
        order.reports.len(),
        order.reports.join(", ")
    ));
    if !order.public_note.is_empty() {
        text.push_str(&format!("  public    {}\n", order.public_note));
    }
    for note in &order.notes {
        let visibility = if note.visibility == NoteVisibility::Public as i32 {
            "public"
        } else {
            "internal"
        };
        text.push_str(&format!(
            "  note      [{visibility}] {}: {}\n",
            note.author, note.text
        ));
    }
    for photo in &order.photos {
        let kind = PhotoKind::try_from(photo.kind)
            .map(|k| enum_word(k.as_str_name(), "PHOTO_KIND_"))
            .unwrap_or_default();
        text.push_str(&format!(
            "  photo     {kind}, {}, {} bytes\n",
            photo.content_type, photo.size_bytes
        ));
    }
    text
}

/// One line per order, for lists.
pub fn line(order: &WorkOrder, now: DateTime<Utc>) -> String {
    let due = time(order.expected_time.as_ref())
        .map(|due| relative(due, now))
        .unwrap_or_default();
    format!(
        "{:<8} {:<12} {:<22} {}  {}\n    {}\n",
        priority_name(order.priority),
        state_name(order.state),
        due,
        place(order),
        order.description.trim(),
        order.name
    )
}

/// Where the job is, as precisely as the order says: the street address, else the
/// zone, else the coordinates.
pub fn place(order: &WorkOrder) -> String {
    if !order.address.is_empty() {
        return order.address.clone();
    }
    let point = order
        .location
        .map(|l| format!("{:.5}, {:.5}", l.latitude, l.longitude));
    match (order.zone.is_empty(), point) {
        (false, Some(point)) => format!("zone {} ({point})", order.zone),
        (false, None) => format!("zone {}", order.zone),
        (true, Some(point)) => point,
        (true, None) => "no place given".to_owned(),
    }
}

fn relative(due: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (due - now).num_minutes();
    let span = |m: i64| {
        let (d, h, m) = (m / (24 * 60), (m / 60) % 24, m % 60);
        match (d, h) {
            (0, 0) => format!("{m}m"),
            (0, _) => format!("{h}h {m}m"),
            _ => format!("{d}d {h}h"),
        }
    };
    if minutes < 0 {
        format!("OVERDUE by {}", span(-minutes))
    } else {
        format!("due in {}", span(minutes))
    }
}

fn time(timestamp: Option<&prost_types::Timestamp>) -> Option<DateTime<Utc>> {
    from_timestamp(timestamp)
}

pub fn state_name(state: i32) -> String {
    WorkOrderState::try_from(state)
        .map(|s| enum_word(s.as_str_name(), "WORK_ORDER_STATE_"))
        .unwrap_or_else(|_| "unknown".into())
}

fn priority_name(priority: i32) -> String {
    Priority::try_from(priority)
        .map(|p| enum_word(p.as_str_name(), "PRIORITY_"))
        .unwrap_or_else(|_| "unknown".into())
}

fn enum_word(name: &str, prefix: &str) -> String {
    name.trim_start_matches(prefix)
        .to_lowercase()
        .replace('_', " ")
}
