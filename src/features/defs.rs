//! The feature list: names, transforms and meanings. The order is the column order
//! of the feature matrix, the export and the model.

use crate::model::{FeatureSpec, Transform};

pub struct FeatureDef {
    pub name: &'static str,
    pub transform: Transform,
    pub meaning: &'static str,
}

const fn def(name: &'static str, transform: Transform, meaning: &'static str) -> FeatureDef {
    FeatureDef {
        name,
        transform,
        meaning,
    }
}

use Transform::{Identity as Id, Log1p as Log};

/// Indices into a feature row, in the order of [`FEATURES`].
pub mod f {
    pub const EVENTS_30D: usize = 0;
    pub const EVENTS_PREV_30D: usize = 1;
    pub const QUANTITY_30D: usize = 2;
    pub const QUANTITY_PREV_30D: usize = 3;
    pub const USAGE_TREND_30D: usize = 4;
    pub const EVENTS_7D: usize = 5;
    pub const USAGE_TREND_7D: usize = 6;
    pub const EVENTS_90D: usize = 7;
    pub const USAGE_TREND_90D: usize = 8;
    pub const USAGE_MOMENTUM: usize = 9;
    pub const USAGE_DECLINE: usize = 10;
    pub const ACTIVE_DAYS_30D: usize = 11;
    pub const ACTIVE_DAYS_PREV_30D: usize = 12;
    pub const DAYS_SINCE_LAST_USE: usize = 13;
    pub const USERS_30D: usize = 14;
    pub const SEAT_UTILISATION: usize = 15;
    pub const FEATURES_30D: usize = 16;
    pub const TICKETS_90D: usize = 17;
    pub const OPEN_TICKETS: usize = 18;
    pub const OPEN_URGENT_TICKETS: usize = 19;
    pub const OLDEST_OPEN_TICKET_DAYS: usize = 20;
    pub const MEDIAN_FIRST_RESPONSE_HOURS: usize = 21;
    pub const MEDIAN_RESOLUTION_HOURS: usize = 22;
    pub const NPS_LATEST: usize = 23;
    pub const NPS_DETRACTOR: usize = 24;
    pub const NPS_PASSIVE: usize = 25;
    pub const NPS_PROMOTER: usize = 26;
    pub const DAYS_SINCE_NPS: usize = 27;
    pub const NPS_MEAN_365D: usize = 28;
    pub const NPS_DETRACTOR_ANSWERS_365D: usize = 29;
    pub const CSAT_PCT_180D: usize = 30;
    pub const CSAT_ANSWERS_180D: usize = 31;
    pub const TENURE_DAYS: usize = 32;
    pub const DAYS_TO_RENEWAL: usize = 33;
    pub const RENEWAL_IN_HORIZON: usize = 34;
    pub const MONTHLY_CONTRACT: usize = 35;
    pub const ANNUAL_RENEWAL_IN_HORIZON: usize = 36;
    pub const RENEWAL_WINDOW_DAYS: usize = 37;
    pub const RENEWAL_WINDOW_DAYS_LOG: usize = 38;
    pub const MRR: usize = 39;
    pub const SEATS: usize = 40;
    pub const COUNT: usize = 41;
}

pub const FEATURES: [FeatureDef; f::COUNT] = [
    def(
        "events_30d",
        Log,
        "usage events in the 30 days before the observation date",
    ),
    def(
        "events_prev_30d",
        Log,
        "usage events in the 30 days before those (days 31-60 back)",
    ),
    def(
        "quantity_30d",
        Log,
        "summed usage quantity in the last 30 days",
    ),
    def(
        "quantity_prev_30d",
        Log,
        "summed usage quantity in days 31-60 back",
    ),
    def(
        "usage_trend_30d",
        Id,
        "ln((quantity_30d + 1) / (quantity_prev_30d + 1)): below 0 means usage fell",
    ),
    def("events_7d", Log, "usage events in the last 7 days"),
    def(
        "usage_trend_7d",
        Id,
        "ln((events_7d x 30/7 + 1) / (events_30d + 1)): the last week against the month",
    ),
    def("events_90d", Log, "usage events in the last 90 days"),
    def(
        "usage_trend_90d",
        Id,
        "ln((events_30d x 3 + 1) / (events_90d + 1)): the last month against the quarter",
    ),
    def(
        "usage_momentum",
        Id,
        "ln((30 x fast + 1) / (30 x slow + 1)), fast and slow the exponentially weighted daily event rates over 180 days with 14- and 90-day time constants: below 0 means usage is sliding",
    ),
    def(
        "usage_decline",
        Id,
        "max(0, -usage_momentum): how far recent usage has fallen below its longer-run level (0 when steady or growing)",
    ),
    def(
        "active_days_30d",
        Id,
        "days with any usage in the last 30 days",
    ),
    def(
        "active_days_prev_30d",
        Id,
        "days with any usage in days 31-60 back",
    ),
    def(
        "days_since_last_use",
        Id,
        "days since the last day with usage (180 when none in 180 days)",
    ),
    def(
        "users_30d",
        Log,
        "distinct active users in the last 30 days",
    ),
    def(
        "seat_utilisation",
        Id,
        "users_30d / licensed seats (missing without seats)",
    ),
    def(
        "features_30d",
        Id,
        "distinct product features used in the last 30 days (breadth of adoption)",
    ),
    def(
        "tickets_90d",
        Log,
        "support tickets opened in the last 90 days",
    ),
    def("open_tickets", Log, "tickets open at the observation date"),
    def(
        "open_urgent_tickets",
        Log,
        "high or urgent priority tickets open at the observation date",
    ),
    def(
        "oldest_open_ticket_days",
        Log,
        "age in days of the oldest open ticket (0 when none)",
    ),
    def(
        "median_first_response_hours_90d",
        Log,
        "median hours to first response, tickets of the last 90 days",
    ),
    def(
        "median_resolution_hours_90d",
        Log,
        "median hours to resolution, tickets of the last 90 days resolved before the date",
    ),
    def("nps_latest", Id, "latest NPS answer (0-10) within 365 days"),
    def("nps_detractor", Id, "1 when that answer is 0-6"),
    def("nps_passive", Id, "1 when that answer is 7-8"),
    def("nps_promoter", Id, "1 when that answer is 9-10"),
    def("days_since_nps", Log, "days since that answer"),
    def(
        "nps_mean_365d",
        Id,
        "mean of the NPS answers (0-10) within 365 days",
    ),
    def(
        "nps_detractor_answers_365d",
        Id,
        "NPS answers of 0-6 within 365 days",
    ),
    def(
        "csat_pct_180d",
        Id,
        "CSAT % over 180 days: satisfied (top two of five points) / answers x 100",
    ),
    def(
        "csat_answers_180d",
        Log,
        "CSAT answers in the last 180 days",
    ),
    def("tenure_days", Log, "days since the subscription started"),
    def(
        "days_to_renewal",
        Id,
        "days to the renewal that was next at the observation date",
    ),
    def(
        "renewal_in_horizon",
        Id,
        "1 when the next renewal falls within the churn horizon",
    ),
    def(
        "monthly_contract",
        Id,
        "1 when the contract renews monthly (renewal on the start's day of month)",
    ),
    def(
        "annual_renewal_in_horizon",
        Id,
        "1 when an annual contract's renewal falls within the horizon",
    ),
    def(
        "renewal_window_days",
        Id,
        "annual contracts: days of the churn horizon inside the renewal's decision window (the 30 days before the renewal and the renewal day); 0 for monthly contracts",
    ),
    def(
        "renewal_window_days_log",
        Log,
        "renewal_window_days again, on a log scale: the first days of the window weigh most",
    ),
    def("mrr", Log, "monthly recurring revenue"),
    def("seats", Log, "licensed seats"),
];

pub fn specs() -> Vec<FeatureSpec> {
    FEATURES
        .iter()
        .map(|d| FeatureSpec::new(d.name, d.transform))
        .collect()
}

pub fn names() -> Vec<String> {
    FEATURES.iter().map(|d| d.name.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indices_match_names() {
        assert_eq!(FEATURES[f::EVENTS_30D].name, "events_30d");
        assert_eq!(FEATURES[f::SEAT_UTILISATION].name, "seat_utilisation");
        assert_eq!(FEATURES[f::OPEN_URGENT_TICKETS].name, "open_urgent_tickets");
        assert_eq!(FEATURES[f::NPS_PROMOTER].name, "nps_promoter");
        assert_eq!(FEATURES[f::CSAT_PCT_180D].name, "csat_pct_180d");
        assert_eq!(FEATURES[f::SEATS].name, "seats");
        let mut names = names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), f::COUNT);
    }
}
