//! `churn validate`: checks the four tables against the contract and summarises them
//! for a data engineer, without training or scoring anything.

use std::fmt;
use std::path::Path;

use serde::Serialize;

use crate::contract::Table;
use crate::ingest::{self, IngestError, SetAsideEntry, SurveyKind};
use crate::time::{format_micros, micros_to_date};

#[derive(Debug, Clone, Serialize)]
pub struct TableSummary {
    pub table: Table,
    pub rows: u64,
    pub rows_kept: u64,
    pub rows_set_aside: u64,
    /// Earliest and latest instant of the table's main time column, as RFC 3339.
    pub first: Option<String>,
    pub last: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ValidationReport {
    pub data_dir: String,
    pub tables: Vec<TableSummary>,
    pub accounts: usize,
    pub churned_accounts: usize,
    pub active_accounts: usize,
    pub accounts_without_usage: usize,
    pub accounts_without_tickets: usize,
    pub accounts_without_surveys: usize,
    pub nps_answers: usize,
    pub csat_answers: usize,
    pub set_aside: Vec<SetAsideEntry>,
    /// The day after the latest instant in the data: the default as-of date.
    pub default_as_of: Option<String>,
    /// Reasons the data cannot be used to train and score; empty when usable.
    pub problems: Vec<String>,
}

impl ValidationReport {
    pub fn usable(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Bounds of an instant column, merged order-free.
#[derive(Debug, Clone, Copy, Default)]
struct Span(Option<(i64, i64)>);

impl Span {
    fn add(&mut self, t: i64) {
        self.0 = Some(match self.0 {
            None => (t, t),
            Some((a, b)) => (a.min(t), b.max(t)),
        });
    }
    fn merge(&mut self, o: Span) {
        if let Some((a, b)) = o.0 {
            self.add(a);
            self.add(b);
        }
    }
}

pub fn validate(dir: &Path, not_after: i64) -> Result<ValidationReport, IngestError> {
    let data = ingest::load(dir, not_after)?;
    let n = data.accounts.len();

    let (parts, usage_aside) = data.usage.fold(
        &data.accounts,
        || (vec![false; n], Span::default(), 0u64),
        |(seen, span, rows), b| {
            for (&a, &t) in b.account.iter().zip(&b.ts) {
                seen[a as usize] = true;
                span.add(t);
            }
            *rows += b.len() as u64;
        },
        &|_| {},
    )?;
    let mut has_usage = vec![false; n];
    let mut usage_span = Span::default();
    let mut usage_kept = 0;
    for (seen, span, rows) in parts {
        has_usage.iter_mut().zip(seen).for_each(|(h, s)| *h |= s);
        usage_span.merge(span);
        usage_kept += rows;
    }

    let a = &data.accounts;
    let mut account_span = Span::default();
    a.started_at.iter().for_each(|&t| account_span.add(t));
    a.churned_at
        .iter()
        .flatten()
        .for_each(|&t| account_span.add(t));
    let mut ticket_span = Span::default();
    data.tickets
        .opened_at
        .iter()
        .for_each(|&t| ticket_span.add(t));
    data.tickets
        .resolved_at
        .iter()
        .flatten()
        .for_each(|&t| ticket_span.add(t));
    let mut survey_span = Span::default();
    data.surveys
        .responded_at
        .iter()
        .for_each(|&t| survey_span.add(t));

    let mut latest = Span::default();
    for s in [account_span, usage_span, ticket_span, survey_span] {
        latest.merge(s);
    }
    let default_as_of = latest
        .0
        .map(|(_, last)| micros_to_date(last) + chrono::Duration::days(1));
    let as_of_us = default_as_of
        .map(crate::time::date_to_micros)
        .unwrap_or(i64::MAX);

    let mut set_aside = data.set_aside;
    set_aside.merge(usage_aside);
    let flags = |accounts: &[u32]| {
        let mut f = vec![false; n];
        accounts.iter().for_each(|&i| f[i as usize] = true);
        f
    };
    let has_tickets = flags(&data.tickets.account);
    let has_surveys = flags(&data.surveys.account);
    let without = |f: &[bool]| f.iter().filter(|x| !**x).count();

    let kept = |t: Table| match t {
        Table::Accounts => n as u64,
        Table::Usage => usage_kept,
        Table::Tickets => data.tickets.len() as u64,
        Table::Surveys => data.surveys.len() as u64,
    };
    let span_of = |t: Table| match t {
        Table::Accounts => account_span,
        Table::Usage => usage_span,
        Table::Tickets => ticket_span,
        Table::Surveys => survey_span,
    };
    let tables: Vec<TableSummary> = data
        .rows_read
        .iter()
        .map(|&(t, rows)| TableSummary {
            table: t,
            rows,
            rows_kept: kept(t),
            rows_set_aside: set_aside.rows(t),
            first: span_of(t).0.map(|s| format_micros(s.0)),
            last: span_of(t).0.map(|s| format_micros(s.1)),
        })
        .collect();

    let churned = a.churned_at.iter().filter(|c| c.is_some()).count();
    let active = (0..n).filter(|&i| a.active_at(i, as_of_us)).count();
    let mut problems = Vec::new();
    if usage_kept == 0 {
        problems.push(
            "the usage table has no usable rows: usage features cannot be computed".to_string(),
        );
    }
    if churned == 0 {
        problems.push(
            "no account has churned_at set: there is nothing to learn churn from".to_string(),
        );
    }
    if active == 0 {
        problems
            .push("no account is active at the default as-of date: nothing to score".to_string());
    }

    Ok(ValidationReport {
        data_dir: dir.display().to_string(),
        tables,
        accounts: n,
        churned_accounts: churned,
        active_accounts: active,
        accounts_without_usage: without(&has_usage),
        accounts_without_tickets: without(&has_tickets),
        accounts_without_surveys: without(&has_surveys),
        nps_answers: data
            .surveys
            .kind
            .iter()
            .filter(|k| **k == SurveyKind::Nps)
            .count(),
        csat_answers: data
            .surveys
            .kind
            .iter()
            .filter(|k| **k == SurveyKind::Csat)
            .count(),
        set_aside: set_aside.entries().cloned().collect(),
        default_as_of: default_as_of.map(|d| d.to_string()),
        problems,
    })
}

impl fmt::Display for ValidationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Input data in {}", self.data_dir)?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<10} {:>12} {:>12} {:>10}  {:<22} {:<22}",
            "table", "rows", "kept", "set aside", "first", "last"
        )?;
        for t in &self.tables {
            writeln!(
                f,
                "{:<10} {:>12} {:>12} {:>10}  {:<22} {:<22}",
                t.table.name(),
                t.rows,
                t.rows_kept,
                t.rows_set_aside,
                t.first.as_deref().unwrap_or("-"),
                t.last.as_deref().unwrap_or("-"),
            )?;
        }
        writeln!(f)?;
        writeln!(f, "accounts:                 {}", self.accounts)?;
        writeln!(f, "  churned:                {}", self.churned_accounts)?;
        writeln!(
            f,
            "  active at as-of:        {} (default as-of date {})",
            self.active_accounts,
            self.default_as_of.as_deref().unwrap_or("-")
        )?;
        writeln!(
            f,
            "  without usage:          {}",
            self.accounts_without_usage
        )?;
        writeln!(
            f,
            "  without tickets:        {}",
            self.accounts_without_tickets
        )?;
        writeln!(
            f,
            "  without survey answers: {}",
            self.accounts_without_surveys
        )?;
        writeln!(
            f,
            "survey answers:           {} NPS, {} CSAT",
            self.nps_answers, self.csat_answers
        )?;
        writeln!(f)?;
        if self.set_aside.is_empty() {
            writeln!(f, "No rows set aside: every row meets the data contract.")?;
        } else {
            writeln!(
                f,
                "Rows set aside or values ignored (first example in file order):"
            )?;
            for e in &self.set_aside {
                let what = if e.row_kept {
                    "values ignored"
                } else {
                    "rows set aside"
                };
                writeln!(
                    f,
                    "  {:<9} {:>10} {what}: {} (e.g. {}: {})",
                    e.table.name(),
                    e.rows,
                    e.reason,
                    e.example,
                    if e.example_value.is_empty() {
                        "-"
                    } else {
                        &e.example_value
                    },
                )?;
            }
        }
        writeln!(f)?;
        if self.problems.is_empty() {
            write!(f, "Verdict: usable.")
        } else {
            writeln!(f, "Verdict: NOT usable:")?;
            for p in &self.problems {
                writeln!(f, "  - {p}")?;
            }
            Ok(())
        }
    }
}
