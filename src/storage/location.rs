//! Where a file or folder is stored.

use std::fmt;
use std::path::{Path, PathBuf};

/// A file or folder in storage, as the user wrote it: today a local path. It is kept
/// as path text so that an object-store location (`s3://bucket/prefix`) can later be
/// held in the same form, joined segment by segment and shown in messages unchanged.
///
/// Locations order segment by segment (`a/b` before `a.b/c`), the order listings use.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location(PathBuf);

impl Location {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Location(path.into())
    }

    pub fn as_path(&self) -> &Path {
        &self.0
    }

    pub fn into_path(self) -> PathBuf {
        self.0
    }

    /// The location `name` inside this folder.
    pub fn join(&self, name: impl AsRef<Path>) -> Location {
        Location(self.0.join(name))
    }

    /// The last segment, if any.
    pub fn name(&self) -> Option<String> {
        self.0.file_name().map(|n| n.to_string_lossy().into_owned())
    }
}

impl From<&Path> for Location {
    fn from(p: &Path) -> Self {
        Location(p.to_path_buf())
    }
}

impl From<PathBuf> for Location {
    fn from(p: PathBuf) -> Self {
        Location(p)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.display().fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_order_segment_by_segment() {
        let mut v = vec![Location::new("d/a.b/c"), Location::new("d/a/b")];
        v.sort();
        assert_eq!(v, vec![Location::new("d/a/b"), Location::new("d/a.b/c")]);
    }

    #[test]
    fn joins_and_names_follow_the_path() {
        let l = Location::new("out").join("run_date=2026-11-01");
        assert_eq!(l.as_path(), Path::new("out/run_date=2026-11-01"));
        assert_eq!(l.name().as_deref(), Some("run_date=2026-11-01"));
        assert_eq!(l.to_string(), "out/run_date=2026-11-01");
    }
}
