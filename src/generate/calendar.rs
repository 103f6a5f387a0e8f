//! The simulated window: which days exist, how busy each one is, and the calendar
//! months the ground truth is reported by.

use chrono::{Datelike, Months, NaiveDate, Weekday};

pub const US_PER_DAY: i64 = 86_400_000_000;
pub const US_PER_SEC: i64 = 1_000_000;

/// Days since 1970-01-01.
pub fn epoch_day(date: NaiveDate) -> i32 {
    // Infallible for every date chrono can hold (a few hundred thousand years).
    (date - NaiveDate::default()).num_days() as i32
}

/// The date of an epoch day; `None` only far outside any realistic range.
pub fn date_of(day: i32) -> Option<NaiveDate> {
    NaiveDate::default().checked_add_signed(chrono::TimeDelta::try_days(day as i64)?)
}

/// `start` moved by `months` calendar months, the day clamped to the month's end
/// (Jan 31 + 1 month = Feb 28/29), as contracts do.
pub fn add_months(start: i32, months: u32) -> Option<i32> {
    Some(epoch_day(
        date_of(start)?.checked_add_months(Months::new(months))?,
    ))
}

/// One calendar month overlapping the window.
#[derive(Debug, Clone, Copy)]
pub struct Month {
    /// Epoch day of the 1st of the month (may precede the window).
    pub start: i32,
    /// Number of days in the whole month.
    pub len: u32,
}

/// Days `0..days` of the simulation, day 0 being `as_of - days`.
#[derive(Debug)]
pub struct Calendar {
    /// Epoch day of day 0.
    pub first_day: i32,
    pub days: u32,
    /// Relative activity of each day: weekends and the year-end holidays are quiet.
    pub activity: Vec<f32>,
    /// Index into `months` for each day.
    pub month_of_day: Vec<u16>,
    pub months: Vec<Month>,
}

impl Calendar {
    /// `None` when the dates fall outside what chrono can represent.
    pub fn new(as_of: NaiveDate, days: u32) -> Option<Calendar> {
        let first = as_of.checked_sub_days(chrono::Days::new(days as u64))?;
        let first_day = epoch_day(first);
        let mut activity = Vec::with_capacity(days as usize);
        let mut month_of_day = Vec::with_capacity(days as usize);
        let mut months: Vec<Month> = Vec::new();
        for d in 0..days {
            let date = date_of(first_day + d as i32)?;
            let weekday = match date.weekday() {
                Weekday::Mon => 1.05,
                Weekday::Tue | Weekday::Wed | Weekday::Thu => 1.0,
                Weekday::Fri => 0.9,
                Weekday::Sat => 0.22,
                Weekday::Sun => 0.18,
            };
            let holiday =
                (date.month() == 12 && date.day() >= 24) || (date.month() == 1 && date.day() == 1);
            activity.push(if holiday { weekday * 0.5 } else { weekday });

            let start = epoch_day(date.with_day(1)?);
            if months.last().map(|m| m.start) != Some(start) {
                let next = add_months(start, 1)?;
                months.push(Month {
                    start,
                    len: (next - start) as u32,
                });
            }
            month_of_day.push((months.len() - 1) as u16);
        }
        Some(Calendar {
            first_day,
            days,
            activity,
            month_of_day,
            months,
        })
    }

    /// First microsecond of day `d` of the window.
    pub fn day_us(&self, d: u32) -> i64 {
        (self.first_day as i64 + d as i64) * US_PER_DAY
    }

    /// The first microsecond after the window (midnight of the as-of date).
    pub fn end_us(&self) -> i64 {
        self.day_us(self.days)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_cover_the_window_and_weekends_are_quiet() {
        let as_of = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let cal = Calendar::new(as_of, 61).unwrap();
        // 2026-09-01 .. 2026-10-31: two whole months.
        assert_eq!(date_of(cal.first_day), NaiveDate::from_ymd_opt(2026, 9, 1));
        assert_eq!(cal.months.len(), 2);
        assert_eq!(cal.months[0].len, 30);
        assert_eq!(cal.months[1].len, 31);
        assert_eq!(cal.month_of_day[29], 0);
        assert_eq!(cal.month_of_day[30], 1);
        // 2026-09-05 is a Saturday, 2026-09-07 a Monday.
        assert!(cal.activity[4] < 0.5 && cal.activity[6] > 1.0);
        assert_eq!(
            add_months(epoch_day(NaiveDate::from_ymd_opt(2024, 1, 31).unwrap()), 1),
            Some(epoch_day(NaiveDate::from_ymd_opt(2024, 2, 29).unwrap()))
        );
    }
}
