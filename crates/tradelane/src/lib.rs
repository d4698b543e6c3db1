//! The `tradelane` binary: the web server and every command-line operation, over the store,
//! the catalogue import/export and the HTTP server crates. This crate is the imperative shell:
//! it parses flags, opens the database, prints and chooses exit codes.

pub mod bench;
pub mod cli;
pub mod commands;
pub mod context;
pub mod demo;
pub mod exit;
pub mod output;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::Cli;

/// Parses the command line, runs the command and maps the outcome to an exit code:
/// 0 success, 1 error, 2 validation errors in the input (and command-line usage errors).
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::ERROR);
        }
    };
    let result = runtime.block_on(commands::dispatch(cli));
    exit::report(result)
}

/// Logs go to stderr so that stdout stays clean for pipes. `RUST_LOG` overrides the default,
/// which is quiet for commands and informative for the server.
fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("warn,tradelane=info,tradelane_server=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
