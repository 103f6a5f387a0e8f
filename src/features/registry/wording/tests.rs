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

#[test]
fn a_low_amount_reads_off_its_first_number() {
    for (plain, low) in [
        (
            "usage volume 550 in the last 30 days",
            "usage volume only 550 in the last 30 days",
        ),
        (
            "usage volume 0 in the last 30 days",
            "no usage volume in the last 30 days",
        ),
        (
            "0 active users in the last 30 days",
            "no active users in the last 30 days",
        ),
        (
            "active on 0 of the last 30 days",
            "active on none of the last 30 days",
        ),
        // Nothing to call low.
        (
            "active users unknown (no user_id in usage)",
            "active users unknown (no user_id in usage)",
        ),
    ] {
        assert_eq!(below_usual(plain.into()), low);
    }
}

fn cmp(idx: usize, x: &[f64], against: Against, reference: f64) -> String {
    let as_of = crate::time::date_to_day("2026-11-01".parse().unwrap());
    compared(idx, x, as_of, Some(50.0), against, reference)
}

#[test]
fn a_driver_says_its_comparison() {
    let mut x = vec![0.0; f::COUNT];
    x[f::OPEN_URGENT_TICKETS] = 4.0;
    assert_eq!(
        cmp(f::OPEN_URGENT_TICKETS, &x, Against::Peers, 0.0),
        "4 urgent or high-priority tickets open (typical: 0)"
    );
    x[f::USERS_30D] = 62.0;
    assert_eq!(
        cmp(f::USERS_30D, &x, Against::Peers, 95.0),
        "only 62 active users in the last 30 days (typical: 95)"
    );
    // References in the feature's unit.
    x[f::DAYS_SINCE_LAST_USE] = 12.0;
    assert_eq!(
        cmp(f::DAYS_SINCE_LAST_USE, &x, Against::Peers, 1.0),
        "last used 12 days ago (typical: 1 day)"
    );
    x[f::TENURE_DAYS] = 120.4;
    assert_eq!(
        cmp(f::TENURE_DAYS, &x, Against::Peers, 712.6),
        "customer for 120 days (typical: 713 days)"
    );
    x[f::MEDIAN_FIRST_RESPONSE_HOURS] = 30.0;
    assert_eq!(
        cmp(f::MEDIAN_FIRST_RESPONSE_HOURS, &x, Against::Peers, 4.46),
        "median first response 30 hours (typical: 4.5 hours)"
    );
    x[f::CSAT_PCT_180D] = 50.0;
    x[f::CSAT_ANSWERS_180D] = 4.0;
    assert_eq!(
        cmp(f::CSAT_PCT_180D, &x, Against::Peers, 100.0),
        "CSAT 50% over 180 days (4 answers) (typical: 100%)"
    );
    // A flag's words say the side it is on.
    x[f::NPS_LATEST] = 4.0;
    x[f::DAYS_SINCE_NPS] = 30.0;
    assert_eq!(
        cmp(f::NPS_DETRACTOR, &x, Against::Peers, 0.0),
        "NPS 4 (detractor) on 2026-10-02"
    );
}

#[test]
fn a_trend_says_the_earlier_period() {
    let mut x = vec![0.0; f::COUNT];
    x[f::EVENTS_30D] = 62.0;
    let earlier = |period| Against::Earlier {
        cited: f::EVENTS_30D,
        earlier: |x| x[f::EVENTS_PREV_30D],
        period,
    };
    assert_eq!(
        cmp(f::EVENTS_30D, &x, earlier("in the 30 days before"), 95.0),
        "62 usage events in the last 30 days, down from 95 in the 30 days before"
    );
    assert_eq!(
        cmp(
            f::EVENTS_30D,
            &x,
            earlier("a month over the last 90 days"),
            95.33
        ),
        "62 usage events in the last 30 days, down from 95.3 a month over the last 90 days"
    );
    x[f::EVENTS_7D] = 0.0;
    assert_eq!(
        cmp(
            f::EVENTS_7D,
            &x,
            earlier("a week over the last 30 days"),
            14.0
        ),
        "no usage events in the last 7 days, down from 14 a week over the last 30 days"
    );
}

#[test]
fn levels_and_facts_keep_their_own_words() {
    let mut x = vec![0.0; f::COUNT];
    x[f::USAGE_DECLINE] = 0.5;
    assert_eq!(
        cmp(f::USAGE_DECLINE, &x, Against::Level(0.0), 0.0),
        "recent usage (14-day weighted) down 39% vs its 90-day weighted level"
    );
    x[f::DAYS_TO_RENEWAL] = 12.0;
    assert_eq!(
        cmp(f::DAYS_TO_RENEWAL, &x, Against::Horizon, 90.0),
        "renewal in 12 days (2026-11-13)"
    );
    x[f::MONTHLY_CONTRACT] = 1.0;
    assert_eq!(
        cmp(f::MONTHLY_CONTRACT, &x, Against::Fact, f64::NAN),
        "monthly contract"
    );
}
