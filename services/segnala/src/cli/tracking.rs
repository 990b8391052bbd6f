//! `segnala tracking`: operators' checks on the tracking service.

use clap::Subcommand;
use segnala_proto::tracking::v1::{
    ListDepartmentStatsRequest, VerifyAuditLogRequest,
    tracking_service_client::TrackingServiceClient,
};
use segnala_shared::time::from_timestamp;

use crate::settings::default_listen;

use super::{
    CommandError,
    client::{KeyArgs, connect},
    clock::{TimeZoneArgs, local_time},
};

#[derive(Debug, clap::Args)]
pub struct TrackingArgs {
    #[arg(
        long,
        env = "SEGNALA_TRACKING_URL",
        default_value_t = default_listen::url(default_listen::TRACKING_PORT),
        global = true
    )]
    server: String,
    #[command(flatten)]
    client: KeyArgs,
    #[command(flatten)]
    clock: TimeZoneArgs,
    #[command(subcommand)]
    command: TrackingCommand,
}

#[derive(Debug, Subcommand)]
enum TrackingCommand {
    /// Check the audit log's hash chain; exits 1 and names the first broken entry.
    VerifyAudit,
    /// Open, overdue and resolved orders and the median time to resolve, per department.
    Stats,
}

pub async fn run(args: TrackingArgs) -> Result<(), CommandError> {
    let mut client = connect(
        &args.server,
        &args.client.trust,
        args.client.key(),
        TrackingServiceClient::new,
    )
    .await?;
    let failed = |status: tonic::Status| CommandError::from_status(&status, &args.server);
    match args.command {
        TrackingCommand::VerifyAudit => {
            let check = client
                .verify_audit_log(VerifyAuditLogRequest {})
                .await
                .map_err(failed)?
                .into_inner();
            match check.first_break {
                None => {
                    outln!(
                        "The audit log is intact: {} entries checked.",
                        check.entries_checked
                    );
                    Ok(())
                }
                Some(broken) => {
                    let at = if broken.sequence > 0 {
                        format!("entry {}", broken.sequence)
                    } else {
                        "the end of the chain".to_owned()
                    };
                    Err(CommandError::new(format!(
                        "the audit log is broken at {at} ({} #{}): {}",
                        broken.work_order, broken.order_sequence, broken.problem
                    )))
                }
            }
        }
        TrackingCommand::Stats => {
            let stats = client
                .list_department_stats(ListDepartmentStatsRequest {})
                .await
                .map_err(failed)?
                .into_inner();
            outln!(
                "{:<24} {:>6} {:>8} {:>9}  median time to resolve",
                "department",
                "open",
                "overdue",
                "resolved"
            );
            for d in stats.departments {
                let median = d
                    .median_time_to_resolve
                    .map(|m| format!("{:.1} h", m.seconds as f64 / 3600.0))
                    .unwrap_or_else(|| "-".into());
                outln!(
                    "{:<24} {:>6} {:>8} {:>9}  {median}",
                    d.department,
                    d.open,
                    d.overdue,
                    d.resolved
                );
            }
            if let Some(at) = from_timestamp(stats.compute_time.as_ref()) {
                outln!("(as of {})", local_time(at, args.clock.zone()));
            }
            Ok(())
        }
    }
}
