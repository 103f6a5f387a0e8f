//! Usage trend: a recent window of usage against an earlier or longer one.

use super::source::{last, Aggregate, Computation, Empty, Table};
use super::wording::change;
use super::{f, Direction, Feature, Group, Unit};
use crate::model::Transform::Identity;

const WEIGHTED: &str = "recent usage (14-day weighted)";
const WEIGHTED_LEVEL: &str = "its 90-day weighted level";

pub const USAGE_TREND_30D: Feature = Feature {
    name: "usage_trend_30d",
    transform: Identity,
    meaning: "ln((quantity_30d + 1) / (quantity_prev_30d + 1)): below 0 means usage fell",
    group: Group::UsageTrend,
    direction: Direction::LowerIsRiskier,
    why: "below 0: usage fell from the month before",
    label: "Usage trend, month on month",
    unit: Unit::LogRatio,
    amount: false,
    words: |c| {
        if c.x[f::QUANTITY_30D] == 0.0 && c.x[f::QUANTITY_PREV_30D] == 0.0 {
            "no usage in the last 60 days".into()
        } else {
            change(c.value.exp(), "usage", "the previous 30 days")
        }
    },
    computed: Computation::Derived {
        from: &["quantity_30d", "quantity_prev_30d"],
        how: "ln((quantity_30d + 1) / (quantity_prev_30d + 1))",
    },
};

pub const USAGE_TREND_7D: Feature = Feature {
    name: "usage_trend_7d",
    transform: Identity,
    meaning: "ln((events_7d x 30/7 + 1) / (events_30d + 1)): the last week against the month",
    group: Group::UsageTrend,
    direction: Direction::LowerIsRiskier,
    why: "below 0: the last week's pace is under the month's",
    label: "Usage trend, week vs month",
    unit: Unit::LogRatio,
    amount: false,
    words: |c| change(c.value.exp(), "last week's usage pace", "the last 30 days"),
    computed: Computation::Derived {
        from: &["events_7d", "events_30d"],
        how: "ln((events_7d x 30/7 + 1) / (events_30d + 1))",
    },
};

pub const USAGE_TREND_90D: Feature = Feature {
    name: "usage_trend_90d",
    transform: Identity,
    meaning: "ln((events_30d x 3 + 1) / (events_90d + 1)): the last month against the quarter",
    group: Group::UsageTrend,
    direction: Direction::LowerIsRiskier,
    why: "below 0: the last month is under the quarter's pace",
    label: "Usage trend, month vs quarter",
    unit: Unit::LogRatio,
    amount: false,
    words: |c| change(c.value.exp(), "last month's usage", "the 90-day average"),
    computed: Computation::Derived {
        from: &["events_30d", "events_90d"],
        how: "ln((events_30d x 3 + 1) / (events_90d + 1))",
    },
};

pub const USAGE_MOMENTUM: Feature = Feature {
    name: "usage_momentum",
    transform: Identity,
    meaning: "ln((30 x fast + 1) / (30 x slow + 1)), where fast and slow are exponentially weighted mean daily events over the 180 days before T with 14- and 90-day time constants (an event on day T-1-k weighs exp(-k/14) and exp(-k/90)): below 0 means usage is sliding",
    group: Group::UsageTrend,
    direction: Direction::LowerIsRiskier,
    why: "below 0: recent usage slides under its longer-run level",
    label: "usage momentum",
    unit: Unit::LogRatio,
    amount: false,
    words: |c| change(c.value.exp(), WEIGHTED, WEIGHTED_LEVEL),
    computed: Computation::Rows {
        table: Table::Usage,
        filter: None,
        window: last(180),
        aggregate: Aggregate::Other(
            "ln((30 x fast + 1) / (30 x slow + 1)); fast and slow: the sum over rows of exp(-k/14) and exp(-k/90), k the whole days from the UTC day of ts to T-1, each over the sum of its weights for k = 0..179 (weights rounded to multiples of 2^-24)",
        ),
        empty: Empty::Zero,
    },
};

pub const USAGE_DECLINE: Feature = Feature {
    name: "usage_decline",
    transform: Identity,
    meaning: "max(0, -usage_momentum): how far recent usage has fallen below its longer-run level; 0 when steady or growing",
    group: Group::UsageTrend,
    direction: Direction::HigherIsRiskier,
    why: "how far recent usage has fallen below its longer-run level",
    label: "usage decline",
    unit: Unit::LogRatio,
    amount: false,
    words: |c| {
        if c.value <= 0.0 {
            "usage steady or growing against its 90-day level".into()
        } else {
            change((-c.value).exp(), WEIGHTED, WEIGHTED_LEVEL)
        }
    },
    computed: Computation::Derived {
        from: &["usage_momentum"],
        how: "max(0, -usage_momentum)",
    },
};
