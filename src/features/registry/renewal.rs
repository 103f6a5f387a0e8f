//! Renewal: where the contract stands in its renewal calendar.

use super::source::Computation;
use super::wording::plural;
use super::{f, Direction, Feature, Group, SentenceContext, Unit};
use crate::features::RENEWAL_WINDOW;
use crate::model::Transform::{Identity, Log1p};
use crate::time::day_to_date;

/// "renewal in 12 days (2026-11-13)", with `what` before "renewal".
fn renewal_in(c: &SentenceContext, what: &str) -> String {
    let d = c.x[f::DAYS_TO_RENEWAL];
    if d.is_nan() {
        "renewal date unknown".into()
    } else {
        format!(
            "{what}renewal in {} ({})",
            plural(d, "day", "days"),
            day_to_date(c.as_of_day + d as i32)
        )
    }
}

/// The decision window before an annual renewal, against the forecast horizon.
fn window(c: &SentenceContext) -> String {
    let (v, d) = (c.x[f::RENEWAL_WINDOW_DAYS], c.x[f::DAYS_TO_RENEWAL]);
    if v.is_nan() || d.is_nan() {
        "renewal date unknown".into()
    } else if v == 0.0 && c.x[f::MONTHLY_CONTRACT] == 1.0 {
        "monthly contract: no annual renewal window ahead".into()
    } else if v == 0.0 {
        format!(
            "annual renewal window not near: renewal in {}",
            plural(d, "day", "days")
        )
    } else if d <= f64::from(RENEWAL_WINDOW) {
        format!(
            "in the renewal window: annual renewal in {} ({})",
            plural(d, "day", "days"),
            day_to_date(c.as_of_day + d as i32)
        )
    } else {
        format!(
            "annual renewal in {} ({}): its {}-day decision window opens within the forecast horizon",
            plural(d, "day", "days"),
            day_to_date(c.as_of_day + d as i32),
            RENEWAL_WINDOW
        )
    }
}

const WINDOW_DAYS: Computation = Computation::Derived {
    from: &["monthly_contract", "days_to_renewal"],
    how: "annual contracts, with d = days_to_renewal and H the horizon in days: 0 when d <= 0, else max(0, min(d, H) - max(d - 30, 1) + 1); 0 for monthly contracts; missing without a renewal date",
};

pub const DAYS_TO_RENEWAL: Feature = Feature {
    name: "days_to_renewal",
    transform: Identity,
    meaning: "days to the renewal that was next at the observation date (renewal_date stepped back by whole contract cycles; see the data contract's renewal dates)",
    group: Group::Renewal,
    direction: Direction::LowerIsRiskier,
    why: "a nearer renewal is a nearer chance to leave; the window features say when it matters most",
    label: "Days to renewal",
    unit: Unit::Days,
    amount: false,
    words: |c| renewal_in(c, ""),
    computed: Computation::Account {
        columns: &["renewal_date", "started_at"],
        how: "whole days from T to the renewal that was next at T: renewal_date stepped back by whole contract cycles (monthly or annual, as in monthly_contract); 0 when it falls on T; missing without renewal_date",
    },
};

pub const RENEWAL_IN_HORIZON: Feature = Feature {
    name: "renewal_in_horizon",
    transform: Identity,
    meaning: "1 when the next renewal falls within the churn horizon",
    group: Group::Renewal,
    direction: Direction::HigherIsRiskier,
    why: "a renewal within the horizon is a chance to leave within it",
    label: "Renewal coming up",
    unit: Unit::Flag,
    amount: false,
    words: |c| renewal_in(c, ""),
    computed: Computation::Derived {
        from: &["days_to_renewal"],
        how:
            "1 when days_to_renewal <= the horizon in days, else 0 (also 0 without a renewal date)",
    },
};

pub const ANNUAL_RENEWAL_IN_HORIZON: Feature = Feature {
    name: "annual_renewal_in_horizon",
    transform: Identity,
    meaning: "1 when an annual contract's renewal falls within the horizon",
    group: Group::Renewal,
    direction: Direction::HigherIsRiskier,
    why: "an annual contract's once-a-year decision falls within the horizon",
    label: "annual renewal in horizon",
    unit: Unit::Flag,
    amount: false,
    words: |c| renewal_in(c, "annual "),
    computed: Computation::Derived {
        from: &["monthly_contract", "days_to_renewal"],
        how: "1 when monthly_contract = 0 and days_to_renewal <= the horizon in days, else 0 (also 0 without a renewal date)",
    },
};

pub const RENEWAL_WINDOW_DAYS: Feature = Feature {
    name: "renewal_window_days",
    transform: Identity,
    meaning: "annual contracts: days of the horizon (T, T + horizon] inside the renewal's decision window, the 30 days before the renewal and the renewal day; 0 to 31 with a 90-day horizon (a renewal 31-90 days ahead puts its whole window in the horizon, one 1-30 days ahead only the part still to come, one 91-120 days ahead the start of it); 0 for monthly contracts; missing without a renewal date",
    group: Group::Renewal,
    direction: Direction::HigherIsRiskier,
    why: "more of the horizon falls in the weeks when customers decide to renew or leave",
    label: "renewal window days",
    unit: Unit::Days,
    amount: false,
    words: window,
    computed: WINDOW_DAYS,
};

pub const RENEWAL_WINDOW_DAYS_LOG: Feature = Feature {
    name: "renewal_window_days_log",
    transform: Log1p,
    meaning: "the same value on a log scale, so the model can give the first days of a window more weight than the later ones",
    group: Group::Renewal,
    direction: Direction::HigherIsRiskier,
    why: "as renewal_window_days",
    label: "renewal window days log",
    unit: Unit::Days,
    amount: false,
    words: window,
    computed: Computation::Derived {
        from: &["renewal_window_days"],
        how: "renewal_window_days (the log1p transform is the difference)",
    },
};
