//! The generated part of docs/features.md: the feature table, the groups with their
//! risk directions, and how each feature is computed. A test below keeps the file in
//! step; `CHURN_BLESS=1 cargo test --release --lib features::registry::docs` rewrites it.

use std::fmt::Write;

use super::{Computation, Direction, Group, FEATURES};
use crate::model::Transform;

/// The generated part of docs/features.md, between its markers.
pub fn markdown() -> String {
    let mut s = String::new();
    features(&mut s);
    directions(&mut s);
    computations(&mut s);
    s
}

fn features(s: &mut String) {
    s.push_str("| feature | transform | unit | meaning |\n|---|---|---|---|\n");
    for d in &FEATURES {
        let transform = match d.transform {
            Transform::Identity => "none",
            Transform::Log1p => "log1p",
        };
        let _ = writeln!(
            s,
            "| `{}` | {transform} | {} | {} |",
            d.name,
            d.unit.text(),
            d.meaning
        );
    }
}

fn directions(s: &mut String) {
    s.push_str(
        "\n## Groups and risk directions\n\n\
         Each feature measures one behaviour, its group, and declares the direction in\n\
         which it raises churn risk where the domain knows one: riskier when higher, or\n\
         when lower; not declared for facts of the contract and for values whose sign\n\
         depends on the features beside them. The model does not use the directions yet;\n\
         they are meant to become sign constraints on its coefficients.\n",
    );
    for g in Group::ALL {
        let _ = write!(
            s,
            "\n### {}\n{}.\n\n| feature | riskier when | why |\n|---|---|---|\n",
            g.title(),
            capitalised(g.measures())
        );
        for d in FEATURES.iter().filter(|d| d.group == g) {
            let _ = writeln!(s, "| `{}` | {} | {} |", d.name, d.direction.text(), d.why);
        }
    }
    let count = |dir: Direction| FEATURES.iter().filter(|d| d.direction == dir).count();
    let _ = writeln!(
        s,
        "\n{} features are riskier when higher, {} when lower, {} declare no direction.",
        count(Direction::HigherIsRiskier),
        count(Direction::LowerIsRiskier),
        count(Direction::None)
    );
}

fn computations(s: &mut String) {
    s.push_str(
        "\n## How each feature is computed\n\n\
         T is midnight UTC starting the observation day. A window such as [T-30d, T)\n\
         holds an account's rows whose time column (usage.ts, tickets.opened_at,\n\
         surveys.responded_at) falls in it; rows the data contract sets aside never\n\
         count. \"When none\" is the value when no row qualifies. Account features read\n\
         the account's row of `accounts`; derived ones combine other features of the\n\
         same row.\n\n\
         | feature | from | rows | value | when none |\n|---|---|---|---|---|\n",
    );
    for d in &FEATURES {
        let (from, rows, value, none) = match d.computed {
            Computation::Rows {
                table,
                filter,
                window,
                aggregate,
                empty,
            } => (
                format!("`{}`", table.name()),
                match filter {
                    Some(f) => format!("{}; {f}", window.text(table)),
                    None => window.text(table),
                },
                aggregate.text(),
                empty.text(),
            ),
            Computation::Account { columns, how } => (
                format!("`accounts`: {}", columns.join(", ")),
                "the account's row".into(),
                how.into(),
                "-".into(),
            ),
            Computation::Derived { from, how } => (
                format!("features {}", ticked(from)),
                "-".into(),
                how.into(),
                "-".into(),
            ),
        };
        let _ = writeln!(s, "| `{}` | {from} | {rows} | {value} | {none} |", d.name);
    }
}

fn ticked(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn capitalised(text: &str) -> String {
    let mut c = text.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BEGIN: &str = "<!-- Generated from src/features/registry: edit the registry, then run `CHURN_BLESS=1 cargo test --release --lib features::registry::docs`. -->";
    const END: &str = "<!-- End of the generated part. -->";

    /// `doc` with the part between the markers replaced by `generated`; None without
    /// markers.
    fn with_generated(doc: &str, generated: &str) -> Option<String> {
        let start = doc.find(BEGIN)? + BEGIN.len();
        let end = start + doc[start..].find(END)?;
        Some(format!("{}\n{generated}{}", &doc[..start], &doc[end..]))
    }

    #[test]
    fn docs_features_md_matches_the_registry() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/features.md");
        let doc = std::fs::read_to_string(path).expect("docs/features.md is readable");
        let want = with_generated(&doc, &markdown()).expect("docs/features.md has the markers");
        if std::env::var_os("CHURN_BLESS").is_some_and(|v| v == "1") {
            std::fs::write(path, &want).expect("docs/features.md is writable");
        } else {
            assert!(
                doc == want,
                "docs/features.md is out of step with src/features/registry; run \
                 CHURN_BLESS=1 cargo test --release --lib features::registry::docs"
            );
        }
    }

    #[test]
    fn the_generated_part_replaces_only_what_lies_between_the_markers() {
        let doc = format!("intro\n{BEGIN}\nold\n{END}\nrest\n");
        assert_eq!(
            with_generated(&doc, "new\n").unwrap(),
            format!("intro\n{BEGIN}\nnew\n{END}\nrest\n")
        );
        assert_eq!(with_generated("no markers", "new\n"), None);
    }

    #[test]
    fn every_feature_is_listed_with_its_group_direction_and_reason() {
        let md = markdown();
        for d in &FEATURES {
            let row = format!("| `{}` | {} | {} |", d.name, d.direction.text(), d.why);
            assert!(md.contains(&row), "{row}");
        }
    }
}
