//! The population and its labels: the accounts active at each observation date, and
//! whether each churned within the horizon after it.

use super::Plan;
use crate::ingest::Accounts;
use crate::time::MICROS_PER_DAY;

/// (account, date index, label) of every row, date-major, accounts in input order
/// within a date. The label is churn within (T, T + horizon], `None` on the as-of date
/// (the future is unknown).
pub(super) fn population(a: &Accounts, plan: &Plan, days: &[i32]) -> Vec<(u32, u32, Option<bool>)> {
    let horizon = i64::from(plan.horizon_days) * MICROS_PER_DAY;
    let scoring = plan.scoring_index();
    let mut rows: Vec<(u32, u32, Option<bool>)> = Vec::new();
    for (j, &t) in days.iter().enumerate() {
        let at = i64::from(t) * MICROS_PER_DAY;
        for i in 0..a.ids.len() {
            if a.active_at(i, at) {
                let label = (j != scoring)
                    .then(|| a.churned_at[i].is_some_and(|c| c > at && c <= at + horizon));
                rows.push((i as u32, j as u32, label));
            }
        }
    }
    rows
}
