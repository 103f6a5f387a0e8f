//! Adoption breadth and seats: how many people and how much of the product.

use super::source::{last, Aggregate, Computation, Empty, Table};
use super::wording::{n, plural};
use super::{f, Direction, Feature, Group, Unit};
use crate::model::Transform::{Identity, Log1p};

pub const USERS_30D: Feature = Feature {
    name: "users_30d",
    transform: Log1p,
    meaning: "distinct active users in the last 30 days",
    group: Group::Seats,
    direction: Direction::LowerIsRiskier,
    why: "fewer people use the product: fewer would miss it",
    label: "Active users, last 30 days",
    unit: Unit::Count,
    amount: true,
    words: |c| {
        if c.value.is_nan() {
            "active users unknown (no user_id in usage)".into()
        } else {
            format!(
                "{} in the last 30 days",
                plural(c.value, "active user", "active users")
            )
        }
    },
    computed: Computation::Rows {
        table: Table::Usage,
        filter: Some("user_id not null; missing when usage has no user_id column"),
        window: last(30),
        aggregate: Aggregate::CountDistinct("user_id"),
        empty: Empty::Zero,
    },
};

pub const SEAT_UTILISATION: Feature = Feature {
    name: "seat_utilisation",
    transform: Identity,
    meaning: "users_30d / licensed seats (missing without seats)",
    group: Group::Seats,
    direction: Direction::LowerIsRiskier,
    why: "fewer of the seats paid for are in use: the contract looks too big",
    label: "Seat utilisation",
    unit: Unit::Ratio,
    amount: false,
    words: |c| {
        if c.value.is_nan() {
            return "seat utilisation unknown (no seats on record)".into();
        }
        match c.seats {
            Some(s) => format!(
                "seat utilisation {:.0}% ({} of {} seats active)",
                c.value * 100.0,
                n(c.x[f::USERS_30D]),
                n(s)
            ),
            None => format!("seat utilisation {:.0}%", c.value * 100.0),
        }
    },
    computed: Computation::Derived {
        from: &["users_30d", "seats"],
        how: "users_30d / seats; missing when seats is missing or 0, or users_30d is missing",
    },
};

pub const FEATURES_30D: Feature = Feature {
    name: "features_30d",
    transform: Identity,
    meaning: "distinct product features used in the last 30 days (breadth of adoption)",
    group: Group::AdoptionBreadth,
    direction: Direction::LowerIsRiskier,
    why: "fewer product features in use: shallower adoption, easier to replace",
    label: "Product features used",
    unit: Unit::Count,
    amount: true,
    words: |c| {
        if c.value.is_nan() {
            "breadth of adoption unknown (no feature in usage)".into()
        } else {
            format!(
                "{} used in the last 30 days",
                plural(c.value, "product feature", "product features")
            )
        }
    },
    computed: Computation::Rows {
        table: Table::Usage,
        filter: Some("feature not null; missing when usage has no feature column"),
        window: last(30),
        aggregate: Aggregate::CountDistinct("feature"),
        empty: Empty::Zero,
    },
};
