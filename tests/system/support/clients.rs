use std::time::Duration;

use segnala_proto::{
    common::v1::LatLng,
    intake::v1::{
        CreateReportRequest, Report, ReporterContact, intake_service_client::IntakeServiceClient,
    },
    status::v1::{
        GetReportStatusRequest, PublicState, ReportStatus,
        status_service_client::StatusServiceClient,
    },
    tracking::v1::{
        ListWorkOrdersRequest, WorkOrder, tracking_service_client::TrackingServiceClient,
    },
};
use segnala_shared::{config::SecretString, grpc::client::ClientInterceptor};
use tonic::{Code, service::interceptor::InterceptedService, transport::Channel};

use super::{
    env::{INTEGRATOR_KEY, OPERATOR_KEY},
    wait::eventually,
};

pub type Intercepted = InterceptedService<Channel, ClientInterceptor>;

/// gRPC clients for one running platform, with the test keys.
#[derive(Clone)]
pub struct Clients {
    pub intake: IntakeServiceClient<Intercepted>,
    pub status: StatusServiceClient<Intercepted>,
    pub tracking: Option<TrackingServiceClient<Intercepted>>,
}

pub async fn channel(url: &str, key: Option<&str>) -> Intercepted {
    let channel = tonic::transport::Endpoint::from_shared(url.to_owned())
        .expect("a URL")
        .connect()
        .await
        .expect("connect to the service");
    InterceptedService::new(
        channel,
        ClientInterceptor::new(key.map(|k| SecretString::from(k.to_owned()))),
    )
}

impl Clients {
    pub async fn connect(intake: &str, status: &str, tracking: Option<&str>) -> Self {
        let tracking = match tracking {
            Some(url) => Some(TrackingServiceClient::new(
                channel(url, Some(OPERATOR_KEY)).await,
            )),
            None => None,
        };
        Self {
            intake: IntakeServiceClient::new(channel(intake, Some(INTEGRATOR_KEY)).await),
            status: StatusServiceClient::new(channel(status, None).await),
            tracking,
        }
    }

    /// Submits a report and returns its tracking code.
    pub async fn submit(&mut self, description: &str, request_id: &str) -> String {
        self.submit_request(report_request(description, request_id))
            .await
    }

    /// Submits `request` and returns the report's tracking code.
    pub async fn submit_request(&mut self, request: CreateReportRequest) -> String {
        self.intake
            .create_report(request)
            .await
            .expect("the report is accepted")
            .into_inner()
            .report
            .expect("a report")
            .tracking_code
    }

    /// The public status, or `None` while status does not know the report yet.
    pub async fn status(&mut self, code: &str) -> Option<ReportStatus> {
        fetch_status(&mut self.status, code).await
    }

    /// Waits until the report's public state is `state`.
    pub async fn wait_for_state(
        &self,
        code: &str,
        state: PublicState,
        timeout: Duration,
    ) -> ReportStatus {
        self.wait_until(code, &format!("is {state:?}"), timeout, |s| {
            s.state == state as i32
        })
        .await
    }

    /// Waits until the report's public status satisfies `condition`.
    pub async fn wait_until(
        &self,
        code: &str,
        what: &str,
        timeout: Duration,
        condition: impl Fn(&ReportStatus) -> bool,
    ) -> ReportStatus {
        let client = self.status.clone();
        let condition = &condition;
        eventually(&format!("report {code} {what}"), timeout, || {
            let mut client = client.clone();
            let code = code.to_owned();
            async move {
                fetch_status(&mut client, &code)
                    .await
                    .filter(|s| condition(s))
            }
        })
        .await
    }

    pub async fn work_orders_of(&mut self, code: &str) -> Vec<WorkOrder> {
        let tracking = self.tracking.as_mut().expect("a tracking client");
        tracking
            .list_work_orders(ListWorkOrdersRequest {
                report: format!("reports/{code}"),
                ..ListWorkOrdersRequest::default()
            })
            .await
            .expect("ListWorkOrders")
            .into_inner()
            .work_orders
    }
}

/// A well-formed report in Milan, with the reporter's contact.
pub fn report_request(description: &str, request_id: &str) -> CreateReportRequest {
    CreateReportRequest {
        report: Some(Report {
            description: description.to_owned(),
            location: Some(LatLng {
                latitude: 45.4642,
                longitude: 9.19,
            }),
            reporter: Some(ReporterContact {
                display_name: "Maria Bianchi".into(),
                email: "maria.bianchi@example.org".into(),
                phone: "+39 333 1234567".into(),
                handle: String::new(),
            }),
            ..Report::default()
        }),
        request_id: request_id.to_owned(),
    }
}

/// The `i`-th of a grid of places in Milan about 130 m apart: reports there are not
/// duplicates of each other, whatever their category.
pub fn distinct_place(i: usize) -> LatLng {
    let (row, column) = (i % 20, i / 20);
    LatLng {
        latitude: 45.45 + 0.0012 * row as f64,
        longitude: 9.15 + 0.0017 * column as f64,
    }
}

async fn fetch_status(
    client: &mut StatusServiceClient<Intercepted>,
    code: &str,
) -> Option<ReportStatus> {
    let request = GetReportStatusRequest {
        tracking_code: code.to_owned(),
        ..Default::default()
    };
    match client.get_report_status(request).await {
        Ok(response) => response.into_inner().status,
        Err(status) if status.code() == Code::NotFound => None,
        Err(status) => panic!("GetReportStatus failed: {status:?}"),
    }
}

/// Intake alone, for tests that run it without status.
#[derive(Clone)]
pub struct IntakeClient(IntakeServiceClient<Intercepted>);

impl IntakeClient {
    pub async fn connect(platform: &super::RunningPlatform) -> Self {
        Self::with_key(&platform.url(segnala::ServiceKind::Intake), INTEGRATOR_KEY).await
    }

    /// Intake at `url`, called with `key`.
    pub async fn with_key(url: &str, key: &str) -> Self {
        Self(IntakeServiceClient::new(channel(url, Some(key)).await))
    }

    /// Submits a report in Milan and returns its tracking code.
    pub async fn submit(&mut self, description: &str) -> String {
        self.submit_request(report_request(
            description,
            &uuid::Uuid::new_v4().to_string(),
        ))
        .await
    }

    pub async fn submit_request(&mut self, request: CreateReportRequest) -> String {
        self.0
            .create_report(request)
            .await
            .expect("the report is accepted")
            .into_inner()
            .report
            .expect("a report")
            .tracking_code
    }
}
