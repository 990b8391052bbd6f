//! Client-side helpers: every outgoing call carries the caller's trace context and,
//! when given, its credential.

use secrecy::{ExposeSecret, SecretString};
use tonic::{Request, Status, metadata::MetadataValue, service::Interceptor};

use crate::telemetry;

/// Adds `traceparent`/`tracestate` and the bearer token to each request.
#[derive(Clone, Default)]
pub struct ClientInterceptor {
    token: Option<SecretString>,
}

impl ClientInterceptor {
    pub fn new(token: Option<SecretString>) -> Self {
        Self { token }
    }
}

impl Interceptor for ClientInterceptor {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, Status> {
        for (key, value) in telemetry::current_trace_headers() {
            if let (Ok(key), Ok(value)) = (
                tonic::metadata::MetadataKey::from_bytes(key.as_bytes()),
                MetadataValue::try_from(value.as_str()),
            ) {
                request.metadata_mut().insert(key, value);
            }
        }
        if let Some(token) = &self.token {
            let value = MetadataValue::try_from(format!("Bearer {}", token.expose_secret()))
                .map_err(|_| {
                    Status::invalid_argument("the API key has characters a header cannot carry")
                })?;
            request.metadata_mut().insert("authorization", value);
        }
        Ok(request)
    }
}
