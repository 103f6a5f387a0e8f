//! Feature values in plain words, for the drivers behind a score: the context an
//! entry's `words` reads, the shared number formats, the "only 3 ..." reading of a
//! low amount of use, and a driver's sentence with its comparison.

use super::{Against, Unit, FEATURES};

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

/// A driver's sentence: feature `cited`'s words with the comparison that makes it a
/// reason, against `reference` as `against` says. Against peers: "only 3 product
/// features used in the last 30 days (typical: 7)"; against the earlier period: "62
/// usage events in the last 30 days, down from 95 in the 30 days before". A level, the
/// horizon or a fact: the feature's own words, which state it.
pub fn compared(
    cited: usize,
    x: &[f64],
    as_of_day: i32,
    seats: Option<f64>,
    against: Against,
    reference: f64,
) -> String {
    let feature = &FEATURES[cited];
    let v = x[cited];
    match against {
        Against::Peers => {
            let words = sentence(cited, x, as_of_day, seats, v < reference);
            if feature.unit == Unit::Flag {
                // "NPS 4 (detractor) on ..." already says which side it is on.
                words
            } else {
                format!("{words} (typical: {})", amount(feature.unit, reference))
            }
        }
        Against::Earlier { period, .. } => {
            // "no usage events", not "0 usage events"; "down from" says the rest.
            let words = sentence(cited, x, as_of_day, seats, v == 0.0);
            let way = if v < reference { "down" } else { "up" };
            let before = n((reference * 10.0).round() / 10.0);
            format!("{words}, {way} from {before} {period}")
        }
        Against::Level(_) | Against::Horizon | Against::Fact | Against::Never => {
            sentence(cited, x, as_of_day, seats, false)
        }
    }
}

/// A reference value in its unit: "7", "3 days", "60%", "4.5 hours".
fn amount(unit: Unit, v: f64) -> String {
    let one_decimal = (v * 10.0).round() / 10.0;
    match unit {
        Unit::Days if v >= 10.0 => plural(v.round(), "day", "days"),
        Unit::Days => plural(one_decimal, "day", "days"),
        Unit::Hours => format!("{} hours", n(one_decimal)),
        Unit::Ratio => format!("{:.0}%", v * 100.0),
        Unit::Percent => format!("{v:.0}%"),
        Unit::LogRatio => format!("{v:.2}"),
        Unit::Count | Unit::Quantity | Unit::Score | Unit::Money | Unit::Flag => n(one_decimal),
    }
}

/// A sentence for an amount of use that is low, read off its first number: "only 3
/// product features used", "active on only 4 of ...", "usage volume only 550 ...";
/// a zero reads "no usage events", "active on none of ...", "no usage volume ...".
fn below_usual(sentence: String) -> String {
    let Some(start) = sentence.find(|c: char| c.is_ascii_digit()) else {
        // No amount in it ("active users unknown ...").
        return sentence;
    };
    let end = sentence[start..]
        .find(' ')
        .map_or(sentence.len(), |e| start + e);
    let (before, number, after) = (&sentence[..start], &sentence[start..end], &sentence[end..]);
    if number != "0" {
        format!("{before}only {number}{after}")
    } else if before.is_empty() {
        format!("no{after}")
    } else if before.ends_with("on ") {
        format!("{before}none{after}")
    } else {
        format!("no {}{after}", before.trim_end())
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
