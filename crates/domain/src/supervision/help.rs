//! The child's own "Hvis du har brug for hjælp" card (KL's recommendation 7): who to call, and the rights the
//! child has at its age under the law in force.

use super::report::Right;

/// The law regime in force, as far as the child's rights go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RightsRegime {
    /// Serviceloven (until 31 Dec 2023): complaint rights from 12 (§ 167), party rights from 15 (§ 48 a).
    Serviceloven,
    /// Barnets lov (from 1 Jan 2024): the child is a party from 10 (§ 3), with complaint rights and access to
    /// documents; every child may ask for a conversation and bring a bisidder (§ 5).
    BarnetsLov,
}

impl RightsRegime {
    /// The regime id of the rule pack (`SEL`, `BL`).
    pub fn from_pack_id(id: &str) -> RightsRegime {
        if id == "SEL" {
            RightsRegime::Serviceloven
        } else {
            RightsRegime::BarnetsLov
        }
    }
}

/// The age at which the child may complain about decisions itself.
pub fn complaint_age(r: RightsRegime) -> u32 {
    match r {
        RightsRegime::Serviceloven => 12,
        RightsRegime::BarnetsLov => 10,
    }
}

/// The age at which the child is a party to its own case.
pub fn party_age(r: RightsRegime) -> u32 {
    match r {
        RightsRegime::Serviceloven => 15,
        RightsRegime::BarnetsLov => 10,
    }
}

/// The rights paragraphs for a child of `age`, in child-friendly Danish.
pub fn rights(age: u32, regime: RightsRegime) -> Vec<Right> {
    let r = |heading: &str, text: &str| Right { heading: heading.to_string(), text: text.to_string() };
    let mut out = vec![
        r(
            "Du må altid sige, hvad du mener",
            "Din sagsbehandler skal tale med dig, før der bliver besluttet noget om dig. Du må gerne sige til og fra, \
             og du må gerne ringe og bede om en samtale.",
        ),
        r(
            "Du må have en voksen med",
            "Når du skal tale med kommunen, må du tage en voksen med, som du er tryg ved. Det kaldes en bisidder.",
        ),
        r(
            "Du må tale alene med os",
            "Når vi kommer på besøg, kan du altid få lov at tale med os, uden at dine plejeforældre eller \
             personalet er med.",
        ),
    ];
    if age >= complaint_age(regime) {
        out.push(r(
            "Du kan klage",
            "Hvis du er uenig i en afgørelse om dig, kan du selv klage. Du har 4 uger til at klage, og din \
             sagsbehandler skal hjælpe dig med det.",
        ));
    }
    if age >= party_age(regime) {
        out.push(r(
            "Det er din sag",
            "Du er part i din egen sag. Du må se de papirer, kommunen har om dig, og du skal høres, før der \
             bliver truffet afgørelser.",
        ));
    }
    out.push(r(
        "Hvis nogen gør dig fortræd",
        "Ingen må slå dig, true dig eller gøre dig ked af det med vilje. Sig det til en voksen, du stoler på, \
         eller ring til os. Det er aldrig din skyld.",
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headings(age: u32, r: RightsRegime) -> Vec<String> {
        rights(age, r).into_iter().map(|x| x.heading).collect()
    }

    /// Serviceloven § 167 (complaints from 12) and § 48 a (party from 15).
    #[test]
    fn serviceloven_ages() {
        assert!(!headings(11, RightsRegime::Serviceloven).contains(&"Du kan klage".to_string()));
        assert!(headings(12, RightsRegime::Serviceloven).contains(&"Du kan klage".to_string()));
        assert!(!headings(14, RightsRegime::Serviceloven).contains(&"Det er din sag".to_string()));
        assert!(headings(15, RightsRegime::Serviceloven).contains(&"Det er din sag".to_string()));
    }

    /// Barnets lov § 3: party rights, and with them complaint rights, from 10.
    #[test]
    fn barnets_lov_ages() {
        assert_eq!(headings(9, RightsRegime::BarnetsLov).len(), 4);
        let ten = headings(10, RightsRegime::BarnetsLov);
        assert!(ten.contains(&"Du kan klage".to_string()) && ten.contains(&"Det er din sag".to_string()));
        assert!(rights(17, RightsRegime::BarnetsLov).len() <= 6, "the card has room for six");
    }
}
