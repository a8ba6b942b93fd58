//! The law scenario suite (`tests/scenarios/*.scn`, format in its README): each journal is run through
//! `vaern obligations` and the complete output is compared with the hand-computed expectation.

use crate::{root, vaern};
use serde_json::Value;

struct Scenario {
    name: String,
    law: String,
    as_of: String,
    events: String,
    expected: Value,
    /// A municipality policy file (TOML) given with `--policy`, from an optional `--- policy` section.
    policy: Option<String>,
}

fn parse(name: &str, text: &str) -> Scenario {
    let (head, rest) = text.split_once("--- events").unwrap_or_else(|| panic!("{name}: no '--- events'"));
    let (head, policy) = match head.split_once("--- policy") {
        Some((h, p)) => (h, Some(p.to_string())),
        None => (head, None),
    };
    let (events, expected) = rest.split_once("--- expected").unwrap_or_else(|| panic!("{name}: no '--- expected'"));
    let field = |key: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(key))
            .map(|v| v.trim().to_string())
            .unwrap_or_else(|| panic!("{name}: no '{key}' line"))
    };
    Scenario {
        name: name.to_string(),
        law: field("law:"),
        as_of: field("as_of:"),
        events: events.to_string(),
        expected: serde_json::from_str(expected).unwrap_or_else(|e| panic!("{name}: expected is not JSON: {e}")),
        policy,
    }
}

/// `"POLICY"` in an expectation stands for any `Kommunal retningslinje: …` citation.
fn normalise(mut v: Value) -> Value {
    if let Value::Array(items) = &mut v {
        for item in items {
            if let Some(law) = item.get_mut("law") {
                if law.as_str().is_some_and(|s| s.starts_with("Kommunal retningslinje: ")) {
                    *law = Value::String("POLICY".into());
                }
            }
        }
    }
    v
}

fn lines(v: &Value) -> Vec<String> {
    v.as_array().map(|a| a.iter().map(|o| o.to_string()).collect()).unwrap_or_default()
}

#[test]
fn law_scenarios() {
    let dir = root().join("tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("tests/scenarios exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "scn"))
        .collect();
    files.sort();
    assert!(files.len() >= 80, "at least 80 scenarios, found {}", files.len());
    let mut failures = Vec::new();
    let mut laws = std::collections::BTreeSet::new();
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let s = parse(&name, &std::fs::read_to_string(path).unwrap());
        assert!(!s.law.is_empty(), "{name}: every scenario names the § it checks");
        laws.insert(s.law.clone());
        let policy_file = s.policy.as_ref().map(|p| {
            let f = tempfile::NamedTempFile::new().expect("temp file");
            std::fs::write(f.path(), p).expect("write policy");
            f
        });
        let mut args = vec!["obligations", "--events", "-", "--as-of", &s.as_of, "--format", "json"];
        let policy_path = policy_file.as_ref().map(|f| f.path().to_string_lossy().to_string());
        if let Some(p) = &policy_path {
            args.extend(["--policy", p.as_str()]);
        }
        let out = vaern(&args, Some(&s.events));
        if !out.status.success() {
            failures.push(format!(
                "{}: exit {:?}\n{}",
                s.name,
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            ));
            continue;
        }
        let actual: Value = serde_json::from_slice(&out.stdout).expect("output is JSON");
        let (actual, expected) = (normalise(actual), normalise(s.expected.clone()));
        if actual != expected {
            let (a, e) = (lines(&actual), lines(&expected));
            let mut diff = String::new();
            for l in &e {
                if !a.contains(l) {
                    diff.push_str(&format!("  - expected {l}\n"));
                }
            }
            for l in &a {
                if !e.contains(l) {
                    diff.push_str(&format!("  + actual   {l}\n"));
                }
            }
            if diff.is_empty() {
                diff = "  (same obligations, different order)\n".into();
            }
            failures.push(format!("{} ({}):\n{diff}", s.name, s.law));
        }
    }
    assert!(failures.is_empty(), "{} of {} scenarios failed:\n{}", failures.len(), files.len(), failures.join("\n"));
    assert!(laws.len() >= 15, "scenarios cover the catalogue: {laws:?}");
}
