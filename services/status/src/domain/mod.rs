//! The public state of a report and how events change it. No transport or storage
//! types here.

mod projection;
mod public_state;

pub use projection::{
    Change, Fact, Merged, Received, Routed, StatusRecord, TriageHold, TriageOutcome,
    WorkOrderUpdate,
};
pub use public_state::{
    ApproximateLocation, ChannelName, PublicState, ReportStatus, StatusView, StepKind,
    TimelineEntry,
};

mod alert;

pub use alert::{Alert, MAX_BODY_CHARS, MAX_TITLE_CHARS, Severity};

mod subscription;

pub use subscription::{Subscription, TargetPolicy, Topic};

mod names;

pub use names::{
    DisplayNames, KnownDepartment, Names, PublishedCategory, PublishedDepartment,
    PublishedTaxonomy, ZoneName,
};
