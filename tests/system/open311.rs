//! Open311 GeoReport v2 over HTTP against the real database, broker, triage (the
//! service list) and status (statuses and notes): discovery, services, creating
//! requests as form or multipart, tokens given before, reading requests, and every
//! refusal.

use std::time::Duration;

use segnala::ServiceKind;
use segnala_intake::store::count_reports;
use serde_json::Value;

use segnala_proto::intake::v1::{
    HidePhotoRequest, ShowPhotoRequest, intake_service_client::IntakeServiceClient,
};
use tonic::Code;

use crate::support::{
    RunningPlatform, TestEnv,
    clients::channel,
    env::{CREW_KEY, INTEGRATOR_KEY, OPERATOR_KEY},
    eventually, photos,
};

const SERVICES: [ServiceKind; 3] = [
    ServiceKind::Intake,
    ServiceKind::Triage,
    ServiceKind::Status,
];
const TIMEOUT: Duration = Duration::from_secs(30);

/// A service code of the default taxonomy: "Lampione spento".
pub const LAMP_OUT: &str = "101";

pub struct Open311Platform {
    pub env: TestEnv,
    pub platform: RunningPlatform,
    pub base: String,
    pub http: reqwest::Client,
}

impl Open311Platform {
    pub async fn start(configure: impl FnOnce(&mut segnala::Settings)) -> Self {
        let env = TestEnv::new().await;
        let mut settings = env.settings();
        settings.intake.jurisdiction_id = "comune.example.it".into();
        configure(&mut settings);
        let platform = RunningPlatform::start(&settings, &SERVICES).await;
        let base = format!("{}/open311/v2", platform.http_url(ServiceKind::Intake));
        Self {
            env,
            platform,
            base,
            http: segnala_shared::delivery::http_client(TIMEOUT).expect("an HTTP client"),
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}/{path}", self.base))
            .send()
            .await
            .expect("the server answers")
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}/{path}", self.base))
            .form(form)
            .send()
            .await
            .expect("the server answers")
    }

    /// Posts `form` to `requests.json`, which must accept it; returns the request's id.
    pub async fn create(&self, form: &[(&str, &str)]) -> String {
        let (status, created) = json(self.post_form("requests.json", form).await).await;
        assert_eq!(status, 200, "{created}");
        created[0]["service_request_id"]
            .as_str()
            .expect("an id")
            .to_owned()
    }

    pub async fn reports(&self) -> u64 {
        count_reports(&self.env.service_db(ServiceKind::Intake).await)
            .await
            .expect("count reports")
    }

    /// Stops the platform first: running consumers would declare their queues again.
    pub async fn finish(self) {
        drop(self.platform);
        self.env.cleanup().await;
    }
}

pub async fn json(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let text = response.text().await.expect("a body");
    let value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, value)
}

/// The text of the first `<tag>` in an XML document.
/// An Open311 form, field by field.
type Form<'a> = Vec<(&'a str, &'a str)>;

pub fn xml_text<'a>(xml: &'a str, tag: &str) -> Option<&'a str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))?;
    Some(&xml[start..start + end])
}

fn good_report(description: &str) -> Form<'_> {
    vec![
        ("api_key", INTEGRATOR_KEY),
        ("jurisdiction_id", "comune.example.it"),
        ("service_code", LAMP_OUT),
        ("lat", "45.4642"),
        ("long", "9.1900"),
        ("description", description),
        ("email", "maria.bianchi@example.org"),
        ("first_name", "Maria"),
        ("last_name", "Bianchi"),
        ("media_url", "https://photos.example.org/lamp.jpg"),
    ]
}

#[tokio::test]
async fn open311_discovery_services_create_and_read_back() {
    let open311 = Open311Platform::start(|_| {}).await;

    let (status, discovery) = json(open311.get("discovery.json").await).await;
    assert_eq!(status, 200);
    assert_eq!(
        discovery["endpoints"][0]["url"],
        Value::String(open311.base.clone())
    );
    assert_eq!(
        discovery["endpoints"][0]["formats"],
        serde_json::json!(["text/xml", "application/json"])
    );
    let xml = open311.get("discovery.xml").await;
    assert_eq!(xml.headers()["content-type"], "text/xml; charset=utf-8");
    let xml = xml.text().await.expect("body");
    assert!(
        xml.contains(
            "<formats><format>text/xml</format><format>application/json</format></formats>"
        ),
        "{xml}"
    );

    // The service list is the taxonomy triage serves.
    let (status, services) = json(open311.get("services.json").await).await;
    assert_eq!(status, 200);
    let lamp = services
        .as_array()
        .and_then(|list| list.iter().find(|s| s["service_code"] == LAMP_OUT))
        .cloned()
        .expect("service 101 is listed");
    assert_eq!(lamp["service_name"], "Lampione spento");
    assert_eq!(lamp["group"], "Illuminazione pubblica");
    assert_eq!(lamp["type"], "realtime");
    assert_eq!(lamp["metadata"], false);
    let xml = open311
        .get("services.xml")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><services><service><service_code>"
        ),
        "{xml}"
    );
    let (status, definition) = json(open311.get(&format!("services/{LAMP_OUT}.json")).await).await;
    assert_eq!(
        (status, &definition["service_code"]),
        (200, &Value::from(LAMP_OUT))
    );
    assert_eq!(definition["attributes"], serde_json::json!([]));

    // Create, as a form, answered with the tracking code alone: it is known at once, so
    // there is no token (the specification gives one or the other).
    let (status, created) = json(
        open311
            .post_form(
                "requests.json",
                &good_report("Il lampione <b>davanti al 12</b> è spento<script>alert(1)</script>"),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200, "{created}");
    let id = created[0]["service_request_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    assert_eq!(id.len(), 14, "a tracking code: {id}");
    assert!(created[0].get("token").is_none(), "{created}");
    assert_eq!(
        created[0]["service_notice"],
        Value::Null,
        "a placed request has no notice"
    );

    // The markup was stored as plain text, and the contact kept apart for operators.
    let report = open311.platform.report_as_operator(&id).await;
    assert_eq!(report.description, "Il lampione davanti al 12 è spento");
    assert_eq!(report.service_code, LAMP_OUT);
    assert_eq!(report.media_urls, ["https://photos.example.org/lamp.jpg"]);
    let reporter = report.reporter.expect("operators see the contact");
    assert_eq!(reporter.display_name, "Maria Bianchi");

    // Read back, one and as a list, once status knows it.
    let found = eventually("the request is readable with its status", TIMEOUT, || {
        let open311 = &open311;
        let id = id.clone();
        async move {
            let (status, body) = json(
                open311
                    .get(&format!("requests/{id}.json?extensions=true"))
                    .await,
            )
            .await;
            // Routed (a department) and queued (a note): the two steps come in separate
            // events, so wait for both.
            let settled = !body[0]["agency_responsible"].is_null()
                && body[0]["notes"].as_array().is_some_and(|n| !n.is_empty());
            (status == 200 && settled).then_some(body)
        }
    })
    .await;
    let request = &found[0];
    assert_eq!(request["service_request_id"], Value::from(id.clone()));
    assert_eq!(request["status"], "open");
    assert_eq!(request["service_name"], "Lampione spento");
    assert_eq!(
        request["agency_responsible"], "Illuminazione pubblica",
        "the department's name in the city's language, not its id"
    );
    assert_eq!(request["description"], "Il lampione davanti al 12 è spento");
    assert_eq!(
        request["address"],
        Value::Null,
        "no exact address in public"
    );
    assert!(
        request["notes"].as_array().is_some_and(|n| !n.is_empty()),
        "{request}"
    );
    let lat = request["lat"].as_f64().expect("a latitude");
    assert!((lat - 45.464).abs() < 0.002, "rounded position: {lat}");

    let xml = open311
        .get(&format!("requests.xml?service_request_id={id}"))
        .await
        .text()
        .await
        .expect("body");
    assert_eq!(
        xml_text(&xml, "service_request_id"),
        Some(id.as_str()),
        "{xml}"
    );
    let (status, listed) = json(
        open311
            .get(&format!(
                "requests.json?service_code={LAMP_OUT}&status=open"
            ))
            .await,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        listed
            .as_array()
            .is_some_and(|l| l.iter().any(|r| r["service_request_id"] == id.as_str())),
        "{listed}"
    );
    let (status, closed) = json(open311.get("requests.json?status=closed").await).await;
    assert_eq!((status, closed), (200, serde_json::json!([])));
    assert_eq!(open311.reports().await, 1);
    open311.finish().await;
}

fn multipart(fields: &[(&str, &str)], photo: Option<&[u8]>) -> (String, Vec<u8>) {
    let boundary = "segnala-test-boundary-7d1f";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some(photo) = photo {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"media\"; filename=\"foto.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").as_bytes(),
        );
        body.extend_from_slice(photo);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

#[tokio::test]
async fn open311_service_questions_come_from_the_taxonomy_and_answers_are_checked() {
    let open311 = Open311Platform::start(|_| {}).await;
    const POTHOLE: &str = "201";
    const DUMPING: &str = "302";

    let (_, services) = json(open311.get("services.json").await).await;
    let metadata = |code: &str| {
        services
            .as_array()
            .and_then(|list| list.iter().find(|s| s["service_code"] == code))
            .map(|s| s["metadata"].clone())
    };
    assert_eq!(metadata(POTHOLE), Some(Value::Bool(true)));
    assert_eq!(metadata(DUMPING), Some(Value::Bool(true)));

    let (status, definition) = json(open311.get(&format!("services/{POTHOLE}.json")).await).await;
    assert_eq!(status, 200);
    let attributes = definition["attributes"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let codes: Vec<&str> = attributes
        .iter()
        .filter_map(|a| a["code"].as_str())
        .collect();
    assert_eq!(codes, ["size", "lane"]);
    assert_eq!(attributes[0]["datatype"], "singlevaluelist");
    assert_eq!(attributes[0]["description"], "Quanto è grande la buca?");
    assert_eq!(attributes[0]["order"], 1);
    let keys: Vec<&str> = attributes[0]["values"]
        .as_array()
        .map(|values| values.iter().filter_map(|v| v["key"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(keys, ["small", "medium", "large"]);
    assert_eq!(attributes[1]["datatype"], "string");

    let report = |answers: &[(&'static str, &'static str)], service: &'static str| {
        let mut form = good_report("Buca profonda davanti alla scuola");
        form.retain(|(name, _)| *name != "service_code");
        form.push(("service_code", service));
        form.extend_from_slice(answers);
        form
    };
    // An answer that is not one of the choices is refused by name; nothing is stored.
    let refused = open311
        .post_form(
            "requests.json",
            &report(&[("attribute[size]", "enormous")], POTHOLE),
        )
        .await;
    let (status, errors) = json(refused).await;
    assert_eq!(status, 400);
    assert!(
        errors[0]["description"]
            .as_str()
            .is_some_and(|d| d.contains("attribute[size]")),
        "{errors}"
    );
    assert_eq!(open311.reports().await, 0);

    // Good answers, one of them a multiple choice, are kept with the report.
    for (service, answers) in [
        (
            POTHOLE,
            vec![
                ("attribute[size]", "large"),
                ("attribute[lane]", "corsia di destra"),
            ],
        ),
        (
            DUMPING,
            vec![
                ("attribute[waste_kind][]", "bulky"),
                ("attribute[waste_kind][]", "bags"),
            ],
        ),
    ] {
        let (status, created) = json(
            open311
                .post_form("requests.json", &report(&answers, service))
                .await,
        )
        .await;
        assert_eq!(status, 200, "{created}");
    }
    assert_eq!(open311.reports().await, 2);
    // The list comes from the public statuses, which follow intake by an event.
    let answers: Vec<Value> = eventually("both requests are listed", TIMEOUT, || async {
        let (_, listed) = json(open311.get("requests.json?extensions=true").await).await;
        let answers: Vec<Value> = listed
            .as_array()?
            .iter()
            .map(|r| r["extended_attributes"]["attributes"].clone())
            .collect();
        (answers.len() == 2).then_some(answers)
    })
    .await;
    assert!(
        answers.contains(&serde_json::json!([
            {"code": "lane", "value": "corsia di destra"},
            {"code": "size", "value": "large"}
        ])),
        "{answers:?}"
    );
    assert!(
        answers.contains(&serde_json::json!([{"code": "waste_kind", "value": "bulky,bags"}])),
        "{answers:?}"
    );
    open311.finish().await;
}

#[tokio::test]
async fn open311_multipart_photo_is_served_without_camera_metadata_and_operators_may_hide_it() {
    let open311 =
        Open311Platform::start(|settings| settings.intake.max_media_bytes = 64 * 1024).await;
    let camera = photos::camera_jpeg();
    let (content_type, body) = multipart(
        &good_report("Lampione spento, foto allegata"),
        Some(&camera),
    );
    let response = open311
        .http
        .post(format!("{}/requests.xml", open311.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 200);
    let xml = response.text().await.expect("body");
    let id = xml_text(&xml, "service_request_id")
        .expect("an id")
        .to_owned();

    let report = open311.platform.report_as_operator(&id).await;
    assert_eq!(report.media_urls.len(), 2, "{:?}", report.media_urls);
    let served = report
        .media_urls
        .iter()
        .find(|u| u.contains("/media/"))
        .expect("a served photo")
        .clone();
    let photo = open311.http.get(&served).send().await.expect("answer");
    assert_eq!(photo.headers()["content-type"], "image/jpeg");
    assert_eq!(photo.headers()["x-content-type-options"], "nosniff");
    photos::assert_without_camera_metadata(&photo.bytes().await.expect("bytes"));

    // An operator hides it: the link answers 404 and Open311 reads leave it out, the
    // other photo (a link) stays; the change is on record.
    let mut operator = IntakeServiceClient::new(
        channel(
            &open311.platform.url(ServiceKind::Intake),
            Some(OPERATOR_KEY),
        )
        .await,
    );
    let name = format!("photos/{}", served.rsplit('/').next().expect("an id"));
    let photo_status = || async {
        let response = open311.http.get(&served).send().await.expect("answer");
        response.status().as_u16()
    };
    let listed_photos = || async {
        let (_, requests) = json(
            open311
                .get(&format!("requests/{id}.json?extensions=true"))
                .await,
        )
        .await;
        requests[0]["extended_attributes"]["media_urls"].clone()
    };
    assert_eq!(listed_photos().await.as_array().map(Vec::len), Some(2));
    let no_reason = operator
        .hide_photo(HidePhotoRequest {
            name: name.clone(),
            reason: "  ".into(),
        })
        .await
        .expect_err("a reason is required");
    assert_eq!(no_reason.code(), Code::InvalidArgument, "{no_reason:?}");
    let as_integrator = IntakeServiceClient::new(
        channel(
            &open311.platform.url(ServiceKind::Intake),
            Some(INTEGRATOR_KEY),
        )
        .await,
    )
    .hide_photo(HidePhotoRequest {
        name: name.clone(),
        reason: "not mine to hide".into(),
    })
    .await
    .expect_err("operators only");
    assert_eq!(
        as_integrator.code(),
        Code::PermissionDenied,
        "{as_integrator:?}"
    );
    assert_eq!(photo_status().await, 200);

    let hidden = operator
        .hide_photo(HidePhotoRequest {
            name: name.clone(),
            reason: "shows a neighbour's face".into(),
        })
        .await
        .expect("hidden")
        .into_inner()
        .photo
        .expect("the photo");
    assert!(hidden.hidden);
    assert_eq!(hidden.uri, served);
    assert_eq!(hidden.report, format!("reports/{id}"));
    assert_eq!(photo_status().await, 404);
    let left = listed_photos().await;
    assert_eq!(left.as_array().map(Vec::len), Some(1), "{left}");
    assert!(!left.to_string().contains(&served), "{left}");
    // Operators still see it with the report.
    assert_eq!(
        open311
            .platform
            .report_as_operator(&id)
            .await
            .media_urls
            .len(),
        2
    );

    let shown = operator
        .show_photo(ShowPhotoRequest {
            name: name.clone(),
            reason: "face blurred by the reporter's consent".into(),
        })
        .await
        .expect("shown")
        .into_inner()
        .photo
        .expect("the photo");
    assert!(!shown.hidden);
    let record: Vec<(bool, &str, &str)> = shown
        .changes
        .iter()
        .map(|c| (c.hidden, c.operator.as_str(), c.reason.as_str()))
        .collect();
    assert_eq!(
        record,
        [
            (true, "test-operator", "shows a neighbour's face"),
            (
                false,
                "test-operator",
                "face blurred by the reporter's consent"
            ),
        ]
    );
    assert_eq!(photo_status().await, 200);
    assert_eq!(listed_photos().await.as_array().map(Vec::len), Some(2));

    // Not an image, or too large: refused, nothing stored.
    let (content_type, body) = multipart(
        &good_report("finta foto"),
        Some(b"<html><script>alert(1)</script></html>"),
    );
    let response = open311
        .http
        .post(format!("{}/requests.json", open311.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("answer");
    let (status, errors) = json(response).await;
    assert_eq!(status, 400);
    assert!(
        errors[0]["description"]
            .as_str()
            .is_some_and(|d| d.contains("not a photo format accepted")),
        "{errors}"
    );
    let big = [photos::PNG, &vec![0u8; 70 * 1024]].concat();
    let (content_type, body) = multipart(&good_report("foto enorme"), Some(&big));
    let response = open311
        .http
        .post(format!("{}/requests.json", open311.base))
        .header("content-type", content_type)
        .body(body)
        .send()
        .await
        .expect("answer");
    assert_eq!(response.status(), 413);
    assert_eq!(open311.reports().await, 1);
    open311.finish().await;
}

#[tokio::test]
async fn open311_bad_input_is_refused_with_open311_errors_and_stores_nothing() {
    let open311 = Open311Platform::start(|_| {}).await;
    let long = "x".repeat(4001);
    let with = |changes: &[(&'static str, &'static str)]| {
        let mut form: Vec<(&str, &str)> = good_report("Buca in via Roma");
        for (name, value) in changes {
            form.retain(|(n, _)| n != name);
            if !value.is_empty() {
                form.push((name, value));
            }
        }
        form
    };
    let cases: Vec<(Form, u16, &str)> = vec![
        (with(&[("api_key", "")]), 403, "api_key is required"),
        (
            with(&[("api_key", "not-a-key-at-all-000")]),
            403,
            "not valid",
        ),
        (with(&[("api_key", CREW_KEY)]), 403, "not valid"),
        (
            with(&[("service_code", "999")]),
            404,
            "service_code 999 was not found",
        ),
        (
            with(&[("service_code", "")]),
            400,
            "service_code is required",
        ),
        (
            with(&[("jurisdiction_id", "altro.it")]),
            404,
            "jurisdiction_id altro.it was not found",
        ),
        (
            with(&[("lat", "91")]),
            400,
            "lat: must be between -90 and 90",
        ),
        (
            with(&[("long", "")]),
            400,
            "lat and long must be sent together",
        ),
        (with(&[("lat", "nord")]), 400, "lat: `nord` is not a number"),
        (
            with(&[("lat", "45.5845"), ("long", "9.2744")]),
            400,
            "lat/long: is outside Comune di Milano",
        ),
        (
            with(&[("lat", ""), ("long", "")]),
            400,
            "lat/long: give a location or an address",
        ),
        (
            with(&[("description", ""), ("media_url", "")]),
            400,
            "description: is required unless a photo is sent",
        ),
        (
            with(&[("email", "nessuno")]),
            400,
            "email: is not an e-mail address",
        ),
        (
            with(&[("media_url", "javascript:alert(1)")]),
            400,
            "media[0]: must be an http",
        ),
    ];
    for (form, status, message) in cases {
        let (got, errors) = json(open311.post_form("requests.json", &form).await).await;
        assert_eq!(got, status, "{form:?}: {errors}");
        assert_eq!(errors[0]["code"], Value::from(status));
        assert!(
            errors[0]["description"]
                .as_str()
                .is_some_and(|d| d.contains(message)),
            "{message}: {errors}"
        );
    }
    let mut too_long = good_report("");
    too_long.retain(|(n, _)| *n != "description");
    too_long.push(("description", &long));
    let (status, errors) = json(open311.post_form("requests.json", &too_long).await).await;
    assert_eq!(status, 400);
    assert!(
        errors[0]["description"]
            .as_str()
            .is_some_and(|d| d.contains("at most 4000 characters")),
        "{errors}"
    );

    // The same refusal in XML, with the list of errors the specification shapes.
    let response = open311
        .post_form("requests.xml", &with(&[("api_key", "")]))
        .await;
    assert_eq!(response.status(), 403);
    let xml = response.text().await.expect("body");
    assert!(
        xml.starts_with(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><errors><error><code>403</code><description>"
        ),
        "{xml}"
    );

    // Malformed bodies, wrong content types, oversized bodies, unknown resources.
    let raw = |content_type: &'static str, body: Vec<u8>| {
        open311
            .http
            .post(format!("{}/requests.json", open311.base))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    let response = raw("application/json", b"{\"service_code\":\"101\"}".to_vec())
        .await
        .expect("answer");
    assert_eq!(response.status(), 415);
    let response = raw(
        "multipart/form-data; boundary=zzz",
        b"--zzz\r\nnot a part".to_vec(),
    )
    .await
    .expect("answer");
    assert_eq!(response.status(), 400);
    let response = raw(
        "application/x-www-form-urlencoded",
        vec![b'a'; 2 * 1024 * 1024 + 512 * 1024],
    )
    .await
    .expect("answer");
    assert_eq!(response.status(), 413);
    assert_eq!(open311.get("services.html").await.status(), 404);
    let (status, errors) = json(open311.get("services/999.json").await).await;
    assert_eq!(status, 404, "{errors}");
    let (status, _) = json(open311.get("requests/7KQ2-M9XA-4BRT.json").await).await;
    assert_eq!(status, 404);
    let (status, _) = json(
        open311
            .get("tokens/0f8fad5b-d9cb-469f-a165-70867728950e.json")
            .await,
    )
    .await;
    assert_eq!(status, 404);
    let (status, errors) = json(
        open311
            .get("requests.json?start_date=2026-01-01T00:00:00Z&end_date=2026-06-01T00:00:00Z")
            .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        errors[0]["description"]
            .as_str()
            .is_some_and(|d| d.contains("at most 90 days")),
        "{errors}"
    );
    let (status, _) = json(open311.get("requests.json?status=maybe").await).await;
    assert_eq!(status, 400);
    let (status, errors) = json(open311.get("requests.json?start_date=2026-13-01").await).await;
    assert_eq!(status, 400);
    assert!(
        errors[0]["description"]
            .as_str()
            .is_some_and(|d| d.contains("start_date: `2026-13-01` is not")),
        "{errors}"
    );
    let (status, _) = json(open311.get("services.json?jurisdiction_id=altro.it").await).await;
    assert_eq!(status, 404);

    assert_eq!(open311.reports().await, 0, "nothing refused was stored");
    open311.finish().await;
}

#[tokio::test]
async fn open311_rate_limits_answer_429_with_retry_after() {
    let open311 = Open311Platform::start(|settings| {
        settings.intake.rate_limit.per_key_per_minute = 2;
        settings.intake.rate_limit.per_address_per_minute = 6;
    })
    .await;
    for i in 0..2 {
        let response = open311
            .post_form("requests.json", &good_report("Lampione spento"))
            .await;
        assert_eq!(response.status(), 200, "report {i}");
    }
    let response = open311
        .post_form("requests.json", &good_report("Lampione spento"))
        .await;
    assert_eq!(response.status(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .ok()
        .and_then(|s| s.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&wait), "{wait}");
    let (_, errors) = json(response).await;
    assert!(
        errors[0]["description"]
            .as_str()
            .is_some_and(|d| d.contains("for your api_key")),
        "{errors}"
    );
    // Three requests so far; the address allows six a minute.
    for _ in 0..3 {
        assert_eq!(open311.get("services.json").await.status(), 200);
    }
    let response = open311.get("services.xml").await;
    assert_eq!(response.status(), 429);
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(open311.reports().await, 2);
    open311.finish().await;
}

/// A GET with `Accept-Language`.
async fn get_in(open311: &Open311Platform, path: &str, language: &str) -> Value {
    let response = open311
        .http
        .get(format!("{}/{path}", open311.base))
        .header("accept-language", language)
        .send()
        .await
        .expect("the server answers");
    let (status, body) = json(response).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

#[tokio::test]
async fn open311_answers_follow_the_requests_language_and_empty_texts_are_strings() {
    let open311 = Open311Platform::start(|_| {}).await;
    let lamp = |services: &Value| {
        services
            .as_array()
            .and_then(|list| list.iter().find(|s| s["service_code"] == LAMP_OUT))
            .cloned()
            .unwrap_or_default()
    };

    // The city's language unless the request asks for another: Accept-Language, or
    // locale / lang, which win over the header.
    let (_, italian) = json(open311.get("services.json").await).await;
    assert_eq!(lamp(&italian)["service_name"], "Lampione spento");
    let english = get_in(&open311, "services.json", "en-GB,en;q=0.9,it;q=0.5").await;
    assert_eq!(lamp(&english)["service_name"], "Street light out");
    assert_eq!(lamp(&english)["group"], "Street lighting");
    let (_, by_locale) = json(open311.get("services.json?locale=en_US").await).await;
    assert_eq!(lamp(&by_locale)["service_name"], "Street light out");
    let named = get_in(&open311, "services.json?lang=it", "en").await;
    assert_eq!(lamp(&named)["service_name"], "Lampione spento");
    // Texts a service lacks are empty strings, as real servers give them.
    for service in italian.as_array().cloned().unwrap_or_default() {
        for field in ["description", "keywords", "group"] {
            assert!(service[field].is_string(), "{field}: {service}");
        }
    }
    let definition = get_in(&open311, "services/201.json", "en").await;
    assert_eq!(
        definition["attributes"][0]["description"],
        "How big is the pothole?"
    );
    assert_eq!(definition["attributes"][0]["datatype_description"], "");

    // A request's department and notes in the same language as its service's name.
    let id = open311.create(&good_report("Il lampione è spento")).await;
    let path = format!("requests/{id}.json?extensions=true");
    // Status learns the departments' names from triage's TaxonomyPublished, which may
    // reach it after the routing: until then a note names the department by its id.
    let request = eventually("the request is received and routed", TIMEOUT, || async {
        let (_, body) = json(open311.get(&path).await).await;
        let notes = body[0]["notes"].as_array().map_or(0, Vec::len);
        let named = !body[0]["notes"].to_string().contains("street_lighting");
        (notes >= 2 && named).then_some(body)
    })
    .await;
    let request = &request[0];
    assert_eq!(request["service_name"], "Lampione spento");
    assert_eq!(request["agency_responsible"], "Illuminazione pubblica");
    let summaries: Vec<&str> = request["notes"]
        .as_array()
        .map(|notes| notes.iter().filter_map(|n| n["summary"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        summaries,
        [
            "Segnalazione ricevuta",
            "Inviata all'ufficio Illuminazione pubblica"
        ]
    );
    assert_eq!(
        request["status_notes"],
        "Inviata all'ufficio Illuminazione pubblica"
    );
    let types: Vec<&str> = request["notes"]
        .as_array()
        .map(|notes| notes.iter().filter_map(|n| n["type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(types, ["opened", "activity"]);
    assert_eq!(request["notes"][1]["step"], "routed");

    let english = get_in(&open311, &path, "en").await;
    let english = &english[0];
    assert_eq!(english["service_name"], "Street light out");
    assert_eq!(english["agency_responsible"], "Street lighting");
    assert_eq!(
        english["notes"][1]["summary"],
        "Sent to the Street lighting department"
    );
    assert_eq!(
        english["status_notes"],
        "Sent to the Street lighting department"
    );
    let text = english.to_string();
    assert!(
        !text.contains("street_lighting"),
        "no department id in citizen-facing text: {text}"
    );
    open311.finish().await;
}

#[tokio::test]
async fn open311_dates_without_a_time_are_whole_days_in_the_citys_time_zone() {
    let open311 = Open311Platform::start(|_| {}).await;
    let id = open311.create(&good_report("Lampione spento")).await;
    let (_, request) = json(open311.get(&format!("requests/{id}.json")).await).await;
    let requested = chrono::DateTime::parse_from_rfc3339(
        request[0]["requested_datetime"]
            .as_str()
            .unwrap_or_default(),
    )
    .expect("a w3 requested_datetime");
    // The day the request was made on, on the city's clock.
    let day = requested
        .with_timezone(&segnala_shared::time::DEFAULT_TIME_ZONE)
        .date_naive();
    let listed = |query: String| {
        let open311 = &open311;
        async move {
            let (status, body) = json(open311.get(&format!("requests.json?{query}")).await).await;
            assert_eq!(status, 200, "{query}: {body}");
            body.as_array().cloned().unwrap_or_default()
        }
    };
    let that_day = eventually("the request is listed on its day", TIMEOUT, || {
        let query = format!("start_date={day}&end_date={day}");
        let listed = &listed;
        async move {
            let found = listed(query).await;
            (!found.is_empty()).then_some(found)
        }
    })
    .await;
    assert_eq!(that_day[0]["service_request_id"], Value::from(id.clone()));
    let (before, after) = (
        day.pred_opt().expect("a day"),
        day.succ_opt().expect("a day"),
    );
    assert!(listed(format!("end_date={before}")).await.is_empty());
    assert!(listed(format!("start_date={after}")).await.is_empty());
    assert_eq!(
        listed(format!("start_date={before}&end_date={after}"))
            .await
            .len(),
        1
    );
    open311.finish().await;
}

#[tokio::test]
async fn open311_requests_get_no_token_tokens_given_before_still_answer_and_a_photo_may_stand_for_the_description()
 {
    use sea_orm::ConnectionTrait;

    let open311 = Open311Platform::start(|_| {}).await;
    let mut photo_only = good_report("");
    photo_only.retain(|(name, _)| *name != "description");
    let (status, created) = json(open311.post_form("requests.json", &photo_only).await).await;
    assert_eq!(status, 200, "{created}");
    assert!(created[0].get("token").is_none(), "{created}");
    let id = created[0]["service_request_id"]
        .as_str()
        .expect("an id")
        .to_owned();
    let (_, request) = json(open311.get(&format!("requests/{id}.json")).await).await;
    assert_eq!(
        request[0]["description"],
        Value::Null,
        "no text stands in for the citizen's: {request}"
    );
    assert_eq!(
        request[0]["media_url"],
        "https://photos.example.org/lamp.jpg"
    );

    // A request made when intake still gave tokens: its token keeps answering.
    let token = "0f8fad5b-d9cb-469f-a165-70867728950e";
    open311
        .env
        .service_db(ServiceKind::Intake)
        .await
        .execute_unprepared(&format!(
            "UPDATE reports SET token = '{token}' WHERE tracking_code = '{id}'"
        ))
        .await
        .expect("the token is stored");
    let (status, answer) = json(open311.get(&format!("tokens/{token}.json")).await).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(
        answer,
        serde_json::json!([{"service_request_id": id, "token": token}])
    );
    assert_eq!(open311.reports().await, 1);
    open311.finish().await;
}
