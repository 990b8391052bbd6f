use std::collections::HashMap;

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};
use uuid::Uuid;

use crate::domain::{Location, Priority, WorkOrder, WorkOrderState};

mod order {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "work_orders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub department: String,
        pub category: String,
        pub state: String,
        pub priority_rank: i32,
        pub description: String,
        pub latitude: Option<f64>,
        pub longitude: Option<f64>,
        pub address: String,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub version: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod order_report {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "work_order_reports")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub report: String,
        pub work_order_id: Uuid,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Which orders to list.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    pub department: Option<String>,
    pub report: Option<String>,
    pub offset: u64,
    pub limit: u64,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct WorkOrderStore;

impl WorkOrderStore {
    pub async fn insert<C: ConnectionTrait>(&self, db: &C, order: &WorkOrder) -> Result<(), DbErr> {
        order::Entity::insert(order::ActiveModel {
            id: Set(order.id),
            department: Set(order.department.clone()),
            category: Set(order.category.clone()),
            state: Set(order.state.as_str().to_owned()),
            priority_rank: Set(order.priority.rank()),
            description: Set(order.description.clone()),
            latitude: Set(order.location.map(|l| l.latitude)),
            longitude: Set(order.location.map(|l| l.longitude)),
            address: Set(order.address.clone()),
            created_at: Set(order.created_at),
            updated_at: Set(order.updated_at),
            version: Set(order.version),
        })
        .exec_without_returning(db)
        .await?;
        for report in &order.reports {
            order_report::Entity::insert(order_report::ActiveModel {
                report: Set(report.clone()),
                work_order_id: Set(order.id),
            })
            .exec_without_returning(db)
            .await?;
        }
        Ok(())
    }

    /// The order a report belongs to, if it has one.
    pub async fn of_report<C: ConnectionTrait>(
        &self,
        db: &C,
        report: &str,
    ) -> Result<Option<Uuid>, DbErr> {
        Ok(order_report::Entity::find_by_id(report.to_owned())
            .one(db)
            .await?
            .map(|row| row.work_order_id))
    }

    pub async fn get<C: ConnectionTrait>(
        &self,
        db: &C,
        id: Uuid,
    ) -> Result<Option<WorkOrder>, DbErr> {
        let Some(row) = order::Entity::find_by_id(id).one(db).await? else {
            return Ok(None);
        };
        Ok(self.with_reports(db, vec![row]).await?.pop())
    }

    /// Most urgent first, then oldest.
    pub async fn list<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: &ListFilter,
    ) -> Result<Vec<WorkOrder>, DbErr> {
        let mut query = order::Entity::find();
        if let Some(department) = &filter.department {
            query = query.filter(order::Column::Department.eq(department.as_str()));
        }
        if let Some(report) = &filter.report {
            match self.of_report(db, report).await? {
                Some(id) => query = query.filter(order::Column::Id.eq(id)),
                None => return Ok(Vec::new()),
            }
        }
        let rows = query
            .order_by_desc(order::Column::PriorityRank)
            .order_by_asc(order::Column::CreatedAt)
            .order_by_asc(order::Column::Id)
            .offset(filter.offset)
            .limit(filter.limit)
            .all(db)
            .await?;
        self.with_reports(db, rows).await
    }

    async fn with_reports<C: ConnectionTrait>(
        &self,
        db: &C,
        rows: Vec<order::Model>,
    ) -> Result<Vec<WorkOrder>, DbErr> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut reports: HashMap<Uuid, Vec<String>> = HashMap::new();
        for link in order_report::Entity::find()
            .filter(order_report::Column::WorkOrderId.is_in(ids))
            .all(db)
            .await?
        {
            reports
                .entry(link.work_order_id)
                .or_default()
                .push(link.report);
        }
        rows.into_iter()
            .map(|row| {
                let state = WorkOrderState::parse(&row.state).ok_or_else(|| {
                    DbErr::Custom(format!(
                        "work order {}: unknown state {}",
                        row.id, row.state
                    ))
                })?;
                let mut order_reports = reports.remove(&row.id).unwrap_or_default();
                order_reports.sort();
                Ok(WorkOrder {
                    id: row.id,
                    reports: order_reports,
                    department: row.department,
                    category: row.category,
                    state,
                    priority: Priority::from_rank(row.priority_rank),
                    description: row.description,
                    location: row
                        .latitude
                        .zip(row.longitude)
                        .map(|(latitude, longitude)| Location {
                            latitude,
                            longitude,
                        }),
                    address: row.address,
                    created_at: row.created_at,
                    updated_at: row.updated_at,
                    version: row.version,
                })
            })
            .collect()
    }
}

/// How many work orders tracking holds.
pub async fn count_work_orders(db: &sea_orm::DatabaseConnection) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    order::Entity::find().count(db).await
}
