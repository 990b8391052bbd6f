use sea_orm::DbErr;

use super::{OrderChanges, ledger::begin_change};
use crate::{domain::Command, store::WorkOrderStore};

/// Who the audit log names for what tracking does by itself.
const TRACKING: &str = "tracking";
const BATCH: u64 = 100;

/// Returns orders whose lease ran out to their queue and raises an escalation for each
/// order that passed its due time. Safe in several replicas: each takes the rows the
/// others are not holding.
pub struct Sweeper {
    changes: OrderChanges,
    orders: WorkOrderStore,
}

impl Sweeper {
    pub fn new(changes: OrderChanges) -> Self {
        Self {
            changes,
            orders: WorkOrderStore,
        }
    }

    /// Sweeps every `interval` until the task is dropped.
    pub async fn run(self, interval: std::time::Duration) {
        let mut ticker = tokio::time::interval(interval);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticker.tick().await;
            if let Err(error) = self.sweep().await {
                tracing::warn!(%error, "work order sweep failed; will try again");
            }
        }
    }

    /// One pass; returns how many leases expired and how many orders were escalated.
    pub async fn sweep(&self) -> Result<(usize, usize), DbErr> {
        let expired = self.pass(Pass::ExpireLeases).await?;
        let escalated = self.pass(Pass::Escalate).await?;
        Ok((expired, escalated))
    }

    async fn pass(&self, pass: Pass) -> Result<usize, DbErr> {
        let mut total = 0;
        loop {
            let txn = begin_change(self.changes.db()).await?;
            let now = self.changes.now();
            let orders = match pass {
                Pass::ExpireLeases => self.orders.expired_leases(&txn, now, BATCH).await?,
                Pass::Escalate => self.orders.needing_escalation(&txn, now, BATCH).await?,
            };
            let count = orders.len();
            for mut order in orders {
                let command = match pass {
                    Pass::ExpireLeases => Command::ExpireLease,
                    Pass::Escalate => Command::Escalate,
                };
                let read_version = order.version;
                match order.apply(command, now) {
                    Ok(applied) => {
                        self.changes
                            .ledger()
                            .record(&txn, &mut order, read_version, TRACKING, &applied, now)
                            .await?;
                        tracing::info!(work_order = %order.id, action = applied.action, "work order swept");
                    }
                    Err(error) => {
                        tracing::warn!(work_order = %order.id, %error, "sweep skipped an order")
                    }
                }
            }
            txn.commit().await?;
            if count == 0 {
                return Ok(total);
            }
            total += count;
            self.changes.committed();
            if (count as u64) < BATCH {
                return Ok(total);
            }
        }
    }
}

#[derive(Clone, Copy)]
enum Pass {
    ExpireLeases,
    Escalate,
}
