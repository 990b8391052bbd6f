use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Utc};
use segnala_shared::AppError;
use uuid::Uuid;

use super::{Actor, OrderChanges, RequestId};
use crate::{
    domain::{CancelReason, Command, ResolveWithin, WorkOrder, WorkOrderState},
    store::WorkOrderStore,
};

/// The operators' use cases: assign, cancel, reopen, close, and the departments'
/// figures.
#[derive(Clone)]
pub struct Operations {
    changes: OrderChanges,
    lease: Duration,
    resolve_within: ResolveWithin,
    orders: WorkOrderStore,
}

/// One department's figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DepartmentStats {
    pub department: String,
    pub open: i64,
    pub overdue: i64,
    pub resolved: i64,
    pub median_time_to_resolve: Option<Duration>,
}

impl Operations {
    pub fn new(changes: OrderChanges, lease: Duration, resolve_within: ResolveWithin) -> Self {
        Self {
            changes,
            lease,
            resolve_within,
            orders: WorkOrderStore,
        }
    }

    pub async fn assign(
        &self,
        operator: &Actor,
        id: Uuid,
        crew: &str,
        request_id: Option<&RequestId>,
    ) -> Result<WorkOrder, AppError> {
        self.changes
            .change(operator, request_id, "AssignWorkOrder", id, |_, now| {
                Ok(Command::Assign {
                    crew: crew.trim().to_owned(),
                    lease_until: now + self.lease,
                })
            })
            .await
    }

    pub async fn cancel(
        &self,
        operator: &Actor,
        id: Uuid,
        reason: CancelReason,
        public_note: &str,
        request_id: Option<&RequestId>,
    ) -> Result<WorkOrder, AppError> {
        self.changes
            .change(operator, request_id, "CancelWorkOrder", id, |_, _| {
                Ok(Command::Cancel {
                    reason,
                    public_note: Some(public_note.to_owned()),
                })
            })
            .await
    }

    pub async fn reopen(
        &self,
        operator: &Actor,
        id: Uuid,
        reason: &str,
        request_id: Option<&RequestId>,
    ) -> Result<WorkOrder, AppError> {
        self.changes
            .change(operator, request_id, "ReopenWorkOrder", id, |order, now| {
                Ok(reopen(order, reason, now, &self.resolve_within))
            })
            .await
    }

    pub async fn close(
        &self,
        operator: &Actor,
        id: Uuid,
        request_id: Option<&RequestId>,
    ) -> Result<WorkOrder, AppError> {
        self.changes
            .change(operator, request_id, "CloseWorkOrder", id, |_, _| {
                Ok(Command::Close)
            })
            .await
    }

    /// Per department, sorted by name.
    pub async fn stats(&self) -> Result<(Vec<DepartmentStats>, DateTime<Utc>), AppError> {
        let now = self.changes.now();
        let rows = self.orders.stats_rows(self.changes.db()).await?;
        let mut by_department: BTreeMap<String, (DepartmentStats, Vec<Duration>)> = BTreeMap::new();
        for row in rows {
            let (stats, durations) =
                by_department
                    .entry(row.department.clone())
                    .or_insert_with(|| {
                        (
                            DepartmentStats {
                                department: row.department.clone(),
                                open: 0,
                                overdue: 0,
                                resolved: 0,
                                median_time_to_resolve: None,
                            },
                            Vec::new(),
                        )
                    });
            let state = WorkOrderState::parse(&row.state);
            if state.is_some_and(WorkOrderState::is_open) {
                stats.open += 1;
                if row.due_at.is_some_and(|due| due < now) {
                    stats.overdue += 1;
                }
            }
            if let Some(resolved_at) = row.resolved_at
                && matches!(
                    state,
                    Some(WorkOrderState::Resolved | WorkOrderState::Closed)
                )
            {
                stats.resolved += 1;
                durations.push(resolved_at - row.created_at);
            }
        }
        let stats = by_department
            .into_values()
            .map(|(mut stats, durations)| {
                stats.median_time_to_resolve = median(durations);
                stats
            })
            .collect();
        Ok((stats, now))
    }
}

/// Reopening puts the order back in the queue, due again after its priority's target.
pub(super) fn reopen(
    order: &WorkOrder,
    reason: &str,
    now: DateTime<Utc>,
    resolve_within: &ResolveWithin,
) -> Command {
    Command::Reopen {
        reason: reason.to_owned(),
        due_at: now + resolve_within.for_priority(order.priority),
    }
}

fn median(mut durations: Vec<Duration>) -> Option<Duration> {
    if durations.is_empty() {
        return None;
    }
    durations.sort();
    let middle = durations.len() / 2;
    Some(if durations.len() % 2 == 1 {
        durations[middle]
    } else {
        (durations[middle - 1] + durations[middle]) / 2
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        let hours = |h: &[i64]| h.iter().map(|h| Duration::hours(*h)).collect::<Vec<_>>();
        assert_eq!(median(hours(&[5, 1, 3])), Some(Duration::hours(3)));
        assert_eq!(median(hours(&[4, 1, 2, 10])), Some(Duration::hours(3)));
        assert_eq!(median(Vec::new()), None);
    }
}
