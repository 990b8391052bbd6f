//! Connections the command-line clients make: plain for http:// URLs, TLS (with the
//! web's root certificates) for https:// ones, the credential on every call.

use std::{path::Path, time::Duration};

use segnala_shared::{config::SecretString, grpc::client::ClientInterceptor};
use tonic::{
    service::interceptor::InterceptedService,
    transport::{Channel, ClientTlsConfig, Endpoint},
};

use super::CommandError;
use crate::platform::local_key_path;

pub type Intercepted = InterceptedService<Channel, ClientInterceptor>;

type Client<T> = fn(Intercepted) -> T;

pub async fn connect<T>(
    url: &str,
    key: Option<SecretString>,
    make: Client<T>,
) -> Result<T, CommandError> {
    let mut endpoint = Endpoint::from_shared(url.to_owned())
        .map_err(|_| CommandError::new(format!("`{url}` is not a URL")))?
        .connect_timeout(Duration::from_secs(5));
    if url.starts_with("https://") {
        endpoint = endpoint
            .tls_config(ClientTlsConfig::new().with_webpki_roots())
            .map_err(|e| CommandError::new(format!("TLS for {url}: {e}")))?;
    }
    let channel = endpoint.connect().await.map_err(|e| {
        CommandError::new(format!(
            "cannot reach {url}: is Segnala running there, and is the address right? ({})",
            root_cause(&e)
        ))
    })?;
    Ok(make(InterceptedService::new(
        channel,
        ClientInterceptor::new(key),
    )))
}

/// The key given on the command line, or else the local key of `segnala up` kept in
/// `data_dir`.
pub fn api_key(given: Option<String>, data_dir: &Path) -> Option<SecretString> {
    given
        .or_else(|| std::fs::read_to_string(local_key_path(data_dir)).ok())
        .map(|key| SecretString::from(key.trim().to_owned()))
}

/// The innermost error, which says what actually went wrong ("connection refused").
fn root_cause(error: &(dyn std::error::Error + 'static)) -> String {
    let mut cause = error;
    while let Some(source) = cause.source() {
        cause = source;
    }
    cause.to_string()
}
