use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DatabaseTransaction, DbErr, SqlErr};
use segnala_shared::AppError;
use uuid::Uuid;

use super::{
    Actor, QueueWatch, RequestId,
    ledger::{self, CONCURRENT_CHANGE, Ledger},
    refused,
};
use crate::{
    domain::{Clock, Command, WorkOrder},
    store::{RequestStore, WorkOrderStore},
};

/// Changes one order per call, in one transaction, at most once per request id.
#[derive(Clone)]
pub struct OrderChanges {
    db: DatabaseConnection,
    ledger: Ledger,
    clock: Arc<dyn Clock>,
    watch: QueueWatch,
    orders: WorkOrderStore,
    requests: RequestStore,
}

impl OrderChanges {
    pub fn new(
        db: DatabaseConnection,
        ledger: Ledger,
        clock: Arc<dyn Clock>,
        watch: QueueWatch,
    ) -> Self {
        Self {
            db,
            ledger,
            clock,
            watch,
            orders: WorkOrderStore,
            requests: RequestStore,
        }
    }

    pub fn db(&self) -> &DatabaseConnection {
        &self.db
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn watch(&self) -> &QueueWatch {
        &self.watch
    }

    pub(super) fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// Applies the command `decide` returns to order `id` for `actor`, who must be
    /// allowed to see the order's department. A call repeated with the same request id
    /// returns the order as it is now and changes nothing.
    pub async fn change<F>(
        &self,
        actor: &Actor,
        request_id: Option<&RequestId>,
        method: &'static str,
        id: Uuid,
        decide: F,
    ) -> Result<WorkOrder, AppError>
    where
        F: Fn(&WorkOrder, DateTime<Utc>) -> Result<Command, AppError>,
    {
        let decide = &decide;
        retrying(|| async move {
            let (txn, now) = match self.begin(request_id, method, Some(id)).await? {
                Begun::Replay(order) => return WorkOrder::replay(*order),
                Begun::Fresh(txn, now) => (txn, now),
            };
            let mut order = self.locked(&txn, actor, id).await?;
            let command = decide(&order, now)?;
            let read_version = order.version;
            let applied = order.apply(command, now).map_err(refused)?;
            self.ledger
                .record(&txn, &mut order, read_version, &actor.name, &applied, now)
                .await?;
            self.commit(txn, request_id, method, Some(order.id), now)
                .await?;
            Ok(order)
        })
        .await
    }

    /// Reads order `id` for a change, locked, if `actor` may see it.
    pub(super) async fn locked(
        &self,
        txn: &DatabaseTransaction,
        actor: &Actor,
        id: Uuid,
    ) -> Result<WorkOrder, AppError> {
        self.orders
            .get_for_update(txn, id)
            .await?
            .filter(|order| actor.may_see(&order.department))
            .ok_or_else(|| not_found(id))
    }

    /// Opens a change transaction, unless `request_id` was carried out already: then
    /// the order that call changed (`expected_order`, when the caller knows it).
    pub(super) async fn begin(
        &self,
        request_id: Option<&RequestId>,
        method: &'static str,
        expected_order: Option<Uuid>,
    ) -> Result<Begun, AppError> {
        let txn = ledger::begin_change(&self.db).await?;
        if let Some(request_id) = request_id
            && let Some(done) = self.requests.find(&txn, request_id.as_str()).await?
        {
            txn.rollback().await?;
            let same_call = done.method == method
                && (expected_order.is_none() || done.work_order_id == expected_order);
            if !same_call {
                return Err(AppError::invalid(
                    "request_id",
                    "was already used for a different call; use a new one",
                ));
            }
            let order = match done.work_order_id {
                Some(id) => self.orders.get(&self.db, id).await?,
                None => None,
            };
            return Ok(Begun::Replay(Box::new(order)));
        }
        Ok(Begun::Fresh(txn, self.clock.now()))
    }

    /// Remembers the request id with the change, commits, and wakes the outbox relay
    /// and the queue watchers.
    pub(super) async fn commit(
        &self,
        txn: DatabaseTransaction,
        request_id: Option<&RequestId>,
        method: &'static str,
        order_id: Option<Uuid>,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        if let Some(request_id) = request_id {
            self.requests
                .insert(&txn, request_id.as_str(), method, order_id, now)
                .await?;
        }
        txn.commit().await?;
        self.committed();
        Ok(())
    }

    /// Wakes the outbox relay and the queue watchers after a commit that changed orders.
    pub(super) fn committed(&self) {
        self.ledger.outbox().wake();
        self.watch.changed();
    }
}

/// A change transaction, or the earlier result of a repeated request.
pub(super) enum Begun {
    Replay(Box<Option<WorkOrder>>),
    Fresh(DatabaseTransaction, DateTime<Utc>),
}

/// Runs `attempt` again when it lost a race (two retries of one request at once, or a
/// write that slipped between read and update); the next attempt sees the winner.
pub(super) async fn retrying<T, F, Fut>(mut attempt: F) -> Result<T, AppError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let mut tries = 0;
    loop {
        tries += 1;
        match attempt().await {
            Err(AppError::Internal(error)) if tries < 3 && is_lost_race(error.as_ref()) => {}
            result => return result,
        }
    }
}

/// What a call returns when it is repeated: the order as it is now.
pub(super) trait Replayable: Sized {
    fn replay(order: Option<WorkOrder>) -> Result<Self, AppError>;
}

impl Replayable for WorkOrder {
    fn replay(order: Option<WorkOrder>) -> Result<Self, AppError> {
        order.ok_or_else(|| AppError::internal(std::io::Error::other("a remembered order is gone")))
    }
}

impl Replayable for Option<WorkOrder> {
    fn replay(order: Option<WorkOrder>) -> Result<Self, AppError> {
        Ok(order)
    }
}

pub(super) fn not_found(id: Uuid) -> AppError {
    AppError::NotFound {
        resource: "work order",
        name: format!("workOrders/{id}"),
    }
}

fn is_lost_race(error: &(dyn std::error::Error + Send + Sync + 'static)) -> bool {
    let Some(error) = error.downcast_ref::<DbErr>() else {
        return false;
    };
    matches!(error, DbErr::Custom(message) if message == CONCURRENT_CHANGE)
        || matches!(error.sql_err(), Some(SqlErr::UniqueConstraintViolation(_)))
}
