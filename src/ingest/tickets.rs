//! The tickets table: support load, responsiveness and the issues to fix.

use ahash::AHashMap;
use arrow::array::Array;
use arrow::record_batch::RecordBatch;

use super::accounts::Accounts;
use super::columns::{instant_problem, instants};
use super::dictionary::{AccountIds, DictMap};
use super::parts::{event_key, BatchCtx, InstantReasons};
use super::set_aside::SetAside;
use super::source::TableSource;
use super::{IngestError, Interner};
use crate::contract::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Low,
    Normal,
    High,
    Urgent,
    /// Absent, or a value outside low / normal / high / urgent.
    Unknown,
}

impl Priority {
    pub fn parse(s: &str) -> Priority {
        // Compared in place: no lower-cased copy per ticket.
        let s = s.trim();
        let is = |w: &str| s.eq_ignore_ascii_case(w);
        if is("low") {
            Priority::Low
        } else if is("normal") || is("medium") {
            Priority::Normal
        } else if is("high") {
            Priority::High
        } else if is("urgent") || is("critical") {
            Priority::Urgent
        } else {
            Priority::Unknown
        }
    }

    /// High and urgent tickets are the ones that put an account at risk.
    pub fn is_urgent_or_high(self) -> bool {
        matches!(self, Priority::High | Priority::Urgent)
    }
}

/// Tickets of known accounts, in file order.
#[derive(Debug, Default, Clone)]
pub struct Tickets {
    pub account: Vec<u32>,
    pub opened_at: Vec<i64>,
    pub first_response_at: Vec<Option<i64>>,
    pub resolved_at: Vec<Option<i64>>,
    pub priority: Vec<Priority>,
    /// Index into `categories`, or `None` when the ticket has no category.
    pub category: Vec<Option<u32>>,
    /// Category names, lower-cased and trimmed, in order of first appearance.
    pub categories: Vec<String>,
}

impl Tickets {
    pub fn len(&self) -> usize {
        self.account.len()
    }

    pub fn is_empty(&self) -> bool {
        self.account.is_empty()
    }

    /// Frees the per-ticket columns once the features are built, keeping the category
    /// names that the issues to fix refer to (on a large book the rows are about
    /// 100 MB that training would otherwise carry).
    pub fn release_rows(&mut self) {
        self.account = Vec::new();
        self.opened_at = Vec::new();
        self.first_response_at = Vec::new();
        self.resolved_at = Vec::new();
        self.priority = Vec::new();
        self.category = Vec::new();
    }
}

#[derive(Default)]
struct Part {
    account: Vec<u32>,
    opened_at: Vec<i64>,
    first_response_at: Vec<Option<i64>>,
    resolved_at: Vec<Option<i64>>,
    priority: Vec<Priority>,
    /// Index into `categories`: names are normalised once per distinct raw value,
    /// not copied per ticket.
    category: Vec<Option<u32>>,
    categories: Interner,
    /// Raw category text -> index (None when blank).
    raw: AHashMap<String, Option<u32>>,
    /// Translations of the row group's dictionaries: account, priority, category.
    ids: DictMap<u32>,
    priorities: DictMap<Priority>,
    category_codes: DictMap<u32>,
    set_aside: SetAside,
}

/// The category index of a raw category text (None when blank), through `raw` so each
/// distinct text is trimmed, lower-cased and interned once.
fn category_code(
    raw: &mut AHashMap<String, Option<u32>>,
    names: &mut Interner,
    text: &str,
) -> Option<u32> {
    if let Some(&c) = raw.get(text) {
        return c;
    }
    let name = text.trim();
    let c = (!name.is_empty()).then(|| names.intern(&name.to_lowercase()));
    raw.insert(text.to_string(), c);
    c
}

pub fn read(
    src: &TableSource,
    accounts: &Accounts,
    not_after: i64,
) -> Result<(Tickets, SetAside), IngestError> {
    let parts =
        src.read_parts(|p: &mut Part, batch, ctx| fill(p, batch, ctx, accounts, not_after))?;
    let mut out = Tickets::default();
    let mut set_aside = SetAside::default();
    let mut interner = Interner::default();
    for p in parts {
        out.account.extend(p.account);
        out.opened_at.extend(p.opened_at);
        out.first_response_at.extend(p.first_response_at);
        out.resolved_at.extend(p.resolved_at);
        out.priority.extend(p.priority);
        // Interning the part's names in its own order of first appearance gives the
        // global order of first appearance.
        let global: Vec<u32> = p
            .categories
            .into_names()
            .iter()
            .map(|c| interner.intern(c))
            .collect();
        out.category
            .extend(p.category.iter().map(|c| c.map(|c| global[c as usize])));
        set_aside.merge(p.set_aside);
    }
    out.categories = interner.into_names();
    Ok((out, set_aside))
}

const REASONS: InstantReasons = InstantReasons {
    null: "null opened_at",
    before_1990: "opened_at before 1990",
    future: "opened_at in the future",
};

fn fill(
    p: &mut Part,
    batch: &RecordBatch,
    ctx: &BatchCtx,
    accounts: &Accounts,
    not_after: i64,
) -> Result<(), IngestError> {
    let t = Table::Tickets;
    let id_column = batch.column_by_name("account_id").expect("required column");
    let ids = AccountIds::new(id_column, &mut p.ids, |s| accounts.index_of(s))
        .map_err(|e| ctx.column_error("account_id", e))?;
    let opened = ctx
        .convert(batch, "opened_at", instants)?
        .expect("required column");
    let responded = ctx.convert(batch, "first_response_at", instants)?;
    let resolved = ctx.convert(batch, "resolved_at", instants)?;
    let priority = match batch.column_by_name("priority") {
        Some(a) => Some(
            p.priorities
                .map(a, |s| Some(Priority::parse(s)))
                .map_err(|e| ctx.column_error("priority", e))?,
        ),
        None => None,
    };
    // Names are normalised once per distinct raw value (per dictionary entry, or
    // through the raw-text cache for plain text), not copied per ticket.
    let category = match batch.column_by_name("category") {
        Some(a) => {
            let (raw, names) = (&mut p.raw, &mut p.categories);
            Some(
                p.category_codes
                    .map(a, |text| category_code(raw, names, text))
                    .map_err(|e| ctx.column_error("category", e))?,
            )
        }
        None => None,
    };
    let s = &mut p.set_aside;

    for i in 0..batch.num_rows() {
        let row = ctx.row(i);
        let mut aside = |reason: &'static str, value: String| {
            s.add(t, reason, ctx.file_index, ctx.path, row, || value)
        };
        let (account, open) = match event_key(&ids, &opened, i, &REASONS, not_after) {
            Ok(k) => k,
            Err((reason, value)) => {
                aside(reason, value);
                continue;
            }
        };
        let resolved_v = resolved
            .as_ref()
            .filter(|a| a.is_valid(i))
            .map(|a| a.value(i));
        if let Some(r) = resolved_v {
            if r < open {
                aside(
                    "resolved_at before opened_at",
                    format!(
                        "{} < {}",
                        crate::time::format_micros(r),
                        crate::time::format_micros(open)
                    ),
                );
                continue;
            }
            if instant_problem(r, not_after).is_some() {
                aside("resolved_at out of range", crate::time::format_micros(r));
                continue;
            }
        }
        let response = match responded
            .as_ref()
            .filter(|a| a.is_valid(i))
            .map(|a| a.value(i))
        {
            Some(r) if r < open || instant_problem(r, not_after).is_some() => {
                s.ignore_value(
                    t,
                    "first_response_at before opened_at or out of range",
                    ctx.file_index,
                    ctx.path,
                    row,
                    || crate::time::format_micros(r),
                );
                None
            }
            r => r,
        };
        p.account.push(account);
        p.opened_at.push(open);
        p.first_response_at.push(response);
        p.resolved_at.push(resolved_v);
        p.priority.push(
            priority
                .as_ref()
                .and_then(|m| m.get(i))
                .unwrap_or(Priority::Unknown),
        );
        p.category.push(category.as_ref().and_then(|m| m.get(i)));
    }
    Ok(())
}
