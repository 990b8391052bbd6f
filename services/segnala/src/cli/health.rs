use tonic_health::pb::{
    HealthCheckRequest, health_check_response::ServingStatus, health_client::HealthClient,
};

use super::CommandError;

pub async fn check(url: &str, service: &str) -> Result<(), CommandError> {
    let channel = tonic::transport::Endpoint::from_shared(url.to_owned())?
        .connect_timeout(std::time::Duration::from_secs(3))
        .connect()
        .await
        .map_err(|e| CommandError::new(format!("cannot reach {url}: {e}")))?;
    let response = HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await
        .map_err(|status| CommandError::from_status(&status, url))?;
    let what = if service.is_empty() {
        url.to_owned()
    } else {
        format!("{url} {service}")
    };
    match response.into_inner().status() {
        ServingStatus::Serving => {
            outln!("{what}: serving");
            Ok(())
        }
        other => Err(CommandError::new(format!(
            "{what}: {}",
            other.as_str_name()
        ))),
    }
}
