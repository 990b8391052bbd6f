//! `segnala up` as a newcomer runs it: the real binary in a directory of its own, with
//! no configuration but free ports (so that runs side by side do not meet on the
//! default ones) and whatever a test adds; and the `segnala` clients beside it.

use std::{collections::HashMap, process::Stdio, time::Duration};

use tokio::{
    io::{AsyncBufReadExt, BufReader},
    process::{Child, Command},
};

use super::env::within;

/// The ports `segnala up` listens on, by the name of their setting.
const PORTS: [&str; 7] = [
    "INTAKE",
    "TRIAGE",
    "TRACKING",
    "STATUS",
    "INTAKE_HTTP",
    "STATUS_HTTP",
    "METRICS",
];

/// A running `segnala up`; stopped when dropped.
pub struct Embedded {
    dir: tempfile::TempDir,
    ports: HashMap<&'static str, u16>,
    /// What it printed before "Press Ctrl-C to stop."
    pub banner: String,
    /// Killed with the test.
    _child: Child,
}

impl Embedded {
    /// Starts `segnala up` with these extra environment variables and waits until it
    /// says where it listens.
    pub async fn start(environment: &[(&str, &str)]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let ports = PORTS
            .into_iter()
            .map(|name| {
                let port = std::net::TcpListener::bind("127.0.0.1:0")
                    .and_then(|l| l.local_addr())
                    .map(|a| a.port())
                    .expect("a free port");
                (name, port)
            })
            .collect();
        let mut up = command_in(dir.path(), &ports);
        up.arg("up").envs(environment.iter().copied());
        let mut child = up
            .stdout(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("segnala up starts");
        let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut banner = Vec::new();
        within(
            "segnala up prints where it listens",
            Duration::from_secs(60),
            async {
                while let Some(line) = lines.next_line().await.expect("read stdout") {
                    let done = line.starts_with("Press Ctrl-C");
                    banner.push(line);
                    if done {
                        break;
                    }
                }
            },
        )
        .await;
        Self {
            dir,
            ports,
            banner: banner.join("\n"),
            _child: child,
        }
    }

    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The gRPC URL of a service ("INTAKE", "TRIAGE", "TRACKING", "STATUS").
    pub fn url(&self, service: &str) -> String {
        format!("http://127.0.0.1:{}", self.ports[service])
    }

    /// The admin key `segnala up` made for local use.
    pub fn local_key(&self) -> String {
        std::fs::read_to_string(self.dir().join("segnala-data/api-key"))
            .expect("the local key")
            .trim()
            .to_owned()
    }

    /// `segnala` in the platform's directory, with its ports and the clients' server
    /// URLs, and none of the environment's other `SEGNALA_` settings.
    pub fn command(&self) -> Command {
        command_in(self.dir(), &self.ports)
    }

    /// Runs a `segnala` client command and returns what it printed, or why it failed.
    pub async fn run(&self, args: &[&str]) -> Result<String, String> {
        let output = self
            .command()
            .args(args)
            .output()
            .await
            .expect("segnala runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        if output.status.success() {
            Ok(stdout)
        } else {
            Err(format!(
                "segnala {args:?} failed: {stdout}{}",
                String::from_utf8_lossy(&output.stderr)
            ))
        }
    }

    /// Runs a `segnala` client command and reads its JSON output.
    pub async fn run_json(&self, args: &[&str]) -> Result<serde_json::Value, String> {
        let stdout = self.run(args).await?;
        serde_json::from_str(&stdout).map_err(|e| format!("segnala {args:?}: not JSON: {e}"))
    }
}

fn command_in(dir: &std::path::Path, ports: &HashMap<&'static str, u16>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_segnala"));
    command.current_dir(dir).env("RUST_LOG", "warn");
    for (key, _) in std::env::vars() {
        if key.starts_with("SEGNALA_") {
            command.env_remove(key);
        }
    }
    for (name, port) in ports {
        command.env(format!("SEGNALA__LISTEN__{name}_PORT"), port.to_string());
    }
    for service in ["INTAKE", "TRIAGE", "TRACKING", "STATUS"] {
        command.env(
            format!("SEGNALA_{service}_URL"),
            format!("http://127.0.0.1:{}", ports[service]),
        );
    }
    command
}
