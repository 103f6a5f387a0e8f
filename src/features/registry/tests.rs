use super::*;

#[test]
fn indices_match_names() {
    assert_eq!(FEATURES[f::EVENTS_30D].name, "events_30d");
    assert_eq!(FEATURES[f::SEAT_UTILISATION].name, "seat_utilisation");
    assert_eq!(FEATURES[f::OPEN_URGENT_TICKETS].name, "open_urgent_tickets");
    assert_eq!(FEATURES[f::NPS_PROMOTER].name, "nps_promoter");
    assert_eq!(FEATURES[f::CSAT_PCT_180D].name, "csat_pct_180d");
    assert_eq!(FEATURES[f::SEATS].name, "seats");
    assert_eq!(f::COUNT, 41);
    let mut names = names();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), f::COUNT);
}

#[test]
fn the_column_order_is_the_model_files() {
    // The matrix, the export and every saved model depend on this order.
    let order = [
        "events_30d",
        "events_prev_30d",
        "quantity_30d",
        "quantity_prev_30d",
        "usage_trend_30d",
        "events_7d",
        "usage_trend_7d",
        "events_90d",
        "usage_trend_90d",
        "usage_momentum",
        "usage_decline",
        "active_days_30d",
        "active_days_prev_30d",
        "days_since_last_use",
        "users_30d",
        "seat_utilisation",
        "features_30d",
        "tickets_90d",
        "open_tickets",
        "open_urgent_tickets",
        "oldest_open_ticket_days",
        "median_first_response_hours_90d",
        "median_resolution_hours_90d",
        "nps_latest",
        "nps_detractor",
        "nps_passive",
        "nps_promoter",
        "days_since_nps",
        "nps_mean_365d",
        "nps_detractor_answers_365d",
        "csat_pct_180d",
        "csat_answers_180d",
        "tenure_days",
        "days_to_renewal",
        "renewal_in_horizon",
        "monthly_contract",
        "annual_renewal_in_horizon",
        "renewal_window_days",
        "renewal_window_days_log",
        "mrr",
        "seats",
    ];
    assert_eq!(names(), order);
}

#[test]
fn lookups_by_name_find_the_entry() {
    assert_eq!(
        by_name("users_30d").map(|d| d.label),
        Some("Active users, last 30 days")
    );
    assert!(by_name("users_30d__missing").is_none());
}

#[test]
fn derived_features_name_existing_features() {
    for d in &FEATURES {
        if let Computation::Derived { from, .. } = d.computed {
            assert!(!from.is_empty(), "{}", d.name);
            for name in from {
                assert!(
                    by_name(name).is_some(),
                    "{} is derived from unknown {name}",
                    d.name
                );
                assert_ne!(*name, d.name);
            }
        }
    }
}

#[test]
fn directions_the_domain_knows() {
    use Direction::{HigherIsRiskier as Higher, LowerIsRiskier as Lower};
    let want = [
        (f::USERS_30D, Lower),
        (f::OPEN_URGENT_TICKETS, Higher),
        (f::NPS_DETRACTOR, Higher),
        (f::NPS_PROMOTER, Lower),
        (f::USAGE_DECLINE, Higher),
        (f::USAGE_MOMENTUM, Lower),
        (f::MRR, Direction::None),
        (f::SEATS, Direction::None),
        (f::MONTHLY_CONTRACT, Direction::None),
    ];
    for (i, dir) in want {
        assert_eq!(FEATURES[i].direction, dir, "{}", FEATURES[i].name);
    }
    // Commercial facts declare none.
    for d in FEATURES.iter().filter(|d| d.group == Group::Commercial) {
        assert_eq!(d.direction, Direction::None, "{}", d.name);
    }
}

#[test]
fn amounts_are_the_levels_of_use() {
    let amounts: Vec<&str> = FEATURES
        .iter()
        .filter(|d| d.amount)
        .map(|d| d.name)
        .collect();
    assert_eq!(
        amounts,
        [
            "events_30d",
            "events_prev_30d",
            "quantity_30d",
            "quantity_prev_30d",
            "events_7d",
            "events_90d",
            "active_days_30d",
            "active_days_prev_30d",
            "users_30d",
            "features_30d",
        ]
    );
}

#[test]
fn every_group_has_features_and_every_text_fits_a_table_cell() {
    for g in Group::ALL {
        assert!(FEATURES.iter().any(|d| d.group == g), "{g:?}");
    }
    for d in &FEATURES {
        for text in [d.meaning, d.why, d.label] {
            assert!(!text.is_empty(), "{}", d.name);
            assert!(!text.contains(['|', '\n']), "{}: {text}", d.name);
        }
    }
}
