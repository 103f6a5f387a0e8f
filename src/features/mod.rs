//! Point-in-time features: for every observation date T and every account active at
//! T, features computed only from rows strictly before T, and the churn label over
//! (T, T + horizon]. One streamed pass over usage serves every date at once.

pub mod defs;
pub mod export;
mod pairs;
pub mod plan;
pub mod support;
pub mod usage;
mod windows;

use chrono::{Datelike, NaiveDate};
use ndarray::{Array2, ShapeBuilder};
use rayon::prelude::*;

pub use defs::{f, FEATURES};
pub use plan::{DataSpan, Plan, PlanError, PlanSettings};
pub use support::IssueCount;

use crate::ingest::{Dataset, IngestError, SetAside};
use crate::time::{day_to_date, MICROS_PER_DAY};
use support::ByAccount;
use usage::{UsageAcc, Windows};

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
    let n = data.accounts.len();
    let windows = Windows::new(&days);
    let started = std::time::Instant::now();

    let (parts, usage_set_aside) = data.usage.fold(
        &data.accounts,
        || (UsageAcc::new(&windows, days.len(), n), 0u64),
        |(acc, rows), b| {
            acc.add(&windows, b);
            *rows += b.len() as u64;
        },
        progress,
    )?;
    let fold_seconds = started.elapsed().as_secs_f64();
    let mut parts = parts.into_iter();
    let (mut usage, mut usage_rows) = parts
        .next()
        .unwrap_or_else(|| (UsageAcc::new(&windows, days.len(), n), 0));
    for (p, r) in parts {
        usage.merge(p);
        usage_rows += r;
    }
    let nd = days.len();
    let users = usage.users.counts(nd, n);
    let features_used = usage.features.counts(nd, n);
    // The pair records are no longer needed; free them before the matrix is made.
    usage.users = Default::default();
    usage.features = Default::default();

    // The population: accounts active at each date.
    let a = &data.accounts;
    let horizon = i64::from(plan.horizon_days) * MICROS_PER_DAY;
    let scoring = plan.scoring_index();
    let mut rows: Vec<(u32, u32, Option<bool>)> = Vec::new();
    for (j, &t) in days.iter().enumerate() {
        let at = i64::from(t) * MICROS_PER_DAY;
        for i in 0..n {
            if a.active_at(i, at) {
                let label = (j != scoring)
                    .then(|| a.churned_at[i].is_some_and(|c| c > at && c <= at + horizon));
                rows.push((i as u32, j as u32, label));
            }
        }
    }

    let usage_seconds = started.elapsed().as_secs_f64();
    let tickets = ByAccount::new(&data.tickets.account, n);
    let surveys = ByAccount::new(&data.surveys.account, n);
    let has_user = data.usage.has_user;
    let has_feature = data.usage.has_feature;
    // Each contract's renewal calendar once, not per observation date.
    let renewals: Vec<Option<Renewals>> = (0..n)
        .into_par_iter()
        .map(|i| a.renewal_date[i].map(|r| Renewals::infer(r, a.started_at[i])))
        .collect();
    // One row's features (the row starts at zero); returns its issues and latest NPS.
    let fill_row = |scratch: &mut support::Scratch, row: &mut [f64], i: usize, j: usize| {
        let t = days[j];
        let at = i64::from(t) * MICROS_PER_DAY;
        let s = usage.sums_of(i, j);
        let (e30, ep, e7, e90) = (
            f64::from(s.events_30),
            f64::from(s.events_prev_30),
            f64::from(s.events_7),
            f64::from(s.events_90),
        );
        let (q30, qp) = (
            UsageAcc::quantity(s.qty_30),
            UsageAcc::quantity(s.qty_prev_30),
        );
        row[f::EVENTS_30D] = e30;
        row[f::EVENTS_PREV_30D] = ep;
        row[f::QUANTITY_30D] = q30;
        row[f::QUANTITY_PREV_30D] = qp;
        row[f::USAGE_TREND_30D] = ((q30 + 1.0) / (qp + 1.0)).ln();
        row[f::EVENTS_7D] = e7;
        row[f::USAGE_TREND_7D] = ((e7 * 30.0 / 7.0 + 1.0) / (e30 + 1.0)).ln();
        row[f::EVENTS_90D] = e90;
        row[f::USAGE_TREND_90D] = ((e30 * 3.0 + 1.0) / (e90 + 1.0)).ln();
        let momentum = ((30.0 * windows.ema_rate(s.ema_fast, false) + 1.0)
            / (30.0 * windows.ema_rate(s.ema_slow, true) + 1.0))
            .ln();
        row[f::USAGE_MOMENTUM] = momentum;
        row[f::USAGE_DECLINE] = (-momentum).max(0.0);
        row[f::ACTIVE_DAYS_30D] = f64::from(usage.activity(&windows, i, t, 30));
        row[f::ACTIVE_DAYS_PREV_30D] = f64::from(usage.activity(&windows, i, t - 30, 30));
        row[f::DAYS_SINCE_LAST_USE] = f64::from(
            usage
                .days_since_last(&windows, i, t)
                .unwrap_or(usage::LOOKBACK_DAYS)
                .min(usage::LOOKBACK_DAYS),
        );
        let u = f64::from(users[i * nd + j]);
        row[f::USERS_30D] = if has_user { u } else { f64::NAN };
        row[f::SEAT_UTILISATION] = match a.seats[i] {
            Some(seats) if seats > 0.0 && has_user => u / seats,
            _ => f64::NAN,
        };
        row[f::FEATURES_30D] = if has_feature {
            f64::from(features_used[i * nd + j])
        } else {
            f64::NAN
        };

        let issues = support::tickets_with(&data.tickets, tickets.of(i), at, row, scratch);
        let latest = support::surveys(&data.surveys, surveys.of(i), at, row);

        row[f::TENURE_DAYS] = (at - a.started_at[i]) as f64 / MICROS_PER_DAY as f64;
        let cycle = renewals[i].map(|r| r.cycle);
        let to_renewal = renewals[i].map(|r| r.days_from(t));
        row[f::DAYS_TO_RENEWAL] = to_renewal.map_or(f64::NAN, f64::from);
        row[f::RENEWAL_IN_HORIZON] = f64::from(u8::from(
            to_renewal.is_some_and(|d| d <= plan.horizon_days as i32),
        ));
        row[f::MONTHLY_CONTRACT] = match cycle {
            Some(Cycle::Monthly) => 1.0,
            Some(Cycle::Annual) => 0.0,
            None => f64::NAN,
        };
        row[f::ANNUAL_RENEWAL_IN_HORIZON] = f64::from(u8::from(
            cycle == Some(Cycle::Annual)
                && to_renewal.is_some_and(|d| d <= plan.horizon_days as i32),
        ));
        let window = match (cycle, to_renewal) {
            (Some(Cycle::Annual), Some(d)) => {
                f64::from(renewal_window_days(d, plan.horizon_days as i32))
            }
            (Some(Cycle::Monthly), Some(_)) => 0.0,
            _ => f64::NAN,
        };
        row[f::RENEWAL_WINDOW_DAYS] = window;
        row[f::RENEWAL_WINDOW_DAYS_LOG] = window;
        row[f::MRR] = a.mrr[i].unwrap_or(f64::NAN);
        row[f::SEATS] = a.seats[i].unwrap_or(f64::NAN);
        // Only scored rows name their issues; a million training rows' lists
        // would be tens of megabytes nobody reads.
        let issues = if j == scoring { issues } else { Vec::new() };
        (issues, latest)
    };
    // The matrix is column-major, as the model stage reads it. Rows are computed in
    // blocks, each written straight into its piece of every column (no per-row copies
    // held beside the matrix: at 100k accounts those were another 370 MB).
    const BLOCK: usize = 1024;
    let nrows = rows.len();
    let mut values = vec![0.0f64; nrows * f::COUNT];
    let mut blocks: Vec<Vec<&mut [f64]>> = (0..nrows.div_ceil(BLOCK))
        .map(|_| Vec::with_capacity(f::COUNT))
        .collect();
    for col in values.chunks_mut(nrows.max(1)) {
        for (b, piece) in col.chunks_mut(BLOCK).enumerate() {
            blocks[b].push(piece);
        }
    }
    let per_block: Vec<Vec<(Vec<IssueCount>, Option<u32>)>> = blocks
        .into_par_iter()
        .enumerate()
        .map_init(support::Scratch::default, |scratch, (b, mut cols)| {
            let mut row = [0.0f64; f::COUNT];
            let len = cols.first().map_or(0, |c| c.len());
            rows[b * BLOCK..b * BLOCK + len]
                .iter()
                .enumerate()
                .map(|(k, &(i, j, _))| {
                    row.fill(0.0);
                    let out = fill_row(scratch, &mut row, i as usize, j as usize);
                    for (c, v) in cols.iter_mut().zip(&row) {
                        c[k] = *v;
                    }
                    out
                })
                .collect()
        })
        .collect();
    let (issues, latest_nps): (Vec<Vec<IssueCount>>, Vec<Option<u32>>) =
        per_block.into_iter().flatten().unzip();
    let x = Array2::from_shape_vec((nrows, f::COUNT).f(), values)
        .expect("one value per row and feature");
    tracing::debug!(
        usage_rows,
        usage_seconds,
        fold_seconds,
        rows = nrows,
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
        usage_set_aside,
        usage_rows,
    })
}

/// Days before an annual renewal when a customer decides (the notice period).
pub const RENEWAL_WINDOW: i32 = 30;

/// Days of the horizon (T, T + horizon] that fall in the `RENEWAL_WINDOW` days up to
/// and including a renewal `to_renewal` days after T (the renewal that was next at T).
/// A renewal on T itself is behind: its window is over.
pub fn renewal_window_days(to_renewal: i32, horizon: i32) -> i32 {
    if to_renewal <= 0 {
        return 0;
    }
    let first = (to_renewal - RENEWAL_WINDOW).max(1);
    let last = to_renewal.min(horizon);
    (last - first + 1).max(0)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cycle {
    Monthly,
    Annual,
}

/// A contract's renewal calendar, inferred from its stored next renewal and its start:
/// a renewal on the start's day of month but in another month is monthly; otherwise
/// (the start's anniversary, or another day) annual. Renewals fall on an anchor day of
/// month, clamped to short months, so a monthly contract started on the 31st renews on
/// the 30th in 30-day months and on the 31st again after them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Renewals {
    pub cycle: Cycle,
    /// Months since year 0 of the stored renewal.
    month: i32,
    /// The day of month renewals fall on before clamping: the start's, when the stored
    /// renewal is on it, else the stored renewal's own.
    anchor: u32,
}

impl Renewals {
    pub fn infer(renewal: i64, started: i64) -> Renewals {
        let r = day_to_date(crate::time::micros_to_day(renewal));
        let s = day_to_date(crate::time::micros_to_day(started));
        let on_start_day = r.day() == s.day().min(days_in_month(r.year(), r.month()));
        let cycle = if on_start_day && r.month() != s.month() {
            Cycle::Monthly
        } else {
            Cycle::Annual
        };
        Renewals {
            cycle,
            month: r.year() * 12 + r.month0() as i32,
            anchor: if on_start_day { s.day() } else { r.day() },
        }
    }

    /// Days from day `t` to the renewal that was next at `t` (0 when it falls on `t`).
    /// The stored renewal is the next one as of the export, so earlier observation
    /// dates step back from it by whole cycles.
    pub fn days_from(&self, t: i32) -> i32 {
        let step = match self.cycle {
            Cycle::Monthly => 1,
            Cycle::Annual => 12,
        };
        let target = day_to_date(t);
        let target_month = target.year() * 12 + target.month0() as i32;
        // The first renewal month at or after the target's month, then at most a
        // step either way for the day within the month.
        let mut k = self.month - step * (self.month - target_month).div_euclid(step);
        while self.date_in(k) < target {
            k += step;
        }
        while self.date_in(k - step) >= target {
            k -= step;
        }
        (self.date_in(k) - target).num_days() as i32
    }

    /// The renewal day in month `k` (months since year 0).
    fn date_in(&self, k: i32) -> NaiveDate {
        let (y, m) = (k.div_euclid(12), k.rem_euclid(12) as u32 + 1);
        NaiveDate::from_ymd_opt(y, m, self.anchor.min(days_in_month(y, m)))
            .expect("a clamped day of a real month")
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let next = NaiveDate::from_ymd_opt(ny, nm, 1).expect("first of a month");
    next.pred_opt().expect("a day before").day()
}

/// The contract's renewal cycle (see [`Renewals`]).
pub fn renewal_cycle(renewal: i64, started: i64) -> Cycle {
    Renewals::infer(renewal, started).cycle
}

/// Days from day `t` to the renewal that was next at `t` (see [`Renewals::days_from`]).
pub fn days_to_renewal(renewal: i64, started: i64, t: i32) -> i32 {
    Renewals::infer(renewal, started).days_from(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::{date_to_day, date_to_micros};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn day(s: &str) -> i32 {
        date_to_day(d(s))
    }

    #[test]
    fn renewal_window_days_count_the_horizon_inside_the_window() {
        // A renewal on T is behind; one 1..=30 days ahead has that many window days
        // in the horizon (the window started before T); 31..=90 ahead, the whole
        // window (31 days, the renewal day included); beyond, only its start.
        assert_eq!(renewal_window_days(0, 90), 0);
        assert_eq!(renewal_window_days(1, 90), 1);
        assert_eq!(renewal_window_days(30, 90), 30);
        assert_eq!(renewal_window_days(31, 90), 31);
        assert_eq!(renewal_window_days(90, 90), 31);
        assert_eq!(renewal_window_days(91, 90), 30);
        assert_eq!(renewal_window_days(120, 90), 1);
        assert_eq!(renewal_window_days(121, 90), 0);
        assert_eq!(renewal_window_days(364, 90), 0);
        assert_eq!(renewal_window_days(10, 7), 7);
    }

    #[test]
    fn renewals_roll_back_by_the_contract_cycle() {
        // Annual: renews on the start's anniversary.
        let (r, start) = (
            date_to_micros(d("2026-12-15")),
            date_to_micros(d("2023-12-15")),
        );
        assert_eq!(days_to_renewal(r, start, day("2026-12-01")), 14);
        assert_eq!(days_to_renewal(r, start, day("2025-12-15")), 0);
        assert_eq!(days_to_renewal(r, start, day("2025-06-15")), 183);
        assert_eq!(days_to_renewal(r, start, day("2027-01-01")), 348);
        // Monthly: renews on the start's day of month.
        let start = date_to_micros(d("2024-03-15"));
        assert_eq!(days_to_renewal(r, start, day("2026-12-01")), 14);
        assert_eq!(days_to_renewal(r, start, day("2026-06-20")), 25);
        // Annual when the day of month differs.
        let start = date_to_micros(d("2024-03-02"));
        assert_eq!(days_to_renewal(r, start, day("2026-06-20")), 178);
    }

    #[test]
    fn which_renewal_is_stored_does_not_change_the_calendar() {
        // A churned account stores the renewal at or after its churn, a survivor the
        // next one after the export: features at an earlier date must not tell them
        // apart (the stored date would otherwise leak the outcome).
        for start in ["2025-01-31", "2025-01-30", "2024-02-29", "2025-01-15"] {
            let start = date_to_micros(d(start));
            let s = day_to_date(crate::time::micros_to_day(start));
            // Every monthly renewal from October 2025 to November 2026, but the ones in
            // the start's month: with no billing-cycle column those read as annual.
            let stored: Vec<i64> = (0..14)
                .map(|k| d("2025-10-01") + chrono::Months::new(k))
                .filter(|r| r.month() != s.month())
                .map(|r| {
                    let last = days_in_month(r.year(), r.month());
                    date_to_micros(r.with_day(s.day().min(last)).unwrap())
                })
                .collect();
            assert_eq!(stored.len(), 13);
            for t in ["2025-06-01", "2025-08-31", "2025-09-30"] {
                let seen: Vec<(Cycle, i32)> = stored
                    .iter()
                    .map(|&r| (renewal_cycle(r, start), days_to_renewal(r, start, day(t))))
                    .collect();
                assert!(seen.iter().all(|v| *v == seen[0]), "{t}: {seen:?}");
                assert_eq!(seen[0].0, Cycle::Monthly);
            }
        }
    }

    #[test]
    fn month_end_starts_renew_on_the_clamped_day() {
        // Started on the 31st, stored renewal on 30 November: monthly, and the
        // renewals before it fall on the 31st again where the month has one.
        let (r, start) = (
            date_to_micros(d("2026-11-30")),
            date_to_micros(d("2025-01-31")),
        );
        assert_eq!(renewal_cycle(r, start), Cycle::Monthly);
        assert_eq!(days_to_renewal(r, start, day("2026-11-01")), 29);
        assert_eq!(days_to_renewal(r, start, day("2026-10-02")), 29); // 31 October
        assert_eq!(days_to_renewal(r, start, day("2026-10-31")), 0);
        assert_eq!(days_to_renewal(r, start, day("2026-02-27")), 1); // 28 February
        assert_eq!(days_to_renewal(r, start, day("2026-03-01")), 30); // 31 March
                                                                      // Started on 29 February: annual renewals on the 28th, and the 29th in leap years.
        let (r, start) = (
            date_to_micros(d("2027-02-28")),
            date_to_micros(d("2024-02-29")),
        );
        assert_eq!(renewal_cycle(r, start), Cycle::Annual);
        assert_eq!(days_to_renewal(r, start, day("2026-12-31")), 59);
        assert_eq!(days_to_renewal(r, start, day("2028-02-01")), 28);
        // A renewal on another day than the start's keeps its own day.
        let (r, start) = (
            date_to_micros(d("2026-12-31")),
            date_to_micros(d("2024-03-15")),
        );
        assert_eq!(renewal_cycle(r, start), Cycle::Annual);
        assert_eq!(days_to_renewal(r, start, day("2026-01-01")), 364);
    }
}
