//! Journal commands on the store: import, export, verify, rebuild, backup, restore, retention and case closing.

use crate::input::{self, Failure};
use anyhow::Context;
use chrono::{NaiveDate, Utc};
use std::io::Write;
use std::path::PathBuf;
use store::{Actor, Backend, Store, StoreError};

/// Where the journal lives.
#[derive(clap::Args, Clone)]
pub struct Db {
    /// Database URL: sqlite://FILE (default sqlite://vaern.db) or postgres://…
    #[arg(long, env = "DATABASE_URL", default_value = "sqlite://vaern.db", hide_env_values = true)]
    pub database: String,
    /// The user recorded as having made the change.
    #[arg(long, env = "VAERN_USER", default_value = "system")]
    pub user: String,
}

impl Db {
    pub async fn open(&self) -> input::Result<Store> {
        Store::connect(&self.database).await.map_err(|e| match e {
            StoreError::Config(m) => Failure::BadInput(m),
            other => Failure::Other(anyhow::anyhow!("{} ({})", other, store::redact_url(&self.database))),
        })
    }

    pub fn actor(&self) -> Actor {
        Actor::new(self.user.clone(), Utc::now())
    }
}

pub fn store_failure(e: StoreError) -> Failure {
    match e {
        StoreError::Input(m) => Failure::BadInput(m),
        other => Failure::Other(other.into()),
    }
}

pub fn runtime() -> input::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| Failure::Other(e.into()))
}

#[derive(clap::Args)]
pub struct ImportArgs {
    /// Journal in JSON Lines (`-` for stdin).
    file: PathBuf,
    #[command(flatten)]
    db: Db,
}

pub fn import(a: ImportArgs) -> input::Result<()> {
    // Read and parsed block by block (the next block is read while one is parsed): the text is never held whole.
    let clock = std::time::Instant::now();
    let journal = input::read_journal(&a.file)?;
    if std::env::var_os("VAERN_BULK_TIMING").is_some() {
        eprintln!("read and parsed: {:.2} s", clock.elapsed().as_secs_f64());
    }
    runtime()?.block_on(async {
        let store = a.db.open().await?;
        let out = store.import_journal(journal, &a.db.actor()).await.map_err(store_failure)?;
        println!(
            "Importeret {} hændelser ({} fandtes allerede). Journalen har nu {} hændelser.",
            out.appended, out.skipped, out.head_seq
        );
        store.close().await;
        Ok(())
    })
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Output file (default: stdout).
    #[arg(long, default_value = "-")]
    out: PathBuf,
    #[command(flatten)]
    db: Db,
}

pub fn export(a: ExportArgs) -> input::Result<()> {
    runtime()?.block_on(async {
        let store = a.db.open().await?;
        let mut w: Box<dyn Write> = if a.out.as_os_str() == "-" {
            Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
        } else {
            Box::new(std::io::BufWriter::new(
                std::fs::File::create(&a.out).with_context(|| format!("kunne ikke oprette {}", a.out.display()))?,
            ))
        };
        let n = store.export_jsonl(|l| w.write_all(l.as_bytes())).await.map_err(store_failure)?;
        w.flush()?;
        if a.out.as_os_str() != "-" {
            eprintln!("Eksporteret {n} hændelser til {}.", a.out.display());
        }
        store.close().await;
        Ok(())
    })
}

#[derive(clap::Args)]
pub struct DbOnly {
    #[command(flatten)]
    db: Db,
}

pub fn verify(a: DbOnly) -> input::Result<()> {
    runtime()?.block_on(async {
        let store = a.db.open().await?;
        let r = store.verify().await.map_err(store_failure)?;
        store.close().await;
        match r.first_broken {
            None => {
                println!("Journalen er intakt: {} hændelser, hashkæden er ubrudt.", r.events);
                Ok(())
            }
            Some((seq, id, why)) => Err(Failure::Other(anyhow::anyhow!(
                "hashkæden er brudt ved hændelse nr. {seq} (id {id}): {why}. {} hændelser før den er intakte.",
                r.events
            ))),
        }
    })
}

pub fn rebuild(a: DbOnly) -> input::Result<()> {
    runtime()?.block_on(async {
        let store = a.db.open().await?;
        let n = store.rebuild(Utc::now()).await.map_err(store_failure)?;
        println!("Læsemodellerne er genopbygget: {n} forpligtelser.");
        store.close().await;
        Ok(())
    })
}

fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    Some(PathBuf::from(path))
}

#[derive(clap::Args)]
pub struct BackupArgs {
    /// The backup file to create (never overwritten).
    out: PathBuf,
    #[command(flatten)]
    db: Db,
}

pub fn backup(a: BackupArgs) -> input::Result<()> {
    match Backend::of_url(&a.db.database).map_err(store_failure)? {
        Backend::Sqlite => runtime()?.block_on(async {
            let store = a.db.open().await?;
            store.backup_sqlite(&a.out).await.map_err(store_failure)?;
            store.close().await;
            let copy = Store::connect(&format!("sqlite://{}", a.out.display())).await.map_err(store_failure)?;
            let r = copy.verify().await.map_err(store_failure)?;
            copy.close().await;
            println!("Sikkerhedskopi skrevet til {} ({} hændelser, kæden er kontrolleret).", a.out.display(), r.events);
            Ok(())
        }),
        Backend::Postgres => {
            let status = std::process::Command::new("pg_dump")
                .args(["--format=custom", "--no-owner", "--file"])
                .arg(&a.out)
                .arg(&a.db.database)
                .status()
                .context("pg_dump blev ikke fundet: installér PostgreSQL-klienten (Debian: postgresql-client)")?;
            if !status.success() {
                return Err(Failure::Other(anyhow::anyhow!("pg_dump fejlede ({status})")));
            }
            println!("Sikkerhedskopi skrevet til {} med pg_dump (gendan med: vaern restore).", a.out.display());
            Ok(())
        }
    }
}

#[derive(clap::Args)]
pub struct RestoreArgs {
    /// The backup to restore.
    backup: PathBuf,
    /// Replace an existing database.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    db: Db,
}

pub fn restore(a: RestoreArgs) -> input::Result<()> {
    if !a.backup.exists() {
        return Err(Failure::BadInput(format!("sikkerhedskopien {} findes ikke", a.backup.display())));
    }
    match Backend::of_url(&a.db.database).map_err(store_failure)? {
        Backend::Sqlite => {
            let target = sqlite_path(&a.db.database)
                .ok_or_else(|| Failure::BadInput("kan ikke gendanne til en database i hukommelsen".into()))?;
            runtime()?.block_on(async {
                let copy = Store::connect(&format!("sqlite://{}", a.backup.display())).await.map_err(store_failure)?;
                let r = copy.verify().await.map_err(store_failure)?;
                copy.close().await;
                if let Some((seq, _, why)) = r.first_broken {
                    return Err(Failure::Other(anyhow::anyhow!("sikkerhedskopien er beskadiget ved nr. {seq}: {why}")));
                }
                if target.exists() && !a.force {
                    return Err(Failure::BadInput(format!(
                        "{} findes allerede; brug --force for at erstatte den (stop først vaern serve)",
                        target.display()
                    )));
                }
                let tmp = target.with_extension("restore-tmp");
                std::fs::copy(&a.backup, &tmp).with_context(|| format!("kunne ikke kopiere til {}", tmp.display()))?;
                for suffix in ["-wal", "-shm"] {
                    let side = PathBuf::from(format!("{}{suffix}", target.display()));
                    if side.exists() {
                        std::fs::remove_file(&side).ok();
                    }
                }
                std::fs::rename(&tmp, &target).context("kunne ikke lægge databasen på plads")?;
                println!("Gendannet {} fra {} ({} hændelser).", target.display(), a.backup.display(), r.events);
                Ok(())
            })
        }
        Backend::Postgres => {
            let mut cmd = std::process::Command::new("pg_restore");
            cmd.args(["--no-owner", "--dbname"]).arg(&a.db.database);
            if a.force {
                cmd.args(["--clean", "--if-exists"]);
            }
            let status = cmd.arg(&a.backup).status().context("pg_restore blev ikke fundet")?;
            if !status.success() {
                return Err(Failure::Other(anyhow::anyhow!("pg_restore fejlede ({status})")));
            }
            println!("Gendannet fra {} med pg_restore.", a.backup.display());
            Ok(())
        }
    }
}

#[derive(clap::Args)]
pub struct RetentionArgs {
    /// Retention period in years after the case was closed (journaliseringsregler; municipality policy).
    #[arg(long, env = "VAERN_RETENTION_YEARS", default_value_t = 5)]
    years: u32,
    /// Erase the personal data of the listed cases (requires --reason).
    #[arg(long)]
    erase: bool,
    /// Why the data is erased (logged with the erasure).
    #[arg(long)]
    reason: Option<String>,
    #[command(flatten)]
    db: Db,
}

pub fn retention(a: RetentionArgs) -> input::Result<()> {
    if a.erase && a.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
        return Err(Failure::BadInput("--erase kræver --reason (begrundelse for sletningen)".into()));
    }
    runtime()?.block_on(async {
        let store = a.db.open().await?;
        let today = chrono::Local::now().date_naive();
        let list = store.retention_report(today, a.years).await.map_err(store_failure)?;
        println!("Sager lukket for mere end {} år siden ({}):", a.years, domain::calendar::format_dk(today));
        if list.is_empty() {
            println!("  ingen");
        }
        for e in &list {
            println!(
                "  {:<16} lukket {}  slettes efter {}  {}",
                e.child,
                domain::calendar::format_dk(e.closed_on),
                domain::calendar::format_dk(e.delete_after),
                if e.erased { "persondata slettet" } else { "indeholder persondata" }
            );
        }
        if a.erase {
            let actor = a.db.actor();
            let reason = a.reason.clone().unwrap_or_default();
            let mut total = 0;
            for e in list.iter().filter(|e| !e.erased) {
                total += store.erase_personal_data(&e.child, &reason, &actor).await.map_err(store_failure)?;
            }
            println!("Persondata slettet i {total} hændelser; hændelsernes fakta og hashkæden er bevaret.");
        }
        store.close().await;
        Ok(())
    })
}

#[derive(clap::Args)]
pub struct CloseArgs {
    /// The child's reference.
    child: String,
    /// The closing date (default today).
    #[arg(long)]
    on: Option<NaiveDate>,
    #[command(flatten)]
    db: Db,
}

pub fn close_case(a: CloseArgs) -> input::Result<()> {
    runtime()?.block_on(async {
        let store = a.db.open().await?;
        let on = a.on.unwrap_or_else(|| chrono::Local::now().date_naive());
        store.close_case(&a.child, on, &a.db.actor()).await.map_err(|e| match e {
            StoreError::NotFound(m) => Failure::BadInput(m),
            other => store_failure(other),
        })?;
        println!("Sagen for {} er lukket pr. {}.", a.child, domain::calendar::format_dk(on));
        store.close().await;
        Ok(())
    })
}
