//! Between domain types and their protobuf messages.

use chrono::{DateTime, Utc};
use segnala_proto::{common::v1 as common, tracking::v1 as pb};
use segnala_shared::time::to_timestamp;

use crate::{
    app::WorkOrderView,
    domain::{CancelReason, Location, Note, NoteVisibility, PhotoKind, WorkOrder},
    events,
    store::StoredPhoto,
};

/// An order without its notes and photos, as seen at `now`.
pub fn work_order(order: WorkOrder, now: DateTime<Utc>) -> pb::WorkOrder {
    pb::WorkOrder {
        name: order.name(),
        overdue: order.is_overdue(now),
        reports: order.reports,
        department: order.department,
        category: order.category,
        state: events::state(order.state) as i32,
        priority: events::priority(order.priority) as i32,
        description: order.description,
        location: order.location.map(lat_lng),
        address: order.address,
        create_time: Some(to_timestamp(order.created_at)),
        update_time: Some(to_timestamp(order.updated_at)),
        version: order.version,
        incident: order.incident,
        zone: order.zone,
        expected_time: Some(to_timestamp(order.due_at)),
        crew: order.crew.unwrap_or_default(),
        lease_expire_time: order.lease_until.map(to_timestamp),
        hold_reason: order.hold_reason.unwrap_or_default(),
        cancel_reason: order
            .cancel_reason
            .map_or(pb::CancelReason::Unspecified, cancel_reason) as i32,
        public_note: order.public_note.unwrap_or_default(),
        resolve_time: order.resolved_at.map(to_timestamp),
        notes: Vec::new(),
        photos: Vec::new(),
    }
}

pub fn view(view: WorkOrderView, now: DateTime<Utc>) -> pb::WorkOrder {
    pb::WorkOrder {
        notes: view.notes.into_iter().map(note).collect(),
        photos: view.photos.into_iter().map(photo).collect(),
        ..work_order(view.order, now)
    }
}

fn note(note: Note) -> pb::WorkOrderNote {
    pb::WorkOrderNote {
        author: note.author,
        visibility: match note.visibility {
            NoteVisibility::Internal => pb::NoteVisibility::Internal,
            NoteVisibility::Public => pb::NoteVisibility::Public,
        } as i32,
        text: note.text,
        create_time: Some(to_timestamp(note.created_at)),
    }
}

pub fn photo(photo: StoredPhoto) -> pb::WorkOrderPhoto {
    pb::WorkOrderPhoto {
        name: format!("workOrders/{}/photos/{}", photo.work_order_id, photo.id),
        kind: match photo.kind {
            PhotoKind::Before => pb::PhotoKind::Before,
            PhotoKind::After => pb::PhotoKind::After,
        } as i32,
        content_type: photo.content_type,
        size_bytes: photo.size_bytes,
        location: photo.location.map(lat_lng),
        distance_meters: photo.distance_meters.unwrap_or_default(),
        author: photo.author,
        create_time: Some(to_timestamp(photo.created_at)),
    }
}

fn lat_lng(location: Location) -> common::LatLng {
    common::LatLng {
        latitude: location.latitude,
        longitude: location.longitude,
    }
}

fn cancel_reason(reason: CancelReason) -> pb::CancelReason {
    match reason {
        CancelReason::Duplicate => pb::CancelReason::Duplicate,
        CancelReason::NotCityResponsibility => pb::CancelReason::NotCityResponsibility,
        CancelReason::NoFurtherAction => pb::CancelReason::NoFurtherAction,
    }
}

pub fn cancel_reason_from(value: i32) -> Option<CancelReason> {
    match pb::CancelReason::try_from(value) {
        Ok(pb::CancelReason::Duplicate) => Some(CancelReason::Duplicate),
        Ok(pb::CancelReason::NotCityResponsibility) => Some(CancelReason::NotCityResponsibility),
        Ok(pb::CancelReason::NoFurtherAction) => Some(CancelReason::NoFurtherAction),
        _ => None,
    }
}

pub fn state_from(value: i32) -> Option<crate::domain::WorkOrderState> {
    use crate::domain::WorkOrderState as S;
    Some(match pb::WorkOrderState::try_from(value).ok()? {
        pb::WorkOrderState::Unspecified => return None,
        pb::WorkOrderState::Queued => S::Queued,
        pb::WorkOrderState::Claimed => S::Claimed,
        pb::WorkOrderState::InProgress => S::InProgress,
        pb::WorkOrderState::OnHold => S::OnHold,
        pb::WorkOrderState::Resolved => S::Resolved,
        pb::WorkOrderState::Closed => S::Closed,
        pb::WorkOrderState::Cancelled => S::Cancelled,
        pb::WorkOrderState::Reopened => S::Reopened,
    })
}

pub fn duration(duration: chrono::Duration) -> prost_types::Duration {
    prost_types::Duration {
        seconds: duration.num_seconds(),
        nanos: duration.subsec_nanos(),
    }
}
