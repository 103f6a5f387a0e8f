//! Sentiment from CSAT answers (transactional surveys, after an interaction).

use super::source::{last, Aggregate, Computation, Empty, Table};
use super::wording::plural;
use super::{f, Direction, Feature, Group, Unit};
use crate::model::Transform::{Identity, Log1p};

pub const CSAT_PCT_180D: Feature = Feature {
    name: "csat_pct_180d",
    transform: Identity,
    meaning: "CSAT % over 180 days: satisfied (top two of five points) / answers x 100",
    group: Group::Sentiment,
    direction: Direction::LowerIsRiskier,
    why: "fewer satisfied answers after interactions with the company",
    label: "CSAT, last 180 days",
    unit: Unit::Percent,
    amount: false,
    words: |c| {
        if c.value.is_nan() {
            "no CSAT answer in 180 days".into()
        } else {
            format!(
                "CSAT {:.0}% over 180 days ({})",
                c.value,
                plural(c.x[f::CSAT_ANSWERS_180D], "answer", "answers")
            )
        }
    },
    computed: Computation::Rows {
        table: Table::Surveys,
        filter: Some("kind = csat"),
        window: last(180),
        aggregate: Aggregate::Percent(
            "the score on a 1-5 scale, 1 + (score - 1) x 4 / (scale_max - 1), is at least 4",
        ),
        empty: Empty::Missing,
    },
};

pub const CSAT_ANSWERS_180D: Feature = Feature {
    name: "csat_answers_180d",
    transform: Log1p,
    meaning: "CSAT answers in the last 180 days",
    group: Group::Sentiment,
    direction: Direction::None,
    why: "how many answers says how many interactions there were, not how they went",
    label: "CSAT answers, 180 days",
    unit: Unit::Count,
    amount: false,
    words: |c| {
        format!(
            "{} in 180 days",
            plural(c.value, "CSAT answer", "CSAT answers")
        )
    },
    computed: Computation::Rows {
        table: Table::Surveys,
        filter: Some("kind = csat"),
        window: last(180),
        aggregate: Aggregate::Count,
        empty: Empty::Zero,
    },
};
