//! The photos uploaded with reports, as intake serves them.

use axum::{
    Router,
    extract::{Path, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use uuid::Uuid;

use crate::app::Reports;

/// The photos intake serves, at `/media/{id}`; also on the public site when the status
/// pages run in the same process.
pub fn media_router(reports: Reports) -> Router {
    Router::new()
        .route("/media/{id}", get(media))
        .with_state(reports)
}

/// A photo uploaded with a report, unless an operator hid it. Served with its checked
/// type and `nosniff`, so a browser never runs it as anything else, and cached for
/// minutes only, so that hiding it takes effect soon.
async fn media(State(reports): State<Reports>, Path(id): Path<String>) -> Response {
    let Ok(id) = Uuid::parse_str(&id) else {
        return (StatusCode::NOT_FOUND, "no such photo").into_response();
    };
    match reports.public_media(id).await {
        Ok(media) => (
            [
                (header::CONTENT_TYPE, media.content_type),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
                (header::CACHE_CONTROL, "public, max-age=600".to_owned()),
            ],
            media.content,
        )
            .into_response(),
        Err(segnala_shared::AppError::NotFound { .. }) => {
            (StatusCode::NOT_FOUND, "no such photo").into_response()
        }
        Err(error) => {
            tracing::error!(%error, "serving a photo failed");
            (StatusCode::SERVICE_UNAVAILABLE, "please retry").into_response()
        }
    }
}
