//! Support: tickets raised and open, urgent ones, and how long tickets wait.

use super::source::{last, Aggregate, Computation, Empty, Table, Window};
use super::wording::{n, plural};
use super::{Direction, Feature, Group, Unit};
use crate::model::Transform::Log1p;

/// Tickets open at T, counted.
const fn open_at_t(filter: Option<&'static str>) -> Computation {
    Computation::Rows {
        table: Table::Tickets,
        filter,
        window: Window::OpenAt,
        aggregate: Aggregate::Count,
        empty: Empty::Zero,
    }
}

pub const TICKETS_90D: Feature = Feature {
    name: "tickets_90d",
    transform: Log1p,
    meaning: "support tickets opened in the last 90 days",
    group: Group::SupportLoad,
    direction: Direction::None,
    why:
        "tickets are friction but also engagement: customers still asking for help are still trying",
    label: "Support tickets, 90 days",
    unit: Unit::Count,
    amount: false,
    words: |c| {
        format!(
            "{} opened in the last 90 days",
            plural(c.value, "support ticket", "support tickets")
        )
    },
    computed: Computation::Rows {
        table: Table::Tickets,
        filter: None,
        window: last(90),
        aggregate: Aggregate::Count,
        empty: Empty::Zero,
    },
};

pub const OPEN_TICKETS: Feature = Feature {
    name: "open_tickets",
    transform: Log1p,
    meaning: "tickets open at the observation date",
    group: Group::SupportLoad,
    direction: Direction::HigherIsRiskier,
    why: "more problems still unresolved at the date",
    label: "Open support tickets",
    unit: Unit::Count,
    amount: false,
    words: |c| format!("{} open", plural(c.value, "ticket", "tickets")),
    computed: open_at_t(None),
};

pub const OPEN_URGENT_TICKETS: Feature = Feature {
    name: "open_urgent_tickets",
    transform: Log1p,
    meaning: "high or urgent priority tickets open at the observation date",
    group: Group::UrgentTickets,
    direction: Direction::HigherIsRiskier,
    why: "more serious problems still unresolved at the date",
    label: "Open urgent tickets",
    unit: Unit::Count,
    amount: false,
    words: |c| {
        format!(
            "{} open",
            plural(
                c.value,
                "urgent or high-priority ticket",
                "urgent or high-priority tickets"
            )
        )
    },
    computed: open_at_t(Some("priority high or urgent")),
};

pub const OLDEST_OPEN_TICKET_DAYS: Feature = Feature {
    name: "oldest_open_ticket_days",
    transform: Log1p,
    meaning: "age in days of the oldest open ticket (0 when none)",
    group: Group::SupportResponsiveness,
    direction: Direction::HigherIsRiskier,
    why: "a problem left waiting longer",
    label: "Age of oldest open ticket",
    unit: Unit::Days,
    amount: false,
    words: |c| {
        if c.value == 0.0 {
            "no ticket open".into()
        } else {
            format!(
                "oldest open ticket waiting {}",
                plural(c.value.floor(), "day", "days")
            )
        }
    },
    computed: Computation::Rows {
        table: Table::Tickets,
        filter: None,
        window: Window::OpenAt,
        aggregate: Aggregate::Max("days (fractional) from opened_at to T"),
        empty: Empty::Zero,
    },
};

pub const MEDIAN_FIRST_RESPONSE_HOURS: Feature = Feature {
    name: "median_first_response_hours_90d",
    transform: Log1p,
    meaning: "median hours to first response, tickets of the last 90 days",
    group: Group::SupportResponsiveness,
    direction: Direction::HigherIsRiskier,
    why: "slower answers to the customer's tickets",
    label: "Support response time",
    unit: Unit::Hours,
    amount: false,
    words: |c| {
        if c.value.is_nan() {
            "no ticket response times in 90 days".into()
        } else {
            format!(
                "median first response {} hours",
                n((c.value * 10.0).round() / 10.0)
            )
        }
    },
    computed: Computation::Rows {
        table: Table::Tickets,
        filter: Some("first_response_at before T"),
        window: last(90),
        aggregate: Aggregate::Median("hours from opened_at to first_response_at"),
        empty: Empty::Missing,
    },
};

pub const MEDIAN_RESOLUTION_HOURS: Feature = Feature {
    name: "median_resolution_hours_90d",
    transform: Log1p,
    meaning: "median hours to resolution, tickets of the last 90 days resolved before the date",
    group: Group::SupportResponsiveness,
    direction: Direction::HigherIsRiskier,
    why: "problems take longer to fix",
    label: "Support resolution time",
    unit: Unit::Hours,
    amount: false,
    words: |c| {
        if c.value.is_nan() {
            "no ticket resolved in 90 days".into()
        } else {
            format!("median resolution {} hours", n(c.value.round()))
        }
    },
    computed: Computation::Rows {
        table: Table::Tickets,
        filter: Some("resolved_at before T"),
        window: last(90),
        aggregate: Aggregate::Median("hours from opened_at to resolved_at"),
        empty: Empty::Missing,
    },
};
