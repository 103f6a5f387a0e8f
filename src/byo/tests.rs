use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, Float64Array, Int64Array, StringArray};
use arrow::datatypes::{Field, Schema};
use arrow::record_batch::RecordBatch;

use super::encode::{self, ColumnSpec, EncoderSpec, LabelSpec};
use super::*;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn column(table: &Table, name: &str) -> ColumnSpec {
    let rows: Vec<usize> = (0..table.rows).collect();
    encode::learn_column(table, table.index(name).unwrap(), &rows, 100).unwrap()
}

/// CRLF line endings, a header with a double space, a quoted field holding the
/// delimiter, a blank and a single-space number, and `None` as text.
const QUIRKS: &str = "id,Call  Failure,Offer,\"Total, charges\",Churn\r\n\
                      a1,3,None,\"1,5\",Yes\r\n\
                      a2,0,Offer A, ,No\r\n\
                      a3,7,None,,no\r\n\
                      a4,1,\"Offer \"\"B\"\"\",12.5,YES\r\n";

#[test]
fn csv_is_read_as_written() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::read(&write(dir.path(), "quirks.csv", QUIRKS.as_bytes())).unwrap();
    assert_eq!(
        t.names,
        ["id", "Call  Failure", "Offer", "Total, charges", "Churn"]
    );
    assert_eq!(t.rows, 4);
    assert_eq!(t.at(0), "line 2");
    // Double-spaced header, numbers.
    assert!(
        matches!(column(&t, "Call  Failure"), ColumnSpec::Numeric { median, .. } if median == 2.0)
    );
    // `None` is a category, not a missing value; a quoted "" is a quote.
    match column(&t, "Offer") {
        ColumnSpec::Categorical { categories, .. } => {
            assert_eq!(categories, ["None", "Offer \"B\"", "Offer A"])
        }
        other => panic!("Offer should be categorical: {other:?}"),
    }
    // "1,5" is text, so this column is categorical; the blank and the space are one
    // blank category.
    match column(&t, "Total, charges") {
        ColumnSpec::Categorical { categories, .. } => {
            assert_eq!(categories, ["", "1,5", "12.5"])
        }
        other => panic!("{other:?}"),
    }
    let (y, spec) = encode::labels(&t, "Churn").unwrap();
    assert_eq!(y, [Some(true), Some(false), Some(false), Some(true)]);
    assert_eq!(spec.churned.as_deref(), Some("Yes"));
    assert_eq!(spec.retained.as_deref(), Some("No"));
}

#[test]
fn blank_and_space_cells_of_a_numeric_column_are_missing() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "id,TotalCharges,tenure\n1,29.85,1\n2, ,0\n3,,0\n4,108.15,2\n";
    let t = Table::read(&write(dir.path(), "t.csv", csv.as_bytes())).unwrap();
    let spec = EncoderSpec {
        label: LabelSpec {
            column: "x".into(),
            churned: None,
            retained: None,
        },
        id: Some("id".into()),
        date: None,
        excluded: vec![],
        columns: vec![column(&t, "TotalCharges"), column(&t, "tenure")],
    };
    let e = encode::encode(&spec, &t, &[0, 1, 2, 3]).unwrap();
    let tc: Vec<f64> = e.x.column(0).to_vec();
    assert_eq!(tc[0], 29.85);
    assert!(tc[1].is_nan() && tc[2].is_nan());
    assert_eq!(tc[3], 108.15);
    assert_eq!(
        encode::ids(&t, Some("id"), &[0, 3]).unwrap(),
        ["1".to_string(), "4".to_string()]
    );
    assert_eq!(encode::ids(&t, None, &[0, 3]).unwrap(), ["row-1", "row-4"]);
}

#[test]
fn label_spellings() {
    for (a, b) in [
        ("1", "0"),
        ("True", "False"),
        ("yes", "no"),
        ("Y", "N"),
        ("Churned", "Stayed"),
        ("churned", "not churned"),
        ("CHURNED", "retained"),
    ] {
        assert_eq!(encode::label_meaning(a), Some(true), "{a}");
        assert_eq!(encode::label_meaning(b), Some(false), "{b}");
    }
    assert_eq!(encode::label_meaning("Joined"), None);
    assert_eq!(encode::label_meaning("2"), None);
}

#[test]
fn a_label_with_three_values_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "id,Customer Status\n1,Stayed\n2,Churned\n3,Joined\n4,stayed\n";
    let t = Table::read(&write(dir.path(), "s.csv", csv.as_bytes())).unwrap();
    let e = encode::labels(&t, "Customer Status").unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, ByoError::LabelValues { .. }), "{msg}");
    for v in ["`Churned`", "`Joined`", "`Stayed`", "3 distinct values"] {
        assert!(msg.contains(v), "{msg}");
    }
}

#[test]
fn two_label_values_that_say_nothing_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::read(&write(dir.path(), "s.csv", b"id,l\n1,A\n2,B\n")).unwrap();
    let e = encode::labels(&t, "l").unwrap_err();
    assert!(matches!(e, ByoError::LabelUnrecognised { .. }), "{e}");
    // Two spellings of the same class are not two classes either.
    let t = Table::read(&write(dir.path(), "s.csv", b"id,l\n1,yes\n2,1\n")).unwrap();
    assert!(encode::labels(&t, "l").is_err());
}

#[test]
fn blank_labels_are_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::read(&write(dir.path(), "s.csv", b"id,l\n1,0\n2,\n3,1\n")).unwrap();
    let (y, _) = encode::labels(&t, "l").unwrap();
    assert_eq!(y, [Some(false), None, Some(true)]);
    let t = Table::read(&write(dir.path(), "e.csv", b"id,l\n1,\n2, \n")).unwrap();
    assert!(matches!(
        encode::labels(&t, "l").unwrap_err(),
        ByoError::LabelEmpty { .. }
    ));
}

#[test]
fn missing_columns_are_named_with_their_role() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::read(&write(dir.path(), "s.csv", b"id,l\n1,0\n")).unwrap();
    let e = t.require("Churn", "label").unwrap_err().to_string();
    assert!(
        e.contains("no label column `Churn`") && e.contains("`id`, `l`"),
        "{e}"
    );
    let e = encode::ids(&t, Some("customerID"), &[0])
        .unwrap_err()
        .to_string();
    assert!(e.contains("no id column `customerID`"), "{e}");
}

#[test]
fn an_empty_feature_column_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::read(&write(dir.path(), "s.csv", b"id,f,l\n1,,0\n2, ,1\n")).unwrap();
    let e = encode::learn_column(&t, 1, &[0, 1], 100).unwrap_err();
    assert!(matches!(e, ByoError::EmptyColumn { .. }), "{e}");
    assert!(e.to_string().contains("`f` is empty in every row"), "{e}");
}

#[test]
fn unparseable_files_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let ragged = write(dir.path(), "r.csv", b"a,b,c\n1,2,3\n4,5\n");
    let e = Table::read(&ragged).err().unwrap();
    assert!(
        matches!(e, ByoError::Unreadable { format: "CSV", .. }),
        "{e}"
    );
    let fake = write(dir.path(), "f.parquet", b"not parquet at all");
    let e = Table::read(&fake).err().unwrap();
    assert!(
        matches!(
            e,
            ByoError::Unreadable {
                format: "Parquet",
                ..
            }
        ),
        "{e}"
    );
    let e = Table::read(&dir.path().join("absent.csv")).err().unwrap();
    assert!(e.is_io(), "{e}");
    let header_only = write(dir.path(), "h.csv", b"a,b\n");
    assert!(matches!(
        Table::read(&header_only).err().unwrap(),
        ByoError::NoRows { .. }
    ));
    let dup = write(dir.path(), "d.csv", b"a,b,a\n1,2,3\n");
    assert!(matches!(
        Table::read(&dup).err().unwrap(),
        ByoError::DuplicateColumn { .. }
    ));
}

#[test]
fn log1p_goes_to_skewed_non_negative_counts_only() {
    let dir = tempfile::tempdir().unwrap();
    // 100 rows: a long-tailed count, a rare 0/1 flag, a skewed column with a negative
    // value, and a symmetric one.
    let mut csv = String::from("count,flag,signed,even\n");
    for i in 0..100 {
        let count = if i % 20 == 0 { 500 } else { i % 4 };
        let flag = u8::from(i % 15 == 0);
        let signed = if i == 0 { -1 } else { count };
        csv.push_str(&format!("{count},{flag},{signed},{}\n", i % 10));
    }
    let t = Table::read(&write(dir.path(), "s.csv", csv.as_bytes())).unwrap();
    let log1p = |name: &str| match column(&t, name) {
        ColumnSpec::Numeric {
            log1p, skewness, ..
        } => (log1p, skewness.unwrap()),
        other => panic!("{other:?}"),
    };
    let (l, s) = log1p("count");
    assert!(l && s > 2.0, "{s}");
    let (l, s) = log1p("flag");
    assert!(!l && s > 2.0, "a 0/1 flag stays as it is ({s})");
    assert!(!log1p("signed").0, "negative values rule log1p out");
    assert!(!log1p("even").0);
}

#[test]
fn categories_unseen_in_training_set_nothing_and_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let train = Table::read(&write(dir.path(), "a.csv", b"plan,x\nA,1\nB,2\n,3\n")).unwrap();
    let spec = EncoderSpec {
        label: LabelSpec {
            column: "l".into(),
            churned: None,
            retained: None,
        },
        id: None,
        date: None,
        excluded: vec![],
        columns: vec![column(&train, "plan")],
    };
    let names: Vec<String> = spec.features().into_iter().map(|f| f.name).collect();
    assert_eq!(names, ["plan=(blank)", "plan=A", "plan=B"]);
    let score = Table::read(&write(dir.path(), "b.csv", b"plan,x\nB,1\nC,1\nC,2\nD,3\n")).unwrap();
    let e = encode::encode(&spec, &score, &[0, 1, 2, 3]).unwrap();
    assert_eq!(e.x.row(0).to_vec(), [0.0, 0.0, 1.0]);
    assert_eq!(e.x.row(1).to_vec(), [0.0, 0.0, 0.0]);
    assert_eq!(e.unseen.len(), 1);
    assert_eq!(e.unseen[0].rows, 3);
    assert_eq!(e.unseen[0].examples, ["C", "D"]);
}

#[test]
fn too_many_categories_point_at_a_stray_text_value() {
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("amount\n");
    for i in 0..30 {
        csv.push_str(&format!("{i}.5\n"));
    }
    csv.push_str("n/a\n");
    let t = Table::read(&write(dir.path(), "s.csv", csv.as_bytes())).unwrap();
    let rows: Vec<usize> = (0..t.rows).collect();
    let e = encode::learn_column(&t, 0, &rows, 10)
        .unwrap_err()
        .to_string();
    assert!(e.contains("31 distinct values"), "{e}");
    assert!(
        e.contains("30 of its values are numbers") && e.contains("`n/a` on line 32"),
        "{e}"
    );
}

#[test]
fn parquet_columns_keep_their_types() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.parquet");
    let cols: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(Int64Array::from(vec![10, 11, 12]))),
        (
            "usage",
            Arc::new(Float64Array::from(vec![Some(1.5), None, Some(f64::NAN)])),
        ),
        (
            "paid",
            Arc::new(BooleanArray::from(vec![Some(true), Some(false), None])),
        ),
        (
            "plan",
            Arc::new(StringArray::from(vec![Some("None"), Some("Pro"), None])),
        ),
        (
            "churned",
            Arc::new(BooleanArray::from(vec![true, false, false])),
        ),
    ];
    let schema = Arc::new(Schema::new(
        cols.iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batch =
        RecordBatch::try_new(schema.clone(), cols.into_iter().map(|c| c.1).collect()).unwrap();
    let mut w =
        parquet::arrow::ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, None)
            .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();

    let t = Table::read(&path).unwrap();
    assert_eq!(t.at(0), "row 1");
    assert!(matches!(column(&t, "usage"), ColumnSpec::Numeric { median, .. } if median == 1.5));
    match column(&t, "paid") {
        ColumnSpec::Categorical { categories, .. } => assert_eq!(categories, ["", "false", "true"]),
        other => panic!("{other:?}"),
    }
    match column(&t, "plan") {
        ColumnSpec::Categorical { categories, .. } => assert_eq!(categories, ["", "None", "Pro"]),
        other => panic!("{other:?}"),
    }
    let (y, _) = encode::labels(&t, "churned").unwrap();
    assert_eq!(y, [Some(true), Some(false), Some(false)]);
    assert_eq!(encode::ids(&t, Some("id"), &[2]).unwrap(), ["12"]);
}

#[test]
fn dates_parse_with_or_without_a_time() {
    assert_eq!(
        encode::parse_date("2026-03-01"),
        chrono::NaiveDate::from_ymd_opt(2026, 3, 1)
    );
    assert!(encode::parse_date("2026-03-01T10:00:00Z").is_some());
    assert!(encode::parse_date("2026-03-01 10:00").is_some());
    assert!(encode::parse_date("01/03/2026").is_none());
    assert!(encode::parse_date("2026-03-011").is_none());
}

#[test]
fn skewness_matches_the_population_formula() {
    // scipy.stats.skew([0, 0, 0, 1, 5]) = 1.3628...
    let s = encode::skewness(&[0.0, 0.0, 0.0, 1.0, 5.0]).unwrap();
    assert!((s - 1.362_792_753_035_554_4).abs() < 1e-12, "{s}");
    assert_eq!(encode::skewness(&[2.0, 2.0]), None);
}

#[test]
fn a_byte_order_mark_is_not_part_of_the_first_name() {
    let dir = tempfile::tempdir().unwrap();
    let t = Table::read(&write(dir.path(), "b.csv", b"\xef\xbb\xbfid,l\n1,0\n")).unwrap();
    assert_eq!(t.names, ["id", "l"]);
    let latin1 = write(dir.path(), "l.csv", b"id,plan\n1,Caf\xe9\n");
    assert!(matches!(
        Table::read(&latin1).err().unwrap(),
        ByoError::Unreadable { .. }
    ));
}

#[test]
fn error_kinds_separate_data_model_and_machine_problems() {
    use crate::error::ErrorKind;
    let path = PathBuf::from("t.csv");
    let data = ByoError::LabelEmpty {
        path: path.clone(),
        column: "l".into(),
    };
    assert_eq!(data.kind(), ErrorKind::Data);
    let model = ByoError::NotAFeatureTableModel {
        path: path.clone(),
        key: SPEC_KEY,
    };
    assert_eq!(model.kind(), ErrorKind::Model);
    let io = ByoError::Io {
        path,
        source: std::io::Error::from(std::io::ErrorKind::NotFound),
    };
    assert_eq!(io.kind(), ErrorKind::Io);
}
