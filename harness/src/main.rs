//! `e2ee-conform`: run the conformance suite against implementations, serve the spec as a
//! shim, generate and check vectors, export proof obligations.

use clap::{Parser, Subcommand};
use std::process::ExitCode;

#[derive(Parser)]
#[command(name = "e2ee-conform", version, about = "Conformance suite for E2EE messaging protocols")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the spec over shim protocol v1 on stdin/stdout (the reference shim).
    Shim {
        /// Seed for randomness the runner does not inject.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Shim { seed } => match e2ee_harness::shim_server::serve(seed) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("e2ee-conform shim: {e}");
                ExitCode::from(2)
            }
        },
    }
}
