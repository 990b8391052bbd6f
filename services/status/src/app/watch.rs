use tokio::sync::broadcast;

/// A report's public status changed (committed, or about to be).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusNotice {
    pub tracking_code: String,
    pub version: i64,
}

/// Tells watchers in this process which statuses the projector changed.
#[derive(Clone, Debug)]
pub struct StatusWatch {
    sender: broadcast::Sender<StatusNotice>,
}

impl Default for StatusWatch {
    fn default() -> Self {
        Self {
            sender: broadcast::channel(1024).0,
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
}
