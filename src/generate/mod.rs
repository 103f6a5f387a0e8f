//! Simulated customer data: writes the four input tables of the data contract
//! (accounts, usage, tickets, surveys) for a population of B2B SaaS accounts whose
//! latent health drives their usage, support load, satisfaction and churn.
//!
//! Used for demos, tests, the committed sample and for measuring how close a model
//! gets to the best achievable ranking (`truth = true` writes the hazards under
//! `_truth/`). The mechanism and its numbers are in docs/generator.md.
//!
//! Output is deterministic: the same config gives byte-identical files whatever the
//! number of threads, because every account has its own random streams and every
//! file is written in a fixed order.

mod calendar;
mod names;
mod output;
mod run;
mod simulate;
mod support;
mod usage;
mod write;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

/// What to generate and where.
#[derive(Debug, Clone)]
pub struct GenerateConfig {
    /// Output data folder; created if missing. The four tables (and `_truth/`)
    /// inside it are replaced; other files are left alone.
    pub out: PathBuf,
    /// Number of accounts (rows of `accounts.parquet`), including those that churn.
    pub accounts: usize,
    pub seed: u64,
    /// Length of the simulated history in days (default 730).
    pub days: u32,
    /// The simulation covers the `days` days before this date (default 2026-11-01).
    pub as_of: NaiveDate,
    /// Multiplier on usage volume; 1.0 is about 3 events per customer-day.
    pub usage_scale: f64,
    /// Also write `_truth/monthly_hazard.parquet`.
    pub truth: bool,
}

impl GenerateConfig {
    pub const DEFAULT_DAYS: u32 = 730;
    pub const MIN_DAYS: u32 = 30;
    pub const MAX_DAYS: u32 = 20 * 366;
    pub const MAX_ACCOUNTS: usize = 10_000_000;

    /// 2026-11-01.
    pub fn default_as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default()
    }

    /// A config with the default history, as-of date and usage volume, no truth.
    pub fn new(out: impl Into<PathBuf>, accounts: usize, seed: u64) -> Self {
        GenerateConfig {
            out: out.into(),
            accounts,
            seed,
            days: Self::DEFAULT_DAYS,
            as_of: Self::default_as_of(),
            usage_scale: 1.0,
            truth: false,
        }
    }

    fn validate(&self) -> Result<calendar::Calendar, GenerateError> {
        let invalid = |msg: String| Err(GenerateError::InvalidConfig(msg));
        if self.accounts == 0 || self.accounts > Self::MAX_ACCOUNTS {
            return invalid(format!(
                "accounts must be between 1 and {}, got {}",
                Self::MAX_ACCOUNTS,
                self.accounts
            ));
        }
        if self.days < Self::MIN_DAYS || self.days > Self::MAX_DAYS {
            return invalid(format!(
                "days must be between {} and {}, got {}",
                Self::MIN_DAYS,
                Self::MAX_DAYS,
                self.days
            ));
        }
        if !self.usage_scale.is_finite() || self.usage_scale <= 0.0 || self.usage_scale > 1000.0 {
            return invalid(format!(
                "usage_scale must be above 0 and at most 1000, got {}",
                self.usage_scale
            ));
        }
        let year = chrono::Datelike::year(&self.as_of);
        if !(1980..=9000).contains(&year) {
            return invalid(format!(
                "as_of must be a year between 1980 and 9000, got {}",
                self.as_of
            ));
        }
        match calendar::Calendar::new(self.as_of, self.days) {
            Some(cal) => Ok(cal),
            None => invalid(format!(
                "cannot build a calendar of {} days before {}",
                self.days, self.as_of
            )),
        }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenerateSummary {
    pub accounts: usize,
    /// Accounts with a `churned_at`.
    pub churned: usize,
    pub usage_rows: u64,
    pub ticket_rows: u64,
    pub survey_rows: u64,
    /// Total size of all files written, ground truth included.
    pub bytes_written: u64,
}

/// Why generation failed. The underlying cause is available through
/// `std::error::Error::source`.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error("invalid generator settings: {0}")]
    InvalidConfig(String),
    #[error("cannot write {}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write Parquet file {}", path.display())]
    Parquet {
        path: PathBuf,
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// A worker stopped before all parts were written (it can only have panicked).
    #[error("generation stopped after {written} of {parts} parts")]
    Incomplete { written: usize, parts: usize },
    #[error("cannot build a record batch for {}", path.display())]
    Arrow {
        path: PathBuf,
        #[source]
        source: arrow::error::ArrowError,
    },
}

impl GenerateError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        GenerateError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    fn parquet(path: &Path, source: parquet::errors::ParquetError) -> Self {
        GenerateError::Parquet {
            path: path.to_path_buf(),
            source,
        }
    }

    fn arrow(path: &Path, source: arrow::error::ArrowError) -> Self {
        GenerateError::Arrow {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Simulates `cfg.accounts` accounts and writes the tables into `cfg.out`.
///
/// Everything is first written to a hidden sibling folder and moved into place at
/// the end, so an interrupted run leaves the previous data untouched.
pub fn generate(cfg: &GenerateConfig) -> Result<GenerateSummary, GenerateError> {
    let cal = cfg.validate()?;
    let staging = output::Staging::create(&cfg.out)?;
    let summary = run::run(cfg, &cal, staging.path())?;
    staging.commit()?;
    Ok(summary)
}
