//! The accounts table: the population, its attributes and the churn labels.

use ahash::AHashMap;

use arrow::array::Array;
use arrow::record_batch::RecordBatch;

use super::columns::{instant_problem, instants, min_instant, numbers, texts};
use super::parts::BatchCtx;
use super::set_aside::{RowRef, SetAside};
use super::source::TableSource;
use super::IngestError;
use crate::contract::Table;

/// Accounts in file order, addressed by a dense index (`u32`) everywhere downstream.
#[derive(Debug, Default, Clone)]
pub struct Accounts {
    pub ids: Vec<String>,
    pub name: Vec<Option<String>>,
    pub segment: Vec<Option<String>>,
    pub plan: Vec<Option<String>>,
    pub owner: Vec<Option<String>>,
    pub mrr: Vec<Option<f64>>,
    pub seats: Vec<Option<f64>>,
    pub started_at: Vec<i64>,
    pub renewal_date: Vec<Option<i64>>,
    pub churned_at: Vec<Option<i64>>,
    /// aHash, not SipHash: looked up once per ticket and survey row.
    index: AHashMap<String, u32>,
    /// Where each account was read, to name both rows of a duplicate.
    at: Vec<RowRef>,
}

impl Accounts {
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Dense index of an account id.
    pub fn index_of(&self, id: &str) -> Option<u32> {
        self.index.get(id).copied()
    }

    /// Active at instant `t`: started at or before it and not churned by then.
    pub fn active_at(&self, i: usize, t: i64) -> bool {
        self.started_at[i] <= t && self.churned_at[i].is_none_or(|c| c > t)
    }

    /// Forgets every churn date after instant `t` (the run's as-of date), counting
    /// each in `set_aside` as a value ignored: a cancellation scheduled for later was
    /// not known at `t`, so the account is active there and no label may see it.
    pub fn forget_churn_after(&mut self, t: i64, set_aside: &mut SetAside) {
        for (i, churn) in self.churned_at.iter_mut().enumerate() {
            if churn.is_some_and(|c| c > t) {
                *churn = None;
                let at = &self.at[i];
                set_aside.ignore_value(
                    Table::Accounts,
                    CHURN_AFTER_AS_OF,
                    at.file_index,
                    &at.file,
                    at.row,
                    || self.ids[i].clone(),
                );
            }
        }
    }

    fn push_part(&mut self, part: Accounts) -> Result<(), IngestError> {
        let base = self.ids.len();
        for (k, id) in part.ids.iter().enumerate() {
            if let Some(&first) = self.index.get(id) {
                // The first occurrence may be earlier in this same part.
                let first = first as usize;
                let first = if first < base {
                    &self.at[first]
                } else {
                    &part.at[first - base]
                };
                return Err(IngestError::DuplicateAccount {
                    id: id.clone(),
                    first: first.to_string(),
                    second: part.at[k].to_string(),
                });
            }
            self.index
                .insert(id.clone(), self.ids.len() as u32 + k as u32);
        }
        self.ids.extend(part.ids);
        self.name.extend(part.name);
        self.segment.extend(part.segment);
        self.plan.extend(part.plan);
        self.owner.extend(part.owner);
        self.mrr.extend(part.mrr);
        self.seats.extend(part.seats);
        self.started_at.extend(part.started_at);
        self.renewal_date.extend(part.renewal_date);
        self.churned_at.extend(part.churned_at);
        self.at.extend(part.at);
        Ok(())
    }
}

/// Why a churn date was ignored: it lies after the as-of date (or after now), a
/// cancellation scheduled for later. The account is kept, active until then.
pub const CHURN_AFTER_AS_OF: &str = "churned_at after the as-of date";

/// Part of the accounts read from one chunk, with its set-aside rows.
#[derive(Default)]
struct Part {
    accounts: Accounts,
    set_aside: SetAside,
}

pub fn read(src: &TableSource, not_after: i64) -> Result<(Accounts, SetAside), IngestError> {
    let parts = src.read_parts(|p: &mut Part, batch, ctx| fill(p, batch, ctx, not_after))?;
    let mut accounts = Accounts::default();
    let mut set_aside = SetAside::default();
    for p in parts {
        accounts.push_part(p.accounts)?;
        set_aside.merge(p.set_aside);
    }
    if accounts.is_empty() {
        return Err(IngestError::NoAccounts {
            rows: src.rows(),
            set_aside: set_aside.rows(Table::Accounts),
        });
    }
    Ok((accounts, set_aside))
}

fn fill(
    p: &mut Part,
    batch: &RecordBatch,
    ctx: &BatchCtx,
    not_after: i64,
) -> Result<(), IngestError> {
    let t = Table::Accounts;
    let ids = ctx
        .convert(batch, "account_id", texts)?
        .expect("required column");
    let started = ctx
        .convert(batch, "started_at", instants)?
        .expect("required column");
    let churned = ctx
        .convert(batch, "churned_at", instants)?
        .expect("required column");
    let renewal = ctx.convert(batch, "renewal_date", instants)?;
    let name = ctx.convert(batch, "account_name", texts)?;
    let segment = ctx.convert(batch, "segment", texts)?;
    let plan = ctx.convert(batch, "plan", texts)?;
    let owner = ctx.convert(batch, "csm_owner", texts)?;
    let mrr = ctx.convert(batch, "mrr", numbers)?;
    let seats = ctx.convert(batch, "seats", numbers)?;
    let text = |a: &Option<arrow::array::StringArray>, i: usize| {
        a.as_ref()
            .filter(|a| a.is_valid(i))
            .map(|a| a.value(i).to_string())
    };
    let s = &mut p.set_aside;

    for i in 0..batch.num_rows() {
        let row = ctx.row(i);
        let mut aside = |reason: &'static str, value: String| {
            s.add(t, reason, ctx.file_index, ctx.path, row, || value)
        };
        if ids.is_null(i) || ids.value(i).trim().is_empty() {
            aside("null or empty account_id", String::new());
            continue;
        }
        let id = ids.value(i);
        if started.is_null(i) {
            aside("null started_at", id.to_string());
            continue;
        }
        let start = started.value(i);
        if let Some(why) = instant_problem(start, not_after) {
            aside(
                if why.starts_with("before") {
                    "started_at before 1990"
                } else {
                    "started_at in the future"
                },
                id.to_string(),
            );
            continue;
        }
        let mut churn = churned.is_valid(i).then(|| churned.value(i));
        let mut scheduled = false;
        match churn {
            Some(c) if c < min_instant() => {
                aside("churned_at out of range", id.to_string());
                continue;
            }
            // A scheduled cancellation (or a far "never" date): unknown at the as-of
            // date, so the account stays, active.
            Some(c) if instant_problem(c, not_after).is_some() => {
                scheduled = true;
                churn = None;
            }
            Some(c) if c < start => {
                aside("churned_at before started_at", id.to_string());
                continue;
            }
            _ => {}
        }
        if scheduled {
            s.ignore_value(t, CHURN_AFTER_AS_OF, ctx.file_index, ctx.path, row, || {
                id.to_string()
            });
        }
        // Optional values that break the contract are ignored; the account stays.
        let renewal_date = renewal
            .as_ref()
            .filter(|a| a.is_valid(i))
            .map(|a| a.value(i));
        let renewal_date = match renewal_date {
            Some(r) if instant_problem(r, i64::MAX / 4).is_some() => {
                s.ignore_value(
                    t,
                    "renewal_date out of range",
                    ctx.file_index,
                    ctx.path,
                    row,
                    || id.to_string(),
                );
                None
            }
            r => r,
        };
        let mut amount = |col: &Option<arrow::array::Float64Array>, reason: &'static str| {
            let v = col.as_ref().filter(|a| a.is_valid(i)).map(|a| a.value(i));
            match v {
                Some(x) if !x.is_finite() || x < 0.0 => {
                    s.ignore_value(t, reason, ctx.file_index, ctx.path, row, || {
                        format!("{id}: {x}")
                    });
                    None
                }
                v => v,
            }
        };
        let mrr_v = amount(&mrr, "mrr negative or not finite");
        let seats_v = amount(&seats, "seats negative or not finite");

        let a = &mut p.accounts;
        a.ids.push(id.to_string());
        a.name.push(text(&name, i));
        a.segment.push(text(&segment, i));
        a.plan.push(text(&plan, i));
        a.owner.push(text(&owner, i));
        a.mrr.push(mrr_v);
        a.seats.push(seats_v);
        a.started_at.push(start);
        a.renewal_date.push(renewal_date);
        a.churned_at.push(churn);
        a.at.push(RowRef {
            file_index: ctx.file_index,
            file: ctx.path.to_path_buf(),
            row: ctx.row(i),
        });
    }
    Ok(())
}
