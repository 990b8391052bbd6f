//! A RabbitMQ node of the test's own, on its own ports, so that restarting it disturbs
//! no other test.

use std::{net::TcpListener, process::Command, time::Duration};

use super::wait::eventually;

pub struct OwnBroker {
    node: String,
    pub port: u16,
    _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

impl OwnBroker {
    pub async fn start() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("segnala-broker-")
            .tempdir()
            .expect("a temp dir");
        let port = free_port();
        let dist_port = free_port();
        let node = format!("segnala-test-{}-{port}@localhost", std::process::id());
        std::fs::write(dir.path().join("enabled_plugins"), "[].\n").expect("plugins file");
        std::fs::write(
            dir.path().join("rabbitmq.conf"),
            format!("listeners.tcp.default = 127.0.0.1:{port}\nloopback_users = none\n"),
        )
        .expect("config file");
        // The server drops to the rabbitmq user, which must be able to write here.
        let _ = Command::new("chmod")
            .args(["-R", "777"])
            .arg(dir.path())
            .status();
        let status = Command::new("rabbitmq-server")
            .arg("-detached")
            .env("RABBITMQ_NODENAME", &node)
            .env("RABBITMQ_NODE_PORT", port.to_string())
            .env("RABBITMQ_DIST_PORT", dist_port.to_string())
            .env("RABBITMQ_MNESIA_BASE", dir.path().join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.path().join("log"))
            .env(
                "RABBITMQ_ENABLED_PLUGINS_FILE",
                dir.path().join("enabled_plugins"),
            )
            .env("RABBITMQ_PID_FILE", dir.path().join("pid"))
            .env("RABBITMQ_CONFIG_FILE", dir.path().join("rabbitmq"))
            .status()
            .expect("rabbitmq-server is installed");
        assert!(status.success(), "rabbitmq-server -detached failed");
        let broker = Self {
            node,
            port,
            _dir: dir,
        };
        broker.wait_until_accepting().await;
        broker
    }

    pub fn url(&self) -> String {
        format!("amqp://guest:guest@127.0.0.1:{}/%2f", self.port)
    }

    async fn wait_until_accepting(&self) {
        let url = self.url();
        eventually(
            "the test broker accepts AMQP connections",
            Duration::from_secs(60),
            || {
                let url = url.clone();
                async move {
                    lapin::Connection::connect(&url, lapin::ConnectionProperties::default())
                        .await
                        .ok()
                        .map(drop)
                }
            },
        )
        .await;
    }

    fn ctl(&self, action: &str) {
        let status = Command::new("rabbitmqctl")
            .args(["-q", "-n", &self.node, action])
            .status()
            .expect("rabbitmqctl runs");
        assert!(status.success(), "rabbitmqctl {action} failed");
    }

    /// Stops the broker application (every connection drops) and starts it again.
    pub async fn restart(&self) {
        self.stop_app();
        self.start_app().await;
    }

    /// Stops the broker application: every connection drops, none is accepted.
    pub fn stop_app(&self) {
        self.ctl("stop_app");
    }

    /// Starts the broker application again, once it accepts connections.
    pub async fn start_app(&self) {
        self.ctl("start_app");
        self.wait_until_accepting().await;
    }
}

impl Drop for OwnBroker {
    fn drop(&mut self) {
        let _ = Command::new("rabbitmqctl")
            .args(["-q", "-n", &self.node, "stop"])
            .status();
    }
}
