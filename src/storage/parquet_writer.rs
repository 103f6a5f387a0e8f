//! Writing an output as a Parquet file through storage.

use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;

use super::{for_location, Location, OutputError};

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

/// Writes one batch as a Parquet file at `loc`, atomically. The file is encoded in
/// memory and put whole (outputs are megabytes), which an object store takes as one
/// upload.
pub fn write_parquet(
    loc: &Location,
    batch: &RecordBatch,
    metadata: &[(String, String)],
) -> Result<(), OutputError> {
    let parquet = |source| OutputError::Parquet {
        path: loc.as_path().to_path_buf(),
        source,
    };
    let mut bytes = Vec::new();
    let mut w = ArrowWriter::try_new(
        &mut bytes,
        batch.schema(),
        Some(writer_properties(metadata)),
    )
    .map_err(parquet)?;
    w.write(batch).map_err(parquet)?;
    w.close().map_err(parquet)?;
    for_location(loc).put(loc, &bytes)?;
    Ok(())
}
