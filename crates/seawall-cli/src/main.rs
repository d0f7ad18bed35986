//! `seawall` — secure containerized AI/ML projects.
//!
//! Thin binary: parse flags (`cli`), call the library (`seawall-scan`, `seawall-vulndb`, …), render, and
//! map the outcome to an exit code: 0 ok, 1 findings at or above `--fail-on` (or an incomplete scan
//! with a threshold set), 2 error.
#![allow(
    rustdoc::broken_intra_doc_links,
    reason = "clap doc comments are `--help` text (`oci:DIR[:TAG]`), not rustdoc links; `allow` because only \
              rustdoc runs this lint, so an expectation would be unfulfilled in every ordinary build"
)]
#![expect(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "the binary: printing the report and its messages is its job"
)]

mod args;
mod cli;
mod cli_fleet;
mod cli_trust;
mod commands;
mod env;
mod output;
mod progress;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            // A closed pipe (`seawall … | head`) is not an error.
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
