//! The other services intake asks synchronously, over their gRPC APIs: triage for the
//! service list and early safety advice, status for public statuses. Conversions to intake's own types happen
//! here.

pub mod safety;
pub mod status;
pub mod triage;

use segnala_shared::{AppError, grpc::client::ClientInterceptor};
use tonic::{Code, Status, service::interceptor::InterceptedService, transport::Channel};

pub type Connection = InterceptedService<Channel, ClientInterceptor>;

/// A lazily connected channel to `url`; `None` when no URL is configured.
pub fn connect(url: &str, setting: &str) -> Result<Option<Connection>, String> {
    if url.is_empty() {
        return Ok(None);
    }
    let endpoint = tonic::transport::Endpoint::from_shared(url.to_owned())
        .map_err(|e| format!("{setting}: {e}"))?
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(10));
    Ok(Some(InterceptedService::new(
        endpoint.connect_lazy(),
        ClientInterceptor::default(),
    )))
}

/// A failed call to another service, as a use-case error.
pub fn call_failed(service: &str, status: Status) -> AppError {
    match status.code() {
        Code::NotFound => AppError::NotFound {
            resource: "resource",
            name: status.message().to_owned(),
        },
        Code::InvalidArgument => AppError::invalid(service, status.message().to_owned()),
        _ => AppError::Unavailable(format!("{service}: {status}")),
    }
}
