//! A conversation in progress, and how to answer a report's reporter once it is made.

use segnala_shared::lang::Lang;

use super::{PhotoRef, ReplyRoute};
use crate::domain::{GeoPoint, ReporterContact};

/// A report waiting for its location or its description.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingReport {
    pub first_message_id: String,
    pub description: Option<String>,
    pub location: Option<GeoPoint>,
    pub language: Lang,
    pub contact: ReporterContact,
    pub photos: Vec<PhotoRef>,
}

/// How to answer a report's reporter.
#[derive(Clone, Debug, PartialEq)]
pub struct ReporterRoute {
    pub route: ReplyRoute,
    pub language: Lang,
    /// The reporter as the platform names them (chat id, phone, account id), to
    /// recognise their answers later; `None` on routes stored before it was kept.
    pub sender: Option<String>,
}
