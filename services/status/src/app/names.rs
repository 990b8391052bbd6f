//! The names of the public surfaces: the departments and categories triage published
//! (kept in status's own table) and the zones of the city's jurisdiction.

use std::sync::Arc;

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr};
use segnala_shared::place::{Jurisdiction, Place};

use crate::{
    domain::{Names, PublishedTaxonomy, ZoneName},
    store::NameStore,
};

#[derive(Clone)]
pub struct Directory {
    db: DatabaseConnection,
    jurisdiction: Arc<Jurisdiction>,
    zones: Vec<ZoneName>,
    store: NameStore,
}

impl Directory {
    pub fn new(db: DatabaseConnection, jurisdiction: Arc<Jurisdiction>) -> Self {
        let zones = jurisdiction
            .zones()
            .map(|zone| ZoneName {
                id: zone.id.clone(),
                name: zone.name.clone(),
            })
            .collect();
        Self {
            db,
            jurisdiction,
            zones,
            store: NameStore,
        }
    }

    /// Every name known now.
    pub async fn names(&self) -> Result<Names, DbErr> {
        self.names_in(&self.db).await
    }

    /// Every name known, read inside `db` (the projector's transaction).
    pub async fn names_in<C: ConnectionTrait>(&self, db: &C) -> Result<Names, DbErr> {
        Ok(Names::new(
            self.store.departments(db).await?,
            self.zones.clone(),
        ))
    }

    /// Keeps a published taxonomy's names, unless a newer one is kept already.
    pub async fn keep<C: ConnectionTrait>(
        &self,
        db: &C,
        taxonomy: &PublishedTaxonomy,
    ) -> Result<bool, DbErr> {
        self.store
            .keep(db, taxonomy.version, &taxonomy.departments)
            .await
    }

    /// The zone a point lies in, as triage will name it: known as soon as a report
    /// arrives, so that a zone's followers hear of it from its first step.
    pub fn zone_at(&self, latitude: f64, longitude: f64) -> Option<String> {
        match self.jurisdiction.locate(latitude, longitude) {
            Place::Inside { zone } => zone.map(str::to_owned),
            Place::Outside => None,
        }
    }

    /// Whether the jurisdiction has a zone with this id.
    pub fn has_zone(&self, id: &str) -> bool {
        self.jurisdiction.zone(id).is_some()
    }

    /// The jurisdiction's zone ids, for telling a subscriber which exist.
    pub fn zone_ids(&self) -> Vec<&str> {
        self.zones.iter().map(|zone| zone.id.as_str()).collect()
    }
}
