use segnala_shared::{config, grpc::server::os_shutdown_signal, telemetry};

use super::{CommandError, ConfigArgs};
use crate::{
    platform::{self, Platform, ServiceKind},
    settings::Settings,
};

#[derive(Debug, clap::Args)]
pub struct UpArgs {
    #[command(flatten)]
    config: ConfigArgs,
    /// PostgreSQL URL instead of SQLite (same as SEGNALA__DATABASE__URL).
    #[arg(long)]
    database_url: Option<String>,
    /// RabbitMQ URL instead of the in-process bus (same as SEGNALA__BUS__URL).
    #[arg(long)]
    amqp_url: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    #[command(flatten)]
    config: ConfigArgs,
    #[arg(value_enum)]
    service: ServiceArg,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ServiceArg {
    Intake,
    Triage,
    Tracking,
    Status,
}

impl From<ServiceArg> for ServiceKind {
    fn from(arg: ServiceArg) -> Self {
        match arg {
            ServiceArg::Intake => Self::Intake,
            ServiceArg::Triage => Self::Triage,
            ServiceArg::Tracking => Self::Tracking,
            ServiceArg::Status => Self::Status,
        }
    }
}

pub async fn up(args: UpArgs) -> Result<(), CommandError> {
    let mut settings: Settings = config::load(args.config.config.as_deref())?;
    if let Some(url) = args.database_url {
        settings.database.url = Some(url.into());
    }
    if let Some(url) = args.amqp_url {
        settings.bus.url = Some(url.into());
    }
    config::Validate::validate(&settings)?;
    let _telemetry = telemetry::init("segnala", &settings.telemetry)?;
    let local_key = platform::ensure_local_key(&mut settings)?;
    let platform = Platform::build(&settings, &ServiceKind::ALL).await?;
    out!("{}", platform::describe(&platform, &settings));
    outln!(
        "  API key   {} (admin, for local use, beside any auth.api_keys; the local clients read it)",
        local_key.display()
    );
    outln!("Press Ctrl-C to stop.");
    platform.run_until_stopped(os_shutdown_signal()).await?;
    Ok(())
}

pub async fn serve(args: ServeArgs) -> Result<(), CommandError> {
    let settings: Settings = config::load(args.config.config.as_deref())?;
    platform::require_broker(&settings)?;
    let kind = ServiceKind::from(args.service);
    let _telemetry = telemetry::init(&format!("segnala-{kind}"), &settings.telemetry)?;
    let platform = Platform::build(&settings, &[kind]).await?;
    out!("{}", platform::describe(&platform, &settings));
    platform.run_until_stopped(os_shutdown_signal()).await?;
    Ok(())
}
