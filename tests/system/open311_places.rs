//! Where an Open311 request is, and what it joined: an address without coordinates is
//! placed by the configured geocoder (a local Nominatim stand-in) or, by default, by
//! the city's street index, and reaches its zone; a place not found is said to be
//! unknown, a place outside the city is refused. A gRPC report merged into an
//! incident shows the incident's service and says whose duplicate it is.

use std::time::Duration;

use segnala_shared::place::{Jurisdiction, Place};
use serde_json::Value;

use crate::{
    open311::{LAMP_OUT, Open311Platform, json},
    support::{env::INTEGRATOR_KEY, eventually, fake_geocoder::FakeGeocoder},
};

const TIMEOUT: Duration = Duration::from_secs(30);

/// A report of the lamp with only an address for its place.
fn at_address(address: &str) -> Vec<(&str, &str)> {
    vec![
        ("api_key", INTEGRATOR_KEY),
        ("service_code", LAMP_OUT),
        ("address_string", address),
        ("description", "Il lampione è spento"),
    ]
}

/// Posts the form; returns the status and the first request of the answer.
async fn post(open311: &Open311Platform, form: &[(&str, &str)]) -> (u16, Value) {
    let (status, body) = json(open311.post_form("requests.json", form).await).await;
    (status, body[0].clone())
}

/// The text of a JSON string, "" for anything else.
fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

/// Posts a report at `address`, which must be placed (no notice); returns its id.
async fn placed(open311: &Open311Platform, address: &str) -> String {
    let (status, created) = post(open311, &at_address(address)).await;
    assert_eq!(status, 200, "{created}");
    assert_eq!(created["service_notice"], Value::Null, "{created}");
    text(&created["service_request_id"]).to_owned()
}

/// The request's public position (rounded), which it must have.
async fn position_of(open311: &Open311Platform, id: &str) -> (f64, f64) {
    let (_, request) = json(open311.get(&format!("requests/{id}.json")).await).await;
    match (request[0]["lat"].as_f64(), request[0]["long"].as_f64()) {
        (Some(lat), Some(long)) => (lat, long),
        _ => panic!("no position: {request}"),
    }
}

/// The zone status gives the report, once triage has placed it.
async fn zone_of(open311: &Open311Platform, code: &str) -> String {
    let clients = open311.platform.clients().await;
    clients
        .wait_until(code, "is routed", TIMEOUT, |s| !s.department.is_empty())
        .await
        .zone
}

#[tokio::test]
async fn open311_an_address_alone_is_placed_by_the_configured_geocoder() {
    let geocoder = FakeGeocoder::start().await;
    // Via Dante, in the centre; a Via Dante in Monza, outside the city, is ranked first.
    geocoder.knows("Via Dante", &[(45.5845, 9.2744), (45.4665, 9.1852)]);
    geocoder.knows("Monza", &[(45.5845, 9.2744)]);
    geocoder.fails_on("Via del Guasto");
    let open311 = Open311Platform::start(|settings| {
        settings.intake.geocoder.url = geocoder.url.clone();
    })
    .await;

    let id = placed(&open311, "Via Dante 7, Milano").await;
    let asked = geocoder.asked();
    assert_eq!(asked.len(), 1, "{asked:?}");
    assert_eq!(asked[0]["q"], "Via Dante 7, Milano");
    assert_eq!(
        asked[0]["bounded"], "1",
        "searched within the city's rectangle"
    );
    assert_eq!(asked[0]["viewbox"], "9.0413,45.3887,9.2855,45.5405");

    // The first place inside the city is the report's, rounded in public; triage puts
    // it in its zone.
    let (lat, long) = position_of(&open311, &id).await;
    assert!(
        (lat - 45.4665).abs() < 0.002 && (long - 9.1852).abs() < 0.002,
        "{lat}, {long}"
    );
    assert_eq!(zone_of(&open311, &id).await, "municipio_1");

    // Found only outside the city: refused like coordinates outside it, nothing stored.
    let (status, refused) = json(
        open311
            .post_form(
                "requests.json",
                &at_address("Via Vittorio Emanuele 3, Monza"),
            )
            .await,
    )
    .await;
    assert_eq!(status, 400, "{refused}");
    assert!(
        text(&refused[0]["description"]).contains("address_string: is outside Comune di Milano"),
        "{refused}"
    );

    // Not found, or the geocoder down: taken without a position, and the answer and the
    // request say the place is unknown, in the request's language.
    let (status, unknown) = post(&open311, &at_address("Vicolo Inesistente 1")).await;
    assert_eq!(status, 200, "{unknown}");
    assert!(
        text(&unknown["service_notice"]).starts_with("Luogo sconosciuto"),
        "{unknown}"
    );
    let unknown_id = unknown["service_request_id"].as_str().expect("an id");
    let (_, request) = json(
        open311
            .get(&format!("requests/{unknown_id}.json?locale=en"))
            .await,
    )
    .await;
    assert_eq!(
        (&request[0]["lat"], &request[0]["long"]),
        (&Value::Null, &Value::Null)
    );
    assert!(
        text(&request[0]["service_notice"]).starts_with("The place is unknown"),
        "{request}"
    );
    let (status, down) = post(&open311, &at_address("Via del Guasto 2")).await;
    assert_eq!(status, 200, "{down}");
    assert!(down["service_notice"].is_string(), "{down}");

    // Coordinates given are not looked up again.
    let mut with_position = at_address("Via Dante 7");
    with_position.extend([("lat", "45.4642"), ("long", "9.19")]);
    let (status, _) = post(&open311, &with_position).await;
    assert_eq!(status, 200);
    assert_eq!(geocoder.asked().len(), 4);
    assert_eq!(open311.reports().await, 4);
    open311.finish().await;
}

#[tokio::test]
async fn open311_an_address_alone_is_placed_by_the_street_index_when_no_geocoder_is_set() {
    let open311 = Open311Platform::start(|_| {}).await;
    let id = placed(&open311, "C.so Buenos Aires 33, 20124 Milano").await;
    let (lat, long) = position_of(&open311, &id).await;
    assert!(
        (lat - 45.479).abs() < 0.003 && (long - 9.2105).abs() < 0.003,
        "Corso Buenos Aires: {lat}, {long}"
    );
    let city = Jurisdiction::example_city().expect("the example city");
    let Place::Inside { zone: Some(zone) } = city.locate(lat, long) else {
        panic!("{lat}, {long} is in no zone of the example city");
    };
    assert_eq!(zone_of(&open311, &id).await, zone);

    let (status, unknown) = post(&open311, &at_address("Via dei Cipressi 4, Roccacannuccia")).await;
    assert_eq!(status, 200, "{unknown}");
    assert!(unknown["service_notice"].is_string(), "{unknown}");
    open311.finish().await;
}

#[tokio::test]
async fn open311_a_merged_grpc_report_keeps_the_incidents_service_and_says_whose_duplicate_it_is() {
    let open311 = Open311Platform::start(|_| {}).await;
    let mut clients = open311.platform.clients().await;
    // Two reports of one lamp by the gRPC API, at the same place and without a service
    // code: the first opens the incident, the second joins it.
    const LAMP: &str = "Il lampione davanti al civico 12 è spento da tre notti";
    let first = clients
        .submit(LAMP, &uuid::Uuid::new_v4().to_string())
        .await;
    clients
        .wait_until(&first, "is routed", TIMEOUT, |s| !s.department.is_empty())
        .await;
    let second = clients
        .submit(LAMP, &uuid::Uuid::new_v4().to_string())
        .await;

    let path = format!("requests/{second}.json?extensions=true");
    let request = eventually("the second report is a duplicate", TIMEOUT, || async {
        let (_, body) = json(open311.get(&path).await).await;
        (body[0]["extended_attributes"]["duplicate"] == true).then_some(body)
    })
    .await;
    let request = &request[0];
    assert_eq!(request["service_code"], LAMP_OUT, "{request}");
    assert_eq!(request["service_name"], "Lampione spento");
    assert_eq!(request["agency_responsible"], "Illuminazione pubblica");
    let extended = &request["extended_attributes"];
    assert_eq!(
        extended["parent_service_request_id"],
        Value::from(first.clone())
    );
    assert_eq!(extended["duplicate_of"], Value::from(first.clone()));
    assert_eq!(extended["channel"], "api");
    let merge = request["notes"]
        .as_array()
        .and_then(|notes| notes.iter().find(|n| n["step"] == "merged"))
        .cloned()
        .expect("a note of the merge");
    assert_eq!(
        merge["summary"],
        Value::from(format!(
            "Unita alla segnalazione {first}, sullo stesso problema"
        ))
    );
    // Merged into work not yet begun, the report is closed as a duplicate.
    assert_eq!(
        (&merge["type"], &merge["state"]),
        (&Value::from("closed"), &Value::from("duplicate"))
    );
    assert_eq!(request["status"], "closed");

    // The incident's first report is no duplicate.
    let (_, parent) = json(
        open311
            .get(&format!("requests/{first}.json?extensions=true"))
            .await,
    )
    .await;
    assert_eq!(parent[0]["extended_attributes"]["duplicate"], false);
    assert_eq!(
        parent[0]["extended_attributes"]["parent_service_request_id"],
        Value::Null
    );
    drop(clients);
    open311.finish().await;
}
