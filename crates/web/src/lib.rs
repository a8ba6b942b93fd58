//! Værn's web application: server-rendered Danish pages, a JSON API under `/api/v1` with an OpenAPI document,
//! sign-in, roles, need-to-know access to children's cases, and the audit log. A thin layer: the law is in `domain`,
//! the data in `store`.

pub mod access;
pub mod api;
pub mod audit;
pub mod auth;
pub mod chart;
pub mod config;
pub mod economy;
pub mod error;
pub mod forms;
pub mod i18n;
pub mod insight;
pub mod memo;
pub mod methods;
pub mod national;
pub mod ops;
pub mod pages;
pub mod practice;
pub mod seed;
pub mod sites;
pub mod table;
pub mod web_util;

use axum::http::{header, HeaderValue, Request};
use axum::Router;
use config::{Config, LogFormat};
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
    pub audit: audit::Audit,
    pub sessions: Arc<auth::SessionCache>,
    pub metrics: Arc<ops::Metrics>,
    pub pack: Arc<domain::rules::RulePack>,
    pub dashboards: Arc<memo::Dashboards>,
    /// The knowledge bank's search index, rebuilt from the store after every change.
    pub bank: Arc<methods::BankCell>,
}

impl AppState {
    pub fn new(store: Store, config: Config) -> AppState {
        AppState {
            audit: audit::Audit::start(store.clone()),
            store,
            config: Arc::new(config),
            sessions: Arc::new(auth::SessionCache::default()),
            metrics: Arc::new(ops::Metrics::default()),
            pack: Arc::new(domain::rules::RulePack::default_pack()),
            dashboards: Arc::new(memo::Dashboards::default()),
            bank: Arc::new(methods::BankCell::default()),
        }
    }
}

/// Content-Security-Policy: everything from our own origin, no inline script, no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; \
                   base-uri 'none'; object-src 'none'";

/// The whole application.
pub fn router(state: AppState) -> Router {
    let x_request_id = header::HeaderName::from_static("x-request-id");
    let timeout = Duration::from_secs(state.config.request_timeout_secs);
    Router::new()
        .merge(pages::routes())
        .merge(sites::routes())
        .merge(methods::routes())
        .merge(economy::routes())
        .merge(national::routes())
        .merge(practice::routes())
        .merge(api::routes())
        .merge(ops::routes())
        .layer(axum::middleware::from_fn_with_state(state.clone(), ops::track))
        .with_state(state)
        .layer(CatchPanicLayer::custom(|_| {
            pages::error_page(axum::http::StatusCode::INTERNAL_SERVER_ERROR, "Der skete en intern fejl.")
        }))
        .layer(TimeoutLayer::with_status_code(axum::http::StatusCode::SERVICE_UNAVAILABLE, timeout))
        .layer(tower_http::limit::RequestBodyLimitLayer::new(4 << 20))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        ))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::if_not_present(header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("http", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
}

/// Start structured logging (text or JSON lines; `RUST_LOG` filters, default `info`).
pub fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Serve until Ctrl-C or SIGTERM, then finish the requests in flight (graceful shutdown). `ready` receives the
/// bound address once the server listens.
pub async fn serve(state: AppState, ready: impl FnOnce(std::net::SocketAddr)) -> Result<(), std::io::Error> {
    let listener = tokio::net::TcpListener::bind(state.config.listen).await?;
    let addr = listener.local_addr()?;
    let store = state.store.clone();
    match methods::load_bank(&state).await {
        Ok(n) => tracing::info!(entries = n, "vidensbanken er indlæst"),
        Err(e) => tracing::error!(error = %e.message(), "vidensbanken kunne ikke indlæses"),
    }
    // The effect, economy and early-detection figures take seconds for a large municipality: compute them before
    // users ask.
    let warm = state.clone();
    tokio::spawn(async move {
        if let Err(e) = insight::insight(&warm).await {
            tracing::warn!(error = %e.message(), "effekt- og økonomital kunne ikke beregnes");
        }
    });
    let app = router(state.clone());
    tokio::spawn(housekeeping(state));
    ready(addr);
    axum::serve(listener, app).with_graceful_shutdown(shutdown_signal()).await?;
    tracing::info!("Værn er lukket ned");
    store.close().await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("lukker ned: afslutter igangværende forespørgsler");
}

/// At start: compute the dashboards. Hourly: remove expired sessions; recompute read models that a new day has made
/// stale.
async fn housekeeping(state: AppState) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        if let Err(e) = pages::warm_dashboards(&state).await {
            tracing::warn!(error = %e.message(), "ledelsestal kunne ikke forberedes");
        }
        // A new day (or a changed journal): the effect and economy figures, before a leader asks.
        if let Err(e) = insight::insight(&state).await {
            tracing::warn!(error = %e.message(), "effekt- og økonomital kunne ikke beregnes");
        }
        let now = chrono::Utc::now();
        let c = &state.config;
        let idle = now.timestamp() - c.session_idle_minutes * 60;
        let old = now.timestamp() - c.session_absolute_hours * 3600;
        if let Err(e) = state.store.purge_sessions(idle, old).await {
            tracing::warn!(error = %e, "udløbne sessioner kunne ikke fjernes");
        }
        match state.store.refresh_stale(now).await {
            Ok(n) if n > 0 => tracing::info!(units = n, "læsemodeller opdateret til i dag"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "læsemodeller kunne ikke opdateres"),
        }
    }
}
