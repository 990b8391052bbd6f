//! Follows every accepted report until the public status shows where it went, and for
//! a sample asks triage and tracking when they acted, from their own records.

use std::{
    collections::{BTreeMap, HashMap, HashSet},
    sync::Arc,
    time::{Duration, Instant, SystemTime},
};

use segnala_proto::{
    intake::v1::ListReportsRequest,
    status::v1::{BatchGetReportStatusesRequest, PublicState, ReportStatus, ReportStatusView},
    tracking::v1::ListWorkOrdersRequest,
    triage::v1::GetDecisionRequest,
};
use tokio::sync::{Mutex, mpsc, watch};

use super::{Clients, drive::Accepted, stats::Latencies};

/// At most this many codes per status call.
const BATCH: usize = 200;
/// Pause between polling rounds: the finest resolution of the "status visible" stage.
pub const POLL_EVERY: Duration = Duration::from_millis(10);
/// A report waiting longer is polled less often: at most every this share of its age, so
/// that a backlog's polling does not load the status service more than the reports do,
/// while the measured latency stays within this share of the true one.
pub const POLL_SHARE_OF_AGE: u32 = 50;

/// Reports not followed are only checked for having settled, not timed: every this share
/// of their age, within `CHECK_EVERY..=CHECK_AT_LEAST`. After a surge tens of thousands
/// wait, and checking each once a second would load the platform that drains them; the
/// end-to-end figure does not depend on it, as it takes the status service's own time of
/// the last change.
const CHECK_SHARE_OF_AGE: u32 = 10;
const CHECK_EVERY: Duration = Duration::from_secs(1);
const CHECK_AT_LEAST: Duration = Duration::from_secs(5);

/// When a report of age `age` is polled again.
fn poll_interval(age: Duration, followed: bool) -> Duration {
    if followed {
        (age / POLL_SHARE_OF_AGE).max(POLL_EVERY)
    } else {
        (age / CHECK_SHARE_OF_AGE).clamp(CHECK_EVERY, CHECK_AT_LEAST)
    }
}

/// What the observer measured.
#[derive(Default)]
pub struct Observed {
    /// Latencies of the followed reports.
    pub visible: Latencies,
    pub routed: Latencies,
    pub work_order: Latencies,
    /// Final public state of every report seen settled.
    pub states: BTreeMap<String, u64>,
    pub settled: u64,
    /// Settled reports that joined another report's incident.
    pub merged: u64,
    /// Accepted reports not yet settled, estimated from the followed ones once a second.
    pub backlog: Vec<u64>,
    pub backlog_when_sending_stopped: u64,
    /// Accepted but never settled before the drain deadline.
    pub missing: Vec<String>,
    pub last_settled: Option<Instant>,
    /// The latest public change among the settled reports, by the status service's clock:
    /// when the last of them really settled, however long the harness took to look.
    pub last_change: Option<SystemTime>,
    /// Followed reports whose routing or work-order time could not be read, and why
    /// the first could not.
    pub stages_unread: u64,
    pub stages_unread_why: Option<String>,
    /// Followed reports that joined a work order opened before they were sent: their
    /// incident's, so there is no creation of theirs to time.
    pub joined_earlier_order: u64,
    /// Why following stopped early, when it did.
    pub failure: Option<String>,
}

struct Pending {
    due: Instant,
    due_wall: SystemTime,
    /// Not polled before this.
    next_poll: Instant,
    /// Followed reports are polled while sending, for their latency; the others only
    /// once sending has stopped, to prove that none is lost.
    followed: bool,
}

/// Follows one report in `follow_every` closely (polling the status service for all
/// of them would load it more than the reports do), and checks every report once
/// sending has stopped. Runs until then every report has settled, or `drain` has
/// passed.
pub async fn observe(
    clients: Clients,
    mut accepted: mpsc::UnboundedReceiver<Accepted>,
    mut sending_stopped: watch::Receiver<bool>,
    drain: Duration,
    follow_every: u64,
) -> Observed {
    let Some(status_service) = clients.status.clone() else {
        return Observed {
            failure: Some("following reports needs the status service".into()),
            ..Observed::default()
        };
    };
    let observed = Arc::new(Mutex::new(Observed::default()));
    let mut pending: HashMap<String, Pending> = HashMap::new();
    let mut received = 0_u64;
    let mut stopped_at: Option<Instant> = None;
    let mut next_sample = Instant::now();
    let mut stage_tasks = tokio::task::JoinSet::new();
    let mut channel_open = true;
    let mut final_look = false;
    let follow_every = follow_every.max(1);
    let mut take = |pending: &mut HashMap<String, Pending>, report: Accepted| {
        pending.insert(
            report.tracking_code,
            Pending {
                due: report.due,
                due_wall: report.due_wall,
                next_poll: report.due,
                followed: received.is_multiple_of(follow_every),
            },
        );
        received += 1;
    };
    'polling: loop {
        while let Ok(report) = accepted.try_recv() {
            take(&mut pending, report);
        }
        let followed_pending = pending.values().filter(|p| p.followed).count() as u64;
        if stopped_at.is_none() && *sending_stopped.borrow() {
            // Whatever the workers sent before stopping is in the channel now.
            while let Ok(report) = accepted.try_recv() {
                take(&mut pending, report);
            }
            stopped_at = Some(Instant::now());
            observed.lock().await.backlog_when_sending_stopped = followed_pending * follow_every;
        }
        if Instant::now() >= next_sample {
            let estimate = if stopped_at.is_some() {
                pending.len() as u64
            } else {
                followed_pending * follow_every
            };
            observed.lock().await.backlog.push(estimate);
            next_sample += Duration::from_secs(1);
        }
        if let Some(stopped) = stopped_at {
            if pending.is_empty() || (final_look && stopped.elapsed() >= drain) {
                break;
            }
            if stopped.elapsed() >= drain {
                // One last look at every report still waiting before calling it lost.
                final_look = true;
                let now = Instant::now();
                pending
                    .values_mut()
                    .for_each(|report| report.next_poll = now);
            }
        }

        // The followed first, so that their latency stays precise while the rest is
        // checked after sending has stopped.
        let now = Instant::now();
        let due = |p: &Pending| p.next_poll <= now;
        let mut codes: Vec<&String> = pending
            .iter()
            .filter(|(_, p)| p.followed && due(p))
            .map(|(code, _)| code)
            .collect();
        if stopped_at.is_some() {
            codes.extend(
                pending
                    .iter()
                    .filter(|(_, p)| !p.followed && due(p))
                    .map(|(c, _)| c),
            );
        }
        let codes: Vec<String> = codes.into_iter().cloned().collect();
        for chunk in codes.chunks(BATCH) {
            let statuses = match status_service
                .clone()
                .batch_get_report_statuses(BatchGetReportStatusesRequest {
                    tracking_codes: chunk.to_vec(),
                    // Whether a report has settled is in the status itself: reading
                    // the timelines too would load the service for nothing.
                    view: ReportStatusView::Basic as i32,
                    ..Default::default()
                })
                .await
            {
                Ok(response) => response.into_inner().statuses,
                Err(status) if is_lasting(&status) => {
                    observed.lock().await.failure = Some(format!(
                        "the status service refused BatchGetReportStatuses: {}",
                        status.message()
                    ));
                    break 'polling;
                }
                Err(status) => {
                    tracing::warn!(error = %status.message(), "status service did not answer");
                    Vec::new()
                }
            };
            let seen = Instant::now();
            for code in chunk {
                if let Some(report) = pending.get_mut(code) {
                    report.next_poll =
                        seen + poll_interval(seen.duration_since(report.due), report.followed);
                }
            }
            let mut state = observed.lock().await;
            for status in statuses {
                if !is_settled(&status) {
                    continue;
                }
                let Some(report) = pending.remove(&status.tracking_code) else {
                    continue;
                };
                state.settled += 1;
                state.last_settled = Some(seen);
                let changed = status
                    .update_time
                    .and_then(|t| SystemTime::try_from(t).ok());
                state.last_change = state.last_change.max(changed);
                *state.states.entry(state_name(&status)).or_default() += 1;
                if !status.duplicate_of.is_empty() {
                    state.merged += 1;
                }
                if report.followed {
                    state.visible.record(seen.duration_since(report.due));
                    stage_tasks.spawn(stage_times(
                        clients.clone(),
                        status.tracking_code.clone(),
                        report.due_wall,
                        observed.clone(),
                    ));
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL_EVERY) => {}
            changed = sending_stopped.changed(), if channel_open => {
                channel_open = changed.is_ok();
            }
        }
    }
    stage_tasks.join_all().await;
    let mut result = std::mem::take(&mut *observed.lock().await);
    result.missing = pending.into_keys().collect();
    result
}

/// Collects every accepted report until sending ends, then reads intake's whole list
/// and names those it does not hold.
pub async fn stored_by_intake(
    clients: Clients,
    mut accepted: mpsc::UnboundedReceiver<Accepted>,
) -> Observed {
    let mut codes = HashSet::new();
    while let Some(report) = accepted.recv().await {
        codes.insert(report.tracking_code);
    }
    let mut observed = Observed::default();
    let mut page_token = String::new();
    loop {
        let page = match clients
            .intake
            .clone()
            .list_reports(ListReportsRequest {
                page_size: 1000,
                page_token: page_token.clone(),
                ..ListReportsRequest::default()
            })
            .await
        {
            Ok(page) => page.into_inner(),
            Err(status) => {
                observed.failure =
                    Some(format!("intake refused ListReports: {}", status.message()));
                return observed;
            }
        };
        for report in page.reports {
            if codes.remove(&report.tracking_code) {
                observed.settled += 1;
            }
        }
        if page.next_page_token.is_empty() {
            break;
        }
        page_token = page.next_page_token;
    }
    observed.last_settled = Some(Instant::now());
    observed.states.insert("stored".into(), observed.settled);
    observed.missing = codes.into_iter().collect();
    observed
}

/// Errors that waiting will not cure.
fn is_lasting(status: &tonic::Status) -> bool {
    matches!(
        status.code(),
        tonic::Code::Unauthenticated
            | tonic::Code::PermissionDenied
            | tonic::Code::Unimplemented
            | tonic::Code::InvalidArgument
    )
}

/// Settled: triage and, when it routed the report, tracking and status have all acted.
fn is_settled(status: &ReportStatus) -> bool {
    !matches!(
        PublicState::try_from(status.state),
        Ok(PublicState::Unspecified | PublicState::Received) | Err(_)
    )
}

fn state_name(status: &ReportStatus) -> String {
    PublicState::try_from(status.state)
        .map(|state| {
            state
                .as_str_name()
                .trim_start_matches("PUBLIC_STATE_")
                .to_lowercase()
        })
        .unwrap_or_else(|_| status.state.to_string())
}

/// When triage decided and tracking opened the order, by their own clocks (this
/// machine's), from when the report was due.
async fn stage_times(
    clients: Clients,
    tracking_code: String,
    due_wall: SystemTime,
    observed: Arc<Mutex<Observed>>,
) {
    let since_due = |time: Option<prost_types::Timestamp>| {
        let time = SystemTime::try_from(time?).ok()?;
        time.duration_since(due_wall).ok()
    };
    let routed = match clients.triage.clone() {
        Some(mut triage) => triage
            .get_decision(GetDecisionRequest {
                name: format!("reports/{tracking_code}/decision"),
            })
            .await
            .map(|r| {
                r.into_inner()
                    .decision
                    .and_then(|d| since_due(d.decide_time))
            }),
        None => Ok(None),
    };
    let work_order = match clients.tracking.clone() {
        Some(mut tracking) => tracking
            .list_work_orders(ListWorkOrdersRequest {
                report: format!("reports/{tracking_code}"),
                page_size: 1,
                ..Default::default()
            })
            .await
            .map(|r| {
                // Some(None): the report joined an order opened before it was sent.
                r.into_inner()
                    .work_orders
                    .first()
                    .map(|o| since_due(o.create_time))
            }),
        None => Ok(None),
    };
    let mut state = observed.lock().await;
    let (routed, work_order) = match (routed, work_order) {
        (Ok(routed), Ok(work_order)) => (routed, work_order),
        (Err(status), _) | (_, Err(status)) => {
            state.stages_unread += 1;
            state
                .stages_unread_why
                .get_or_insert_with(|| format!("{:?}: {}", status.code(), status.message()));
            return;
        }
    };
    if let Some(routed) = routed {
        state.routed.record(routed);
    }
    match work_order {
        Some(Some(created)) => state.work_order.record(created),
        Some(None) => state.joined_earlier_order += 1,
        None => {}
    }
}
