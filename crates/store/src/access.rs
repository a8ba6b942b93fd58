//! Users, teams, sessions, API tokens, break-the-glass grants and the append-only audit log.
//!
//! Secrets are never stored: sessions and API tokens are kept as the SHA-256 of their random value, passwords as
//! argon2id hashes made by the web layer.

use crate::{col, values_list, Store, StoreError};
use sqlx::any::AnyRow;

/// A team (work routes to teams, not only to people who may leave).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub id: String,
    pub name: String,
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub username: String,
    pub full_name: String,
    pub role: String,
    pub team: Option<String>,
    pub password_hash: Option<String>,
    pub active: bool,
    pub failed_logins: i64,
    pub locked_until: Option<String>,
}

/// A session as stored (the token itself is only in the user's cookie).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub username: String,
    pub csrf: String,
    pub created_at: i64,
    pub last_seen: i64,
}

/// An API token as listed (never the secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: String,
    pub username: String,
    pub name: String,
    pub scopes: String,
    pub created_at: String,
    pub expires_at: Option<String>,
    pub revoked_at: Option<String>,
    pub last_used: Option<String>,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditEntry {
    pub id: i64,
    pub at: String,
    pub username: String,
    pub role: String,
    pub team: Option<String>,
    pub action: String,
    pub child: Option<String>,
    pub detail: Option<String>,
    pub reason: Option<String>,
}

/// Which audit lines to list.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Lines of users of this team, or about children of this team's cases.
    pub team: Option<String>,
    pub child: Option<String>,
    pub username: Option<String>,
    pub action: Option<String>,
    /// Lines with an id below this (paging backwards from the newest).
    pub before: Option<i64>,
    pub limit: i64,
}

const TOKEN_COLS: &str = "id, username, name, scopes, created_at, expires_at, revoked_at, last_used";

const USER_COLS: &str = "username, full_name, role, team, password_hash, active, failed_logins, locked_until";

fn user_from(r: &AnyRow) -> Result<User, StoreError> {
    Ok(User {
        username: col(r, "username")?,
        full_name: col(r, "full_name")?,
        role: col(r, "role")?,
        team: col(r, "team")?,
        password_hash: col(r, "password_hash")?,
        active: col::<i64>(r, "active")? != 0,
        failed_logins: col(r, "failed_logins")?,
        locked_until: col(r, "locked_until")?,
    })
}

fn audit_from(r: &AnyRow) -> Result<AuditEntry, StoreError> {
    Ok(AuditEntry {
        id: col(r, "id")?,
        at: col(r, "at")?,
        username: col(r, "username")?,
        role: col(r, "role")?,
        team: col(r, "team")?,
        action: col(r, "action")?,
        child: col(r, "child")?,
        detail: col(r, "detail")?,
        reason: col(r, "reason")?,
    })
}

impl Store {
    // ---- teams ------------------------------------------------------------------------------------------------

    pub async fn create_team(&self, id: &str, name: &str, now: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO team (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id)
            .bind(name)
            .bind(now)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn rename_team(&self, id: &str, name: &str) -> Result<bool, StoreError> {
        let r = sqlx::query("UPDATE team SET name = $1 WHERE id = $2").bind(name).bind(id).execute(self.pool()).await?;
        Ok(r.rows_affected() == 1)
    }

    pub async fn teams(&self) -> Result<Vec<Team>, StoreError> {
        let rows = sqlx::query("SELECT id, name FROM team ORDER BY name").fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok(Team { id: col(r, "id")?, name: col(r, "name")? })).collect()
    }

    // ---- users ------------------------------------------------------------------------------------------------

    pub async fn create_user(&self, u: &User, now: &str) -> Result<(), StoreError> {
        self.create_users(std::slice::from_ref(u), now).await
    }

    /// Create many users in one transaction (demo data).
    pub async fn create_users(&self, users: &[User], now: &str) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        for chunk in users.chunks(100) {
            let sql = format!(
                "INSERT INTO app_user (username, full_name, role, team, password_hash, active, failed_logins, \
                 created_at, updated_at) VALUES {}",
                values_list(self.backend(), chunk.len(), 9)
            );
            let mut q = sqlx::query(&sql);
            for u in chunk {
                q = q
                    .bind(&u.username)
                    .bind(&u.full_name)
                    .bind(&u.role)
                    .bind(&u.team)
                    .bind(&u.password_hash)
                    .bind(u.active as i64)
                    .bind(0i64)
                    .bind(now)
                    .bind(now);
            }
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn user(&self, username: &str) -> Result<Option<User>, StoreError> {
        let row = sqlx::query(&format!("SELECT {USER_COLS} FROM app_user WHERE username = $1"))
            .bind(username)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(user_from).transpose()
    }

    pub async fn users(&self) -> Result<Vec<User>, StoreError> {
        let rows =
            sqlx::query(&format!("SELECT {USER_COLS} FROM app_user ORDER BY username")).fetch_all(self.pool()).await?;
        rows.iter().map(user_from).collect()
    }

    pub async fn team_members(&self, team: &str) -> Result<Vec<User>, StoreError> {
        let rows = sqlx::query(&format!("SELECT {USER_COLS} FROM app_user WHERE team = $1 ORDER BY full_name"))
            .bind(team)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(user_from).collect()
    }

    /// Change a user's name, role, team and whether the account is active.
    pub async fn update_user(
        &self,
        username: &str,
        full_name: &str,
        role: &str,
        team: Option<&str>,
        active: bool,
        now: &str,
    ) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE app_user SET full_name = $1, role = $2, team = $3, active = $4, updated_at = $5 WHERE username = $6",
        )
        .bind(full_name)
        .bind(role)
        .bind(team)
        .bind(active as i64)
        .bind(now)
        .bind(username)
        .execute(self.pool())
        .await?;
        if !active {
            self.delete_sessions_of(username).await?;
        }
        Ok(r.rows_affected() == 1)
    }

    /// Set a new password hash, unlock the account and end its sessions.
    pub async fn set_password(&self, username: &str, hash: &str, now: &str) -> Result<bool, StoreError> {
        let r = sqlx::query(
            "UPDATE app_user SET password_hash = $1, failed_logins = 0, locked_until = NULL, updated_at = $2 \
             WHERE username = $3",
        )
        .bind(hash)
        .bind(now)
        .bind(username)
        .execute(self.pool())
        .await?;
        self.delete_sessions_of(username).await?;
        Ok(r.rows_affected() == 1)
    }

    /// Count a failed sign-in; after `max` in a row the account is locked until `lock_until`. Returns the count.
    pub async fn record_failed_login(&self, username: &str, max: i64, lock_until: &str) -> Result<i64, StoreError> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE app_user SET failed_logins = failed_logins + 1 WHERE username = $1")
            .bind(username)
            .execute(&mut *tx)
            .await?;
        let n = match sqlx::query("SELECT failed_logins FROM app_user WHERE username = $1")
            .bind(username)
            .fetch_optional(&mut *tx)
            .await?
        {
            Some(r) => col::<i64>(&r, "failed_logins")?,
            None => 0,
        };
        if n >= max {
            sqlx::query("UPDATE app_user SET locked_until = $1, failed_logins = 0 WHERE username = $2")
                .bind(lock_until)
                .bind(username)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    pub async fn reset_failed_logins(&self, username: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE app_user SET failed_logins = 0, locked_until = NULL WHERE username = $1")
            .bind(username)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    // ---- sessions ---------------------------------------------------------------------------------------------

    pub async fn create_session(
        &self,
        token_hash: &str,
        username: &str,
        csrf: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO app_session (token_hash, username, csrf, created_at, last_seen) VALUES ($1, $2, $3, $4, $4)",
        )
        .bind(token_hash)
        .bind(username)
        .bind(csrf)
        .bind(now)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        let row = sqlx::query("SELECT username, csrf, created_at, last_seen FROM app_session WHERE token_hash = $1")
            .bind(token_hash)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| {
            Ok(Session {
                username: col(&r, "username")?,
                csrf: col(&r, "csrf")?,
                created_at: col(&r, "created_at")?,
                last_seen: col(&r, "last_seen")?,
            })
        })
        .transpose()
    }

    pub async fn touch_session(&self, token_hash: &str, now: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE app_session SET last_seen = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM app_session WHERE token_hash = $1").bind(token_hash).execute(self.pool()).await?;
        Ok(())
    }

    pub async fn delete_sessions_of(&self, username: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM app_session WHERE username = $1").bind(username).execute(self.pool()).await?;
        Ok(())
    }

    /// Remove sessions idle since `idle_before` or created before `created_before`.
    pub async fn purge_sessions(&self, idle_before: i64, created_before: i64) -> Result<u64, StoreError> {
        let r = sqlx::query("DELETE FROM app_session WHERE last_seen < $1 OR created_at < $2")
            .bind(idle_before)
            .bind(created_before)
            .execute(self.pool())
            .await?;
        Ok(r.rows_affected())
    }

    // ---- API tokens -------------------------------------------------------------------------------------------

    #[allow(clippy::too_many_arguments)]
    pub async fn create_api_token(
        &self,
        id: &str,
        token_hash: &str,
        username: &str,
        name: &str,
        scopes: &str,
        now: &str,
        expires_at: Option<&str>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO api_token (id, token_hash, username, name, scopes, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id)
        .bind(token_hash)
        .bind(username)
        .bind(name)
        .bind(scopes)
        .bind(now)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    pub async fn api_tokens_of(&self, username: &str) -> Result<Vec<ApiToken>, StoreError> {
        let rows =
            sqlx::query(&format!("SELECT {TOKEN_COLS} FROM api_token WHERE username = $1 ORDER BY created_at DESC"))
                .bind(username)
                .fetch_all(self.pool())
                .await?;
        rows.iter().map(token_from).collect()
    }

    /// The token with this hash, if it is neither revoked nor expired at `now` (RFC 3339).
    pub async fn api_token_by_hash(&self, token_hash: &str, now: &str) -> Result<Option<ApiToken>, StoreError> {
        let row = sqlx::query(&format!(
            "SELECT {TOKEN_COLS} FROM api_token \
                 WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)"
        ))
        .bind(token_hash)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(token_from).transpose()
    }

    pub async fn touch_api_token(&self, id: &str, now: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE api_token SET last_used = $1 WHERE id = $2")
            .bind(now)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    pub async fn revoke_api_token(&self, id: &str, username: &str, now: &str) -> Result<bool, StoreError> {
        let r =
            sqlx::query("UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND username = $3 AND revoked_at IS NULL")
                .bind(now)
                .bind(id)
                .bind(username)
                .execute(self.pool())
                .await?;
        Ok(r.rows_affected() == 1)
    }

    // ---- break the glass --------------------------------------------------------------------------------------

    pub async fn grant_access(
        &self,
        id: &str,
        username: &str,
        child: &str,
        reason: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO access_grant (id, username, child, reason, granted_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(username)
        .bind(child)
        .bind(reason)
        .bind(now)
        .bind(expires_at)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// The reason of an unexpired grant of `username` for `child`.
    pub async fn active_grant(&self, username: &str, child: &str, now: i64) -> Result<Option<String>, StoreError> {
        let row = sqlx::query(
            "SELECT reason FROM access_grant WHERE username = $1 AND child = $2 AND expires_at > $3 \
             ORDER BY granted_at DESC LIMIT 1",
        )
        .bind(username)
        .bind(child)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| col(&r, "reason")).transpose()
    }

    // ---- audit log --------------------------------------------------------------------------------------------

    /// Append audit lines in one transaction (the web layer batches concurrent requests into one commit). The
    /// lines travel as one JSON parameter that the database unpacks (one bind instead of eight per line).
    pub async fn append_audit(&self, entries: &[AuditEntry]) -> Result<(), StoreError> {
        if entries.is_empty() {
            return Ok(());
        }
        let sql = match self.backend() {
            crate::Backend::Sqlite => {
                "INSERT INTO audit_log (at, username, role, team, action, child, detail, reason) \
                 SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4, value ->> 5, value ->> 6, \
                 value ->> 7 FROM json_each($1) ORDER BY key"
            }
            crate::Backend::Postgres => {
                "INSERT INTO audit_log (at, username, role, team, action, child, detail, reason) \
                 SELECT e ->> 0, e ->> 1, e ->> 2, e ->> 3, e ->> 4, e ->> 5, e ->> 6, e ->> 7 \
                 FROM json_array_elements(CAST($1 AS TEXT)::json) WITH ORDINALITY AS t(e, n) ORDER BY n"
            }
        };
        let mut tx = self.pool().begin().await?;
        for chunk in entries.chunks(2000) {
            let rows: Vec<[Option<&str>; 8]> = chunk
                .iter()
                .map(|e| {
                    [
                        Some(e.at.as_str()),
                        Some(e.username.as_str()),
                        Some(e.role.as_str()),
                        e.team.as_deref(),
                        Some(e.action.as_str()),
                        e.child.as_deref(),
                        e.detail.as_deref(),
                        e.reason.as_deref(),
                    ]
                })
                .collect();
            let doc = serde_json::to_string(&rows).map_err(|e| StoreError::Input(e.to_string()))?;
            sqlx::query(sql).bind(doc).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Audit lines, newest first.
    pub async fn audit(&self, f: &AuditFilter) -> Result<Vec<AuditEntry>, StoreError> {
        let mut sql = String::from(
            "SELECT l.id, l.at, l.username, l.role, l.team, l.action, l.child, l.detail, l.reason FROM audit_log l",
        );
        let mut conds: Vec<String> = Vec::new();
        let mut binds: Vec<String> = Vec::new();
        let mut n = 0;
        let mut next = |binds: &mut Vec<String>, v: &str| {
            n += 1;
            binds.push(v.to_string());
            format!("${n}")
        };
        if let Some(t) = &f.team {
            let p = next(&mut binds, t);
            let q = next(&mut binds, t);
            conds.push(format!("(l.team = {p} OR l.child IN (SELECT child FROM case_assignment WHERE team = {q}))"));
        }
        if let Some(c) = &f.child {
            let p = next(&mut binds, c);
            conds.push(format!("l.child = {p}"));
        }
        if let Some(u) = &f.username {
            let p = next(&mut binds, u);
            conds.push(format!("l.username = {p}"));
        }
        if let Some(a) = &f.action {
            let p = next(&mut binds, a);
            conds.push(format!("l.action = {p}"));
        }
        if let Some(b) = f.before {
            conds.push(format!("l.id < {b}"));
        }
        if !conds.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conds.join(" AND "));
        }
        sql.push_str(&format!(" ORDER BY l.id DESC LIMIT {}", f.limit.clamp(1, 10_000)));
        let mut q = sqlx::query(&sql);
        for b in &binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(self.pool()).await?;
        rows.iter().map(audit_from).collect()
    }
}

fn token_from(r: &AnyRow) -> Result<ApiToken, StoreError> {
    Ok(ApiToken {
        id: col(r, "id")?,
        username: col(r, "username")?,
        name: col(r, "name")?,
        scopes: col(r, "scopes")?,
        created_at: col(r, "created_at")?,
        expires_at: col(r, "expires_at")?,
        revoked_at: col(r, "revoked_at")?,
        last_used: col(r, "last_used")?,
    })
}
