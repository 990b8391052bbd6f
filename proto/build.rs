//! Generates the Rust side of the contracts with a vendored `protoc`, so building
//! needs no system protobuf compiler.
use std::{env, io, path::PathBuf};

const PROTOS: &[&str] = &[
    "segnala/common/v1/channel.proto",
    "segnala/common/v1/geo.proto",
    "segnala/common/v1/priority.proto",
    "segnala/intake/v1/events.proto",
    "segnala/intake/v1/intake_service.proto",
    "segnala/intake/v1/report.proto",
    "segnala/intake/v1/reporter_data_service.proto",
    "segnala/status/v1/events.proto",
    "segnala/status/v1/report_status.proto",
    "segnala/status/v1/status_service.proto",
    "segnala/tracking/v1/events.proto",
    "segnala/tracking/v1/tracking_service.proto",
    "segnala/tracking/v1/work_order.proto",
    "segnala/tracking/v1/work_queue_service.proto",
    "segnala/triage/v1/decision.proto",
    "segnala/triage/v1/department.proto",
    "segnala/triage/v1/events.proto",
    "segnala/triage/v1/triage_service.proto",
];

fn main() -> io::Result<()> {
    let out_dir = PathBuf::from(env::var("OUT_DIR").map_err(io::Error::other)?);
    let protoc = protoc_bin_vendored::protoc_bin_path().map_err(io::Error::other)?;
    let includes = protoc_bin_vendored::include_path().map_err(io::Error::other)?;
    let includes = includes
        .to_str()
        .ok_or_else(|| io::Error::other("the protoc include path is not UTF-8"))?;

    let mut config = prost_build::Config::new();
    config.protoc_executable(protoc);
    // Event types are routed by their fully-qualified name (prost::Name).
    config.enable_type_names();

    tonic_prost_build::configure()
        .file_descriptor_set_path(out_dir.join("segnala_descriptor.bin"))
        .compile_with_config(config, PROTOS, &[".", includes])?;
    Ok(())
}
