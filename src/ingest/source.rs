//! Finding a table's Parquet files, checking each file's schema against the contract,
//! and reading it one row group at a time (the unit of parallel work). Files are
//! found and read through storage.

use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::Array;
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;

use super::guard::decoding;
use super::IngestError;
use crate::contract::{Kind, Table};
use crate::storage::{Entry, Location, Storage, StorageError};

/// Rows per decoded batch: large enough to amortise per-batch work, small enough
/// that a batch of usage stays a few MB.
pub const BATCH_ROWS: usize = 64 * 1024;

/// One Parquet file of a table, its schema checked and its projection fixed.
pub struct SourceFile {
    pub path: PathBuf,
    metadata: ArrowReaderMetadata,
    projection: ProjectionMask,
    /// Contract columns this file has.
    columns: Vec<&'static str>,
    /// First row (0-based, within the file) and row count of each row group.
    row_groups: Vec<(u64, u64)>,
}

/// A unit of parallel reading: one row group of one file.
#[derive(Debug, Clone, Copy)]
pub struct Chunk {
    pub file: usize,
    pub row_group: usize,
    /// 0-based index of the row group's first row within its file.
    pub first_row: u64,
    pub rows: u64,
}

/// All files of one table.
pub struct TableSource {
    pub table: Table,
    pub files: Vec<SourceFile>,
    store: Arc<dyn Storage>,
}

/// A storage failure while reading inputs: a problem of the machine, not the data.
fn io(e: StorageError) -> IngestError {
    IngestError::Io {
        path: e.location.into_path(),
        source: e.source,
    }
}

impl TableSource {
    /// Finds and opens the table in `dir` of `store`, checking every file against the
    /// contract. `dictionary_text` asks the reader to keep Utf8 columns
    /// dictionary-encoded (no per-row string copies), for the large usage table.
    pub fn open(
        store: &Arc<dyn Storage>,
        dir: &Location,
        table: Table,
        dictionary_text: bool,
    ) -> Result<Self, IngestError> {
        let found = discover(store.as_ref(), dir, table)?;
        let files = found
            .into_iter()
            .map(|loc| SourceFile::open(store.as_ref(), loc, table, dictionary_text))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TableSource {
            table,
            files,
            store: store.clone(),
        })
    }

    pub fn rows(&self) -> u64 {
        self.files
            .iter()
            .flat_map(|f| f.row_groups.iter().map(|r| r.1))
            .sum()
    }

    /// Every row group of every file, in file then row-group order.
    pub fn chunks(&self) -> Vec<Chunk> {
        let mut out = Vec::new();
        for (fi, f) in self.files.iter().enumerate() {
            for (rg, &(first_row, rows)) in f.row_groups.iter().enumerate() {
                out.push(Chunk {
                    file: fi,
                    row_group: rg,
                    first_row,
                    rows,
                });
            }
        }
        out
    }

    /// Decodes one chunk, calling `each` with every batch and the 0-based file row of
    /// its first row. Opens its own reader, so chunks can be read concurrently.
    pub fn read_chunk(
        &self,
        chunk: Chunk,
        mut each: impl FnMut(&RecordBatch, u64) -> Result<(), IngestError>,
    ) -> Result<(), IngestError> {
        let f = &self.files[chunk.file];
        let read_err = |reason: String| IngestError::Read {
            table: self.table,
            file: f.path.clone(),
            row_group: chunk.row_group,
            reason,
        };
        let handle = self
            .store
            .open(&Location::from(f.path.as_path()))
            .map_err(io)?;
        // Building the reader reads the row group's pages; each `next` decodes them.
        // Both can panic on a corrupt file: see `guard`.
        let mut reader = decoding(|| {
            ParquetRecordBatchReaderBuilder::new_with_metadata(handle, f.metadata.clone())
                .with_projection(f.projection.clone())
                .with_row_groups(vec![chunk.row_group])
                .with_batch_size(BATCH_ROWS)
                .build()
        })
        .map_err(read_err)?
        .map_err(|e| read_err(e.to_string()))?;
        let mut row = chunk.first_row;
        while let Some(batch) = decoding(|| reader.next()).map_err(read_err)? {
            let batch = batch.map_err(|e| read_err(e.to_string()))?;
            each(&batch, row)?;
            row += batch.num_rows() as u64;
        }
        if row - chunk.first_row != chunk.rows {
            return Err(read_err(format!(
                "expected {} rows, decoded {}",
                chunk.rows,
                row - chunk.first_row
            )));
        }
        Ok(())
    }
}

impl SourceFile {
    /// Largest value of instant column `name` according to the row-group statistics,
    /// or `None` when any row group lacks them (then only a scan can tell).
    pub fn max_instant_from_statistics(&self, name: &str) -> Option<i64> {
        use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
        let schema = self.metadata.schema();
        // Statistics are decoded from the footer's bytes; if the decoder panics on
        // them (see `guard`), they are treated as missing and a scan decides.
        let maxes = decoding(|| {
            let conv =
                StatisticsConverter::try_new(name, schema, self.metadata.parquet_schema()).ok()?;
            conv.row_group_maxes(self.metadata.metadata().row_groups().iter())
                .ok()
        })
        .ok()??;
        if maxes.null_count() > 0 {
            return None;
        }
        let us = super::columns::instants(&maxes).ok()?;
        us.values().iter().copied().max()
    }

    /// The earliest instant of column `name` by the footer's statistics, if every row
    /// group has them.
    pub fn min_instant_from_statistics(&self, name: &str) -> Option<i64> {
        use parquet::arrow::arrow_reader::statistics::StatisticsConverter;
        let schema = self.metadata.schema();
        let mins = decoding(|| {
            let conv =
                StatisticsConverter::try_new(name, schema, self.metadata.parquet_schema()).ok()?;
            conv.row_group_mins(self.metadata.metadata().row_groups().iter())
                .ok()
        })
        .ok()??;
        if mins.null_count() > 0 {
            return None;
        }
        let us = super::columns::instants(&mins).ok()?;
        us.values().iter().copied().min()
    }

    pub fn rows(&self) -> u64 {
        self.row_groups.iter().map(|r| r.1).sum()
    }

    pub fn has_column(&self, name: &str) -> bool {
        self.columns.contains(&name)
    }

    fn open(
        store: &dyn Storage,
        loc: Location,
        table: Table,
        dictionary_text: bool,
    ) -> Result<Self, IngestError> {
        let handle = store.open(&loc).map_err(io)?;
        let path = loc.into_path();
        let not_parquet = |reason: String| IngestError::NotParquet {
            table,
            file: path.clone(),
            reason,
        };
        // Parses the footer and converts its schema (including the Arrow schema that
        // writers embed in it): can panic on a corrupt file, see `guard`.
        let metadata = decoding(|| ArrowReaderMetadata::load(&handle, ArrowReaderOptions::new()))
            .map_err(not_parquet)?
            .map_err(|e| not_parquet(e.to_string()))?;
        let schema = metadata.schema().clone();

        let mut roots = Vec::new();
        let mut columns = Vec::new();
        for col in table.columns() {
            let found = schema.fields().iter().position(|f| f.name() == col.name);
            match found {
                None if col.required => {
                    return Err(IngestError::MissingColumn {
                        table,
                        file: path,
                        column: col.name,
                    })
                }
                None => {}
                Some(i) => {
                    let dt = schema.field(i).data_type();
                    if !col.kind.accepts(dt) {
                        return Err(IngestError::WrongType {
                            table,
                            file: path,
                            column: col.name,
                            expected: col.kind.expected(),
                            found: dt.to_string(),
                        });
                    }
                    roots.push(i);
                    columns.push(col.name);
                }
            }
        }

        let metadata = if dictionary_text {
            let hinted = dictionary_hint(&schema, &roots, table);
            if hinted != *schema {
                // Fall back to plain strings if the reader cannot honour the hint.
                decoding(|| {
                    ArrowReaderMetadata::try_new(
                        metadata.metadata().clone(),
                        ArrowReaderOptions::new().with_schema(Arc::new(hinted)),
                    )
                })
                .map_err(not_parquet)?
                .unwrap_or(metadata)
            } else {
                metadata
            }
        } else {
            metadata
        };

        let projection = ProjectionMask::roots(metadata.parquet_schema(), roots);
        let mut row_groups = Vec::new();
        let mut first = 0u64;
        for rg in metadata.metadata().row_groups() {
            let rows = u64::try_from(rg.num_rows())
                .map_err(|_| not_parquet("negative row count".into()))?;
            row_groups.push((first, rows));
            first += rows;
        }
        Ok(SourceFile {
            path,
            metadata,
            projection,
            columns,
            row_groups,
        })
    }
}

/// The file's schema with its projected Utf8 id/text columns asked for as
/// Dictionary(Int32, Utf8), which Parquet's dictionary pages decode into directly.
fn dictionary_hint(schema: &Schema, roots: &[usize], table: Table) -> Schema {
    let fields: Vec<Arc<Field>> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let textual = table
                .columns()
                .iter()
                .any(|c| c.name == f.name() && matches!(c.kind, Kind::Id | Kind::Text));
            if roots.contains(&i) && textual && f.data_type() == &DataType::Utf8 {
                let dt = DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
                Arc::new(f.as_ref().clone().with_data_type(dt))
            } else {
                f.clone()
            }
        })
        .collect();
    Schema::new_with_metadata(fields, schema.metadata().clone())
}

/// The table's files: `dir/NAME.parquet`, or every `.parquet` file under `dir/NAME/`
/// (Hive-style `key=value/` folders included), sorted by path so the order is stable.
/// Hidden and underscore-prefixed entries (`_SUCCESS`, `.crc`) are skipped, as Spark
/// and Hive writers expect.
pub fn discover(
    store: &dyn Storage,
    dir: &Location,
    table: Table,
) -> Result<Vec<Location>, IngestError> {
    let is = |loc: &Location, kind: Entry| Ok(store.entry(loc).map_err(io)? == kind);
    if !is(dir, Entry::Folder)? {
        return Err(IngestError::NoInputDir {
            dir: dir.as_path().to_path_buf(),
        });
    }
    let file = dir.join(format!("{}.parquet", table.name()));
    let folder = dir.join(table.name());
    match (is(&file, Entry::File)?, is(&folder, Entry::Folder)?) {
        (true, true) => Err(IngestError::AmbiguousTable {
            table,
            file: file.into_path(),
            folder: folder.into_path(),
        }),
        (true, false) => Ok(vec![file]),
        (false, true) => {
            let visible = |name: &str| !(name.starts_with('.') || name.starts_with('_'));
            let files: Vec<Location> = store
                .list_files(&folder, &visible)
                .map_err(io)?
                .into_iter()
                .filter(|f| f.name().is_some_and(|n| n.ends_with(".parquet")))
                .collect();
            if files.is_empty() {
                return Err(IngestError::EmptyFolder {
                    table,
                    dir: folder.into_path(),
                });
            }
            Ok(files)
        }
        (false, false) => Err(IngestError::MissingTable {
            table,
            dir: dir.as_path().to_path_buf(),
        }),
    }
}
