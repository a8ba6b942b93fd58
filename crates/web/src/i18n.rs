//! The user interface's words: Danish first, English as the second locale. The language comes from the `lang`
//! cookie (set by the switch in the page header), else from `Accept-Language`, else Danish.

/// A user-interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Da,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::En => "en",
        }
    }

    /// The other language (for the switch in the header).
    pub fn other(self) -> Lang {
        match self {
            Lang::Da => Lang::En,
            Lang::En => Lang::Da,
        }
    }

    /// The Danish or the English text.
    pub fn pick<'a>(self, da: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::Da => da,
            Lang::En => en,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Lang::Da => "Dansk",
            Lang::En => "English",
        }
    }

    /// From a `lang` cookie value or an `Accept-Language` header.
    pub fn negotiate(cookie: Option<&str>, accept: Option<&str>) -> Lang {
        match cookie {
            Some("en") => return Lang::En,
            Some("da") => return Lang::Da,
            _ => {}
        }
        let Some(accept) = accept else { return Lang::Da };
        for part in accept.split(',') {
            let tag = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if tag.starts_with("da") || tag.starts_with("nb") || tag.starts_with("nn") || tag.starts_with("sv") {
                return Lang::Da;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Da
    }

    /// The text of a key; an unknown key shows itself (and a test checks that every key used is known).
    pub fn t(&self, key: &str) -> &'static str {
        match lookup(key) {
            Some((da, en)) => match self {
                Lang::Da => da,
                Lang::En => en,
            },
            None => "??",
        }
    }
}

/// Every key: (Danish, English).
pub const CATALOG: &[(&str, &str, &str)] = &[
    ("app_tagline", "Overblik over børnesager og lovens frister", "Overview of child-welfare cases and legal deadlines"),
    ("skip", "Spring til indhold", "Skip to content"),
    ("nav_main", "Hovedmenu", "Main menu"),
    ("nav_my", "Mine børn", "My children"),
    ("nav_search", "Søg", "Search"),
    ("nav_team", "Team", "Team"),
    ("nav_municipality", "Kommunen", "Municipality"),
    ("nav_lists", "Lister", "Lists"),
    ("nav_audit", "Logning", "Audit log"),
    ("nav_admin_users", "Brugere", "Users"),
    ("nav_admin_teams", "Teams", "Teams"),
    ("nav_profile", "Profil og API", "Profile and API"),
    ("nav_api", "API-dokumentation", "API reference"),
    ("nav_sites", "Anbringelsessteder", "Placement sites"),
    ("nav_methods", "Vidensbank", "Knowledge bank"),
    ("nav_viso", "VISO", "VISO"),
    ("nav_effect", "Effekt og økonomi", "Effect and economy"),
    ("nav_national", "Landstal", "National figures"),
    ("nav_practice", "Praksisundersøgelse", "Practice audit"),
    ("show", "Vis", "Show"),
    ("nav_supervision", "Mit tilsyn", "My supervision"),
    ("nav_signals", "Faresignaler", "Danger signals"),
    ("nav_report", "Tilsynsrapport", "Supervision report"),
    ("supervision_title", "Mit tilsyn", "My supervision"),
    ("supervision_intro", "Dine plejefamilier og anbringelsessteder: tilsynsbesøg hos de anbragte børn (mindst to om året, med en samtale med barnet uden plejeforældre eller personale), planlagte besøg, supervision og uddannelse, og faresignaler der venter på en reaktion.", "Your foster families and sites: supervision visits to the placed children (at least two a year, talking with the child without carers), planned visits, supervision and training, and danger signals awaiting a reaction."),
    ("consultant", "Familieplejekonsulent", "Foster-care consultant"),
    ("plan_visit", "Planlæg tilsynsbesøg", "Plan a supervision visit"),
    ("planned_for", "Dato for besøget", "Date of the visit"),
    ("assign", "Tildel", "Assign"),
    ("help_card", "Hjælpekort til barnet (PDF)", "The child's help card (PDF)"),
    ("report_title", "Tilsynsrapport til kommunalbestyrelsen", "Supervision report to the city council"),
    ("nav_stats", "Statistik", "Statistics"),
    ("logout", "Log ud", "Sign out"),
    ("login_title", "Log ind", "Sign in"),
    ("username", "Brugernavn", "Username"),
    ("password", "Adgangskode", "Password"),
    ("login_button", "Log ind", "Sign in"),
    ("login_failed", "Forkert brugernavn eller adgangskode.", "Wrong username or password."),
    ("login_locked", "Kontoen er midlertidigt låst efter for mange forkerte forsøg. Prøv igen senere, eller kontakt en administrator.", "The account is locked for a while after too many failed attempts. Try again later or contact an administrator."),
    ("session_ended", "Din session er udløbet. Log ind igen — intet af det gemte er tabt.", "Your session has expired. Sign in again — nothing saved is lost."),
    ("my_title", "Mine børn", "My children"),
    ("my_intro", "Det, loven kræver af dig nu: overskredne frister først, derefter denne og næste uges.", "What the law requires of you now: overdue deadlines first, then this week's and next week's."),
    ("overdue", "Overskredet", "Overdue"),
    ("this_week", "Denne uge", "This week"),
    ("next_week", "Næste uge", "Next week"),
    ("later", "Senere (30 dage)", "Later (30 days)"),
    ("nothing", "Intet her.", "Nothing here."),
    ("child", "Barn", "Child"),
    ("rule", "Pligt", "Obligation"),
    ("law", "Lovgrundlag", "Legal basis"),
    ("due", "Frist", "Deadline"),
    ("status", "Status", "Status"),
    ("action", "Handling", "Action"),
    ("subject", "Vedrører", "Concerns"),
    ("my_cases", "Mine sager", "My cases"),
    ("age", "Alder", "Age"),
    ("placement", "Anbringelse", "Placement"),
    ("not_placed", "Ikke anbragt", "Not placed"),
    ("caseworker", "Sagsbehandler", "Caseworker"),
    ("team", "Team", "Team"),
    ("export_csv", "Hent CSV", "Download CSV"),
    ("export_xlsx", "Hent Excel", "Download Excel"),
    ("timeline", "Tidslinje", "Timeline"),
    ("obligations", "Pligter og frister", "Obligations and deadlines"),
    ("current", "Nu", "Now"),
    ("interventions", "Indsatser", "Interventions"),
    ("goals", "Mål", "Goals"),
    ("record", "Registrér", "Record"),
    ("new_event", "Ny hændelse", "New event"),
    ("save", "Gem i journalen", "Save to the journal"),
    ("cancel", "Annullér", "Cancel"),
    ("saved", "Hændelsen er gemt i journalen.", "The event is saved in the journal."),
    ("who_has_seen", "Hvem har set sagen", "Who has seen the case"),
    ("break_glass_title", "Adgang kræver en begrundelse", "Access requires a reason"),
    ("break_glass_intro", "Barnet hører ikke til dine eller dit teams sager. Du kan få adgang ved at skrive en begrundelse. Begrundelsen logges og vises for din teamleder.", "The child is not one of your or your team's cases. You can get access by stating a reason. The reason is logged and shown to your team leader."),
    ("reason", "Begrundelse", "Reason"),
    ("open_case", "Åbn sagen", "Open the case"),
    ("search_title", "Søg efter barn", "Find a child"),
    ("search_label", "Navn, CPR-nummer eller reference", "Name, CPR number or reference"),
    ("search_button", "Søg", "Search"),
    ("search_hint", "Du ser kun børn, du har adgang til; andre kan åbnes med begrundelse.", "You only see children you have access to; others can be opened with a reason."),
    ("no_hits", "Ingen resultater.", "No results."),
    ("team_title", "Teamets overblik", "Team overview"),
    ("municipality_title", "Kommunens overblik", "Municipality overview"),
    ("compliance", "Overholdelse pr. pligt", "Compliance per obligation"),
    ("compliance_over_time", "Overholdelse over tid (efter fristens måned)", "Compliance over time (by month of deadline)"),
    ("met_on_time", "Rettidigt", "On time"),
    ("late", "For sent", "Late"),
    ("open_due", "Åben", "Open"),
    ("share_on_time", "Andel rettidigt", "Share on time"),
    ("workload", "Arbejdsbyrde pr. sagsbehandler", "Workload per caseworker"),
    ("children", "Børn", "Children"),
    ("placed", "Anbragte", "Placed"),
    ("list_title", "Liste over pligter", "List of obligations"),
    ("filter", "Filtrér", "Filter"),
    ("all", "Alle", "All"),
    ("audit_title", "Logning af adgang til børns data", "Audit log of access to children's data"),
    ("when", "Hvornår", "When"),
    ("who", "Hvem", "Who"),
    ("what", "Hvad", "What"),
    ("why", "Hvorfor", "Why"),
    ("users_title", "Brugere", "Users"),
    ("teams_title", "Teams", "Teams"),
    ("role", "Rolle", "Role"),
    ("name", "Navn", "Name"),
    ("active", "Aktiv", "Active"),
    ("create", "Opret", "Create"),
    ("update", "Gem ændringer", "Save changes"),
    ("new_password", "Ny adgangskode", "New password"),
    ("profile_title", "Profil og API-nøgler", "Profile and API tokens"),
    ("tokens", "API-nøgler", "API tokens"),
    ("scopes", "Rettigheder", "Scopes"),
    ("revoke", "Tilbagekald", "Revoke"),
    ("token_created", "Ny API-nøgle — kopiér den nu, den vises kun én gang:", "New API token — copy it now, it is shown only once:"),
    ("change_password", "Skift adgangskode", "Change password"),
    ("current_password", "Nuværende adgangskode", "Current password"),
    ("forbidden", "Ingen adgang", "Access denied"),
    ("not_found", "Findes ikke", "Not found"),
    ("error", "Der skete en fejl", "Something went wrong"),
    ("stats_title", "Statistik (kun samlede tal)", "Statistics (aggregates only)"),
    ("sites_title", "Anbringelsessteder", "Placement sites"),
    ("fix_errors", "Formularen er ikke gemt. Ret felterne markeret herunder.", "The form was not saved. Correct the fields marked below."),
    ("print", "Udskriv", "Print"),
    ("language", "Sprog", "Language"),
    ("case_closed", "Sagen er lukket", "The case is closed"),
    ("born", "Født", "Born"),
    ("events", "hændelser", "events"),
    ("sites_intro", "Plejefamilier og anbringelsessteder med godkendelse, tilsyn og deres åbne pligter.", "Foster families and residential homes with approval, supervision and their open obligations."),
    ("team_intro", "Hvor overholdes loven, hvor er der overskredne frister, og hvem har brug for hjælp? Klik på et tal for at se børnene.", "Where is the law kept, where are deadlines overdue, and who needs help? Click a number to see the children."),
    ("municipality_intro", "Kommunens overholdelse af lovens frister, pr. pligt, pr. team og pr. sagsbehandler. Klik på et tal for at se børnene.", "The municipality's compliance with legal deadlines, per obligation, team and caseworker. Click a number to see the children."),
    ("stats_intro", "Samlede tal uden personoplysninger. Celler med færre end 5 er undertrykt.", "Aggregates without personal data. Cells below 5 are suppressed."),
    ("audit_intro", "Hvem har set, søgt, eksporteret eller ændret børns data — og brud på glasset med begrundelse. Loggen kan ikke ændres.", "Who has viewed, searched, exported or changed children's data — and broken the glass, with the reason. The log cannot be changed."),
    ("insight_intro", "Alle, der har set, søgt, eksporteret eller ændret barnets data (GDPR art. 15). Nyeste først.", "Everyone who has viewed, searched, exported or changed the child's data (GDPR art. 15). Newest first."),
    ("site_forms", "Registrér for et sted", "Record for a site"),
    ("results_for", "Resultater for", "Results for"),
    ("per_team", "Pr. team", "Per team"),
];

fn lookup(key: &str) -> Option<(&'static str, &'static str)> {
    CATALOG.iter().find(|(k, _, _)| *k == key).map(|(_, da, en)| (*da, *en))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiation_prefers_the_cookie_then_the_header() {
        assert_eq!(Lang::negotiate(Some("en"), Some("da")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("en-GB,en;q=0.9")), Lang::En);
        assert_eq!(Lang::negotiate(None, Some("da-DK,en;q=0.5")), Lang::Da);
        assert_eq!(Lang::negotiate(None, None), Lang::Da);
    }

    #[test]
    fn every_key_used_in_a_template_is_in_the_catalogue() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            for part in text.split(".t(\"").skip(1) {
                let key = part.split('"').next().unwrap();
                if lookup(key).is_none() {
                    missing.push(format!("{}: {key}", path.display()));
                }
            }
        }
        assert!(missing.is_empty(), "keys missing from the catalogue: {missing:?}");
        let mut keys: Vec<&str> = CATALOG.iter().map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(n, keys.len(), "a key is in the catalogue twice");
    }
}
