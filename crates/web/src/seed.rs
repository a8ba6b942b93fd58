//! Demo data for `vaern serve --demo-children N`: a generated journal for the instance's municipality, teams,
//! caseworkers with realistic caseloads (≈ 30 children each), foster-care consultants with ≈ 30 placement sites
//! each and planned supervision visits for the demo consultant's children, and the demo sign-ins printed at start.

use crate::auth::hash_password;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use domain::access::Role;
use domain::event::{Body, Event};
use domain::synth::{generate, SynthConfig};
use domain::time::At;
use rayon::prelude::*;
use store::access::User;
use store::supervision::{SiteFilter, SiteRow};
use store::{Actor, Store, StoreError};

/// The password of every demo sign-in (printed at start; demo data only).
pub const DEMO_PASSWORD: &str = "vaern-demo";

/// A child outside the demo caseworker's team (for trying "break the glass").
pub const FOREIGN_CHILD: &str = "demo-foreign";

/// The demo sign-ins: (username, name, role, team).
pub const DEMO_LOGINS: &[(&str, &str, Role, Option<&str>)] = &[
    ("sagsbehandler", "Sofie Sagsbehandler", Role::Caseworker, Some("nord")),
    ("konsulent", "Karin Familieplejekonsulent", Role::Consultant, Some("familiepleje")),
    ("teamleder", "Thomas Teamleder", Role::TeamLeader, Some("nord")),
    ("chef", "Charlotte Børne- og ungechef", Role::Manager, None),
    ("analytiker", "Anders Analytiker (KL)", Role::Analyst, None),
    ("admin", "Ida IT-administrator", Role::Admin, None),
    ("redaktoer", "Rikke Redaktør (vidensbank)", Role::Editor, None),
];

const TEAMS: &[(&str, &str)] = &[
    ("nord", "Team Nord"),
    ("syd", "Team Syd"),
    ("oest", "Team Øst"),
    ("vest", "Team Vest"),
    ("centrum", "Team Centrum"),
    ("amager", "Team Amager"),
    ("valby", "Team Valby"),
    ("familiepleje", "Familieplejen"),
];

const FIRST: &[&str] = &[
    "Anne", "Mette", "Lars", "Jens", "Hanne", "Peter", "Louise", "Mads", "Camilla", "Rasmus", "Julie", "Søren",
    "Maria", "Henrik", "Line", "Jonas", "Nanna", "Mikkel", "Signe", "Kasper", "Ida", "Frederik", "Trine", "Ahmad",
];
const LAST: &[&str] = &[
    "Jensen",
    "Nielsen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Khan",
];

/// The demo consultant (`DEMO_LOGINS`): gets the first site of every kind in the round-robin.
const DEMO_CONSULTANT: &str = "konsulent";
const DEMO_MANAGER: &str = "chef";

/// Sites per foster-care consultant (familieplejekonsulent).
const SITES_PER_CONSULTANT: usize = 30;

/// What seeding did.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub events: usize,
    pub children: usize,
    pub users: usize,
    /// Sites assigned to consultants, and visits planned for the demo consultant's children.
    pub sites: usize,
    pub visit_plans: usize,
    pub skipped: bool,
}

/// Seed an empty database (does nothing when the journal already has events).
pub async fn seed_demo(store: &Store, children: usize, seed: u64, today: NaiveDate) -> Result<SeedReport, StoreError> {
    if store.event_count().await? > 0 {
        return Ok(SeedReport { skipped: true, ..Default::default() });
    }
    let now = Utc::now();
    let mut events =
        generate(&SynthConfig { children, seed, municipality: Some(store.municipality()), until: today, years: 4 });
    events.extend(foreign_child(store, today));
    let methods = knowledge::seed_entries().map_err(|e| StoreError::Input(e[0].to_string()))?;
    // The entries themselves are imported into an empty store when the server starts (methods::load_bank).
    choose_methods(&mut events, &methods);
    enrich(&mut events);
    let n_events = events.len();
    let actor = Actor::new("demo", now);
    // Append in blocks: one transaction per block keeps memory and the write-ahead log small.
    let mut rest = events;
    while !rest.is_empty() {
        let tail = rest.split_off(rest.len().min(100_000));
        store.append(&actor, rest).await?;
        rest = tail;
    }

    let stamp = now.to_rfc3339();
    for (id, name) in TEAMS {
        store.create_team(id, name, &stamp).await?;
    }
    // Caseworkers: about 30 cases each, spread over the district teams.
    let districts: Vec<&str> = TEAMS.iter().map(|t| t.0).filter(|t| *t != "familiepleje").collect();
    let all_children = store.unassigned_children().await?;
    let n_workers = (all_children.len() / 30).max(districts.len());
    // Foster-care consultants: the demo consultant and as many more as keep ≈ 30 sites each.
    let sites = store.site_registry(&SiteFilter::default(), now).await?;
    let n_consultants = sites.len().div_ceil(SITES_PER_CONSULTANT).max(1);
    let mut users: Vec<User> = Vec::new();
    for (username, name, role, team) in DEMO_LOGINS {
        users.push(User {
            username: username.to_string(),
            full_name: name.to_string(),
            role: role.as_str().into(),
            team: team.map(str::to_string),
            password_hash: None,
            active: true,
            failed_logins: 0,
            locked_until: None,
        });
    }
    for i in 0..n_workers {
        let team = districts[i % districts.len()];
        users.push(User {
            username: format!("sb{:03}", i + 1),
            full_name: format!("{} {}", FIRST[i % FIRST.len()], LAST[(i * 7 + i / FIRST.len()) % LAST.len()]),
            role: Role::Caseworker.as_str().into(),
            team: Some(team.into()),
            password_hash: None,
            active: true,
            failed_logins: 0,
            locked_until: None,
        });
    }
    for i in 1..n_consultants {
        users.push(User {
            username: format!("fk{i:03}"),
            full_name: format!("{} {}", FIRST[(i * 5 + 3) % FIRST.len()], LAST[(i * 3 + 1) % LAST.len()]),
            role: Role::Consultant.as_str().into(),
            team: Some("familiepleje".into()),
            password_hash: None,
            active: true,
            failed_logins: 0,
            locked_until: None,
        });
    }
    // Every demo account gets its own salted argon2id hash (in parallel: a few hundred take a few seconds).
    let hashes: Vec<Option<String>> = users.par_iter().map(|_| hash_password(DEMO_PASSWORD).ok()).collect();
    for (u, h) in users.iter_mut().zip(hashes) {
        u.password_hash = h;
    }
    store.create_users(&users, &stamp).await?;

    // The demo caseworker gets a caseload with placed children and something overdue; the rest round-robin.
    let placed: std::collections::HashSet<String> = {
        let mut s = std::collections::HashSet::new();
        for c in &all_children {
            if s.len() >= 12 {
                break;
            }
            if let Some(case) = store.case_state(c).await? {
                if case.placement.is_some() {
                    s.insert(c.clone());
                }
            }
        }
        s
    };
    let mut assignments: Vec<(String, Option<String>, Option<String>)> = Vec::with_capacity(all_children.len());
    let mut own = 0usize;
    let mut k = 0usize;
    for c in &all_children {
        if c == FOREIGN_CHILD {
            assignments.push((c.clone(), Some("sb002".into()), Some(districts[1].into())));
            continue;
        }
        if placed.contains(c) || (own < 30 && k.is_multiple_of(97)) {
            own += 1;
            assignments.push((c.clone(), Some("sagsbehandler".into()), Some("nord".into())));
            continue;
        }
        let w = k % n_workers;
        k += 1;
        assignments.push((c.clone(), Some(format!("sb{:03}", w + 1)), Some(districts[w % districts.len()].into())));
    }
    store.assign_many(&assignments, &actor).await?;

    let consultants: Vec<String> =
        std::iter::once(DEMO_CONSULTANT.to_string()).chain((1..n_consultants).map(|i| format!("fk{i:03}"))).collect();
    let pairs = site_assignments(&sites, &consultants);
    store.assign_sites(&pairs, &Actor::new(DEMO_CONSULTANT, now)).await?;
    let own: Vec<String> = pairs.iter().filter(|(_, c)| c == DEMO_CONSULTANT).map(|(s, _)| s.clone()).collect();
    let visit_plans = plan_visits(store, &own, now, today).await?;
    demo_practice_audit(store, today).await?;
    Ok(SeedReport {
        events: n_events,
        children: all_children.len(),
        users: users.len(),
        sites: pairs.len(),
        visit_plans,
        skipped: false,
    })
}

/// A practice-survey audit of last year, a third of it reviewed by the demo manager (one correction with its reason),
/// so that `/praksis` shows the work in progress and its report.
async fn demo_practice_audit(store: &Store, today: NaiveDate) -> Result<(), StoreError> {
    use domain::practice::{draw, population, Design, Finding, Period, Point};
    let year = today.year() - 1;
    let (Some(from), Some(to)) = (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31)) else {
        return Ok(());
    };
    let period = Period { from, to };
    let events =
        store.municipality_events(store.municipality().as_str(), domain::time::AsOf::end_of(today), &[]).await?;
    let pack = domain::rules::RulePack::default_pack();
    let design = Design { size: 30, min_per_stratum: 1, seed: 20_260_101 };
    let sample = draw(&population(&events, &pack, period, today), &design);
    if sample.cases.is_empty() {
        return Ok(());
    }
    let actor = Actor::new(DEMO_MANAGER, Utc::now());
    let id = store
        .create_practice_audit(&format!("Praksisundersøgelse {year}"), period, today, &design, &sample, &actor)
        .await?;
    let mut corrected = false;
    for c in sample.cases.iter().take(sample.cases.len() / 3) {
        let mut findings = c.prefill;
        let mut comments = std::collections::BTreeMap::new();
        let inv = Point::Investigation.index();
        if !corrected && findings[inv] == Finding::NotMet {
            findings[inv] = Finding::Met;
            comments.insert(
                Point::Investigation.code().to_string(),
                "Undersøgelsen blev afsluttet til tiden; afslutningen blev først registreret senere.".to_string(),
            );
            corrected = true;
        }
        store.review_practice_case(id, &c.child, &findings, &comments, &actor).await?;
    }
    Ok(())
}

/// Every site to a consultant, round-robin within each kind of site so that every consultant — the demo consultant
/// first — has foster families as well as residential homes and institutions; within a kind the sites with children
/// placed now come first, so the demo consultant's sites have children to visit. Deterministic.
fn site_assignments(sites: &[SiteRow], consultants: &[String]) -> Vec<(String, String)> {
    let mut by_type: std::collections::BTreeMap<&str, Vec<&SiteRow>> = std::collections::BTreeMap::new();
    for s in sites {
        by_type.entry(s.site_type.as_str()).or_default().push(s);
    }
    let mut pairs = Vec::with_capacity(sites.len());
    for list in by_type.values_mut() {
        list.sort_by(|a, b| (a.placed == 0).cmp(&(b.placed == 0)).then(a.site.cmp(&b.site)));
        for (i, s) in list.iter().enumerate() {
            pairs.push((s.site.clone(), consultants[i % consultants.len()].clone()));
        }
    }
    pairs
}

/// A small deterministic hash (FNV-1a, then a finaliser) for choosing children and spreading demo dates.
fn spread(key: &str) -> u64 {
    let h = key.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3));
    let h = (h ^ (h >> 33)).wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    h ^ (h >> 33)
}

/// Planned supervision visits for about half of the children placed now at the demo consultant's sites: one in
/// the next 1–8 weeks, and for about one in six of them also one 3–6 weeks ago that was not held (planned a month
/// or two before, with no visit since), so both "planlagt" and "planlagt besøg ikke gennemført" show. Returns how
/// many plans were made.
async fn plan_visits(
    store: &Store,
    sites: &[String],
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<usize, StoreError> {
    let placed = store.placed_at(sites).await?;
    let chosen: Vec<_> =
        placed.iter().filter(|p| !p.placement.is_empty() && spread(&p.child).is_multiple_of(2)).collect();
    let children: Vec<String> = chosen.iter().map(|p| p.child.clone()).collect();
    let mut last_visit: std::collections::HashMap<String, NaiveDate> = std::collections::HashMap::new();
    for v in store.visits_held(&children, now).await? {
        let e = last_visit.entry(v.child).or_insert(v.date);
        *e = (*e).max(v.date);
    }
    let actor = Actor::new(DEMO_CONSULTANT, now);
    let mut n = 0;
    for p in chosen {
        let h = spread(&p.child);
        let ahead = 7 + (h >> 8) % 50;
        store.plan_visit(&p.child, &p.placement, today + Duration::days(ahead as i64), &actor).await?;
        n += 1;
        if (h >> 16).is_multiple_of(6) {
            // Missed: planned for 21–42 days ago, made 4–8 weeks before that, and no visit held since it was made.
            let ago = 21 + (h >> 24) % 22;
            let made_before = 28 + (h >> 32) % 29;
            let planned_for = today - Duration::days(ago as i64);
            let made = now - Duration::days((ago + made_before) as i64);
            let made_on = today - Duration::days((ago + made_before) as i64);
            let placed_since = p.placed_since.as_deref().and_then(|d| d.get(..10)?.parse::<NaiveDate>().ok());
            if placed_since.is_some_and(|d| d <= made_on) && last_visit.get(&p.child).is_none_or(|v| *v < made_on) {
                store.plan_visit(&p.child, &p.placement, planned_for, &Actor::new(DEMO_CONSULTANT, made)).await?;
                n += 1;
            }
        }
    }
    Ok(n)
}

/// A child of Team Syd, registered with a notification (for trying "break the glass" as the demo caseworker).
fn foreign_child(store: &Store, today: NaiveDate) -> Vec<Event> {
    let at = At::date_only(today - chrono::Duration::days(20));
    let child = Some(FOREIGN_CHILD.into());
    let birth = NaiveDate::from_ymd_opt(2015, 6, 14).unwrap_or(today);
    let mut reg = Event::new(
        at,
        child.clone(),
        Body::ChildRegistered {
            birth_date: birth,
            municipality: store.municipality(),
            cpr: None,
            name: Some("Emil Fremmed".into()),
            gender: Some(domain::cpr::Gender::Male),
        },
    );
    reg.set_note(Some("Demo: et barn i Team Syd, uden for sagsbehandlerens sager.".into()));
    let note = Event::new(
        at,
        child,
        Body::NotificationReceived {
            notification: "demo-foreign-n1".into(),
            from_professional: true,
            concern: Some("Skolen er bekymret for fravær.".into()),
            source: Some("school".into()),
        },
    );
    vec![reg, note]
}

fn hash(s: &str) -> u64 {
    s.bytes().fold(1469598103934665603u64, |h, b| (h ^ u64::from(b)).wrapping_mul(1099511628211))
}

/// The demo's Værn extension fields, so the economy, effect and placement-quality pages have something to show:
/// the provider of every intervention (kept on `intervention_decided`), an SDQ score at about half the scored
/// follow-ups (following the goal scores: better goals, fewer difficulties), and the school of every placed child.
/// Deterministic: each choice follows the ids.
fn enrich(events: &mut [domain::event::Event]) {
    use domain::event::{Body, InterventionKind};
    use domain::indicators::SchoolType;
    use serde_json::Value;
    const FAMILY: &[&str] = &["Familiehuset (kommunal)", "Familiecentret Nord", "Behandlingshuset Lyngen ApS"];
    const CONTACT: &[&str] = &["Kontaktpersonkorpset (kommunal)", "Ung Støtte ApS", "Mentorhuset"];
    const DAY: &[&str] = &["Dagbehandlingsskolen Solsikken", "Heldagsskolen Vest"];
    const RELIEF: &[&str] = &["Aflastningsfamilier (kommunal)", "Aflastningscentret Egely"];
    const COUNSEL: &[&str] = &["Familierådgivningen (kommunal)", "Psykologhuset"];
    for e in events.iter_mut() {
        let extra: Option<(&str, Value)> = match &e.body {
            // A placement's provider is its placement site.
            Body::InterventionDecided(d) if d.kind.as_str() != InterventionKind::Placement.as_str() => {
                let list = match InterventionKind::parse(&d.kind) {
                    Some(InterventionKind::FamilyTreatment) => FAMILY,
                    Some(InterventionKind::ContactPerson) => CONTACT,
                    Some(InterventionKind::DayTreatment) => DAY,
                    Some(InterventionKind::RespiteCare) => RELIEF,
                    _ => COUNSEL,
                };
                let p = list[(hash(d.intervention.as_str()) % list.len() as u64) as usize];
                Some((domain::effect::PROVIDER_FIELD, Value::String(p.into())))
            }
            Body::PlanFollowedUp { goal_progress, intervention, .. } if !goal_progress.is_empty() => {
                let id = intervention.as_ref().map(|r| r.as_str()).unwrap_or("");
                let h = hash(&format!("{id}{}", e.at.to_output()));
                h.is_multiple_of(2).then(|| {
                    let mean =
                        goal_progress.iter().map(|g| f64::from(g.score)).sum::<f64>() / goal_progress.len() as f64;
                    let sdq = (28.0 - 2.2 * mean + (h % 7) as f64 - 3.0).round().clamp(0.0, 40.0) as u64;
                    (domain::effect::SDQ_FIELD, Value::from(sdq))
                })
            }
            Body::PlacementStarted { placement, .. } => {
                let school = match hash(placement.as_str()) % 20 {
                    0..=8 => SchoolType::Ordinary,
                    9..=10 => SchoolType::SpecialClass,
                    11..=14 => SchoolType::SpecialSchool,
                    15..=18 => SchoolType::InternalSchool,
                    _ => SchoolType::None,
                };
                Some((domain::indicators::SCHOOL_FIELD, Value::String(school.as_str().into())))
            }
            _ => None,
        };
        if let Some((k, v)) = extra {
            e.set_extra(k, v);
        }
    }
}

/// The demo's caseworkers name the knowledge-bank method on about two in three supporting interventions (the Værn
/// extension field `method`), chosen among the bank's interventions of the same kind, so the effect figures per
/// method have something to show. Deterministic: the choice follows the intervention's id.
fn choose_methods(events: &mut [domain::event::Event], methods: &[domain::knowledge::MethodEntry]) {
    use domain::event::{Body, InterventionKind};
    use domain::knowledge::Category;
    for e in events.iter_mut() {
        let Body::InterventionDecided(d) = &e.body else { continue };
        let Some(kind) = InterventionKind::parse(&d.kind).filter(|k| *k != InterventionKind::Placement) else {
            continue;
        };
        let fitting: Vec<&str> = methods
            .iter()
            .filter(|m| m.category == Category::Intervention && m.kinds.contains(&kind))
            .map(|m| m.id.as_str())
            .collect();
        let h = d.intervention.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b)));
        if fitting.is_empty() || h % 3 == 0 {
            continue;
        }
        let chosen = fitting[(h / 3) as usize % fitting.len()].to_string();
        e.set_extra(domain::effect::METHOD_FIELD, serde_json::Value::String(chosen));
    }
}
