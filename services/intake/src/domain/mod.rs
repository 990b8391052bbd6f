//! What a report is, and what makes one acceptable. No transport or storage types here.

mod fingerprint;
mod media;
mod report;
mod reporter;
mod service;
mod text;

pub use media::{MAX_MEDIA_PER_REPORT, MediaDraft, MediaKind, Upload, sniff_image};
pub use report::{
    Channel, GeoPoint, MAX_DESCRIPTION_CHARS, Report, ReportDraft, ReporterContact, RequestId,
};
pub use reporter::{Erasure, Identities, Reporter};
pub use service::{Attribute, AttributeValue, Datatype, Department, ServiceType};
pub use text::strip_markup;
