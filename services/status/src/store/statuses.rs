use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set,
    ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
    sea_query::{Expr, OnConflict},
};
use uuid::Uuid;

use crate::domain::{
    ApproximateLocation, PublicState, ReportStatus, StatusRecord, StatusView, StepKind,
    TimelineEntry, TriageOutcome,
};

mod status {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "report_statuses")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub tracking_code: String,
        pub state: String,
        pub department: Option<String>,
        pub category: Option<String>,
        pub routing_version: i64,
        pub work_order: Option<String>,
        pub work_order_version: i64,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub service_code: Option<String>,
        pub zone: Option<String>,
        pub incident: Option<String>,
        pub duplicate_of: Option<String>,
        pub description: Option<String>,
        pub channel: Option<String>,
        pub latitude: Option<f64>,
        pub longitude: Option<f64>,
        pub expected_at: Option<DateTimeUtc>,
        pub reason: Option<String>,
        pub triage: String,
        pub received_version: i64,
        pub work_order_state: Option<String>,
        pub version: i64,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

mod timeline {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "timeline_entries")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub tracking_code: String,
        pub message_id: Uuid,
        pub time: DateTimeUtc,
        pub state: String,
        /// The step's detail (department, report, reason).
        pub message: String,
        pub kind: String,
        pub note: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// Which statuses a list holds. Every filter applies only when set.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct StatusFilter {
    pub department: Option<String>,
    pub service_code: Option<String>,
    pub zone: Option<String>,
    pub incident: Option<String>,
    /// Any of these; empty means all.
    pub states: Vec<PublicState>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub updated_after: Option<DateTime<Utc>>,
    pub updated_before: Option<DateTime<Utc>>,
}

/// Where a page of statuses, most recently updated first, starts: after this one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StatusCursor {
    pub updated_at: DateTime<Utc>,
    pub tracking_code: String,
}

/// Which steps a list of updates holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Steps {
    /// Every step: each public change once (feeds, `ListUpdates`).
    Every,
    /// Each report once, at its latest step (the city page and its JSON).
    LatestPerReport,
}

/// One step of one report, as the city page and the feeds list them.
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    pub seq: i64,
    pub tracking_code: String,
    pub entry: TimelineEntry,
}

#[derive(Clone, Copy, Debug, Default)]
pub struct StatusStore;

impl StatusStore {
    /// Inserts or replaces the records, with one statement per thousand.
    pub async fn save_all<C: ConnectionTrait>(
        &self,
        db: &C,
        records: &[&StatusRecord],
    ) -> Result<(), DbErr> {
        for chunk in records.chunks(ROWS_PER_STATEMENT) {
            status::Entity::insert_many(chunk.iter().map(|record| to_row(record)))
                .on_conflict(upsert())
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }

    /// Adds timeline entries, once per report and event (`message_id`), with one
    /// statement per thousand.
    pub async fn add_entries<C: ConnectionTrait>(
        &self,
        db: &C,
        entries: &[(String, Uuid, TimelineEntry)],
    ) -> Result<(), DbErr> {
        for chunk in entries.chunks(ROWS_PER_STATEMENT) {
            let rows = chunk
                .iter()
                .map(|(code, message_id, entry)| timeline::ActiveModel {
                    tracking_code: Set(code.clone()),
                    message_id: Set(*message_id),
                    time: Set(entry.time),
                    state: Set(entry.state.as_str().to_owned()),
                    message: Set(entry.detail.clone()),
                    kind: Set(entry.kind.as_str().to_owned()),
                    note: Set(entry.note.clone()),
                    ..Default::default()
                });
            timeline::Entity::insert_many(rows)
                .on_conflict_do_nothing_on([
                    timeline::Column::TrackingCode,
                    timeline::Column::MessageId,
                ])
                .exec_without_returning(db)
                .await?;
        }
        Ok(())
    }

    /// The statuses of the known codes among `codes`, in the order asked.
    pub async fn statuses<C: ConnectionTrait>(
        &self,
        db: &C,
        codes: &[String],
        view: StatusView,
    ) -> Result<Vec<ReportStatus>, DbErr> {
        let rows = status::Entity::find()
            .filter(status::Column::TrackingCode.is_in(codes.iter().cloned()))
            .all(db)
            .await?;
        let mut by_code: HashMap<String, ReportStatus> = HashMap::with_capacity(rows.len());
        for row in rows {
            let record = to_record(row)?;
            by_code.insert(record.status.tracking_code.clone(), record.status);
        }
        let mut statuses: Vec<ReportStatus> = codes
            .iter()
            .filter_map(|code| by_code.remove(code))
            .collect();
        self.attach_timelines(db, &mut statuses, view).await?;
        Ok(statuses)
    }

    /// Up to `limit` statuses matching `filter`, most recently updated first, after
    /// `cursor`.
    pub async fn list<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: &StatusFilter,
        cursor: Option<&StatusCursor>,
        limit: u64,
        view: StatusView,
    ) -> Result<Vec<ReportStatus>, DbErr> {
        use status::Column;
        let mut query = status::Entity::find().filter(status_condition(filter));
        if let Some(cursor) = cursor {
            query = query.filter(
                Condition::any()
                    .add(Column::UpdatedAt.lt(cursor.updated_at))
                    .add(
                        Condition::all()
                            .add(Column::UpdatedAt.eq(cursor.updated_at))
                            .add(Column::TrackingCode.lt(cursor.tracking_code.clone())),
                    ),
            );
        }
        let rows = query
            .order_by_desc(Column::UpdatedAt)
            .order_by_desc(Column::TrackingCode)
            .limit(limit)
            .all(db)
            .await?;
        let mut statuses = rows
            .into_iter()
            .map(|row| to_record(row).map(|r| r.status))
            .collect::<Result<Vec<_>, _>>()?;
        self.attach_timelines(db, &mut statuses, view).await?;
        Ok(statuses)
    }

    /// The records of `codes` and of every report of `incidents`, with one query.
    pub async fn records_for<C: ConnectionTrait>(
        &self,
        db: &C,
        codes: Vec<String>,
        incidents: Vec<String>,
    ) -> Result<Vec<StatusRecord>, DbErr> {
        if codes.is_empty() && incidents.is_empty() {
            return Ok(Vec::new());
        }
        let mut wanted = Condition::any();
        if !codes.is_empty() {
            wanted = wanted.add(status::Column::TrackingCode.is_in(codes));
        }
        if !incidents.is_empty() {
            wanted = wanted.add(status::Column::Incident.is_in(incidents));
        }
        status::Entity::find()
            .filter(wanted)
            .all(db)
            .await?
            .into_iter()
            .map(to_record)
            .collect()
    }

    /// Up to `limit` steps of reports matching `filter` (by the report's current
    /// department, zone and state), newest first, before step `before`.
    pub async fn updates<C: ConnectionTrait>(
        &self,
        db: &C,
        filter: &StatusFilter,
        steps: Steps,
        since: Option<DateTime<Utc>>,
        before: Option<i64>,
        limit: u64,
    ) -> Result<Vec<Update>, DbErr> {
        let codes = status::Entity::find()
            .select_only()
            .column(status::Column::TrackingCode)
            .filter(status_condition(filter))
            .into_query();
        let mut query =
            timeline::Entity::find().filter(timeline::Column::TrackingCode.in_subquery(codes));
        if let Some(before) = before {
            query = query.filter(timeline::Column::Seq.lt(before));
        }
        if let Some(since) = since {
            query = query.filter(timeline::Column::Time.gte(since));
        }
        if steps == Steps::LatestPerReport {
            // The latest step as the timeline orders them (by time, then position): a
            // late-arriving older step never stands for the report.
            query = query.filter(Expr::cust(
                "NOT EXISTS (SELECT 1 FROM timeline_entries AS later \
                 WHERE later.tracking_code = timeline_entries.tracking_code \
                 AND (later.time > timeline_entries.time \
                 OR (later.time = timeline_entries.time AND later.seq > timeline_entries.seq)))",
            ));
        }
        query
            .order_by_desc(timeline::Column::Seq)
            .limit(limit)
            .all(db)
            .await?
            .into_iter()
            .map(|row| {
                Ok(Update {
                    seq: row.seq,
                    tracking_code: row.tracking_code.clone(),
                    entry: to_entry(row)?,
                })
            })
            .collect()
    }

    /// Reads the statuses' timelines, in the full view.
    async fn attach_timelines<C: ConnectionTrait>(
        &self,
        db: &C,
        statuses: &mut [ReportStatus],
        view: StatusView,
    ) -> Result<(), DbErr> {
        if statuses.is_empty() || view == StatusView::Basic {
            return Ok(());
        }
        let codes: Vec<String> = statuses.iter().map(|s| s.tracking_code.clone()).collect();
        let mut by_code: HashMap<String, Vec<TimelineEntry>> = HashMap::new();
        for row in timeline::Entity::find()
            .filter(timeline::Column::TrackingCode.is_in(codes))
            .order_by_asc(timeline::Column::Time)
            .order_by_asc(timeline::Column::Seq)
            .all(db)
            .await?
        {
            let code = row.tracking_code.clone();
            by_code.entry(code).or_default().push(to_entry(row)?);
        }
        for status in statuses {
            status.timeline = by_code.remove(&status.tracking_code).unwrap_or_default();
        }
        Ok(())
    }
}

fn status_condition(filter: &StatusFilter) -> Condition {
    use status::Column;
    let mut condition = Condition::all();
    if let Some(department) = &filter.department {
        condition = condition.add(Column::Department.eq(department.clone()));
    }
    if let Some(service_code) = &filter.service_code {
        condition = condition.add(Column::ServiceCode.eq(service_code.clone()));
    }
    if let Some(zone) = &filter.zone {
        condition = condition.add(Column::Zone.eq(zone.clone()));
    }
    if let Some(incident) = &filter.incident {
        condition = condition.add(Column::Incident.eq(incident.clone()));
    }
    if !filter.states.is_empty() {
        condition = condition.add(Column::State.is_in(filter.states.iter().map(|s| s.as_str())));
    }
    if let Some(after) = filter.created_after {
        condition = condition.add(Column::CreatedAt.gt(after));
    }
    if let Some(before) = filter.created_before {
        condition = condition.add(Column::CreatedAt.lt(before));
    }
    if let Some(after) = filter.updated_after {
        condition = condition.add(Column::UpdatedAt.gt(after));
    }
    if let Some(before) = filter.updated_before {
        condition = condition.add(Column::UpdatedAt.lt(before));
    }
    condition
}

/// How many reports status knows.
pub async fn count_statuses(db: &DatabaseConnection) -> Result<u64, DbErr> {
    status::Entity::find().count(db).await
}

fn to_record(row: status::Model) -> Result<StatusRecord, DbErr> {
    let location = match (row.latitude, row.longitude) {
        (Some(latitude), Some(longitude)) => Some(ApproximateLocation {
            latitude,
            longitude,
        }),
        _ => None,
    };
    Ok(StatusRecord {
        status: ReportStatus {
            state: parse_state(&row.state)?,
            tracking_code: row.tracking_code,
            department: row.department,
            category: row.category,
            service_code: row.service_code,
            zone: row.zone,
            incident: row.incident,
            duplicate_of: row.duplicate_of,
            description: row.description,
            channel: row.channel,
            location,
            expected_at: row.expected_at,
            reason: row.reason,
            version: row.version,
            timeline: Vec::new(),
            created_at: row.created_at,
            updated_at: row.updated_at,
        },
        triage: TriageOutcome::parse(&row.triage)
            .ok_or_else(|| DbErr::Custom(format!("unknown triage outcome `{}`", row.triage)))?,
        received_version: row.received_version,
        routing_version: row.routing_version,
        work_order: row.work_order,
        work_order_version: row.work_order_version,
        work_order_state: row
            .work_order_state
            .as_deref()
            .map(parse_state)
            .transpose()?,
    })
}

fn to_entry(row: timeline::Model) -> Result<TimelineEntry, DbErr> {
    let state = parse_state(&row.state)?;
    Ok(TimelineEntry {
        time: row.time,
        state,
        // Entries written before steps had kinds are read by their state.
        kind: StepKind::parse(&row.kind).unwrap_or_else(|| StepKind::for_state(state)),
        detail: row.message,
        note: row.note,
    })
}

fn parse_state(text: &str) -> Result<PublicState, DbErr> {
    PublicState::parse(text).ok_or_else(|| DbErr::Custom(format!("unknown public state `{text}`")))
}

/// Rows in one insert: well under the bind-parameter limits of PostgreSQL and SQLite.
const ROWS_PER_STATEMENT: usize = 1_000;

fn to_row(record: &StatusRecord) -> status::ActiveModel {
    let s = &record.status;
    status::ActiveModel {
        tracking_code: Set(s.tracking_code.clone()),
        state: Set(s.state.as_str().to_owned()),
        department: Set(s.department.clone()),
        category: Set(s.category.clone()),
        routing_version: Set(record.routing_version),
        work_order: Set(record.work_order.clone()),
        work_order_version: Set(record.work_order_version),
        created_at: Set(s.created_at),
        updated_at: Set(s.updated_at),
        service_code: Set(s.service_code.clone()),
        zone: Set(s.zone.clone()),
        incident: Set(s.incident.clone()),
        duplicate_of: Set(s.duplicate_of.clone()),
        description: Set(s.description.clone()),
        channel: Set(s.channel.clone()),
        latitude: Set(s.location.map(|l| l.latitude)),
        longitude: Set(s.location.map(|l| l.longitude)),
        expected_at: Set(s.expected_at),
        reason: Set(s.reason.clone()),
        triage: Set(record.triage.as_str().to_owned()),
        received_version: Set(record.received_version),
        work_order_state: Set(record.work_order_state.map(|s| s.as_str().to_owned())),
        version: Set(s.version),
    }
}

/// A status row already there takes every column of the new one.
fn upsert() -> OnConflict {
    use status::Column;
    OnConflict::column(Column::TrackingCode)
        .update_columns([
            Column::State,
            Column::Department,
            Column::Category,
            Column::RoutingVersion,
            Column::WorkOrder,
            Column::WorkOrderVersion,
            Column::CreatedAt,
            Column::UpdatedAt,
            Column::ServiceCode,
            Column::Zone,
            Column::Incident,
            Column::DuplicateOf,
            Column::Description,
            Column::Channel,
            Column::Latitude,
            Column::Longitude,
            Column::ExpectedAt,
            Column::Reason,
            Column::Triage,
            Column::ReceivedVersion,
            Column::WorkOrderState,
            Column::Version,
        ])
        .to_owned()
}
