//! The date a run is for: asked for, or the day after the latest instant in the data,
//! and checked against the data.

use chrono::NaiveDate;

use crate::ingest::Dataset;
use crate::time::{date_to_micros, micros_to_date};
use crate::timing::Timings;

/// Why an as-of date cannot be used with the data.
#[derive(Debug, thiserror::Error)]
pub enum AsOfError {
    #[error("the inputs hold no instant to take an as-of date from")]
    NoInstant,
    #[error("as-of date {asked} is before the data begins (the first account started on {first}): nothing to score")]
    BeforeData { asked: NaiveDate, first: NaiveDate },
    #[error("as-of date {asked} is more than {max_days} days after the data ends (latest instant on {last}): usage features would all be empty")]
    AfterData {
        asked: NaiveDate,
        last: NaiveDate,
        max_days: i64,
    },
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),
}

/// Furthest an asked as-of date may lie after the day after the data ends.
const MAX_DAYS_PAST_DATA: i64 = 30;

/// Instants after the later of `as_of` and now are "in the future" (set aside).
pub fn not_after(as_of: Option<NaiveDate>) -> i64 {
    let now = chrono::Utc::now().timestamp_micros();
    as_of.map_or(now, |d| date_to_micros(d).max(now))
}

/// The default as-of date: the day after the latest instant in the data.
pub fn default_as_of(data: &Dataset) -> Result<NaiveDate, AsOfError> {
    let a = &data.accounts;
    let latest = [
        a.started_at.iter().copied().max(),
        a.churned_at.iter().flatten().copied().max(),
        data.tickets.opened_at.iter().copied().max(),
        data.tickets.resolved_at.iter().flatten().copied().max(),
        data.surveys.responded_at.iter().copied().max(),
        data.usage.latest_instant(a)?,
    ]
    .into_iter()
    .flatten()
    .max();
    latest
        .map(|t| micros_to_date(t) + chrono::Duration::days(1))
        .ok_or(AsOfError::NoInstant)
}

/// The as-of date: the one asked for, checked against the data, or the default.
pub fn settle_as_of(
    data: &Dataset,
    asked: Option<NaiveDate>,
    timings: &mut Timings,
) -> Result<NaiveDate, AsOfError> {
    let next_day = timings.time("as-of date", || default_as_of(data))?;
    let Some(asked) = asked else {
        return Ok(next_day);
    };
    let first = data
        .accounts
        .started_at
        .iter()
        .copied()
        .min()
        .map(micros_to_date);
    if let Some(first) = first.filter(|&f| asked <= f) {
        return Err(AsOfError::BeforeData { asked, first });
    }
    if asked > next_day + chrono::Duration::days(MAX_DAYS_PAST_DATA) {
        return Err(AsOfError::AfterData {
            asked,
            last: next_day - chrono::Duration::days(1),
            max_days: MAX_DAYS_PAST_DATA,
        });
    }
    Ok(asked)
}
