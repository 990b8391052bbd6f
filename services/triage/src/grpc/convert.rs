//! Between triage's domain types and their protobuf messages.

use segnala_proto::{common::v1 as common, triage::v1 as pb};
use segnala_shared::time::to_timestamp;

use crate::{
    domain::{Decision, Outcome, Priority},
    events,
    store::Correction,
};

pub fn correction(correction: Correction) -> pb::Correction {
    pb::Correction {
        report: format!("reports/{}", correction.tracking_code),
        text: correction.text,
        service_code: correction.service_code,
        location: correction
            .position
            .map(|(latitude, longitude)| common::LatLng {
                latitude,
                longitude,
            }),
        department: correction.department,
        category: correction.category,
        previous_department: correction.previous_department,
        operator: correction.operator,
        correct_time: Some(to_timestamp(correction.corrected_at)),
        rejection_reason: if correction.rejected {
            pb::RejectionReason::NotAReport
        } else {
            pb::RejectionReason::Unspecified
        } as i32,
    }
}

pub fn review_item(stored: Decision) -> pb::ReviewItem {
    let reason = stored.review_reason().unwrap_or_default().to_owned();
    pb::ReviewItem {
        report: format!("reports/{}", stored.tracking_code),
        tracking_code: stored.tracking_code,
        description: stored.received.map(|r| r.description).unwrap_or_default(),
        reason,
        candidates: scores(stored.explanation.scores),
        review_time: Some(to_timestamp(stored.decided_at)),
        zone: stored.zone.unwrap_or_default(),
    }
}

fn scores(scores: Vec<(String, f32)>) -> Vec<pb::DepartmentScore> {
    scores
        .into_iter()
        .map(|(department, score)| pb::DepartmentScore {
            department,
            category: String::new(),
            score: f64::from(score),
        })
        .collect()
}

pub fn decision(stored: Decision) -> pb::Decision {
    let incident = stored
        .incident()
        .map(|incident| format!("incidents/{incident}"))
        .unwrap_or_default();
    let emergency = stored.is_emergency();
    let (outcome, assignment) = match stored.outcome {
        Outcome::Routed(assignment)
        | Outcome::Merged { assignment, .. }
        | Outcome::Emergency { assignment, .. } => (pb::DecisionOutcome::Routed, Some(assignment)),
        Outcome::NeedsReview { .. } => (pb::DecisionOutcome::NeedsReview, None),
        Outcome::Rejected => (pb::DecisionOutcome::Rejected, None),
    };
    let priority = assignment.as_ref().map_or(Priority::Normal, |a| a.priority);
    let (department, category) = assignment
        .map(|a| (a.department, a.category))
        .unwrap_or_default();
    pb::Decision {
        name: format!("reports/{}/decision", stored.tracking_code),
        department,
        category,
        priority: events::priority(priority) as i32,
        matched_keywords: stored.explanation.matched_keywords,
        method: stored.explanation.method,
        decide_time: Some(to_timestamp(stored.decided_at)),
        version: stored.version,
        outcome: outcome as i32,
        emergency,
        rules: stored.explanation.rules,
        features: stored.explanation.features,
        scores: scores(stored.explanation.scores),
        model_version: stored.explanation.model_version,
        incident,
        zone: stored.zone.unwrap_or_default(),
    }
}
