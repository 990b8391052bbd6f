//! Sends reports on a schedule: a fixed rate shared by the workers, or as fast as they
//! can. Latency counts from the moment a report was due, not from when a late worker
//! got round to it, so a slow platform cannot hide its queueing.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant, SystemTime},
};

use segnala_proto::{
    common::v1::{Channel as ChannelPb, LatLng},
    intake::v1::{CreateReportRequest, Report},
};
use tokio::sync::{Mutex, mpsc};

use super::{
    Clients, Open311Client,
    stats::Latencies,
    workload::{GeneratedReport, Workload},
};

/// How reports go in.
#[derive(Clone)]
pub enum Submitter {
    Grpc(Box<Clients>),
    Open311(Open311Client),
}

/// When to stop sending.
#[derive(Clone, Copy, Debug)]
pub enum Stop {
    After(u64),
    Within(Duration),
}

/// A report intake accepted, for the observer to follow.
#[derive(Debug)]
pub struct Accepted {
    pub tracking_code: String,
    /// When it was due to be sent.
    pub due: Instant,
    pub due_wall: SystemTime,
}

/// What the workers share.
pub struct Drive {
    pub submitter: Submitter,
    pub rate: Option<f64>,
    pub stop: Stop,
    pub started: Instant,
    next_index: AtomicU64,
    pub sent: AtomicU64,
    pub refused: AtomicU64,
    pub accept_latency: Mutex<Latencies>,
    pub first_error: Mutex<Option<String>>,
    workload: Mutex<Workload>,
}

impl Drive {
    pub fn new(submitter: Submitter, rate: Option<f64>, stop: Stop, workload: Workload) -> Self {
        Self {
            submitter,
            rate,
            stop,
            started: Instant::now(),
            next_index: AtomicU64::new(0),
            sent: AtomicU64::new(0),
            refused: AtomicU64::new(0),
            accept_latency: Mutex::new(Latencies::default()),
            first_error: Mutex::new(None),
            workload: Mutex::new(workload),
        }
    }

    /// The next report's index and when it is due, or `None` when the drive is over.
    fn next_slot(&self) -> Option<(u64, Instant)> {
        let index = self.next_index.fetch_add(1, Ordering::Relaxed);
        let due = match self.rate {
            Some(rate) => self.started + Duration::from_secs_f64(index as f64 / rate),
            None => Instant::now(),
        };
        let over = match self.stop {
            Stop::After(count) => index >= count,
            Stop::Within(duration) => due.duration_since(self.started) >= duration,
        };
        (!over).then_some((index, due))
    }
}

/// One worker: takes the next slot, waits for it, sends, hands the report on.
pub async fn worker(drive: Arc<Drive>, accepted: mpsc::UnboundedSender<Accepted>) {
    while let Some((index, due)) = drive.next_slot() {
        tokio::time::sleep_until(due.into()).await;
        let due_wall = SystemTime::now() - due.elapsed();
        let report = drive.workload.lock().await.next_report();
        let outcome = submit(&drive.submitter, &report, index).await;
        let latency = due.elapsed();
        drive.sent.fetch_add(1, Ordering::Relaxed);
        match outcome {
            Ok(tracking_code) => {
                drive.accept_latency.lock().await.record(latency);
                let _ = accepted.send(Accepted {
                    tracking_code,
                    due,
                    due_wall,
                });
            }
            Err(error) => {
                drive.refused.fetch_add(1, Ordering::Relaxed);
                let mut first = drive.first_error.lock().await;
                if first.is_none() {
                    *first = Some(error);
                }
            }
        }
    }
}

async fn submit(
    submitter: &Submitter,
    report: &GeneratedReport,
    index: u64,
) -> Result<String, String> {
    match submitter {
        Submitter::Grpc(clients) => {
            let request = CreateReportRequest {
                report: Some(Report {
                    description: report.description.clone(),
                    location: Some(LatLng {
                        latitude: report.latitude,
                        longitude: report.longitude,
                    }),
                    address: report.address.clone(),
                    channel: ChannelPb::Api as i32,
                    language_code: report.language.to_owned(),
                    external_id: format!("bench-{}-{index}", clients.run_id),
                    ..Report::default()
                }),
                request_id: uuid::Uuid::now_v7().to_string(),
            };
            let response = clients
                .intake
                .clone()
                .create_report(request)
                .await
                .map_err(|status| format!("CreateReport: {}", status.message()))?;
            Ok(response
                .into_inner()
                .report
                .map(|r| r.tracking_code)
                .unwrap_or_default())
        }
        Submitter::Open311(client) => client.post_request(report).await,
    }
}
