//! Open311 answers: documents and lists of `{code, description}` errors, in the format
//! the path asked for.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use segnala_shared::AppError;

use super::document::{Format, Node};

/// A successful answer.
pub struct Document {
    pub format: Format,
    pub root: &'static str,
    pub node: Node,
}

impl IntoResponse for Document {
    fn into_response(self) -> Response {
        let body = self.format.render(self.root, &self.node);
        ([(header::CONTENT_TYPE, self.format.content_type())], body).into_response()
    }
}

/// A refused request: the HTTP status and one or more errors.
#[derive(Debug)]
pub struct Open311Error {
    pub format: Format,
    pub status: StatusCode,
    pub errors: Vec<String>,
    /// Seconds to wait, for 429.
    pub retry_after: Option<u64>,
}

impl Open311Error {
    pub fn new(format: Format, status: StatusCode, description: impl Into<String>) -> Self {
        Self {
            format,
            status,
            errors: vec![description.into()],
            retry_after: None,
        }
    }

    pub fn bad_request(format: Format, description: impl Into<String>) -> Self {
        Self::new(format, StatusCode::BAD_REQUEST, description)
    }

    pub fn not_found(format: Format, description: impl Into<String>) -> Self {
        Self::new(format, StatusCode::NOT_FOUND, description)
    }

    /// Maps a use-case error; internal causes are logged, never shown.
    pub fn from_app(format: Format, error: AppError) -> Self {
        match error {
            AppError::InvalidArgument(violations) => Self {
                format,
                status: StatusCode::BAD_REQUEST,
                errors: violations
                    .into_iter()
                    .map(|v| format!("{}: {}", open311_field(&v.field), v.description))
                    .collect(),
                retry_after: None,
            },
            AppError::NotFound { resource, name } => {
                Self::not_found(format, format!("{resource} {name} was not found"))
            }
            AppError::FailedPrecondition { message, .. }
            | AppError::AlreadyExists { message, .. } => Self::bad_request(format, message),
            AppError::Unavailable(cause) => {
                tracing::warn!(cause, "Open311 request failed: dependency unavailable");
                Self::new(
                    format,
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the service is temporarily unavailable, please retry",
                )
            }
            AppError::Internal(cause) => {
                tracing::error!(error = %cause, "Open311 request failed");
                Self::new(format, StatusCode::INTERNAL_SERVER_ERROR, "internal error")
            }
        }
    }
}

/// The domain names fields after the gRPC report (`report.location.latitude`); Open311
/// clients know them by their form names.
fn open311_field(field: &str) -> String {
    match field {
        "report.description" => "description".into(),
        "report.location" => "lat/long".into(),
        "report.location.latitude" => "lat".into(),
        "report.location.longitude" => "long".into(),
        "report.address" => "address_string".into(),
        "report.address_id" => "address_id".into(),
        "report.reporter.email" => "email".into(),
        "report.reporter.phone" => "phone".into(),
        "report.reporter.display_name" => "first_name/last_name".into(),
        "report.reporter.handle" => "account_id".into(),
        other => other
            .strip_prefix("report.media")
            .map(|rest| format!("media{rest}"))
            .or_else(|| other.strip_prefix("report.").map(str::to_owned))
            .unwrap_or_else(|| other.to_owned()),
    }
}

impl IntoResponse for Open311Error {
    fn into_response(self) -> Response {
        let code = f64::from(self.status.as_u16());
        let errors = Node::list(
            "error",
            self.errors
                .into_iter()
                .map(|description| {
                    Node::object([
                        ("code", Node::Number(code)),
                        ("description", Node::Text(description)),
                    ])
                })
                .collect(),
        );
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, self.format.content_type())],
            self.format.render("errors", &errors),
        )
            .into_response();
        if let Some(seconds) = self.retry_after
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
