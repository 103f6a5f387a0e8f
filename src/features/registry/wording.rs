//! Feature values in plain words, for the drivers behind a score: the context an
//! entry's `words` reads, the shared number formats, and the "only 3 ..." reading of a
//! low amount of use.

use super::FEATURES;

/// What an entry's wording sees of one account at the as-of date.
pub struct SentenceContext<'a> {
    /// The feature's own raw value (NaN = missing).
    pub value: f64,
    /// Every raw feature value of the row, in `FEATURES` order; `x[f::NAME]`.
    pub x: &'a [f64],
    /// The as-of date, in days since the epoch.
    pub as_of_day: i32,
    /// The account's licensed seats, when on record.
    pub seats: Option<f64>,
}

/// One sentence for feature `idx` of a row `x` (every raw value, `FEATURES` order).
/// `low`: the value is below its training mean; an amount of use then reads as low.
pub fn sentence(idx: usize, x: &[f64], as_of_day: i32, seats: Option<f64>, low: bool) -> String {
    let feature = &FEATURES[idx];
    let words = (feature.words)(&SentenceContext {
        value: x[idx],
        x,
        as_of_day,
        seats,
    });
    if feature.amount && low {
        below_usual(words)
    } else {
        words
    }
}

/// A sentence for an amount of use that is low: "only 3 product features used", and
/// "no usage events" rather than "0 usage events".
fn below_usual(sentence: String) -> String {
    match sentence.strip_prefix("0 ") {
        Some(rest) => format!("no {rest}"),
        None if sentence.starts_with("active on 0 ") => {
            sentence.replacen("active on 0 ", "active on none ", 1)
        }
        None if sentence.starts_with("active on ") => {
            sentence.replacen("active on ", "active on only ", 1)
        }
        None => format!("only {sentence}"),
    }
}

/// A number as people write it: 3, not 3.0; one decimal otherwise.
pub(super) fn n(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

/// "1 ticket", "2 tickets".
pub(super) fn plural(v: f64, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        n(v),
        if (v - 1.0).abs() < 1e-9 { one } else { many }
    )
}

/// "usage down 45% vs the previous 30 days" for a ratio of 0.55.
pub(super) fn change(ratio: f64, what: &str, against: &str) -> String {
    let pct = (ratio - 1.0) * 100.0;
    if pct.abs() < 0.5 {
        format!("{what} flat vs {against}")
    } else if pct < 0.0 {
        format!("{what} down {:.0}% vs {against}", -pct)
    } else {
        format!("{what} up {pct:.0}% vs {against}")
    }
}

#[cfg(test)]
mod tests;
