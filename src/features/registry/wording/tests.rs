use super::*;
use crate::features::f;

fn words(idx: usize, x: &[f64], as_of_day: i32, seats: Option<f64>) -> String {
    sentence(idx, x, as_of_day, seats, false)
}

#[test]
fn sentences_read_naturally() {
    let mut x = vec![0.0; f::COUNT];
    x[f::QUANTITY_30D] = 55.0;
    x[f::QUANTITY_PREV_30D] = 100.0;
    x[f::USAGE_TREND_30D] = (56.0f64 / 101.0).ln();
    assert_eq!(
        words(f::USAGE_TREND_30D, &x, 0, None),
        "usage down 45% vs the previous 30 days"
    );
    x[f::OPEN_URGENT_TICKETS] = 2.0;
    assert_eq!(
        words(f::OPEN_URGENT_TICKETS, &x, 0, None),
        "2 urgent or high-priority tickets open"
    );
    x[f::OPEN_URGENT_TICKETS] = 1.0;
    assert_eq!(
        words(f::OPEN_URGENT_TICKETS, &x, 0, None),
        "1 urgent or high-priority ticket open"
    );
    x[f::NPS_LATEST] = 4.0;
    x[f::DAYS_SINCE_NPS] = 30.0;
    let as_of = crate::time::date_to_day("2026-11-01".parse().unwrap());
    assert_eq!(
        words(f::NPS_DETRACTOR, &x, as_of, None),
        "NPS 4 (detractor) on 2026-10-02"
    );
    x[f::USERS_30D] = 9.0;
    x[f::SEAT_UTILISATION] = 0.18;
    assert_eq!(
        words(f::SEAT_UTILISATION, &x, 0, Some(50.0)),
        "seat utilisation 18% (9 of 50 seats active)"
    );
    x[f::USAGE_DECLINE] = 0.5;
    assert_eq!(
        words(f::USAGE_DECLINE, &x, 0, None),
        "recent usage (14-day weighted) down 39% vs its 90-day weighted level"
    );
    x[f::NPS_DETRACTOR_ANSWERS_365D] = 2.0;
    assert_eq!(
        words(f::NPS_DETRACTOR_ANSWERS_365D, &x, 0, None),
        "2 detractor NPS answers (0-6) in the last 365 days"
    );
    x[f::DAYS_TO_RENEWAL] = 12.0;
    x[f::RENEWAL_WINDOW_DAYS] = 12.0;
    assert_eq!(
        words(f::RENEWAL_WINDOW_DAYS, &x, as_of, None),
        "in the renewal window: annual renewal in 12 days (2026-11-13)"
    );
    x[f::DAYS_TO_RENEWAL] = 75.0;
    x[f::RENEWAL_WINDOW_DAYS] = 31.0;
    assert_eq!(
        words(f::RENEWAL_WINDOW_DAYS_LOG, &x, as_of, None),
        "annual renewal in 75 days (2027-01-15): its 30-day decision window opens within the forecast horizon"
    );
    x[f::CSAT_PCT_180D] = f64::NAN;
    assert_eq!(
        words(f::CSAT_PCT_180D, &x, 0, None),
        "no CSAT answer in 180 days"
    );
}

#[test]
fn low_amounts_read_as_low() {
    let mut x = vec![0.0; f::COUNT];
    x[f::FEATURES_30D] = 3.0;
    assert_eq!(
        sentence(f::FEATURES_30D, &x, 0, None, true),
        "only 3 product features used in the last 30 days"
    );
    assert_eq!(
        sentence(f::FEATURES_30D, &x, 0, None, false),
        "3 product features used in the last 30 days"
    );
    assert_eq!(
        sentence(f::EVENTS_7D, &x, 0, None, true),
        "no usage events in the last 7 days"
    );
    x[f::ACTIVE_DAYS_30D] = 4.0;
    assert_eq!(
        sentence(f::ACTIVE_DAYS_30D, &x, 0, None, true),
        "active on only 4 of the last 30 days"
    );
    x[f::ACTIVE_DAYS_30D] = 0.0;
    assert_eq!(
        sentence(f::ACTIVE_DAYS_30D, &x, 0, None, true),
        "active on none of the last 30 days"
    );
    // Not an amount: a low value reads as it is.
    x[f::OPEN_TICKETS] = 2.0;
    assert_eq!(
        sentence(f::OPEN_TICKETS, &x, 0, None, true),
        "2 tickets open"
    );
}

#[test]
fn below_usual_rewords_the_start() {
    assert_eq!(
        below_usual("3 product features used".into()),
        "only 3 product features used"
    );
    assert_eq!(
        below_usual("0 usage events in the last 7 days".into()),
        "no usage events in the last 7 days"
    );
    assert_eq!(
        below_usual("active on 4 of the last 30 days".into()),
        "active on only 4 of the last 30 days"
    );
}

/// Rows to word every feature against: nothing, typical values, everything missing.
fn rows() -> Vec<Vec<f64>> {
    let mut typical = vec![1.0; f::COUNT];
    typical[f::USAGE_TREND_30D] = -0.4;
    typical[f::USAGE_MOMENTUM] = -0.3;
    typical[f::USAGE_DECLINE] = 0.3;
    typical[f::SEAT_UTILISATION] = 0.4;
    typical[f::NPS_LATEST] = 8.0;
    typical[f::DAYS_SINCE_NPS] = 40.0;
    typical[f::DAYS_TO_RENEWAL] = 45.0;
    typical[f::RENEWAL_WINDOW_DAYS] = 31.0;
    typical[f::MONTHLY_CONTRACT] = 0.0;
    vec![vec![0.0; f::COUNT], typical, vec![f64::NAN; f::COUNT]]
}

#[test]
fn every_feature_has_its_own_words() {
    let as_of = crate::time::date_to_day("2026-11-01".parse().unwrap());
    for x in rows() {
        for (i, d) in FEATURES.iter().enumerate() {
            for low in [false, true] {
                for seats in [None, Some(20.0)] {
                    let s = sentence(i, &x, as_of, seats, low);
                    assert!(!s.is_empty(), "{}", d.name);
                    assert!(
                        !s.contains(" = ") && !s.starts_with(&format!("{} =", d.name)),
                        "{} is worded as name = value: {s}",
                        d.name
                    );
                }
            }
        }
    }
}
