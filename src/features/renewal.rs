//! Contract renewals: the renewal that was next at an observation date, the contract's
//! cycle, and how much of the churn horizon falls in an annual renewal's decision window.

use chrono::{Datelike, NaiveDate};

use crate::time::day_to_date;

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
