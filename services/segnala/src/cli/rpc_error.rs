//! How commands fail: a message for people and an exit code for scripts.

use std::fmt;

use tonic_types::StatusExt;

#[derive(Debug)]
pub struct CommandError {
    pub message: String,
    /// 2 for input the server refused, 1 for everything else.
    pub exit_code: u8,
    /// The reader of the output went away: nothing is wrong, the command just stops.
    output_closed: bool,
}

impl CommandError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            exit_code: 1,
            output_closed: false,
        }
    }

    /// The reader of standard output went away (`segnala … | head`): the command
    /// stops, quietly and successfully, as when its output is complete.
    pub fn output_closed() -> Self {
        Self {
            message: String::new(),
            exit_code: 0,
            output_closed: true,
        }
    }

    pub fn is_output_closed(&self) -> bool {
        self.output_closed
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
        Self {
            message,
            exit_code,
            output_closed: false,
        }
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
