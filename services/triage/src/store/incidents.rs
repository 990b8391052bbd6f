use std::collections::BTreeSet;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Statement,
    sea_query::{LockType, OnConflict},
};

use segnala_shared::db::BulkUpdate;

use super::decisions::{priority_from_text, priority_text};
use crate::domain::{Neighbourhood, OpenIncident, Priority};

mod incident {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "incidents")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: String,
        pub department: String,
        pub category: String,
        pub latitude: f64,
        pub longitude: f64,
        pub zone: String,
        pub report_count: i32,
        pub initial_priority: String,
        pub priority: String,
        pub opened_at: DateTimeUtc,
        pub last_report_at: DateTimeUtc,
        pub open: bool,
        /// The version of the last work order change applied, so late ones are ignored.
        pub order_version: i64,
        /// The incident its reports joined, once an operator merged it; it never opens again.
        pub merged_into: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// A change of an incident's work order: whether the incident takes reports now, as of
/// which version of the order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderChange {
    pub incident: String,
    pub open: bool,
    pub order_version: i64,
}

/// An incident as stored: where it is, how many reports it holds, how urgent it is.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredIncident {
    /// The tracking code of its first report.
    pub id: String,
    pub department: String,
    pub category: String,
    pub latitude: f64,
    pub longitude: f64,
    pub zone: String,
    pub report_count: u32,
    /// The first report's priority, which the count raises from.
    pub initial_priority: Priority,
    pub priority: Priority,
    pub opened_at: DateTime<Utc>,
    pub last_report_at: DateTime<Utc>,
    pub open: bool,
}

impl StoredIncident {
    pub fn as_open(&self) -> OpenIncident {
        OpenIncident {
            id: self.id.clone(),
            department: self.department.clone(),
            category: self.category.clone(),
            latitude: self.latitude,
            longitude: self.longitude,
            opened_at: self.opened_at,
        }
    }
}

#[derive(Clone, Copy, Debug, Default)]
pub struct IncidentStore;

impl IncidentStore {
    /// Stores new incidents, with one statement per thousand.
    pub async fn insert_all<C: ConnectionTrait>(
        &self,
        db: &C,
        incidents: &[StoredIncident],
    ) -> Result<(), DbErr> {
        segnala_shared::db::insert_all(db, incidents.iter().map(row)).await
    }

    /// Stores the incident, or, when one of its id is stored already, makes that one
    /// this incident again: open, taking reports, no longer merged into another. The
    /// version of the last work order change applied stays, so that late changes of
    /// its order are still ignored.
    pub async fn insert_or_reopen<C: ConnectionTrait>(
        &self,
        db: &C,
        incident: &StoredIncident,
    ) -> Result<(), DbErr> {
        use incident::Column;
        incident::Entity::insert(row(incident))
            .on_conflict(
                OnConflict::column(Column::Id)
                    .update_columns([
                        Column::Department,
                        Column::Category,
                        Column::Latitude,
                        Column::Longitude,
                        Column::Zone,
                        Column::ReportCount,
                        Column::InitialPriority,
                        Column::Priority,
                        Column::OpenedAt,
                        Column::LastReportAt,
                        Column::Open,
                        Column::MergedInto,
                    ])
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
        Ok(())
    }

    /// Reads an incident and locks its row until the transaction ends, so that two
    /// reports joining it at once count both.
    pub async fn get_for_update<C: ConnectionTrait>(
        &self,
        db: &C,
        id: &str,
    ) -> Result<Option<StoredIncident>, DbErr> {
        Ok(self
            .get_all_for_update(db, vec![id.to_owned()])
            .await?
            .pop())
    }

    /// Reads the incidents there are of `ids` and locks their rows until the transaction
    /// ends, in the order of their ids.
    pub async fn get_all_for_update<C: ConnectionTrait>(
        &self,
        db: &C,
        ids: Vec<String>,
    ) -> Result<Vec<StoredIncident>, DbErr> {
        Ok(incident::Entity::find()
            .filter(incident::Column::Id.is_in(ids))
            .order_by_asc(incident::Column::Id)
            .lock(LockType::Update)
            .all(db)
            .await?
            .into_iter()
            .map(from_row)
            .collect())
    }

    /// Records the reports that joined each incident: its count, priority and latest
    /// report, one statement for them all. An incident appears at most once.
    pub async fn joined_all<C: ConnectionTrait>(
        &self,
        db: &C,
        incidents: &[&StoredIncident],
    ) -> Result<(), DbErr> {
        let backend = db.get_database_backend();
        let update = BulkUpdate {
            table: "incidents",
            set: "report_count = v.column2, priority = v.column3, last_report_at = v.column4",
            matching: "incidents.id = v.column1",
            returning: "",
        };
        for chunk in incidents.chunks(segnala_shared::db::ROWS_PER_STATEMENT) {
            let rows = chunk.iter().map(|incident| {
                vec![
                    incident.id.clone().into(),
                    count(incident.report_count).into(),
                    priority_text(incident.priority).into(),
                    incident.last_report_at.into(),
                ]
            });
            db.execute_raw(update.statement(backend, rows)).await?;
        }
        Ok(())
    }

    /// Moves the incident to another department or category (an operator rerouted it).
    pub async fn moved<C: ConnectionTrait>(
        &self,
        db: &C,
        id: &str,
        department: &str,
        category: &str,
    ) -> Result<(), DbErr> {
        incident::Entity::update_many()
            .filter(incident::Column::Id.eq(id))
            .set(incident::ActiveModel {
                department: Set(department.to_owned()),
                category: Set(category.to_owned()),
                ..Default::default()
            })
            .exec(db)
            .await?;
        Ok(())
    }

    /// Closes the incident for good: its reports joined `into`. Whatever its work order
    /// does later, it takes no more reports.
    pub async fn merged<C: ConnectionTrait>(
        &self,
        db: &C,
        id: &str,
        into: &str,
    ) -> Result<(), DbErr> {
        incident::Entity::update_many()
            .filter(incident::Column::Id.eq(id))
            .set(incident::ActiveModel {
                open: Set(false),
                merged_into: Set(into.to_owned()),
                ..Default::default()
            })
            .exec(db)
            .await?;
        Ok(())
    }

    /// Opens or closes incidents as their work orders move, each unless a later change
    /// of its order was applied already or it was merged into another; one statement for
    /// them all. Returns the incidents that changed, with whether they are open now.
    /// An incident appears at most once in `changes`.
    pub async fn set_open_all<C: ConnectionTrait>(
        &self,
        db: &C,
        changes: &[OrderChange],
    ) -> Result<Vec<(String, bool)>, DbErr> {
        if changes.is_empty() {
            return Ok(Vec::new());
        }
        let backend = db.get_database_backend();
        let update = BulkUpdate {
            table: "incidents",
            set: "\"open\" = v.column2, order_version = v.column3",
            matching: "incidents.id = v.column1 AND incidents.order_version < v.column3 \
                       AND incidents.merged_into = ''",
            returning: "id, \"open\"",
        };
        let rows = changes.iter().map(|change| {
            vec![
                change.incident.clone().into(),
                change.open.into(),
                change.order_version.into(),
            ]
        });
        db.query_all_raw(update.statement(backend, rows))
            .await?
            .iter()
            .map(|row| Ok((row.try_get("", "id")?, row.try_get("", "open")?)))
            .collect()
    }

    /// Every open incident.
    pub async fn all_open<C: ConnectionTrait>(&self, db: &C) -> Result<Vec<StoredIncident>, DbErr> {
        self.open_where(db, Condition::all()).await
    }

    /// Holds, until the transaction ends, a lock on each of `cells` (named by
    /// `Neighbourhood`), taken in the order of their names as every replica takes
    /// them, so that two transactions wanting the same cells queue rather than
    /// deadlock. Only PostgreSQL has other replicas to wait for; on SQLite, one process
    /// writes alone.
    pub async fn lock_cells<C: ConnectionTrait>(
        &self,
        txn: &C,
        cells: &BTreeSet<String>,
    ) -> Result<(), DbErr> {
        if cells.is_empty() || txn.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let rows: Vec<String> = (1..=cells.len()).map(|n| format!("(${n})")).collect();
        // hashtextextended is stable across PostgreSQL versions (hash partitioning
        // relies on it), so replicas of any version name a cell's lock alike.
        let sql = format!(
            "SELECT count(pg_advisory_xact_lock(hashtextextended(cell, 0))) \
             FROM (VALUES {}) AS cells (cell)",
            rows.join(", ")
        );
        txn.execute_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            sql,
            cells.iter().map(|cell| cell.as_str().into()),
        ))
        .await
        .map(drop)
    }

    /// The open incidents, as stored now, that lie in one of `areas`.
    pub async fn open_near<C: ConnectionTrait>(
        &self,
        db: &C,
        areas: &[Neighbourhood],
    ) -> Result<Vec<StoredIncident>, DbErr> {
        if areas.is_empty() {
            return Ok(Vec::new());
        }
        let mut any = Condition::any();
        for area in areas {
            any = any.add(
                Condition::all()
                    .add(incident::Column::Department.eq(area.department.as_str()))
                    .add(incident::Column::Category.eq(area.category.as_str()))
                    .add(incident::Column::Latitude.between(area.south, area.north))
                    .add(incident::Column::Longitude.between(area.west, area.east)),
            );
        }
        self.open_where(db, any).await
    }

    /// The open incidents that also meet `condition`.
    async fn open_where<C: ConnectionTrait>(
        &self,
        db: &C,
        condition: Condition,
    ) -> Result<Vec<StoredIncident>, DbErr> {
        Ok(incident::Entity::find()
            .filter(incident::Column::Open.eq(true))
            .filter(condition)
            .all(db)
            .await?
            .into_iter()
            .map(from_row)
            .collect())
    }
}

fn row(incident: &StoredIncident) -> incident::ActiveModel {
    incident::ActiveModel {
        id: Set(incident.id.clone()),
        department: Set(incident.department.clone()),
        category: Set(incident.category.clone()),
        latitude: Set(incident.latitude),
        longitude: Set(incident.longitude),
        zone: Set(incident.zone.clone()),
        report_count: Set(count(incident.report_count)),
        initial_priority: Set(priority_text(incident.initial_priority).to_owned()),
        priority: Set(priority_text(incident.priority).to_owned()),
        opened_at: Set(incident.opened_at),
        last_report_at: Set(incident.last_report_at),
        open: Set(incident.open),
        order_version: Set(0),
        merged_into: Set(String::new()),
    }
}

fn count(reports: u32) -> i32 {
    i32::try_from(reports).unwrap_or(i32::MAX)
}

fn from_row(row: incident::Model) -> StoredIncident {
    StoredIncident {
        id: row.id,
        department: row.department,
        category: row.category,
        latitude: row.latitude,
        longitude: row.longitude,
        zone: row.zone,
        report_count: u32::try_from(row.report_count).unwrap_or_default(),
        initial_priority: priority_from_text(&row.initial_priority),
        priority: priority_from_text(&row.priority),
        opened_at: row.opened_at,
        last_report_at: row.last_report_at,
        open: row.open,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use chrono::Utc;
    use segnala_shared::db::{self, DatabaseTarget};

    use super::{IncidentStore, OrderChange, StoredIncident};
    use crate::{domain::Priority, store::Migrator};

    fn lamp(id: &str) -> StoredIncident {
        StoredIncident {
            id: id.to_owned(),
            department: "street_lighting".into(),
            category: "lamp_out".into(),
            latitude: 45.4642,
            longitude: 9.19,
            zone: String::new(),
            report_count: 1,
            initial_priority: Priority::Normal,
            priority: Priority::Normal,
            opened_at: Utc::now(),
            last_report_at: Utc::now(),
            open: true,
        }
    }

    fn change(incident: &str, open: bool, order_version: i64) -> OrderChange {
        OrderChange {
            incident: incident.to_owned(),
            open,
            order_version,
        }
    }

    /// An operator takes a report back out of the incident its own was merged into: its
    /// incident, stored and merged, is itself again (on SQLite; the system tests run it
    /// on PostgreSQL too).
    #[tokio::test]
    async fn a_merged_incident_reopens_as_its_report_alone() {
        let dir = tempfile::tempdir().unwrap();
        let target = DatabaseTarget::Sqlite {
            path: dir.path().join("triage.db"),
        };
        let db = db::connect_and_migrate::<Migrator>(&target).await.unwrap();
        let store = IncidentStore;
        let mut merged = lamp("B");
        merged.report_count = 3;
        store.insert_all(&db, &[lamp("A"), merged]).await.unwrap();
        // Its order was worked on (version 4) before its reports were merged into A.
        store
            .set_open_all(&db, &[change("B", true, 4)])
            .await
            .unwrap();
        store.merged(&db, "B", "A").await.unwrap();

        let mut again = lamp("B");
        again.department = "roads".into();
        store.insert_or_reopen(&db, &again).await.unwrap();
        let reopened = store.get_for_update(&db, "B").await.unwrap().unwrap();
        assert_eq!(reopened, again);
        // No longer merged: its order's changes apply again, later ones only.
        let changed = store
            .set_open_all(&db, &[change("B", false, 3)])
            .await
            .unwrap();
        assert!(changed.is_empty(), "an earlier change of its order");
        let changed = store
            .set_open_all(&db, &[change("B", false, 5)])
            .await
            .unwrap();
        assert_eq!(changed, [("B".to_owned(), false)]);
    }

    /// The one statement for many incidents, on SQLite as embedded mode runs it (the
    /// system tests run it on PostgreSQL).
    #[tokio::test]
    async fn order_changes_apply_unless_a_later_one_was_applied_or_the_incident_was_merged() {
        let dir = tempfile::tempdir().unwrap();
        let target = DatabaseTarget::Sqlite {
            path: dir.path().join("triage.db"),
        };
        let db = db::connect_and_migrate::<Migrator>(&target).await.unwrap();
        let store = IncidentStore;
        let incidents = ["A", "B", "C"].map(lamp);
        store.insert_all(&db, &incidents).await.unwrap();
        store.merged(&db, "C", "A").await.unwrap();

        let changes = [
            change("A", false, 3),
            change("B", false, 2),
            change("C", true, 4),
        ];
        let mut changed = store.set_open_all(&db, &changes).await.unwrap();
        changed.sort();
        assert_eq!(changed, [("A".to_owned(), false), ("B".to_owned(), false)]);

        // A late copy of A's earlier change does nothing; B's order reopened.
        let changes = [change("A", true, 2), change("B", true, 5)];
        let changed = store.set_open_all(&db, &changes).await.unwrap();
        assert_eq!(changed, [("B".to_owned(), true)]);
        let a = store.get_for_update(&db, "A").await.unwrap().unwrap();
        assert!(!a.open);
    }
}
