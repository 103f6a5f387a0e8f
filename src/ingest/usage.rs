//! The usage table, read as a stream: it is by far the largest input (hundreds of
//! millions of rows at real customers), so it is never held in memory. Callers fold
//! normalised batches into their own accumulators, one per worker thread.

use std::collections::hash_map::DefaultHasher;
use std::hash::Hasher;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray};
use arrow::record_batch::RecordBatch;
use rayon::prelude::*;

use super::accounts::Accounts;
use super::columns::{instant_problem, instants, numbers, texts};
use super::dictionary::{replaced, utf8_dictionary, DictMap, Mapped};
use super::parts::BatchCtx;
use super::set_aside::SetAside;
use super::source::TableSource;
use super::IngestError;
use crate::contract::Table;

/// Usage rows of known accounts, normalised. Rows that break the contract are not
/// in the batch; they are counted in the reader's `SetAside`.
#[derive(Debug, Default, Clone)]
pub struct UsageBatch {
    pub account: Vec<u32>,
    /// Event instant, microseconds since the epoch (UTC).
    pub ts: Vec<i64>,
    /// user_id as a code into `user_hash`, 0 when absent (for distinct-user counts).
    pub user: Vec<u32>,
    /// feature as a code into `feature_hash`, 0 when absent (for breadth of adoption).
    pub feature: Vec<u32>,
    /// Amount of use; 1 when the column or value is absent.
    pub quantity: Vec<f64>,
    /// Stable 64-bit hash of the text of each user code (index 0, absent, is 0). Codes
    /// are small dense integers valid within this batch only; the hash identifies a
    /// user across batches and files. One table per dictionary, shared by its batches.
    pub user_hash: Arc<Vec<u64>>,
    /// Likewise for `feature`.
    pub feature_hash: Arc<Vec<u64>>,
}

impl UsageBatch {
    pub fn len(&self) -> usize {
        self.account.len()
    }

    pub fn is_empty(&self) -> bool {
        self.account.is_empty()
    }

    fn clear(&mut self) {
        self.account.clear();
        self.ts.clear();
        self.user.clear();
        self.feature.clear();
        self.quantity.clear();
    }
}

/// The usage table, opened and checked, ready to be streamed.
pub struct Usage {
    src: TableSource,
    /// Whether any file has the optional column (features built on it are missing otherwise).
    pub has_user: bool,
    pub has_feature: bool,
    pub has_quantity: bool,
    not_after: i64,
}

/// Stable hash of a text value; never 0, which means "absent".
pub fn hash_text(s: &str) -> u64 {
    let mut h = DefaultHasher::new();
    h.write(s.as_bytes());
    h.finish().max(1)
}

impl Usage {
    pub fn new(src: TableSource, not_after: i64) -> Self {
        let has = |name: &str| src.files.iter().any(|f| f.has_column(name));
        Usage {
            has_user: has("user_id"),
            has_feature: has("feature"),
            has_quantity: has("quantity"),
            src,
            not_after,
        }
    }

    pub fn rows(&self) -> u64 {
        self.src.rows()
    }

    /// The latest usage instant that is not in the future: from Parquet statistics
    /// when every file has them (no data is decoded), else by a scan.
    pub fn latest_instant(&self, accounts: &Accounts) -> Result<Option<i64>, IngestError> {
        let from_stats: Option<Vec<i64>> = self
            .src
            .files
            .iter()
            .map(|f| {
                if f.rows() == 0 {
                    Some(i64::MIN)
                } else {
                    f.max_instant_from_statistics("ts")
                }
            })
            .collect();
        if let Some(m) = from_stats.and_then(|v| v.into_iter().max()) {
            // Statistics include rows that will be set aside; trust them only if plausible.
            if instant_problem(m, self.not_after).is_none() {
                return Ok(Some(m));
            }
            if m == i64::MIN {
                return Ok(None);
            }
        }
        let (parts, _) = self.fold(
            accounts,
            || None::<i64>,
            |m, b| {
                if let Some(&t) = b.ts.iter().max() {
                    *m = Some(m.map_or(t, |m: i64| m.max(t)));
                }
            },
            &|_| {},
        )?;
        Ok(parts.into_iter().flatten().max())
    }

    /// The earliest usage instant that is not set aside as impossible: from Parquet
    /// statistics when every file has them and they are plausible, else by a scan.
    pub fn earliest_instant(&self, accounts: &Accounts) -> Result<Option<i64>, IngestError> {
        let from_stats: Option<Vec<i64>> = self
            .src
            .files
            .iter()
            .filter(|f| f.rows() > 0)
            .map(|f| f.min_instant_from_statistics("ts"))
            .collect();
        if let Some(v) = from_stats {
            match v.into_iter().min() {
                None => return Ok(None),
                // Statistics include rows that will be set aside (before 1990...).
                Some(m) if instant_problem(m, self.not_after).is_none() => return Ok(Some(m)),
                Some(_) => {}
            }
        }
        let (parts, _) = self.fold(
            accounts,
            || None::<i64>,
            |m, b| {
                if let Some(&t) = b.ts.iter().min() {
                    *m = Some(m.map_or(t, |m: i64| m.min(t)));
                }
            },
            &|_| {},
        )?;
        Ok(parts.into_iter().flatten().min())
    }

    pub fn files(&self) -> usize {
        self.src.files.len()
    }

    /// Streams every row group through `fold`, in parallel: each worker thread owns
    /// one accumulator made by `init` and pulls row groups until none are left. The
    /// accumulators are returned (one per worker) for the caller to merge; merges must
    /// be order-free (integer sums, set unions) for results to be identical for any
    /// thread count. Memory is bounded by the accumulators plus one batch per worker.
    pub fn fold<A: Send>(
        &self,
        accounts: &Accounts,
        init: impl Fn() -> A + Sync,
        fold: impl Fn(&mut A, &UsageBatch) + Sync,
        progress: &(dyn Fn(u64) + Sync),
    ) -> Result<(Vec<A>, SetAside), IngestError> {
        let chunks = self.src.chunks();
        let next = AtomicUsize::new(0);
        let workers = rayon::current_num_threads().clamp(1, chunks.len().max(1));
        let results: Vec<Result<(A, SetAside), (usize, IngestError)>> = (0..workers)
            .into_par_iter()
            .map(|_| {
                let mut acc = init();
                let mut set_aside = SetAside::default();
                let mut batch = UsageBatch::default();
                let mut caches = Caches::default();
                loop {
                    let k = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&chunk) = chunks.get(k) else { break };
                    let path = &self.src.files[chunk.file].path;
                    self.src
                        .read_chunk(chunk, |rb, first_row| {
                            let ctx = BatchCtx {
                                table: Table::Usage,
                                file_index: chunk.file,
                                path,
                                row_group: chunk.row_group,
                                first_row,
                            };
                            batch.clear();
                            self.normalise(
                                rb,
                                &ctx,
                                accounts,
                                &mut caches,
                                &mut batch,
                                &mut set_aside,
                            )?;
                            fold(&mut acc, &batch);
                            progress(rb.num_rows() as u64);
                            Ok(())
                        })
                        .map_err(|e| (k, e))?;
                }
                Ok((acc, set_aside))
            })
            .collect();

        let mut accs = Vec::with_capacity(workers);
        let mut set_aside = SetAside::default();
        let mut first_error: Option<(usize, IngestError)> = None;
        for r in results {
            match r {
                Ok((a, s)) => {
                    accs.push(a);
                    set_aside.merge(s);
                }
                Err((k, e)) => {
                    if first_error.as_ref().is_none_or(|(fk, _)| k < *fk) {
                        first_error = Some((k, e));
                    }
                }
            }
        }
        match first_error {
            Some((_, e)) => Err(e),
            None => Ok((accs, set_aside)),
        }
    }

    fn normalise(
        &self,
        rb: &RecordBatch,
        ctx: &BatchCtx,
        accounts: &Accounts,
        caches: &mut Caches,
        out: &mut UsageBatch,
        set_aside: &mut SetAside,
    ) -> Result<(), IngestError> {
        let t = Table::Usage;
        let n = rb.num_rows();
        let ids = rb.column_by_name("account_id").expect("required column");
        let account = caches
            .account
            .map(ids, |s| accounts.index_of(s))
            .map_err(|e| ctx.column_error("account_id", e))?;
        let ts = ctx.convert(rb, "ts", instants)?.expect("required column");
        let user = match rb.column_by_name("user_id") {
            Some(a) => {
                let (codes, hashes) = caches
                    .user
                    .map(a)
                    .map_err(|e| ctx.column_error("user_id", e))?;
                out.user_hash = hashes;
                Some(codes)
            }
            None => None,
        };
        let feature = match rb.column_by_name("feature") {
            Some(a) => {
                let (codes, hashes) = caches
                    .feature
                    .map(a)
                    .map_err(|e| ctx.column_error("feature", e))?;
                out.feature_hash = hashes;
                Some(codes)
            }
            None => None,
        };
        let quantity = ctx.convert(rb, "quantity", numbers)?;

        // Hoisted out of the row loop: the valid instant range (what `instant_problem`
        // accepts) and plain slices for columns without nulls.
        let ok_from = super::columns::min_instant();
        let ok_to = super::columns::max_instant()
            .min(self.not_after.saturating_add(crate::time::MICROS_PER_DAY) - 1);
        let ts_values = ts.values();
        let ts_has_nulls = ts.null_count() > 0;
        let (q_values, q_has_nulls) = match &quantity {
            Some(q) => (Some(q.values()), q.null_count() > 0),
            None => (None, false),
        };
        out.account.reserve(n);
        out.ts.reserve(n);
        out.user.reserve(n);
        out.feature.reserve(n);
        out.quantity.reserve(n);

        // The contract's checks, row by row; sets the row aside or appends it.
        let mut one_row = |i: usize, out: &mut UsageBatch| {
            let mut aside = |reason: &'static str, value: &dyn Fn() -> String| {
                set_aside.add(t, reason, ctx.file_index, ctx.path, ctx.row(i), value)
            };
            let Some(acc) = account.get(i) else {
                if ids.is_null(i) {
                    aside("null account_id", &String::new);
                } else {
                    aside("unknown account_id", &|| {
                        super::columns::show(ids.as_ref(), i)
                    });
                }
                return;
            };
            if ts_has_nulls && ts.is_null(i) {
                aside("null ts", &|| accounts.ids[acc as usize].clone());
                return;
            }
            let when = ts_values[i];
            if when < ok_from || when > ok_to {
                let reason = match instant_problem(when, self.not_after) {
                    Some(why) if why.starts_with("before") => "ts before 1990",
                    _ => "ts in the future",
                };
                aside(reason, &|| crate::time::format_micros(when));
                return;
            }
            let q = match (q_values, &quantity) {
                (Some(v), Some(q)) if !q_has_nulls || q.is_valid(i) => v[i],
                _ => 1.0,
            };
            if !q.is_finite() || q < 0.0 {
                aside("negative or non-finite quantity", &|| format!("{q}"));
                return;
            }
            out.account.push(acc);
            out.ts.push(when);
            out.user
                .push(user.as_ref().and_then(|u| u.get(i)).unwrap_or(0));
            out.feature
                .push(feature.as_ref().and_then(|f| f.get(i)).unwrap_or(0));
            out.quantity.push(q);
        };

        // The common case (dictionary columns, no nulls) in a tight loop; any row
        // that fails a check goes through `one_row`, which names the reason.
        let fast = match (
            account.dense(),
            optional_dense(user.as_ref()),
            optional_dense(feature.as_ref()),
        ) {
            (Some(a), Some(u), Some(f)) if !ts_has_nulls && !q_has_nulls => Some((a, u, f)),
            _ => None,
        };
        let Some(((a_keys, a_values), user_d, feature_d)) = fast else {
            for i in 0..n {
                one_row(i, out);
            }
            return Ok(());
        };
        let ts_range = (ok_from, ok_to);
        if append_if_all_valid(
            (a_keys, a_values),
            ts_values,
            ts_range,
            q_values.map(|v| &v[..]),
            user_d,
            feature_d,
            out,
        ) {
            return Ok(());
        }
        let code =
            |d: Option<Dense>, i: usize| d.map_or(0, |(k, v)| translate(v, k[i]).unwrap_or(0));
        for i in 0..n {
            let acc = translate(a_values, a_keys[i]);
            let when = ts_values[i];
            let q = q_values.map_or(1.0, |v| v[i]);
            match acc {
                Some(acc) if when >= ok_from && when <= ok_to && q.is_finite() && q >= 0.0 => {
                    out.account.push(acc);
                    out.ts.push(when);
                    out.user.push(code(user_d, i));
                    out.feature.push(code(feature_d, i));
                    out.quantity.push(q);
                }
                _ => one_row(i, out),
            }
        }
        Ok(())
    }
}

/// Keys and translated values of a dictionary column without null keys.
type Dense<'a> = (&'a [i32], &'a [Option<u32>]);

/// The translation of a dictionary key; `None` for untranslatable values and keys
/// out of range.
#[inline]
fn translate(values: &[Option<u32>], key: i32) -> Option<u32> {
    values.get(key as usize).copied().flatten()
}

/// Appends the whole batch a column at a time when every row passes the contract's
/// checks, the usual case: whole-column loops are several times faster than appending
/// row by row with a branch per check. Returns false, leaving `out` as it was, when
/// some row fails, for the row-by-row path to set it aside with its reason.
fn append_if_all_valid(
    account: Dense,
    ts: &[i64],
    (ts_from, ts_to): (i64, i64),
    quantity: Option<&[f64]>,
    user: Option<Dense>,
    feature: Option<Dense>,
    out: &mut UsageBatch,
) -> bool {
    // Folds without early exit, so the checks compile to branch-free loops.
    let ts_ok = ts
        .iter()
        .fold(true, |ok, &t| ok & (t >= ts_from) & (t <= ts_to));
    // NaN is in no range: this is `is_finite() && q >= 0`.
    let q_ok = quantity.is_none_or(|q| {
        q.iter()
            .fold(true, |ok, &q| ok & (0.0..f64::INFINITY).contains(&q))
    });
    if !(ts_ok && q_ok) {
        return false;
    }
    let (keys, values) = account;
    let start = out.account.len();
    let mut known = true;
    out.account.extend(keys.iter().map(|&k| {
        let a = translate(values, k);
        known &= a.is_some();
        a.unwrap_or(0)
    }));
    if !known {
        out.account.truncate(start);
        return false;
    }
    let n = ts.len();
    out.ts.extend_from_slice(ts);
    match quantity {
        Some(q) => out.quantity.extend_from_slice(q),
        None => out.quantity.resize(start + n, 1.0),
    }
    append_codes(user, n, &mut out.user);
    append_codes(feature, n, &mut out.feature);
    true
}

/// Appends the codes of an optional text column (0 where absent or untranslatable).
fn append_codes(column: Option<Dense>, n: usize, out: &mut Vec<u32>) {
    match column {
        Some((keys, values)) => out.extend(keys.iter().map(|&k| translate(values, k).unwrap_or(0))),
        None => out.resize(out.len() + n, 0),
    }
}

/// `dense` of an optional column: `Some(None)` when the column is absent.
fn optional_dense<'a>(m: Option<&'a Mapped<'a, u32>>) -> Option<Option<Dense<'a>>> {
    match m {
        None => Some(None),
        Some(m) => m.dense().map(Some),
    }
}

/// Per-worker caches of dictionary translations: a row group's dictionary is mapped
/// once (string lookups or hashes per distinct value), not once per row.
#[derive(Default)]
struct Caches {
    account: DictMap<u32>,
    user: HashCodes,
    feature: HashCodes,
}

/// Codes of a text column (dictionary key + 1, 0 for null) and the stable hash of the
/// text behind each code, computed once per dictionary: the accumulators key on small
/// dense codes per row and meet the hashes only once per distinct value.
#[derive(Default)]
struct HashCodes {
    dict: Option<ArrayRef>,
    codes: Vec<Option<u32>>,
    hashes: Arc<Vec<u64>>,
}

impl HashCodes {
    fn map<'a>(
        &'a mut self,
        array: &'a ArrayRef,
    ) -> Result<(Mapped<'a, u32>, Arc<Vec<u64>>), String> {
        if let Some((keys, strings)) = utf8_dictionary(array) {
            if replaced(&mut self.dict, array) {
                let (codes, hashes) = Self::table(strings);
                self.codes = codes;
                self.hashes = Arc::new(hashes);
            }
            return Ok((Mapped::dict(keys, &self.codes), self.hashes.clone()));
        }
        // Any other type: one code per row, valid for this batch.
        let strings = texts(array)?;
        let (codes, hashes) = Self::table(&strings);
        self.dict = None;
        Ok((Mapped::Plain(codes), Arc::new(hashes)))
    }

    /// Code k + 1 for the k-th value (None when null) and the hash of each code.
    fn table(strings: &StringArray) -> (Vec<Option<u32>>, Vec<u64>) {
        let mut hashes = Vec::with_capacity(strings.len() + 1);
        hashes.push(0);
        let codes = strings
            .iter()
            .enumerate()
            .map(|(k, s)| {
                hashes.push(s.map_or(0, hash_text));
                s.map(|_| k as u32 + 1)
            })
            .collect();
        (codes, hashes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::DictionaryArray;
    use arrow::datatypes::Int32Type;

    #[test]
    fn codes_index_the_hash_of_their_text() {
        let want = vec![hash_text("x"), 0, hash_text("y"), hash_text("x")];
        let dict: DictionaryArray<Int32Type> = vec![Some("x"), None, Some("y"), Some("x")]
            .into_iter()
            .collect();
        let plain = StringArray::from(vec![Some("x"), None, Some("y"), Some("x")]);
        let mut h = HashCodes::default();
        for a in [Arc::new(dict) as ArrayRef, Arc::new(plain) as ArrayRef] {
            let (codes, hashes) = h.map(&a).unwrap();
            let got: Vec<u64> = (0..4)
                .map(|i| hashes[codes.get(i).unwrap_or(0) as usize])
                .collect();
            assert_eq!(got, want, "{:?}", a.data_type());
        }
    }
}
