//! Bad input: every kind of malformed line gives exit code 2 and a message naming the line and the field.

use crate::vaern;

const GOOD: &str =
    r#"{"type":"child_registered","at":"2024-02-01","child":"b1","birth_date":"2014-05-17","municipality":"101"}"#;

/// Run a journal whose line 3 is `bad` and check exit 2 and the message.
fn rejects(bad: &str, field: Option<&str>, needle: &str) {
    let journal = format!("{GOOD}\n# a comment\n{bad}\n{GOOD_2}\n", GOOD_2 = GOOD.replace("b1", "b2"));
    let out = vaern(&["obligations", "--events", "-", "--as-of", "2024-06-01"], Some(&journal));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "exit 2 for {bad}\n{err}");
    assert!(out.stdout.is_empty(), "nothing on stdout for bad input");
    assert!(err.contains("linje 3"), "names the line: {err}");
    if let Some(f) = field {
        assert!(err.contains(&format!("felt \"{f}\"")), "names the field {f}: {err}");
    }
    assert!(err.contains(needle), "says what is wrong ({needle}): {err}");
}

#[test]
fn malformed_json() {
    rejects(r#"{"type":"child_registered","at":"2024-02-01""#, None, "JSON");
    rejects("not json at all", None, "ugyldig JSON");
    rejects(r#"["type","child_registered"]"#, None, "JSON-objekt");
    rejects(r#"{"type":"child_registered"} trailing"#, None, "ugyldig JSON");
}

#[test]
fn unknown_or_missing_type() {
    rejects(r#"{"type":"teleportation","at":"2024-02-01","child":"b1"}"#, Some("type"), "ukendt hændelsestype");
    rejects(r#"{"at":"2024-02-01","child":"b1"}"#, Some("type"), "mangler");
    rejects(r#"{"type":42,"at":"2024-02-01","child":"b1"}"#, Some("type"), "forventede tekst");
}

#[test]
fn bad_times_and_dates() {
    rejects(
        r#"{"type":"investigation_started","at":"2024-02-30","child":"b1","investigation":"u1"}"#,
        Some("at"),
        "ugyldig tid",
    );
    rejects(
        r#"{"type":"investigation_started","at":"i går","child":"b1","investigation":"u1"}"#,
        Some("at"),
        "ugyldig tid",
    );
    rejects(r#"{"type":"investigation_started","child":"b1","investigation":"u1"}"#, Some("at"), "mangler");
    rejects(
        r#"{"type":"investigation_started","at":"2024-02-03","child":"b1","investigation":"u1","aware_since":"03.02.2024"}"#,
        Some("aware_since"),
        "ugyldig dato",
    );
    rejects(
        r#"{"type":"child_registered","at":"2024-02-01","child":"b3","birth_date":"2014-13-17","municipality":"101"}"#,
        Some("birth_date"),
        "ugyldig dato",
    );
}

#[test]
fn missing_and_mistyped_fields() {
    rejects(r#"{"type":"investigation_started","at":"2024-02-03","investigation":"u1"}"#, Some("child"), "mangler");
    rejects(r#"{"type":"investigation_started","at":"2024-02-03","child":"b1"}"#, Some("investigation"), "mangler");
    rejects(
        r#"{"type":"notification_received","at":"2024-02-03","child":"b1","notification":"n1","from_professional":"ja"}"#,
        Some("from_professional"),
        "true eller false",
    );
    rejects(
        r#"{"type":"supervision_visit","at":"2024-02-03","child":"b1","placement":"p1"}"#,
        Some("child_spoken_to"),
        "mangler",
    );
    rejects(
        r#"{"type":"placement_started","at":"2024-02-03","child":"b1","placement":"p1","site":"s1","placement_type":"castle","consent":true}"#,
        Some("placement_type"),
        "ukendt værdi",
    );
    rejects(
        r#"{"type":"intervention_decided","at":"2024-02-03","child":"b1","intervention":"i1","kind":"placement"}"#,
        Some("consent"),
        "samtykke",
    );
    rejects(
        r#"{"type":"intervention_decided","at":"2024-02-03","child":"b1","intervention":"i1","kind":"consultation","ladder_step":9}"#,
        Some("ladder_step"),
        "1 til 6",
    );
    rejects(
        r#"{"type":"intervention_decided","at":"2024-02-03","child":"b1","intervention":"i1","kind":"consultation","daily_cost_dkk":-5}"#,
        Some("daily_cost_dkk"),
        "negativt",
    );
    rejects(
        r#"{"type":"notification_assessed","at":"2024-02-03","child":"b1","notification":"n1","outcome":"maybe"}"#,
        Some("outcome"),
        "no_action",
    );
    rejects(
        r#"{"type":"plan_followed_up","at":"2024-02-03","child":"b1","intervention":"i1","goal_progress":[{"goal":"g1","score":11}]}"#,
        Some("goal_progress[0].score"),
        "1 til 10",
    );
    rejects(
        r#"{"type":"foster_supervision","at":"2024-02-03","site":"s1","site":"s2"}"#,
        Some("site"),
        "mere end én gang",
    );
}

#[test]
fn bad_identity_data() {
    rejects(
        r#"{"type":"child_registered","at":"2024-02-01","child":"b3","birth_date":"2014-05-17","municipality":"999"}"#,
        Some("municipality"),
        "999",
    );
    rejects(
        r#"{"type":"child_registered","at":"2024-02-01","child":"b3","birth_date":"2014-05-17","municipality":"101","cpr":"170514"}"#,
        Some("cpr"),
        "10 cifre",
    );
    rejects(
        r#"{"type":"child_registered","at":"2024-02-01","child":"b3","birth_date":"1923-02-28","municipality":"101","cpr":"290223-0123"}"#,
        Some("cpr"),
        "29.02.1923",
    );
    rejects(
        r#"{"type":"child_registered","at":"2024-02-01","child":"b3","birth_date":"2014-05-18","municipality":"101","cpr":"170514-4123"}"#,
        Some("cpr"),
        "stemmer ikke",
    );
    rejects(
        r#"{"type":"child_registered","at":"2024-02-01","child":"b3","birth_date":"2014-05-18","municipality":"101","gender":"Q"}"#,
        Some("gender"),
        "Q",
    );
}

#[test]
fn bad_corrections() {
    rejects(
        r#"{"type":"correction","at":"2024-02-03","child":"b1","corrects":"e9","fields":{"type":"x"},"reason":"fejl"}"#,
        Some("fields"),
        "type",
    );
    rejects(
        r#"{"type":"correction","at":"2024-02-03","child":"b1","corrects":"e9","fields":{"at":"2024-01-01"}}"#,
        Some("reason"),
        "mangler",
    );
    rejects(
        r#"{"type":"correction","at":"2024-02-03","child":"b1","corrects":"e9","fields":{"at":"2024-01-01"},"reason":"fejl"}"#,
        Some("corrects"),
        "e9",
    );
}

#[test]
fn duplicate_event_ids() {
    let journal = format!(
        "{}\n{}\n{}\n",
        GOOD.replace("}", ",\"id\":\"e1\"}"),
        "",
        GOOD.replace("b1", "b2").replace("}", ",\"id\":\"e1\"}")
    );
    let out = vaern(&["obligations", "--events", "-", "--as-of", "2024-06-01"], Some(&journal));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("linje 3") && err.contains("felt \"id\"") && err.contains("linje 1"), "{err}");
}

#[test]
fn every_bad_line_is_reported() {
    let journal = format!("{GOOD}\nbad\n{GOOD}\n{{\"type\":\"x\",\"at\":\"2024-01-01\",\"child\":\"b\"}}\n");
    let out = vaern(&["obligations", "--events", "-", "--as-of", "2024-06-01"], Some(&journal));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(err.contains("linje 2") && err.contains("linje 4"), "{err}");
}

#[test]
fn bad_arguments() {
    let out = vaern(&["obligations", "--events", "-", "--as-of", "31.12.2024"], Some(GOOD));
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--as-of"));
    let out = vaern(&["obligations", "--events", "/no/such/file.jsonl", "--as-of", "2024-12-31"], None);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/file.jsonl"));
    let out = vaern(&["obligations", "--events", "-", "--as-of", "2024-12-31", "--format", "pdf"], Some(GOOD));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn good_input_gives_json_and_table() {
    let journal = format!(
        "{GOOD}\n{}\n",
        r#"{"type":"notification_received","at":"2024-03-04T10:15:00+01:00","child":"b1","notification":"n1","from_professional":true,"source":"school","extra_field":{"kept":true}}"#
    );
    let out = vaern(&["obligations", "--events", "-", "--as-of", "2024-03-05"], Some(&journal));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json by default when piped");
    assert_eq!(v.as_array().map(Vec::len), Some(2));
    assert_eq!(v[0]["rule"], "notification-assessment-24h");
    assert_eq!(v[0]["due"], "2024-03-05T10:15:00+01:00");
    assert_eq!(v[0]["status"], "overdue");
    let out = vaern(&["obligations", "--events", "-", "--as-of", "2024-03-05", "--format", "table"], Some(&journal));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Vurdering af underretning inden for 24 timer"), "{text}");
    assert!(text.contains("05.03.2024 kl. 10:15"), "{text}");
    assert!(text.contains("overskredet"), "{text}");
    assert!(text.contains("Barnets lov § 136"), "{text}");
}
