//! The knowledge bank: methods, programmes and tools of good practice (in the spirit of "God Social Praksis" and
//! Socialstyrelsen's method catalogues), and the suggestions made from them when a caseworker decides an
//! intervention. Pure: entries are parsed from JSON (the editor's form, the JSON Lines exchange format, the store),
//! ranked against a child's case, and compared version by version.
//!
//! Exchange format (one entry per line, keys in this order): `id`, `name`, `category`, `summary`, `description`,
//! `age_min`, `age_max`, `problems`, `themes`, `ladder_step`, `kinds`, `sections`, `evidence`, `references`,
//! `providers`, `duration_weeks`, `monthly_cost_dkk`, `examples`. Documented in `docs/knowledge.md`.

use crate::event::{GoalTheme, InterventionKind, LadderStep};
use crate::municipality::MunicipalityCode;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::fmt;

/// A method's id: a short slug (`mst`, `signs-of-safety`) of lowercase ASCII letters, digits and hyphens.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MethodId(Box<str>);

impl MethodId {
    pub fn parse(s: &str) -> Result<MethodId, String> {
        let ok = !s.is_empty()
            && s.len() <= 60
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !s.starts_with('-')
            && !s.ends_with('-');
        if ok {
            Ok(MethodId(s.into()))
        } else {
            Err(format!(
                "\"{s}\" er ikke et gyldigt id: brug 1–60 små bogstaver a–z, cifre og bindestreg (fx \"signs-of-safety\")"
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MethodId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

crate::event::vocabulary!(
    /// What an entry is.
    Category, "kategori" {
    Intervention = "intervention" / "Indsats",
    Method = "method" / "Arbejdsmetode",
    Tool = "tool" / "Redskab",
});

crate::event::vocabulary!(
    /// How well the effect is documented.
    Evidence, "evidensniveau" {
    Rct = "rct" / "Dokumenteret effekt (randomiserede forsøg)",
    Promising = "promising" / "Lovende",
    Experience = "experience" / "Erfaringsbaseret",
});

impl Evidence {
    /// Weight in the suggestion ranking: documented effect first.
    fn weight(self) -> f32 {
        match self {
            Evidence::Rct => 1.5,
            Evidence::Promising => 0.75,
            Evidence::Experience => 0.0,
        }
    }
}

/// The age groups of Danish child-welfare statistics (Ankestyrelsen), used as the search facet.
pub const AGE_GROUPS: [(u8, u8); 5] = [(0, 5), (6, 11), (12, 14), (15, 17), (18, 22)];

/// A public source for the entry's facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reference {
    pub title: String,
    pub url: String,
}

/// How a municipality uses the method.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    pub municipality: MunicipalityCode,
    pub text: String,
}

/// One entry of the knowledge bank, parsed: every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodEntry {
    pub id: MethodId,
    pub name: String,
    pub category: Category,
    pub summary: String,
    pub description: String,
    pub age_min: u8,
    pub age_max: u8,
    /// Target problems, Danish keywords.
    pub problems: Vec<String>,
    pub themes: Vec<GoalTheme>,
    pub ladder_step: LadderStep,
    pub kinds: Vec<InterventionKind>,
    pub sections: Vec<String>,
    pub evidence: Evidence,
    pub references: Vec<Reference>,
    pub providers: Vec<String>,
    pub duration_weeks: Option<(u32, u32)>,
    pub monthly_cost_dkk: Option<(u32, u32)>,
    pub examples: Vec<Example>,
}

/// A field at fault, with a Danish message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryError {
    pub field: &'static str,
    pub message: String,
}

impl fmt::Display for EntryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "feltet \"{}\": {}", self.field, self.message)
    }
}

/// A bad line of a JSON Lines file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub error: EntryError,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "linje {}: {}", self.line, self.error)
    }
}

const FIELDS: [&str; 18] = [
    "id",
    "name",
    "category",
    "summary",
    "description",
    "age_min",
    "age_max",
    "problems",
    "themes",
    "ladder_step",
    "kinds",
    "sections",
    "evidence",
    "references",
    "providers",
    "duration_weeks",
    "monthly_cost_dkk",
    "examples",
];

fn err(field: &'static str, message: impl Into<String>) -> EntryError {
    EntryError { field, message: message.into() }
}

struct Obj<'a>(&'a Map<String, Value>);

impl<'a> Obj<'a> {
    fn text(&self, field: &'static str, max: usize, required: bool) -> Result<String, EntryError> {
        match self.0.get(field) {
            None | Some(Value::Null) if !required => Ok(String::new()),
            None | Some(Value::Null) => Err(err(field, "skal udfyldes")),
            Some(Value::String(s)) => {
                let s = s.trim();
                if required && s.is_empty() {
                    Err(err(field, "skal udfyldes"))
                } else if s.chars().count() > max {
                    Err(err(field, format!("højst {max} tegn (her {})", s.chars().count())))
                } else {
                    Ok(s.to_owned())
                }
            }
            Some(_) => Err(err(field, "skal være tekst")),
        }
    }

    fn int(&self, field: &'static str, lo: u64, hi: u64) -> Result<u64, EntryError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Err(err(field, "skal udfyldes")),
            Some(v) => v
                .as_u64()
                .filter(|n| (lo..=hi).contains(n))
                .ok_or_else(|| err(field, format!("skal være et helt tal fra {lo} til {hi}"))),
        }
    }

    fn list(&self, field: &'static str) -> Result<&'a [Value], EntryError> {
        match self.0.get(field) {
            None | Some(Value::Null) => Ok(&[]),
            Some(Value::Array(a)) => Ok(a),
            Some(_) => Err(err(field, "skal være en liste")),
        }
    }

    fn texts(&self, field: &'static str, max_items: usize) -> Result<Vec<String>, EntryError> {
        let list = self.list(field)?;
        if list.len() > max_items {
            return Err(err(field, format!("højst {max_items} punkter")));
        }
        let mut out = Vec::with_capacity(list.len());
        for v in list {
            let s = v.as_str().map(str::trim).filter(|s| !s.is_empty() && s.chars().count() <= 200);
            let s = s.ok_or_else(|| err(field, "hvert punkt skal være en tekst på 1–200 tegn"))?;
            if !out.iter().any(|o: &String| o == s) {
                out.push(s.to_owned());
            }
        }
        Ok(out)
    }

    fn codes<T: Copy + PartialEq>(
        &self,
        field: &'static str,
        parse: fn(&str) -> Option<T>,
        allowed: fn() -> String,
    ) -> Result<Vec<T>, EntryError> {
        let mut out = Vec::new();
        for v in self.list(field)? {
            let s = v.as_str().unwrap_or_default();
            let t = parse(s).ok_or_else(|| err(field, format!("ukendt værdi \"{s}\" (tilladt: {})", allowed())))?;
            if !out.contains(&t) {
                out.push(t);
            }
        }
        Ok(out)
    }

    fn range(&self, field: &'static str, max: u64) -> Result<Option<(u32, u32)>, EntryError> {
        let list = match self.0.get(field) {
            None | Some(Value::Null) => return Ok(None),
            Some(Value::Array(a)) => a,
            Some(_) => return Err(err(field, "skal være [fra, til] eller tom")),
        };
        let nums: Vec<u64> = list.iter().filter_map(Value::as_u64).collect();
        match nums[..] {
            [lo, hi] if list.len() == 2 && lo <= hi && hi <= max => Ok(Some((lo as u32, hi as u32))),
            _ => Err(err(field, format!("skal være [fra, til] med hele tal, fra ≤ til ≤ {max}"))),
        }
    }
}

impl MethodEntry {
    /// Parse an entry from its JSON object, naming the first field at fault. Unknown keys are refused, so a
    /// misspelt field is not silently lost.
    pub fn from_json(value: &Value) -> Result<MethodEntry, EntryError> {
        let map = value.as_object().ok_or_else(|| err("id", "en post skal være et JSON-objekt"))?;
        if let Some(k) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
            let k = k.clone();
            return Err(EntryError { field: "id", message: format!("ukendt felt \"{k}\"") });
        }
        let o = Obj(map);
        let id = MethodId::parse(&o.text("id", 60, true)?).map_err(|m| err("id", m))?;
        let name = o.text("name", 120, true)?;
        let category = o.text("category", 20, true)?;
        let category = Category::parse(&category)
            .ok_or_else(|| err("category", format!("ukendt kategori (tilladt: {})", Category::allowed())))?;
        let summary = o.text("summary", 300, true)?;
        let description = o.text("description", 4000, true)?;
        let age_min = o.int("age_min", 0, 22)? as u8;
        let age_max = o.int("age_max", 0, 22)? as u8;
        if age_max < age_min {
            return Err(err("age_max", format!("skal være mindst alder fra ({age_min})")));
        }
        let problems = o.texts("problems", 12)?;
        let themes = o.codes("themes", GoalTheme::parse, GoalTheme::allowed)?;
        let ladder_step = LadderStep::from_number(o.int("ladder_step", 1, 6)? as u8)
            .ok_or_else(|| err("ladder_step", "skal være et trin fra 1 til 6"))?;
        let kinds = o.codes("kinds", InterventionKind::parse, InterventionKind::allowed)?;
        let sections = o.texts("sections", 6)?;
        let evidence = o.text("evidence", 20, true)?;
        let evidence = Evidence::parse(&evidence)
            .ok_or_else(|| err("evidence", format!("ukendt evidensniveau (tilladt: {})", Evidence::allowed())))?;
        let mut references = Vec::new();
        for r in o.list("references")? {
            let r: Reference = serde_json::from_value(r.clone())
                .map_err(|_| err("references", "hver kilde skal have \"title\" og \"url\""))?;
            let url_ok = r.url.starts_with("https://") || r.url.starts_with("http://");
            if r.title.trim().is_empty() || !url_ok {
                return Err(err(
                    "references",
                    "hver kilde skal have en titel og en adresse, der begynder med https://",
                ));
            }
            references.push(r);
        }
        if references.is_empty() {
            return Err(err("references", "angiv mindst én offentlig kilde"));
        }
        let providers = o.texts("providers", 8)?;
        let duration_weeks = o.range("duration_weeks", 520)?;
        let monthly_cost_dkk = o.range("monthly_cost_dkk", 10_000_000)?;
        let mut examples = Vec::new();
        for e in o.list("examples")? {
            let m = e.get("municipality").and_then(Value::as_str).unwrap_or_default();
            let municipality = MunicipalityCode::parse(m).map_err(|e| err("examples", e.to_string()))?;
            let text = e.get("text").and_then(Value::as_str).map(str::trim).unwrap_or_default();
            if text.is_empty() {
                return Err(err("examples", "hvert kommuneeksempel skal have en tekst"));
            }
            examples.push(Example { municipality, text: text.to_owned() });
        }
        Ok(MethodEntry {
            id,
            name,
            category,
            summary,
            description,
            age_min,
            age_max,
            problems,
            themes,
            ladder_step,
            kinds,
            sections,
            evidence,
            references,
            providers,
            duration_weeks,
            monthly_cost_dkk,
            examples,
        })
    }

    /// The entry as the exchange format's JSON object (keys in the documented order).
    pub fn to_json(&self) -> Value {
        let range = |r: Option<(u32, u32)>| r.map_or(Value::Null, |(a, b)| Value::from(vec![a, b]));
        let mut m = Map::new();
        m.insert("id".into(), self.id.as_str().into());
        m.insert("name".into(), self.name.clone().into());
        m.insert("category".into(), self.category.as_str().into());
        m.insert("summary".into(), self.summary.clone().into());
        m.insert("description".into(), self.description.clone().into());
        m.insert("age_min".into(), self.age_min.into());
        m.insert("age_max".into(), self.age_max.into());
        m.insert("problems".into(), self.problems.clone().into());
        m.insert("themes".into(), self.themes.iter().map(|t| t.as_str()).collect::<Vec<_>>().into());
        m.insert("ladder_step".into(), self.ladder_step.number().into());
        m.insert("kinds".into(), self.kinds.iter().map(|k| k.as_str()).collect::<Vec<_>>().into());
        m.insert("sections".into(), self.sections.clone().into());
        m.insert("evidence".into(), self.evidence.as_str().into());
        m.insert("references".into(), serde_json::to_value(&self.references).unwrap_or_default());
        m.insert("providers".into(), self.providers.clone().into());
        m.insert("duration_weeks".into(), range(self.duration_weeks));
        m.insert("monthly_cost_dkk".into(), range(self.monthly_cost_dkk));
        let examples = self
            .examples
            .iter()
            .map(|e| serde_json::json!({"municipality": e.municipality.as_str(), "text": e.text}))
            .collect::<Vec<_>>();
        m.insert("examples".into(), examples.into());
        Value::Object(m)
    }

    /// One line of the exchange format (no newline).
    pub fn to_line(&self) -> String {
        self.to_json().to_string()
    }

    /// The age groups (`AGE_GROUPS`) the entry's age range touches.
    pub fn age_groups(&self) -> impl Iterator<Item = (u8, u8)> + '_ {
        AGE_GROUPS.into_iter().filter(|&(lo, hi)| self.age_min <= hi && self.age_max >= lo)
    }

    /// The fields whose value differs from `older` (for the version history).
    pub fn changed_fields(&self, older: &MethodEntry) -> Vec<&'static str> {
        let (a, b) = (self.to_json(), older.to_json());
        FIELDS.into_iter().filter(|f| a.get(f) != b.get(f)).collect()
    }
}

/// Parse a JSON Lines file of entries. All or nothing: every bad line is reported with its number and field.
/// Blank lines and lines starting with `#` are skipped; an id may occur only once.
pub fn parse_jsonl(text: &str) -> Result<Vec<MethodEntry>, Vec<LineError>> {
    let mut entries: Vec<MethodEntry> = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let parsed = serde_json::from_str::<Value>(line)
            .map_err(|e| err("id", format!("ugyldig JSON ({e})")))
            .and_then(|v| MethodEntry::from_json(&v));
        match parsed {
            Ok(e) if entries.iter().any(|o| o.id == e.id) => errors.push(LineError {
                line: line_no,
                error: err("id", format!("id \"{}\" findes allerede tidligere i filen", e.id)),
            }),
            Ok(e) => entries.push(e),
            Err(error) => errors.push(LineError { line: line_no, error }),
        }
    }
    if errors.is_empty() {
        Ok(entries)
    } else {
        Err(errors)
    }
}

crate::event::vocabulary!(
    /// Where a VISO referral stands.
    VisoStatus, "status" {
    Requested = "requested" / "Anmodet",
    Accepted = "accepted" / "Visiteret",
    Answered = "answered" / "Rådgivning modtaget",
    Declined = "declined" / "Afvist",
    Closed = "closed" / "Afsluttet",
});

impl VisoStatus {
    /// Still waiting for VISO.
    pub fn is_open(self) -> bool {
        matches!(self, VisoStatus::Requested | VisoStatus::Accepted)
    }
}

/// What is known about the child and the decision being made.
#[derive(Debug, Clone, Default)]
pub struct CaseContext {
    /// The child's age in whole years today.
    pub age: Option<u8>,
    /// The themes of the goals in the child's current plan.
    pub themes: Vec<GoalTheme>,
    pub ladder_step: Option<LadderStep>,
    pub kind: Option<InterventionKind>,
}

/// Why an entry was suggested, shown to the caseworker.
#[derive(Debug, Clone, PartialEq)]
pub enum Reason {
    Age(u8),
    Theme(GoalTheme),
    SameStep(LadderStep),
    NearStep(LadderStep),
    Kind(InterventionKind),
    Evidence(Evidence),
}

impl Reason {
    pub fn label_da(&self) -> String {
        match self {
            Reason::Age(a) => format!("Passer til barnets alder ({a} år)"),
            Reason::Theme(t) => format!("Arbejder med målet: {}", t.label_da().to_lowercase()),
            Reason::SameStep(s) => format!("Samme trin på indsatstrappen ({})", s.number()),
            Reason::NearStep(s) => format!("Nabotrin på indsatstrappen ({})", s.number()),
            Reason::Kind(k) => format!("Indsatstype: {}", k.label_da().to_lowercase()),
            Reason::Evidence(e) => e.label_da().to_owned(),
        }
    }
}

/// A suggested entry with its score and reasons.
#[derive(Debug, Clone)]
pub struct Suggestion<'a> {
    pub entry: &'a MethodEntry,
    pub score: f32,
    pub reasons: Vec<Reason>,
}

/// Suggest interventions for a decision: only entries of category `intervention` whose age range includes the
/// child (when known), ranked by matching goal themes (2 each), the same intervention kind (3), the same ladder
/// step (3; a neighbouring step 1) and the evidence level (documented effect 1.5, promising 0.75). Entries that
/// match nothing about the case are left out; ties are broken by name, so the order is stable.
pub fn suggest<'a>(entries: &'a [MethodEntry], ctx: &CaseContext, limit: usize) -> Vec<Suggestion<'a>> {
    let mut out: Vec<Suggestion<'a>> = entries
        .iter()
        .filter(|e| e.category == Category::Intervention)
        .filter(|e| ctx.age.is_none_or(|a| (e.age_min..=e.age_max).contains(&a)))
        .filter_map(|e| {
            let mut score = 0.0;
            let mut reasons = Vec::new();
            for t in ctx.themes.iter().filter(|t| e.themes.contains(t)) {
                score += 2.0;
                reasons.push(Reason::Theme(*t));
            }
            if let Some(k) = ctx.kind.filter(|k| e.kinds.contains(k)) {
                score += 3.0;
                reasons.push(Reason::Kind(k));
            }
            if let Some(s) = ctx.ladder_step {
                match s.number().abs_diff(e.ladder_step.number()) {
                    0 => {
                        score += 3.0;
                        reasons.push(Reason::SameStep(s));
                    }
                    1 => {
                        score += 1.0;
                        reasons.push(Reason::NearStep(e.ladder_step));
                    }
                    _ => {}
                }
            }
            if score == 0.0 {
                return None;
            }
            if let Some(a) = ctx.age {
                reasons.insert(0, Reason::Age(a));
            }
            score += e.evidence.weight();
            if e.evidence != Evidence::Experience {
                reasons.push(Reason::Evidence(e.evidence));
            }
            Some(Suggestion { entry: e, score, reasons })
        })
        .collect();
    out.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.entry.name.cmp(&b.entry.name)));
    out.truncate(limit);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn entry(id: &str, ages: (u8, u8), step: u8, kinds: &[&str], themes: &[&str], ev: &str) -> Value {
        json!({"id": id, "name": id.to_uppercase(), "category": "intervention", "summary": "Kort.",
               "description": "Lang beskrivelse.", "age_min": ages.0, "age_max": ages.1,
               "problems": ["adfærd"], "themes": themes, "ladder_step": step, "kinds": kinds,
               "sections": ["BL § 32, stk. 1, nr. 3"], "evidence": ev,
               "references": [{"title": "Socialstyrelsen", "url": "https://www.sbst.dk"}],
               "providers": [], "duration_weeks": [12, 20], "monthly_cost_dkk": null, "examples": []})
    }

    fn parse(v: Value) -> MethodEntry {
        MethodEntry::from_json(&v).unwrap()
    }

    #[test]
    fn round_trips_byte_for_byte() {
        let line = entry("mst", (12, 17), 3, &["family_treatment"], &["family", "school"], "rct").to_string();
        let e = parse(serde_json::from_str(&line).unwrap());
        assert_eq!(e.to_line(), line);
        let file = format!("# kommentar\n{line}\n\n{}\n", entry("fft", (11, 18), 3, &[], &[], "promising"));
        let parsed = parse_jsonl(&file).unwrap();
        let again: String = parsed.iter().map(|e| e.to_line() + "\n").collect();
        assert_eq!(parse_jsonl(&again).unwrap(), parsed);
    }

    #[test]
    fn names_the_field_at_fault_in_danish() {
        let mut v = entry("mst", (12, 17), 3, &[], &[], "rct");
        v["evidence"] = json!("sikker");
        assert_eq!(MethodEntry::from_json(&v).unwrap_err().field, "evidence");
        let mut v = entry("mst", (12, 17), 3, &[], &[], "rct");
        v["age_max"] = json!(9);
        let e = MethodEntry::from_json(&v).unwrap_err();
        assert_eq!((e.field, e.message.as_str()), ("age_max", "skal være mindst alder fra (12)"));
        let mut v = entry("mst", (12, 17), 3, &[], &["skole"], "rct");
        assert!(MethodEntry::from_json(&v).unwrap_err().message.contains("ukendt værdi \"skole\""));
        v = entry("MST!", (12, 17), 3, &[], &[], "rct");
        assert_eq!(MethodEntry::from_json(&v).unwrap_err().field, "id");
        let mut v = entry("mst", (12, 17), 3, &[], &[], "rct");
        v["tema"] = json!("x");
        assert!(MethodEntry::from_json(&v).unwrap_err().message.contains("ukendt felt \"tema\""));
        let mut v = entry("mst", (12, 17), 3, &[], &[], "rct");
        v["references"] = json!([]);
        assert_eq!(MethodEntry::from_json(&v).unwrap_err().field, "references");
    }

    #[test]
    fn a_bad_file_is_refused_whole_with_line_numbers() {
        let good = entry("mst", (12, 17), 3, &[], &[], "rct");
        let file = format!("{good}\n{{\"id\":\n{good}\n");
        let errors = parse_jsonl(&file).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.line).collect::<Vec<_>>(), vec![2, 3]);
        assert!(errors[1].to_string().contains("findes allerede"));
    }

    #[test]
    fn changed_fields_lists_what_an_edit_changed() {
        let a = parse(entry("mst", (12, 17), 3, &[], &[], "rct"));
        let mut b = a.clone();
        b.age_min = 10;
        b.summary = "Ny".into();
        assert_eq!(b.changed_fields(&a), vec!["summary", "age_min"]);
        assert!(a.changed_fields(&a).is_empty());
    }

    #[test]
    fn suggestions_rank_by_case_and_respect_age() {
        let entries: Vec<MethodEntry> = [
            entry("mst", (12, 17), 3, &["family_treatment"], &["family", "school"], "rct"),
            entry("pmto", (3, 12), 3, &["family_treatment"], &["family", "development"], "rct"),
            entry("kontaktperson", (10, 22), 2, &["contact_person"], &["friends", "school"], "experience"),
            entry("opholdssted", (6, 17), 6, &["placement"], &["development"], "experience"),
        ]
        .into_iter()
        .map(parse)
        .collect();
        let ctx = CaseContext {
            age: Some(14),
            themes: vec![GoalTheme::School, GoalTheme::Family],
            ladder_step: Some(LadderStep::InFamily),
            kind: Some(InterventionKind::FamilyTreatment),
        };
        let s = suggest(&entries, &ctx, 10);
        let ids: Vec<&str> = s.iter().map(|s| s.entry.id.as_str()).collect();
        // pmto is for children up to 12; the residential home matches nothing about this decision.
        assert_eq!(ids, vec!["mst", "kontaktperson"]);
        assert_eq!(s[0].score, 2.0 + 2.0 + 3.0 + 3.0 + 1.5);
        assert_eq!(s[0].reasons[0], Reason::Age(14));
        assert!(s[1].reasons.contains(&Reason::NearStep(LadderStep::Early)));
        // Without a known age every age range qualifies.
        let s = suggest(&entries, &CaseContext { age: None, ..ctx }, 1);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].entry.id.as_str(), "mst");
    }

    #[test]
    fn age_groups_follow_the_statistics() {
        let e = parse(entry("mst", (12, 17), 3, &[], &[], "rct"));
        assert_eq!(e.age_groups().collect::<Vec<_>>(), vec![(12, 14), (15, 17)]);
    }
}
