//! `segnala ops`: operators' decisions on triage — the review queue, rerouting,
//! merging and unmerging incidents, and the corrections that become training data —
//! their public alerts on status, and the redactor's figures.

mod alerts;
mod photo;
mod redaction;
mod reporter;

use std::path::PathBuf;

use clap::Subcommand;
use segnala_proto::triage::v1::{
    Decision, DecisionOutcome, ListCorrectionsRequest, ListReviewItemsRequest,
    MergeIncidentsRequest, RejectReviewItemRequest, RejectionReason, RerouteReportRequest,
    ResolveReviewItemRequest, UnmergeReportRequest, triage_service_client::TriageServiceClient,
};
use segnala_shared::time::from_timestamp;
use segnala_triage::domain::NOT_A_REPORT;

use crate::settings::default_listen;

use super::{
    CommandError,
    client::{KeyArgs, connect},
    clock::{TimeZoneArgs, local_time},
};

#[derive(Debug, clap::Args)]
pub struct OpsArgs {
    #[arg(
        long,
        env = "SEGNALA_TRIAGE_URL",
        default_value_t = default_listen::url(default_listen::TRIAGE_PORT),
        global = true
    )]
    server: String,
    #[command(flatten)]
    client: KeyArgs,
    #[command(flatten)]
    clock: TimeZoneArgs,
    #[command(subcommand)]
    command: OpsCommand,
}

#[derive(Debug, Subcommand)]
enum OpsCommand {
    /// The reports triage was unsure about.
    #[command(subcommand)]
    Review(ReviewCommand),
    /// Send a routed report (and its incident's work order) to another department.
    Reroute(Destination),
    /// Join every report of MERGED (an incident id, the first report's tracking code)
    /// to INCIDENT: one work order for all.
    Merge { incident: String, merged: String },
    /// Take a report out of the incident it joined: it gets a work order of its own.
    Unmerge {
        /// The report's tracking code.
        code: String,
    },
    /// Public alerts: publish, end and list them (on the status service).
    Alerts(alerts::AlertsArgs),
    /// A reporter's rights: export or erase everything of theirs (on intake).
    Reporter(reporter::ReporterArgs),
    /// Photos uploaded with reports: hide one from the public, or show it again (on
    /// intake).
    Photo(photo::PhotoArgs),
    /// Write operators' decisions as a CSV of `text,service_code,point,dept,category`
    /// for `segnala triage train --csv FILE --text-columns text --service-column
    /// service_code [--position-column point]`.
    Corrections {
        /// The CSV file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// Measure the redactor of public texts: recall and precision per kind of
    /// personal data on marked texts; fails below the required score.
    RedactionEval(redaction::RedactionEvalArgs),
}

#[derive(Debug, Subcommand)]
enum ReviewCommand {
    /// List the reports waiting for review, oldest first.
    List,
    /// Route a report waiting for review: a work order opens.
    Resolve(Destination),
    /// Reject a report waiting for review as not a report (a greeting, a question, a
    /// test): no work order opens; the reporter gets a polite answer.
    Reject {
        /// The report's tracking code.
        code: String,
        /// The answer for the reporter and the public page; default: the taxonomy's
        /// answer to messages that are not reports, in the report's language.
        #[arg(long, default_value = "")]
        message: String,
    },
}

#[derive(Debug, clap::Args)]
struct Destination {
    /// The report's tracking code.
    code: String,
    /// A department id, such as `roads`.
    #[arg(long)]
    department: String,
    /// A category id of the department; its first one when left out.
    #[arg(long, default_value = "")]
    category: String,
}

/// Where the intake service is, for the commands that act on it.
#[derive(Debug, clap::Args)]
struct IntakeServer {
    /// The intake service.
    #[arg(
        long = "intake-url",
        env = "SEGNALA_INTAKE_URL",
        default_value_t = default_listen::url(default_listen::INTAKE_PORT),
        global = true
    )]
    url: String,
}

pub async fn run(args: OpsArgs) -> Result<(), CommandError> {
    let command = match args.command {
        OpsCommand::Alerts(alerts) => {
            return alerts::run(alerts, &args.client, args.clock.zone()).await;
        }
        OpsCommand::Reporter(reporter) => return reporter::run(reporter, &args.client).await,
        OpsCommand::Photo(photo) => return photo::run(photo, &args.client).await,
        OpsCommand::RedactionEval(eval) => return redaction::run(eval),
        command => command,
    };
    let mut client = connect(
        &args.server,
        &args.client.trust,
        args.client.key(),
        TriageServiceClient::new,
    )
    .await?;
    let failed = |status: tonic::Status| CommandError::from_status(&status, &args.server);
    match command {
        OpsCommand::Alerts(_)
        | OpsCommand::Reporter(_)
        | OpsCommand::Photo(_)
        | OpsCommand::RedactionEval(_) => Ok(()),
        OpsCommand::Review(ReviewCommand::List) => {
            let mut page_token = String::new();
            let mut count = 0;
            loop {
                let page = client
                    .list_review_items(ListReviewItemsRequest {
                        page_size: 100,
                        page_token,
                    })
                    .await
                    .map_err(failed)?
                    .into_inner();
                for item in page.review_items {
                    count += 1;
                    let guesses: Vec<String> = item
                        .candidates
                        .iter()
                        .map(|c| format!("{} {:.2}", c.department, c.score))
                        .collect();
                    let since = from_timestamp(item.review_time.as_ref())
                        .map(|t| local_time(t, args.clock.zone()))
                        .unwrap_or_default();
                    outln!("{}  {since}  {}", item.tracking_code, item.description);
                    outln!("    {} (guesses: {})", item.reason, guesses.join(", "));
                }
                if page.next_page_token.is_empty() {
                    break;
                }
                page_token = page.next_page_token;
            }
            outln!("{count} report(s) waiting for review.");
            Ok(())
        }
        OpsCommand::Review(ReviewCommand::Resolve(to)) => {
            let decision = client
                .resolve_review_item(ResolveReviewItemRequest {
                    report: format!("reports/{}", to.code),
                    department: to.department,
                    category: to.category,
                })
                .await
                .map_err(failed)?
                .into_inner()
                .decision;
            print_decision(decision)
        }
        OpsCommand::Review(ReviewCommand::Reject { code, message }) => {
            let decision = client
                .reject_review_item(RejectReviewItemRequest {
                    report: format!("reports/{code}"),
                    message,
                })
                .await
                .map_err(failed)?
                .into_inner()
                .decision;
            print_decision(decision)
        }
        OpsCommand::Reroute(to) => {
            let decision = client
                .reroute_report(RerouteReportRequest {
                    report: format!("reports/{}", to.code),
                    department: to.department,
                    category: to.category,
                })
                .await
                .map_err(failed)?
                .into_inner()
                .decision;
            print_decision(decision)
        }
        OpsCommand::Merge { incident, merged } => {
            let merged = client
                .merge_incidents(MergeIncidentsRequest {
                    incident: format!("incidents/{incident}"),
                    merged_incident: format!("incidents/{merged}"),
                })
                .await
                .map_err(failed)?
                .into_inner();
            outln!(
                "{} now holds {} report(s); joined: {}",
                merged.incident,
                merged.report_count,
                merged.moved_reports.join(", ")
            );
            Ok(())
        }
        OpsCommand::Unmerge { code } => {
            let decision = client
                .unmerge_report(UnmergeReportRequest {
                    report: format!("reports/{code}"),
                })
                .await
                .map_err(failed)?
                .into_inner()
                .decision;
            print_decision(decision)
        }
        OpsCommand::Corrections { out } => {
            let mut writer = csv::Writer::from_path(&out)
                .map_err(|e| CommandError::new(format!("{}: {e}", out.display())))?;
            let written = |e: csv::Error| CommandError::new(format!("{}: {e}", out.display()));
            writer
                .write_record(["text", "service_code", "point", "dept", "category"])
                .map_err(written)?;
            let mut page_token = String::new();
            let (mut count, mut rejections) = (0, 0);
            loop {
                let page = client
                    .list_corrections(ListCorrectionsRequest {
                        page_size: 1000,
                        page_token,
                    })
                    .await
                    .map_err(failed)?
                    .into_inner();
                for c in page.corrections {
                    // No department to learn, but what screening learns is not a report.
                    let department = if c.rejection_reason == RejectionReason::Unspecified as i32 {
                        count += 1;
                        c.department.as_str()
                    } else {
                        rejections += 1;
                        NOT_A_REPORT
                    };
                    let point = c
                        .location
                        .map(|l| format!("{} {}", l.latitude, l.longitude))
                        .unwrap_or_default();
                    writer
                        .write_record([&c.text, &c.service_code, &point, department, &c.category])
                        .map_err(written)?;
                }
                if page.next_page_token.is_empty() {
                    break;
                }
                page_token = page.next_page_token;
            }
            writer
                .flush()
                .map_err(|e| CommandError::new(format!("{}: {e}", out.display())))?;
            outln!(
                "{count} correction(s) and {rejections} rejection(s) as not a report (dept `{NOT_A_REPORT}`: screening learns from them, routing leaves them out) written to {}.",
                out.display()
            );
            Ok(())
        }
    }
}

fn print_decision(decision: Option<Decision>) -> Result<(), CommandError> {
    if let Some(d) = decision {
        if d.outcome == DecisionOutcome::Rejected as i32 {
            outln!(
                "{} rejected as not a report, version {}",
                d.name.trim_end_matches("/decision"),
                d.version
            );
            return Ok(());
        }
        outln!(
            "{} → {}/{} ({}), version {}",
            d.name.trim_end_matches("/decision"),
            d.department,
            d.category,
            d.incident,
            d.version
        );
    }
    Ok(())
}
