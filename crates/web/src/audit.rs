//! The audit log's writer. Every read and change of a child's data is logged before the answer leaves the server;
//! concurrent requests share one commit (group commit): a writer task takes every line waiting, writes them in one
//! transaction and then releases all their requests. Durable like one commit per line, at a fraction of the cost.

use crate::auth::AuthUser;
use crate::error::AppError;
use store::access::AuditEntry;
use store::Store;
use tokio::sync::{mpsc, oneshot};

type Job = (Vec<AuditEntry>, oneshot::Sender<Result<(), String>>);

/// Handle to the audit writer.
#[derive(Clone)]
pub struct Audit {
    tx: mpsc::Sender<Job>,
}

/// Audit lines on their way to the database.
#[must_use = "the answer may not leave before the audit lines are committed"]
pub struct Pending(Option<oneshot::Receiver<Result<(), String>>>);

impl Pending {
    /// Wait until the lines are committed.
    pub async fn committed(self) -> Result<(), AppError> {
        let Some(wait) = self.0 else { return Ok(()) };
        match wait.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(AppError::Internal(format!("auditlog: {e}"))),
            Err(_) => Err(AppError::Internal("auditloggen svarede ikke".into())),
        }
    }
}

/// What was done with a child's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    ViewChild,
    ViewCaseload,
    ViewList,
    SearchHit,
    Export,
    Record,
    BreakGlass,
    ApiRead,
    Login,
    LoginFailed,
    Logout,
    AdminChange,
    Review,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::ViewChild => "view_child",
            Action::ViewCaseload => "view_caseload",
            Action::ViewList => "view_list",
            Action::SearchHit => "search_hit",
            Action::Export => "export",
            Action::Record => "record",
            Action::BreakGlass => "break_glass",
            Action::ApiRead => "api_read",
            Action::Login => "login",
            Action::LoginFailed => "login_failed",
            Action::Logout => "logout",
            Action::AdminChange => "admin_change",
            Action::Review => "practice_review",
        }
    }

    /// Danish label for the audit pages.
    pub fn label_da(code: &str) -> &'static str {
        match code {
            "view_child" => "Så sagen",
            "view_caseload" => "Så sin sagsliste",
            "view_list" => "Så barnet i en liste",
            "search_hit" => "Fandt barnet ved søgning",
            "export" => "Eksporterede",
            "record" => "Registrerede i journalen",
            "break_glass" => "Brød glasset (adgang med begrundelse)",
            "api_read" => "Læste via API",
            "login" => "Loggede ind",
            "login_failed" => "Mislykket login",
            "logout" => "Loggede ud",
            "admin_change" => "Ændrede brugere/teams",
            "practice_review" => "Gennemgik sagen i en praksisundersøgelse",
            _ => "Anden handling",
        }
    }
}

impl Audit {
    /// Start the writer task.
    pub fn start(store: Store) -> Audit {
        let (tx, mut rx) = mpsc::channel::<Job>(8192);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut jobs = vec![first];
                while jobs.len() < 2000 {
                    match rx.try_recv() {
                        Ok(j) => jobs.push(j),
                        Err(_) => break,
                    }
                }
                let lines: Vec<AuditEntry> = jobs.iter().flat_map(|(l, _)| l.iter().cloned()).collect();
                let result = store.append_audit(&lines).await.map_err(|e| e.to_string());
                if let Err(e) = &result {
                    tracing::error!(error = %e, lines = lines.len(), "auditlog kunne ikke skrives");
                }
                for (_, done) in jobs {
                    let _ = done.send(result.clone());
                }
            }
        });
        Audit { tx }
    }

    /// Write lines and wait until they are committed. If the log cannot be written, the request fails: no read of
    /// a child's data goes unlogged.
    pub async fn write(&self, lines: Vec<AuditEntry>) -> Result<(), AppError> {
        self.submit(lines).await?.committed().await
    }

    /// Hand lines to the writer without waiting for the commit; the request must await [`Pending::committed`]
    /// before its answer leaves the server (so the page can be rendered while the log is written).
    pub async fn submit(&self, lines: Vec<AuditEntry>) -> Result<Pending, AppError> {
        if lines.is_empty() {
            return Ok(Pending(None));
        }
        let (done, wait) = oneshot::channel();
        self.tx.send((lines, done)).await.map_err(|_| AppError::Internal("auditloggen er lukket".into()))?;
        Ok(Pending(Some(wait)))
    }

    /// Log one action of `user` (about `child`, if any).
    pub async fn log(
        &self,
        user: &AuthUser,
        action: Action,
        child: Option<&str>,
        detail: Option<String>,
        reason: Option<String>,
    ) -> Result<(), AppError> {
        self.write(vec![line(user, action, child, detail, reason)]).await
    }

    /// Log one action about many children (a list, an export, search hits).
    pub async fn log_children<'a>(
        &self,
        user: &AuthUser,
        action: Action,
        children: impl IntoIterator<Item = &'a str>,
        detail: &str,
    ) -> Result<(), AppError> {
        let mut seen = std::collections::HashSet::new();
        let lines = children
            .into_iter()
            .filter(|c| seen.insert(*c))
            .map(|c| line(user, action, Some(c), Some(detail.to_string()), None))
            .collect();
        self.write(lines).await
    }
}

/// An audit line for `user` now.
pub fn line(
    user: &AuthUser,
    action: Action,
    child: Option<&str>,
    detail: Option<String>,
    reason: Option<String>,
) -> AuditEntry {
    AuditEntry {
        id: 0,
        at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        username: user.username.clone(),
        role: user.role.as_str().to_string(),
        team: user.team.clone(),
        action: action.as_str().to_string(),
        child: child.map(str::to_string),
        detail,
        reason,
    }
}
