//! The deadline engine: a pure function from a journal and an as-of instant to the list of obligations.
//!
//! Same journal + same as-of ⇒ same obligations, whatever the order of the lines. The readings of the catalogue
//! are documented in `docs/deadline-engine.md`.

use super::pack::{id, Regime, RulePack};
use crate::calendar::{add_months, add_working_days};
use crate::event::{Body, Event, EventType, PlacementType, Ref};
use crate::obligation::{Deadline, Obligation, Status};
use crate::time::{AsOf, At};
use chrono::{Datelike, Duration, NaiveDate};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use std::cmp::Ordering;

/// Every obligation the events give rise to at `as_of`, sorted as the spec says. `events` must already have their
/// corrections applied (`journal::apply_corrections`).
pub fn obligations<'p>(events: &[Event], as_of: AsOf, pack: &'p RulePack) -> Vec<Obligation<'p>> {
    evaluate(events, as_of, pack)
}

/// Sort as the spec says: child, due (as an instant), rule, subject; occurrences of one recurring obligation that
/// share a deadline follow in the order they were fulfilled (open ones last).
pub fn sort(list: &mut [Obligation<'_>]) {
    list.sort_unstable_by(|a, b| a.child.cmp(&b.child).then_with(|| same_child_order(a, b)));
}

/// The order within one child's list.
fn same_child_order(a: &Obligation<'_>, b: &Obligation<'_>) -> Ordering {
    a.due_ts
        .cmp(&b.due_ts)
        .then_with(|| a.rule.cmp(b.rule))
        .then_with(|| a.subject.cmp(&b.subject))
        .then_with(|| {
            let met = |o: &Obligation| o.met_at.map_or(i64::MAX, |m| m.fulfil_ts());
            met(a).cmp(&met(b))
        })
        .then_with(|| a.status.cmp(&b.status))
        .then_with(|| a.law.cmp(b.law))
}

/// Whether an event fulfils obligations (then a date alone means the end of the day) rather than triggering them.
fn is_fulfilment(t: EventType) -> bool {
    use EventType::*;
    matches!(
        t,
        NotificationAssessed
            | NotificationReceiptSent
            | NotificationFeedbackSent
            | InvestigationCompleted
            | ChildConversation
            | PlanCreated
            | PlanFollowedUp
            | SupervisionVisit
            | FosterTraining
            | FosterSupervision
            | OperationalSupervision
            | DangerSignalHandled
    )
}

/// The instant at which the event is known (role-dependent reading of a date alone).
fn known_ts(e: &Event) -> i64 {
    if is_fulfilment(e.event_type()) {
        e.at.fulfil_ts()
    } else {
        e.at.trigger_ts()
    }
}

/// The first two keys of the processing order in one number: the instant the event is known (seconds), then its
/// type. Sorting by this key touches only the key array, not the events.
fn order_key(e: &Event) -> i64 {
    const _: () = assert!(EventType::ALL.len() <= 64);
    known_ts(e).saturating_mul(64) + i64::from(e.event_type() as u8)
}

/// The instant of an `order_key`.
fn key_ts(key: i64) -> i64 {
    key >> 6
}

/// Total order of events for processing: time, then type, then id, then content — never file order.
fn event_order(a: &Event, ta: i64, b: &Event, tb: i64) -> Ordering {
    ta.cmp(&tb).then_with(|| (a.event_type() as u8).cmp(&(b.event_type() as u8))).then_with(|| event_order_tie(a, b))
}

/// `event_order` between two events known at the same instant, of the same type.
fn event_order_tie(a: &Event, b: &Event) -> Ordering {
    a.id.cmp(&b.id).then_with(|| a.object().cmp(&b.object())).then_with(|| {
        if a == b {
            Ordering::Equal
        } else {
            a.to_json_line().cmp(&b.to_json_line())
        }
    })
}

/// The events of one stretch of the file that are known at as-of, with a group per child met in it (numbered in
/// order of appearance from 1; 0 is the group of events without a child).
struct Part<'a> {
    known: Vec<u32>,
    group: Vec<u32>,
    children: Vec<&'a str>,
}

/// Indices of the events known at as-of, grouped by child (events without a child first, then children in byte
/// order), each group in processing order. Grouping is a parallel hash pass plus a counting sort; only the small
/// groups are sorted by time — far cheaper than one global comparison sort of millions of events.
fn group_by_child(events: &[Event], keys: &[i64], as_of_ts: i64) -> Grouped {
    group_by_child_in(events, keys, as_of_ts, 1 << 16)
}

/// Events grouped by child: `order` holds the indices of the events, group after group; group `g` is
/// `order[starts[g]..starts[g + 1]]`. Group 0 holds the events without a child (it may be empty); every other group
/// is one child's.
#[derive(Debug, PartialEq)]
struct Grouped {
    order: Vec<u32>,
    starts: Vec<usize>,
}

/// `group_by_child`, with the file read in stretches of `stretch` events (the result does not depend on it).
fn group_by_child_in(events: &[Event], keys: &[i64], as_of_ts: i64, stretch: usize) -> Grouped {
    // Each stretch of the file numbers its own children (in parallel)…
    let parts: Vec<Part<'_>> = events
        .par_chunks(stretch.max(1))
        .enumerate()
        .map(|(n, chunk)| {
            let base = n * stretch.max(1);
            let mut part = Part {
                known: Vec::with_capacity(chunk.len()),
                group: Vec::with_capacity(chunk.len()),
                children: Vec::new(),
            };
            let mut index: FxHashMap<&str, u32> = FxHashMap::default();
            let mut last: Option<(&str, u32)> = None;
            for (i, e) in chunk.iter().enumerate() {
                if key_ts(keys[base + i]) > as_of_ts {
                    continue;
                }
                part.known.push((base + i) as u32);
                let gid = match e.child.as_deref() {
                    None => 0,
                    Some(c) => match last {
                        Some((lc, g)) if lc == c => g,
                        _ => {
                            let next = part.children.len() as u32 + 1;
                            let g = *index.entry(c).or_insert_with(|| {
                                part.children.push(c);
                                next
                            });
                            last = Some((c, g));
                            g
                        }
                    },
                };
                part.group.push(gid);
            }
            part
        })
        .collect();
    // …then the stretches' children are numbered for the whole journal (few: a child's events are mostly together).
    let met: usize = parts.iter().map(|p| p.children.len()).sum();
    let mut group_child: Vec<Option<&str>> = Vec::with_capacity(met + 1);
    group_child.push(None);
    let mut index: FxHashMap<&str, u32> = FxHashMap::with_capacity_and_hasher(met, Default::default());
    let global: Vec<Vec<u32>> = parts
        .iter()
        .map(|p| {
            std::iter::once(0)
                .chain(p.children.iter().map(|&c| {
                    let next = group_child.len() as u32;
                    *index.entry(c).or_insert_with(|| {
                        group_child.push(Some(c));
                        next
                    })
                }))
                .collect()
        })
        .collect();
    drop(index);
    // Groups in output order: no child first, then children by byte order.
    let mut rank: Vec<u32> = (0..group_child.len() as u32).collect();
    rank.par_sort_unstable_by(|&a, &b| group_child[a as usize].cmp(&group_child[b as usize]));
    let mut position = vec![0u32; group_child.len()];
    for (pos, &g) in rank.iter().enumerate() {
        position[g as usize] = pos as u32;
    }
    // Each event's position among the groups, in parallel.
    let slots: Vec<Vec<u32>> = parts
        .par_iter()
        .zip(&global)
        .map(|(p, map)| p.group.iter().map(|&g| position[map[g as usize] as usize]).collect())
        .collect();
    let mut start = vec![0usize; group_child.len() + 1];
    for &p in slots.iter().flatten() {
        start[p as usize + 1] += 1;
    }
    for i in 1..start.len() {
        start[i] += start[i - 1];
    }
    let mut fill = start.clone();
    let total = start.last().copied().unwrap_or(0);
    let mut order = vec![0u32; total];
    for (part, slot) in parts.iter().zip(&slots) {
        for (&i, &p) in part.known.iter().zip(slot) {
            order[fill[p as usize]] = i;
            fill[p as usize] += 1;
        }
    }
    drop((parts, slots));
    // Sort each group by processing order, in parallel (by the keys; the events only for ties).
    let mut groups: Vec<&mut [u32]> = Vec::with_capacity(start.len());
    let mut rest: &mut [u32] = &mut order;
    for w in start.windows(2) {
        let (head, tail) = rest.split_at_mut(w[1] - w[0]);
        groups.push(head);
        rest = tail;
    }
    let by_order = |&a: &u32, &b: &u32| {
        keys[a as usize].cmp(&keys[b as usize]).then_with(|| event_order_tie(&events[a as usize], &events[b as usize]))
    };
    groups.par_iter_mut().with_min_len(256).for_each(|g| {
        // The group without a child holds every site's events: a large group is sorted in parallel itself.
        if g.len() > 1 << 16 {
            g.par_sort_unstable_by(by_order);
        } else {
            g.sort_unstable_by(by_order);
        }
    });
    Grouped { order, starts: start }
}

fn evaluate<'p>(events: &[Event], as_of: AsOf, pack: &'p RulePack) -> Vec<Obligation<'p>> {
    // About 0.6 obligations per event in realistic journals: reserve once instead of doubling.
    let mut out = Vec::with_capacity(events.len() * 6 / 10);
    for_each_chunk(events, as_of, pack, |chunk| chunk, |chunk| out.extend(chunk));
    out
}

/// The engine, streaming: obligations are produced per child (children in parallel), each child's list is turned
/// into a `T` by `render` on the worker thread, and `emit` receives the results in the spec's order. Nothing holds
/// all obligations at once — `vaern obligations` writes JSON straight from here.
pub fn for_each_chunk<'p, T: Send>(
    events: &[Event],
    as_of: AsOf,
    pack: &'p RulePack,
    render: impl Fn(Vec<Obligation<'p>>) -> T + Sync,
    mut emit: impl FnMut(T),
) {
    let as_of_ts = as_of.instant().timestamp();
    let keys: Vec<i64> = events.par_iter().with_min_len(8192).map(order_key).collect();
    let Grouped { order, starts } = group_by_child(events, &keys, as_of_ts);
    drop(keys);
    let known: Vec<&Event> = order.par_iter().with_min_len(8192).map(|&i| &events[i as usize]).collect();
    drop(order);

    // The sites and signals, from their own events (picked out in parallel, in processing order).
    let site_events: Vec<&Event> =
        known.par_iter().with_min_len(8192).filter(|e| World::concerns(e)).copied().collect();
    let world = World::build(&site_events);
    drop(site_events);
    let ctx = Ctx { pack, as_of, world: &world };

    // Site and signal obligations first (each site and signal on its own, in parallel); those that name a child
    // join that child's list, which is sorted below.
    let sites: Vec<&Site> = world.sites.values().collect();
    let signals: Vec<&Signal> = world.signals.values().collect();
    let shared: Vec<Obligation<'p>> = sites
        .par_iter()
        .with_min_len(64)
        .flat_map_iter(|site| {
            let mut v = Vec::new();
            site_rules(&ctx, site, &mut v);
            v
        })
        .chain(signals.par_iter().with_min_len(64).flat_map_iter(|signal| {
            let mut v = Vec::new();
            signal_rules(&ctx, signal, &mut v);
            v
        }))
        .collect();
    drop((sites, signals));
    // In the spec's order, in parallel: those without a child come first, then each child's (joined with that
    // child's own below).
    let mut shared = shared;
    shared.par_sort_unstable_by(|a, b| a.child.cmp(&b.child).then_with(|| same_child_order(a, b)));
    let no_child = shared.iter().take_while(|o| o.child.is_none()).count();
    let mut by_child: FxHashMap<&Ref, &[Obligation<'p>]> = FxHashMap::default();
    for run in shared[no_child..].chunk_by(|a, b| a.child == b.child) {
        if let Some(c) = &run[0].child {
            by_child.insert(c, run);
        }
    }
    // The list without a child is long (every site's obligations): rendered in parallel pieces.
    let pieces: Vec<T> = shared[..no_child].par_chunks(4096).map(|c| render(c.to_vec())).collect();
    for piece in pieces {
        emit(piece);
    }

    // Runs of one child: the groups after the first (the events without a child, handled above).
    let runs: Vec<&[&Event]> =
        starts.windows(2).skip(1).map(|w| &known[w[0]..w[1]]).filter(|run| !run.is_empty()).collect();
    // Children in batches, each batch in parallel, emitted in child order. A thread of its own hands the batches
    // to the pool, so that the pool works on the next batch while this thread emits the last.
    const BATCH: usize = 2048;
    std::thread::scope(|scope| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<Option<T>>>(2);
        let (ctx, by_child, render, runs) = (&ctx, &by_child, &render, &runs);
        scope.spawn(move || {
            for batch in runs.chunks(BATCH) {
                let rendered: Vec<Option<T>> = batch
                    .par_iter()
                    .with_min_len(64)
                    .map(|run| {
                        let mut v = Vec::new();
                        child_rules(ctx, run, &mut v);
                        if let Some(extra) = run[0].child.as_ref().and_then(|c| by_child.get(c)) {
                            v.extend_from_slice(extra);
                        }
                        if v.is_empty() {
                            return None;
                        }
                        v.sort_unstable_by(same_child_order);
                        Some(render(v))
                    })
                    .collect();
                if tx.send(rendered).is_err() {
                    break;
                }
            }
        });
        for rendered in rx {
            for r in rendered.into_iter().flatten() {
                emit(r);
            }
        }
    });
}

struct Ctx<'p, 'w> {
    pack: &'p RulePack,
    as_of: AsOf,
    world: &'w World<'w>,
}

impl<'p> Ctx<'p, '_> {
    fn status(&self, due: Deadline, fulfilled: Option<&At>) -> (Status, Option<At>) {
        match fulfilled {
            Some(at) if due.in_time(at) => (Status::Met, Some(*at)),
            Some(at) => (Status::Late, Some(*at)),
            None if due.passed(self.as_of) => (Status::Overdue, None),
            None => (Status::Due, None),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push(
        &self,
        out: &mut Vec<Obligation<'p>>,
        rule: &'static str,
        law: &'p str,
        child: &Option<Ref>,
        subject: &Ref,
        due: Deadline,
        fulfilled: Option<&At>,
    ) {
        let (status, met_at) = self.status(due, fulfilled);
        out.push(Obligation {
            rule,
            law,
            child: child.clone(),
            subject: subject.clone(),
            due,
            due_ts: due.sort_key(),
            status,
            met_at,
        });
    }

    /// Whether a trigger at this local date has happened by as-of.
    fn begun(&self, date: NaiveDate) -> bool {
        crate::calendar::start_of_day_ts(date) <= self.as_of.instant().timestamp()
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Facts about placement sites and danger signals (global: sites are shared by children).

/// A continuous period in which a site's approval is in force.
struct ApprovalSeries<'a> {
    start: &'a Event,
    /// Last day the approval is in force (None: open-ended).
    last_day: Option<NaiveDate>,
}

#[derive(Default)]
struct Site<'a> {
    id: Option<&'a Ref>,
    site_type: Option<PlacementType>,
    approvals: Vec<&'a Event>,
    revocations: Vec<&'a Event>,
    trainings: Vec<&'a Event>,
    supervisions: Vec<&'a Event>,
    operational: Vec<&'a Event>,
}

impl<'a> Site<'a> {
    fn series(&self) -> Vec<ApprovalSeries<'a>> {
        let mut changes: Vec<(&'a Event, bool)> =
            self.approvals.iter().map(|e| (*e, true)).chain(self.revocations.iter().map(|e| (*e, false))).collect();
        changes.sort_by(|a, b| event_order(a.0, a.0.at.trigger_ts(), b.0, b.0.at.trigger_ts()));
        let mut out: Vec<ApprovalSeries<'a>> = Vec::new();
        let mut open = false;
        for (e, is_approval) in changes {
            let date = e.at.date();
            if let Some(last) = out.last_mut() {
                if open && last.last_day.is_some_and(|d| d < date) {
                    open = false; // expired before this change
                }
                if open && !is_approval {
                    last.last_day = Some(date - Duration::days(1));
                    open = false;
                    continue;
                }
                if open && is_approval {
                    last.last_day = valid_until(e);
                    continue;
                }
            }
            if is_approval {
                out.push(ApprovalSeries { start: e, last_day: valid_until(e) });
                open = true;
            }
        }
        out
    }

    fn in_force_on(&self, series: &[ApprovalSeries<'a>], date: NaiveDate) -> Option<&'a Event> {
        series.iter().find(|s| s.start.at.date() <= date && s.last_day.is_none_or(|l| l >= date)).map(|s| {
            // The approval that covers the date: the latest approval event of the series on or before the date.
            self.approvals.iter().rev().find(|a| a.at.date() <= date).copied().unwrap_or(s.start)
        })
    }
}

fn valid_until(e: &Event) -> Option<NaiveDate> {
    match &e.body {
        Body::SiteApproved { valid_until, .. } => *valid_until,
        _ => None,
    }
}

struct Signal<'a> {
    raised: &'a Event,
    site: Option<&'a Ref>,
    handled: Vec<&'a Event>,
}

struct World<'a> {
    sites: FxHashMap<&'a Ref, Site<'a>>,
    signals: FxHashMap<&'a Ref, Signal<'a>>,
}

impl<'a> World<'a> {
    /// Whether the world is built from this event (a site's or a signal's).
    fn concerns(e: &Event) -> bool {
        matches!(
            e.body,
            Body::SiteRegistered { .. }
                | Body::SiteApproved { .. }
                | Body::SiteApprovalRevoked { .. }
                | Body::FosterTraining { .. }
                | Body::FosterSupervision { .. }
                | Body::OperationalSupervision { .. }
                | Body::DangerSignal(_)
                | Body::DangerSignalHandled { .. }
        )
    }

    /// The world from the events it [concerns](World::concerns) (others are ignored), in processing order.
    fn build(events: &[&'a Event]) -> World<'a> {
        let mut sites: FxHashMap<&'a Ref, Site<'a>> = FxHashMap::default();
        let mut signals: FxHashMap<&'a Ref, Signal<'a>> = FxHashMap::default();
        let mut handled: Vec<(&'a Ref, &'a Event)> = Vec::new();
        for &e in events {
            match &e.body {
                Body::SiteRegistered { site, site_type, .. } => {
                    let s = sites.entry(site).or_default();
                    s.id = Some(site);
                    s.site_type = Some(*site_type);
                }
                Body::SiteApproved { site, .. } => entry(&mut sites, site).approvals.push(e),
                Body::SiteApprovalRevoked { site } => entry(&mut sites, site).revocations.push(e),
                Body::FosterTraining { site, .. } => entry(&mut sites, site).trainings.push(e),
                Body::FosterSupervision { site } => entry(&mut sites, site).supervisions.push(e),
                Body::OperationalSupervision { site, .. } => entry(&mut sites, site).operational.push(e),
                Body::DangerSignal(d) => {
                    signals.entry(&d.signal).or_insert(Signal {
                        raised: e,
                        site: d.site.as_ref(),
                        handled: Vec::new(),
                    });
                }
                Body::DangerSignalHandled { signal, .. } => handled.push((signal, e)),
                _ => {}
            }
        }
        for (signal, e) in handled {
            if let Some(s) = signals.get_mut(signal) {
                s.handled.push(e);
            }
        }
        // Each site's and signal's lists are sorted on their own, in parallel.
        let mut each_site: Vec<&mut Site<'a>> = sites.values_mut().collect();
        each_site.par_iter_mut().with_min_len(64).for_each(|s| {
            sort_by_fulfilment(&mut s.trainings);
            sort_by_fulfilment(&mut s.supervisions);
            sort_by_fulfilment(&mut s.operational);
            s.approvals.sort_by(|a, b| event_order(a, a.at.trigger_ts(), b, b.at.trigger_ts()));
        });
        let mut each_signal: Vec<&mut Signal<'a>> = signals.values_mut().collect();
        each_signal.par_iter_mut().with_min_len(64).for_each(|s| sort_by_fulfilment(&mut s.handled));
        drop((each_site, each_signal));
        World { sites, signals }
    }
}

fn entry<'a, 'm>(sites: &'m mut FxHashMap<&'a Ref, Site<'a>>, id: &'a Ref) -> &'m mut Site<'a> {
    let s = sites.entry(id).or_default();
    s.id = Some(id);
    s
}

/// Sort events by when they fulfil (ties: processing order). Each instant is computed once, not per comparison.
fn sort_by_fulfilment(v: &mut [&Event]) {
    if v.len() < 2 {
        return;
    }
    let mut keyed: Vec<(i64, &Event)> = v.iter().map(|e| (e.at.fulfil_ts(), *e)).collect();
    keyed.sort_by(|(ta, a), (tb, b)| event_order(a, *ta, b, *tb));
    for (slot, (_, e)) in v.iter_mut().zip(keyed) {
        *slot = e;
    }
}

/// The earliest of some events by fulfilment instant (ties: processing order).
fn earliest<'a>(it: impl Iterator<Item = &'a Event>) -> Option<&'a Event> {
    it.min_by(|a, b| event_order(a, a.at.fulfil_ts(), b, b.at.fulfil_ts()))
}

// ---------------------------------------------------------------------------------------------------------------
// Site rules

fn site_rules<'p>(ctx: &Ctx<'p, '_>, site: &Site, out: &mut Vec<Obligation<'p>>) {
    let Some(site_id) = site.id else { return };
    let Some(site_type) = site.site_type else { return };
    if site.approvals.is_empty() {
        return;
    }
    let series = site.series();
    let pack = ctx.pack;

    if site_type.is_socialtilsyn_site() {
        for s in &series {
            let anchor = s.start.at.date();
            let mut prev_due: Option<NaiveDate> = None;
            for k in 1.. {
                let begins = prev_due.unwrap_or(anchor);
                if !ctx.begun(begins) {
                    break;
                }
                let months = pack.regime_at(begins).params.operational_supervision_months;
                let due = add_months(anchor, (months * k) as i32);
                if s.last_day.is_some_and(|l| due > l) {
                    break;
                }
                let regime = pack.regime_at(due);
                let done = site.operational.iter().find(|o| match prev_due {
                    None => o.at.date() >= anchor,
                    Some(p) => o.at.date() > p,
                });
                ctx.push(
                    out,
                    id::OPERATIONAL_SUPERVISION,
                    regime.cite(id::OPERATIONAL_SUPERVISION),
                    &s.start.child,
                    site_id,
                    Deadline::EndOfDay(due),
                    done.map(|e| &e.at),
                );
                prev_due = Some(due);
            }
        }
    }

    if !site_type.is_foster_family() {
        return;
    }
    if let Some(p) = pack.policy_for(id::FOSTER_SUPERVISION, site_type) {
        let months = p.months.unwrap_or(3) as i32;
        let law = p.citation.as_str();
        for s in &series {
            let anchor = s.start.at.date();
            let mut due = add_months(anchor, months);
            // Sessions on or after the approval, in order; each fulfils one occurrence.
            let mut sessions = site.supervisions.iter().filter(|e| e.at.date() >= anchor);
            loop {
                if s.last_day.is_some_and(|l| due > l) {
                    break;
                }
                let done = sessions.next();
                ctx.push(
                    out,
                    id::FOSTER_SUPERVISION,
                    law,
                    &s.start.child,
                    site_id,
                    Deadline::EndOfDay(due),
                    done.map(|e| &e.at),
                );
                match done {
                    Some(e) => due = add_months(e.at.date(), months),
                    None => break,
                }
            }
        }
    }
    if let (Some(p), Some(first)) = (pack.policy_for(id::FOSTER_BASIC_COURSE, site_type), series.first()) {
        let due = add_months(first.start.at.date(), p.months.unwrap_or(12) as i32);
        let course = p.course.as_deref().unwrap_or("grundkursus");
        if first.last_day.is_none_or(|l| due <= l) {
            let done = site.trainings.iter().find(|e| match &e.body {
                Body::FosterTraining { course: Some(c), .. } => c.trim().eq_ignore_ascii_case(course),
                _ => false,
            });
            ctx.push(
                out,
                id::FOSTER_BASIC_COURSE,
                &p.citation,
                &first.start.child,
                site_id,
                Deadline::EndOfDay(due),
                done.map(|e| &e.at),
            );
        }
    }
    if let Some(p) = pack.policy_for(id::FOSTER_TRAINING_ANNUAL, site_type) {
        let law = p.citation.as_str();
        let mut years: Vec<(i32, &Event)> = Vec::new();
        for s in &series {
            let first_year = s.start.at.date().year();
            let last_year = s.last_day.map(|l| l.year()).unwrap_or(ctx.as_of.date().year());
            for y in first_year..=last_year {
                let dec31 = NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(NaiveDate::MAX);
                let jan1 = NaiveDate::from_ymd_opt(y, 1, 1).unwrap_or(NaiveDate::MIN);
                let begins = jan1.max(s.start.at.date());
                if !ctx.begun(begins) || s.last_day.is_some_and(|l| l < dec31) {
                    continue;
                }
                if !years.iter().any(|(yy, _)| *yy == y) {
                    years.push((y, s.start));
                }
            }
        }
        for (y, trigger) in years {
            let done = site.trainings.iter().find(|e| e.at.date().year() == y);
            let due = NaiveDate::from_ymd_opt(y, 12, 31).unwrap_or(NaiveDate::MAX);
            ctx.push(
                out,
                id::FOSTER_TRAINING_ANNUAL,
                law,
                &trigger.child,
                site_id,
                Deadline::EndOfDay(due),
                done.map(|e| &e.at),
            );
        }
    }
}

fn signal_rules<'p>(ctx: &Ctx<'p, '_>, signal: &Signal, out: &mut Vec<Obligation<'p>>) {
    let e = signal.raised;
    let Body::DangerSignal(d) = &e.body else { return };
    let signal_id = &d.signal;
    let date = e.at.date();
    if signal.site.is_some() {
        // The working days come from the regime in force when the signal was raised; the citation from the due date.
        let days = ctx.pack.regime_at(date).params.danger_signal_working_days;
        let due = add_working_days(date, days);
        let done = signal
            .handled
            .iter()
            .find(|h| matches!(h.body, Body::DangerSignalHandled { socialtilsyn_notified: true, .. }));
        let law = ctx.pack.regime_at(due).cite(id::SIGNAL_TO_SOCIALTILSYN);
        ctx.push(
            out,
            id::SIGNAL_TO_SOCIALTILSYN,
            law,
            &e.child,
            signal_id,
            Deadline::EndOfDay(due),
            done.map(|h| &h.at),
        );
    }
    if let Some(p) = ctx.pack.policy(id::SIGNAL_REACTION) {
        let days =
            d.severity.and_then(|sev| p.by_severity.get(&sev).copied()).unwrap_or_else(|| p.working_days.unwrap_or(10));
        let due = add_working_days(date, days);
        let done = signal.handled.first();
        ctx.push(
            out,
            id::SIGNAL_REACTION,
            &p.citation,
            &e.child,
            signal_id,
            Deadline::EndOfDay(due),
            done.map(|h| &h.at),
        );
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Child rules

struct Placement<'a> {
    id: &'a Ref,
    site: &'a Ref,
    placement_type: PlacementType,
    start: &'a Event,
    end: Option<&'a Event>,
}

fn child_rules<'p>(ctx: &Ctx<'p, '_>, events: &[&Event], out: &mut Vec<Obligation<'p>>) {
    let Some(child) = &events[0].child else { return };
    let child = &Some(child.clone());
    let pack = ctx.pack;

    let mut birth: Option<NaiveDate> = None;
    let mut placements: Vec<Placement> = Vec::new();
    let mut ended_interventions: Vec<(&Ref, &Event)> = Vec::new();
    for e in events {
        match &e.body {
            Body::ChildRegistered { birth_date, .. } => birth = birth.or(Some(*birth_date)),
            Body::PlacementStarted { placement, site, placement_type, .. } => {
                placements.push(Placement { id: placement, site, placement_type: *placement_type, start: e, end: None })
            }
            Body::PlacementEnded { placement, .. } => {
                if let Some(p) = placements.iter_mut().find(|p| p.id == placement && p.end.is_none()) {
                    p.end = Some(e);
                }
            }
            Body::InterventionEnded { intervention, .. } => ended_interventions.push((intervention, e)),
            _ => {}
        }
    }
    let of_type = |t: EventType| events.iter().copied().filter(move |e| e.event_type() == t);

    for e in events {
        match &e.body {
            Body::NotificationReceived { notification, from_professional, .. } => {
                let fulfils = |t: EventType| {
                    earliest(of_type(t).filter(|f| match &f.body {
                        Body::NotificationAssessed { notification: n, .. }
                        | Body::NotificationReceiptSent { notification: n } => n == notification,
                        _ => false,
                    }))
                };
                let received = e.at.as_trigger();
                let hours = pack.regime_at(e.at.date()).params.assessment_hours;
                let due = Deadline::Instant(received + Duration::hours(i64::from(hours)));
                let law = pack.regime_at(due.date()).cite(id::ASSESSMENT_24H);
                let done = fulfils(EventType::NotificationAssessed);
                ctx.push(out, id::ASSESSMENT_24H, law, child, notification, due, done.map(|f| &f.at));
                if *from_professional {
                    let days = pack.regime_at(e.at.date()).params.receipt_working_days;
                    let due = add_working_days(e.at.date(), days);
                    let law = pack.regime_at(due).cite(id::RECEIPT_6_WORKING_DAYS);
                    let done = fulfils(EventType::NotificationReceiptSent);
                    ctx.push(
                        out,
                        id::RECEIPT_6_WORKING_DAYS,
                        law,
                        child,
                        notification,
                        Deadline::EndOfDay(due),
                        done.map(|f| &f.at),
                    );
                }
            }
            Body::InvestigationStarted { investigation, aware_since } => {
                let from = aware_since.unwrap_or(e.at.date());
                let months = pack.regime_at(from).params.investigation_months;
                let due = add_months(from, months as i32);
                let done = earliest(of_type(EventType::InvestigationCompleted).filter(
                    |f| matches!(&f.body, Body::InvestigationCompleted { investigation: i, .. } if i == investigation),
                ));
                let law = pack.regime_at(due).cite(id::INVESTIGATION_4_MONTHS);
                ctx.push(
                    out,
                    id::INVESTIGATION_4_MONTHS,
                    law,
                    child,
                    investigation,
                    Deadline::EndOfDay(due),
                    done.map(|f| &f.at),
                );
            }
            Body::InterventionDecided(_) => {
                child_plan(ctx, events, e, child, out);
                conversation(ctx, events, e, birth, child, out);
            }
            Body::InterventionStarted { intervention } => {
                let end = ended_interventions.iter().find(|(i, _)| *i == intervention).map(|(_, e)| *e);
                follow_ups(ctx, events, e, intervention, end, child, out);
            }
            _ => {}
        }
    }

    for p in &placements {
        placement_rules(ctx, events, p, child, out);
    }
}

fn child_plan<'p>(
    ctx: &Ctx<'p, '_>,
    events: &[&Event],
    decision: &Event,
    child: &Option<Ref>,
    out: &mut Vec<Obligation<'p>>,
) {
    let Body::InterventionDecided(d) = &decision.body else { return };
    let crate::event::Decision { intervention, kind, plan, consent, urgent, plan_required, .. } = &**d;
    let date = decision.at.date();
    let is_placement = kind.as_str() == "placement";
    // (due date, citation key) under a regime, or None when it requires no plan.
    let due_under = |r: &Regime| -> Option<(NaiveDate, &'static str)> {
        let p = &r.params;
        let key = if is_placement { id::CHILD_PLAN_PLACEMENT } else { id::CHILD_PLAN };
        if p.plan_before_decision {
            return Some(match (urgent, p.plan_urgent_months) {
                (true, Some(m)) => (add_months(date, m as i32), key),
                _ => (date, key),
            });
        }
        if is_placement {
            return match (consent, p.plan_consent_placement_months) {
                (Some(true), Some(m)) => Some((add_months(date, m as i32), key)),
                _ => Some((date, key)),
            };
        }
        if p.plan_supporting_only_when_required && !plan_required {
            return None;
        }
        Some((add_months(date, p.plan_supporting_months.unwrap_or(0) as i32), key))
    };
    let Some((regime, (due, key))) = ctx.pack.choose(date, |d: &(NaiveDate, &str)| d.0, due_under) else { return };
    let done = earliest(events.iter().copied().filter(|f| match &f.body {
        Body::PlanCreated { plan: p, .. } => plan.as_ref().is_none_or(|named| named == p),
        _ => false,
    }));
    ctx.push(out, id::CHILD_PLAN, regime.cite(key), child, intervention, Deadline::EndOfDay(due), done.map(|f| &f.at));
}

fn conversation<'p>(
    ctx: &Ctx<'p, '_>,
    events: &[&Event],
    decision: &Event,
    birth: Option<NaiveDate>,
    child: &Option<Ref>,
    out: &mut Vec<Obligation<'p>>,
) {
    let Body::InterventionDecided(d) = &decision.body else { return };
    let (intervention, conversation_waived) = (&d.intervention, &d.conversation_waived);
    if *conversation_waived {
        return;
    }
    let due = decision.at.date();
    let regime = ctx.pack.regime_at(due);
    let p = &regime.params;
    if let Some(b) = birth {
        if add_months(b, (p.conversation_min_age_years * 12) as i32) > due {
            return;
        }
    }
    let window_start = add_months(due, -(p.conversation_window_months as i32));
    let conversations = || events.iter().copied().filter(|f| f.event_type() == EventType::ChildConversation);
    let within = conversations()
        .filter(|f| f.at.date() >= window_start && f.at.date() <= due)
        .max_by(|a, b| event_order(a, a.at.fulfil_ts(), b, b.at.fulfil_ts()));
    let done = within.or_else(|| earliest(conversations().filter(|f| f.at.date() > due)));
    ctx.push(
        out,
        id::CONVERSATION,
        regime.cite(id::CONVERSATION),
        child,
        intervention,
        Deadline::EndOfDay(due),
        done.map(|f| &f.at),
    );
}

fn follow_ups<'p>(
    ctx: &Ctx<'p, '_>,
    events: &[&Event],
    start: &Event,
    intervention: &Ref,
    end: Option<&Event>,
    child: &Option<Ref>,
    out: &mut Vec<Obligation<'p>>,
) {
    let start_date = start.at.date();
    let mut followed: Vec<&Event> = events
        .iter()
        .copied()
        .filter(|f| {
            matches!(&f.body, Body::PlanFollowedUp { intervention: Some(i), .. } if i == intervention)
                && f.at.date() >= start_date
        })
        .collect();
    sort_by_fulfilment(&mut followed);
    // Barnets lov § 95, stk. 2: a børnefaglig undersøgelse running alongside (started on or before the start,
    // completed after it) brings the first follow-up forward to its completion.
    let parallel_completion = events
        .iter()
        .filter_map(|inv| match &inv.body {
            Body::InvestigationStarted { investigation, .. } if inv.at.date() <= start_date => Some(investigation),
            _ => None,
        })
        .filter_map(|investigation| {
            earliest(events.iter().copied().filter(
                |f| matches!(&f.body, Body::InvestigationCompleted { investigation: i, .. } if i == investigation),
            ))
        })
        .map(|f| f.at.date())
        .filter(|d| *d > start_date)
        .min();

    let end_date = end.map(|e| e.at.date());
    let mut prev: Option<&Event> = None;
    let mut next_index = 0;
    loop {
        let trigger = prev.map(|p| p.at.date()).unwrap_or(start_date);
        let due_under = |r: &Regime| -> Option<NaiveDate> {
            let p = &r.params;
            Some(match prev {
                None => {
                    let regular = add_months(start_date, p.follow_up_first_months as i32);
                    match parallel_completion {
                        Some(c) if p.follow_up_early_on_investigation => regular.min(c),
                        _ => regular,
                    }
                }
                Some(f) => {
                    let next = match &f.body {
                        Body::PlanFollowedUp { next_follow_up: Some(n), .. } if p.follow_up_honours_next_date => {
                            Some(*n)
                        }
                        _ => None,
                    };
                    next.unwrap_or_else(|| add_months(f.at.date(), p.follow_up_then_months as i32))
                }
            })
        };
        let Some((regime, due)) = ctx.pack.choose(trigger, |d: &NaiveDate| *d, due_under) else { break };
        if end_date.is_some_and(|e| due >= e) {
            break;
        }
        let done = followed.get(next_index).copied();
        ctx.push(
            out,
            id::FOLLOW_UP,
            regime.cite(id::FOLLOW_UP),
            child,
            intervention,
            Deadline::EndOfDay(due),
            done.map(|f| &f.at),
        );
        match done {
            Some(f) => {
                prev = Some(f);
                next_index += 1;
            }
            None => break,
        }
    }
}

fn placement_rules<'p>(
    ctx: &Ctx<'p, '_>,
    events: &[&Event],
    p: &Placement,
    child: &Option<Ref>,
    out: &mut Vec<Obligation<'p>>,
) {
    let pack = ctx.pack;
    let start = p.start.at.date();
    let end = p.end.map(|e| e.at.date());
    let visits: Vec<&Event> = {
        let mut v: Vec<&Event> = events
            .iter()
            .copied()
            .filter(|e| {
                matches!(&e.body, Body::SupervisionVisit { placement, child_spoken_to: true, .. } if placement == p.id)
            })
            .collect();
        sort_by_fulfilment(&mut v);
        v
    };

    // Personal supervision: two qualifying visits in every placement year.
    for k in 1.. {
        let window_start = add_months(start, 12 * (k - 1));
        if !ctx.begun(window_start) {
            break;
        }
        let window_end = add_months(start, 12 * k);
        if end.is_some_and(|e| e < window_end) {
            break; // cut short by the end of the placement
        }
        let due = window_end - Duration::days(1);
        let regime = pack.regime_at(due);
        let needed = regime.params.visits_per_year.max(1) as usize;
        let done = visits.iter().filter(|v| v.at.date() >= window_start && v.at.date() < window_end).nth(needed - 1);
        ctx.push(
            out,
            id::SUPERVISION_VISITS,
            regime.cite(id::SUPERVISION_VISITS),
            child,
            p.id,
            Deadline::EndOfDay(due),
            done.map(|v| &v.at),
        );
    }

    if let Some(policy) = pack.policy(id::FIRST_VISIT) {
        let due = add_months(start, policy.months.unwrap_or(3) as i32);
        if end.is_none_or(|e| due < e) {
            let done = visits.iter().find(|v| v.at.date() >= start);
            ctx.push(out, id::FIRST_VISIT, &policy.citation, child, p.id, Deadline::EndOfDay(due), done.map(|v| &v.at));
        }
    }

    if p.placement_type.is_socialtilsyn_site() {
        let site = ctx.world.sites.get(p.site);
        let (in_force, later) = match site {
            Some(s) => {
                let series = s.series();
                (s.in_force_on(&series, start), s.approvals.iter().find(|a| a.at.date() > start).copied())
            }
            None => (None, None),
        };
        let done = in_force.or(later);
        let law = pack.regime_at(start).cite(id::SITE_APPROVED);
        ctx.push(out, id::SITE_APPROVED, law, child, p.id, Deadline::EndOfDay(start), done.map(|a| &a.at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Grouping reads the file in stretches in parallel and joins the stretches' children: the groups and their
    /// order must not depend on where the stretches end, also when a child's events are spread over the file.
    #[test]
    fn grouping_does_not_depend_on_the_stretches() {
        let cfg = crate::synth::SynthConfig {
            children: 200,
            seed: 5,
            until: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            ..crate::synth::SynthConfig::default()
        };
        let mut events = crate::synth::generate(&cfg);
        // Interleave: every third event moves to the end, so children recur in many stretches.
        let (mut kept, mut moved) = (Vec::new(), Vec::new());
        for (i, e) in events.drain(..).enumerate() {
            if i % 3 == 0 {
                moved.push(e)
            } else {
                kept.push(e)
            }
        }
        kept.extend(moved);
        let events = kept;
        let as_of = AsOf::parse("2026-03-01").unwrap();
        let keys: Vec<i64> = events.iter().map(order_key).collect();
        let ts = as_of.instant().timestamp();
        let grouped = group_by_child_in(&events, &keys, ts, events.len());
        let whole = &grouped.order;
        assert!(whole.len() < events.len(), "events after as-of are left out");
        assert!(whole.len() > events.len() / 2);
        let child = |i: &u32| events[*i as usize].child.clone();
        // Each group is one child (the first: none), and the groups cover the order.
        assert_eq!(grouped.starts.first(), Some(&0));
        assert_eq!(grouped.starts.last(), Some(&whole.len()));
        for (g, w) in grouped.starts.windows(2).enumerate() {
            let children: std::collections::BTreeSet<_> = whole[w[0]..w[1]].iter().map(child).collect();
            let one = if g == 0 {
                children.iter().all(Option::is_none)
            } else {
                children.len() == 1 && !children.contains(&None)
            };
            assert!(one, "group {g}: {children:?}");
        }
        // Groups: children in byte order, each in processing order.
        assert!(whole.windows(2).all(|w| child(&w[0]) <= child(&w[1])));
        assert!(whole.windows(2).filter(|w| child(&w[0]) == child(&w[1])).all(|w| {
            let (a, b) = (w[0] as usize, w[1] as usize);
            event_order(&events[a], keys[a], &events[b], keys[b]) != Ordering::Greater
        }));
        for stretch in [1, 2, 7, 100, 4096] {
            assert_eq!(group_by_child_in(&events, &keys, ts, stretch), grouped, "stretch {stretch}");
        }
    }

    /// The engine builds the world from the events `World::concerns` picks out: that must be every event the world
    /// is built from, or sites and signals would silently lose events.
    #[test]
    fn the_world_from_its_own_events_is_the_world_from_all() {
        let cfg = crate::synth::SynthConfig {
            children: 300,
            seed: 3,
            until: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
            ..crate::synth::SynthConfig::default()
        };
        let events = crate::synth::generate(&cfg);
        let all: Vec<&Event> = events.iter().collect();
        let own: Vec<&Event> = all.iter().copied().filter(|e| World::concerns(e)).collect();
        assert!(own.len() < all.len() / 2, "the filter picks out a part");
        let shape = |w: &World| {
            let mut sites: Vec<_> = w
                .sites
                .iter()
                .map(|(k, s)| {
                    let ids = |v: &[&Event]| v.iter().map(|e| e.at.to_string()).collect::<Vec<_>>();
                    (
                        k.to_string(),
                        s.id.map(|i| i.to_string()),
                        s.site_type,
                        ids(&s.approvals),
                        ids(&s.revocations),
                        ids(&s.trainings),
                        ids(&s.supervisions),
                        ids(&s.operational),
                    )
                })
                .collect();
            sites.sort_by(|a, b| a.0.cmp(&b.0));
            let mut signals: Vec<_> =
                w.signals.iter().map(|(k, s)| (k.to_string(), s.site.cloned(), s.handled.len())).collect();
            signals.sort();
            (sites, signals)
        };
        let (a, b) = (shape(&World::build(&all)), shape(&World::build(&own)));
        assert!(!a.0.is_empty() && !a.1.is_empty(), "the journal has sites and signals");
        assert_eq!(a, b);
    }
}
