//! One feature row, family by family: usage from the pass's accumulators, support
//! tickets and surveys (support.rs), and the account's contract and renewal calendar.

use rayon::prelude::*;

use super::pass::UsagePass;
use super::renewal::{renewal_window_days, Cycle, Renewals};
use super::support::{self, ByAccount, IssueCount, Scratch};
use super::usage::{self, UsageAcc, Windows};
use super::{f, Plan};
use crate::ingest::Dataset;
use crate::time::MICROS_PER_DAY;

/// Everything a row reads, prepared once per build.
pub(super) struct RowInputs<'a> {
    data: &'a Dataset,
    plan: &'a Plan,
    days: &'a [i32],
    windows: &'a Windows,
    pass: &'a UsagePass,
    tickets: ByAccount,
    surveys: ByAccount,
    /// Each contract's renewal calendar once, not per observation date.
    renewals: Vec<Option<Renewals>>,
}

impl<'a> RowInputs<'a> {
    pub fn new(
        data: &'a Dataset,
        plan: &'a Plan,
        days: &'a [i32],
        windows: &'a Windows,
        pass: &'a UsagePass,
    ) -> Self {
        let n = data.accounts.len();
        let a = &data.accounts;
        RowInputs {
            data,
            plan,
            days,
            windows,
            pass,
            tickets: ByAccount::new(&data.tickets.account, n),
            surveys: ByAccount::new(&data.surveys.account, n),
            renewals: (0..n)
                .into_par_iter()
                .map(|i| a.renewal_date[i].map(|r| Renewals::infer(r, a.started_at[i])))
                .collect(),
        }
    }

    /// The features of account `i` at date index `j` into `row` (which starts at zero);
    /// returns the row's issues (named on scored rows only) and its latest NPS answer.
    pub fn fill(
        &self,
        scratch: &mut Scratch,
        row: &mut [f64],
        i: usize,
        j: usize,
    ) -> (Vec<IssueCount>, Option<u32>) {
        let at = i64::from(self.days[j]) * MICROS_PER_DAY;
        self.usage(row, i, j);
        let d = self.data;
        let issues = support::tickets_with(&d.tickets, self.tickets.of(i), at, row, scratch);
        let latest = support::surveys(&d.surveys, self.surveys.of(i), at, row);
        self.account(row, i, j);
        // Only scored rows name their issues; a million training rows' lists
        // would be tens of megabytes nobody reads.
        let issues = if j == self.plan.scoring_index() {
            issues
        } else {
            Vec::new()
        };
        (issues, latest)
    }

    /// Usage level, trend, adoption and seats.
    fn usage(&self, row: &mut [f64], i: usize, j: usize) {
        let (t, nd) = (self.days[j], self.days.len());
        let (acc, windows) = (&self.pass.usage, self.windows);
        let s = acc.sums_of(i, j);
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
        row[f::ACTIVE_DAYS_30D] = f64::from(acc.activity(windows, i, t, 30));
        row[f::ACTIVE_DAYS_PREV_30D] = f64::from(acc.activity(windows, i, t - 30, 30));
        row[f::DAYS_SINCE_LAST_USE] = f64::from(
            acc.days_since_last(windows, i, t)
                .unwrap_or(usage::LOOKBACK_DAYS)
                .min(usage::LOOKBACK_DAYS),
        );
        let has_user = self.data.usage.has_user;
        let u = f64::from(self.pass.users[i * nd + j]);
        row[f::USERS_30D] = if has_user { u } else { f64::NAN };
        row[f::SEAT_UTILISATION] = match self.data.accounts.seats[i] {
            Some(seats) if seats > 0.0 && has_user => u / seats,
            _ => f64::NAN,
        };
        row[f::FEATURES_30D] = if self.data.usage.has_feature {
            f64::from(self.pass.features_used[i * nd + j])
        } else {
            f64::NAN
        };
    }

    /// Tenure, the renewal calendar and the commercial facts.
    fn account(&self, row: &mut [f64], i: usize, j: usize) {
        let a = &self.data.accounts;
        let t = self.days[j];
        let at = i64::from(t) * MICROS_PER_DAY;
        let horizon = self.plan.horizon_days as i32;
        row[f::TENURE_DAYS] = (at - a.started_at[i]) as f64 / MICROS_PER_DAY as f64;
        let cycle = self.renewals[i].map(|r| r.cycle);
        let to_renewal = self.renewals[i].map(|r| r.days_from(t));
        row[f::DAYS_TO_RENEWAL] = to_renewal.map_or(f64::NAN, f64::from);
        row[f::RENEWAL_IN_HORIZON] = f64::from(u8::from(to_renewal.is_some_and(|d| d <= horizon)));
        row[f::MONTHLY_CONTRACT] = match cycle {
            Some(Cycle::Monthly) => 1.0,
            Some(Cycle::Annual) => 0.0,
            None => f64::NAN,
        };
        row[f::ANNUAL_RENEWAL_IN_HORIZON] = f64::from(u8::from(
            cycle == Some(Cycle::Annual) && to_renewal.is_some_and(|d| d <= horizon),
        ));
        let window = match (cycle, to_renewal) {
            (Some(Cycle::Annual), Some(d)) => f64::from(renewal_window_days(d, horizon)),
            (Some(Cycle::Monthly), Some(_)) => 0.0,
            _ => f64::NAN,
        };
        row[f::RENEWAL_WINDOW_DAYS] = window;
        row[f::RENEWAL_WINDOW_DAYS_LOG] = window;
        row[f::MRR] = a.mrr[i].unwrap_or(f64::NAN);
        row[f::SEATS] = a.seats[i].unwrap_or(f64::NAN);
    }
}
