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
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),
}

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

/// The as-of date a run is for, and what the data covers.
#[derive(Debug, Clone)]
pub struct Settled {
    pub as_of: NaiveDate,
    /// The day after the latest instant in the inputs.
    pub data_ends: NaiveDate,
    /// Said when the as-of date lies after the data (a late delivery).
    pub warning: Option<String>,
}

/// The as-of date: the one asked for, checked against the data, or the default. An
/// as-of date after the data still runs (labels are then taken where fully observed,
/// see `Plan::for_data`) with a warning; one before the data begins is refused.
pub fn settle_as_of(
    data: &Dataset,
    asked: Option<NaiveDate>,
    timings: &mut Timings,
) -> Result<Settled, AsOfError> {
    let next_day = timings.time("as-of date", || default_as_of(data))?;
    let settled = |as_of, warning| Settled {
        as_of,
        data_ends: next_day,
        warning,
    };
    let Some(asked) = asked else {
        return Ok(settled(next_day, None));
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
    let warning = (asked > next_day).then(|| {
        format!(
            "as-of date {asked} is {} days after the data ends (latest instant on {}): training labels end there, and usage after it is missing; is a delivery late?",
            (asked - next_day).num_days(),
            next_day - chrono::Duration::days(1)
        )
    });
    Ok(settled(asked, warning))
}
