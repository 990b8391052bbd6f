//! The command line: running the platform and talking to it.

#[macro_use]
mod output;

pub mod bench;
mod client;
mod clock;
mod crew;
mod health;
mod ops;
mod report;
mod rpc_error;
mod server;
mod tracking;
mod triage;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use rpc_error::CommandError;

#[derive(Debug, Parser)]
#[command(
    name = "segnala",
    version,
    about = "Segnala: civic issue reports, from the citizen's message to the fixed lamp"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run all four services in this process. With no configuration: SQLite files in
    /// ./segnala-data and an in-process event bus, nothing else needed.
    Up(server::UpArgs),
    /// Run one service (for docker-compose and Kubernetes). Needs RabbitMQ.
    Serve(server::ServeArgs),
    /// Submit reports and follow them, as a citizen's app or an integrator would.
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// A maintenance crew's work queue: claim, work and resolve orders.
    Crew(crew::CrewArgs),
    /// Operators' decisions on triage: the review queue, rerouting, corrections.
    Ops(ops::OpsArgs),
    /// Operators' checks on tracking: the audit chain, per-department figures.
    Tracking(tracking::TrackingArgs),
    /// Drive reports into a running platform and measure it end to end.
    Bench(bench::BenchArgs),
    /// Train and measure the triage classifier offline.
    #[command(subcommand)]
    Triage(triage::TriageCommand),
    /// Exit 0 when the gRPC server at URL reports SERVING (for container health checks):
    /// the process is alive or, with --service, that service is ready (it reaches its
    /// database and broker).
    Health {
        /// Such as http://127.0.0.1:50051.
        url: String,
        /// A gRPC service name, such as segnala.intake.v1.IntakeService.
        #[arg(long, default_value = "")]
        service: String,
    },
}

/// Settings file shared by `up` and `serve`.
#[derive(Debug, clap::Args)]
pub struct ConfigArgs {
    /// A TOML settings file; `SEGNALA__…` environment variables override it.
    #[arg(long, env = "SEGNALA_CONFIG")]
    pub config: Option<PathBuf>,
}

pub async fn run(cli: Cli) -> Result<(), CommandError> {
    match cli.command {
        Command::Up(args) => server::up(args).await,
        Command::Serve(args) => server::serve(args).await,
        Command::Report(command) => report::run(command).await,
        Command::Health { url, service } => health::check(&url, &service).await,
        Command::Triage(command) => triage::run(command),
        Command::Bench(args) => bench::run(args).await,
        Command::Crew(args) => crew::run(args).await,
        Command::Tracking(args) => tracking::run(args).await,
        Command::Ops(args) => ops::run(args).await,
    }
}
