//! Property tests of the deadline engine's invariants: order independence, monotonicity in fulfilment and in as-of.

use chrono::{Duration, NaiveDate};
use domain::event::Event;
use domain::obligation::{Obligation, Status};
use domain::rules::{obligations, RulePack};
use domain::time::AsOf;
use proptest::prelude::*;
use std::collections::HashMap;

/// One random journal line, given a pool of object numbers to refer to.
fn line(kind: u8, child: u8, obj: u8, day: u32, hour: Option<u8>, flag: bool, pick: u8) -> String {
    let base = NaiveDate::from_ymd_opt(2022, 6, 1).unwrap() + Duration::days(day as i64);
    let at = match hour {
        Some(h) => format!("{}T{:02}:17:00+01:00", base, h % 24),
        None => base.to_string(),
    };
    let c = format!("b{}", child % 3);
    let o = obj % 4;
    let site_types = ["foster_family", "network_foster_family", "residential_home", "institution", "own_room"];
    let kinds = ["consultation", "family_treatment", "placement", "contact_person"];
    let head = |t: &str| format!(r#"{{"type":"{t}","at":"{at}","child":"{c}""#);
    match kind % 22 {
        0 => format!(
            r#"{},"birth_date":"20{:02}-03-0{}","municipality":"101"}}"#,
            head("child_registered"),
            5 + pick % 18,
            1 + pick % 9
        ),
        1 => format!(r#"{},"notification":"{c}n{o}","from_professional":{flag}}}"#, head("notification_received")),
        2 => format!(r#"{},"notification":"{c}n{o}","outcome":"investigate"}}"#, head("notification_assessed")),
        3 => format!(r#"{},"notification":"{c}n{o}"}}"#, head("notification_receipt_sent")),
        4 => format!(r#"{},"investigation":"{c}u{o}"}}"#, head("investigation_started")),
        5 => format!(r#"{},"investigation":"{c}u{o}"}}"#, head("investigation_completed")),
        6 => format!(r#"{},"purpose":"decision","without_carers":{flag}}}"#, head("child_conversation")),
        7 => format!(r#"{},"plan":"{c}pl{o}","goals":[]}}"#, head("plan_created")),
        8 => format!(
            r#"{},"intervention":"{c}i{o}","kind":"{}","consent":{flag},"urgent":{},"plan_required":{}}}"#,
            head("intervention_decided"),
            kinds[pick as usize % 4],
            pick.is_multiple_of(3),
            pick.is_multiple_of(2)
        ),
        9 => format!(r#"{},"intervention":"{c}i{o}"}}"#, head("intervention_started")),
        10 => format!(r#"{},"intervention":"{c}i{o}"}}"#, head("intervention_ended")),
        11 => {
            let next = if flag {
                format!(r#","next_follow_up":"{}""#, base + Duration::days(30 + pick as i64 * 3))
            } else {
                String::new()
            };
            format!(r#"{},"intervention":"{c}i{o}"{next}}}"#, head("plan_followed_up"))
        }
        12 => format!(
            r#"{},"placement":"{c}p{o}","site":"s{}","placement_type":"{}","consent":{flag}}}"#,
            head("placement_started"),
            pick % 3,
            site_types[pick as usize % 3 + (obj as usize % 2)]
        ),
        13 => format!(r#"{},"placement":"{c}p{o}"}}"#, head("placement_ended")),
        14 | 15 => format!(
            r#"{},"placement":"{c}p{o}","child_spoken_to":{},"without_carers":{flag}}}"#,
            head("supervision_visit"),
            !pick.is_multiple_of(5)
        ),
        16 => format!(
            r#"{{"type":"site_approved","at":"{at}","site":"s{}"{}}}"#,
            pick % 3,
            if flag {
                format!(r#","valid_until":"{}""#, base + Duration::days(200 + pick as i64 * 5))
            } else {
                String::new()
            }
        ),
        17 => format!(r#"{{"type":"site_approval_revoked","at":"{at}","site":"s{}"}}"#, pick % 3),
        18 => format!(r#"{{"type":"foster_supervision","at":"{at}","site":"s{}"}}"#, pick % 3),
        19 => format!(
            r#"{{"type":"foster_training","at":"{at}","site":"s{}"{}}}"#,
            pick % 3,
            if flag { r#","course":"grundkursus""# } else { "" }
        ),
        20 => format!(r#"{{"type":"operational_supervision","at":"{at}","site":"s{}","announced":{flag}}}"#, pick % 3),
        _ => {
            if flag {
                format!(r#"{},"signal":"{c}sig{o}","site":"s{}"}}"#, head("danger_signal"), pick % 3)
            } else {
                format!(
                    r#"{},"signal":"{c}sig{o}","socialtilsyn_notified":{}}}"#,
                    head("danger_signal_handled"),
                    pick.is_multiple_of(2)
                )
            }
        }
    }
}

/// Site registrations (fixed types) and random events.
fn journal() -> impl Strategy<Value = Vec<Event>> {
    prop::collection::vec(
        (0u8..22, 0u8..3, 0u8..4, 0u32..1300, prop::option::of(0u8..24), any::<bool>(), any::<u8>()),
        1..60,
    )
    .prop_map(|rows| {
        let mut lines = vec![
            r#"{"type":"site_registered","at":"2022-01-01","site":"s0","site_type":"foster_family","name":"Plejefamilien Holm"}"#.to_string(),
            r#"{"type":"site_registered","at":"2022-01-01","site":"s1","site_type":"network_foster_family","name":"Netværksfamilien Berg"}"#.to_string(),
            r#"{"type":"site_registered","at":"2022-01-01","site":"s2","site_type":"residential_home","name":"Opholdsstedet Lyngly"}"#.to_string(),
        ];
        lines.extend(rows.into_iter().map(|(k, c, o, d, h, f, p)| line(k, c, o, d, h, f, p)));
        lines.iter().map(|l| Event::parse_json(l).unwrap_or_else(|e| panic!("generator wrote a bad line {l}: {e:?}"))).collect()
    })
}

fn as_of() -> impl Strategy<Value = AsOf> {
    (0i64..1500).prop_map(|d| AsOf::end_of(NaiveDate::from_ymd_opt(2022, 6, 1).unwrap() + Duration::days(d)))
}

type Key = (&'static str, Option<String>, String, String);

/// Obligations by (rule, child, subject, due). Two occurrences of a recurring obligation can share a deadline (a
/// session on the approval day starts the next period at once); such keys are left out, as they do not name one
/// obligation.
fn by_key<'a, 'p>(list: &'a [Obligation<'p>]) -> HashMap<Key, &'a Obligation<'p>> {
    let mut map: HashMap<Key, Option<&'a Obligation<'p>>> = HashMap::new();
    for o in list {
        let key = (o.rule, o.child.as_ref().map(|c| c.to_string()), o.subject.to_string(), o.due.to_string());
        map.entry(key).and_modify(|v| *v = None).or_insert(Some(o));
    }
    map.into_iter().filter_map(|(k, v)| v.map(|o| (k, o))).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    /// The output never depends on the order of the lines in the file.
    #[test]
    fn independent_of_event_order(events in journal(), as_of in as_of(), seed in any::<u64>()) {
        let pack = RulePack::default_pack();
        let a = obligations(&events, as_of, &pack);
        let mut shuffled = events.clone();
        let n = shuffled.len();
        let mut s = seed;
        for i in (1..n).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        let b = obligations(&shuffled, as_of, &pack);
        prop_assert_eq!(a, b);
    }

    /// Adding a fulfilling event never turns `met` into `late`/`overdue`, and never lowers the number met.
    #[test]
    fn fulfilling_never_hurts(events in journal(), extra in (0u8..22, 0u8..3, 0u8..4, 0u32..1300, prop::option::of(0u8..24), any::<bool>(), any::<u8>()), as_of in as_of()) {
        let (k, c, o, d, h, f, p) = extra;
        // Only fulfilment events (assessment, receipt, completion, conversation, plan, follow-up, visit,
        // foster supervision/training, operational supervision, signal handled).
        let fulfilling = [2u8, 3, 5, 6, 7, 11, 14, 18, 19, 20];
        let kind = fulfilling[k as usize % fulfilling.len()];
        let added = Event::parse_json(&line(kind, c, o, d, h, f, p)).unwrap();
        let pack = RulePack::default_pack();
        let before = obligations(&events, as_of, &pack);
        let mut more = events.clone();
        more.push(added);
        let after = obligations(&more, as_of, &pack);
        let after_keys = by_key(&after);
        for (key, o) in by_key(&before).into_iter().filter(|(_, o)| o.status == Status::Met) {
            // (A recurring obligation's occurrences are told apart by their deadline; an added fulfilment can make
            // another occurrence fall on the same deadline — it may then be `due`, never late or overdue.)
            if let Some(a) = after_keys.get(&key) {
                prop_assert!(!matches!(a.status, Status::Late | Status::Overdue), "{:?} became {:?}", o, a);
            }
        }
        let met = |l: &[Obligation<'_>]| l.iter().filter(|o| o.status == Status::Met).count();
        prop_assert!(met(&after) >= met(&before));
    }

    /// As-of monotonicity: overdue at t is never `due` (or `met`) later; met and late at t stay so later.
    #[test]
    fn monotone_in_as_of(events in journal(), t in as_of(), days in 1i64..400) {
        let pack = RulePack::default_pack();
        let later = AsOf::end_of(t.date() + Duration::days(days));
        let early = obligations(&events, t, &pack);
        let late = obligations(&events, later, &pack);
        let late_keys = by_key(&late);
        for (key, o) in by_key(&early) {
            // An obligation may lapse later (the intervention or placement ended, the approval was revoked).
            let Some(l) = late_keys.get(&key) else { continue };
            match o.status {
                Status::Overdue => prop_assert!(l.status != Status::Due && l.status != Status::Met, "{:?} → {:?}", o, l),
                Status::Met | Status::Late => prop_assert_eq!(l.status, o.status),
                Status::Due => {}
            }
        }
    }
}
