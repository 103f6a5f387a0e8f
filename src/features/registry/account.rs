//! The account's own facts: tenure and what was bought.

use super::source::Computation;
use super::wording::{n, plural};
use super::{Direction, Feature, Group, Unit};
use crate::model::Transform::{Identity, Log1p};

pub const TENURE_DAYS: Feature = Feature {
    name: "tenure_days",
    transform: Log1p,
    meaning: "days since the subscription started",
    group: Group::Tenure,
    direction: Direction::LowerIsRiskier,
    why: "newer customers have not yet built the product into their work",
    label: "Customer tenure",
    unit: Unit::Days,
    amount: false,
    words: |c| format!("customer for {}", plural(c.value.floor(), "day", "days")),
    computed: Computation::Account {
        columns: &["started_at"],
        how: "days (fractional) from started_at to T",
    },
};

pub const MONTHLY_CONTRACT: Feature = Feature {
    name: "monthly_contract",
    transform: Identity,
    meaning: "1 when the contract renews monthly (renewal on the start's day of month, clamped to short months, in another month than the start)",
    group: Group::Commercial,
    direction: Direction::None,
    why: "a term of the contract, not a behaviour",
    label: "monthly contract",
    unit: Unit::Flag,
    amount: false,
    words: |c| {
        if c.value == 1.0 {
            "monthly contract".into()
        } else {
            "annual contract".into()
        }
    },
    computed: Computation::Account {
        columns: &["renewal_date", "started_at"],
        how: "1 when renewal_date falls on started_at's day of month (clamped to short months) in another month than started_at's, else 0; missing without renewal_date",
    },
};

pub const MRR: Feature = Feature {
    name: "mrr",
    transform: Log1p,
    meaning: "monthly recurring revenue",
    group: Group::Commercial,
    direction: Direction::None,
    why: "revenue describes the contract, not how the customer behaves",
    label: "Monthly revenue (MRR)",
    unit: Unit::Money,
    amount: false,
    words: |c| {
        if c.value.is_nan() {
            "MRR unknown".into()
        } else {
            format!("MRR {}", n(c.value.round()))
        }
    },
    computed: Computation::Account {
        columns: &["mrr"],
        how: "the value as exported, not as of T; missing when null",
    },
};

pub const SEATS: Feature = Feature {
    name: "seats",
    transform: Log1p,
    meaning: "licensed seats",
    group: Group::Commercial,
    direction: Direction::None,
    why: "seats bought describe the contract; how many are used is seat_utilisation",
    label: "Licensed seats",
    unit: Unit::Count,
    amount: false,
    words: |c| {
        if c.value.is_nan() {
            "seats unknown".into()
        } else {
            plural(c.value, "licensed seat", "licensed seats")
        }
    },
    computed: Computation::Account {
        columns: &["seats"],
        how: "the value as exported, not as of T; missing when null",
    },
};
