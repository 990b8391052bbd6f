use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use crate::domain::AuditEntry;

mod entry {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_log")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        pub work_order_id: Uuid,
        pub order_seq: i64,
        pub actor: String,
        pub action: String,
        pub from_state: String,
        pub to_state: String,
        pub detail: String,
        pub at_micros: i64,
        pub previous_hash: String,
        pub hash: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The append-only audit log: this code only ever inserts and reads it.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuditStore;

impl AuditStore {
    /// Appends `entries`, in order, with one statement.
    pub async fn append_all<C: ConnectionTrait>(
        &self,
        db: &C,
        entries: &[AuditEntry],
    ) -> Result<(), DbErr> {
        if entries.is_empty() {
            return Ok(());
        }
        let rows = entries.iter().map(|entry| entry::ActiveModel {
            work_order_id: Set(entry.work_order_id),
            order_seq: Set(entry.order_sequence),
            actor: Set(entry.actor.clone()),
            action: Set(entry.action.clone()),
            from_state: Set(entry.from_state.clone()),
            to_state: Set(entry.to_state.clone()),
            detail: Set(entry.detail.clone()),
            at_micros: Set(entry.at_micros),
            previous_hash: Set(entry.previous_hash.clone()),
            hash: Set(entry.hash.clone()),
            ..Default::default()
        });
        entry::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
        Ok(())
    }

    /// Up to `limit` entries after position `after`, in log order.
    pub async fn page<C: ConnectionTrait>(
        &self,
        db: &C,
        after: i64,
        limit: u64,
    ) -> Result<Vec<AuditEntry>, DbErr> {
        Ok(entry::Entity::find()
            .filter(entry::Column::Seq.gt(after))
            .order_by_asc(entry::Column::Seq)
            .limit(limit)
            .all(db)
            .await?
            .into_iter()
            .map(|row| AuditEntry {
                sequence: row.seq,
                work_order_id: row.work_order_id,
                order_sequence: row.order_seq,
                actor: row.actor,
                action: row.action,
                from_state: row.from_state,
                to_state: row.to_state,
                detail: row.detail,
                at_micros: row.at_micros,
                previous_hash: row.previous_hash,
                hash: row.hash,
            })
            .collect())
    }
}
