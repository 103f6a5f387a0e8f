//! Ticket and survey features of one account at one observation date. Both tables
//! are small next to usage, so each account's rows are grouped once and scanned per
//! date.

use crate::contract::NpsCategory;
use crate::ingest::{SurveyKind, Surveys, Tickets};
use crate::time::{MICROS_PER_DAY, MICROS_PER_HOUR};

use super::registry::f;

/// Row indices of a table grouped by account (CSR layout), in file order.
pub struct ByAccount {
    offsets: Vec<u32>,
    rows: Vec<u32>,
}

impl ByAccount {
    pub fn new(account: &[u32], n_accounts: usize) -> Self {
        let mut offsets = vec![0u32; n_accounts + 1];
        for &a in account {
            offsets[a as usize + 1] += 1;
        }
        for i in 0..n_accounts {
            offsets[i + 1] += offsets[i];
        }
        let mut next = offsets.clone();
        let mut rows = vec![0u32; account.len()];
        for (r, &a) in account.iter().enumerate() {
            rows[next[a as usize] as usize] = r as u32;
            next[a as usize] += 1;
        }
        ByAccount { offsets, rows }
    }

    pub fn of(&self, account: usize) -> &[u32] {
        &self.rows[self.offsets[account] as usize..self.offsets[account + 1] as usize]
    }
}

/// Tickets of one category for one account at one date: the named issues of a
/// fix-issues action.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct IssueCount {
    pub category: u32,
    pub opened_90d: u32,
    pub open: u32,
    pub open_urgent: u32,
}

fn median(v: &mut [f64]) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// Buffers reused from one feature row to the next (one per worker thread).
#[derive(Default)]
pub struct Scratch {
    response: Vec<f64>,
    resolution: Vec<f64>,
}

/// Fills the ticket features of `row`; returns the per-category issue counts.
pub fn tickets(t: &Tickets, rows: &[u32], at: i64, row: &mut [f64]) -> Vec<IssueCount> {
    tickets_with(t, rows, at, row, &mut Scratch::default())
}

/// `tickets` with the caller's buffers.
pub fn tickets_with(
    t: &Tickets,
    rows: &[u32],
    at: i64,
    row: &mut [f64],
    scratch: &mut Scratch,
) -> Vec<IssueCount> {
    let since = at - 90 * MICROS_PER_DAY;
    let (mut opened, mut open, mut urgent, mut oldest) = (0u32, 0u32, 0u32, 0i64);
    let response = &mut scratch.response;
    let resolution = &mut scratch.resolution;
    response.clear();
    resolution.clear();
    let mut issues: Vec<IssueCount> = Vec::new();
    for &r in rows {
        let r = r as usize;
        let o = t.opened_at[r];
        if o >= at {
            continue;
        }
        let recent = o >= since;
        let is_open = t.resolved_at[r].is_none_or(|x| x >= at);
        let is_urgent = is_open && t.priority[r].is_urgent_or_high();
        if recent {
            opened += 1;
            if let Some(fr) = t.first_response_at[r].filter(|&x| x < at) {
                response.push((fr - o) as f64 / MICROS_PER_HOUR as f64);
            }
            if let Some(rs) = t.resolved_at[r].filter(|&x| x < at) {
                resolution.push((rs - o) as f64 / MICROS_PER_HOUR as f64);
            }
        }
        if is_open {
            open += 1;
            oldest = oldest.max(at - o);
        }
        if is_urgent {
            urgent += 1;
        }
        if let Some(c) = t.category[r] {
            if recent || is_open {
                let i = match issues.iter().position(|x| x.category == c) {
                    Some(i) => i,
                    None => {
                        issues.push(IssueCount {
                            category: c,
                            opened_90d: 0,
                            open: 0,
                            open_urgent: 0,
                        });
                        issues.len() - 1
                    }
                };
                let e = &mut issues[i];
                e.opened_90d += u32::from(recent);
                e.open += u32::from(is_open);
                e.open_urgent += u32::from(is_urgent);
            }
        }
    }
    row[f::TICKETS_90D] = f64::from(opened);
    row[f::OPEN_TICKETS] = f64::from(open);
    row[f::OPEN_URGENT_TICKETS] = f64::from(urgent);
    row[f::OLDEST_OPEN_TICKET_DAYS] = oldest as f64 / MICROS_PER_DAY as f64;
    row[f::MEDIAN_FIRST_RESPONSE_HOURS] = median(response);
    row[f::MEDIAN_RESOLUTION_HOURS] = median(resolution);
    issues
}

/// Fills the survey features of `row`; returns the index of the latest NPS answer.
pub fn surveys(s: &Surveys, rows: &[u32], at: i64, row: &mut [f64]) -> Option<u32> {
    let nps_since = at - 365 * MICROS_PER_DAY;
    let csat_since = at - 180 * MICROS_PER_DAY;
    let mut latest: Option<u32> = None;
    let (mut answers, mut satisfied) = (0u32, 0u32);
    let (mut nps_answers, mut nps_sum, mut detractors) = (0u32, 0.0f64, 0u32);
    for &r in rows {
        let i = r as usize;
        let when = s.responded_at[i];
        if when >= at {
            continue;
        }
        match s.kind[i] {
            SurveyKind::Nps if when >= nps_since => {
                // Latest answer wins; on a tie, the later row in the file.
                if latest.is_none_or(|l| when >= s.responded_at[l as usize]) {
                    latest = Some(r);
                }
                nps_answers += 1;
                nps_sum += s.score[i];
                detractors +=
                    u32::from(NpsCategory::of(Some(s.score[i])) == NpsCategory::Detractor);
            }
            SurveyKind::Csat if when >= csat_since => {
                answers += 1;
                satisfied += u32::from(s.csat_satisfied(i));
            }
            _ => {}
        }
    }
    let score = latest.map(|l| s.score[l as usize]);
    let cat = NpsCategory::of(score);
    row[f::NPS_LATEST] = score.unwrap_or(f64::NAN);
    row[f::NPS_DETRACTOR] = f64::from(u8::from(cat == NpsCategory::Detractor));
    row[f::NPS_PASSIVE] = f64::from(u8::from(cat == NpsCategory::Passive));
    row[f::NPS_PROMOTER] = f64::from(u8::from(cat == NpsCategory::Promoter));
    row[f::DAYS_SINCE_NPS] = latest.map_or(f64::NAN, |l| {
        (at - s.responded_at[l as usize]) as f64 / MICROS_PER_DAY as f64
    });
    row[f::NPS_MEAN_365D] = if nps_answers == 0 {
        f64::NAN
    } else {
        nps_sum / f64::from(nps_answers)
    };
    row[f::NPS_DETRACTOR_ANSWERS_365D] = f64::from(detractors);
    row[f::CSAT_PCT_180D] = if answers == 0 {
        f64::NAN
    } else {
        100.0 * f64::from(satisfied) / f64::from(answers)
    };
    row[f::CSAT_ANSWERS_180D] = f64::from(answers);
    latest
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::Priority;

    const D: i64 = MICROS_PER_DAY;

    #[test]
    fn ticket_features_see_only_the_past_and_name_the_issues() {
        let at = 1000 * D;
        let t = Tickets {
            account: vec![0; 5],
            opened_at: vec![at - 10 * D, at - 5 * D, at - 200 * D, at, at - 2 * D],
            first_response_at: vec![
                Some(at - 10 * D + 2 * MICROS_PER_HOUR),
                Some(at + D),
                None,
                None,
                Some(at - 2 * D + 4 * MICROS_PER_HOUR),
            ],
            resolved_at: vec![Some(at - 9 * D), None, None, None, Some(at)],
            priority: vec![
                Priority::Low,
                Priority::Urgent,
                Priority::High,
                Priority::Urgent,
                Priority::Normal,
            ],
            category: vec![Some(0), Some(1), Some(1), Some(0), None],
            categories: vec!["billing".into(), "performance".into()],
        };
        let mut row = vec![0.0; f::COUNT];
        let issues = tickets(&t, &[0, 1, 2, 3, 4], at, &mut row);
        assert_eq!(row[f::TICKETS_90D], 3.0, "ticket opened at T is not seen");
        // open at T: #1 (no resolution), #2 (old, unresolved), #4 (resolved exactly at T)
        assert_eq!(row[f::OPEN_TICKETS], 3.0);
        assert_eq!(row[f::OPEN_URGENT_TICKETS], 2.0);
        assert_eq!(row[f::OLDEST_OPEN_TICKET_DAYS], 200.0);
        assert_eq!(
            row[f::MEDIAN_FIRST_RESPONSE_HOURS],
            3.0,
            "response after T is not seen"
        );
        assert_eq!(row[f::MEDIAN_RESOLUTION_HOURS], 24.0);
        assert_eq!(
            issues,
            vec![
                IssueCount {
                    category: 0,
                    opened_90d: 1,
                    open: 0,
                    open_urgent: 0
                },
                IssueCount {
                    category: 1,
                    opened_90d: 1,
                    open: 2,
                    open_urgent: 2
                },
            ]
        );
    }

    #[test]
    fn survey_features_take_the_latest_nps_and_csat_over_180_days() {
        let at = 1000 * D;
        let s = Surveys {
            account: vec![0; 6],
            responded_at: vec![
                at - 100 * D,
                at - 20 * D,
                at,
                at - 400 * D,
                at - 10 * D,
                at - 190 * D,
            ],
            kind: vec![
                SurveyKind::Nps,
                SurveyKind::Nps,
                SurveyKind::Nps,
                SurveyKind::Nps,
                SurveyKind::Csat,
                SurveyKind::Csat,
            ],
            score: vec![10.0, 4.0, 10.0, 9.0, 5.0, 1.0],
            scale_max: vec![10.0, 10.0, 10.0, 10.0, 5.0, 5.0],
            comment: vec![None; 6],
        };
        let mut row = vec![0.0; f::COUNT];
        assert_eq!(surveys(&s, &[0, 1, 2, 3, 4, 5], at, &mut row), Some(1));
        assert_eq!(row[f::NPS_LATEST], 4.0);
        assert_eq!(row[f::NPS_DETRACTOR], 1.0);
        assert_eq!(row[f::NPS_PROMOTER], 0.0);
        assert_eq!(row[f::DAYS_SINCE_NPS], 20.0);
        // within 365 days and before T: 10 (100 days back) and 4 (20 days back)
        assert_eq!(row[f::NPS_MEAN_365D], 7.0);
        assert_eq!(row[f::NPS_DETRACTOR_ANSWERS_365D], 1.0);
        assert_eq!(row[f::CSAT_PCT_180D], 100.0);
        assert_eq!(row[f::CSAT_ANSWERS_180D], 1.0);

        let mut row = vec![0.0; f::COUNT];
        assert_eq!(
            surveys(&s, &[3, 5], at, &mut row),
            None,
            "answers older than 365 days are not latest"
        );
        assert!(row[f::NPS_LATEST].is_nan());
        assert!(row[f::NPS_MEAN_365D].is_nan());
        assert_eq!(row[f::NPS_DETRACTOR_ANSWERS_365D], 0.0);
        assert!(row[f::CSAT_PCT_180D].is_nan());
    }

    #[test]
    fn grouping_keeps_file_order() {
        let g = ByAccount::new(&[1, 0, 1, 2], 4);
        assert_eq!(g.of(0), &[1]);
        assert_eq!(g.of(1), &[0, 2]);
        assert_eq!(g.of(3), &[] as &[u32]);
    }

    #[test]
    fn reused_buffers_do_not_leak_between_rows() {
        let at = 1000 * D;
        let t = Tickets {
            account: vec![0, 1],
            opened_at: vec![at - 10 * D, at - 5 * D],
            first_response_at: vec![Some(at - 10 * D + MICROS_PER_HOUR), None],
            resolved_at: vec![Some(at - 9 * D), None],
            priority: vec![Priority::Low, Priority::Low],
            category: vec![None, None],
            categories: vec![],
        };
        let mut scratch = Scratch::default();
        let mut row = vec![0.0; f::COUNT];
        tickets_with(&t, &[0], at, &mut row, &mut scratch);
        assert_eq!(row[f::MEDIAN_FIRST_RESPONSE_HOURS], 1.0);
        tickets_with(&t, &[1], at, &mut row, &mut scratch);
        assert!(row[f::MEDIAN_FIRST_RESPONSE_HOURS].is_nan());
        assert!(row[f::MEDIAN_RESOLUTION_HOURS].is_nan());
    }
}
