use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait,
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IdenStatic, Iterable, QueryFilter,
    QueryOrder, QuerySelect, Select, Value,
    sea_query::{Expr, ExprTrait, LockBehavior, LockType},
};
use segnala_shared::db::BulkUpdate;
use uuid::Uuid;

use crate::domain::{CancelReason, Location, Priority, WorkOrder, WorkOrderState};

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
        pub incident: String,
        pub zone: String,
        pub due_at: Option<DateTimeUtc>,
        pub crew: Option<String>,
        pub lease_until: Option<DateTimeUtc>,
        pub hold_reason: Option<String>,
        pub cancel_reason: Option<String>,
        pub public_note: Option<String>,
        pub resolved_at: Option<DateTimeUtc>,
        pub escalated_due: Option<DateTimeUtc>,
        pub audit_head: String,
        pub audit_count: i64,
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
        /// The report's routing version last applied; older routing events are ignored.
        pub route_version: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A report's place: its order and the routing version that put it there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportLink {
    pub report: String,
    pub work_order_id: Uuid,
    /// The report's routing version last applied; older routing events are ignored.
    pub route_version: i64,
}

/// Which orders to list.
#[derive(Clone, Debug, Default)]
pub struct ListFilter {
    /// `None`: every department.
    pub departments: Option<Vec<String>>,
    pub report: Option<String>,
    pub states: Vec<WorkOrderState>,
    pub zone: Option<String>,
    /// Only open orders due before this time.
    pub overdue_at: Option<DateTime<Utc>>,
    pub crew: Option<String>,
    pub offset: u64,
    pub limit: u64,
}

type StatsTuple = (
    String,
    String,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
);

/// One order, as department statistics need it.
#[derive(Clone, Debug)]
pub struct StatsRow {
    pub department: String,
    pub state: String,
    pub due_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub resolved_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct WorkOrderStore;

impl WorkOrderStore {
    /// Replaces order `id`'s description; its version stays, since the work has not
    /// changed.
    pub async fn set_description<C: ConnectionTrait>(
        &self,
        db: &C,
        id: Uuid,
        description: &str,
    ) -> Result<(), DbErr> {
        order::Entity::update_many()
            .col_expr(order::Column::Description, Expr::value(description))
            .filter(order::Column::Id.eq(id))
            .exec(db)
            .await?;
        Ok(())
    }

    /// Inserts new orders with one statement; their reports are linked apart.
    pub async fn insert_all<C: ConnectionTrait>(
        &self,
        db: &C,
        orders: &[&WorkOrder],
    ) -> Result<(), DbErr> {
        if orders.is_empty() {
            return Ok(());
        }
        let rows = orders.iter().map(|order| {
            let mut row = active(order);
            row.id = Set(order.id);
            row.description = Set(order.description.clone());
            row.latitude = Set(order.location.map(|l| l.latitude));
            row.longitude = Set(order.location.map(|l| l.longitude));
            row.address = Set(order.address.clone());
            row.created_at = Set(order.created_at);
            row.incident = Set(order.incident.clone());
            row
        });
        order::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
        Ok(())
    }

    /// Writes a changed order, if nobody changed it since it was read at
    /// `read_version`. Returns whether it was written.
    pub async fn update<C: ConnectionTrait>(
        &self,
        db: &C,
        order: &WorkOrder,
        read_version: i64,
    ) -> Result<bool, DbErr> {
        self.update_all(db, &[(order, read_version)]).await
    }

    /// Writes changed orders, each with the version it was read at, in one statement
    /// per 500: a surge of duplicates changes an order per report joining it. Returns
    /// whether every one was written; if another change came first, some were not, and
    /// the caller must roll back. An order appears at most once.
    pub async fn update_all<C: ConnectionTrait>(
        &self,
        db: &C,
        changes: &[(&WorkOrder, i64)],
    ) -> Result<bool, DbErr> {
        let Some((first, _)) = changes.first() else {
            return Ok(true);
        };
        // The columns `active` sets, the same for every order.
        let columns: Vec<order::Column> = {
            let sample = active(first);
            order::Column::iter()
                .filter(|column| sample.get(*column).is_set())
                .collect()
        };
        let assignments: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(i, column)| format!("\"{}\" = v.column{}", column.as_str(), i + 3))
            .collect();
        let assignments = assignments.join(", ");
        let update = BulkUpdate {
            table: "work_orders",
            set: &assignments,
            matching: "work_orders.id = v.column1 AND work_orders.version = v.column2",
            returning: "",
        };
        let backend = db.get_database_backend();
        let mut written = 0;
        for chunk in changes.chunks(500) {
            let rows = chunk.iter().map(|(order, read_version)| {
                let changed = active(order);
                let mut row: Vec<Value> = vec![order.id.into(), (*read_version).into()];
                row.extend(
                    columns
                        .iter()
                        .filter_map(|column| changed.get(*column).into_value()),
                );
                row
            });
            written += db
                .execute_raw(update.statement(backend, rows))
                .await?
                .rows_affected();
        }
        Ok(written == changes.len() as u64)
    }

    /// Makes each report part of its order (moving it from another order) at its
    /// routing version, with one statement. A report appears at most once.
    pub async fn link_all<C: ConnectionTrait>(
        &self,
        db: &C,
        links: &[ReportLink],
    ) -> Result<(), DbErr> {
        use sea_orm::sea_query::OnConflict;
        if links.is_empty() {
            return Ok(());
        }
        let rows = links.iter().map(|link| order_report::ActiveModel {
            report: Set(link.report.clone()),
            work_order_id: Set(link.work_order_id),
            route_version: Set(link.route_version),
        });
        order_report::Entity::insert_many(rows)
            .on_conflict(
                OnConflict::column(order_report::Column::Report)
                    .update_columns([
                        order_report::Column::WorkOrderId,
                        order_report::Column::RouteVersion,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        Ok(())
    }

    /// The order a report belongs to and the report's routing version, if it has one.
    pub async fn of_report<C: ConnectionTrait>(
        &self,
        db: &C,
        report: &str,
    ) -> Result<Option<ReportLink>, DbErr> {
        Ok(self.of_reports(db, vec![report.to_owned()]).await?.pop())
    }

    /// The links of those of `reports` that belong to an order.
    pub async fn of_reports<C: ConnectionTrait>(
        &self,
        db: &C,
        reports: Vec<String>,
    ) -> Result<Vec<ReportLink>, DbErr> {
        if reports.is_empty() {
            return Ok(Vec::new());
        }
        Ok(order_report::Entity::find()
            .filter(order_report::Column::Report.is_in(reports))
            .all(db)
            .await?
            .into_iter()
            .map(|row| ReportLink {
                report: row.report,
                work_order_id: row.work_order_id,
                route_version: row.route_version,
            })
            .collect())
    }

    /// The orders of those of `incidents` that have one, as (incident, order) pairs.
    pub async fn of_incidents<C: ConnectionTrait>(
        &self,
        db: &C,
        incidents: Vec<String>,
    ) -> Result<Vec<(String, Uuid)>, DbErr> {
        if incidents.is_empty() {
            return Ok(Vec::new());
        }
        order::Entity::find()
            .select_only()
            .column(order::Column::Incident)
            .column(order::Column::Id)
            .filter(order::Column::Incident.is_in(incidents))
            // Repeats the partial index's condition: a prepared statement's generic plan
            // may use the index only when the query itself rules out ''.
            .filter(Expr::cust("incident <> ''"))
            .into_tuple()
            .all(db)
            .await
    }

    pub async fn get<C: ConnectionTrait>(
        &self,
        db: &C,
        id: Uuid,
    ) -> Result<Option<WorkOrder>, DbErr> {
        self.first(db, order::Entity::find_by_id(id)).await
    }

    /// Reads an order and locks its row until the transaction ends.
    pub async fn get_for_update<C: ConnectionTrait>(
        &self,
        db: &C,
        id: Uuid,
    ) -> Result<Option<WorkOrder>, DbErr> {
        Ok(self.get_all_for_update(db, vec![id]).await?.pop())
    }

    /// Reads orders and locks their rows until the transaction ends; missing ones are
    /// left out. Locked in id order, so two callers cannot each hold what the other waits for.
    pub async fn get_all_for_update<C: ConnectionTrait>(
        &self,
        db: &C,
        ids: Vec<Uuid>,
    ) -> Result<Vec<WorkOrder>, DbErr> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = order::Entity::find()
            .filter(order::Column::Id.is_in(ids))
            .order_by_asc(order::Column::Id)
            .lock(LockType::Update)
            .all(db)
            .await?;
        self.with_reports(db, rows).await
    }

    /// The most urgent queued order a crew may take from `departments` (`None`: any),
    /// locked; rows other transactions hold are skipped, so concurrent claims get
    /// different orders.
    pub async fn next_claimable<C: ConnectionTrait>(
        &self,
        db: &C,
        departments: Option<&[String]>,
    ) -> Result<Option<WorkOrder>, DbErr> {
        let query = in_departments(order::Entity::find(), departments).filter(claimable());
        Ok(self.locked_batch(db, in_queue_order(query), 1).await?.pop())
    }

    /// Claimable orders in queue order, and how many there are.
    pub async fn queue<C: ConnectionTrait>(
        &self,
        db: &C,
        departments: Option<&[String]>,
        limit: u64,
    ) -> Result<(Vec<WorkOrder>, u64), DbErr> {
        use sea_orm::PaginatorTrait;
        let query = in_departments(order::Entity::find(), departments).filter(claimable());
        let total = query.clone().count(db).await?;
        let rows = in_queue_order(query).limit(limit).all(db).await?;
        Ok((self.with_reports(db, rows).await?, total))
    }

    /// Orders whose lease ran out, locked (skipping rows others hold).
    pub async fn expired_leases<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<WorkOrder>, DbErr> {
        let query = order::Entity::find()
            .filter(order::Column::State.is_in(states(&WorkOrderState::LEASED)))
            .filter(order::Column::LeaseUntil.lte(now));
        self.locked_batch(db, query, limit).await
    }

    /// Open orders past due and not yet escalated for their due time, locked.
    pub async fn needing_escalation<C: ConnectionTrait>(
        &self,
        db: &C,
        now: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<WorkOrder>, DbErr> {
        let query = order::Entity::find()
            .filter(order::Column::State.is_in(states(&WorkOrderState::OPEN)))
            .filter(order::Column::DueAt.lt(now))
            .filter(
                Condition::any()
                    .add(order::Column::EscalatedDue.is_null())
                    .add(ExprTrait::ne(
                        Expr::col(order::Column::EscalatedDue),
                        Expr::col(order::Column::DueAt),
                    )),
            );
        let orders = self.locked_batch(db, query, limit).await?;
        // The column comparison is exact; this guards against a database rounding times.
        Ok(orders
            .into_iter()
            .filter(|o| o.needs_escalation(now))
            .collect())
    }

    /// Most urgent first: priority, then due time.
    pub async fn list<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: &ListFilter,
    ) -> Result<Vec<WorkOrder>, DbErr> {
        let mut query = in_departments(order::Entity::find(), filter.departments.as_deref());
        if let Some(report) = &filter.report {
            match self.of_report(db, report).await? {
                Some(link) => query = query.filter(order::Column::Id.eq(link.work_order_id)),
                None => return Ok(Vec::new()),
            }
        }
        if !filter.states.is_empty() {
            query = query.filter(order::Column::State.is_in(states(&filter.states)));
        }
        if let Some(zone) = &filter.zone {
            query = query.filter(order::Column::Zone.eq(zone.as_str()));
        }
        if let Some(now) = filter.overdue_at {
            query = query
                .filter(order::Column::State.is_in(states(&WorkOrderState::OPEN)))
                .filter(order::Column::DueAt.lt(now));
        }
        if let Some(crew) = &filter.crew {
            query = query.filter(order::Column::Crew.eq(crew.as_str()));
        }
        let rows = in_queue_order(query)
            .offset(filter.offset)
            .limit(filter.limit)
            .all(db)
            .await?;
        self.with_reports(db, rows).await
    }

    /// Per department: the states and due times of every order (for open and overdue
    /// counts), and the creation and resolution times of resolved ones.
    pub async fn stats_rows<C: ConnectionTrait>(&self, db: &C) -> Result<Vec<StatsRow>, DbErr> {
        let rows: Vec<StatsTuple> = order::Entity::find()
            .select_only()
            .column(order::Column::Department)
            .column(order::Column::State)
            .column(order::Column::DueAt)
            .column(order::Column::CreatedAt)
            .column(order::Column::ResolvedAt)
            .into_tuple()
            .all(db)
            .await?;
        Ok(rows
            .into_iter()
            .map(
                |(department, state, due_at, created_at, resolved_at)| StatsRow {
                    department,
                    state,
                    due_at,
                    created_at,
                    resolved_at,
                },
            )
            .collect())
    }

    /// Every order's audit head, for checking the log's ends.
    pub async fn audit_heads<C: ConnectionTrait>(
        &self,
        db: &C,
    ) -> Result<Vec<(Uuid, i64, String)>, DbErr> {
        order::Entity::find()
            .select_only()
            .column(order::Column::Id)
            .column(order::Column::AuditCount)
            .column(order::Column::AuditHead)
            .order_by_asc(order::Column::Id)
            .into_tuple()
            .all(db)
            .await
    }

    /// The first order `query` finds, with its reports.
    async fn first<C: ConnectionTrait>(
        &self,
        db: &C,
        query: Select<order::Entity>,
    ) -> Result<Option<WorkOrder>, DbErr> {
        let Some(row) = query.one(db).await? else {
            return Ok(None);
        };
        Ok(self.with_reports(db, vec![row]).await?.pop())
    }

    /// Up to `limit` orders `query` finds, locked; rows other transactions hold are
    /// skipped, so concurrent callers get different orders.
    async fn locked_batch<C: ConnectionTrait>(
        &self,
        db: &C,
        query: Select<order::Entity>,
        limit: u64,
    ) -> Result<Vec<WorkOrder>, DbErr> {
        let rows = query
            .limit(limit)
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked)
            .all(db)
            .await?;
        self.with_reports(db, rows).await
    }

    async fn with_reports<C: ConnectionTrait>(
        &self,
        db: &C,
        rows: Vec<order::Model>,
    ) -> Result<Vec<WorkOrder>, DbErr> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
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
                let mut order_reports = reports.remove(&row.id).unwrap_or_default();
                order_reports.sort();
                to_domain(row, order_reports)
            })
            .collect()
    }
}

fn states(states: &[WorkOrderState]) -> Vec<&'static str> {
    states.iter().map(|s| s.as_str()).collect()
}

/// Queued or reopened. An order whose lease ran out joins them when the sweeper passes.
/// Written out, not bound as parameters, so that PostgreSQL matches it to the partial
/// index `work_orders_claimable` in every plan.
fn claimable() -> Condition {
    Condition::all().add(Expr::cust("state IN ('queued', 'reopened')"))
}

fn in_departments(
    query: Select<order::Entity>,
    departments: Option<&[String]>,
) -> Select<order::Entity> {
    match departments {
        Some(departments) => query.filter(order::Column::Department.is_in(departments.to_vec())),
        None => query,
    }
}

fn in_queue_order(query: Select<order::Entity>) -> Select<order::Entity> {
    query
        .order_by_desc(order::Column::PriorityRank)
        .order_by_asc(order::Column::DueAt)
        .order_by_asc(order::Column::CreatedAt)
        .order_by_asc(order::Column::Id)
}

/// The columns a change may touch.
fn active(order: &WorkOrder) -> order::ActiveModel {
    order::ActiveModel {
        department: Set(order.department.clone()),
        category: Set(order.category.clone()),
        zone: Set(order.zone.clone()),
        state: Set(order.state.as_str().to_owned()),
        priority_rank: Set(order.priority.rank()),
        updated_at: Set(order.updated_at),
        version: Set(order.version),
        due_at: Set(Some(order.due_at)),
        crew: Set(order.crew.clone()),
        lease_until: Set(order.lease_until),
        hold_reason: Set(order.hold_reason.clone()),
        cancel_reason: Set(order.cancel_reason.map(|r| r.as_str().to_owned())),
        public_note: Set(order.public_note.clone()),
        resolved_at: Set(order.resolved_at),
        escalated_due: Set(order.escalated_due),
        audit_head: Set(order.audit_head.clone()),
        audit_count: Set(order.audit_count),
        ..Default::default()
    }
}

fn to_domain(row: order::Model, reports: Vec<String>) -> Result<WorkOrder, DbErr> {
    let corrupt = |what: &str, value: &str| {
        DbErr::Custom(format!("work order {}: unknown {what} {value}", row.id))
    };
    let state = WorkOrderState::parse(&row.state).ok_or_else(|| corrupt("state", &row.state))?;
    let cancel_reason = match &row.cancel_reason {
        Some(text) => {
            Some(CancelReason::parse(text).ok_or_else(|| corrupt("cancel reason", text))?)
        }
        None => None,
    };
    Ok(WorkOrder {
        id: row.id,
        incident: row.incident,
        reports,
        department: row.department,
        category: row.category,
        zone: row.zone,
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
        due_at: row.due_at.unwrap_or(row.created_at),
        crew: row.crew,
        lease_until: row.lease_until,
        hold_reason: row.hold_reason,
        cancel_reason,
        public_note: row.public_note,
        resolved_at: row.resolved_at,
        escalated_due: row.escalated_due,
        audit_head: row.audit_head,
        audit_count: row.audit_count,
    })
}

/// How many work orders tracking holds.
pub async fn count_work_orders(db: &sea_orm::DatabaseConnection) -> Result<u64, DbErr> {
    use sea_orm::PaginatorTrait;
    order::Entity::find().count(db).await
}
