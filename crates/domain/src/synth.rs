//! Synthetic journal generator (`vaern demo`, `vaern bench`): a realistic journal of children at risk — their
//! notifications, investigations, child conversations, plans, preventive interventions, placements and supervision
//! visits — and of the placement sites (foster families, residential homes, institutions) with their approvals,
//! training, supervision, finances and danger signals.
//!
//! The journal holds only the children known to the child-welfare services (the population at risk), not all
//! children: about 17 % of them are placed at some time, several times more receive preventive measures, and the
//! rest are notified only. Figures are calibrated to `../shared/data/statistics.md`; compliance is deliberately
//! imperfect and varies between municipalities and sites, so the engine finds obligations of every rule and every
//! status (met, late, due, overdue) in a journal of a couple of thousand children.
//!
//! Pure and deterministic: no I/O, no clock. The same [`SynthConfig`] always yields the same events. Each child's
//! events derive only from (seed, child index) and the shared site pool (itself derived from the seed), and each
//! site's events only from (seed, site index), so both are generated in parallel without changing the output. The
//! Værn extension fields (places and target group of an approval, the conclusion of an operational supervision, a
//! danger signal's source and severity, the shape of a residential home's accounts) come from dice of their own,
//! seeded from the object's id, so they never shift the draws the calibration rests on.

use crate::calendar::{add_months, add_working_days, is_working_day};
use crate::cpr::{Cpr, Gender};
use crate::event::format_ref;
use crate::event::{
    AssessmentOutcome, Body, ConversationPurpose, EndReason, Event, Goal, GoalProgress, GoalTheme, PlacementType, Ref,
    Severity, SignalSource,
};
use crate::municipality::{MunicipalityCode, Region};
use crate::time::{at_local, At};
use chrono::{Datelike, Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// What to generate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SynthConfig {
    /// Number of children in the journal (the population at risk, not all children).
    pub children: usize,
    pub seed: u64,
    /// `None`: children spread over all 98 municipalities by population share; `Some`: one municipality.
    pub municipality: Option<MunicipalityCode>,
    /// The journal ends here: no event is dated after it.
    pub until: NaiveDate,
    /// History length in years before `until`.
    pub years: u32,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            children: 1000,
            seed: 1,
            municipality: None,
            until: NaiveDate::from_ymd_opt(2026, 11, 27).unwrap_or_default(),
            years: 4,
        }
    }
}

/// All events: site events first (child `None`, site by site), then the children in order (`b000001`, …); each
/// site's and each child's events in time order. `id`s are left empty (the store generates them); every object id
/// (notification, investigation, plan, intervention, placement, site, signal) is unique in the journal.
pub fn generate(cfg: &SynthConfig) -> Vec<Event> {
    if cfg.children == 0 {
        return Vec::new();
    }
    let world = World::new(cfg);
    // Units are the pool sites, then the children. Building one vector per unit and concatenating them would fault
    // every page of the output in one thread; instead, count each unit's events first (generated and dropped: the
    // allocator reuses the memory), let all threads touch the output with placeholders, and generate each block of
    // units again (deterministic) straight into its own slice.
    let units = world.sites.len() + cfg.children;
    let counts: Vec<usize> = (0..units).into_par_iter().with_min_len(64).map(|u| world.unit(u).len()).collect();
    let total: usize = counts.iter().sum();
    let placeholder = Event::new(At::date_only(cfg.until), None, Body::FosterSupervision { site: Ref::default() });
    let mut out: Vec<Event> = Vec::with_capacity(total);
    out.par_extend(rayon::iter::repeat_n(placeholder, total));
    const BLOCK: usize = 128;
    let mut slices: Vec<(usize, &mut [Event])> = Vec::with_capacity(units / BLOCK + 1);
    let mut rest: &mut [Event] = &mut out;
    for (b, chunk) in counts.chunks(BLOCK).enumerate() {
        let n = chunk.iter().sum::<usize>().min(rest.len());
        let (head, tail) = std::mem::take(&mut rest).split_at_mut(n);
        slices.push((b * BLOCK, head));
        rest = tail;
    }
    slices.into_par_iter().for_each(|(first, slice)| {
        let mut dst = slice.iter_mut();
        for u in first..(first + BLOCK).min(units) {
            for e in world.unit(u) {
                if let Some(d) = dst.next() {
                    *d = e;
                }
            }
        }
    });
    out
}

/// Sort one unit's events by time (stable: same-instant events keep their causal order) and drop those after the
/// end of the journal.
fn finish(events: &mut Vec<Event>, until: NaiveDate) {
    events.retain(|e| e.at.date() <= until);
    events.sort_by_cached_key(|e| e.at.trigger_ts());
}

// ---------------------------------------------------------------------------------------------------------------
// Calibration

/// Share of the journal's children who are placed at some time (statistics.md: ≈ 10–12 placed per 1,000 children,
/// ≈ 70 notified per 1,000 a year; over a few years the placed are ≈ 15–20 % of those known to the services).
const PLACED_SHARE: f64 = 0.17;
/// Share of the journal's children with preventive measures but no placement (several times the placed).
const PREVENTIVE_SHARE: f64 = 0.52;
/// Barnets lov in force from this date; Serviceloven before.
const BL_FROM: (i32, u32, u32) = (2024, 1, 1);

/// Placement-type mix (statistics.md, end of 2018: familiepleje incl. network ≈ 60 %, døgninstitution 17 %,
/// opholdssted 14 %, the rest eget værelse, kost-/efterskole, other ≈ 9 %), with the expected number of placements
/// each site of the type receives over a history (pool sizing).
const PLACEMENT_MIX: &[(PlacementType, f64, f64)] = &[
    (PlacementType::NetworkFosterFamily, 12.0, 1.0),
    (PlacementType::FosterFamily, 40.0, 1.5),
    (PlacementType::MunicipalFosterFamily, 8.0, 2.0),
    (PlacementType::Institution, 17.0, 9.0),
    (PlacementType::ResidentialHome, 14.0, 5.0),
    (PlacementType::OwnRoom, 4.0, 8.0),
    (PlacementType::BoardingSchool, 3.5, 8.0),
    (PlacementType::ShipProject, 0.5, 4.0),
    (PlacementType::Other, 1.0, 6.0),
];

/// Who notifies (statistics.md, 2022: schools 21.0 %, health 19.6 %, police/courts 12.5 %, the rest others) and
/// whether the source is a professional with skærpet underretningspligt.
const SOURCES: &[(&str, f64, bool)] = &[
    ("school", 21.0, true),
    ("health", 19.6, true),
    ("police", 12.5, true),
    ("daycare", 11.0, true),
    ("social_services", 9.0, true),
    ("family", 9.0, false),
    ("anonymous", 7.5, false),
    ("ngo", 3.0, false),
    ("other", 7.4, false),
];

/// A kind of preventive (supporting) intervention.
#[derive(Clone, Copy)]
struct Preventive {
    kind: &'static str,
    weight: f64,
    /// Daily cost range in DKK.
    cost: (i64, i64),
    /// Steps on the intervention ladder (indsatstrappen).
    steps: (i64, i64),
    /// Legal basis under Serviceloven (§ 52, stk. 3, nr. x) and Barnets lov (§ 32, stk. 1, nr. x); illustrative.
    sel: &'static str,
    bl: &'static str,
}

const fn kind(
    kind: &'static str,
    weight: f64,
    cost: (i64, i64),
    steps: (i64, i64),
    sel: &'static str,
    bl: &'static str,
) -> Preventive {
    Preventive { kind, weight, cost, steps, sel, bl }
}

const PREVENTIVE: &[Preventive] = &[
    kind("consultation", 20.0, (150, 600), (2, 2), "SEL 52.3.1", "BL 32.1.1"),
    kind("family_treatment", 30.0, (800, 2000), (3, 3), "SEL 52.3.2", "BL 32.1.3"),
    kind("day_treatment", 8.0, (1200, 3000), (3, 4), "SEL 52.3.3", "BL 32.1.4"),
    kind("respite_care", 12.0, (600, 1800), (3, 4), "SEL 52.3.5", "BL 32.1.6"),
    kind("contact_person", 22.0, (300, 900), (2, 3), "SEL 52.3.6", "BL 32.1.7"),
    kind("other", 8.0, (200, 1500), (2, 3), "SEL 52.3.9", "BL 32.1.9"),
];

/// Rough population of each municipality in hundreds (2024), for spreading children and sites.
#[rustfmt::skip]
const POPULATION: [(u16, u32); 98] = [
    (101, 6600), (147, 1050), (151, 490), (153, 360), (155, 150), (157, 750), (159, 700), (161, 240),
    (163, 300), (165, 280), (167, 550), (169, 580), (173, 570), (175, 410), (183, 230), (185, 440),
    (187, 170), (190, 410), (201, 260), (210, 410), (217, 640), (219, 520), (223, 250), (230, 570),
    (240, 440), (250, 460), (253, 510), (259, 630), (260, 310), (265, 900), (269, 240), (270, 410),
    (306, 330), (316, 730), (320, 380), (326, 490), (329, 360), (330, 800), (336, 230), (340, 310),
    (350, 290), (360, 400), (370, 840), (376, 600), (390, 460), (400, 390), (410, 400), (420, 410),
    (430, 520), (440, 240), (450, 320), (461, 2100), (479, 590), (480, 300), (482, 120), (492, 60),
    (510, 560), (530, 270), (540, 740), (550, 370), (561, 1160), (563, 35), (573, 500), (575, 430),
    (580, 590), (607, 520), (615, 980), (621, 950), (630, 1210), (657, 900), (661, 590), (665, 190),
    (671, 210), (706, 430), (707, 370), (710, 500), (727, 240), (730, 990), (740, 980), (741, 37),
    (746, 650), (751, 3700), (756, 420), (760, 560), (766, 470), (773, 200), (779, 460), (787, 430),
    (791, 980), (810, 360), (813, 580), (820, 370), (825, 18), (840, 310), (846, 420), (849, 380),
    (851, 2220), (860, 640),
];

// Random streams (so adding draws to one kind of unit never changes another).
const STREAM_MUNICIPALITY: u64 = 1;
const STREAM_SITE_PLAN: u64 = 2;
const STREAM_SITE_EVENTS: u64 = 3;
const STREAM_CHILD: u64 = 4;
/// The Værn extension fields (places, target group, conclusions, signal source and severity, finance profiles):
/// drawn from dice seeded by the object's id, never from the unit's dice, so that they leave the calibrated draws
/// untouched.
const STREAM_EXTENSION: u64 = 5;

// ---------------------------------------------------------------------------------------------------------------
// Names and texts

const BOYS: &[&str] = &[
    "William",
    "Noah",
    "Oscar",
    "Lucas",
    "Carl",
    "Victor",
    "Malthe",
    "Alfred",
    "Oliver",
    "Emil",
    "Aksel",
    "Valdemar",
    "Frederik",
    "Magnus",
    "Elias",
    "August",
    "Theo",
    "Anton",
    "Mikkel",
    "Mathias",
    "Jonas",
    "Sebastian",
    "Christian",
    "Rasmus",
    "Mads",
    "Tobias",
    "Alexander",
    "Benjamin",
    "Ahmad",
    "Ali",
    "Mohammed",
    "Adam",
    "Liam",
    "Villads",
    "Storm",
    "Arthur",
    "Johan",
    "Felix",
    "Marius",
    "Kasper",
];
const GIRLS: &[&str] = &[
    "Alma", "Ida", "Clara", "Ella", "Freja", "Olivia", "Agnes", "Karla", "Sofia", "Emma", "Anna", "Laura", "Josefine",
    "Nora", "Ellen", "Asta", "Luna", "Maja", "Sofie", "Mathilde", "Isabella", "Frida", "Lærke", "Caroline", "Emilie",
    "Victoria", "Liva", "Astrid", "Esther", "Vigga", "Aya", "Sara", "Yasmin", "Mille", "Signe", "Julie", "Cecilie",
    "Amalie", "Marie", "Naja",
];
const SURNAMES: &[&str] = &[
    "Nielsen",
    "Jensen",
    "Hansen",
    "Pedersen",
    "Andersen",
    "Christensen",
    "Larsen",
    "Sørensen",
    "Rasmussen",
    "Jørgensen",
    "Petersen",
    "Madsen",
    "Kristensen",
    "Olsen",
    "Thomsen",
    "Christiansen",
    "Poulsen",
    "Johansen",
    "Møller",
    "Mortensen",
    "Knudsen",
    "Jakobsen",
    "Mikkelsen",
    "Olesen",
    "Frederiksen",
    "Laursen",
    "Henriksen",
    "Lund",
    "Schmidt",
    "Eriksen",
    "Holm",
    "Kristiansen",
    "Clausen",
    "Simonsen",
    "Svendsen",
    "Andreasen",
    "Iversen",
    "Jeppesen",
    "Mogensen",
    "Østergaard",
    "Vestergaard",
    "Nørgaard",
    "Dahl",
    "Hussein",
    "Yilmaz",
    "Khan",
];
const PLACES: &[&str] = &[
    "Solbakken",
    "Egebjerg",
    "Lindely",
    "Bøgely",
    "Skovly",
    "Fjordglimt",
    "Kildegården",
    "Møllegården",
    "Engly",
    "Havbrynet",
    "Granly",
    "Åbrinken",
    "Birkely",
    "Rosenhøj",
    "Lærkereden",
    "Stenhuset",
    "Vesterled",
    "Østerhøj",
    "Bakkehuset",
    "Ådalen",
    "Hjortholm",
    "Kastanjehuset",
    "Klitgården",
    "Skovbrynet",
    "Toftegården",
    "Vibeholm",
    "Strandly",
    "Lyngbakken",
    "Højmark",
    "Enghaven",
    "Fuglsang",
    "Nørremølle",
    "Sønderlund",
    "Bredsten",
];
const SHIPS: &[&str] = &["Fylla", "Bonavista", "Lilla Dan", "Havhesten", "Martha", "Fulton"];

const CONCERNS_SCHOOL: &[&str] = &[
    "Bekymrende skolefravær",
    "Barnet virker trist og indesluttet i klassen",
    "Barnet møder sulten og uden madpakke",
    "Barnet fortæller om slag derhjemme",
    "Udadreagerende adfærd og konflikter med kammerater",
];
const CONCERNS_HEALTH: &[&str] = &[
    "Barnet udebliver fra sundhedsplejen og lægebesøg",
    "Bekymring for mors psykiske helbred",
    "Manglende tandpleje",
    "Barnet har selvskadende adfærd",
    "Forsinket sproglig og motorisk udvikling",
];
const CONCERNS_POLICE: &[&str] = &[
    "Politiet tilkaldt til husspektakel i hjemmet",
    "Den unge er sigtet for butikstyveri",
    "Bekymring for kriminalitet og uro i fritiden",
    "Forældrene var beruset ved politiets besøg",
];
const CONCERNS_OTHER: &[&str] = &[
    "Forældrenes misbrug af alkohol",
    "Konflikter mellem forældrene",
    "Barnet er ofte alene hjemme om aftenen",
    "Bekymring for barnets trivsel",
    "Mistanke om omsorgssvigt",
];
/// Conclusions of a børnefaglig undersøgelse, by what follows it.
const CONCLUDE_NONE: &[&str] =
    &["Ingen yderligere foranstaltninger", "Forældrene ønsker rådgivning; sagen følges", "Barnet trives; sagen lukkes"];
const CONCLUDE_SUPPORT: &[&str] =
    &["Behov for støtte i hjemmet", "Behov for særlig støtte; indsats anbefales", "Familiebehandling anbefales"];
const CONCLUDE_PLACEMENT: &[&str] =
    &["Anbringelse uden for hjemmet anbefales", "Barnets behov kan ikke dækkes i hjemmet; anbringelse anbefales"];
const CONCLUDE_ANY: &[&str] = &[
    "Ingen yderligere foranstaltninger",
    "Forældrene ønsker rådgivning; sagen følges",
    "Behov for støtte i hjemmet",
    "Den nuværende indsats fortsætter",
];
const CHILD_VIEWS: &[&str] = &[
    "Jeg har det godt her.",
    "Jeg savner min mor og min lillebror.",
    "Jeg kan godt lide min plejefar, han er sjov.",
    "Det er svært i skolen, men det bliver bedre.",
    "Jeg vil gerne se min far noget mere.",
    "De voksne hører på mig.",
    "Jeg har fået en ny ven i klassen.",
    "Nogle gange er jeg ked af det om aftenen.",
    "Jeg vil gerne blive boende her.",
    "Jeg kan ikke lide, at der hele tiden kommer nye voksne.",
    "Maden er god, og jeg går til fodbold.",
    "Jeg ved ikke helt, hvorfor jeg skal bo her.",
    "Jeg vil gerne hjem.",
    "Det er okay. Jeg har mit eget værelse.",
    "Jeg glæder mig til weekenden hos mormor.",
];
const GOALS: &[(GoalTheme, &str)] = &[
    (GoalTheme::Development, "Barnet skal lære at håndtere konflikter uden at slå"),
    (GoalTheme::Development, "Bedre søvn og faste rutiner i hverdagen"),
    (GoalTheme::School, "Stabilt fremmøde i skolen (mindst 90 %)"),
    (GoalTheme::School, "Et skoletilbud, der passer til barnets behov"),
    (GoalTheme::Health, "Regelmæssige lægebesøg og tandpleje"),
    (GoalTheme::Health, "Barnet skal have hjælp til sin angst"),
    (GoalTheme::Family, "Trygt samvær med mor hver anden weekend"),
    (GoalTheme::Family, "Forældrene skal kunne sætte grænser uden konflikt"),
    (GoalTheme::Friends, "Barnet skal have mindst én fast ven"),
    (GoalTheme::Leisure, "Gå fast til en fritidsaktivitet"),
    (GoalTheme::Independence, "Forberedelse til egen bolig efter det fyldte 18. år"),
    (GoalTheme::Other, "Stabil kontakt til netværket"),
];
const TRAININGS: &[&str] = &[
    "Traumeforståelse",
    "Samarbejde med forældre",
    "Skolestøtte til anbragte børn",
    "Tilknytning og relationer",
    "Netværksmøde for plejefamilier",
    "Børns seksualitet og grænser",
];
const SIGNAL_KINDS: &[&str] = &[
    "Bekymrende magtanvendelse",
    "Mange personaleskift",
    "Underretning om vold på stedet",
    "Alvorlige samarbejdsvanskeligheder med plejefamilien",
    "Økonomiske uregelmæssigheder",
    "Barnet er stukket af flere gange",
    "Mistanke om misbrug blandt de unge",
];
/// The danger-signal kind that is about money (its source is the accounts, a whistleblower, the Socialtilsyn or the
/// press).
const SIGNAL_KIND_FINANCES: &str = "Økonomiske uregelmæssigheder";
/// Where danger signals come from, by weight: visits first, then school, the child, the Socialtilsyn …
const SIGNAL_SOURCES: &[(SignalSource, f64)] = &[
    (SignalSource::Visit, 30.0),
    (SignalSource::School, 18.0),
    (SignalSource::Child, 13.0),
    (SignalSource::OperationalSupervision, 11.0),
    (SignalSource::Whistleblower, 8.0),
    (SignalSource::Media, 6.0),
    (SignalSource::Parents, 5.0),
    (SignalSource::Finances, 3.0),
    (SignalSource::Other, 2.0),
];
const SIGNAL_SEVERITIES: &[(Severity, f64)] =
    &[(Severity::Low, 20.0), (Severity::Medium, 46.0), (Severity::High, 26.0), (Severity::Critical, 8.0)];
/// Target groups (målgrupper) in the approvals, by kind of site.
const TARGET_FOSTER: &[&str] = &[
    "Børn og unge 0–17 år med omsorgssvigt",
    "Små børn 0–6 år",
    "Børn 6–12 år med tilknytningsvanskeligheder",
    "Børn og unge 6–17 år med omsorgssvigt",
    "Søskendegrupper 2–14 år",
    "Unge 12–17 år med behov for en stabil voksenkontakt",
];
const TARGET_NETWORK: &str = "Konkret godkendt til et barn i familiens netværk";
const TARGET_RESIDENTIAL: &[&str] = &[
    "Unge 13–17 år med psykosociale vanskeligheder",
    "Børn og unge 6–17 år med omsorgssvigt",
    "Unge 12–17 år med selvskadende adfærd",
    "Børn og unge 10–17 år med autismespektrumforstyrrelser",
    "Unge 14–17 år med misbrug og kriminalitet",
    "Børn 6–14 år med tilknytningsforstyrrelser",
];
const TARGET_INSTITUTION: &[&str] = &[
    "Børn og unge 0–17 år med omsorgssvigt",
    "Små børn 0–6 år (akutmodtagelse)",
    "Unge 12–17 år med adfærdsvanskeligheder",
    "Børn og unge 6–17 år med fysisk og psykisk funktionsnedsættelse",
    "Unge 14–17 år med psykiatriske diagnoser",
    "Unge 15–17 år i udslusning til egen bolig",
];
const TARGET_OTHER: &[&str] = &["Unge 15–17 år", "Unge 14–17 år med behov for et skoletilbud"];
/// Conclusions of the Socialtilsyn's operational supervision.
const CONCLUSION_OK_REMARKS: &[&str] = &[
    "lever op til kvaliteten med enkelte udviklingspunkter",
    "lever op til kvaliteten; anbefaling om bedre dokumentation",
];
const CONCLUSION_ORDER_SITE: &[&str] = &[
    "Påbud om bedre dokumentation af magtanvendelser",
    "Påbud om flere faguddannede medarbejdere",
    "Påbud om stabil ledelse og færre personaleskift",
    "Påbud om opfølgning på de unges skolegang",
    "Påbud om tilstrækkelig bemanding om natten",
];
const CONCLUSION_ORDER_FOSTER: &[&str] = &[
    "Påbud om deltagelse i supervision",
    "Påbud om efteruddannelse inden for et år",
    "Påbud om bedre samarbejde med barnets forældre",
];
const CONCLUSION_STRICT_SITE: &[&str] = &[
    "Skærpet tilsyn på grund af bekymring for børnenes trivsel",
    "Skærpet tilsyn, indtil ledelsen er stabiliseret",
    "Skærpet tilsyn efter flere magtanvendelser",
];
const CONCLUSION_STRICT_FOSTER: &[&str] = &[
    "Skærpet tilsyn med plejefamilien efter bekymrende henvendelse",
    "Skærpet tilsyn med plejefamilien; opfølgning om 3 måneder",
];
const SIGNAL_ACTIONS: &[&str] = &[
    "Møde med ledelsen",
    "Uanmeldt tilsynsbesøg",
    "Skærpet personrettet tilsyn",
    "Samtale med plejefamilien",
    "Handleplan for stedet aftalt",
];

// ---------------------------------------------------------------------------------------------------------------
// Randomness

/// SplitMix64 finaliser: spreads seeds so that neighbouring indices give unrelated streams.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// A deterministic random source for one unit (a child, a site, a municipality).
struct Dice(ChaCha8Rng);

impl Dice {
    fn new(seed: u64, stream: u64, index: u64) -> Dice {
        Dice(ChaCha8Rng::seed_from_u64(mix(mix(mix(seed) ^ stream) ^ index)))
    }

    fn unit(&mut self) -> f64 {
        self.0.random::<f64>()
    }

    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// Uniform integer in `lo..=hi` (`lo` when the range is empty).
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            lo
        } else {
            self.0.random_range(lo..=hi)
        }
    }

    fn days(&mut self, lo: i64, hi: i64) -> Duration {
        Duration::days(self.int(lo, hi))
    }

    /// A uniform date in `from..=to` (`from` when the range is empty).
    fn date(&mut self, from: NaiveDate, to: NaiveDate) -> NaiveDate {
        from + self.days(0, (to - from).num_days())
    }

    /// A uniform index below `len` (0 when `len` is 0 or 1).
    fn index(&mut self, len: usize) -> usize {
        if len <= 1 {
            0
        } else {
            self.0.random_range(0..len)
        }
    }

    fn pick<T: Copy + Default>(&mut self, xs: &[T]) -> T {
        let i = self.index(xs.len());
        xs.get(i).copied().unwrap_or_default()
    }

    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: impl Iterator<Item = f64> + Clone) -> usize {
        let total: f64 = weights.clone().sum();
        let mut x = self.unit() * total;
        let mut last = 0;
        for (i, w) in weights.enumerate() {
            if x < w {
                return i;
            }
            x -= w;
            last = i;
        }
        last
    }

    /// An amount in `lo..=hi` rounded to `step`.
    fn money(&mut self, lo: i64, hi: i64, step: i64) -> f64 {
        (self.int(lo / step, hi / step) * step) as f64
    }
}

/// Dice for the Værn extension fields of one object (site, signal), seeded from the journal's seed and the
/// object's id (FNV-1a), independent of every unit's dice.
fn extension_dice(seed: u64, id: &str) -> Dice {
    let h = id.bytes().fold(0xCBF2_9CE4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3));
    Dice::new(seed, STREAM_EXTENSION, h)
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn bl_from() -> NaiveDate {
    ymd(BL_FROM.0, BL_FROM.1, BL_FROM.2)
}

// ---------------------------------------------------------------------------------------------------------------
// The world: municipalities, their practice, and the pool of placement sites

/// How diligent a municipality's practice is (deterministic from the seed).
#[derive(Clone, Copy)]
struct Quality {
    /// Probability that a placement year gets its two supervision visits (65–95 %).
    visits: f64,
    /// Factor on the on-time probabilities of the other deadlines.
    general: f64,
}

/// A placement site and the facts children need when choosing it.
struct SitePlan {
    id: Ref,
    site_type: PlacementType,
    name: String,
    municipality: MunicipalityCode,
    registered: NaiveDate,
    /// Approval decisions: (date, valid_until). Empty for sites nobody approves (eget værelse, efterskole …).
    approvals: Vec<(NaiveDate, Option<NaiveDate>)>,
    /// Continuous periods in which an approval is in force: (first day, last day).
    in_force: Vec<(NaiveDate, Option<NaiveDate>)>,
    revoked: Option<(NaiveDate, &'static str)>,
    /// The site's own diligence (training, supervision, reporting).
    diligence: f64,
}

impl SitePlan {
    fn in_force_on(&self, date: NaiveDate) -> bool {
        self.in_force.iter().any(|(from, last)| *from <= date && last.is_none_or(|l| l >= date))
    }

    /// The last day the site has events (the day before a revocation, or the end of the journal).
    fn horizon(&self, until: NaiveDate) -> NaiveDate {
        match self.revoked {
            Some((r, _)) => until.min(r - Duration::days(1)),
            None => until,
        }
    }
}

struct World<'a> {
    cfg: &'a SynthConfig,
    start: NaiveDate,
    until: NaiveDate,
    municipalities: Vec<MunicipalityCode>,
    cumulative: Vec<f64>,
    quality: Vec<Quality>,
    sites: Vec<SitePlan>,
    /// Digits of the child references (`b000001`): at least six, more for very large journals so that the
    /// references sort in child order.
    child_width: usize,
    /// Pool sites by placement type (`PlacementType as usize`).
    by_type: Vec<Vec<usize>>,
}

impl<'a> World<'a> {
    fn new(cfg: &'a SynthConfig) -> World<'a> {
        let until = cfg.until;
        let start = add_months(until, -12 * cfg.years.max(1) as i32);
        let mut municipalities = Vec::with_capacity(POPULATION.len());
        let mut cumulative = Vec::with_capacity(POPULATION.len());
        let mut sum = 0.0;
        for (code, weight) in POPULATION {
            if let Ok(m) = MunicipalityCode::from_code(code) {
                sum += f64::from(weight);
                municipalities.push(m);
                cumulative.push(sum);
            }
        }
        let quality = municipalities
            .iter()
            .map(|m| {
                let mut d = Dice::new(cfg.seed, STREAM_MUNICIPALITY, u64::from(m.code()));
                Quality { visits: 0.65 + 0.30 * d.unit(), general: 0.84 + 0.16 * d.unit() }
            })
            .collect();
        let mut world = World {
            cfg,
            start,
            until,
            municipalities,
            cumulative,
            quality,
            sites: Vec::new(),
            child_width: cfg.children.to_string().len().max(6),
            by_type: vec![Vec::new(); PlacementType::ALL.len()],
        };
        world.plan_sites();
        world
    }

    /// The events of one unit: pool site `u`, or child `u - sites`; sorted by time, none after the end.
    fn unit(&self, u: usize) -> Vec<Event> {
        match self.sites.get(u) {
            Some(site) => {
                let mut dice = Dice::new(self.cfg.seed, STREAM_SITE_EVENTS, u as u64);
                let mut out = Vec::new();
                site_events(self, site, &mut dice, None, &mut out);
                finish(&mut out, self.until);
                out
            }
            None => ChildGen::new(self, u - self.sites.len()).run(),
        }
    }

    /// A municipality drawn by population share.
    fn municipality(&self, d: &mut Dice) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(0.0);
        let x = d.unit() * total;
        self.cumulative.partition_point(|c| *c <= x).min(self.municipalities.len().saturating_sub(1))
    }

    fn municipality_index(&self, m: MunicipalityCode) -> usize {
        self.municipalities.iter().position(|x| *x == m).unwrap_or(0)
    }

    /// The pool of foster families, residential homes, institutions and other sites, sized by the expected number
    /// of placements (network foster families are created per child instead).
    fn plan_sites(&mut self) {
        let expected_placements = self.cfg.children as f64 * PLACED_SHARE * 1.15;
        let total_weight: f64 = PLACEMENT_MIX.iter().map(|(_, w, _)| w).sum();
        let mut index = 0usize;
        let mut counts = Vec::new();
        for (t, weight, per_site) in PLACEMENT_MIX {
            if *t == PlacementType::NetworkFosterFamily {
                continue;
            }
            let n = (expected_placements * weight / total_weight / per_site).ceil().max(1.0) as usize;
            counts.push((*t, n));
        }
        let width = counts.iter().map(|(_, n)| n).sum::<usize>().to_string().len().max(4);
        for (t, n) in counts {
            for _ in 0..n {
                index += 1;
                let mut d = Dice::new(self.cfg.seed, STREAM_SITE_PLAN, index as u64);
                let id = format_ref!("s{index:0width$}");
                let plan = self.plan_site(&mut d, id, t);
                self.by_type[t as usize].push(self.sites.len());
                self.sites.push(plan);
            }
        }
    }

    fn plan_site(&self, d: &mut Dice, id: Ref, site_type: PlacementType) -> SitePlan {
        let window = (self.until - self.start).num_days();
        let first = if d.chance(0.7) { self.start - d.days(0, 540) } else { self.start + d.days(0, window * 85 / 100) };
        let municipality = match self.cfg.municipality {
            Some(m) if d.chance(0.5) => m,
            _ => self.municipalities.get(self.municipality(d)).copied().unwrap_or(self.municipalities[0]),
        };
        let place = d.pick(PLACES);
        let name = match site_type {
            PlacementType::FosterFamily => format!("Plejefamilien {}", d.pick(SURNAMES)),
            PlacementType::MunicipalFosterFamily => format!("Kommunal plejefamilie {}", d.pick(SURNAMES)),
            PlacementType::NetworkFosterFamily => format!("Netværksplejefamilien {}", d.pick(SURNAMES)),
            PlacementType::ResidentialHome => format!("Opholdsstedet {place}"),
            PlacementType::Institution => format!("Døgninstitutionen {place}"),
            PlacementType::OwnRoom => format!("Ungeboligerne {place}"),
            PlacementType::BoardingSchool => format!("{place} Efterskole"),
            PlacementType::ShipProject => format!("Skibsprojektet {}", d.pick(SHIPS)),
            PlacementType::Other => format!("Bostedet {place}"),
        };
        let registered = first - d.days(14, 150);
        let diligence = 0.85 + 0.15 * d.unit();
        let mut plan = SitePlan {
            id,
            site_type,
            name,
            municipality,
            registered,
            approvals: Vec::new(),
            in_force: Vec::new(),
            revoked: None,
            diligence,
        };
        if site_type.is_socialtilsyn_site() {
            self.plan_approvals(d, &mut plan, first);
            if d.chance(0.025) {
                let earliest = first + Duration::days(180);
                if earliest < self.until {
                    let r = d.date(earliest, self.until);
                    revoke(&mut plan, r, "Godkendelsen er tilbagekaldt af Socialtilsynet");
                }
            }
        }
        plan
    }

    /// Approvals with occasional time limits, renewals and lapses.
    fn plan_approvals(&self, d: &mut Dice, plan: &mut SitePlan, first: NaiveDate) {
        let mut from = first;
        let mut date = first;
        loop {
            let valid = if d.chance(0.25) { Some(add_months(date, 36)) } else { None };
            plan.approvals.push((date, valid));
            match valid {
                None => {
                    plan.in_force.push((from, None));
                    break;
                }
                Some(v) if v >= self.until => {
                    plan.in_force.push((from, Some(v)));
                    break;
                }
                Some(v) if d.chance(0.85) => date = v - d.days(10, 60),
                Some(v) => {
                    plan.in_force.push((from, Some(v)));
                    if !d.chance(0.5) {
                        break;
                    }
                    from = v + d.days(30, 200);
                    date = from;
                    if from > self.until {
                        break;
                    }
                }
            }
        }
    }
}

/// Revoke a site's approval on `date`: later approvals are dropped, the period in force ends the day before.
fn revoke(plan: &mut SitePlan, date: NaiveDate, reason: &'static str) {
    plan.approvals.retain(|(a, _)| *a < date);
    plan.in_force.retain(|(from, _)| *from < date);
    let last = date - Duration::days(1);
    for (_, l) in plan.in_force.iter_mut() {
        if l.is_none_or(|x| x > last) {
            *l = Some(last);
        }
    }
    plan.revoked = Some((date, reason));
}

fn socialtilsyn(m: MunicipalityCode) -> &'static str {
    match m.region() {
        Region::Hovedstaden => "socialtilsyn_hovedstaden",
        Region::Sjaelland => "socialtilsyn_oest",
        Region::Syddanmark => "socialtilsyn_syd",
        Region::Midtjylland => "socialtilsyn_midt",
        Region::Nordjylland => "socialtilsyn_nord",
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Site profile (Værn extension fields)

/// The facts of a site that only the Værn extension fields show: approved places, target group, and for residential
/// homes the economy behind the annual accounts. Drawn from the site's extension dice, constant over its history.
struct SiteProfile {
    places: u16,
    target_group: &'static str,
    /// A residential home whose accounts are now and then beyond the finance thresholds.
    troubled: bool,
    /// Daily rate per place (DKK) and share of the places occupied.
    rate: f64,
    occupancy: f64,
}

fn site_profile(x: &mut Dice, plan: &SitePlan) -> SiteProfile {
    let (places, target_group) = match plan.site_type {
        PlacementType::NetworkFosterFamily => (1, TARGET_NETWORK),
        PlacementType::FosterFamily | PlacementType::MunicipalFosterFamily => {
            let places = [1, 2, 3][x.weighted([0.50, 0.38, 0.12].into_iter())];
            // Small children are placed one at a time; siblings need two places or more.
            let target = x.pick(TARGET_FOSTER);
            let target = if target.starts_with("Søskende") && places == 1 { TARGET_FOSTER[0] } else { target };
            (places, target)
        }
        // Peaked in the middle of the range: 4–12 and 8–30.
        PlacementType::ResidentialHome => (4 + x.int(0, 4) + x.int(0, 4), x.pick(TARGET_RESIDENTIAL)),
        PlacementType::Institution => (8 + x.int(0, 11) + x.int(0, 11), x.pick(TARGET_INSTITUTION)),
        _ => (x.int(4, 10), x.pick(TARGET_OTHER)),
    };
    // Revoked homes had their troubles before.
    let troubled = x.chance(if plan.revoked.is_some() { 0.7 } else { 0.3 });
    SiteProfile {
        places: places as u16,
        target_group,
        troubled,
        rate: 3400.0 + 1600.0 * x.unit(),
        occupancy: 0.84 + 0.14 * x.unit(),
    }
}

/// The Socialtilsyn's conclusion of an operational supervision on `date`: mostly that the site lives up to the
/// quality, now and then an order (påbud) or stricter supervision — most often in the year before a revocation.
fn supervision_conclusion(x: &mut Dice, plan: &SitePlan, date: NaiveDate) -> String {
    let foster = plan.site_type.is_foster_family();
    let who = if foster { "Plejefamilien" } else { "Tilbuddet" };
    let before_revocation = plan.revoked.is_some_and(|(r, _)| r > date && (r - date).num_days() <= 400);
    let weights = if before_revocation { [0.1, 0.0, 0.45, 0.45] } else { [0.83, 0.07, 0.07, 0.03] };
    match x.weighted(weights.into_iter()) {
        0 => format!("{who} lever op til kvaliteten"),
        1 => format!("{who} {}", x.pick(CONCLUSION_OK_REMARKS)),
        2 => x.pick(if foster { CONCLUSION_ORDER_FOSTER } else { CONCLUSION_ORDER_SITE }).to_string(),
        _ => x.pick(if foster { CONCLUSION_STRICT_FOSTER } else { CONCLUSION_STRICT_SITE }).to_string(),
    }
}

/// A residential home's accounts for `year` from the three draws of the site's dice (uniform revenue in 3–45 mio.,
/// a cost factor, uniform equity in −0.4–8 mio.: kept so that the later draws stay put) reshaped by its profile:
/// revenue from places × daily rate × occupancy, a margin of −2.5 % to 8.5 %, positive equity — except in a minority
/// of years (≈ 13 %, mostly at troubled homes) beyond one of the default finance thresholds (margin above 10 % or
/// below −5 %, negative equity, costs above 6,500 kr. per place per day).
fn finances(x: &mut Dice, p: &SiteProfile, year: i32, draws: (f64, f64, f64)) -> (f64, f64, f64) {
    let (a, b, c) = ((draws.0 - 3_000_000.0) / 42_000_000.0, draws.1, (draws.2 + 400_000.0) / 8_400_000.0);
    let (a, b, c) = (a.clamp(0.0, 1.0), b.clamp(0.0, 1.0), c.clamp(0.0, 1.0));
    let days = if ymd(year, 12, 31).ordinal() == 366 { 366.0 } else { 365.0 };
    let place_days = f64::from(p.places) * days;
    let rate = p.rate * (0.95 + 0.10 * a);
    let mut revenue = place_days * rate * p.occupancy;
    let mut factor = 0.915 + 0.11 * b;
    let mut equity = 150_000.0 + c.powf(1.6) * 7_000_000.0;
    let breach = x.chance(if p.troubled { 0.35 } else { 0.03 });
    if breach {
        match x.weighted([0.35, 0.25, 0.20, 0.20].into_iter()) {
            // Too much profit: margin 12–28 %.
            0 => factor = 0.72 + 0.16 * b,
            // A deficit: margin −6 to −18 %.
            1 => factor = 1.06 + 0.12 * b,
            // Equity lost.
            2 => equity = -(60_000.0 + c * 1_500_000.0),
            // Expensive: costs 6,700–9,000 kr. per place per day (a specialised home at a high rate).
            _ => {
                let per_day = 6_700.0 + 2_300.0 * a;
                revenue = per_day * place_days / factor;
            }
        }
    }
    let round = |v: f64| (v / 1000.0).round() * 1000.0;
    let revenue = round(revenue);
    (revenue, round(revenue * factor), round(equity))
}

// ---------------------------------------------------------------------------------------------------------------
// Site events

/// All events of one site up to the end of the journal. `child` is the child of a network foster family (its
/// site events belong to that child's case); pool sites have none.
fn site_events(world: &World, plan: &SitePlan, d: &mut Dice, child: Option<&Ref>, out: &mut Vec<Event>) {
    let site = &plan.id;
    let horizon = plan.horizon(world.until);
    let mut x = extension_dice(world.cfg.seed, site);
    let profile = site_profile(&mut x, plan);
    let push = |out: &mut Vec<Event>, date: NaiveDate, body: Body| {
        out.push(Event::new(At::date_only(date), child.cloned(), body));
    };
    push(
        out,
        plan.registered,
        Body::SiteRegistered {
            site: site.clone(),
            site_type: plan.site_type,
            name: plan.name.clone(),
            municipality: Some(plan.municipality),
        },
    );
    let by: Option<Ref> =
        if plan.site_type.is_socialtilsyn_site() { Some(socialtilsyn(plan.municipality).into()) } else { None };
    for (date, valid_until) in &plan.approvals {
        push(
            out,
            *date,
            Body::SiteApproved {
                site: site.clone(),
                valid_until: *valid_until,
                by: by.clone(),
                places: Some(profile.places),
                target_group: Some(profile.target_group.into()),
            },
        );
    }
    if let Some((r, reason)) = plan.revoked {
        let mut e = Event::new(At::date_only(r), child.cloned(), Body::SiteApprovalRevoked { site: site.clone() });
        e.set_note(Some(reason.to_string()));
        out.push(e);
    }
    let Some(&(first, _)) = plan.approvals.first() else { return };
    let dil = plan.diligence;

    for &(from, last) in &plan.in_force {
        let end = last.map_or(horizon, |l| l.min(horizon));
        // Driftsorienteret tilsyn: at least once a year from the approval.
        if plan.site_type.is_socialtilsyn_site() {
            for k in 1.. {
                let begins = add_months(from, 12 * (k - 1));
                let due = add_months(from, 12 * k);
                if begins > end || last.is_some_and(|l| due > l) {
                    break;
                }
                let r = d.unit();
                let date = if r < 0.90 * dil {
                    Some(due - d.days(0, 150))
                } else if r < 0.90 * dil + 0.07 {
                    Some(due + d.days(1, 80))
                } else {
                    None
                };
                if let Some(date) = date.filter(|x| *x <= end && *x > begins) {
                    let announced = d.chance(0.4);
                    let conclusion = Some(supervision_conclusion(&mut x, plan, date));
                    push(out, date, Body::OperationalSupervision { site: site.clone(), announced, conclusion });
                }
            }
        }
        // Supervision of foster families, roughly every three months.
        if plan.site_type.is_foster_family() {
            let mut t = from;
            loop {
                t += if d.chance(0.88 * dil) { d.days(35, 88) } else { d.days(95, 170) };
                if t > end {
                    break;
                }
                push(out, t, Body::FosterSupervision { site: site.clone() });
            }
        }
    }

    if plan.site_type.is_foster_family() {
        // Grundkursus, mostly within the first year of the approval.
        let r = d.unit();
        let course_date = if r < 0.85 * dil {
            Some(first + d.days(20, 340))
        } else if r < 0.95 {
            Some(first + d.days(380, 560))
        } else {
            None
        };
        let course_year = course_date.map(|c| c.year());
        if let Some(c) = course_date.filter(|c| *c <= horizon) {
            let hours = d.pick(&[24.0, 30.0, 35.0]);
            push(
                out,
                c,
                Body::FosterTraining { site: site.clone(), course: Some("grundkursus".into()), hours: Some(hours) },
            );
        }
        // Further training: at least one course a calendar year, mostly.
        for y in first.year()..=horizon.year() {
            if course_year == Some(y) && d.chance(0.6) {
                continue;
            }
            if !d.chance(0.9 * dil) {
                continue;
            }
            let lo = ymd(y, 1, 1).max(first + Duration::days(1));
            let hi = ymd(y, 12, 31).min(horizon);
            if lo > hi || (!plan.in_force_on(lo) && !plan.in_force_on(hi)) {
                continue;
            }
            let date = d.date(lo, hi);
            let course = d.pick(TRAININGS);
            let hours = d.int(3, 15) as f64;
            push(
                out,
                date,
                Body::FosterTraining { site: site.clone(), course: Some(course.into()), hours: Some(hours) },
            );
        }
    }

    // Residential homes report their finances for the previous year each spring.
    if plan.site_type == PlacementType::ResidentialHome {
        for y in first.year()..horizon.year() {
            let date = ymd(y + 1, 4, 1) + d.days(0, 75);
            if date > horizon || !d.chance(0.93 * dil) {
                continue;
            }
            let draws = (d.money(3_000_000, 45_000_000, 1000), d.unit(), d.money(-400_000, 8_000_000, 1000));
            let (revenue, costs, equity) = finances(&mut x, &profile, y, draws);
            push(
                out,
                date,
                Body::SiteFinancesReported {
                    site: site.clone(),
                    year: y,
                    revenue_dkk: revenue,
                    costs_dkk: costs,
                    equity_dkk: Some(equity),
                },
            );
        }
    }

    // Danger signals: a few a year across the pool; a revocation is always preceded by one.
    if child.is_none() {
        let p = match plan.site_type {
            PlacementType::ResidentialHome | PlacementType::Institution => 0.10,
            _ => 0.04,
        };
        let mut n = 0;
        for y in first.year()..=horizon.year() {
            if !d.chance(p) {
                continue;
            }
            let lo = ymd(y, 1, 1).max(first);
            let hi = ymd(y, 12, 31).min(horizon);
            if lo > hi {
                continue;
            }
            n += 1;
            let date = d.date(lo, hi);
            let signal = format_ref!("{site}-f{n}");
            let s = SignalAt { signal, site: Some(site.clone()), placement: None, date, grave: false };
            danger_signal(world, d, out, None, s);
        }
        if let Some((r, _)) = plan.revoked {
            n += 1;
            let date = (r - d.days(20, 120)).max(first);
            let signal = format_ref!("{site}-f{n}");
            let s = SignalAt { signal, site: Some(site.clone()), placement: None, date, grave: true };
            danger_signal(world, d, out, None, s);
        }
    }
}

/// A danger signal to raise: its id, what it concerns, when, and whether it is grave (it precedes a revocation).
struct SignalAt {
    signal: Ref,
    site: Option<Ref>,
    placement: Option<Ref>,
    date: NaiveDate,
    grave: bool,
}

/// A danger signal and its handling: mostly in time and reported to the Socialtilsyn, sometimes late, sometimes
/// handled without reporting, rarely not at all. The more serious, the faster the reaction, mostly.
fn danger_signal(world: &World, d: &mut Dice, out: &mut Vec<Event>, child: Option<&Ref>, s: SignalAt) {
    let SignalAt { signal, site, placement, date, grave } = s;
    let until = world.until;
    let drawn = d.pick(SIGNAL_KINDS);
    // Source and severity from the signal's own dice; the kind fits the source.
    let mut x = extension_dice(world.cfg.seed, &signal);
    let about_child = placement.is_some();
    let source = SIGNAL_SOURCES[x.weighted(SIGNAL_SOURCES.iter().map(|(s, w)| {
        if about_child && *s == SignalSource::Finances {
            0.0
        } else {
            *w
        }
    }))]
    .0;
    let kind = match source {
        SignalSource::Finances => SIGNAL_KIND_FINANCES,
        SignalSource::Whistleblower | SignalSource::OperationalSupervision | SignalSource::Media => drawn,
        _ if drawn == SIGNAL_KIND_FINANCES => {
            let others: Vec<&str> = SIGNAL_KINDS.iter().copied().filter(|k| *k != SIGNAL_KIND_FINANCES).collect();
            x.pick(&others)
        }
        _ => drawn,
    };
    let severity = if grave {
        if x.chance(0.4) {
            Severity::Critical
        } else {
            Severity::High
        }
    } else {
        SIGNAL_SEVERITIES[x.weighted(SIGNAL_SEVERITIES.iter().map(|s| s.1))].0
    };
    out.push(Event::new(
        At::date_only(date),
        child.cloned(),
        Body::DangerSignal(Box::new(crate::event::Signal {
            signal: signal.clone(),
            site,
            placement,
            kind: Some(kind.to_string()),
            source: Some(source),
            severity: Some(severity),
        })),
    ));
    let r = d.unit();
    let (days, notified) = if r < 0.55 {
        (d.int(1, 5), true)
    } else if r < 0.70 {
        (d.int(6, 10), true)
    } else if r < 0.85 {
        (d.int(1, 10), false)
    } else if r < 0.95 {
        (d.int(11, 25), true)
    } else {
        return;
    };
    // Critical signals are mostly acted on the next working day, serious ones within three.
    let days = match severity {
        Severity::Critical if r < 0.70 => 1,
        Severity::High if r < 0.85 => days.min(3),
        _ => days,
    };
    let handled = add_working_days(date, days as u32);
    if handled <= until {
        let action = Some(d.pick(SIGNAL_ACTIONS).to_string());
        out.push(Event::new(
            At::date_only(handled),
            child.cloned(),
            Body::DangerSignalHandled { signal, action, socialtilsyn_notified: notified },
        ));
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Children

#[derive(Clone, Copy, PartialEq, Eq)]
enum Tier {
    /// Notified (and possibly investigated), no measure.
    Notified,
    /// Preventive measures, no placement.
    Preventive,
    /// Placed at some time.
    Placed,
}

/// A børnefaglig undersøgelse: (start, completion).
type Investigation = (NaiveDate, Option<NaiveDate>);

/// A plan made for a decision: its id and goals.
struct PlanRef {
    id: Ref,
    date: NaiveDate,
    goals: Vec<Goal>,
}

struct ChildGen<'w> {
    world: &'w World<'w>,
    d: Dice,
    child: Ref,
    birth: NaiveDate,
    municipality: MunicipalityCode,
    surname: &'static str,
    quality: Quality,
    events: Vec<Event>,
    investigations: Vec<Investigation>,
    counters: [u32; 7],
}

// Indices into `ChildGen::counters`.
const NOTIFICATION: usize = 0;
const INVESTIGATION: usize = 1;
const PLAN: usize = 2;
const INTERVENTION: usize = 3;
const PLACEMENT: usize = 4;
const SITE: usize = 5;
const SIGNAL: usize = 6;
const PREFIX: [char; 7] = ['n', 'u', 'h', 'i', 'a', 's', 'f'];

impl<'w> ChildGen<'w> {
    fn new(world: &'w World<'w>, index: usize) -> ChildGen<'w> {
        ChildGen {
            world,
            d: Dice::new(world.cfg.seed, STREAM_CHILD, index as u64),
            child: format_ref!("b{:0width$}", index + 1, width = world.child_width),
            birth: world.start,
            municipality: world.municipalities[0],
            surname: "",
            quality: Quality { visits: 0.8, general: 0.9 },
            events: Vec::with_capacity(40),
            investigations: Vec::new(),
            counters: [0; 7],
        }
    }

    fn next_id(&mut self, kind: usize) -> Ref {
        self.counters[kind] += 1;
        format_ref!("{}-{}{}", self.child, PREFIX[kind], self.counters[kind])
    }

    fn push(&mut self, at: At, body: Body) {
        self.events.push(Event::new(at, Some(self.child.clone()), body));
    }

    fn push_day(&mut self, date: NaiveDate, body: Body) {
        self.push(At::date_only(date), body);
    }

    /// Whether the child is at least two years old (conversations are held from then on).
    fn can_talk(&self, date: NaiveDate) -> bool {
        add_months(self.birth, 24) <= date
    }

    fn age(&self, date: NaiveDate) -> i32 {
        let mut a = date.year() - self.birth.year();
        if (date.month(), date.day()) < (self.birth.month(), self.birth.day()) {
            a -= 1;
        }
        a
    }

    /// Probability of meeting a deadline, scaled by the municipality's diligence.
    fn on_time(&self, base: f64) -> f64 {
        base * self.quality.general
    }

    fn run(mut self) -> Vec<Event> {
        let world = self.world;
        let muni_index = match world.cfg.municipality {
            Some(m) => world.municipality_index(m),
            None => world.municipality(&mut self.d),
        };
        let municipality = world.municipalities.get(muni_index).copied().unwrap_or(world.municipalities[0]);
        self.quality = world.quality.get(muni_index).copied().unwrap_or(self.quality);
        self.municipality = municipality;

        let r = self.d.unit();
        let tier = if r < PLACED_SHARE {
            Tier::Placed
        } else if r < PLACED_SHARE + PREVENTIVE_SHARE {
            Tier::Preventive
        } else {
            Tier::Notified
        };
        let window = (world.until - world.start).num_days();
        // Cases with measures last for years, so the journal holds more of them from its early part.
        let skew = |d: &mut Dice, share: f64, power: f64| {
            Duration::days((d.unit().powf(power) * share * window as f64) as i64)
        };
        let case_start = match tier {
            Tier::Placed => world.start + skew(&mut self.d, 0.72, 1.5),
            Tier::Preventive => world.start + skew(&mut self.d, 0.88, 1.3),
            Tier::Notified => world.start + self.d.days(0, window),
        };
        let first_type = self.placement_type();
        let age = match tier {
            Tier::Placed if needs_teen(first_type) => self.d.int(13, 16),
            Tier::Placed => match self.d.weighted([0.22, 0.25, 0.53].into_iter()) {
                0 => self.d.int(0, 5),
                1 => self.d.int(6, 11),
                _ => self.d.int(12, 16),
            },
            Tier::Preventive => match self.d.weighted([0.30, 0.35, 0.35].into_iter()) {
                0 => self.d.int(0, 5),
                1 => self.d.int(6, 11),
                _ => self.d.int(12, 17),
            },
            Tier::Notified => self.d.int(0, 17),
        };
        self.birth = case_start - Duration::days(age * 365 + age / 4) - self.d.days(0, 364);
        let boy = self.d.chance(if tier == Tier::Placed { 0.55 } else { 0.52 });
        let gender = if boy { Gender::Male } else { Gender::Female };
        let first = if boy { self.d.pick(BOYS) } else { self.d.pick(GIRLS) };
        self.surname = self.d.pick(SURNAMES);
        let cpr = cpr_for(&mut self.d, self.birth, gender);
        self.push_day(
            case_start,
            Body::ChildRegistered {
                birth_date: self.birth,
                municipality,
                cpr,
                name: Some(format!("{first} {}", self.surname)),
                gender: Some(gender),
            },
        );

        match tier {
            Tier::Notified => self.notified_only(case_start),
            Tier::Preventive => self.preventive_case(case_start),
            Tier::Placed => self.placed_case(case_start, first_type),
        }
        // New concerns in later years of the case.
        let yearly = match tier {
            Tier::Notified => 0.2,
            Tier::Preventive => 0.4,
            Tier::Placed => 0.35,
        };
        self.later_notifications(case_start, yearly);
        let mut events = self.events;
        finish(&mut events, world.until);
        events
    }

    // --- case flows --------------------------------------------------------------------------------------------

    fn notified_only(&mut self, case_start: NaiveDate) {
        let n = self.notification_count(&[0.60, 0.24, 0.10, 0.04, 0.02]);
        let first = [AssessmentOutcome::NoAction, AssessmentOutcome::Advice, AssessmentOutcome::Investigate]
            [self.d.weighted([0.45, 0.35, 0.20].into_iter())];
        let notes = self.notifications(case_start, n, first);
        for (date, outcome) in notes {
            if outcome == AssessmentOutcome::Investigate && self.d.chance(0.8) {
                let started = date + self.d.days(1, 14);
                self.investigation(date, started, true, CONCLUDE_NONE);
            }
        }
    }

    fn preventive_case(&mut self, case_start: NaiveDate) {
        // Most cases begin with a notification; some with the parents asking for help.
        let (aware, later) = if self.d.chance(0.9) {
            let n = self.notification_count(&[0.45, 0.30, 0.15, 0.07, 0.03]);
            let notes = self.notifications(case_start, n, AssessmentOutcome::Investigate);
            (notes.first().map_or(case_start, |x| x.0), notes.into_iter().skip(1).collect::<Vec<_>>())
        } else {
            (case_start, Vec::new())
        };
        let started = aware + self.d.days(1, 14);
        let (_, completed) = self.investigation(aware, started, false, CONCLUDE_SUPPORT);
        let mut decided = completed.unwrap_or(started + Duration::days(120)) + self.d.days(7, 45);
        let k = self.d.weighted([0.40, 0.35, 0.25].into_iter()) + 1;
        for _ in 0..k {
            if decided > self.world.until {
                break;
            }
            self.preventive(decided, None, None);
            decided += self.d.days(30, 300);
        }
        for (date, outcome) in later {
            if outcome == AssessmentOutcome::Investigate && self.d.chance(0.5) {
                let started = date + self.d.days(1, 14);
                self.investigation(date, started, true, CONCLUDE_ANY);
            }
        }
    }

    fn placed_case(&mut self, case_start: NaiveDate, first_type: PlacementType) {
        let acute = self.d.chance(0.15);
        let n = self.notification_count(&[0.35, 0.30, 0.20, 0.10, 0.05]);
        let first_outcome = if acute { AssessmentOutcome::AcuteMeasure } else { AssessmentOutcome::Investigate };
        let notes = self.notifications(case_start, n, first_outcome);
        let aware = notes.first().map_or(case_start, |x| x.0);
        let started = aware + self.d.days(1, 14);
        let (mut decided, mut start, consent) = if acute {
            // Acute placement; the investigation runs alongside it.
            let decided = aware + self.d.days(0, 2);
            self.investigation(aware, started, false, CONCLUDE_PLACEMENT);
            (decided, decided, self.d.chance(0.55))
        } else {
            let preventive_first = self.d.chance(0.5);
            let conclusions = if preventive_first { CONCLUDE_SUPPORT } else { CONCLUDE_PLACEMENT };
            let (_, completed) = self.investigation(aware, started, false, conclusions);
            let mut decided = completed.unwrap_or(started + Duration::days(120)) + self.d.days(7, 60);
            if preventive_first {
                // Preventive measures first, ended when the placement is decided.
                let steps = self.d.weighted([0.6, 0.4].into_iter()) + 1;
                let mut at = decided;
                for _ in 0..steps {
                    at += self.d.days(0, 60);
                    decided = at + self.d.days(90, 540);
                    self.preventive(at, Some(decided), None);
                }
            }
            let start = decided + self.d.days(0, 21);
            (decided, start, self.d.chance(0.85))
        };
        let mut placement_type = first_type;
        let mut urgent = acute;
        // One or more placements: moves between sites, then perhaps home again.
        for round in 0..4 {
            if decided > self.world.until {
                break;
            }
            let Some((end, moved)) = self.placement(decided, start, consent, urgent, placement_type) else { break };
            let Some((end, reason)) = end else { break };
            if moved && round < 3 {
                decided = end - self.d.days(3, 20);
                start = end;
                urgent = false;
                placement_type = self.placement_type();
                if needs_teen(placement_type) && self.age(start) < 14 {
                    placement_type = PlacementType::FosterFamily;
                }
                continue;
            }
            // After a return home or the 18th birthday: sometimes a supporting measure (efterværn).
            if reason != EndReason::Other && self.d.chance(0.4) {
                let decided = end + self.d.days(0, 30);
                if decided <= self.world.until {
                    self.preventive(decided, None, Some("contact_person"));
                }
            }
            break;
        }
        for (date, outcome) in notes.into_iter().skip(1) {
            if outcome == AssessmentOutcome::Investigate && self.d.chance(0.3) {
                let started = date + self.d.days(1, 14);
                self.investigation(date, started, true, CONCLUDE_ANY);
            }
        }
    }

    // --- notifications and investigations --------------------------------------------------------------------

    /// Notifications in the later years of a case: each year one or two with probability `yearly`, some leading to
    /// a new investigation.
    fn later_notifications(&mut self, case_start: NaiveDate, yearly: f64) {
        for year in 1.. {
            let around = case_start + Duration::days(365 * year);
            if around > self.world.until {
                break;
            }
            if !self.d.chance(yearly) {
                continue;
            }
            let n = self.notification_count(&[0.45, 0.35, 0.2]);
            let first = around + self.d.days(-120, 120);
            let outcome = [AssessmentOutcome::NoAction, AssessmentOutcome::Advice, AssessmentOutcome::Investigate]
                [self.d.weighted([0.4, 0.35, 0.25].into_iter())];
            for (date, outcome) in self.notifications(first, n, outcome) {
                if outcome == AssessmentOutcome::Investigate && self.d.chance(0.5) {
                    let started = date + self.d.days(1, 14);
                    self.investigation(date, started, true, CONCLUDE_ANY);
                }
            }
        }
    }

    fn notification_count(&mut self, dist: &[f64]) -> usize {
        self.d.weighted(dist.iter().copied()) + 1
    }

    /// `count` notifications from `first` on (the first with the given outcome); returns (date, outcome) of each.
    fn notifications(
        &mut self,
        first: NaiveDate,
        count: usize,
        first_outcome: AssessmentOutcome,
    ) -> Vec<(NaiveDate, AssessmentOutcome)> {
        let clustered = count >= 3 && self.d.chance(0.6);
        let mut out = Vec::with_capacity(count);
        let mut date = first;
        for k in 0..count {
            if k > 0 {
                date += if clustered { self.d.days(7, 90) } else { self.d.days(20, 200) };
            }
            if date > self.world.until {
                break;
            }
            let outcome = if k == 0 {
                first_outcome
            } else {
                [
                    AssessmentOutcome::NoAction,
                    AssessmentOutcome::Advice,
                    AssessmentOutcome::Investigate,
                    AssessmentOutcome::AcuteMeasure,
                ][self.d.weighted([0.35, 0.33, 0.28, 0.04].into_iter())]
            };
            out.push((self.notification(date, outcome, k == 0), outcome));
        }
        out
    }

    /// One notification with its 24-hour assessment, receipt and feedback; returns its (working-day) date.
    fn notification(&mut self, date: NaiveDate, outcome: AssessmentOutcome, essential: bool) -> NaiveDate {
        let (source, _, professional) = SOURCES[self.d.weighted(SOURCES.iter().map(|s| s.1))];
        let mut date = date;
        let (hour, minute) = match source {
            "police" => (self.d.pick(&[0i64, 1, 5, 8, 11, 14, 17, 19, 21, 22, 23]), self.d.int(0, 59)),
            "family" | "anonymous" | "other" => (self.d.int(7, 22), self.d.int(0, 59)),
            _ => {
                while !is_working_day(date) {
                    date += Duration::days(1);
                }
                (self.d.int(8, 15), self.d.int(0, 59))
            }
        };
        let received = at_local(date, hour as u32, minute as u32);
        let concerns = match source {
            "school" | "daycare" => CONCERNS_SCHOOL,
            "health" => CONCERNS_HEALTH,
            "police" => CONCERNS_POLICE,
            _ => CONCERNS_OTHER,
        };
        let notification = self.next_id(NOTIFICATION);
        let concern = Some(self.d.pick(concerns).to_string());
        self.push(
            received,
            Body::NotificationReceived {
                notification: notification.clone(),
                from_professional: professional,
                concern,
                source: Some(source.into()),
            },
        );
        // The 24-hour assessment: mostly in time, sometimes late, rarely missing.
        let r = self.d.unit();
        let p = self.on_time(0.93);
        let minutes = if r < p {
            Some(self.d.int(20, 23 * 60 + 50))
        } else if essential || r < p + 0.06 {
            Some(self.d.int(24 * 60 + 10, 6 * 24 * 60))
        } else {
            None
        };
        if let Some(m) = minutes {
            let at = At::instant(received.as_trigger() + Duration::minutes(m));
            self.push(at, Body::NotificationAssessed { notification: notification.clone(), outcome });
        }
        if professional {
            let r = self.d.unit();
            let p = self.on_time(0.90);
            let receipt = if r < p {
                Some(add_working_days(date, self.d.int(0, 6) as u32))
            } else if r < p + 0.08 {
                Some(add_working_days(date, self.d.int(7, 25) as u32))
            } else {
                None
            };
            if let Some(rd) = receipt {
                self.push_day(rd, Body::NotificationReceiptSent { notification: notification.clone() });
                if self.d.chance(0.7) {
                    let fd = rd + self.d.days(5, 45);
                    self.push_day(fd, Body::NotificationFeedbackSent { notification });
                }
            }
        }
        date
    }

    /// A børnefaglig undersøgelse: mostly completed within 4 months of `aware`, some late, a few never (when
    /// `may_stay_open`).
    fn investigation(
        &mut self,
        aware: NaiveDate,
        started: NaiveDate,
        may_stay_open: bool,
        conclusions: &'static [&'static str],
    ) -> Investigation {
        let investigation = self.next_id(INVESTIGATION);
        let aware_since = if aware < started { Some(aware) } else { None };
        self.push_day(started, Body::InvestigationStarted { investigation: investigation.clone(), aware_since });
        let talk = started + self.d.days(5, 70);
        if self.can_talk(talk) && self.d.chance(0.85) {
            self.conversation(talk, ConversationPurpose::Investigation, None, None);
        }
        let due = add_months(aware, 4);
        let r = self.d.unit();
        let p = self.on_time(0.86);
        let completed = if r < p {
            Some(started + self.d.days(20, (due - started).num_days().max(20)))
        } else if r < p + 0.10 || !may_stay_open {
            Some(due + self.d.days(1, 75))
        } else {
            None
        };
        if let Some(c) = completed {
            let conclusion = Some(self.d.pick(conclusions).to_string());
            self.push_day(c, Body::InvestigationCompleted { investigation, conclusion });
        }
        self.investigations.push((started, completed));
        (started, completed)
    }

    fn conversation(
        &mut self,
        date: NaiveDate,
        purpose: ConversationPurpose,
        placement: Option<Ref>,
        intervention: Option<Ref>,
    ) {
        let without_carers = self.d.chance(0.85);
        self.push_day(date, Body::ChildConversation { purpose, without_carers, placement, intervention });
    }

    /// The child conversation before a decision: mostly within the weeks before it, sometimes after, sometimes not
    /// at all. Returns whether it was waived for the child's age and maturity.
    fn conversation_before(&mut self, decided: NaiveDate, intervention: &Ref) -> bool {
        if !self.can_talk(decided) {
            return false;
        }
        if self.age(decided) < 7 && self.d.chance(0.12) {
            return true;
        }
        let r = self.d.unit();
        let p = self.on_time(0.88);
        if r < p {
            let date = decided - self.d.days(0, 35);
            self.conversation(date, ConversationPurpose::Decision, None, Some(intervention.clone()));
        } else if r < p + 0.06 {
            let date = decided + self.d.days(1, 60);
            self.conversation(date, ConversationPurpose::Other, None, Some(intervention.clone()));
        }
        false
    }

    // --- plans, decisions, follow-ups --------------------------------------------------------------------------

    fn goals(&mut self, date: NaiveDate) -> Vec<Goal> {
        let n = self.d.int(2, 3) as usize;
        let teen = self.age(date) >= 14;
        let mut goals: Vec<Goal> = Vec::with_capacity(n);
        for _ in 0..12 {
            if goals.len() >= n {
                break;
            }
            let (theme, text) = GOALS[self.d.index(GOALS.len())];
            if (theme == GoalTheme::Independence && !teen) || goals.iter().any(|g| g.theme == theme) {
                continue;
            }
            goals.push(Goal { id: format_ref!("g{}", goals.len() + 1), theme, text: text.to_string() });
        }
        goals
    }

    /// The plan for a decision. `placement` is `Some(consent)` for a placement. Returns the plan (if one is made),
    /// whether the decision is urgent (Serviceloven § 140) and whether a plan is required (Barnets lov § 91, stk. 1).
    fn plan_for(&mut self, decided: NaiveDate, placement: Option<bool>, acute: bool) -> (Option<PlanRef>, bool, bool) {
        let bl = decided >= bl_from();
        let before = !bl || placement == Some(false);
        let mut urgent = !bl && (acute || self.d.chance(0.05));
        let mut plan_required = false;
        let r = self.d.unit();
        let date = if before && !urgent {
            // The plan before the decision.
            let p = self.on_time(0.86);
            if r < p {
                Some(decided - self.d.days(0, 28))
            } else if r < p + 0.11 {
                Some(decided + self.d.days(1, 75))
            } else {
                None
            }
        } else {
            // Serviceloven urgent decision (4 months) or Barnets lov (3 months after the decision).
            let months = if urgent { 4 } else { 3 };
            let required = if placement.is_some() || urgent {
                true
            } else {
                plan_required = self.d.chance(0.7);
                plan_required
            };
            let p = if required { self.on_time(0.86) } else { 0.35 };
            let due_days = (add_months(decided, months) - decided).num_days();
            if r < p {
                Some(decided + self.d.days(0, due_days - 3))
            } else if required && r < p + 0.11 {
                Some(decided + self.d.days(due_days + 2, due_days + 100))
            } else {
                None
            }
        };
        if bl {
            urgent = urgent || acute;
        }
        let plan = date.map(|date| self.new_plan(date));
        (plan, urgent, plan_required)
    }

    /// A plan made on `date`, often together with the child.
    fn new_plan(&mut self, date: NaiveDate) -> PlanRef {
        let id = self.next_id(PLAN);
        let goals = self.goals(date);
        self.push_day(date, Body::PlanCreated { plan: id.clone(), goals: goals.clone() });
        if self.can_talk(date) && self.d.chance(0.4) {
            self.conversation(date, ConversationPurpose::Plan, None, None);
        }
        PlanRef { id, date, goals }
    }

    /// Follow-ups on an intervention: the first within 3 months of the start (earlier when an investigation runs
    /// alongside), then every 6 months or at the date the previous follow-up set (Barnets lov § 95, stk. 3).
    fn follow_ups(&mut self, intervention: &Ref, plan: Option<&PlanRef>, start: NaiveDate, end: Option<NaiveDate>) {
        let mut revised: Option<PlanRef> = None;
        let mut due = add_months(start, 3);
        if let Some(c) = self
            .investigations
            .iter()
            .filter(|(s, c)| *s <= start && c.is_some_and(|c| c > start))
            .filter_map(|x| x.1)
            .min()
        {
            due = due.min(c);
        }
        let mut scores: Vec<i64> = plan.map(|p| p.goals.iter().map(|_| self.d.int(2, 5)).collect()).unwrap_or_default();
        let mut prev: Option<NaiveDate> = None;
        loop {
            let r = self.d.unit();
            let p = self.on_time(0.88);
            let lo = match prev {
                None => start.max(due - Duration::days(60)),
                Some(x) => (x + Duration::days(30)).max(due - Duration::days(75)),
            }
            .min(due);
            let date = if r < p {
                self.d.date(lo, due)
            } else if r < p + 0.09 {
                due + self.d.days(1, 70)
            } else {
                break;
            };
            if date > self.world.until || end.is_some_and(|e| date >= e) {
                break;
            }
            let next_follow_up =
                if date >= bl_from() && self.d.chance(0.4) { Some(date + self.d.days(60, 183)) } else { None };
            // A follow-up names the plan (and scores its goals) once the plan exists; now and then the plan is
            // revised with new goals.
            if plan.is_some_and(|p| p.date + Duration::days(180) < date) && self.d.chance(0.25) {
                let p = self.new_plan(date);
                scores = p.goals.iter().map(|_| self.d.int(2, 5)).collect();
                revised = Some(p);
            }
            let plan = revised.as_ref().or(plan).filter(|p| p.date <= date);
            let goal_progress = match plan {
                Some(p) => p
                    .goals
                    .iter()
                    .zip(scores.iter_mut())
                    .map(|(g, s)| {
                        *s = (*s + self.d.int(-1, 2)).clamp(1, 10);
                        GoalProgress { goal: g.id.clone(), score: *s as u8 }
                    })
                    .collect(),
                None => Vec::new(),
            };
            self.push_day(
                date,
                Body::PlanFollowedUp {
                    plan: plan.map(|p| p.id.clone()),
                    intervention: Some(intervention.clone()),
                    next_follow_up,
                    goal_progress,
                },
            );
            if self.can_talk(date) && self.d.chance(0.45) {
                self.conversation(date, ConversationPurpose::FollowUp, None, Some(intervention.clone()));
            }
            due = next_follow_up.unwrap_or_else(|| add_months(date, 6));
            prev = Some(date);
        }
    }

    /// A preventive intervention decided on `decided`; ended at `ends_by` at the latest (e.g. a placement).
    fn preventive(&mut self, decided: NaiveDate, ends_by: Option<NaiveDate>, kind: Option<&'static str>) {
        let row = match kind.and_then(|k| PREVENTIVE.iter().find(|r| r.kind == k)) {
            Some(r) => *r,
            None => PREVENTIVE[self.d.weighted(PREVENTIVE.iter().map(|r| r.weight))],
        };
        let Preventive { kind, cost: (lo, hi), steps: (step_lo, step_hi), sel, bl, .. } = row;
        let intervention = self.next_id(INTERVENTION);
        let waived = self.conversation_before(decided, &intervention);
        let (plan, urgent, plan_required) = self.plan_for(decided, None, false);
        let section = if decided >= bl_from() { bl } else { sel };
        let daily_cost_dkk = Some(self.d.money(lo, hi, 10));
        let ladder_step = Some(self.d.int(step_lo, step_hi) as u8);
        let mut decision = Event::new(
            At::date_only(decided),
            Some(self.child.clone()),
            Body::InterventionDecided(Box::new(crate::event::Decision {
                intervention: intervention.clone(),
                kind: kind.into(),
                section: Some(section.into()),
                plan: plan.as_ref().map(|p| p.id.clone()),
                daily_cost_dkk,
                ladder_step,
                conversation_waived: waived,
                consent: None,
                urgent,
                plan_required,
            })),
        );
        if waived {
            decision.set_note(Some("Samtalen er undladt på grund af barnets alder og modenhed".into()));
        }
        self.events.push(decision);
        let start = decided + self.d.days(0, 21);
        self.push_day(start, Body::InterventionStarted { intervention: intervention.clone() });
        let natural = start + self.d.days(120, 1000);
        let end = match ends_by {
            Some(e) => natural.min(e),
            None => natural,
        };
        self.follow_ups(&intervention, plan.as_ref(), start, Some(end));
        let reason = if ends_by.is_some_and(|e| e <= natural) {
            EndReason::NoEffect
        } else {
            [EndReason::GoalReached, EndReason::NoEffect, EndReason::Moved, EndReason::Age, EndReason::Other]
                [self.d.weighted([0.45, 0.20, 0.05, 0.05, 0.25].into_iter())]
        };
        if self.d.chance(0.97) {
            self.push_day(end, Body::InterventionEnded { intervention, reason: Some(reason) });
        }
    }

    // --- placements ------------------------------------------------------------------------------------------

    fn placement_type(&mut self) -> PlacementType {
        PLACEMENT_MIX[self.d.weighted(PLACEMENT_MIX.iter().map(|r| r.1))].0
    }

    /// A placement decided on `decided` and started on `start`. Returns `None` when no site could be found, else
    /// its end (if before the end of the journal: date and reason) and whether the child moved to another site.
    fn placement(
        &mut self,
        decided: NaiveDate,
        start: NaiveDate,
        consent: bool,
        acute: bool,
        placement_type: PlacementType,
    ) -> Option<(Option<(NaiveDate, EndReason)>, bool)> {
        let until = self.world.until;
        // A pool site (network foster families are created below, once the end is known).
        let pool_site = if placement_type == PlacementType::NetworkFosterFamily {
            None
        } else {
            let i = self.pick_site(placement_type, start)?;
            let s = &self.world.sites[i];
            Some((s.id.clone(), s.revoked.map(|r| r.0).filter(|r| *r > start)))
        };
        let revoked = pool_site.as_ref().and_then(|s| s.1);

        // How the placement ends: home again, the 18th birthday, a move, the site's approval revoked, or efterværn
        // ending at 23.
        let mean_days = 365.0 * 5.5;
        let natural = start + Duration::days((-(1.0 - self.d.unit()).ln() * mean_days) as i64 + 30);
        let mut end = (natural, EndReason::GoalReached, "Hjemgivelse", false);
        let eighteen = add_months(self.birth, 216);
        if eighteen > start && eighteen < end.0 && self.d.chance(0.55) {
            end = (eighteen, EndReason::Age, "Barnet er fyldt 18 år", false);
        }
        let twenty_three = add_months(self.birth, 276);
        if twenty_three < end.0 {
            end = (twenty_three, EndReason::Age, "Efterværn ophørt ved 23 år", false);
        }
        if self.d.chance(0.10) {
            let moved = start + self.d.days(120, 900);
            if moved < end.0 {
                end = (moved, EndReason::Other, "Skift af anbringelsessted", true);
            }
        }
        if let Some(r) = revoked {
            let moved = r + self.d.days(5, 40);
            if moved < end.0 {
                end = (moved, EndReason::Other, "Anbringelsesstedets godkendelse er tilbagekaldt", true);
            }
        }
        let (end_date, reason, text, moved) = end;
        let ends = end_date <= until;
        let site_id = match pool_site {
            Some((id, _)) => id,
            None => self.network_family(start, if ends { Some(end_date) } else { None }),
        };

        let intervention = self.next_id(INTERVENTION);
        let placement = self.next_id(PLACEMENT);
        let waived = self.conversation_before(decided, &intervention);
        let (plan, urgent, _) = self.plan_for(decided, Some(consent), acute);
        let bl = decided >= bl_from();
        let section = match (bl, consent) {
            (false, true) => "SEL 52.3.7",
            (false, false) => "SEL 58",
            (true, true) => "BL 46",
            (true, false) => "BL 47",
        };
        let ((lo, hi), step) = placement_cost(placement_type);
        let daily_cost_dkk = Some(self.d.money(lo, hi, 10));
        let mut decision = Event::new(
            At::date_only(decided),
            Some(self.child.clone()),
            Body::InterventionDecided(Box::new(crate::event::Decision {
                intervention: intervention.clone(),
                kind: "placement".into(),
                section: Some(section.into()),
                plan: plan.as_ref().map(|p| p.id.clone()),
                daily_cost_dkk,
                ladder_step: Some(step),
                conversation_waived: waived,
                consent: Some(consent),
                urgent,
                plan_required: false,
            })),
        );
        if waived {
            decision.set_note(Some("Samtalen er undladt på grund af barnets alder og modenhed".into()));
        }
        self.events.push(decision);
        self.push_day(start, Body::InterventionStarted { intervention: intervention.clone() });
        self.push_day(
            start,
            Body::PlacementStarted {
                placement: placement.clone(),
                site: site_id.clone(),
                placement_type,
                consent,
                intervention: Some(intervention.clone()),
            },
        );

        self.visits(&placement, start, if ends { Some(end_date) } else { None });
        self.follow_ups(&intervention, plan.as_ref(), start, Some(end_date));
        // A danger signal now and then about the child's placement.
        let mut year = start;
        while year < end_date.min(until) {
            if self.d.chance(0.02) {
                let date = self.d.date(year, (year + Duration::days(364)).min(end_date.min(until)));
                let signal = self.next_id(SIGNAL);
                let child = self.child.clone();
                let s = SignalAt {
                    signal,
                    site: Some(site_id.clone()),
                    placement: Some(placement.clone()),
                    date,
                    grave: false,
                };
                danger_signal(self.world, &mut self.d, &mut self.events, Some(&child), s);
            }
            year += Duration::days(365);
        }
        if !ends {
            return Some((None, false));
        }
        self.push_day(end_date, Body::PlacementEnded { placement, reason: Some(text.to_string()) });
        self.push_day(end_date, Body::InterventionEnded { intervention, reason: Some(reason) });
        Some((Some((end_date, reason)), moved))
    }

    /// A pool site of the type for a placement starting on `start`: one approved and in force then, except now and
    /// then one whose approval came later.
    fn pick_site(&mut self, t: PlacementType, start: NaiveDate) -> Option<usize> {
        let world = self.world;
        let candidates = world.by_type.get(t as usize)?;
        if candidates.is_empty() {
            return None;
        }
        if !t.is_socialtilsyn_site() {
            return Some(self.d.pick(candidates));
        }
        let usable = |i: usize| {
            let s = &world.sites[i];
            s.in_force_on(start) && s.revoked.is_none_or(|(r, _)| r > start + Duration::days(30))
        };
        if self.d.chance(0.015) {
            for _ in 0..10 {
                let i = self.d.pick(candidates);
                if world.sites[i].approvals.first().is_some_and(|(a, _)| *a > start) {
                    return Some(i);
                }
            }
        }
        for _ in 0..16 {
            let i = self.d.pick(candidates);
            if usable(i) {
                return Some(i);
            }
        }
        let offset = self.d.int(0, candidates.len() as i64 - 1) as usize;
        let n = candidates.len();
        (0..n).map(|k| candidates[(k + offset) % n]).find(|&i| usable(i)).or_else(|| Some(self.d.pick(candidates)))
    }

    /// A network foster family (often relatives) approved by the child's municipality for this child; its site
    /// events belong to the child's case, and its approval ends with the placement.
    fn network_family(&mut self, start: NaiveDate, end: Option<NaiveDate>) -> Ref {
        let id = self.next_id(SITE);
        let surname = if self.d.chance(0.5) { self.surname } else { self.d.pick(SURNAMES) };
        let approved = if self.d.chance(0.9) { start - self.d.days(0, 20) } else { start + self.d.days(5, 60) };
        let mut plan = SitePlan {
            id: id.clone(),
            site_type: PlacementType::NetworkFosterFamily,
            name: format!("Netværksplejefamilien {surname}"),
            municipality: self.municipality,
            registered: start - self.d.days(5, 40),
            approvals: vec![(approved, None)],
            in_force: vec![(approved, None)],
            revoked: None,
            diligence: 0.8 + 0.2 * self.d.unit(),
        };
        if let Some(e) = end {
            revoke(&mut plan, e, "Netværksplejeforholdet er ophørt");
        }
        let child = self.child.clone();
        site_events(self.world, &plan, &mut self.d, Some(&child), &mut self.events);
        id
    }

    /// Personal supervision visits: two a placement year in most municipalities' practice, fewer in some; the first
    /// mostly within three months.
    fn visits(&mut self, placement: &Ref, start: NaiveDate, end: Option<NaiveDate>) {
        let until = self.world.until;
        for k in 1.. {
            let window_start = add_months(start, 12 * (k - 1));
            if window_start > until || end.is_some_and(|e| e <= window_start) {
                break;
            }
            let last = add_months(start, 12 * k) - Duration::days(1);
            let span = (last - window_start).num_days();
            let qualifying: i64 = if self.d.chance(self.quality.visits) {
                if self.d.chance(0.2) {
                    3
                } else {
                    2
                }
            } else if self.d.chance(0.77) {
                1
            } else {
                0
            };
            let mut dates: Vec<NaiveDate> = (0..qualifying)
                .map(|j| {
                    let seg = span / qualifying.max(1);
                    window_start + Duration::days(j * seg) + self.d.days(10, seg - 5)
                })
                .collect();
            if k == 1 {
                if let Some(first) = dates.first_mut() {
                    *first = if self.d.chance(self.on_time(0.92)) {
                        window_start + self.d.days(10, 85)
                    } else {
                        window_start + self.d.days(95, 150)
                    };
                }
            }
            for date in dates {
                if date > until || end.is_some_and(|e| date >= e) {
                    continue;
                }
                let without_carers = self.d.chance(5.0 / 6.0);
                let child_view = if self.age(date) >= 5 && self.d.chance(0.7) {
                    Some(self.d.pick(CHILD_VIEWS).to_string())
                } else {
                    None
                };
                self.push_day(
                    date,
                    Body::SupervisionVisit {
                        placement: placement.clone(),
                        child_spoken_to: true,
                        without_carers,
                        child_view,
                    },
                );
                if self.d.chance(0.4) {
                    self.push_day(
                        date,
                        Body::ChildConversation {
                            purpose: ConversationPurpose::Supervision,
                            without_carers,
                            placement: Some(placement.clone()),
                            intervention: None,
                        },
                    );
                }
            }
            // Now and then a visit where the child was not spoken to.
            if self.d.chance(0.12) {
                let date = window_start + self.d.days(5, span);
                if date <= until && end.is_none_or(|e| date < e) {
                    let mut e = Event::new(
                        At::date_only(date),
                        Some(self.child.clone()),
                        Body::SupervisionVisit {
                            placement: placement.clone(),
                            child_spoken_to: false,
                            without_carers: false,
                            child_view: None,
                        },
                    );
                    e.set_note(Some("Barnet var ikke hjemme ved besøget".into()));
                    self.events.push(e);
                }
            }
        }
    }
}

/// Placement types for young people only (eget værelse, efterskole, skibsprojekt).
fn needs_teen(t: PlacementType) -> bool {
    matches!(t, PlacementType::OwnRoom | PlacementType::BoardingSchool | PlacementType::ShipProject)
}

/// Daily cost range (DKK) and intervention-ladder step of a placement type.
fn placement_cost(t: PlacementType) -> ((i64, i64), u8) {
    match t {
        PlacementType::NetworkFosterFamily => ((500, 1200), 4),
        PlacementType::FosterFamily => ((1000, 2500), 5),
        PlacementType::MunicipalFosterFamily => ((1200, 2600), 5),
        PlacementType::ResidentialHome => ((3000, 6000), 6),
        PlacementType::Institution => ((4000, 9000), 6),
        PlacementType::OwnRoom => ((500, 1200), 4),
        PlacementType::BoardingSchool => ((600, 1400), 4),
        PlacementType::ShipProject => ((3000, 5000), 6),
        PlacementType::Other => ((800, 2500), 5),
    }
}

/// A synthetic CPR number consistent with the birth date (century rule of data/cpr.md) and gender (odd last digit
/// for boys); the serial digits are random and the modulus-11 check is not attempted.
fn cpr_for(d: &mut Dice, birth: NaiveDate, gender: Gender) -> Option<Cpr> {
    let sevenths: &[i64] = match birth.year() {
        1858..=1899 => &[5, 6, 7, 8],
        1900..=1936 => &[0, 1, 2, 3],
        1937..=1999 => &[0, 1, 2, 3, 4, 9],
        2000..=2036 => &[4, 5, 6, 7, 8, 9],
        2037..=2057 => &[5, 6, 7, 8],
        _ => return None,
    };
    let seventh = d.pick(sevenths);
    let middle = d.int(0, 99);
    let last = 2 * d.int(0, 4) + i64::from(gender == Gender::Male);
    let s =
        format!("{:02}{:02}{:02}-{seventh}{middle:02}{last}", birth.day(), birth.month(), birth.year().rem_euclid(100));
    Cpr::parse(&s).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::obligation::Status;
    use crate::rules::{id, obligations, RulePack};
    use crate::time::AsOf;
    use std::collections::{HashMap, HashSet};

    fn cfg(children: usize, seed: u64) -> SynthConfig {
        SynthConfig { children, seed, ..SynthConfig::default() }
    }

    fn placements(events: &[Event]) -> Vec<(PlacementType, bool)> {
        events
            .iter()
            .filter_map(|e| match &e.body {
                Body::PlacementStarted { placement_type, consent, .. } => Some((*placement_type, *consent)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn synth_is_deterministic_and_seed_dependent() {
        let a = generate(&cfg(300, 7));
        let b = generate(&cfg(300, 7));
        assert!(!a.is_empty());
        assert_eq!(a, b);
        let c = generate(&cfg(300, 8));
        assert_ne!(a, c);
        assert!(generate(&cfg(0, 7)).is_empty());
    }

    #[test]
    fn synth_events_round_trip_through_json() {
        for e in generate(&cfg(400, 3)) {
            let line = e.to_json_line();
            let back = Event::parse_json(&line).unwrap_or_else(|err| panic!("{line}: {err:?}"));
            assert_eq!(back, e, "{line}");
        }
    }

    #[test]
    fn synth_object_ids_are_unique_and_referenced_objects_exist() {
        let events = generate(&cfg(1500, 5));
        let mut introduced: HashSet<Ref> = HashSet::new();
        for e in &events {
            let id = match &e.body {
                Body::NotificationReceived { notification, .. } => notification,
                Body::InvestigationStarted { investigation, .. } => investigation,
                Body::PlanCreated { plan, .. } => plan,
                Body::InterventionDecided(d) => &d.intervention,
                Body::PlacementStarted { placement, .. } => placement,
                Body::SiteRegistered { site, .. } => site,
                Body::DangerSignal(d) => &d.signal,
                _ => continue,
            };
            assert!(introduced.insert(id.clone()), "duplicate object id {id}");
        }
        for e in &events {
            let refs: Vec<&Ref> = match &e.body {
                Body::NotificationAssessed { notification, .. }
                | Body::NotificationReceiptSent { notification }
                | Body::NotificationFeedbackSent { notification } => vec![notification],
                Body::InvestigationCompleted { investigation, .. } => vec![investigation],
                Body::InterventionStarted { intervention } | Body::InterventionEnded { intervention, .. } => {
                    vec![intervention]
                }
                Body::PlacementStarted { site, intervention, .. } => {
                    std::iter::once(site).chain(intervention).collect()
                }
                Body::PlacementEnded { placement, .. } | Body::SupervisionVisit { placement, .. } => vec![placement],
                Body::SiteApproved { site, .. } | Body::FosterSupervision { site } => vec![site],
                Body::PlanFollowedUp { plan, intervention, .. } => plan.iter().chain(intervention).collect(),
                Body::DangerSignalHandled { signal, .. } => vec![signal],
                _ => Vec::new(),
            };
            for r in refs {
                assert!(introduced.contains(r), "{} refers to unknown {r}", e.to_json_line());
            }
        }
    }

    #[test]
    fn synth_order_and_dates() {
        let c = cfg(500, 11);
        let events = generate(&c);
        let first_child = events.iter().position(|e| e.child.as_deref() == Some("b000001")).unwrap();
        assert!(first_child > 0, "site events come first");
        assert!(events[..first_child].iter().all(|e| e.child.is_none()));
        let mut seen: Vec<&str> = Vec::new();
        for w in events[first_child..].windows(2) {
            let (a, b) = (&w[0], &w[1]);
            let (ca, cb) = (a.child.as_deref().unwrap(), b.child.as_deref().unwrap());
            if ca == cb {
                assert!(a.at.trigger_ts() <= b.at.trigger_ts(), "{} / {}", a.to_json_line(), b.to_json_line());
            } else {
                assert!(ca < cb);
                seen.push(ca);
            }
        }
        assert_eq!(seen.len() + 1, 500, "every child has events");
        assert!(events.iter().all(|e| e.at.date() <= c.until));
        for e in &events {
            if let Body::ChildRegistered { birth_date, cpr, gender, .. } = &e.body {
                let cpr = cpr.as_ref().unwrap();
                assert_eq!(cpr.birth_date(), Some(*birth_date));
                assert_eq!(Some(cpr.gender()), *gender);
                assert!(*birth_date <= e.at.date());
            }
        }
    }

    #[test]
    fn synth_volume_and_calibration() {
        let events = generate(&cfg(2000, 1));
        let per_child = events.len() as f64 / 2000.0;
        assert!((20.0..=30.0).contains(&per_child), "events per child {per_child}");

        let placed: HashSet<&Ref> = events
            .iter()
            .filter(|e| matches!(e.body, Body::PlacementStarted { .. }))
            .filter_map(|e| e.child.as_ref())
            .collect();
        let share = placed.len() as f64 / 2000.0;
        assert!((0.15..=0.20).contains(&share), "placed share {share}");

        let list = placements(&events);
        let n = list.len() as f64;
        let share_of = |f: fn(PlacementType) -> bool| list.iter().filter(|(t, _)| f(*t)).count() as f64 / n;
        let foster = share_of(PlacementType::is_foster_family);
        let institution = share_of(|t| t == PlacementType::Institution);
        let residential = share_of(|t| t == PlacementType::ResidentialHome);
        let other = 1.0 - foster - institution - residential;
        assert!((foster - 0.60).abs() < 0.05, "foster {foster}");
        assert!((institution - 0.17).abs() < 0.04, "institution {institution}");
        assert!((residential - 0.14).abs() < 0.04, "residential {residential}");
        assert!((other - 0.09).abs() < 0.04, "other {other}");
        let without_consent = list.iter().filter(|(_, c)| !c).count() as f64 / n;
        assert!((0.12..=0.28).contains(&without_consent), "without consent {without_consent}");

        // ≈ 1.7 notifications per notified child and year (DST's measure); some with ≥ 3 within 12 months.
        let mut per: HashMap<&Ref, Vec<NaiveDate>> = HashMap::new();
        let mut per_year: HashMap<(i32, &Ref), usize> = HashMap::new();
        for e in &events {
            if let (Body::NotificationReceived { .. }, Some(c)) = (&e.body, &e.child) {
                per.entry(c).or_default().push(e.at.date());
                *per_year.entry((e.at.date().year(), c)).or_default() += 1;
            }
        }
        let mean = per_year.values().sum::<usize>() as f64 / per_year.len() as f64;
        assert!((1.4..=2.0).contains(&mean), "notifications per notified child and year {mean}");
        let repeated = per.values().filter(|d| d.windows(3).any(|w| w[2] - w[0] <= Duration::days(365))).count();
        assert!(repeated > 20, "repeat notifications {repeated}");

        // Preventive measures for several times more children than are placed.
        let preventive: HashSet<&Ref> = events
            .iter()
            .filter(|e| matches!(&e.body, Body::InterventionDecided(d) if d.kind != "placement"))
            .filter_map(|e| e.child.as_ref())
            .collect();
        assert!(preventive.len() > 2 * placed.len(), "{} preventive, {} placed", preventive.len(), placed.len());
    }

    #[test]
    fn synth_engine_sees_every_rule_and_status() {
        let c = cfg(2000, 1);
        let events = generate(&c);
        let pack = RulePack::default_pack();
        let obligations = obligations(&events, AsOf::end_of(c.until), &pack);
        let statuses: HashSet<Status> = obligations.iter().map(|o| o.status).collect();
        for s in Status::ALL {
            assert!(statuses.contains(&s), "no obligation is {}", s.as_str());
        }
        let rules: HashSet<&str> = obligations.iter().map(|o| o.rule).collect();
        for r in id::LAW_RULES.iter().chain(id::POLICY_RULES) {
            assert!(rules.contains(r), "no obligation of rule {r}");
        }
        let count = |status: Status| {
            obligations.iter().filter(|o| o.rule == id::SUPERVISION_VISITS && o.status == status).count() as f64
        };
        let (met, late, overdue) = (count(Status::Met), count(Status::Late), count(Status::Overdue));
        let compliance = met / (met + late + overdue);
        assert!((0.6..=0.97).contains(&compliance), "supervision-visit compliance {compliance}");
        // Both law regimes appear.
        assert!(obligations.iter().any(|o| o.law.starts_with("Serviceloven")));
        assert!(obligations.iter().any(|o| o.law.starts_with("Barnets lov")));
    }

    #[test]
    fn synth_one_municipality() {
        let m = MunicipalityCode::from_code(751).unwrap();
        let events = generate(&SynthConfig { children: 200, municipality: Some(m), ..SynthConfig::default() });
        for e in &events {
            if let Body::ChildRegistered { municipality, .. } = &e.body {
                assert_eq!(*municipality, m);
            }
        }
    }

    #[test]
    fn synth_fills_the_extension_fields() {
        use crate::supervision::finance::{breaches, KeyFigures};
        let events = generate(&cfg(6000, 2));
        let types: HashMap<Ref, PlacementType> = events
            .iter()
            .filter_map(|e| match &e.body {
                Body::SiteRegistered { site, site_type, .. } => Some((site.clone(), *site_type)),
                _ => None,
            })
            .collect();
        let mut places: HashMap<Ref, u16> = HashMap::new();
        let mut conclusions = (0usize, 0usize);
        let mut sources: HashMap<SignalSource, usize> = HashMap::new();
        let mut severities: HashMap<Severity, usize> = HashMap::new();
        for e in &events {
            match &e.body {
                Body::SiteApproved { site, places: p, target_group, .. } => {
                    let p = p.expect("places on every approval");
                    assert!(target_group.as_deref().is_some_and(|t| !t.is_empty()));
                    let range = match types[site] {
                        PlacementType::NetworkFosterFamily => 1..=1,
                        PlacementType::FosterFamily | PlacementType::MunicipalFosterFamily => 1..=3,
                        PlacementType::ResidentialHome => 4..=12,
                        PlacementType::Institution => 8..=30,
                        _ => 1..=30,
                    };
                    assert!(range.contains(&p), "{site}: {p} places");
                    assert!(places.insert(site.clone(), p).is_none_or(|before| before == p), "places change");
                }
                Body::OperationalSupervision { conclusion, .. } => {
                    let c = conclusion.as_deref().expect("a conclusion");
                    conclusions.0 += 1;
                    conclusions.1 += usize::from(c.ends_with("lever op til kvaliteten"));
                }
                Body::DangerSignal(d) => {
                    *sources.entry(d.source.expect("a source")).or_default() += 1;
                    *severities.entry(d.severity.expect("a severity")).or_default() += 1;
                }
                _ => {}
            }
        }
        let ok = conclusions.1 as f64 / conclusions.0 as f64;
        assert!((0.7..0.95).contains(&ok), "conclusions without remarks {ok}");
        let src = |k| sources.get(&k).copied().unwrap_or(0);
        let sev = |k| severities.get(&k).copied().unwrap_or(0);
        assert!(src(SignalSource::Visit) > src(SignalSource::School), "{sources:?}");
        assert!(src(SignalSource::School) > src(SignalSource::Parents), "{sources:?}");
        assert!(src(SignalSource::Finances) > 0, "{sources:?}");
        assert!(sev(Severity::Medium) > sev(Severity::High), "{severities:?}");
        assert!(sev(Severity::High) > sev(Severity::Critical), "{severities:?}");
        assert!(sev(Severity::Critical) > 0 && sev(Severity::Low) > 0, "{severities:?}");

        // A minority of the residential homes' accounts is beyond the default thresholds.
        let pack = RulePack::default_pack();
        let (mut reports, mut beyond) = (0usize, 0usize);
        for e in &events {
            if let Body::SiteFinancesReported { site, year, revenue_dkk, costs_dkk, equity_dkk } = &e.body {
                let k = KeyFigures::new(*year, *revenue_dkk, *costs_dkk, *equity_dkk, places.get(site).copied());
                assert!(k.cost_per_place_day_dkk.is_some());
                reports += 1;
                beyond += usize::from(!breaches(&k, &pack.finances).is_empty());
            }
        }
        let share = beyond as f64 / reports as f64;
        assert!(reports > 50 && (0.05..=0.22).contains(&share), "{beyond} of {reports} accounts beyond a threshold");
    }

    #[test]
    fn synth_blocks_equal_plain_concatenation() {
        let c = cfg(700, 9);
        let world = World::new(&c);
        let plain: Vec<Event> = (0..world.sites.len() + c.children).flat_map(|u| world.unit(u)).collect();
        assert_eq!(generate(&c), plain);
    }
}
