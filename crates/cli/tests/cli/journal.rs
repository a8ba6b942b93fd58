//! The journal commands through the binary: import/export round trip, verify, backup/restore, retention — and
//! crash safety: `vaern import` killed with SIGKILL at random points never leaves a partial import or a broken chain.

use crate::vaern;
use std::process::{Command, Stdio};
use std::time::Duration;

fn run(args: &[&str]) -> (i32, String, String) {
    let out = vaern(args, None);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

fn demo_journal(dir: &std::path::Path, children: usize) -> std::path::PathBuf {
    let path = dir.join("demo.jsonl");
    let (code, _, err) = run(&[
        "demo",
        "--children",
        &children.to_string(),
        "--seed",
        "3",
        "--as-of",
        "2026-11-27",
        "--out",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    path
}

#[test]
fn import_export_round_trip_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    let journal = demo_journal(dir.path(), 40);
    let db1 = format!("sqlite://{}", dir.path().join("a.db").display());
    let db2 = format!("sqlite://{}", dir.path().join("b.db").display());
    let (code, out, err) = run(&["import", journal.to_str().unwrap(), "--database", &db1]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Importeret"), "{out}");
    let exported = dir.path().join("export.jsonl");
    assert_eq!(run(&["export", "--database", &db1, "--out", exported.to_str().unwrap()]).0, 0);
    assert_eq!(run(&["import", exported.to_str().unwrap(), "--database", &db2]).0, 0);
    let (code, second, _) = run(&["export", "--database", &db2]);
    assert_eq!(code, 0);
    assert_eq!(second, std::fs::read_to_string(&exported).unwrap(), "byte-stable round trip");
    let (code, out, _) = run(&["verify", "--database", &db2]);
    assert_eq!(code, 0);
    assert!(out.contains("intakt"), "{out}");
    // Importing the same file again changes nothing.
    let (_, out, _) = run(&["import", exported.to_str().unwrap(), "--database", &db2]);
    assert!(out.contains("Importeret 0 hændelser"), "{out}");

    // Backup, then restore over a damaged database.
    let backup = dir.path().join("backup.db");
    let (code, out, err) = run(&["backup", backup.to_str().unwrap(), "--database", &db2]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("kontrolleret"), "{out}");
    assert_ne!(
        run(&["restore", backup.to_str().unwrap(), "--database", &db2]).0,
        0,
        "refuses to overwrite without --force"
    );
    assert_eq!(run(&["restore", backup.to_str().unwrap(), "--database", &db2, "--force"]).0, 0);
    assert_eq!(run(&["verify", "--database", &db2]).0, 0);
}

#[test]
fn bad_import_is_rejected_whole() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("a.db").display());
    let file = dir.path().join("bad.jsonl");
    std::fs::write(
        &file,
        "{\"type\":\"child_registered\",\"at\":\"2024-02-01\",\"child\":\"b1\",\"birth_date\":\"2014-05-17\",\"municipality\":\"101\"}\n{\"type\":\"child_registered\",\"at\":\"2024-02-01\",\"child\":\"b2\",\"birth_date\":\"2014-05-17\",\"municipality\":\"1010\"}\n",
    )
    .unwrap();
    let (code, _, err) = run(&["import", file.to_str().unwrap(), "--database", &db]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("linje 2") && err.contains("municipality"), "{err}");
    let (_, out, _) = run(&["verify", "--database", &db]);
    assert!(out.contains("0 hændelser"), "nothing imported: {out}");
    let (code, _, err) = run(&["verify", "--database", "mysql://x"]);
    assert_eq!(code, 2, "{err}");
}

/// Kill `vaern import` at random points many times; every import that reported success is complete, every other
/// import is either complete or absent, and the chain verifies.
fn crash_safety(db: &str) {
    const EVENTS: usize = 1500;
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_vaern");
    let write = |round: usize| {
        let file = dir.path().join(format!("r{round}.jsonl"));
        let mut text = format!(
            "{{\"type\":\"child_registered\",\"at\":\"2024-01-01\",\"child\":\"c{round}\",\"birth_date\":\"2015-01-01\",\"municipality\":\"101\",\"id\":\"r{round}-0\"}}\n"
        );
        for k in 1..EVENTS {
            text.push_str(&format!(
                "{{\"type\":\"notification_received\",\"at\":\"2024-02-{:02}\",\"child\":\"c{round}\",\"notification\":\"r{round}n{k}\",\"from_professional\":true,\"id\":\"r{round}-{k}\"}}\n",
                1 + k % 28
            ));
        }
        std::fs::write(&file, text).unwrap();
        file
    };
    // Calibrate: how long one undisturbed import takes here; kills then land before, during and after it.
    let calibration = write(0);
    let t = std::time::Instant::now();
    assert!(Command::new(bin)
        .args(["import", calibration.to_str().unwrap(), "--database", db])
        .output()
        .unwrap()
        .status
        .success());
    let full = t.elapsed().as_millis().max(20) as u64;
    let mut acknowledged = vec![0];
    let rounds = 30;
    for round in 1..=rounds {
        let file = write(round);
        let mut child = Command::new(bin)
            .args(["import", file.to_str().unwrap(), "--database", db])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let wait_ms: u64 = rand::random::<u64>() % (full * 3 / 2);
        std::thread::sleep(Duration::from_millis(wait_ms));
        let _ = child.kill(); // SIGKILL
        let status = child.wait().unwrap();
        if status.success() {
            acknowledged.push(round);
        }
    }
    let out = vaern(&["verify", "--database", db], None);
    assert!(out.status.success(), "chain intact after {rounds} kills: {}", String::from_utf8_lossy(&out.stderr));
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Row;
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(db).await.unwrap();
        for round in 0..=rounds {
            let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM journal WHERE child = $1")
                .bind(format!("c{round}"))
                .fetch_one(&pool)
                .await
                .unwrap()
                .get("n");
            if acknowledged.contains(&round) {
                assert_eq!(n, EVENTS as i64, "acknowledged import {round} is complete");
            } else {
                assert!(n == 0 || n == EVENTS as i64, "import {round} is all or nothing, found {n}");
            }
            let rm: i64 = sqlx::query("SELECT COUNT(*) AS n FROM rm_child WHERE child = $1")
                .bind(format!("c{round}"))
                .fetch_one(&pool)
                .await
                .unwrap()
                .get("n");
            assert_eq!(rm, i64::from(n > 0), "read model written in the same transaction ({round})");
        }
        pool.close().await;
    });
    assert!(
        acknowledged.len() > 1 && acknowledged.len() <= rounds,
        "some imports finished, some were killed (an import takes {full} ms): {acknowledged:?}"
    );
}

#[test]
fn crash_safety_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("crash.db").display());
    // Create the schema first so that kills hit imports, not only start-up.
    assert!(vaern(&["verify", "--database", &db], None).status.success());
    crash_safety(&db);
}

#[test]
fn crash_safety_postgres() {
    let admin = std::env::var("VAERN_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let name = format!("vaern_crash_{}", uuid::Uuid::new_v4().simple());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&admin).await.expect("PostgreSQL must run for the storage tests");
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await.unwrap();
    });
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap();
    let db = format!("{base}/{name}");
    assert!(vaern(&["verify", "--database", &db], None).status.success());
    crash_safety(&db);
    rt.block_on(async {
        use sqlx::Connection;
        let mut c = sqlx::PgConnection::connect(&admin).await.unwrap();
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await;
    });
}

/// `vaern report tilsyn`: the council report from a demo municipality as PDF (text and pages read back with
/// poppler) and XLSX; bad arguments exit 2 with the option named.
#[test]
fn council_report_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let journal = demo_journal(dir.path(), 400);
    let db = format!("sqlite://{}", dir.path().join("r.db").display());
    assert_eq!(run(&["import", journal.to_str().unwrap(), "--database", &db]).0, 0);
    let out = dir.path().join("rapporter");
    let (code, stdout, err) =
        run(&["report", "tilsyn", "--year", "2025", "--out", out.to_str().unwrap(), "--database", &db]);
    assert_eq!(code, 0, "{err}");
    assert!(stdout.contains("tilsynsbesøg"), "the summary is printed: {stdout}");
    let pdf = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pdf"))
        .expect("a PDF was written");
    let xlsx = pdf.with_extension("xlsx");
    assert!(std::fs::read(&xlsx).unwrap().starts_with(b"PK"), "an XLSX was written");
    let text = Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (Debian poppler-utils) must be installed: scripts/test installs it");
    let text = String::from_utf8_lossy(&text.stdout);
    for needle in
        ["Årlig tilsynsrapport til kommunalbestyrelsen", "2025", "Personrettet tilsyn", "Faresignaler", "Plejefamilie"]
    {
        assert!(text.contains(needle), "the PDF says {needle:?}:\n{text}");
    }
    let info = Command::new("pdfinfo").arg(&pdf).output().expect("pdfinfo");
    let info = String::from_utf8_lossy(&info.stdout);
    let pages: u32 =
        info.lines().find_map(|l| l.strip_prefix("Pages:")).map(|p| p.trim().parse().unwrap()).expect("page count");
    assert!(pages >= 3, "a report of several pages, got {pages}");

    let (code, _, err) = run(&["report", "tilsyn", "--year", "1990", "--database", &db]);
    assert_eq!(code, 2);
    assert!(err.contains("--year"), "{err}");
    let (code, _, err) = run(&["report", "tilsyn", "--format", "docx", "--database", &db]);
    assert_eq!(code, 2);
    assert!(err.contains("--format"), "{err}");
}

#[test]
fn a_practice_sample_is_redrawn_the_same_from_the_journal_and_from_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let journal = dir.path().join("aarhus.jsonl");
    let j = journal.to_str().unwrap();
    let (code, _, err) = run(&[
        "demo",
        "--children",
        "300",
        "--seed",
        "5",
        "--as-of",
        "2026-11-27",
        "--municipality",
        "751",
        "--out",
        j,
    ]);
    assert_eq!(code, 0, "{err}");
    let args = |seed: &'static str| {
        vec![
            "stats",
            "sample",
            "--events",
            j,
            "--from",
            "2025-01-01",
            "--to",
            "2025-12-31",
            "--size",
            "20",
            "--min",
            "1",
            "--seed",
            seed,
            "--as-of",
            "2026-11-27",
            "--municipality",
            "751",
        ]
    };
    let (code, first, err) = run(&args("42"));
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = first.lines().collect();
    assert_eq!(lines[0], "nr;barn;stratum;journalen");
    assert_eq!(lines.len(), 21, "{first}");
    assert!(err.contains("20 af "), "{err}");
    assert_eq!(run(&args("42")).1, first, "the same seed draws the same sample");
    assert_ne!(run(&args("43")).1, first, "another seed draws another sample");
    // The journal imported into a database gives the same sample.
    let db = format!("sqlite://{}", dir.path().join("p.db").display());
    assert_eq!(run(&["import", j, "--database", &db]).0, 0);
    let mut from_db: Vec<&str> = args("42");
    from_db.drain(2..4);
    from_db.extend(["--database", &db]);
    let (code, out, err) = run(&from_db);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, first, "database and journal file disagree");
    // Bad input names the flag.
    let (code, _, err) = run(&[
        "stats",
        "sample",
        "--events",
        j,
        "--from",
        "2025-12-31",
        "--to",
        "2025-01-01",
        "--size",
        "5",
        "--seed",
        "1",
    ]);
    assert_eq!(code, 2);
    assert!(err.contains("--til") || err.contains("--to"), "{err}");
}

#[test]
fn the_national_placement_table_agrees_with_the_indicator_files() {
    let dir = tempfile::tempdir().unwrap();
    let journal = demo_journal(dir.path(), 3000);
    let j = journal.to_str().unwrap();
    let (code, csv, err) = run(&["stats", "placements", "--events", j, "--year", "2025"]);
    assert_eq!(code, 0, "{err}");
    assert!(csv.starts_with("kommune;anbringelsestype;aldersgruppe;antal\n"), "{csv}");
    let mut by_muni: std::collections::HashMap<String, u64> = Default::default();
    for line in csv.lines().skip(1) {
        let f: Vec<&str> = line.split(';').collect();
        assert_eq!(f.len(), 4, "{line}");
        *by_muni.entry(f[0].to_string()).or_default() += f[3].parse::<u64>().unwrap();
    }
    let files = dir.path().join("files");
    let (code, _, err) =
        run(&["stats", "export", "--events", j, "--all", "--year", "2025", "--out", files.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let mut compared = 0;
    for entry in std::fs::read_dir(&files).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let doc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let table = doc["tables"].as_array().unwrap().iter().find(|t| t["id"] == "placements_type_age").unwrap();
        if let Some(total) = table["total"].as_u64() {
            let m = doc["municipality"].as_str().unwrap();
            assert_eq!(by_muni.get(m).copied().unwrap_or(0), total, "municipality {m}");
            compared += 1;
        }
    }
    assert!(compared > 10, "only {compared} municipalities published their total");
}

/// `vaern obligations` writes the whole JSON array (it parses, one obligation per line), and a reader that stops
/// early (`| head`) ends the command quietly: exit 0, nothing on stderr.
#[test]
fn obligations_are_written_whole_and_a_reader_may_stop_early() {
    use std::io::Read;
    let dir = tempfile::tempdir().unwrap();
    let journal = demo_journal(dir.path(), 300);
    let args = ["obligations", "--events", journal.to_str().unwrap(), "--as-of", "2026-11-27", "--format", "json"];
    let (code, stdout, err) = run(&args);
    assert_eq!(code, 0, "{err}");
    let list: Vec<serde_json::Value> = serde_json::from_str(&stdout).expect("one JSON array");
    assert!(list.len() > 1000, "{} obligations", list.len());
    assert_eq!(stdout.lines().count(), list.len() + 2, "[, one line per obligation, ]");

    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_vaern"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut start = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut start).unwrap();
    // The pipe is closed here, with most of the output still to come.
    let out = child.wait_with_output().unwrap();
    assert!(start.starts_with(b"[\n{\"rule\":"), "{}", String::from_utf8_lossy(&start));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}
