//! Parquet output: the schema of each table, writer settings, and row buffers that
//! turn simulated records into bounded RecordBatches.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{
    ArrayBuilder, ArrayRef, Date32Builder, Float64Builder, Int32Builder, RecordBatch,
    StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, Encoding, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::schema::types::ColumnPath;

use super::names::{self, CATEGORIES, CSM_OWNERS, PLANS, PRIORITIES, SEGMENTS};
use super::simulate::{AccountRecord, Survey, SurveyKind, Ticket, TruthMonth};
use super::GenerateError;

/// Rows buffered before a RecordBatch is handed to the writer.
pub const BATCH_ROWS: usize = 65_536;
/// Rows per Parquet row group ("about 1M rows").
pub const ROW_GROUP_ROWS: usize = 1_000_000;

fn ts_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn ts_builder(capacity: usize) -> TimestampMicrosecondBuilder {
    TimestampMicrosecondBuilder::with_capacity(capacity).with_timezone("UTC")
}

pub fn accounts_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, false),
        Field::new("account_name", DataType::Utf8, false),
        Field::new("segment", DataType::Utf8, false),
        Field::new("plan", DataType::Utf8, false),
        Field::new("csm_owner", DataType::Utf8, false),
        Field::new("mrr", DataType::Float64, false),
        Field::new("seats", DataType::Int32, false),
        Field::new("started_at", ts_type(), false),
        Field::new("renewal_date", DataType::Date32, false),
        Field::new("churned_at", ts_type(), true),
    ]))
}

pub fn usage_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, false),
        Field::new("ts", ts_type(), false),
        Field::new("user_id", DataType::Utf8, false),
        Field::new("feature", DataType::Utf8, false),
        Field::new("quantity", DataType::Int32, false),
    ]))
}

pub fn tickets_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("ticket_id", DataType::Utf8, false),
        Field::new("account_id", DataType::Utf8, false),
        Field::new("opened_at", ts_type(), false),
        Field::new("first_response_at", ts_type(), true),
        Field::new("resolved_at", ts_type(), true),
        Field::new("priority", DataType::Utf8, false),
        Field::new("category", DataType::Utf8, false),
    ]))
}

pub fn surveys_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, false),
        Field::new("responded_at", ts_type(), false),
        Field::new("kind", DataType::Utf8, false),
        Field::new("score", DataType::Int32, false),
        Field::new("scale_max", DataType::Int32, false),
        Field::new("comment", DataType::Utf8, true),
    ]))
}

pub fn truth_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("account_id", DataType::Utf8, false),
        Field::new("month_start", DataType::Date32, false),
        Field::new("health", DataType::Float64, false),
        Field::new("monthly_hazard", DataType::Float64, false),
    ]))
}

/// ZSTD, dictionary encoding (the default) for text and numbers, delta encoding for
/// timestamps (a dictionary of near-unique instants only costs time before it is
/// abandoned, while sorted instants delta-encode to about half their size), ~1M-row
/// groups, and the generator's settings as key-value metadata. Nothing
/// time-dependent, so output is reproducible.
pub fn writer_properties(schema: &Schema, metadata: &[(String, String)]) -> WriterProperties {
    let kv = metadata
        .iter()
        .map(|(k, v)| KeyValue::new(k.clone(), v.clone()))
        .collect();
    let mut builder = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_size(ROW_GROUP_ROWS)
        .set_key_value_metadata(Some(kv));
    for field in schema.fields() {
        if matches!(field.data_type(), DataType::Timestamp(..)) {
            let column = ColumnPath::from(field.name().as_str());
            builder = builder
                .set_column_dictionary_enabled(column.clone(), false)
                .set_column_encoding(column, Encoding::DELTA_BINARY_PACKED);
        }
    }
    builder.build()
}

/// Buffered rows of one table.
pub trait Rows {
    fn len(&self) -> usize;
    fn finish(&mut self) -> Vec<ArrayRef>;
}

/// A Parquet file being written batch by batch.
pub struct ParquetTable<R: Rows> {
    path: PathBuf,
    schema: SchemaRef,
    writer: ArrowWriter<File>,
    pub rows: R,
    written: u64,
}

impl<R: Rows> ParquetTable<R> {
    pub fn create(
        path: &Path,
        schema: SchemaRef,
        metadata: &[(String, String)],
        rows: R,
    ) -> Result<Self, GenerateError> {
        let props = writer_properties(&schema, metadata);
        let file = File::create(path).map_err(|e| GenerateError::io(path, e))?;
        let writer = ArrowWriter::try_new(file, schema.clone(), Some(props))
            .map_err(|e| GenerateError::parquet(path, e))?;
        Ok(ParquetTable {
            path: path.to_path_buf(),
            schema,
            writer,
            rows,
            written: 0,
        })
    }

    /// Writes the buffered rows once a full batch has accumulated.
    pub fn flush_if_full(&mut self) -> Result<(), GenerateError> {
        if self.rows.len() >= BATCH_ROWS {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), GenerateError> {
        let n = self.rows.len();
        if n == 0 {
            return Ok(());
        }
        let batch = RecordBatch::try_new(self.schema.clone(), self.rows.finish())
            .map_err(|e| GenerateError::arrow(&self.path, e))?;
        self.writer
            .write(&batch)
            .map_err(|e| GenerateError::parquet(&self.path, e))?;
        self.written += n as u64;
        Ok(())
    }

    /// Writes what is left and the footer; returns the number of rows written.
    pub fn close(mut self) -> Result<u64, GenerateError> {
        self.flush()?;
        self.writer
            .close()
            .map_err(|e| GenerateError::parquet(&self.path, e))?;
        Ok(self.written)
    }
}

/// "A000123": the account's index plus one, at least six digits.
pub fn account_id(out: &mut String, index: u32) {
    use std::fmt::Write;
    out.clear();
    let _ = write!(out, "A{:06}", index as u64 + 1);
}

pub struct AccountRows {
    id: String,
    name: String,
    account_id: StringBuilder,
    account_name: StringBuilder,
    segment: StringBuilder,
    plan: StringBuilder,
    csm_owner: StringBuilder,
    mrr: Float64Builder,
    seats: Int32Builder,
    started_at: TimestampMicrosecondBuilder,
    renewal_date: Date32Builder,
    churned_at: TimestampMicrosecondBuilder,
}

impl AccountRows {
    pub fn new() -> Self {
        AccountRows {
            id: String::new(),
            name: String::new(),
            account_id: StringBuilder::new(),
            account_name: StringBuilder::new(),
            segment: StringBuilder::new(),
            plan: StringBuilder::new(),
            csm_owner: StringBuilder::new(),
            mrr: Float64Builder::new(),
            seats: Int32Builder::new(),
            started_at: ts_builder(0),
            renewal_date: Date32Builder::new(),
            churned_at: ts_builder(0),
        }
    }

    pub fn push(&mut self, a: &AccountRecord) {
        account_id(&mut self.id, a.index);
        names::company_name(&mut self.name, a.name[0], a.name[1], a.name[2], a.name[3]);
        self.account_id.append_value(&self.id);
        self.account_name.append_value(&self.name);
        self.segment.append_value(SEGMENTS[a.segment as usize]);
        self.plan.append_value(PLANS[a.plan as usize]);
        let owners = CSM_OWNERS[a.segment as usize];
        self.csm_owner
            .append_value(owners[a.owner as usize % owners.len()]);
        self.mrr.append_value(a.mrr);
        self.seats.append_value(a.seats.min(i32::MAX as u32) as i32);
        self.started_at.append_value(a.started_at);
        self.renewal_date.append_value(a.renewal_date);
        self.churned_at.append_option(a.churned_at);
    }
}

impl Rows for AccountRows {
    fn len(&self) -> usize {
        self.account_id.len()
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.account_id.finish()),
            Arc::new(self.account_name.finish()),
            Arc::new(self.segment.finish()),
            Arc::new(self.plan.finish()),
            Arc::new(self.csm_owner.finish()),
            Arc::new(self.mrr.finish()),
            Arc::new(self.seats.finish()),
            Arc::new(self.started_at.finish()),
            Arc::new(self.renewal_date.finish()),
            Arc::new(self.churned_at.finish()),
        ]
    }
}

pub struct TicketRows {
    id: String,
    /// Tickets numbered in file order: T0000001, T0000002, ...
    next_ticket: u64,
    ticket_id: StringBuilder,
    account_id: StringBuilder,
    opened_at: TimestampMicrosecondBuilder,
    first_response_at: TimestampMicrosecondBuilder,
    resolved_at: TimestampMicrosecondBuilder,
    priority: StringBuilder,
    category: StringBuilder,
}

impl TicketRows {
    pub fn new() -> Self {
        TicketRows {
            id: String::new(),
            next_ticket: 1,
            ticket_id: StringBuilder::new(),
            account_id: StringBuilder::new(),
            opened_at: ts_builder(0),
            first_response_at: ts_builder(0),
            resolved_at: ts_builder(0),
            priority: StringBuilder::new(),
            category: StringBuilder::new(),
        }
    }

    pub fn push(&mut self, t: &Ticket) {
        use std::fmt::Write;
        self.id.clear();
        let _ = write!(self.id, "T{:07}", self.next_ticket);
        self.next_ticket += 1;
        self.ticket_id.append_value(&self.id);
        account_id(&mut self.id, t.account);
        self.account_id.append_value(&self.id);
        self.opened_at.append_value(t.opened_at);
        self.first_response_at.append_option(t.first_response_at);
        self.resolved_at.append_option(t.resolved_at);
        self.priority.append_value(PRIORITIES[t.priority as usize]);
        self.category
            .append_value(CATEGORIES[t.category as usize].0);
    }
}

impl Rows for TicketRows {
    fn len(&self) -> usize {
        self.ticket_id.len()
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.ticket_id.finish()),
            Arc::new(self.account_id.finish()),
            Arc::new(self.opened_at.finish()),
            Arc::new(self.first_response_at.finish()),
            Arc::new(self.resolved_at.finish()),
            Arc::new(self.priority.finish()),
            Arc::new(self.category.finish()),
        ]
    }
}

pub struct SurveyRows {
    id: String,
    account_id: StringBuilder,
    responded_at: TimestampMicrosecondBuilder,
    kind: StringBuilder,
    score: Int32Builder,
    scale_max: Int32Builder,
    comment: StringBuilder,
}

impl SurveyRows {
    pub fn new() -> Self {
        SurveyRows {
            id: String::new(),
            account_id: StringBuilder::new(),
            responded_at: ts_builder(0),
            kind: StringBuilder::new(),
            score: Int32Builder::new(),
            scale_max: Int32Builder::new(),
            comment: StringBuilder::new(),
        }
    }

    pub fn push(&mut self, s: &Survey) {
        account_id(&mut self.id, s.account);
        self.account_id.append_value(&self.id);
        self.responded_at.append_value(s.responded_at);
        let (kind, scale_max) = match s.kind {
            SurveyKind::Nps => ("nps", 10),
            SurveyKind::Csat => ("csat", 5),
        };
        self.kind.append_value(kind);
        self.score.append_value(s.score as i32);
        self.scale_max.append_value(scale_max);
        self.comment.append_option(s.comment.map(|c| c.text()));
    }
}

impl Rows for SurveyRows {
    fn len(&self) -> usize {
        self.account_id.len()
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.account_id.finish()),
            Arc::new(self.responded_at.finish()),
            Arc::new(self.kind.finish()),
            Arc::new(self.score.finish()),
            Arc::new(self.scale_max.finish()),
            Arc::new(self.comment.finish()),
        ]
    }
}

pub struct TruthRows {
    id: String,
    account_id: StringBuilder,
    month_start: Date32Builder,
    health: Float64Builder,
    monthly_hazard: Float64Builder,
}

impl TruthRows {
    pub fn new() -> Self {
        TruthRows {
            id: String::new(),
            account_id: StringBuilder::new(),
            month_start: Date32Builder::new(),
            health: Float64Builder::new(),
            monthly_hazard: Float64Builder::new(),
        }
    }

    pub fn push(&mut self, t: &TruthMonth) {
        account_id(&mut self.id, t.account);
        self.account_id.append_value(&self.id);
        self.month_start.append_value(t.month_start);
        self.health.append_value(t.health);
        self.monthly_hazard.append_value(t.hazard);
    }
}

impl Rows for TruthRows {
    fn len(&self) -> usize {
        self.account_id.len()
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        vec![
            Arc::new(self.account_id.finish()),
            Arc::new(self.month_start.finish()),
            Arc::new(self.health.finish()),
            Arc::new(self.monthly_hazard.finish()),
        ]
    }
}

/// Usage rows; filled by `usage::UsageStream` in its hot loop.
pub struct UsageRows {
    pub account_id: StringBuilder,
    pub ts: Vec<i64>,
    pub user_id: StringBuilder,
    pub feature: StringBuilder,
    pub quantity: Vec<i32>,
}

impl UsageRows {
    pub fn new() -> Self {
        UsageRows {
            account_id: StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 8),
            ts: Vec::with_capacity(BATCH_ROWS),
            user_id: StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 12),
            feature: StringBuilder::with_capacity(BATCH_ROWS, BATCH_ROWS * 10),
            quantity: Vec::with_capacity(BATCH_ROWS),
        }
    }
}

impl Rows for UsageRows {
    fn len(&self) -> usize {
        self.ts.len()
    }

    fn finish(&mut self) -> Vec<ArrayRef> {
        use arrow::array::{Int32Array, TimestampMicrosecondArray};
        let ts = std::mem::replace(&mut self.ts, Vec::with_capacity(BATCH_ROWS));
        let quantity = std::mem::replace(&mut self.quantity, Vec::with_capacity(BATCH_ROWS));
        vec![
            Arc::new(self.account_id.finish()),
            Arc::new(TimestampMicrosecondArray::from(ts).with_timezone("UTC")),
            Arc::new(self.user_id.finish()),
            Arc::new(self.feature.finish()),
            Arc::new(Int32Array::from(quantity)),
        ]
    }
}
