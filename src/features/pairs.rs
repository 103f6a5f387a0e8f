//! Distinct (account, key) pairs per observation date, for the distinct users and
//! product features of the last 30 days.

use rayon::prelude::*;

/// One (account, key) pair seen in a run of rows, with its date mask.
#[derive(Debug, Clone, Copy)]
struct Seen {
    account: u32,
    hash: u64,
    mask: u64,
}

/// Distinct (account, key) pairs and the dates whose 30-day window saw them, without
/// a hash map: within a run of rows of one account, masks are ORed into a dense array
/// indexed by the batch's key codes; at the end of the run each touched code becomes
/// one `Seen` record. A pair can be recorded more than once (an account's rows split
/// across batches or workers); `counts` merges those, so the result is order-free.
#[derive(Default)]
pub struct Pairs {
    seen: Vec<Seen>,
    /// Mask per code in the current run; all zero outside `UsageAcc::add`.
    run: Vec<u64>,
    /// Codes with a non-zero mask in the current run.
    touched: Vec<u32>,
}

impl Pairs {
    pub(super) fn start(&mut self, codes: usize) {
        if self.run.len() < codes {
            self.run.resize(codes, 0);
        }
    }

    #[inline]
    pub(super) fn note(&mut self, code: u32, mask: u64) {
        let m = &mut self.run[code as usize];
        if *m == 0 {
            self.touched.push(code);
        }
        *m |= mask;
    }

    /// Ends the run of `account`, whose codes index `hashes`.
    pub(super) fn flush(&mut self, account: u32, hashes: &[u64]) {
        for &c in &self.touched {
            let mask = std::mem::take(&mut self.run[c as usize]);
            self.seen.push(Seen {
                account,
                hash: hashes[c as usize],
                mask,
            });
        }
        self.touched.clear();
    }

    pub(super) fn merge(&mut self, mut o: Pairs) {
        if o.seen.len() > self.seen.len() {
            std::mem::swap(&mut self.seen, &mut o.seen);
        }
        self.seen.append(&mut o.seen);
    }

    /// Records held (for tests and memory accounting).
    pub fn records(&self) -> usize {
        self.seen.len()
    }

    /// Distinct keys per (account, date), indexed by account * n_dates + date.
    pub fn counts(&self, n_dates: usize, n_accounts: usize) -> Vec<u32> {
        // Group record indices by account (counting sort), then merge each account's
        // records by hash.
        let mut start = vec![0u32; n_accounts + 1];
        for s in &self.seen {
            start[s.account as usize + 1] += 1;
        }
        for a in 0..n_accounts {
            start[a + 1] += start[a];
        }
        let mut next = start.clone();
        let mut order = vec![0u32; self.seen.len()];
        for (k, s) in self.seen.iter().enumerate() {
            let a = s.account as usize;
            order[next[a] as usize] = k as u32;
            next[a] += 1;
        }
        drop(next);
        let mut out = vec![0u32; n_dates * n_accounts];
        if n_dates == 0 {
            return out;
        }
        out.par_chunks_mut(n_dates).enumerate().for_each_init(
            Vec::new,
            |scratch: &mut Vec<(u64, u64)>, (a, out)| {
                let idx = &order[start[a] as usize..start[a + 1] as usize];
                scratch.clear();
                scratch.extend(idx.iter().map(|&k| {
                    let s = &self.seen[k as usize];
                    (s.hash, s.mask)
                }));
                scratch.sort_unstable_by_key(|p| p.0);
                let mut k = 0;
                while k < scratch.len() {
                    let (h, mut m) = scratch[k];
                    k += 1;
                    while k < scratch.len() && scratch[k].0 == h {
                        m |= scratch[k].1;
                        k += 1;
                    }
                    while m != 0 {
                        out[m.trailing_zeros() as usize] += 1;
                        m &= m - 1;
                    }
                }
            },
        );
        out
    }
}
