//! Running the simulation in parallel parts and writing the tables in order.
//!
//! Accounts are split into fixed parts (independent of the thread count). Workers
//! take parts in increasing order; each writes its own usage file and hands its
//! accounts, tickets, surveys and truth rows to this thread, which writes them in
//! part order. Output is therefore the same for any number of threads, and only a
//! few parts' small rows are ever held in memory.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::calendar::Calendar;
use super::output::folder_bytes;
use super::simulate::{AccountRecord, SimRows, Simulator, UsagePlan};
use super::usage::UsageStream;
use super::write::{
    accounts_schema, surveys_schema, tickets_schema, truth_schema, AccountRows, ParquetTable,
    SurveyRows, TicketRows, TruthRows,
};
use super::{GenerateConfig, GenerateError, GenerateSummary};

/// Accounts per part (and usage file): at most 4096, and at least four parts when
/// there are enough accounts, so small data still comes in several files.
fn accounts_per_part(accounts: usize) -> usize {
    accounts.div_ceil(4).clamp(1, 4096)
}

/// The account's own random stream: `0` decides its fate, `1` its usage events.
fn account_rng(seed: u64, index: usize, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(index as u64 * 2 + stream);
    rng
}

struct PartOutput {
    accounts: Vec<AccountRecord>,
    rows: SimRows,
    usage_rows: u64,
}

pub fn run(
    cfg: &GenerateConfig,
    cal: &Calendar,
    dir: &Path,
) -> Result<GenerateSummary, GenerateError> {
    let usage_dir = dir.join("usage");
    fs::create_dir(&usage_dir).map_err(|e| GenerateError::io(&usage_dir, e))?;
    let truth_dir = dir.join("_truth");
    if cfg.truth {
        fs::create_dir(&truth_dir).map_err(|e| GenerateError::io(&truth_dir, e))?;
    }
    let metadata = vec![
        (
            "churn.contract_version".to_string(),
            crate::contract::CONTRACT_VERSION.to_string(),
        ),
        (
            "churn.generator".to_string(),
            format!(
                "churn {} generate accounts={} seed={} days={} as_of={} usage_scale={}",
                env!("CARGO_PKG_VERSION"),
                cfg.accounts,
                cfg.seed,
                cfg.days,
                cfg.as_of,
                cfg.usage_scale
            ),
        ),
    ];
    let sim = Simulator {
        cal,
        usage_scale: cfg.usage_scale,
        truth: cfg.truth,
    };
    let per_part = accounts_per_part(cfg.accounts);
    let parts = cfg.accounts.div_ceil(per_part);

    let simulate_part = |part: usize| -> Result<PartOutput, GenerateError> {
        let lo = part * per_part;
        let hi = (lo + per_part).min(cfg.accounts);
        let path = usage_dir.join(format!("part-{part:05}.parquet"));
        let mut stream = UsageStream::create(&path, &metadata)?;
        let mut out = PartOutput {
            accounts: Vec::with_capacity(hi - lo),
            rows: SimRows::default(),
            usage_rows: 0,
        };
        let mut plan = UsagePlan::default();
        for i in lo..hi {
            let mut fate = account_rng(cfg.seed, i, 0);
            let record = sim.account(i as u32, &mut fate, &mut out.rows, &mut plan);
            let mut events = account_rng(cfg.seed, i, 1);
            out.usage_rows += stream.account(i as u32, &plan, cal, &mut events)?;
            out.accounts.push(record);
        }
        stream.close()?;
        Ok(out)
    };

    let next = AtomicUsize::new(0);
    let abort = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<(usize, Result<PartOutput, GenerateError>)>();
    let result = std::thread::scope(|scope| {
        let (next, abort, simulate_part) = (&next, &abort, &simulate_part);
        scope.spawn(move || {
            let workers = rayon::current_num_threads().clamp(1, parts);
            (0..workers).into_par_iter().for_each_with(tx, |tx, _| {
                while !abort.load(Ordering::Relaxed) {
                    let part = next.fetch_add(1, Ordering::Relaxed);
                    if part >= parts {
                        break;
                    }
                    let out = simulate_part(part);
                    let failed = out.is_err();
                    if tx.send((part, out)).is_err() || failed {
                        break;
                    }
                }
            });
        });
        let written = write_in_order(cfg, dir, &metadata, parts, rx);
        if written.is_err() {
            abort.store(true, Ordering::Relaxed);
        }
        written
    });
    let (accounts, churned, usage_rows, ticket_rows, survey_rows) = result?;
    Ok(GenerateSummary {
        accounts,
        churned,
        usage_rows,
        ticket_rows,
        survey_rows,
        bytes_written: folder_bytes(dir)?,
    })
}

/// Receives parts as they finish and writes the single-file tables in part order.
fn write_in_order(
    cfg: &GenerateConfig,
    dir: &Path,
    metadata: &[(String, String)],
    parts: usize,
    rx: mpsc::Receiver<(usize, Result<PartOutput, GenerateError>)>,
) -> Result<(usize, usize, u64, u64, u64), GenerateError> {
    let table = |name: &str| dir.join(format!("{name}.parquet"));
    let mut accounts = ParquetTable::create(
        &table("accounts"),
        accounts_schema(),
        metadata,
        AccountRows::new(),
    )?;
    let mut tickets = ParquetTable::create(
        &table("tickets"),
        tickets_schema(),
        metadata,
        TicketRows::new(),
    )?;
    let mut surveys = ParquetTable::create(
        &table("surveys"),
        surveys_schema(),
        metadata,
        SurveyRows::new(),
    )?;
    let mut truth = if cfg.truth {
        Some(ParquetTable::create(
            &dir.join("_truth").join("monthly_hazard.parquet"),
            truth_schema(),
            metadata,
            TruthRows::new(),
        )?)
    } else {
        None
    };

    let mut waiting = BTreeMap::new();
    let mut next_part = 0;
    let (mut churned, mut usage_rows) = (0usize, 0u64);
    for (part, out) in rx {
        waiting.insert(part, out?);
        while let Some(out) = waiting.remove(&next_part) {
            next_part += 1;
            usage_rows += out.usage_rows;
            for a in &out.accounts {
                churned += a.churned_at.is_some() as usize;
                accounts.rows.push(a);
                accounts.flush_if_full()?;
            }
            for t in &out.rows.tickets {
                tickets.rows.push(t);
                tickets.flush_if_full()?;
            }
            for s in &out.rows.surveys {
                surveys.rows.push(s);
                surveys.flush_if_full()?;
            }
            if let Some(truth) = truth.as_mut() {
                for t in &out.rows.truth {
                    truth.rows.push(t);
                    truth.flush_if_full()?;
                }
            }
        }
    }
    if next_part != parts {
        return Err(GenerateError::Incomplete {
            written: next_part,
            parts,
        });
    }
    let account_rows = accounts.close()? as usize;
    let ticket_rows = tickets.close()?;
    let survey_rows = surveys.close()?;
    if let Some(truth) = truth {
        truth.close()?;
    }
    Ok((account_rows, churned, usage_rows, ticket_rows, survey_rows))
}
