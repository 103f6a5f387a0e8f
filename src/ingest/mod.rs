//! Reading the four input tables of the data contract into typed columns.
//!
//! Accounts, tickets and surveys are small and read whole (row groups in parallel);
//! usage is large and streamed (see [`usage::Usage::fold`]). Account ids are
//! interned to dense `u32` indices once, so no later stage compares strings.

pub mod accounts;
pub mod columns;
mod dictionary;
mod error;
pub mod guard;
mod parts;
pub mod set_aside;
pub mod source;
pub mod surveys;
pub mod tickets;
pub mod usage;

use std::collections::HashMap;
use std::path::Path;

pub use accounts::Accounts;
pub use error::IngestError;
pub use set_aside::{SetAside, SetAsideEntry};
pub use source::TableSource;
pub use surveys::{SurveyKind, Surveys};
pub use tickets::{Priority, Tickets};
pub use usage::{Usage, UsageBatch};

use crate::contract::Table;
use crate::storage::{self, Location};

/// The input tables, checked against the contract. Usage is opened but not yet read.
pub struct Dataset {
    pub accounts: Accounts,
    pub tickets: Tickets,
    pub surveys: Surveys,
    pub usage: Usage,
    /// Rows of accounts, tickets and surveys set aside while reading. Usage rows set
    /// aside are reported by each pass over usage.
    pub set_aside: SetAside,
    /// Rows read per table (before anything was set aside).
    pub rows_read: Vec<(Table, u64)>,
}

/// Opens all four tables in `dir` (through storage) and reads the small ones. Instants
/// later than the day after `not_after` (microseconds) are treated as "in the future".
pub fn load(dir: &Path, not_after: i64) -> Result<Dataset, IngestError> {
    // Open (and schema-check) every table before reading any, so a broken table is
    // reported before minutes are spent on the others.
    let dir = Location::from(dir);
    let store = storage::for_location(&dir);
    let accounts_src = TableSource::open(&store, &dir, Table::Accounts, false)?;
    let usage_src = TableSource::open(&store, &dir, Table::Usage, true)?;
    let tickets_src = TableSource::open(&store, &dir, Table::Tickets, true)?;
    let surveys_src = TableSource::open(&store, &dir, Table::Surveys, false)?;
    let rows_read = vec![
        (Table::Accounts, accounts_src.rows()),
        (Table::Usage, usage_src.rows()),
        (Table::Tickets, tickets_src.rows()),
        (Table::Surveys, surveys_src.rows()),
    ];

    let started = std::time::Instant::now();
    let (accounts, mut set_aside) = accounts::read(&accounts_src, not_after)?;
    let accounts_seconds = started.elapsed().as_secs_f64();
    let ((tickets, t_seconds), (surveys, s_seconds)) = rayon::join(
        || {
            let t = std::time::Instant::now();
            (
                tickets::read(&tickets_src, &accounts, not_after),
                t.elapsed().as_secs_f64(),
            )
        },
        || {
            let t = std::time::Instant::now();
            (
                surveys::read(&surveys_src, &accounts, not_after),
                t.elapsed().as_secs_f64(),
            )
        },
    );
    tracing::debug!(
        accounts_seconds,
        tickets_seconds = t_seconds,
        surveys_seconds = s_seconds,
        "small tables read"
    );
    let (tickets, t_aside) = tickets?;
    let (surveys, s_aside) = surveys?;
    set_aside.merge(t_aside);
    set_aside.merge(s_aside);
    Ok(Dataset {
        accounts,
        tickets,
        surveys,
        usage: Usage::new(usage_src, not_after),
        set_aside,
        rows_read,
    })
}

/// Interns strings to dense indices in order of first appearance.
#[derive(Default)]
pub struct Interner {
    index: HashMap<String, u32>,
    names: Vec<String>,
}

impl Interner {
    pub fn intern(&mut self, s: &str) -> u32 {
        if let Some(&i) = self.index.get(s) {
            return i;
        }
        let i = self.names.len() as u32;
        self.index.insert(s.to_string(), i);
        self.names.push(s.to_string());
        i
    }

    pub fn into_names(self) -> Vec<String> {
        self.names
    }
}
