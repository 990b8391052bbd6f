//! Submitting over Open311 GeoReport v2, as a citizen's app does: a form POST with the
//! API key, answered with the new request's id.

use segnala_shared::config::{ExposeSecret, SecretString};

use super::{super::CommandError, workload::GeneratedReport};

#[derive(Clone)]
pub struct Open311Client {
    http: reqwest::Client,
    requests_url: String,
    api_key: String,
    service_code: String,
}

impl Open311Client {
    /// Reads the service list once; reports are filed under its first service (triage
    /// decides the department from the text either way).
    pub async fn connect(base: &str, api_key: Option<SecretString>) -> Result<Self, CommandError> {
        let base = format!("{}/open311/v2", base.trim_end_matches('/'));
        let http = segnala_shared::delivery::http_client(std::time::Duration::from_secs(30))
            .map_err(|e| CommandError::new(format!("HTTP client: {e}")))?;
        let services: serde_json::Value = http
            .get(format!("{base}/services.json"))
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|e| CommandError::new(format!("cannot read {base}/services.json: {e}")))?
            .json()
            .await
            .map_err(|e| CommandError::new(format!("{base}/services.json: {e}")))?;
        let service_code = services
            .as_array()
            .and_then(|list| list.first())
            .and_then(|service| service["service_code"].as_str())
            .ok_or_else(|| CommandError::new(format!("{base}/services.json lists no service")))?
            .to_owned();
        Ok(Self {
            http,
            requests_url: format!("{base}/requests.json"),
            api_key: api_key
                .map(|key| key.expose_secret().to_owned())
                .unwrap_or_default(),
            service_code,
        })
    }

    /// Posts one report; returns its tracking code.
    pub async fn post_request(&self, report: &GeneratedReport) -> Result<String, String> {
        let latitude = report.latitude.to_string();
        let longitude = report.longitude.to_string();
        let form = [
            ("api_key", self.api_key.as_str()),
            ("service_code", self.service_code.as_str()),
            ("lat", latitude.as_str()),
            ("long", longitude.as_str()),
            ("address_string", report.address.as_str()),
            ("description", report.description.as_str()),
        ];
        let response = self
            .http
            .post(&self.requests_url)
            .form(&form)
            .send()
            .await
            .map_err(|e| format!("POST requests.json: {e}"))?;
        let status = response.status();
        let body: serde_json::Value = response
            .json()
            .await
            .map_err(|e| format!("POST requests.json ({status}): {e}"))?;
        let first = body.as_array().and_then(|list| list.first());
        match first.and_then(|item| item["service_request_id"].as_str()) {
            Some(id) if status.is_success() => Ok(id.to_owned()),
            _ => Err(format!(
                "POST requests.json ({status}): {}",
                first
                    .and_then(|item| item["description"].as_str())
                    .unwrap_or("no service_request_id")
            )),
        }
    }
}
