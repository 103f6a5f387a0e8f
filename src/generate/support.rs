//! Support tickets and survey answers of one customer day: how often, about what,
//! how fast they are handled, and what customers say.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::calendar::{US_PER_DAY, US_PER_SEC};
use super::names::{Comment, CommentList, CATEGORIES};
use super::simulate::{NPS_EVERY_DAYS, 
    business_second, normal, pick, seconds, sigmoid, Archetype, Profile, SimRows, Simulator, State,
    Survey, SurveyKind, Ticket, HEALTH_MEAN,
};

// Tickets.
const TICKETS_PER_MONTH: [f64; 3] = [0.3, 1.0, 2.5];
/// Median hours to first response and days to resolution, by priority.
const FIRST_RESPONSE_HOURS: [f64; 4] = [20.0, 8.0, 2.5, 0.7];
const RESOLUTION_DAYS: [f64; 4] = [6.0, 3.0, 1.5, 0.6];
/// Resolution-time factor per category (same order as `CATEGORIES`).
const CATEGORY_EFFORT: [f64; 8] = [0.7, 1.5, 1.8, 1.0, 2.0, 0.4, 1.3, 4.0];
const FEATURE_REQUEST: u8 = 7;
const ONBOARDING: u8 = 3;
const BILLING: u8 = 0;
const INTEGRATION: u8 = 2;

// Surveys.
const CSAT_SHARE: f64 = 0.30;

/// Poisson draw by inversion, for the small rates of tickets.
fn poisson_small(rng: &mut ChaCha8Rng, lambda: f64) -> u32 {
    let u = rng.gen::<f64>();
    // exp(-lambda) >= 1 - lambda: most days end here without computing exp.
    if u <= 1.0 - lambda {
        return 0;
    }
    let mut p = (-lambda).exp();
    let mut cdf = p;
    let mut k = 0;
    while u > cdf && k < 50 {
        k += 1;
        p *= lambda / k as f64;
        cdf += p;
    }
    k
}

impl Simulator<'_> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn tickets(
        &self,
        index: u32,
        p: &Profile,
        s: &mut State,
        d: u32,
        tenure: f64,
        to_renewal: i32,
        rng: &mut ChaCha8Rng,
        rows: &mut SimRows,
    ) {
        let cal = self.cal;
        let incident = d < s.incident_until;
        let onboarding = tenure < 90.0;
        let mut per_month = TICKETS_PER_MONTH[p.segment] * (-0.7 * (s.health - HEALTH_MEAN)).exp();
        if p.archetype == Archetype::CaptiveCritic {
            per_month *= 2.2;
        }
        if incident {
            per_month *= 2.0;
        }
        if onboarding {
            per_month *= 1.8;
        }
        let n = poisson_small(
            rng,
            per_month / 30.44 * cal.activity[d as usize] as f64 / 0.8,
        );
        let s_escalations = &mut s.escalations;
        s_escalations.retain(|e| e.1 > d);
        let unhealthy = sigmoid(-2.0 * s.health);
        for _ in 0..n {
            let mut cat_w: [f64; 8] = CATEGORIES.map(|c| c.1);
            cat_w[ONBOARDING as usize] *= if onboarding { 6.0 } else { 0.3 };
            if incident {
                cat_w[1] *= 2.5;
                cat_w[4] *= 2.5;
            }
            if to_renewal <= 45 {
                cat_w[BILLING as usize] *= 2.0;
            }
            if p.segment == 2 {
                cat_w[INTEGRATION as usize] *= 1.3;
            }
            let category = pick(rng, &cat_w) as u8;
            let mut pri_w = [
                0.25,
                0.50,
                0.18 + 0.08 * unhealthy,
                0.07 + 0.08 * unhealthy + if incident { 0.08 } else { 0.0 },
            ];
            if p.segment == 2 {
                pri_w[3] *= 1.5;
            }
            if category == FEATURE_REQUEST {
                pri_w = [0.6, 0.4, 0.0, 0.0];
            }
            let priority = pick(rng, &pri_w);

            let opened_at = cal.day_us(d) + business_second(rng, p.tz_secs) as i64 * US_PER_SEC;
            let hours = FIRST_RESPONSE_HOURS[priority] * (1.1 * normal(rng)).exp();
            let first_response_at = if rng.gen::<f64>() < 0.01 {
                None
            } else {
                Some(opened_at + seconds(hours * 3600.0))
            };
            let days = RESOLUTION_DAYS[priority]
                * CATEGORY_EFFORT[category as usize]
                * (1.2 * normal(rng)).exp()
                * (1.0 + 0.5 * unhealthy);
            let never = 0.01
                + 0.05 * unhealthy
                + if category == FEATURE_REQUEST {
                    0.2
                } else {
                    0.0
                };
            let resolved_at = if rng.gen::<f64>() < never {
                None
            } else {
                let r = opened_at + seconds(days * 86_400.0);
                Some(r.max(first_response_at.unwrap_or(opened_at) + 300 * US_PER_SEC))
            };
            if priority >= 2 {
                let resolved_day = resolved_at.map_or(u32::MAX, |r| {
                    ((r - cal.day_us(0)) / US_PER_DAY).min(u32::MAX as i64) as u32
                });
                let weight = if priority == 3 { 1.0 } else { 0.5 };
                s_escalations.push((d, resolved_day, weight));
            }
            s.last_ticket = Some((d, category));

            if let Some(resolved) = resolved_at {
                if rng.gen::<f64>() < CSAT_SHARE {
                    let slow_fix = (resolved - opened_at) as f64 / US_PER_DAY as f64;
                    let slow_reply =
                        first_response_at.map_or(48.0, |r| (r - opened_at) as f64 / 3.6e9);
                    let x = 4.7 + 0.5 * (0.8 * s.health + p.bias)
                        - if slow_fix > 3.0 { 0.5 } else { 0.0 }
                        - if slow_fix > 10.0 { 0.5 } else { 0.0 }
                        - if slow_reply > 24.0 { 0.3 } else { 0.0 }
                        + 0.8 * normal(rng);
                    let score = x.round().clamp(1.0, 5.0) as u8;
                    let comment = if rng.gen::<f64>() < 0.35 {
                        let list = if score >= 4 {
                            CommentList::CsatGood
                        } else if rng.gen::<f64>() < 0.5 {
                            CommentList::Complaint(category)
                        } else {
                            CommentList::CsatBad
                        };
                        Some(comment(rng, list))
                    } else {
                        None
                    };
                    let delay_hours = 4.0 * (1.0 * normal(rng)).exp();
                    rows.surveys.push(Survey {
                        account: index,
                        responded_at: resolved + seconds(delay_hours * 3600.0),
                        kind: SurveyKind::Csat,
                        score,
                        comment,
                    });
                }
            }
            rows.tickets.push(Ticket {
                account: index,
                opened_at,
                first_response_at,
                resolved_at,
                priority: priority as u8,
                category,
            });
        }
    }

    /// Quarterly relationship survey: sent on the account's phase, answered by some.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn nps(
        &self,
        index: u32,
        p: &Profile,
        s: &mut State,
        d: u32,
        util: f64,
        phase: i32,
        tenure: f64,
        rng: &mut ChaCha8Rng,
        rows: &mut SimRows,
    ) {
        let cal = self.cal;
        let today = cal.first_day + d as i32;
        if s.pending_nps.is_none()
            && tenure >= 60.0
            && today.rem_euclid(NPS_EVERY_DAYS) == phase
            && rng.gen::<f64>() < 0.30 + 0.35 * sigmoid(1.5 * s.health)
        {
            // Answered within a few days of the invitation.
            s.pending_nps = Some(d + rng.gen_range(0..8));
        }
        if s.pending_nps != Some(d) {
            return;
        }
        s.pending_nps = None;
        let sentiment = 0.8 * s.health + p.bias + 0.6 * normal(rng);
        let score = (7.3 + 1.7 * sentiment).round().clamp(0.0, 10.0) as u8;
        s.last_nps = Some((d, score));
        let comment = if rng.gen::<f64>() < 0.35 {
            let list = if score <= 6 {
                match s.last_ticket {
                    Some((day, cat)) if d - day <= 120 && rng.gen::<f64>() < 0.5 => {
                        CommentList::Complaint(cat)
                    }
                    _ => CommentList::NpsDetractor,
                }
            } else if util < 0.35 && rng.gen::<f64>() < 0.6 {
                CommentList::NpsHappyLowUse
            } else if score <= 8 {
                CommentList::NpsPassive
            } else {
                CommentList::NpsPromoter
            };
            Some(comment(rng, list))
        } else {
            None
        };
        rows.surveys.push(Survey {
            account: index,
            responded_at: cal.day_us(d) + business_second(rng, p.tz_secs) as i64 * US_PER_SEC,
            kind: SurveyKind::Nps,
            score,
            comment,
        });
    }
}

fn comment(rng: &mut ChaCha8Rng, list: CommentList) -> Comment {
    Comment {
        list,
        item: rng.gen_range(0..list.len()) as u8,
    }
}
