//! Placement sites and supervision: the site registry, foster-family training and supervision, personal
//! supervision visits, finances of residential homes, danger signals, and the figures of the council report.
//!
//! Pure functions over journal events; the store feeds them and the web app shows them.

pub mod council;
pub mod finance;
pub mod help;
pub mod plans;
pub mod report;

use crate::event::{Body, Event, PlacementType};
use crate::municipality::MunicipalityCode;
use chrono::{Datelike, NaiveDate};
use std::fmt;

/// Where a site's approval by the Socialtilsyn stands on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApprovalState {
    /// In force.
    Approved,
    /// Ran out (`valid_until` passed) without renewal.
    Expired,
    /// Revoked by the Socialtilsyn.
    Revoked,
    /// Never approved (or a site type the Socialtilsyn does not approve).
    NotApproved,
}

impl ApprovalState {
    pub const ALL: [ApprovalState; 4] =
        [ApprovalState::Approved, ApprovalState::Expired, ApprovalState::Revoked, ApprovalState::NotApproved];

    pub fn as_str(self) -> &'static str {
        match self {
            ApprovalState::Approved => "approved",
            ApprovalState::Expired => "expired",
            ApprovalState::Revoked => "revoked",
            ApprovalState::NotApproved => "not_approved",
        }
    }

    pub fn parse(s: &str) -> Option<ApprovalState> {
        ApprovalState::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label_da(self) -> &'static str {
        match self {
            ApprovalState::Approved => "Godkendt",
            ApprovalState::Expired => "Godkendelse udløbet",
            ApprovalState::Revoked => "Godkendelse tilbagekaldt",
            ApprovalState::NotApproved => "Ikke godkendt",
        }
    }
}

impl fmt::Display for ApprovalState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the register knows about one placement site on a date: the row of the site registry.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteFacts {
    pub site: String,
    pub name: String,
    pub site_type: PlacementType,
    pub municipality: Option<MunicipalityCode>,
    pub approval: ApprovalState,
    /// First day of the approval now in force (or of the last one, when expired or revoked).
    pub approved_from: Option<NaiveDate>,
    /// Last day of the approval (None: open-ended).
    pub approved_until: Option<NaiveDate>,
    pub revoked_on: Option<NaiveDate>,
    /// Approved places, from the latest approval that states them.
    pub places: Option<u16>,
    pub target_group: Option<String>,
    /// Approving authority, e.g. `socialtilsyn_hovedstaden`.
    pub approved_by: Option<String>,
    /// The first basic course (`course` = the policy's course name).
    pub basic_course_on: Option<NaiveDate>,
    pub last_training: Option<NaiveDate>,
    /// Training hours in the calendar year of the date.
    pub training_hours_year: f64,
    pub last_supervision: Option<NaiveDate>,
    pub last_operational: Option<NaiveDate>,
    /// The latest finance report: (accounts year, revenue, costs, equity).
    pub latest_finances: Option<(i32, f64, f64, Option<f64>)>,
}

/// The registry row of a site from its events (corrections applied), as of the end of `today`. `None` when the
/// events hold no `site_registered`. `basic_course` is the course name that counts as the basic course.
pub fn site_facts(site: &str, events: &[&Event], today: NaiveDate, basic_course: &str) -> Option<SiteFacts> {
    let mut facts: Option<SiteFacts> = None;
    for e in events {
        if let Body::SiteRegistered { site: s, site_type, name, municipality } = &e.body {
            if s == site && facts.is_none() {
                facts = Some(SiteFacts {
                    site: site.to_string(),
                    name: name.clone(),
                    site_type: *site_type,
                    municipality: *municipality,
                    approval: ApprovalState::NotApproved,
                    approved_from: None,
                    approved_until: None,
                    revoked_on: None,
                    places: None,
                    target_group: None,
                    approved_by: None,
                    basic_course_on: None,
                    last_training: None,
                    training_hours_year: 0.0,
                    last_supervision: None,
                    last_operational: None,
                    latest_finances: None,
                });
            }
        }
    }
    let mut f = facts?;
    // Approval changes in date order (stable: journal order within a day).
    let mut changes: Vec<(NaiveDate, &Event)> = events
        .iter()
        .filter(|e| e.at.date() <= today)
        .filter(|e| match &e.body {
            Body::SiteApproved { site: s, .. } | Body::SiteApprovalRevoked { site: s } => s == site,
            _ => false,
        })
        .map(|e| (e.at.date(), *e))
        .collect();
    changes.sort_by_key(|(d, _)| *d);
    let mut in_force_since: Option<NaiveDate> = None;
    let mut until: Option<NaiveDate> = None;
    for (date, e) in &changes {
        // An approval that ran out before this change ends the series.
        let lapsed = until.is_some_and(|u| u < *date);
        match &e.body {
            Body::SiteApproved { valid_until, by, places, target_group, .. } => {
                if in_force_since.is_none() || lapsed {
                    in_force_since = Some(*date);
                }
                until = *valid_until;
                f.revoked_on = None;
                f.approval = ApprovalState::Approved;
                if places.is_some() {
                    f.places = *places;
                }
                if target_group.is_some() {
                    f.target_group = target_group.as_deref().map(str::to_string);
                }
                if by.is_some() {
                    f.approved_by = by.as_ref().map(|b| b.to_string());
                }
            }
            Body::SiteApprovalRevoked { .. } => {
                if f.approval == ApprovalState::Approved && !lapsed {
                    f.revoked_on = Some(*date);
                    f.approval = ApprovalState::Revoked;
                    until = Some(*date - chrono::Duration::days(1));
                }
                f.approved_from = in_force_since;
                f.approved_until = until;
                in_force_since = None;
                continue;
            }
            _ => {}
        }
        f.approved_from = in_force_since;
        f.approved_until = until;
    }
    if f.approval == ApprovalState::Approved && until.is_some_and(|u| u < today) {
        f.approval = ApprovalState::Expired;
    }
    for e in events.iter().filter(|e| e.at.date() <= today) {
        let date = e.at.date();
        match &e.body {
            Body::FosterTraining { site: s, course, hours } if s == site => {
                f.last_training = f.last_training.max(Some(date));
                if course.as_deref().is_some_and(|c| c.trim().eq_ignore_ascii_case(basic_course)) {
                    f.basic_course_on = Some(f.basic_course_on.map_or(date, |d| d.min(date)));
                }
                if date.year() == today.year() {
                    f.training_hours_year += hours.unwrap_or(0.0);
                }
            }
            Body::FosterSupervision { site: s } if s == site => f.last_supervision = f.last_supervision.max(Some(date)),
            Body::OperationalSupervision { site: s, .. } if s == site => {
                f.last_operational = f.last_operational.max(Some(date))
            }
            Body::SiteFinancesReported { site: s, year, revenue_dkk, costs_dkk, equity_dkk }
                if s == site
                // The latest accounts year; a later report for the same year replaces the earlier one.
                && f.latest_finances.is_none_or(|(y, ..)| *year >= y) =>
            {
                f.latest_finances = Some((*year, *revenue_dkk, *costs_dkk, *equity_dkk));
            }
            _ => {}
        }
    }
    Some(f)
}

/// Whole years of age on a date.
pub fn age_on(birth: NaiveDate, date: NaiveDate) -> u32 {
    let mut age = date.year() - birth.year();
    if (date.month(), date.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age.max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::parse_jsonl;

    fn facts(jsonl: &str, today: &str) -> SiteFacts {
        let j = parse_jsonl(jsonl).unwrap();
        let refs: Vec<&Event> = j.events.iter().collect();
        site_facts("s1", &refs, today.parse().unwrap(), "grundkursus").unwrap()
    }

    const SITE: &str = r#"{"type":"site_registered","at":"2020-01-01","site":"s1","site_type":"foster_family","name":"Familien Holm"}
{"type":"site_approved","at":"2020-02-01","site":"s1","valid_until":"2022-01-31","places":2,"target_group":"0-17 år"}
{"type":"foster_training","at":"2020-05-01","site":"s1","course":"Grundkursus","hours":30}
{"type":"foster_training","at":"2021-05-01","site":"s1","course":"Traumer","hours":6}
{"type":"foster_supervision","at":"2021-06-01","site":"s1"}
"#;

    #[test]
    fn approval_in_force_then_expired() {
        let f = facts(SITE, "2021-12-31");
        assert_eq!(f.approval, ApprovalState::Approved);
        assert_eq!(f.approved_from, Some("2020-02-01".parse().unwrap()));
        assert_eq!(f.places, Some(2));
        assert_eq!(f.target_group.as_deref(), Some("0-17 år"));
        assert_eq!(f.basic_course_on, Some("2020-05-01".parse().unwrap()));
        assert_eq!(f.last_training, Some("2021-05-01".parse().unwrap()));
        assert_eq!(f.training_hours_year, 6.0);
        assert_eq!(f.last_supervision, Some("2021-06-01".parse().unwrap()));
        assert_eq!(facts(SITE, "2022-02-01").approval, ApprovalState::Expired);
        // Before the approval: registered, not approved.
        assert_eq!(facts(SITE, "2020-01-15").approval, ApprovalState::NotApproved);
    }

    #[test]
    fn revocation_and_renewal() {
        let revoked = format!("{SITE}{}\n", r#"{"type":"site_approval_revoked","at":"2021-03-01","site":"s1"}"#);
        let f = facts(&revoked, "2021-06-01");
        assert_eq!(f.approval, ApprovalState::Revoked);
        assert_eq!(f.revoked_on, Some("2021-03-01".parse().unwrap()));
        assert_eq!(f.approved_until, Some("2021-02-28".parse().unwrap()));
        let renewed = format!("{revoked}{}\n", r#"{"type":"site_approved","at":"2021-09-01","site":"s1","places":3}"#);
        let f = facts(&renewed, "2021-10-01");
        assert_eq!(f.approval, ApprovalState::Approved);
        assert_eq!(f.approved_from, Some("2021-09-01".parse().unwrap()));
        assert_eq!(f.approved_until, None);
        assert_eq!(f.places, Some(3));
        assert_eq!(f.revoked_on, None);
    }

    #[test]
    fn age_counts_birthdays() {
        let b: NaiveDate = "2012-03-15".parse().unwrap();
        assert_eq!(age_on(b, "2024-03-14".parse().unwrap()), 11);
        assert_eq!(age_on(b, "2024-03-15".parse().unwrap()), 12);
    }
}
