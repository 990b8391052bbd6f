//! Tables every service with events has: the outbox, the inbox and, for the embedded
//! bus, dead letters. Each service's migrator starts with these.

use sea_orm_migration::{prelude::*, schema::*};

pub fn migrations() -> Vec<Box<dyn MigrationTrait>> {
    vec![
        Box::new(CreateOutbox),
        Box::new(CreateInbox),
        Box::new(CreateDeadLetters),
    ]
}

/// Adds `column` to `table`: the whole of many a later migration's `up`.
pub async fn add_column(
    manager: &SchemaManager<'_>,
    table: impl IntoTableRef,
    column: impl IntoColumnDef,
) -> Result<(), DbErr> {
    add_columns(manager, table, [column]).await
}

/// Drops `column` from `table`: the `down` of `add_column`.
pub async fn drop_column(
    manager: &SchemaManager<'_>,
    table: impl IntoTableRef,
    column: impl IntoIden,
) -> Result<(), DbErr> {
    drop_columns(manager, table, [column]).await
}

/// Adds `columns` to `table`.
pub async fn add_columns<C: IntoColumnDef>(
    manager: &SchemaManager<'_>,
    table: impl IntoTableRef,
    columns: impl IntoIterator<Item = C>,
) -> Result<(), DbErr> {
    alter_each(manager, table, columns, |alter, column| {
        alter.add_column(column);
    })
    .await
}

/// Drops `columns` from `table`: the `down` of `add_columns`.
pub async fn drop_columns<C: IntoIden>(
    manager: &SchemaManager<'_>,
    table: impl IntoTableRef,
    columns: impl IntoIterator<Item = C>,
) -> Result<(), DbErr> {
    alter_each(manager, table, columns, |alter, column| {
        alter.drop_column(column);
    })
    .await
}

/// Alters `table` once for each item, one statement each: SQLite alters one column at
/// a time.
async fn alter_each<T>(
    manager: &SchemaManager<'_>,
    table: impl IntoTableRef,
    items: impl IntoIterator<Item = T>,
    change: impl Fn(&mut TableAlterStatement, T),
) -> Result<(), DbErr> {
    let table = table.into_table_ref();
    for item in items {
        let mut alter = Table::alter().table(table.clone()).to_owned();
        change(&mut alter, item);
        manager.alter_table(alter).await?;
    }
    Ok(())
}

/// The index `name` on `table` over `columns`, created unless it exists already
/// (`.unique()` it for a unique one).
pub fn index_on<C: IntoIndexColumn>(
    name: &str,
    table: impl IntoTableRef,
    columns: impl IntoIterator<Item = C>,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table).if_not_exists();
    for column in columns {
        index.col(column);
    }
    index
}

/// A service's migrations: the messaging tables first, then its own.
pub fn with_messaging_tables(own: Vec<Box<dyn MigrationTrait>>) -> Vec<Box<dyn MigrationTrait>> {
    let mut all = migrations();
    all.extend(own);
    all
}

#[derive(DeriveIden)]
pub(crate) enum Outbox {
    Table,
    Seq,
    MessageId,
    EventType,
    Payload,
    Trace,
    OccurredAt,
    Attempts,
    NextAttemptMs,
    LastError,
}

#[derive(DeriveIden)]
pub(crate) enum Inbox {
    Table,
    MessageId,
    EventType,
    HandledAt,
}

#[derive(DeriveIden)]
pub(crate) enum DeadLetters {
    Table,
    Seq,
    MessageId,
    EventType,
    Payload,
    Trace,
    Reason,
    CreatedAt,
}

struct CreateOutbox;
struct CreateInbox;
struct CreateDeadLetters;

impl MigrationName for CreateOutbox {
    fn name(&self) -> &str {
        "m20261123_000001_messaging_outbox"
    }
}

impl MigrationName for CreateInbox {
    fn name(&self) -> &str {
        "m20261123_000002_messaging_inbox"
    }
}

impl MigrationName for CreateDeadLetters {
    fn name(&self) -> &str {
        "m20261123_000003_messaging_dead_letters"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateOutbox {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .if_not_exists()
                    .col(big_pk_auto(Outbox::Seq))
                    .col(uuid_uniq(Outbox::MessageId))
                    .col(string(Outbox::EventType))
                    .col(blob(Outbox::Payload))
                    .col(json(Outbox::Trace))
                    .col(timestamp_with_time_zone(Outbox::OccurredAt))
                    .col(integer(Outbox::Attempts).default(0))
                    .col(big_integer(Outbox::NextAttemptMs))
                    .col(text_null(Outbox::LastError))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::NextAttemptMs)
                    .col(Outbox::Seq)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Outbox::Table).to_owned())
            .await
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateInbox {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Inbox::Table)
                    .if_not_exists()
                    .col(pk_uuid(Inbox::MessageId))
                    .col(string(Inbox::EventType))
                    .col(timestamp_with_time_zone(Inbox::HandledAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Inbox::Table).to_owned())
            .await
    }
}

#[async_trait::async_trait]
impl MigrationTrait for CreateDeadLetters {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DeadLetters::Table)
                    .if_not_exists()
                    .col(big_pk_auto(DeadLetters::Seq))
                    .col(uuid(DeadLetters::MessageId))
                    .col(string(DeadLetters::EventType))
                    .col(blob(DeadLetters::Payload))
                    .col(json(DeadLetters::Trace))
                    .col(text(DeadLetters::Reason))
                    .col(timestamp_with_time_zone(DeadLetters::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DeadLetters::Table).to_owned())
            .await
    }
}
