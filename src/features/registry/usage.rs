//! Usage level: how much the product is used, from the usage table.

use super::source::{last, Aggregate, Computation, Empty, Table, Window};
use super::wording::{n, plural};
use super::{Direction, Feature, Group, Unit};
use crate::model::Transform::{Identity, Log1p};

/// The earlier month's level, beside the latest month: its sign is not known alone.
const EARLIER_LEVEL: &str = "beside the last month's level, more use in the month before means a fall since (riskier); alone it means an active account (safer)";

/// Usage rows counted in [T - from, T - to).
const fn count_usage(from: u32, to: u32) -> Computation {
    Computation::Rows {
        table: Table::Usage,
        filter: None,
        window: Window::Days { from, to },
        aggregate: Aggregate::Count,
        empty: Empty::Zero,
    }
}

const fn quantity(from: u32, to: u32) -> Computation {
    Computation::Rows {
        table: Table::Usage,
        filter: None,
        window: Window::Days { from, to },
        aggregate: Aggregate::Sum("quantity (1 where null or no quantity column)"),
        empty: Empty::Zero,
    }
}

const fn active_days(from: u32, to: u32) -> Computation {
    Computation::Rows {
        table: Table::Usage,
        filter: None,
        window: Window::Days { from, to },
        aggregate: Aggregate::CountDistinct("UTC days of ts"),
        empty: Empty::Zero,
    }
}

fn events(v: f64, when: &str) -> String {
    format!("{} {when}", plural(v, "usage event", "usage events"))
}

pub const EVENTS_30D: Feature = Feature {
    name: "events_30d",
    transform: Log1p,
    meaning: "usage events in the 30 days before the observation date",
    group: Group::UsageLevel,
    direction: Direction::LowerIsRiskier,
    why: "fewer events in the last month: the product is used less",
    label: "Usage events, last 30 days",
    unit: Unit::Count,
    amount: true,
    words: |c| events(c.value, "in the last 30 days"),
    computed: count_usage(30, 0),
};

pub const EVENTS_PREV_30D: Feature = Feature {
    name: "events_prev_30d",
    transform: Log1p,
    meaning: "usage events in the 30 days before those (days 31-60 back)",
    group: Group::UsageLevel,
    direction: Direction::None,
    why: EARLIER_LEVEL,
    label: "Usage events, 30 days before",
    unit: Unit::Count,
    amount: true,
    words: |c| events(c.value, "in the 30 days before"),
    computed: count_usage(60, 30),
};

pub const QUANTITY_30D: Feature = Feature {
    name: "quantity_30d",
    transform: Log1p,
    meaning: "summed usage quantity in the last 30 days",
    group: Group::UsageLevel,
    direction: Direction::LowerIsRiskier,
    why: "less volume in the last month: the product is used less",
    label: "Usage volume, last 30 days",
    unit: Unit::Quantity,
    amount: true,
    words: |c| format!("usage volume {} in the last 30 days", n(c.value)),
    computed: quantity(30, 0),
};

pub const QUANTITY_PREV_30D: Feature = Feature {
    name: "quantity_prev_30d",
    transform: Log1p,
    meaning: "summed usage quantity in days 31-60 back",
    group: Group::UsageLevel,
    direction: Direction::None,
    why: EARLIER_LEVEL,
    label: "Usage volume, 30 days before",
    unit: Unit::Quantity,
    amount: true,
    words: |c| format!("usage volume {} in the 30 days before", n(c.value)),
    computed: quantity(60, 30),
};

pub const EVENTS_7D: Feature = Feature {
    name: "events_7d",
    transform: Log1p,
    meaning: "usage events in the last 7 days",
    group: Group::UsageLevel,
    direction: Direction::LowerIsRiskier,
    why: "fewer events in the last week: the product is used less",
    label: "Usage events, last 7 days",
    unit: Unit::Count,
    amount: true,
    words: |c| events(c.value, "in the last 7 days"),
    computed: count_usage(7, 0),
};

pub const EVENTS_90D: Feature = Feature {
    name: "events_90d",
    transform: Log1p,
    meaning: "usage events in the last 90 days",
    group: Group::UsageLevel,
    direction: Direction::LowerIsRiskier,
    why: "fewer events over the quarter: the product is used less",
    label: "Usage events, last 90 days",
    unit: Unit::Count,
    amount: true,
    words: |c| events(c.value, "in the last 90 days"),
    computed: count_usage(90, 0),
};

pub const ACTIVE_DAYS_30D: Feature = Feature {
    name: "active_days_30d",
    transform: Identity,
    meaning: "days with any usage in the last 30 days",
    group: Group::UsageLevel,
    direction: Direction::LowerIsRiskier,
    why: "fewer days with any use: the product is not part of the daily work",
    label: "Active days, last 30 days",
    unit: Unit::Days,
    amount: true,
    words: |c| format!("active on {} of the last 30 days", n(c.value)),
    computed: active_days(30, 0),
};

pub const ACTIVE_DAYS_PREV_30D: Feature = Feature {
    name: "active_days_prev_30d",
    transform: Identity,
    meaning: "days with any usage in days 31-60 back",
    group: Group::UsageLevel,
    direction: Direction::None,
    why: EARLIER_LEVEL,
    label: "Active days, 30 days before",
    unit: Unit::Days,
    amount: true,
    words: |c| format!("active on {} of the 30 days before", n(c.value)),
    computed: active_days(60, 30),
};

pub const DAYS_SINCE_LAST_USE: Feature = Feature {
    name: "days_since_last_use",
    transform: Identity,
    meaning: "days since the last day with usage (180 when none in 180 days)",
    group: Group::UsageLevel,
    direction: Direction::HigherIsRiskier,
    why: "longer since anyone used the product",
    label: "Days since last use",
    unit: Unit::Days,
    amount: false,
    words: |c| {
        if c.value >= 180.0 {
            "no usage in 180 days".into()
        } else {
            format!("last used {} ago", plural(c.value, "day", "days"))
        }
    },
    computed: Computation::Rows {
        table: Table::Usage,
        filter: None,
        window: last(180),
        aggregate: Aggregate::Min("whole days from the UTC day of ts to T"),
        empty: Empty::Value(180.0),
    },
};
