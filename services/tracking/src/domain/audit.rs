//! The audit log: one hash chain per work order. Each entry carries the hash of the
//! order's previous entry and a hash of its own contents, and the order keeps the hash
//! of its latest entry, so an edited, removed or truncated entry shows.
//!
//! One chain per order rather than one for the whole log: appending then needs only the
//! order's row lock, which the change holds anyway, so crews claiming in parallel do not
//! queue behind one global head.

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `previous_hash` of an order's first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Position in the whole log; assigned by the database, not hashed.
    pub sequence: i64,
    pub work_order_id: Uuid,
    /// Position in the order's chain, from 1.
    pub order_sequence: i64,
    pub actor: String,
    pub action: String,
    pub from_state: String,
    pub to_state: String,
    pub detail: String,
    /// Microseconds since the epoch: exact in every database.
    pub at_micros: i64,
    pub previous_hash: String,
    pub hash: String,
}

impl AuditEntry {
    /// Fills `hash` from the other fields.
    pub fn sealed(mut self) -> Self {
        self.hash = self.compute_hash();
        self
    }

    pub fn compute_hash(&self) -> String {
        let mut hasher = Sha256::new();
        // Length-prefixed fields: no two different entries hash the same text.
        for field in [
            self.work_order_id.to_string().as_str(),
            &self.order_sequence.to_string(),
            &self.actor,
            &self.action,
            &self.from_state,
            &self.to_state,
            &self.detail,
            &self.at_micros.to_string(),
            &self.previous_hash,
        ] {
            hasher.update((field.len() as u64).to_be_bytes());
            hasher.update(field.as_bytes());
        }
        format!("{:x}", hasher.finalize())
    }
}

/// Where the chain breaks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditBreak {
    pub sequence: i64,
    pub work_order_id: Uuid,
    pub order_sequence: i64,
    pub problem: String,
}

/// Checks entries in log order, each against its order's chain so far.
#[derive(Debug, Default)]
pub struct AuditVerifier {
    heads: HashMap<Uuid, (i64, String)>,
    checked: i64,
}

impl AuditVerifier {
    pub fn checked(&self) -> i64 {
        self.checked
    }

    /// The first problem with `entry`, if any.
    pub fn check(&mut self, entry: &AuditEntry) -> Option<AuditBreak> {
        self.checked += 1;
        let (last_sequence, last_hash) = self
            .heads
            .get(&entry.work_order_id)
            .cloned()
            .unwrap_or_else(|| (0, GENESIS_HASH.to_owned()));
        let problem = if entry.order_sequence != last_sequence + 1 {
            Some(format!(
                "it is entry {} of its work order, but entry {} came before it: entries are missing",
                entry.order_sequence, last_sequence
            ))
        } else if entry.previous_hash != last_hash {
            Some("it does not carry the hash of the entry before it".to_owned())
        } else if entry.hash != entry.compute_hash() {
            Some("its contents do not match its hash: it was changed".to_owned())
        } else {
            None
        };
        self.heads.insert(
            entry.work_order_id,
            (entry.order_sequence, entry.hash.clone()),
        );
        problem.map(|problem| AuditBreak {
            sequence: entry.sequence,
            work_order_id: entry.work_order_id,
            order_sequence: entry.order_sequence,
            problem,
        })
    }

    /// After every entry: does the chain end where the order says its log ends?
    pub fn check_head(&self, work_order_id: Uuid, count: i64, head: &str) -> Option<AuditBreak> {
        let (last_sequence, last_hash) = self
            .heads
            .get(&work_order_id)
            .cloned()
            .unwrap_or_else(|| (0, GENESIS_HASH.to_owned()));
        if count == last_sequence && (count == 0 || head == last_hash) {
            return None;
        }
        Some(AuditBreak {
            sequence: 0,
            work_order_id,
            order_sequence: last_sequence,
            problem: format!(
                "the work order records {count} entries ending in {head}, but its chain ends at entry {last_sequence}: the latest entries were removed or replaced"
            ),
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn chain(order: Uuid, n: i64) -> Vec<AuditEntry> {
        let mut previous = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|i| {
                let entry = AuditEntry {
                    sequence: i,
                    work_order_id: order,
                    order_sequence: i,
                    actor: "crew-1".into(),
                    action: "start".into(),
                    from_state: "claimed".into(),
                    to_state: "in_progress".into(),
                    detail: String::new(),
                    at_micros: 1_700_000_000_000_000 + i,
                    previous_hash: previous.clone(),
                    hash: String::new(),
                }
                .sealed();
                previous = entry.hash.clone();
                entry
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies_and_an_edit_is_named() {
        let order = Uuid::now_v7();
        let entries = chain(order, 4);
        let mut verifier = AuditVerifier::default();
        assert!(entries.iter().all(|e| verifier.check(e).is_none()));
        assert_eq!(verifier.check_head(order, 4, &entries[3].hash), None);

        let mut edited = entries.clone();
        edited[1].actor = "someone-else".into();
        let mut verifier = AuditVerifier::default();
        let first = edited.iter().find_map(|e| verifier.check(e));
        assert_eq!(first.map(|b| b.order_sequence), Some(2));

        let mut removed = entries.clone();
        removed.remove(2);
        let mut verifier = AuditVerifier::default();
        let first = removed.iter().find_map(|e| verifier.check(e));
        assert_eq!(first.map(|b| b.order_sequence), Some(4));

        let mut verifier = AuditVerifier::default();
        entries[..3]
            .iter()
            .for_each(|e| assert!(verifier.check(e).is_none()));
        assert!(verifier.check_head(order, 4, &entries[3].hash).is_some());
    }
}
