//! What a report is, what makes one acceptable, and where it stands in public. No
//! transport or storage types here.

mod fingerprint;
mod media;
mod notice;
mod report;
mod reporter;
mod service;
mod status;
mod text;

pub use media::{
    MAX_MEDIA_PER_REPORT, MediaDraft, MediaKind, PhotoVisibility, Upload, VisibilityChange,
    sniff_image,
};
pub use notice::{Alert, Notice, StatusChange};
pub use report::{
    Channel, GeoPoint, MAX_DESCRIPTION_CHARS, Report, ReportDraft, ReporterContact, RequestId,
};
pub use reporter::{Erasure, Identities, Reporter};
pub use service::{Attribute, AttributeValue, Datatype, Department, ServiceType};
pub use status::{PublicState, StatusStep};
pub use text::strip_markup;
