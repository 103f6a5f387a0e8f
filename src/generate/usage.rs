//! Usage events: the hot loop that turns each account's daily usage plan into
//! event rows of one part file.

use std::fmt::Write as _;
use std::path::Path;

use rand::RngCore;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Poisson};

use super::calendar::{Calendar, US_PER_SEC};
use super::names::FEATURES;
use super::simulate::{business_second, UsagePlan, QUANTITY_LEVELS};
use super::write::{account_id, usage_schema, ParquetTable, UsageRows};
use super::GenerateError;

/// One usage part file being written.
pub struct UsageStream {
    table: ParquetTable<UsageRows>,
    account_id: String,
    /// User ids of the current account, concatenated; `user_ends[i]` ends user i.
    users: String,
    user_ends: Vec<usize>,
    secs: Vec<u32>,
    quantities: Vec<[u16; 256]>,
}

/// A cheap skew towards low indices: density falls from 1.6 to 0.4 across [0, 1).
fn skewed(u: f64) -> f64 {
    u * (0.4 + 0.6 * u)
}


/// Quantiles of the event quantity per level: 1 + a geometric count whose mean
/// grows from 0.5 (level 0) to 2.0 (top level). Looked up with 8 random bits, which
/// avoids a logarithm per event.
fn quantity_table() -> Vec<[u16; 256]> {
    (0..QUANTITY_LEVELS)
        .map(|level| {
            let extra = 0.5 + 1.5 * level as f64 / (QUANTITY_LEVELS - 1) as f64;
            let keep_going = extra / (1.0 + extra);
            let mut row = [0u16; 256];
            for (k, q) in row.iter_mut().enumerate() {
                let tail = 1.0 - (k as f64 + 0.5) / 256.0;
                *q = (1.0 + (tail.ln() / keep_going.ln()).floor()) as u16;
            }
            row
        })
        .collect()
}

impl UsageStream {
    pub fn create(path: &Path, metadata: &[(String, String)]) -> Result<Self, GenerateError> {
        Ok(UsageStream {
            table: ParquetTable::create(path, usage_schema(), metadata, UsageRows::new())?,
            account_id: String::new(),
            users: String::new(),
            user_ends: Vec::new(),
            secs: Vec::new(),
            quantities: quantity_table(),
        })
    }

    /// Writes the events of one account, in time order. `rng` is the account's
    /// usage stream, separate from the one that decides its fate, so the event
    /// volume never changes who churns.
    pub fn account(
        &mut self,
        index: u32,
        plan: &UsagePlan,
        cal: &Calendar,
        rng: &mut ChaCha8Rng,
    ) -> Result<u64, GenerateError> {
        account_id(&mut self.account_id, index);
        let max_pool = plan.days.iter().map(|d| d.pool).max().unwrap_or(0);
        self.users.clear();
        self.user_ends.clear();
        for u in 1..=max_pool {
            let _ = write!(self.users, "{}-u{:02}", self.account_id, u);
            self.user_ends.push(self.users.len());
        }

        let mut rows = 0u64;
        for day in &plan.days {
            if day.events <= 0.0 {
                continue;
            }
            let n = match Poisson::new(day.events as f64) {
                Ok(p) => p.sample(rng) as usize,
                Err(_) => 0,
            };
            if n == 0 {
                continue;
            }
            self.secs.clear();
            for _ in 0..n {
                self.secs.push(business_second(rng, plan.tz_secs));
            }
            self.secs.sort_unstable();

            let day_us = cal.day_us(day.day);
            let pool = day.pool as f64;
            let breadth = day.breadth as f64;
            let quantities = &self.quantities[(day.qty_level as usize).min(QUANTITY_LEVELS - 1)];
            let out = &mut self.table.rows;
            const SCALE: f64 = 1.0 / (1u64 << 24) as f64;
            for &sec in &self.secs {
                // One draw feeds user, feature and quantity: 24 + 24 + 8 bits.
                let r = rng.next_u64();
                let u_user = (r & 0xFF_FFFF) as f64 * SCALE;
                let u_feature = ((r >> 24) & 0xFF_FFFF) as f64 * SCALE;
                let user = ((pool * skewed(u_user)) as usize).min(day.pool as usize - 1);
                let start = if user == 0 {
                    0
                } else {
                    self.user_ends[user - 1]
                };
                let f = ((breadth * skewed(u_feature)) as usize).min(day.breadth as usize - 1);
                let feature = FEATURES[plan.features[f] as usize].0;
                out.account_id.append_value(&self.account_id);
                out.ts.push(day_us + sec as i64 * US_PER_SEC);
                out.user_id
                    .append_value(&self.users[start..self.user_ends[user]]);
                out.feature.append_value(feature);
                out.quantity.push(quantities[(r >> 56) as usize] as i32);
            }
            rows += n as u64;
            self.table.flush_if_full()?;
        }
        Ok(rows)
    }

    pub fn close(self) -> Result<u64, GenerateError> {
        self.table.close()
    }
}
