use std::process::ExitCode;

use clap::Parser;
use segnala::cli::{self, Cli};

// Every report allocates and frees many small buffers on both worker threads (queries,
// rows, protobuf, AMQP frames, SQLite's pages), which glibc's allocator handles slowly
// (docs/performance.md). Without transparent huge pages, as a half-used huge page is
// resident whole.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    match cli::run(Cli::parse()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) if error.is_output_closed() => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code)
        }
    }
}
