//! `report.html`: one self-contained page that tells customer-success managers which
//! accounts are about to churn, why, and what to do, most urgent first.
//!
//! The page has no external assets and no script: charts are inline SVG (drawn by
//! [`charts`]), styles sit in a `<style>` tag, and a Content-Security-Policy forbids
//! anything else. Every text that comes from the data (names, owners, comments,
//! reasons...) goes through the template engine's HTML auto-escaping; the only markup
//! not escaped is the SVG that this module draws itself.
//!
//! Rendering is deterministic: the same input gives the same bytes.
//!
//! ```no_run
//! # fn demo(scores: &churn::scoring::Scores, model: &churn::model::ChurnModel,
//! #         surveys: &churn::ingest::Surveys) -> Result<(), churn::report::ReportError> {
//! let html = churn::report::render(&churn::report::ReportInput {
//!     scores,
//!     model,
//!     surveys,
//!     as_of: scores.as_of,
//!     period_days: 90,
//! })?;
//! assert!(html.starts_with("<!DOCTYPE html>"));
//! # Ok(()) }
//! ```

mod charts;
mod format;
mod view;

use chrono::NaiveDate;
use minijinja::value::{Serde, Value};
use minijinja::{context, Environment, UndefinedBehavior};

use crate::ingest::Surveys;
use crate::model::ChurnModel;
use crate::scoring::Scores;

pub use view::{csat_over, nps_over, CsatSummary, NpsSummary};

/// File name of the report in a run folder.
pub const FILE_NAME: &str = "report.html";

/// The template; its `.html` name turns auto-escaping on.
const TEMPLATE_NAME: &str = "report.html";
const TEMPLATE: &str = include_str!("report.html");

/// Everything the report shows.
#[derive(Debug, Clone, Copy)]
pub struct ReportInput<'a> {
    /// Accounts sorted by `risk_rank`, with the playbook's actions applied.
    pub scores: &'a Scores,
    /// The model that produced `scores`: its validation metrics are charted.
    pub model: &'a ChurnModel,
    /// Survey answers, for the NPS and CSAT of the period.
    pub surveys: &'a Surveys,
    pub as_of: NaiveDate,
    /// Look-back (days before `as_of`) of the headline NPS and CSAT.
    pub period_days: u32,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The scores and the model do not belong together.
    #[error("the scores come from model {scores} but the report was given model {model}")]
    ModelMismatch { scores: String, model: String },
    #[error("cannot draw the {chart} chart: {reason}")]
    Chart { chart: &'static str, reason: String },
    #[error("cannot render the report: {0}")]
    Template(#[from] minijinja::Error),
}

/// The whole HTML document.
pub fn render(input: &ReportInput) -> Result<String, ReportError> {
    if input.scores.model_version != input.model.model_version {
        return Err(ReportError::ModelMismatch {
            scores: input.scores.model_version.clone(),
            model: input.model.model_version.clone(),
        });
    }
    let report = view::Report::new(input);
    let charts = view::charts(input)?;
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_syntax(
        minijinja::syntax::SyntaxConfig::builder()
            .trim_blocks(true)
            .lstrip_blocks(true)
            .build()?,
    );
    env.add_template(TEMPLATE_NAME, TEMPLATE)?;
    let page = env.get_template(TEMPLATE_NAME)?.render(context! {
        r => Value::from(Serde(&report)),
        // The only markup not escaped: SVG drawn here, whose texts the SVG backend escapes.
        chart_risk => Value::from_safe_string(charts.risk),
        chart_lift => Value::from_safe_string(charts.lift),
        chart_calibration => Value::from_safe_string(charts.calibration),
        chart_drivers => Value::from_safe_string(charts.drivers),
    })?;
    Ok(page)
}

#[cfg(test)]
mod tests;
