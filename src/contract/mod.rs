//! The input data contract (docs/data-contract.md): which tables and columns the job
//! reads, and which Arrow types each kind of column accepts.
//!
//! This module only describes; `ingest` enforces it while reading.

mod action;

pub use action::Action;

use arrow::datatypes::DataType;

/// Version of the data contract this build implements, written into outputs.
pub const CONTRACT_VERSION: &str = "1";

/// The four input tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Table {
    Accounts,
    Usage,
    Tickets,
    Surveys,
}

impl Table {
    pub const ALL: [Table; 4] = [
        Table::Accounts,
        Table::Usage,
        Table::Tickets,
        Table::Surveys,
    ];

    /// File or folder name of the table inside the input directory.
    pub fn name(self) -> &'static str {
        match self {
            Table::Accounts => "accounts",
            Table::Usage => "usage",
            Table::Tickets => "tickets",
            Table::Surveys => "surveys",
        }
    }

    pub fn columns(self) -> &'static [Column] {
        match self {
            Table::Accounts => ACCOUNTS,
            Table::Usage => USAGE,
            Table::Tickets => TICKETS,
            Table::Surveys => SURVEYS,
        }
    }

    /// The column spec named `name`; every name used by the readers is in the contract.
    pub fn column(self, name: &str) -> &'static Column {
        self.columns()
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("column {name} is not in the {} contract", self.name()))
    }
}

impl std::fmt::Display for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// What a column holds, which decides the Arrow types it accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A key: text, or an integer read as its decimal text.
    Id,
    Text,
    /// A point in time: any Timestamp unit (no zone = UTC), Date32 or Date64.
    Instant,
    /// Any integer or floating type.
    Number,
}

impl Kind {
    /// Human description of the accepted types, for error messages.
    pub fn expected(self) -> &'static str {
        match self {
            Kind::Id => "text (Utf8, LargeUtf8, Utf8View, Dictionary of Utf8) or an integer",
            Kind::Text => "text (Utf8, LargeUtf8, Utf8View, Dictionary of Utf8)",
            Kind::Instant => "an instant (Timestamp of any unit, Date32 or Date64)",
            Kind::Number => "a number (any integer or floating type)",
        }
    }

    pub fn accepts(self, dt: &DataType) -> bool {
        match self {
            Kind::Id => is_text(dt) || dt.is_integer(),
            Kind::Text => is_text(dt),
            Kind::Instant => matches!(
                dt,
                DataType::Timestamp(_, _) | DataType::Date32 | DataType::Date64
            ),
            Kind::Number => dt.is_integer() || dt.is_floating(),
        }
    }
}

fn is_text(dt: &DataType) -> bool {
    match dt {
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => true,
        DataType::Dictionary(key, value) => key.is_integer() && is_text(value),
        _ => false,
    }
}

/// One column of the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub name: &'static str,
    pub kind: Kind,
    pub required: bool,
}

const fn req(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        required: true,
    }
}

const fn opt(name: &'static str, kind: Kind) -> Column {
    Column {
        name,
        kind,
        required: false,
    }
}

const ACCOUNTS: &[Column] = &[
    req("account_id", Kind::Id),
    opt("account_name", Kind::Text),
    opt("segment", Kind::Text),
    opt("plan", Kind::Text),
    opt("csm_owner", Kind::Text),
    opt("mrr", Kind::Number),
    opt("seats", Kind::Number),
    req("started_at", Kind::Instant),
    opt("renewal_date", Kind::Instant),
    req("churned_at", Kind::Instant),
];

const USAGE: &[Column] = &[
    req("account_id", Kind::Id),
    req("ts", Kind::Instant),
    opt("user_id", Kind::Text),
    opt("feature", Kind::Text),
    opt("quantity", Kind::Number),
];

const TICKETS: &[Column] = &[
    req("ticket_id", Kind::Id),
    req("account_id", Kind::Id),
    req("opened_at", Kind::Instant),
    opt("first_response_at", Kind::Instant),
    opt("resolved_at", Kind::Instant),
    opt("priority", Kind::Text),
    opt("category", Kind::Text),
];

const SURVEYS: &[Column] = &[
    req("account_id", Kind::Id),
    req("responded_at", Kind::Instant),
    req("kind", Kind::Text),
    req("score", Kind::Number),
    opt("scale_max", Kind::Number),
    opt("comment", Kind::Text),
];

/// NPS category of a 0-10 answer (promoter 9-10, passive 7-8, detractor 0-6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum NpsCategory {
    Promoter,
    Passive,
    Detractor,
    Unknown,
}

impl NpsCategory {
    pub fn of(score: Option<f64>) -> Self {
        match score {
            Some(s) if s >= 9.0 => NpsCategory::Promoter,
            Some(s) if s >= 7.0 => NpsCategory::Passive,
            Some(_) => NpsCategory::Detractor,
            None => NpsCategory::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            NpsCategory::Promoter => "promoter",
            NpsCategory::Passive => "passive",
            NpsCategory::Detractor => "detractor",
            NpsCategory::Unknown => "unknown",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::TimeUnit;

    #[test]
    fn kinds_accept_the_contract_types_only() {
        let dict = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
        assert!(Kind::Id.accepts(&dict));
        assert!(Kind::Id.accepts(&DataType::UInt64));
        assert!(Kind::Id.accepts(&DataType::Utf8View));
        assert!(!Kind::Text.accepts(&DataType::Int64));
        assert!(!Kind::Id.accepts(&DataType::Float64));
        assert!(Kind::Instant.accepts(&DataType::Timestamp(
            TimeUnit::Nanosecond,
            Some("+02:00".into())
        )));
        assert!(Kind::Instant.accepts(&DataType::Date64));
        assert!(!Kind::Instant.accepts(&DataType::Utf8));
        assert!(Kind::Number.accepts(&DataType::UInt8));
        assert!(Kind::Number.accepts(&DataType::Float32));
        assert!(!Kind::Number.accepts(&DataType::Utf8));
        assert!(!Kind::Number.accepts(&DataType::Boolean));
    }

    #[test]
    fn nps_categories_follow_the_standard_cut_points() {
        assert_eq!(NpsCategory::of(Some(10.0)), NpsCategory::Promoter);
        assert_eq!(NpsCategory::of(Some(9.0)), NpsCategory::Promoter);
        assert_eq!(NpsCategory::of(Some(8.0)), NpsCategory::Passive);
        assert_eq!(NpsCategory::of(Some(7.0)), NpsCategory::Passive);
        assert_eq!(NpsCategory::of(Some(6.0)), NpsCategory::Detractor);
        assert_eq!(NpsCategory::of(Some(0.0)), NpsCategory::Detractor);
        assert_eq!(NpsCategory::of(None), NpsCategory::Unknown);
    }

    #[test]
    fn every_table_requires_an_account_key() {
        for t in Table::ALL {
            assert!(t.column("account_id").required, "{t}");
        }
    }
}
