use chrono::{DateTime, Utc};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr, SqliteTransactionMode,
    TransactionOptions, TransactionTrait,
};
use segnala_shared::messaging::{Envelope, Outbox};
use uuid::Uuid;

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

/// What changes wrote besides their orders' rows, in the order they made them: audit
/// entries, notes and the events they announce. Kept apart so that many changes can be
/// written with one statement of each kind.
#[derive(Debug, Default)]
pub struct Entries {
    audit: Vec<AuditEntry>,
    notes: Vec<(Uuid, Note)>,
    events: Vec<Envelope>,
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
        let mut entries = Entries::default();
        self.changed(order, actor, applied, now, &mut entries);
        if !self.orders.update(db, order, read_version).await? {
            return Err(DbErr::Custom(CONCURRENT_CHANGE.into()));
        }
        self.write(db, entries).await
    }

    /// Adds a new order's first audit entry and its announcement to `entries`; the
    /// caller inserts the order.
    pub fn opened(&self, order: &mut WorkOrder, actor: &str, entries: &mut Entries) {
        let detail = format!("queued for {}", order.department);
        let at = order.created_at;
        seal_audit(order, actor, "open", None, &detail, at, entries);
        entries
            .events
            .push(Envelope::new(&events::work_order_changed(order, None)));
    }

    /// Adds what `applied` did to `order` to `entries`; the caller writes the order.
    pub fn changed(
        &self,
        order: &mut WorkOrder,
        actor: &str,
        applied: &Applied,
        now: DateTime<Utc>,
        entries: &mut Entries,
    ) {
        let from = Some(applied.previous_state);
        seal_audit(
            order,
            actor,
            applied.action,
            from,
            &applied.detail,
            now,
            entries,
        );
        if let Some((visibility, text)) = &applied.note {
            let note = Note {
                author: actor.to_owned(),
                visibility: *visibility,
                text: text.clone(),
                created_at: now,
            };
            entries.notes.push((order.id, note));
        }
        if applied.announce {
            let event = events::work_order_changed(order, Some(applied));
            entries.events.push(Envelope::new(&event));
        }
        if applied.action == "escalate" {
            let event = events::work_order_escalated(order, now);
            entries.events.push(Envelope::new(&event));
        }
    }

    /// Writes `entries`: one statement for the audit log, one for the outbox.
    pub async fn write<C: ConnectionTrait>(&self, db: &C, entries: Entries) -> Result<(), DbErr> {
        self.audit.append_all(db, &entries.audit).await?;
        for (order, note) in &entries.notes {
            self.attachments.add_note(db, *order, note).await?;
        }
        self.outbox.record_envelopes(db, entries.events).await
    }
}

/// Adds the next entry of `order`'s audit chain to `entries` and makes it the head.
fn seal_audit(
    order: &mut WorkOrder,
    actor: &str,
    action: &str,
    from: Option<WorkOrderState>,
    detail: &str,
    at: DateTime<Utc>,
    entries: &mut Entries,
) {
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
    order.audit_count = entry.order_sequence;
    order.audit_head = entry.hash.clone();
    entries.audit.push(entry);
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
