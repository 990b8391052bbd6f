//! Open311 as independently written clients use it: the PyPI packages `georeport` and
//! `three` drive the running server (see `support::python`), and a client that speaks XML
//! only, the way FixMyStreet's Open311 client does.

use serde_json::Value;

use crate::{
    open311::{LAMP_OUT, Open311Platform, xml_text},
    support::{
        env::INTEGRATOR_KEY,
        photos::{self, PNG},
        python::python_with_clients,
    },
};

#[tokio::test]
async fn open311_python_clients_georeport_and_three_work_against_the_server() {
    let python = python_with_clients();
    let open311 = Open311Platform::start(|_| {}).await;
    let photo = tempfile::NamedTempFile::new().expect("a temp file");
    std::fs::write(photo.path(), PNG).expect("write the photo");
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../tests/system/open311_clients/drive.py"
    );
    let output = tokio::process::Command::new(&python)
        .arg(script)
        .env("OPEN311_ENDPOINT", &open311.base)
        .env("OPEN311_API_KEY", INTEGRATOR_KEY)
        .env("PHOTO", photo.path())
        .output()
        .await
        .expect("the script runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the clients failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: Value = serde_json::from_str(&stdout).expect("the script prints JSON");

    assert_eq!(
        seen["three_discovery_formats"],
        serde_json::json!(["text/xml", "application/json"])
    );
    let codes = seen["three_service_codes"].as_array().expect("codes");
    assert!(codes.contains(&Value::from(LAMP_OUT)), "{codes:?}");
    assert_eq!(seen["georeport_services"], seen["three_service_codes"]);
    assert_eq!(
        seen["georeport_xml_services"], seen["three_service_codes"],
        "XML and JSON agree"
    );
    assert_eq!(seen["georeport_definition"], seen["three_definition_code"]);
    assert_eq!(seen["three_post_status"], 200);
    let id = seen["three_created"][0]["service_request_id"]
        .as_str()
        .expect("an id");
    assert!(
        seen["three_created"][0].get("token").is_none(),
        "the id, not a token: {seen}"
    );
    assert_eq!(
        seen["georeport_request"]["service_request_id"],
        Value::from(id),
        "{seen}"
    );
    assert_eq!(
        seen["georeport_xml_request"]["service_request_id"],
        Value::from(id),
        "{seen}"
    );

    // The photo three sent as multipart is stored and served.
    let report = open311.platform.report_as_operator(id).await;
    assert_eq!(report.media_urls.len(), 1);
    assert_eq!(report.address, "Via Roma 12, Milano");
    let served = open311
        .http
        .get(&report.media_urls[0])
        .send()
        .await
        .expect("answer");
    assert!(photos::same_picture(
        &served.bytes().await.expect("bytes"),
        PNG
    ));
    assert_eq!(open311.reports().await, 1);
    open311.finish().await;
}

/// FixMyStreet's client posts a url-encoded form to `requests.xml` with its own
/// attribute answers and reads every answer as XML: `service_request_id` (or a token)
/// on success, `errors/error/description` on failure.
#[tokio::test]
async fn open311_xml_only_client_as_fixmystreet_talks() {
    let open311 = Open311Platform::start(|_| {}).await;
    let xml = open311
        .get("services.xml?jurisdiction_id=comune.example.it")
        .await
        .text()
        .await
        .expect("body");
    assert!(
        xml.contains(&format!("<service_code>{LAMP_OUT}</service_code>")),
        "{xml}"
    );
    let definition = open311
        .get(&format!(
            "services/{LAMP_OUT}.xml?jurisdiction_id=comune.example.it"
        ))
        .await
        .text()
        .await
        .expect("body");
    assert!(definition.contains("<service_definition><service_code>101</service_code><attributes></attributes></service_definition>"), "{definition}");

    let form = [
        ("api_key", INTEGRATOR_KEY),
        ("jurisdiction_id", "comune.example.it"),
        ("service_code", LAMP_OUT),
        (
            "description",
            "Lampione spento\n\nIl lampione all'angolo non si accende da giorni.",
        ),
        ("lat", "45.4642"),
        ("long", "9.19"),
        ("email", "cittadino@example.org"),
        ("first_name", "Luca"),
        ("last_name", "Rossi"),
        ("phone", "+39 02 1234567"),
        ("media_url", "https://fixmystreet.example.org/photo/42.jpeg"),
        ("address_string", "Via Roma 12"),
    ];
    let response = open311.post_form("requests.xml", &form).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/xml; charset=utf-8"
    );
    let xml = response.text().await.expect("body");
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"utf-8\"?><service_requests><request><service_request_id>"), "{xml}");
    assert!(
        xml_text(&xml, "service_request_id").is_some_and(|id| id.len() == 14),
        "{xml}"
    );

    assert!(!xml.contains("<token>"), "the id, not a token: {xml}");

    // FixMyStreet adds answers of its own that the service does not ask for: they are
    // kept with the report for operators, and never public (they may hold the
    // citizen's words and exact position).
    let mut extras = form.to_vec();
    extras.extend([
        ("attribute[fixmystreet_id]", "1001"),
        ("attribute[asset_id]", "LP-4471"),
        ("attribute[easting]", "529025"),
        (
            "attribute[report_url]",
            "https://fixmystreet.example.org/report/1001",
        ),
        ("attribute[closest_address]", "Via Roma 12, 20121 Milano"),
        ("attribute[category]", ""),
    ]);
    let response = open311.post_form("requests.xml", &extras).await;
    assert_eq!(response.status(), 200);
    let xml = response.text().await.expect("body");
    let id = xml_text(&xml, "service_request_id")
        .expect("an id")
        .to_owned();
    let xml = open311
        .get(&format!("requests/{id}.xml?extensions=true"))
        .await
        .text()
        .await
        .expect("body");
    for private in [
        "asset_id",
        "fixmystreet_id",
        "easting",
        "closest_address",
        "LP-4471",
    ] {
        assert!(!xml.contains(private), "{private} is public: {xml}");
    }
    let kept = open311.platform.report_as_operator(&id).await.attributes;
    for (code, value) in [
        ("asset_id", "LP-4471"),
        ("fixmystreet_id", "1001"),
        ("easting", "529025"),
        ("closest_address", "Via Roma 12, 20121 Milano"),
    ] {
        assert_eq!(kept.get(code).map(String::as_str), Some(value), "{code}");
    }
    assert!(
        !kept.contains_key("category"),
        "an empty answer is no answer: {kept:?}"
    );

    // Answers to the service's own questions are public, free text redacted.
    let mut asked = form.to_vec();
    asked.retain(|(name, _)| *name != "service_code");
    asked.extend([
        ("service_code", "201"),
        ("attribute[size]", "small"),
        ("attribute[lane]", "corsia destra, per info 347 555 1234"),
    ]);
    let response = open311.post_form("requests.xml", &asked).await;
    assert_eq!(response.status(), 200);
    let xml = response.text().await.expect("body");
    let pothole = xml_text(&xml, "service_request_id")
        .expect("an id")
        .to_owned();
    let xml = open311
        .get(&format!("requests/{pothole}.xml?extensions=true"))
        .await
        .text()
        .await
        .expect("body");
    for shown in [
        "<attribute><code>size</code><value>small</value></attribute>",
        "<attribute><code>lane</code><value>corsia destra, per info [telefono]</value></attribute>",
    ] {
        assert!(xml.contains(shown), "{shown}: {xml}");
    }

    // An answer the service asks for is still checked: the refusal is XML it can show.
    let mut refused = form.to_vec();
    refused.retain(|(name, _)| *name != "service_code");
    refused.extend([("service_code", "201"), ("attribute[size]", "enorme")]);
    let response = open311.post_form("requests.xml", &refused).await;
    assert_eq!(response.status(), 400);
    let xml = response.text().await.expect("body");
    assert!(
        xml_text(&xml, "description").is_some_and(|d| d.contains("attribute[size]")),
        "{xml}"
    );
    assert_eq!(open311.reports().await, 3);
    open311.finish().await;
}
