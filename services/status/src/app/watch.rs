use std::time::Duration;

use segnala_shared::{AppError, tracking_code::TrackingCode};
use tokio::sync::{broadcast, mpsc, watch};

use super::Statuses;
use crate::domain::{PublicState, ReportStatus};

/// How often a watcher re-reads its report anyway: another replica's projector may have
/// changed it, and this process hears only its own.
const POLL: Duration = Duration::from_secs(2);
/// How soon a watcher looks again when it heard of a change not yet committed, and
/// for how many looks it believes that news (a transaction may also roll back).
const RECHECK: Duration = Duration::from_millis(50);
const MAX_RECHECKS: u32 = 100;
/// Statuses a slow client may have waiting before the watcher waits for it.
const BUFFERED: usize = 8;

/// A report's public status changed (committed, or about to be).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusNotice {
    pub tracking_code: String,
    pub version: i64,
}

/// Tells watchers in this process which statuses the projector changed, and when the
/// service stops.
#[derive(Clone, Debug)]
pub struct StatusWatch {
    sender: broadcast::Sender<StatusNotice>,
    stopping: watch::Sender<bool>,
}

impl Default for StatusWatch {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
            stopping: watch::channel(false).0,
        }
    }
}

impl StatusWatch {
    pub fn notify(&self, notice: StatusNotice) {
        // Nobody listening is fine.
        let _ = self.sender.send(notice);
    }

    pub fn subscribe(&self) -> broadcast::Receiver<StatusNotice> {
        self.sender.subscribe()
    }

    /// Ends every watch: the server is stopping and waits for open streams.
    pub fn stop(&self) {
        self.stopping.send_replace(true);
    }

    /// Follows one report: its status now, then again after each public change, until
    /// the report is closed, the service stops or the receiver is dropped. An unknown
    /// report is an error at once.
    pub async fn follow(
        &self,
        statuses: Statuses,
        code: TrackingCode,
    ) -> Result<mpsc::Receiver<Result<ReportStatus, AppError>>, AppError> {
        // Listening before the first read: no change falls between the two.
        let notices = self.subscribe();
        let first = statuses.get(&code).await?;
        let (sender, receiver) = mpsc::channel(BUFFERED);
        let follower = Follower {
            statuses,
            code,
            notices,
            stopping: self.stopping.subscribe(),
            sender,
        };
        tokio::spawn(follower.run(first));
        Ok(receiver)
    }
}

struct Follower {
    statuses: Statuses,
    code: TrackingCode,
    notices: broadcast::Receiver<StatusNotice>,
    stopping: watch::Receiver<bool>,
    sender: mpsc::Sender<Result<ReportStatus, AppError>>,
}

impl Follower {
    async fn run(mut self, first: ReportStatus) {
        let mut seen = first.version;
        // The newest version this process announced for the report.
        let mut announced = seen;
        let mut rechecks = 0;
        if !self.send(first).await {
            return;
        }
        let mut poll = tokio::time::interval(POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        poll.tick().await;
        loop {
            tokio::select! {
                () = self.sender.closed() => return,
                _ = self.stopping.wait_for(|stop| *stop) => return,
                notice = self.notices.recv() => match notice {
                    Ok(notice) if notice.tracking_code == self.code.as_str() => {
                        announced = announced.max(notice.version);
                    }
                    Ok(_) => continue,
                    // Missed some: the read below catches up.
                    Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return,
                },
                () = tokio::time::sleep(RECHECK), if announced > seen => {}
                _ = poll.tick() => {}
            }
            match self.statuses.get(&self.code).await {
                Ok(status) if status.version > seen => {
                    seen = status.version;
                    rechecks = 0;
                    if !self.send(status).await {
                        return;
                    }
                }
                Ok(_) if announced > seen => {
                    rechecks += 1;
                    if rechecks >= MAX_RECHECKS {
                        announced = seen;
                        rechecks = 0;
                    }
                }
                Ok(_) => {}
                Err(error) => {
                    let _ = self.sender.send(Err(error)).await;
                    return;
                }
            }
        }
    }

    /// Sends a status; false when the watch is over (client gone, or report closed).
    async fn send(&self, status: ReportStatus) -> bool {
        let closed = status.state == PublicState::Closed;
        self.sender.send(Ok(status)).await.is_ok() && !closed
    }
}
