//! How a feature is computed, as data: the source rows, the window back from the
//! observation date T and the aggregate; or the account's own columns; or the other
//! features it is derived from. Documentation-grade today (docs/features.md), and the
//! description a second executor (SQL in a warehouse) starts from.
//!
//! T is midnight UTC starting the observation day. Windows are half-open and end at or
//! before T, so nothing dated T or later is seen.

/// A source table of the data contract (docs/data-contract.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Usage,
    Tickets,
    Surveys,
}

impl Table {
    pub fn name(self) -> &'static str {
        match self {
            Table::Usage => "usage",
            Table::Tickets => "tickets",
            Table::Surveys => "surveys",
        }
    }

    /// The instant a window is applied to.
    pub fn time_column(self) -> &'static str {
        match self {
            Table::Usage => "ts",
            Table::Tickets => "opened_at",
            Table::Surveys => "responded_at",
        }
    }
}

/// Which rows count, by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The table's time column in [T - `from` days, T - `to` days).
    Days { from: u32, to: u32 },
    /// Tickets open at T: opened before T, and resolved_at null or not before T.
    OpenAt,
}

/// The last `days` days: [T - days, T).
pub const fn last(days: u32) -> Window {
    Window::Days { from: days, to: 0 }
}

/// How the qualifying rows become one value. The texts name the contract's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Count,
    Sum(&'static str),
    CountDistinct(&'static str),
    Min(&'static str),
    Max(&'static str),
    Median(&'static str),
    Mean(&'static str),
    /// The value on the latest row by the table's time column.
    Latest(&'static str),
    /// 100 x the share of rows meeting the condition.
    Percent(&'static str),
    /// Anything else, spelled out.
    Other(&'static str),
}

/// The value when no row qualifies.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Empty {
    Zero,
    Missing,
    Value(f64),
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Computation {
    /// Aggregated over an account's rows of a source table.
    Rows {
        table: Table,
        /// Which rows count besides the window, when not all.
        filter: Option<&'static str>,
        window: Window,
        aggregate: Aggregate,
        empty: Empty,
    },
    /// From the account's own row in `accounts` (and T).
    Account {
        columns: &'static [&'static str],
        how: &'static str,
    },
    /// From other features of the same row.
    Derived {
        from: &'static [&'static str],
        how: &'static str,
    },
}

impl Window {
    pub fn text(self, table: Table) -> String {
        match self {
            Window::Days { from, to: 0 } => format!("{} in [T-{from}d, T)", table.time_column()),
            Window::Days { from, to } => format!("{} in [T-{from}d, T-{to}d)", table.time_column()),
            Window::OpenAt => {
                "open at T: opened_at before T, resolved_at null or not before T".into()
            }
        }
    }
}

impl Aggregate {
    pub fn text(self) -> String {
        match self {
            Aggregate::Count => "count of rows".into(),
            Aggregate::Sum(e) => format!("sum of {e}"),
            Aggregate::CountDistinct(e) => format!("count of distinct {e}"),
            Aggregate::Min(e) => format!("min of {e}"),
            Aggregate::Max(e) => format!("max of {e}"),
            Aggregate::Median(e) => format!("median of {e}"),
            Aggregate::Mean(e) => format!("mean of {e}"),
            Aggregate::Latest(e) => format!("the latest row's {e}"),
            Aggregate::Percent(e) => format!("100 x share of rows where {e}"),
            Aggregate::Other(e) => e.into(),
        }
    }
}

impl Empty {
    pub fn text(self) -> String {
        match self {
            Empty::Zero => "0".into(),
            Empty::Missing => "missing".into(),
            Empty::Value(v) => format!("{v}"),
        }
    }
}
