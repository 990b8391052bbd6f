//! `segnala report`: the citizen's and integrator's client.

use clap::Subcommand;
use segnala_proto::{
    common::v1::{Channel as ChannelPb, LatLng},
    intake::v1::{
        CreateReportRequest, Report, ReporterContact, intake_service_client::IntakeServiceClient,
    },
    status::v1::{
        GetReportStatusRequest, PublicState, ReportStatus,
        status_service_client::StatusServiceClient,
    },
};
use serde::Serialize;
use tonic::codegen::http::Uri;

use segnala_shared::time::Tz;

use crate::settings::default_listen;

use super::{
    CommandError,
    client::{KeyArgs, TrustArgs, connect},
    clock::{TimeZoneArgs, local_time},
};

/// How far status's port is from intake's in the default layout.
const STATUS_PORT_AFTER_INTAKE: u16 = default_listen::STATUS_PORT - default_listen::INTAKE_PORT;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Submit a report and print its tracking code.
    Submit(Box<SubmitArgs>),
    /// Show the public status of a report.
    Status(StatusArgs),
}

#[derive(Debug, clap::Args)]
pub struct SubmitArgs {
    /// What is wrong, in your words.
    #[arg(long, short)]
    description: String,
    /// Latitude in degrees (WGS 84).
    #[arg(long, allow_hyphen_values = true, requires = "lon")]
    lat: Option<f64>,
    /// Longitude in degrees (WGS 84).
    #[arg(long, allow_hyphen_values = true, requires = "lat")]
    lon: Option<f64>,
    /// Where it is, in words.
    #[arg(long)]
    address: Option<String>,
    /// Your name, e-mail and phone, if the city may contact you. Never shown publicly.
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    phone: Option<String>,
    /// A UUID that makes retries safe; a fresh one is made when omitted.
    #[arg(long)]
    request_id: Option<String>,
    #[arg(long, env = "SEGNALA_INTAKE_URL", default_value_t = default_listen::url(default_listen::INTAKE_PORT))]
    intake_url: String,
    /// Where to follow the report, for the command printed at the end; default: the
    /// status service beside the intake server (its host, its port + 3, as `segnala
    /// up` lays the ports out).
    #[arg(long, env = "SEGNALA_STATUS_URL")]
    status_url: Option<String>,
    #[command(flatten)]
    client: KeyArgs,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// The tracking code, such as 7KQ2-M9XA-4BRT.
    code: String,
    #[arg(long, env = "SEGNALA_STATUS_URL", default_value_t = default_listen::url(default_listen::STATUS_PORT))]
    status_url: String,
    #[command(flatten)]
    trust: TrustArgs,
    #[command(flatten)]
    clock: TimeZoneArgs,
    #[arg(long)]
    json: bool,
}

pub async fn run(command: ReportCommand) -> Result<(), CommandError> {
    match command {
        ReportCommand::Submit(args) => submit(*args).await,
        ReportCommand::Status(args) => status(args).await,
    }
}

async fn submit(args: SubmitArgs) -> Result<(), CommandError> {
    let mut client = connect(
        &args.intake_url,
        &args.client.trust,
        args.client.key(),
        IntakeServiceClient::new,
    )
    .await?;
    let request = CreateReportRequest {
        report: Some(Report {
            description: args.description,
            location: args.lat.zip(args.lon).map(|(latitude, longitude)| LatLng {
                latitude,
                longitude,
            }),
            address: args.address.unwrap_or_default(),
            channel: ChannelPb::Api as i32,
            reporter: Some(ReporterContact {
                display_name: args.name.unwrap_or_default(),
                email: args.email.unwrap_or_default(),
                phone: args.phone.unwrap_or_default(),
                handle: String::new(),
            }),
            ..Report::default()
        }),
        request_id: args
            .request_id
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
    };
    let report = client
        .create_report(request)
        .await
        .map_err(|status| CommandError::from_status(&status, &args.intake_url))?
        .into_inner()
        .report
        .unwrap_or_default();
    if args.json {
        let out = SubmitOutput {
            name: &report.name,
            tracking_code: &report.tracking_code,
        };
        outln!("{}", serde_json::to_string_pretty(&out)?);
    } else {
        let status_url = args
            .status_url
            .unwrap_or_else(|| status_url_beside(&args.intake_url));
        outln!("Report accepted. Tracking code: {}", report.tracking_code);
        outln!(
            "Follow it with: {}",
            status_command(
                &report.tracking_code,
                &status_url,
                args.client.trust.ca_cert.as_deref()
            )
        );
    }
    Ok(())
}

/// The status service of the platform whose intake is at `intake_url`: the same host,
/// the port as far from intake's as in the default layout.
fn status_url_beside(intake_url: &str) -> String {
    let Ok(uri) = intake_url.parse::<Uri>() else {
        return default_listen::url(default_listen::STATUS_PORT);
    };
    let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else {
        return default_listen::url(default_listen::STATUS_PORT);
    };
    match uri.port_u16() {
        Some(port) => format!(
            "{scheme}://{host}:{}",
            port.saturating_add(STATUS_PORT_AFTER_INTAKE)
        ),
        None => format!("{scheme}://{host}"),
    }
}

/// The command that follows a report, naming the server when it is not the default.
fn status_command(code: &str, status_url: &str, ca_cert: Option<&std::path::Path>) -> String {
    let mut command = format!("segnala report status {code}");
    if status_url != default_listen::url(default_listen::STATUS_PORT) {
        command.push_str(&format!(" --status-url {status_url}"));
    }
    if let Some(path) = ca_cert {
        command.push_str(&format!(" --ca-cert {}", path.display()));
    }
    command
}

#[derive(Serialize)]
struct SubmitOutput<'a> {
    name: &'a str,
    tracking_code: &'a str,
}

async fn status(args: StatusArgs) -> Result<(), CommandError> {
    let mut client = connect(
        &args.status_url,
        &args.trust,
        None,
        StatusServiceClient::new,
    )
    .await?;
    let status = client
        .get_report_status(GetReportStatusRequest {
            tracking_code: args.code.clone(),
            ..Default::default()
        })
        .await
        .map_err(|status| CommandError::from_status(&status, &args.status_url))?
        .into_inner()
        .status
        .unwrap_or_default();
    if args.json {
        outln!(
            "{}",
            serde_json::to_string_pretty(&StatusOutput::from(&status))?
        );
    } else {
        out!("{}", describe_status(&status, args.clock.zone()));
    }
    Ok(())
}

#[derive(Serialize)]
struct StatusOutput {
    tracking_code: String,
    state: String,
    department: String,
    timeline: Vec<TimelineOutput>,
}

#[derive(Serialize)]
struct TimelineOutput {
    time: String,
    state: String,
    message: String,
}

impl From<&ReportStatus> for StatusOutput {
    fn from(status: &ReportStatus) -> Self {
        Self {
            tracking_code: status.tracking_code.clone(),
            state: state_name(status.state),
            department: status.department.clone(),
            timeline: status
                .timeline
                .iter()
                .map(|entry| TimelineOutput {
                    time: time_text(entry.time.as_ref()),
                    state: state_name(entry.state),
                    message: entry.message.clone(),
                })
                .collect(),
        }
    }
}

/// The status for people, its times on the city's clock.
fn describe_status(status: &ReportStatus, zone: Tz) -> String {
    let department = if status.department.is_empty() {
        "not yet assigned"
    } else {
        status.department.as_str()
    };
    let mut text = format!(
        "Report {}\n  state       {}\n  department  {}\n",
        status.tracking_code,
        state_name(status.state),
        department
    );
    for entry in &status.timeline {
        let time = segnala_shared::time::from_timestamp(entry.time.as_ref())
            .map(|t| local_time(t, zone))
            .unwrap_or_default();
        text.push_str(&format!("  {time}  {}\n", entry.message));
    }
    text
}

fn state_name(state: i32) -> String {
    PublicState::try_from(state)
        .map(|s| {
            s.as_str_name()
                .trim_start_matches("PUBLIC_STATE_")
                .to_lowercase()
                .replace('_', " ")
        })
        .unwrap_or_else(|_| "unknown".into())
}

fn time_text(time: Option<&prost_types::Timestamp>) -> String {
    segnala_shared::time::from_timestamp(time)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_command_names_the_server_it_was_not_given_by_default() {
        let default_status_url = default_listen::url(default_listen::STATUS_PORT);
        assert_eq!(
            status_url_beside(&default_listen::url(default_listen::INTAKE_PORT)),
            default_status_url
        );
        assert_eq!(
            status_url_beside("http://10.1.2.3:50051"),
            "http://10.1.2.3:50054"
        );
        assert_eq!(
            status_url_beside("https://segnala.comune.it:6001/"),
            "https://segnala.comune.it:6004"
        );
        assert_eq!(
            status_command("7KQ2-M9XA-4BRT", &default_status_url, None),
            "segnala report status 7KQ2-M9XA-4BRT"
        );
        assert_eq!(
            status_command(
                "7KQ2-M9XA-4BRT",
                "https://status.comune.it",
                Some(std::path::Path::new("/etc/city-ca.pem"))
            ),
            "segnala report status 7KQ2-M9XA-4BRT --status-url https://status.comune.it \
             --ca-cert /etc/city-ca.pem"
        );
    }
}
