//! Clients written by others, in Python from PyPI, that system tests drive against the
//! running servers: the Open311 clients `georeport` and `three`, and `grpcio-reflection`.
//! tests/run.sh installs them in one virtual environment; a test makes it itself when
//! they are missing.

use std::{path::PathBuf, process::Command};

/// Every package the tests use, pinned.
const PACKAGES: &[&str] = &[
    "georeport==0.3.1",
    "three==0.8.0",
    "grpcio-reflection==1.85.1",
];

/// What the tests import from them.
const IMPORTS: &str = "import georeport, relaxml, simplejson, grpc_reflection";

/// Where the clients are installed: `SEGNALA_OPEN311_VENV`, else this default.
fn venv() -> PathBuf {
    std::env::var_os("SEGNALA_OPEN311_VENV").map_or_else(
        || PathBuf::from("/var/tmp/segnala-open311-venv"),
        PathBuf::from,
    )
}

/// The virtual environment's Python with every client, installed on first use.
pub fn python_with_clients() -> PathBuf {
    let venv = venv();
    let python = venv.join("bin/python");
    let has_clients = |python: &PathBuf| {
        Command::new(python)
            .args(["-c", IMPORTS])
            .status()
            .is_ok_and(|s| s.success())
    };
    if !has_clients(&python) {
        let created = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .expect("python3 is installed (tests/run.sh installs it)");
        assert!(created.success(), "python3 -m venv {venv:?} failed");
        let installed = Command::new(venv.join("bin/pip"))
            .args(["install", "--quiet"])
            .args(PACKAGES)
            .status()
            .expect("pip runs");
        assert!(installed.success(), "pip install {PACKAGES:?} failed");
    }
    assert!(
        has_clients(&python),
        "the Python clients are not importable from {python:?}"
    );
    python
}
