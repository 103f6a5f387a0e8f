//! The report's charts as inline SVG, drawn with `plotters`' SVG backend.
//!
//! Built without plotters' default features: its SVG backend writes text as SVG
//! `<text>` elements (escaped) that the browser lays out with its own fonts, so
//! nothing here reads a system font, and no bitmap, font or image crate is pulled in.
//! Text sizes are estimated (plotters' "naive" layout), which only matters for the
//! label areas, sized by hand below.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::format::{pct_axis, thousands};
use super::ReportError;
use crate::model::metrics::{CalibrationBin, LiftDecile};
use crate::scoring::{RiskTier, Thresholds};

/// Pixel size of every chart; the page scales them down on narrow screens.
const SIZE: (u32, u32) = (600, 360);
const FONT: &str = "sans-serif";
/// plotters divides font sizes by 1.24 in SVG: these give about 16, 13 and 12 px.
const CAPTION: u32 = 20;
const DESC: u32 = 16;
const LABEL: u32 = 15;

const INK: RGBColor = RGBColor(51, 51, 51);
const GRID: RGBColor = RGBColor(225, 225, 225);
const BAR: RGBColor = RGBColor(52, 101, 164);
const REFERENCE: RGBColor = RGBColor(120, 120, 120);

/// The tier colours, matching the badges of the page's CSS.
pub fn tier_colour(t: RiskTier) -> RGBColor {
    match t {
        RiskTier::High => RGBColor(192, 57, 43),
        RiskTier::Medium => RGBColor(224, 142, 11),
        RiskTier::Low => RGBColor(58, 143, 183),
    }
}

/// Tiers bottom to top in stacked bars.
const STACK: [RiskTier; 3] = [RiskTier::Low, RiskTier::Medium, RiskTier::High];

fn tier_name(t: RiskTier) -> &'static str {
    match t {
        RiskTier::High => "High risk",
        RiskTier::Medium => "Medium risk",
        RiskTier::Low => "Low risk",
    }
}

type DrawResult = Result<(), Box<dyn std::error::Error>>;

/// Runs `draw` on a fresh SVG canvas and returns the SVG text.
fn svg(
    chart: &'static str,
    draw: impl FnOnce(&DrawingArea<SVGBackend, Shift>) -> DrawResult,
) -> Result<String, ReportError> {
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, SIZE).into_drawing_area();
        let result = root
            .fill(&WHITE)
            .map_err(Into::into)
            .and_then(|_| draw(&root))
            .and_then(|_| root.present().map_err(Into::into));
        result.map_err(|e| ReportError::Chart {
            chart,
            reason: e.to_string(),
        })?;
    }
    Ok(out)
}

/// `x` rounded up to a multiple of `step`, within `[step, max]`.
fn ceil_to(x: f64, step: f64, max: f64) -> f64 {
    let v = if x.is_finite() {
        (x / step - 1e-9).ceil() * step
    } else {
        step
    };
    v.clamp(step, max)
}

fn caption_style() -> TextStyle<'static> {
    (FONT, CAPTION).into_font().color(&INK)
}

fn label_style() -> TextStyle<'static> {
    (FONT, LABEL).into_font().color(&INK)
}

/// Whole numbers only (for axes whose key points may fall between them).
fn whole(x: f64) -> Option<i64> {
    ((x - x.round()).abs() < 1e-6).then_some(x.round() as i64)
}

/// Histogram bins of churn probability, each split by tier.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskBins {
    pub upper: f64,
    /// Per bin: accounts of each tier in [`STACK`] order (low, medium, high).
    pub counts: Vec<[u32; 3]>,
}

pub const RISK_BINS: usize = 40;

impl RiskBins {
    pub fn new(accounts: impl Iterator<Item = (f64, RiskTier)>, t: &Thresholds) -> RiskBins {
        let accounts: Vec<(f64, RiskTier)> = accounts.filter(|(p, _)| p.is_finite()).collect();
        let top = accounts.iter().map(|a| a.0).fold(t.high.min(1.0), f64::max);
        let upper = ceil_to(top * 1.02, 0.05, 1.0);
        let width = upper / RISK_BINS as f64;
        let mut counts = vec![[0u32; 3]; RISK_BINS];
        for (p, tier) in accounts {
            let bin = ((p / width).floor().max(0.0) as usize).min(RISK_BINS - 1);
            let k = STACK.iter().position(|s| *s == tier).unwrap_or(0);
            counts[bin][k] += 1;
        }
        RiskBins { upper, counts }
    }
}

/// Histogram of churn probability, stacked by tier, with the tier thresholds.
pub fn risk_distribution(
    bins: &RiskBins,
    t: &Thresholds,
    horizon_days: u32,
) -> Result<String, ReportError> {
    svg("risk distribution", |root| {
        let tallest = bins
            .counts
            .iter()
            .map(|c| c.iter().sum::<u32>())
            .max()
            .unwrap_or(0);
        let ymax = ((f64::from(tallest) * 1.25).ceil() as u32).max(4);
        let mut chart = ChartBuilder::on(root)
            .caption("Churn risk of every active account", caption_style())
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(58)
            .build_cartesian_2d(0f64..bins.upper, 0u32..ymax)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_desc(format!(
                "Probability of churning within {horizon_days} days"
            ))
            .y_desc("Accounts")
            .axis_desc_style((FONT, DESC).into_font().color(&INK))
            .label_style(label_style())
            .x_label_formatter(&|x| pct_axis(*x))
            .y_label_formatter(&|y| thousands(f64::from(*y), 0))
            .draw()?;
        let width = bins.upper / bins.counts.len() as f64;
        for (k, tier) in STACK.iter().enumerate().rev() {
            let colour = tier_colour(*tier);
            let rects = bins.counts.iter().enumerate().filter_map(move |(b, c)| {
                let below: u32 = c[..k].iter().sum();
                (c[k] > 0).then(|| {
                    let x0 = b as f64 * width;
                    Rectangle::new(
                        [(x0, below), (x0 + width * 0.92, below + c[k])],
                        colour.filled(),
                    )
                })
            });
            chart
                .draw_series(rects)?
                .label(tier_name(*tier))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        let marks = [
            (t.medium, RiskTier::Medium, 0.96),
            (t.high, RiskTier::High, 0.88),
        ];
        for (at, tier, height) in marks {
            if !(at.is_finite() && at > 0.0 && at < bins.upper) {
                continue;
            }
            let colour = tier_colour(tier);
            chart.draw_series(DashedLineSeries::new(
                [(at, 0), (at, ymax)],
                6,
                4,
                colour.stroke_width(2),
            ))?;
            let name = if tier == RiskTier::High {
                "high"
            } else {
                "medium"
            };
            chart.draw_series(std::iter::once(Text::new(
                format!(" {name} from {}", pct_axis(at)),
                (at + bins.upper * 0.006, (f64::from(ymax) * height) as u32),
                (FONT, LABEL).into_font().color(&colour),
            )))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(GRID)
            .label_font(label_style())
            .draw()?;
        Ok(())
    })
}

/// Churn rate of each validation decile against the average (lift), as bars.
pub fn lift(deciles: &[LiftDecile]) -> Result<String, ReportError> {
    svg("lift", |root| {
        let finite = |v: f64| if v.is_finite() { v } else { 0.0 };
        let top = deciles.iter().map(|d| finite(d.lift)).fold(1.0, f64::max);
        let ymax = ceil_to(top * 1.15, 0.5, f64::MAX);
        let mut chart = ChartBuilder::on(root)
            .caption("Model lift by risk decile (validation)", caption_style())
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(58)
            .build_cartesian_2d(0.5f64..10.5f64, 0f64..ymax)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_labels(10)
            .x_desc("Risk decile (1 = the 10% the model ranks riskiest)")
            .y_desc("Churn rate vs average")
            .axis_desc_style((FONT, DESC).into_font().color(&INK))
            .label_style(label_style())
            .x_label_formatter(&|x| whole(*x).map(|d| d.to_string()).unwrap_or_default())
            .y_label_formatter(&|y| format!("{y:.1}x"))
            .draw()?;
        chart.draw_series(deciles.iter().map(|d| {
            let x = d.decile as f64;
            Rectangle::new([(x - 0.36, 0.0), (x + 0.36, finite(d.lift))], BAR.filled())
        }))?;
        chart.draw_series(deciles.iter().map(|d| {
            Text::new(
                format!("{:.1}x", finite(d.lift)),
                (d.decile as f64 - 0.3, finite(d.lift) + ymax * 0.055),
                label_style(),
            )
        }))?;
        chart
            .draw_series(DashedLineSeries::new(
                [(0.5, 1.0), (10.5, 1.0)],
                6,
                4,
                REFERENCE.stroke_width(2),
            ))?
            .label("Average churn rate (1.0x)")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], REFERENCE.stroke_width(2)));
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperRight)
            .background_style(WHITE.mix(0.9))
            .border_style(GRID)
            .label_font(label_style())
            .draw()?;
        Ok(())
    })
}

/// Predicted against observed churn per validation group, with the diagonal.
pub fn calibration(bins: &[CalibrationBin]) -> Result<String, ReportError> {
    svg("calibration", |root| {
        let points: Vec<(f64, f64)> = bins
            .iter()
            .filter(|b| b.mean_predicted.is_finite() && b.observed_rate.is_finite())
            .map(|b| (b.mean_predicted, b.observed_rate))
            .collect();
        let top = points.iter().fold(0.0, |m: f64, p| m.max(p.0).max(p.1));
        let m = ceil_to(top * 1.08, 0.05, 1.0);
        let mut chart = ChartBuilder::on(root)
            .caption("Predicted vs observed churn (validation)", caption_style())
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(58)
            .build_cartesian_2d(0f64..m, 0f64..m)?;
        chart
            .configure_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .x_desc("Predicted churn probability (group average)")
            .y_desc("Share that churned")
            .axis_desc_style((FONT, DESC).into_font().color(&INK))
            .label_style(label_style())
            .x_label_formatter(&|x| pct_axis(*x))
            .y_label_formatter(&|y| pct_axis(*y))
            .draw()?;
        chart
            .draw_series(DashedLineSeries::new(
                [(0.0, 0.0), (m, m)],
                6,
                4,
                REFERENCE.stroke_width(2),
            ))?
            .label("Perfect calibration")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], REFERENCE.stroke_width(2)));
        chart
            .draw_series(LineSeries::new(points.iter().copied(), BAR.stroke_width(2)))?
            .label("Model (10 groups of equal size)")
            .legend(|(x, y)| PathElement::new([(x, y), (x + 16, y)], BAR.stroke_width(2)));
        chart.draw_series(points.iter().map(|&p| Circle::new(p, 4, BAR.filled())))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(GRID)
            .label_font(label_style())
            .draw()?;
        Ok(())
    })
}

/// One bar of the drivers chart: a feature's label and, per tier in [`STACK`]
/// order, the accounts whose drivers include it.
#[derive(Debug, Clone, PartialEq)]
pub struct DriverBar {
    pub label: String,
    pub counts: [u32; 3],
}

impl DriverBar {
    pub fn total(&self) -> u32 {
        self.counts.iter().sum()
    }
}

/// Horizontal bars, most common driver on top, stacked by tier.
pub fn drivers(bars: &[DriverBar]) -> Result<String, ReportError> {
    svg("drivers", |root| {
        let n = bars.len().max(1);
        let top = bars.iter().map(DriverBar::total).max().unwrap_or(0);
        let xmax = ((f64::from(top) * 1.15).ceil() as u32).max(4);
        // Bar i sits at y = n - 1 - i so that the first bar is on top.
        let row = |i: usize| (n - 1 - i) as f64;
        let labels: Vec<String> = bars.iter().map(|b| b.label.clone()).collect();
        let label_of = move |y: f64| -> String {
            whole(y)
                .filter(|&v| v >= 0 && (v as usize) < n)
                .and_then(|v| labels.get(n - 1 - v as usize).cloned())
                .unwrap_or_default()
        };
        let mut chart = ChartBuilder::on(root)
            .caption("Most common risk drivers", caption_style())
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(210)
            .build_cartesian_2d(0u32..xmax, -0.5f64..(n as f64 - 0.5))?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(GRID)
            .y_labels(n)
            .x_desc("Accounts with this among their top drivers")
            .axis_desc_style((FONT, DESC).into_font().color(&INK))
            .label_style(label_style())
            .x_label_formatter(&|x| thousands(f64::from(*x), 0))
            .y_label_formatter(&|y| label_of(*y))
            .draw()?;
        for (k, tier) in STACK.iter().enumerate().rev() {
            let colour = tier_colour(*tier);
            let rects = bars.iter().enumerate().filter_map(move |(i, b)| {
                let before: u32 = b.counts[..k].iter().sum();
                (b.counts[k] > 0).then(|| {
                    let y = row(i);
                    Rectangle::new(
                        [(before, y - 0.34), (before + b.counts[k], y + 0.34)],
                        colour.filled(),
                    )
                })
            });
            chart
                .draw_series(rects)?
                .label(tier_name(*tier))
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        chart.draw_series(bars.iter().enumerate().map(|(i, b)| {
            Text::new(
                format!(" {}", thousands(f64::from(b.total()), 0)),
                (b.total(), row(i) + 0.18),
                label_style(),
            )
        }))?;
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(GRID)
            .label_font(label_style())
            .draw()?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thresholds() -> Thresholds {
        Thresholds {
            base_rate: 0.05,
            high: 0.15,
            medium: 0.075,
        }
    }

    #[test]
    fn risk_bins_count_every_account_once_by_tier() {
        let t = thresholds();
        let accounts = [
            (0.01, RiskTier::Low),
            (0.02, RiskTier::Low),
            (0.1, RiskTier::Medium),
            (0.31, RiskTier::High),
            (f64::NAN, RiskTier::Low),
        ];
        let bins = RiskBins::new(accounts.iter().copied(), &t);
        // The top probability (0.31) rounds up to 0.35.
        assert!((bins.upper - 0.35).abs() < 1e-12, "{}", bins.upper);
        let totals = bins.counts.iter().fold([0; 3], |mut acc, c| {
            for k in 0..3 {
                acc[k] += c[k];
            }
            acc
        });
        assert_eq!(totals, [2, 1, 1]);
        let last = bins.counts.iter().rposition(|c| c[2] > 0).unwrap();
        assert_eq!(last, (0.31 / (0.35 / RISK_BINS as f64)) as usize);
    }

    #[test]
    fn charts_are_svg_with_titles_and_axis_labels() {
        let t = thresholds();
        let bins = RiskBins::new(
            [(0.05, RiskTier::Low), (0.2, RiskTier::High)].into_iter(),
            &t,
        );
        let svg = risk_distribution(&bins, &t, 90).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        for text in [
            "Churn risk of every active account",
            "Probability of churning within 90 days",
            ">\nAccounts\n</text>",
            "high from 15%",
            "medium from 7.5%",
            "High risk",
        ] {
            assert!(svg.contains(text), "missing {text:?}");
        }
        let bars = [DriverBar {
            label: "Usage <trend>".into(),
            counts: [1, 2, 3],
        }];
        let svg = drivers(&bars).unwrap();
        assert!(svg.contains("Usage &lt;trend&gt;"));
        assert!(!svg.contains("<trend>"));
        assert!(svg.contains(">\n 6\n</text>"), "the bar's total is written");
    }
}
