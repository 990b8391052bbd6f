use tokio::sync::watch;

/// Tells this process's queue watchers that something changed. Changes made by other
/// replicas reach them by polling.
#[derive(Clone, Debug)]
pub struct QueueWatch {
    sender: watch::Sender<u64>,
}

impl Default for QueueWatch {
    fn default() -> Self {
        Self {
            sender: watch::channel(0).0,
        }
    }
}

impl QueueWatch {
    pub fn changed(&self) {
        self.sender.send_modify(|n| *n = n.wrapping_add(1));
    }

    pub fn subscribe(&self) -> watch::Receiver<u64> {
        self.sender.subscribe()
    }
}
