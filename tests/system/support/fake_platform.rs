//! A local stand-in for the platforms' APIs (Telegram Bot API, Graph API, Mastodon,
//! X): records every request Segnala sends, can fail the next ones, and serves the
//! Mastodon notifications a test puts there.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use axum::{
    Json, Router,
    body::Bytes,
    extract::{RawQuery, State},
    http::{HeaderMap, Method, StatusCode, Uri},
    response::{IntoResponse, Response},
};
use serde_json::Value;

use super::eventually;

/// One request Segnala made.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub headers: HeaderMap,
    pub body: Value,
}

/// What a GET of a path answers: content type and body.
type ServedFile = (String, Vec<u8>);

#[derive(Clone, Default)]
struct Shared {
    recorded: Arc<Mutex<Vec<Recorded>>>,
    failures_left: Arc<Mutex<u32>>,
    notifications: Arc<Mutex<Vec<Value>>>,
    files: Arc<Mutex<HashMap<String, ServedFile>>>,
}

pub struct FakePlatform {
    pub url: String,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl FakePlatform {
    pub async fn start() -> Self {
        let shared = Shared::default();
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake platform");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, shared, task }
    }

    /// The next `count` POSTs answer 503.
    pub fn fail_next(&self, count: u32) {
        *self.shared.failures_left.lock().expect("lock") = count;
    }

    /// Notifications the Mastodon API serves (newest first, as Mastodon does),
    /// filtered by `since_id`.
    pub fn set_notifications(&self, notifications: Vec<Value>) {
        *self.shared.notifications.lock().expect("lock") = notifications;
    }

    /// GETs of `path` answer `body` with `content_type` from now on.
    pub fn serve(&self, path: &str, content_type: &str, body: impl Into<Vec<u8>>) {
        self.shared
            .files
            .lock()
            .expect("lock")
            .insert(path.to_owned(), (content_type.to_owned(), body.into()));
    }

    /// Successful POSTs to `path`, in order.
    pub fn posts(&self, path: &str) -> Vec<Recorded> {
        self.all()
            .into_iter()
            .filter(|r| r.method == Method::POST && r.path == path)
            .collect()
    }

    pub fn all(&self) -> Vec<Recorded> {
        self.shared.recorded.lock().expect("lock").clone()
    }

    /// Waits until `count` POSTs reached `path`, and returns them.
    pub async fn wait_for_posts(&self, path: &str, count: usize) -> Vec<Recorded> {
        eventually(
            &format!("{count} POSTs to {path}"),
            Duration::from_secs(30),
            || async {
                let posts = self.posts(path);
                (posts.len() >= count).then_some(posts)
            },
        )
        .await
    }
}

impl Drop for FakePlatform {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if method == Method::POST {
        let mut failures = shared.failures_left.lock().expect("lock");
        if *failures > 0 {
            *failures -= 1;
            return (StatusCode::SERVICE_UNAVAILABLE, "down for maintenance").into_response();
        }
    }
    let query = query.unwrap_or_default();
    shared.recorded.lock().expect("lock").push(Recorded {
        method: method.clone(),
        path: uri.path().to_owned(),
        query: query.clone(),
        headers,
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    });
    let served = shared.files.lock().expect("lock").get(uri.path()).cloned();
    if let (&Method::GET, Some((content_type, body))) = (&method, served) {
        return ([(axum::http::header::CONTENT_TYPE, content_type)], body).into_response();
    }
    if method == Method::GET && uri.path() == "/api/v1/notifications" {
        let since: Option<u64> = query
            .split('&')
            .find_map(|pair| pair.strip_prefix("since_id="))
            .and_then(|v| v.parse().ok());
        let notifications: Vec<Value> = shared
            .notifications
            .lock()
            .expect("lock")
            .iter()
            .filter(|n| {
                let id: u64 = n["id"].as_str().and_then(|i| i.parse().ok()).unwrap_or(0);
                since.is_none_or(|since| id > since)
            })
            .cloned()
            .collect();
        return Json(Value::Array(notifications)).into_response();
    }
    Json(serde_json::json!({ "ok": true, "id": "1" })).into_response()
}
