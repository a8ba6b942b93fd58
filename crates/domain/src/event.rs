//! Journal events (`../shared/spec/events.md`): the typed event, its JSON form, and parsing with errors that name
//! the line and the field.
//!
//! Unknown fields are kept (`Event::extra`) and written back unchanged; an unknown `type` is an error.

use crate::cpr::{Cpr, Gender};
use crate::flatjson::Scalar;
use crate::municipality::MunicipalityCode;
use crate::time::{parse_date, At};
use chrono::NaiveDate;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Number, Value};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::fmt;

/// A reference to an object inside a journal (child, notification, plan, placement, site …). Sixteen bytes, and
/// an `Option<Ref>` too: references up to 16 bytes (all the usual ones) are kept inline, longer ones on the heap.
/// Events are held by the million, each with two to four references.
pub type Ref = lean_string::LeanString;

/// `format!` into a [`Ref`] (a short reference is built without a heap allocation).
macro_rules! format_ref {
    ($($arg:tt)*) => {{
        let mut r = $crate::event::Ref::new();
        // Writing to a `Ref` cannot fail (it grows like a `String`).
        let _ = ::std::fmt::Write::write_fmt(&mut r, format_args!($($arg)*));
        r
    }};
}
pub(crate) use format_ref;

macro_rules! vocabulary {
    ($(#[$m:meta])* $name:ident, $what:literal { $($variant:ident = $code:literal / $da:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The code used in the journal.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// The Danish label shown in the UI.
            pub fn label_da(self) -> &'static str {
                match self { $($name::$variant => $da),+ }
            }

            pub fn parse(s: &str) -> Option<$name> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }

            /// The allowed codes, for error messages.
            pub fn allowed() -> String {
                [$($code),+].join(", ")
            }

            pub const WHAT: &'static str = $what;
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result { f.write_str(self.as_str()) }
        }

        /// From the journal code (rule packs name vocabulary values by their codes).
        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let s = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                $name::parse(&s).ok_or_else(|| {
                    ::serde::de::Error::custom(format!("ukendt {} \"{s}\" (tilladt: {})", $what, $name::allowed()))
                })
            }
        }
    };
}
pub(crate) use vocabulary;

vocabulary!(
    /// Event types of the journal.
    EventType, "hændelsestype" {
    ChildRegistered = "child_registered" / "Barn registreret",
    NotificationReceived = "notification_received" / "Underretning modtaget",
    NotificationAssessed = "notification_assessed" / "Underretning vurderet",
    NotificationReceiptSent = "notification_receipt_sent" / "Kvittering sendt til fagperson",
    NotificationFeedbackSent = "notification_feedback_sent" / "Tilbagemelding sendt til fagperson",
    InvestigationStarted = "investigation_started" / "Børnefaglig undersøgelse påbegyndt",
    InvestigationCompleted = "investigation_completed" / "Børnefaglig undersøgelse afsluttet",
    ChildConversation = "child_conversation" / "Børnesamtale",
    PlanCreated = "plan_created" / "Plan udarbejdet",
    PlanFollowedUp = "plan_followed_up" / "Opfølgning",
    InterventionDecided = "intervention_decided" / "Indsats besluttet",
    InterventionStarted = "intervention_started" / "Indsats iværksat",
    InterventionEnded = "intervention_ended" / "Indsats ophørt",
    PlacementStarted = "placement_started" / "Anbringelse påbegyndt",
    PlacementEnded = "placement_ended" / "Anbringelse ophørt",
    SupervisionVisit = "supervision_visit" / "Tilsynsbesøg",
    SiteRegistered = "site_registered" / "Anbringelsessted registreret",
    SiteApproved = "site_approved" / "Anbringelsessted godkendt",
    SiteApprovalRevoked = "site_approval_revoked" / "Godkendelse tilbagekaldt",
    FosterTraining = "foster_training" / "Efteruddannelse af plejefamilie",
    FosterSupervision = "foster_supervision" / "Supervision af plejefamilie",
    OperationalSupervision = "operational_supervision" / "Driftsorienteret tilsyn",
    SiteFinancesReported = "site_finances_reported" / "Økonominøgletal indberettet",
    DangerSignal = "danger_signal" / "Faresignal",
    DangerSignalHandled = "danger_signal_handled" / "Faresignal håndteret",
    Correction = "correction" / "Rettelse",
});

vocabulary!(
    /// Placement types (SEL § 66 / BL § 43, stk. 1); also the vocabulary of `site_type`.
    PlacementType, "anbringelsestype" {
    NetworkFosterFamily = "network_foster_family" / "Netværksplejefamilie",
    FosterFamily = "foster_family" / "Plejefamilie",
    MunicipalFosterFamily = "municipal_foster_family" / "Kommunal plejefamilie",
    ResidentialHome = "residential_home" / "Opholdssted",
    Institution = "institution" / "Døgninstitution",
    OwnRoom = "own_room" / "Eget værelse",
    BoardingSchool = "boarding_school" / "Kost-/efterskole",
    ShipProject = "ship_project" / "Skibsprojekt",
    Other = "other" / "Andet",
});

impl PlacementType {
    /// Foster-family types (plejefamilier of every kind).
    pub fn is_foster_family(self) -> bool {
        matches!(self, Self::NetworkFosterFamily | Self::FosterFamily | Self::MunicipalFosterFamily)
    }

    /// Sites the Socialtilsyn approves and supervises (Socialtilsynsloven § 4): plejefamilier other than
    /// netværksplejefamilier, opholdssteder and døgninstitutioner.
    pub fn is_socialtilsyn_site(self) -> bool {
        matches!(self, Self::FosterFamily | Self::MunicipalFosterFamily | Self::ResidentialHome | Self::Institution)
    }
}

vocabulary!(
    /// Outcome of the 24-hour assessment of a notification.
    AssessmentOutcome, "vurdering" {
    NoAction = "no_action" / "Ingen foranstaltning",
    Investigate = "investigate" / "Børnefaglig undersøgelse",
    AcuteMeasure = "acute_measure" / "Akut foranstaltning",
    Advice = "advice" / "Rådgivning",
});

vocabulary!(
    /// Purpose of a child conversation (børnesamtale).
    ConversationPurpose, "formål" {
    Investigation = "investigation" / "Undersøgelse",
    Decision = "decision" / "Afgørelse",
    Plan = "plan" / "Plan",
    FollowUp = "follow_up" / "Opfølgning",
    Supervision = "supervision" / "Tilsyn",
    Other = "other" / "Andet",
});

vocabulary!(
    /// Goal themes of a child's plan.
    GoalTheme, "tema" {
    Development = "development" / "Udvikling og adfærd",
    School = "school" / "Skole og uddannelse",
    Health = "health" / "Sundhed og trivsel",
    Family = "family" / "Familie",
    Friends = "friends" / "Venskaber og netværk",
    Leisure = "leisure" / "Fritid",
    Independence = "independence" / "Selvstændighed",
    Other = "other" / "Andet",
});

vocabulary!(
    /// Kinds of intervention (`intervention_decided.kind`): the supporting measures of SEL § 52, stk. 3 / BL § 32
    /// and placement outside the home.
    InterventionKind, "indsatstype" {
    Consultation = "consultation" / "Konsulentbistand og rådgivning",
    FamilyTreatment = "family_treatment" / "Familiebehandling",
    DayTreatment = "day_treatment" / "Dagbehandling",
    RespiteCare = "respite_care" / "Aflastning",
    ContactPerson = "contact_person" / "Kontaktperson",
    Placement = "placement" / "Anbringelse uden for hjemmet",
    Other = "other" / "Anden støtte",
});

vocabulary!(
    /// Steps of the intervention ladder (indsatstrappen, `intervention_decided.ladder_step`): the least intrusive
    /// help first.
    LadderStep, "trin på indsatstrappen" {
    Universal = "1" / "1 — Almene tilbud",
    Early = "2" / "2 — Tidlig forebyggende støtte",
    InFamily = "3" / "3 — Forebyggende foranstaltninger i familien",
    Network = "4" / "4 — Netværksanbringelse",
    FosterFamily = "5" / "5 — Plejefamilie",
    Residential = "6" / "6 — Opholdssted/døgninstitution",
});

impl LadderStep {
    /// The step's number, 1–6.
    pub fn number(self) -> u8 {
        self as u8 + 1
    }

    pub fn from_number(n: u8) -> Option<LadderStep> {
        LadderStep::ALL.get(usize::from(n).checked_sub(1)?).copied()
    }
}

vocabulary!(
    /// Why an intervention ended.
    EndReason, "ophørsårsag" {
    GoalReached = "goal_reached" / "Mål nået",
    NoEffect = "no_effect" / "Uden effekt",
    Moved = "moved" / "Fraflytning",
    Age = "age" / "Alder",
    Other = "other" / "Andet",
});

vocabulary!(
    /// Where a danger signal came from (Værn extension of `danger_signal`).
    SignalSource, "kilde" {
    Visit = "visit" / "Tilsynsbesøg",
    Child = "child" / "Barnet selv",
    School = "school" / "Skole",
    Finances = "finances" / "Økonomi",
    Media = "media" / "Medier",
    Whistleblower = "whistleblower" / "Whistleblower",
    OperationalSupervision = "operational_supervision" / "Driftsorienteret tilsyn",
    Parents = "parents" / "Forældre",
    Other = "other" / "Andet",
});

vocabulary!(
    /// How serious a danger signal is (Værn extension of `danger_signal`); sets the reaction deadline.
    Severity, "alvor" {
    Low = "low" / "Lav",
    Medium = "medium" / "Middel",
    High = "high" / "Høj",
    Critical = "critical" / "Kritisk",
});

/// A goal of a child's plan.
#[derive(Debug, Clone, PartialEq)]
pub struct Goal {
    pub id: Ref,
    pub theme: GoalTheme,
    pub text: String,
}

/// Progress on one goal at a follow-up (score 1–10).
#[derive(Debug, Clone, PartialEq)]
pub struct GoalProgress {
    pub goal: Ref,
    pub score: u8,
}

/// The type-specific content of an event.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    ChildRegistered {
        birth_date: NaiveDate,
        municipality: MunicipalityCode,
        cpr: Option<Cpr>,
        name: Option<String>,
        gender: Option<Gender>,
    },
    NotificationReceived {
        notification: Ref,
        from_professional: bool,
        concern: Option<String>,
        source: Option<Ref>,
    },
    NotificationAssessed {
        notification: Ref,
        outcome: AssessmentOutcome,
    },
    NotificationReceiptSent {
        notification: Ref,
    },
    NotificationFeedbackSent {
        notification: Ref,
    },
    InvestigationStarted {
        investigation: Ref,
        aware_since: Option<NaiveDate>,
    },
    InvestigationCompleted {
        investigation: Ref,
        conclusion: Option<String>,
    },
    ChildConversation {
        purpose: ConversationPurpose,
        without_carers: bool,
        placement: Option<Ref>,
        intervention: Option<Ref>,
    },
    PlanCreated {
        plan: Ref,
        goals: Vec<Goal>,
    },
    PlanFollowedUp {
        plan: Option<Ref>,
        intervention: Option<Ref>,
        next_follow_up: Option<NaiveDate>,
        goal_progress: Vec<GoalProgress>,
    },
    /// Boxed: the largest variant, and a rare one (keeps every event small).
    InterventionDecided(Box<Decision>),
    InterventionStarted {
        intervention: Ref,
    },
    InterventionEnded {
        intervention: Ref,
        reason: Option<EndReason>,
    },
    PlacementStarted {
        placement: Ref,
        site: Ref,
        placement_type: PlacementType,
        consent: bool,
        intervention: Option<Ref>,
    },
    PlacementEnded {
        placement: Ref,
        reason: Option<String>,
    },
    SupervisionVisit {
        placement: Ref,
        child_spoken_to: bool,
        without_carers: bool,
        child_view: Option<String>,
    },
    SiteRegistered {
        site: Ref,
        site_type: PlacementType,
        name: String,
        municipality: Option<MunicipalityCode>,
    },
    SiteApproved {
        site: Ref,
        valid_until: Option<NaiveDate>,
        by: Option<Ref>,
        /// Værn extension: number of places approved.
        places: Option<u16>,
        /// Værn extension: the target group of the approval (free text, as the Socialtilsyn writes it).
        target_group: Option<Box<str>>,
    },
    SiteApprovalRevoked {
        site: Ref,
    },
    FosterTraining {
        site: Ref,
        course: Option<String>,
        hours: Option<f64>,
    },
    FosterSupervision {
        site: Ref,
    },
    OperationalSupervision {
        site: Ref,
        announced: bool,
        /// Værn extension: the conclusion of the Socialtilsyn's report.
        conclusion: Option<String>,
    },
    SiteFinancesReported {
        site: Ref,
        year: i32,
        revenue_dkk: f64,
        costs_dkk: f64,
        equity_dkk: Option<f64>,
    },
    /// Boxed: large and rare.
    DangerSignal(Box<Signal>),
    DangerSignalHandled {
        signal: Ref,
        action: Option<String>,
        socialtilsyn_notified: bool,
    },
    /// Boxed: large and rare.
    Correction(Box<Correction>),
}

/// A decision on an intervention (`intervention_decided`).
#[derive(Debug, Clone, PartialEq)]
pub struct Decision {
    pub intervention: Ref,
    pub kind: Ref,
    pub section: Option<Ref>,
    pub plan: Option<Ref>,
    pub daily_cost_dkk: Option<f64>,
    pub ladder_step: Option<u8>,
    pub conversation_waived: bool,
    pub consent: Option<bool>,
    pub urgent: bool,
    pub plan_required: bool,
}

/// A danger signal (`danger_signal`).
#[derive(Debug, Clone, PartialEq)]
pub struct Signal {
    pub signal: Ref,
    pub site: Option<Ref>,
    pub placement: Option<Ref>,
    pub kind: Option<String>,
    /// Værn extension: where the signal came from.
    pub source: Option<SignalSource>,
    /// Værn extension: how serious it is (sets the reaction deadline).
    pub severity: Option<Severity>,
}

/// A correction of an earlier event (`correction`).
#[derive(Debug, Clone, PartialEq)]
pub struct Correction {
    pub corrects: Ref,
    pub fields: Map<String, Value>,
    pub reason: String,
}

/// One journal event.
#[derive(Debug, Clone)]
pub struct Event {
    pub at: At,
    pub child: Option<Ref>,
    pub id: Option<Ref>,
    pub body: Body,
    /// The note and unknown fields, boxed: most events have neither, and events are held by the million.
    meta: Option<Box<Meta>>,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Meta {
    note: Option<String>,
    /// Fields this version of Værn does not know, in their original order; written back unchanged.
    extra: Vec<(String, Value)>,
}

impl PartialEq for Event {
    fn eq(&self, other: &Event) -> bool {
        self.at == other.at
            && self.child == other.child
            && self.id == other.id
            && self.body == other.body
            && self.note() == other.note()
            && self.extra() == other.extra()
    }
}

impl Event {
    /// The free-text journal note (notatpligt), if any.
    pub fn note(&self) -> Option<&str> {
        self.meta.as_ref().and_then(|m| m.note.as_deref())
    }

    pub fn set_note(&mut self, note: Option<String>) {
        self.meta.get_or_insert_with(Box::default).note = note;
        self.tidy();
    }

    /// Fields this version of Værn does not know, in their original order.
    pub fn extra(&self) -> &[(String, Value)] {
        self.meta.as_ref().map(|m| m.extra.as_slice()).unwrap_or(&[])
    }

    /// Remove an unknown field and return its value.
    pub fn take_extra(&mut self, name: &str) -> Option<Value> {
        let meta = self.meta.as_mut()?;
        let pos = meta.extra.iter().position(|(k, _)| k == name)?;
        let (_, v) = meta.extra.remove(pos);
        self.tidy();
        Some(v)
    }

    /// Set a field this version of Værn does not type (a Værn extension such as `method`), replacing an earlier
    /// value of the same name; written after the known fields.
    pub fn set_extra(&mut self, name: &str, value: Value) {
        let meta = self.meta.get_or_insert_with(Box::default);
        match meta.extra.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => *v = value,
            None => meta.extra.push((name.to_owned(), value)),
        }
    }

    fn tidy(&mut self) {
        if self.meta.as_ref().is_some_and(|m| m.note.is_none() && m.extra.is_empty()) {
            self.meta = None;
        }
    }
}

/// Event types that belong to a placement site rather than a child: for these `child` may be absent.
pub fn is_site_event(t: EventType) -> bool {
    use EventType::*;
    matches!(
        t,
        SiteRegistered
            | SiteApproved
            | SiteApprovalRevoked
            | FosterTraining
            | FosterSupervision
            | OperationalSupervision
            | SiteFinancesReported
            | DangerSignal
            | DangerSignalHandled
            | Correction
    )
}

impl Body {
    pub fn event_type(&self) -> EventType {
        use Body::*;
        match self {
            ChildRegistered { .. } => EventType::ChildRegistered,
            NotificationReceived { .. } => EventType::NotificationReceived,
            NotificationAssessed { .. } => EventType::NotificationAssessed,
            NotificationReceiptSent { .. } => EventType::NotificationReceiptSent,
            NotificationFeedbackSent { .. } => EventType::NotificationFeedbackSent,
            InvestigationStarted { .. } => EventType::InvestigationStarted,
            InvestigationCompleted { .. } => EventType::InvestigationCompleted,
            ChildConversation { .. } => EventType::ChildConversation,
            PlanCreated { .. } => EventType::PlanCreated,
            PlanFollowedUp { .. } => EventType::PlanFollowedUp,
            InterventionDecided(_) => EventType::InterventionDecided,
            InterventionStarted { .. } => EventType::InterventionStarted,
            InterventionEnded { .. } => EventType::InterventionEnded,
            PlacementStarted { .. } => EventType::PlacementStarted,
            PlacementEnded { .. } => EventType::PlacementEnded,
            SupervisionVisit { .. } => EventType::SupervisionVisit,
            SiteRegistered { .. } => EventType::SiteRegistered,
            SiteApproved { .. } => EventType::SiteApproved,
            SiteApprovalRevoked { .. } => EventType::SiteApprovalRevoked,
            FosterTraining { .. } => EventType::FosterTraining,
            FosterSupervision { .. } => EventType::FosterSupervision,
            OperationalSupervision { .. } => EventType::OperationalSupervision,
            SiteFinancesReported { .. } => EventType::SiteFinancesReported,
            DangerSignal(_) => EventType::DangerSignal,
            DangerSignalHandled { .. } => EventType::DangerSignalHandled,
            Correction(_) => EventType::Correction,
        }
    }
}

impl Event {
    pub fn event_type(&self) -> EventType {
        self.body.event_type()
    }

    /// The object an event introduces or is about (notification, investigation, plan, intervention, placement, site,
    /// signal; for a correction the event it corrects).
    pub fn object(&self) -> Option<&str> {
        use Body::*;
        Some(match &self.body {
            ChildRegistered { .. } => return None,
            NotificationReceived { notification, .. }
            | NotificationAssessed { notification, .. }
            | NotificationReceiptSent { notification }
            | NotificationFeedbackSent { notification } => notification,
            InvestigationStarted { investigation, .. } | InvestigationCompleted { investigation, .. } => investigation,
            ChildConversation { intervention, placement, .. } => {
                return intervention.as_deref().or(placement.as_deref())
            }
            PlanCreated { plan, .. } => plan,
            PlanFollowedUp { intervention, plan, .. } => return intervention.as_deref().or(plan.as_deref()),
            InterventionDecided(d) => &d.intervention,
            InterventionStarted { intervention } | InterventionEnded { intervention, .. } => intervention,
            PlacementStarted { placement, .. }
            | PlacementEnded { placement, .. }
            | SupervisionVisit { placement, .. } => placement,
            SiteRegistered { site, .. }
            | SiteApproved { site, .. }
            | SiteApprovalRevoked { site }
            | FosterTraining { site, .. }
            | FosterSupervision { site }
            | OperationalSupervision { site, .. }
            | SiteFinancesReported { site, .. } => site,
            DangerSignal(d) => &d.signal,
            DangerSignalHandled { signal, .. } => signal,
            Correction(c) => &c.corrects,
        })
    }

    /// The placement site the event concerns: a site's own events, a placement there, a danger signal naming it.
    pub fn site(&self) -> Option<&str> {
        match &self.body {
            Body::SiteRegistered { site, .. }
            | Body::SiteApproved { site, .. }
            | Body::SiteApprovalRevoked { site }
            | Body::FosterTraining { site, .. }
            | Body::FosterSupervision { site }
            | Body::OperationalSupervision { site, .. }
            | Body::SiteFinancesReported { site, .. }
            | Body::PlacementStarted { site, .. } => Some(site),
            Body::DangerSignal(d) => d.site.as_deref(),
            _ => None,
        }
    }

    /// A new event without id, note or unknown fields.
    pub fn new(at: At, child: Option<Ref>, body: Body) -> Event {
        Event { at, child, id: None, body, meta: None }
    }

    /// The event as one JSON line (no trailing newline), fields in canonical order:
    /// `type`, `at`, `child`, `id`, the type's fields, `note`, then unknown fields in their original order.
    pub fn to_json_line(&self) -> String {
        // Room for a typical line at once (serde_json starts at 128 bytes and doubles).
        let mut out = Vec::with_capacity(256);
        self.write_json_line(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Append the event's canonical JSON line (without the newline) to `out`: for callers that reuse one buffer.
    pub fn write_json_line(&self, out: &mut Vec<u8>) {
        // Writing to a Vec cannot fail, and an event always serializes (no map keys other than strings).
        let _ = serde_json::to_writer(out, self);
    }

    /// The event as a JSON object.
    pub fn to_value(&self) -> Value {
        serde_json::to_value(self).unwrap_or(Value::Null)
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

/// A problem with one line of a journal file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LineError {
    /// 1-based line number in the file (0 when not from a file).
    pub line: usize,
    /// The field at fault, if one is.
    pub field: Option<String>,
    /// Danish message.
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.field {
            Some(field) => write!(f, "linje {}, felt \"{}\": {}", self.line, field, self.message),
            None => write!(f, "linje {}: {}", self.line, self.message),
        }
    }
}

/// A problem with a field (before the line number is known).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: Option<String>,
    pub message: String,
}

impl FieldError {
    fn at(field: &str, message: impl Into<String>) -> FieldError {
        FieldError { field: Some(field.to_string()), message: message.into() }
    }

    fn line(message: impl Into<String>) -> FieldError {
        FieldError { field: None, message: message.into() }
    }

    pub fn with_line(self, line: usize) -> LineError {
        LineError { line, field: self.field, message: self.message }
    }
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing: JSON object → raw fields (one pass, borrowed strings) → typed event with field errors.

/// A JSON value as read from a line: scalars stay borrowed; arrays and objects become `Value`, or stay as their
/// checked text when the flat scanner read the line (read only when needed: goals are read straight from it).
#[derive(Debug, Clone)]
enum Lit<'a> {
    Null,
    Bool(bool),
    Num(Number),
    Str(Cow<'a, str>),
    Json(Box<Value>),
    /// An array or object as written, already checked to be valid JSON by the scanner.
    Raw(&'a str),
}

impl Lit<'_> {
    fn into_value(self) -> Value {
        match self {
            Lit::Null => Value::Null,
            Lit::Bool(b) => Value::Bool(b),
            Lit::Num(n) => Value::Number(n),
            Lit::Str(s) => Value::String(s.into_owned()),
            Lit::Json(v) => *v,
            // Checked by the scanner, so this cannot fail; `Null` keeps it total.
            Lit::Raw(r) => serde_json::from_str(r).unwrap_or(Value::Null),
        }
    }

    fn describe(&self) -> String {
        match self {
            Lit::Null => "null".into(),
            Lit::Bool(b) => b.to_string(),
            Lit::Num(n) => n.to_string(),
            Lit::Str(s) => format!("\"{s}\""),
            Lit::Json(v) if v.is_array() => "en liste".into(),
            Lit::Json(_) => "et objekt".into(),
            Lit::Raw(r) if r.starts_with('[') => "en liste".into(),
            Lit::Raw(_) => "et objekt".into(),
        }
    }
}

impl<'de> Deserialize<'de> for Lit<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Lit<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_bool<E>(self, v: bool) -> Result<Lit<'de>, E> {
                Ok(Lit::Bool(v))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Lit<'de>, E> {
                Ok(Lit::Num(v.into()))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Lit<'de>, E> {
                Ok(Lit::Num(v.into()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Lit<'de>, E> {
                Number::from_f64(v).map(Lit::Num).ok_or_else(|| E::custom("ugyldigt tal"))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Lit<'de>, E> {
                Ok(Lit::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Lit<'de>, E> {
                Ok(Lit::Str(Cow::Owned(v.to_string())))
            }
            fn visit_string<E>(self, v: String) -> Result<Lit<'de>, E> {
                Ok(Lit::Str(Cow::Owned(v)))
            }
            fn visit_unit<E>(self) -> Result<Lit<'de>, E> {
                Ok(Lit::Null)
            }
            fn visit_none<E>(self) -> Result<Lit<'de>, E> {
                Ok(Lit::Null)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Lit<'de>, A::Error> {
                Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(|v| Lit::Json(Box::new(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Lit<'de>, A::Error> {
                Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(|v| Lit::Json(Box::new(v)))
            }
        }
        d.deserialize_any(V)
    }
}

/// The field names Værn knows, indexed by `field_id`.
const KNOWN_FIELDS: [&str; 57] = [
    "action",
    "announced",
    "at",
    "aware_since",
    "birth_date",
    "by",
    "child",
    "child_spoken_to",
    "child_view",
    "concern",
    "conclusion",
    "consent",
    "conversation_waived",
    "corrects",
    "costs_dkk",
    "course",
    "cpr",
    "daily_cost_dkk",
    "equity_dkk",
    "fields",
    "from_professional",
    "gender",
    "goal_progress",
    "goals",
    "hours",
    "id",
    "intervention",
    "investigation",
    "kind",
    "ladder_step",
    "municipality",
    "name",
    "next_follow_up",
    "note",
    "notification",
    "outcome",
    "placement",
    "placement_type",
    "plan",
    "plan_required",
    "reason",
    "revenue_dkk",
    "section",
    "signal",
    "site",
    "site_type",
    "socialtilsyn_notified",
    "source",
    "type",
    "urgent",
    "valid_until",
    "without_carers",
    "year",
    "purpose",
    "places",
    "target_group",
    "severity",
];

/// Slots of the table of known field names (a power of two, at least twice the names).
const FIELD_SLOTS: usize = 128;

/// The hash of a field name for `FIELD_TABLE`: its length and three of its bytes, mixed by one multiplication.
const fn name_hash(b: &[u8]) -> usize {
    if b.is_empty() {
        return 0;
    }
    let k = (b.len() as u32) | (b[0] as u32) << 8 | (b[b.len() - 1] as u32) << 16 | (b[b.len() / 2] as u32) << 24;
    (k.wrapping_mul(0x9E37_79B1) >> (32 - FIELD_SLOTS.trailing_zeros())) as usize
}

/// An open-addressing table of the known field names (built at compile time): slot → field number or `u8::MAX`.
const FIELD_TABLE: [u8; FIELD_SLOTS] = {
    let mut table = [u8::MAX; FIELD_SLOTS];
    let mut i = 0;
    while i < KNOWN_FIELDS.len() {
        let mut h = name_hash(KNOWN_FIELDS[i].as_bytes());
        while table[h] != u8::MAX {
            h = (h + 1) % FIELD_SLOTS;
        }
        table[h] = i as u8;
        i += 1;
    }
    table
};

/// A small number for a known field name (fast lookups while parsing), or `None` for an unknown field.
#[inline(always)]
fn field_id(name: &str) -> Option<u8> {
    let b = name.as_bytes();
    let mut h = name_hash(b);
    loop {
        let i = *FIELD_TABLE.get(h)?;
        if short_eq(KNOWN_FIELDS.get(usize::from(i))?.as_bytes(), b) {
            return Some(i);
        }
        h = (h + 1) % FIELD_SLOTS;
    }
}

/// Byte equality for short texts without a call to `memcmp`: two overlapping word compares.
#[inline(always)]
fn short_eq(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    // One load each (the lengths below keep them in bounds; out of bounds would only compare as unequal).
    #[inline(always)]
    fn word(s: &[u8], at: usize) -> Option<u64> {
        Some(u64::from_le_bytes(*s.get(at..)?.first_chunk::<8>()?))
    }
    #[inline(always)]
    fn half(s: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_le_bytes(*s.get(at..)?.first_chunk::<4>()?))
    }
    match n {
        8..=16 => word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8),
        4..=7 => half(a, 0) == half(b, 0) && half(a, n - 4) == half(b, n - 4),
        _ => a == b,
    }
}

/// A field of the wrong kind (kept out of line: the accessors that can fail so are on the parser's hot path).
#[cold]
#[inline(never)]
fn wrong_kind(name: Field, expected: &str, got: &Lit<'_>) -> FieldError {
    FieldError::at(name.name(), format!("forventede {expected}, fik {}", got.describe()))
}

/// A date field that is not a date.
#[cold]
#[inline(never)]
fn bad_date(name: Field, text: &str) -> FieldError {
    FieldError::at(name.name(), format!("ugyldig dato \"{text}\" (forventet ÅÅÅÅ-MM-DD, en dato der findes)"))
}

/// A value outside a field's vocabulary.
#[cold]
#[inline(never)]
fn unknown_value(name: Field, text: &str, allowed: fn() -> String) -> FieldError {
    FieldError::at(name.name(), format!("ukendt værdi \"{text}\" (tilladt: {})", allowed()))
}

/// A reference that is empty or only whitespace.
#[cold]
#[inline(never)]
fn blank(name: Field) -> FieldError {
    FieldError::at(name.name(), "må ikke være tom")
}

/// A known field, by number (see `fld!`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Field(u8);

impl Field {
    /// The field of this name; used in constant context only, where an unknown name fails the build.
    const fn named(name: &str) -> Field {
        let mut i = 0;
        while i < KNOWN_FIELDS.len() {
            let k = KNOWN_FIELDS[i].as_bytes();
            let n = name.as_bytes();
            if k.len() == n.len() {
                let mut j = 0;
                while j < k.len() && k[j] == n[j] {
                    j += 1;
                }
                if j == k.len() {
                    return Field(i as u8);
                }
            }
            i += 1;
        }
        panic!("not a known field name")
    }

    fn name(self) -> &'static str {
        KNOWN_FIELDS.get(usize::from(self.0)).copied().unwrap_or("")
    }
}

/// A known field by name, resolved at compile time.
macro_rules! fld {
    ($name:literal) => {
        const { Field::named($name) }
    };
}

/// A field name: known (by number) or unknown (kept as written).
#[derive(Debug, Clone, PartialEq)]
enum Key<'a> {
    Known(u8),
    Unknown(Cow<'a, str>),
}

impl Key<'_> {
    fn name(&self) -> &str {
        match self {
            Key::Known(i) => KNOWN_FIELDS.get(usize::from(*i)).copied().unwrap_or(""),
            Key::Unknown(s) => s,
        }
    }
}

/// The fields of one JSON object, in order (on the stack for up to 16 fields: no allocation per line).
struct RawObject<'a>(FieldList<'a>);

type FieldList<'a> = SmallVec<[(Key<'a>, Option<Lit<'a>>); 16]>;

impl<'de> Deserialize<'de> for RawObject<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawObject<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("et JSON-objekt")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawObject<'de>, A::Error> {
                let mut fields = FieldList::new();
                while let Some(k) = map.next_key::<Cow<'de, str>>()? {
                    let v = map.next_value::<Lit<'de>>()?;
                    let key = match field_id(&k) {
                        Some(i) => Key::Known(i),
                        None => Key::Unknown(k),
                    };
                    fields.push((key, Some(v)));
                }
                Ok(RawObject(fields))
            }
        }
        d.deserialize_map(V)
    }
}

/// Typed access to the fields of a raw object, with Danish errors naming the field. Consumed fields are taken out;
/// what is left over is kept as unknown fields.
struct Fields<'a> {
    fields: FieldList<'a>,
    /// Position in `fields` of each known field (`u8::MAX`: absent), for lookups without string comparisons.
    index: [u8; KNOWN_FIELDS.len()],
    /// How many fields have been taken (when all have, nothing is left over).
    taken: u8,
}

impl<'a> Fields<'a> {
    fn empty() -> Fields<'a> {
        Fields { fields: FieldList::new(), index: [u8::MAX; KNOWN_FIELDS.len()], taken: 0 }
    }

    /// Index the fields (read into `self.fields`), refusing a field given twice. Works in place: the list is large
    /// (it lives on the stack), so it is never moved.
    fn index_fields(&mut self) -> Result<(), FieldError> {
        let fields = &self.fields;
        if fields.len() >= usize::from(u8::MAX) {
            return Err(FieldError::line("for mange felter på én linje"));
        }
        let index = &mut self.index;
        for (i, (k, _)) in fields.iter().enumerate() {
            let duplicate = match k {
                Key::Known(id) => {
                    let slot = &mut index[usize::from(*id)];
                    let seen = *slot != u8::MAX;
                    *slot = i as u8; // fewer than 255 fields: checked above
                    seen
                }
                Key::Unknown(_) => fields[..i].iter().any(|(k2, _)| k2 == k),
            };
            if duplicate {
                return Err(FieldError::at(k.name(), "feltet forekommer mere end én gang"));
            }
        }
        Ok(())
    }

    #[inline]
    fn take(&mut self, field: Field) -> Option<Lit<'a>> {
        let slot = self.index[usize::from(field.0)];
        let v = self.fields.get_mut(usize::from(slot)).and_then(|(_, v)| v.take())?;
        self.taken += 1;
        Some(v).filter(|v| !matches!(v, Lit::Null))
    }

    #[inline]
    fn opt_str(&mut self, name: Field) -> Result<Option<Cow<'a, str>>, FieldError> {
        match self.take(name) {
            None => Ok(None),
            Some(Lit::Str(s)) => Ok(Some(s)),
            Some(other) => Err(wrong_kind(name, "tekst", &other)),
        }
    }

    #[inline]
    fn req_str(&mut self, name: Field) -> Result<Cow<'a, str>, FieldError> {
        self.opt_str(name)?.ok_or_else(|| FieldError::at(name.name(), "feltet mangler"))
    }

    #[inline]
    fn opt_text(&mut self, name: Field) -> Result<Option<String>, FieldError> {
        Ok(self.opt_str(name)?.map(Cow::into_owned))
    }

    #[inline]
    fn opt_ref(&mut self, name: Field) -> Result<Option<Ref>, FieldError> {
        match self.opt_str(name)? {
            None => Ok(None),
            // A visible ASCII first character is the common case, and cannot be blank.
            Some(s) if !s.as_bytes().first().is_some_and(|&c| c > b' ' && c < 0x7f) && s.trim().is_empty() => {
                Err(blank(name))
            }
            Some(s) => Ok(Some(Ref::from(s.as_ref()))),
        }
    }

    #[inline]
    fn req_ref(&mut self, name: Field) -> Result<Ref, FieldError> {
        self.opt_ref(name)?.ok_or_else(|| FieldError::at(name.name(), "feltet mangler"))
    }

    #[inline]
    fn opt_bool(&mut self, name: Field) -> Result<Option<bool>, FieldError> {
        match self.take(name) {
            None => Ok(None),
            Some(Lit::Bool(b)) => Ok(Some(b)),
            Some(other) => Err(wrong_kind(name, "true eller false", &other)),
        }
    }

    fn flag(&mut self, name: Field) -> Result<bool, FieldError> {
        Ok(self.opt_bool(name)?.unwrap_or(false))
    }

    fn req_bool(&mut self, name: Field) -> Result<bool, FieldError> {
        self.opt_bool(name)?.ok_or_else(|| FieldError::at(name.name(), "feltet mangler (true eller false)"))
    }

    fn opt_num(&mut self, name: Field) -> Result<Option<f64>, FieldError> {
        match self.take(name) {
            None => Ok(None),
            Some(Lit::Num(n)) => n
                .as_f64()
                .filter(|x| x.is_finite())
                .map(Some)
                .ok_or_else(|| FieldError::at(name.name(), "ugyldigt tal")),
            Some(other) => Err(wrong_kind(name, "et tal", &other)),
        }
    }

    fn opt_amount(&mut self, name: Field) -> Result<Option<f64>, FieldError> {
        match self.opt_num(name)? {
            Some(x) if x < 0.0 => Err(FieldError::at(name.name(), "beløbet må ikke være negativt")),
            other => Ok(other),
        }
    }

    fn req_num(&mut self, name: Field) -> Result<f64, FieldError> {
        self.opt_num(name)?.ok_or_else(|| FieldError::at(name.name(), "feltet mangler"))
    }

    fn opt_int(&mut self, name: Field, min: i64, max: i64) -> Result<Option<i64>, FieldError> {
        match self.take(name) {
            None => Ok(None),
            Some(Lit::Num(n)) => match n.as_i64() {
                Some(v) if (min..=max).contains(&v) => Ok(Some(v)),
                _ => Err(FieldError::at(name.name(), format!("forventede et helt tal fra {min} til {max}, fik {n}"))),
            },
            Some(other) => Err(wrong_kind(name, "et helt tal", &other)),
        }
    }

    #[inline]
    fn opt_date(&mut self, name: Field) -> Result<Option<NaiveDate>, FieldError> {
        match self.opt_str(name)? {
            None => Ok(None),
            Some(s) => parse_date(&s).map(Some).ok_or_else(|| bad_date(name, &s)),
        }
    }

    fn req_date(&mut self, name: Field) -> Result<NaiveDate, FieldError> {
        self.opt_date(name)?.ok_or_else(|| FieldError::at(name.name(), "feltet mangler (dato ÅÅÅÅ-MM-DD)"))
    }

    #[inline]
    fn opt_enum<T>(
        &mut self,
        name: Field,
        parse: fn(&str) -> Option<T>,
        allowed: fn() -> String,
    ) -> Result<Option<T>, FieldError> {
        match self.opt_str(name)? {
            None => Ok(None),
            Some(s) => parse(&s).map(Some).ok_or_else(|| unknown_value(name, &s, allowed)),
        }
    }

    fn req_enum<T>(
        &mut self,
        name: Field,
        parse: fn(&str) -> Option<T>,
        allowed: fn() -> String,
    ) -> Result<T, FieldError> {
        self.opt_enum(name, parse, allowed)?
            .ok_or_else(|| FieldError::at(name.name(), format!("feltet mangler (tilladt: {})", allowed())))
    }

    fn opt_json(&mut self, name: Field) -> Option<Value> {
        self.take(name).map(Lit::into_value)
    }

    /// A plan's goals: read straight from the line's text when they are plain, else through `serde_json::Value`
    /// (which also words any error).
    fn goals(&mut self) -> Result<Vec<Goal>, FieldError> {
        self.list(fld!("goals"), plain_goals, parse_goals)
    }

    /// A follow-up's progress per goal, read like `goals`.
    fn goal_progress(&mut self) -> Result<Vec<GoalProgress>, FieldError> {
        self.list(fld!("goal_progress"), plain_progress, parse_progress)
    }

    /// A list field: read by `plain` from the line's text when it can, else by `from_value` from a `Value`.
    fn list<T>(
        &mut self,
        field: Field,
        plain: fn(&str) -> Option<Vec<T>>,
        from_value: fn(Option<Value>) -> Result<Vec<T>, FieldError>,
    ) -> Result<Vec<T>, FieldError> {
        match self.take(field) {
            Some(Lit::Raw(r)) => match plain(r) {
                Some(items) => Ok(items),
                None => from_value(Some(Lit::Raw(r).into_value())),
            },
            other => from_value(other.map(Lit::into_value)),
        }
    }

    /// The fields nobody took. Built with `push` on purpose: an in-place `collect` would keep the whole (large)
    /// buffer of the raw fields alive inside every event.
    fn rest(&mut self) -> Vec<(String, Value)> {
        if usize::from(self.taken) == self.fields.len() {
            return Vec::new();
        }
        let mut out = Vec::new();
        for (k, v) in self.fields.drain(..) {
            if let Some(v) = v {
                let name = match k {
                    Key::Known(_) => k.name().to_string(),
                    Key::Unknown(s) => s.into_owned(),
                };
                out.push((name, v.into_value()));
            }
        }
        out
    }
}

/// A list of objects read with the flat scanner in one pass over the text: `read` gathers each object's fields into
/// a `P`, and `finish` makes the item of it; `None` when either declines (the `Value` path then decides, with the
/// same result or the error).
fn plain_list<'a, P: Default, T>(
    raw: &'a str,
    mut read: impl FnMut(&mut P, &str, Scalar<'a>) -> Option<()>,
    finish: impl Fn(P) -> Option<T>,
) -> Option<Vec<T>> {
    let mut items = Vec::new();
    let (mut at, mut parts) = (0, P::default());
    let count = crate::flatjson::scan_array_of_objects(raw, |i, k, v| {
        if i != at {
            items.push(finish(std::mem::take(&mut parts))?);
            at = i;
        }
        read(&mut parts, &k, v)
    })?;
    if count > 0 {
        items.push(finish(parts)?);
    }
    // An object without fields handed over nothing: then the counts differ.
    (items.len() == count).then_some(items)
}

/// Goals read with the flat scanner; `None` for anything but a list of objects with a non-empty `id`, a known
/// `theme` and a text `text`.
fn plain_goals(raw: &str) -> Option<Vec<Goal>> {
    type Parts<'a> = (Option<Cow<'a, str>>, Option<Cow<'a, str>>, Option<Cow<'a, str>>);
    plain_list(
        raw,
        |parts: &mut Parts<'_>, k, v| {
            match (k, v) {
                ("id", Scalar::Str(s)) => parts.0 = Some(s),
                ("theme", Scalar::Str(s)) => parts.1 = Some(s),
                ("text", Scalar::Str(s)) => parts.2 = Some(s),
                ("id" | "theme" | "text", _) => return None,
                _ => {}
            }
            Some(())
        },
        |(id, theme, text)| {
            let id = id.filter(|s| !s.is_empty())?;
            let theme = GoalTheme::parse(&theme?)?;
            Some(Goal { id: Ref::from(id.as_ref()), theme, text: text.map(Cow::into_owned).unwrap_or_default() })
        },
    )
}

/// Progress read with the flat scanner; `None` for anything but a list of `{goal, score}` with a non-empty goal
/// and a whole score from 1 to 10.
fn plain_progress(raw: &str) -> Option<Vec<GoalProgress>> {
    plain_list(
        raw,
        |parts: &mut (Option<Cow<'_, str>>, Option<u64>), k, v| {
            match (k, v) {
                ("goal", Scalar::Str(s)) => parts.0 = Some(s),
                ("score", Scalar::Num(n)) => parts.1 = Some(n.as_u64()?),
                ("goal" | "score", _) => return None,
                _ => {}
            }
            Some(())
        },
        |(goal, score)| {
            let goal = goal.filter(|s| !s.is_empty())?;
            let score = score.filter(|s| (1..=10).contains(s))?;
            Some(GoalProgress { goal: Ref::from(goal.as_ref()), score: score as u8 })
        },
    )
}

fn parse_goals(v: Option<Value>) -> Result<Vec<Goal>, FieldError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let Value::Array(items) = v else { return Err(FieldError::at("goals", "forventede en liste af mål")) };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let field = |f: &str| format!("goals[{i}].{f}");
            let obj = item.as_object().ok_or_else(|| FieldError::at(&format!("goals[{i}]"), "forventede et objekt"))?;
            let s = |f: &str| obj.get(f).and_then(Value::as_str);
            let id = s("id").filter(|x| !x.is_empty()).ok_or_else(|| FieldError::at(&field("id"), "feltet mangler"))?;
            let theme_s = s("theme").ok_or_else(|| FieldError::at(&field("theme"), "feltet mangler"))?;
            let theme = GoalTheme::parse(theme_s).ok_or_else(|| {
                FieldError::at(
                    &field("theme"),
                    format!("ukendt tema \"{theme_s}\" (tilladt: {})", GoalTheme::allowed()),
                )
            })?;
            Ok(Goal { id: id.into(), theme, text: s("text").unwrap_or_default().to_string() })
        })
        .collect()
}

fn parse_progress(v: Option<Value>) -> Result<Vec<GoalProgress>, FieldError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let Value::Array(items) = v else {
        return Err(FieldError::at("goal_progress", "forventede en liste af {goal, score}"));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let obj = item
                .as_object()
                .ok_or_else(|| FieldError::at(&format!("goal_progress[{i}]"), "forventede et objekt"))?;
            let goal = obj
                .get("goal")
                .and_then(Value::as_str)
                .filter(|g| !g.is_empty())
                .ok_or_else(|| FieldError::at(&format!("goal_progress[{i}].goal"), "feltet mangler"))?;
            let score = obj.get("score").and_then(Value::as_u64).filter(|s| (1..=10).contains(s)).ok_or_else(|| {
                FieldError::at(&format!("goal_progress[{i}].score"), "forventede et helt tal fra 1 til 10")
            })?;
            Ok(GoalProgress { goal: goal.into(), score: score as u8 })
        })
        .collect()
}

impl Event {
    /// Parse one JSON object (one journal line).
    pub fn parse_json(line: &str) -> Result<Event, FieldError> {
        let mut f = Fields::empty();
        if scan(line, &mut f.fields).is_none() {
            let raw: RawObject = serde_json::from_str(line).map_err(|e| {
                let what = if e.is_eof() { "linjen slutter midt i et JSON-objekt" } else { "ugyldig JSON" };
                FieldError::line(format!("{what} ({})", json_error_da(&e)))
            })?;
            f.fields = raw.0;
        }
        f.index_fields()?;
        Event::from_fields(&mut f)
    }

    /// The event with the corrected field values of a `correction` (checked like any event).
    pub fn corrected(&self, fields: &Map<String, Value>) -> Result<Event, FieldError> {
        let mut value = self.to_value();
        if let Some(obj) = value.as_object_mut() {
            for (k, v) in fields {
                obj.insert(k.clone(), v.clone());
            }
        }
        Event::from_value(&value)
    }

    /// Parse a JSON value (used when applying corrections and by the web layer).
    pub fn from_value(v: &Value) -> Result<Event, FieldError> {
        // Round-trip through text keeps one parser; corrections and forms are rare.
        Event::parse_json(&v.to_string())
    }

    fn from_fields(f: &mut Fields<'_>) -> Result<Event, FieldError> {
        let type_s = f.req_str(fld!("type"))?;
        let t = EventType::parse(&type_s).ok_or_else(|| {
            FieldError::at("type", format!("ukendt hændelsestype \"{type_s}\" (tilladt: {})", EventType::allowed()))
        })?;
        let at_s = f.req_str(fld!("at"))?;
        let at = At::parse(&at_s).map_err(|e| FieldError::at("at", e.to_string()))?;
        let child = f.opt_ref(fld!("child"))?;
        if child.is_none() && !is_site_event(t) {
            return Err(FieldError::at("child", "feltet mangler (barnets reference)"));
        }
        let id = f.opt_ref(fld!("id"))?;
        let note = f.opt_text(fld!("note"))?;
        let body = parse_body(t, f)?;
        let extra = f.rest();
        let meta = if note.is_none() && extra.is_empty() { None } else { Some(Box::new(Meta { note, extra })) };
        Ok(Event { at, child, id, body, meta })
    }
}

fn parse_body(t: EventType, f: &mut Fields<'_>) -> Result<Body, FieldError> {
    use EventType as T;
    Ok(match t {
        T::ChildRegistered => {
            let birth_date = f.req_date(fld!("birth_date"))?;
            let municipality_s = f.req_str(fld!("municipality"))?;
            let municipality =
                MunicipalityCode::parse(&municipality_s).map_err(|e| FieldError::at("municipality", e.to_string()))?;
            let cpr = match f.opt_str(fld!("cpr"))? {
                None => None,
                Some(s) => {
                    let c = Cpr::parse(&s).map_err(|e| FieldError::at("cpr", e.to_string()))?;
                    if c.birth_date().is_some_and(|d| d != birth_date) {
                        return Err(FieldError::at(
                            "cpr",
                            format!(
                                "CPR-nummerets fødselsdato ({}) stemmer ikke med birth_date ({})",
                                c.birth_date().map(crate::calendar::format_dk).unwrap_or_default(),
                                crate::calendar::format_dk(birth_date)
                            ),
                        ));
                    }
                    Some(c)
                }
            };
            let name = f.opt_text(fld!("name"))?;
            let gender = match f.opt_str(fld!("gender"))? {
                None => None,
                Some(s) => Some(Gender::parse(&s).map_err(|e| FieldError::at("gender", e.to_string()))?),
            };
            Body::ChildRegistered { birth_date, municipality, cpr, name, gender }
        }
        T::NotificationReceived => Body::NotificationReceived {
            notification: f.req_ref(fld!("notification"))?,
            from_professional: f.flag(fld!("from_professional"))?,
            concern: f.opt_text(fld!("concern"))?,
            source: f.opt_ref(fld!("source"))?,
        },
        T::NotificationAssessed => Body::NotificationAssessed {
            notification: f.req_ref(fld!("notification"))?,
            outcome: f.req_enum(fld!("outcome"), AssessmentOutcome::parse, AssessmentOutcome::allowed)?,
        },
        T::NotificationReceiptSent => Body::NotificationReceiptSent { notification: f.req_ref(fld!("notification"))? },
        T::NotificationFeedbackSent => {
            Body::NotificationFeedbackSent { notification: f.req_ref(fld!("notification"))? }
        }
        T::InvestigationStarted => Body::InvestigationStarted {
            investigation: f.req_ref(fld!("investigation"))?,
            aware_since: f.opt_date(fld!("aware_since"))?,
        },
        T::InvestigationCompleted => Body::InvestigationCompleted {
            investigation: f.req_ref(fld!("investigation"))?,
            conclusion: f.opt_text(fld!("conclusion"))?,
        },
        T::ChildConversation => Body::ChildConversation {
            purpose: f
                .opt_enum(fld!("purpose"), ConversationPurpose::parse, ConversationPurpose::allowed)?
                .unwrap_or(ConversationPurpose::Other),
            without_carers: f.flag(fld!("without_carers"))?,
            placement: f.opt_ref(fld!("placement"))?,
            intervention: f.opt_ref(fld!("intervention"))?,
        },
        T::PlanCreated => Body::PlanCreated { plan: f.req_ref(fld!("plan"))?, goals: f.goals()? },
        T::PlanFollowedUp => Body::PlanFollowedUp {
            plan: f.opt_ref(fld!("plan"))?,
            intervention: f.opt_ref(fld!("intervention"))?,
            next_follow_up: f.opt_date(fld!("next_follow_up"))?,
            goal_progress: f.goal_progress()?,
        },
        T::InterventionDecided => {
            let intervention = f.req_ref(fld!("intervention"))?;
            let kind = f.req_ref(fld!("kind"))?;
            let consent = f.opt_bool(fld!("consent"))?;
            if kind == "placement" && consent.is_none() {
                return Err(FieldError::at(
                    "consent",
                    "feltet mangler: en anbringelse skal angive samtykke (true) eller uden samtykke (false)",
                ));
            }
            Body::InterventionDecided(Box::new(Decision {
                intervention,
                kind,
                section: f.opt_ref(fld!("section"))?,
                plan: f.opt_ref(fld!("plan"))?,
                daily_cost_dkk: f.opt_amount(fld!("daily_cost_dkk"))?,
                ladder_step: f.opt_int(fld!("ladder_step"), 1, 6)?.map(|x| x as u8),
                conversation_waived: f.flag(fld!("conversation_waived"))?,
                consent,
                urgent: f.flag(fld!("urgent"))?,
                plan_required: f.flag(fld!("plan_required"))?,
            }))
        }
        T::InterventionStarted => Body::InterventionStarted { intervention: f.req_ref(fld!("intervention"))? },
        T::InterventionEnded => Body::InterventionEnded {
            intervention: f.req_ref(fld!("intervention"))?,
            reason: f.opt_enum(fld!("reason"), EndReason::parse, EndReason::allowed)?,
        },
        T::PlacementStarted => Body::PlacementStarted {
            placement: f.req_ref(fld!("placement"))?,
            site: f.req_ref(fld!("site"))?,
            placement_type: f.req_enum(fld!("placement_type"), PlacementType::parse, PlacementType::allowed)?,
            consent: f.req_bool(fld!("consent"))?,
            intervention: f.opt_ref(fld!("intervention"))?,
        },
        T::PlacementEnded => {
            Body::PlacementEnded { placement: f.req_ref(fld!("placement"))?, reason: f.opt_text(fld!("reason"))? }
        }
        T::SupervisionVisit => Body::SupervisionVisit {
            placement: f.req_ref(fld!("placement"))?,
            child_spoken_to: f.req_bool(fld!("child_spoken_to"))?,
            without_carers: f.flag(fld!("without_carers"))?,
            child_view: f.opt_text(fld!("child_view"))?,
        },
        T::SiteRegistered => Body::SiteRegistered {
            site: f.req_ref(fld!("site"))?,
            site_type: f.req_enum(fld!("site_type"), PlacementType::parse, PlacementType::allowed)?,
            name: f.req_str(fld!("name"))?.into_owned(),
            municipality: match f.opt_str(fld!("municipality"))? {
                None => None,
                Some(s) => {
                    Some(MunicipalityCode::parse(&s).map_err(|e| FieldError::at("municipality", e.to_string()))?)
                }
            },
        },
        T::SiteApproved => Body::SiteApproved {
            site: f.req_ref(fld!("site"))?,
            valid_until: f.opt_date(fld!("valid_until"))?,
            by: f.opt_ref(fld!("by"))?,
            places: f.opt_int(fld!("places"), 1, 999)?.map(|n| n as u16),
            target_group: f.opt_text(fld!("target_group"))?.map(String::into_boxed_str),
        },
        T::SiteApprovalRevoked => Body::SiteApprovalRevoked { site: f.req_ref(fld!("site"))? },
        T::FosterTraining => Body::FosterTraining {
            site: f.req_ref(fld!("site"))?,
            course: f.opt_text(fld!("course"))?,
            hours: f.opt_amount(fld!("hours"))?,
        },
        T::FosterSupervision => Body::FosterSupervision { site: f.req_ref(fld!("site"))? },
        T::OperationalSupervision => Body::OperationalSupervision {
            site: f.req_ref(fld!("site"))?,
            announced: f.flag(fld!("announced"))?,
            conclusion: f.opt_text(fld!("conclusion"))?,
        },
        T::SiteFinancesReported => Body::SiteFinancesReported {
            site: f.req_ref(fld!("site"))?,
            year: f
                .opt_int(fld!("year"), 1900, 2200)?
                .ok_or_else(|| FieldError::at("year", "feltet mangler (årstal)"))? as i32,
            revenue_dkk: f.req_num(fld!("revenue_dkk"))?,
            costs_dkk: f.req_num(fld!("costs_dkk"))?,
            equity_dkk: f.opt_num(fld!("equity_dkk"))?,
        },
        T::DangerSignal => Body::DangerSignal(Box::new(Signal {
            signal: f.req_ref(fld!("signal"))?,
            site: f.opt_ref(fld!("site"))?,
            placement: f.opt_ref(fld!("placement"))?,
            kind: f.opt_text(fld!("kind"))?,
            source: f.opt_enum(fld!("source"), SignalSource::parse, SignalSource::allowed)?,
            severity: f.opt_enum(fld!("severity"), Severity::parse, Severity::allowed)?,
        })),
        T::DangerSignalHandled => Body::DangerSignalHandled {
            signal: f.req_ref(fld!("signal"))?,
            action: f.opt_text(fld!("action"))?,
            socialtilsyn_notified: f.flag(fld!("socialtilsyn_notified"))?,
        },
        T::Correction => {
            let corrects = f.req_ref(fld!("corrects"))?;
            let fields = match f.opt_json(fld!("fields")) {
                Some(Value::Object(m)) if !m.is_empty() => m,
                Some(Value::Object(_)) => return Err(FieldError::at("fields", "mindst ét felt skal rettes")),
                Some(_) => return Err(FieldError::at("fields", "forventede et objekt med de rettede felter")),
                None => return Err(FieldError::at("fields", "feltet mangler")),
            };
            if fields.contains_key("type") {
                return Err(FieldError::at("fields", "en rettelse må ikke ændre hændelsens type"));
            }
            if fields.contains_key("id") {
                return Err(FieldError::at("fields", "en rettelse må ikke ændre hændelsens id"));
            }
            let reason = f.req_str(fld!("reason"))?.into_owned();
            if reason.trim().is_empty() {
                return Err(FieldError::at("reason", "en rettelse skal have en begrundelse"));
            }
            Body::Correction(Box::new(Correction { corrects, fields, reason }))
        }
    })
}

/// The fast path: the flat scanner, nested values kept as their (checked) text, read into `out`. `None` sends the
/// line to serde_json (and leaves `out` empty).
fn scan<'a>(line: &'a str, out: &mut FieldList<'a>) -> Option<()> {
    let scanned = crate::flatjson::scan_fields(line, |k, v| {
        let lit = match v {
            Scalar::Null => Lit::Null,
            Scalar::Bool(b) => Lit::Bool(b),
            Scalar::Num(n) => Lit::Num(n),
            Scalar::Str(s) => Lit::Str(s),
            Scalar::Raw(r) => Lit::Raw(r),
        };
        let key = match field_id(&k) {
            Some(i) => Key::Known(i),
            None => Key::Unknown(k),
        };
        out.push((key, Some(lit)));
        Some(())
    });
    if scanned.is_none() {
        out.clear();
    }
    scanned
}

/// serde_json's error, in Danish, with the column.
fn json_error_da(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    let core = msg.split(" at line ").next().unwrap_or(&msg);
    let da = if core.starts_with("expected value") {
        "forventede en værdi".to_string()
    } else if core.starts_with("EOF") {
        "uventet slutning".to_string()
    } else if core.starts_with("key must be a string") {
        "feltnavne skal være tekst i anførselstegn".to_string()
    } else if core.starts_with("trailing characters") {
        "tegn efter objektets slutning".to_string()
    } else if core.starts_with("invalid type") {
        "linjen skal være ét JSON-objekt".to_string()
    } else {
        core.to_string()
    };
    format!("{da}, kolonne {}", e.column())
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

fn num(x: f64) -> Value {
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        Value::Number(Number::from(x as i64))
    } else {
        Number::from_f64(x).map(Value::Number).unwrap_or(Value::Null)
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("type", self.event_type().as_str())?;
        m.serialize_entry("at", &self.at.to_string())?;
        if let Some(c) = &self.child {
            m.serialize_entry("child", c.as_str())?;
        }
        if let Some(id) = &self.id {
            m.serialize_entry("id", id.as_str())?;
        }
        macro_rules! opt {
            ($k:literal, $v:expr) => {
                if let Some(v) = $v {
                    m.serialize_entry($k, &v)?;
                }
            };
        }
        macro_rules! date {
            ($k:literal, $v:expr) => {
                if let Some(v) = $v {
                    m.serialize_entry($k, &v.format("%Y-%m-%d").to_string())?;
                }
            };
        }
        macro_rules! flag {
            ($k:literal, $v:expr) => {
                if *$v {
                    m.serialize_entry($k, &true)?;
                }
            };
        }
        use Body::*;
        match &self.body {
            ChildRegistered { birth_date, municipality, cpr, name, gender } => {
                m.serialize_entry("birth_date", &birth_date.format("%Y-%m-%d").to_string())?;
                m.serialize_entry("municipality", &municipality.to_string())?;
                opt!("cpr", cpr.as_ref().map(Cpr::expose));
                opt!("name", name);
                opt!("gender", gender.map(Gender::as_code));
            }
            NotificationReceived { notification, from_professional, concern, source } => {
                m.serialize_entry("notification", notification.as_str())?;
                m.serialize_entry("from_professional", from_professional)?;
                opt!("concern", concern);
                opt!("source", source.as_deref());
            }
            NotificationAssessed { notification, outcome } => {
                m.serialize_entry("notification", notification.as_str())?;
                m.serialize_entry("outcome", outcome.as_str())?;
            }
            NotificationReceiptSent { notification } | NotificationFeedbackSent { notification } => {
                m.serialize_entry("notification", notification.as_str())?;
            }
            InvestigationStarted { investigation, aware_since } => {
                m.serialize_entry("investigation", investigation.as_str())?;
                date!("aware_since", aware_since);
            }
            InvestigationCompleted { investigation, conclusion } => {
                m.serialize_entry("investigation", investigation.as_str())?;
                opt!("conclusion", conclusion);
            }
            ChildConversation { purpose, without_carers, placement, intervention } => {
                m.serialize_entry("purpose", purpose.as_str())?;
                m.serialize_entry("without_carers", without_carers)?;
                opt!("placement", placement.as_deref());
                opt!("intervention", intervention.as_deref());
            }
            PlanCreated { plan, goals } => {
                m.serialize_entry("plan", plan.as_str())?;
                let goals: Vec<Value> = goals
                    .iter()
                    .map(|g| serde_json::json!({"id": g.id.as_str(), "theme": g.theme.as_str(), "text": g.text}))
                    .collect();
                m.serialize_entry("goals", &goals)?;
            }
            PlanFollowedUp { plan, intervention, next_follow_up, goal_progress } => {
                opt!("plan", plan.as_deref());
                opt!("intervention", intervention.as_deref());
                date!("next_follow_up", next_follow_up);
                if !goal_progress.is_empty() {
                    let p: Vec<Value> = goal_progress
                        .iter()
                        .map(|g| serde_json::json!({"goal": g.goal.as_str(), "score": g.score}))
                        .collect();
                    m.serialize_entry("goal_progress", &p)?;
                }
            }
            InterventionDecided(d) => {
                let Decision {
                    intervention,
                    kind,
                    section,
                    plan,
                    daily_cost_dkk,
                    ladder_step,
                    conversation_waived,
                    consent,
                    urgent,
                    plan_required,
                } = &**d;
                m.serialize_entry("intervention", intervention.as_str())?;
                m.serialize_entry("kind", kind.as_str())?;
                opt!("section", section.as_deref());
                opt!("plan", plan.as_deref());
                opt!("daily_cost_dkk", daily_cost_dkk.map(num));
                opt!("ladder_step", ladder_step);
                flag!("conversation_waived", conversation_waived);
                opt!("consent", consent);
                flag!("urgent", urgent);
                flag!("plan_required", plan_required);
            }
            InterventionStarted { intervention } => {
                m.serialize_entry("intervention", intervention.as_str())?;
            }
            InterventionEnded { intervention, reason } => {
                m.serialize_entry("intervention", intervention.as_str())?;
                opt!("reason", reason.map(EndReason::as_str));
            }
            PlacementStarted { placement, site, placement_type, consent, intervention } => {
                m.serialize_entry("placement", placement.as_str())?;
                m.serialize_entry("site", site.as_str())?;
                m.serialize_entry("placement_type", placement_type.as_str())?;
                m.serialize_entry("consent", consent)?;
                opt!("intervention", intervention.as_deref());
            }
            PlacementEnded { placement, reason } => {
                m.serialize_entry("placement", placement.as_str())?;
                opt!("reason", reason);
            }
            SupervisionVisit { placement, child_spoken_to, without_carers, child_view } => {
                m.serialize_entry("placement", placement.as_str())?;
                m.serialize_entry("child_spoken_to", child_spoken_to)?;
                m.serialize_entry("without_carers", without_carers)?;
                opt!("child_view", child_view);
            }
            SiteRegistered { site, site_type, name, municipality } => {
                m.serialize_entry("site", site.as_str())?;
                m.serialize_entry("site_type", site_type.as_str())?;
                m.serialize_entry("name", name)?;
                opt!("municipality", municipality.map(|x| x.to_string()));
            }
            SiteApproved { site, valid_until, by, places, target_group } => {
                m.serialize_entry("site", site.as_str())?;
                date!("valid_until", valid_until);
                opt!("by", by.as_deref());
                opt!("places", places);
                opt!("target_group", target_group.as_deref());
            }
            SiteApprovalRevoked { site } | FosterSupervision { site } => {
                m.serialize_entry("site", site.as_str())?;
            }
            FosterTraining { site, course, hours } => {
                m.serialize_entry("site", site.as_str())?;
                opt!("course", course);
                opt!("hours", hours.map(num));
            }
            OperationalSupervision { site, announced, conclusion } => {
                m.serialize_entry("site", site.as_str())?;
                m.serialize_entry("announced", announced)?;
                opt!("conclusion", conclusion);
            }
            SiteFinancesReported { site, year, revenue_dkk, costs_dkk, equity_dkk } => {
                m.serialize_entry("site", site.as_str())?;
                m.serialize_entry("year", year)?;
                m.serialize_entry("revenue_dkk", &num(*revenue_dkk))?;
                m.serialize_entry("costs_dkk", &num(*costs_dkk))?;
                opt!("equity_dkk", equity_dkk.map(num));
            }
            DangerSignal(d) => {
                let Signal { signal, site, placement, kind, source, severity } = &**d;
                m.serialize_entry("signal", signal.as_str())?;
                opt!("site", site.as_deref());
                opt!("placement", placement.as_deref());
                opt!("kind", kind);
                opt!("source", source.map(|x| x.as_str()));
                opt!("severity", severity.map(|x| x.as_str()));
            }
            DangerSignalHandled { signal, action, socialtilsyn_notified } => {
                m.serialize_entry("signal", signal.as_str())?;
                opt!("action", action);
                m.serialize_entry("socialtilsyn_notified", socialtilsyn_notified)?;
            }
            Correction(c) => {
                let self::Correction { corrects, fields, reason } = &**c;
                m.serialize_entry("corrects", corrects.as_str())?;
                m.serialize_entry("fields", fields)?;
                m.serialize_entry("reason", reason)?;
            }
        }
        opt!("note", self.note());
        for (k, v) in self.extra() {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(line: &str) -> FieldError {
        Event::parse_json(line).unwrap_err()
    }

    #[test]
    fn parses_spec_example_and_round_trips() {
        let lines = [
            r#"{"type":"child_registered","at":"2024-02-01","child":"b1","birth_date":"2014-05-17","municipality":"101"}"#,
            r#"{"type":"notification_received","at":"2024-03-04T10:15:00+01:00","child":"b1","notification":"n1","from_professional":true,"source":"school"}"#,
            r#"{"type":"notification_assessed","at":"2024-03-05T09:00:00+01:00","child":"b1","notification":"n1","outcome":"investigate"}"#,
            r#"{"type":"investigation_started","at":"2024-03-06","child":"b1","investigation":"u1","aware_since":"2024-03-04"}"#,
        ];
        for l in lines {
            let e = Event::parse_json(l).unwrap();
            assert_eq!(e.to_json_line(), l);
        }
    }

    #[test]
    fn keeps_unknown_fields_in_order() {
        let l = r#"{"type":"foster_supervision","at":"2024-03-06","site":"s1","zeta":[1,2],"alpha":{"x":null}}"#;
        let e = Event::parse_json(l).unwrap();
        assert_eq!(e.extra().len(), 2);
        assert_eq!(e.extra()[0].0, "zeta");
        assert_eq!(e.to_json_line(), l);
    }

    #[test]
    fn errors_name_the_field() {
        assert_eq!(err(r#"{"type":"teleport","at":"2024-01-01","child":"b"}"#).field.as_deref(), Some("type"));
        assert_eq!(err(r#"{"at":"2024-01-01","child":"b"}"#).field.as_deref(), Some("type"));
        assert_eq!(
            err(r#"{"type":"investigation_started","at":"2024-02-30","child":"b","investigation":"u"}"#)
                .field
                .as_deref(),
            Some("at")
        );
        assert_eq!(
            err(r#"{"type":"investigation_started","at":"2024-02-03","investigation":"u"}"#).field.as_deref(),
            Some("child")
        );
        assert_eq!(
            err(r#"{"type":"investigation_started","at":"2024-02-03","child":"b"}"#).field.as_deref(),
            Some("investigation")
        );
        let e = err(
            r#"{"type":"notification_received","at":"2024-02-03","child":"b","notification":"n","from_professional":"ja"}"#,
        );
        assert_eq!(e.field.as_deref(), Some("from_professional"));
        assert!(e.message.contains("true eller false"), "{}", e.message);
        let e = err(
            r#"{"type":"child_registered","at":"2024-02-03","child":"b","birth_date":"2014-05-17","municipality":"999"}"#,
        );
        assert_eq!(e.field.as_deref(), Some("municipality"));
        let e = err(
            r#"{"type":"placement_started","at":"2024-02-03","child":"b","placement":"p","site":"s","placement_type":"castle","consent":true}"#,
        );
        assert_eq!(e.field.as_deref(), Some("placement_type"));
        assert!(e.message.contains("foster_family"));
        let e = err(
            r#"{"type":"plan_created","at":"2024-02-03","child":"b","plan":"p","goals":[{"id":"g1","theme":"sport"}]}"#,
        );
        assert_eq!(e.field.as_deref(), Some("goals[0].theme"));
        let e = err(
            r#"{"type":"correction","at":"2024-02-03","child":"b","corrects":"e1","fields":{"type":"x"},"reason":"fejl"}"#,
        );
        assert_eq!(e.field.as_deref(), Some("fields"));
        let e = err(r#"{"type":"foster_supervision","at":"2024-02-03","site":"s","site":"t"}"#);
        assert_eq!(e.field.as_deref(), Some("site"));
        let e = err(r#"{"type":"foster_supervision","at":"2024-02-03","#);
        assert!(e.field.is_none());
        assert!(e.message.contains("JSON"), "{}", e.message);
        let e = err(r#"[1,2]"#);
        assert!(e.field.is_none());
    }

    #[test]
    fn cpr_must_match_birth_date() {
        let ok = r#"{"type":"child_registered","at":"2024-02-03","child":"b","birth_date":"2014-05-17","municipality":"101","cpr":"170514-4123"}"#;
        assert!(Event::parse_json(ok).is_ok());
        let bad = r#"{"type":"child_registered","at":"2024-02-03","child":"b","birth_date":"2014-05-18","municipality":"101","cpr":"170514-4123"}"#;
        assert_eq!(err(bad).field.as_deref(), Some("cpr"));
    }
}

#[cfg(test)]
mod plain {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plain_goals_are_read_without_values() {
        let goals = r#"[{"id":"g1","theme":"family","text":"Trygt samvær"},{"id":"g2","theme":"school"}]"#;
        let read = plain_goals(goals).expect("plain");
        assert_eq!(read, parse_goals(serde_json::from_str(goals).ok()).unwrap());
        assert_eq!(read[1].text, "");
        let progress = r#"[{"goal":"g1","score":4},{"goal":"g2","score":10}]"#;
        assert_eq!(plain_progress(progress), Some(parse_progress(serde_json::from_str(progress).ok()).unwrap()));
        // Anything unusual is left to the `Value` path, which words the error.
        for odd in [
            r#"[{"id":"","theme":"family"}]"#,
            r#"[{"id":"g1","theme":"fun"}]"#,
            r#"[1]"#,
            r#"{"id":"g1"}"#,
            r#"[{"id":"g1","theme":"family"},{}]"#,
            r#"[{},{"id":"g1","theme":"family"}]"#,
        ] {
            assert_eq!(plain_goals(odd), None, "{odd}");
        }
        for odd in [
            r#"[{"goal":"g1","score":0}]"#,
            r#"[{"goal":"g1","score":4.5}]"#,
            r#"[{"goal":"g1"}]"#,
            r#"[{"goal":"g1","score":4},{}]"#,
        ] {
            assert_eq!(plain_progress(odd), None, "{odd}");
        }
    }

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            (-3i64..14).prop_map(|n| Value::Number(n.into())),
            Just(serde_json::json!(4.5)),
            prop::sample::select(vec!["", "g1", "g2", "family", "school", "fun", "Tekst med \"citat\""])
                .prop_map(|s| Value::String(s.to_string())),
        ]
    }

    fn item(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
        prop_oneof![
            4 => prop::collection::vec((prop::sample::select(keys), scalar()), 0..5).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
            1 => scalar(),
        ]
    }

    proptest! {
        /// Whenever the plain reading of goals answers, it is the `Value` path's answer.
        #[test]
        fn plain_goals_agree_with_values(items in prop::collection::vec(item(&["id", "theme", "text", "x"]), 0..4)) {
            let text = Value::Array(items).to_string();
            if let Some(plain) = plain_goals(&text) {
                prop_assert_eq!(Ok(plain), parse_goals(serde_json::from_str(&text).ok()));
            }
        }

        #[test]
        fn plain_progress_agrees_with_values(items in prop::collection::vec(item(&["goal", "score", "x"]), 0..4)) {
            let text = Value::Array(items).to_string();
            if let Some(plain) = plain_progress(&text) {
                prop_assert_eq!(Ok(plain), parse_progress(serde_json::from_str(&text).ok()));
            }
        }
    }

    #[test]
    fn field_numbers_are_found_and_strangers_are_not() {
        for (i, name) in KNOWN_FIELDS.iter().enumerate() {
            assert_eq!(field_id(name), Some(i as u8), "{name}");
            assert_eq!(Field::named(name).name(), *name);
        }
        for stranger in ["", "x", "typ", "types", "childs", "method", "goals2", "a_very_long_unknown_field_name"] {
            assert_eq!(field_id(stranger), None, "{stranger}");
        }
    }
}

#[cfg(test)]
mod size {
    /// Events are held by the million: their size is a performance budget.
    #[test]
    fn event_stays_small() {
        assert_eq!(std::mem::size_of::<Option<super::Ref>>(), 16, "an optional reference costs nothing extra");
        assert!(std::mem::size_of::<super::Body>() <= 64, "Body is {} bytes", std::mem::size_of::<super::Body>());
        assert!(std::mem::size_of::<super::Event>() <= 128, "Event is {} bytes", std::mem::size_of::<super::Event>());
    }
}
