//! Værn's domain: pure Rust, no I/O, no clock.
//!
//! Types (`Cpr`, `MunicipalityCode`), the journal event format (`event`), the Danish calendar (`calendar`),
//! and the legal deadline engine (`rules`) that turns a journal into obligations.

pub mod cpr;
pub mod municipality;
