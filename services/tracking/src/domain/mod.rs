//! Work orders, their life and their proofs. No transport or storage types here.

mod audit;
mod clock;
mod photo;
mod report_event;
mod transition;
mod work_order;

pub use audit::{AuditBreak, AuditEntry, AuditVerifier, GENESIS_HASH};
pub use clock::{Clock, ManualClock, SystemClock};
pub use photo::{Photo, PhotoContent, PhotoError, PhotoKind, distance_meters};
pub use report_event::{Anonymization, Feedback, Merge, ReportEvent, Routing};
pub use transition::{Applied, Command, TransitionError};
pub use work_order::{
    CancelReason, Location, NewWorkOrder, Note, NoteVisibility, Priority, ResolveWithin, WorkOrder,
    WorkOrderState,
};
