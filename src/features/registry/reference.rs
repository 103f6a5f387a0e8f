//! What a driver measures each feature's value against, so that a reason says its
//! comparison and never calls a good value a risk: usage trends against the account's
//! own earlier period, levels against retained peers of the same plan, momentum and the
//! renewal calendar against a fixed level; features without a declared direction are
//! stated as facts.

use super::{f, Direction, Group, FEATURES};

/// The reference a feature's value is compared with when a driver cites it.
#[derive(Clone, Copy, Debug)]
pub enum Against {
    /// The median among retained accounts of the same plan (or segment), computed at
    /// training time: "4 urgent tickets open (typical: 0)".
    Peers,
    /// The account's own earlier period: the driver cites feature `cited` and compares
    /// its value with `earlier(row)`, "62 usage events in the last 30 days, down from
    /// 95 in the 30 days before".
    Earlier {
        cited: usize,
        earlier: fn(&[f64]) -> f64,
        /// The earlier period after the number: "in the 30 days before".
        period: &'static str,
    },
    /// A fixed level that the feature's own words already compare with ("down 39% vs
    /// its 90-day weighted level", "in the renewal window").
    Level(f64),
    /// The forecast horizon in days: a renewal before its end.
    Horizon,
    /// No direction declared: stated as a fact ("monthly contract"), never compared.
    Fact,
    /// Never cited: it says how much is known (an answer's age, how many answers), not
    /// how the account is doing.
    Never,
}

/// How a driver cites feature `idx` (a `FEATURES` index).
pub fn against(idx: usize) -> Against {
    const BEFORE: &str = "in the 30 days before";
    match idx {
        f::USAGE_TREND_30D | f::QUANTITY_PREV_30D => Against::Earlier {
            cited: f::QUANTITY_30D,
            earlier: |x| x[f::QUANTITY_PREV_30D],
            period: BEFORE,
        },
        f::EVENTS_PREV_30D => Against::Earlier {
            cited: f::EVENTS_30D,
            earlier: |x| x[f::EVENTS_PREV_30D],
            period: BEFORE,
        },
        f::ACTIVE_DAYS_PREV_30D => Against::Earlier {
            cited: f::ACTIVE_DAYS_30D,
            earlier: |x| x[f::ACTIVE_DAYS_PREV_30D],
            period: BEFORE,
        },
        // The same comparisons as the features: ln((7-day x 30/7 + 1) / (30-day + 1))
        // is below 0 exactly when the week is under 7/30 of the month.
        f::USAGE_TREND_7D => Against::Earlier {
            cited: f::EVENTS_7D,
            earlier: |x| x[f::EVENTS_30D] * 7.0 / 30.0,
            period: "a week over the last 30 days",
        },
        f::USAGE_TREND_90D => Against::Earlier {
            cited: f::EVENTS_30D,
            earlier: |x| x[f::EVENTS_90D] / 3.0,
            period: "a month over the last 90 days",
        },
        f::RENEWAL_IN_HORIZON
        | f::ANNUAL_RENEWAL_IN_HORIZON
        | f::RENEWAL_WINDOW_DAYS
        | f::RENEWAL_WINDOW_DAYS_LOG => Against::Level(0.0),
        f::DAYS_TO_RENEWAL => Against::Horizon,
        f::DAYS_SINCE_NPS | f::CSAT_ANSWERS_180D => Against::Never,
        i if FEATURES[i].direction == Direction::None => Against::Fact,
        // Log-ratios of a recent window to an earlier one: 0 is level.
        i if FEATURES[i].group == Group::UsageTrend => Against::Level(0.0),
        _ => Against::Peers,
    }
}

impl Direction {
    /// `value` is on the side of `reference` that raises churn risk (strictly: equal
    /// is no deficit). Never for a feature without a declared direction.
    pub fn adverse(self, value: f64, reference: f64) -> bool {
        match self {
            Direction::HigherIsRiskier => value > reference,
            Direction::LowerIsRiskier => value < reference,
            Direction::None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trends_compare_with_the_accounts_own_earlier_period() {
        let mut x = vec![0.0; f::COUNT];
        x[f::EVENTS_7D] = 3.0;
        x[f::EVENTS_30D] = 60.0;
        x[f::EVENTS_90D] = 240.0;
        x[f::QUANTITY_PREV_30D] = 500.0;
        let earlier = |i| match against(i) {
            Against::Earlier { cited, earlier, .. } => (cited, earlier(&x)),
            other => panic!("{} is {other:?}", FEATURES[i].name),
        };
        assert_eq!(earlier(f::USAGE_TREND_7D), (f::EVENTS_7D, 14.0));
        assert_eq!(earlier(f::USAGE_TREND_90D), (f::EVENTS_30D, 80.0));
        assert_eq!(earlier(f::USAGE_TREND_30D), (f::QUANTITY_30D, 500.0));
        // A previous-period level is read as the change from it.
        assert_eq!(earlier(f::QUANTITY_PREV_30D), (f::QUANTITY_30D, 500.0));
    }

    #[test]
    fn every_feature_is_cited_in_a_way_its_direction_allows() {
        for (i, d) in FEATURES.iter().enumerate() {
            match against(i) {
                // A fact is exactly a feature without a direction.
                Against::Fact => assert_eq!(d.direction, Direction::None, "{}", d.name),
                Against::Peers | Against::Level(_) | Against::Horizon => {
                    assert_ne!(d.direction, Direction::None, "{}", d.name)
                }
                Against::Earlier { cited, .. } => {
                    assert_ne!(FEATURES[cited].direction, Direction::None, "{}", d.name);
                    assert_eq!(FEATURES[cited].group, Group::UsageLevel, "{}", d.name);
                }
                Against::Never => {}
            }
        }
        assert!(matches!(against(f::MONTHLY_CONTRACT), Against::Fact));
        assert!(matches!(against(f::OPEN_URGENT_TICKETS), Against::Peers));
        assert!(matches!(against(f::USAGE_DECLINE), Against::Level(l) if l == 0.0));
        assert!(matches!(against(f::DAYS_TO_RENEWAL), Against::Horizon));
        assert!(matches!(against(f::DAYS_SINCE_NPS), Against::Never));
    }

    #[test]
    fn adverse_follows_the_declared_direction_strictly() {
        use Direction::*;
        assert!(HigherIsRiskier.adverse(4.0, 0.0));
        assert!(!HigherIsRiskier.adverse(0.0, 0.0));
        assert!(!HigherIsRiskier.adverse(0.0, 1.0));
        assert!(LowerIsRiskier.adverse(62.0, 95.0));
        assert!(!LowerIsRiskier.adverse(95.0, 62.0));
        assert!(!None.adverse(1.0, 0.0) && !None.adverse(0.0, 1.0));
        assert!(!LowerIsRiskier.adverse(f64::NAN, 1.0));
    }
}
