//! Writing files so that readers never see a half-written one: everything goes to a
//! temporary sibling first, is flushed to disk, then renamed into place.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::OutputError;

pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> OutputError + '_ {
    move |source| OutputError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// A temporary path next to `path`, hidden from globbing readers.
pub fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Parquet writer settings for every output: ZSTD, statistics, bounded row groups.
pub fn writer_properties(metadata: &[(String, String)]) -> WriterProperties {
    WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_size(1 << 20)
        .set_key_value_metadata(Some(
            metadata
                .iter()
                .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
                .collect(),
        ))
        .build()
}

/// Writes one batch as a Parquet file at `path`, atomically.
pub fn write_parquet_atomic(
    path: &Path,
    batch: &RecordBatch,
    metadata: &[(String, String)],
) -> Result<(), OutputError> {
    write_atomic(path, |file| {
        let mut w = ArrowWriter::try_new(file, batch.schema(), Some(writer_properties(metadata)))
            .map_err(|source| OutputError::Parquet {
            path: path.to_path_buf(),
            source,
        })?;
        w.write(batch).map_err(|source| OutputError::Parquet {
            path: path.to_path_buf(),
            source,
        })?;
        w.close().map_err(|source| OutputError::Parquet {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(())
    })
}

/// Writes bytes to `path`, atomically.
pub fn write_bytes_atomic(path: &Path, bytes: &[u8]) -> Result<(), OutputError> {
    write_atomic(path, |file| file.write_all(bytes).map_err(io(path)))
}

fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut File) -> Result<(), OutputError>,
) -> Result<(), OutputError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io(dir))?;
    }
    let tmp = temp_sibling(path);
    let result = (|| {
        let mut file = File::create(&tmp).map_err(io(&tmp))?;
        fill(&mut file)?;
        file.sync_all().map_err(io(&tmp))?;
        std::fs::rename(&tmp, path).map_err(io(path))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
