//! `segnala bench`: drives reports into a running platform and measures, end to end,
//! how fast they are accepted, routed, given a work order and shown in public, with
//! the machine's own RabbitMQ and PostgreSQL figures beside them (`--baseline`).

mod baseline;
mod drive;
mod observe;
mod open311;
mod stats;
mod workload;

use std::{
    collections::BTreeMap,
    path::PathBuf,
    sync::Arc,
    time::{Duration, SystemTime},
};

use segnala_proto::{
    intake::v1::intake_service_client::IntakeServiceClient,
    status::v1::status_service_client::StatusServiceClient,
    tracking::v1::tracking_service_client::TrackingServiceClient,
    triage::v1::triage_service_client::TriageServiceClient,
};
use segnala_shared::config::SecretString;
use serde::Serialize;
use tokio::sync::{mpsc, watch};

pub use baseline::{Baseline, BaselineTargets};
pub use drive::Stop;
pub use open311::Open311Client;
pub use stats::Summary;
use workload::Workload;

use crate::settings::default_listen;

use super::{
    CommandError,
    client::{Intercepted, KeyArgs, TrustArgs, connect as connect_client},
};

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// Reports per second; omit to send as fast as the workers can.
    #[arg(long)]
    rate: Option<f64>,
    /// Stop after this many reports.
    #[arg(long, conflicts_with = "duration")]
    count: Option<u64>,
    /// Stop sending after this many seconds (default 10 when --count is not given).
    #[arg(long)]
    duration: Option<f64>,
    /// Reports in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
    /// How reports go in: the gRPC API or Open311.
    #[arg(long, value_enum, default_value_t = Via::Grpc)]
    via: Via,
    /// Seconds to wait, after sending stops, for the last reports to show in public.
    #[arg(long, default_value_t = 60.0)]
    drain: f64,
    /// Follow one report in this many closely, for latencies (default: about 100 a
    /// second at the chosen rate, one in ten flat out). Every report is still checked
    /// once sending stops.
    #[arg(long)]
    follow_every: Option<u64>,
    /// Seed of the generated reports.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// The share of reports (0 to 1) that repeat a problem reported a moment before, a
    /// few metres away, as when many citizens see the same fallen tree: triage merges
    /// them into its incident.
    #[arg(long, default_value_t = 0.0, value_parser = share)]
    duplicates: f64,
    /// First send at the same rate for this many seconds, unmeasured, and wait until
    /// those reports have settled: the figures are then of a platform that has run for
    /// a while, whose connections are open and whose caches are filled, not of its
    /// first seconds.
    #[arg(long, default_value_t = 0.0)]
    warmup: f64,
    /// Also measure the machine without Segnala: RabbitMQ round trips and single-row
    /// commits (PostgreSQL with --database-url, else SQLite).
    #[arg(long)]
    baseline: bool,
    /// PostgreSQL for the baseline.
    #[arg(long, env = "SEGNALA_BENCH_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// RabbitMQ for the baseline.
    #[arg(long, env = "SEGNALA_BENCH_AMQP_URL", hide_env_values = true)]
    amqp_url: Option<String>,
    /// Processes whose peak resident memory to report (the services' PIDs).
    #[arg(long = "watch-pid")]
    watch_pids: Vec<u32>,
    #[arg(
        long,
        env = "SEGNALA_INTAKE_URL",
        default_value_t = default_listen::url(default_listen::INTAKE_PORT)
    )]
    intake_url: String,
    #[arg(
        long,
        env = "SEGNALA_TRIAGE_URL",
        default_value_t = default_listen::url(default_listen::TRIAGE_PORT)
    )]
    triage_url: String,
    #[arg(
        long,
        env = "SEGNALA_TRACKING_URL",
        default_value_t = default_listen::url(default_listen::TRACKING_PORT)
    )]
    tracking_url: String,
    #[arg(
        long,
        env = "SEGNALA_STATUS_URL",
        default_value_t = default_listen::url(default_listen::STATUS_PORT)
    )]
    status_url: String,
    /// Intake's HTTP address, for --via open311.
    #[arg(
        long,
        env = "SEGNALA_OPEN311_URL",
        default_value_t = default_listen::url(default_listen::INTAKE_HTTP_PORT)
    )]
    open311_url: String,
    // The API key must be allowed to submit and to read decisions and work orders
    // (operator or admin).
    #[command(flatten)]
    client: KeyArgs,
    /// Measure intake alone: count accepted reports and check afterwards that intake
    /// stored every one, without following them through the other services (which
    /// need not run).
    #[arg(long)]
    intake_only: bool,
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Grpc,
    Open311,
}

/// The platform's clients; triage and tracking only for the stage breakdown.
#[derive(Clone)]
pub struct Clients {
    pub intake: IntakeServiceClient<Intercepted>,
    /// Absent when only intake is measured.
    pub status: Option<StatusServiceClient<Intercepted>>,
    pub triage: Option<TriageServiceClient<Intercepted>>,
    pub tracking: Option<TrackingServiceClient<Intercepted>>,
    /// Makes external ids unique to this run.
    pub run_id: String,
}

/// Where the platform is and how to reach it.
#[derive(Clone, Debug)]
pub struct Target {
    pub intake_url: String,
    pub triage_url: Option<String>,
    pub tracking_url: Option<String>,
    pub status_url: String,
    pub open311_url: Option<String>,
    pub api_key: Option<SecretString>,
    /// A certificate to trust for https:// URLs besides the web's roots.
    pub ca_cert: Option<PathBuf>,
}

/// What to drive.
#[derive(Clone, Debug)]
pub struct Plan {
    pub via: Via,
    pub rate: Option<f64>,
    pub stop: Stop,
    pub concurrency: usize,
    pub drain: Duration,
    pub follow_every: u64,
    pub seed: u64,
    /// The share of reports that repeat a recent problem.
    pub duplicates: f64,
    /// Stop at intake: check that it stored every accepted report, follow none further.
    pub intake_only: bool,
}

/// The figures of one run.
#[derive(Debug, Serialize)]
pub struct BenchReport {
    pub via: Via,
    pub intake_only: bool,
    pub target_rate: Option<f64>,
    pub sent: u64,
    pub accepted: u64,
    pub refused: u64,
    pub first_error: Option<String>,
    pub sending_seconds: f64,
    /// Accepted reports per second while sending.
    pub accepted_per_second: f64,
    /// Reports settled in public per second, from the first send to the last one.
    pub end_to_end_per_second: f64,
    /// Reports seen settled in public (routed and given a work order, merged, put in
    /// review or rejected).
    pub settled: u64,
    /// Settled reports that joined another report's incident.
    pub merged: u64,
    /// Latencies are of one report in this many.
    pub followed_one_in: u64,
    pub stages: BTreeMap<&'static str, Summary>,
    /// Accepted reports not yet settled, once a second (estimated from the followed
    /// ones while sending).
    pub backlog: Vec<u64>,
    pub backlog_when_sending_stopped: u64,
    /// Accepted and never shown in public before the drain deadline.
    pub lost: usize,
    pub lost_codes: Vec<String>,
    pub final_states: BTreeMap<String, u64>,
    pub status_poll_ms: u64,
    /// Followed reports whose stage times could not be read, and why the first not.
    pub stages_unread: u64,
    pub stages_unread_why: Option<String>,
    /// Followed reports that joined an order opened before they were sent (not timed).
    pub joined_earlier_order: u64,
    pub peak_memory_mb: BTreeMap<u32, f64>,
    pub baseline: Option<Baseline>,
}

pub async fn run(args: BenchArgs) -> Result<(), CommandError> {
    let target = Target {
        intake_url: args.intake_url.clone(),
        triage_url: Some(args.triage_url.clone()),
        tracking_url: Some(args.tracking_url.clone()),
        status_url: args.status_url.clone(),
        open311_url: Some(args.open311_url.clone()),
        api_key: args.client.key(),
        ca_cert: args.client.trust.ca_cert.clone(),
    };
    let stop = match (args.count, args.duration) {
        (Some(count), _) => Stop::After(count),
        (None, Some(seconds)) => Stop::Within(Duration::from_secs_f64(seconds)),
        (None, None) => Stop::Within(Duration::from_secs(10)),
    };
    let plan = Plan {
        via: args.via,
        rate: args.rate.filter(|rate| *rate > 0.0),
        stop,
        concurrency: args.concurrency.max(1),
        drain: Duration::from_secs_f64(args.drain.max(0.0)),
        follow_every: args.follow_every.unwrap_or_else(|| {
            args.rate
                .map_or(10, |rate| (rate / 100.0).ceil().max(1.0) as u64)
        }),
        seed: args.seed,
        duplicates: args.duplicates,
        intake_only: args.intake_only,
    };
    let baseline_targets = args.baseline.then(|| BaselineTargets {
        database_url: args.database_url.clone(),
        amqp_url: args.amqp_url.clone(),
        concurrency: plan.concurrency,
        message_size: 400,
    });
    let progress = !args.json;
    if args.warmup > 0.0 {
        warm_up(
            &target,
            &plan,
            Duration::from_secs_f64(args.warmup),
            progress,
        )
        .await?;
    }
    let mut report = drive(&target, &plan, progress).await?;
    report.peak_memory_mb = args
        .watch_pids
        .iter()
        .filter_map(|pid| Some((*pid, peak_resident_mb(*pid)?)))
        .collect();
    if let Some(targets) = baseline_targets {
        report.baseline = Some(baseline::measure(&targets).await?);
    }
    if args.json {
        outln!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        out!("{}", describe(&report));
    }
    if report.lost > 0 {
        return Err(CommandError::new(format!(
            "{} accepted report(s) never showed in public",
            report.lost
        )));
    }
    Ok(())
}

/// Drives `plan` for `length`, with reports of their own, and waits until they have
/// all settled; returns how many were accepted, or fails if any is lost.
pub async fn warm_up(
    target: &Target,
    plan: &Plan,
    length: Duration,
    progress: bool,
) -> Result<u64, CommandError> {
    // Other reports than the measured run's: with the same ones, the measured reports
    // would join the incidents the warm-up opened.
    const OTHER_REPORTS: u64 = 0x5741_524d;
    let warmup = Plan {
        stop: Stop::Within(length),
        seed: plan.seed ^ OTHER_REPORTS,
        ..plan.clone()
    };
    let warmed = drive(target, &warmup, false).await?;
    if warmed.lost > 0 {
        return Err(CommandError::new(format!(
            "warming up: {} accepted report(s) never showed in public",
            warmed.lost
        )));
    }
    if progress {
        eprintln!(
            "  warmed up: {} reports in {:.0} s, all settled",
            warmed.accepted, warmed.sending_seconds
        );
    }
    Ok(warmed.accepted)
}

/// Drives `plan` into the platform at `target` and measures it.
pub async fn drive(
    target: &Target,
    plan: &Plan,
    progress: bool,
) -> Result<BenchReport, CommandError> {
    let clients = connect(target, plan.intake_only).await?;
    let submitter = match plan.via {
        Via::Grpc => drive::Submitter::Grpc(Box::new(clients.clone())),
        Via::Open311 => {
            let url = target
                .open311_url
                .as_deref()
                .ok_or_else(|| CommandError::new("--via open311 needs intake's HTTP address"))?;
            drive::Submitter::Open311(Open311Client::connect(url, target.api_key.clone()).await?)
        }
    };
    let drive = Arc::new(drive::Drive::new(
        submitter,
        plan.rate,
        plan.stop,
        Workload::new(plan.seed, plan.duplicates),
    ));
    let (accepted_tx, accepted_rx) = mpsc::unbounded_channel();
    let (stopped_tx, stopped_rx) = watch::channel(false);
    let observer = if plan.intake_only {
        tokio::spawn(observe::stored_by_intake(clients.clone(), accepted_rx))
    } else {
        tokio::spawn(observe::observe(
            clients.clone(),
            accepted_rx,
            stopped_rx,
            plan.drain,
            plan.follow_every,
        ))
    };
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..plan.concurrency {
        workers.spawn(drive::worker(drive.clone(), accepted_tx.clone()));
    }
    drop(accepted_tx);
    let ticker = progress.then(|| tokio::spawn(show_progress(drive.clone())));
    workers.join_all().await;
    let sending_seconds = drive.started.elapsed().as_secs_f64();
    let _ = stopped_tx.send(true);
    if let Some(ticker) = ticker {
        ticker.abort();
        eprintln!();
    }
    let observed = observer
        .await
        .map_err(|e| CommandError::new(format!("the observer failed: {e}")))?;
    if let Some(failure) = observed.failure {
        return Err(CommandError::new(failure));
    }

    let sent = drive.sent.load(std::sync::atomic::Ordering::Relaxed);
    let refused = drive.refused.load(std::sync::atomic::Ordering::Relaxed);
    let accepted = sent - refused;
    let accept = drive.accept_latency.lock().await.summary();
    // By the status service's clock when it says when the last report settled: polling a
    // large backlog once it is all sent takes the harness a while, and that is not the
    // platform's time.
    let started_wall = SystemTime::now() - drive.started.elapsed();
    let end_to_end_seconds = observed
        .last_change
        .and_then(|last| last.duration_since(started_wall).ok())
        .map(|d| d.as_secs_f64())
        .or_else(|| {
            observed
                .last_settled
                .map(|last| last.duration_since(drive.started).as_secs_f64())
        })
        .unwrap_or(sending_seconds);
    let mut stages = BTreeMap::new();
    stages.insert("1 intake accepted", accept);
    stages.insert("2 routed", observed.routed.summary());
    stages.insert("3 work order created", observed.work_order.summary());
    stages.insert("4 status visible", observed.visible.summary());
    Ok(BenchReport {
        via: plan.via,
        intake_only: plan.intake_only,
        target_rate: plan.rate,
        sent,
        accepted,
        refused,
        first_error: drive.first_error.lock().await.clone(),
        sending_seconds,
        accepted_per_second: accepted as f64 / sending_seconds.max(1e-9),
        end_to_end_per_second: observed.settled as f64 / end_to_end_seconds.max(1e-9),
        settled: observed.settled,
        followed_one_in: plan.follow_every,
        stages,
        backlog: observed.backlog,
        backlog_when_sending_stopped: observed.backlog_when_sending_stopped,
        lost: observed.missing.len(),
        lost_codes: observed.missing.into_iter().take(20).collect(),
        final_states: observed.states,
        merged: observed.merged,
        status_poll_ms: observe::POLL_EVERY.as_millis() as u64,
        stages_unread: observed.stages_unread,
        stages_unread_why: observed.stages_unread_why,
        joined_earlier_order: observed.joined_earlier_order,
        peak_memory_mb: BTreeMap::new(),
        baseline: None,
    })
}

async fn connect(target: &Target, intake_only: bool) -> Result<Clients, CommandError> {
    let key = || target.api_key.clone();
    let trust = &TrustArgs {
        ca_cert: target.ca_cert.clone(),
    };
    // An intake-only run needs none of the services after intake.
    let (triage_url, tracking_url) = if intake_only {
        (None, None)
    } else {
        (target.triage_url.as_deref(), target.tracking_url.as_deref())
    };
    let triage = match triage_url {
        Some(url) => Some(connect_client(url, trust, key(), TriageServiceClient::new).await?),
        None => None,
    };
    let tracking = match tracking_url {
        Some(url) => Some(connect_client(url, trust, key(), TrackingServiceClient::new).await?),
        None => None,
    };
    let status = if intake_only {
        None
    } else {
        Some(connect_client(&target.status_url, trust, key(), StatusServiceClient::new).await?)
    };
    Ok(Clients {
        intake: connect_client(&target.intake_url, trust, key(), IntakeServiceClient::new).await?,
        status,
        triage,
        tracking,
        run_id: uuid::Uuid::now_v7().simple().to_string(),
    })
}

async fn show_progress(drive: Arc<drive::Drive>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.tick().await;
    loop {
        tick.tick().await;
        let sent = drive.sent.load(std::sync::atomic::Ordering::Relaxed);
        let refused = drive.refused.load(std::sync::atomic::Ordering::Relaxed);
        let seconds = drive.started.elapsed().as_secs_f64();
        eprint!(
            "\r  {seconds:>5.0} s  sent {sent:>8}  refused {refused:>6}  {:>7.0} reports/s ",
            sent as f64 / seconds
        );
    }
}

/// The peak resident memory of a process, from /proc (Linux).
fn peak_resident_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// The report for people.
pub fn describe(report: &BenchReport) -> String {
    let mut text = String::new();
    let rate = report
        .target_rate
        .map_or("as fast as possible".to_owned(), |r| {
            format!("{r} reports/s")
        });
    text.push_str(&format!("Segnala bench via {:?}, {rate}\n", report.via));
    text.push_str(&format!(
        "  sent {} in {:.1} s: {} accepted ({:.0}/s), {} refused\n",
        report.sent,
        report.sending_seconds,
        report.accepted,
        report.accepted_per_second,
        report.refused
    ));
    if let Some(error) = &report.first_error {
        text.push_str(&format!("  first refusal: {error}\n"));
    }
    if report.intake_only {
        text.push_str(&format!(
            "  intake stored {} of the {} accepted; {} lost\n",
            report.settled, report.accepted, report.lost
        ));
        let accepted = report.stages.iter().take(1);
        let rows: Vec<(&str, Summary)> = accepted.map(|(k, v)| (&k[2..], *v)).collect();
        text.push_str(&stats::table(&rows));
    } else {
        text.push_str(&describe_platform(report));
    }
    for (pid, mb) in &report.peak_memory_mb {
        text.push_str(&format!(
            "  peak resident memory of pid {pid}: {mb:.0} MB\n"
        ));
    }
    if let Some(baseline) = &report.baseline {
        text.push_str(&baseline::describe(baseline, report));
    }
    text
}

/// What the platform did with the reports, stage by stage.
fn describe_platform(report: &BenchReport) -> String {
    let mut text = String::new();
    text.push_str(&format!(
        "  end to end: {} settled in public, {:.0}/s; backlog ~{} when sending stopped; {} lost\n",
        report.settled,
        report.end_to_end_per_second,
        report.backlog_when_sending_stopped,
        report.lost
    ));
    let rows: Vec<(&str, Summary)> = report.stages.iter().map(|(k, v)| (&k[2..], *v)).collect();
    text.push_str(&stats::table(&rows));
    text.push_str(&format!(
        "  (latencies of one report in {}; status polled every {} ms, or every 1/{} of a report's age once longer; stages 2-3 by the services' own clocks)\n",
        report.followed_one_in,
        report.status_poll_ms,
        observe::POLL_SHARE_OF_AGE
    ));
    if let Some(why) = &report.stages_unread_why {
        text.push_str(&format!(
            "  stages 2-3 not read for {} followed reports: {why}\n",
            report.stages_unread
        ));
    }
    if report.joined_earlier_order > 0 {
        text.push_str(&format!(
            "  work order created: not timed for {} followed reports that joined an order opened before they were sent\n",
            report.joined_earlier_order
        ));
    }
    let states: Vec<String> = report
        .final_states
        .iter()
        .map(|(state, count)| format!("{state} {count}"))
        .collect();
    text.push_str(&format!("  final states: {}\n", states.join(", ")));
    if report.merged > 0 {
        text.push_str(&format!(
            "  merged into another report's incident: {}\n",
            report.merged
        ));
    }
    let backlog: Vec<String> = report.backlog.iter().map(u64::to_string).collect();
    text.push_str(&format!("  backlog each second: {}\n", backlog.join(" ")));
    text
}

fn share(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(share) if (0.0..=1.0).contains(&share) => Ok(share),
        _ => Err(format!("`{text}` is not a share between 0 and 1")),
    }
}
