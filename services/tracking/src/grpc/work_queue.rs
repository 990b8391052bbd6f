use std::{pin::Pin, sync::Arc, time::Duration};

use segnala_proto::tracking::v1::{
    self as pb,
    work_queue_service_server::{WorkQueueService, WorkQueueServiceServer},
};
use segnala_shared::{AppError, grpc::into_status, time::to_timestamp};
use tokio_stream::{Stream, wrappers::ReceiverStream};
use tonic::{Request, Response, Status};

use super::{DOMAIN, actor, answer, convert, parse_name, request_id};
use crate::{
    app::{NewPhoto, QueueSnapshot, WorkQueue},
    domain::{Clock, NoteVisibility, PhotoKind},
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
    fn order(&self, order: crate::domain::WorkOrder) -> Option<pb::WorkOrder> {
        Some(convert::work_order(order, self.clock.now()))
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
                    work_order: order.and_then(|o| self.order(o)),
                })
            }
            .await,
        )
    }

    async fn renew_lease(
        &self,
        request: Request<pb::RenewLeaseRequest>,
    ) -> Result<Response<pb::RenewLeaseResponse>, Status> {
        answer(
            async {
                let crew = actor(&request)?;
                let id = parse_name(&request.get_ref().name)?;
                let request_id = request_id(&request.get_ref().request_id)?;
                let order = self
                    .queue
                    .renew_lease(&crew, id, request_id.as_ref())
                    .await?;
                Ok(pb::RenewLeaseResponse {
                    work_order: self.order(order),
                })
            }
            .await,
        )
    }

    async fn start_work(
        &self,
        request: Request<pb::StartWorkRequest>,
    ) -> Result<Response<pb::StartWorkResponse>, Status> {
        answer(
            async {
                let crew = actor(&request)?;
                let id = parse_name(&request.get_ref().name)?;
                let request_id = request_id(&request.get_ref().request_id)?;
                let order = self.queue.start(&crew, id, request_id.as_ref()).await?;
                Ok(pb::StartWorkResponse {
                    work_order: self.order(order),
                })
            }
            .await,
        )
    }

    async fn hold_work(
        &self,
        request: Request<pb::HoldWorkRequest>,
    ) -> Result<Response<pb::HoldWorkResponse>, Status> {
        answer(
            async {
                let crew = actor(&request)?;
                let request = request.get_ref();
                let id = parse_name(&request.name)?;
                let request_id = request_id(&request.request_id)?;
                let order = self
                    .queue
                    .hold(&crew, id, &request.reason, request_id.as_ref())
                    .await?;
                Ok(pb::HoldWorkResponse {
                    work_order: self.order(order),
                })
            }
            .await,
        )
    }

    async fn add_note(
        &self,
        request: Request<pb::AddNoteRequest>,
    ) -> Result<Response<pb::AddNoteResponse>, Status> {
        answer(
            async {
                let author = actor(&request)?;
                let request = request.get_ref();
                let id = parse_name(&request.name)?;
                let request_id = request_id(&request.request_id)?;
                let visibility = match pb::NoteVisibility::try_from(request.visibility) {
                    Ok(pb::NoteVisibility::Public) => NoteVisibility::Public,
                    Ok(pb::NoteVisibility::Internal | pb::NoteVisibility::Unspecified) => {
                        NoteVisibility::Internal
                    }
                    Err(_) => return Err(AppError::invalid("visibility", "is not a visibility")),
                };
                let order = self
                    .queue
                    .add_note(&author, id, visibility, &request.text, request_id.as_ref())
                    .await?;
                Ok(pb::AddNoteResponse {
                    work_order: self.order(order),
                })
            }
            .await,
        )
    }

    async fn add_photo(
        &self,
        request: Request<pb::AddPhotoRequest>,
    ) -> Result<Response<pb::AddPhotoResponse>, Status> {
        answer(
            async {
                let author = actor(&request)?;
                let request = request.into_inner();
                let id = parse_name(&request.name)?;
                let request_id = request_id(&request.request_id)?;
                let kind = match pb::PhotoKind::try_from(request.kind) {
                    Ok(pb::PhotoKind::Before) => PhotoKind::Before,
                    Ok(pb::PhotoKind::After) => PhotoKind::After,
                    _ => return Err(AppError::invalid("kind", "must be BEFORE or AFTER")),
                };
                let photo = NewPhoto {
                    kind,
                    content: request.content,
                    location: convert::location(request.location),
                };
                let stored = self
                    .queue
                    .add_photo(&author, id, photo, request_id.as_ref())
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
        answer(
            async {
                let crew = actor(&request)?;
                let request = request.get_ref();
                let id = parse_name(&request.name)?;
                let request_id = request_id(&request.request_id)?;
                let order = self
                    .queue
                    .resolve(&crew, id, &request.public_note, request_id.as_ref())
                    .await?;
                Ok(pb::ResolveWorkResponse {
                    work_order: self.order(order),
                })
            }
            .await,
        )
    }

    async fn release_work(
        &self,
        request: Request<pb::ReleaseWorkRequest>,
    ) -> Result<Response<pb::ReleaseWorkResponse>, Status> {
        answer(
            async {
                let crew = actor(&request)?;
                let id = parse_name(&request.get_ref().name)?;
                let request_id = request_id(&request.get_ref().request_id)?;
                let order = self.queue.release(&crew, id, request_id.as_ref()).await?;
                Ok(pb::ReleaseWorkResponse {
                    work_order: self.order(order),
                })
            }
            .await,
        )
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
