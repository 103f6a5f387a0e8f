//! The `churn` command line: parses arguments, calls the library, renders results
//! and maps errors to exit codes. No job logic lives here.

mod cli;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use tracing::error;

use churn::error::{exit, Error};
use cli::{Cli, Command, LogFormat};

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(&cli);
    match run(cli) {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            error!(exit_code = e.exit_code(), "{e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

fn run(cli: Cli) -> Result<i32, Error> {
    if let Some(n) = cli.threads {
        if n == 0 {
            return Err(Error::Usage("--threads must be at least 1".into()));
        }
        rayon::ThreadPoolBuilder::new()
            .num_threads(n)
            .build_global()
            .map_err(|e| Error::Usage(format!("cannot start {n} threads: {e}")))?;
    }
    match cli.command {
        Command::Validate(args) => {
            let not_after = not_after(args.as_of);
            let report = churn::validate::validate(&args.data, not_after)?;
            println!("{report}");
            Ok(if report.usable() {
                exit::OK
            } else {
                exit::DATA
            })
        }
    }
}

/// Instants after this are "in the future": the as-of date when given, else now.
fn not_after(as_of: Option<chrono::NaiveDate>) -> i64 {
    let now = chrono::Utc::now().timestamp_micros();
    as_of.map_or(now, |d| churn::time::date_to_micros(d).max(now))
}

fn init_logging(cli: &Cli) {
    let level = if cli.quiet { "warn" } else { "info" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("CHURN_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal());
    match cli.log_format {
        LogFormat::Text => builder.with_target(false).without_time().init(),
        LogFormat::Json => builder.json().init(),
    }
}
