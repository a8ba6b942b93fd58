//! `vaern serve`: the web application, on SQLite by default, with demo data on an empty database if asked.

use crate::input::{self, Failure};
use std::path::PathBuf;
use web::config::Config;

#[derive(clap::Args)]
pub struct Args {
    /// Configuration file (TOML); environment variables and flags override it.
    #[arg(long, env = "VAERN_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://FILE (default sqlite://vaern.db) or postgres://…
    #[arg(long)]
    database: Option<String>,
    /// Address to listen on (default 127.0.0.1:8080; port 0 picks a free port).
    #[arg(long)]
    listen: Option<std::net::SocketAddr>,
    /// On an empty database: generate a municipality with this many children, teams and demo sign-ins.
    #[arg(long)]
    demo_children: Option<usize>,
    /// Seed of the demo data.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

pub fn run(a: Args) -> input::Result<()> {
    let mut config = Config::load(a.config.as_deref()).map_err(|e| Failure::BadInput(e.to_string()))?;
    if let Some(d) = a.database {
        config.database_url = d;
    }
    if let Some(l) = a.listen {
        config.listen = l;
    }
    web::init_logging(config.log_format);
    crate::journal_cmds::runtime()?.block_on(async move {
        let store = store::Store::connect(&config.database_url).await.map_err(|e| match e {
            store::StoreError::Config(m) | store::StoreError::Schema(m) => Failure::BadInput(m),
            other => Failure::Other(anyhow::anyhow!("{other} ({})", store::redact_url(&config.database_url))),
        })?;
        let mut demo = false;
        if let Some(n) = a.demo_children {
            let today = web::web_util::today(chrono::Utc::now());
            let started = std::time::Instant::now();
            eprintln!("Forbereder demodata ({n} børn) …");
            let r = web::seed::seed_demo(&store, n, a.seed, today).await.map_err(|e| Failure::Other(e.into()))?;
            if r.skipped {
                eprintln!("Databasen har allerede data; demodata springes over.");
            } else {
                eprintln!(
                    "Demodata klar: {} hændelser, {} børn, {} brugere ({:.1} s).",
                    r.events,
                    r.children,
                    r.users,
                    started.elapsed().as_secs_f64()
                );
            }
            demo = true;
        }
        let backend = store.backend().name();
        let state = web::AppState::new(store, config);
        web::serve(state, move |addr| {
            println!("Værn kører på http://{addr}  ({backend})");
            if demo {
                println!("Demo-logins (adgangskode \"{}\"):", web::seed::DEMO_PASSWORD);
                for (user, name, role, _) in web::seed::DEMO_LOGINS {
                    println!("  {user:<14} {name} — {}", role.label_da());
                }
            }
            println!("Stop med Ctrl+C.");
        })
        .await
        .map_err(|e| Failure::Other(e.into()))
    })
}
