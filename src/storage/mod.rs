//! Where inputs are read from and outputs written to: one small synchronous interface,
//! [`Storage`], and the local file system as its implementation.
//!
//! The operations are those the job needs, expressed so that an object store (which
//! has no folders and no rename) can provide them too: list the files under a
//! prefix, open a file for ranged reads, put a whole file, take an exclusive lock,
//! and publish a folder whose files appear together. An asynchronous backend drives
//! its own runtime behind these calls; rayon tasks call them directly.
//!
//! Nothing here knows the data contract or the run folder's layout: which names to
//! skip when listing, and what the folders are called, are the callers' business.

mod error;
mod local;
mod location;
mod parquet_writer;
mod reader;

use std::sync::Arc;

pub use error::{OutputError, StorageError};
pub use local::LocalFs;
pub use location::Location;
pub use parquet_writer::{write_parquet, writer_properties};
pub use reader::{ReadAt, Reader};

/// What is at a location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry {
    File,
    /// A folder (an object store: a prefix with objects under it).
    Folder,
    Missing,
}

/// Reading and writing files and folders. Object-safe and shareable across threads.
pub trait Storage: Send + Sync {
    /// What is at `loc`. An error means storage could not tell; the local file system
    /// counts an entry it cannot inspect as missing, as `Path::is_file` does.
    fn entry(&self, loc: &Location) -> Result<Entry, StorageError>;

    /// Every file below the folder `prefix`, at any depth (Hive-style `key=value/`
    /// folders included), sorted segment by segment. `keep` is asked about the name
    /// of every file and folder below `prefix`: refused files are left out and
    /// refused folders are not looked into.
    fn list_files(
        &self,
        prefix: &Location,
        keep: &dyn Fn(&str) -> bool,
    ) -> Result<Vec<Location>, StorageError>;

    /// The size of the file at `loc`, in bytes.
    fn size(&self, loc: &Location) -> Result<u64, StorageError>;

    /// Opens the file at `loc` for reading (a folder is not a file). One reader per
    /// concurrent task: readers of one file may share a cursor.
    fn open(&self, loc: &Location) -> Result<Reader, StorageError>;

    /// Writes `bytes` as the whole file at `loc`, replacing any earlier one: readers
    /// see the old file or the new one, never part of one.
    fn put(&self, loc: &Location, bytes: &[u8]) -> Result<(), StorageError>;

    /// Takes the exclusive lock `loc`, held until the returned [`Lock`] is dropped;
    /// `None` when another process holds it. Local: an operating-system lock on the
    /// file, which also ends when the process dies; an object store: an object put
    /// only if absent, and deleted on release.
    fn lock(&self, loc: &Location) -> Result<Option<Lock>, StorageError>;

    /// Finishes or undoes what killed processes left of publishing folders whose
    /// names start with `prefix` in `parent`: an earlier folder set aside and not
    /// replaced is put back, staged files are removed. Other names are untouched.
    fn recover_folders(&self, parent: &Location, prefix: &str) -> Result<(), StorageError>;

    /// Starts the folder `parent/name`. Files put under the stage's
    /// [`location`](StagedFolder::location) appear at the final location together, on
    /// [`commit`](StagedFolder::commit), replacing any earlier folder of that name;
    /// dropping the stage uncommitted discards them.
    fn stage_folder(
        &self,
        parent: &Location,
        name: &str,
    ) -> Result<Box<dyn StagedFolder>, StorageError>;
}

/// A folder being written, invisible until committed.
pub trait StagedFolder: Send + Sync {
    /// Where to put the folder's files until `commit`.
    fn location(&self) -> &Location;

    /// Where the folder appears on `commit`.
    fn target(&self) -> &Location;

    /// Publishes the staged files together at [`target`](Self::target), replacing an
    /// earlier folder there; returns the target.
    fn commit(self: Box<Self>) -> Result<Location, StorageError>;
}

/// An exclusive lock taken with [`Storage::lock`]; released when dropped.
pub struct Lock {
    _held: Box<dyn Send + Sync>,
}

impl Lock {
    /// A lock held for as long as `held` lives.
    pub fn new(held: impl Send + Sync + 'static) -> Self {
        Lock {
            _held: Box::new(held),
        }
    }
}

/// The storage holding `loc`. Every location is on the local file system for now;
/// an object-store backend will be chosen here by the location's scheme.
pub fn for_location(_loc: &Location) -> Arc<dyn Storage> {
    Arc::new(LocalFs)
}
