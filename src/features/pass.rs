//! The streamed pass over usage: every batch folded into per-worker accumulators, the
//! workers merged, then the distinct users and product features counted per (account,
//! date) and the pair records freed.

use std::time::Instant;

use super::usage::{UsageAcc, Windows};
use crate::ingest::{Dataset, IngestError, SetAside};

/// What the usage pass leaves for the feature rows.
pub(super) struct UsagePass {
    pub usage: UsageAcc,
    /// Distinct users of each (account, date), at `account * dates + date`.
    pub users: Vec<u32>,
    /// Distinct product features of each (account, date), likewise.
    pub features_used: Vec<u32>,
    pub set_aside: SetAside,
    /// Usage rows that went into the accumulators.
    pub rows: u64,
    /// Seconds from `started` to the end of the fold (before the merge).
    pub fold_seconds: f64,
}

/// Folds every usage row into accumulators for `n_dates` observation dates.
pub(super) fn usage_pass(
    data: &Dataset,
    windows: &Windows,
    n_dates: usize,
    progress: &(dyn Fn(u64) + Sync),
    started: Instant,
) -> Result<UsagePass, IngestError> {
    let n = data.accounts.len();
    let (parts, set_aside) = data.usage.fold(
        &data.accounts,
        || (UsageAcc::new(windows, n_dates, n), 0u64),
        |(acc, rows), b| {
            acc.add(windows, b);
            *rows += b.len() as u64;
        },
        progress,
    )?;
    let fold_seconds = started.elapsed().as_secs_f64();
    let mut parts = parts.into_iter();
    let (mut usage, mut rows) = parts
        .next()
        .unwrap_or_else(|| (UsageAcc::new(windows, n_dates, n), 0));
    for (p, r) in parts {
        usage.merge(p);
        rows += r;
    }
    let users = usage.users.counts(n_dates, n);
    let features_used = usage.features.counts(n_dates, n);
    // The pair records are no longer needed; free them before the matrix is made.
    usage.users = Default::default();
    usage.features = Default::default();
    Ok(UsagePass {
        usage,
        users,
        features_used,
        set_aside,
        rows,
        fold_seconds,
    })
}
