//! The bare scan: the floor any feature stage is measured against.
//!
//! Decodes only the usage columns the job needs (account_id and the optional user_id
//! and feature as Dictionary(Int32, Utf8), ts, quantity), one rayon task per row
//! group with its own file handle, 64k-row batches, and touches every decoded value
//! (a checksum) so nothing is optimised away. No account lookup, no validation, no
//! accumulators. Independent of the churn library on purpose.
//!
//! Build and run:
//!   cargo bench --profile release --bench scan -- DATA_DIR [--threads N]
//! or run the built binary directly (bench/run_bench.sh does).

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{DataType, Field, Int32Type, Schema};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;

const COLUMNS: [&str; 5] = ["account_id", "ts", "user_id", "feature", "quantity"];
const TEXT: [&str; 3] = ["account_id", "user_id", "feature"];

fn files(dir: &Path) -> Vec<PathBuf> {
    let single = dir.join("usage.parquet");
    if single.is_file() {
        return vec![single];
    }
    let mut out = Vec::new();
    let mut stack = vec![dir.join("usage")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with('.') || name.starts_with('_') {
                continue;
            }
            if p.is_dir() {
                stack.push(p);
            } else if name.ends_with(".parquet") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

struct Opened {
    path: PathBuf,
    meta: ArrowReaderMetadata,
    mask: ProjectionMask,
}

fn open(path: PathBuf) -> Opened {
    let f = File::open(&path).unwrap();
    let meta = ArrowReaderMetadata::load(&f, ArrowReaderOptions::new()).unwrap();
    let schema = meta.schema().clone();
    let fields: Vec<Arc<Field>> = schema
        .fields()
        .iter()
        .map(|f| {
            if TEXT.contains(&f.name().as_str()) && f.data_type() == &DataType::Utf8 {
                let dt = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
                Arc::new(f.as_ref().clone().with_data_type(dt))
            } else {
                f.clone()
            }
        })
        .collect();
    let hinted = Arc::new(Schema::new_with_metadata(fields, schema.metadata().clone()));
    let meta = ArrowReaderMetadata::try_new(
        meta.metadata().clone(),
        ArrowReaderOptions::new().with_schema(hinted),
    )
    .unwrap();
    let roots: Vec<usize> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| COLUMNS.contains(&f.name().as_str()))
        .map(|(i, _)| i)
        .collect();
    let mask = ProjectionMask::roots(meta.parquet_schema(), roots);
    Opened { path, meta, mask }
}

/// Rows and a checksum of one row group.
fn scan(o: &Opened, rg: usize) -> (u64, u64) {
    let reader = ParquetRecordBatchReaderBuilder::new_with_metadata(
        File::open(&o.path).unwrap(),
        o.meta.clone(),
    )
    .with_projection(o.mask.clone())
    .with_row_groups(vec![rg])
    .with_batch_size(64 * 1024)
    .build()
    .unwrap();
    let (mut rows, mut sum) = (0u64, 0u64);
    for b in reader {
        let b = b.unwrap();
        rows += b.num_rows() as u64;
        for c in b.columns() {
            match c.data_type() {
                DataType::Dictionary(_, _) => {
                    let keys = c.as_dictionary::<Int32Type>().keys();
                    sum = keys
                        .values()
                        .iter()
                        .fold(sum, |s, &k| s.wrapping_add(k as u64));
                }
                DataType::Timestamp(_, _) => {
                    let v = c
                        .as_primitive::<arrow::datatypes::TimestampMicrosecondType>()
                        .values();
                    sum = v.iter().fold(sum, |s, &t| s.wrapping_add(t as u64));
                }
                DataType::Int32 => {
                    let v = c.as_primitive::<Int32Type>().values();
                    sum = v.iter().fold(sum, |s, &q| s.wrapping_add(q as u64));
                }
                _ => sum = sum.wrapping_add(c.len() as u64),
            }
        }
    }
    (rows, sum)
}

/// Scans every usage row group of `dir` on the current rayon pool: (rows, row groups,
/// files, checksum). Also used in-process by the criterion benchmark.
pub fn scan_dir(dir: &Path) -> (u64, usize, usize, u64) {
    let opened: Vec<Opened> = files(dir).into_iter().map(open).collect();
    let tasks: Vec<(usize, usize)> = opened
        .iter()
        .enumerate()
        .flat_map(|(i, o)| (0..o.meta.metadata().num_row_groups()).map(move |rg| (i, rg)))
        .collect();
    let (rows, sum) = tasks
        .par_iter()
        .map(|&(i, rg)| scan(&opened[i], rg))
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1.wrapping_add(b.1)));
    (rows, tasks.len(), opened.len(), sum)
}

#[allow(dead_code)] // unused where this file is included as a module
fn main() {
    let mut dir = None;
    let mut threads = 0usize;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threads" => threads = args.next().and_then(|v| v.parse().ok()).unwrap_or(0),
            "--bench" => {}
            _ => dir = Some(PathBuf::from(a)),
        }
    }
    let dir = dir.expect("usage: scan DATA_DIR [--threads N]");
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()
        .unwrap();
    let start = Instant::now();
    let (rows, row_groups, files, sum) = scan_dir(&dir);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{{\"rows\": {rows}, \"row_groups\": {row_groups}, \"files\": {files}, \"threads\": {}, \"seconds\": {secs:.3}, \"checksum\": {sum}}}",
        rayon::current_num_threads()
    );
}
