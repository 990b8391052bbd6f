//! The public web surface: a page per report (`/r/CODE`), the city's recent updates
//! with filters, Atom feeds and a JSON view for integrators. Server-rendered, no
//! JavaScript, Italian and English, active alerts on every page.

mod feed;
mod json;
mod pages;
mod views;

use axum::{
    Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use segnala_shared::{AppError, lang::Lang, time::Tz, tracking_code::TrackingCode};
use serde::Deserialize;

use crate::{
    app::{Alerts, Directory, Statuses},
    domain::{Alert, Names, PublicState},
    store::{StatusFilter, Steps},
};

pub use views::ReportView;

#[derive(Clone)]
pub struct Web {
    statuses: Statuses,
    alerts: Alerts,
    directory: Directory,
    /// The city's: every time on a page is on its clock.
    time_zone: Tz,
    /// Where the pages live, without a trailing slash.
    public_url: String,
}

impl Web {
    pub fn new(
        statuses: Statuses,
        alerts: Alerts,
        directory: Directory,
        time_zone: Tz,
        public_url: &str,
    ) -> Self {
        Self {
            statuses,
            alerts,
            directory,
            time_zone,
            public_url: public_url.trim_end_matches('/').to_owned(),
        }
    }

    pub fn router(self) -> Router {
        Router::new()
            .route("/", get(city_page))
            .route("/r", get(find_report))
            .route("/r/{code}", get(report_page))
            .route("/api/v1/reports/{code}", get(report_json))
            .route("/api/v1/updates", get(updates_json))
            .route("/api/v1/alerts", get(alerts_json))
            .route("/feeds/city", get(city_feed))
            .route("/feeds/departments/{department}", get(department_feed))
            .route("/feeds/zones/{zone}", get(zone_feed))
            .fallback(not_found_page)
            .with_state(self)
    }
}

/// The query every page understands.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct PageQuery {
    lang: Option<String>,
    department: Option<String>,
    zone: Option<String>,
    state: Option<String>,
    page_token: Option<String>,
}

impl PageQuery {
    fn lang(&self, headers: &HeaderMap) -> Lang {
        let accept = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok());
        Lang::negotiate(self.lang.as_deref(), accept, Lang::default())
    }

    fn filter(&self) -> Result<StatusFilter, AppError> {
        let given = |v: &Option<String>| v.as_ref().filter(|s| !s.is_empty()).cloned();
        let states = match given(&self.state) {
            None => Vec::new(),
            Some(state) => vec![PublicState::parse(&state).ok_or_else(|| {
                AppError::invalid("state", format!("`{state}` is not a public state"))
            })?],
        };
        Ok(StatusFilter {
            department: given(&self.department),
            zone: given(&self.zone),
            states,
            ..StatusFilter::default()
        })
    }
}

/// What a failed request shows: a page in the visitor's language, or JSON.
enum Failure {
    NotFound(Lang, Vec<Alert>),
    BadRequest(Lang, String),
    Unavailable,
}

impl Failure {
    fn from_app(error: AppError, lang: Lang) -> Self {
        match error {
            AppError::NotFound { .. } => Self::NotFound(lang, Vec::new()),
            AppError::InvalidArgument(_) => Self::BadRequest(lang, error.to_string()),
            other => {
                tracing::error!(error = %other, "public page failed");
                Self::Unavailable
            }
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        match self {
            Self::NotFound(lang, alerts) => {
                (StatusCode::NOT_FOUND, pages::not_found(lang, &alerts)).into_response()
            }
            Self::BadRequest(lang, message) => {
                (StatusCode::BAD_REQUEST, pages::bad_request(lang, &message)).into_response()
            }
            Self::Unavailable => (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::RETRY_AFTER, "5")],
                "temporarily unavailable, please retry",
            )
                .into_response(),
        }
    }
}

fn json_failure(error: AppError) -> Response {
    let status = match &error {
        AppError::NotFound { .. } => StatusCode::NOT_FOUND,
        AppError::InvalidArgument(_) => StatusCode::BAD_REQUEST,
        _ => StatusCode::SERVICE_UNAVAILABLE,
    };
    let message = match &error {
        AppError::NotFound { .. } | AppError::InvalidArgument(_) => error.to_string(),
        other => {
            tracing::error!(error = %other, "public JSON failed");
            "temporarily unavailable, please retry".to_owned()
        }
    };
    (
        status,
        axum::Json(json::ErrorAnswer::new(error.reason(), &message)),
    )
        .into_response()
}

/// A page of the city's recent public changes, as the query's filters choose them, with
/// the alerts to show beside them and the names the page needs.
struct Recent {
    updates: Vec<views::UpdateView>,
    next: String,
    alerts: Vec<Alert>,
    names: Names,
}

impl Web {
    /// Each report once, at its latest step: a page of where things stand, not of
    /// every step (the feeds and `ListUpdates` have those).
    async fn recent(&self, query: &PageQuery, lang: Lang) -> Result<Recent, AppError> {
        let filter = query.filter()?;
        let page = self
            .statuses
            .updates(
                &filter,
                Steps::LatestPerReport,
                None,
                50,
                query.page_token.as_deref().unwrap_or(""),
            )
            .await?;
        let statuses = self.statuses.statuses_of(&page.items).await?;
        let names = self.directory.names().await?;
        let alerts = self
            .active_alerts(query.zone.as_deref().filter(|z| !z.is_empty()))
            .await;
        Ok(Recent {
            updates: views::updates(&page.items, &statuses, lang, &names),
            next: page.next_page_token,
            alerts,
            names,
        })
    }

    /// The alerts a page about `zone` (`None`: the whole city) shows.
    async fn active_alerts(&self, zone: Option<&str>) -> Vec<Alert> {
        // A page without its banner is better than no page.
        self.alerts.active_for(zone).await.unwrap_or_else(|error| {
            tracing::warn!(%error, "alerts could not be read");
            Vec::new()
        })
    }

    /// The report with `code`, as people read it in `lang`.
    async fn report(&self, code: &str, lang: Lang) -> Result<ReportView, AppError> {
        let code = TrackingCode::parse(code).map_err(|_| AppError::NotFound {
            resource: "report",
            name: code.to_owned(),
        })?;
        let status = self.statuses.get(&code).await?;
        let names = self.directory.names().await?;
        Ok(ReportView::new(&status, lang, &names))
    }

    fn report_url(&self, code: &str) -> String {
        format!("{}/r/{code}", self.public_url)
    }
}

async fn report_page(
    State(web): State<Web>,
    Path(code): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query.lang(&headers);
    match web.report(&code, lang).await {
        Ok(report) => {
            let alerts = web.active_alerts(report.zone.as_deref()).await;
            pages::report(lang, web.time_zone, &report, &alerts).into_response()
        }
        Err(AppError::NotFound { .. }) => {
            Failure::NotFound(lang, web.active_alerts(None).await).into_response()
        }
        Err(error) => Failure::from_app(error, lang).into_response(),
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct FindQuery {
    code: String,
    lang: Option<String>,
}

/// The city page's search box: to the report's page by its code.
async fn find_report(Query(query): Query<FindQuery>) -> Response {
    let lang = query
        .lang
        .as_deref()
        .and_then(Lang::parse)
        .unwrap_or_default();
    match TrackingCode::parse(&query.code) {
        Ok(code) => {
            axum::response::Redirect::to(&format!("/r/{code}?lang={}", lang.code())).into_response()
        }
        Err(_) => Failure::NotFound(lang, Vec::new()).into_response(),
    }
}

async fn city_page(
    State(web): State<Web>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query.lang(&headers);
    match web.recent(&query, lang).await {
        Ok(Recent {
            updates,
            next,
            alerts,
            names,
        }) => {
            let filters = pages::Filters {
                department: query.department.clone().unwrap_or_default(),
                zone: query.zone.clone().unwrap_or_default(),
                state: query.state.clone().unwrap_or_default(),
            };
            let page = pages::CityPage {
                lang,
                time_zone: web.time_zone,
                filters: &filters,
                names: &names,
                updates: &updates,
                next_page_token: &next,
                alerts: &alerts,
            };
            pages::city(&page).into_response()
        }
        Err(error) => Failure::from_app(error, lang).into_response(),
    }
}

async fn not_found_page(
    State(web): State<Web>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query.lang(&headers);
    Failure::NotFound(lang, web.active_alerts(None).await).into_response()
}

async fn report_json(
    State(web): State<Web>,
    Path(code): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query.lang(&headers);
    match web.report(&code, lang).await {
        Ok(report) => {
            let alerts = web.active_alerts(report.zone.as_deref()).await;
            let url = web.report_url(&report.code);
            axum::Json(json::ReportAnswer::new(&report, &url, &alerts, lang)).into_response()
        }
        Err(error) => json_failure(error),
    }
}

async fn updates_json(
    State(web): State<Web>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query.lang(&headers);
    match web.recent(&query, lang).await {
        Ok(Recent {
            updates,
            next,
            alerts,
            ..
        }) => axum::Json(json::UpdatesAnswer::new(
            &updates,
            &next,
            &web.public_url,
            &alerts,
            lang,
        ))
        .into_response(),
        Err(error) => json_failure(error),
    }
}

async fn alerts_json(
    State(web): State<Web>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    let lang = query.lang(&headers);
    match web.alerts.active().await {
        Ok(alerts) => axum::Json(json::alerts(&alerts, lang)).into_response(),
        Err(error) => json_failure(error),
    }
}

/// What a feed follows: the whole city, a department or a zone.
enum FeedOf {
    City,
    Department(String),
    Zone(String),
}

impl FeedOf {
    fn filter(&self) -> StatusFilter {
        match self {
            Self::City => StatusFilter::default(),
            Self::Department(id) => StatusFilter {
                department: Some(id.clone()),
                ..StatusFilter::default()
            },
            Self::Zone(id) => StatusFilter {
                zone: Some(id.clone()),
                ..StatusFilter::default()
            },
        }
    }

    fn path(&self) -> String {
        match self {
            Self::City => "/feeds/city".into(),
            Self::Department(id) => format!("/feeds/departments/{id}"),
            Self::Zone(id) => format!("/feeds/zones/{id}"),
        }
    }

    /// The city's title, and what the feed follows by name.
    fn title(&self, lang: Lang, names: &Names) -> String {
        let city = crate::i18n::words(lang).city_title;
        match self {
            Self::City => city.to_owned(),
            Self::Department(id) => format!("{city} — {}", names.department(id, lang.code())),
            Self::Zone(id) => format!("{city} — {}", names.zone(id)),
        }
    }
}

/// An Atom feed of every step (a feed reader shows each change once, as news).
async fn feed_of(web: &Web, of: FeedOf, lang: Lang) -> Response {
    let filter = of.filter();
    let result = async {
        let page = web
            .statuses
            .updates(&filter, Steps::Every, None, 50, "")
            .await?;
        let statuses = web.statuses.statuses_of(&page.items).await?;
        let names = web.directory.names().await?;
        Ok::<_, AppError>((views::updates(&page.items, &statuses, lang, &names), names))
    }
    .await;
    match result {
        Ok((updates, names)) => {
            let alerts = web.active_alerts(filter.zone.as_deref()).await;
            let body = feed::atom(
                &feed::FeedInfo {
                    title: of.title(lang, &names),
                    self_url: format!("{}{}", web.public_url, of.path()),
                    public_url: web.public_url.clone(),
                    lang,
                },
                &updates,
                &alerts,
            );
            (
                [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
                body,
            )
                .into_response()
        }
        Err(error) => Failure::from_app(error, lang).into_response(),
    }
}

async fn city_feed(
    State(web): State<Web>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    feed_of(&web, FeedOf::City, query.lang(&headers)).await
}

async fn department_feed(
    State(web): State<Web>,
    Path(department): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    feed_of(&web, FeedOf::Department(department), query.lang(&headers)).await
}

async fn zone_feed(
    State(web): State<Web>,
    Path(zone): Path<String>,
    Query(query): Query<PageQuery>,
    headers: HeaderMap,
) -> Response {
    feed_of(&web, FeedOf::Zone(zone), query.lang(&headers)).await
}
