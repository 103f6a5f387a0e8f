use ndarray::Array1;

use super::*;
use crate::features::f;

/// A row of raw values, contributions and peers' medians, all neutral: every value
/// 0, no contribution, peers' medians 0.
struct Row {
    x: Vec<f64>,
    c: Vec<f64>,
    peers: Vec<Option<f64>>,
}

impl Row {
    fn new() -> Row {
        Row {
            x: vec![0.0; f::COUNT],
            c: vec![0.0; f::COUNT],
            peers: vec![Some(0.0); f::COUNT],
        }
    }

    fn set(&mut self, i: usize, value: f64, contribution: f64) -> &mut Row {
        self.x[i] = value;
        self.c[i] = contribution;
        self
    }

    fn drivers(&self) -> Vec<Driver> {
        let cx = Context {
            x: &self.x,
            peers: &self.peers,
            as_of_day: crate::time::date_to_day("2026-11-01".parse().unwrap()),
            seats: Some(50.0),
            horizon_days: 90,
        };
        drivers(Array1::from(self.c.clone()).view(), &cx, 3)
    }
}

fn sentences(d: &[Driver]) -> Vec<&str> {
    d.iter().map(|d| d.sentence.as_str()).collect()
}

#[test]
fn an_adverse_level_is_compared_with_its_peers() {
    let mut r = Row::new();
    r.set(f::OPEN_URGENT_TICKETS, 4.0, 0.9);
    let d = r.drivers();
    assert_eq!(
        sentences(&d),
        ["4 urgent or high-priority tickets open (typical: 0)"]
    );
    assert_eq!(d[0].feature, "open_urgent_tickets");
    assert_eq!(d[0].group, "urgent_tickets");
    assert_eq!((d[0].value, d[0].reference), (4.0, Some(0.0)));
    // A low amount of use reads as low against what peers of the plan do.
    let mut r = Row::new();
    r.peers[f::FEATURES_30D] = Some(7.0);
    r.set(f::FEATURES_30D, 3.0, 0.4);
    assert_eq!(
        sentences(&r.drivers()),
        ["only 3 product features used in the last 30 days (typical: 7)"]
    );
}

#[test]
fn a_good_value_is_never_a_reason_whatever_its_contribution() {
    // A flipped coefficient makes a high NPS raise the risk: the value is on the safe
    // side of the peers' median, so the group is not shown.
    let mut r = Row::new();
    r.peers[f::NPS_MEAN_365D] = Some(8.0);
    r.peers[f::NPS_LATEST] = Some(8.0);
    r.set(f::NPS_MEAN_365D, 10.0, 0.5)
        .set(f::NPS_LATEST, 10.0, 0.2);
    assert!(r.drivers().is_empty());
    // Equal to the reference is no deficit either.
    let mut r = Row::new();
    r.set(f::OPEN_TICKETS, 0.0, 0.3);
    assert!(r.drivers().is_empty());
    // A missing value cannot be shown to be on the risky side.
    let mut r = Row::new();
    r.set(f::MEDIAN_RESOLUTION_HOURS, f64::NAN, 0.3);
    assert!(r.drivers().is_empty());
}

#[test]
fn a_group_is_shown_by_its_sum_and_one_sentence() {
    let mut r = Row::new();
    r.peers[f::USERS_30D] = Some(20.0);
    r.peers[f::SEAT_UTILISATION] = Some(0.6);
    r.set(f::USERS_30D, 9.0, 0.3)
        .set(f::SEAT_UTILISATION, 0.18, 0.5);
    let d = r.drivers();
    assert_eq!(d.len(), 1, "{d:?}");
    assert_eq!(d[0].group, "seats");
    assert!((d[0].contribution - 0.8).abs() < 1e-12);
    // The feature contributing most within the group is cited.
    assert_eq!(
        d[0].sentence,
        "seat utilisation 18% (9 of 50 seats active) (typical: 60%)"
    );
    // A group whose features cancel out does not raise the risk.
    r.set(f::SEAT_UTILISATION, 0.18, -0.4);
    assert!(r.drivers().is_empty());
}

#[test]
fn a_feature_and_its_log_give_one_sentence() {
    let mut r = Row::new();
    r.set(f::DAYS_TO_RENEWAL, 75.0, 0.0)
        .set(f::RENEWAL_WINDOW_DAYS, 31.0, 0.7)
        .set(f::RENEWAL_WINDOW_DAYS_LOG, 31.0, 0.8);
    let d = r.drivers();
    assert_eq!(
        sentences(&d),
        ["annual renewal in 75 days (2027-01-15): its 30-day decision window opens within the forecast horizon"]
    );
    assert_eq!(d[0].feature, "renewal_window_days_log");
    assert_eq!(d[0].reference, Some(0.0));
}

#[test]
fn trends_compare_with_the_accounts_own_earlier_period() {
    let mut r = Row::new();
    r.set(f::QUANTITY_30D, 62.0, 0.0)
        .set(f::QUANTITY_PREV_30D, 95.0, 0.0)
        .set(f::USAGE_TREND_30D, (63.0f64 / 96.0).ln(), 0.6);
    let d = r.drivers();
    assert_eq!(
        sentences(&d),
        ["usage volume 62 in the last 30 days, down from 95 in the 30 days before"]
    );
    assert_eq!(
        (d[0].feature.as_str(), d[0].group.as_str()),
        ("quantity_30d", "usage_trend")
    );
    assert_eq!((d[0].value, d[0].reference), (62.0, Some(95.0)));
    // Usage that grew is no reason, whatever the contribution says.
    r.set(f::QUANTITY_30D, 120.0, 0.0);
    assert!(r.drivers().is_empty());
    // The month before, as a level, is read as the change from it.
    let mut r = Row::new();
    r.set(f::ACTIVE_DAYS_30D, 0.0, 0.0)
        .set(f::ACTIVE_DAYS_PREV_30D, 12.0, 0.5);
    assert_eq!(
        sentences(&r.drivers()),
        ["active on none of the last 30 days, down from 12 in the 30 days before"]
    );
}

#[test]
fn facts_are_stated_never_compared() {
    let mut r = Row::new();
    r.set(f::MONTHLY_CONTRACT, 1.0, 0.3);
    let d = r.drivers();
    assert_eq!(sentences(&d), ["monthly contract"]);
    assert_eq!((d[0].reference, d[0].group.as_str()), (None, "commercial"));
    // An unset flag states nothing about itself (its words are the latest answer's).
    let mut r = Row::new();
    r.x[f::NPS_LATEST] = 10.0;
    r.x[f::DAYS_SINCE_NPS] = 10.0;
    r.set(f::NPS_PASSIVE, 0.0, 0.4);
    assert!(r.drivers().is_empty());
    // How much is known is no reason: an answer's age alone is never cited.
    r.set(f::DAYS_SINCE_NPS, 200.0, 0.4);
    assert!(r.drivers().is_empty());
    // A comparison is preferred to a fact of the same group.
    let mut r = Row::new();
    r.set(f::TICKETS_90D, 5.0, 0.6)
        .set(f::OPEN_TICKETS, 2.0, 0.1);
    assert_eq!(sentences(&r.drivers()), ["2 tickets open (typical: 0)"]);
    r.set(f::OPEN_TICKETS, 0.0, -0.1);
    assert_eq!(
        sentences(&r.drivers()),
        ["5 support tickets opened in the last 90 days"]
    );
}

#[test]
fn groups_rank_by_contribution_and_never_cite_a_feature_twice() {
    let mut r = Row::new();
    r.peers[f::EVENTS_30D] = Some(200.0);
    r.peers[f::ACTIVE_DAYS_30D] = Some(20.0);
    r.set(f::EVENTS_90D, 300.0, 0.0)
        .set(f::USAGE_TREND_90D, -0.5, 0.9)
        .set(f::EVENTS_30D, 62.0, 0.5)
        .set(f::ACTIVE_DAYS_30D, 5.0, 0.1)
        .set(f::OPEN_URGENT_TICKETS, 1.0, 0.7)
        .set(f::MONTHLY_CONTRACT, 1.0, 0.05)
        .set(f::TENURE_DAYS, 30.0, -0.2);
    let d = r.drivers();
    assert_eq!(
        sentences(&d),
        [
            "62 usage events in the last 30 days, down from 100 a month over the last 90 days",
            "1 urgent or high-priority ticket open (typical: 0)",
            // events_30d is cited already: the level group shows its next feature.
            "active on only 5 of the last 30 days (typical: 20 days)",
        ]
    );
    let groups: Vec<&str> = d.iter().map(|d| d.group.as_str()).collect();
    assert_eq!(groups, ["usage_trend", "urgent_tickets", "usage_level"]);
    assert!((d[2].contribution - 0.6).abs() < 1e-12);
}

#[test]
fn a_model_without_peers_still_gives_trends_levels_and_facts() {
    let mut r = Row::new();
    r.peers = vec![];
    r.set(f::OPEN_URGENT_TICKETS, 4.0, 0.9)
        .set(f::USAGE_DECLINE, 0.5, 0.4)
        .set(f::MONTHLY_CONTRACT, 1.0, 0.3);
    assert_eq!(
        sentences(&r.drivers()),
        [
            "recent usage (14-day weighted) down 39% vs its 90-day weighted level",
            "monthly contract"
        ]
    );
}
