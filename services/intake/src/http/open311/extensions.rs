//! What `extensions=true` adds to a request, after the precedent of Chicago's Open311
//! endpoint where it set one: `notes` (each with `datetime`, `summary`, `description`
//! and a `type` of opened, activity or closed) and `extended_attributes` with
//! `channel`, `duplicate` and `parent_service_request_id`. Segnala's own fields stand
//! beside them: each note's `step` and `state`, and `duplicate_of`, `media_urls` and
//! `attributes`: the answers to the questions the service asks, free text redacted.
//! Answers a client sent that the service never asked for (FixMyStreet's `title`,
//! `closest_address`, `easting` …) are kept for operators but never shown here: they
//! may carry the citizen's words and exact position unredacted.

use segnala_shared::{lang::Lang, redaction::redact_text};

use super::document::{Node, w3};
use crate::{
    domain::{Datatype, Report, ServiceType, StatusStep},
    upstream::status::{PublicStatus, StatusNote},
};

/// Adds `notes` and `extended_attributes` to the request `node`.
pub fn add(
    node: &mut Node,
    report: Option<&Report>,
    status: Option<&PublicStatus>,
    service: Option<&ServiceType>,
) {
    let notes = status.map(|s| s.notes.as_slice()).unwrap_or_default();
    node.push(
        "notes",
        Node::list("note", notes.iter().map(note).collect()),
    );
    let duplicate_of = status.and_then(|s| s.duplicate_of.clone());
    let mut extended = Node::object([
        (
            "channel",
            Node::optional(report.map(|r| r.channel.as_str())),
        ),
        ("duplicate", Node::Bool(duplicate_of.is_some())),
        (
            "parent_service_request_id",
            Node::optional(duplicate_of.clone()),
        ),
        ("duplicate_of", Node::optional(duplicate_of)),
    ]);
    if let Some(report) = report {
        extended.push(
            "media_urls",
            Node::list(
                "media_url",
                report.media_urls.iter().cloned().map(Node::Text).collect(),
            ),
        );
        extended.push(
            "attributes",
            Node::list(
                "attribute",
                public_answers(report, service)
                    .map(|(code, value)| {
                        Node::object([("code", Node::text(code)), ("value", Node::text(value))])
                    })
                    .collect(),
            ),
        );
    }
    node.push("extended_attributes", extended);
}

/// The report's answers to the questions its service asks, free text redacted.
fn public_answers<'a>(
    report: &'a Report,
    service: Option<&'a ServiceType>,
) -> impl Iterator<Item = (String, String)> + 'a {
    let language = report.language_code.as_deref().and_then(Lang::parse);
    report.attributes.iter().filter_map(move |(code, value)| {
        let question = service?.attributes.iter().find(|a| a.code == *code)?;
        let value = match question.datatype {
            Datatype::String | Datatype::Text => redact_text(value, language),
            _ => value.clone(),
        };
        Some((code.clone(), value))
    })
}

fn note(note: &StatusNote) -> Node {
    let description = if note.note.is_empty() {
        &note.message
    } else {
        &note.note
    };
    Node::object([
        ("datetime", note.time.map_or(Node::Null, w3)),
        ("summary", Node::text(note.message.clone())),
        ("description", Node::text(description.clone())),
        ("type", Node::text(note_type(note))),
        ("step", Node::text(note.step.name())),
        ("state", Node::text(note.state.name())),
    ])
}

/// Chicago's three kinds of note: the report came in, something happened, or the step
/// left it closed (resolved, cancelled, turned away, or merged into work not yet begun).
fn note_type(note: &StatusNote) -> &'static str {
    if note.step == StatusStep::Received {
        "opened"
    } else if note.state.is_open() {
        "activity"
    } else {
        "closed"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::PublicState;

    fn step(step: StatusStep, state: PublicState) -> StatusNote {
        StatusNote {
            time: None,
            step,
            state,
            message: "Unita alla segnalazione AAAA-BBBB-CCCC, sullo stesso problema".into(),
            note: String::new(),
        }
    }

    #[test]
    fn notes_are_typed_by_what_the_step_did() {
        let types = [
            (StatusStep::Received, PublicState::Received),
            (StatusStep::Routed, PublicState::Received),
            (StatusStep::Merged, PublicState::Duplicate),
            (StatusStep::Merged, PublicState::Assigned),
            (StatusStep::WorkResolved, PublicState::Resolved),
            (StatusStep::Reopened, PublicState::Assigned),
        ]
        .map(|(s, state)| note_type(&step(s, state)));
        assert_eq!(
            types,
            [
                "opened", "activity", "closed", "activity", "closed", "activity"
            ]
        );
        assert_eq!(StatusStep::WorkResolved.name(), "work_resolved");
        assert_eq!(PublicState::InProgress.name(), "in_progress");
    }
}
