//! Demo data for `vaern serve --demo-children N`: a generated journal for the instance's municipality, teams,
//! caseworkers with realistic caseloads (≈ 30 children each), and the demo sign-ins printed at start.

use crate::auth::hash_password;
use chrono::{NaiveDate, Utc};
use domain::access::Role;
use domain::event::{Body, Event};
use domain::synth::{generate, SynthConfig};
use domain::time::At;
use rayon::prelude::*;
use store::access::User;
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

/// What seeding did.
#[derive(Debug, Default)]
pub struct SeedReport {
    pub events: usize,
    pub children: usize,
    pub users: usize,
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
    Ok(SeedReport { events: n_events, children: all_children.len(), users: users.len(), skipped: false })
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
