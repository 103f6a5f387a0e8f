use std::fs;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Int64Array, StringArray};
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::file::reader::ChunkReader;

use super::LocalFs;
use crate::storage::{Entry, Location, Storage};

fn loc(p: &Path) -> Location {
    Location::from(p)
}

/// Names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn put_replaces_a_file_whole_and_leaves_no_temporary_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sub/a.txt");
    LocalFs.put(&loc(&file), b"first").unwrap();
    LocalFs.put(&loc(&file), b"second").unwrap();
    assert_eq!(fs::read(&file).unwrap(), b"second");
    assert_eq!(names(&dir.path().join("sub")), ["a.txt"]);
}

#[test]
fn a_failed_put_leaves_no_partial_file() {
    let dir = tempfile::tempdir().unwrap();
    // The target is a folder that is not empty: the final rename fails.
    let target = dir.path().join("taken");
    fs::create_dir(&target).unwrap();
    fs::write(target.join("inside"), "x").unwrap();
    let e = LocalFs.put(&loc(&target), b"new bytes").unwrap_err();
    assert_eq!(e.location.as_path(), target);
    assert_eq!(names(dir.path()), ["taken"], "no temporary sibling is left");
    assert_eq!(names(&target), ["inside"]);
}

#[test]
fn a_held_lock_is_refused_until_released() {
    let dir = tempfile::tempdir().unwrap();
    let lock = loc(&dir.path().join("out/.lock"));
    let held = LocalFs.lock(&lock).unwrap().expect("first lock");
    assert!(
        LocalFs.lock(&lock).unwrap().is_none(),
        "second lock granted"
    );
    drop(held);
    assert!(LocalFs.lock(&lock).unwrap().is_some(), "lock not released");
}

#[test]
fn a_published_folder_appears_on_commit_and_replaces_the_earlier_one() {
    let dir = tempfile::tempdir().unwrap();
    let parent = loc(dir.path());
    fs::create_dir(dir.path().join("other")).unwrap();

    let stage = LocalFs.stage_folder(&parent, "run").unwrap();
    LocalFs
        .put(&stage.location().join("a.txt"), b"first")
        .unwrap();
    assert_eq!(LocalFs.entry(stage.target()).unwrap(), Entry::Missing);
    let published = stage.commit().unwrap();
    assert_eq!(published.as_path(), dir.path().join("run"));
    assert_eq!(names(published.as_path()), ["a.txt"]);

    let stage = LocalFs.stage_folder(&parent, "run").unwrap();
    LocalFs
        .put(&stage.location().join("b.txt"), b"second")
        .unwrap();
    let published = stage.commit().unwrap();
    assert_eq!(names(published.as_path()), ["b.txt"], "replaced whole");
    assert_eq!(
        names(dir.path()),
        ["other", "run"],
        "nothing hidden is left"
    );
}

#[test]
fn an_uncommitted_stage_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    {
        let stage = LocalFs.stage_folder(&loc(dir.path()), "run").unwrap();
        LocalFs.put(&stage.location().join("a.txt"), b"x").unwrap();
    }
    assert!(names(dir.path()).is_empty());
}

#[test]
fn recovery_restores_a_folder_set_aside_and_removes_staged_ones() {
    let dir = tempfile::tempdir().unwrap();
    for d in [
        ".run=1.old-999",
        ".run=2.tmp-998",
        ".run=3.old-997",
        "run=3",
        ".other.tmp-1",
    ] {
        fs::create_dir(dir.path().join(d)).unwrap();
    }
    LocalFs.recover_folders(&loc(dir.path()), "run=").unwrap();
    assert_eq!(names(dir.path()), [".other.tmp-1", "run=1", "run=3"]);
}

#[test]
fn listing_is_recursive_pruned_and_sorted_by_segment() {
    let dir = tempfile::tempdir().unwrap();
    let files = [
        "t/z.parquet",
        "t/a.b/c.parquet",
        "t/a/b.parquet",
        "t/a/_SUCCESS",
        "t/_tmp/x.parquet",
        "t/year=2025/month=1/p.parquet",
        "t/year=2024/p.parquet",
    ];
    for f in files {
        let p = dir.path().join(f);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, "x").unwrap();
    }
    let keep = |name: &str| !name.starts_with('_');
    let got: Vec<String> = LocalFs
        .list_files(&loc(&dir.path().join("t")), &keep)
        .unwrap()
        .iter()
        .map(|l| {
            l.as_path()
                .strip_prefix(dir.path())
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    assert_eq!(
        got,
        [
            "t/a/b.parquet",
            "t/a.b/c.parquet",
            "t/year=2024/p.parquet",
            "t/year=2025/month=1/p.parquet",
            "t/z.parquet",
        ]
    );
}

#[test]
fn listing_a_missing_folder_names_it() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope");
    let e = LocalFs.list_files(&loc(&missing), &|_| true).unwrap_err();
    assert_eq!(e.location.as_path(), missing);
}

#[test]
fn entries_and_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("f");
    fs::write(&file, "12345").unwrap();
    assert_eq!(LocalFs.entry(&loc(&file)).unwrap(), Entry::File);
    assert_eq!(LocalFs.entry(&loc(dir.path())).unwrap(), Entry::Folder);
    assert_eq!(
        LocalFs.entry(&loc(&file.join("x"))).unwrap(),
        Entry::Missing
    );
    assert_eq!(LocalFs.size(&loc(&file)).unwrap(), 5);
    assert!(LocalFs.size(&loc(&dir.path().join("g"))).is_err());
}

#[test]
fn a_folder_cannot_be_opened_as_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let e = LocalFs.open(&loc(dir.path())).err().unwrap();
    assert_eq!(
        e.to_string(),
        format!("{}: it is a folder, not a file", dir.path().display())
    );
}

#[test]
fn reads_match_parquets_own_file_reader() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    let batch = RecordBatch::try_from_iter([
        (
            "n",
            Arc::new(Int64Array::from_iter_values(0..1000)) as ArrayRef,
        ),
        (
            "s",
            Arc::new(StringArray::from_iter_values(
                (0..1000).map(|i| format!("v{i}")),
            )) as ArrayRef,
        ),
    ])
    .unwrap();
    crate::storage::write_parquet(&loc(&path), &batch, &[]).unwrap();

    let reader = LocalFs.open(&loc(&path)).unwrap();
    let file = fs::File::open(&path).unwrap();
    assert_eq!(reader.len(), fs::metadata(&path).unwrap().len());
    assert_eq!(
        reader.get_bytes(4, 100).unwrap(),
        file.get_bytes(4, 100).unwrap()
    );
    // Past the end: the same error, word for word.
    let past = reader.len() - 3;
    assert_eq!(
        reader.get_bytes(past, 10).unwrap_err().to_string(),
        file.get_bytes(past, 10).unwrap_err().to_string()
    );

    let read: Vec<RecordBatch> = ParquetRecordBatchReaderBuilder::try_new(reader)
        .unwrap()
        .build()
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(read, vec![batch]);
}
