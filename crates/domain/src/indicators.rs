//! Placement quality indicators (issue 7, KL's recommendations): where placed children live on the ladder
//! (network and foster families rather than institutions), whether their parents get support alongside the
//! placement, and whether they go to an ordinary school — by age group. Pure.

use crate::event::{Body, Event, InterventionKind, PlacementType, Ref};
use crate::knowledge::AGE_GROUPS;
use crate::supervision::age_on;
use chrono::NaiveDate;
use std::collections::{HashMap, HashSet};

/// The Værn extension field on `placement_started`: the placed child's school.
pub const SCHOOL_FIELD: &str = "school_type";

crate::event::vocabulary!(
    /// The school of a placed child.
    SchoolType, "skoletype" {
    Ordinary = "ordinary" / "Almindelig folkeskole",
    SpecialClass = "special_class" / "Specialklasse",
    SpecialSchool = "special_school" / "Specialskole",
    InternalSchool = "internal_school" / "Intern skole på anbringelsesstedet",
    None = "none" / "Ikke i skole",
});

/// Where on the ladder a placement is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Setting {
    Network,
    FosterFamily,
    Institution,
}

impl Setting {
    pub fn of(t: PlacementType) -> Setting {
        match t {
            PlacementType::NetworkFosterFamily => Setting::Network,
            PlacementType::FosterFamily | PlacementType::MunicipalFosterFamily => Setting::FosterFamily,
            _ => Setting::Institution,
        }
    }
}

/// The indicators of one age group (or all ages).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quality {
    pub placed: usize,
    pub by_setting: HashMap<Setting, usize>,
    /// Placed children whose family has a supporting intervention running alongside the placement.
    pub parent_support: usize,
    pub by_school: HashMap<SchoolType, usize>,
    /// Placed children whose school is not recorded.
    pub school_unknown: usize,
}

impl Quality {
    /// Share of the placed in network or foster families.
    pub fn family_share(&self) -> Option<f64> {
        let fam = self.by_setting.get(&Setting::Network).unwrap_or(&0)
            + self.by_setting.get(&Setting::FosterFamily).unwrap_or(&0);
        (self.placed > 0).then(|| fam as f64 / self.placed as f64)
    }

    /// Share in ordinary school, of those whose school is known.
    pub fn ordinary_school_share(&self) -> Option<f64> {
        let known: usize = self.by_school.values().sum();
        (known > 0).then(|| *self.by_school.get(&SchoolType::Ordinary).unwrap_or(&0) as f64 / known as f64)
    }
}

/// Indicators of the children placed at `as_of`, per age group (`AGE_GROUPS`) and in total (the last entry, with
/// the group `(0, 22)`). Supporting interventions (kinds other than placement) running at `as_of` count as parent
/// support.
pub fn placement_quality(events: &[Event], as_of: NaiveDate) -> Vec<((u8, u8), Quality)> {
    let mut birth: HashMap<&Ref, NaiveDate> = HashMap::new();
    // Current placement per child: (placement id, type, school).
    let mut placed: HashMap<&Ref, (&Ref, PlacementType, Option<SchoolType>)> = HashMap::new();
    let mut support_running: HashMap<&Ref, &Ref> = HashMap::new(); // intervention → child
    let mut supporting: HashSet<&Ref> = HashSet::new(); // supporting interventions decided
    let mut sorted: Vec<&Event> = events.iter().filter(|e| e.at.date() <= as_of).collect();
    sorted.sort_by_key(|e| e.at.date());
    for e in sorted {
        let Some(child) = &e.child else { continue };
        match &e.body {
            Body::ChildRegistered { birth_date, .. } => {
                birth.insert(child, *birth_date);
            }
            Body::PlacementStarted { placement, placement_type, .. } => {
                let school = e
                    .extra()
                    .iter()
                    .find(|(k, _)| k == SCHOOL_FIELD)
                    .and_then(|(_, v)| v.as_str())
                    .and_then(SchoolType::parse);
                placed.insert(child, (placement, *placement_type, school));
            }
            Body::PlacementEnded { placement, .. } if placed.get(child).is_some_and(|(p, _, _)| *p == placement) => {
                placed.remove(child);
            }
            Body::InterventionDecided(d)
                if InterventionKind::parse(&d.kind).is_some_and(|k| k != InterventionKind::Placement) =>
            {
                supporting.insert(&d.intervention);
            }
            Body::InterventionStarted { intervention } if supporting.contains(intervention) => {
                support_running.insert(intervention, child);
            }
            Body::InterventionEnded { intervention, .. } => {
                support_running.remove(intervention);
            }
            _ => {}
        }
    }
    let with_support: HashSet<&Ref> = support_running.values().copied().collect();
    let mut groups: Vec<((u8, u8), Quality)> =
        AGE_GROUPS.iter().chain([&(0, 22)]).map(|g| (*g, Quality::default())).collect();
    for (child, (_, t, school)) in &placed {
        let age = birth.get(child).map(|b| age_on(*b, as_of));
        for (g, q) in groups.iter_mut() {
            let total = *g == (0, 22);
            if !total && !age.is_some_and(|a| (u32::from(g.0)..=u32::from(g.1)).contains(&a)) {
                continue;
            }
            q.placed += 1;
            *q.by_setting.entry(Setting::of(*t)).or_default() += 1;
            if with_support.contains(child) {
                q.parent_support += 1;
            }
            match school {
                Some(s) => *q.by_school.entry(*s).or_default() += 1,
                None => q.school_unknown += 1,
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::parse_jsonl;

    #[test]
    fn counts_where_placed_children_live_their_parents_support_and_their_school() {
        let j = parse_jsonl(
            r#"{"type":"child_registered","at":"2020-01-01","child":"b1","birth_date":"2014-03-01","municipality":"101"}
{"type":"child_registered","at":"2020-01-01","child":"b2","birth_date":"2008-06-01","municipality":"101"}
{"type":"child_registered","at":"2020-01-01","child":"b3","birth_date":"2009-01-01","municipality":"101"}
{"type":"placement_started","at":"2024-02-01","child":"b1","placement":"a1","site":"s1","placement_type":"network_foster_family","consent":true,"school_type":"ordinary"}
{"type":"placement_started","at":"2024-02-01","child":"b2","placement":"a2","site":"s2","placement_type":"institution","consent":false,"school_type":"internal_school"}
{"type":"placement_started","at":"2024-02-01","child":"b3","placement":"a3","site":"s3","placement_type":"foster_family","consent":true}
{"type":"placement_ended","at":"2025-01-01","child":"b3","placement":"a3"}
{"type":"intervention_decided","at":"2024-03-01","child":"b1","intervention":"i1","kind":"family_treatment"}
{"type":"intervention_started","at":"2024-03-05","child":"b1","intervention":"i1"}
{"type":"intervention_decided","at":"2024-03-01","child":"b2","intervention":"i2","kind":"consultation"}
{"type":"intervention_started","at":"2024-03-05","child":"b2","intervention":"i2"}
{"type":"intervention_ended","at":"2024-09-01","child":"b2","intervention":"i2"}
"#,
        )
        .unwrap();
        let q = placement_quality(&j.events, NaiveDate::from_ymd_opt(2025, 6, 1).unwrap());
        let total = &q.last().unwrap().1;
        assert_eq!(total.placed, 2, "b3's placement has ended");
        assert_eq!(total.by_setting[&Setting::Network], 1);
        assert_eq!(total.by_setting[&Setting::Institution], 1);
        assert_eq!(total.family_share(), Some(0.5));
        assert_eq!(total.parent_support, 1, "only b1's family support is still running");
        assert_eq!(total.ordinary_school_share(), Some(0.5));
        let (g, q11) = &q[1];
        assert_eq!((*g, q11.placed), ((6, 11), 1)); // b1 is 11
        let (g, q17) = &q[3];
        assert_eq!((*g, q17.placed), ((15, 17), 1)); // b2 is 16
        assert_eq!(q17.by_school[&SchoolType::InternalSchool], 1);
    }
}
