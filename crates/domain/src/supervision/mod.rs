//! Placement sites and supervision: the site registry, foster-family training and supervision, personal
//! supervision visits, finances of residential homes, danger signals, and the figures of the council report.
//!
//! Pure functions over journal events; the store feeds them and the web app shows them.

pub mod report;
