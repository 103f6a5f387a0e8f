//! Observation dates: when features are taken and labels looked at.

use chrono::NaiveDate;
use serde::Serialize;

use crate::settings::{in_range, Check, SettingsError};
use crate::time::date_to_day;

/// Most observation dates one run can use (distinct-count bitmasks are 64 bits).
pub const MAX_DATES: usize = 64;

/// Settings that decide the observation dates.
#[derive(Debug, Clone, Serialize)]
pub struct PlanSettings {
    /// Churn horizon H: a label is churn within (T, T + H].
    pub horizon_days: u32,
    /// Spacing of training observation dates.
    pub snapshot_days: u32,
    /// How far back training observation dates go.
    pub history_days: u32,
}

/// Days of usage history a training date needs before it: the longest usage window
/// (the exponentially weighted rates and days since last use look back this far).
pub const USAGE_HISTORY_DAYS: u32 = super::windows::LOOKBACK_DAYS as u32;

/// What the data covers, for the plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataSpan {
    /// The day after the latest instant in the inputs: labels are observed up to here.
    pub ends: NaiveDate,
    /// The day of the earliest usage row, if any.
    pub usage_starts: Option<NaiveDate>,
}

/// Why the data allows no training date.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Settings(#[from] SettingsError),
    #[error("no training date has both a fully observed label and enough usage history: labels are observed until {labels_until} ({horizon_days}-day horizon), usage starts {} and a date needs {USAGE_HISTORY_DAYS} days of it before it; all {dates} planned dates fall outside", usage_starts.map_or("nowhere".to_string(), |d| d.to_string()))]
    NoTrainingDate {
        labels_until: NaiveDate,
        horizon_days: u32,
        usage_starts: Option<NaiveDate>,
        dates: usize,
    },
}

/// Longest horizon, snapshot spacing and history accepted, in days (ten and a
/// hundred years): far beyond any use, and small enough that date arithmetic on
/// any calendar date cannot overflow.
pub const MAX_HORIZON_DAYS: u32 = 3650;
pub const MAX_HISTORY_DAYS: u32 = 36_500;

impl Check for PlanSettings {
    fn check(&self) -> Result<(), SettingsError> {
        in_range("horizon_days", self.horizon_days, 1, MAX_HORIZON_DAYS)?;
        in_range("snapshot_days", self.snapshot_days, 1, MAX_HISTORY_DAYS)?;
        in_range("history_days", self.history_days, 0, MAX_HISTORY_DAYS)?;
        let dates = self.history_days / self.snapshot_days + 1;
        if dates as usize + 1 > MAX_DATES {
            // history / snapshot + 1 training dates, plus the as-of date.
            let least = self.history_days / (MAX_DATES as u32 - 1) + 1;
            return Err(SettingsError::out_of_range(
                "snapshot_days",
                format!(
                    "at least {least} with history_days {} (at most {} training observation dates)",
                    self.history_days,
                    MAX_DATES - 1
                ),
                self.snapshot_days,
            ));
        }
        Ok(())
    }
}

impl Default for PlanSettings {
    fn default() -> Self {
        PlanSettings {
            horizon_days: 90,
            snapshot_days: 30,
            history_days: 365,
        }
    }
}

/// The training observation dates (oldest first, labels fully observed) and the
/// scoring date (the as-of date).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    pub as_of: NaiveDate,
    pub horizon_days: u32,
    pub training: Vec<NaiveDate>,
}

impl Plan {
    /// Training dates go back from `as_of - horizon` every `snapshot_days`, for
    /// `history_days`, so that every training label's horizon ends by the as-of date.
    pub fn new(as_of: NaiveDate, s: &PlanSettings) -> Result<Plan, SettingsError> {
        s.check()?;
        let last = as_of - chrono::Duration::days(i64::from(s.horizon_days));
        let count = s.history_days / s.snapshot_days + 1;
        let mut training: Vec<NaiveDate> = (0..count)
            .map(|k| last - chrono::Duration::days(i64::from(k * s.snapshot_days)))
            .collect();
        training.reverse();
        Ok(Plan {
            as_of,
            horizon_days: s.horizon_days,
            training,
        })
    }

    /// The plan for data that spans `span`: training dates end a horizon before the
    /// data does (every label fully observed, even when the as-of date lies past the
    /// data), and start where the usage table holds the longest usage window
    /// ([`USAGE_HISTORY_DAYS`]) before them, so no early date reads a truncated window.
    pub fn for_data(as_of: NaiveDate, span: &DataSpan, s: &PlanSettings) -> Result<Plan, PlanError> {
        let labels_until = as_of.min(span.ends);
        let mut plan = Plan::new(labels_until, s)?;
        plan.as_of = as_of;
        let before = plan.training.len();
        if let Some(start) = span.usage_starts {
            let first = start + chrono::Duration::days(i64::from(USAGE_HISTORY_DAYS));
            plan.training.retain(|&d| d >= first);
        }
        if plan.training.is_empty() {
            return Err(PlanError::NoTrainingDate {
                labels_until,
                horizon_days: s.horizon_days,
                usage_starts: span.usage_starts,
                dates: before,
            });
        }
        Ok(plan)
    }

    /// All dates features are computed at: the training dates, then the as-of date.
    pub fn dates(&self) -> Vec<NaiveDate> {
        let mut d = self.training.clone();
        d.push(self.as_of);
        d
    }

    /// Days since the epoch of every date in `dates()`.
    pub fn days(&self) -> Vec<i32> {
        self.dates().into_iter().map(date_to_day).collect()
    }

    /// Index of the as-of date in `dates()`.
    pub fn scoring_index(&self) -> usize {
        self.training.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn training_dates_end_a_horizon_before_as_of() {
        let p = Plan::new(d("2026-11-01"), &PlanSettings::default()).unwrap();
        assert_eq!(p.training.len(), 13);
        assert_eq!(*p.training.last().unwrap(), d("2026-08-03"));
        assert_eq!(p.training[0], d("2025-08-08"));
        assert!(p
            .training
            .windows(2)
            .all(|w| (w[1] - w[0]).num_days() == 30));
        assert_eq!(p.dates().len(), 14);
        assert_eq!(p.dates()[p.scoring_index()], d("2026-11-01"));
    }

    #[test]
    fn too_many_dates_are_refused() {
        let s = PlanSettings {
            snapshot_days: 1,
            history_days: 365,
            horizon_days: 90,
        };
        let e = Plan::new(d("2026-11-01"), &s).unwrap_err();
        assert!(e.to_string().contains("snapshot_days must be at least 6"), "{e}");
        // The least spacing it names is accepted, one less is not.
        for (snapshot, ok) in [(6, true), (5, false)] {
            let s = PlanSettings { snapshot_days: snapshot, ..s.clone() };
            assert_eq!(s.check().is_ok(), ok, "snapshot {snapshot}");
        }
    }

    #[test]
    fn training_dates_end_where_labels_are_observed_and_start_after_a_usage_window() {
        let s = PlanSettings::default();
        let span = DataSpan {
            ends: d("2026-11-01"),
            usage_starts: Some(d("2025-04-20")),
        };
        let on_time = Plan::for_data(d("2026-11-01"), &span, &s).unwrap();
        // 180 days after 2025-04-20 is 2025-10-17: the three dates before it go.
        assert_eq!(on_time.training[0], d("2025-11-06"));
        assert_eq!(on_time.training.len(), 10);
        // Five days late: the same training dates, the as-of date as asked.
        let late = Plan::for_data(d("2026-11-06"), &span, &s).unwrap();
        assert_eq!(late.training, on_time.training);
        assert_eq!(late.as_of, d("2026-11-06"));
        // Earlier than the data's end: labels end at the as-of date, as always.
        let past = Plan::for_data(d("2026-10-01"), &span, &s).unwrap();
        assert_eq!(past.training.last(), Some(&d("2026-07-03")));
        // Usage that starts too late for any date with a full label.
        let short = DataSpan {
            usage_starts: Some(d("2026-06-01")),
            ..span
        };
        let e = Plan::for_data(d("2026-11-01"), &short, &s).unwrap_err();
        assert!(matches!(e, PlanError::NoTrainingDate { .. }), "{e}");
    }

    #[test]
    fn huge_spans_are_refused_before_any_date_arithmetic() {
        for s in [
            PlanSettings { horizon_days: 200_000_000, ..Default::default() },
            PlanSettings { history_days: 200_000_000, snapshot_days: 3_000_000, ..Default::default() },
            PlanSettings { horizon_days: 0, ..Default::default() },
            PlanSettings { snapshot_days: 0, ..Default::default() },
        ] {
            assert!(Plan::new(d("2026-11-01"), &s).is_err(), "{s:?}");
        }
        let widest = PlanSettings {
            horizon_days: MAX_HORIZON_DAYS,
            history_days: MAX_HISTORY_DAYS,
            snapshot_days: MAX_HISTORY_DAYS,
        };
        assert_eq!(Plan::new(d("2026-11-01"), &widest).unwrap().training.len(), 2);
    }
}
