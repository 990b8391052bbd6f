//! How commands fail: a message for people and an exit code for scripts.

use std::fmt;

use tonic_types::StatusExt;

#[derive(Debug)]
pub struct CommandError {
    pub message: String,
    /// 2 for input the server refused, 1 for everything else.
    pub exit_code: u8,
}

impl CommandError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            exit_code: 1,
        }
    }

    /// Explains a failed call, with each invalid field on its own line.
    pub fn from_status(status: &tonic::Status, server: &str) -> Self {
        use tonic::Code;
        let bad_request = status.get_details_bad_request();
        let mut message = match status.code() {
            // The fields are listed one a line below.
            Code::InvalidArgument if bad_request.is_some() => "the request was refused:".to_owned(),
            Code::Unavailable => format!(
                "cannot reach {server}: is Segnala running? ({})",
                status.message()
            ),
            Code::Unauthenticated => format!(
                "not authenticated: {} (use --api-key or SEGNALA_API_KEY)",
                status.message()
            ),
            _ => status.message().to_owned(),
        };
        if let Some(bad_request) = bad_request {
            for violation in &bad_request.field_violations {
                message.push_str(&format!(
                    "\n  {}: {}",
                    violation.field, violation.description
                ));
            }
        }
        let exit_code = if status.code() == Code::InvalidArgument {
            2
        } else {
            1
        };
        Self { message, exit_code }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl<E: std::error::Error> From<E> for CommandError {
    fn from(error: E) -> Self {
        Self::new(error.to_string())
    }
}
