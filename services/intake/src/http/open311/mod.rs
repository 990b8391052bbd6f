//! Open311 GeoReport v2 under `/open311/v2`: discovery, the service list and
//! definitions, creating requests (form or multipart with a photo), reading requests
//! and tokens — each as `.xml` or `.json`.

mod document;
mod extensions;
mod language;
mod notices;
mod params;
mod post;
mod requests;
mod response;
mod services;
mod window;

use std::{net::SocketAddr, sync::Arc};

use axum::{
    Router,
    extract::{ConnectInfo, DefaultBodyLimit, Path, RawQuery, Request, State},
    http::{HeaderMap, Method, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use segnala_shared::{grpc::Authenticator, time::Tz};

use self::{
    document::Format,
    params::Params,
    response::{Document, Open311Error},
};
use super::rate_limit::{KeyedLimiter, retry_after_seconds};
use crate::{
    app::{Reports, ServiceCatalog},
    domain::MAX_MEDIA_PER_REPORT,
    upstream::status::StatusClient,
};

pub use language::Languages;
pub use response::Open311Error as Error;

/// Everything the Open311 handlers need.
#[derive(Clone)]
pub struct Open311 {
    pub reports: Reports,
    pub catalog: Arc<dyn ServiceCatalog>,
    pub statuses: StatusClient,
    pub authenticator: Authenticator,
    /// Empty: any jurisdiction_id is accepted.
    pub jurisdiction_id: String,
    /// This endpoint's public URL, for discovery ("https://…/open311/v2").
    pub endpoint_url: String,
    pub max_media_bytes: usize,
    pub per_key: KeyedLimiter,
    pub per_address: KeyedLimiter,
    /// What answers are written in: the city's language unless a request asks for
    /// another it speaks.
    pub languages: Languages,
    /// Dates without a time (`start_date=2026-12-07`) are whole days here.
    pub time_zone: Tz,
}

/// What a GET asked for: the format, the parameters and the answer's language.
pub struct Asked {
    pub format: Format,
    pub params: Params,
    pub language: String,
}

/// The routes under `/open311/v2`.
pub fn router(open311: Open311) -> Router {
    // One form of text fields beside the photos.
    let body_limit = open311.max_media_bytes * MAX_MEDIA_PER_REPORT + 256 * 1024;
    let per_address = open311.per_address.clone();
    Router::new()
        .route(
            "/open311/v2/{file}",
            get(top_level).post(post::create_request),
        )
        .route("/open311/v2/services/{file}", get(services::definition))
        .route("/open311/v2/requests/{file}", get(requests::one))
        .route("/open311/v2/tokens/{file}", get(requests::token))
        .fallback(unknown_path)
        .layer(middleware::from_fn_with_state(
            per_address,
            limit_per_address,
        ))
        .layer(DefaultBodyLimit::max(body_limit))
        .with_state(open311)
}

/// `discovery`, `services` and `requests` (GET).
async fn top_level(
    State(open311): State<Open311>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
) -> Response {
    let open311 = &open311;
    answer(
        open311,
        &file,
        query,
        &headers,
        |resource, asked| async move {
            match resource {
                "discovery" => Ok(services::discovery(open311, asked.format)),
                "services" => services::list(open311, &asked).await,
                "requests" => requests::list(open311, &asked).await,
                other => Err(Open311Error::not_found(
                    asked.format,
                    format!("there is no Open311 resource `{other}`"),
                )),
            }
        },
    )
    .await
}

/// The `Accept-Language` header, when it is text.
fn accept_language(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
}

/// Answers a GET for `file` (`name.xml` or `name.json`): checks the format, the query
/// and the jurisdiction, picks the language, then renders what `respond` makes of the
/// name.
async fn answer<'f, F, Fut>(
    open311: &Open311,
    file: &'f str,
    query: Option<String>,
    headers: &HeaderMap,
    respond: F,
) -> Response
where
    F: FnOnce(&'f str, Asked) -> Fut,
    Fut: Future<Output = Result<Document, Open311Error>>,
{
    let Some((name, format)) = Format::split(file) else {
        return unknown_format(file).into_response();
    };
    let result = async {
        let params = Params::parse(format, query.as_deref())?;
        open311.check_jurisdiction(format, &params)?;
        let language = open311
            .languages
            .of_request(&params, accept_language(headers))
            .to_owned();
        respond(
            name,
            Asked {
                format,
                params,
                language,
            },
        )
        .await
    }
    .await;
    result.into_response()
}

impl Open311 {
    fn check_jurisdiction(&self, format: Format, params: &Params) -> Result<(), Open311Error> {
        match params.get("jurisdiction_id") {
            Some(given) if !self.jurisdiction_id.is_empty() && given != self.jurisdiction_id => {
                Err(Open311Error::not_found(
                    format,
                    format!(
                        "jurisdiction_id {given} was not found; this endpoint serves {}",
                        self.jurisdiction_id
                    ),
                ))
            }
            _ => Ok(()),
        }
    }
}

/// The format a path asks for, XML when it names none.
fn format_of(path: &str) -> Format {
    Format::split(path.rsplit('/').next().unwrap_or_default()).map_or(Format::Xml, |(_, f)| f)
}

fn unknown_format(file: &str) -> Open311Error {
    Open311Error::not_found(
        Format::Xml,
        format!("`{file}`: ask for a resource ending in .xml or .json"),
    )
}

async fn unknown_path(method: Method, request: Request) -> Open311Error {
    let path = request.uri().path();
    Open311Error::not_found(
        format_of(path),
        format!("there is no Open311 resource {method} {path}"),
    )
}

/// Too many requests from one address: 429 with `Retry-After`.
async fn limit_per_address(
    State(limiter): State<KeyedLimiter>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    request: Request,
    next: Next,
) -> Response {
    match limiter.check(&peer.ip().to_string()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            too_many(format_of(request.uri().path()), wait, "from your address").into_response()
        }
    }
}

fn too_many(format: Format, wait: std::time::Duration, whose: &str) -> Open311Error {
    let seconds = retry_after_seconds(wait);
    Open311Error {
        retry_after: Some(seconds),
        ..Open311Error::new(
            format,
            StatusCode::TOO_MANY_REQUESTS,
            format!("too many requests {whose}; retry in {seconds} s"),
        )
    }
}
