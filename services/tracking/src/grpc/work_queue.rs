use std::{pin::Pin, sync::Arc, time::Duration};

use segnala_proto::tracking::v1::{
    self as pb,
    work_queue_service_server::{WorkQueueService, WorkQueueServiceServer},
};
use segnala_shared::{AppError, grpc::into_status, time::to_timestamp};
use tokio_stream::{Stream, wrappers::ReceiverStream};
use tonic::{Request, Response, Status};

use super::{
    DOMAIN, actor, answer,
    command::{OrderCall, OrderChange, change},
    convert, request_id,
};
use crate::{
    app::{CrewStep, NewPhoto, QueueSnapshot, WorkQueue},
    domain::{Clock, NoteVisibility, PhotoKind},
    events,
};

/// How often a watcher looks for changes other replicas made.
const WATCH_POLL: Duration = Duration::from_secs(2);
const WATCH_DEFAULT_SIZE: u64 = 20;
const WATCH_MAX_SIZE: u64 = 100;

pub fn server(
    queue: WorkQueue,
    clock: Arc<dyn Clock>,
    max_photo_bytes: usize,
) -> WorkQueueServiceServer<WorkQueueApi> {
    // Room for the largest photo and the rest of its message.
    WorkQueueServiceServer::new(WorkQueueApi { queue, clock })
        .max_decoding_message_size(max_photo_bytes + 64 * 1024)
}

pub struct WorkQueueApi {
    queue: WorkQueue,
    clock: Arc<dyn Clock>,
}

type WatchStream = Pin<Box<dyn Stream<Item = Result<pb::WatchQueueResponse, Status>> + Send>>;

impl WorkQueueApi {
    /// A crew's step on an order it holds: `step` reads it from the request.
    async fn step<R: OrderChange>(
        &self,
        request: Request<R>,
        step: impl FnOnce(R) -> CrewStep,
    ) -> Result<Response<R::Response>, Status> {
        change(request, self.clock.as_ref(), |call| async move {
            self.queue
                .step(
                    &call.actor,
                    call.id,
                    step(call.body),
                    call.request_id.as_ref(),
                )
                .await
        })
        .await
    }
}

#[tonic::async_trait]
impl WorkQueueService for WorkQueueApi {
    async fn claim_next(
        &self,
        request: Request<pb::ClaimNextRequest>,
    ) -> Result<Response<pb::ClaimNextResponse>, Status> {
        answer(
            async {
                let crew = actor(&request)?;
                let request = request.get_ref();
                let request_id = request_id(&request.request_id)?;
                let order = self
                    .queue
                    .claim_next(&crew, &request.department, request_id.as_ref())
                    .await?;
                Ok(pb::ClaimNextResponse {
                    work_order: order.map(|o| convert::work_order(o, self.clock.now())),
                })
            }
            .await,
        )
    }

    async fn renew_lease(
        &self,
        request: Request<pb::RenewLeaseRequest>,
    ) -> Result<Response<pb::RenewLeaseResponse>, Status> {
        self.step(request, |_| CrewStep::RenewLease).await
    }

    async fn start_work(
        &self,
        request: Request<pb::StartWorkRequest>,
    ) -> Result<Response<pb::StartWorkResponse>, Status> {
        self.step(request, |_| CrewStep::Start).await
    }

    async fn hold_work(
        &self,
        request: Request<pb::HoldWorkRequest>,
    ) -> Result<Response<pb::HoldWorkResponse>, Status> {
        self.step(request, |r| CrewStep::Hold { reason: r.reason })
            .await
    }

    async fn add_note(
        &self,
        request: Request<pb::AddNoteRequest>,
    ) -> Result<Response<pb::AddNoteResponse>, Status> {
        change(request, self.clock.as_ref(), |call| async move {
            let visibility = match pb::NoteVisibility::try_from(call.body.visibility) {
                Ok(pb::NoteVisibility::Public) => NoteVisibility::Public,
                Ok(pb::NoteVisibility::Internal | pb::NoteVisibility::Unspecified) => {
                    NoteVisibility::Internal
                }
                Err(_) => return Err(AppError::invalid("visibility", "is not a visibility")),
            };
            self.queue
                .add_note(
                    &call.actor,
                    call.id,
                    visibility,
                    &call.body.text,
                    call.request_id.as_ref(),
                )
                .await
        })
        .await
    }

    async fn add_photo(
        &self,
        request: Request<pb::AddPhotoRequest>,
    ) -> Result<Response<pb::AddPhotoResponse>, Status> {
        answer(
            async {
                let call = OrderCall::parse(request)?;
                let kind = match pb::PhotoKind::try_from(call.body.kind) {
                    Ok(pb::PhotoKind::Before) => PhotoKind::Before,
                    Ok(pb::PhotoKind::After) => PhotoKind::After,
                    _ => return Err(AppError::invalid("kind", "must be BEFORE or AFTER")),
                };
                let photo = NewPhoto {
                    kind,
                    content: call.body.content,
                    location: events::location(call.body.location),
                };
                let stored = self
                    .queue
                    .add_photo(&call.actor, call.id, photo, call.request_id.as_ref())
                    .await?;
                Ok(pb::AddPhotoResponse {
                    photo: Some(convert::photo(stored)),
                })
            }
            .await,
        )
    }

    async fn resolve_work(
        &self,
        request: Request<pb::ResolveWorkRequest>,
    ) -> Result<Response<pb::ResolveWorkResponse>, Status> {
        self.step(request, |r| CrewStep::Resolve {
            public_note: r.public_note,
        })
        .await
    }

    async fn release_work(
        &self,
        request: Request<pb::ReleaseWorkRequest>,
    ) -> Result<Response<pb::ReleaseWorkResponse>, Status> {
        self.step(request, |_| CrewStep::Release).await
    }

    async fn list_my_work_orders(
        &self,
        request: Request<pb::ListMyWorkOrdersRequest>,
    ) -> Result<Response<pb::ListMyWorkOrdersResponse>, Status> {
        answer(
            async {
                let crew = actor(&request)?;
                let now = self.clock.now();
                let orders = self.queue.mine(&crew).await?;
                Ok(pb::ListMyWorkOrdersResponse {
                    work_orders: orders
                        .into_iter()
                        .map(|o| convert::work_order(o, now))
                        .collect(),
                })
            }
            .await,
        )
    }

    type WatchQueueStream = WatchStream;

    async fn watch_queue(
        &self,
        request: Request<pb::WatchQueueRequest>,
    ) -> Result<Response<Self::WatchQueueStream>, Status> {
        let crew = actor(&request).map_err(|e| into_status(e, DOMAIN))?;
        let request = request.into_inner();
        if request.page_size < 0 {
            return Err(into_status(
                AppError::invalid("page_size", "must not be negative"),
                DOMAIN,
            ));
        }
        let limit = match request.page_size as u64 {
            0 => WATCH_DEFAULT_SIZE,
            n => n.min(WATCH_MAX_SIZE),
        };
        // The first snapshot answers the call, so a bad department fails it at once.
        let first = self
            .queue
            .snapshot(&crew, &request.department, limit)
            .await
            .map_err(|e| into_status(e, DOMAIN))?;
        let (sender, receiver) = tokio::sync::mpsc::channel(4);
        let queue = self.queue.clone();
        let clock = self.clock.clone();
        let mut changes = queue.watch().subscribe();
        tokio::spawn(async move {
            let mut last = first;
            if sender
                .send(Ok(snapshot(&last, clock.as_ref())))
                .await
                .is_err()
            {
                return;
            }
            loop {
                tokio::select! {
                    _ = sender.closed() => return,
                    changed = changes.changed() => if changed.is_err() { return },
                    _ = tokio::time::sleep(WATCH_POLL) => {}
                }
                let next = match queue.snapshot(&crew, &request.department, limit).await {
                    Ok(next) => next,
                    Err(error) => {
                        let _ = sender.send(Err(into_status(error, DOMAIN))).await;
                        return;
                    }
                };
                if same_queue(&next, &last) {
                    continue;
                }
                last = next;
                if sender
                    .send(Ok(snapshot(&last, clock.as_ref())))
                    .await
                    .is_err()
                {
                    return;
                }
            }
        });
        Ok(Response::new(Box::pin(ReceiverStream::new(receiver))))
    }
}

/// Same orders at the same versions: nothing to tell the watcher.
fn same_queue(a: &QueueSnapshot, b: &QueueSnapshot) -> bool {
    a.total == b.total
        && a.orders.len() == b.orders.len()
        && a.orders
            .iter()
            .zip(&b.orders)
            .all(|(x, y)| x.id == y.id && x.version == y.version)
}

fn snapshot(queue: &QueueSnapshot, clock: &dyn Clock) -> pb::WatchQueueResponse {
    let now = clock.now();
    pb::WatchQueueResponse {
        work_orders: queue
            .orders
            .iter()
            .cloned()
            .map(|o| convert::work_order(o, now))
            .collect(),
        queue_size: queue.total as i64,
        snapshot_time: Some(to_timestamp(queue.taken_at)),
    }
}
