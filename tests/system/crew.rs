//! The crew client, the real `segnala` binary, driven against a running platform: a
//! citizen's report becomes a work order the crew claims, works and resolves from the
//! terminal, and the citizen sees it resolved.

use std::{
    path::Path,
    process::{Output, Stdio},
    time::Duration,
};

use sea_orm::ConnectionTrait;
use segnala::{Platform, ServiceKind};
use segnala_proto::status::v1::PublicState;
use serde_json::Value;
use tokio::{
    io::{AsyncBufReadExt, BufReader, Lines},
    process::{Child, ChildStdout},
};

use segnala_shared::grpc::TlsSettings;

use crate::support::{
    RunningPlatform, TestEnv,
    clients::{distinct_place, report_request},
    env::{CREW_KEY, OPERATOR_KEY},
};

/// Runs `segnala` with `args` and the crew's config file.
async fn segnala(config: &Path, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_segnala"))
        .arg("crew")
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("SEGNALA_CREW_TOKEN")
        .output()
        .await
        .expect("the segnala binary runs")
}

/// `segnala crew watch` running beside the test, its output read line by line.
struct Watch {
    child: Child,
    lines: Lines<BufReader<ChildStdout>>,
}

impl Watch {
    fn start(config: &Path) -> Self {
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_segnala"))
            .arg("crew")
            .arg("--config")
            .arg(config)
            .arg("watch")
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the segnala binary runs");
        let stdout = child.stdout.take().expect("stdout is piped");
        Self {
            child,
            lines: BufReader::new(stdout).lines(),
        }
    }

    /// Reads the output until a line contains `wanted`; returns what it read.
    async fn until(&mut self, wanted: &str) -> String {
        let mut seen = String::new();
        let read = async {
            while let Some(line) = self.lines.next_line().await.expect("watch output") {
                seen.push_str(&line);
                seen.push('\n');
                if line.contains(wanted) {
                    return true;
                }
            }
            false
        };
        let found = tokio::time::timeout(Duration::from_secs(30), read).await;
        assert!(
            matches!(found, Ok(true)),
            "`segnala crew watch` never printed {wanted:?}; it printed:\n{seen}"
        );
        seen
    }

    async fn stop(mut self) {
        self.child.start_kill().expect("watch can be stopped");
        let status = self.child.wait().await.expect("watch exits");
        assert!(!status.success(), "watch runs until it is stopped");
    }
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn succeeded(output: Output, what: &str) -> Output {
    assert!(
        output.status.success(),
        "{what} failed: {}{}",
        stdout(&output),
        stderr(&output)
    );
    output
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", stdout(output)))
}

#[tokio::test]
async fn a_crew_works_a_citizens_report_from_the_terminal() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let mut clients = platform.clients().await;
    let code = clients
        .submit(
            "Il lampione davanti al civico 12 è spento da tre notti",
            &uuid::Uuid::new_v4().to_string(),
        )
        .await;
    clients
        .wait_for_state(&code, PublicState::Assigned, Duration::from_secs(30))
        .await;

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("crew.toml");
    let server = platform.url(ServiceKind::Tracking);

    // Nobody listens on this port: the crew is told so, and nothing is saved.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .unwrap()
        .port();
    let unreachable = segnala(
        &config,
        &[
            "login",
            "--server",
            &format!("http://127.0.0.1:{closed}"),
            "--token",
            CREW_KEY,
        ],
    )
    .await;
    assert!(!unreachable.status.success());
    assert!(
        stderr(&unreachable).contains("cannot reach"),
        "{}",
        stderr(&unreachable)
    );
    assert!(!config.exists());
    let not_a_crew = segnala(
        &config,
        &["login", "--server", &server, "--token", OPERATOR_KEY],
    )
    .await;
    assert!(
        stderr(&not_a_crew).contains("not a crew's"),
        "{}",
        stderr(&not_a_crew)
    );

    succeeded(
        segnala(
            &config,
            &["login", "--server", &server, "--token", CREW_KEY],
        )
        .await,
        "login",
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&config).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "the token is readable by its owner only");
    }

    let queue = json(&succeeded(
        segnala(&config, &["queue", "--json"]).await,
        "queue",
    ));
    assert_eq!(queue["queue_size"], 1);

    // A crew watching the queue sees the order, then sees it leave when it is claimed.
    let mut watch = Watch::start(&config);
    let first = watch.until("lampione davanti al civico 12").await;
    assert!(first.contains("── 1 in the queue"), "{first}");
    let next = succeeded(segnala(&config, &["next"]).await, "next");
    watch.until("── 0 in the queue").await;
    watch.until("Nothing here.").await;
    watch.stop().await;

    let text = stdout(&next);
    assert!(text.contains("lampione davanti al civico 12"), "{text}");
    assert!(
        text.contains("https://www.openstreetmap.org/?mlat="),
        "{text}"
    );
    assert!(text.contains("priority") && text.contains("due"), "{text}");

    succeeded(segnala(&config, &["start"]).await, "start");
    succeeded(
        segnala(&config, &["note", "Fuse blown in the pole's box"]).await,
        "note",
    );
    let photo = dir.path().join("after.png");
    std::fs::write(&photo, crate::support::photos::PNG).unwrap();
    succeeded(
        segnala(&config, &["photo", photo.to_str().unwrap(), "--after"]).await,
        "photo",
    );
    let text_file = dir.path().join("notes.txt");
    std::fs::write(&text_file, "not a picture").unwrap();
    let refused = segnala(&config, &["photo", text_file.to_str().unwrap()]).await;
    assert_eq!(refused.status.code(), Some(2), "refused input exits 2");
    assert!(stderr(&refused).contains("content"), "{}", stderr(&refused));

    succeeded(
        segnala(&config, &["hold", "--reason", "Waiting for a fuse"]).await,
        "hold",
    );
    let mine = json(&succeeded(
        segnala(&config, &["mine", "--json"]).await,
        "mine",
    ));
    assert_eq!(mine["work_orders"][0]["state"], "on hold");
    succeeded(segnala(&config, &["start"]).await, "resume");
    let resolved = json(&succeeded(
        segnala(
            &config,
            &[
                "resolve",
                "--note",
                "Fuse replaced, the lamp works",
                "--json",
            ],
        )
        .await,
        "resolve",
    ));
    assert_eq!(resolved["state"], "resolved");
    let shown = json(&succeeded(
        segnala(&config, &["show", "--json"]).await,
        "show",
    ));
    assert_eq!(shown["public_note"], "Fuse replaced, the lamp works");
    assert_eq!(shown["notes"].as_array().map(Vec::len), Some(2));
    assert_eq!(shown["photos"][0]["kind"], "after");
    assert_eq!(shown["reports"][0], format!("reports/{code}"));

    // A finished order cannot be started again; the crew is told why.
    let again = segnala(&config, &["start"]).await;
    assert!(!again.status.success());
    assert!(
        stderr(&again).contains("resolved cannot be started"),
        "{}",
        stderr(&again)
    );

    clients
        .wait_for_state(&code, PublicState::Resolved, Duration::from_secs(30))
        .await;

    // The operator's chain check: intact, then broken by an edited row, named.
    let verify = |key: &'static str| {
        let server = server.clone();
        async move {
            tokio::process::Command::new(env!("CARGO_BIN_EXE_segnala"))
                .args([
                    "tracking",
                    "--server",
                    &server,
                    "--api-key",
                    key,
                    "verify-audit",
                ])
                .output()
                .await
                .unwrap()
        }
    };
    let intact = succeeded(verify(OPERATOR_KEY).await, "verify-audit");
    assert!(stdout(&intact).contains("intact"), "{}", stdout(&intact));
    let db = env.service_db(ServiceKind::Tracking).await;
    db.execute_unprepared(
        "UPDATE audit_log SET detail = 'nothing happened' WHERE action = 'resolve'",
    )
    .await
    .unwrap();
    let broken = verify(OPERATOR_KEY).await;
    assert_eq!(broken.status.code(), Some(1));
    assert!(
        stderr(&broken).contains("broken at entry"),
        "{}",
        stderr(&broken)
    );
    drop(platform);
    env.cleanup().await;
}

#[tokio::test]
async fn a_crew_reaches_a_tracking_server_that_serves_tls() {
    let env = TestEnv::new().await;
    let dir = tempfile::tempdir().unwrap();
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (cert_file, key_file) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_file, certified.cert.pem()).unwrap();
    std::fs::write(&key_file, certified.signing_key.serialize_pem()).unwrap();

    // A key file that holds no key stops the start, naming the setting.
    let mut settings = env.settings();
    settings.listen.tracking_tls = Some(TlsSettings {
        cert_file: cert_file.clone(),
        key_file: cert_file.clone(),
    });
    let refused = Platform::build(&settings, &[ServiceKind::Tracking])
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(refused.contains("listen.tracking_tls"), "{refused}");

    settings.listen.tracking_tls = Some(TlsSettings {
        cert_file: cert_file.clone(),
        key_file,
    });
    let platform = RunningPlatform::start(&settings, &[ServiceKind::Tracking]).await;
    let port = platform.addresses[ServiceKind::Tracking.name()].port();
    let server = format!("https://127.0.0.1:{port}");
    let config = dir.path().join("crew.toml");
    let login = |server: String, trusting: bool| {
        let config = config.clone();
        let cert_file = cert_file.clone();
        async move {
            let mut args = vec!["login", "--server", &server, "--token", CREW_KEY];
            if trusting {
                args.extend(["--ca-cert", cert_file.to_str().unwrap()]);
            }
            segnala(&config, &args).await
        }
    };

    // The certificate is no public authority's: without it the crew is told, and
    // nothing is saved; plain HTTP/2 does not get through either.
    let untrusted = login(server.clone(), false).await;
    assert!(!untrusted.status.success());
    assert!(
        stderr(&untrusted).contains("cannot reach") && stderr(&untrusted).contains("certificate"),
        "{}",
        stderr(&untrusted)
    );
    let plain = login(format!("http://127.0.0.1:{port}"), true).await;
    assert!(!plain.status.success(), "{}", stdout(&plain));
    assert!(!config.exists());

    succeeded(login(server.clone(), true).await, "login over TLS");
    let saved = std::fs::read_to_string(&config).unwrap();
    assert!(saved.contains("ca_cert"), "{saved}");
    // Later commands trust the certificate login was given.
    let queue = json(&succeeded(
        segnala(&config, &["queue", "--json"]).await,
        "queue over TLS",
    ));
    assert_eq!(queue["queue_size"], 0);
    drop(platform);
    env.cleanup().await;
}

/// Whether `text` shows a time on the Rome clock (winter or summer time).
fn on_rome_clock(text: &str) -> bool {
    text.contains(" CET") || text.contains(" CEST")
}

#[tokio::test]
async fn a_crew_sees_places_and_its_citys_clock_and_holds_one_order_at_a_time() {
    let env = TestEnv::new().await;
    let platform = RunningPlatform::start(&env.settings(), &ServiceKind::ALL).await;
    let mut clients = platform.clients().await;
    let mut codes = Vec::new();
    for place in 0..2 {
        let mut request = report_request(
            "Il lampione è spento da tre notti",
            &uuid::Uuid::new_v4().to_string(),
        );
        if let Some(report) = request.report.as_mut() {
            report.location = Some(distinct_place(place));
        }
        let code = clients.submit_request(request).await;
        clients
            .wait_for_state(&code, PublicState::Assigned, Duration::from_secs(30))
            .await;
        codes.push(code);
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("crew.toml");
    let server = platform.url(ServiceKind::Tracking);
    succeeded(
        segnala(
            &config,
            &["login", "--server", &server, "--token", CREW_KEY],
        )
        .await,
        "login",
    );

    // The queue says where each job is: these reports gave no address, so the zone
    // and the coordinates.
    let queue = json(&succeeded(
        segnala(&config, &["queue", "--json"]).await,
        "queue",
    ));
    let places: Vec<String> = queue["work_orders"]
        .as_array()
        .expect("orders")
        .iter()
        .map(|o| o["place"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(places.len(), 2, "{queue}");
    let listed = stdout(&succeeded(segnala(&config, &["queue"]).await, "queue"));
    for (place, order) in places.iter().zip(queue["work_orders"].as_array().unwrap()) {
        let point = format!(
            "{:.5}, {:.5}",
            order["latitude"].as_f64().unwrap(),
            order["longitude"].as_f64().unwrap()
        );
        assert!(place.contains(&point), "{place}");
        assert!(listed.contains(place.as_str()), "{listed}");
    }

    // Times on the city's clock: Rome's by default.
    let first = succeeded(segnala(&config, &["next"]).await, "next");
    let shown = stdout(&first);
    assert!(on_rome_clock(&shown) && !shown.contains("UTC"), "{shown}");
    let held = json(&succeeded(
        segnala(&config, &["show", "--json"]).await,
        "show",
    ))["name"]
        .as_str()
        .unwrap()
        .to_owned();

    // A second `next` does not quietly claim another: it names the held order and the
    // ways out, and claims nothing.
    let refused = segnala(&config, &["next"]).await;
    assert!(!refused.status.success());
    let told = stderr(&refused);
    assert!(
        told.contains(&held)
            && told.contains("segnala crew release")
            && told.contains("segnala crew resolve")
            && told.contains("--another"),
        "{told}"
    );
    let mine = json(&succeeded(
        segnala(&config, &["mine", "--json"]).await,
        "mine",
    ));
    assert_eq!(mine["work_orders"].as_array().map(Vec::len), Some(1));
    let again = json(&succeeded(
        segnala(&config, &["next", "--another", "--json"]).await,
        "next --another",
    ));
    assert_ne!(again["name"].as_str(), Some(held.as_str()));
    let mine = json(&succeeded(
        segnala(&config, &["mine", "--json"]).await,
        "mine",
    ));
    assert_eq!(mine["work_orders"].as_array().map(Vec::len), Some(2));

    // Another city's clock: for one command, or saved at login.
    let new_york = stdout(&succeeded(
        segnala(&config, &["show", "--time-zone", "America/New_York"]).await,
        "show in New York time",
    ));
    assert!(
        new_york.contains(" EST") || new_york.contains(" EDT"),
        "{new_york}"
    );
    let wrong = segnala(&config, &["show", "--time-zone", "Mars/Olympus"]).await;
    assert!(
        !wrong.status.success() && stderr(&wrong).contains("IANA time zone"),
        "{}",
        stderr(&wrong)
    );
    succeeded(
        segnala(
            &config,
            &[
                "login",
                "--server",
                &server,
                "--token",
                CREW_KEY,
                "--time-zone",
                "Asia/Tokyo",
            ],
        )
        .await,
        "login in Tokyo",
    );
    let tokyo = stdout(&succeeded(
        segnala(&config, &["show", "--order", &held]).await,
        "show",
    ));
    assert!(tokyo.contains(" JST"), "{tokyo}");
    drop(platform);
    env.cleanup().await;
}
