//! One time unit for the whole job: instants are `i64` microseconds since the Unix
//! epoch (UTC), days are `i32` days since the epoch. Inputs of every Arrow unit are
//! normalised to these once, at ingest.

use chrono::{DateTime, NaiveDate};

pub const MICROS_PER_HOUR: i64 = 3_600_000_000;
pub const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

/// Midnight UTC at the start of `date`, in microseconds.
pub fn date_to_micros(date: NaiveDate) -> i64 {
    i64::from(date_to_day(date)) * MICROS_PER_DAY
}

/// Days since 1970-01-01 of `date`.
pub fn date_to_day(date: NaiveDate) -> i32 {
    (date - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch")).num_days() as i32
}

/// The UTC day an instant falls on (floor, so instants before 1970 land on the right day).
pub fn micros_to_day(us: i64) -> i32 {
    us.div_euclid(MICROS_PER_DAY) as i32
}

pub fn day_to_date(day: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid epoch")
        + chrono::Duration::days(i64::from(day))
}

/// ISO date of the day an instant falls on.
pub fn micros_to_date(us: i64) -> NaiveDate {
    day_to_date(micros_to_day(us))
}

/// RFC 3339 rendering of an instant, for messages.
pub fn format_micros(us: i64) -> String {
    match DateTime::from_timestamp_micros(us) {
        Some(t) => t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        None => format!("{us} µs since 1970-01-01"),
    }
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|e| format!("`{s}` is not a date of the form YYYY-MM-DD ({e})"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_and_floor_before_the_epoch() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert_eq!(day_to_date(date_to_day(d)), d);
        assert_eq!(micros_to_day(-1), -1);
        assert_eq!(micros_to_day(0), 0);
        assert_eq!(micros_to_day(MICROS_PER_DAY - 1), 0);
        assert_eq!(micros_to_date(date_to_micros(d) + 5 * MICROS_PER_HOUR), d);
    }

    #[test]
    fn parse_date_names_the_bad_value() {
        assert!(parse_date("2026-02-30").unwrap_err().contains("2026-02-30"));
        assert_eq!(
            parse_date(" 2026-01-02 ").unwrap(),
            NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()
        );
    }
}
