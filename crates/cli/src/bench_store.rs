//! `vaern bench store`: durable appends (one at a time and batched) against a plain INSERT loop, the national
//! import, and opening a child's read model — on SQLite and PostgreSQL side by side (see BENCHMARKS.md).

use crate::input::{self, Failure};
use anyhow::Context;
use chrono::{NaiveDate, Utc};
use domain::event::Event;
use domain::synth::{generate, SynthConfig};
use std::time::Instant;
use store::{Actor, Store};

#[derive(clap::Args)]
pub struct Args {
    /// Children in the national journal to import (200 000 ⇒ ≈ 5 M events); 0 skips the import.
    #[arg(long, default_value_t = 200_000)]
    pub children: usize,
    /// PostgreSQL server to create a scratch database on (trust auth).
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    pub postgres: String,
    /// Only this back-end (sqlite or postgres).
    #[arg(long)]
    pub only: Option<String>,
    /// Directory for the SQLite files and the journal.
    #[arg(long, default_value = "target/bench")]
    pub dir: std::path::PathBuf,
}

fn visit(child: &str, i: usize) -> Event {
    let line = format!(
        r#"{{"type":"supervision_visit","at":"2024-{:02}-{:02}","child":"{child}","placement":"{child}-p1","child_spoken_to":true,"without_carers":true}}"#,
        1 + i % 12,
        1 + i % 28
    );
    Event::parse_json(&line).unwrap_or_else(|_| {
        Event::new(
            domain::time::At::date_only(NaiveDate::MIN),
            None,
            domain::event::Body::FosterSupervision { site: "s".into() },
        )
    })
}

fn fail(e: impl std::fmt::Display) -> Failure {
    Failure::Other(anyhow::anyhow!("{e}"))
}

struct Report {
    name: &'static str,
    single: f64,
    batched: f64,
    plain_single: f64,
    plain_batched: f64,
    import_s: Option<(usize, f64)>,
    open_p50_ms: f64,
    open_p99_ms: f64,
}

async fn fresh(url: &str) -> input::Result<Store> {
    Store::connect(url).await.map_err(fail)
}

/// Import the journal into an empty database at `url`, then time opening 2,000 children's read models.
async fn import_and_open(url: &str, text: &str) -> input::Result<((usize, f64), f64, f64)> {
    let target = fresh(url).await?;
    let t = Instant::now();
    let out = target.import_jsonl(text, &Actor::new("bench", Utc::now())).await.map_err(fail)?;
    let took = t.elapsed().as_secs_f64();
    let now = Utc::now();
    let mut times = Vec::new();
    for i in 0..2000usize {
        let child = format!("b{:06}", 1 + (i * 97) % 200_000);
        let t = Instant::now();
        std::hint::black_box(target.child_obligations(&child, now).await.map_err(fail)?);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    target.close().await;
    Ok(((out.appended, took), times[times.len() / 2], times[times.len() * 99 / 100]))
}

async fn run_backend(name: &'static str, url: &str, import: Option<(&str, &str)>) -> input::Result<Report> {
    let s = fresh(url).await?;
    let actor = Actor::new("bench", Utc::now());
    s.import_jsonl(
        r#"{"type":"child_registered","at":"2024-01-01","child":"bench1","birth_date":"2014-01-01","municipality":"101"}
{"type":"placement_started","at":"2024-01-02","child":"bench1","placement":"bench1-p1","site":"s1","placement_type":"foster_family","consent":true}"#,
        &actor,
    )
    .await
    .map_err(fail)?;
    // Durable single appends: one event per transaction (fsync on), spread over 50 children as in daily use.
    let n_single = 300;
    let t = Instant::now();
    for i in 0..n_single {
        s.append(&actor, vec![visit(&format!("single{}", i % 50), i)]).await.map_err(fail)?;
    }
    let single = n_single as f64 / t.elapsed().as_secs_f64();
    // Batched: 20 × 1000 events, each batch one transaction.
    let t = Instant::now();
    for b in 0..20 {
        let batch: Vec<Event> = (0..1000).map(|i| visit(&format!("bench{}", 2 + b), i)).collect();
        s.append(&actor, batch).await.map_err(fail)?;
    }
    let batched = 20_000.0 / t.elapsed().as_secs_f64();
    // The physical reference: the same row shape with plain INSERTs, no hashing, no read models.
    sqlx::query(
        "CREATE TABLE bench_plain (seq BIGINT PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, event_type TEXT NOT NULL, \
         child TEXT, core TEXT NOT NULL, recorded_by TEXT NOT NULL, recorded_at TEXT NOT NULL, hash TEXT NOT NULL)",
    )
    .execute(s.pool())
    .await
    .map_err(fail)?;
    let core = visit("bench1", 1).to_json_line();
    let insert = |seq: i64| {
        sqlx::query("INSERT INTO bench_plain (seq, event_id, event_type, child, core, recorded_by, recorded_at, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(seq)
            .bind(format!("p{seq}"))
            .bind("supervision_visit")
            .bind("bench1")
            .bind(core.clone())
            .bind("bench")
            .bind("2026-11-27T00:00:00Z")
            .bind("0".repeat(64))
    };
    let t = Instant::now();
    for i in 0..n_single as i64 {
        insert(i).execute(s.pool()).await.map_err(fail)?;
    }
    let plain_single = n_single as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for b in 0..20i64 {
        let mut tx = s.pool().begin().await.map_err(fail)?;
        for i in 0..1000i64 {
            insert(1_000_000 + b * 1000 + i).execute(&mut *tx).await.map_err(fail)?;
        }
        tx.commit().await.map_err(fail)?;
    }
    let plain_batched = 20_000.0 / t.elapsed().as_secs_f64();
    s.close().await;

    // The national import into an empty database, then opening children's read models.
    let (mut import_s, mut p50, mut p99) = (None, 0.0, 0.0);
    if let Some((import_url, text)) = import {
        let (imp, a, b) = import_and_open(import_url, text).await?;
        (import_s, p50, p99) = (Some(imp), a, b);
    }
    Ok(Report { name, single, batched, plain_single, plain_batched, import_s, open_p50_ms: p50, open_p99_ms: p99 })
}

pub fn run(a: Args) -> input::Result<()> {
    std::fs::create_dir_all(&a.dir).context("kunne ikke oprette benchmark-mappen")?;
    let journal = if a.children > 0 {
        let cfg = SynthConfig {
            children: a.children,
            seed: 1,
            until: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default(),
            ..SynthConfig::default()
        };
        Some(domain::journal::to_jsonl(&generate(&cfg)))
    } else {
        None
    };
    let rt = crate::journal_cmds::runtime()?;
    let mut reports = Vec::new();
    if a.only.as_deref().is_none_or(|o| o == "sqlite") {
        let path = a.dir.join(format!("store-bench-{}.db", std::process::id()));
        let url = format!("sqlite://{}", path.display());
        let import_url =
            format!("sqlite://{}", a.dir.join(format!("store-bench-{}-import.db", std::process::id())).display());
        reports.push(rt.block_on(run_backend("SQLite", &url, journal.as_deref().map(|t| (import_url.as_str(), t))))?);
    }
    if a.only.as_deref().is_none_or(|o| o == "postgres") {
        let name = format!("vaern_bench_{}", std::process::id());
        let admin = a.postgres.clone();
        rt.block_on(async {
            use sqlx::Connection;
            let mut c = sqlx::PgConnection::connect(&admin).await.map_err(fail)?;
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await.map_err(fail)?;
            sqlx::query(&format!("CREATE DATABASE {name}_import")).execute(&mut c).await.map_err(fail)?;
            Ok::<_, Failure>(())
        })?;
        let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin.clone());
        let url = format!("{base}/{name}");
        let import_url = format!("{base}/{name}_import");
        let result = rt.block_on(run_backend("PostgreSQL", &url, journal.as_deref().map(|t| (import_url.as_str(), t))));
        rt.block_on(async {
            use sqlx::Connection;
            if let Ok(mut c) = sqlx::PgConnection::connect(&admin).await {
                for db in [name.clone(), format!("{name}_import")] {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).execute(&mut c).await;
                }
            }
        });
        reports.push(result?);
    }
    println!(
        "vaern bench store — durable appends (fsync on), plain INSERT reference, national import, child read model"
    );
    println!(
        "{:<11} {:>12} {:>12} {:>14} {:>14} {:>8} {:>8} {:>14} {:>9} {:>9}",
        "database",
        "enkelt hænd/s",
        "batch hænd/s",
        "plain enkelt/s",
        "plain batch/s",
        "ratio 1",
        "ratio B",
        "import",
        "åbn p50",
        "åbn p99"
    );
    for r in reports {
        let import = r.import_s.map(|(n, s)| format!("{n} på {s:.1} s")).unwrap_or_else(|| "–".into());
        println!(
            "{:<11} {:>12.0} {:>12.0} {:>14.0} {:>14.0} {:>8.2} {:>8.2} {:>14} {:>7.2}ms {:>7.2}ms",
            r.name,
            r.single,
            r.batched,
            r.plain_single,
            r.plain_batched,
            r.single / r.plain_single,
            r.batched / r.plain_batched,
            import,
            r.open_p50_ms,
            r.open_p99_ms
        );
    }
    Ok(())
}
