//! The registry against what it produces and against the data contract's table.

use arrow::array::{Array, AsArray};

use super::*;
use crate::output::fixture;

const CONTRACT: &str = include_str!("../../../docs/data-contract.md");
const TABLE_HEADING: &str = "### account_risk.parquet";
const DRIVERS_HEADING: &str = "#### drivers";

#[test]
fn fills_have_the_declared_type_and_nullability() {
    let s = fixture::scores();
    let mut names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), COLUMNS.len(), "column names repeat");
    for c in COLUMNS {
        let a = c.fill(&s);
        assert_eq!(a.data_type(), &c.data_type(), "{}", c.name);
        assert_eq!(a.len(), s.accounts.len(), "{}", c.name);
        // The fixture leaves every optional value of one account missing, so a nullable
        // column shows a null and a non-nullable one must not.
        assert_eq!(a.null_count() > 0, c.nullable, "{} nulls", c.name);
        if let DataType::List(item) = a.data_type() {
            assert_eq!((item.name().as_str(), item.is_nullable()), ("item", true));
        }
    }
    let drivers = COLUMNS.iter().find(|c| c.name == "drivers").unwrap();
    let drivers = drivers.fill(&s);
    let items = drivers.as_list::<i32>().values().as_struct().clone();
    assert_eq!(items.len(), 4);
    assert_eq!(items.num_columns(), DRIVER_FIELDS.len());
    for (f, a) in DRIVER_FIELDS.iter().zip(items.columns()) {
        assert_eq!(a.data_type(), f.field().data_type(), "{}", f.name);
        // One driver's value and reference are missing in the fixture.
        assert_eq!(a.null_count() > 0, f.nullable, "drivers.{} nulls", f.name);
    }
}

#[test]
fn formula_cells_are_neutralised() {
    for (cell, want) in [
        ("=HYPERLINK(\"x\")", "'=HYPERLINK(\"x\")"),
        ("+1", "'+1"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("Acme", "Acme"),
        ("", ""),
    ] {
        assert_eq!(guard(cell.to_string()), want);
    }
}

#[test]
fn the_contract_describes_the_registry() {
    let found = contract_disagreements(CONTRACT);
    assert!(
        found.is_empty(),
        "docs/data-contract.md disagrees:\n{}",
        found.join("\n")
    );
}

/// The comparison itself: each kind of drift in the contract's tables is reported.
#[test]
fn contract_drift_is_reported() {
    for (from, to, says) in [
        (
            "| risk_rank | UInt32 |",
            "| risk_rank | UInt64 |",
            "risk_rank",
        ),
        ("| mrr | Float64 | yes |", "| mrr | Float64 | no |", "mrr"),
        (
            "| plan | Utf8 | yes |",
            "| plan_name | Utf8 | yes |",
            "plan",
        ),
        (
            "| 1 = most at risk |",
            "| 1 = least at risk |",
            "1 = most at risk",
        ),
        (
            "| as_of | Date32 | no | the as-of date the account was scored at |\n",
            "",
            "as_of",
        ),
        (
            "| feature | Utf8 | no |",
            "| feature | Utf8 | yes |",
            "feature",
        ),
        (
            "{feature: Utf8, group: Utf8, value: Float64, reference: Float64, contribution: Float64, sentence: Utf8}",
            "{feature: Utf8, value: Float64, contribution: Float64}",
            "drivers",
        ),
        (
            "| reference | Float64 | yes |",
            "| reference | Float64 | no |",
            "reference",
        ),
        ("#### drivers", "#### Drivers", "#### drivers"),
        (
            "| column | type | nullable | meaning |",
            "| column | type | meaning |",
            "header",
        ),
    ] {
        assert!(
            CONTRACT.contains(from),
            "fixture text {from:?} not in the contract"
        );
        let found = contract_disagreements(&CONTRACT.replacen(from, to, 1));
        assert!(
            found.iter().any(|m| m.contains(says)),
            "{from:?} -> {to:?} not reported: {found:?}"
        );
    }
    let (segment, plan) = ("| segment | Utf8 | yes |", "| plan | Utf8 | yes |");
    let swapped = CONTRACT
        .replacen(segment, "SWAP", 1)
        .replacen(plan, segment, 1)
        .replacen("SWAP", plan, 1);
    assert!(!contract_disagreements(&swapped).is_empty(), "order");
}

/// Every difference between the contract's output tables and the registry, in words.
fn contract_disagreements(doc: &str) -> Vec<String> {
    let yes_no = |nullable: bool| if nullable { "yes" } else { "no" };
    let columns = COLUMNS
        .iter()
        .map(|c| {
            let t = doc_type(&c.data_type());
            [c.name.into(), t, yes_no(c.nullable).into(), c.doc.into()]
        })
        .collect();
    let fields = DRIVER_FIELDS
        .iter()
        .map(|f| {
            let t = doc_type(f.field().data_type());
            [f.name.into(), t, yes_no(f.nullable).into(), f.doc.into()]
        })
        .collect();
    let mut found = compare(doc, TABLE_HEADING, "column", columns);
    found.extend(compare(doc, DRIVERS_HEADING, "field", fields));
    found
}

fn compare(doc: &str, heading: &str, key: &str, want: Vec<[String; 4]>) -> Vec<String> {
    let Some(mut rows) = doc_table(doc, heading) else {
        return vec![format!("no table under a line starting {heading:?}")];
    };
    let header = rows.remove(0);
    if header != [key, "type", "nullable", "meaning"] {
        return vec![format!(
            "{heading}: header {header:?}, want {key} | type | nullable | meaning"
        )];
    }
    let mut found = Vec::new();
    for i in 0..rows.len().max(want.len()) {
        match (rows.get(i), want.get(i)) {
            (Some(doc), Some(reg)) if doc.as_slice() != reg.as_slice() => found.push(format!(
                "{heading} row {}: doc {doc:?}, registry {reg:?}",
                i + 1
            )),
            (Some(doc), None) => found.push(format!("{heading}: doc only {doc:?}")),
            (None, Some(reg)) => found.push(format!("{heading}: registry only {reg:?}")),
            _ => {}
        }
    }
    found
}

/// The type as the contract writes it: `List(Utf8)`, `Struct{name: Type, ...}`.
fn doc_type(t: &DataType) -> String {
    match t {
        DataType::List(item) => format!("List({})", doc_type(item.data_type())),
        DataType::Struct(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|f| format!("{}: {}", f.name(), doc_type(f.data_type())))
                .collect();
            format!("Struct{{{}}}", fields.join(", "))
        }
        other => format!("{other:?}"),
    }
}

/// The cells of the markdown table that follows the line starting with `heading`
/// (before any other heading), its header row first.
fn doc_table(doc: &str, heading: &str) -> Option<Vec<Vec<String>>> {
    let mut lines = doc.lines().skip_while(|l| !l.starts_with(heading)).skip(1);
    let mut table = Vec::new();
    for line in lines.by_ref() {
        let line = line.trim();
        if line.starts_with('|') {
            table.push(line);
        } else if !table.is_empty() || line.starts_with('#') {
            break;
        }
    }
    let cells = |l: &str| -> Vec<String> {
        let l = l.strip_prefix('|').unwrap_or(l);
        let l = l.strip_suffix('|').unwrap_or(l);
        l.split('|').map(|c| c.trim().to_string()).collect()
    };
    let rule = |l: &&str| {
        cells(l)
            .iter()
            .all(|c| !c.is_empty() && c.chars().all(|ch| "-:".contains(ch)))
    };
    let rows: Vec<Vec<String>> = table.into_iter().filter(|l| !rule(l)).map(cells).collect();
    (!rows.is_empty()).then_some(rows)
}
