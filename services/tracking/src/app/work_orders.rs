use sea_orm::DatabaseConnection;
use segnala_shared::{AppError, db::begin_snapshot};
use uuid::Uuid;

use super::{Actor, changes::not_found};
use crate::{
    domain::{AuditBreak, AuditVerifier, Note, WorkOrder},
    store::{AttachmentStore, AuditStore, ListFilter, StoredPhoto, WorkOrderStore},
};

pub const DEFAULT_PAGE_SIZE: u64 = 50;
pub const MAX_PAGE_SIZE: u64 = 500;

/// Reading work orders, and checking their audit log.
#[derive(Clone)]
pub struct WorkOrders {
    db: DatabaseConnection,
    orders: WorkOrderStore,
    attachments: AttachmentStore,
    audit: AuditStore,
}

/// An order with its notes and photos.
#[derive(Clone, Debug)]
pub struct WorkOrderView {
    pub order: WorkOrder,
    pub notes: Vec<Note>,
    pub photos: Vec<StoredPhoto>,
}

/// The result of walking the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditCheck {
    pub entries_checked: i64,
    pub first_break: Option<AuditBreak>,
}

impl WorkOrders {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            orders: WorkOrderStore,
            attachments: AttachmentStore,
            audit: AuditStore,
        }
    }

    /// The order with its notes (internal ones included: callers are staff) and photos.
    pub async fn get(&self, actor: &Actor, id: Uuid) -> Result<WorkOrderView, AppError> {
        let snapshot = begin_snapshot(&self.db).await?;
        let order = self
            .orders
            .get(&snapshot, id)
            .await?
            .filter(|o| actor.may_see(&o.department))
            .ok_or_else(|| not_found(id))?;
        Ok(WorkOrderView {
            notes: self.attachments.notes(&snapshot, id).await?,
            photos: self.attachments.photos(&snapshot, id).await?,
            order,
        })
    }

    /// One page, and whether there is another after it. A crew sees only its
    /// departments' orders.
    pub async fn list(
        &self,
        actor: &Actor,
        mut filter: ListFilter,
    ) -> Result<(Vec<WorkOrder>, bool), AppError> {
        filter.departments = match (filter.departments.take(), &actor.departments) {
            (Some(asked), Some(_)) => {
                Some(asked.into_iter().filter(|d| actor.may_see(d)).collect())
            }
            (None, Some(mine)) => Some(mine.clone()),
            (asked, None) => asked,
        };
        if filter.limit == 0 {
            filter.limit = DEFAULT_PAGE_SIZE;
        }
        let page_size = filter.limit.min(MAX_PAGE_SIZE);
        filter.limit = page_size + 1;
        let mut orders = self
            .orders
            .list(&begin_snapshot(&self.db).await?, &filter)
            .await?;
        let more = orders.len() as u64 > page_size;
        orders.truncate(page_size as usize);
        Ok((orders, more))
    }

    /// Walks the whole log in order and names the first entry that breaks its chain.
    pub async fn verify_audit(&self) -> Result<AuditCheck, AppError> {
        const PAGE: u64 = 1000;
        // The heads are read in the same moment as the log, or a change committed between
        // the two would look like a broken chain.
        let snapshot = begin_snapshot(&self.db).await?;
        let mut verifier = AuditVerifier::default();
        let mut after = 0;
        loop {
            let entries = self.audit.page(&snapshot, after, PAGE).await?;
            for entry in &entries {
                if let Some(first_break) = verifier.check(entry) {
                    return Ok(AuditCheck {
                        entries_checked: verifier.checked(),
                        first_break: Some(first_break),
                    });
                }
            }
            match entries.last() {
                Some(last) if entries.len() as u64 == PAGE => after = last.sequence,
                _ => break,
            }
        }
        for (id, count, head) in self.orders.audit_heads(&snapshot).await? {
            if let Some(first_break) = verifier.check_head(id, count, &head) {
                return Ok(AuditCheck {
                    entries_checked: verifier.checked(),
                    first_break: Some(first_break),
                });
            }
        }
        Ok(AuditCheck {
            entries_checked: verifier.checked(),
            first_break: None,
        })
    }
}
