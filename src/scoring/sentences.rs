//! Feature values in plain words, for the drivers behind a score.

use crate::features::f;
use crate::time::day_to_date;

fn n(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    }
}

fn plural(v: f64, one: &str, many: &str) -> String {
    format!(
        "{} {}",
        n(v),
        if (v - 1.0).abs() < 1e-9 { one } else { many }
    )
}

fn change(ratio: f64, what: &str, against: &str) -> String {
    let pct = (ratio - 1.0) * 100.0;
    if pct.abs() < 0.5 {
        format!("{what} flat vs {against}")
    } else if pct < 0.0 {
        format!("{what} down {:.0}% vs {against}", -pct)
    } else {
        format!("{what} up {pct:.0}% vs {against}")
    }
}

/// One sentence for feature `idx` of an account, given all its raw feature values.
pub fn driver_sentence(idx: usize, x: &[f64], as_of_day: i32, seats: Option<f64>) -> String {
    let v = x[idx];
    match idx {
        f::EVENTS_30D => format!(
            "{} in the last 30 days",
            plural(v, "usage event", "usage events")
        ),
        f::EVENTS_PREV_30D => format!(
            "{} in the 30 days before",
            plural(v, "usage event", "usage events")
        ),
        f::QUANTITY_30D => format!("usage volume {} in the last 30 days", n(v)),
        f::QUANTITY_PREV_30D => format!("usage volume {} in the 30 days before", n(v)),
        f::USAGE_TREND_30D => {
            if x[f::QUANTITY_30D] == 0.0 && x[f::QUANTITY_PREV_30D] == 0.0 {
                "no usage in the last 60 days".into()
            } else {
                change(v.exp(), "usage", "the previous 30 days")
            }
        }
        f::EVENTS_7D => format!(
            "{} in the last 7 days",
            plural(v, "usage event", "usage events")
        ),
        f::USAGE_TREND_7D => change(v.exp(), "last week's usage pace", "the last 30 days"),
        f::EVENTS_90D => format!(
            "{} in the last 90 days",
            plural(v, "usage event", "usage events")
        ),
        f::USAGE_TREND_90D => change(v.exp(), "last month's usage", "the 90-day average"),
        f::USAGE_MOMENTUM => change(
            v.exp(),
            "recent usage (14-day weighted)",
            "its 90-day weighted level",
        ),
        f::USAGE_DECLINE if v <= 0.0 => "usage steady or growing against its 90-day level".into(),
        f::USAGE_DECLINE => change(
            (-v).exp(),
            "recent usage (14-day weighted)",
            "its 90-day weighted level",
        ),
        f::ACTIVE_DAYS_30D => format!("active on {} of the last 30 days", n(v)),
        f::ACTIVE_DAYS_PREV_30D => format!("active on {} of the 30 days before", n(v)),
        f::DAYS_SINCE_LAST_USE => {
            if v >= 180.0 {
                "no usage in 180 days".into()
            } else {
                format!("last used {} ago", plural(v, "day", "days"))
            }
        }
        f::USERS_30D if v.is_nan() => "active users unknown (no user_id in usage)".into(),
        f::USERS_30D => format!(
            "{} in the last 30 days",
            plural(v, "active user", "active users")
        ),
        f::SEAT_UTILISATION if v.is_nan() => "seat utilisation unknown (no seats on record)".into(),
        f::SEAT_UTILISATION => match seats {
            Some(s) => format!(
                "seat utilisation {:.0}% ({} of {} seats active)",
                v * 100.0,
                n(x[f::USERS_30D]),
                n(s)
            ),
            None => format!("seat utilisation {:.0}%", v * 100.0),
        },
        f::FEATURES_30D if v.is_nan() => "breadth of adoption unknown (no feature in usage)".into(),
        f::FEATURES_30D => format!(
            "{} used in the last 30 days",
            plural(v, "product feature", "product features")
        ),
        f::TICKETS_90D => format!(
            "{} opened in the last 90 days",
            plural(v, "support ticket", "support tickets")
        ),
        f::OPEN_TICKETS => format!("{} open", plural(v, "ticket", "tickets")),
        f::OPEN_URGENT_TICKETS => format!(
            "{} open",
            plural(
                v,
                "urgent or high-priority ticket",
                "urgent or high-priority tickets"
            )
        ),
        f::OLDEST_OPEN_TICKET_DAYS if v == 0.0 => "no ticket open".into(),
        f::OLDEST_OPEN_TICKET_DAYS => format!(
            "oldest open ticket waiting {}",
            plural(v.floor(), "day", "days")
        ),
        f::MEDIAN_FIRST_RESPONSE_HOURS if v.is_nan() => {
            "no ticket response times in 90 days".into()
        }
        f::MEDIAN_FIRST_RESPONSE_HOURS => format!(
            "median first response {} hours",
            n((v * 10.0).round() / 10.0)
        ),
        f::MEDIAN_RESOLUTION_HOURS if v.is_nan() => "no ticket resolved in 90 days".into(),
        f::MEDIAN_RESOLUTION_HOURS => format!("median resolution {} hours", n(v.round())),
        f::NPS_LATEST | f::NPS_DETRACTOR | f::NPS_PASSIVE | f::NPS_PROMOTER | f::DAYS_SINCE_NPS => {
            let score = x[f::NPS_LATEST];
            if score.is_nan() {
                "no NPS answer in the last 365 days".into()
            } else {
                let cat = crate::contract::NpsCategory::of(Some(score)).as_str();
                let date = day_to_date(as_of_day - x[f::DAYS_SINCE_NPS].ceil() as i32);
                format!("NPS {} ({cat}) on {date}", n(score))
            }
        }
        f::NPS_MEAN_365D if v.is_nan() => "no NPS answer in the last 365 days".into(),
        f::NPS_MEAN_365D => format!(
            "average NPS {} over the last 365 days",
            n((v * 10.0).round() / 10.0)
        ),
        f::NPS_DETRACTOR_ANSWERS_365D if v == 0.0 => {
            "no detractor NPS answer (0-6) in the last 365 days".into()
        }
        f::NPS_DETRACTOR_ANSWERS_365D => format!(
            "{} (0-6) in the last 365 days",
            plural(v, "detractor NPS answer", "detractor NPS answers")
        ),
        f::CSAT_PCT_180D if v.is_nan() => "no CSAT answer in 180 days".into(),
        f::CSAT_PCT_180D => format!(
            "CSAT {:.0}% over 180 days ({})",
            v,
            plural(x[f::CSAT_ANSWERS_180D], "answer", "answers")
        ),
        f::CSAT_ANSWERS_180D => format!("{} in 180 days", plural(v, "CSAT answer", "CSAT answers")),
        f::TENURE_DAYS => format!("customer for {}", plural(v.floor(), "day", "days")),
        f::DAYS_TO_RENEWAL | f::RENEWAL_IN_HORIZON => {
            let d = x[f::DAYS_TO_RENEWAL];
            if d.is_nan() {
                "renewal date unknown".into()
            } else {
                format!(
                    "renewal in {} ({})",
                    plural(d, "day", "days"),
                    day_to_date(as_of_day + d as i32)
                )
            }
        }
        f::MONTHLY_CONTRACT if v == 1.0 => "monthly contract".into(),
        f::MONTHLY_CONTRACT => "annual contract".into(),
        f::ANNUAL_RENEWAL_IN_HORIZON => {
            let d = x[f::DAYS_TO_RENEWAL];
            if d.is_nan() {
                "renewal date unknown".into()
            } else {
                format!(
                    "annual renewal in {} ({})",
                    plural(d, "day", "days"),
                    day_to_date(as_of_day + d as i32)
                )
            }
        }
        f::RENEWAL_WINDOW_DAYS | f::RENEWAL_WINDOW_DAYS_LOG => {
            let (v, d) = (x[f::RENEWAL_WINDOW_DAYS], x[f::DAYS_TO_RENEWAL]);
            if v.is_nan() || d.is_nan() {
                "renewal date unknown".into()
            } else if v == 0.0 && x[f::MONTHLY_CONTRACT] == 1.0 {
                "monthly contract: no annual renewal window ahead".into()
            } else if v == 0.0 {
                format!(
                    "annual renewal window not near: renewal in {}",
                    plural(d, "day", "days")
                )
            } else if d <= f64::from(crate::features::RENEWAL_WINDOW) {
                format!(
                    "in the renewal window: annual renewal in {} ({})",
                    plural(d, "day", "days"),
                    day_to_date(as_of_day + d as i32)
                )
            } else {
                format!(
                    "annual renewal in {} ({}): its {}-day decision window opens within the forecast horizon",
                    plural(d, "day", "days"),
                    day_to_date(as_of_day + d as i32),
                    crate::features::RENEWAL_WINDOW
                )
            }
        }
        f::MRR if v.is_nan() => "MRR unknown".into(),
        f::MRR => format!("MRR {}", n(v.round())),
        f::SEATS if v.is_nan() => "seats unknown".into(),
        f::SEATS => plural(v, "licensed seat", "licensed seats"),
        _ => format!("{} = {}", crate::features::FEATURES[idx].name, n(v)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_read_naturally() {
        let mut x = vec![0.0; f::COUNT];
        x[f::QUANTITY_30D] = 55.0;
        x[f::QUANTITY_PREV_30D] = 100.0;
        x[f::USAGE_TREND_30D] = (56.0f64 / 101.0).ln();
        assert_eq!(
            driver_sentence(f::USAGE_TREND_30D, &x, 0, None),
            "usage down 45% vs the previous 30 days"
        );
        x[f::OPEN_URGENT_TICKETS] = 2.0;
        assert_eq!(
            driver_sentence(f::OPEN_URGENT_TICKETS, &x, 0, None),
            "2 urgent or high-priority tickets open"
        );
        x[f::OPEN_URGENT_TICKETS] = 1.0;
        assert_eq!(
            driver_sentence(f::OPEN_URGENT_TICKETS, &x, 0, None),
            "1 urgent or high-priority ticket open"
        );
        x[f::NPS_LATEST] = 4.0;
        x[f::DAYS_SINCE_NPS] = 30.0;
        let as_of = crate::time::date_to_day("2026-11-01".parse().unwrap());
        assert_eq!(
            driver_sentence(f::NPS_DETRACTOR, &x, as_of, None),
            "NPS 4 (detractor) on 2026-10-02"
        );
        x[f::USERS_30D] = 9.0;
        x[f::SEAT_UTILISATION] = 0.18;
        assert_eq!(
            driver_sentence(f::SEAT_UTILISATION, &x, 0, Some(50.0)),
            "seat utilisation 18% (9 of 50 seats active)"
        );
        x[f::USAGE_DECLINE] = 0.5;
        assert_eq!(
            driver_sentence(f::USAGE_DECLINE, &x, 0, None),
            "recent usage (14-day weighted) down 39% vs its 90-day weighted level"
        );
        x[f::NPS_DETRACTOR_ANSWERS_365D] = 2.0;
        assert_eq!(
            driver_sentence(f::NPS_DETRACTOR_ANSWERS_365D, &x, 0, None),
            "2 detractor NPS answers (0-6) in the last 365 days"
        );
        x[f::DAYS_TO_RENEWAL] = 12.0;
        x[f::RENEWAL_WINDOW_DAYS] = 12.0;
        assert_eq!(
            driver_sentence(f::RENEWAL_WINDOW_DAYS, &x, as_of, None),
            "in the renewal window: annual renewal in 12 days (2026-11-13)"
        );
        x[f::DAYS_TO_RENEWAL] = 75.0;
        x[f::RENEWAL_WINDOW_DAYS] = 31.0;
        assert_eq!(
            driver_sentence(f::RENEWAL_WINDOW_DAYS_LOG, &x, as_of, None),
            "annual renewal in 75 days (2027-01-15): its 30-day decision window opens within the forecast horizon"
        );
        x[f::CSAT_PCT_180D] = f64::NAN;
        assert_eq!(
            driver_sentence(f::CSAT_PCT_180D, &x, 0, None),
            "no CSAT answer in 180 days"
        );
    }
}
