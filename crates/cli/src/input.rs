//! Reading the command line's inputs (files or stdin) and its two kinds of failure.

use anyhow::Context;
use domain::rules::RulePack;
use domain::time::AsOf;
use std::io::Read;
use std::path::Path;

/// Why a command failed: bad input (exit 2) or anything else (exit 1).
pub enum Failure {
    BadInput(String),
    Other(anyhow::Error),
}

impl From<anyhow::Error> for Failure {
    fn from(e: anyhow::Error) -> Self {
        Failure::Other(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Other(e.into())
    }
}

pub type Result<T> = std::result::Result<T, Failure>;

/// Read a file, or stdin for `-`. A missing or unreadable file is bad input.
pub fn read_text(path: &Path) -> Result<String> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::BadInput(format!("kunne ikke læse fra stdin: {e}")))?;
    } else {
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::BadInput(format!("kunne ikke læse filen {}: {e}", path.display())))?;
        text = String::from_utf8(bytes).map_err(|e| {
            Failure::BadInput(format!(
                "filen {} er ikke gyldig UTF-8 (byte {})",
                path.display(),
                e.utf8_error().valid_up_to()
            ))
        })?;
    }
    Ok(text)
}

/// `--as-of`: `YYYY-MM-DD` (end of day) or RFC 3339.
pub fn parse_as_of(s: &str) -> Result<AsOf> {
    AsOf::parse(s).map_err(|e| Failure::BadInput(format!("--as-of: {e}")))
}

/// The default rule pack, with a municipality policy file applied if given.
pub fn rule_pack(policy: Option<&Path>) -> Result<RulePack> {
    let pack = RulePack::default_pack();
    match policy {
        None => Ok(pack),
        Some(p) => {
            let text = read_text(p)?;
            pack.with_policy(&text).map_err(|e| Failure::BadInput(format!("--policy {}: {e}", p.display())))
        }
    }
}

/// Write text to a file, or stdout for `-`.
pub fn write_text(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    if path.as_os_str() == "-" {
        let mut out = std::io::stdout().lock();
        out.write_all(text.as_bytes()).context("kunne ikke skrive til stdout")?;
        out.flush().context("kunne ikke skrive til stdout")?;
    } else {
        std::fs::write(path, text).with_context(|| format!("kunne ikke skrive {}", path.display()))?;
    }
    Ok(())
}
