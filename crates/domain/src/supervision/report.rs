//! The data of the two printed documents of the supervision area: the annual supervision report to the city
//! council (KL's recommendation 1) and the child's "Hvis du har brug for hjælp" card (recommendation 7).
//!
//! These are plain, serialisable figures; the `report` crate lays them out as PDF (typst) and XLSX. Texts are
//! Danish and ready to print; amounts are whole kroner; shares are 0–100 per cent.

use serde::Serialize;

/// The annual supervision report ("Årlig tilsynsrapport til kommunalbestyrelsen") for one municipality and year.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CouncilReport {
    /// e.g. "København"
    pub municipality: String,
    /// e.g. "101"
    pub municipality_code: String,
    pub year: i32,
    /// The date the figures were computed as of (ISO date).
    pub as_of: String,
    /// A few sentences summarising the year, written from the figures.
    pub summary: Vec<String>,
    pub approvals: Approvals,
    pub visits: Visits,
    pub foster: Foster,
    pub operational: Operational,
    pub signals: Signals,
    pub finances: Vec<FinanceRow>,
}

/// Approval of placement sites by the Socialtilsyn, per site type.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Approvals {
    pub rows: Vec<ApprovalRow>,
    pub total: ApprovalRow,
}

#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct ApprovalRow {
    /// Danish label of the site type ("Plejefamilie", "Opholdssted" …); "I alt" for the total.
    pub site_type: String,
    /// Sites registered and in use (approved or with children placed) during the year.
    pub sites: u32,
    /// Approved at the end of the year (or as of, for the current year).
    pub approved_end: u32,
    /// New approvals during the year.
    pub approved_in_year: u32,
    /// Approvals revoked during the year.
    pub revoked_in_year: u32,
    /// Approvals that expire within 90 days after the end of the year.
    pub expiring_soon: u32,
    /// Approved places at the end of the year.
    pub places: u32,
    /// Children placed at the end of the year.
    pub occupied: u32,
}

/// Personal supervision visits (personrettet tilsyn) to placed children.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Visits {
    /// Children placed at some time during the year.
    pub placed_children: u32,
    /// Visits required by the law with a deadline in the year.
    pub required: u32,
    /// Of those: held on time.
    pub on_time: u32,
    /// Of those: held, but late.
    pub late: u32,
    /// Of those: not held (overdue at the end of the year).
    pub missing: u32,
    /// Visits held in the year (all of them).
    pub held: u32,
    /// Share (0–100) of the held visits where the child was spoken to without foster parents or staff.
    pub spoken_alone_pct: f64,
    /// Per quarter: ("1. kvt.", required, on time).
    pub by_quarter: Vec<QuarterRow>,
    /// The legal basis, e.g. "Barnets lov § 156, stk. 5".
    pub law: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct QuarterRow {
    pub quarter: String,
    pub required: u32,
    pub on_time: u32,
}

/// Training and supervision of foster families.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Foster {
    /// Approved foster families (all three types) during the year.
    pub families: u32,
    /// Of those, families that have taken the basic course (grundkursus) by the end of the year.
    pub basic_course: u32,
    /// Families that took further training (efteruddannelse) in the year.
    pub trained_in_year: u32,
    /// Training hours in the year.
    pub training_hours: f64,
    /// Supervision sessions held in the year.
    pub supervision_sessions: u32,
    /// Supervision deadlines (municipal guideline) in the year: on time / late / missing.
    pub supervision_due: u32,
    pub supervision_on_time: u32,
    pub supervision_late: u32,
    pub supervision_missing: u32,
    /// The families behind on training or supervision at the end of the year.
    pub behind: Vec<FamilyBehind>,
    /// The municipal guideline in words, e.g. "supervision af plejefamilier mindst hver 3. måned".
    pub guideline: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FamilyBehind {
    pub name: String,
    pub site_type: String,
    /// What is missing, e.g. "Supervision (frist 31.03.2025)".
    pub issue: String,
}

/// The Socialtilsyn's operational supervision (driftsorienteret tilsyn) of the sites used.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Operational {
    pub due: u32,
    pub on_time: u32,
    pub late: u32,
    pub missing: u32,
    /// Operational visits held in the year (announced / unannounced).
    pub announced: u32,
    pub unannounced: u32,
}

/// Danger signals (faresignaler) and the reaction to them.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Signals {
    pub raised: u32,
    /// Reacted to within the municipality's deadline.
    pub reacted_on_time: u32,
    pub reacted_late: u32,
    /// Not reacted to at the end of the year.
    pub open: u32,
    /// Passed on to the Socialtilsyn.
    pub socialtilsyn_notified: u32,
    /// Median working days from the signal to the reaction (None: no reactions).
    pub median_reaction_days: Option<f64>,
    /// ("Tilsynsbesøg", 4) …, largest first.
    pub by_source: Vec<CountRow>,
    /// ("Kritisk", 1) …, most severe first.
    pub by_severity: Vec<CountRow>,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CountRow {
    pub label: String,
    pub count: u32,
}

/// A residential home's key figures for the year (the latest report for the year).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FinanceRow {
    pub site: String,
    pub name: String,
    pub revenue_dkk: f64,
    pub costs_dkk: f64,
    pub profit_dkk: f64,
    /// Profit as a share of revenue, per cent.
    pub margin_pct: f64,
    pub equity_dkk: Option<f64>,
    pub places: Option<u32>,
    /// Costs per approved place per day (None without places).
    pub cost_per_place_day_dkk: Option<f64>,
    /// Thresholds breached, in Danish ("Overskudsgrad 14,2 % over grænsen 10 %").
    pub breaches: Vec<String>,
}

/// The child's own "Hvis du har brug for hjælp" card (KL recommendation 7).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HelpCard {
    /// The child's first name, as the card speaks to the child.
    pub child_first_name: String,
    /// Age in whole years on the date printed.
    pub age: u32,
    /// Where the child lives now ("Familien Hansen", "Opholdsstedet Solsikken").
    pub placement_name: String,
    pub municipality: String,
    pub caseworker_name: String,
    pub caseworker_phone: String,
    pub caseworker_email: String,
    /// The municipality's acute out-of-hours number (socialvagt / døgnvagt).
    pub out_of_hours_phone: String,
    /// The Børns Vilkår children's phone, always on the card.
    pub childrens_phone: String,
    /// The rights paragraphs that apply at the child's age, in child-friendly Danish, each a heading and a text.
    pub rights: Vec<Right>,
    /// The date the card was printed (ISO date).
    pub printed: String,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Right {
    pub heading: String,
    pub text: String,
}
