//! The feature registry: every feature declared once, with its name and transform (the
//! model's column), what it means, the behaviour it measures and the direction in which
//! it raises churn risk, its label and unit, its wording for a person, and how it is
//! computed. The matrix, the model file, the drivers, the report's chart and
//! docs/features.md all read from here; the values themselves are computed in
//! features/row.rs and support.rs.
//!
//! Adding a feature: write its entry in the family file, list it in `columns!` below at
//! its column, and compute it in the row code. Every field of an entry is required, so
//! a feature cannot exist without its wording, label or direction.

mod account;
mod adoption;
mod csat;
mod docs;
mod nps;
mod reference;
mod renewal;
mod source;
mod tickets;
mod trend;
mod usage;
mod wording;

use crate::model::{FeatureSpec, Transform};

pub use docs::markdown;
pub use reference::{against, Against};
pub use source::{Aggregate, Computation, Empty, Table, Window};
pub use wording::{compared, sentence, SentenceContext};

/// One feature, declared once.
#[derive(Clone, Copy)]
pub struct Feature {
    /// The column's name in the matrix, the export and the model file.
    pub name: &'static str,
    pub transform: Transform,
    /// What the value is (docs/features.md).
    pub meaning: &'static str,
    /// The behaviour it measures.
    pub group: Group,
    /// Which way the value moves as churn risk rises, where the domain knows it.
    pub direction: Direction,
    /// Why that direction, in one line (docs/features.md).
    pub why: &'static str,
    /// The short label of the report's drivers chart.
    pub label: &'static str,
    pub unit: Unit,
    /// An amount of use: below its training mean a driver reads "only 3 ...".
    pub amount: bool,
    /// The value in words for a person, as a driver of the score.
    pub words: fn(&SentenceContext) -> String,
    /// How the value is computed, as data (docs, and executors other than this one).
    pub computed: Computation,
}

/// The behaviour a feature measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Group {
    UsageLevel,
    UsageTrend,
    AdoptionBreadth,
    Seats,
    SupportLoad,
    UrgentTickets,
    SupportResponsiveness,
    Sentiment,
    Renewal,
    Tenure,
    Commercial,
}

impl Group {
    pub const ALL: [Group; 11] = [
        Group::UsageLevel,
        Group::UsageTrend,
        Group::AdoptionBreadth,
        Group::Seats,
        Group::SupportLoad,
        Group::UrgentTickets,
        Group::SupportResponsiveness,
        Group::Sentiment,
        Group::Renewal,
        Group::Tenure,
        Group::Commercial,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Group::UsageLevel => "Usage level",
            Group::UsageTrend => "Usage trend",
            Group::AdoptionBreadth => "Adoption breadth",
            Group::Seats => "Seats",
            Group::SupportLoad => "Support load",
            Group::UrgentTickets => "Urgent tickets",
            Group::SupportResponsiveness => "Support responsiveness",
            Group::Sentiment => "Sentiment",
            Group::Renewal => "Renewal",
            Group::Tenure => "Tenure",
            Group::Commercial => "Commercial",
        }
    }

    /// The group's name in data: its title in snake case ("usage_trend").
    pub fn key(self) -> String {
        self.title().to_lowercase().replace(' ', "_")
    }

    /// What the group measures.
    pub fn measures(self) -> &'static str {
        match self {
            Group::UsageLevel => "how much the product is used: events, volume, active days, recency",
            Group::UsageTrend => "how usage moves: a recent window against an earlier or longer one",
            Group::AdoptionBreadth => "how much of the product is used: distinct product features",
            Group::Seats => "how many of the people paid for use the product: active users, seat utilisation",
            Group::SupportLoad => "how many support tickets the account raises and has open",
            Group::UrgentTickets => "high or urgent priority tickets still open",
            Group::SupportResponsiveness => "how long the account's tickets wait: first response, resolution, the oldest open ticket",
            Group::Sentiment => "what the customer says: NPS and CSAT answers",
            Group::Renewal => "where the contract stands in its renewal calendar",
            Group::Tenure => "how long the account has been a customer",
            Group::Commercial => "what was bought: revenue, seats, billing cycle",
        }
    }
}

/// Which way a feature's value moves as churn risk rises, as the domain knows it; the
/// model's coefficients are not constrained by it (yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    HigherIsRiskier,
    LowerIsRiskier,
    /// No direction declared: a commercial fact, or a value whose sign depends on the
    /// features beside it.
    None,
}

impl Direction {
    pub fn text(self) -> &'static str {
        match self {
            Direction::HigherIsRiskier => "higher",
            Direction::LowerIsRiskier => "lower",
            Direction::None => "not declared",
        }
    }
}

/// What a value counts or measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    /// Usage quantity, in the source's own units.
    Quantity,
    Days,
    Hours,
    Ratio,
    Percent,
    /// An NPS answer, 0-10.
    Score,
    Money,
    /// 1 or 0.
    Flag,
    /// The natural log of a ratio: 0 when level, below 0 when lower.
    LogRatio,
}

impl Unit {
    pub fn text(self) -> &'static str {
        match self {
            Unit::Count => "count",
            Unit::Quantity => "quantity",
            Unit::Days => "days",
            Unit::Hours => "hours",
            Unit::Ratio => "ratio",
            Unit::Percent => "percent",
            Unit::Score => "score 0-10",
            Unit::Money => "money",
            Unit::Flag => "flag",
            Unit::LogRatio => "log-ratio",
        }
    }
}

/// The column list: one line per feature, in column order (of the matrix, the export
/// and the model file; never reorder). Each line names the entry, and the index
/// constant `f::NAME` takes the same name, so index and entry cannot disagree.
macro_rules! columns {
    ($($family:ident::$name:ident),* $(,)?) => {
        // Numbers the columns; the variants carry the constants' upper-case names.
        #[allow(non_camel_case_types, clippy::upper_case_acronyms)]
        #[repr(usize)]
        enum Column {
            $($name,)*
            COUNT,
        }

        /// Indices into a feature row, in the order of [`FEATURES`].
        pub mod f {
            $(pub const $name: usize = super::Column::$name as usize;)*
            pub const COUNT: usize = super::Column::COUNT as usize;
        }

        /// Every feature, in column order.
        pub static FEATURES: [Feature; f::COUNT] = [$($family::$name,)*];
    };
}

columns! {
    usage::EVENTS_30D,
    usage::EVENTS_PREV_30D,
    usage::QUANTITY_30D,
    usage::QUANTITY_PREV_30D,
    trend::USAGE_TREND_30D,
    usage::EVENTS_7D,
    trend::USAGE_TREND_7D,
    usage::EVENTS_90D,
    trend::USAGE_TREND_90D,
    trend::USAGE_MOMENTUM,
    trend::USAGE_DECLINE,
    usage::ACTIVE_DAYS_30D,
    usage::ACTIVE_DAYS_PREV_30D,
    usage::DAYS_SINCE_LAST_USE,
    adoption::USERS_30D,
    adoption::SEAT_UTILISATION,
    adoption::FEATURES_30D,
    tickets::TICKETS_90D,
    tickets::OPEN_TICKETS,
    tickets::OPEN_URGENT_TICKETS,
    tickets::OLDEST_OPEN_TICKET_DAYS,
    tickets::MEDIAN_FIRST_RESPONSE_HOURS,
    tickets::MEDIAN_RESOLUTION_HOURS,
    nps::NPS_LATEST,
    nps::NPS_DETRACTOR,
    nps::NPS_PASSIVE,
    nps::NPS_PROMOTER,
    nps::DAYS_SINCE_NPS,
    nps::NPS_MEAN_365D,
    nps::NPS_DETRACTOR_ANSWERS_365D,
    csat::CSAT_PCT_180D,
    csat::CSAT_ANSWERS_180D,
    account::TENURE_DAYS,
    renewal::DAYS_TO_RENEWAL,
    renewal::RENEWAL_IN_HORIZON,
    account::MONTHLY_CONTRACT,
    renewal::ANNUAL_RENEWAL_IN_HORIZON,
    renewal::RENEWAL_WINDOW_DAYS,
    renewal::RENEWAL_WINDOW_DAYS_LOG,
    account::MRR,
    account::SEATS,
}

/// The feature called `name`.
pub fn by_name(name: &str) -> Option<&'static Feature> {
    FEATURES.iter().find(|d| d.name == name)
}

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
mod tests;
