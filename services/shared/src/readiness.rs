//! Health that tells the truth: each service's readiness follows whether it reaches its
//! database and its broker, and comes back by itself; the server's own status ("",
//! liveness) stays SERVING while the process runs. Kubernetes stops sending calls to a
//! replica that is not ready instead of restarting it.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, Ordering},
    },
    time::Duration,
};

use sea_orm::DatabaseConnection;
use tonic_health::{ServingStatus, server::HealthReporter};

use crate::messaging::Transport;

/// How often readiness is checked; a probe every few seconds sees a change within one.
const CHECK_EVERY: Duration = Duration::from_secs(2);

/// A database that does not answer within this long is as good as gone.
const DATABASE_TIMEOUT: Duration = Duration::from_secs(3);

#[derive(Clone)]
pub struct Readiness {
    pub service: &'static str,
    pub health: HealthReporter,
    pub services: Vec<&'static str>,
    pub db: DatabaseConnection,
    pub transport: Arc<dyn Transport>,
    /// Raised when the service is told to stop: it is not ready again.
    pub stopping: Arc<AtomicBool>,
}

impl Readiness {
    /// Checks until dropped, and says so when readiness changes.
    pub async fn watch(self) {
        let mut every = tokio::time::interval(CHECK_EVERY);
        let mut was_ready = None;
        loop {
            every.tick().await;
            let database = matches!(
                tokio::time::timeout(DATABASE_TIMEOUT, self.db.ping()).await,
                Ok(Ok(()))
            );
            let broker = self.transport.ready().await;
            let ready = database && broker;
            if self.stopping.load(Ordering::Relaxed) {
                return;
            }
            if was_ready == Some(ready) {
                continue;
            }
            if ready {
                tracing::info!(service = self.service, "ready");
            } else {
                tracing::warn!(service = self.service, database, broker, "not ready");
            }
            self.set(if ready {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            })
            .await;
            was_ready = Some(ready);
        }
    }

    /// Tells health checkers the service takes no more calls, before it drains.
    pub async fn stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
        self.set(ServingStatus::NotServing).await;
    }

    async fn set(&self, status: ServingStatus) {
        let ready = if status == ServingStatus::Serving {
            1.0
        } else {
            0.0
        };
        metrics::gauge!("segnala_ready", "service" => self.service).set(ready);
        for name in &self.services {
            self.health.set_service_status(*name, status).await;
        }
    }
}
