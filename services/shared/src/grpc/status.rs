//! Maps [`AppError`] to gRPC statuses with `google.rpc` details: `ErrorInfo` always,
//! `BadRequest` field violations for invalid input. Internal causes are logged, never
//! returned.

use std::collections::HashMap;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::error::AppError;

/// Converts a use-case error into the status a client sees. `domain` names the service
/// (`intake.segnala`), as `ErrorInfo.domain`.
pub fn into_status(error: AppError, domain: &str) -> Status {
    let reason = error.reason();
    let mut details = ErrorDetails::with_error_info(reason, domain, HashMap::new());
    let (code, message) = match error {
        AppError::InvalidArgument(violations) => {
            let message = AppError::InvalidArgument(violations.clone()).to_string();
            for violation in violations {
                details.add_bad_request_violation(violation.field, violation.description);
            }
            (Code::InvalidArgument, message)
        }
        AppError::NotFound { .. } => (Code::NotFound, error.to_string()),
        AppError::FailedPrecondition { message, .. } => (Code::FailedPrecondition, message),
        AppError::AlreadyExists { message, .. } => (Code::AlreadyExists, message),
        AppError::Unavailable(ref cause) => {
            tracing::warn!(cause, "request failed: dependency unavailable");
            (
                Code::Unavailable,
                "temporarily unavailable, please retry".to_owned(),
            )
        }
        AppError::Internal(cause) => {
            tracing::error!(error = %cause, "request failed");
            (Code::Internal, "internal error".to_owned())
        }
    };
    Status::with_error_details(code, message, details)
}

/// Reads a required message field, or says which one is missing.
pub fn required<T>(value: Option<T>, field: &str) -> Result<T, AppError> {
    value.ok_or_else(|| AppError::invalid(field, "is required"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::FieldViolation;

    #[test]
    fn invalid_argument_carries_field_violations() {
        let status = into_status(
            AppError::InvalidArgument(vec![
                FieldViolation::new("report.description", "must not be empty"),
                FieldViolation::new("report.location.latitude", "must be between -90 and 90"),
            ]),
            "intake.segnala",
        );
        assert_eq!(status.code(), Code::InvalidArgument);
        let details = status.get_error_details();
        let fields: Vec<String> = details
            .bad_request()
            .map(|b| b.field_violations.iter().map(|v| v.field.clone()).collect())
            .unwrap_or_default();
        assert_eq!(fields, ["report.description", "report.location.latitude"]);
        assert_eq!(
            details.error_info().map(|i| i.domain.as_str()),
            Some("intake.segnala")
        );
    }

    #[test]
    fn internal_causes_are_not_returned() {
        let status = into_status(
            AppError::internal(std::io::Error::other("disk /dev/sda1 on fire")),
            "x",
        );
        assert_eq!(status.code(), Code::Internal);
        assert!(!status.message().contains("sda1"));
    }
}
