//! The help card's `fmt` input: the texts that are not simply the data's own (the date in Danish).

use crate::format;
use domain::supervision::report::HelpCard;
use serde::Serialize;

#[derive(Serialize)]
pub struct View {
    title: String,
    printed: String,
}

pub fn view(c: &HelpCard) -> View {
    View { title: format!("Til {}", c.child_first_name), printed: format::date_long(&c.printed) }
}
