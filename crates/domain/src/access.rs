//! Roles and need-to-know: who may see which child's case. Pure: the web layer feeds it the facts (the viewer, the
//! case's assignment, whether the child is placed, whether a break-the-glass grant is active) and obeys the answer.

use std::fmt;

/// A user's role in the municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Sagsbehandler: the children of their own cases and their team's.
    Caseworker,
    /// Familieplejekonsulent: placed children (supervision of placements) and their own team's cases.
    Consultant,
    /// Teamleder: the team's children, the team's audit trail and dashboards.
    TeamLeader,
    /// Leder/direktør: every child of the municipality, all dashboards and the audit log.
    Manager,
    /// National analyst (KL, Ankestyrelsen): aggregated figures only, never a child.
    Analyst,
    /// Administrator: users, teams and roles; no child data.
    Admin,
    /// Redaktør: edits the knowledge bank of methods and good practice; no child data.
    Editor,
}

impl Role {
    pub const ALL: [Role; 7] =
        [Role::Caseworker, Role::Consultant, Role::TeamLeader, Role::Manager, Role::Analyst, Role::Admin, Role::Editor];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Caseworker => "caseworker",
            Role::Consultant => "consultant",
            Role::TeamLeader => "team_leader",
            Role::Manager => "manager",
            Role::Analyst => "analyst",
            Role::Admin => "admin",
            Role::Editor => "editor",
        }
    }

    pub fn label_da(self) -> &'static str {
        match self {
            Role::Caseworker => "Sagsbehandler",
            Role::Consultant => "Familieplejekonsulent",
            Role::TeamLeader => "Teamleder",
            Role::Manager => "Leder",
            Role::Analyst => "National analytiker",
            Role::Admin => "Administrator",
            Role::Editor => "Redaktør (vidensbank)",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Caseworker => "Caseworker",
            Role::Consultant => "Foster-care consultant",
            Role::TeamLeader => "Team leader",
            Role::Manager => "Manager",
            Role::Analyst => "National analyst",
            Role::Admin => "Administrator",
            Role::Editor => "Knowledge-bank editor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether the role works with children's cases at all (may ever see a child, with or without a reason).
    pub fn handles_cases(self) -> bool {
        matches!(self, Role::Caseworker | Role::Consultant | Role::TeamLeader | Role::Manager)
    }

    /// Whether the role may see team dashboards and the team's audit trail.
    pub fn leads(self) -> bool {
        matches!(self, Role::TeamLeader | Role::Manager)
    }

    /// Whether the role may record events in a child's journal (after access to the child is established).
    pub fn records(self) -> bool {
        matches!(self, Role::Caseworker | Role::Consultant | Role::TeamLeader)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The viewer, as far as need-to-know is concerned.
#[derive(Debug, Clone, Copy)]
pub struct Viewer<'a> {
    pub username: &'a str,
    pub role: Role,
    pub team: Option<&'a str>,
}

/// The facts about a child's case that decide who needs to know it.
#[derive(Debug, Clone, Copy, Default)]
pub struct CaseFacts<'a> {
    pub caseworker: Option<&'a str>,
    pub team: Option<&'a str>,
    /// The child is placed outside the home now (foster-care consultants supervise placements).
    pub placed: bool,
    /// An unexpired break-the-glass grant of this viewer for this child.
    pub granted: bool,
}

/// Why access is allowed, or what is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// The viewer's own case.
    OwnCase,
    /// A case of the viewer's team.
    Team,
    /// A placed child (foster-care consultant).
    Placement,
    /// The role sees every child of the municipality.
    Municipality,
    /// Break the glass: allowed by an earlier stated reason.
    Granted,
    /// Not within need-to-know: a stated reason opens it (and is logged and shown to the team leader).
    NeedsReason,
    /// The role never sees children's cases.
    Denied,
}

impl Access {
    pub fn allowed(self) -> bool {
        !matches!(self, Access::NeedsReason | Access::Denied)
    }

    /// The basis, as written in the audit log.
    pub fn basis(self) -> &'static str {
        match self {
            Access::OwnCase => "own_case",
            Access::Team => "team",
            Access::Placement => "placement",
            Access::Municipality => "municipality",
            Access::Granted => "break_glass",
            Access::NeedsReason => "needs_reason",
            Access::Denied => "denied",
        }
    }
}

/// Need-to-know for one child's case.
pub fn access(viewer: Viewer<'_>, case: CaseFacts<'_>) -> Access {
    if !viewer.role.handles_cases() {
        return Access::Denied;
    }
    if viewer.role == Role::Manager {
        return Access::Municipality;
    }
    if case.caseworker.is_some() && case.caseworker == Some(viewer.username) {
        return Access::OwnCase;
    }
    if viewer.team.is_some() && case.team == viewer.team {
        return Access::Team;
    }
    if viewer.role == Role::Consultant && case.placed {
        return Access::Placement;
    }
    if case.granted {
        return Access::Granted;
    }
    Access::NeedsReason
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(role: Role) -> Viewer<'static> {
        Viewer { username: "anna", role, team: Some("nord") }
    }

    #[test]
    fn caseworkers_see_own_and_team_cases_and_need_a_reason_for_others() {
        let own = CaseFacts { caseworker: Some("anna"), team: Some("syd"), ..Default::default() };
        let team = CaseFacts { caseworker: Some("bo"), team: Some("nord"), ..Default::default() };
        let other = CaseFacts { caseworker: Some("bo"), team: Some("syd"), placed: true, ..Default::default() };
        assert_eq!(access(v(Role::Caseworker), own), Access::OwnCase);
        assert_eq!(access(v(Role::Caseworker), team), Access::Team);
        assert_eq!(access(v(Role::Caseworker), other), Access::NeedsReason);
        assert_eq!(access(v(Role::Caseworker), CaseFacts { granted: true, ..other }), Access::Granted);
        assert_eq!(access(v(Role::Consultant), other), Access::Placement);
        assert_eq!(access(v(Role::TeamLeader), other), Access::NeedsReason);
        assert_eq!(access(v(Role::Manager), other), Access::Municipality);
    }

    #[test]
    fn analysts_and_administrators_never_see_a_child() {
        let granted = CaseFacts { caseworker: Some("anna"), team: Some("nord"), placed: true, granted: true };
        assert_eq!(access(v(Role::Analyst), granted), Access::Denied);
        assert_eq!(access(v(Role::Admin), granted), Access::Denied);
        assert_eq!(access(v(Role::Editor), granted), Access::Denied);
        assert!(!Access::Denied.allowed() && !Access::NeedsReason.allowed());
    }

    #[test]
    fn an_unassigned_case_is_nobodys_own() {
        let unassigned = CaseFacts::default();
        let nobody = Viewer { username: "anna", role: Role::Caseworker, team: None };
        assert_eq!(access(nobody, unassigned), Access::NeedsReason);
    }

    #[test]
    fn roles_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
