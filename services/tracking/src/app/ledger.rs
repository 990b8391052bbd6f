use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use segnala_shared::messaging::Outbox;

use crate::{
    domain::{Applied, AuditEntry, GENESIS_HASH, Note, WorkOrder, WorkOrderState},
    events,
    store::{AttachmentStore, AuditStore, WorkOrderStore},
};

/// Writes what a change did: the order itself (only if nobody changed it meanwhile),
/// its audit entry and, when consumers need to know, its event — all in the caller's
/// transaction.
#[derive(Clone, Debug, Default)]
pub struct Ledger {
    outbox: Outbox,
    orders: WorkOrderStore,
    audit: AuditStore,
    attachments: AttachmentStore,
}

/// A change lost a race it should not have been able to enter; the caller may retry.
pub const CONCURRENT_CHANGE: &str = "the work order changed meanwhile";

impl Ledger {
    pub fn new(outbox: Outbox) -> Self {
        Self {
            outbox,
            orders: WorkOrderStore,
            audit: AuditStore,
            attachments: AttachmentStore,
        }
    }

    pub fn outbox(&self) -> &Outbox {
        &self.outbox
    }

    /// Records a new order and its first audit entry.
    pub async fn open<C: ConnectionTrait>(
        &self,
        db: &C,
        order: &mut WorkOrder,
        actor: &str,
        route_version: i64,
    ) -> Result<(), DbErr> {
        let detail = format!("queued for {}", order.department);
        self.append_audit(db, order, actor, "open", None, &detail, order.created_at)
            .await?;
        self.orders.insert(db, order, route_version).await?;
        self.outbox
            .record(db, &events::work_order_changed(order, None))
            .await
    }

    /// Records `order` after `applied` changed it from version `read_version`.
    pub async fn record<C: ConnectionTrait>(
        &self,
        db: &C,
        order: &mut WorkOrder,
        read_version: i64,
        actor: &str,
        applied: &Applied,
        now: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        self.append_audit(
            db,
            order,
            actor,
            applied.action,
            Some(applied.previous_state),
            &applied.detail,
            now,
        )
        .await?;
        if !self.orders.update(db, order, read_version).await? {
            return Err(DbErr::Custom(CONCURRENT_CHANGE.into()));
        }
        if let Some((visibility, text)) = &applied.note {
            let note = Note {
                author: actor.to_owned(),
                visibility: *visibility,
                text: text.clone(),
                created_at: now,
            };
            self.attachments.add_note(db, order.id, &note).await?;
        }
        if applied.announce {
            self.outbox
                .record(db, &events::work_order_changed(order, Some(applied)))
                .await?;
        }
        if applied.action == "escalate" {
            self.outbox
                .record(db, &events::work_order_escalated(order, now))
                .await?;
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn append_audit<C: ConnectionTrait>(
        &self,
        db: &C,
        order: &mut WorkOrder,
        actor: &str,
        action: &str,
        from: Option<WorkOrderState>,
        detail: &str,
        at: DateTime<Utc>,
    ) -> Result<(), DbErr> {
        let previous_hash = if order.audit_count == 0 {
            GENESIS_HASH.to_owned()
        } else {
            order.audit_head.clone()
        };
        let entry = AuditEntry {
            sequence: 0,
            work_order_id: order.id,
            order_sequence: order.audit_count + 1,
            actor: actor.to_owned(),
            action: action.to_owned(),
            from_state: from.map(|s| s.as_str()).unwrap_or_default().to_owned(),
            to_state: order.state.as_str().to_owned(),
            detail: detail.to_owned(),
            at_micros: at.timestamp_micros(),
            previous_hash,
            hash: String::new(),
        }
        .sealed();
        self.audit.append(db, &entry).await?;
        order.audit_count = entry.order_sequence;
        order.audit_head = entry.hash;
        Ok(())
    }
}

/// A transaction for a change. On SQLite it takes the write lock at once, so two
/// changes never read the same row and then both try to write it: the single writer
/// is what keeps claims exclusive there, as row locks do on PostgreSQL.
pub async fn begin_change(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    })
    .await
}
