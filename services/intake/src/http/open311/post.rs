//! POST `requests.{format}`: a citizen's app submits a report, as a url-encoded form or
//! as multipart with a photo in the `media` field.

use axum::{
    body::Bytes,
    extract::{FromRequest, Multipart, Path, RawQuery, Request, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use segnala_shared::grpc::Role;

use super::{
    Open311, accept_language,
    document::{Format, Node},
    notices,
    params::Params,
    response::{Document, Open311Error},
    too_many, unknown_format,
};
use crate::{
    app::{ServiceCodeError, upload_photo},
    domain::{Channel, GeoPoint, MediaDraft, ReportDraft, ReporterContact},
};

/// A url-encoded form carries text only.
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// A submitted form: its fields and the photos uploaded with it.
struct Submission {
    params: Params,
    photos: Vec<Bytes>,
}

pub async fn create_request(
    State(open311): State<Open311>,
    Path(file): Path<String>,
    RawQuery(query): RawQuery,
    request: Request,
) -> Response {
    let Some((resource, format)) = Format::split(&file) else {
        return unknown_format(&file).into_response();
    };
    if resource != "requests" {
        return Open311Error::new(
            format,
            StatusCode::METHOD_NOT_ALLOWED,
            format!(
                "{resource} cannot be created; POST to requests.{}",
                extension(format)
            ),
        )
        .into_response();
    }
    create(&open311, format, query.as_deref(), request)
        .await
        .into_response()
}

/// The language of the answer: `locale` or `lang` in the form or the query, else
/// `Accept-Language`, else the city's.
fn answer_language(
    open311: &Open311,
    form: &Params,
    query: &Params,
    headers: &HeaderMap,
) -> String {
    let named = [form, query]
        .into_iter()
        .find(|p| p.get("locale").or_else(|| p.get("lang")).is_some())
        .unwrap_or(form);
    open311
        .languages
        .of_request(named, accept_language(headers))
        .to_owned()
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Xml => "xml",
        Format::Json => "json",
    }
}

async fn create(
    open311: &Open311,
    format: Format,
    query: Option<&str>,
    request: Request,
) -> Result<Document, Open311Error> {
    let query = Params::parse(format, query)?;
    let headers = request.headers().clone();
    let submission = read_submission(format, request).await?;
    let params = &submission.params;
    let api_key = params.get("api_key").or_else(|| query.get("api_key"));
    let principal = api_key
        .and_then(|key| open311.authenticator.authenticate(key))
        .filter(|p| matches!(p.role, Role::Integrator | Role::Operator | Role::Admin))
        .ok_or_else(|| {
            Open311Error::new(
                format,
                StatusCode::FORBIDDEN,
                match api_key {
                    None => "api_key is required to create a service request",
                    Some(_) => "the api_key is not valid for creating service requests",
                },
            )
        })?;
    open311
        .per_key
        .check(&principal.name)
        .map_err(|wait| too_many(format, wait, "for your api_key"))?;
    open311.check_jurisdiction(format, params)?;
    let language = answer_language(open311, params, &query, &headers);
    let draft = draft(open311, format, submission, &language).await?;
    let report = open311
        .reports
        .create(draft, None)
        .await
        .map_err(|e| Open311Error::from_app(format, e))?;
    // The id is known at once, so no token: the specification gives one or the other.
    let created = Node::object([
        (
            "service_request_id",
            Node::text(report.tracking_code.to_string()),
        ),
        (
            "service_notice",
            Node::optional(
                report
                    .location
                    .is_none()
                    .then(|| notices::place_unknown(&language)),
            ),
        ),
        ("account_id", Node::Null),
    ]);
    Ok(Document {
        format,
        root: "service_requests",
        node: Node::list("request", vec![created]),
    })
}

async fn read_submission(format: Format, request: Request) -> Result<Submission, Open311Error> {
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(request, &()).await.map_err(|e| {
            Open311Error::new(
                format,
                e.status(),
                format!("the multipart body is malformed: {}", e.body_text()),
            )
        })?;
        let mut submission = Submission {
            params: Params::default(),
            photos: Vec::new(),
        };
        loop {
            let field = multipart.next_field().await.map_err(|e| {
                Open311Error::new(
                    format,
                    e.status(),
                    format!("the multipart body is malformed: {}", e.body_text()),
                )
            })?;
            let Some(field) = field else { break };
            let name = field.name().unwrap_or_default().to_owned();
            let is_file = field.file_name().is_some();
            let bytes = field.bytes().await.map_err(|e| {
                Open311Error::new(
                    format,
                    e.status(),
                    format!("field {name}: {}", e.body_text()),
                )
            })?;
            if name == "media" && (is_file || !bytes.is_empty()) {
                submission.photos.push(bytes);
            } else {
                let value = String::from_utf8(bytes.to_vec()).map_err(|_| {
                    Open311Error::bad_request(format, format!("field {name} is not UTF-8 text"))
                })?;
                submission.params.push(name, value);
            }
        }
        return Ok(submission);
    }
    if content_type.starts_with("application/x-www-form-urlencoded") || content_type.is_empty() {
        let body = axum::body::to_bytes(request.into_body(), MAX_FORM_BYTES)
            .await
            .map_err(|_| {
                Open311Error::new(
                    format,
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the form is larger than {MAX_FORM_BYTES} bytes; send photos as multipart/form-data"),
                )
            })?;
        return Ok(Submission {
            params: Params::parse_bytes(format, &body)?,
            photos: Vec::new(),
        });
    }
    Err(Open311Error::new(
        format,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        format!(
            "Content-Type {content_type} is not accepted: send application/x-www-form-urlencoded or multipart/form-data"
        ),
    ))
}

/// The report the form describes, after checking the service and its questions.
async fn draft(
    open311: &Open311,
    format: Format,
    submission: Submission,
    language: &str,
) -> Result<ReportDraft, Open311Error> {
    let params = &submission.params;
    let service = open311
        .reports
        .required_service(params.get("service_code"), language)
        .await
        .map_err(|error| match error {
            ServiceCodeError::Missing => {
                Open311Error::bad_request(format, "service_code is required")
            }
            ServiceCodeError::Unknown(code) => {
                Open311Error::not_found(format, format!("service_code {code} was not found"))
            }
            ServiceCodeError::Catalog(error) => Open311Error::from_app(format, error),
        })?;
    let attributes = service
        .check_answers(&params.attributes())
        .map_err(|violations| {
            Open311Error::from_app(
                format,
                segnala_shared::AppError::InvalidArgument(violations),
            )
        })?;
    let location = location(format, params)?;
    let mut media = Vec::new();
    for url in params.list("media_url") {
        media.push(MediaDraft::Url(url));
    }
    for photo in submission.photos {
        let size = photo.len();
        media.push(
            upload_photo(photo, open311.max_media_bytes)
                .await
                .map_err(|problem| {
                    let status = if size > open311.max_media_bytes {
                        StatusCode::PAYLOAD_TOO_LARGE
                    } else {
                        StatusCode::BAD_REQUEST
                    };
                    Open311Error::new(format, status, format!("media: {problem}"))
                })?,
        );
    }
    let name = [params.get("first_name"), params.get("last_name")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    Ok(ReportDraft {
        // Required unless a photo is sent: the domain refuses a draft with neither.
        description: params.get("description").unwrap_or_default().to_owned(),
        location,
        address: params.get("address_string").map(str::to_owned),
        address_id: params.get("address_id").map(str::to_owned),
        channel: Channel::Open311,
        external_id: None,
        reporter: ReporterContact {
            display_name: Some(name),
            email: params.get("email").map(str::to_owned),
            phone: params.get("phone").map(str::to_owned),
            handle: params.get("account_id").map(str::to_owned),
        },
        service_code: Some(service.code),
        language_code: params
            .get("locale")
            .or_else(|| params.get("lang"))
            .map(str::to_owned),
        attributes,
        media,
    })
}

fn location(format: Format, params: &Params) -> Result<Option<GeoPoint>, Open311Error> {
    let number = |name: &str| -> Result<Option<f64>, Open311Error> {
        params
            .get(name)
            .map(|text| {
                text.parse::<f64>().map_err(|_| {
                    Open311Error::bad_request(format, format!("{name}: `{text}` is not a number"))
                })
            })
            .transpose()
    };
    match (number("lat")?, number("long")?) {
        (Some(latitude), Some(longitude)) => Ok(Some(GeoPoint {
            latitude,
            longitude,
        })),
        (None, None) => Ok(None),
        _ => Err(Open311Error::bad_request(
            format,
            "lat and long must be sent together",
        )),
    }
}
