//! Database connections. Each service owns its tables: on PostgreSQL in a schema of its
//! own (the connection's search path is set to it), on SQLite in a file of its own.

use std::{path::PathBuf, time::Duration};

use sea_orm::{
    AccessMode, ActiveModelTrait, ConnectOptions, ConnectionTrait, Database, DatabaseConnection,
    DatabaseTransaction, DbBackend, DbErr, EntityTrait, IsolationLevel, Statement,
    TransactionTrait, Value,
};
use sea_orm_migration::MigratorTrait;
use secrecy::{ExposeSecret, SecretString};

#[cfg(target_os = "linux")]
mod nodelay;

/// Where a service keeps its data.
#[derive(Clone, Debug)]
pub enum DatabaseTarget {
    Postgres {
        url: SecretString,
        schema: String,
        /// Opened at start and kept open.
        min_connections: u32,
        max_connections: u32,
    },
    Sqlite {
        path: PathBuf,
    },
}

impl DatabaseTarget {
    fn describe(&self) -> String {
        match self {
            Self::Postgres { schema, .. } => format!("postgresql schema {schema}"),
            Self::Sqlite { path } => format!("sqlite {}", path.display()),
        }
    }
}

/// Connects and brings the schema up to date with `M`'s migrations. Replicas starting
/// together take turns (an advisory lock on PostgreSQL).
pub async fn connect_and_migrate<M: MigratorTrait>(
    target: &DatabaseTarget,
) -> Result<DatabaseConnection, DbErr> {
    let db = connect(target).await?;
    match target {
        DatabaseTarget::Postgres { schema, .. } => {
            let txn = db.begin().await?;
            txn.execute_unprepared(&format!(
                "SELECT pg_advisory_xact_lock(hashtext('segnala.migrate.{schema}'))"
            ))
            .await?;
            M::up(&txn, None).await?;
            txn.commit().await?;
        }
        DatabaseTarget::Sqlite { .. } => M::up(&db, None).await?,
    }
    tracing::debug!(target = %target.describe(), "database ready");
    Ok(db)
}

/// A read-only transaction that sees one moment, so that a read of several statements
/// (an order, then its reports) never mixes the states before and after a commit. On
/// SQLite every transaction already reads one snapshot.
pub async fn begin_snapshot(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    match db.get_database_backend() {
        DbBackend::Postgres => {
            db.begin_with_config(
                Some(IsolationLevel::RepeatableRead),
                Some(AccessMode::ReadOnly),
            )
            .await
        }
        _ => db.begin().await,
    }
}

pub async fn connect(target: &DatabaseTarget) -> Result<DatabaseConnection, DbErr> {
    match target {
        DatabaseTarget::Postgres {
            url,
            schema,
            min_connections,
            max_connections,
        } => {
            if !is_identifier(schema) {
                return Err(DbErr::Custom(format!(
                    "`{schema}` is not a valid schema name"
                )));
            }
            let bootstrap = Database::connect(options(url.expose_secret(), 1, 1)).await?;
            let created = bootstrap
                .execute_unprepared(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""))
                .await;
            // Two replicas creating the schema at once: PostgreSQL may report a duplicate
            // even with IF NOT EXISTS; the schema is there either way.
            if let Err(error) = created
                && !error.to_string().contains("duplicate key")
            {
                return Err(error);
            }
            bootstrap.close().await?;
            let mut opts = options(url.expose_secret(), *min_connections, *max_connections);
            on_each_connection(&mut opts, url.expose_secret(), schema)?;
            Database::connect(opts).await
        }
        DatabaseTarget::Sqlite { path } => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .map_err(|e| DbErr::Custom(format!("{}: {e}", dir.display())))?;
            }
            let url = format!("sqlite://{}?mode=rwc", path.display());
            // One connection: SQLite has one writer anyway, and a connection's page cache
            // is thrown away whenever another connection has written, so with more the
            // transactions keep reading their pages again from the file.
            let mut opts = options(&url, 1, 1);
            opts.map_sqlx_sqlite_opts(|o| {
                // WAL makes a commit one append, and lets other processes read meanwhile;
                // NORMAL sync is still safe against a crashed process, which is what the
                // outbox must survive.
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    // A checkpoint every 10,000 pages (40 MB of log) rather than 1,000: a
                    // page changed often is copied back to the file once per checkpoint.
                    .pragma("wal_autocheckpoint", "10000")
                    // A statement that changes many rows inside a transaction keeps
                    // what it would undo in memory rather than in a temporary file.
                    .pragma("temp_store", "memory")
            });
            Database::connect(opts).await
        }
    }
}

/// Prepares each new PostgreSQL connection: Nagle's algorithm off on its socket, its
/// search path set to the service's schema, and every statement
/// planned for its own parameters. A prepared statement's generic plan is otherwise made
/// once for the connection's life, from the table's size at the time: planned in the
/// first seconds of a fresh database, a lookup by primary key stays a sequential scan
/// through a whole surge.
fn on_each_connection(opts: &mut ConnectOptions, url: &str, schema: &str) -> Result<(), DbErr> {
    use sea_orm::sqlx::{self, Executor, postgres::PgConnectOptions};

    let port = url
        .parse::<PgConnectOptions>()
        .map_err(|e| DbErr::Custom(format!("database url: {e}")))?
        .get_port();
    let settings = format!(
        "SELECT set_config('search_path', '\"{schema}\"', false), \
         set_config('plan_cache_mode', 'force_custom_plan', false)"
    );
    opts.map_sqlx_postgres_pool_opts(move |pool| {
        let settings = settings.clone();
        pool.after_connect(move |connection, _| {
            #[cfg(target_os = "linux")]
            nodelay::on_sockets_to(port);
            #[cfg(not(target_os = "linux"))]
            let _ = port;
            let sql = sqlx::AssertSqlSafe(settings.clone());
            Box::pin(async move { connection.execute(sql).await.map(drop) })
        })
    });
    Ok(())
}

fn options(url: &str, min_connections: u32, max_connections: u32) -> ConnectOptions {
    let max_connections = max_connections.max(1);
    let mut opts = ConnectOptions::new(url.to_owned());
    opts.max_connections(max_connections)
        .min_connections(min_connections.clamp(1, max_connections))
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    opts
}

/// Rows one multi-row statement carries at most: well under PostgreSQL's limit of
/// 65,535 bound values for tables of a few dozen columns.
pub const ROWS_PER_STATEMENT: usize = 1_000;

/// Inserts `rows` with one statement per [`ROWS_PER_STATEMENT`].
pub async fn insert_all<A, C>(db: &C, rows: impl IntoIterator<Item = A>) -> Result<(), DbErr>
where
    A: ActiveModelTrait + Send,
    C: ConnectionTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows.by_ref().take(ROWS_PER_STATEMENT).collect();
        A::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// The backend's placeholder for the `n`th bound value (from 1): `$n` in PostgreSQL,
/// `?` in SQLite.
pub fn placeholder(backend: DbBackend, n: usize) -> String {
    match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    }
}

/// `rows` as one `VALUES` list, with the backend's placeholders, and the values to bind
/// to them: many rows changed by one statement instead of one statement each. The
/// list's columns are named column1, column2 … in PostgreSQL and SQLite alike.
pub fn values_list(
    backend: DbBackend,
    rows: impl IntoIterator<Item = Vec<Value>>,
) -> (String, Vec<Value>) {
    let mut values = Vec::new();
    let mut list = Vec::new();
    for row in rows {
        let mut cells = Vec::with_capacity(row.len());
        for value in row {
            values.push(value);
            cells.push(placeholder(backend, values.len()));
        }
        list.push(format!("({})", cells.join(", ")));
    }
    (list.join(", "), values)
}

/// An `UPDATE … FROM (VALUES …)`: many rows of a table changed with one statement,
/// each to values of its own. `set` and `matching` name the list's columns
/// `v.column1`, `v.column2` … in the order of each row's values.
#[derive(Clone, Copy, Debug, Default)]
pub struct BulkUpdate<'a> {
    pub table: &'a str,
    /// The assignments: `state = v.column2, version = v.column3`.
    pub set: &'a str,
    /// Which row each row of the list changes: `orders.id = v.column1`.
    pub matching: &'a str,
    /// What the statement returns of the rows it changed (`id, state`); empty for
    /// nothing.
    pub returning: &'a str,
}

impl BulkUpdate<'_> {
    /// The statement that changes `rows`, with the backend's placeholders.
    pub fn statement(
        &self,
        backend: DbBackend,
        rows: impl IntoIterator<Item = Vec<Value>>,
    ) -> Statement {
        let Self {
            table,
            set,
            matching,
            returning,
        } = self;
        let (list, values) = values_list(backend, rows);
        let mut sql =
            format!("UPDATE {table} SET {set} FROM (VALUES {list}) AS v WHERE {matching}");
        if !returning.is_empty() {
            sql.push_str(&format!(" RETURNING {returning}"));
        }
        Statement::from_sql_and_values(backend, sql, values)
    }
}

fn is_identifier(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bulk_update_lists_its_rows_with_the_backends_placeholders() {
        let update = BulkUpdate {
            table: "orders",
            set: "state = v.column2",
            matching: "orders.id = v.column1",
            returning: "",
        };
        let rows = || vec![vec![1.into(), "open".into()], vec![2.into(), "done".into()]];
        let statement = update.statement(DbBackend::Postgres, rows());
        assert_eq!(
            statement.sql,
            "UPDATE orders SET state = v.column2 FROM (VALUES ($1, $2), ($3, $4)) AS v \
             WHERE orders.id = v.column1"
        );
        assert_eq!(statement.values.map(|v| v.0.len()), Some(4));
        let returning = BulkUpdate {
            returning: "id",
            ..update
        };
        assert_eq!(
            returning.statement(DbBackend::Sqlite, rows()).sql,
            "UPDATE orders SET state = v.column2 FROM (VALUES (?, ?), (?, ?)) AS v \
             WHERE orders.id = v.column1 RETURNING id"
        );
    }
}
