//! Rule packs: the law regimes (with their citations and parameters) and the municipality's policy rules, as data.
//!
//! The default pack (`default-pack.toml`) encodes `../shared/spec/rules.md`. A new law version is a new regime
//! with a `from` date; a municipality's stricter guideline is a policy change. Neither needs code.

use crate::event::{PlacementType, Severity};
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::BTreeMap;

/// Stable rule ids (`rules.md`).
pub mod id {
    pub const ASSESSMENT_24H: &str = "notification-assessment-24h";
    pub const RECEIPT_6_WORKING_DAYS: &str = "notification-receipt-6-working-days";
    pub const INVESTIGATION_4_MONTHS: &str = "investigation-4-months";
    pub const CHILD_PLAN: &str = "child-plan";
    /// Citation key for the child plan of a placement (Barnets lov § 91, stk. 2).
    pub const CHILD_PLAN_PLACEMENT: &str = "child-plan.placement";
    pub const FOLLOW_UP: &str = "intervention-follow-up";
    pub const SUPERVISION_VISITS: &str = "supervision-visits-2-per-year";
    pub const CONVERSATION: &str = "child-conversation-before-decision";
    pub const SITE_APPROVED: &str = "placement-site-approved";
    pub const OPERATIONAL_SUPERVISION: &str = "operational-supervision-annual";
    pub const SIGNAL_TO_SOCIALTILSYN: &str = "danger-signal-to-socialtilsyn";
    pub const FOSTER_SUPERVISION: &str = "foster-family-supervision";
    pub const FOSTER_BASIC_COURSE: &str = "foster-family-basic-course";
    pub const FOSTER_TRAINING_ANNUAL: &str = "foster-family-training-annual";
    pub const SIGNAL_REACTION: &str = "danger-signal-reaction";
    pub const FIRST_VISIT: &str = "first-supervision-visit";

    /// Every law rule, in catalogue order.
    pub const LAW_RULES: &[&str] = &[
        ASSESSMENT_24H,
        RECEIPT_6_WORKING_DAYS,
        INVESTIGATION_4_MONTHS,
        CHILD_PLAN,
        FOLLOW_UP,
        SUPERVISION_VISITS,
        CONVERSATION,
        SITE_APPROVED,
        OPERATIONAL_SUPERVISION,
        SIGNAL_TO_SOCIALTILSYN,
    ];

    /// Rules whose obligations belong to a placement site (their subject is the site), not to a child's case.
    pub fn is_site_rule(rule: &str) -> bool {
        matches!(rule, OPERATIONAL_SUPERVISION | FOSTER_SUPERVISION | FOSTER_BASIC_COURSE | FOSTER_TRAINING_ANNUAL)
    }

    /// Rules about danger signals (their subject is the signal).
    pub fn is_signal_rule(rule: &str) -> bool {
        matches!(rule, SIGNAL_TO_SOCIALTILSYN | SIGNAL_REACTION)
    }

    /// The Danish name of a rule, as caseworkers say it.
    pub fn label_da(rule: &str) -> &'static str {
        match rule {
            ASSESSMENT_24H => "Vurdering af underretning inden for 24 timer",
            RECEIPT_6_WORKING_DAYS => "Kvittering til fagperson inden for 6 hverdage",
            INVESTIGATION_4_MONTHS => "Børnefaglig undersøgelse inden for 4 måneder",
            CHILD_PLAN => "Handleplan / barnets plan",
            FOLLOW_UP => "Opfølgning på indsats",
            SUPERVISION_VISITS => "Tilsynsbesøg to gange om året",
            CONVERSATION => "Børnesamtale før afgørelse",
            SITE_APPROVED => "Godkendt anbringelsessted",
            OPERATIONAL_SUPERVISION => "Driftsorienteret tilsyn hvert år",
            SIGNAL_TO_SOCIALTILSYN => "Faresignal meddelt Socialtilsynet",
            FOSTER_SUPERVISION => "Supervision af plejefamilie",
            FOSTER_BASIC_COURSE => "Grundkursus for plejefamilie",
            FOSTER_TRAINING_ANNUAL => "Årlig efteruddannelse af plejefamilie",
            SIGNAL_REACTION => "Reaktion på faresignal",
            FIRST_VISIT => "Første tilsynsbesøg",
            _ => "Ukendt regel",
        }
    }

    /// Every policy rule, in catalogue order.
    pub const POLICY_RULES: &[&str] =
        &[FOSTER_SUPERVISION, FOSTER_BASIC_COURSE, FOSTER_TRAINING_ANNUAL, SIGNAL_REACTION, FIRST_VISIT];
}

/// The parameters of one law regime.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LawParams {
    pub assessment_hours: u32,
    pub receipt_working_days: u32,
    pub investigation_months: u32,
    /// The plan must exist before the decision (Serviceloven § 140).
    #[serde(default)]
    pub plan_before_decision: bool,
    /// With `plan_before_decision`: months allowed when the decision was urgent.
    #[serde(default)]
    pub plan_urgent_months: Option<u32>,
    /// Months after a placement decision with consent (Barnets lov § 91, stk. 2).
    #[serde(default)]
    pub plan_consent_placement_months: Option<u32>,
    /// Months after a supporting intervention (Barnets lov § 91, stk. 1).
    #[serde(default)]
    pub plan_supporting_months: Option<u32>,
    /// A supporting intervention needs a plan only when the decision says so (`plan_required`).
    #[serde(default)]
    pub plan_supporting_only_when_required: bool,
    pub follow_up_first_months: u32,
    pub follow_up_then_months: u32,
    /// Barnets lov § 95, stk. 2: first follow-up at the latest when a parallel investigation is completed.
    #[serde(default)]
    pub follow_up_early_on_investigation: bool,
    /// Barnets lov § 95, stk. 3: the follow-up decides the next date (`next_follow_up`).
    #[serde(default)]
    pub follow_up_honours_next_date: bool,
    pub visits_per_year: u32,
    pub conversation_window_months: u32,
    pub conversation_min_age_years: u32,
    pub operational_supervision_months: u32,
    pub danger_signal_working_days: u32,
}

/// A law regime in force from a date until the next regime's `from`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Regime {
    pub id: String,
    pub name: String,
    pub from: NaiveDate,
    pub citations: BTreeMap<String, String>,
    pub params: LawParams,
}

impl Regime {
    /// The citation of a rule (or citation key) in this regime. Every key is checked when the pack is loaded.
    pub fn cite(&self, key: &str) -> &str {
        self.citations.get(key).map(String::as_str).unwrap_or(&self.name)
    }
}

/// A municipality policy rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyRule {
    pub rule: String,
    pub name: String,
    #[serde(default = "yes")]
    pub enabled: bool,
    #[serde(default)]
    pub months: Option<u32>,
    #[serde(default)]
    pub working_days: Option<u32>,
    #[serde(default)]
    pub course: Option<String>,
    /// The site types the entry is for (empty: every type the rule applies to). A type-specific entry wins over
    /// the general one, so "netværksplejefamilier: supervision hver 6. måned" can sit beside "hver 3. måned".
    #[serde(default)]
    pub site_types: Vec<PlacementType>,
    /// Working days by severity of a danger signal (`danger-signal-reaction`); severities not listed use
    /// `working_days`.
    #[serde(default)]
    pub by_severity: BTreeMap<Severity, u32>,
    /// `Kommunal retningslinje: <name>`, set when the pack is loaded.
    #[serde(skip)]
    pub citation: String,
}

/// Thresholds on a residential home's annual key figures (`site_finances_reported`); a report beyond any of them
/// raises a danger signal (source `finances`). Every threshold is optional.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct FinanceThresholds {
    /// Profit (revenue − costs) as a share of revenue, in per cent, above which the home earns too much on the
    /// children's places.
    #[serde(default)]
    pub max_profit_margin_pct: Option<f64>,
    /// Profit margin in per cent below which the home is losing money (a risk to the children's stability).
    #[serde(default)]
    pub min_profit_margin_pct: Option<f64>,
    /// Equity below which the home is considered at risk.
    #[serde(default)]
    pub min_equity_dkk: Option<f64>,
    /// Costs per approved place per day above which the price is out of line.
    #[serde(default)]
    pub max_cost_per_place_day_dkk: Option<f64>,
}

fn yes() -> bool {
    true
}

/// A policy file a municipality may give (`--policy`): overrides of the default policy rules by `rule` id.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    #[serde(default)]
    pub policy: Vec<PolicyRule>,
    #[serde(default)]
    pub finances: Option<FinanceThresholds>,
    #[serde(default)]
    pub ladder: Option<crate::economy::LadderMap>,
    #[serde(default)]
    pub routing: Option<crate::detection::Routing>,
}

/// Law regimes plus policy rules.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulePack {
    pub regime: Vec<Regime>,
    #[serde(default)]
    pub policy: Vec<PolicyRule>,
    #[serde(default)]
    pub finances: FinanceThresholds,
    /// The intervention ladder by kind and placement type.
    #[serde(default)]
    pub ladder: crate::economy::LadderMap,
    /// Early detection: which team responds to which notifications, and how fast.
    #[serde(default)]
    pub routing: crate::detection::Routing,
}

/// A rule pack that does not make sense.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ugyldig regelpakke: {0}")]
pub struct PackError(pub String);

const DEFAULT_PACK: &str = include_str!("default-pack.toml");

impl RulePack {
    /// Parse and check a pack written in TOML.
    pub fn from_toml(text: &str) -> Result<RulePack, PackError> {
        let mut pack: RulePack = toml::from_str(text).map_err(|e| PackError(e.to_string()))?;
        pack.regime.sort_by_key(|r| r.from);
        if pack.regime.is_empty() {
            return Err(PackError("mindst ét lovgrundlag (regime) skal være angivet".into()));
        }
        pack.policy = pack.policy.into_iter().map(PolicyRule::finish).collect();
        for r in &pack.regime {
            for rule in id::LAW_RULES.iter().chain([&id::CHILD_PLAN_PLACEMENT]) {
                if !r.citations.contains_key(*rule) {
                    return Err(PackError(format!("{} mangler henvisning for reglen {rule}", r.name)));
                }
            }
        }
        for p in &pack.policy {
            p.check()?;
        }
        pack.ladder.check().map_err(PackError)?;
        pack.routing.check().map_err(PackError)?;
        Ok(pack)
    }

    /// Værn's default pack: Serviceloven until 31.12.2023, Barnets lov from 01.01.2024, and the policy defaults.
    pub fn default_pack() -> RulePack {
        // The embedded pack is checked by a unit test; an empty fallback can never be reached in a tested build.
        RulePack::from_toml(DEFAULT_PACK).unwrap_or(RulePack {
            regime: Vec::new(),
            policy: Vec::new(),
            finances: FinanceThresholds::default(),
            ladder: Default::default(),
            routing: Default::default(),
        })
    }

    /// Apply a municipality's policy file: each entry replaces the default rule with the same id.
    pub fn with_policy(mut self, file: &str) -> Result<RulePack, PackError> {
        let f: PolicyFile = toml::from_str(file).map_err(|e| PackError(e.to_string()))?;
        for p in f.policy {
            p.check()?;
            let p = p.finish();
            match self.policy.iter_mut().find(|q| q.rule == p.rule && q.site_types == p.site_types) {
                Some(q) => *q = p,
                None => self.policy.push(p),
            }
        }
        if let Some(f) = f.finances {
            self.finances = f;
        }
        if let Some(l) = f.ladder {
            l.check().map_err(PackError)?;
            self.ladder = l;
        }
        if let Some(r) = f.routing {
            r.check().map_err(PackError)?;
            self.routing = r;
        }
        Ok(self)
    }

    /// The regime in force on `date`.
    pub fn regime_at(&self, date: NaiveDate) -> &Regime {
        self.regime.iter().rev().find(|r| r.from <= date).unwrap_or(&self.regime[0])
    }

    /// The regime under which an obligation falls, when its due date depends on the regime: the newest regime
    /// whose own due date falls in its own period; otherwise the regime in force at the trigger.
    /// `due` returns `None` when the regime gives no obligation.
    pub fn choose<T: Copy>(
        &self,
        trigger: NaiveDate,
        due_date: impl Fn(&T) -> NaiveDate,
        due: impl Fn(&Regime) -> Option<T>,
    ) -> Option<(&Regime, T)> {
        for r in self.regime.iter().rev() {
            if let Some(d) = due(r) {
                if std::ptr::eq(self.regime_at(due_date(&d)), r) {
                    return Some((r, d));
                }
            }
        }
        let r = self.regime_at(trigger);
        due(r).map(|d| (r, d))
    }

    /// An enabled policy rule.
    pub fn policy(&self, rule: &str) -> Option<&PolicyRule> {
        self.policy.iter().find(|p| p.rule == rule && p.site_types.is_empty() && p.enabled)
    }

    /// The policy entry for a site type: the entry naming the type if there is one (disabled: the rule does not
    /// apply to that type), else the general entry.
    pub fn policy_for(&self, rule: &str, site_type: PlacementType) -> Option<&PolicyRule> {
        match self.policy.iter().find(|p| p.rule == rule && p.site_types.contains(&site_type)) {
            Some(p) => p.enabled.then_some(p),
            None => self.policy(rule),
        }
    }
}

impl PolicyRule {
    /// An entry the engine can apply: a known rule, site types only where a rule is per site, severities only on
    /// the reaction rule.
    fn check(&self) -> Result<(), PackError> {
        if !id::POLICY_RULES.contains(&self.rule.as_str()) {
            return Err(PackError(format!("ukendt kommunal regel \"{}\"", self.rule)));
        }
        let per_site =
            matches!(self.rule.as_str(), id::FOSTER_SUPERVISION | id::FOSTER_BASIC_COURSE | id::FOSTER_TRAINING_ANNUAL);
        if !self.site_types.is_empty() && !per_site {
            return Err(PackError(format!("reglen \"{}\" kan ikke opdeles på typer af anbringelsessted", self.rule)));
        }
        if let Some(t) = self.site_types.iter().find(|t| !t.is_foster_family()) {
            return Err(PackError(format!(
                "reglen \"{}\" gælder plejefamilier; \"{}\" er ikke en plejefamilietype",
                self.rule,
                t.as_str()
            )));
        }
        if !self.by_severity.is_empty() && self.rule != id::SIGNAL_REACTION {
            return Err(PackError(format!("by_severity gælder kun reglen \"{}\"", id::SIGNAL_REACTION)));
        }
        Ok(())
    }

    fn finish(mut self) -> PolicyRule {
        self.citation = format!("Kommunal retningslinje: {}", self.name);
        self
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn policy_per_site_type_wins_over_the_general_entry() {
        let pack = RulePack::default_pack()
            .with_policy(
                r#"
[[policy]]
rule = "foster-family-supervision"
name = "netværksplejefamilier hver 6. måned"
site_types = ["network_foster_family"]
months = 6
[[policy]]
rule = "foster-family-basic-course"
name = "ingen grundkursus for netværksplejefamilier"
site_types = ["network_foster_family"]
enabled = false
"#,
            )
            .unwrap();
        let net = PlacementType::NetworkFosterFamily;
        assert_eq!(pack.policy_for(id::FOSTER_SUPERVISION, net).and_then(|p| p.months), Some(6));
        assert_eq!(
            pack.policy_for(id::FOSTER_SUPERVISION, PlacementType::FosterFamily).and_then(|p| p.months),
            Some(3)
        );
        assert!(pack.policy_for(id::FOSTER_BASIC_COURSE, net).is_none(), "disabled for the type: no fallback");
        assert!(pack.policy_for(id::FOSTER_BASIC_COURSE, PlacementType::FosterFamily).is_some());
        // Loading the same type-specific entry again replaces it rather than adding a second.
        let again = pack
            .with_policy("[[policy]]\nrule = \"foster-family-supervision\"\nname = \"x\"\nsite_types = [\"network_foster_family\"]\nmonths = 4\n")
            .unwrap();
        assert_eq!(again.policy.iter().filter(|p| p.rule == id::FOSTER_SUPERVISION).count(), 2);
        assert_eq!(again.policy_for(id::FOSTER_SUPERVISION, net).and_then(|p| p.months), Some(4));
    }

    #[test]
    fn severity_days_and_finance_thresholds_load() {
        let pack = RulePack::default_pack();
        let p = pack.policy(id::SIGNAL_REACTION).unwrap();
        assert_eq!(p.by_severity.get(&Severity::Critical), Some(&1));
        assert_eq!(p.working_days, Some(10));
        assert_eq!(pack.finances.max_profit_margin_pct, Some(10.0));
        let stricter = pack.with_policy("[finances]\nmax_profit_margin_pct = 5.0\n").unwrap();
        assert_eq!(stricter.finances.max_profit_margin_pct, Some(5.0));
        assert_eq!(stricter.finances.min_equity_dkk, None, "a [finances] section replaces the thresholds whole");
    }

    #[test]
    fn a_policy_file_sets_the_ladder_and_the_routing_model() {
        let pack = RulePack::default_pack();
        assert_eq!(pack.ladder, crate::economy::LadderMap::default());
        assert_eq!(pack.routing, crate::detection::Routing::default());
        let own = pack
            .clone()
            .with_policy(
                "[ladder.kinds]\ncontact_person = 3\n\n[[routing]]\nsource = \"health\"\nteam = \"sundhed\"\n\
                 response_hours = 48\n[[routing]]\nteam = \"modtagelse\"\nresponse_hours = 72\n",
            )
            .unwrap();
        assert_eq!(own.ladder.kinds[&crate::event::InterventionKind::ContactPerson], 3);
        assert_eq!(own.routing.route(Some("health"), None).unwrap().team, "sundhed");
        let e = pack.clone().with_policy("[[routing]]\nsource = \"health\"\nteam = \"x\"\nresponse_hours = 1\n");
        assert!(e.unwrap_err().0.contains("skal slutte med en linje uden source"));
        let e = pack.with_policy("[ladder.placement]\nfoster_family = 8\n");
        assert!(e.unwrap_err().0.contains("trin 8"));
    }

    #[test]
    fn misplaced_policy_options_are_refused_in_danish() {
        let base = RulePack::default_pack;
        let e = base()
            .with_policy(
                "[[policy]]\nrule = \"danger-signal-reaction\"\nname = \"x\"\nsite_types = [\"foster_family\"]\n",
            )
            .unwrap_err();
        assert!(e.0.contains("kan ikke opdeles"), "{e}");
        let e = base()
            .with_policy(
                "[[policy]]\nrule = \"foster-family-supervision\"\nname = \"x\"\nsite_types = [\"institution\"]\n",
            )
            .unwrap_err();
        assert!(e.0.contains("ikke en plejefamilietype"), "{e}");
        let e = base()
            .with_policy("[[policy]]\nrule = \"foster-family-supervision\"\nname = \"x\"\nby_severity = { high = 2 }\n")
            .unwrap_err();
        assert!(e.0.contains("by_severity"), "{e}");
        let e = base()
            .with_policy("[[policy]]\nrule = \"danger-signal-reaction\"\nname = \"x\"\nby_severity = { urgent = 2 }\n")
            .unwrap_err();
        assert!(e.0.contains("ukendt alvor"), "{e}");
    }
    use super::*;

    #[test]
    fn default_pack_loads_and_cites_every_rule_in_both_regimes() {
        let pack = RulePack::from_toml(DEFAULT_PACK).unwrap();
        assert_eq!(pack.regime.len(), 2);
        let sel = pack.regime_at(NaiveDate::from_ymd_opt(2023, 12, 31).unwrap());
        let bl = pack.regime_at(NaiveDate::from_ymd_opt(2024, 1, 1).unwrap());
        assert_eq!(sel.id, "SEL");
        assert_eq!(bl.id, "BL");
        assert_eq!(sel.cite(id::INVESTIGATION_4_MONTHS), "Serviceloven § 50, stk. 7");
        assert_eq!(bl.cite(id::INVESTIGATION_4_MONTHS), "Barnets lov § 20, stk. 3");
        assert_eq!(bl.cite(id::CHILD_PLAN_PLACEMENT), "Barnets lov § 91, stk. 2");
        assert_eq!(pack.policy.len(), 5);
    }

    #[test]
    fn policy_file_overrides_a_default() {
        let pack = RulePack::default_pack()
            .with_policy("[[policy]]\nrule = \"foster-family-supervision\"\nname = \"hver 2. måned\"\nmonths = 2\n")
            .unwrap();
        let p = pack.policy(id::FOSTER_SUPERVISION).unwrap();
        assert_eq!(p.months, Some(2));
        assert_eq!(p.citation, "Kommunal retningslinje: hver 2. måned");
        let off = RulePack::default_pack()
            .with_policy("[[policy]]\nrule = \"danger-signal-reaction\"\nname = \"x\"\nenabled = false\n")
            .unwrap();
        assert!(off.policy(id::SIGNAL_REACTION).is_none());
        assert!(RulePack::default_pack().with_policy("[[policy]]\nrule = \"nap\"\nname = \"x\"\n").is_err());
    }

    #[test]
    fn a_third_regime_is_data() {
        let text = DEFAULT_PACK.to_string()
            + "\n[[regime]]\nid = \"BL2026\"\nname = \"Barnets lov (risikobaseret tilsyn)\"\nfrom = \"2026-07-01\"\n"
            + &DEFAULT_PACK[DEFAULT_PACK.find("[regime.citations]\nnotification-assessment-24h = \"Barnets").unwrap()
                ..DEFAULT_PACK.find("# Municipality policy").unwrap()];
        let pack = RulePack::from_toml(&text).unwrap();
        assert_eq!(pack.regime.len(), 3);
        assert_eq!(pack.regime_at(NaiveDate::from_ymd_opt(2026, 8, 1).unwrap()).id, "BL2026");
    }
}
