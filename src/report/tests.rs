//! The report from a handful of hand-made accounts: figures, grouping, escaping,
//! determinism.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{NaiveDate, TimeZone, Utc};
use ndarray::Array2;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::view::{self, driver_bars};
use super::*;
use crate::actions::Action;
use crate::contract::NpsCategory;
use crate::features::IssueCount;
use crate::ingest::SurveyKind;
use crate::model::{FeatureSpec, ModelMeta, TrainParams, TrainingSet, Transform};
use crate::scoring::{AccountRisk, Driver, RiskTier, Thresholds};
use crate::time::{date_to_micros, MICROS_PER_DAY};

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";

fn as_of() -> NaiveDate {
    "2026-11-01".parse().unwrap()
}

/// A tiny model trained on synthetic rows: only its version and metrics matter here.
fn model() -> &'static ChurnModel {
    static MODEL: OnceLock<ChurnModel> = OnceLock::new();
    MODEL.get_or_init(|| {
        let n = 800;
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let mut x = Array2::<f64>::zeros((n, 2));
        let mut y = Vec::with_capacity(n);
        for i in 0..n {
            x[[i, 0]] = rng.gen_range(-2.0..2.0);
            x[[i, 1]] = rng.gen_range(-2.0..2.0);
            let p = 1.0 / (1.0 + (-(-1.5 + 1.5 * x[[i, 0]])).exp());
            y.push(rng.gen_bool(p));
        }
        let set = TrainingSet {
            specs: vec![
                FeatureSpec::new("usage_trend_30d", Transform::Identity),
                FeatureSpec::new("noise", Transform::Identity),
            ],
            x,
            y,
            group: (0..n as u32).map(|i| i % 4).collect(),
        };
        let trained = crate::model::train(&set, &TrainParams::default()).unwrap();
        let meta = ModelMeta {
            created_at: Utc.with_ymd_and_hms(2026, 11, 1, 3, 4, 5).unwrap(),
            as_of: as_of(),
            horizon_days: 90,
            extra: BTreeMap::new(),
        };
        ChurnModel::new(trained, meta).unwrap()
    })
}

struct Acc {
    id: &'static str,
    name: Option<&'static str>,
    owner: Option<&'static str>,
    p: f64,
    tier: RiskTier,
    action: Action,
    mrr: Option<f64>,
    nps: Option<(f64, &'static str)>,
}

fn account(rank: u32, a: &Acc) -> AccountRisk {
    AccountRisk {
        account_id: a.id.into(),
        account_name: a.name.map(String::from),
        segment: Some("mid-market <b>seg</b>".into()),
        plan: Some("pro <b>plan</b>".into()),
        csm_owner: a.owner.map(String::from),
        mrr: a.mrr,
        churn_probability: a.p,
        risk_tier: a.tier,
        risk_rank: rank,
        revenue_at_risk: a.mrr.map(|m| a.p * m * 12.0),
        nps_latest: a.nps.map(|n| n.0),
        nps_category: NpsCategory::of(a.nps.map(|n| n.0)),
        nps_date: a.nps.map(|_| as_of() - chrono::Duration::days(20)),
        nps_comment: a.nps.map(|n| n.1.to_string()),
        csat_pct: Some(50.0),
        features: vec![],
        issues: vec![(
            "billing <b>x</b>".into(),
            IssueCount {
                category: 0,
                opened_90d: 2,
                open: 1,
                open_urgent: 0,
            },
        )],
        drivers: vec![
            Driver {
                feature: "usage_trend_30d".into(),
                group: "usage_trend".into(),
                value: -0.6,
                reference: Some(0.0),
                contribution: 0.8,
                sentence: "usage down 45% <b>vs</b> the previous 30 days".into(),
            },
            Driver {
                feature: if a.tier == RiskTier::High {
                    "open_tickets"
                } else {
                    "seat_utilisation"
                }
                .into(),
                group: "seats".into(),
                value: 0.18,
                reference: Some(0.6),
                contribution: 0.5,
                sentence: "seat utilisation 18%".into(),
            },
        ],
        recommended_action: a.action,
        action_reason: format!("Reason for {} <b>now</b>.", a.id),
        top_issues: match a.action {
            Action::CallImmediately | Action::FixIssues => {
                vec!["billing <b>x</b>: 2 tickets in 90 days, 1 open".into()]
            }
            _ => vec![],
        },
    }
}

fn scores() -> Scores {
    use Action::*;
    use RiskTier::*;
    let accounts = [
        Acc {
            id: "A-1",
            name: Some(SCRIPT),
            owner: Some("Bea <b>Boss</b>"),
            p: 0.42,
            tier: High,
            action: CallImmediately,
            mrr: Some(100_000.0),
            nps: Some((3.0, IMG)),
        },
        Acc {
            id: "A-2",
            name: Some("Northwind"),
            owner: Some("Ann"),
            p: 0.30,
            tier: High,
            action: CallImmediately,
            mrr: Some(2_500.0),
            nps: Some((10.0, "love it")),
        },
        Acc {
            id: "A-3",
            name: None,
            owner: None,
            p: 0.12,
            tier: Medium,
            action: FixIssues,
            mrr: None,
            nps: None,
        },
        Acc {
            id: "A-4",
            name: Some("Globex"),
            owner: Some("Bea <b>Boss</b>"),
            p: 0.03,
            tier: Low,
            action: Reference,
            mrr: Some(1_000.0),
            nps: Some((9.0, "great")),
        },
        Acc {
            id: "A-5",
            name: Some("Initech"),
            owner: Some("Ann"),
            p: 0.02,
            tier: Low,
            action: Monitor,
            mrr: Some(500.0),
            nps: None,
        },
        Acc {
            id: "A-6",
            name: Some("Hooli"),
            owner: Some("   "),
            p: 0.01,
            tier: Low,
            action: Monitor,
            mrr: Some(800.0),
            nps: None,
        },
    ];
    Scores {
        as_of: as_of(),
        model_version: model().model_version.clone(),
        horizon_days: 90,
        thresholds: Thresholds {
            base_rate: 0.05,
            high: 0.15,
            medium: 0.075,
        },
        accounts: accounts
            .iter()
            .enumerate()
            .map(|(k, a)| account(k as u32 + 1, a))
            .collect(),
    }
}

/// Answers at `days` before the as-of date (negative: after it).
fn surveys(answers: &[(SurveyKind, f64, i64)]) -> Surveys {
    let mut s = Surveys::default();
    for &(kind, score, days) in answers {
        s.account.push(0);
        s.responded_at
            .push(date_to_micros(as_of()) - days * MICROS_PER_DAY + 3_600_000_000);
        s.kind.push(kind);
        s.score.push(score);
        s.scale_max
            .push(if kind == SurveyKind::Nps { 10.0 } else { 5.0 });
        s.comment.push(None);
    }
    s
}

/// 2 promoters, 1 passive, 1 detractor in the period (NPS 25), and answers outside
/// it that must not count; CSAT 2 of 3 satisfied (67%).
fn period_surveys() -> Surveys {
    use SurveyKind::*;
    surveys(&[
        (Nps, 10.0, 1),
        (Nps, 9.0, 30),
        (Nps, 8.0, 60),
        (Nps, 3.0, 90),
        (Nps, 0.0, 91),
        (Nps, 0.0, 400),
        (Nps, 0.0, 0),
        (Nps, 0.0, -3),
        (Csat, 5.0, 10),
        (Csat, 4.0, 20),
        (Csat, 2.0, 30),
        (Csat, 1.0, 120),
    ])
}

fn render_default(scores: &Scores, surveys: &Surveys) -> String {
    render(&ReportInput {
        scores,
        model: model(),
        surveys,
        as_of: as_of(),
        period_days: 90,
    })
    .unwrap()
}

/// The big number of the headline figure labelled `label`.
fn figure<'h>(html: &'h str, label: &str) -> &'h str {
    let at = html
        .find(&format!("<div class=\"label\">{label}</div>"))
        .unwrap_or_else(|| panic!("no figure {label:?}"));
    let rest = &html[at..];
    let start = rest.find("<div class=\"value\">").unwrap() + "<div class=\"value\">".len();
    let end = start + rest[start..].find("</div>").unwrap();
    &rest[start..end]
}

#[test]
fn nps_and_csat_count_the_answers_of_the_period_only() {
    let s = period_surveys();
    let to = date_to_micros(as_of());
    let from = date_to_micros(as_of() - chrono::Duration::days(90));
    let nps = nps_over(&s, from, to);
    assert_eq!(
        nps,
        NpsSummary {
            answers: 4,
            promoters: 2,
            passives: 1,
            detractors: 1
        }
    );
    assert_eq!(nps.score(), Some(25.0));
    let csat = csat_over(&s, from, to);
    assert_eq!(
        csat,
        CsatSummary {
            answers: 3,
            satisfied: 2
        }
    );
    assert!((csat.pct().unwrap() - 200.0 / 3.0).abs() < 1e-9);
    assert_eq!(nps_over(&Surveys::default(), from, to).score(), None);
    assert_eq!(csat_over(&Surveys::default(), from, to).pct(), None);
}

#[test]
fn headline_figures_add_up_the_accounts() {
    let html = render_default(&scores(), &period_surveys());
    assert_eq!(figure(&html, "Active accounts scored"), "6");
    // 0.42 + 0.30 + 0.12 + 0.03 + 0.02 + 0.01 = 0.90
    assert_eq!(figure(&html, "Expected churners in 90 days"), "0.9");
    // 12 x (0.42 x 100,000 + 0.30 x 2,500 + 0.03 x 1,000 + 0.02 x 500 + 0.01 x 800)
    assert_eq!(
        figure(&html, "Revenue at risk, annualised"),
        "513,576",
        "A-3 has no MRR"
    );
    assert!(html.contains("1 without MRR not counted"));
    assert_eq!(figure(&html, "NPS, last 90 days"), "25");
    assert!(html.contains("4 answers: 50% promoters, 25% passives, 25% detractors"));
    assert_eq!(figure(&html, "CSAT, last 90 days"), "67%");
    assert!(html.contains("satisfied, over 3 answers"));
    assert!(html.contains("from 2026-08-03 to 2026-10-31"));
    for (count, key) in [
        (2, "call_immediately"),
        (1, "fix_issues"),
        (1, "reference"),
        (2, "monitor"),
    ] {
        let card = format!(
            "<div class=\"action-card {key}\">\n      <span class=\"count\">{count}</span>"
        );
        assert!(html.contains(&card), "{card}");
    }
    assert!(html.contains("As of <strong>2026-11-01</strong>"));
    assert!(html.contains(&model().model_version));
    assert!(html.contains("next <strong>90 days</strong>"));
}

#[test]
fn headline_without_survey_answers_says_so() {
    let html = render_default(&scores(), &Surveys::default());
    assert_eq!(figure(&html, "NPS, last 90 days"), "n/a");
    assert_eq!(figure(&html, "CSAT, last 90 days"), "n/a");
    assert!(html.contains("0 answers"));
}

#[test]
fn owners_are_grouped_and_ordered_by_their_most_urgent_account() {
    let s = scores();
    let surveys = Surveys::default();
    let input = ReportInput {
        scores: &s,
        model: model(),
        surveys: &surveys,
        as_of: as_of(),
        period_days: 90,
    };
    let r = view::Report::new(&input);
    let owners: Vec<(&str, Vec<u32>, Vec<u32>)> = r
        .owners
        .iter()
        .map(|o| {
            (
                o.name.as_str(),
                o.urgent.iter().map(|a| a.rank).collect(),
                o.others.iter().map(|a| a.rank).collect(),
            )
        })
        .collect();
    assert_eq!(
        owners,
        vec![
            ("Bea <b>Boss</b>", vec![1], vec![4]),
            ("Ann", vec![2], vec![5]),
            // No owner and a blank owner are both unassigned.
            ("Unassigned", vec![3], vec![6]),
        ]
    );

    // Ranks decide, not the order the accounts arrive in.
    let mut shuffled = s.clone();
    shuffled.accounts.reverse();
    let html = render_default(&shuffled, &surveys);
    let pos = |needle: &str| {
        html.find(needle)
            .unwrap_or_else(|| panic!("missing {needle}"))
    };
    assert!(pos("owner-name\">Bea &lt;b&gt;Boss") < pos("owner-name\">Ann<"));
    assert!(pos("owner-name\">Ann<") < pos("owner-name\">Unassigned<"));
    assert!(pos("id=\"account-2\"") < pos("id=\"account-5\""));
    assert!(pos("owner-name\">Ann<") < pos("id=\"account-2\""));
    assert!(pos("id=\"account-5\"") < pos("owner-name\">Unassigned<"));
    // The top calls list is by rank too.
    let calls = &html[pos("id=\"calls\"")..pos("id=\"charts\"")];
    assert!(calls.find("#account-1").unwrap() < calls.find("#account-2").unwrap());
    assert!(!calls.contains("#account-3"), "a fix is not a call");
}

#[test]
fn large_owners_show_their_most_urgent_accounts_and_count_the_rest() {
    use Action::*;
    let actions = [CallImmediately, FixIssues, Reference, Monitor, FixIssues];
    let book = |n: u32| -> Vec<AccountRisk> {
        (1..=n)
            .map(|rank| {
                let mut a = account(
                    rank,
                    &Acc {
                        id: "A",
                        name: None,
                        owner: Some("Ann"),
                        p: 0.5 - f64::from(rank) / 100.0,
                        tier: RiskTier::Medium,
                        action: actions[rank as usize % actions.len()],
                        mrr: Some(100.0),
                        nps: None,
                    },
                );
                a.account_id = format!("A-{rank}");
                a
            })
            .collect()
    };
    let accounts = book(25);
    let by_rank: Vec<&AccountRisk> = accounts.iter().collect();
    let o = &view::owners(&by_rank, 4, 3)[0];
    let urgent: Vec<u32> = o.urgent.iter().map(|a| a.rank).collect();
    let others: Vec<u32> = o.others.iter().map(|a| a.rank).collect();
    // 15 call or fix accounts (ranks with rank % 5 in {0, 1, 4}), 10 others.
    assert_eq!(urgent, vec![1, 4, 5, 6]);
    assert_eq!(o.urgent_more, 11);
    assert_eq!(others, vec![2, 3, 7]);
    assert_eq!((o.others_total, o.others_more), (10, 7));
    let all = &view::owners(&by_rank, 100, 100)[0];
    assert_eq!((all.urgent.len(), all.urgent_more), (15, 0));
    assert_eq!((all.others.len(), all.others_more), (10, 0));

    // The page says how many are left out and where to find them.
    let mut s = scores();
    s.accounts = accounts;
    let html = render_default(&s, &Surveys::default());
    assert!(html.contains("10 accounts to ask for a reference or to monitor"));
    assert!(
        !html.contains("more account"),
        "nothing left out at the page's limits"
    );
    // 520 accounts: 312 to call or fix (100 shown), 208 others (200 shown).
    s.accounts = book(520);
    let html = render_default(&s, &Surveys::default());
    assert_eq!(html.matches("<article class=\"account\"").count(), 100);
    assert!(html.contains("212 more accounts of Ann to call or fix"));
    assert!(html.contains("208 accounts to ask for a reference or to monitor"));
    assert!(html.contains("The first 200 by churn risk are listed; the other 8 are in"));
}

#[test]
fn untrusted_text_is_escaped_everywhere() {
    let html = render_default(&scores(), &period_surveys());
    assert!(!html.contains(SCRIPT));
    assert!(!html.to_ascii_lowercase().contains("<script"));
    assert!(!html.contains("<img"));
    assert!(!html.contains(IMG));
    assert!(html.contains("&lt;script&gt;alert(1)&lt;"));
    assert!(html.contains("&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"));
    // Owner, segment, plan, issue, driver sentence and reason all carry <b> tags.
    assert!(!html.contains("<b>"));
    for escaped in [
        "Bea &lt;b&gt;Boss",
        "mid-market &lt;b&gt;seg",
        "pro &lt;b&gt;plan",
        "billing &lt;b&gt;x",
        "usage down 45% &lt;b&gt;vs",
        "Reason for A-1 &lt;b&gt;now",
    ] {
        assert!(html.contains(escaped), "{escaped}");
    }
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
    ));
}

#[test]
fn the_template_marks_nothing_safe_and_has_no_script() {
    // Charts are the only unescaped markup, marked safe in Rust; data never is.
    assert!(!TEMPLATE.contains("|safe"));
    assert!(!TEMPLATE.contains("| safe"));
    assert!(!TEMPLATE.to_ascii_lowercase().contains("<script"));
    assert!(!TEMPLATE.contains("autoescape"));
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let s = scores();
    let v = period_surveys();
    let a = render_default(&s, &v);
    let b = render_default(&s.clone(), &v.clone());
    assert_eq!(a, b);
    // The model's creation time is a fact of the run that made it, not of the report.
    assert!(!a.contains(&model().created_at));
    assert!(!a.contains("03:04:05"));
}

#[test]
fn the_page_is_self_contained_with_four_charts() {
    let html = render_default(&scores(), &period_surveys());
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg ").count(), 4);
    for title in [
        "Churn risk of every active account",
        "Model lift by risk decile (validation)",
        "Predicted vs observed churn (validation)",
        "Most common risk drivers",
    ] {
        assert!(html.contains(title), "{title}");
    }
    for external in ["src=\"http", "href=\"http", "url(", "@import", "<link"] {
        assert!(!html.contains(external), "{external}");
    }
    // Threshold explanation shows the run's tiers.
    assert!(html.contains("5.0% churned within 90 days"));
    assert!(html.contains("starts at 15.0% (3.0x the usual rate; 2 accounts today)"));
}

#[test]
fn an_empty_run_still_renders() {
    let mut s = scores();
    s.accounts.clear();
    let html = render_default(&s, &Surveys::default());
    assert_eq!(figure(&html, "Active accounts scored"), "0");
    assert!(html.contains("No account needs a call today."));
    assert!(html.contains("No active accounts were scored."));
}

#[test]
fn scores_from_another_model_are_refused() {
    let mut s = scores();
    s.model_version = "m-20260101-deadbeef".into();
    let err = render(&ReportInput {
        scores: &s,
        model: model(),
        surveys: &Surveys::default(),
        as_of: as_of(),
        period_days: 90,
    })
    .unwrap_err();
    assert!(matches!(err, ReportError::ModelMismatch { .. }), "{err}");
    assert!(err.to_string().contains("m-20260101-deadbeef"));
}

#[test]
fn driver_bars_count_accounts_per_feature_and_tier() {
    let s = scores();
    let bars = driver_bars(&s.accounts, 10);
    let got: Vec<(&str, [u32; 3])> = bars.iter().map(|b| (b.label.as_str(), b.counts)).collect();
    assert_eq!(
        got,
        vec![
            ("Usage trend, month on month", [3, 1, 2]),
            ("Seat utilisation", [3, 1, 0]),
            ("Open support tickets", [0, 0, 2]),
        ]
    );
    assert_eq!(driver_bars(&s.accounts, 1).len(), 1);
}

#[test]
fn issues_already_shown_as_drivers_are_not_repeated() {
    let mut s = scores();
    s.accounts[0].top_issues.push("seat utilisation 18%".into());
    let surveys = Surveys::default();
    let r = view::Report::new(&ReportInput {
        scores: &s,
        model: model(),
        surveys: &surveys,
        as_of: as_of(),
        period_days: 90,
    });
    let a = &r.owners[0].urgent[0];
    assert_eq!(a.id, "A-1");
    assert_eq!(
        a.issues,
        vec!["billing <b>x</b>: 2 tickets in 90 days, 1 open".to_string()]
    );
    assert!(a.drivers.contains(&"seat utilisation 18%".to_string()));
}
