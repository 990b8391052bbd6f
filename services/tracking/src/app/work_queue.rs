use chrono::{DateTime, Utc};
use segnala_shared::AppError;
use uuid::Uuid;

use super::{
    Actor, OrderChanges, RequestId,
    changes::{Begun, Replayable, retrying},
    refused,
};
use crate::{
    domain::{
        Command, Location, NoteVisibility, Photo, PhotoContent, PhotoKind, WorkOrder,
        WorkOrderState,
    },
    settings::TrackingSettings,
    store::{AttachmentStore, StoredPhoto, WorkOrderStore},
};

/// The crews' use cases: claim, work, resolve.
#[derive(Clone)]
pub struct WorkQueue {
    changes: OrderChanges,
    settings: TrackingSettings,
    orders: WorkOrderStore,
    attachments: AttachmentStore,
}

/// A photo as a crew sends it.
#[derive(Clone, Debug)]
pub struct NewPhoto {
    pub kind: PhotoKind,
    pub content: Vec<u8>,
    pub location: Option<Location>,
}

/// What a crew does to an order it holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CrewStep {
    RenewLease,
    /// Starts work, or resumes it after a hold.
    Start,
    Hold {
        reason: String,
    },
    Resolve {
        public_note: String,
    },
    Release,
}

impl CrewStep {
    /// The call the step's request ids belong to.
    fn method(&self) -> &'static str {
        match self {
            Self::RenewLease => "RenewLease",
            Self::Start => "StartWork",
            Self::Hold { .. } => "HoldWork",
            Self::Resolve { .. } => "ResolveWork",
            Self::Release => "ReleaseWork",
        }
    }

    /// The state machine's command; `lease_until` for the steps that extend the lease.
    fn command(&self, crew: &str, lease_until: DateTime<Utc>) -> Command {
        let crew = crew.to_owned();
        match self {
            Self::RenewLease => Command::RenewLease { crew, lease_until },
            Self::Start => Command::Start { crew, lease_until },
            Self::Hold { reason } => Command::Hold {
                crew,
                reason: reason.clone(),
            },
            Self::Resolve { public_note } => Command::Resolve {
                crew,
                public_note: public_note.clone(),
            },
            Self::Release => Command::Release { crew },
        }
    }
}

/// The claimable orders of some departments, most urgent first.
#[derive(Clone, Debug, PartialEq)]
pub struct QueueSnapshot {
    pub orders: Vec<WorkOrder>,
    pub total: u64,
    pub taken_at: DateTime<Utc>,
}

impl WorkQueue {
    pub fn new(changes: OrderChanges, settings: TrackingSettings) -> Self {
        Self {
            changes,
            settings,
            orders: WorkOrderStore,
            attachments: AttachmentStore,
        }
    }

    fn lease_until(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + self.settings.lease()
    }

    /// Hands the most urgent claimable order of `department` (empty: any of the
    /// crew's) to `crew`; `None` when there is none.
    pub async fn claim_next(
        &self,
        crew: &Actor,
        department: &str,
        request_id: Option<&RequestId>,
    ) -> Result<Option<WorkOrder>, AppError> {
        let departments = crew.departments_for(department)?;
        retrying(|| async {
            let (txn, now) = match self.changes.begin(request_id, "ClaimNext", None).await? {
                Begun::Replay(order) => return Option::<WorkOrder>::replay(*order),
                Begun::Fresh(txn, now) => (txn, now),
            };
            let Some(mut order) = self
                .orders
                .next_claimable(&txn, departments.as_deref())
                .await?
            else {
                return Ok(None);
            };
            let ledger = self.changes.ledger();
            let read_version = order.version;
            let claim = Command::Claim {
                crew: crew.name.clone(),
                lease_until: self.lease_until(now),
            };
            let applied = order.apply(claim, now).map_err(refused)?;
            ledger
                .record(&txn, &mut order, read_version, &crew.name, &applied, now)
                .await?;
            self.changes
                .commit(txn, request_id, "ClaimNext", Some(order.id), now)
                .await?;
            tracing::info!(work_order = %order.id, crew = %crew.name, department = %order.department, "work order claimed");
            Ok(Some(order))
        })
        .await
    }

    /// Carries out `step` on an order `crew` holds (or, for `Start`, resumes).
    pub async fn step(
        &self,
        crew: &Actor,
        id: Uuid,
        step: CrewStep,
        request_id: Option<&RequestId>,
    ) -> Result<WorkOrder, AppError> {
        self.changes
            .change(crew, request_id, step.method(), id, |_, now| {
                Ok(step.command(&crew.name, self.lease_until(now)))
            })
            .await
    }

    pub async fn add_note(
        &self,
        author: &Actor,
        id: Uuid,
        visibility: NoteVisibility,
        text: &str,
        request_id: Option<&RequestId>,
    ) -> Result<WorkOrder, AppError> {
        self.changes
            .change(author, request_id, "AddNote", id, |_, _| {
                Ok(Command::Note {
                    visibility,
                    text: text.to_owned(),
                })
            })
            .await
    }

    pub async fn add_photo(
        &self,
        author: &Actor,
        id: Uuid,
        photo: NewPhoto,
        request_id: Option<&RequestId>,
    ) -> Result<StoredPhoto, AppError> {
        let method = "AddPhoto";
        let max_bytes = self.settings.max_photo_bytes;
        let content = photo.content;
        let content = tokio::task::spawn_blocking(move || PhotoContent::clean(&content, max_bytes))
            .await
            .map_err(|failed| AppError::invalid("content", failed.to_string()))?
            .map_err(|e| AppError::invalid(e.field(), e.to_string()))?;
        retrying(|| async {
            let (txn, now) = match self.changes.begin(request_id, method, Some(id)).await? {
                Begun::Replay(_) => return self.latest_photo(id, author).await,
                Begun::Fresh(txn, now) => (txn, now),
            };
            let mut order = self.changes.locked(&txn, author, id).await?;
            let checked = Photo::check(
                photo.kind,
                content.clone(),
                photo.location,
                order.location,
                self.settings.max_photo_distance_meters,
            )
            .map_err(|e| AppError::invalid(e.field(), e.to_string()))?;
            let read_version = order.version;
            let applied = order
                .apply(
                    Command::AttachPhoto {
                        kind: checked.kind,
                        content_type: checked.content_type.to_owned(),
                        size_bytes: checked.content.len(),
                    },
                    now,
                )
                .map_err(refused)?;
            self.changes
                .ledger()
                .record(&txn, &mut order, read_version, &author.name, &applied, now)
                .await?;
            let stored = self
                .attachments
                .add_photo(&txn, id, &checked, &author.name, now)
                .await?;
            self.changes
                .commit(txn, request_id, method, Some(id), now)
                .await?;
            Ok(stored)
        })
        .await
    }

    async fn latest_photo(&self, id: Uuid, author: &Actor) -> Result<StoredPhoto, AppError> {
        self.attachments
            .photos(self.changes.db(), id)
            .await?
            .into_iter()
            .rev()
            .find(|p| p.author == author.name)
            .ok_or_else(|| AppError::internal(std::io::Error::other("a remembered photo is gone")))
    }

    /// The orders `crew` holds.
    pub async fn mine(&self, crew: &Actor) -> Result<Vec<WorkOrder>, AppError> {
        let filter = crate::store::ListFilter {
            crew: Some(crew.name.clone()),
            states: vec![
                WorkOrderState::Claimed,
                WorkOrderState::InProgress,
                WorkOrderState::OnHold,
            ],
            limit: super::MAX_PAGE_SIZE,
            ..Default::default()
        };
        Ok(self.orders.list(self.changes.db(), &filter).await?)
    }

    /// The most urgent claimable orders of `department` (empty: all of the crew's).
    pub async fn snapshot(
        &self,
        crew: &Actor,
        department: &str,
        limit: u64,
    ) -> Result<QueueSnapshot, AppError> {
        let departments = crew.departments_for(department)?;
        let now = self.changes.now();
        let (orders, total) = self
            .orders
            .queue(self.changes.db(), departments.as_deref(), limit)
            .await?;
        Ok(QueueSnapshot {
            orders,
            total,
            taken_at: now,
        })
    }

    pub fn watch(&self) -> &super::QueueWatch {
        self.changes.watch()
    }
}
