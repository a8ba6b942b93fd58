//! The legal rules: rule packs (law regimes and municipality policies, as data) and the engine that applies them.

pub mod engine;
pub mod pack;

pub use engine::{for_each_chunk, obligations};
pub use pack::{id, PackError, PolicyRule, Regime, RulePack};
