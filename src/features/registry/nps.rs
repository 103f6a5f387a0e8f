//! Sentiment from NPS answers (relationship surveys, 0-10).

use super::source::{last, Aggregate, Computation, Empty, Table};
use super::wording::{n, plural};
use super::{f, Direction, Feature, Group, SentenceContext, Unit};
use crate::model::Transform::{Identity, Log1p};
use crate::time::day_to_date;

const NPS: Option<&str> = Some("kind = nps");

/// The latest answer, its category and date: the words of every feature read off it.
fn latest_answer(c: &SentenceContext) -> String {
    let score = c.x[f::NPS_LATEST];
    if score.is_nan() {
        "no NPS answer in the last 365 days".into()
    } else {
        let cat = crate::contract::NpsCategory::of(Some(score)).as_str();
        let date = day_to_date(c.as_of_day - c.x[f::DAYS_SINCE_NPS].ceil() as i32);
        format!("NPS {} ({cat}) on {date}", n(score))
    }
}

/// An indicator of the latest answer's category.
const fn category(how: &'static str) -> Computation {
    Computation::Derived {
        from: &["nps_latest"],
        how,
    }
}

pub const NPS_LATEST: Feature = Feature {
    name: "nps_latest",
    transform: Identity,
    meaning: "latest NPS answer (0-10) within 365 days",
    group: Group::Sentiment,
    direction: Direction::LowerIsRiskier,
    why: "a lower score: a less satisfied customer",
    label: "Latest NPS score",
    unit: Unit::Score,
    amount: false,
    words: latest_answer,
    computed: Computation::Rows {
        table: Table::Surveys,
        filter: NPS,
        window: last(365),
        aggregate: Aggregate::Latest(
            "score (of rows with equal responded_at, the later in the file)",
        ),
        empty: Empty::Missing,
    },
};

pub const NPS_DETRACTOR: Feature = Feature {
    name: "nps_detractor",
    transform: Identity,
    meaning: "1 when that answer is 0-6",
    group: Group::Sentiment,
    direction: Direction::HigherIsRiskier,
    why: "a detractor would not recommend the product",
    label: "NPS detractor",
    unit: Unit::Flag,
    amount: false,
    words: latest_answer,
    computed: category("1 when nps_latest < 7, else 0 (also 0 without an answer)"),
};

pub const NPS_PASSIVE: Feature = Feature {
    name: "nps_passive",
    transform: Identity,
    meaning: "1 when that answer is 7-8",
    group: Group::Sentiment,
    direction: Direction::None,
    why: "a passive is safer than a detractor and riskier than a promoter; against no answer at all the sign is not known",
    label: "NPS passive",
    unit: Unit::Flag,
    amount: false,
    words: latest_answer,
    computed: category("1 when 7 <= nps_latest < 9, else 0 (also 0 without an answer)"),
};

pub const NPS_PROMOTER: Feature = Feature {
    name: "nps_promoter",
    transform: Identity,
    meaning: "1 when that answer is 9-10",
    group: Group::Sentiment,
    direction: Direction::LowerIsRiskier,
    why: "a promoter recommends the product",
    label: "NPS promoter",
    unit: Unit::Flag,
    amount: false,
    words: latest_answer,
    computed: category("1 when nps_latest >= 9, else 0 (also 0 without an answer)"),
};

pub const DAYS_SINCE_NPS: Feature = Feature {
    name: "days_since_nps",
    transform: Log1p,
    meaning: "days since that answer",
    group: Group::Sentiment,
    direction: Direction::None,
    why: "an older answer says less about today, not that the customer is happier or unhappier",
    label: "Days since last NPS answer",
    unit: Unit::Days,
    amount: false,
    words: latest_answer,
    computed: Computation::Rows {
        table: Table::Surveys,
        filter: NPS,
        window: last(365),
        aggregate: Aggregate::Min("days (fractional) from responded_at to T"),
        empty: Empty::Missing,
    },
};

pub const NPS_MEAN_365D: Feature = Feature {
    name: "nps_mean_365d",
    transform: Identity,
    meaning: "mean of all NPS answers within 365 days (one answer is noisy; several show the account's settled sentiment)",
    group: Group::Sentiment,
    direction: Direction::LowerIsRiskier,
    why: "lower answers over the year: settled dissatisfaction",
    label: "nps mean 365d",
    unit: Unit::Score,
    amount: false,
    words: |c| {
        if c.value.is_nan() {
            "no NPS answer in the last 365 days".into()
        } else {
            format!(
                "average NPS {} over the last 365 days",
                n((c.value * 10.0).round() / 10.0)
            )
        }
    },
    computed: Computation::Rows {
        table: Table::Surveys,
        filter: NPS,
        window: last(365),
        aggregate: Aggregate::Mean("score"),
        empty: Empty::Missing,
    },
};

pub const NPS_DETRACTOR_ANSWERS_365D: Feature = Feature {
    name: "nps_detractor_answers_365d",
    transform: Identity,
    meaning: "NPS answers of 0-6 within 365 days",
    group: Group::Sentiment,
    direction: Direction::HigherIsRiskier,
    why: "more detractor answers over the year",
    label: "nps detractor answers 365d",
    unit: Unit::Count,
    amount: false,
    words: |c| {
        if c.value == 0.0 {
            "no detractor NPS answer (0-6) in the last 365 days".into()
        } else {
            format!(
                "{} (0-6) in the last 365 days",
                plural(c.value, "detractor NPS answer", "detractor NPS answers")
            )
        }
    },
    computed: Computation::Rows {
        table: Table::Surveys,
        filter: Some("kind = nps and score < 7"),
        window: last(365),
        aggregate: Aggregate::Count,
        empty: Empty::Zero,
    },
};
