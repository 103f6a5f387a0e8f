//! A local file opened for reading.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use bytes::Bytes;

use super::at;
use crate::storage::{ReadAt, StorageError};

/// An open file and its length. Reads do what Parquet's `ChunkReader` for `File`
/// does (a cloned handle per read, sharing the file's cursor), so the scan costs the
/// same through storage as on a bare `File`.
pub(super) struct LocalFile {
    file: File,
    len: u64,
}

impl LocalFile {
    pub(super) fn open(path: &Path) -> Result<LocalFile, StorageError> {
        let file = File::open(path).map_err(at(path))?;
        let meta = file.metadata().map_err(at(path))?;
        if meta.is_dir() {
            return Err(StorageError::new(
                path,
                io::Error::other("it is a folder, not a file"),
            ));
        }
        Ok(LocalFile {
            file,
            len: meta.len(),
        })
    }
}

impl ReadAt for LocalFile {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_from(&self, start: u64) -> io::Result<Box<dyn Read + Send>> {
        let mut reader = self.file.try_clone()?;
        reader.seek(SeekFrom::Start(start))?;
        Ok(Box::new(io::BufReader::new(reader)))
    }

    fn read_range(&self, start: u64, length: usize) -> io::Result<Bytes> {
        let mut buffer = Vec::with_capacity(length);
        let mut reader = self.file.try_clone()?;
        reader.seek(SeekFrom::Start(start))?;
        reader.take(length as u64).read_to_end(&mut buffer)?;
        Ok(buffer.into())
    }
}
