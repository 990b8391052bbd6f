//! The gRPC edge of status. Reading is public: no credentials needed; alerts are
//! written by operators.

mod convert;

use std::pin::Pin;

use segnala_proto::status::v1::{
    self as pb,
    status_service_server::{StatusService, StatusServiceServer},
};
use segnala_shared::{
    AppError,
    grpc::{Access, MethodPolicy, Role, into_status},
    lang::Lang,
    time::from_timestamp,
    tracking_code::TrackingCode,
};
use tokio_stream::{Stream, StreamExt, wrappers::ReceiverStream};
use tonic::{Request, Response, Status};

use crate::{
    app::{Alerts, Directory, StatusWatch, Statuses, Subscriptions},
    domain::{Names, StatusView},
    store::{StatusFilter, Steps},
};
use convert::{list_filter, non_empty, page_size, states_filter, status_view};

const DOMAIN: &str = "status.segnala";
const SERVICE: &str = "/segnala.status.v1.StatusService/";
/// Alerts a page of `ListAlerts` holds by default, and at most.
const DEFAULT_ALERTS_PAGE: u64 = 50;
const MAX_ALERTS_PAGE: u64 = 500;

pub fn policy() -> MethodPolicy {
    let public = [
        "GetReportStatus",
        "BatchGetReportStatuses",
        "ListReportStatuses",
        "ListUpdates",
        "WatchReport",
        "ListAlerts",
        "CreateSubscription",
        "DeleteSubscription",
    ]
    .into_iter()
    .fold(MethodPolicy::new(), |policy, method| {
        policy.allow(&format!("{SERVICE}{method}"), Access::Public)
    });
    ["PublishAlert", "EndAlert"]
        .into_iter()
        .fold(public, |policy, method| {
            policy.allow(
                &format!("{SERVICE}{method}"),
                Access::Roles(&[Role::Operator]),
            )
        })
}

/// What the gRPC edge serves from.
pub struct StatusApi {
    pub statuses: Statuses,
    pub alerts: Alerts,
    pub subscriptions: Subscriptions,
    pub watch: StatusWatch,
    pub directory: Directory,
    /// Where the public pages live, without a trailing slash.
    pub public_url: String,
}

impl StatusApi {
    /// The names timeline sentences need; none for the basic view, which has none.
    async fn names_for(&self, view: StatusView) -> Result<Names, AppError> {
        match view {
            StatusView::Basic => Ok(Names::default()),
            StatusView::Full => Ok(self.directory.names().await?),
        }
    }
}

pub fn server(api: StatusApi) -> StatusServiceServer<StatusApi> {
    StatusServiceServer::new(api)
}

fn reply<T>(result: Result<T, AppError>) -> Result<Response<T>, Status> {
    result
        .map(Response::new)
        .map_err(|e| into_status(e, DOMAIN))
}

fn parse_code(text: &str) -> Result<TrackingCode, AppError> {
    TrackingCode::parse(text).map_err(|e| AppError::invalid("tracking_code", e.to_string()))
}

type WatchStream = Pin<Box<dyn Stream<Item = Result<pb::WatchReportResponse, Status>> + Send>>;

#[tonic::async_trait]
impl StatusService for StatusApi {
    type WatchReportStream = WatchStream;

    async fn get_report_status(
        &self,
        request: Request<pb::GetReportStatusRequest>,
    ) -> Result<Response<pb::GetReportStatusResponse>, Status> {
        let request = request.into_inner();
        reply(
            async {
                let code = parse_code(&request.tracking_code)?;
                let view = status_view(request.view)?;
                let status = self.statuses.get_as(&code, view).await?;
                let names = self.names_for(view).await?;
                Ok(pb::GetReportStatusResponse {
                    status: Some(convert::status(
                        status,
                        convert::language(&request.language_code),
                        &names,
                    )),
                })
            }
            .await,
        )
    }

    async fn batch_get_report_statuses(
        &self,
        request: Request<pb::BatchGetReportStatusesRequest>,
    ) -> Result<Response<pb::BatchGetReportStatusesResponse>, Status> {
        let request = request.into_inner();
        reply(
            async {
                let view = status_view(request.view)?;
                let statuses = self
                    .statuses
                    .batch_get(&request.tracking_codes, view)
                    .await?;
                let names = self.names_for(view).await?;
                let lang = convert::language(&request.language_code);
                Ok(pb::BatchGetReportStatusesResponse {
                    statuses: statuses
                        .into_iter()
                        .map(|s| convert::status(s, lang, &names))
                        .collect(),
                })
            }
            .await,
        )
    }

    async fn list_report_statuses(
        &self,
        request: Request<pb::ListReportStatusesRequest>,
    ) -> Result<Response<pb::ListReportStatusesResponse>, Status> {
        let request = request.into_inner();
        reply(
            async {
                let filter = list_filter(&request)?;
                let page_size = page_size(request.page_size)?;
                let view = status_view(request.view)?;
                let page = self
                    .statuses
                    .list(&filter, page_size, &request.page_token, view)
                    .await?;
                let names = self.names_for(view).await?;
                let lang = convert::language(&request.language_code);
                Ok(pb::ListReportStatusesResponse {
                    statuses: page
                        .items
                        .into_iter()
                        .map(|s| convert::status(s, lang, &names))
                        .collect(),
                    next_page_token: page.next_page_token,
                })
            }
            .await,
        )
    }

    async fn list_updates(
        &self,
        request: Request<pb::ListUpdatesRequest>,
    ) -> Result<Response<pb::ListUpdatesResponse>, Status> {
        let request = request.into_inner();
        reply(
            async {
                let states = match request.state {
                    0 => Vec::new(),
                    state => states_filter(&[state], pb::Openness::Unspecified)
                        .map_err(|_| AppError::invalid("state", "is not a public state"))?,
                };
                let filter = StatusFilter {
                    department: non_empty(&request.department),
                    zone: non_empty(&request.zone),
                    states,
                    ..StatusFilter::default()
                };
                let since = match &request.since {
                    None => None,
                    Some(t) => Some(
                        from_timestamp(Some(t))
                            .ok_or_else(|| AppError::invalid("since", "is not a valid time"))?,
                    ),
                };
                let page_size = page_size(request.page_size)?;
                let page = self
                    .statuses
                    .updates(&filter, Steps::Every, since, page_size, &request.page_token)
                    .await?;
                let statuses = self.statuses.statuses_of(&page.items).await?;
                let names = self.directory.names().await?;
                let updates = page
                    .items
                    .into_iter()
                    .map(|update| {
                        let status = statuses
                            .iter()
                            .find(|s| s.tracking_code == update.tracking_code);
                        convert::update(update, status, &self.public_url, &names)
                    })
                    .collect();
                Ok(pb::ListUpdatesResponse {
                    updates,
                    next_page_token: page.next_page_token,
                })
            }
            .await,
        )
    }

    async fn watch_report(
        &self,
        request: Request<pb::WatchReportRequest>,
    ) -> Result<Response<Self::WatchReportStream>, Status> {
        let tracking_code = request.into_inner().tracking_code;
        let (receiver, names) = async {
            let code = parse_code(&tracking_code)?;
            let receiver = self.watch.follow(self.statuses.clone(), code).await?;
            Ok::<_, AppError>((receiver, self.directory.names().await?))
        }
        .await
        .map_err(|e| into_status(e, DOMAIN))?;
        // Names read once per stream: a taxonomy published while it runs shows from
        // the next watch on.
        let stream = ReceiverStream::new(receiver).map(move |status| {
            status
                .map(|status| pb::WatchReportResponse {
                    status: Some(convert::status(status, Lang::En, &names)),
                })
                .map_err(|e| into_status(e, DOMAIN))
        });
        Ok(Response::new(Box::pin(stream)))
    }

    async fn publish_alert(
        &self,
        request: Request<pb::PublishAlertRequest>,
    ) -> Result<Response<pb::PublishAlertResponse>, Status> {
        let request = request.into_inner();
        reply(
            async {
                let alert = convert::new_alert(request.alert)?;
                let alert = self
                    .alerts
                    .publish(&request.request_id, alert)
                    .await
                    .map_err(convert::in_alert)?;
                Ok(pb::PublishAlertResponse {
                    alert: Some(convert::alert(alert)),
                })
            }
            .await,
        )
    }

    async fn end_alert(
        &self,
        request: Request<pb::EndAlertRequest>,
    ) -> Result<Response<pb::EndAlertResponse>, Status> {
        let name = request.into_inner().name;
        reply(
            async {
                let alert = self.alerts.end(convert::alert_id(&name)?).await?;
                Ok(pb::EndAlertResponse {
                    alert: Some(convert::alert(alert)),
                })
            }
            .await,
        )
    }

    async fn list_alerts(
        &self,
        request: Request<pb::ListAlertsRequest>,
    ) -> Result<Response<pb::ListAlertsResponse>, Status> {
        let request = request.into_inner();
        reply(
            async {
                let limit = match page_size(request.page_size)? {
                    0 => DEFAULT_ALERTS_PAGE,
                    n => n.min(MAX_ALERTS_PAGE),
                };
                let offset = match request.page_token.as_str() {
                    "" => 0,
                    token => token.parse::<u64>().map_err(|_| {
                        AppError::invalid("page_token", "is not a token this API returned")
                    })?,
                };
                let (alerts, more) = self
                    .alerts
                    .list(request.include_inactive, offset, limit)
                    .await?;
                Ok(pb::ListAlertsResponse {
                    alerts: alerts.into_iter().map(convert::alert).collect(),
                    next_page_token: if more {
                        (offset + limit).to_string()
                    } else {
                        String::new()
                    },
                })
            }
            .await,
        )
    }

    async fn create_subscription(
        &self,
        request: Request<pb::CreateSubscriptionRequest>,
    ) -> Result<Response<pb::CreateSubscriptionResponse>, Status> {
        let request = request.into_inner();
        reply(
            async {
                let asked = request
                    .subscription
                    .ok_or_else(|| AppError::invalid("subscription", "is required"))?;
                let created = self
                    .subscriptions
                    .create(
                        &request.request_id,
                        &asked.target_url,
                        &asked.tracking_code,
                        &asked.zone,
                    )
                    .await?;
                Ok(pb::CreateSubscriptionResponse {
                    subscription: Some(convert::subscription(created.subscription)),
                    secret: created.secret,
                })
            }
            .await,
        )
    }

    async fn delete_subscription(
        &self,
        request: Request<pb::DeleteSubscriptionRequest>,
    ) -> Result<Response<pb::DeleteSubscriptionResponse>, Status> {
        let request = request.into_inner();
        reply(
            self.subscriptions
                .delete(&request.name, &request.secret)
                .await
                .map(|()| pb::DeleteSubscriptionResponse {}),
        )
    }
}
