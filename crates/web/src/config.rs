//! Configuration: defaults, then a TOML file (`--config` or `VAERN_CONFIG`), then environment variables, then
//! command-line flags (applied by the caller).

use serde::Deserialize;
use std::net::SocketAddr;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// Everything an operator can set.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to listen on (`127.0.0.1:8080`; port 0 picks a free port).
    pub listen: SocketAddr,
    /// `sqlite://vaern.db` (default) or `postgres://…`.
    pub database_url: String,
    /// A session ends after this many minutes without a request.
    pub session_idle_minutes: i64,
    /// A session ends this many hours after sign-in, however active.
    pub session_absolute_hours: i64,
    /// Failed sign-ins in a row before the account is locked.
    pub lockout_after: i64,
    /// How long a locked account stays locked.
    pub lockout_minutes: i64,
    /// How long a break-the-glass grant lasts.
    pub break_glass_hours: i64,
    /// Seconds before a request is answered with 503.
    pub request_timeout_secs: u64,
    pub log_format: LogFormat,
    /// The phone number of the children and families department, printed on the child's help card.
    pub contact_phone: String,
    /// The department's e-mail (secure mail) address, printed on the help card.
    pub contact_email: String,
    /// Who to call out of hours in an acute situation (the municipality's socialvagt, or via the police).
    pub out_of_hours_phone: String,
    /// For the national analysts: a directory of the municipalities' indicator files (`vaern stats export`), shown
    /// as the national report at `/landstal`.
    pub national_dir: Option<std::path::PathBuf>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: "sqlite://vaern.db".into(),
            session_idle_minutes: 30,
            session_absolute_hours: 10,
            lockout_after: 5,
            lockout_minutes: 15,
            break_glass_hours: 8,
            request_timeout_secs: 30,
            log_format: LogFormat::Text,
            contact_phone: "Kommunens hovednummer".into(),
            contact_email: "Skriv sikkert via borger.dk".into(),
            // Outside office hours the police reach the municipality's socialvagt; set the socialvagt's own number.
            out_of_hours_phone: "114 (politiet)".into(),
            national_dir: None,
        }
    }
}

/// A configuration problem, in Danish, naming the setting.
#[derive(Debug, thiserror::Error)]
#[error("konfiguration: {0}")]
pub struct ConfigError(pub String);

impl Config {
    /// Defaults, overridden by the file (if given) and then by the environment.
    pub fn load(file: Option<&std::path::Path>) -> Result<Config, ConfigError> {
        let mut c = match file {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .map_err(|e| ConfigError(format!("kan ikke læse {}: {e}", p.display())))?;
                Config::from_toml(&text).map_err(|e| ConfigError(format!("{}: {}", p.display(), e.0)))?
            }
            None => Config::default(),
        };
        c.apply_env(|k| std::env::var(k).ok())?;
        Ok(c)
    }

    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError(e.message().to_string()))
    }

    /// Environment overrides: `VAERN_LISTEN`, `DATABASE_URL`, `VAERN_SESSION_IDLE_MINUTES`, …
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn num<T: std::str::FromStr>(key: &str, v: String) -> Result<T, ConfigError> {
            v.trim().parse().map_err(|_| ConfigError(format!("{key} skal være et tal (fik \"{v}\")")))
        }
        if let Some(v) = get("VAERN_LISTEN") {
            self.listen =
                v.parse().map_err(|_| ConfigError(format!("VAERN_LISTEN skal være adresse:port (fik \"{v}\")")))?;
        }
        if let Some(v) = get("DATABASE_URL") {
            self.database_url = v;
        }
        if let Some(v) = get("VAERN_SESSION_IDLE_MINUTES") {
            self.session_idle_minutes = num("VAERN_SESSION_IDLE_MINUTES", v)?;
        }
        if let Some(v) = get("VAERN_SESSION_ABSOLUTE_HOURS") {
            self.session_absolute_hours = num("VAERN_SESSION_ABSOLUTE_HOURS", v)?;
        }
        if let Some(v) = get("VAERN_LOCKOUT_AFTER") {
            self.lockout_after = num("VAERN_LOCKOUT_AFTER", v)?;
        }
        if let Some(v) = get("VAERN_LOCKOUT_MINUTES") {
            self.lockout_minutes = num("VAERN_LOCKOUT_MINUTES", v)?;
        }
        if let Some(v) = get("VAERN_CONTACT_PHONE") {
            self.contact_phone = v;
        }
        if let Some(v) = get("VAERN_CONTACT_EMAIL") {
            self.contact_email = v;
        }
        if let Some(v) = get("VAERN_NATIONAL_DIR") {
            self.national_dir = Some(v.into());
        }
        if let Some(v) = get("VAERN_OUT_OF_HOURS_PHONE") {
            self.out_of_hours_phone = v;
        }
        if let Some(v) = get("VAERN_LOG_FORMAT") {
            self.log_format = match v.as_str() {
                "json" => LogFormat::Json,
                "text" => LogFormat::Text,
                _ => return Err(ConfigError(format!("VAERN_LOG_FORMAT skal være text eller json (fik \"{v}\")"))),
            };
        }
        self.check()
    }

    fn check(&self) -> Result<(), ConfigError> {
        if self.session_idle_minutes < 1 || self.session_absolute_hours < 1 {
            return Err(ConfigError("sessionens levetid skal være mindst 1 minut/time".into()));
        }
        if self.lockout_after < 1 {
            return Err(ConfigError("lockout_after skal være mindst 1".into()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_then_environment() {
        let mut c = Config::from_toml("listen = \"0.0.0.0:9000\"\nsession_idle_minutes = 20\n").unwrap();
        assert_eq!(c.listen.port(), 9000);
        c.apply_env(|k| (k == "VAERN_SESSION_IDLE_MINUTES").then(|| "45".to_string())).unwrap();
        assert_eq!(c.session_idle_minutes, 45);
        assert_eq!(c.lockout_after, 5);
    }

    #[test]
    fn bad_settings_are_named() {
        let e = Config::from_toml("lisen = 1").unwrap_err();
        assert!(e.0.contains("lisen"), "{e}");
        let mut c = Config::default();
        let e = c.apply_env(|k| (k == "VAERN_LOCKOUT_AFTER").then(|| "fem".to_string())).unwrap_err();
        assert!(e.0.contains("VAERN_LOCKOUT_AFTER"), "{e}");
    }
}
