use sea_orm::DatabaseConnection;
use segnala_shared::AppError;
use uuid::Uuid;

use crate::{
    domain::WorkOrder,
    store::{ListFilter, WorkOrderStore},
};

pub const DEFAULT_PAGE_SIZE: u64 = 50;
pub const MAX_PAGE_SIZE: u64 = 500;

/// Reading work orders, for operators.
#[derive(Clone)]
pub struct WorkOrders {
    db: DatabaseConnection,
    store: WorkOrderStore,
}

impl WorkOrders {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            db,
            store: WorkOrderStore,
        }
    }

    pub async fn get(&self, id: Uuid) -> Result<WorkOrder, AppError> {
        self.store
            .get(&self.db, id)
            .await?
            .ok_or_else(|| AppError::NotFound {
                resource: "work order",
                name: format!("workOrders/{id}"),
            })
    }

    /// One page, and whether there is another after it.
    pub async fn list(&self, mut filter: ListFilter) -> Result<(Vec<WorkOrder>, bool), AppError> {
        if filter.limit == 0 {
            filter.limit = DEFAULT_PAGE_SIZE;
        }
        let page_size = filter.limit.min(MAX_PAGE_SIZE);
        filter.limit = page_size + 1;
        let mut orders = self.store.list(&self.db, &filter).await?;
        let more = orders.len() as u64 > page_size;
        orders.truncate(page_size as usize);
        Ok((orders, more))
    }
}
