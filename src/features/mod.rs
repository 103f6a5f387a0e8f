//! Point-in-time features: for every observation date T and every account active at
//! T, features computed only from rows strictly before T, and the churn label over
//! (T, T + horizon]. One streamed pass over usage serves every date at once.

pub mod export;
mod matrix;
mod pairs;
mod pass;
pub mod plan;
mod population;
pub mod registry;
mod renewal;
mod row;
pub mod support;
pub mod usage;
mod windows;

use ndarray::Array2;

pub use plan::{DataSpan, Plan, PlanError, PlanSettings};
pub use registry::{f, FEATURES};
pub use renewal::{
    days_to_renewal, renewal_cycle, renewal_window_days, Cycle, Renewals, RENEWAL_WINDOW,
};
pub use support::IssueCount;


use crate::ingest::{Dataset, IngestError, SetAside};
use usage::Windows;

/// Feature rows for every (observation date, active account), date-major, accounts
/// in input order within a date.
pub struct FeatureMatrix {
    pub plan: Plan,
    /// Account index (into `Dataset::accounts`) of each row.
    pub account: Vec<u32>,
    /// Index into `plan.dates()` of each row.
    pub date: Vec<u32>,
    /// Churn within the horizon; `None` on the as-of date (the future is unknown).
    pub label: Vec<Option<bool>>,
    /// Rows x `FEATURES`, column-major, NaN where a value is missing.
    pub x: Array2<f64>,
    /// Ticket categories opened in 90 days or open, per row at the as-of date: the
    /// issues to fix (empty on training rows).
    pub issues: Vec<Vec<IssueCount>>,
    /// Index (into `Dataset::surveys`) of the latest NPS answer of each row.
    pub latest_nps: Vec<Option<u32>>,
    /// Usage rows set aside during the pass.
    pub usage_set_aside: SetAside,
    /// Usage rows that went into the accumulators.
    pub usage_rows: u64,
}

impl FeatureMatrix {
    pub fn rows(&self) -> usize {
        self.account.len()
    }

    /// Row indices of the training dates (labelled) and of the as-of date.
    pub fn split(&self) -> (Vec<usize>, Vec<usize>) {
        let s = self.plan.scoring_index() as u32;
        (0..self.rows()).partition(|&r| self.date[r] != s)
    }
}

/// Builds the feature matrix for `plan`. `progress` is told how many usage rows
/// have been read, for progress bars.
pub fn build(
    data: &Dataset,
    plan: &Plan,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<FeatureMatrix, IngestError> {
    let days = plan.days();
    let windows = Windows::new(&days);
    let started = std::time::Instant::now();
    let pass = pass::usage_pass(data, &windows, days.len(), progress, started)?;
    let rows = population::population(&data.accounts, plan, &days);
    let usage_seconds = started.elapsed().as_secs_f64();
    let inputs = row::RowInputs::new(data, plan, &days, &windows, &pass);
    let (x, issues, latest_nps) = matrix::fill(&rows, &inputs);
    tracing::debug!(
        usage_rows = pass.rows,
        usage_seconds,
        fold_seconds = pass.fold_seconds,
        rows = rows.len(),
        rows_seconds = started.elapsed().as_secs_f64() - usage_seconds,
        "feature matrix"
    );
    Ok(FeatureMatrix {
        plan: plan.clone(),
        account: rows.iter().map(|r| r.0).collect(),
        date: rows.iter().map(|r| r.1).collect(),
        label: rows.iter().map(|r| r.2).collect(),
        x,
        issues,
        latest_nps,
        usage_set_aside: pass.set_aside,
        usage_rows: pass.rows,
    })
}
