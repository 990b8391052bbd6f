//! The client's idempotency key for a mutating call (a UUID, as AIP-155 asks): a retry
//! with the same key changes nothing twice.

use uuid::Uuid;

use crate::{AppError, FieldViolation};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestId(String);

impl RequestId {
    /// Empty means "none given".
    pub fn parse(text: &str) -> Result<Option<Self>, FieldViolation> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(None);
        }
        Uuid::parse_str(text)
            .map(|id| Some(Self(id.hyphenated().to_string())))
            .map_err(|_| {
                FieldViolation::new(
                    "request_id",
                    "must be a UUID, such as 0f8fad5b-d9cb-469f-a165-70867728950e",
                )
            })
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The answer when this id comes again with a different request (AIP-155): the
    /// first result is not returned for it, and nothing is changed.
    pub fn reused(&self, what: &str) -> AppError {
        AppError::AlreadyExists {
            reason: "REQUEST_ID_REUSED",
            message: format!(
                "request_id {} was already used for a different {what}: send the same \
                 request again to get its result, or use a new request_id",
                self.0
            ),
        }
    }
}
