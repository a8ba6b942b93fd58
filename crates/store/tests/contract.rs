//! The store contract: one suite of stories, run against SQLite (a temporary file) and against the PostgreSQL server
//! of this machine (a fresh database per test; `VAERN_TEST_PG` overrides the server URL).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use domain::event::Event;
use domain::obligation::Status;
use domain::rules::{obligations, RulePack};
use store::projection::{as_of_today, GroupBy};
use store::{Actor, Store, StoreError};

/// A fresh, empty database: (url, guard that drops it).
struct Db {
    url: String,
    _dir: Option<tempfile::TempDir>,
    pg_name: Option<String>,
    /// SQLite with the native bulk loader taking every append to an empty journal (not only large ones).
    bulk: bool,
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Some(name) = self.pg_name.take() {
            let admin = pg_admin_url();
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(async {
                    use sqlx::Connection;
                    if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                        let _ =
                            sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await;
                    }
                })
            })
            .join();
        }
    }
}

fn pg_admin_url() -> String {
    std::env::var("VAERN_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

async fn sqlite_db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("vaern.db").display());
    Db { url, _dir: Some(dir), pg_name: None, bulk: false }
}

async fn sqlite_bulk_db() -> Db {
    let mut db = sqlite_db().await;
    db.bulk = true;
    db
}

async fn pg_db() -> Db {
    use sqlx::Connection;
    let admin = pg_admin_url();
    let mut c = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin} must be running for the storage tests: {e}"));
    let name = format!("vaern_test_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await.unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin);
    Db { url: format!("{base}/{name}"), _dir: None, pg_name: Some(name), bulk: false }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 9, 1, 10, 0, 0).unwrap()
}

fn actor() -> Actor {
    Actor::new("sagsbehandler1", now())
}

fn ev(line: &str) -> Event {
    Event::parse_json(line).unwrap_or_else(|e| panic!("{line}: {e:?}"))
}

const JOURNAL: &str = r#"{"type":"child_registered","at":"2024-01-10","child":"b1","birth_date":"2012-04-10","municipality":"751","cpr":"100412-4127","name":"Ida Holm","id":"e1"}
{"type":"notification_received","at":"2024-02-01T09:00:00+01:00","child":"b1","notification":"n1","from_professional":true,"source":"school","concern":"Ida kommer ofte sulten i skole","id":"e2"}
{"type":"notification_assessed","at":"2024-02-01T15:00:00+01:00","child":"b1","notification":"n1","outcome":"investigate","id":"e3"}
{"type":"investigation_started","at":"2024-02-05","child":"b1","investigation":"u1","id":"e4"}
{"type":"site_registered","at":"2023-01-01","site":"s1","site_type":"foster_family","name":"Plejefamilien Berg","id":"e5"}
{"type":"site_approved","at":"2023-01-15","site":"s1","id":"e6"}
{"type":"placement_started","at":"2024-03-01","child":"b1","placement":"p1","site":"s1","placement_type":"foster_family","consent":true,"id":"e7"}
{"type":"supervision_visit","at":"2024-04-02","child":"b1","placement":"p1","child_spoken_to":true,"without_carers":true,"child_view":"Jeg kan lide min plejemor","id":"e8","future_field":{"x":1}}
{"type":"child_registered","at":"2024-01-11","child":"b2","birth_date":"2015-06-01","municipality":"751","id":"e9"}
{"type":"notification_received","at":"2024-05-01","child":"b2","notification":"n2","from_professional":false,"id":"e10"}
"#;

async fn open(db: &Db) -> Store {
    let s = Store::connect(&db.url).await.unwrap_or_else(|e| panic!("connect {}: {e}", db.url));
    if db.bulk {
        s.with_bulk_load_rows(1)
    } else {
        s
    }
}

async fn export_text(s: &Store) -> String {
    let mut out = String::new();
    s.export_jsonl(|l| {
        out.push_str(l);
        Ok(())
    })
    .await
    .unwrap();
    out
}

async fn head_hash(s: &Store) -> String {
    use sqlx::Row;
    sqlx::query("SELECT hash FROM chain_head WHERE id = 1").fetch_one(s.pool()).await.unwrap().get::<String, _>("hash")
}

// ------------------------------------------------------------------------------------------------------------
// Stories (each runs on both back-ends)

async fn append_read_verify(db: Db) {
    let s = open(&db).await;
    let out = s.import_jsonl(JOURNAL, &actor()).await.unwrap();
    assert_eq!(out.appended, 10);
    assert_eq!(s.event_count().await.unwrap(), 10);
    let b1 = s.child_events("b1").await.unwrap();
    assert_eq!(b1.len(), 6);
    assert_eq!(b1[0].recorded_by, "sagsbehandler1");
    assert_eq!(b1[0].municipality, "751");
    let visit = b1.iter().find(|e| e.event_id == "e8").unwrap();
    assert_eq!(visit.event.extra().len(), 1, "unknown fields are kept");
    assert!(
        matches!(&visit.event.body, domain::event::Body::SupervisionVisit { child_view: Some(v), .. } if v.contains("plejemor"))
    );
    let report = s.verify().await.unwrap();
    assert_eq!(report.events, 10);
    assert_eq!(report.first_broken, None);
}

async fn journal_is_append_only(db: Db) {
    let s = open(&db).await;
    s.import_jsonl(JOURNAL, &actor()).await.unwrap();
    let upd = sqlx::query("UPDATE journal SET at = '2020-01-01' WHERE seq = 3").execute(s.pool()).await;
    assert!(upd.is_err(), "UPDATE of a journal row must be refused");
    let del = sqlx::query("DELETE FROM journal WHERE seq = 3").execute(s.pool()).await;
    assert!(del.is_err(), "DELETE of a journal row must be refused");
    assert_eq!(s.verify().await.unwrap().first_broken, None);
}

async fn tampering_is_detected(db: Db) {
    let s = open(&db).await;
    s.import_jsonl(JOURNAL, &actor()).await.unwrap();
    // An attacker with database access disables the guard and edits event 4's core.
    match s.backend() {
        store::Backend::Sqlite => {
            sqlx::query("DROP TRIGGER journal_no_update").execute(s.pool()).await.unwrap();
        }
        store::Backend::Postgres => {
            sqlx::query("ALTER TABLE journal DISABLE TRIGGER journal_no_update").execute(s.pool()).await.unwrap();
        }
    }
    sqlx::query("UPDATE journal SET core = REPLACE(core, '2024-02-05', '2024-03-05') WHERE seq = 4")
        .execute(s.pool())
        .await
        .unwrap();
    let report = s.verify().await.unwrap();
    let (seq, id, _why) = report.first_broken.expect("the edit is found");
    assert_eq!((seq, id.as_str()), (4, "e4"));
}

async fn personal_tampering_is_detected(db: Db) {
    let s = open(&db).await;
    s.import_jsonl(JOURNAL, &actor()).await.unwrap();
    sqlx::query("UPDATE journal_personal SET data = REPLACE(data, 'Ida Holm', 'Ida Hansen') WHERE event_id = 'e1'")
        .execute(s.pool())
        .await
        .unwrap();
    let (seq, id, why) = s.verify().await.unwrap().first_broken.expect("found");
    assert_eq!((seq, id.as_str()), (1, "e1"));
    assert!(why.contains("persondata"), "{why}");
}

async fn bad_file_writes_nothing(db: Db) {
    let s = open(&db).await;
    let bad = format!("{JOURNAL}{{\"type\":\"supervision_visit\",\"at\":\"2024-13-01\",\"child\":\"b1\",\"placement\":\"p1\",\"child_spoken_to\":true}}\n");
    let err = s.import_jsonl(&bad, &actor()).await.unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains("linje 11") && msg.contains("\"at\""), "{msg}");
    assert_eq!(s.event_count().await.unwrap(), 0, "nothing half-imported");
    let dangling = format!("{JOURNAL}{{\"type\":\"correction\",\"at\":\"2024-06-01\",\"child\":\"b1\",\"corrects\":\"nope\",\"fields\":{{\"at\":\"2024-01-01\"}},\"reason\":\"x\"}}\n");
    let err = s.import_jsonl(&dangling, &actor()).await.unwrap_err();
    assert!(err.to_string().contains("nope"), "{err}");
    assert_eq!(s.event_count().await.unwrap(), 0);
}

async fn import_is_idempotent(db: Db) {
    let s = open(&db).await;
    s.import_jsonl(JOURNAL, &actor()).await.unwrap();
    let again = s.import_jsonl(JOURNAL, &actor()).await.unwrap();
    assert_eq!((again.appended, again.skipped), (0, 10));
    // Lines without ids get content-derived ids: also idempotent.
    let no_ids = "{\"type\":\"foster_supervision\",\"at\":\"2024-05-01\",\"site\":\"s1\"}\n{\"type\":\"foster_supervision\",\"at\":\"2024-05-01\",\"site\":\"s1\"}\n";
    let first = s.import_jsonl(no_ids, &actor()).await.unwrap();
    assert_eq!(first.appended, 2, "two identical lines are two events");
    let second = s.import_jsonl(no_ids, &actor()).await.unwrap();
    assert_eq!((second.appended, second.skipped), (0, 2));
    // The same id with other content is refused, naming the line.
    let clash = "{\"type\":\"foster_supervision\",\"at\":\"2024-05-02\",\"site\":\"s1\",\"id\":\"e1\"}\n";
    let err = s.import_jsonl(clash, &actor()).await.unwrap_err();
    assert!(err.to_string().contains("linje 1") && err.to_string().contains("e1"), "{err}");
    assert_eq!(s.event_count().await.unwrap(), 12);
}

async fn export_round_trip_is_byte_stable(db: Db, db2: Db) {
    let a = open(&db).await;
    a.import_jsonl(JOURNAL, &actor()).await.unwrap();
    a.erase_personal_data("b2", "test", &actor()).await.unwrap();
    let exported = export_text(&a).await;
    assert_eq!(exported.lines().count(), 10);
    assert!(exported.contains("\"recorded\":{\"by\":\"sagsbehandler1\""));
    let b = open(&db2).await;
    let other_actor = Actor::new("importør", Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap());
    b.import_jsonl(&exported, &other_actor).await.unwrap();
    assert_eq!(export_text(&b).await, exported, "import → export is byte-identical");
    assert_eq!(head_hash(&b).await, head_hash(&a).await, "same hash chain");
    assert_eq!(b.verify().await.unwrap().first_broken, None);
    let again = b.import_jsonl(&exported, &other_actor).await.unwrap();
    assert_eq!(again.appended, 0);
}

async fn read_models_follow_the_engine(db: Db) {
    let s = open(&db).await;
    s.import_jsonl(JOURNAL, &actor()).await.unwrap();
    s.assign("b1", Some("sagsbehandler1"), Some("Team Nord"), &actor()).await.unwrap();
    s.assign("b2", Some("sagsbehandler2"), Some("Team Nord"), &actor()).await.unwrap();
    let events: Vec<Event> = JOURNAL.lines().map(ev).collect();
    let pack = RulePack::default_pack();
    let expected = obligations(&events, as_of_today(now()), &pack);
    let rows = s.child_obligations("b1", now()).await.unwrap();
    let want: Vec<_> = expected.iter().filter(|o| o.child.as_deref() == Some("b1")).collect();
    assert_eq!(rows.len(), want.len(), "{rows:#?}\n{want:#?}");
    for (r, o) in rows.iter().zip(&want) {
        assert_eq!((r.rule.as_str(), r.due.as_str(), r.status), (o.rule, o.due.to_string().as_str(), o.status));
    }
    // A visit appended later fulfils the first-visit rule and is in the read model at once (same transaction).
    let later = Actor::new("sagsbehandler1", now());
    let before = s.counts(GroupBy::Caseworker, now()).await.unwrap();
    s.append(
        &later,
        vec![ev(r#"{"type":"investigation_completed","at":"2024-06-20","child":"b1","investigation":"u1"}"#)],
    )
    .await
    .unwrap();
    let rows = s.child_obligations("b1", now()).await.unwrap();
    let inv = rows.iter().find(|r| r.rule == "investigation-4-months").unwrap();
    assert_eq!(inv.status, Status::Late);
    let after = s.counts(GroupBy::Caseworker, now()).await.unwrap();
    let c = |v: &[store::projection::Counts], k: &str| v.iter().find(|c| c.key == k).cloned().unwrap_or_default();
    assert_eq!(c(&after, "sagsbehandler1").late, c(&before, "sagsbehandler1").late + 1);
    assert_eq!(c(&after, "sagsbehandler1").overdue, c(&before, "sagsbehandler1").overdue - 1);
    let teams = s.counts(GroupBy::Team, now()).await.unwrap();
    assert_eq!(teams.len(), 2, "Team Nord and the site's unassigned obligations: {teams:?}");
    // Status moves with time without recomputation: an open obligation becomes overdue.
    let later_now = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let rows = s.child_obligations("b2", later_now).await.unwrap();
    assert!(rows.iter().all(|r| r.status != Status::Due));
    // Rebuild gives the same read model.
    let before: Vec<_> = s.child_obligations("b1", now()).await.unwrap();
    s.rebuild(now()).await.unwrap();
    assert_eq!(s.child_obligations("b1", now()).await.unwrap(), before);
}

async fn site_approval_updates_placed_children(db: Db) {
    let s = open(&db).await;
    let lines = r#"{"type":"child_registered","at":"2024-01-10","child":"b1","birth_date":"2012-04-10","municipality":"101"}
{"type":"site_registered","at":"2023-01-01","site":"s9","site_type":"residential_home","name":"Opholdsstedet Lyng"}
{"type":"placement_started","at":"2024-03-01","child":"b1","placement":"p1","site":"s9","placement_type":"residential_home","consent":true}"#;
    s.import_jsonl(lines, &actor()).await.unwrap();
    let status = |rows: Vec<store::projection::ObligationRow>| {
        rows.into_iter().find(|r| r.rule == "placement-site-approved").map(|r| r.status)
    };
    assert_eq!(status(s.child_obligations("b1", now()).await.unwrap()), Some(Status::Overdue));
    s.append(&actor(), vec![ev(r#"{"type":"site_approved","at":"2024-04-01","site":"s9"}"#)]).await.unwrap();
    assert_eq!(status(s.child_obligations("b1", now()).await.unwrap()), Some(Status::Late));
}

async fn corrections_are_new_events(db: Db) {
    let s = open(&db).await;
    s.import_jsonl(JOURNAL, &actor()).await.unwrap();
    let fix = ev(
        r#"{"type":"correction","at":"2024-06-01","child":"b1","corrects":"e4","fields":{"aware_since":"2024-01-20"},"reason":"Kommunen kendte til sagen tidligere"}"#,
    );
    s.append(&actor(), vec![fix]).await.unwrap();
    assert_eq!(s.event_count().await.unwrap(), 11, "the original stays; the correction is added");
    let rows = s.child_obligations("b1", now()).await.unwrap();
    let inv = rows.iter().find(|r| r.rule == "investigation-4-months").unwrap();
    assert_eq!(inv.due, "2024-05-20", "aware_since 20.01 + 4 months");
    let bad = ev(
        r#"{"type":"correction","at":"2024-06-01","child":"b1","corrects":"e4","fields":{"aware_since":"i går"},"reason":"x"}"#,
    );
    let err = s.append(&actor(), vec![bad]).await.unwrap_err();
    assert!(matches!(err, StoreError::Input(_)) && err.to_string().contains("aware_since"), "{err}");
    assert_eq!(s.event_count().await.unwrap(), 11);
}

async fn erasure_keeps_facts_and_chain(db: Db) {
    let s = open(&db).await;
    s.import_jsonl(JOURNAL, &actor()).await.unwrap();
    s.close_case("b1", NaiveDate::from_ymd_opt(2018, 3, 1).unwrap(), &actor()).await.unwrap();
    s.close_case("b2", NaiveDate::from_ymd_opt(2024, 8, 1).unwrap(), &actor()).await.unwrap();
    let today = NaiveDate::from_ymd_opt(2024, 9, 1).unwrap();
    let expired = s.retention_report(today, 5).await.unwrap();
    assert_eq!(expired.iter().map(|e| e.child.as_str()).collect::<Vec<_>>(), vec!["b1"]);
    assert!(!expired[0].erased);
    let n = s.erase_personal_data("b1", "Slettefrist udløbet", &actor()).await.unwrap();
    assert_eq!(n, 3, "registration (cpr, name), notification (concern), visit (child's words)");
    let events = s.child_events("b1").await.unwrap();
    let reg = &events[0];
    assert!(reg.erased);
    assert!(
        matches!(&reg.event.body, domain::event::Body::ChildRegistered { cpr: None, name: None, birth_date, .. } if birth_date.to_string() == "2012-04-10")
    );
    assert!(!export_text(&s).await.contains("Ida Holm"));
    assert_eq!(s.verify().await.unwrap().first_broken, None, "the chain still verifies");
    assert!(s.retention_report(today, 5).await.unwrap()[0].erased);
    assert!(s.close_case("nobody", today, &actor()).await.is_err());
}

async fn concurrent_writers_keep_one_chain(db: Db) {
    let s = open(&db).await;
    s.import_jsonl(JOURNAL, &actor()).await.unwrap();
    let mut tasks = Vec::new();
    for w in 0..12 {
        let s = s.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..8 {
                let e = ev(&format!(
                    r#"{{"type":"supervision_visit","at":"2024-0{}-1{}","child":"b1","placement":"p1","child_spoken_to":true,"without_carers":true}}"#,
                    4 + i % 5,
                    w % 10
                ));
                s.append(&Actor::new(format!("w{w}"), now()), vec![e]).await.unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(s.event_count().await.unwrap(), 10 + 96);
    let report = s.verify().await.unwrap();
    assert_eq!((report.events, report.first_broken), (106, None));
    assert_eq!(s.child_events("b1").await.unwrap().len(), 6 + 96);
}

async fn bulk_and_incremental_read_models_agree(db: Db, db2: Db) {
    use domain::synth::{generate, SynthConfig};
    let cfg = SynthConfig {
        children: 60,
        seed: 5,
        until: NaiveDate::from_ymd_opt(2024, 9, 1).unwrap(),
        ..SynthConfig::default()
    };
    let text = domain::journal::to_jsonl(&generate(&cfg));
    let bulk = open(&db).await.with_bulk_rebuild_units(10);
    let small = open(&db2).await.with_bulk_rebuild_units(usize::MAX).with_bulk_load_rows(usize::MAX);
    bulk.import_jsonl(&text, &actor()).await.unwrap();
    small.import_jsonl(&text, &actor()).await.unwrap();
    async fn dump(s: &Store) -> Vec<String> {
        use sqlx::Row;
        let mut rows: Vec<String> = sqlx::query(
            "SELECT unit, COALESCE(child, '-') AS c, municipality, rule, law, subject, due, fulfilled, COALESCE(met_at, '-') AS m \
             FROM rm_obligation",
        )
        .fetch_all(s.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            (0..9).map(|i| r.get::<String, _>(i)).collect::<Vec<_>>().join("|")
        })
        .collect();
        let children: Vec<String> = sqlx::query(
            "SELECT child, municipality, COALESCE(placement, '-') AS p, open_interventions, events FROM rm_child",
        )
        .fetch_all(s.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}|{}|{}|{}|{}",
                r.get::<String, _>(0),
                r.get::<String, _>(1),
                r.get::<String, _>(2),
                r.get::<i64, _>(3),
                r.get::<i64, _>(4)
            )
        })
        .collect();
        rows.extend(children);
        let sites: Vec<String> = sqlx::query(
            "SELECT site, name, approval, COALESCE(approved_from, '-'), COALESCE(approved_until, '-'), \
             COALESCE(last_training, '-'), COALESCE(last_supervision, '-'), COALESCE(last_operational, '-') FROM rm_site",
        )
        .fetch_all(s.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (0..8).map(|i| r.get::<String, _>(i)).collect::<Vec<_>>().join("|"))
        .collect();
        assert!(!sites.is_empty(), "the site registry is filled");
        rows.extend(sites);
        rows.sort();
        rows
    }
    let (a, b) = (dump(&bulk).await, dump(&small).await);
    assert!(a.len() > 500, "a real journal: {} rows", a.len());
    assert_eq!(a, b, "the bulk rebuild and the per-unit recomputation give the same read models");
    assert_eq!(bulk.verify().await.unwrap().first_broken, None);
}

async fn newer_schema_is_refused(db: Db) {
    let s = open(&db).await;
    sqlx::query("INSERT INTO vaern_migrations (version, name, applied_at) VALUES (999, 'fremtid', 'x')")
        .execute(s.pool())
        .await
        .unwrap();
    s.close().await;
    let err = Store::connect(&db.url).await.unwrap_err();
    assert!(err.to_string().contains("skemaversion 999"), "{err}");
}

const SITES: &str = r#"{"type":"child_registered","at":"2024-01-10","child":"b1","birth_date":"2012-04-10","municipality":"751","id":"s-e1"}
{"type":"site_registered","at":"2023-01-01","site":"s1","site_type":"foster_family","name":"Plejefamilien Berg","municipality":"751","id":"s-e2"}
{"type":"site_approved","at":"2023-01-15","site":"s1","places":2,"target_group":"Børn 6-14 år","by":"socialtilsyn_midt","id":"s-e3"}
{"type":"foster_training","at":"2023-03-01","site":"s1","course":"grundkursus","hours":30,"id":"s-e4"}
{"type":"placement_started","at":"2024-03-01","child":"b1","placement":"p1","site":"s1","placement_type":"foster_family","consent":true,"id":"s-e5"}
{"type":"supervision_visit","at":"2024-04-02","child":"b1","placement":"p1","child_spoken_to":true,"without_carers":true,"child_view":"Jeg kan lide min plejemor","id":"s-e6"}
{"type":"site_registered","at":"2023-01-01","site":"s2","site_type":"residential_home","name":"Opholdsstedet Lærken","municipality":"751","id":"s-e7"}
{"type":"site_approved","at":"2023-02-01","site":"s2","places":6,"valid_until":"2024-06-30","id":"s-e8"}
{"type":"site_finances_reported","at":"2024-04-15","site":"s2","year":2023,"revenue_dkk":12000000,"costs_dkk":10000000,"equity_dkk":-50000,"id":"s-e9"}
{"type":"danger_signal","at":"2024-08-26","child":"b1","signal":"ds1","site":"s1","kind":"Barnet fortæller om trusler","source":"child","severity":"high","id":"s-e10"}
{"type":"danger_signal","at":"2024-08-05","signal":"ds2","site":"s2","kind":"Økonomi","source":"finances","id":"s-e11"}
{"type":"danger_signal_handled","at":"2024-08-07","signal":"ds2","action":"Socialtilsynet orienteret","socialtilsyn_notified":true,"id":"s-e12"}
{"type":"correction","at":"2024-08-10","corrects":"s-e3","fields":{"places":3},"reason":"Godkendelsen lyder på 3 pladser","id":"s-e13"}
"#;

fn method(id: &str, summary: &str) -> domain::knowledge::MethodEntry {
    let v = serde_json::json!({"id": id, "name": id.to_uppercase(), "category": "intervention", "summary": summary,
        "description": "Beskrivelse.", "age_min": 12, "age_max": 17, "problems": ["adfærd"], "themes": ["family"],
        "ladder_step": 3, "kinds": ["family_treatment"], "sections": [], "evidence": "rct",
        "references": [{"title": "Socialstyrelsen", "url": "https://www.sbst.dk"}], "providers": [],
        "duration_weeks": [16, 20], "monthly_cost_dkk": null, "examples": []});
    domain::knowledge::MethodEntry::from_json(&v).unwrap()
}

/// Budget lines are versioned per year: the newest version counts, an unchanged save writes nothing, a withdrawn
/// line disappears, rows are append-only, and a bad year is refused naming the field.
async fn practice_audits_keep_the_sample_and_every_review(db: Db) {
    use domain::practice::{Candidate, CaseType, Design, Finding, Period, Sample, Stratum, POINTS};
    use std::collections::BTreeMap;
    let s = open(&db).await;
    let a = actor();
    let st = Stratum { case_type: CaseType::Placed, age: 1 };
    let other = Stratum { case_type: CaseType::Notification, age: 3 };
    let mut prefill = [Finding::Met; POINTS];
    prefill[1] = Finding::NotMet;
    let cand = |c: &str, s: Stratum| Candidate { child: c.into(), stratum: s, prefill, evidence: Vec::new() };
    let sample = Sample {
        strata: [(st, (40, 2)), (other, (3, 1))].into(),
        cases: vec![cand("b1", st), cand("b2", st), cand("b9", other)],
    };
    let period =
        Period::new(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(), NaiveDate::from_ymd_opt(2024, 6, 30).unwrap())
            .unwrap();
    let design = Design { size: 3, min_per_stratum: 1, seed: u64::MAX - 1 };
    let as_of = NaiveDate::from_ymd_opt(2024, 9, 1).unwrap();
    let err = s.create_practice_audit("  ", period, as_of, &design, &sample, &a).await.unwrap_err();
    assert!(err.to_string().contains("titel"), "{err}");
    let id = s.create_practice_audit("Ledelsestilsyn 1. halvår", period, as_of, &design, &sample, &a).await.unwrap();
    assert_eq!(id, 1);
    assert_eq!(s.create_practice_audit("Nr. 2", period, as_of, &design, &sample, &a).await.unwrap(), 2);
    let heads = s.practice_audits().await.unwrap();
    assert_eq!(heads.iter().map(|h| h.id).collect::<Vec<_>>(), vec![2, 1], "newest first");
    let got = s.practice_audit(1).await.unwrap().unwrap();
    assert_eq!(got.head.design, design, "the seed survives as an unsigned number");
    assert_eq!((got.head.population, got.head.sampled, got.head.reviewed), (43, 3, 0));
    assert_eq!(got.head.period, period);
    assert_eq!(got.strata, sample.strata);
    assert_eq!(got.cases.iter().map(|c| c.child.as_str()).collect::<Vec<_>>(), vec!["b1", "b2", "b9"]);
    assert_eq!(got.cases[0].prefill, prefill);
    assert!(s.practice_audit(99).await.unwrap().is_none());

    // Reviews: a new version per change, the newest counts; unchanged saves nothing.
    let mut corrected = prefill;
    corrected[1] = Finding::Met;
    let comments: BTreeMap<String, String> =
        [("udredning".to_string(), "Afsluttet rettidigt; datoen var tastet forkert".to_string())].into();
    assert_eq!(s.review_practice_case(1, "b2", &prefill, &BTreeMap::new(), &a).await.unwrap(), Some(1));
    assert_eq!(s.review_practice_case(1, "b2", &corrected, &comments, &a).await.unwrap(), Some(2));
    assert_eq!(s.review_practice_case(1, "b2", &corrected, &comments, &a).await.unwrap(), None);
    let err = s.review_practice_case(1, "b7", &prefill, &BTreeMap::new(), &a).await.unwrap_err();
    assert!(matches!(err, StoreError::NotFound(_)), "{err}");
    let got = s.practice_audit(1).await.unwrap().unwrap();
    let r = got.cases[1].review.as_ref().unwrap();
    assert_eq!((r.version, r.findings, &r.comments), (2, corrected, &comments));
    assert_eq!(got.head.reviewed, 1);
    assert!(s.practice_audit(2).await.unwrap().unwrap().cases.iter().all(|c| c.review.is_none()));

    // Append-only, on both back-ends.
    for sql in [
        "UPDATE practice_audit_review SET findings = 'x'",
        "DELETE FROM practice_audit_review",
        "UPDATE practice_audit_case SET prefill = 'x'",
        "DELETE FROM practice_audit_stratum",
        "UPDATE practice_audit SET seed = '1'",
    ] {
        assert!(sqlx::query(sql).execute(s.pool()).await.is_err(), "{sql} must be refused");
    }
}

async fn budget_lines_are_versioned(db: Db) {
    use domain::economy::BudgetLine;
    let s = open(&db).await;
    let a = actor();
    let foster = BudgetLine::parse("5.28.22", "Plejefamilier", &["foster_family".into()], "40.000.000").unwrap();
    let prev = BudgetLine::parse("5.28.21", "Forebyggende", &["contact_person".into()], "1.000").unwrap();
    assert_eq!(s.save_budget_line(2026, &foster, false, &a).await.unwrap(), Some(1));
    assert_eq!(s.save_budget_line(2026, &prev, false, &a).await.unwrap(), Some(1));
    assert_eq!(s.save_budget_line(2026, &foster, false, &a).await.unwrap(), None, "unchanged");
    let more = BudgetLine { amount: domain::economy::Ore(4_100_000_000), ..foster.clone() };
    assert_eq!(s.save_budget_line(2026, &more, false, &a).await.unwrap(), Some(2));
    assert_eq!(s.save_budget_line(2027, &foster, false, &a).await.unwrap(), Some(1), "another year");
    let lines = s.budget_lines(2026).await.unwrap();
    assert_eq!(lines.iter().map(|l| l.line.code.as_str()).collect::<Vec<_>>(), ["5.28.21", "5.28.22"]);
    assert_eq!((lines[1].line.amount, lines[1].version), (domain::economy::Ore(4_100_000_000), 2));
    assert_eq!(lines[1].line.covers, ["foster_family"]);
    assert_eq!(lines[1].edited_by, "sagsbehandler1");
    assert_eq!(s.save_budget_line(2026, &prev, true, &a).await.unwrap(), Some(2), "withdrawn");
    assert_eq!(s.budget_lines(2026).await.unwrap().len(), 1);
    assert_eq!(s.budget_lines(2027).await.unwrap()[0].line.amount, foster.amount);
    let e = s.save_budget_line(1999, &foster, false, &a).await.unwrap_err();
    assert!(e.to_string().contains("\"year\""), "{e}");
    assert!(sqlx::query("UPDATE budget_line SET amount_ore = 1").execute(s.pool()).await.is_err());
    assert!(sqlx::query("DELETE FROM budget_line").execute(s.pool()).await.is_err());
}

/// Knowledge-bank entries keep every version (optimistic concurrency, nothing overwritten, rows append-only), and
/// VISO referrals keep every status change; erasing a child's personal data blanks the referral's texts.
async fn knowledge_versions_and_viso(db: Db) {
    use domain::knowledge::VisoStatus;
    use store::knowledge::{NewViso, Saved, VisoChange, VisoScope};
    let s = open(&db).await;
    let a = actor();
    let mst = method("mst", "Første udgave.");
    assert_eq!(s.save_method(&mst, None, false, "Oprettet", &a).await.unwrap(), Saved::Version(1));
    // A second "new" entry with the same id is refused, naming the field.
    let e = s.save_method(&mst, None, false, "Oprettet", &a).await.unwrap_err();
    assert!(matches!(&e, StoreError::Input(m) if m.starts_with("feltet \"id\"")), "{e}");
    assert_eq!(s.save_method(&mst, Some(1), false, "Ingen ændring", &a).await.unwrap(), Saved::Unchanged);
    let v2 = method("mst", "Anden udgave.");
    assert_eq!(s.save_method(&v2, Some(1), false, "Ny tekst", &a).await.unwrap(), Saved::Version(2));
    // An editor who opened version 1 cannot overwrite version 2 (no lost update).
    let stale = method("mst", "Forældet udgave.");
    let e = s.save_method(&stale, Some(1), false, "For sent", &a).await.unwrap_err();
    assert!(e.to_string().contains("ændret af sagsbehandler1"), "{e}");
    assert_eq!(s.save_method(&v2, Some(2), true, "Trukket tilbage", &a).await.unwrap(), Saved::Version(3));
    let history = s.method_history(&mst.id).await.unwrap();
    assert_eq!(history.iter().map(|h| h.version).collect::<Vec<_>>(), [3, 2, 1]);
    assert_eq!(history[2].entry.summary, "Første udgave.");
    assert!(history[0].retired && !history[1].retired);
    assert_eq!(history[1].comment, "Ny tekst");
    let current = s.methods().await.unwrap();
    assert_eq!((current.len(), current[0].version, current[0].retired), (1, 3, true));
    // Versions are append-only in the database too.
    let upd = sqlx::query("UPDATE method_version SET body = 'x'").execute(s.pool()).await;
    assert!(upd.is_err(), "an UPDATE of a method version must be refused");
    // Import: a new id is added, the retired one comes back as a new version, a second import changes nothing.
    let fft = method("fft", "Funktionel familieterapi.");
    let r = s.import_methods(&[v2.clone(), fft.clone()], &a).await.unwrap();
    assert_eq!((r.added, r.changed, r.unchanged), (1, 1, 0));
    let r = s.import_methods(&[v2.clone(), fft.clone()], &a).await.unwrap();
    assert_eq!((r.added, r.changed, r.unchanged), (0, 0, 2));
    assert_eq!(s.method_history(&mst.id).await.unwrap().len(), 4);

    // VISO: for a child of the journal, with its status history.
    s.import_jsonl(JOURNAL, &a).await.unwrap();
    let new = NewViso {
        child: Some("b1".into()),
        site: None,
        topic: "assessment".into(),
        question: "Hvordan udreder vi barnets behov?".into(),
        requested_on: NaiveDate::from_ymd_opt(2024, 8, 20).unwrap(),
    };
    let bad = NewViso { question: " ".into(), ..new.clone() };
    assert!(matches!(s.create_viso(&bad, &a).await, Err(StoreError::Input(m)) if m.contains("question")));
    let id = s.create_viso(&new, &a).await.unwrap();
    let due = NaiveDate::from_ymd_opt(2024, 10, 1).unwrap();
    let later = Actor::new("sagsbehandler1", now() + chrono::Duration::minutes(5));
    s.update_viso(
        &id,
        &VisoChange { status: VisoStatus::Accepted, answer_due: Some(due), answered_on: None, advice: None },
        &later,
    )
    .await
    .unwrap();
    let no_advice = VisoChange { status: VisoStatus::Answered, answer_due: None, answered_on: Some(due), advice: None };
    assert!(matches!(s.update_viso(&id, &no_advice, &later).await, Err(StoreError::Input(m)) if m.contains("advice")));
    let latest = Actor::new("sagsbehandler1", now() + chrono::Duration::minutes(9));
    let answered = VisoChange { advice: Some("Brug en struktureret udredning.".into()), ..no_advice };
    s.update_viso(&id, &answered, &latest).await.unwrap();
    let v = s.visos(VisoScope::Child("b1")).await.unwrap();
    assert_eq!(v.len(), 1);
    let statuses: Vec<VisoStatus> = v[0].updates.iter().map(|u| u.status).collect();
    assert_eq!(statuses, [VisoStatus::Requested, VisoStatus::Accepted, VisoStatus::Answered]);
    assert_eq!(v[0].answer_due(), Some(due));
    assert_eq!(v[0].advice(), Some(("Brug en struktureret udredning.", Some(due))));
    assert!(s.visos(VisoScope::Child("b2")).await.unwrap().is_empty());
    assert_eq!(s.visos(VisoScope::Id(&id)).await.unwrap(), v);
    assert!(s.visos(VisoScope::Id("findes-ikke")).await.unwrap().is_empty());
    assert_eq!(s.visos(VisoScope::Municipality(s.municipality().as_str())).await.unwrap().len(), 1);
    // Erasure of the child's personal data blanks question and advice, keeps the dates and statuses.
    s.erase_personal_data("b1", "Slettefrist udløbet", &a).await.unwrap();
    let v = s.visos(VisoScope::Child("b1")).await.unwrap();
    assert_eq!(v[0].question, "(slettet)");
    assert_eq!(v[0].advice().map(|x| x.0), Some("(slettet)"));
    assert_eq!(v[0].updates.len(), 3);
}

async fn site_registry_and_supervision(db: Db) {
    use store::supervision::{SignalFilter, SiteFilter};
    let s = open(&db).await;
    s.import_jsonl(SITES, &actor()).await.unwrap();
    let all = s.site_registry(&SiteFilter::default(), now()).await.unwrap();
    assert_eq!(all.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Opholdsstedet Lærken", "Plejefamilien Berg"]);
    let berg = &all[1];
    assert_eq!(berg.approval, "approved");
    assert_eq!(berg.places, Some(3), "the correction of the approval is read");
    assert_eq!(berg.target_group.as_deref(), Some("Børn 6-14 år"));
    assert_eq!(berg.placed, 1);
    assert_eq!(berg.basic_course_on.as_deref(), Some("2023-03-01"));
    // Foster-family supervision every 3 months from 2023-01-15, never held: overdue since 2023-04-15.
    assert!(berg.overdue >= 1, "{berg:?}");
    let laerken = &all[0];
    assert_eq!(laerken.approval, "expired");
    assert_eq!(laerken.finances, Some((2023, 12_000_000.0, 10_000_000.0, Some(-50_000.0))));

    // Consultants and worklist filters; every change of plans or assignments moves the work version.
    let v0 = s.work_version().await.unwrap();
    s.assign_site("s1", "konsulent", &actor()).await.unwrap();
    let v1 = s.work_version().await.unwrap();
    assert_eq!((v1.0, v1.1), (v0.0, v0.1 + 1));
    s.assign_site("s1", "konsulent2", &actor()).await.unwrap();
    let mine = s
        .site_registry(&SiteFilter { consultant: Some("konsulent2".into()), ..SiteFilter::default() }, now())
        .await
        .unwrap();
    assert_eq!(mine.len(), 1, "reassigning replaces the consultant");
    assert_eq!(mine[0].consultant.as_deref(), Some("konsulent2"));
    let behind = s.site_registry(&SiteFilter { behind_only: true, ..SiteFilter::default() }, now()).await.unwrap();
    assert!(behind.iter().any(|r| r.site == "s1"));
    let placed = s.placed_at(&["s1".to_string()]).await.unwrap();
    assert_eq!(placed.len(), 1);
    assert_eq!((placed[0].child.as_str(), placed[0].placement.as_str()), ("b1", "p1"));
    let open_obl = s
        .open_obligations_for(&["s1".into()], &["b1".into()], &[domain::rules::id::SUPERVISION_VISITS], now())
        .await
        .unwrap();
    assert!(open_obl.iter().any(|o| o.rule == domain::rules::id::FOSTER_SUPERVISION && o.child.is_none()));
    assert!(open_obl.iter().all(|o| o.rule != domain::rules::id::INVESTIGATION_4_MONTHS));

    // Planned and held visits.
    let d = |x: &str| x.parse::<NaiveDate>().unwrap();
    let id = s.plan_visit("b1", "p1", d("2024-10-01"), &actor()).await.unwrap();
    let id2 = s.plan_visit("b1", "p1", d("2025-03-01"), &actor()).await.unwrap();
    let before_cancel = s.work_version().await.unwrap().1;
    assert!(s.cancel_visit_plan(&id2, "b1", &actor()).await.unwrap());
    assert_eq!(s.work_version().await.unwrap().1, before_cancel + 1);
    assert!(!s.cancel_visit_plan(&id, "b2", &actor()).await.unwrap(), "only the child's own plans");
    let plans = s.visit_plans(&["b1".into()]).await.unwrap();
    assert_eq!(plans.len(), 1);
    assert_eq!((plans[0].id.as_str(), plans[0].planned_for), (id.as_str(), d("2024-10-01")));
    let held = s.visits_held(&["b1".into()], now()).await.unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].child_view.as_deref(), Some("Jeg kan lide min plejemor"));
    assert!(held[0].without_carers);

    // Signals: high severity = 3 working days (Mon 26 Aug => Thu 29 Aug); the other handled in time.
    let sig = s.signals(&SignalFilter::default(), now()).await.unwrap();
    assert_eq!(sig.iter().map(|x| x.signal.as_str()).collect::<Vec<_>>(), ["ds1", "ds2"], "newest first");
    assert_eq!(sig[0].due.as_deref(), Some("2024-08-29"));
    assert_eq!(sig[0].status, Some(domain::obligation::Status::Overdue));
    assert_eq!(sig[0].severity.as_deref(), Some("high"));
    assert_eq!(sig[1].handled, Some(d("2024-08-07")));
    assert!(sig[1].socialtilsyn_notified);
    let open_only = s.signals(&SignalFilter { open_only: true, ..SignalFilter::default() }, now()).await.unwrap();
    assert_eq!(open_only.len(), 1);
    let at_s2 = s.signals(&SignalFilter { sites: Some(vec!["s2".into()]), ..SignalFilter::default() }, now()).await;
    assert_eq!(at_s2.unwrap().len(), 1);

    // The municipality's events feed the council report.
    let as_of = domain::time::AsOf::end_of(d("2024-09-01"));
    let events = s.municipality_events("751", as_of, &[]).await.unwrap();
    assert_eq!(events.len(), 12, "every event but the correction");
    let only = s.municipality_events("751", as_of, domain::supervision::council::EVENT_TYPES).await.unwrap();
    assert_eq!(only.len(), 12, "the report's types are all there are here");
    let approval = only.iter().find(|e| e.id.as_deref() == Some("s-e3")).unwrap();
    assert!(matches!(approval.body, domain::event::Body::SiteApproved { places: Some(3), .. }), "corrected");
    let code = domain::municipality::MunicipalityCode::parse("751").unwrap();
    let r = domain::supervision::council::council_report(
        &events,
        &domain::rules::RulePack::default_pack(),
        code,
        2024,
        as_of,
    );
    assert_eq!(r.municipality, "Aarhus");
    assert_eq!(r.signals.raised, 2);
    assert_eq!(r.finances.len(), 1);
    assert_eq!(r.finances[0].breaches.len(), 2, "{:?}", r.finances[0].breaches);

    // An upgrade from a database without the site registry (schema version 2) fills it at start.
    for sql in [
        "DROP TABLE practice_audit_review",
        "DROP TABLE practice_audit_case",
        "DROP TABLE practice_audit_stratum",
        "DROP TABLE practice_audit",
        "DROP TABLE budget_line",
        "DROP TABLE viso_update",
        "DROP TABLE viso_referral",
        "DROP TABLE method_version",
        "DROP TABLE rm_site",
        "DROP TABLE site_assignment",
        "DROP TABLE visit_plan",
        "DROP TABLE work_version",
        "DROP INDEX rm_child_site",
        "DROP INDEX journal_signals",
        "DELETE FROM vaern_migrations WHERE version >= 3",
    ] {
        sqlx::query(sql).execute(s.pool()).await.unwrap();
    }
    if s.backend() == store::Backend::Postgres {
        sqlx::query("DROP FUNCTION vaern_method_append_only()").execute(s.pool()).await.unwrap();
        sqlx::query("DROP FUNCTION vaern_budget_append_only()").execute(s.pool()).await.unwrap();
        sqlx::query("DROP FUNCTION vaern_practice_append_only()").execute(s.pool()).await.unwrap();
    }
    s.close().await;
    let s = open(&db).await;
    assert_eq!(s.site_registry(&SiteFilter::default(), now()).await.unwrap().len(), 2);
}

macro_rules! both {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::sqlite_db().await).await; })*
            #[tokio::test]
            async fn export_round_trip_is_byte_stable() {
                super::export_round_trip_is_byte_stable(super::sqlite_db().await, super::sqlite_db().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn bulk_and_incremental_read_models_agree() {
                super::bulk_and_incremental_read_models_agree(super::sqlite_db().await, super::sqlite_db().await).await;
            }
        }
        /// The same stories with the native bulk loader taking every append to an empty journal.
        mod sqlite_bulk {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::sqlite_bulk_db().await).await; })*
            #[tokio::test]
            async fn export_round_trip_is_byte_stable() {
                super::export_round_trip_is_byte_stable(super::sqlite_bulk_db().await, super::sqlite_bulk_db().await)
                    .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn bulk_and_incremental_read_models_agree() {
                super::bulk_and_incremental_read_models_agree(super::sqlite_bulk_db().await, super::sqlite_db().await)
                    .await;
            }
        }
        mod postgres {
            $(#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() { super::$name(super::pg_db().await).await; })*
            #[tokio::test]
            async fn export_round_trip_is_byte_stable() {
                super::export_round_trip_is_byte_stable(super::pg_db().await, super::pg_db().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn bulk_and_incremental_read_models_agree() {
                super::bulk_and_incremental_read_models_agree(super::pg_db().await, super::pg_db().await).await;
            }
        }
    };
}

both!(
    append_read_verify,
    journal_is_append_only,
    tampering_is_detected,
    personal_tampering_is_detected,
    bad_file_writes_nothing,
    import_is_idempotent,
    read_models_follow_the_engine,
    site_approval_updates_placed_children,
    corrections_are_new_events,
    erasure_keeps_facts_and_chain,
    concurrent_writers_keep_one_chain,
    newer_schema_is_refused,
    site_registry_and_supervision,
    knowledge_versions_and_viso,
    budget_lines_are_versioned,
    practice_audits_keep_the_sample_and_every_review,
);

#[tokio::test]
async fn sqlite_backup_is_a_consistent_copy() {
    let db = sqlite_db().await;
    let s = open(&db).await;
    s.import_jsonl(JOURNAL, &actor()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.db");
    s.backup_sqlite(&copy).await.unwrap();
    let b = Store::connect(&format!("sqlite://{}", copy.display())).await.unwrap();
    assert_eq!(b.event_count().await.unwrap(), 10);
    assert_eq!(b.verify().await.unwrap().first_broken, None);
    assert!(s.backup_sqlite(&copy).await.is_err(), "never overwrites");
}

/// The native bulk loader writes exactly what the general append writes: the same journal rows and hash chain
/// (an export with its salts imported both ways), the same read models; it refuses bad batches whole; and a journal
/// that is no longer empty goes to the general append (idempotent re-import).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_loader_writes_what_the_general_append_writes() {
    use domain::synth::{generate, SynthConfig};
    let cfg = SynthConfig {
        children: 80,
        seed: 11,
        until: NaiveDate::from_ymd_opt(2024, 9, 1).unwrap(),
        ..SynthConfig::default()
    };
    let mut text = domain::journal::to_jsonl(&generate(&cfg));
    text.push_str(JOURNAL);
    text.push_str(
        r#"{"type":"correction","at":"2024-06-01","child":"b1","corrects":"e2","fields":{"from_professional":false},"reason":"Anmelderen var en nabo","id":"e11"}"#,
    );
    text.push('\n');
    let (a, b, c) = (sqlite_db().await, sqlite_bulk_db().await, sqlite_db().await);
    let source = open(&a).await.with_bulk_load_rows(usize::MAX);
    source.import_jsonl(&text, &actor()).await.unwrap();
    let exported = export_text(&source).await;

    let loaded = open(&b).await;
    let out = loaded.import_jsonl(&exported, &actor()).await.unwrap();
    assert_eq!((out.appended, out.skipped), (source.event_count().await.unwrap() as usize, 0));
    let general = open(&c).await.with_bulk_load_rows(usize::MAX);
    general.import_jsonl(&exported, &actor()).await.unwrap();
    assert_eq!(export_text(&loaded).await, exported, "the loader keeps every stored byte");
    assert_eq!(head_hash(&loaded).await, head_hash(&general).await);
    assert_eq!(head_hash(&loaded).await, head_hash(&source).await);
    assert_eq!(loaded.verify().await.unwrap().first_broken, None);
    for table in ["rm_obligation", "rm_child", "rm_site", "rm_unit"] {
        let dump = |s: &Store| {
            let pool = s.pool().clone();
            async move {
                use sqlx::Row;
                let rows = sqlx::query(&format!("SELECT * FROM {table}")).fetch_all(&pool).await.unwrap();
                let mut out: Vec<String> = rows
                    .iter()
                    .map(|r| {
                        (0..r.len())
                            .map(|i| {
                                r.try_get::<Option<String>, _>(i)
                                    .map(|v| v.unwrap_or_else(|| "-".into()))
                                    .or_else(|_| r.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}")))
                                    .unwrap()
                            })
                            .collect::<Vec<_>>()
                            .join("|")
                    })
                    .collect();
                out.sort();
                out
            }
        };
        let (x, y) = (dump(&loaded).await, dump(&general).await);
        assert!(!x.is_empty(), "{table} is filled");
        let only_x: Vec<&String> = x.iter().filter(|r| !y.contains(r)).take(5).collect();
        let only_y: Vec<&String> = y.iter().filter(|r| !x.contains(r)).take(5).collect();
        assert!(
            x.len() == y.len() && only_x.is_empty() && only_y.is_empty(),
            "{table}: the loader and the general append disagree ({} and {} rows)\nonly the loader: {only_x:#?}\nonly the general append: {only_y:#?}",
            x.len(),
            y.len()
        );
    }
    // The journal is no longer empty: the general append takes over and skips what is stored.
    let again = loaded.import_jsonl(&exported, &actor()).await.unwrap();
    assert_eq!((again.appended, again.skipped), (0, out.appended));

    // Bad batches are refused whole by the loader, naming line and field.
    for (bad, field) in [
        (
            r#"{"type":"correction","at":"2024-06-01","child":"b1","corrects":"nope","fields":{"at":"2024-01-01"},"reason":"x","id":"k1"}"#,
            "\"corrects\"",
        ),
        (
            r#"{"type":"child_registered","at":"2024-01-10","child":"b9","birth_date":"2012-04-10","municipality":"751","id":"e1"}"#,
            "\"id\"",
        ),
    ] {
        let d = sqlite_bulk_db().await;
        let s = open(&d).await;
        let err = s.import_jsonl(&format!("{JOURNAL}{bad}\n"), &actor()).await.unwrap_err().to_string();
        assert!(err.contains("linje 11") && err.contains(field), "{err}");
        assert_eq!(s.event_count().await.unwrap(), 0, "nothing written");
        assert!(s.child_obligations("b1", now()).await.unwrap().is_empty(), "no read model written");
    }
}

/// Migration 7 (SQLite) rebuilds the journal table that the personal part refers to: a database at version 6 with
/// events, personal data and a correction comes out with every byte, the chain and the references intact, the
/// journal keyed by its sequence number, event ids still unique, the append-only triggers in place, and appends
/// working on.
#[tokio::test]
async fn sqlite_upgrade_to_the_rowid_journal_keeps_every_event() {
    use sqlx::Row;
    let db = sqlite_db().await;
    let old = Store::connect_at_schema(&db.url, 6).await.unwrap();
    assert_eq!(store::migrate::current(&old).await.unwrap(), 6);
    old.import_jsonl(JOURNAL, &actor()).await.unwrap();
    old.append(&actor(), vec![ev(r#"{"type":"correction","at":"2024-06-01","child":"b1","corrects":"e2","fields":{"from_professional":false},"reason":"Anmelderen var en nabo","id":"e11"}"#)])
        .await
        .unwrap();
    let before = export_text(&old).await;
    let head = head_hash(&old).await;
    old.close().await;

    let s = Store::connect(&db.url).await.unwrap();
    assert_eq!(store::migrate::current(&s).await.unwrap(), store::migrate::latest());
    assert_eq!(export_text(&s).await, before, "every stored byte is kept");
    assert_eq!(head_hash(&s).await, head);
    assert_eq!(s.verify().await.unwrap().first_broken, None);
    let broken = sqlx::query("PRAGMA foreign_key_check").fetch_all(s.pool()).await.unwrap();
    assert!(broken.is_empty(), "every personal part still belongs to its event");
    let fk: i64 = sqlx::query("PRAGMA foreign_keys").fetch_one(s.pool()).await.unwrap().get(0);
    assert_eq!(fk, 1, "the pool's connections keep foreign keys on");
    // The journal is keyed by seq (the rowid) and event ids stay unique.
    let seq_pk: String = sqlx::query("SELECT type FROM pragma_table_info('journal') WHERE pk = 1")
        .fetch_one(s.pool())
        .await
        .unwrap()
        .get(0);
    assert_eq!(seq_pk, "INTEGER");
    let dup = sqlx::query(
        "INSERT INTO journal (seq, event_id, event_type, municipality, at, core, recorded_by, recorded_at, prev_hash, hash) \
         VALUES (999, 'e1', 'x', '101', 'x', '{}', 'x', 'x', 'x', 'x')",
    )
    .execute(s.pool())
    .await;
    assert!(dup.is_err(), "a second e1 is refused");
    let update = sqlx::query("UPDATE journal SET core = '{}' WHERE event_id = 'e1'").execute(s.pool()).await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    // Appends, erasure and reads go on as before.
    s.append(
        &actor(),
        vec![ev(r#"{"type":"investigation_started","at":"2024-06-02","child":"b2","investigation":"u2"}"#)],
    )
    .await
    .unwrap();
    s.erase_personal_data("b1", "test", &actor()).await.unwrap();
    assert_eq!(s.event_count().await.unwrap(), 12);
    assert_eq!(s.verify().await.unwrap().first_broken, None);
    // e1, e2, e3, e4, e7, e8 and the correction.
    assert_eq!(s.child_events("b1").await.unwrap().len(), 7);
}

/// The bulk loader writes through a rollback journal when it has the database file to itself, and through the WAL
/// when another connection has the file open (a running `vaern serve`): both give the whole batch, a verified chain,
/// and a file in WAL mode afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bulk_load_works_alone_and_beside_another_connection() {
    use sqlx::Row;
    for beside_another in [false, true] {
        let db = sqlite_bulk_db().await;
        let other = Store::connect(&db.url).await.unwrap();
        if !beside_another {
            other.close().await;
        } else {
            // An open connection that has read the file holds its lock.
            assert_eq!(other.event_count().await.unwrap(), 0);
        }
        let s = open(&db).await;
        let out = s.import_jsonl(JOURNAL, &actor()).await.unwrap();
        assert_eq!(out.appended, 10);
        assert_eq!(s.verify().await.unwrap().first_broken, None);
        let mode: String = sqlx::query("PRAGMA journal_mode").fetch_one(s.pool()).await.unwrap().get(0);
        assert_eq!(mode, "wal", "back in WAL mode (beside another connection: {beside_another})");
        assert!(!s.child_obligations("b1", now()).await.unwrap().is_empty(), "read models written");
        if beside_another {
            assert_eq!(other.event_count().await.unwrap(), 10, "the other connection sees the batch");
        }
        s.close().await;
        other.close().await;
        let dir = std::path::Path::new(db.url.trim_start_matches("sqlite://")).parent().unwrap().to_path_buf();
        assert!(!dir.join("vaern.db-journal").exists(), "no rollback journal left behind");
    }
}

/// A child process of `a_killed_bulk_load_leaves_nothing_or_everything` (does nothing when run on its own): one
/// bulk load of the journal file into the database, printing `acknowledged` when the import returned.
#[test]
fn bulk_load_child_process() {
    let (Ok(url), Ok(file)) = (std::env::var("VAERN_TEST_BULK_DB"), std::env::var("VAERN_TEST_BULK_FILE")) else {
        return;
    };
    let text = std::fs::read_to_string(file).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let s = Store::connect(&url).await.unwrap().with_bulk_load_rows(1);
        s.import_jsonl(&text, &actor()).await.unwrap();
        println!("acknowledged");
    });
}

/// Crash safety of the bulk loader (which writes through a rollback journal when it has the file to itself): a load
/// killed with SIGKILL at points spread over its run leaves an empty journal or the whole batch, never a part; the
/// next opening rolls a hot journal back, the chain verifies, the read models match, and the file is in WAL mode.
#[test]
fn a_killed_bulk_load_leaves_nothing_or_everything() {
    use domain::synth::{generate, SynthConfig};
    use sqlx::Row;
    let cfg = SynthConfig {
        children: 150,
        seed: 5,
        until: NaiveDate::from_ymd_opt(2024, 9, 1).unwrap(),
        ..SynthConfig::default()
    };
    let events = generate(&cfg);
    let total = events.len() as i64;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("journal.jsonl");
    std::fs::write(&file, domain::journal::to_jsonl(&events)).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let run = |round: usize, kill_after: Option<std::time::Duration>| {
        let url = format!("sqlite://{}", dir.path().join(format!("r{round}.db")).display());
        // The schema first, so that the kills land in the load.
        rt.block_on(async { Store::connect(&url).await.unwrap().close().await });
        let mut child = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "bulk_load_child_process", "--nocapture", "--test-threads=1"])
            .env("VAERN_TEST_BULK_DB", &url)
            .env("VAERN_TEST_BULK_FILE", &file)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let t = std::time::Instant::now();
        if let Some(after) = kill_after {
            std::thread::sleep(after);
            let _ = child.kill(); // SIGKILL
        }
        let out = child.wait_with_output().unwrap();
        let acknowledged = String::from_utf8_lossy(&out.stdout).contains("acknowledged");
        let hot = dir.path().join(format!("r{round}.db-journal")).exists();
        let (n, children) = rt.block_on(async {
            let s = Store::connect(&url).await.unwrap();
            assert_eq!(s.verify().await.unwrap().first_broken, None, "round {round}: the chain verifies");
            let mode: String = sqlx::query("PRAGMA journal_mode").fetch_one(s.pool()).await.unwrap().get(0);
            assert_eq!(mode, "wal", "round {round}: the file is in WAL mode again");
            let n = s.event_count().await.unwrap();
            let children: i64 = sqlx::query("SELECT COUNT(*) FROM rm_child").fetch_one(s.pool()).await.unwrap().get(0);
            s.close().await;
            (n, children)
        });
        assert!(n == 0 || n == total, "round {round}: all or nothing, found {n} of {total} events");
        assert_eq!(children > 0, n > 0, "round {round}: the read models are written with the journal");
        if acknowledged {
            assert_eq!(n, total, "round {round}: an acknowledged load is complete");
        }
        (acknowledged, n == total, hot, t.elapsed())
    };
    let (acknowledged, complete, _, full) = run(0, None);
    assert!(acknowledged && complete, "an undisturbed load completes");
    let rounds = 12;
    let mut outcomes = Vec::new();
    for round in 1..=rounds {
        // Kill points spread evenly over 10 % to 120 % of an undisturbed run.
        let after = full.mul_f64(0.1 + 1.1 * (round as f64) / (rounds as f64));
        let (_, complete, hot, _) = run(round, Some(after));
        outcomes.push((complete, hot));
    }
    // (complete, a hot rollback journal was left): some kills landed inside the load's transaction.
    assert!(
        outcomes.iter().any(|&(complete, hot)| !complete && hot),
        "some loads were killed inside their transaction: {outcomes:?} ({full:?})"
    );
}
