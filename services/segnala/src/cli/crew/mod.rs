//! `segnala crew`: a maintenance crew's work queue in the terminal. `login` once, then
//! `next`, `start`, `note`, `photo`, `resolve` … on the order claimed last (or `-o`).
//! Every change carries a request id, so a call retried after a dropped connection is
//! carried out once.

mod config;
mod show;

use std::{future::Future, io::BufRead, path::PathBuf, time::Duration};

use clap::Subcommand;
use futures_util::StreamExt;
use segnala_proto::{
    common::v1::LatLng,
    tracking::v1::{
        AddNoteRequest, AddPhotoRequest, ClaimNextRequest, GetWorkOrderRequest, HoldWorkRequest,
        ListMyWorkOrdersRequest, NoteVisibility, PhotoKind, ReleaseWorkRequest, RenewLeaseRequest,
        ResolveWorkRequest, StartWorkRequest, WatchQueueRequest, WatchQueueResponse, WorkOrder,
        tracking_service_client::TrackingServiceClient,
        work_queue_service_client::WorkQueueServiceClient,
    },
};
use serde::Serialize;
use tonic::Code;

pub use config::CrewConfig;

use segnala_shared::time::Tz;

use crate::settings::default_listen;

use super::{
    CommandError,
    client::{Intercepted, TrustArgs},
    clock::{TimeZoneArgs, local_clock},
};

#[derive(Debug, clap::Args)]
pub struct CrewArgs {
    /// Where `login` keeps the server and token (default ~/.config/segnala/crew.toml).
    #[arg(long, env = "SEGNALA_CREW_CONFIG", global = true)]
    config: Option<PathBuf>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
    /// Times are shown in the time zone given here, else in the one `login` saved.
    #[command(flatten)]
    clock: TimeZoneArgs,
    #[command(subcommand)]
    command: CrewCommand,
}

#[derive(Debug, Subcommand)]
enum CrewCommand {
    /// Save the tracking server and your crew token (checked against the server).
    Login(LoginArgs),
    /// Your departments' queue, most urgent first.
    Queue(QueueArgs),
    /// The orders you hold.
    Mine,
    /// Claim the most urgent order of your queue; later commands act on it. Refused
    /// while you hold one, unless --another.
    Next(NextArgs),
    /// Everything about an order: what, where, due, notes, photos.
    Show(OrderArgs),
    /// Start (or, after a hold, resume) work on the order.
    Start(OrderArgs),
    /// Keep the order longer than the lease.
    Renew(OrderArgs),
    /// Add a note (internal unless --public).
    Note(NoteArgs),
    /// Attach a JPEG, PNG or WebP photo.
    Photo(PhotoArgs),
    /// Pause work, saying why.
    Hold(HoldArgs),
    /// Mark the order fixed, with a note for the reporters.
    Resolve(ResolveArgs),
    /// Give the order back to the queue.
    Release(OrderArgs),
    /// Follow the queue live until Ctrl-C.
    Watch(QueueArgs),
}

#[derive(Debug, clap::Args)]
struct LoginArgs {
    /// The tracking service, such as https://tracking.example.org.
    #[arg(long, default_value_t = default_listen::url(default_listen::TRACKING_PORT))]
    server: String,
    /// Your crew's API key; read from standard input when omitted.
    #[arg(long, env = "SEGNALA_CREW_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// The department to work when several are yours.
    #[arg(long, default_value = "")]
    department: String,
    #[command(flatten)]
    trust: TrustArgs,
}

#[derive(Debug, clap::Args)]
struct QueueArgs {
    /// A department id, such as street_lighting; default: the login's, else all yours.
    #[arg(long, short)]
    department: Option<String>,
}

#[derive(Debug, clap::Args)]
struct NextArgs {
    #[command(flatten)]
    queue: QueueArgs,
    /// Claim one more although you hold orders already.
    #[arg(long)]
    another: bool,
}

#[derive(Debug, clap::Args)]
struct OrderArgs {
    /// The order (workOrders/ID or ID); default: the one claimed last.
    #[arg(long, short)]
    order: Option<String>,
}

#[derive(Debug, clap::Args)]
struct NoteArgs {
    text: String,
    /// Shown to the reporters too.
    #[arg(long)]
    public: bool,
    #[command(flatten)]
    order: OrderArgs,
}

#[derive(Debug, clap::Args)]
struct PhotoArgs {
    file: PathBuf,
    /// Taken after the work (default: before).
    #[arg(long)]
    after: bool,
    /// Where it was taken, if you know (degrees).
    #[arg(long, allow_hyphen_values = true, requires = "lon")]
    lat: Option<f64>,
    #[arg(long, allow_hyphen_values = true, requires = "lat")]
    lon: Option<f64>,
    #[command(flatten)]
    order: OrderArgs,
}

#[derive(Debug, clap::Args)]
struct HoldArgs {
    /// Why, in a sentence the reporters may read.
    #[arg(long)]
    reason: String,
    #[command(flatten)]
    order: OrderArgs,
}

#[derive(Debug, clap::Args)]
struct ResolveArgs {
    /// What was done, for the reporters.
    #[arg(long)]
    note: String,
    #[command(flatten)]
    order: OrderArgs,
}

/// A logged-in crew: its clients and its settings.
struct Session {
    config: CrewConfig,
    path: PathBuf,
    queue: WorkQueueServiceClient<Intercepted>,
    tracking: TrackingServiceClient<Intercepted>,
    json: bool,
    /// The city's time zone, for the times shown.
    zone: Tz,
}

pub async fn run(args: CrewArgs) -> Result<(), CommandError> {
    let path = match args.config {
        Some(path) => path,
        None => CrewConfig::default_path().ok_or_else(|| {
            CommandError::new("no home directory: give the config file with --config")
        })?,
    };
    if let CrewCommand::Login(login_args) = args.command {
        return login(login_args, args.clock, &path).await;
    }
    let config = CrewConfig::load(&path)?;
    let zone = match args.clock.time_zone {
        Some(zone) => zone,
        None => config.zone().map_err(CommandError::new)?,
    };
    let mut session = Session {
        queue: config.connect(WorkQueueServiceClient::new).await?,
        tracking: config.connect(TrackingServiceClient::new).await?,
        config,
        path,
        json: args.json,
        zone,
    };
    match args.command {
        CrewCommand::Login(_) => Ok(()),
        CrewCommand::Queue(a) => session.show_queue(a).await,
        CrewCommand::Mine => session.mine().await,
        CrewCommand::Next(a) => session.next(a).await,
        CrewCommand::Show(a) => session.show(a).await,
        CrewCommand::Start(a) => {
            let (name, request_id) = (session.order_name(&a)?, new_request_id());
            session.act(StartWorkRequest { name, request_id }).await
        }
        CrewCommand::Renew(a) => {
            let (name, request_id) = (session.order_name(&a)?, new_request_id());
            session.act(RenewLeaseRequest { name, request_id }).await
        }
        CrewCommand::Note(a) => session.note(a).await,
        CrewCommand::Photo(a) => session.photo(a).await,
        CrewCommand::Hold(a) => session.hold(a).await,
        CrewCommand::Resolve(a) => session.resolve(a).await,
        CrewCommand::Release(a) => {
            let (name, request_id) = (session.order_name(&a)?, new_request_id());
            session.act(ReleaseWorkRequest { name, request_id }).await
        }
        CrewCommand::Watch(a) => session.watch(a).await,
    }
}

async fn login(
    args: LoginArgs,
    clock: TimeZoneArgs,
    path: &std::path::Path,
) -> Result<(), CommandError> {
    let token = match args.token {
        Some(token) => token,
        None => {
            eprint!("Crew token for {}: ", args.server);
            let mut line = String::new();
            std::io::stdin().lock().read_line(&mut line)?;
            line
        }
    };
    let config = CrewConfig {
        server: args.server.trim_end_matches('/').to_owned(),
        token: token.trim().to_owned(),
        // Kept absolute, so that later commands find it from any directory.
        ca_cert: args
            .trust
            .ca_cert
            .map(|path| {
                std::fs::canonicalize(&path)
                    .map_err(|e| CommandError::new(format!("--ca-cert {}: {e}", path.display())))
            })
            .transpose()?,
        department: args.department,
        current: String::new(),
        time_zone: clock
            .time_zone
            .map(|zone| zone.name().to_owned())
            .unwrap_or_default(),
    };
    if config.token.is_empty() {
        return Err(CommandError::new("the token is empty"));
    }
    let mut queue = config.connect(WorkQueueServiceClient::new).await?;
    let held = queue
        .list_my_work_orders(ListMyWorkOrdersRequest {})
        .await
        .map_err(|status| match status.code() {
            Code::PermissionDenied => {
                CommandError::new("this token is not a crew's: ask for a crew key")
            }
            _ => CommandError::from_status(&status, &config.server),
        })?
        .into_inner()
        .work_orders;
    config.save(path)?;
    outln!(
        "Logged in to {} ({} orders held). Saved in {}.",
        config.server,
        held.len(),
        path.display()
    );
    Ok(())
}

impl Session {
    fn department(&self, asked: Option<String>) -> String {
        asked.unwrap_or_else(|| self.config.department.clone())
    }

    /// The order an action is for: the one given, else the one claimed last.
    fn order_name(&self, args: &OrderArgs) -> Result<String, CommandError> {
        let name = match &args.order {
            Some(order) => order.clone(),
            None if !self.config.current.is_empty() => self.config.current.clone(),
            None => {
                return Err(CommandError::new(
                    "which order? give --order, or claim one with `segnala crew next`",
                ));
            }
        };
        Ok(if name.starts_with("workOrders/") {
            name
        } else {
            format!("workOrders/{name}")
        })
    }

    fn print_order(&self, order: &WorkOrder) -> Result<(), CommandError> {
        if self.json {
            outln!(
                "{}",
                serde_json::to_string_pretty(&show::OrderOutput::from(order))?
            );
        } else {
            out!("{}", show::describe(order, chrono::Utc::now(), self.zone));
        }
        Ok(())
    }

    fn print_list(&self, orders: &[WorkOrder], total: Option<i64>) -> Result<(), CommandError> {
        if self.json {
            #[derive(Serialize)]
            struct List {
                work_orders: Vec<show::OrderOutput>,
                #[serde(skip_serializing_if = "Option::is_none")]
                queue_size: Option<i64>,
            }
            let list = List {
                work_orders: orders.iter().map(show::OrderOutput::from).collect(),
                queue_size: total,
            };
            outln!("{}", serde_json::to_string_pretty(&list)?);
            return Ok(());
        }
        if orders.is_empty() {
            outln!("Nothing here.");
        }
        let now = chrono::Utc::now();
        for order in orders {
            out!("{}", show::line(order, now));
        }
        if let Some(total) = total
            && total as usize > orders.len()
        {
            outln!("… and {} more", total as usize - orders.len());
        }
        Ok(())
    }

    /// The queue of `department` now, then again whenever it changes.
    async fn follow(
        &mut self,
        department: String,
    ) -> Result<tonic::Streaming<WatchQueueResponse>, CommandError> {
        Ok(self
            .queue
            .watch_queue(WatchQueueRequest {
                department,
                page_size: 20,
            })
            .await
            .map_err(|s| CommandError::from_status(&s, &self.config.server))?
            .into_inner())
    }

    async fn snapshot(&mut self, department: String) -> Result<WatchQueueResponse, CommandError> {
        self.follow(department)
            .await?
            .message()
            .await
            .map_err(|s| CommandError::from_status(&s, &self.config.server))?
            .ok_or_else(|| CommandError::new("the server closed the queue without an answer"))
    }

    async fn show_queue(&mut self, args: QueueArgs) -> Result<(), CommandError> {
        let department = self.department(args.department);
        let queue = self.snapshot(department).await?;
        self.print_list(&queue.work_orders, Some(queue.queue_size))
    }

    async fn mine(&mut self) -> Result<(), CommandError> {
        let orders = self
            .send(
                ListMyWorkOrdersRequest {},
                |mut client, request| async move { client.list_my_work_orders(request).await },
            )
            .await?
            .work_orders;
        self.print_list(&orders, None)
    }

    async fn next(&mut self, args: NextArgs) -> Result<(), CommandError> {
        if !args.another {
            self.refuse_while_holding().await?;
        }
        let request = ClaimNextRequest {
            department: self.department(args.queue.department),
            request_id: new_request_id(),
        };
        let claimed = self
            .send(request, |mut client, request| async move {
                client.claim_next(request).await
            })
            .await?
            .work_order;
        let Some(order) = claimed else {
            if self.json {
                outln!("null");
            } else {
                outln!("The queue is empty: nothing to claim.");
            }
            return Ok(());
        };
        self.config.current = order.name.clone();
        self.config.save(&self.path)?;
        if !self.json {
            outln!("Claimed. Start it with `segnala crew start`.");
        }
        self.print_order(&order)
    }

    /// A crew member works one order at a time: claiming another while holding one
    /// would keep it from the others in the queue. Says which is held and what to do.
    async fn refuse_while_holding(&self) -> Result<(), CommandError> {
        let held = self
            .send(
                ListMyWorkOrdersRequest {},
                |mut client, request| async move { client.list_my_work_orders(request).await },
            )
            .await?
            .work_orders;
        let Some(order) = held.first() else {
            return Ok(());
        };
        let others = match held.len() {
            1 => String::new(),
            n => format!(" (and {} more)", n - 1),
        };
        let id = order.name.trim_start_matches("workOrders/");
        Err(CommandError::new(format!(
            "you already hold {}{others}, {}: {} at {}.\n\
             Finish it with `segnala crew resolve --order {id} --note …`, give it back \
             with `segnala crew release --order {id}`, or claim one more anyway with \
             `segnala crew next --another`.",
            order.name,
            show::state_name(order.state),
            order.description.trim(),
            show::place(order),
        )))
    }

    async fn show(&mut self, args: OrderArgs) -> Result<(), CommandError> {
        let name = self.order_name(&args)?;
        let client = self.tracking.clone();
        let order = call(&self.config.server, || {
            let (mut client, name) = (client.clone(), name.clone());
            async move { client.get_work_order(GetWorkOrderRequest { name }).await }
        })
        .await?
        .work_order
        .unwrap_or_default();
        self.print_order(&order)
    }

    async fn note(&mut self, args: NoteArgs) -> Result<(), CommandError> {
        let request = AddNoteRequest {
            name: self.order_name(&args.order)?,
            text: args.text,
            visibility: if args.public {
                NoteVisibility::Public
            } else {
                NoteVisibility::Internal
            } as i32,
            request_id: new_request_id(),
        };
        self.act(request).await
    }

    async fn photo(&mut self, args: PhotoArgs) -> Result<(), CommandError> {
        let content = std::fs::read(&args.file)
            .map_err(|e| CommandError::new(format!("{}: {e}", args.file.display())))?;
        let request = AddPhotoRequest {
            name: self.order_name(&args.order)?,
            kind: if args.after {
                PhotoKind::After
            } else {
                PhotoKind::Before
            } as i32,
            content,
            location: args.lat.zip(args.lon).map(|(latitude, longitude)| LatLng {
                latitude,
                longitude,
            }),
            request_id: new_request_id(),
        };
        let photo = self
            .send(request, |mut client, request| async move {
                client.add_photo(request).await
            })
            .await?
            .photo
            .unwrap_or_default();
        if self.json {
            outln!(
                "{}",
                serde_json::to_string_pretty(&show::PhotoOutput {
                    name: photo.name,
                    kind: if args.after { "after" } else { "before" }.into(),
                    content_type: photo.content_type,
                    size_bytes: photo.size_bytes,
                    distance_meters: photo.distance_meters,
                })?
            );
        } else {
            outln!(
                "Photo attached: {} ({}, {} bytes).",
                photo.name,
                photo.content_type,
                photo.size_bytes
            );
        }
        Ok(())
    }

    async fn hold(&mut self, args: HoldArgs) -> Result<(), CommandError> {
        let request = HoldWorkRequest {
            name: self.order_name(&args.order)?,
            reason: args.reason,
            request_id: new_request_id(),
        };
        self.act(request).await
    }

    async fn resolve(&mut self, args: ResolveArgs) -> Result<(), CommandError> {
        let request = ResolveWorkRequest {
            name: self.order_name(&args.order)?,
            public_note: args.note,
            request_id: new_request_id(),
        };
        self.act(request).await
    }

    /// Sends `request` on the work-queue client, retrying safely: the request keeps its
    /// id.
    async fn send<R, T, F, Fut>(&self, request: R, send: F) -> Result<T, CommandError>
    where
        R: Clone,
        F: Fn(WorkQueueServiceClient<Intercepted>, R) -> Fut,
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        call(&self.config.server, || {
            send(self.queue.clone(), request.clone())
        })
        .await
    }

    /// Sends a change (retrying safely: the request keeps its id) and shows the order
    /// as it is after it.
    async fn act<C: Change>(&self, change: C) -> Result<(), CommandError> {
        let order = self
            .send(change, |client, change: C| change.send(client))
            .await?;
        if !self.json {
            outln!("{}", C::DONE);
        }
        self.print_order(&order.unwrap_or_default())
    }

    async fn watch(&mut self, args: QueueArgs) -> Result<(), CommandError> {
        let department = self.department(args.department);
        let server = self.config.server.clone();
        let mut stream = self.follow(department).await?;
        while let Some(update) = stream.next().await {
            let update = update.map_err(|s| CommandError::from_status(&s, &server))?;
            if self.json {
                // One JSON document per line, for scripts that follow the stream.
                #[derive(Serialize)]
                struct Update {
                    queue_size: i64,
                    work_orders: Vec<show::OrderOutput>,
                }
                let update = Update {
                    queue_size: update.queue_size,
                    work_orders: update
                        .work_orders
                        .iter()
                        .map(show::OrderOutput::from)
                        .collect(),
                };
                outln!("{}", serde_json::to_string(&update)?);
            } else {
                outln!(
                    "── {} in the queue at {}",
                    update.queue_size,
                    local_clock(chrono::Utc::now(), self.zone)
                );
                self.print_list(&update.work_orders, None)?;
            }
        }
        Ok(())
    }
}

/// A change of one order: how to send it, and what to tell the crew when it is done.
trait Change: Clone {
    const DONE: &'static str;
    async fn send(
        self,
        client: WorkQueueServiceClient<Intercepted>,
    ) -> Result<tonic::Response<Option<WorkOrder>>, tonic::Status>;
}

macro_rules! changes {
    ($($request:ident => $method:ident, $done:literal;)*) => {$(
        impl Change for $request {
            const DONE: &'static str = $done;
            async fn send(
                self,
                mut client: WorkQueueServiceClient<Intercepted>,
            ) -> Result<tonic::Response<Option<WorkOrder>>, tonic::Status> {
                Ok(client.$method(self).await?.map(|r| r.work_order))
            }
        }
    )*};
}

changes! {
    StartWorkRequest => start_work, "Work started.";
    RenewLeaseRequest => renew_lease, "Lease renewed.";
    ReleaseWorkRequest => release_work, "Released: back in the queue.";
    AddNoteRequest => add_note, "Note added.";
    HoldWorkRequest => hold_work, "On hold. Resume with `segnala crew start`.";
    ResolveWorkRequest => resolve_work, "Resolved. The reporters will be asked to confirm.";
}

fn new_request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// Calls the server, trying again after a dropped connection or an overloaded server.
/// Safe for changes: the request carries the same request id each time.
async fn call<T, F, Fut>(server: &str, mut attempt: F) -> Result<T, CommandError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
{
    const ATTEMPTS: u32 = 4;
    let mut pause = Duration::from_millis(500);
    for tries in 1..=ATTEMPTS {
        match attempt().await {
            Ok(response) => return Ok(response.into_inner()),
            Err(status)
                if tries < ATTEMPTS
                    && matches!(status.code(), Code::Unavailable | Code::DeadlineExceeded) =>
            {
                eprintln!(
                    "{server} did not answer ({}); trying again",
                    status.message()
                );
                tokio::time::sleep(pause).await;
                pause *= 2;
            }
            Err(status) => return Err(CommandError::from_status(&status, server)),
        }
    }
    Err(CommandError::new(format!("{server} did not answer")))
}
