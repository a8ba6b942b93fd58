//! The real server on a random port, against SQLite and PostgreSQL (a fresh database per test; `VAERN_TEST_PG`
//! overrides the PostgreSQL server URL): sign-in, CSRF, the access-control matrix with its audit rows, forms and
//! API, exports, bad input, operations endpoints and security headers.

use chrono::{Datelike, Utc};
use reqwest::{redirect, Client, StatusCode};
use std::net::SocketAddr;
use store::access::AuditFilter;
use store::{Actor, Store};
use web::config::Config;
use web::AppState;

struct Db {
    url: String,
    _dir: Option<tempfile::TempDir>,
}

async fn sqlite_db() -> Db {
    let dir = tempfile::tempdir().unwrap();
    Db { url: format!("sqlite://{}", dir.path().join("vaern.db").display()), _dir: Some(dir) }
}

async fn pg_db() -> Db {
    use sqlx::Connection;
    let admin = std::env::var("VAERN_TEST_PG").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let mut c = sqlx::PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|e| panic!("PostgreSQL at {admin} must be running for the web tests: {e}"));
    let name = format!("vaern_web_{}", uuid::Uuid::new_v4().simple());
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await.unwrap();
    let base = admin.rsplit_once('/').map(|(b, _)| b.to_string()).unwrap_or(admin);
    Db { url: format!("{base}/{name}"), _dir: None }
}

struct Server {
    base: String,
    http: Client,
    store: Store,
    state: AppState,
    _db: Db,
}

/// A signed-in browser: its session cookie and CSRF token.
#[derive(Clone)]
struct Browser {
    cookie: String,
    csrf: String,
}

async fn start(db: Db) -> Server {
    start_with(db, Config::default()).await
}

async fn start_with(db: Db, mut config: Config) -> Server {
    let store = Store::connect(&db.url).await.unwrap();
    web::seed::seed_demo(&store, 80, 5, web::web_util::today(Utc::now())).await.unwrap();
    config.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    config.database_url = db.url.clone();
    let state = AppState::new(store.clone(), config);
    let (tx, rx) = tokio::sync::oneshot::channel();
    tokio::spawn(web::serve(state.clone(), move |addr| {
        let _ = tx.send(addr);
    }));
    let addr = rx.await.unwrap();
    Server {
        base: format!("http://{addr}"),
        http: Client::builder().redirect(redirect::Policy::none()).build().unwrap(),
        store,
        state,
        _db: db,
    }
}

fn hidden(html: &str, name: &str) -> Option<String> {
    let key = format!("name=\"{name}\" value=\"");
    let i = html.find(&key)? + key.len();
    Some(html[i..].split('"').next()?.to_string())
}

/// Page text with the HTML escapes of attribute values undone (for assertions).
fn unescape(html: &str) -> String {
    html.replace("&amp;", "&")
        .replace("&#38;", "&")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x2f;", "/")
}

fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix(&format!("{name}=")).map(|rest| rest.split(';').next().unwrap_or("").to_string()))
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sign in through the form; returns the response of the POST.
    async fn try_sign_in(&self, user: &str, password: &str) -> reqwest::Response {
        let page = self.http.get(self.url("/login")).send().await.unwrap();
        let pre = set_cookie(&page, "__Host-vaern-login").expect("login CSRF cookie");
        let html = page.text().await.unwrap();
        let csrf = hidden(&html, "csrf").unwrap();
        self.http
            .post(self.url("/login"))
            .header("cookie", format!("__Host-vaern-login={pre}"))
            .form(&[("csrf", csrf.as_str()), ("username", user), ("password", password), ("next", "/")])
            .send()
            .await
            .unwrap()
    }

    async fn sign_in(&self, user: &str) -> Browser {
        let r = self.try_sign_in(user, web::seed::DEMO_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in of {user}");
        let cookie_header = r
            .headers()
            .get_all("set-cookie")
            .iter()
            .map(|v| v.to_str().unwrap().to_string())
            .find(|v| v.starts_with("__Host-vaern="))
            .expect("session cookie");
        for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
            assert!(cookie_header.contains(flag), "session cookie lacks {flag}: {cookie_header}");
        }
        let token = set_cookie(&r, "__Host-vaern").unwrap();
        let cookie = format!("__Host-vaern={token}");
        let html =
            self.http.get(self.url("/profil")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        Browser { csrf: hidden(&html, "csrf").expect("csrf on the profile page"), cookie }
    }

    async fn get(&self, b: &Browser, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).header("cookie", &b.cookie).send().await.unwrap()
    }

    async fn post(&self, b: &Browser, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut f: Vec<(&str, &str)> = vec![("csrf", b.csrf.as_str())];
        f.extend_from_slice(form);
        self.http.post(self.url(path)).header("cookie", &b.cookie).form(&f).send().await.unwrap()
    }

    async fn last_audit_id(&self, user: &str, child: Option<&str>) -> i64 {
        let f = AuditFilter {
            username: Some(user.into()),
            child: child.map(str::to_string),
            limit: 1,
            ..Default::default()
        };
        self.store.audit(&f).await.unwrap().first().map(|e| e.id).unwrap_or(0)
    }

    /// A placed child of the demo caseworker (team Nord) whose current placement year is still open.
    async fn own_placed_child(&self) -> String {
        let cases = self.store.caseload(Some("sagsbehandler"), None).await.unwrap();
        for c in cases.iter().filter(|c| c.placement.is_some()) {
            let open = self.store.child_obligations(&c.child, Utc::now()).await.unwrap().into_iter().any(|o| {
                o.rule == "supervision-visits-2-per-year"
                    && Some(&o.subject) == c.placement.as_ref()
                    && o.status == domain::obligation::Status::Due
            });
            if open {
                return c.child.clone();
            }
        }
        panic!("the demo caseworker has no placed child with an open placement year")
    }
}

// ---- the access-control matrix ------------------------------------------------------------------------------------

const USERS: [&str; 7] = ["sagsbehandler", "konsulent", "teamleder", "chef", "analytiker", "admin", "redaktoer"];

/// Expected status per user (order of USERS): 2 = 200, 3 = 403 (refused), 5 = 403 with the reason form.
struct Case {
    path: String,
    expect: [u16; 7],
    /// The child whose data an allowed answer shows (an audit row must be written).
    child: Option<String>,
}

async fn access_matrix(s: Server) {
    let own = s.own_placed_child().await;
    let foreign = web::seed::FOREIGN_CHILD.to_string();
    let some_site = s.store.site_registry(&Default::default(), Utc::now()).await.unwrap()[0].site.clone();
    let c = |path: String, expect: [u16; 7], child: Option<&String>| Case { path, expect, child: child.cloned() };
    let cases = vec![
        c("/mine-boern".into(), [200, 200, 200, 200, 403, 403, 403], None),
        c(format!("/boern/{own}"), [200, 200, 200, 200, 403, 403, 403], Some(&own)),
        c(format!("/boern/{foreign}"), [403, 403, 403, 200, 403, 403, 403], Some(&foreign)),
        c(format!("/boern/{own}/indsigt"), [200, 200, 200, 200, 403, 403, 403], Some(&own)),
        c(format!("/boern/{own}/ny/supervision_visit"), [200, 200, 200, 403, 403, 403, 403], Some(&own)),
        c("/boern/ny".into(), [200, 200, 200, 403, 403, 403, 403], None),
        c("/soeg?q=a".into(), [200, 200, 200, 200, 403, 403, 403], None),
        c("/team".into(), [403, 403, 200, 200, 403, 403, 403], None),
        c("/kommune".into(), [403, 403, 403, 200, 403, 403, 403], None),
        c("/statistik".into(), [403, 403, 403, 200, 200, 403, 403], None),
        c("/liste?status=overdue".into(), [200, 200, 200, 200, 403, 403, 403], None),
        c("/audit".into(), [403, 403, 200, 200, 403, 403, 403], None),
        c("/steder".into(), [403, 200, 200, 200, 403, 403, 403], None),
        c("/steder/ny/foster_supervision".into(), [403, 200, 200, 403, 403, 403, 403], None),
        c(format!("/steder/{some_site}"), [403, 200, 200, 200, 403, 403, 403], None),
        c("/steder/oekonomi".into(), [403, 200, 200, 200, 200, 403, 403], None),
        c("/tilsyn".into(), [403, 200, 200, 200, 403, 403, 403], None),
        c("/faresignaler".into(), [403, 200, 200, 200, 403, 403, 403], None),
        c("/rapporter/tilsyn".into(), [403, 200, 200, 200, 200, 403, 403], None),
        c(format!("/boern/{own}/hjaelp.pdf"), [200, 200, 200, 200, 403, 403, 403], Some(&own)),
        c("/admin/brugere".into(), [403, 403, 403, 403, 403, 200, 403], None),
        c("/admin/teams".into(), [403, 403, 403, 403, 403, 200, 403], None),
        c("/profil".into(), [200; 7], None),
        c("/metoder".into(), [200; 7], None),
        c("/metoder?q=plejefamilier&evidens=rct".into(), [200; 7], None),
        c("/metoder/mst".into(), [200; 7], None),
        c("/metoder/mst/historik".into(), [200; 7], None),
        c("/metoder/ny".into(), [403, 403, 403, 403, 403, 403, 200], None),
        c("/metoder/mst/rediger".into(), [403, 403, 403, 403, 403, 403, 200], None),
        c(format!("/boern/{own}/viso"), [200, 200, 200, 200, 403, 403, 403], Some(&own)),
        c(format!("/boern/{foreign}/viso"), [403, 403, 403, 200, 403, 403, 403], Some(&foreign)),
        c(format!("/boern/{own}/metodeforslag?kind=family_treatment"), [200, 200, 200, 403, 403, 403, 403], Some(&own)),
        c("/viso".into(), [403, 200, 200, 200, 403, 403, 403], None),
        c(format!("/steder/{some_site}/viso"), [403, 200, 200, 200, 403, 403, 403], None),
        c("/effekt".into(), [200, 200, 200, 200, 403, 403, 403], None),
        c("/effekt?table=kind&format=csv".into(), [200, 200, 200, 200, 403, 403, 403], None),
        c("/oekonomi".into(), [403, 403, 200, 200, 403, 403, 403], None),
        c("/oekonomi/eksport.xlsx".into(), [403, 403, 200, 200, 403, 403, 403], None),
        c("/tidlig-opsporing".into(), [403, 403, 200, 200, 403, 403, 403], None),
        c("/anbringelser/kvalitet".into(), [403, 403, 200, 200, 403, 403, 403], None),
        c("/landstal".into(), [403, 403, 403, 200, 200, 403, 403], None),
        c("/statistik/indikatorer".into(), [403, 403, 403, 200, 200, 403, 403], None),
        c("/statistik/kl".into(), [403, 403, 403, 200, 200, 403, 403], None),
        c("/praksis".into(), [403, 403, 403, 200, 403, 403, 403], None),
        c("/api/v1/me".into(), [200; 7], None),
        c("/api/v1/my/obligations".into(), [200, 200, 200, 200, 403, 403, 403], None),
        c(format!("/api/v1/children/{own}"), [200, 200, 200, 200, 403, 403, 403], Some(&own)),
        c(format!("/api/v1/children/{own}/events"), [200, 200, 200, 200, 403, 403, 403], Some(&own)),
        c(format!("/api/v1/children/{foreign}"), [403, 403, 403, 200, 403, 403, 403], Some(&foreign)),
        c("/api/v1/search?q=a".into(), [200, 200, 200, 200, 403, 403, 403], None),
        c("/api/v1/obligations?status=overdue".into(), [200, 200, 200, 200, 403, 403, 403], None),
        c("/api/v1/dashboard/compliance".into(), [403, 403, 200, 200, 200, 403, 403], None),
        c("/api/v1/dashboard/workload".into(), [403, 403, 200, 200, 403, 403, 403], None),
        c("/api/v1/audit".into(), [403, 403, 200, 200, 403, 403, 403], None),
        c("/api/v1/sites".into(), [403, 200, 200, 200, 403, 403, 403], None),
        c("/api/v1/users".into(), [403, 403, 403, 403, 403, 200, 403], None),
    ];
    let mut failures = Vec::new();
    for (ui, user) in USERS.iter().enumerate() {
        let b = s.sign_in(user).await;
        for case in &cases {
            let before = match &case.child {
                Some(ch) => s.last_audit_id(user, Some(ch)).await,
                None => 0,
            };
            let r = s.get(&b, &case.path).await;
            let status = r.status().as_u16();
            let body = r.text().await.unwrap();
            if status != case.expect[ui] {
                failures.push(format!("{user} GET {} → {status}, expected {}", case.path, case.expect[ui]));
                continue;
            }
            if status == 200 {
                if let Some(ch) = &case.child {
                    let after = s.last_audit_id(user, Some(ch)).await;
                    if after <= before {
                        failures.push(format!("{user} GET {}: allowed read of {ch} left no audit row", case.path));
                    }
                }
            } else if status == 403 && case.child.is_some() && !case.path.starts_with("/api/") {
                // Refused reads show nothing of the child; the reason form only to roles that may state one.
                let expects_form = matches!(*user, "sagsbehandler" | "konsulent" | "teamleder");
                if body.contains("id=\"timeline\"") {
                    failures.push(format!("{user} GET {}: refused page shows the timeline", case.path));
                }
                if body.contains("id=\"break-glass\"") != expects_form {
                    failures.push(format!("{user} GET {}: break-the-glass form shown = {}", case.path, !expects_form));
                }
            }
        }
    }
    assert!(failures.is_empty(), "access-control matrix:\n{}", failures.join("\n"));
}

#[tokio::test]
async fn access_matrix_sqlite() {
    access_matrix(start(sqlite_db().await).await).await;
}

#[tokio::test]
async fn access_matrix_postgres() {
    access_matrix(start(pg_db().await).await).await;
}

// ---- sign-in, sessions, CSRF --------------------------------------------------------------------------------------

#[tokio::test]
async fn wrong_passwords_lock_the_account_and_unknown_users_learn_nothing() {
    let s = start(sqlite_db().await).await;
    let unknown = s.try_sign_in("nobody", "whatever-123").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert!(unknown.text().await.unwrap().contains("Forkert brugernavn eller adgangskode"));
    for _ in 0..5 {
        let r = s.try_sign_in("sagsbehandler", "forkert-kodeord").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = s.try_sign_in("sagsbehandler", web::seed::DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "the right password is refused while locked");
    assert!(r.text().await.unwrap().contains("låst"));
    let failed = s
        .store
        .audit(&AuditFilter { action: Some("login_failed".into()), limit: 100, ..Default::default() })
        .await
        .unwrap();
    assert!(failed.len() >= 6, "failed sign-ins are logged: {}", failed.len());
    // Another user is unaffected.
    s.sign_in("teamleder").await;
}

#[tokio::test]
async fn sessions_expire_when_idle_and_end_at_sign_out() {
    let s = start(sqlite_db().await).await;
    let b = s.sign_in("sagsbehandler").await;
    assert_eq!(s.get(&b, "/mine-boern").await.status(), StatusCode::OK);
    // Idle longer than the limit: the session ends and the page asks for sign-in again.
    let hash = web::web_util::sha256_hex(b.cookie.trim_start_matches("__Host-vaern="));
    s.store.touch_session(&hash, Utc::now().timestamp() - 31 * 60).await.unwrap();
    s.state.sessions.clear();
    let r = s.get(&b, "/mine-boern").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(r.headers()["location"].to_str().unwrap().starts_with("/login?next=%2Fmine-boern"));
    // Sign-out ends the session at once.
    let b = s.sign_in("sagsbehandler").await;
    assert_eq!(s.post(&b, "/logout", &[]).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.get(&b, "/mine-boern").await.status(), StatusCode::SEE_OTHER);
    // The API answers 401 (not a redirect) without credentials.
    let r = s.http.get(s.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_form_needs_its_csrf_token() {
    let s = start(sqlite_db().await).await;
    let b = s.sign_in("sagsbehandler").await;
    let own = s.own_placed_child().await;
    let posts = [
        format!("/boern/{own}/ny/supervision_visit"),
        format!("/boern/{}/adgang", web::seed::FOREIGN_CHILD),
        "/boern/ny".into(),
        "/logout".into(),
        "/profil/noegler".into(),
        "/profil/adgangskode".into(),
        "/admin/teams".into(),
    ];
    for p in &posts {
        for csrf in ["", "forkert"] {
            let r = s
                .http
                .post(s.url(p))
                .header("cookie", &b.cookie)
                .form(&[("csrf", csrf), ("at", "2026-01-01"), ("reason", "en lang nok begrundelse her")])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "POST {p} with csrf={csrf:?}");
            assert!(r.text().await.unwrap().contains("CSRF"), "POST {p}");
        }
    }
    // A cookie-authenticated API write needs the header too.
    let r = s
        .http
        .post(s.url(&format!("/api/v1/children/{own}/events")))
        .header("cookie", &b.cookie)
        .json(&serde_json::json!({"type": "child_conversation", "at": "2026-01-01", "purpose": "other"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Nothing was written: the session still works and the child has no new conversation.
    assert_eq!(s.get(&b, "/mine-boern").await.status(), StatusCode::OK);
}

// ---- recording, need-to-know, API ---------------------------------------------------------------------------------

async fn record_and_read(s: Server) {
    // The one-statement overview of "Mine børn" equals the separate queries.
    let now = Utc::now();
    let horizon = now.timestamp() + 30 * 86400;
    let ov = s.store.overview("sagsbehandler", horizon, now).await.unwrap();
    let f = store::caseload::ObligationFilter {
        caseworker: Some("sagsbehandler".into()),
        open_only: true,
        due_before: Some(horizon),
        limit: 4000,
        ..Default::default()
    };
    assert_eq!(ov.open, s.store.obligation_list(&f, now).await.unwrap());
    assert!(!ov.open.is_empty());
    assert_eq!(ov.cases, s.store.caseload(Some("sagsbehandler"), None).await.unwrap());
    let kids: Vec<&str> = ov.cases.iter().map(|c| c.child.as_str()).collect();
    assert_eq!(ov.people, s.store.people(&kids).await.unwrap());
    assert!(ov.people.values().any(|p| p.name.is_some()));

    let b = s.sign_in("sagsbehandler").await;
    let own = s.own_placed_child().await;
    let case = s.store.case_state(&own).await.unwrap().unwrap();
    // …and so does the one-statement child view.
    let view = s.store.child_view(&own, now).await.unwrap().unwrap();
    assert_eq!(view.case, case);
    assert_eq!(view.events, s.store.child_events(&own).await.unwrap());
    assert_eq!(view.obligations, s.store.child_obligations(&own, now).await.unwrap());
    assert!(s.store.child_view("findes-ikke", now).await.unwrap().is_none());
    let placement = case.placement.clone().unwrap();
    let today = web::web_util::today(Utc::now()).to_string();
    let open_before = s
        .store
        .child_obligations(&own, Utc::now())
        .await
        .unwrap()
        .into_iter()
        .filter(|o| {
            o.rule == "supervision-visits-2-per-year"
                && o.subject == placement
                && o.status == domain::obligation::Status::Due
        })
        .count();
    assert!(open_before >= 1, "the current placement year is open");
    for n in 1..=2 {
        let note = format!("besøg {n}");
        let r = s
            .post(
                &b,
                &format!("/boern/{own}/ny/supervision_visit"),
                &[
                    ("at", &today),
                    ("placement", &placement),
                    ("child_spoken_to", "on"),
                    ("without_carers", "on"),
                    ("child_view", "Jeg har det godt her."),
                    ("note", &note),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    }
    let open_after = s
        .store
        .child_obligations(&own, Utc::now())
        .await
        .unwrap()
        .into_iter()
        .filter(|o| {
            o.rule == "supervision-visits-2-per-year"
                && o.subject == placement
                && o.status == domain::obligation::Status::Due
        })
        .count();
    assert_eq!(open_after, open_before - 1, "two visits this year meet the current placement year");
    // No action on a caseworker's list leads to a page the role may not open (site events are the consultant's).
    let mine = s.get(&b, "/mine-boern").await.text().await.unwrap();
    assert!(!mine.contains("href=\"/steder/ny/"), "a caseworker gets no link to the site forms");
    if ov.open.iter().any(|o| domain::rules::id::is_site_rule(&o.obligation.rule)) {
        assert!(mine.contains("Familieplejekonsulenten:"), "site obligations say who fulfils them");
    }
    let page = unescape(&s.get(&b, &format!("/boern/{own}?ok=saved")).await.text().await.unwrap());
    assert!(page.contains("Hændelsen er gemt i journalen."));
    assert!(page.contains("Jeg har det godt her."), "the child's own words are on the timeline");

    // Bad input: the form answers 400 with a Danish message at the field, and nothing is written.
    let count = s.store.event_count().await.unwrap();
    let r = s
        .post(&b, &format!("/boern/{own}/ny/supervision_visit"), &[("at", "2099-01-01"), ("placement", "findes-ikke")])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let html = unescape(&r.text().await.unwrap());
    assert!(html.contains("id=\"e-at\"") && html.contains("fremtiden"), "{html}");
    assert!(html.contains("id=\"e-placement\"") && html.contains("findes ikke i barnets journal"));
    assert_eq!(s.store.event_count().await.unwrap(), count, "nothing half-written");

    // The API with a token: create it, read, write; scopes limit it.
    let r = s
        .http
        .post(s.url("/api/v1/tokens"))
        .header("cookie", &b.cookie)
        .header("x-csrf-token", &b.csrf)
        .json(&serde_json::json!({"name": "test", "scopes": "read"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let read_token = r.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let r = s.http.get(s.url(&format!("/api/v1/children/{own}"))).bearer_auth(&read_token).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let child: serde_json::Value = r.json().await.unwrap();
    assert_eq!(child["case"]["child"], own.as_str());
    assert_eq!(child["case"]["access"], "own_case");
    assert!(child["obligations"].as_array().unwrap().iter().any(|o| o["law"].as_str().unwrap().contains('§')));
    let write = |token: String, body: serde_json::Value| {
        let http = s.http.clone();
        let url = s.url(&format!("/api/v1/children/{own}/events"));
        async move { http.post(url).bearer_auth(token).json(&body).send().await.unwrap() }
    };
    let conv =
        serde_json::json!({"type": "child_conversation", "at": today, "purpose": "follow_up", "without_carers": true});
    assert_eq!(
        write(read_token.clone(), conv.clone()).await.status(),
        StatusCode::FORBIDDEN,
        "read scope cannot write"
    );
    let r = s
        .http
        .post(s.url("/api/v1/tokens"))
        .header("cookie", &b.cookie)
        .header("x-csrf-token", &b.csrf)
        .json(&serde_json::json!({"name": "skriv", "scopes": "read write", "days": 30}))
        .send()
        .await
        .unwrap();
    let rw = r.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let r = write(rw.clone(), conv).await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let bad =
        write(rw.clone(), serde_json::json!({"type": "child_conversation", "at": "2024-13-01", "purpose": "x"})).await;
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    let e: serde_json::Value = bad.json().await.unwrap();
    assert_eq!(e["error"], "bad_request");
    assert!(e["field"].is_string() && e["message"].is_string(), "{e}");

    // Break the glass through the API: refused, then a short reason, then a real one.
    let foreign = web::seed::FOREIGN_CHILD;
    let r = s.http.get(s.url(&format!("/api/v1/children/{foreign}"))).bearer_auth(&rw).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["error"], "reason_required");
    let access = |reason: &str| {
        let http = s.http.clone();
        let url = s.url(&format!("/api/v1/children/{foreign}/access"));
        let body = serde_json::json!({"reason": reason});
        let t = rw.clone();
        async move { http.post(url).bearer_auth(t).json(&body).send().await.unwrap() }
    };
    let short = access("fordi").await;
    assert_eq!(short.status(), StatusCode::BAD_REQUEST);
    assert_eq!(short.json::<serde_json::Value>().await.unwrap()["field"], "reason");
    assert_eq!(access("Skolen ringer akut; sagsbehandleren er syg i dag").await.status(), StatusCode::NO_CONTENT);
    let r = s.http.get(s.url(&format!("/api/v1/children/{foreign}"))).bearer_auth(&rw).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["case"]["access"], "break_glass");
    // …and the team leader sees it on the audit page, with the reason.
    let tl = s.sign_in("teamleder").await;
    let audit = unescape(&s.get(&tl, "/audit?action=break_glass").await.text().await.unwrap());
    assert!(audit.contains("Skolen ringer akut") && audit.contains(foreign), "{audit}");
    // The child's own insight list shows who has seen the case.
    let chef = s.sign_in("chef").await;
    let insight = unescape(&s.get(&chef, &format!("/boern/{foreign}/indsigt")).await.text().await.unwrap());
    assert!(insight.contains("sagsbehandler") && insight.contains("Brød glasset"), "{insight}");
}

#[tokio::test]
async fn record_read_and_break_the_glass_sqlite() {
    record_and_read(start(sqlite_db().await).await).await;
}

#[tokio::test]
async fn record_read_and_break_the_glass_postgres() {
    record_and_read(start(pg_db().await).await).await;
}

// ---- leaders, exports, administration -----------------------------------------------------------------------------

#[tokio::test]
async fn dashboards_drill_down_and_every_list_exports() {
    let s = start(sqlite_db().await).await;
    let tl = s.sign_in("teamleder").await;
    let team = unescape(&s.get(&tl, "/team").await.text().await.unwrap());
    assert!(team.contains("<svg") && team.contains("role=\"img\""), "a chart with a text alternative");
    assert!(team.contains("href=\"/liste?team=nord&rule="), "numbers drill down to the children: {team}");
    for path in [
        "/liste?status=overdue&",
        "/team?table=workload&",
        "/team?table=compliance&",
        "/audit?",
        "/mine-boern?section=overdue&",
    ] {
        let before = s.last_audit_id("teamleder", None).await;
        let csv = s.get(&tl, &format!("{path}format=csv")).await;
        assert_eq!(csv.status(), StatusCode::OK, "{path}");
        assert!(csv.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
        let bytes = csv.bytes().await.unwrap();
        assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]), "{path}: CSV with BOM for Excel");
        let xlsx = s.get(&tl, &format!("{path}format=xlsx")).await;
        assert_eq!(xlsx.status(), StatusCode::OK, "{path}");
        assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"), "{path}: an XLSX (zip) file");
        if path.starts_with("/liste") {
            let after = s.last_audit_id("teamleder", None).await;
            assert!(after > before, "an export of children's data is logged");
        }
    }
    // One rule over time, and the search and "who has seen" lists export too.
    let one = unescape(&s.get(&tl, "/team?rule=supervision-visits-2-per-year").await.text().await.unwrap());
    assert!(one.contains("Overholdelse over tid (efter fristens måned): Tilsynsbesøg"), "the chart of one rule");
    let before = s.last_audit_id("teamleder", None).await;
    let hits = s.get(&tl, "/soeg?q=a&format=csv").await;
    assert_eq!(hits.status(), StatusCode::OK);
    assert!(hits.text().await.unwrap().lines().count() > 1);
    let exported = s
        .store
        .audit(&AuditFilter {
            username: Some("teamleder".into()),
            action: Some("export".into()),
            limit: 5,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(exported.first().is_some_and(|e| e.id > before), "search exports are logged as exports");
    let own = s.own_placed_child().await;
    let insight = s.get(&tl, &format!("/boern/{own}/indsigt?format=xlsx")).await;
    assert_eq!(insight.status(), StatusCode::OK);
    assert!(insight.bytes().await.unwrap().starts_with(b"PK"));
    let list = s.get(&tl, "/liste?status=overdue&format=csv").await.text().await.unwrap();
    assert!(list.lines().count() > 1, "the team has overdue obligations");
    assert!(!list.contains("Team Syd") && !list.contains(";syd"), "a team leader's list holds only the team's cases");

    let chef = s.sign_in("chef").await;
    let m = s.get(&chef, "/kommune").await.text().await.unwrap();
    assert!(m.contains("København") && m.contains("Pr. team"));
    let a = s.sign_in("analytiker").await;
    let st = s.get(&a, "/statistik").await.text().await.unwrap();
    assert!(!st.contains("/liste?"), "the national analyst gets no drill-down to children");
}

#[tokio::test]
async fn administrators_manage_users_and_teams_with_danish_errors() {
    let s = start(sqlite_db().await).await;
    let admin = s.sign_in("admin").await;
    let r = s.post(&admin, "/admin/teams", &[("id", "ungeteam"), ("name", "Ungeteamet")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = s.post(&admin, "/admin/teams", &[("id", "Ugyldigt Id"), ("name", "x")]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(unescape(&r.text().await.unwrap()).contains("felt \"id\""));
    let r = s
        .post(
            &admin,
            "/admin/brugere",
            &[
                ("username", "ny.bruger"),
                ("full_name", "Ny Bruger"),
                ("role", "caseworker"),
                ("team", "ungeteam"),
                ("password", "kort"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(unescape(&r.text().await.unwrap()).contains("felt \"password\""));
    let r = s
        .post(
            &admin,
            "/admin/brugere",
            &[
                ("username", "ny.bruger"),
                ("full_name", "Ny Bruger"),
                ("role", "caseworker"),
                ("team", "ungeteam"),
                ("password", "en-lang-adgangskode"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let u = s.store.user("ny.bruger").await.unwrap().unwrap();
    assert!(u.password_hash.unwrap().starts_with("$argon2id$"));
    let r = s.try_sign_in("ny.bruger", "en-lang-adgangskode").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Deactivation ends the user's sessions.
    let nb = s.sign_in_with("ny.bruger", "en-lang-adgangskode").await;
    let r = s
        .post(
            &admin,
            "/admin/brugere/ny.bruger",
            &[("full_name", "Ny Bruger"), ("role", "caseworker"), ("team", "ungeteam")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(s.get(&nb, "/profil").await.status(), StatusCode::SEE_OTHER, "a deactivated user is signed out");

    // The same through the API with an administrator's token: reactivate, move team; bad values are named.
    let r = s
        .http
        .post(s.url("/api/v1/tokens"))
        .header("cookie", &admin.cookie)
        .header("x-csrf-token", &admin.csrf)
        .json(&serde_json::json!({"name": "drift", "scopes": "read admin"}))
        .send()
        .await
        .unwrap();
    let token = r.json::<serde_json::Value>().await.unwrap()["token"].as_str().unwrap().to_string();
    let patch = |body: serde_json::Value| {
        let (http, url, t) = (s.http.clone(), s.url("/api/v1/users/ny.bruger"), token.clone());
        async move { http.patch(url).bearer_auth(t).json(&body).send().await.unwrap() }
    };
    let r = patch(serde_json::json!({"active": true, "team": "nord"})).await;
    assert_eq!(r.status(), StatusCode::OK);
    let u: serde_json::Value = r.json().await.unwrap();
    assert_eq!((u["active"].as_bool(), u["team"].as_str()), (Some(true), Some("nord")));
    let r = patch(serde_json::json!({"role": "konge"})).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["field"], "role");
    // A caseworker registers a child through the API; the case is theirs.
    let cw = s.sign_in("sagsbehandler").await;
    let r = s
        .http
        .post(s.url("/api/v1/children"))
        .header("cookie", &cw.cookie)
        .header("x-csrf-token", &cw.csrf)
        .json(&serde_json::json!({"at": "2026-11-02", "birth_date": "2015-06-14", "municipality": "101", "name": "Ny Elev"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let child = r.json::<serde_json::Value>().await.unwrap()["child"].as_str().unwrap().to_string();
    let case = s.store.case_state(&child).await.unwrap().unwrap();
    assert_eq!(case.caseworker.as_deref(), Some("sagsbehandler"));
    let bad = s
        .http
        .post(s.url("/api/v1/children"))
        .header("cookie", &cw.cookie)
        .header("x-csrf-token", &cw.csrf)
        .json(&serde_json::json!({"at": "2026-11-02", "birth_date": "2015-02-30", "municipality": "101"}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(bad.json::<serde_json::Value>().await.unwrap()["field"], "birth_date");
}

impl Server {
    async fn sign_in_with(&self, user: &str, password: &str) -> Browser {
        let r = self.try_sign_in(user, password).await;
        let token = set_cookie(&r, "__Host-vaern").expect("signed in");
        let cookie = format!("__Host-vaern={token}");
        let html =
            self.http.get(self.url("/profil")).header("cookie", &cookie).send().await.unwrap().text().await.unwrap();
        Browser { csrf: hidden(&html, "csrf").unwrap(), cookie }
    }
}

// ---- operations and headers ---------------------------------------------------------------------------------------

#[tokio::test]
async fn operations_endpoints_and_security_headers() {
    let s = start(sqlite_db().await).await;
    let r = s.http.get(s.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(s.http.get(s.url("/readyz")).send().await.unwrap().status(), StatusCode::OK);
    let login = s.http.get(s.url("/login")).send().await.unwrap();
    let h = login.headers();
    assert!(h["content-security-policy"].to_str().unwrap().contains("frame-ancestors 'none'"));
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["referrer-policy"], "no-referrer");
    assert!(h["strict-transport-security"].to_str().unwrap().contains("max-age"));
    let metrics = s.http.get(s.url("/metrics")).send().await.unwrap().text().await.unwrap();
    assert!(metrics.contains("vaern_http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"}"), "{metrics}");
    assert!(metrics.contains("vaern_journal_events "));
    let doc: serde_json::Value = s.http.get(s.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    assert!(doc["paths"]["/api/v1/children/{child}/events"]["post"].is_object());
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let docs = s.http.get(s.url("/api/v1/docs")).send().await.unwrap().text().await.unwrap();
    assert!(docs.contains("/api/v1/children/{child}") && !docs.contains("cdn."), "the reference is served from here");
    let missing = s.http.get(s.url("/api/v1/nothing")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn english_is_the_second_language() {
    let s = start(sqlite_db().await).await;
    let b = s.sign_in("sagsbehandler").await;
    let da = s.get(&b, "/mine-boern").await.text().await.unwrap();
    assert!(da.contains("<html lang=\"da\">") && da.contains("Overskredet"));
    let en = s
        .http
        .get(s.url("/mine-boern"))
        .header("cookie", format!("{}; lang=en", b.cookie))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">") && en.contains("My children") && en.contains("Overdue"));
}

// ---- placement sites and supervision ------------------------------------------------------------------------------

async fn supervision(s: Server) {
    use store::supervision::SiteFilter;
    let now = Utc::now();
    let today = web::web_util::today(now);
    // A foster family with a child placed now, and a residential home.
    let sites = s.store.site_registry(&SiteFilter::default(), now).await.unwrap();
    let family = sites
        .iter()
        .find(|x| x.placed > 0 && x.site_type == "foster_family")
        .expect("a foster family with a child placed")
        .site
        .clone();
    let home = sites.iter().find(|x| x.site_type == "residential_home").expect("a residential home").site.clone();
    let placed = s.store.placed_at(std::slice::from_ref(&family)).await.unwrap();
    let child = placed[0].child.clone();

    // The team leader makes konsulent responsible for the family; a non-consultant is refused in Danish.
    let leader = s.sign_in("teamleder").await;
    let r = s.post(&leader, &format!("/steder/{family}/konsulent"), &[("consultant", "sagsbehandler")]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("familieplejekonsulent"));
    let r = s.post(&leader, &format!("/steder/{family}/konsulent"), &[("consultant", "konsulent")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The consultant's worklist lists the child with its next visit deadline, and the audit log has the read.
    let b = s.sign_in("konsulent").await;
    let before = s.last_audit_id("konsulent", None).await;
    let html = s.get(&b, "/tilsyn").await.text().await.unwrap();
    assert!(html.contains(&format!("data-child=\"{child}\"")), "the placed child is on the worklist");
    assert!(html.contains(&format!("data-site=\"{family}\"")));
    assert!(s.last_audit_id("konsulent", None).await > before, "the worklist view is audit-logged");

    // Plan a visit: a date in the past is refused with the field named; a date ahead is kept.
    let past = (today - chrono::Duration::days(3)).to_string();
    let r = s.post(&b, "/tilsyn/planlaeg", &[("child", &child), ("planned_for", &past)]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body = r.text().await.unwrap();
    assert!(body.contains("fortiden"), "{body}");
    let ahead = (today + chrono::Duration::days(10)).to_string();
    let r = s.post(&b, "/tilsyn/planlaeg", &[("child", &child), ("planned_for", &ahead)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let plans = s.store.visit_plans(std::slice::from_ref(&child)).await.unwrap();
    assert!(plans.iter().any(|p| p.planned_for.to_string() == ahead && p.planned_by == "konsulent"));
    let html = s.get(&b, "/tilsyn").await.text().await.unwrap();
    assert!(html.contains("Planlagt"), "the plan shows as planned");

    // Hold the visit: the plan becomes held.
    let placement = placed[0].placement.clone();
    let r = s
        .post(
            &b,
            &format!("/boern/{child}/ny/supervision_visit"),
            &[
                ("at", &today.to_string()),
                ("placement", &placement),
                ("child_spoken_to", "on"),
                ("without_carers", "on"),
                ("child_view", "Jeg vil gerne blive boende her."),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let html = s.get(&b, "/tilsyn").await.text().await.unwrap();
    assert!(html.contains("Gennemført"), "the planned visit is matched to the visit held");

    // A critical danger signal at the family: a reaction deadline of one working day, listed for the leaders.
    let r = s
        .post(
            &b,
            "/steder/ny/danger_signal",
            &[
                ("at", &today.to_string()),
                ("site", &family),
                ("kind", "Barnet fortæller om slag"),
                ("source", "child"),
                ("severity", "critical"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    assert_eq!(r.headers()["location"].to_str().unwrap(), format!("/steder/{family}?ok=saved"));
    let html = s.get(&leader, "/faresignaler").await.text().await.unwrap();
    assert!(html.contains("Barnet fortæller om slag") && html.contains("Kritisk"), "{html}");
    let due = domain::calendar::add_working_days(today, 1);
    assert!(html.contains(&web::web_util::da_date(due)), "critical: one working day to react");
    let html = s.get(&b, &format!("/steder/{family}")).await.text().await.unwrap();
    assert!(html.contains("Barnet fortæller om slag"), "the site page shows its signals beside its supervision");
    // The reaction: the signal leaves the open list and shows the action taken.
    let raised = s.store.signals(&Default::default(), Utc::now()).await.unwrap();
    let sig = raised.iter().find(|x| x.kind.as_deref() == Some("Barnet fortæller om slag")).unwrap().signal.clone();
    let form = s.get(&b, &format!("/steder/ny/danger_signal_handled?signal={sig}")).await.text().await.unwrap();
    assert!(form.contains(&format!("value=\"{sig}\" selected")), "the signal is pre-selected");
    let r = s
        .post(
            &b,
            "/steder/ny/danger_signal_handled",
            &[
                ("at", &today.to_string()),
                ("signal", &sig),
                ("action", "Barnet flyttet til aflastning; Socialtilsynet orienteret"),
                ("socialtilsyn_notified", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let open = s.get(&leader, "/faresignaler").await.text().await.unwrap();
    assert!(!open.contains(&format!("data-signal=\"{sig}\"")), "handled: no longer awaiting reaction");
    let all = s.get(&leader, "/faresignaler?status=all").await.text().await.unwrap();
    assert!(all.contains("Barnet flyttet til aflastning"), "the action taken is shown");
    assert!(html.contains(&format!("data-child=\"{child}\"")));

    // A finance report beyond the thresholds raises a danger signal by itself.
    let r = s
        .post(
            &b,
            "/steder/ny/site_finances_reported",
            &[
                ("at", &today.to_string()),
                ("site", &home),
                ("year", &(chrono::Datelike::year(&today) - 1).to_string()),
                ("revenue_dkk", "10000000"),
                ("costs_dkk", "8000000"),
                ("equity_dkk", "-250000"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", r.text().await.unwrap());
    let html = s.get(&leader, "/faresignaler").await.text().await.unwrap();
    assert!(html.contains("Overskudsgrad 20,0 % over grænsen 10,0 %"), "{html}");
    assert!(html.contains("Egenkapital -250.000 kr. under grænsen 0 kr."));
    let html = s.get(&leader, "/steder/oekonomi").await.text().await.unwrap();
    assert!(html.contains(&format!("data-site=\"{home}\"")));
    // Bad input: a revenue that is not a number is refused at the field.
    let r = s
        .post(
            &b,
            "/steder/ny/site_finances_reported",
            &[("at", "2025-04-01"), ("site", &home), ("year", "2024"), ("revenue_dkk", "mange"), ("costs_dkk", "1")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    // The council report and the child's help card.
    let chief = s.sign_in("chef").await;
    let year = chrono::Datelike::year(&today) - 1;
    let r = s.get(&chief, &format!("/rapporter/tilsyn.pdf?aar={year}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    let r = s.get(&chief, &format!("/rapporter/tilsyn.xlsx?aar={year}")).await;
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    let r = s.get(&chief, "/rapporter/tilsyn?aar=1999").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = s.get(&b, &format!("/boern/{child}/hjaelp.pdf")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
}

#[tokio::test]
async fn supervision_sqlite() {
    supervision(start(sqlite_db().await).await).await;
}

#[tokio::test]
async fn supervision_postgres() {
    supervision(start(pg_db().await).await).await;
}

// ---- knowledge bank, suggestions and VISO ---------------------------------------------------------------------------

async fn knowledge_bank(s: Server) {
    // Everyone in the municipality searches the bank; Danish stemming finds the singular from the plural.
    let cw = s.sign_in("sagsbehandler").await;
    let html = unescape(&s.get(&cw, "/metoder?q=plejefamilier").await.text().await.unwrap());
    assert!(html.contains("href=\"/metoder/plejefamilie\""), "{html}");
    let html = s.get(&cw, "/metoder?q=xqzvw").await.text().await.unwrap();
    assert!(html.contains("Ingen poster passer"));
    let r = s.get(&cw, "/metoder?trin=9").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("Trinnet skal være 1–6"));
    // The demo's interventions name methods, so the bank shows the municipality's own effect data.
    let html = s.get(&cw, "/metoder").await.text().await.unwrap();
    assert!(html.contains("Egne data:"), "no method shows own effect data");
    // A caseworker cannot edit.
    assert_eq!(s.post(&cw, "/metoder/ny", &[("id", "x")]).await.status(), StatusCode::FORBIDDEN);

    // The editor creates an entry; a bad field is named in Danish and nothing is saved.
    let ed = s.sign_in("redaktoer").await;
    let mut form: Vec<(&str, &str)> = vec![
        ("id", "familieraad-light"),
        ("name", "Familieråd light"),
        ("category", "method"),
        ("summary", "Et kort familieråd med netværket."),
        ("description", "Familien og netværket mødes og laver en plan."),
        ("age_min", "12"),
        ("age_max", "6"),
        ("problems", "netværk\nsamarbejde"),
        ("themes", "family"),
        ("themes", "friends"),
        ("ladder_step", "2"),
        ("evidence", "experience"),
        ("references", "Socialstyrelsen | https://www.sbst.dk"),
    ];
    let r = s.post(&ed, "/metoder/ny", &form).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(unescape(&r.text().await.unwrap()).contains("skal være mindst alder fra (12)"));
    assert!(s
        .store
        .method_history(&domain::knowledge::MethodId::parse("familieraad-light").unwrap())
        .await
        .unwrap()
        .is_empty());
    form[6] = ("age_max", "17");
    let r = s.post(&ed, "/metoder/ny", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // The new entry is searchable at once (the index was rebuilt), with both themes.
    let html = s.get(&cw, "/metoder?q=familieråd%20light").await.text().await.unwrap();
    assert!(html.contains("href=\"/metoder/familieraad-light\""));
    // Edit: version 1 → 2 with a reason; a stale form (version 1 again) is refused, not overwriting version 2.
    let mut edit = form.clone();
    edit[3] = ("summary", "Et kort familieråd med netværket, ledet af en uvildig koordinator.");
    edit.push(("expected", "1"));
    let no_reason = s.post(&ed, "/metoder/familieraad-light/rediger", &edit).await;
    assert_eq!(no_reason.status(), StatusCode::BAD_REQUEST);
    edit.push(("comment", "Koordinatoren tilføjet"));
    assert_eq!(s.post(&ed, "/metoder/familieraad-light/rediger", &edit).await.status(), StatusCode::SEE_OTHER);
    let stale = s.post(&ed, "/metoder/familieraad-light/rediger", &edit).await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert!(unescape(&stale.text().await.unwrap()).contains("ændret af redaktoer"));
    let history = unescape(&s.get(&cw, "/metoder/familieraad-light/historik").await.text().await.unwrap());
    assert!(history.contains("Koordinatoren tilføjet") && history.contains("summary") && history.contains("Oprettet"));
    let v1 = unescape(&s.get(&cw, "/metoder/familieraad-light?version=1").await.text().await.unwrap());
    assert!(v1.contains("Du ser version 1") && v1.contains("Et kort familieråd med netværket."));

    // Export: every line is an entry; it parses back to the store's current entries.
    let r = s.get(&cw, "/metoder/eksport.jsonl").await;
    assert_eq!(r.status(), StatusCode::OK);
    let text = r.text().await.unwrap();
    let parsed = domain::knowledge::parse_jsonl(&text).unwrap();
    let stored: Vec<_> = s.store.methods().await.unwrap().into_iter().map(|m| m.entry).collect();
    assert_eq!(parsed, stored);
    assert!(parsed.len() >= 31);

    // In the case: the decision form suggests methods for the child; the fragment follows kind and step, and the
    // read is audit-logged. A method that is not in the bank is refused; a known one is kept on the event.
    let child = s.own_placed_child().await;
    let before = s.last_audit_id("sagsbehandler", Some(&child)).await;
    let html = s.get(&cw, &format!("/boern/{child}/ny/intervention_decided")).await.text().await.unwrap();
    assert!(html.contains("Forslag fra vidensbanken") && html.contains("id=\"i-method\""));
    let frag = s
        .get(&cw, &format!("/boern/{child}/metodeforslag?kind=family_treatment&ladder_step=3"))
        .await
        .text()
        .await
        .unwrap();
    assert!(frag.contains("data-method=") && frag.contains("Indsatstype: familiebehandling"), "{frag}");
    assert!(s.last_audit_id("sagsbehandler", Some(&child)).await > before);
    let today = web::web_util::today(Utc::now()).to_string();
    let decide = |method: &'static str| {
        vec![
            ("at", today.clone()),
            ("kind", "family_treatment".into()),
            ("ladder_step", "3".into()),
            ("method", method.into()),
        ]
    };
    let bad: Vec<(&str, String)> = decide("findes-ikke");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = s.post(&cw, &format!("/boern/{child}/ny/intervention_decided"), &bad).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(unescape(&r.text().await.unwrap()).contains("findes ikke i vidensbanken"));
    let good: Vec<(&str, String)> = decide("fft");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = s.post(&cw, &format!("/boern/{child}/ny/intervention_decided"), &good).await;
    let status = r.status();
    let body = r.text().await.unwrap();
    let shown = body.split("field-error").skip(1).map(|x| x.chars().take(160).collect::<String>()).collect::<Vec<_>>();
    assert_eq!(status, StatusCode::SEE_OTHER, "{shown:?}");
    let events = s.store.child_events(&child).await.unwrap();
    let last = events
        .iter()
        .rev()
        .find(|e| e.event.body.event_type() == domain::event::EventType::InterventionDecided)
        .unwrap();
    assert!(last.event.extra().iter().any(|(k, v)| k == "method" && v == "fft"));

    // VISO for the child: a missing question is named; the referral's status history is kept.
    let r = s.post(&cw, &format!("/boern/{child}/viso"), &[("topic", "assessment"), ("question", " ")]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = s
        .post(
            &cw,
            &format!("/boern/{child}/viso"),
            &[("topic", "assessment"), ("question", "Hvordan udreder vi Idas angst?")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let v = s.store.visos(store::knowledge::VisoScope::Child(&child)).await.unwrap();
    assert_eq!(v.len(), 1);
    let id = v[0].id.clone();
    let r = s.post(&cw, &format!("/viso/{id}"), &[("status", "answered"), ("answered_on", &today)]).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST, "an answer without the advice is refused");
    let r = s
        .post(
            &cw,
            &format!("/viso/{id}"),
            &[("status", "answered"), ("answered_on", &today), ("advice", "Brug SDQ og en børnesamtale.")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = unescape(&s.get(&cw, &format!("/boern/{child}/viso")).await.text().await.unwrap());
    assert!(html.contains("Rådgivning modtaget") && html.contains("Brug SDQ og en børnesamtale."));
    // The leaders' overview shows the referral but neither the question nor the advice.
    let leader = s.sign_in("teamleder").await;
    let html = unescape(&s.get(&leader, "/viso").await.text().await.unwrap());
    assert!(html.contains("Udredning af barnet") && !html.contains("Idas angst") && !html.contains("Brug SDQ"));
}

#[tokio::test]
async fn knowledge_bank_sqlite() {
    knowledge_bank(start(sqlite_db().await).await).await;
}

#[tokio::test]
async fn knowledge_bank_postgres() {
    knowledge_bank(start(pg_db().await).await).await;
}

// ---- goals, effect and economy (issue 7) --------------------------------------------------------------------------

/// Read a part of an XLSX file (a zip of XML parts).
fn xlsx_part(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("an XLSX file is a zip");
    let mut text = String::new();
    zip.by_name(name).unwrap_or_else(|_| panic!("no part {name}")).read_to_string(&mut text).unwrap();
    text
}

/// Poll a page until `ok` holds: the effect and economy figures are recomputed in the background after a change.
async fn eventually(s: &Server, b: &Browser, path: &str, ok: impl Fn(&str) -> bool) -> String {
    let mut html = String::new();
    for _ in 0..100 {
        html = unescape(&s.get(b, path).await.text().await.unwrap());
        if ok(&html) {
            return html;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{path} never showed what was expected:\n{html}")
}

async fn goals_effect_and_economy(s: Server) {
    use chrono::Duration;
    let today = web::web_util::today(Utc::now());
    let child = s.store.caseload(Some("sagsbehandler"), None).await.unwrap()[0].child.clone();
    let day = |n: i64| (today - Duration::days(n)).to_string();
    let lines = [
        format!(
            r#"{{"type":"plan_created","at":"{}","child":"{child}","plan":"p-t","goals":[{{"id":"m-t1","theme":"school","text":"Går i skole hver dag"}},{{"id":"m-t2","theme":"friends","text":"Har en fast ven"}}]}}"#,
            day(300)
        ),
        format!(
            r#"{{"type":"intervention_decided","at":"{}","child":"{child}","intervention":"i-t","kind":"family_treatment","daily_cost_dkk":1000,"provider":"Familiehuset Test","plan":"p-t"}}"#,
            day(300)
        ),
        format!(r#"{{"type":"intervention_started","at":"{}","child":"{child}","intervention":"i-t"}}"#, day(100)),
        format!(
            r#"{{"type":"plan_followed_up","at":"{}","child":"{child}","intervention":"i-t","plan":"p-t","goal_progress":[{{"goal":"m-t1","score":5}},{{"goal":"m-t2","score":4}}],"sdq":22}}"#,
            day(90)
        ),
        format!(
            r#"{{"type":"plan_followed_up","at":"{}","child":"{child}","intervention":"i-t","plan":"p-t","goal_progress":[{{"goal":"m-t1","score":5}},{{"goal":"m-t2","score":4}}],"sdq":23}}"#,
            day(50)
        ),
        format!(
            r#"{{"type":"plan_followed_up","at":"{}","child":"{child}","intervention":"i-t","plan":"p-t","goal_progress":[{{"goal":"m-t1","score":4}},{{"goal":"m-t2","score":4}}]}}"#,
            day(10)
        ),
    ];
    s.store.import_jsonl(&(lines.join("\n") + "\n"), &Actor::new("sagsbehandler", Utc::now())).await.unwrap();

    // The child's page: the goal chart (one line per goal), the SDQ chart, and the flag with the way to decide.
    let cw = s.sign_in("sagsbehandler").await;
    let html = unescape(&s.get(&cw, &format!("/boern/{child}")).await.text().await.unwrap());
    assert!(html.contains("id=\"goal-chart\""), "no goal chart");
    assert!(html.contains("Skole og uddannelse: Går i skole hver dag"), "the chart does not name the goal");
    assert!(html.contains("id=\"sdq-chart\""), "no SDQ chart");
    assert!(html.contains("data-intervention=\"i-t\""), "the intervention is not flagged uden effekt");
    assert!(html.contains("4,5 → 4,5 → 4,0"), "the flag does not show the mean scores");
    let decide = format!("/boern/{child}/ny/plan_followed_up?intervention=i-t");
    assert!(html.contains(&decide), "no link to record the decision");
    // The caseworker sees it among their own interventions awaiting a decision.
    eventually(&s, &cw, "/effekt", |h| h.contains("data-intervention=\"i-t\"")).await;
    // Continuing without a reason is refused, naming the note; with a reason it is recorded and the flag goes.
    let form = s.get(&cw, &decide).await.text().await.unwrap();
    assert!(form.contains("name=\"effect_decision\""), "the follow-up form has no decision field");
    let post = format!("/boern/{child}/ny/plan_followed_up");
    let base = [("at", today.to_string()), ("intervention", "i-t".to_string()), ("effect_decision", "continue".into())];
    let as_refs = |v: &[(&'static str, String)]| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let mut f = as_refs(&base);
    f.push(("sdq", "41".into()));
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = s.post(&cw, &post, &pairs).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body = unescape(&r.text().await.unwrap());
    assert!(body.contains("Begrund i journalnotatet"), "continue without a reason was not refused");
    assert!(body.contains("fra 0 til 40"), "an SDQ of 41 was not refused");
    let mut f = as_refs(&base);
    f.push(("note", "Barnet er lige skiftet skole; vi fortsætter tre måneder og følger op.".into()));
    let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    assert_eq!(s.post(&cw, &post, &pairs).await.status(), StatusCode::SEE_OTHER);
    let html = unescape(&s.get(&cw, &format!("/boern/{child}")).await.text().await.unwrap());
    assert!(!html.contains("data-intervention=\"i-t\""), "still flagged after the decision");
    eventually(&s, &cw, "/effekt", |h| !h.contains("data-intervention=\"i-t\"")).await;

    // Economy: only leaders; spend to date and the forecast are daily cost × days, exact.
    assert_eq!(s.get(&cw, "/oekonomi").await.status(), StatusCode::FORBIDDEN);
    let chef = s.sign_in("chef").await;
    let spent_days = if (today - Duration::days(100)).year() == today.year() { 101 } else { today.ordinal() as i64 };
    let rest_days =
        chrono::NaiveDate::from_ymd_opt(today.year(), 12, 31).unwrap().ordinal() as i64 - today.ordinal() as i64;
    let kr = |n: i64| format!("{} kr.", domain::national::thousands(n as u64));
    let html = eventually(&s, &chef, "/oekonomi", |h| h.contains("Familiehuset Test")).await;
    let row = html.split("data-group=\"Familiehuset Test\"").nth(1).unwrap().split("</tr>").next().unwrap().to_string();
    assert!(row.contains(&kr(1000 * spent_days)), "spend to date is not {spent_days} days × 1.000 kr.: {row}");
    assert!(row.contains(&kr(1000 * rest_days)), "the forecast is not {rest_days} days × 1.000 kr.: {row}");
    assert!(html.contains("Der er ikke registreret et budget"), "the default budget lines are not explained");

    // Budget lines: a bad amount is refused naming the field; a good one is saved and shown against the spend.
    let year = today.year().to_string();
    let bad = [
        ("year", year.as_str()),
        ("code", "5.28.21"),
        ("name", "Forebyggende"),
        ("covers", "family_treatment"),
        ("amount", "mange"),
    ];
    let r = s.post(&chef, "/oekonomi/budget", &bad).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body = unescape(&r.text().await.unwrap());
    assert!(body.contains("id=\"b-amount-err\"") && body.contains("\"mange\" er ikke et beløb"), "{body}");
    let r = s
        .post(
            &chef,
            "/oekonomi/budget",
            &[("year", year.as_str()), ("code", "5.28.21"), ("name", "x"), ("amount", "1")],
        )
        .await;
    assert!(unescape(&r.text().await.unwrap()).contains("Vælg mindst én"), "a line covering nothing was accepted");
    let tl = s.sign_in("teamleder").await;
    assert_eq!(s.post(&tl, "/oekonomi/budget", &bad).await.status(), StatusCode::FORBIDDEN);
    assert!(s.store.budget_lines(today.year()).await.unwrap().is_empty(), "a refused line was saved");
    let good = [
        ("year", year.as_str()),
        ("code", "5.28.21"),
        ("name", "Forebyggende foranstaltninger"),
        ("covers", "family_treatment"),
        ("covers", "contact_person"),
        ("amount", "12.500.000"),
    ];
    let r = s.post(&chef, "/oekonomi/budget", &good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = unescape(&s.get(&chef, &format!("/oekonomi?aar={year}")).await.text().await.unwrap());
    let line = html.split("data-line=\"5.28.21\"").nth(1).expect("the budget line").split("</tr>").next().unwrap();
    assert!(line.contains("12.500.000 kr."), "{line}");
    assert_eq!(s.store.budget_lines(today.year()).await.unwrap()[0].edited_by, "chef");

    // The finance workbook, read back: the sheets, and amounts as numbers.
    let r = s.get(&chef, &format!("/oekonomi/eksport.xlsx?aar={year}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().contains("spreadsheetml"));
    let bytes = r.bytes().await.unwrap();
    let book = xlsx_part(&bytes, "xl/workbook.xml");
    for name in ["Oversigt", "Budget", "Måned og trin", "Indsatstype", "Leverandør", "Team", "Investering"] {
        assert!(book.contains(&format!("<sheet name=\"{name}\"")), "no sheet {name}");
    }
    let budget = xlsx_part(&bytes, "xl/worksheets/sheet2.xml");
    assert!(budget.contains("<v>12500000</v>"), "the budget amount is not the number 12500000: {budget}");
    let csv = s.get(&chef, &format!("/oekonomi?aar={year}&table=provider&format=csv")).await.text().await.unwrap();
    assert!(csv.contains("Familiehuset Test"), "{csv}");
    assert_eq!(s.get(&chef, "/oekonomi?aar=tyve").await.status(), StatusCode::BAD_REQUEST);

    // Early detection and placement quality render for the leader, with the routing model and the school shares.
    let html = unescape(&s.get(&chef, "/tidlig-opsporing").await.text().await.unwrap());
    assert!(html.contains("Routing-model") && html.contains("Underretninger pr. kilde"), "{html}");
    let html = unescape(&s.get(&chef, "/anbringelser/kvalitet").await.text().await.unwrap());
    assert!(html.contains("Andel i almindelig folkeskole") && html.contains("Netværksplejefamilie"), "{html}");
}

#[tokio::test]
async fn goals_effect_and_economy_sqlite() {
    goals_effect_and_economy(start(sqlite_db().await).await).await;
}

#[tokio::test]
async fn goals_effect_and_economy_postgres() {
    goals_effect_and_economy(start(pg_db().await).await).await;
}

// ---- practice-survey audits (issue 8) ----------------------------------------------------------------------------

async fn practice_audit(s: Server) {
    use domain::practice::{draw, population, Design, Finding, Period};
    let today = web::web_util::today(Utc::now());
    let from = today - chrono::Duration::days(730);
    let chef = s.sign_in("chef").await;
    let html = s.get(&chef, "/praksis").await.text().await.unwrap();
    assert!(html.contains("id=\"new-audit\""), "no form for a new audit");

    // Bad input is refused, naming the fields, and nothing is saved.
    let r = s
        .post(
            &chef,
            "/praksis",
            &[("titel", ""), ("fra", "i går"), ("til", "2099-01-01"), ("antal", "0"), ("minimum", "2"), ("froe", "x")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body = unescape(&r.text().await.unwrap());
    for field in ["a-titel-err", "a-fra-err", "a-til-err", "a-antal-err", "a-froe-err"] {
        assert!(body.contains(&format!("id=\"{field}\"")), "{field} not named: {body}");
    }
    assert!(body.contains("\"i går\" er ikke en dato"), "the date error does not quote the input");
    // The demo has one audit of last year under way.
    let demo = s.store.practice_audits().await.unwrap();
    assert_eq!(demo.len(), 1, "the demo audit");
    assert!(demo[0].reviewed > 0 && demo[0].reviewed < demo[0].sampled, "the demo audit is under way");
    let html = unescape(&s.get(&chef, &format!("/praksis/{}/rapport", demo[0].id)).await.text().await.unwrap());
    assert!(html.contains("data-point=\"sagen\""), "the demo report has no whole-case row");

    // A sample of 12 with seed 42 over the last two years.
    let (f, t) = (from.to_string(), today.to_string());
    let form = [
        ("titel", "Egenkontrol"),
        ("fra", f.as_str()),
        ("til", t.as_str()),
        ("antal", "12"),
        ("minimum", "1"),
        ("froe", "42"),
    ];
    assert_eq!(s.store.practice_audits().await.unwrap().len(), 1, "a refused form saved an audit");
    let r = s.post(&chef, "/praksis", &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = demo[0].id + 1;
    assert_eq!(r.headers()["location"], format!("/praksis/{id}?ok=audit-created").as_str());
    let audit = s.store.practice_audit(id).await.unwrap().unwrap();
    assert_eq!(audit.cases.len(), 12);
    assert_eq!(audit.head.design.seed, 42);

    // Reproducible: the same seed drawn again from the same journal gives the same cases in the same order.
    let code = s.store.municipality().to_string();
    let events = s.store.municipality_events(&code, domain::time::AsOf::end_of(today), &[]).await.unwrap();
    let period = Period::new(from, today).unwrap();
    let pop = population(&events, &s.state.pack, period, today);
    let again = draw(&pop, &Design { size: 12, min_per_stratum: 1, seed: 42 });
    assert_eq!(
        again.cases.iter().map(|c| c.child.to_string()).collect::<Vec<_>>(),
        audit.cases.iter().map(|c| c.child.clone()).collect::<Vec<_>>()
    );
    assert_eq!(again.strata, audit.strata);
    assert_eq!(audit.head.population, pop.len());

    let html = unescape(&s.get(&chef, &format!("/praksis/{id}")).await.text().await.unwrap());
    assert_eq!(html.matches("data-reviewed=\"false\"").count(), 12);
    assert!(html.contains("frø 42"), "the seed is not shown");

    // The first case: the checklist is pre-filled, the view is logged; a correction needs a comment.
    let first = audit.cases[0].clone();
    let before = s.last_audit_id("chef", Some(&first.child)).await;
    let page = format!("/praksis/{id}/sag/{}", first.child);
    let html = unescape(&s.get(&chef, &page).await.text().await.unwrap());
    assert!(s.last_audit_id("chef", Some(&first.child)).await > before, "the case view left no audit row");
    let inv = first.prefill[domain::practice::Point::Investigation.index()];
    assert!(html.contains(&format!("id=\"punkt-udredning\" data-prefill=\"{}\"", inv.code())), "{html}");
    let flipped = if inv == Finding::NotMet { Finding::Met } else { Finding::NotMet };
    let mut answers: Vec<(String, String)> = domain::practice::Point::ALL
        .iter()
        .map(|p| (format!("fund_{}", p.code()), first.prefill[p.index()].code().to_string()))
        .collect();
    answers[1].1 = flipped.code().to_string();
    let pairs = |a: &[(String, String)]| a.iter().map(|(k, v)| (k.clone(), v.clone())).collect::<Vec<_>>();
    let post = |a: Vec<(String, String)>| {
        let page = page.clone();
        let chef = &chef;
        let s = &s;
        async move {
            let refs: Vec<(&str, &str)> = a.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            s.post(chef, &page, &refs).await
        }
    };
    let r = post(pairs(&answers)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body = unescape(&r.text().await.unwrap());
    assert!(body.contains("id=\"bem-udredning-err\""), "the comment field is not named");
    assert!(body.contains("Skriv hvorfor du retter journalens svar"), "{body}");
    assert!(s.store.practice_audit(id).await.unwrap().unwrap().cases[0].review.is_none(), "half-saved");
    let mut with_comment = pairs(&answers);
    with_comment.push(("bem_udredning".into(), "Undersøgelsen blev afsluttet; datoen var forkert i journalen".into()));
    let r = post(with_comment).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let next = format!("/praksis/{id}/sag/{}?ok=review-saved", audit.cases[1].child);
    assert_eq!(r.headers()["location"], next.as_str(), "on to the next case");
    // The second case confirmed as the journal has it.
    let second = &audit.cases[1];
    let confirm: Vec<(&str, &str)> = vec![
        ("fund_underretning", second.prefill[0].code()),
        ("fund_udredning", second.prefill[1].code()),
        ("fund_inddragelse", second.prefill[2].code()),
        ("fund_handleplan", second.prefill[3].code()),
        ("fund_opfoelgning", second.prefill[4].code()),
    ];
    assert_eq!(
        s.post(&chef, &format!("/praksis/{id}/sag/{}", second.child), &confirm).await.status(),
        StatusCode::SEE_OTHER
    );
    // A child outside the sample is not found.
    assert_eq!(s.get(&chef, &format!("/praksis/{id}/sag/ukendt-barn")).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(s.get(&chef, "/praksis/99").await.status(), StatusCode::NOT_FOUND);

    // The report: two reviewed cases, the correction counted, the table as CSV.
    let html = unescape(&s.get(&chef, &format!("/praksis/{id}/rapport")).await.text().await.unwrap());
    assert!(html.contains("2 af 12 sager i stikprøven er gennemgået"), "{html}");
    let row = html.split("data-point=\"udredning\"").nth(1).unwrap().split("</tr>").next().unwrap().to_string();
    let cells: Vec<&str> = row.split("<td>").skip(1).map(|c| c.split("</td>").next().unwrap()).collect();
    assert_eq!(cells.last().copied(), Some("1"), "the correction is not counted: {row}");
    // The second locale.
    let en = s
        .http
        .get(s.url(&format!("/praksis/{id}/rapport")))
        .header("cookie", &chef.cookie)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(en.contains("Result per point") && en.contains("Cases in all"), "no English report");
    let csv = s.get(&chef, &format!("/praksis/{id}/rapport?tabel=points&format=csv")).await.text().await.unwrap();
    assert!(csv.contains("Børnefaglig undersøgelse afsluttet inden for 4 måneder"), "{csv}");

    // Only managers.
    let leader = s.sign_in("teamleder").await;
    assert_eq!(s.get(&leader, &format!("/praksis/{id}")).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(s.post(&leader, "/praksis", &form).await.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn practice_audit_sqlite() {
    practice_audit(start(sqlite_db().await).await).await;
}

#[tokio::test]
async fn practice_audit_postgres() {
    practice_audit(start(pg_db().await).await).await;
}

// ---- national statistics (issue 8) --------------------------------------------------------------------------------

#[tokio::test]
async fn national_statistics_files_and_report() {
    use domain::stats::IndicatorFile;
    // The municipalities' files for two years, as `vaern stats export --all` writes them.
    let dir = tempfile::tempdir().unwrap();
    let pack = domain::rules::RulePack::default_pack();
    for (year, seed) in [(2024, 3), (2025, 4)] {
        let until = chrono::NaiveDate::from_ymd_opt(year + 1, 3, 31).unwrap();
        let events =
            domain::synth::generate(&domain::synth::SynthConfig { children: 1500, seed, until, ..Default::default() });
        for (m, ev) in domain::stats::split_by_municipality(&events) {
            let f = domain::stats::indicators(&ev, &pack, m, year, until).publish();
            std::fs::write(dir.path().join(format!("indikatorer-{m}-{year}.json")), f.to_json()).unwrap();
        }
    }
    let config = Config { national_dir: Some(dir.path().to_path_buf()), ..Config::default() };
    let s = start_with(sqlite_db().await, config).await;
    let analyst = s.sign_in("analytiker").await;
    let r = s.get(&analyst, "/landstal").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-security-policy"].to_str().unwrap().contains("style-src 'unsafe-inline'"));
    let html = r.text().await.unwrap();
    assert!(html.contains("landstal 2025"), "the newest year is the default");
    assert!(html.contains("aria-label=\"Tragtdiagram: Tilsynsbesøg to gange om året\""), "no funnel plot");
    assert!(html.contains("Året før"), "no comparison with 2024");
    let r = s.get(&analyst, "/landstal?aar=2025&format=pdf").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.bytes().await.unwrap().starts_with(b"%PDF"));
    let r = s.get(&analyst, "/landstal?aar=2025&format=xlsx").await;
    assert!(r.bytes().await.unwrap().starts_with(b"PK"));
    assert_eq!(s.get(&analyst, "/landstal?aar=2019").await.status(), StatusCode::BAD_REQUEST);
    let cw = s.sign_in("sagsbehandler").await;
    assert_eq!(s.get(&cw, "/landstal").await.status(), StatusCode::FORBIDDEN);

    // The municipality's own file: valid, disclosure-controlled, for the year asked.
    let chef = s.sign_in("chef").await;
    let year = web::web_util::today(Utc::now()).year() - 1;
    let r = s.get(&chef, &format!("/statistik/indikatorer?aar={year}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let f = IndicatorFile::parse(&r.text().await.unwrap()).expect("a valid indicator file");
    assert_eq!(f.municipality, s.store.municipality().to_string());
    assert_eq!(f.year, year);
    let csv = s.get(&chef, &format!("/statistik/indikatorer?aar={year}&format=csv")).await.text().await.unwrap();
    assert!(csv.starts_with("\u{feff}kommune;år;afsnit"), "{csv}");
    assert_eq!(s.get(&chef, "/statistik/indikatorer?aar=tyve").await.status(), StatusCode::BAD_REQUEST);
    // KL's questions answered from the same figures.
    let html = unescape(&s.get(&chef, &format!("/statistik/kl?aar={year}")).await.text().await.unwrap());
    assert!(html.contains("Bliver de lovpligtige tilsynsbesøg holdt (to om året)?"), "{html}");
    let answers = domain::stats::kl_survey(&f);
    assert!(html.contains(&answers[2].figures), "the page does not show the figures behind the answer");

    // Without a directory the page says how to set one up.
    let plain = start(sqlite_db().await).await;
    let a = plain.sign_in("analytiker").await;
    let html = plain.get(&a, "/landstal").await.text().await.unwrap();
    assert!(html.contains("VAERN_NATIONAL_DIR"), "{html}");
}
