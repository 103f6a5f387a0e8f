//! Random access to one stored file, in the shape the Parquet reader takes.

use std::io::{self, Read};

use bytes::Bytes;
use parquet::errors::ParquetError;
use parquet::file::reader::{ChunkReader, Length};

/// What a backend provides for an opened file: its length, byte ranges (a Parquet
/// footer, a column chunk) and a sequential read from any offset (page headers, CSV).
///
/// Readers of one open file may share a cursor (local files do, like
/// `File::try_clone`), so concurrent tasks each open their own.
#[allow(clippy::len_without_is_empty)] // as Parquet's `Length`: a file's size, not a collection
pub trait ReadAt: Send + Sync {
    fn len(&self) -> u64;

    /// A reader of the file from byte `start` to its end.
    fn read_from(&self, start: u64) -> io::Result<Box<dyn Read + Send>>;

    /// Up to `length` bytes from `start`: fewer only at the end of the file.
    fn read_range(&self, start: u64, length: usize) -> io::Result<Bytes>;
}

/// An opened file, whatever the backend: a Parquet [`ChunkReader`], so the Parquet
/// reader can decode footers and row groups straight from storage.
pub struct Reader(Box<dyn ReadAt>);

impl Reader {
    pub fn new(inner: impl ReadAt + 'static) -> Self {
        Reader(Box::new(inner))
    }

    pub fn len(&self) -> u64 {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn read_from(&self, start: u64) -> io::Result<Box<dyn Read + Send>> {
        self.0.read_from(start)
    }

    pub fn read_range(&self, start: u64, length: usize) -> io::Result<Bytes> {
        self.0.read_range(start, length)
    }
}

impl Length for Reader {
    fn len(&self) -> u64 {
        self.0.len()
    }
}

/// Errors as the Parquet reader's own `File` support reports them, so that messages
/// about corrupt or truncated inputs read the same whatever the storage.
impl ChunkReader for Reader {
    type T = Box<dyn Read + Send>;

    fn get_read(&self, start: u64) -> parquet::errors::Result<Self::T> {
        Ok(self.0.read_from(start)?)
    }

    fn get_bytes(&self, start: u64, length: usize) -> parquet::errors::Result<Bytes> {
        let bytes = self.0.read_range(start, length)?;
        if bytes.len() != length {
            return Err(ParquetError::EOF(format!(
                "Expected to read {} bytes, read only {}",
                length,
                bytes.len()
            )));
        }
        Ok(bytes)
    }
}
