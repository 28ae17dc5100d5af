use proptest::prelude::*;

use super::*;

/// Pupil ids that say who they are in a failing assertion: the n-th pupil of the roster below.
fn id(n: u128) -> PupilId {
    PupilId::from_uuid(uuid::Uuid::from_u128(n))
}

fn pupil(n: u128, given: &str, particle: Option<&str>, family: &str, group: &str) -> Candidate {
    Candidate {
        id: id(n),
        name: PersonName {
            given_name: given.into(),
            particle: particle.map(Into::into),
            family_name: family.into(),
        },
        groups: vec![group.into()],
    }
}

const SEBASTIAAN: u128 = 1;
const SEM_DE_VRIES: u128 = 2;
const SEM_JANSEN: u128 = 3;
const SEM_BAKKER: u128 = 4;
const ZOE: u128 = 5;
const LOTTE: u128 = 6;
const DAAN: u128 = 7;
const MOHAMMED: u128 = 8;
const THIJS: u128 = 9;
const MATTHIJS: u128 = 10;
const CHARLOTTE: u128 = 11;
const NOORTJE: u128 = 12;
const JAN_WILLEM: u128 = 13;
const LISA: u128 = 14;
const YUSUF: u128 = 15;
const FEMKE: u128 = 16;
const TIMO: u128 = 17;
const TIMOTHY: u128 = 18;
const CHLOE: u128 = 19;

fn roster() -> Vec<Candidate> {
    vec![
        pupil(SEBASTIAAN, "Sebastiaan", Some("de"), "Vries", "groep 6b"),
        pupil(SEM_DE_VRIES, "Sem", Some("de"), "Vries", "groep 6a"),
        pupil(SEM_JANSEN, "Sem", None, "Jansen", "groep 6b"),
        pupil(SEM_BAKKER, "Sem", None, "Bakker", "groep 4a"),
        pupil(ZOE, "Zoë", Some("van"), "Dijk", "groep 5a"),
        pupil(LOTTE, "Lotte", Some("van den"), "Berg", "groep 7a"),
        pupil(DAAN, "Daan", Some("van der"), "Berg", "groep 7b"),
        pupil(MOHAMMED, "Mohammed", None, "El Amrani", "groep 8a"),
        pupil(THIJS, "Thijs", None, "Meijer", "groep 3b"),
        pupil(MATTHIJS, "Matthijs", None, "Brouwer", "groep 8b"),
        pupil(CHARLOTTE, "Charlotte", Some("ter"), "Horst", "groep 6a"),
        pupil(NOORTJE, "Noortje", None, "Visser", "groep 5b"),
        pupil(JAN_WILLEM, "Jan-Willem", None, "Smit", "groep 8a"),
        pupil(LISA, "Lisa", Some("de"), "Boer", "groep 6b"),
        pupil(YUSUF, "Yusuf", None, "Öztürk", "groep 7a"),
        pupil(FEMKE, "Femke", None, "Dekker", "groep 2a"),
        pupil(TIMO, "Timo", None, "Hendriks", "groep 3a"),
        pupil(TIMOTHY, "Timothy", None, "Bos", "groep 3b"),
        pupil(CHLOE, "Chloé", None, "Mulder", "groep 4b"),
    ]
}

fn index() -> NameIndex {
    NameIndex::new(&roster())
}

/// The suggested pupils, best first.
fn ids(typed: &str, group: Option<&str>) -> Vec<PupilId> {
    index()
        .suggest(typed, group, 10)
        .into_iter()
        .map(|s| s.pupil)
        .collect()
}

fn top(typed: &str) -> Suggestion {
    index()
        .suggest(typed, None, 10)
        .into_iter()
        .next()
        .unwrap_or_else(|| panic!("no suggestion for {typed:?}"))
}

#[test]
fn the_full_name_as_on_the_roster() {
    let best = top("Sem de Vries");
    assert_eq!(best.pupil, id(SEM_DE_VRIES));
    assert_eq!(best.score, 1.0);
    assert_eq!(best.why, vec![Why::FullName]);
    // Only Sem de Vries: Sebastiaan de Vries has the family name but another given name, the other
    // Sems another family name.
    assert_eq!(ids("Sem de Vries", None), vec![id(SEM_DE_VRIES)]);
}

#[test]
fn a_given_name_alone_suggests_every_pupil_with_it() {
    let found = index().suggest("Sem", None, 10);
    let ids: Vec<PupilId> = found.iter().map(|s| s.pupil).collect();
    // In order of family name (particles aside): Bakker, Jansen, (de) Vries.
    assert_eq!(ids, vec![id(SEM_BAKKER), id(SEM_JANSEN), id(SEM_DE_VRIES)]);
    assert!(
        found
            .iter()
            .all(|s| s.score == 0.75 && s.why == vec![Why::GivenName])
    );
}

#[test]
fn the_group_breaks_ties() {
    // Typed in the group field.
    assert_eq!(
        ids("Sem", Some("6b")),
        vec![id(SEM_JANSEN), id(SEM_DE_VRIES), id(SEM_BAKKER)]
    );
    let found = index().suggest("Sem", Some("Groep 6B"), 10);
    assert_eq!(found[0].why, vec![Why::GivenName, Why::Group]);
    assert_eq!(found[0].score, 0.85);
    assert_eq!(found[1].why, vec![Why::GivenName, Why::Grade]);
    // Inside the name: "groep 6" is the grade, both Sems in group 6 come first.
    assert_eq!(
        ids("Sem uit groep 6", None),
        vec![id(SEM_JANSEN), id(SEM_DE_VRIES), id(SEM_BAKKER)]
    );
    assert_eq!(
        ids("sem (groep 4a)", None),
        vec![id(SEM_BAKKER), id(SEM_JANSEN), id(SEM_DE_VRIES)]
    );
    assert_eq!(
        ids("Sem groep vier", None),
        vec![id(SEM_BAKKER), id(SEM_JANSEN), id(SEM_DE_VRIES)]
    );
    // A group never lifts a poor name match: a Sem elsewhere beats a Seb in the group.
    let found = index().suggest("Sem", Some("6b"), 10);
    assert!(found.iter().all(|s| s.pupil != id(SEBASTIAAN)));
}

#[test]
fn diacritics_are_folded() {
    for typed in [
        "Zoe van Dijk",
        "ZOË VAN DIJK",
        "zoë van dijk",
        "Zoé van Dijk",
    ] {
        let best = top(typed);
        assert_eq!(best.pupil, id(ZOE), "{typed}");
        assert_eq!(best.score, 1.0, "{typed}");
    }
    assert_eq!(top("Yusuf Ozturk").pupil, id(YUSUF));
    assert_eq!(top("Chloe").pupil, id(CHLOE));
}

#[test]
fn particles_in_any_position_and_case() {
    for typed in [
        "Lotte van den Berg",
        "lotte van den berg",
        "Lotte vd Berg",
        "Lotte v.d. Berg",
        "Lotte v/d Berg",
        "Lotte Van Den Berg",
        "Berg, Lotte van den",
        "van den Berg, Lotte",
        "Lotte Berg",
        // Another particle than the roster's still finds her.
        "Lotte van der Berg",
    ] {
        let best = top(typed);
        assert_eq!(best.pupil, id(LOTTE), "{typed}");
        assert_eq!(best.score, 1.0, "{typed}");
    }
    // The family name alone: both pupils called (van de) Berg, given name in order.
    for typed in ["vd Berg", "v.d. Berg", "van den berg", "Berg"] {
        assert_eq!(ids(typed, None), vec![id(DAAN), id(LOTTE)], "{typed}");
    }
    assert_eq!(ids("van Dijk", None), vec![id(ZOE)]);
    assert_eq!(ids("Dijk, van", None), vec![id(ZOE)]);
    let best = top("Dijk, van");
    assert_eq!(best.why, vec![Why::FamilyName]);
    assert_eq!(best.score, 0.7);
    // A family name of two words.
    assert_eq!(top("Mohammed el Amrani").score, 1.0);
    assert_eq!(top("Amrani").pupil, id(MOHAMMED));
}

#[test]
fn nicknames_and_short_forms() {
    let best = top("Bas de Vries");
    assert_eq!(best.pupil, id(SEBASTIAAN));
    assert_eq!(best.why, vec![Why::Nickname, Why::FamilyName]);
    assert_eq!(ids("Bas de Vries", None), vec![id(SEBASTIAAN)]);

    assert_eq!(ids("Lotte", None), vec![id(LOTTE), id(CHARLOTTE)]);
    assert_eq!(top("Mo").pupil, id(MOHAMMED));
    assert_eq!(top("Mo").why, vec![Why::Nickname]);
    assert_eq!(ids("Thijs", None), vec![id(THIJS), id(MATTHIJS)]);
    assert_eq!(ids("Tim", None), vec![id(TIMOTHY), id(TIMO)]);
    assert_eq!(ids("Noor", None), vec![id(NOORTJE)]);
    // One word of a double given name (and Daan, one letter off by the spelling key: "dan").
    assert_eq!(ids("Jan", None), vec![id(JAN_WILLEM), id(DAAN)]);
    assert_eq!(top("Jan Willem Smit").score, 1.0);
}

#[test]
fn common_dutch_misspellings() {
    let cases = [
        // "Tijs" is also a listed short form of Matthijs (and so of Thijs): nickname before spelling.
        (
            "Tijs Meyer",
            THIJS,
            vec![Why::Nickname, Why::FamilyNameSpelling],
        ),
        (
            "Thys Meijer",
            THIJS,
            vec![Why::GivenNameSimilar, Why::FamilyName],
        ),
        (
            "Thijs Meier",
            THIJS,
            vec![Why::GivenName, Why::FamilyNameSpelling],
        ),
        (
            "Mohamed El Amrani",
            MOHAMMED,
            vec![Why::Nickname, Why::FamilyName],
        ),
        ("Sebbastiaan", SEBASTIAAN, vec![Why::GivenNameSpelling]),
        ("Sebastian", SEBASTIAAN, vec![Why::Nickname]),
        ("Femmke", FEMKE, vec![Why::GivenNameSpelling]),
        (
            "Lissa de Boer",
            LISA,
            vec![Why::GivenNameSpelling, Why::FamilyName],
        ),
        (
            "Sebastiaan de Fries",
            SEBASTIAAN,
            vec![Why::GivenName, Why::FamilyNameSpelling],
        ),
        (
            "Daan van der Bergh",
            DAAN,
            vec![Why::GivenName, Why::FamilyNameSpelling],
        ),
        (
            "Femke Dekkert",
            FEMKE,
            vec![Why::GivenName, Why::FamilyNameSimilar],
        ),
        ("Sharlotte", CHARLOTTE, vec![Why::GivenNameSimilar]),
        ("Joesoef", YUSUF, vec![Why::Nickname]),
        (
            "Yusuf Östürk",
            YUSUF,
            vec![Why::GivenName, Why::FamilyNameSpelling],
        ),
    ];
    for (typed, expected, why) in cases {
        let best = top(typed);
        assert_eq!(best.pupil, id(expected), "{typed}");
        assert_eq!(best.why, why, "{typed}");
    }
}

#[test]
fn slips_within_edit_distance() {
    // A letter missing, two letters swapped, one wrong.
    assert_eq!(top("Sbastiaan").pupil, id(SEBASTIAAN));
    assert_eq!(top("Sbastiaan").why, vec![Why::GivenNameSimilar]);
    assert_eq!(top("Lotet van den Berg").pupil, id(LOTTE));
    assert_eq!(top("Noortej Visser").pupil, id(NOORTJE));
    // The start of a name.
    assert_eq!(top("Sebas").pupil, id(SEBASTIAAN));
    assert_eq!(top("Matth").why, vec![Why::GivenNameStart]);
    // "Sem" is one letter from "Sam" but there is no Sam: the Sems it names exactly are suggested,
    // not Sebastiaan.
    assert!(!ids("Sem", None).contains(&id(SEBASTIAAN)));
}

#[test]
fn initials() {
    let found = index().suggest("Sem B.", None, 10);
    assert_eq!(found[0].pupil, id(SEM_BAKKER));
    assert_eq!(found[0].why, vec![Why::GivenName, Why::FamilyInitial]);
    assert_eq!(found.len(), 1);
    // "V" at the end is an initial, not an abbreviated "van".
    assert_eq!(ids("Sem V.", None), vec![id(SEM_DE_VRIES)]);
    let best = top("S. de Vries");
    assert_eq!(best.why, vec![Why::GivenInitial, Why::FamilyName]);
    assert_eq!(
        ids("S. de Vries", None),
        vec![id(SEBASTIAAN), id(SEM_DE_VRIES)]
    );
}

#[test]
fn not_identifiable() {
    for typed in [
        "de broer van Lisa",
        "Lisa's broer",
        "het zusje van Sem",
        "juf Anna",
        "meester Daan",
        "iemand uit groep 7",
        "weet ik niet",
        "een jongen",
        "?",
        "",
        "Xander Pietersen",
        "Q",
        "Sem Pietersen",
        "Anna de Vries",
        "die jongen met de rode jas uit groep 7 die altijd bij het hek staat",
    ] {
        assert_eq!(ids(typed, None), Vec::<PupilId>::new(), "{typed}");
    }
}

#[test]
fn order_is_deterministic_and_limited() {
    let index = index();
    let first = index.suggest("Sem", None, 10);
    for _ in 0..3 {
        assert_eq!(index.suggest("Sem", None, 10), first);
    }
    assert_eq!(index.suggest("Sem", None, 1), first[..1].to_vec());
    assert!(index.suggest("Sem", None, 0).is_empty());
    // The roster's order does not matter.
    let mut reversed = roster();
    reversed.reverse();
    assert_eq!(NameIndex::new(&reversed).suggest("Sem", None, 10), first);
    assert_eq!(suggest(&roster(), "Sem", None, 10), first);
}

#[test]
fn an_empty_roster_suggests_nothing() {
    let index = NameIndex::new(&[]);
    assert!(index.is_empty());
    assert!(index.suggest("Sem", Some("6b"), 5).is_empty());
}

#[test]
fn candidates_from_the_stored_roster() {
    let stored = CurrentPupil {
        id: id(99),
        number: crate::school::PupilNumber::parse("123").expect("number"),
        name: PersonName {
            given_name: "Fenna".into(),
            particle: Some("van".into()),
            family_name: "Leeuwen".into(),
        },
        date_of_birth: None,
        group: Some("groep 5b".into()),
        enrolled_on: chrono::NaiveDate::from_ymd_opt(2024, 8, 1).expect("date"),
        left_on: None,
    };
    let candidate = Candidate::from(&stored);
    assert_eq!(candidate.groups, vec!["groep 5b".to_owned()]);
    let found = suggest(&[candidate], "Fenna v Leeuwen", Some("5b"), 3);
    assert_eq!(found[0].pupil, id(99));
    assert_eq!(found[0].why, vec![Why::FullName, Why::Group]);
}

#[test]
fn why_codes_are_distinct() {
    let all = [
        Why::FullName,
        Why::GivenName,
        Why::Nickname,
        Why::GivenNameSpelling,
        Why::GivenNameSimilar,
        Why::GivenNameStart,
        Why::GivenInitial,
        Why::FamilyName,
        Why::FamilyNameSpelling,
        Why::FamilyNameSimilar,
        Why::FamilyNameStart,
        Why::FamilyInitial,
        Why::Group,
        Why::Grade,
    ];
    let mut codes: Vec<&str> = all.iter().map(|w| w.code()).collect();
    for (why, code) in all.iter().zip(&codes) {
        assert_eq!(serde_json::to_value(why).expect("json"), *code);
    }
    codes.sort_unstable();
    codes.dedup();
    assert_eq!(codes.len(), all.len());
}

proptest! {
    #[test]
    fn any_typed_text_gives_sane_suggestions(
        typed in any::<String>(),
        group in proptest::option::of("[a-zA-Z0-9 ]{0,8}"),
        limit in 0usize..6,
    ) {
        let index = index();
        let found = index.suggest(&typed, group.as_deref(), limit);
        prop_assert!(found.len() <= limit);
        for pair in found.windows(2) {
            prop_assert!(pair[0].score >= pair[1].score);
        }
        for s in &found {
            prop_assert!((THRESHOLD..=1.0).contains(&s.score), "{s:?}");
            prop_assert!(!s.why.is_empty());
        }
    }

    #[test]
    fn names_built_from_roster_words_never_panic(
        parts in prop::collection::vec(
            prop_oneof![
                Just("Sem"), Just("de"), Just("Vries"), Just("v.d."), Just("groep"), Just("6b"),
                Just(","), Just("Zoë"), Just("broer"), Just("B."), Just("Mo"), Just("El"),
            ],
            0..8,
        ),
    ) {
        let typed = parts.join(" ");
        let found = index().suggest(&typed, None, 5);
        prop_assert!(found.len() <= 5);
    }
}

/// The quality bar of SPEC §2.2: for names as children really type them (quality/typed.txt: 200
/// misspellings, nicknames, missing or joined particles, family name first, initials, a group
/// instead of a family name) the pupil meant is among the first three suggestions for at least 95 %.
#[test]
fn realistic_typed_names_find_the_pupil_in_the_top_three() {
    let roster: Vec<Candidate> = include_str!("quality/roster.txt")
        .lines()
        .filter(|line| !line.starts_with('#') && !line.trim().is_empty())
        .enumerate()
        .map(|(n, line)| {
            let fields: Vec<&str> = line.split(';').collect();
            let [given, particle, family, group] = fields[..] else {
                panic!("roster.txt: bad line {line:?}");
            };
            let particle = (!particle.is_empty()).then_some(particle);
            pupil(n as u128, given, particle, family, group)
        })
        .collect();
    let index = NameIndex::new(&roster);
    let mut tried = 0;
    let mut misses = Vec::new();
    for line in include_str!("quality/typed.txt").lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(';').collect();
        let [typed, group, meant] = fields[..] else {
            panic!("typed.txt: bad line {line:?}");
        };
        let meant = roster
            .iter()
            .find(|c| c.name.full() == meant)
            .unwrap_or_else(|| panic!("typed.txt: {meant:?} is not on roster.txt"))
            .id;
        let group = (!group.is_empty()).then_some(group);
        tried += 1;
        let found = index.suggest(typed, group, 3);
        if !found.iter().any(|s| s.pupil == meant) {
            misses.push(typed);
        }
    }
    assert_eq!(tried, 200);
    let share = 1.0 - misses.len() as f64 / tried as f64;
    println!("top three: {:.1} %; missed: {misses:?}", share * 100.0);
    assert!(
        share >= 0.95,
        "only {:.1} % found; missed: {misses:?}",
        share * 100.0
    );
}

#[test]
fn particles_written_against_the_family_name_or_abbreviated() {
    for typed in ["sem devries", "Sem deVries", "Sem d Vries", "Sem d. Vries"] {
        let best = top(typed);
        assert_eq!(best.pupil, id(SEM_DE_VRIES), "{typed}");
        assert_eq!(best.score, 1.0, "{typed}");
    }
    assert_eq!(top("zoe vandijk").pupil, id(ZOE));
    // A "d" at the end is still an initial, not a particle.
    assert_eq!(top("Sem D").why, vec![Why::GivenName, Why::FamilyInitial]);
}
