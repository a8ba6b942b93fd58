//! Need-to-know at the door of every child: the facts are read from the store, the rule is `domain::access`, and
//! every allowed read is written to the audit log before the data leaves the server.

use crate::audit::Action;
use crate::auth::AuthUser;
use crate::error::AppError;
use crate::AppState;
use domain::access::{access, Access, CaseFacts};
use store::caseload::CaseState;

/// The facts of a case for need-to-know.
pub fn facts(case: &CaseState, granted: bool) -> CaseFacts<'_> {
    CaseFacts {
        caseworker: case.caseworker.as_deref(),
        team: case.team.as_deref(),
        placed: case.placement.is_some(),
        granted,
    }
}

/// Decide access to one case (looking up a break-the-glass grant only when it matters).
pub async fn decide(state: &AppState, user: &AuthUser, case: &CaseState) -> Result<(Access, Option<String>), AppError> {
    let a = access(user.viewer(), facts(case, false));
    if a != Access::NeedsReason {
        return Ok((a, None));
    }
    let now = chrono::Utc::now().timestamp();
    match state.store.active_grant(&user.username, &case.child, now).await? {
        Some(reason) => Ok((Access::Granted, Some(reason))),
        None => Ok((Access::NeedsReason, None)),
    }
}

/// Open a child's case for `action`: 404 for an unknown child, 403 for a role that never sees children, the
/// break-the-glass form when a reason is needed; otherwise the read is logged and the case returned.
pub async fn open_child(
    state: &AppState,
    user: &AuthUser,
    child: &str,
    action: Action,
    detail: &str,
) -> Result<(CaseState, Access), AppError> {
    if !user.may_read() {
        return Err(AppError::Forbidden("API-nøglen har ikke rettigheden read.".into()));
    }
    let case = state
        .store
        .case_state(child)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("Barnet \"{child}\" findes ikke i journalen.")))?;
    let a = admit(state, user, &case, action, detail).await?;
    Ok((case, a))
}

/// Decide need-to-know for a case already read, and log the read before anything of it is shown.
pub async fn admit(
    state: &AppState,
    user: &AuthUser,
    case: &CaseState,
    action: Action,
    detail: &str,
) -> Result<Access, AppError> {
    let (a, pending) = admit_pending(state, user, case, action, detail).await?;
    pending.committed().await?;
    Ok(a)
}

/// As [`admit`], but the audit line is only handed to the writer: the caller renders the page meanwhile and must
/// await the pending commit before answering.
pub async fn admit_pending(
    state: &AppState,
    user: &AuthUser,
    case: &CaseState,
    action: Action,
    detail: &str,
) -> Result<(Access, crate::audit::Pending), AppError> {
    if !user.may_read() {
        return Err(AppError::Forbidden("API-nøglen har ikke rettigheden read.".into()));
    }
    let child = case.child.as_str();
    let (a, reason) = decide(state, user, case).await?;
    match a {
        Access::Denied => Err(AppError::Forbidden(format!(
            "Rollen {} giver ikke adgang til børns sager.",
            user.role.label_da().to_lowercase()
        ))),
        Access::NeedsReason => Err(AppError::BreakGlass {
            child: child.to_string(),
            csrf: user.csrf.clone(),
            lang: user.lang,
            error: None,
            reason: String::new(),
        }),
        allowed => {
            let detail = format!("{detail} (grundlag: {})", allowed.basis());
            let line = crate::audit::line(user, action, Some(child), Some(detail), reason);
            Ok((allowed, state.audit.submit(vec![line]).await?))
        }
    }
}

/// Record a break-the-glass reason: the grant, and an audit line that the team leader sees.
pub async fn break_glass(state: &AppState, user: &AuthUser, child: &str, reason: &str) -> Result<(), AppError> {
    let reason = reason.trim();
    let err = |msg: &str| AppError::BreakGlass {
        child: child.to_string(),
        csrf: user.csrf.clone(),
        lang: user.lang,
        error: Some(msg.to_string()),
        reason: reason.to_string(),
    };
    if !user.role.handles_cases() {
        return Err(AppError::Forbidden(
            "Rollen giver ikke adgang til børns sager, heller ikke med begrundelse.".into(),
        ));
    }
    if reason.chars().count() < 10 {
        return Err(err("Begrundelse: skriv mindst 10 tegn om, hvorfor du skal se sagen."));
    }
    if reason.chars().count() > 1000 {
        return Err(err("Begrundelse: højst 1000 tegn."));
    }
    if state.store.case_state(child).await?.is_none() {
        return Err(AppError::NotFound(format!("Barnet \"{child}\" findes ikke i journalen.")));
    }
    let now = chrono::Utc::now().timestamp();
    let id = uuid::Uuid::now_v7().to_string();
    let until = now + state.config.break_glass_hours * 3600;
    state.store.grant_access(&id, &user.username, child, reason, now, until).await?;
    state
        .audit
        .log(
            user,
            Action::BreakGlass,
            Some(child),
            Some(format!("adgang i {} timer", state.config.break_glass_hours)),
            Some(reason.to_string()),
        )
        .await
}

/// Keep the cases `user` may see without a reason (for lists and search).
pub fn within_need_to_know<'a>(user: &AuthUser, cases: &'a [CaseState]) -> Vec<&'a CaseState> {
    cases.iter().filter(|c| access(user.viewer(), facts(c, false)).allowed()).collect()
}
