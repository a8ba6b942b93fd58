//! Forms for every event type of the journal (`spec/events.md`). A form is data: its fields, their kinds and
//! labels. Submitted values become the event's JSON object, which the domain parses — so the web form, the API and
//! the importer accept exactly the same events, with the same Danish errors naming the field.

use domain::event::{
    AssessmentOutcome, Body, ConversationPurpose, EndReason, Event, EventType, GoalTheme, InterventionKind, LadderStep,
    PlacementType, Severity, SignalSource,
};
use domain::municipality::MunicipalityCode;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// The kinds of object an event can introduce or refer to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Obj {
    Notification,
    Investigation,
    Plan,
    Intervention,
    Placement,
    Site,
    Signal,
    /// An earlier event (for corrections).
    Event,
    /// A goal of one of the child's plans.
    Goal,
    /// A method of the knowledge bank.
    Method,
}

impl Obj {
    fn prefix(self) -> &'static str {
        match self {
            Obj::Notification => "n",
            Obj::Investigation => "u",
            Obj::Plan => "p",
            Obj::Intervention => "i",
            Obj::Placement => "a",
            Obj::Site => "s",
            Obj::Signal => "f",
            Obj::Event => "e",
            Obj::Goal => "m",
            Obj::Method => "metode",
        }
    }
}

/// How a field is entered.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    Date,
    Text,
    TextArea,
    /// A checkbox that is `true` or `false`.
    Bool,
    /// A checkbox that is sent only when ticked.
    OptBool,
    Select(&'static [(&'static str, &'static str)]),
    /// One of numbered choices, recorded as the number (e.g. the ladder step 1–6).
    NumberSelect(&'static [(&'static str, &'static str)]),
    Municipality,
    /// One of the existing objects of this kind.
    Ref(Obj),
    /// A new object of this kind: its id is generated.
    NewRef(Obj),
    Number,
    /// A whole number within bounds (e.g. the SDQ score 0–40).
    Integer(i64, i64),
    /// Up to five goals (theme + text).
    Goals,
    /// Scores (1–10) for up to five goals.
    GoalProgress,
    /// A correction's field name and new value.
    CorrectionFields,
}

/// A field of an event form.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub label_da: &'static str,
    pub label_en: &'static str,
    pub kind: Kind,
    pub required: bool,
}

const fn f(name: &'static str, label_da: &'static str, label_en: &'static str, kind: Kind, required: bool) -> Field {
    Field { name, label_da, label_en, kind, required }
}

pub const SOURCES: &[(&str, &str)] = &[
    ("school", "Skole"),
    ("daycare", "Dagtilbud"),
    ("health", "Sundhedsvæsen"),
    ("police", "Politi"),
    ("social_services", "Anden kommunal forvaltning/myndighed"),
    ("family", "Familie"),
    ("anonymous", "Anonym"),
    ("ngo", "Frivillig organisation"),
    ("other", "Andet"),
];

pub const GENDERS: &[(&str, &str)] = &[("F", "Pige"), ("M", "Dreng"), ("X", "Andet/ukendt")];

macro_rules! vocab_options {
    ($name:ident, $t:ty) => {
        fn $name() -> &'static [(&'static str, &'static str)] {
            static V: std::sync::OnceLock<Vec<(&'static str, &'static str)>> = std::sync::OnceLock::new();
            V.get_or_init(|| <$t>::ALL.iter().map(|v| (v.as_str(), v.label_da())).collect())
        }
    };
}
vocab_options!(outcomes, AssessmentOutcome);
vocab_options!(purposes, ConversationPurpose);
vocab_options!(end_reasons, EndReason);
vocab_options!(placement_types, PlacementType);
vocab_options!(themes, GoalTheme);
vocab_options!(signal_sources, SignalSource);
vocab_options!(severities, Severity);
vocab_options!(intervention_kinds, InterventionKind);
vocab_options!(ladder_steps, LadderStep);
vocab_options!(effect_decisions, domain::effect::EffectDecision);
vocab_options!(school_types, domain::indicators::SchoolType);

/// Whether events of this type belong to a child's case (else to a placement site).
pub fn is_child_event(t: EventType) -> bool {
    !domain::event::is_site_event(t)
}

/// The fields of an event type's form (after the common `at`/time, before the common `note`).
pub fn fields(t: EventType) -> Vec<Field> {
    use EventType::*;
    use Kind::*;
    match t {
        ChildRegistered => vec![
            f("name", "Navn", "Name", Text, false),
            f("cpr", "CPR-nummer", "CPR number", Text, false),
            f("birth_date", "Fødselsdato", "Date of birth", Date, true),
            f("gender", "Køn", "Gender", Select(GENDERS), false),
            f("municipality", "Kommune", "Municipality", Municipality, true),
        ],
        NotificationReceived => vec![
            f("notification", "Underretning", "Notification", NewRef(Obj::Notification), true),
            f("from_professional", "Fra fagperson (skærpet underretningspligt)", "From a professional", Bool, false),
            f("source", "Kilde", "Source", Select(SOURCES), false),
            f("concern", "Bekymring", "Concern", TextArea, false),
        ],
        NotificationAssessed => vec![
            f("notification", "Underretning", "Notification", Ref(Obj::Notification), true),
            f("outcome", "Vurdering", "Outcome", Select(outcomes()), true),
        ],
        NotificationReceiptSent | NotificationFeedbackSent => {
            vec![f("notification", "Underretning", "Notification", Ref(Obj::Notification), true)]
        }
        InvestigationStarted => vec![
            f("investigation", "Undersøgelse", "Investigation", NewRef(Obj::Investigation), true),
            f("aware_since", "Kommunen blev bekendt med behovet", "Aware of the need since", Date, false),
        ],
        InvestigationCompleted => vec![
            f("investigation", "Undersøgelse", "Investigation", Ref(Obj::Investigation), true),
            f("conclusion", "Konklusion", "Conclusion", TextArea, false),
        ],
        ChildConversation => vec![
            f("purpose", "Formål", "Purpose", Select(purposes()), true),
            f("without_carers", "Uden plejeforældre/personale til stede", "Without carers present", Bool, false),
            f("placement", "Anbringelse", "Placement", Ref(Obj::Placement), false),
            f("intervention", "Indsats", "Intervention", Ref(Obj::Intervention), false),
        ],
        PlanCreated => {
            vec![f("plan", "Plan", "Plan", NewRef(Obj::Plan), true), f("goals", "Mål", "Goals", Goals, false)]
        }
        PlanFollowedUp => vec![
            f("intervention", "Indsats der følges op på", "Intervention followed up", Ref(Obj::Intervention), true),
            f("plan", "Plan", "Plan", Ref(Obj::Plan), false),
            f("next_follow_up", "Næste opfølgning (BL § 95, stk. 3)", "Next follow-up", Date, false),
            f("goal_progress", "Fremskridt pr. mål (1–10)", "Progress per goal (1–10)", GoalProgress, false),
            f("sdq", "SDQ, samlet vanskelighedsscore (0–40)", "SDQ total difficulties (0–40)", Integer(0, 40), false),
            f(
                "effect_decision",
                "Beslutning om indsatsen (ved \"uden effekt\")",
                "Decision on the intervention (without effect)",
                Select(effect_decisions()),
                false,
            ),
        ],
        InterventionDecided => vec![
            f("intervention", "Indsats", "Intervention", NewRef(Obj::Intervention), true),
            f("kind", "Indsatstype", "Kind", Select(intervention_kinds()), true),
            f("section", "Lovgrundlag (fx BL 32.1.3)", "Legal basis", Text, false),
            f("plan", "Plan", "Plan", Ref(Obj::Plan), false),
            f("daily_cost_dkk", "Pris pr. døgn (kr.)", "Daily cost (DKK)", Number, false),
            f("ladder_step", "Trin på indsatstrappen", "Intervention ladder step", NumberSelect(ladder_steps()), false),
            f("method", "Metode (fra vidensbanken)", "Method (knowledge bank)", Ref(Obj::Method), false),
            f("provider", "Leverandør", "Provider", Text, false),
            f("consent", "Med samtykke (ved anbringelse)", "With consent (placement)", Bool, false),
            f("urgent", "Akut: besluttet før en plan kunne laves", "Urgent: decided before a plan", OptBool, false),
            f("plan_required", "Der skal udarbejdes en plan (BL § 91, stk. 1)", "A plan is required", OptBool, false),
            f(
                "conversation_waived",
                "Børnesamtale undladt (begrund i notatet)",
                "Child conversation waived",
                OptBool,
                false,
            ),
        ],
        InterventionStarted => vec![f("intervention", "Indsats", "Intervention", Ref(Obj::Intervention), true)],
        InterventionEnded => vec![
            f("intervention", "Indsats", "Intervention", Ref(Obj::Intervention), true),
            f("reason", "Ophørsårsag", "Reason", Select(end_reasons()), false),
        ],
        PlacementStarted => vec![
            f("placement", "Anbringelse", "Placement", NewRef(Obj::Placement), true),
            f("site", "Anbringelsessted", "Placement site", Ref(Obj::Site), true),
            f("placement_type", "Anbringelsestype", "Placement type", Select(placement_types()), true),
            f("consent", "Med samtykke (SEL § 52 / BL § 46)", "With consent", Bool, false),
            f("school_type", "Barnets skole", "The child's school", Select(school_types()), false),
            f("intervention", "Afgørelse (indsats)", "Decision (intervention)", Ref(Obj::Intervention), false),
        ],
        PlacementEnded => vec![
            f("placement", "Anbringelse", "Placement", Ref(Obj::Placement), true),
            f("reason", "Årsag", "Reason", Text, false),
        ],
        SupervisionVisit => vec![
            f("placement", "Anbringelse", "Placement", Ref(Obj::Placement), true),
            f("child_spoken_to", "Der blev talt med barnet", "The child was spoken to", Bool, false),
            f("without_carers", "Samtalen var uden plejeforældre/personale", "Without carers present", Bool, false),
            f("child_view", "Barnets egne ord", "The child's own words", TextArea, false),
        ],
        SiteRegistered => vec![
            f("site", "Sted", "Site", NewRef(Obj::Site), true),
            f("name", "Navn", "Name", Text, true),
            f("site_type", "Type", "Type", Select(placement_types()), true),
            f("municipality", "Beliggenhedskommune", "Municipality", Municipality, false),
        ],
        SiteApproved => vec![
            f("site", "Sted", "Site", Ref(Obj::Site), true),
            f("valid_until", "Gyldig til", "Valid until", Date, false),
            f("by", "Godkendt af (fx socialtilsyn_hovedstaden)", "Approved by", Text, false),
            f("places", "Antal godkendte pladser", "Approved places", Number, false),
            f("target_group", "Målgruppe", "Target group", Text, false),
        ],
        SiteApprovalRevoked | FosterSupervision => vec![f("site", "Sted", "Site", Ref(Obj::Site), true)],
        FosterTraining => vec![
            f("site", "Plejefamilie", "Foster family", Ref(Obj::Site), true),
            f("course", "Kursus", "Course", Text, false),
            f("hours", "Timer", "Hours", Number, false),
        ],
        OperationalSupervision => vec![
            f("site", "Sted", "Site", Ref(Obj::Site), true),
            f("announced", "Anmeldt besøg", "Announced visit", Bool, false),
            f("conclusion", "Socialtilsynets konklusion", "The Socialtilsyn's conclusion", TextArea, false),
        ],
        SiteFinancesReported => vec![
            f("site", "Sted", "Site", Ref(Obj::Site), true),
            f("year", "Regnskabsår", "Year", Number, true),
            f("revenue_dkk", "Indtægter (kr.)", "Revenue (DKK)", Number, true),
            f("costs_dkk", "Omkostninger (kr.)", "Costs (DKK)", Number, true),
            f("equity_dkk", "Egenkapital (kr.)", "Equity (DKK)", Number, false),
        ],
        DangerSignal => vec![
            f("signal", "Faresignal", "Danger signal", NewRef(Obj::Signal), true),
            f("site", "Sted", "Site", Ref(Obj::Site), false),
            f("placement", "Anbringelse", "Placement", Ref(Obj::Placement), false),
            f("kind", "Hvad drejer det sig om (fx vold, økonomi, misbrug)", "What it is about", Text, false),
            f("source", "Kilde", "Source", Select(signal_sources()), false),
            f("severity", "Alvor", "Severity", Select(severities()), false),
        ],
        DangerSignalHandled => vec![
            f("signal", "Faresignal", "Danger signal", Ref(Obj::Signal), true),
            f("action", "Handling", "Action taken", TextArea, false),
            f("socialtilsyn_notified", "Socialtilsynet er orienteret", "Socialtilsyn notified", OptBool, false),
        ],
        Correction => vec![
            f("corrects", "Hændelse der rettes", "Event corrected", Ref(Obj::Event), true),
            f("fields", "Felt og ny værdi", "Field and new value", CorrectionFields, true),
            f("reason", "Begrundelse for rettelsen", "Reason for the correction", TextArea, true),
        ],
    }
}

/// What the form can refer to: the objects of the child's journal and the sites.
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Existing objects per kind: (id, label).
    pub objects: BTreeMap<Obj, Vec<(String, String)>>,
}

impl Known {
    /// Collect the objects a child's events introduce; `sites` are the registered sites (id, name).
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>, sites: &[(String, String)]) -> Known {
        let mut k = Known::default();
        for e in events {
            let date = crate::web_util::da_date(e.at.date());
            let mut add = |o: Obj, id: &str, what: String| {
                k.objects.entry(o).or_default().push((id.to_string(), format!("{id} — {what}")));
            };
            match &e.body {
                Body::NotificationReceived { notification, source, .. } => add(
                    Obj::Notification,
                    notification,
                    format!("underretning {date}{}", source.as_ref().map(|s| format!(" ({s})")).unwrap_or_default()),
                ),
                Body::InvestigationStarted { investigation, .. } => {
                    add(Obj::Investigation, investigation, format!("undersøgelse påbegyndt {date}"))
                }
                Body::PlanCreated { plan, goals } => {
                    add(Obj::Plan, plan, format!("plan {date}"));
                    for g in goals {
                        k.objects
                            .entry(Obj::Goal)
                            .or_default()
                            .push((g.id.to_string(), format!("{} — {}: {}", g.id, g.theme.label_da(), g.text)));
                    }
                }
                Body::InterventionDecided(d) => {
                    let kind = InterventionKind::parse(&d.kind).map(InterventionKind::label_da).unwrap_or("indsats");
                    add(Obj::Intervention, &d.intervention, format!("{kind}, besluttet {date}"))
                }
                Body::PlacementStarted { placement, site, placement_type, .. } => {
                    add(Obj::Placement, placement, format!("{} ({site}) fra {date}", placement_type.label_da()))
                }
                Body::DangerSignal(s) => add(
                    Obj::Signal,
                    &s.signal,
                    format!("faresignal {date}{}", s.kind.as_ref().map(|k| format!(": {k}")).unwrap_or_default()),
                ),
                _ => {}
            }
            if let Some(id) = &e.id {
                if e.event_type() != EventType::Correction {
                    k.objects
                        .entry(Obj::Event)
                        .or_default()
                        .push((id.to_string(), format!("{date} — {} ({id})", e.event_type().label_da())));
                }
            }
        }
        if let Some(evs) = k.objects.get_mut(&Obj::Event) {
            evs.reverse();
        }
        k.objects.insert(Obj::Site, sites.iter().map(|(id, name)| (id.clone(), format!("{name} ({id})"))).collect());
        k
    }

    /// Add danger signals (id, label) that a site form may refer to (the reaction to a signal).
    pub fn add_signals(&mut self, signals: impl IntoIterator<Item = (String, String)>) {
        let list = self.objects.entry(Obj::Signal).or_default();
        for (id, label) in signals {
            if !list.iter().any(|(v, _)| *v == id) {
                list.push((id, label));
            }
        }
    }

    pub fn options(&self, o: Obj) -> &[(String, String)] {
        self.objects.get(&o).map(Vec::as_slice).unwrap_or(&[])
    }

    fn has(&self, o: Obj, id: &str) -> bool {
        self.options(o).iter().any(|(v, _)| v == id)
    }
}

/// One input of a rendered form.
#[derive(Debug, Clone)]
pub struct Input {
    pub name: String,
    pub label: String,
    /// `date`, `time`, `text`, `textarea`, `checkbox`, `select`, `number`, `hidden`.
    pub kind: &'static str,
    pub required: bool,
    pub value: String,
    pub checked: bool,
    pub options: Vec<(String, String)>,
    pub error: Option<String>,
    pub hint: Option<String>,
}

impl Input {
    fn new(name: impl Into<String>, label: impl Into<String>, kind: &'static str) -> Input {
        Input {
            name: name.into(),
            label: label.into(),
            kind,
            required: false,
            value: String::new(),
            checked: false,
            options: Vec::new(),
            error: None,
            hint: None,
        }
    }

    pub fn is_selected(&self, v: &str) -> bool {
        self.value == v
    }
}

/// Submitted values (field name → value) and errors (field name → message).
pub type Values = BTreeMap<String, String>;
pub type Errors = BTreeMap<String, String>;

const GOAL_ROWS: usize = 5;

/// The inputs of an event type's form, filled with `values` and marked with `errors`.
pub fn inputs(t: EventType, known: &Known, values: &Values, errors: &Errors, en: bool) -> Vec<Input> {
    let mut out = Vec::new();
    let v = |k: &str| values.get(k).cloned().unwrap_or_default();
    let mut at = Input::new("at", if en { "Date" } else { "Dato" }, "date");
    at.required = true;
    at.value = v("at");
    out.push(at);
    let mut time = Input::new("at_time", if en { "Time (optional)" } else { "Klokkeslæt (valgfrit)" }, "time");
    time.value = v("at_time");
    time.hint = Some(
        if en {
            "Needed for 24-hour deadlines; without it the day counts in the child's favour."
        } else {
            "Bruges ved 24-timersfrister; uden klokkeslæt regnes dagen til barnets fordel."
        }
        .into(),
    );
    out.push(time);
    for fd in fields(t) {
        let label = if en { fd.label_en } else { fd.label_da };
        match fd.kind {
            Kind::Goals => {
                for i in 1..=GOAL_ROWS {
                    let mut th = Input::new(format!("goal_{i}_theme"), format!("Mål {i}: tema"), "select");
                    th.options = blank_then(themes());
                    th.value = v(&th.name);
                    let mut tx = Input::new(format!("goal_{i}_text"), format!("Mål {i}: hvad skal opnås"), "text");
                    tx.value = v(&tx.name);
                    tx.error = errors.get(&format!("goal_{i}")).cloned();
                    out.push(th);
                    out.push(tx);
                }
            }
            Kind::GoalProgress => {
                for i in 1..=GOAL_ROWS {
                    let mut g = Input::new(format!("progress_{i}_goal"), format!("Mål {i}"), "select");
                    g.options = blank_then_owned(known.options(Obj::Goal));
                    g.value = v(&g.name);
                    let mut s = Input::new(format!("progress_{i}_score"), format!("Mål {i}: score 1–10"), "select");
                    s.options = std::iter::once((String::new(), "—".to_string()))
                        .chain((1..=10).map(|n| (n.to_string(), n.to_string())))
                        .collect();
                    s.value = v(&s.name);
                    s.error = errors.get(&format!("progress_{i}")).cloned();
                    out.push(g);
                    out.push(s);
                }
            }
            Kind::CorrectionFields => {
                let mut name = Input::new(
                    "fix_field",
                    if en { "Field to correct" } else { "Felt der rettes (fx at, placement)" },
                    "text",
                );
                name.required = true;
                name.value = v("fix_field");
                name.error = errors.get("fields").cloned();
                let mut val = Input::new("fix_value", if en { "Correct value" } else { "Korrekt værdi" }, "text");
                val.required = true;
                val.value = v("fix_value");
                out.push(name);
                out.push(val);
            }
            Kind::NewRef(_) => {} // generated
            kind => {
                let (tag, options) = match kind {
                    Kind::Date => ("date", Vec::new()),
                    Kind::Text => ("text", Vec::new()),
                    Kind::TextArea => ("textarea", Vec::new()),
                    Kind::Bool | Kind::OptBool => ("checkbox", Vec::new()),
                    Kind::Number | Kind::Integer(..) => ("number", Vec::new()),
                    Kind::Select(opts) | Kind::NumberSelect(opts) => {
                        ("select", if fd.required { owned(opts) } else { blank_then(opts) })
                    }
                    Kind::Municipality => (
                        "select",
                        MunicipalityCode::all().map(|m| (m.to_string(), format!("{} ({m})", m.name()))).collect(),
                    ),
                    Kind::Ref(o) => (
                        "select",
                        if fd.required { known.options(o).to_vec() } else { blank_then_owned(known.options(o)) },
                    ),
                    _ => ("text", Vec::new()),
                };
                let mut i = Input::new(fd.name, label, tag);
                i.required = fd.required;
                i.value = v(fd.name);
                i.checked = matches!(values.get(fd.name).map(String::as_str), Some("on" | "true"));
                i.options = options;
                i.error = errors.get(fd.name).cloned();
                if let Kind::Ref(o) = kind {
                    if fd.required && known.options(o).is_empty() {
                        i.hint = Some(format!("Journalen har endnu ingen at vælge ({}).", label.to_lowercase()));
                    }
                }
                out.push(i);
            }
        }
    }
    let mut note = Input::new("note", if en { "Journal note" } else { "Journalnotat" }, "textarea");
    note.value = v("note");
    note.error = errors.get("note").cloned();
    out.push(note);
    if let Some(e) = errors.get("at") {
        out[0].error = Some(e.clone());
    }
    if let Some(e) = errors.get("at_time") {
        out[1].error = Some(e.clone());
    }
    out
}

fn owned(opts: &[(&str, &str)]) -> Vec<(String, String)> {
    opts.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
}

fn blank_then(opts: &[(&str, &str)]) -> Vec<(String, String)> {
    std::iter::once((String::new(), "—".to_string())).chain(owned(opts)).collect()
}

fn blank_then_owned(opts: &[(String, String)]) -> Vec<(String, String)> {
    std::iter::once((String::new(), "—".to_string())).chain(opts.iter().cloned()).collect()
}

/// Build the event from submitted values. `child` is the case (None for site events); `today` bounds dates.
pub fn build(
    t: EventType,
    child: Option<&str>,
    values: &Values,
    known: &Known,
    today: chrono::NaiveDate,
    new_id: &dyn Fn(Obj) -> String,
) -> Result<Event, Errors> {
    let mut errors = Errors::new();
    let mut obj = Map::new();
    obj.insert("type".into(), Value::String(t.as_str().into()));
    let get = |k: &str| values.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());

    // When: a date, and a time if given (Copenhagen local time).
    match get("at") {
        None => {
            errors.insert("at".into(), "Dato skal udfyldes.".into());
        }
        Some(d) => match chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d") {
            Err(_) => {
                errors.insert("at".into(), format!("\"{d}\" er ikke en dato (ÅÅÅÅ-MM-DD)."));
            }
            Ok(date) if date > today => {
                errors.insert("at".into(), "Datoen ligger i fremtiden; journalen registrerer det, der er sket.".into());
            }
            Ok(date) => match get("at_time") {
                None => {
                    obj.insert("at".into(), Value::String(date.to_string()));
                }
                Some(tm) => match chrono::NaiveTime::parse_from_str(tm, "%H:%M") {
                    Ok(time) => {
                        let local = domain::time::copenhagen(
                            date,
                            chrono::Timelike::hour(&time),
                            chrono::Timelike::minute(&time),
                        );
                        let offset = domain::time::copenhagen_offset(local);
                        obj.insert("at".into(), Value::String(local.with_timezone(&offset).to_rfc3339()));
                    }
                    Err(_) => {
                        errors.insert("at_time".into(), format!("\"{tm}\" er ikke et klokkeslæt (TT:MM)."));
                    }
                },
            },
        },
    }
    if let Some(c) = child {
        obj.insert("child".into(), Value::String(c.into()));
    }
    for fd in fields(t) {
        let label = fd.label_da;
        match fd.kind {
            Kind::NewRef(o) => {
                obj.insert(fd.name.into(), Value::String(new_id(o)));
            }
            Kind::Bool => {
                obj.insert(fd.name.into(), Value::Bool(get(fd.name).is_some()));
            }
            Kind::OptBool => {
                if get(fd.name).is_some() {
                    obj.insert(fd.name.into(), Value::Bool(true));
                }
            }
            Kind::NumberSelect(opts) => match get(fd.name) {
                None if fd.required => {
                    errors.insert(fd.name.into(), format!("{label} skal udfyldes."));
                }
                None => {}
                Some(s) => match s.parse::<i64>() {
                    Ok(n) if opts.iter().any(|(code, _)| *code == s) => {
                        obj.insert(fd.name.into(), Value::from(n));
                    }
                    _ => {
                        errors.insert(fd.name.into(), format!("{label}: vælg en af mulighederne (fik \"{s}\")."));
                    }
                },
            },
            Kind::Number => match get(fd.name) {
                None if fd.required => {
                    errors.insert(fd.name.into(), format!("{label} skal udfyldes."));
                }
                None => {}
                Some(s) => match s.replace(',', ".").parse::<f64>() {
                    Ok(n) if n.is_finite() => {
                        let num = if n.fract() == 0.0 && n.abs() < 1e15 {
                            Value::from(n as i64)
                        } else {
                            serde_json::Number::from_f64(n).map(Value::Number).unwrap_or(Value::Null)
                        };
                        obj.insert(fd.name.into(), num);
                    }
                    _ => {
                        errors.insert(fd.name.into(), format!("{label}: \"{s}\" er ikke et tal."));
                    }
                },
            },
            Kind::Integer(min, max) => match get(fd.name) {
                None if fd.required => {
                    errors.insert(fd.name.into(), format!("{label} skal udfyldes."));
                }
                None => {}
                Some(s) => match s.parse::<i64>() {
                    Ok(n) if (min..=max).contains(&n) => {
                        obj.insert(fd.name.into(), Value::from(n));
                    }
                    _ => {
                        errors.insert(
                            fd.name.into(),
                            format!("{label}: skal være et helt tal fra {min} til {max} (fik \"{s}\")."),
                        );
                    }
                },
            },
            Kind::Goals => {
                let mut goals = Vec::new();
                for i in 1..=GOAL_ROWS {
                    let theme = get(&format!("goal_{i}_theme"));
                    let text = get(&format!("goal_{i}_text"));
                    match (theme, text) {
                        (Some(th), Some(tx)) => {
                            goals.push(serde_json::json!({"id": new_id(Obj::Goal), "theme": th, "text": tx}))
                        }
                        (None, None) => {}
                        _ => {
                            errors.insert(format!("goal_{i}"), "Et mål skal have både tema og tekst.".into());
                        }
                    }
                }
                obj.insert("goals".into(), Value::Array(goals));
            }
            Kind::GoalProgress => {
                let mut progress = Vec::new();
                for i in 1..=GOAL_ROWS {
                    let goal = get(&format!("progress_{i}_goal"));
                    let score = get(&format!("progress_{i}_score"));
                    match (goal, score) {
                        (Some(g), Some(s)) => match s.parse::<u8>() {
                            Ok(n) if (1..=10).contains(&n) && known.has(Obj::Goal, g) => {
                                progress.push(serde_json::json!({"goal": g, "score": n}))
                            }
                            _ => {
                                errors.insert(
                                    format!("progress_{i}"),
                                    "Vælg et af planens mål og en score fra 1 til 10.".into(),
                                );
                            }
                        },
                        (None, None) => {}
                        _ => {
                            errors.insert(format!("progress_{i}"), "Vælg både mål og score.".into());
                        }
                    }
                }
                if !progress.is_empty() {
                    obj.insert("goal_progress".into(), Value::Array(progress));
                }
            }
            Kind::CorrectionFields => match (get("fix_field"), get("fix_value")) {
                (Some(k), Some(v)) => {
                    if matches!(k, "type" | "child" | "id") {
                        errors.insert("fields".into(), format!("Feltet \"{k}\" kan ikke rettes."));
                    } else {
                        let value = serde_json::from_str::<Value>(v)
                            .ok()
                            .filter(|x| !x.is_string() && !x.is_object())
                            .unwrap_or_else(|| Value::String(v.to_string()));
                        let mut m = Map::new();
                        m.insert(k.to_string(), value);
                        obj.insert("fields".into(), Value::Object(m));
                    }
                }
                _ => {
                    errors.insert("fields".into(), "Angiv feltet der rettes og den korrekte værdi.".into());
                }
            },
            Kind::Ref(o) => match get(fd.name) {
                None if fd.required => {
                    errors.insert(fd.name.into(), format!("Vælg {}.", label.to_lowercase()));
                }
                None => {}
                Some(id) if known.has(o, id) => {
                    obj.insert(fd.name.into(), Value::String(id.into()));
                }
                Some(id) if o == Obj::Method => {
                    errors.insert(fd.name.into(), format!("Metoden \"{id}\" findes ikke i vidensbanken."));
                }
                Some(id) => {
                    errors.insert(fd.name.into(), format!("\"{id}\" findes ikke i barnets journal."));
                }
            },
            Kind::Date | Kind::Text | Kind::TextArea | Kind::Select(_) | Kind::Municipality => match get(fd.name) {
                None if fd.required => {
                    errors.insert(fd.name.into(), format!("{label} skal udfyldes."));
                }
                None => {}
                Some(s) => {
                    if s.chars().count() > 20_000 {
                        errors.insert(fd.name.into(), format!("{label}: højst 20.000 tegn."));
                    } else {
                        obj.insert(fd.name.into(), Value::String(s.into()));
                    }
                }
            },
        }
    }
    if let Some(n) = get("note") {
        obj.insert("note".into(), Value::String(n.into()));
    }
    if get("effect_decision") == Some(domain::effect::EffectDecision::Continue.as_str()) && get("note").is_none() {
        errors.insert(
            "note".into(),
            "Begrund i journalnotatet, hvorfor indsatsen fortsætter, selv om målene ikke er rykket.".into(),
        );
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Event::from_value(&Value::Object(obj)).map_err(|e| {
        let mut errs = Errors::new();
        let field = e.field.clone().unwrap_or_else(|| "at".into());
        let field = if field.starts_with("goals") {
            "goal_1".to_string()
        } else if field.starts_with("fields") {
            "fields".into()
        } else {
            field
        };
        errs.insert(field, e.message);
        errs
    })
}

/// A new object id: the prefix of its kind and 8 hex digits of a fresh UUID.
pub fn new_object_id(o: Obj) -> String {
    let u = uuid::Uuid::new_v4().simple().to_string();
    format!("{}-{}", o.prefix(), &u[..10])
}

/// The event type whose recording fulfils an obligation of `rule` (for "what to do" links).
pub fn fulfilling_event(rule: &str) -> Option<(EventType, &'static str)> {
    use domain::rules::id;
    Some(match rule {
        id::ASSESSMENT_24H => (EventType::NotificationAssessed, "notification"),
        id::RECEIPT_6_WORKING_DAYS => (EventType::NotificationReceiptSent, "notification"),
        id::INVESTIGATION_4_MONTHS => (EventType::InvestigationCompleted, "investigation"),
        id::CHILD_PLAN => (EventType::PlanCreated, ""),
        id::FOLLOW_UP => (EventType::PlanFollowedUp, "intervention"),
        id::SUPERVISION_VISITS | id::FIRST_VISIT => (EventType::SupervisionVisit, "placement"),
        id::CONVERSATION => (EventType::ChildConversation, "intervention"),
        id::SITE_APPROVED => (EventType::SiteApproved, "site"),
        id::OPERATIONAL_SUPERVISION => (EventType::OperationalSupervision, "site"),
        id::SIGNAL_TO_SOCIALTILSYN | id::SIGNAL_REACTION => (EventType::DangerSignalHandled, "signal"),
        id::FOSTER_SUPERVISION => (EventType::FosterSupervision, "site"),
        id::FOSTER_BASIC_COURSE | id::FOSTER_TRAINING_ANNUAL => (EventType::FosterTraining, "site"),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        let mut k = Known::default();
        k.objects.insert(Obj::Placement, vec![("a1".into(), "a1 — plejefamilie".into())]);
        k
    }

    fn vals(pairs: &[(&str, &str)]) -> Values {
        pairs.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect()
    }

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    #[test]
    fn every_event_type_has_a_form_that_renders() {
        for t in EventType::ALL {
            let inputs = inputs(*t, &Known::default(), &Values::new(), &Errors::new(), false);
            assert_eq!(inputs[0].name, "at", "{t}");
            assert_eq!(inputs.last().unwrap().name, "note", "{t}");
        }
    }

    #[test]
    fn a_supervision_visit_form_builds_the_event() {
        let v = vals(&[("at", "2026-11-02"), ("at_time", "10:30"), ("placement", "a1"), ("child_spoken_to", "on")]);
        let e = build(EventType::SupervisionVisit, Some("b1"), &v, &known(), today(), &|o| new_object_id(o)).unwrap();
        match e.body {
            Body::SupervisionVisit { placement, child_spoken_to, without_carers, .. } => {
                assert_eq!(placement, "a1");
                assert!(child_spoken_to && !without_carers);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(e.at.to_output(), "2026-11-02T10:30:00+01:00");
    }

    #[test]
    fn the_sdq_score_and_the_decision_on_an_intervention_without_effect() {
        let mut k = known();
        k.objects.insert(Obj::Intervention, vec![("i1".into(), "i1".into())]);
        let v = vals(&[("at", "2026-11-02"), ("intervention", "i1"), ("sdq", "17"), ("effect_decision", "change")]);
        let e = build(EventType::PlanFollowedUp, Some("b1"), &v, &k, today(), &|_| "x".into()).unwrap();
        assert_eq!(e.extra().iter().find(|(k, _)| k == "sdq").map(|(_, v)| v.clone()), Some(serde_json::json!(17)));
        let v = vals(&[("at", "2026-11-02"), ("intervention", "i1"), ("sdq", "41")]);
        let errs = build(EventType::PlanFollowedUp, Some("b1"), &v, &k, today(), &|_| "x".into()).unwrap_err();
        assert!(errs["sdq"].contains("fra 0 til 40"), "{errs:?}");
        // Continuing an intervention without effect needs the reason in the note.
        let v = vals(&[("at", "2026-11-02"), ("intervention", "i1"), ("effect_decision", "continue")]);
        let errs = build(EventType::PlanFollowedUp, Some("b1"), &v, &k, today(), &|_| "x".into()).unwrap_err();
        assert!(errs["note"].contains("Begrund"), "{errs:?}");
        let v = vals(&[
            ("at", "2026-11-02"),
            ("intervention", "i1"),
            ("effect_decision", "continue"),
            ("note", "Barnet er lige startet i ny klasse; vi giver det tre måneder."),
        ]);
        assert!(build(EventType::PlanFollowedUp, Some("b1"), &v, &k, today(), &|_| "x".into()).is_ok());
    }

    #[test]
    fn the_ladder_step_is_chosen_from_the_list_and_recorded_as_a_number() {
        let v = vals(&[("at", "2026-11-02"), ("kind", "family_treatment"), ("ladder_step", "3")]);
        let e =
            build(EventType::InterventionDecided, Some("b1"), &v, &known(), today(), &|o| new_object_id(o)).unwrap();
        match e.body {
            Body::InterventionDecided(d) => assert_eq!(d.ladder_step, Some(3)),
            other => panic!("{other:?}"),
        }
        let v = vals(&[("at", "2026-11-02"), ("kind", "family_treatment"), ("ladder_step", "7")]);
        let errs = build(EventType::InterventionDecided, Some("b1"), &v, &known(), today(), &|o| new_object_id(o))
            .unwrap_err();
        assert!(errs["ladder_step"].contains("vælg en af mulighederne"), "{errs:?}");
    }

    #[test]
    fn errors_name_the_field_in_danish() {
        let v = vals(&[("at", "2027-01-01"), ("placement", "zz")]);
        let errs =
            build(EventType::SupervisionVisit, Some("b1"), &v, &known(), today(), &|o| new_object_id(o)).unwrap_err();
        assert!(errs["at"].contains("fremtiden"), "{errs:?}");
        assert!(errs["placement"].contains("findes ikke"), "{errs:?}");
        let v = vals(&[("at", "2026-01-01")]);
        let errs = build(EventType::NotificationAssessed, Some("b1"), &v, &known(), today(), &|o| new_object_id(o))
            .unwrap_err();
        assert!(errs.contains_key("notification") && errs.contains_key("outcome"), "{errs:?}");
        let v = vals(&[("at", "2026-01-01"), ("birth_date", "2020-02-30"), ("municipality", "101")]);
        let errs =
            build(EventType::ChildRegistered, Some("b9"), &v, &known(), today(), &|o| new_object_id(o)).unwrap_err();
        assert!(errs.contains_key("birth_date"), "the domain's error names the field: {errs:?}");
    }

    #[test]
    fn rules_name_the_event_that_fulfils_them() {
        for r in domain::rules::id::LAW_RULES {
            assert!(fulfilling_event(r).is_some(), "{r}");
        }
    }
}
