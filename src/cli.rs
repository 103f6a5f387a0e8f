//! Command-line definitions (clap). Parsed values are turned into library calls in
//! `main.rs`; nothing here does work.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "churn",
    version,
    about = "Tells customer-success teams which accounts are about to churn, why, and what to do",
    long_about = None
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Log format on stderr: human-readable text, or one JSON object per line for schedulers.
    #[arg(long, global = true, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Only log warnings and errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,

    /// Worker threads (default: one per core). Results are identical for any value.
    #[arg(long, global = true)]
    pub threads: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check the input tables against the data contract and summarise them.
    Validate(DataArgs),
}

/// Where the input tables are and which date the run is for.
#[derive(Debug, Args)]
pub struct DataArgs {
    /// Folder holding accounts, usage, tickets and surveys (each NAME.parquet or a folder NAME/).
    #[arg(long, default_value = "data")]
    pub data: PathBuf,

    /// The date the run is for (YYYY-MM-DD); default: the day after the latest instant in the data.
    #[arg(long = "as-of", value_parser = parse_date)]
    pub as_of: Option<NaiveDate>,
}

fn parse_date(s: &str) -> Result<NaiveDate, String> {
    churn::time::parse_date(s)
}
