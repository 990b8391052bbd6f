//! `segnala ops reporter`: a reporter's rights over what they gave the city — a copy
//! of all of it (`export`) and its erasure (`erase`), on intake. Both are recorded in
//! intake's audit log under the key's name.

use std::path::PathBuf;

use clap::Subcommand;
use segnala_proto::{
    common::v1::Channel,
    intake::v1::{
        EraseReporterDataRequest, ExportReporterDataRequest, ExportReporterDataResponse, Reporter,
        reporter_data_service_client::ReporterDataServiceClient,
    },
};
use segnala_shared::time::from_timestamp;
use serde::Serialize;

use crate::cli::{
    CommandError,
    client::{KeyArgs, connect},
};

#[derive(Debug, clap::Args)]
pub struct ReporterArgs {
    #[command(flatten)]
    intake: super::IntakeServer,
    #[command(subcommand)]
    command: ReporterCommand,
}

#[derive(Debug, Subcommand)]
enum ReporterCommand {
    /// Everything intake holds of the reporter, as JSON: their reports as written,
    /// their contact, an unfinished chat, the replies sent to them.
    Export {
        #[command(flatten)]
        reporter: ReporterId,
        /// Write the JSON to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Erase the reporter's contact and chat identifiers everywhere and the personal
    /// data in their reports' text; the reports stay, anonymous. Cannot be undone.
    Erase {
        #[command(flatten)]
        reporter: ReporterId,
        /// Confirms the erasure.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, clap::Args)]
struct ReporterId {
    /// The channel they reported on.
    #[arg(long, value_enum)]
    channel: ChannelArg,
    /// Who they are there: the chat id (Telegram), the phone number (WhatsApp), the
    /// account or @handle (Mastodon, X), the e-mail address or phone number (api,
    /// open311, web).
    #[arg(long)]
    id: String,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum ChannelArg {
    Api,
    Open311,
    Telegram,
    Whatsapp,
    Mastodon,
    X,
    Web,
}

impl ReporterId {
    fn to_proto(&self) -> Reporter {
        let channel = match self.channel {
            ChannelArg::Api => Channel::Api,
            ChannelArg::Open311 => Channel::Open311,
            ChannelArg::Telegram => Channel::Telegram,
            ChannelArg::Whatsapp => Channel::Whatsapp,
            ChannelArg::Mastodon => Channel::Mastodon,
            ChannelArg::X => Channel::X,
            ChannelArg::Web => Channel::Web,
        };
        Reporter {
            channel: channel as i32,
            id: self.id.clone(),
        }
    }
}

pub async fn run(args: ReporterArgs, key: &KeyArgs) -> Result<(), CommandError> {
    let mut client = connect(
        &args.intake.url,
        &key.trust,
        key.key(),
        ReporterDataServiceClient::new,
    )
    .await?;
    let failed = |status: tonic::Status| CommandError::from_status(&status, &args.intake.url);
    match args.command {
        ReporterCommand::Export { reporter, out } => {
            let export = client
                .export_reporter_data(ExportReporterDataRequest {
                    reporter: Some(reporter.to_proto()),
                })
                .await
                .map_err(failed)?
                .into_inner();
            let json = serde_json::to_string_pretty(&Export::of(&reporter, export))
                .map_err(|e| CommandError::new(format!("cannot write the export: {e}")))?;
            match out {
                Some(path) => {
                    std::fs::write(&path, format!("{json}\n"))
                        .map_err(|e| CommandError::new(format!("--out {}: {e}", path.display())))?;
                    outln!("Written to {}.", path.display());
                }
                None => outln!("{json}"),
            }
        }
        ReporterCommand::Erase { reporter, yes } => {
            if !yes {
                return Err(CommandError::new(
                    "an erasure cannot be undone: export first if the reporter wants a copy, \
                     then run again with --yes",
                ));
            }
            let erased = client
                .erase_reporter_data(EraseReporterDataRequest {
                    reporter: Some(reporter.to_proto()),
                })
                .await
                .map_err(failed)?
                .into_inner();
            if erased.erased_records == 0 {
                outln!("Nothing of this reporter is left to erase.");
            } else {
                outln!(
                    "Erased {} records. Reports now anonymous: {}.",
                    erased.erased_records,
                    if erased.tracking_codes.is_empty() {
                        "none".to_owned()
                    } else {
                        erased.tracking_codes.join(", ")
                    }
                );
            }
        }
    }
    Ok(())
}

/// The export as the reporter receives it.
#[derive(Serialize)]
struct Export {
    channel: String,
    id: String,
    reports: Vec<ExportedReport>,
    unfinished_conversations: Vec<ExportedConversation>,
    replies: Vec<ExportedReply>,
    satisfaction_questions: Vec<ExportedQuestion>,
}

#[derive(Serialize)]
struct ExportedReport {
    tracking_code: String,
    created_at: Option<String>,
    description: String,
    address: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    service_code: String,
    language: String,
    answers: std::collections::BTreeMap<String, String>,
    photos: Vec<String>,
    contact: ExportedContact,
}

#[derive(Serialize)]
struct ExportedContact {
    name: String,
    email: String,
    phone: String,
    handle: String,
}

#[derive(Serialize)]
struct ExportedConversation {
    description: String,
    latitude: Option<f64>,
    longitude: Option<f64>,
    expires_at: Option<String>,
}

#[derive(Serialize)]
struct ExportedReply {
    request: serde_json::Value,
    state: String,
    created_at: Option<String>,
}

#[derive(Serialize)]
struct ExportedQuestion {
    tracking_code: String,
    asked_at: Option<String>,
    state: String,
}

fn rfc3339(time: Option<&prost_types::Timestamp>) -> Option<String> {
    from_timestamp(time).map(|t| t.to_rfc3339())
}

impl Export {
    fn of(reporter: &ReporterId, export: ExportReporterDataResponse) -> Self {
        Self {
            channel: format!("{:?}", reporter.channel).to_lowercase(),
            id: reporter.id.clone(),
            reports: export
                .reports
                .into_iter()
                .map(|r| {
                    let contact = r.reporter.unwrap_or_default();
                    ExportedReport {
                        created_at: rfc3339(r.create_time.as_ref()),
                        latitude: r.location.map(|l| l.latitude),
                        longitude: r.location.map(|l| l.longitude),
                        tracking_code: r.tracking_code,
                        description: r.description,
                        address: r.address,
                        service_code: r.service_code,
                        language: r.language_code,
                        answers: r.attributes.into_iter().collect(),
                        photos: r.media_urls,
                        contact: ExportedContact {
                            name: contact.display_name,
                            email: contact.email,
                            phone: contact.phone,
                            handle: contact.handle,
                        },
                    }
                })
                .collect(),
            unfinished_conversations: export
                .conversations
                .into_iter()
                .map(|c| {
                    let located = c.latitude != 0.0 || c.longitude != 0.0;
                    ExportedConversation {
                        expires_at: rfc3339(c.expire_time.as_ref()),
                        latitude: located.then_some(c.latitude),
                        longitude: located.then_some(c.longitude),
                        description: c.description,
                    }
                })
                .collect(),
            replies: export
                .replies
                .into_iter()
                .map(|r| ExportedReply {
                    created_at: rfc3339(r.create_time.as_ref()),
                    request: serde_json::from_str(&r.body)
                        .unwrap_or(serde_json::Value::String(r.body)),
                    state: r.state,
                })
                .collect(),
            satisfaction_questions: export
                .satisfaction_questions
                .into_iter()
                .map(|q| ExportedQuestion {
                    asked_at: rfc3339(q.ask_time.as_ref()),
                    tracking_code: q.tracking_code,
                    state: q.state,
                })
                .collect(),
        }
    }
}
