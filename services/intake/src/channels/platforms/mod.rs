//! The platforms citizens write on: Telegram, WhatsApp and X call their webhooks, the
//! Mastodon poller reads mentions; each turns what the platform sends into an
//! [`IncomingMessage`](super::domain::IncomingMessage). Replies go back as requests to
//! each platform's API (`outgoing`), and photos are fetched with its credentials.

pub mod mastodon;
pub mod outgoing;
pub mod photos;
mod signature;
pub mod telegram;
mod text;
pub mod whatsapp;
pub mod x;

use axum::{
    http::StatusCode,
    response::{IntoResponse, Response},
};
use segnala_shared::AppError;

/// A configured secret's bytes; empty when unset, which every check then refuses.
fn secret_bytes(secret: Option<&segnala_shared::config::SecretString>) -> Vec<u8> {
    use segnala_shared::config::ExposeSecret;
    secret
        .map(|s| s.expose_secret().as_bytes().to_vec())
        .unwrap_or_default()
}

/// Why a webhook call was refused. Nothing is stored for a refused call.
#[derive(Debug)]
pub enum WebhookError {
    Unauthorized(&'static str),
    BadRequest(String),
    App(AppError),
}

impl From<AppError> for WebhookError {
    fn from(error: AppError) -> Self {
        Self::App(error)
    }
}

impl IntoResponse for WebhookError {
    fn into_response(self) -> Response {
        match self {
            Self::Unauthorized(message) => (StatusCode::UNAUTHORIZED, message).into_response(),
            Self::BadRequest(message) => (StatusCode::BAD_REQUEST, message).into_response(),
            Self::App(AppError::InvalidArgument(violations)) => {
                let text = violations
                    .iter()
                    .map(|v| format!("{}: {}", v.field, v.description))
                    .collect::<Vec<_>>()
                    .join("; ");
                (StatusCode::BAD_REQUEST, text).into_response()
            }
            // The platform retries on 5xx; the same message is then recognised.
            Self::App(error) => {
                tracing::error!(%error, "webhook message could not be taken in");
                (StatusCode::SERVICE_UNAVAILABLE, "try again later").into_response()
            }
        }
    }
}
