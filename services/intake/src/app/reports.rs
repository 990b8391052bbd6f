use chrono::Utc;
use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use std::sync::Arc;

use segnala_shared::{
    AppError, FieldViolation,
    messaging::{Envelope, Outbox},
    place::{Jurisdiction, Place},
    tracking_code::TrackingCode,
};
use uuid::Uuid;

use super::{
    catalog::{ServiceCatalog, find_service},
    geocoder::{Geocoder, Located, locate},
    writer::{ReportWriter, Submission, Written},
};
use crate::{
    domain::{Channel, MediaDraft, Report, ReportDraft, RequestId, ServiceType},
    events,
    store::{NewMedia, PageCursor, ReportFilter, ReportStore, StoredRequest},
};

/// Most reports one page of a listing holds.
pub const MAX_PAGE_SIZE: u64 = 1000;

/// Creating and reading reports.
#[derive(Clone)]
pub struct Reports {
    pub(super) db: DatabaseConnection,
    writer: ReportWriter,
    store: ReportStore,
    /// Where intake serves uploaded photos, such as "https://segnala.comune.it/media".
    pub(super) media_base_url: String,
    /// Locations outside it are refused.
    jurisdiction: Arc<Jurisdiction>,
    /// Places reports that give an address and no coordinates.
    geocoder: Arc<dyn Geocoder>,
    /// The city's services, which service codes must name.
    catalog: Arc<dyn ServiceCatalog>,
}

/// Why a report's service code was refused.
#[derive(Debug)]
pub enum ServiceCodeError {
    /// None was given where every report needs one.
    Missing,
    /// No service of the city has this code, as given.
    Unknown(String),
    /// The city's service list could not be read.
    Catalog(AppError),
}

/// The refusal as the gRPC API words it; Open311 words its own.
impl From<ServiceCodeError> for AppError {
    fn from(error: ServiceCodeError) -> Self {
        match error {
            ServiceCodeError::Missing => AppError::invalid("report.service_code", "is required"),
            ServiceCodeError::Unknown(code) => AppError::invalid(
                "report.service_code",
                format!("`{code}` is not a service of this city; see the Open311 services list"),
            ),
            ServiceCodeError::Catalog(error) => error,
        }
    }
}

/// A page of reports and where the next one starts.
#[derive(Debug)]
pub struct ReportPage {
    pub reports: Vec<Report>,
    pub next: Option<PageCursor>,
}

/// The service `code` names in `catalog`; `None` for a blank code.
async fn requested_service(
    catalog: &dyn ServiceCatalog,
    code: Option<&str>,
    language: &str,
) -> Result<Option<ServiceType>, ServiceCodeError> {
    let Some(given) = code.filter(|c| !c.trim().is_empty()) else {
        return Ok(None);
    };
    match find_service(catalog, given.trim(), language).await {
        Ok(service) => Ok(Some(service)),
        Err(AppError::NotFound { .. }) => Err(ServiceCodeError::Unknown(given.to_owned())),
        Err(other) => Err(ServiceCodeError::Catalog(other)),
    }
}

impl Reports {
    pub fn new(
        db: DatabaseConnection,
        outbox: Outbox,
        media_base_url: String,
        jurisdiction: Arc<Jurisdiction>,
        geocoder: Arc<dyn Geocoder>,
        catalog: Arc<dyn ServiceCatalog>,
    ) -> Self {
        Self {
            writer: ReportWriter::start(db.clone(), outbox),
            db,
            store: ReportStore,
            media_base_url: media_base_url.trim_end_matches('/').to_owned(),
            jurisdiction,
            geocoder,
            catalog,
        }
    }

    /// The city's service a report asks for by `code`, from its list in `language`. A
    /// blank code names none, and the report is taken without one: triage classifies it
    /// by its words.
    pub async fn requested_service(
        &self,
        code: Option<&str>,
        language: &str,
    ) -> Result<Option<ServiceType>, ServiceCodeError> {
        requested_service(self.catalog.as_ref(), code, language).await
    }

    /// [`Self::requested_service`] for a way in where every report names its service
    /// (Open311).
    pub async fn required_service(
        &self,
        code: Option<&str>,
        language: &str,
    ) -> Result<ServiceType, ServiceCodeError> {
        requested_service(self.catalog.as_ref(), code, language)
            .await?
            .ok_or(ServiceCodeError::Missing)
    }

    /// The geocoder reports are placed with, for a way in that wants to place an
    /// address itself (a chat asking again when it is unknown).
    pub fn geocoder(&self) -> Arc<dyn Geocoder> {
        self.geocoder.clone()
    }

    /// Where `address` is in the city: a position inside the boundary, outside it, or
    /// unknown.
    pub async fn locate(&self, address: &str) -> Located {
        locate(self.geocoder.as_ref(), &self.jurisdiction, address).await
    }

    /// Accepts a report, or returns the one already accepted for the same request id or
    /// the same channel message; a request id used before for another report is
    /// refused. The report and its `ReportReceived` event commit together, in a batch
    /// with the reports accepted at the same moment. An address without coordinates is
    /// looked up: found inside the city, the report gets its position; found only
    /// outside, it is refused; not found, it is accepted without a position
    /// (`location` stays empty: the place is unknown).
    pub async fn create(
        &self,
        draft: ReportDraft,
        request_id: Option<RequestId>,
    ) -> Result<Report, AppError> {
        let mut draft = draft.validate().map_err(AppError::InvalidArgument)?;
        // The request as it was sent: a retry is the same request even if the
        // geocoder answers differently the second time.
        let request = request_id.as_ref().map(|id| StoredRequest {
            id: id.as_str().to_owned(),
            fingerprint: Some(draft.fingerprint()),
        });
        if draft.location.is_none()
            && let Some(address) = &draft.address
        {
            match self.locate(address).await {
                Located::At(point) => draft.location = Some(point),
                Located::Outside => {
                    return Err(AppError::InvalidArgument(vec![FieldViolation::new(
                        "report.address",
                        format!(
                            "is outside {}: this service takes reports within the city only",
                            self.jurisdiction.name
                        ),
                    )]));
                }
                Located::Unknown => {}
            }
        }
        if let Some(point) = draft.location
            && self.jurisdiction.locate(point.latitude, point.longitude) == Place::Outside
        {
            return Err(AppError::InvalidArgument(vec![FieldViolation::new(
                "report.location",
                format!(
                    "is outside {}: this service takes reports within the city only",
                    self.jurisdiction.name
                ),
            )]));
        }
        let mut media_urls = Vec::with_capacity(draft.media.len());
        let mut uploads = Vec::new();
        for media in draft.media {
            match media {
                MediaDraft::Url(url) => media_urls.push(url),
                MediaDraft::Upload(upload) => {
                    let id = Uuid::now_v7();
                    media_urls.push(self.media_link(id));
                    uploads.push(NewMedia {
                        id,
                        kind: upload.kind,
                        content: upload.bytes,
                    });
                }
            }
        }
        let report = Report {
            id: Uuid::now_v7(),
            tracking_code: TrackingCode::generate(),
            description: draft.description,
            location: draft.location,
            address: draft.address,
            channel: draft.channel,
            external_id: draft.external_id,
            reporter: draft.reporter,
            service_code: draft.service_code,
            language_code: draft.language_code,
            address_id: draft.address_id,
            attributes: draft.attributes,
            media_urls,
            // The tracking code is known at once: no Open311 token is needed.
            token: None,
            created_at: Utc::now(),
        };
        let event = Envelope::new(&events::report_received(&report));
        let written = self
            .writer
            .write(Submission {
                report: report.clone(),
                uploads,
                request: request.clone(),
                event,
            })
            .await?;
        match written {
            Written::Stored => {
                tracing::info!(tracking_code = %report.tracking_code, channel = report.channel.as_str(), "report accepted");
                Ok(report)
            }
            // A retry of the same request, or the same channel message again: answer
            // with the report stored the first time.
            Written::Duplicate => self
                .find_previous(
                    report.channel,
                    report.external_id.as_deref(),
                    request_id.as_ref().zip(request.as_ref()),
                )
                .await?
                .ok_or_else(|| {
                    AppError::internal(DbErr::Custom(format!(
                        "report {} conflicts with a stored one that cannot be found",
                        report.tracking_code
                    )))
                }),
        }
    }

    pub async fn get(&self, code: &TrackingCode) -> Result<Report, AppError> {
        self.store
            .by_tracking_code(&self.db, code)
            .await?
            .ok_or_else(|| AppError::NotFound {
                resource: "report",
                name: code.to_string(),
            })
    }

    /// The report with `code`, read inside `db`: a consumer's transaction.
    pub async fn find_in<C: ConnectionTrait>(
        &self,
        db: &C,
        code: &TrackingCode,
    ) -> Result<Option<Report>, DbErr> {
        self.store.by_tracking_code(db, code).await
    }

    /// The reports with these tracking codes that exist, as the public sees them:
    /// without links to photos an operator hid.
    pub async fn get_many_public(&self, codes: &[TrackingCode]) -> Result<Vec<Report>, AppError> {
        let reports = self.store.by_tracking_codes(&self.db, codes).await?;
        self.without_hidden_photos(reports).await
    }

    /// The report an Open311 token was given for.
    pub async fn by_token(&self, token: Uuid) -> Result<Report, AppError> {
        self.store
            .by_token(&self.db, token)
            .await?
            .ok_or_else(|| AppError::NotFound {
                resource: "token",
                name: token.to_string(),
            })
    }

    /// One page of reports matching `filter`, newest first.
    pub async fn list(
        &self,
        filter: &ReportFilter,
        after: Option<PageCursor>,
        page_size: u64,
    ) -> Result<ReportPage, AppError> {
        let page_size = page_size.clamp(1, MAX_PAGE_SIZE);
        let mut reports = self
            .store
            .list(&self.db, filter, after, page_size + 1)
            .await?;
        let next = if reports.len() as u64 > page_size {
            reports.truncate(page_size as usize);
            reports.last().map(|r| PageCursor {
                created_at: r.created_at,
                id: r.id,
            })
        } else {
            None
        };
        Ok(ReportPage { reports, next })
    }

    /// The report stored for the same request, or for the same channel message. The
    /// same request id with another report (another fingerprint) is refused.
    async fn find_previous(
        &self,
        channel: Channel,
        external_id: Option<&str>,
        request: Option<(&RequestId, &StoredRequest)>,
    ) -> Result<Option<Report>, AppError> {
        if let Some((request_id, asked)) = request
            && let Some((report, fingerprint)) = self
                .store
                .by_request_id(&self.db, request_id.as_str())
                .await?
        {
            if fingerprint.is_some() && fingerprint != asked.fingerprint {
                return Err(request_id.reused("report"));
            }
            return Ok(Some(report));
        }
        if let Some(external_id) = external_id {
            return Ok(self
                .store
                .by_external_id(&self.db, channel, external_id)
                .await?);
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Catalog;

    struct OneService;

    #[async_trait::async_trait]
    impl ServiceCatalog for OneService {
        async fn catalog(&self, _: &str) -> Result<Arc<Catalog>, AppError> {
            Ok(Arc::new(Catalog {
                services: vec![ServiceType {
                    code: "101".into(),
                    name: "Lampione spento".into(),
                    description: String::new(),
                    department: "street_lighting".into(),
                    group: "Illuminazione pubblica".into(),
                    keywords: Vec::new(),
                    attributes: Vec::new(),
                }],
                departments: Vec::new(),
            }))
        }
    }

    #[tokio::test]
    async fn a_service_code_names_one_of_the_citys_services_or_none() {
        let code = |given: Option<&'static str>| async move {
            requested_service(&OneService, given, "it")
                .await
                .map(|service| service.map(|s| s.code))
        };
        assert_eq!(code(Some(" 101 ")).await.ok(), Some(Some("101".into())));
        assert_eq!(code(Some("  ")).await.ok(), Some(None));
        assert_eq!(code(None).await.ok(), Some(None));
        match code(Some("999")).await {
            Err(ServiceCodeError::Unknown(code)) => assert_eq!(code, "999"),
            other => panic!("{other:?}"),
        }
        match AppError::from(ServiceCodeError::Unknown("999".into())) {
            AppError::InvalidArgument(violations) => {
                assert_eq!(violations[0].field, "report.service_code");
            }
            other => panic!("{other:?}"),
        }
    }
}
