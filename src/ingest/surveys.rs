//! The surveys table: NPS (relationship, 0-10) and CSAT (transactional) answers.

use arrow::array::Array;
use arrow::record_batch::RecordBatch;

use super::accounts::Accounts;
use super::columns::{instants, numbers, texts};
use super::dictionary::{AccountIds, DictMap};
use super::parts::{event_key, BatchCtx, InstantReasons};
use super::set_aside::SetAside;
use super::source::TableSource;
use super::IngestError;
use crate::contract::Table;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveyKind {
    Nps,
    Csat,
}

/// CSAT scales the contract accepts; answers on them are rescaled to 5 points.
pub const CSAT_SCALES: [f64; 4] = [3.0, 5.0, 7.0, 10.0];

/// Survey answers of known accounts, in file order.
#[derive(Debug, Default, Clone)]
pub struct Surveys {
    pub account: Vec<u32>,
    pub responded_at: Vec<i64>,
    pub kind: Vec<SurveyKind>,
    pub score: Vec<f64>,
    pub scale_max: Vec<f64>,
    pub comment: Vec<Option<String>>,
}

impl Surveys {
    pub fn len(&self) -> usize {
        self.account.len()
    }

    pub fn is_empty(&self) -> bool {
        self.account.is_empty()
    }

    /// Whether answer `i` is a satisfied CSAT answer: the top two points of a
    /// 5-point scale, other scales rescaled to 5 points first.
    pub fn csat_satisfied(&self, i: usize) -> bool {
        let on_five = 1.0 + (self.score[i] - 1.0) * 4.0 / (self.scale_max[i] - 1.0);
        on_five >= 4.0 - 1e-9
    }
}

#[derive(Default)]
struct Part {
    surveys: Surveys,
    /// The account of each id in the row group's dictionary.
    ids: DictMap<u32>,
    set_aside: SetAside,
}

pub fn read(
    src: &TableSource,
    accounts: &Accounts,
    not_after: i64,
) -> Result<(Surveys, SetAside), IngestError> {
    let parts =
        src.read_parts(|p: &mut Part, batch, ctx| fill(p, batch, ctx, accounts, not_after))?;
    let mut out = Surveys::default();
    let mut set_aside = SetAside::default();
    for p in parts {
        let s = p.surveys;
        out.account.extend(s.account);
        out.responded_at.extend(s.responded_at);
        out.kind.extend(s.kind);
        out.score.extend(s.score);
        out.scale_max.extend(s.scale_max);
        out.comment.extend(s.comment);
        set_aside.merge(p.set_aside);
    }
    Ok((out, set_aside))
}

const REASONS: InstantReasons = InstantReasons {
    null: "null responded_at",
    before_1990: "responded_at before 1990",
    future: "responded_at in the future",
};

fn fill(
    p: &mut Part,
    batch: &RecordBatch,
    ctx: &BatchCtx,
    accounts: &Accounts,
    not_after: i64,
) -> Result<(), IngestError> {
    let t = Table::Surveys;
    let id_column = batch.column_by_name("account_id").expect("required column");
    let ids = AccountIds::new(id_column, &mut p.ids, |s| accounts.index_of(s))
        .map_err(|e| ctx.column_error("account_id", e))?;
    let at = ctx
        .convert(batch, "responded_at", instants)?
        .expect("required column");
    let kind = ctx.convert(batch, "kind", texts)?.expect("required column");
    let score = ctx
        .convert(batch, "score", numbers)?
        .expect("required column");
    let scale = ctx.convert(batch, "scale_max", numbers)?;
    let comment = ctx.convert(batch, "comment", texts)?;
    let s = &mut p.set_aside;

    for i in 0..batch.num_rows() {
        let row = ctx.row(i);
        let mut aside = |reason: &'static str, value: String| {
            s.add(t, reason, ctx.file_index, ctx.path, row, || value)
        };
        let (account, when) = match event_key(&ids, &at, i, &REASONS, not_after) {
            Ok(k) => k,
            Err((reason, value)) => {
                aside(reason, value);
                continue;
            }
        };
        // Compared in place: no lower-cased copy per answer.
        let k = match kind.is_valid(i).then(|| kind.value(i).trim()) {
            Some(v) if v.eq_ignore_ascii_case("nps") => SurveyKind::Nps,
            Some(v) if v.eq_ignore_ascii_case("csat") => SurveyKind::Csat,
            other => {
                aside(
                    "unknown survey kind (expected nps or csat)",
                    other.map_or_else(|| "null".to_string(), |v| v.to_ascii_lowercase()),
                );
                continue;
            }
        };
        if score.is_null(i) || !score.value(i).is_finite() {
            aside(
                "score missing or not finite",
                super::columns::show(&score, i),
            );
            continue;
        }
        let v = score.value(i);
        let scale_v = scale.as_ref().filter(|a| a.is_valid(i)).map(|a| a.value(i));
        let scale_max = match k {
            SurveyKind::Nps => {
                if scale_v.is_some_and(|m| m != 10.0) {
                    aside(
                        "nps scale_max is not 10",
                        format!("{}", scale_v.unwrap_or_default()),
                    );
                    continue;
                }
                if !(0.0..=10.0).contains(&v) {
                    aside("nps score outside 0-10", format!("{v}"));
                    continue;
                }
                10.0
            }
            SurveyKind::Csat => {
                let m = scale_v.unwrap_or(5.0);
                if !CSAT_SCALES.contains(&m) {
                    aside("csat scale_max not 3, 5, 7 or 10", format!("{m}"));
                    continue;
                }
                if !(1.0..=m).contains(&v) {
                    aside(
                        "csat score outside 1..scale_max",
                        format!("{v} (scale_max {m})"),
                    );
                    continue;
                }
                m
            }
        };
        let out = &mut p.surveys;
        out.account.push(account);
        out.responded_at.push(when);
        out.kind.push(k);
        out.score.push(v);
        out.scale_max.push(scale_max);
        out.comment.push(
            comment
                .as_ref()
                .filter(|a| a.is_valid(i) && !a.value(i).trim().is_empty())
                .map(|a| a.value(i).to_string()),
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csat_top_two_boxes_on_every_scale() {
        let s = Surveys {
            score: vec![4.0, 3.0, 3.0, 2.0, 6.0, 5.0, 8.0, 7.0],
            scale_max: vec![5.0, 5.0, 3.0, 3.0, 7.0, 7.0, 10.0, 10.0],
            ..Default::default()
        };
        let got: Vec<bool> = (0..8).map(|i| s.csat_satisfied(i)).collect();
        // 3-point: 3 -> 5, 2 -> 3; 7-point: 6 -> 4.33, 5 -> 3.67; 10-point: 8 -> 4.11, 7 -> 3.67
        assert_eq!(
            got,
            vec![true, false, true, false, true, false, true, false]
        );
    }
}
