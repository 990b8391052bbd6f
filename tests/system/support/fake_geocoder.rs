//! A local stand-in for a Nominatim server: answers `/search?format=jsonv2` as
//! Nominatim does (coordinates as strings), from the places a test gives it, and
//! records every query it was asked.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use axum::{
    Json, Router,
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Response},
    routing::get,
};
use serde_json::{Value, json};

/// Words of an address and the places (latitude, longitude) answered for it; `None`:
/// the server fails.
type Known = (String, Option<Vec<(f64, f64)>>);

#[derive(Clone, Default)]
struct Shared {
    places: Arc<Mutex<Vec<Known>>>,
    asked: Arc<Mutex<Vec<HashMap<String, String>>>>,
}

pub struct FakeGeocoder {
    pub url: String,
    shared: Shared,
    task: tokio::task::JoinHandle<()>,
}

impl FakeGeocoder {
    pub async fn start() -> Self {
        let shared = Shared::default();
        let app = Router::new()
            .route("/search", get(search))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake geocoder");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, shared, task }
    }

    /// Queries containing `words` find these places (latitude, longitude), best first.
    pub fn knows(&self, words: &str, places: &[(f64, f64)]) {
        self.shared
            .places
            .lock()
            .expect("lock")
            .push((words.to_owned(), Some(places.to_vec())));
    }

    /// Queries containing `words` get a 500.
    pub fn fails_on(&self, words: &str) {
        self.shared
            .places
            .lock()
            .expect("lock")
            .push((words.to_owned(), None));
    }

    /// The query parameters of every search, in order.
    pub fn asked(&self) -> Vec<HashMap<String, String>> {
        self.shared.asked.lock().expect("lock").clone()
    }
}

impl Drop for FakeGeocoder {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn search(
    State(shared): State<Shared>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    shared.asked.lock().expect("lock").push(query.clone());
    if query.get("format").map(String::as_str) != Some("jsonv2") {
        return (StatusCode::BAD_REQUEST, "format must be jsonv2").into_response();
    }
    let q = query.get("q").cloned().unwrap_or_default();
    let known = shared
        .places
        .lock()
        .expect("lock")
        .iter()
        .find(|(words, _)| q.contains(words.as_str()))
        .map(|(_, places)| places.clone());
    match known {
        Some(None) => (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response(),
        Some(Some(places)) => Json(Value::Array(
            places
                .iter()
                .enumerate()
                .map(|(i, (lat, lon))| {
                    json!({
                        "place_id": 1000 + i,
                        "lat": lat.to_string(),
                        "lon": lon.to_string(),
                        "category": "highway",
                        "type": "residential",
                        "place_rank": 26,
                        "display_name": q,
                    })
                })
                .collect(),
        ))
        .into_response(),
        None => Json(json!([])).into_response(),
    }
}
