//! Connections the command-line clients make: plain for http:// URLs, TLS for https://
//! ones (the web's root certificates, plus `--ca-cert` when given), the credential on
//! every call.

use std::{
    path::{Path, PathBuf},
    time::Duration,
};

use segnala_shared::{config::SecretString, error::root_cause, grpc::client::ClientInterceptor};
use tonic::{
    service::interceptor::InterceptedService,
    transport::{Certificate, Channel, ClientTlsConfig, Endpoint},
};

use super::CommandError;
use crate::platform::local_key_path;

pub type Intercepted = InterceptedService<Channel, ClientInterceptor>;

type Client<T> = fn(Intercepted) -> T;

/// Which certificates an https:// server may present.
#[derive(Clone, Debug, Default, clap::Args)]
pub struct TrustArgs {
    /// A PEM certificate to trust for https:// servers besides the web's root
    /// certificates: the city's own authority, or a server's self-signed certificate.
    #[arg(long, env = "SEGNALA_CA_CERT", global = true)]
    pub ca_cert: Option<PathBuf>,
}

/// How the operators' and integrators' clients are let in.
#[derive(Debug, clap::Args)]
pub struct KeyArgs {
    /// Your API key (an integrator's or operator's); defaults to the local key of
    /// `segnala up`.
    #[arg(long, env = "SEGNALA_API_KEY", hide_env_values = true, global = true)]
    api_key: Option<String>,
    /// Where `segnala up` keeps its local key.
    #[arg(
        long,
        env = "SEGNALA__DATA_DIR",
        default_value = "segnala-data",
        global = true
    )]
    data_dir: PathBuf,
    #[command(flatten)]
    pub trust: TrustArgs,
}

impl KeyArgs {
    /// The key given on the command line, or else the local key of `segnala up` kept in
    /// the data directory.
    pub fn key(&self) -> Option<SecretString> {
        self.api_key
            .clone()
            .or_else(|| std::fs::read_to_string(local_key_path(&self.data_dir)).ok())
            .map(|key| SecretString::from(key.trim().to_owned()))
    }
}

pub async fn connect<T>(
    url: &str,
    trust: &TrustArgs,
    key: Option<SecretString>,
    make: Client<T>,
) -> Result<T, CommandError> {
    let mut endpoint = Endpoint::from_shared(url.to_owned())
        .map_err(|_| CommandError::new(format!("`{url}` is not a URL")))?
        .connect_timeout(Duration::from_secs(5));
    if url.starts_with("https://") {
        endpoint = endpoint
            .tls_config(tls_config(trust.ca_cert.as_deref())?)
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

fn tls_config(ca_cert: Option<&Path>) -> Result<ClientTlsConfig, CommandError> {
    let config = ClientTlsConfig::new().with_webpki_roots();
    let Some(path) = ca_cert else {
        return Ok(config);
    };
    let pem = std::fs::read(path)
        .map_err(|e| CommandError::new(format!("--ca-cert {}: {e}", path.display())))?;
    Ok(config.ca_certificate(Certificate::from_pem(pem)))
}
