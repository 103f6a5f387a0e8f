//! Shared harness of the ingest fuzz targets.
//!
//! An input is one table file: its first byte picks the table (`byte % 4`, in the
//! order accounts, usage, tickets, surveys), the rest is written as that table's
//! `NAME.parquet` into a folder that already holds valid files of the three other
//! tables. The folder is then read the way `churn validate` and `churn run` read it:
//! `ingest::load`, the latest usage instant (Parquet statistics), a full pass over
//! usage, and the point-in-time features of a small plan. Any `Err` is a correct
//! answer to a broken file; only a panic (or a crash, hang or leak) is a finding.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use arrow::array::{
    ArrayRef, Date32Array, DictionaryArray, Float64Array, Int32Array, Int64Array, LargeStringArray,
    StringArray, TimestampMicrosecondArray, TimestampNanosecondArray,
};
use arrow::datatypes::{DataType, Field, Int32Type, Schema};
use arrow::record_batch::RecordBatch;
use chrono::NaiveDate;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, GzipLevel, ZstdLevel};
use parquet::file::properties::{EnabledStatistics, WriterProperties, WriterVersion};

use churn::contract::Table;
use churn::features::{Plan, PlanSettings};

pub const DAY: i64 = 86_400_000_000;
/// 2026-01-01T00:00:00Z in microseconds.
pub const JAN1: i64 = 20_454 * DAY;
/// Fixed "now" of every run, so that a finding replays identically on any day.
pub const NOT_AFTER: i64 = JAN1 + 40 * DAY;

/// The table an input is for.
pub fn table_of(selector: u8) -> Table {
    Table::ALL[usize::from(selector) % Table::ALL.len()]
}

fn ts(values: &[Option<i64>]) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from(values.to_vec()).with_timezone("UTC"))
}

fn text(values: &[Option<&str>]) -> ArrayRef {
    Arc::new(StringArray::from(values.to_vec()))
}

fn num(values: &[Option<f64>]) -> ArrayRef {
    Arc::new(Float64Array::from(values.to_vec()))
}

fn batch(columns: Vec<(&str, ArrayRef)>) -> RecordBatch {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    RecordBatch::try_new(
        Arc::new(Schema::new(fields)),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .expect("valid fixture batch")
}

/// A small valid batch of `table` (the same rows as the integration tests' fixtures).
pub fn valid_batch(table: Table) -> RecordBatch {
    match table {
        Table::Accounts => batch(vec![
            ("account_id", text(&[Some("A1"), Some("A2"), Some("A3")])),
            ("account_name", text(&[Some("Acme"), Some("Globex"), None])),
            (
                "segment",
                text(&[Some("SMB"), Some("Enterprise"), Some("SMB")]),
            ),
            ("plan", text(&[Some("Pro"), None, Some("Basic")])),
            (
                "csm_owner",
                text(&[Some("Dana"), Some("Lee"), Some("Dana")]),
            ),
            ("mrr", num(&[Some(100.0), Some(2500.0), None])),
            ("seats", num(&[Some(10.0), Some(200.0), Some(5.0)])),
            (
                "started_at",
                ts(&[
                    Some(JAN1 - 400 * DAY),
                    Some(JAN1 - 300 * DAY),
                    Some(JAN1 - 10 * DAY),
                ]),
            ),
            (
                "renewal_date",
                ts(&[Some(JAN1 + 330 * DAY), None, Some(JAN1 + 355 * DAY)]),
            ),
            ("churned_at", ts(&[None, Some(JAN1 + 20 * DAY), None])),
        ]),
        Table::Usage => batch(vec![
            (
                "account_id",
                text(&[Some("A1"), Some("A1"), Some("A2"), Some("A3"), Some("A9")]),
            ),
            (
                "ts",
                ts(&[
                    Some(JAN1 + 3_600_000_000),
                    Some(JAN1 + DAY),
                    Some(JAN1 + 2 * DAY),
                    Some(JAN1 + 5 * DAY),
                    Some(JAN1 - 50 * DAY),
                ]),
            ),
            (
                "user_id",
                text(&[Some("u1"), Some("u2"), Some("u9"), None, Some("u1")]),
            ),
            (
                "feature",
                text(&[
                    Some("reports"),
                    Some("api"),
                    Some("reports"),
                    Some("api"),
                    None,
                ]),
            ),
            (
                "quantity",
                num(&[Some(2.0), None, Some(1.0), Some(4.0), Some(-1.0)]),
            ),
        ]),
        Table::Tickets => batch(vec![
            ("ticket_id", text(&[Some("T1"), Some("T2"), Some("T3")])),
            ("account_id", text(&[Some("A1"), Some("A2"), Some("A3")])),
            (
                "opened_at",
                ts(&[Some(JAN1), Some(JAN1 + DAY), Some(JAN1 - 30 * DAY)]),
            ),
            (
                "first_response_at",
                ts(&[Some(JAN1 + 2 * 3_600_000_000), None, Some(JAN1 - 29 * DAY)]),
            ),
            ("resolved_at", ts(&[Some(JAN1 + DAY), None, None])),
            (
                "priority",
                text(&[Some("Urgent"), Some("low"), Some("high")]),
            ),
            (
                "category",
                text(&[Some("Performance"), None, Some("billing")]),
            ),
        ]),
        Table::Surveys => batch(vec![
            ("account_id", text(&[Some("A1"), Some("A2"), Some("A1")])),
            (
                "responded_at",
                ts(&[Some(JAN1 + DAY), Some(JAN1 + 2 * DAY), Some(JAN1 + 3 * DAY)]),
            ),
            ("kind", text(&[Some("nps"), Some("NPS"), Some("csat")])),
            ("score", num(&[Some(9.0), Some(3.0), Some(4.0)])),
            ("scale_max", num(&[Some(10.0), None, Some(5.0)])),
            ("comment", text(&[Some("great"), Some("slow"), None])),
        ]),
    }
}

/// The same batch with every column cast to another type the contract accepts:
/// Int64 ids where ids are numeric-looking, LargeUtf8 / dictionary text, Date32 or
/// nanosecond instants, Int32 numbers. Exercises the readers' cast paths.
pub fn alternate_types(b: &RecordBatch) -> RecordBatch {
    let cols: Vec<(String, ArrayRef)> = b
        .schema()
        .fields()
        .iter()
        .zip(b.columns())
        .enumerate()
        .map(|(k, (f, c))| {
            let name = f.name().clone();
            let out: ArrayRef = match c.data_type() {
                DataType::Utf8 => {
                    let s = c.as_any().downcast_ref::<StringArray>().unwrap();
                    if k % 2 == 0 {
                        let d: DictionaryArray<Int32Type> = s.iter().collect();
                        Arc::new(d)
                    } else {
                        Arc::new(s.iter().collect::<LargeStringArray>())
                    }
                }
                DataType::Timestamp(_, _) => {
                    let t = c
                        .as_any()
                        .downcast_ref::<TimestampMicrosecondArray>()
                        .unwrap();
                    if k % 2 == 0 {
                        Arc::new(
                            t.iter()
                                .map(|v| v.map(|v| (v / DAY) as i32))
                                .collect::<Date32Array>(),
                        )
                    } else {
                        Arc::new(
                            t.iter()
                                .map(|v| v.map(|v| v * 1000))
                                .collect::<TimestampNanosecondArray>(),
                        )
                    }
                }
                DataType::Float64 => {
                    let x = c.as_any().downcast_ref::<Float64Array>().unwrap();
                    if k % 2 == 0 {
                        Arc::new(
                            x.iter()
                                .map(|v| v.map(|v| v as i32))
                                .collect::<Int32Array>(),
                        )
                    } else {
                        Arc::new(
                            x.iter()
                                .map(|v| v.map(|v| v as i64))
                                .collect::<Int64Array>(),
                        )
                    }
                }
                _ => c.clone(),
            };
            (name, out)
        })
        .collect();
    batch(cols.iter().map(|(n, a)| (n.as_str(), a.clone())).collect())
}

/// Writer settings of the seed variants for `schema`: each reaches different
/// decoder code (compressions, page versions, encodings, statistics, bloom filters).
pub fn writer_variants(schema: &Schema) -> Vec<(&'static str, WriterProperties)> {
    let mut delta = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_2_0)
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_dictionary_enabled(false);
    for (k, f) in schema.fields().iter().enumerate() {
        let encoding = match f.data_type() {
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Dictionary(_, _) if k % 2 == 0 => {
                Encoding::DELTA_LENGTH_BYTE_ARRAY
            }
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Dictionary(_, _) => {
                Encoding::DELTA_BYTE_ARRAY
            }
            DataType::Float64 => Encoding::BYTE_STREAM_SPLIT,
            _ => Encoding::DELTA_BINARY_PACKED,
        };
        delta = delta.set_column_encoding(f.name().as_str().into(), encoding);
    }
    vec![
        ("plain", WriterProperties::builder().build()),
        (
            "snappy-nodict-rg2",
            WriterProperties::builder()
                .set_compression(Compression::SNAPPY)
                .set_dictionary_enabled(false)
                .set_max_row_group_size(2)
                .set_statistics_enabled(EnabledStatistics::Page)
                .build(),
        ),
        ("zstd-v2-delta", delta.build()),
        (
            "gzip-nostats",
            WriterProperties::builder()
                .set_compression(Compression::GZIP(GzipLevel::default()))
                .set_statistics_enabled(EnabledStatistics::None)
                .set_data_page_row_count_limit(1)
                .set_write_batch_size(1)
                .build(),
        ),
        (
            "lz4raw-bloom",
            WriterProperties::builder()
                .set_compression(Compression::LZ4_RAW)
                .set_bloom_filter_enabled(true)
                .set_bloom_filter_ndv(4)
                .set_bloom_filter_fpp(0.2)
                .build(),
        ),
    ]
}

/// `batch` written as a Parquet file in memory.
pub fn parquet_bytes(batch: &RecordBatch, props: WriterProperties) -> Vec<u8> {
    let mut out = Vec::new();
    let mut w = ArrowWriter::try_new(&mut out, batch.schema(), Some(props)).expect("writer");
    w.write(batch).expect("write");
    w.close().expect("close");
    out
}

/// One folder per table, each holding valid files of the three other tables.
struct Folders {
    _root: PathBuf,
    dirs: Vec<PathBuf>,
}

fn folders() -> &'static Folders {
    static FOLDERS: OnceLock<Folders> = OnceLock::new();
    FOLDERS.get_or_init(|| {
        remove_stale_folders();
        let root = std::env::temp_dir().join(format!("churn-fuzz-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let mut dirs = Vec::new();
        for fuzzed in Table::ALL {
            let dir = root.join(fuzzed.name());
            std::fs::create_dir_all(&dir).expect("folder");
            for t in Table::ALL.into_iter().filter(|&t| t != fuzzed) {
                let bytes = parquet_bytes(&valid_batch(t), WriterProperties::builder().build());
                std::fs::write(dir.join(format!("{}.parquet", t.name())), bytes).expect("fixture");
            }
            dirs.push(dir);
        }
        Folders { _root: root, dirs }
    })
}

/// A crash ends the process without cleaning up, and fork mode starts a process per
/// job: folders of processes that are gone are removed at start.
fn remove_stale_folders() {
    let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name.strip_prefix("churn-fuzz-") else {
            continue;
        };
        let gone = match pid.parse::<u32>() {
            Ok(pid) => !Path::new(&format!("/proc/{pid}")).exists(),
            Err(_) => true,
        };
        if gone {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
}

/// Once per process: one rayon thread (the machine is shared; one core per fuzzer),
/// and a panic hook that prints without aborting.
///
/// libfuzzer-sys installs a hook that aborts on every panic, before unwinding. The
/// ingest boundary deliberately catches panics of the Parquet decoder and turns them
/// into an error (src/ingest/guard.rs), so an abort in the hook would report each
/// of those as a crash. A panic that unwinds out of the target still aborts the
/// process (it cannot unwind out of libFuzzer's callback), so an uncaught panic
/// remains a finding; this hook prints where it happened (set `CHURN_FUZZ_QUIET`
/// to silence it during long runs, where caught panics are frequent).
pub fn init() {
    let _ = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build_global();
    std::panic::set_hook(Box::new(|info| {
        if std::env::var_os("CHURN_FUZZ_QUIET").is_none() {
            eprintln!("panic (caught by the ingest boundary, or a finding): {info}");
        }
    }));
    folders();
    if let Some(dir) = std::env::var_os("CHURN_FUZZ_WRITE_SEEDS") {
        write_seeds(Path::new(&dir));
        eprintln!("seeds written to {}", Path::new(&dir).display());
        std::process::exit(0);
    }
}

/// Writes the seed corpus: every table in every writer variant, with the contract's
/// usual types and with alternate accepted types, as `[selector][Parquet file]`.
pub fn write_seeds(dir: &Path) {
    std::fs::create_dir_all(dir).expect("corpus folder");
    for (k, table) in Table::ALL.into_iter().enumerate() {
        let plain = valid_batch(table);
        let alt = alternate_types(&plain);
        for (types, batch) in [("std", &plain), ("alt", &alt)] {
            for (variant, props) in writer_variants(&batch.schema()) {
                let mut input = vec![k as u8];
                input.extend(parquet_bytes(batch, props));
                let name = format!("seed-{}-{types}-{variant}", table.name());
                std::fs::write(dir.join(name), &input).expect("seed");
            }
        }
    }
}

/// Reads the folder with `data` as the table picked by `selector`, end to end.
pub fn run(selector: u8, data: &[u8]) {
    let table = table_of(selector);
    let dir = &folders().dirs[Table::ALL.iter().position(|&t| t == table).unwrap()];
    let file = dir.join(format!("{}.parquet", table.name()));
    std::fs::write(&file, data).expect("write fuzzed table");
    exercise(dir);
}

/// Everything `churn validate` and `churn run` do with the input folder before the
/// model: any `Err` is fine, a panic is a finding.
pub fn exercise(dir: &Path) {
    let Ok(data) = churn::ingest::load(dir, NOT_AFTER) else {
        return;
    };
    if data.usage.latest_instant(&data.accounts).is_err() {
        return;
    }
    let rows = data.usage.fold(
        &data.accounts,
        || 0u64,
        |n, b| {
            assert_eq!(b.account.len(), b.ts.len());
            assert_eq!(b.account.len(), b.user.len());
            assert_eq!(b.account.len(), b.feature.len());
            assert_eq!(b.account.len(), b.quantity.len());
            for &a in &b.account {
                assert!((a as usize) < data.accounts.len());
            }
            *n += b.len() as u64;
        },
        &|_| {},
    );
    if rows.is_err() {
        return;
    }
    let as_of = NaiveDate::from_ymd_opt(2026, 1, 20).expect("date");
    let settings = PlanSettings {
        horizon_days: 14,
        snapshot_days: 14,
        history_days: 28,
    };
    let plan = Plan::new(as_of, &settings).expect("valid plan");
    let _ = churn::features::build(&data, &plan, &|_| {});
}

/// Writes a table file from a fuzzer input into a fresh folder beside valid tables
/// (for replaying a finding with the `churn` binary).
pub fn write_case(selector: u8, data: &[u8], dir: &Path) {
    let table = table_of(selector);
    for t in Table::ALL.into_iter().filter(|&t| t != table) {
        let bytes = parquet_bytes(&valid_batch(t), WriterProperties::builder().build());
        std::fs::write(dir.join(format!("{}.parquet", t.name())), bytes).expect("fixture");
    }
    let mut f = File::create(dir.join(format!("{}.parquet", table.name()))).expect("create");
    std::io::Write::write_all(&mut f, data).expect("write");
}

/// Structure-aware mutation of a `[selector][Parquet file]` input.
///
/// Byte-level mutations of a Parquet file almost always break its framing (the
/// leading and trailing `PAR1` magic and the footer length), which the reader checks
/// first, so most mutated inputs never reach the metadata or page decoders. This
/// mutator splits the file into its data pages and its Thrift footer, lets libFuzzer
/// mutate one of them, and re-frames the file: the footer length is rewritten and the
/// pages keep their size, so the column-chunk offsets in the footer stay meaningful.
/// A small share of mutations is left raw (framing included), and some only change
/// which table the file is offered as.
pub mod mutator {
    use libfuzzer_sys::fuzzer_mutate;

    const MAGIC: &[u8; 4] = b"PAR1";

    /// A tiny deterministic generator: libFuzzer hands each mutation a seed.
    struct Rng(u32);

    impl Rng {
        fn next(&mut self) -> u32 {
            // xorshift32; a zero state would stay zero.
            let mut x = self.0.max(1);
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            self.0 = x;
            x
        }

        fn below(&mut self, n: u32) -> u32 {
            self.next() % n.max(1)
        }
    }

    /// Pages and footer of a framed file, if it is framed.
    fn split(file: &[u8]) -> Option<(&[u8], &[u8])> {
        let n = file.len();
        if n < 12 || &file[..4] != MAGIC || &file[n - 4..] != MAGIC {
            return None;
        }
        let len = u32::from_le_bytes(file[n - 8..n - 4].try_into().ok()?) as usize;
        let footer_start = (n - 8).checked_sub(len)?;
        if footer_start < 4 {
            return None;
        }
        Some((&file[4..footer_start], &file[footer_start..n - 8]))
    }

    /// libFuzzer's own mutation of `bytes`, to a result of at most `max` bytes.
    fn mutate_vec(bytes: &mut Vec<u8>, max: usize) {
        let size = bytes.len();
        let cap = max.max(size).max(1);
        bytes.resize(cap, 0);
        let new = fuzzer_mutate(bytes, size, cap);
        bytes.truncate(new);
    }

    pub fn mutate(data: &mut [u8], size: usize, max_size: usize, seed: u32) -> usize {
        let mut rng = Rng(seed);
        if size == 0 {
            return fuzzer_mutate(data, size, max_size);
        }
        let choice = rng.below(100);
        if choice < 5 {
            // Offer the same file as another table.
            data[0] = data[0].wrapping_add(1 + rng.below(3) as u8);
            return size;
        }
        let Some((pages, footer)) = split(&data[1..size]) else {
            return fuzzer_mutate(data, size, max_size);
        };
        if choice < 15 {
            return fuzzer_mutate(data, size, max_size);
        }
        let mut pages = pages.to_vec();
        let mut footer = footer.to_vec();
        // Room left for the part being mutated.
        let fixed = 1 + 4 + 8;
        if choice < 60 {
            let room = max_size.saturating_sub(fixed + pages.len());
            mutate_vec(&mut footer, room);
        } else {
            // Same size, so the footer's offsets still point at the same places.
            let keep = pages.len();
            mutate_vec(&mut pages, keep);
            pages.resize(keep, 0);
        }
        let total = fixed + pages.len() + footer.len();
        if total > max_size {
            return size;
        }
        let mut out = Vec::with_capacity(total);
        out.push(data[0]);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&pages);
        out.extend_from_slice(&footer);
        out.extend_from_slice(&(footer.len() as u32).to_le_bytes());
        out.extend_from_slice(MAGIC);
        data[..total].copy_from_slice(&out);
        total
    }
}
