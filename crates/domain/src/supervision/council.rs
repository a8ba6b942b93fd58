//! The figures of the annual supervision report to the city council (KL's recommendation 1), computed from the
//! municipality's journal and the obligations the deadline engine derives from it.

use super::finance::{breaches, pct, KeyFigures};
use super::report::*;
use super::{site_facts, ApprovalState};
use crate::calendar::{add_working_days, format_dk, is_working_day};
use crate::event::{Body, Event, EventType, PlacementType, Severity, SignalSource};
use crate::municipality::MunicipalityCode;
use crate::obligation::{Obligation, Status};
use crate::rules::{id, obligations, RulePack};
use crate::time::AsOf;
use chrono::{Datelike, Duration, NaiveDate};
use std::collections::{BTreeMap, HashMap};

/// The event types the report reads (with the corrections of such events): the store loads only these, so a
/// København-sized journal is read in a fraction of the time. The engine derives the supervision, site and signal
/// obligations from them alone.
pub const EVENT_TYPES: &[EventType] = &[
    EventType::ChildRegistered,
    EventType::PlacementStarted,
    EventType::PlacementEnded,
    EventType::SupervisionVisit,
    EventType::SiteRegistered,
    EventType::SiteApproved,
    EventType::SiteApprovalRevoked,
    EventType::FosterTraining,
    EventType::FosterSupervision,
    EventType::OperationalSupervision,
    EventType::SiteFinancesReported,
    EventType::DangerSignal,
    EventType::DangerSignalHandled,
];

/// The report for `year`, from the events of the municipality (corrections applied; sites used by its children
/// included), with figures as of the end of the year or `as_of`, whichever is earlier.
pub fn council_report(
    events: &[Event],
    pack: &RulePack,
    municipality: MunicipalityCode,
    year: i32,
    as_of: AsOf,
) -> CouncilReport {
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let list = obligations(events, AsOf::end_of(last.min(as_of.date())), pack);
    council_report_with(events, &list, pack, municipality, year, as_of)
}

/// As [`council_report`], with the obligations already computed as of the end of the year (or `as_of`, whichever
/// is earlier) — for callers that need them for more than the report.
pub fn council_report_with(
    events: &[Event],
    list: &[Obligation<'_>],
    pack: &RulePack,
    municipality: MunicipalityCode,
    year: i32,
    as_of: AsOf,
) -> CouncilReport {
    let first = NaiveDate::from_ymd_opt(year, 1, 1).unwrap_or(NaiveDate::MIN);
    let last = NaiveDate::from_ymd_opt(year, 12, 31).unwrap_or(NaiveDate::MAX);
    let end = last.min(as_of.date());
    let in_year = |d: NaiveDate| d >= first && d <= end;
    let due_in_year = |o: &&Obligation| in_year(o.due.date());

    // ---- sites
    let mut site_events: HashMap<&str, Vec<&Event>> = HashMap::new();
    for e in events {
        if let Some(s) = e.site() {
            site_events.entry(s).or_default().push(e);
        }
    }
    let basic = pack.policy(id::FOSTER_BASIC_COURSE).and_then(|p| p.course.as_deref()).unwrap_or("grundkursus");
    let mut sites: Vec<(super::SiteFacts, bool, NaiveDate)> = Vec::new(); // (facts at end, in force during year, …)
    for (s, evs) in &site_events {
        let Some(f) = site_facts(s, evs, end, basic) else { continue };
        let in_force_in_year = approved_during(evs, first, end);
        sites.push((f, in_force_in_year, end));
    }
    sites.sort_by(|a, b| a.0.name.cmp(&b.0.name).then(a.0.site.cmp(&b.0.site)));

    // ---- placements: who is placed where, when
    let mut placements: HashMap<&str, (&str, NaiveDate, Option<NaiveDate>)> = HashMap::new();
    for e in events {
        match &e.body {
            Body::PlacementStarted { placement, site, .. } => {
                placements.insert(placement.as_str(), (site.as_str(), e.at.date(), None));
            }
            Body::PlacementEnded { placement, .. } => {
                if let Some(p) = placements.get_mut(placement.as_str()) {
                    p.2 = Some(e.at.date());
                }
            }
            _ => {}
        }
    }
    let mut occupied: HashMap<&str, u32> = HashMap::new();
    let mut placed_children: std::collections::HashSet<&str> = std::collections::HashSet::new();
    let placement_child: HashMap<&str, &str> = events
        .iter()
        .filter_map(|e| match (&e.body, &e.child) {
            (Body::PlacementStarted { placement, .. }, Some(c)) => Some((placement.as_str(), c.as_str())),
            _ => None,
        })
        .collect();
    for (p, (site, from, to)) in &placements {
        if *from <= end && to.is_none_or(|t| t > end) {
            *occupied.entry(site).or_default() += 1;
        }
        if *from <= end && to.is_none_or(|t| t >= first) {
            if let Some(c) = placement_child.get(p) {
                placed_children.insert(c);
            }
        }
    }
    let used_in_year: std::collections::HashSet<&str> = placements
        .values()
        .filter(|(_, from, to)| *from <= end && to.is_none_or(|t| t >= first))
        .map(|(s, _, _)| *s)
        .collect();

    // ---- 1. approvals per site type
    let mut rows: BTreeMap<usize, ApprovalRow> = BTreeMap::new();
    for (f, in_force, _) in &sites {
        if !*in_force && !used_in_year.contains(f.site.as_str()) {
            continue;
        }
        let idx = PlacementType::ALL.iter().position(|t| *t == f.site_type).unwrap_or(0);
        let row = rows
            .entry(idx)
            .or_insert_with(|| ApprovalRow { site_type: f.site_type.label_da().to_string(), ..ApprovalRow::default() });
        row.sites += 1;
        let evs = &site_events[f.site.as_str()];
        if f.approval == ApprovalState::Approved {
            row.approved_end += 1;
            row.places += u32::from(f.places.unwrap_or(0));
            if f.approved_until.is_some_and(|u| u <= end + Duration::days(90)) {
                row.expiring_soon += 1;
            }
        }
        if f.approved_from.is_some_and(in_year) || new_approval_in(evs, first, end) {
            row.approved_in_year += 1;
        }
        row.revoked_in_year +=
            evs.iter().filter(|e| matches!(e.body, Body::SiteApprovalRevoked { .. }) && in_year(e.at.date())).count()
                as u32;
        row.occupied += occupied.get(f.site.as_str()).copied().unwrap_or(0);
    }
    let mut total = ApprovalRow { site_type: "I alt".into(), ..ApprovalRow::default() };
    for r in rows.values() {
        total.sites += r.sites;
        total.approved_end += r.approved_end;
        total.approved_in_year += r.approved_in_year;
        total.revoked_in_year += r.revoked_in_year;
        total.expiring_soon += r.expiring_soon;
        total.places += r.places;
        total.occupied += r.occupied;
    }
    let approvals = Approvals { rows: rows.into_values().collect(), total };

    // ---- 2. personal supervision visits
    let visit_obl: Vec<&Obligation> =
        list.iter().filter(|o| o.rule == id::SUPERVISION_VISITS).filter(due_in_year).collect();
    let mut visits = Visits {
        placed_children: placed_children.len() as u32,
        law: pack.regime_at(end).cite(id::SUPERVISION_VISITS).to_string(),
        ..Visits::default()
    };
    let mut quarters = [(0u32, 0u32); 4];
    for o in &visit_obl {
        visits.required += 1;
        let q = ((o.due.date().month() - 1) / 3) as usize;
        quarters[q].0 += 1;
        match o.status {
            Status::Met => {
                visits.on_time += 1;
                quarters[q].1 += 1;
            }
            Status::Late => visits.late += 1,
            Status::Overdue | Status::Due => visits.missing += 1,
        }
    }
    let last_quarter = if end < last { ((end.month() - 1) / 3) as usize } else { 3 };
    visits.by_quarter = (0..=last_quarter)
        .map(|q| QuarterRow { quarter: format!("{}. kvt.", q + 1), required: quarters[q].0, on_time: quarters[q].1 })
        .collect();
    let mut alone = 0u32;
    for e in events.iter().filter(|e| in_year(e.at.date())) {
        if let Body::SupervisionVisit { child_spoken_to, without_carers, .. } = &e.body {
            visits.held += 1;
            if *child_spoken_to && *without_carers {
                alone += 1;
            }
        }
    }
    visits.spoken_alone_pct = share(alone, visits.held);

    // ---- 3. foster families
    let mut foster = Foster {
        guideline: pack.policy(id::FOSTER_SUPERVISION).map(|p| p.name.clone()).unwrap_or_default(),
        ..Foster::default()
    };
    let names: HashMap<&str, (&str, PlacementType)> =
        sites.iter().map(|(f, _, _)| (f.site.as_str(), (f.name.as_str(), f.site_type))).collect();
    for (f, in_force, _) in &sites {
        if !f.site_type.is_foster_family() || !*in_force {
            continue;
        }
        foster.families += 1;
        if f.basic_course_on.is_some_and(|d| d <= end) {
            foster.basic_course += 1;
        }
        let evs = &site_events[f.site.as_str()];
        let mut trained = false;
        for e in evs.iter().filter(|e| in_year(e.at.date())) {
            match &e.body {
                Body::FosterTraining { hours, .. } => {
                    trained = true;
                    foster.training_hours += hours.unwrap_or(0.0);
                }
                Body::FosterSupervision { .. } => foster.supervision_sessions += 1,
                _ => {}
            }
        }
        foster.trained_in_year += u32::from(trained);
    }
    for o in list.iter().filter(|o| o.rule == id::FOSTER_SUPERVISION).filter(due_in_year) {
        foster.supervision_due += 1;
        match o.status {
            Status::Met => foster.supervision_on_time += 1,
            Status::Late => foster.supervision_late += 1,
            _ => foster.supervision_missing += 1,
        }
    }
    let mut behind: Vec<(NaiveDate, FamilyBehind)> = list
        .iter()
        .filter(|o| {
            matches!(o.rule, id::FOSTER_SUPERVISION | id::FOSTER_BASIC_COURSE | id::FOSTER_TRAINING_ANNUAL)
                && o.status == Status::Overdue
        })
        .filter_map(|o| {
            let (name, t) = names.get(o.subject.as_str())?;
            Some((
                o.due.date(),
                FamilyBehind {
                    name: name.to_string(),
                    site_type: t.label_da().to_string(),
                    issue: format!("{} (frist {})", crate::rules::id::label_da(o.rule), format_dk(o.due.date())),
                },
            ))
        })
        .collect();
    behind.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.name.cmp(&b.1.name)));
    foster.behind = behind.into_iter().map(|(_, b)| b).collect();

    // ---- 4. operational supervision
    let mut operational = Operational::default();
    for o in list.iter().filter(|o| o.rule == id::OPERATIONAL_SUPERVISION).filter(due_in_year) {
        operational.due += 1;
        match o.status {
            Status::Met => operational.on_time += 1,
            Status::Late => operational.late += 1,
            _ => operational.missing += 1,
        }
    }
    for e in events.iter().filter(|e| in_year(e.at.date())) {
        if let Body::OperationalSupervision { announced, .. } = &e.body {
            if *announced {
                operational.announced += 1;
            } else {
                operational.unannounced += 1;
            }
        }
    }

    // ---- 5. danger signals
    let mut signals = Signals::default();
    let mut handled: HashMap<&str, (NaiveDate, bool)> = HashMap::new();
    for e in events {
        if let Body::DangerSignalHandled { signal, socialtilsyn_notified, .. } = &e.body {
            if e.at.date() <= end {
                let h = handled.entry(signal.as_str()).or_insert((e.at.date(), false));
                h.0 = h.0.min(e.at.date());
                h.1 |= *socialtilsyn_notified;
            }
        }
    }
    let reaction: HashMap<&str, Status> =
        list.iter().filter(|o| o.rule == id::SIGNAL_REACTION).map(|o| (o.subject.as_str(), o.status)).collect();
    let mut by_source: BTreeMap<&str, u32> = BTreeMap::new();
    let mut by_severity: BTreeMap<Option<Severity>, u32> = BTreeMap::new();
    let mut days: Vec<u32> = Vec::new();
    for e in events.iter().filter(|e| in_year(e.at.date())) {
        let Body::DangerSignal(d) = &e.body else { continue };
        signals.raised += 1;
        *by_source.entry(d.source.map_or("Ikke angivet", SignalSource::label_da)).or_default() += 1;
        *by_severity.entry(d.severity).or_default() += 1;
        match reaction.get(d.signal.as_str()) {
            Some(Status::Met) => signals.reacted_on_time += 1,
            Some(Status::Late) => signals.reacted_late += 1,
            Some(_) => signals.open += 1,
            None => match handled.get(d.signal.as_str()) {
                Some(_) => signals.reacted_on_time += 1,
                None => signals.open += 1,
            },
        }
        if let Some((h, notified)) = handled.get(d.signal.as_str()) {
            signals.socialtilsyn_notified += u32::from(*notified);
            days.push(working_days_between(e.at.date(), *h));
        }
    }
    days.sort_unstable();
    signals.median_reaction_days = median(&days);
    let mut src: Vec<CountRow> =
        by_source.into_iter().map(|(label, count)| CountRow { label: label.to_string(), count }).collect();
    src.sort_by(|a, b| b.count.cmp(&a.count).then(a.label.cmp(&b.label)));
    signals.by_source = src;
    signals.by_severity = by_severity
        .into_iter()
        .rev()
        .map(|(s, count)| CountRow { label: s.map_or("Ikke angivet", Severity::label_da).to_string(), count })
        .collect();

    // ---- 6. finances of residential homes: the accounts for the year, else the latest before it
    let mut finances = Vec::new();
    for (f, in_force, _) in &sites {
        if f.site_type != PlacementType::ResidentialHome || !(*in_force || used_in_year.contains(f.site.as_str())) {
            continue;
        }
        let mut best: Option<(i32, f64, f64, Option<f64>)> = None;
        for e in &site_events[f.site.as_str()] {
            if let Body::SiteFinancesReported { year: y, revenue_dkk, costs_dkk, equity_dkk, .. } = &e.body {
                if *y <= year && e.at.date() <= as_of.date() && best.is_none_or(|(b, ..)| *y >= b) {
                    best = Some((*y, *revenue_dkk, *costs_dkk, *equity_dkk));
                }
            }
        }
        let Some((y, rev, costs, equity)) = best else { continue };
        let k = KeyFigures::new(y, rev, costs, equity, f.places);
        let b = breaches(&k, &pack.finances);
        let name = if y == year { f.name.clone() } else { format!("{} (regnskab {y})", f.name) };
        finances.push(FinanceRow {
            site: f.site.clone(),
            name,
            revenue_dkk: k.revenue_dkk,
            costs_dkk: k.costs_dkk,
            profit_dkk: k.profit_dkk,
            margin_pct: k.margin_pct,
            equity_dkk: k.equity_dkk,
            places: k.places.map(u32::from),
            cost_per_place_day_dkk: k.cost_per_place_day_dkk,
            breaches: b.iter().map(|x| x.text_da()).collect(),
        });
    }

    let summary = summary(year, end < last, &approvals, &visits, &foster, &signals, &finances);
    CouncilReport {
        municipality: municipality.name().to_string(),
        municipality_code: municipality.to_string(),
        year,
        as_of: end.to_string(),
        summary,
        approvals,
        visits,
        foster,
        operational,
        signals,
        finances,
    }
}

/// Whether an approval was in force on some day of [first, end].
fn approved_during(evs: &[&Event], first: NaiveDate, end: NaiveDate) -> bool {
    let basic = "";
    let Some(site) = evs.iter().find_map(|e| e.site()) else { return false };
    if site_facts(site, evs, end, basic).is_some_and(|f| f.approval == ApprovalState::Approved) {
        return true;
    }
    // Approved at the start of the year, or approved during it.
    site_facts(site, evs, first, basic).is_some_and(|f| f.approval == ApprovalState::Approved)
        || evs.iter().any(|e| matches!(e.body, Body::SiteApproved { .. }) && e.at.date() >= first && e.at.date() <= end)
}

/// Whether an approval series began in [first, end] (not a renewal of one in force).
fn new_approval_in(evs: &[&Event], first: NaiveDate, end: NaiveDate) -> bool {
    let Some(site) = evs.iter().find_map(|e| e.site()) else { return false };
    evs.iter().filter(|e| matches!(e.body, Body::SiteApproved { .. })).any(|e| {
        let d = e.at.date();
        d >= first
            && d <= end
            && !site_facts(site, evs, d - Duration::days(1), "").is_some_and(|f| f.approval == ApprovalState::Approved)
    })
}

/// Working days after `from` up to and including `to` (0 when reacted the same day).
fn working_days_between(from: NaiveDate, to: NaiveDate) -> u32 {
    let mut n = 0;
    let mut d = from;
    while d < to {
        d += Duration::days(1);
        if is_working_day(d) {
            n += 1;
        }
    }
    debug_assert!(to < from || add_working_days(from, n) >= to);
    n
}

fn median(sorted: &[u32]) -> Option<f64> {
    match sorted.len() {
        0 => None,
        n if n % 2 == 1 => Some(f64::from(sorted[n / 2])),
        n => Some((f64::from(sorted[n / 2 - 1]) + f64::from(sorted[n / 2])) / 2.0),
    }
}

fn share(part: u32, whole: u32) -> f64 {
    if whole == 0 {
        0.0
    } else {
        f64::from(part) / f64::from(whole) * 100.0
    }
}

fn summary(
    year: i32,
    partial: bool,
    a: &Approvals,
    v: &Visits,
    f: &Foster,
    s: &Signals,
    fin: &[FinanceRow],
) -> Vec<String> {
    let mut out = Vec::new();
    if partial {
        out.push(format!("Rapporten dækker {year} til og med i dag; året er ikke afsluttet."));
    }
    out.push(format!(
        "Kommunen brugte {} anbringelsessteder i {year}; {} var godkendt ved årets udgang med {} pladser, hvoraf {} \
         var optaget.",
        a.total.sites, a.total.approved_end, a.total.places, a.total.occupied
    ));
    if v.required > 0 {
        out.push(format!(
            "{} børn var anbragt. Af {} lovpligtige tilsynsbesøg blev {} ({} %) holdt til tiden, {} for sent, og {} \
             mangler.",
            v.placed_children,
            v.required,
            v.on_time,
            pct(share(v.on_time, v.required)),
            v.late,
            v.missing
        ));
    }
    if f.families > 0 {
        out.push(format!(
            "{} af {} plejefamilier har gennemført grundkursus; {} fik efteruddannelse i året. {} af {} \
             supervisionsfrister blev overholdt.",
            f.basic_course, f.families, f.trained_in_year, f.supervision_on_time, f.supervision_due
        ));
    }
    if s.raised > 0 {
        out.push(format!(
            "Der blev registreret {} faresignaler; {} blev håndteret inden for fristen, {} for sent, og {} er ikke \
             håndteret.",
            s.raised, s.reacted_on_time, s.reacted_late, s.open
        ));
    } else {
        out.push("Der blev ikke registreret faresignaler i året.".to_string());
    }
    let flagged = fin.iter().filter(|r| !r.breaches.is_empty()).count();
    if !fin.is_empty() {
        out.push(format!(
            "{flagged} af {} opholdssteders regnskaber ligger uden for kommunens grænser for økonomiske nøgletal.",
            fin.len()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Journal;
    use crate::synth::{generate, SynthConfig};

    fn demo() -> (Vec<Event>, MunicipalityCode) {
        let code = MunicipalityCode::parse("101").unwrap();
        let cfg = SynthConfig {
            children: 600,
            seed: 11,
            municipality: Some(code),
            until: NaiveDate::from_ymd_opt(2026, 6, 30).unwrap(),
            ..SynthConfig::default()
        };
        let events = generate(&cfg);
        let lines = (1..=events.len()).collect();
        let mut j = Journal { events, lines };
        j.apply_corrections(None).unwrap();
        (j.events.into_iter().filter(|e| !matches!(e.body, Body::Correction(_))).collect(), code)
    }

    /// The store reads only EVENT_TYPES for the report: the figures must be the same as from the whole journal.
    #[test]
    fn the_report_needs_only_its_event_types() {
        let (all, code) = demo();
        let only: Vec<Event> = all.iter().filter(|e| EVENT_TYPES.contains(&e.event_type())).cloned().collect();
        assert!(only.len() < all.len() / 2, "the filter leaves most events out ({} of {})", only.len(), all.len());
        let pack = RulePack::default_pack();
        let as_of = AsOf::end_of(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
        for year in [2024, 2025, 2026] {
            let a = council_report(&all, &pack, code, year, as_of);
            let b = council_report(&only, &pack, code, year, as_of);
            assert_eq!(a, b, "{year}");
            assert!(a.visits.required > 0 && a.foster.families > 0, "{year}: a real municipality: {:?}", a.visits);
        }
    }

    /// The visits of the report are the engine's obligations: required = on time + late + missing, and the
    /// current year is cut at as-of.
    #[test]
    fn visit_figures_add_up() {
        let (all, code) = demo();
        let pack = RulePack::default_pack();
        let as_of = AsOf::end_of(NaiveDate::from_ymd_opt(2026, 6, 30).unwrap());
        let r = council_report(&all, &pack, code, 2025, as_of);
        assert_eq!(r.visits.required, r.visits.on_time + r.visits.late + r.visits.missing);
        assert_eq!(r.visits.by_quarter.len(), 4);
        assert_eq!(r.visits.by_quarter.iter().map(|q| q.required).sum::<u32>(), r.visits.required);
        assert_eq!(
            r.foster.supervision_due,
            r.foster.supervision_on_time + r.foster.supervision_late + r.foster.supervision_missing
        );
        assert_eq!(r.visits.law, "Barnets lov § 156, stk. 5");
        let now = council_report(&all, &pack, code, 2026, as_of);
        assert_eq!(now.visits.by_quarter.len(), 2, "2026 is reported up to 30 June");
        assert!(now.summary[0].contains("ikke afsluttet"));
        let old = council_report(&all, &pack, code, 2022, as_of);
        assert_eq!(old.visits.law, "Serviceloven § 148, stk. 2");
    }
}
