use std::process::ExitCode;

use clap::Parser;
use segnala::cli::{self, Cli};

// Every report allocates and frees many small buffers on both worker threads (queries,
// rows, protobuf, AMQP frames); glibc's allocator spent a quarter of the platform's CPU
// on them at 1,000 reports a second.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    match cli::run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code)
        }
    }
}
