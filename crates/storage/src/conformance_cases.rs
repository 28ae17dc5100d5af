//! Conformance cases for `CaseRepo` (cases, the logbook, the pupil page, the steering view), run on
//! both backends like [`conformance`](crate::conformance): `case_conformance_suite!(fresh)`.

// This module is test code that happens to live in a library so both backends can run it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use chrono::Duration;
use signaal_domain::follow_up::{CaseStatus, LogbookEntryNew, LogbookKind, ParentsInformed};
use signaal_domain::policy::{self, Actor, Membership, SchoolGrant, StaffActor};
use signaal_domain::roster::RosterFile;
use signaal_domain::school::{Pupil, School};
use signaal_domain::staff::Role;
use signaal_domain::{GroupId, StaffId};

use crate::Storage;
use crate::cases::{CaseUpdate, Change, LogbookEditor, LogbookTarget, NewCase};
use crate::conformance::{chain_entries, now, pupils_after_import, school, staff_named, today};

/// Generates one `#[tokio::test]` per case, each on a fresh database from `$fresh`.
#[macro_export]
macro_rules! case_conformance_suite {
    ($fresh:path) => {
        $crate::case_conformance_cases!($fresh;
            teachers_write_the_logbook_for_their_own_groups_only,
            authors_correct_their_own_entries_and_leadership_any,
            cases_change_with_versions_and_stay_in_their_school,
            the_steering_view_is_audited_as_a_view_or_a_print,
            approved_linked_reports_reach_the_pupil_page_cases_and_steering,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! case_conformance_cases {
    ($fresh:path; $($case:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $case() {
            match $fresh().await {
                Some((storage, _guard)) => $crate::conformance_cases::$case(&storage).await,
                None => eprintln!("skipped: this backend is not configured"),
            }
        }
    )*};
}

/// A school with a small roster: pupils in groups "5a" and "6b".
pub(crate) async fn school_with_pupils(storage: &Storage, slug: &str) -> (School, Vec<Pupil>) {
    let school = school(storage, slug).await;
    let csv = "leerlingnummer;voornaam;tussenvoegsel;achternaam;geboortedatum;groep\n\
               1;Sem;;Jansen;2017-03-01;5a\n\
               2;Noor;van der;Berg;2017-05-02;5a\n\
               3;Daan;;Bakker;2016-01-03;6b\n";
    let file: RosterFile =
        signaal_domain::roster::signaal_csv::parse(csv.as_bytes(), today()).expect("roster");
    let pupils = pupils_after_import(storage, &school, &file).await;
    (school, pupils)
}

pub(crate) fn actor_with(id: StaffId, school: &School, role: Role, groups: Vec<GroupId>) -> Actor {
    let mut membership = Membership::new(school.id, role);
    membership.groups = groups;
    Actor::Staff(StaffActor {
        id,
        is_provider_admin: false,
        memberships: vec![membership],
    })
}

fn member(school: &School, role: Role, groups: Vec<GroupId>) -> Actor {
    actor_with(StaffId::new(), school, role, groups)
}

/// A real staff account with a role (entries and cases name their author by account).
pub(crate) async fn staff(storage: &Storage, school: &School, email: &str, role: Role) -> StaffId {
    staff_named(storage, school, email, &format!("Naam {email}"), role).await
}

pub(crate) fn pupil<'a>(pupils: &'a [Pupil], given: &str) -> &'a Pupil {
    pupils
        .iter()
        .find(|p| p.name.given_name == given)
        .expect("pupil")
}

fn entry(kind: LogbookKind, body: &str) -> LogbookEntryNew {
    LogbookEntryNew {
        kind,
        occurred_on: today() - Duration::days(1),
        body: body.into(),
        parents_informed: kind
            .is_measure()
            .then_some(ParentsInformed::Yes(today() - Duration::days(2))),
    }
}

pub(crate) async fn chain(storage: &Storage, school: &School) -> Vec<(String, String, String)> {
    chain_entries(storage, school).await
}

fn actions(chain: &[(String, String, String)], prefix: &str) -> Vec<String> {
    chain
        .iter()
        .filter(|(a, _, _)| a.starts_with(prefix))
        .map(|(a, _, _)| a.clone())
        .collect()
}

pub async fn teachers_write_the_logbook_for_their_own_groups_only(storage: &Storage) {
    let (school, pupils) = school_with_pupils(storage, "logboek-a").await;
    let (other_school, other_pupils) = school_with_pupils(storage, "logboek-b").await;
    let (sem, daan) = (pupil(&pupils, "Sem"), pupil(&pupils, "Daan"));
    let group_5a = sem.group_id.expect("group");
    let teacher_id = staff(storage, &school, "juf@a.test", Role::Teacher).await;
    let teacher = actor_with(teacher_id, &school, Role::Teacher, vec![group_5a]);
    let write: SchoolGrant<policy::WriteLogbook> =
        policy::authorize(&teacher, school.id, now()).expect("teachers write for their groups");
    let read: SchoolGrant<policy::ReadReports> =
        policy::authorize(&teacher, school.id, now()).expect("and read");

    let added = storage
        .cases
        .add_entry(
            &write,
            LogbookTarget::Pupil(sem.id),
            &entry(LogbookKind::Observation, "Sem zat alleen in de pauze."),
            now(),
        )
        .await
        .expect("add")
        .expect("Sem is in 5a");
    // Daan (6b), a pupil of another school and an unknown pupil: not found, nothing written.
    for target in [daan.id, other_pupils[0].id, signaal_domain::PupilId::new()] {
        assert_eq!(
            storage
                .cases
                .add_entry(
                    &write,
                    LogbookTarget::Pupil(target),
                    &entry(LogbookKind::Observation, "x"),
                    now()
                )
                .await
                .expect("add"),
            None
        );
        assert_eq!(
            storage
                .cases
                .pupil_file(&read, target, now())
                .await
                .expect("read"),
            None
        );
    }
    let file = storage
        .cases
        .pupil_file(&read, sem.id, now())
        .await
        .expect("read")
        .expect("own group");
    assert_eq!(file.pupil.name.full(), "Sem Jansen");
    assert_eq!(file.pupil.group.as_deref(), Some("5a"));
    assert_eq!(file.logbook.len(), 1);
    let seen = &file.logbook[0];
    assert_eq!(
        (seen.id, seen.kind, seen.author, seen.body.as_str()),
        (
            added,
            LogbookKind::Observation,
            teacher_id,
            "Sem zat alleen in de pauze."
        )
    );
    assert_eq!(seen.author_name, "Naam juf@a.test");

    // Search is scoped the same way: the teacher finds Noor (5a), not Daan (6b).
    let found = storage
        .cases
        .find_pupils(&read, "NOOR", 20, now())
        .await
        .expect("search");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].name.full(), "Noor van der Berg");
    assert!(
        storage
            .cases
            .find_pupils(&read, "daan", 20, now())
            .await
            .expect("search")
            .is_empty()
    );
    let leader = member(&school, Role::Leadership, vec![]);
    let all: SchoolGrant<policy::ReadReports> =
        policy::authorize(&leader, school.id, now()).expect("grant");
    assert_eq!(
        storage
            .cases
            .find_pupils(&all, "a", 20, now())
            .await
            .expect("search")
            .len(),
        3
    );

    // The refusals inside the school are recorded there; the other school's chain knows nothing.
    let log = chain(storage, &school).await;
    assert_eq!(
        actions(&log, "denied."),
        ["denied.write_logbook", "denied.read_reports"]
    );
    assert!(log.contains(&(
        "denied.write_logbook".into(),
        format!("pupil:{}", daan.id),
        "denied".into()
    )));
    assert_eq!(actions(&log, "logbook."), ["logbook.add"]);
    assert_eq!(actions(&log, "pupil.view"), ["pupil.view"]);
    assert!(
        !log.iter()
            .any(|(_, s, o)| s.contains("Sem") || o.contains("pauze"))
    );
    assert!(actions(&chain(storage, &other_school).await, "denied.").is_empty());
}

pub async fn authors_correct_their_own_entries_and_leadership_any(storage: &Storage) {
    let (school, pupils) = school_with_pupils(storage, "correctie").await;
    let sem = pupil(&pupils, "Sem");
    let group = sem.group_id.expect("group");
    let author_id = staff(storage, &school, "meester@c.test", Role::Teacher).await;
    let colleague_id = staff(storage, &school, "juf@c.test", Role::Teacher).await;
    let leader_id = staff(storage, &school, "directie@c.test", Role::Leadership).await;
    let author = actor_with(author_id, &school, Role::Teacher, vec![group]);
    let colleague = actor_with(colleague_id, &school, Role::Teacher, vec![group]);
    let leader = actor_with(leader_id, &school, Role::Leadership, vec![]);
    let write: SchoolGrant<policy::WriteLogbook> =
        policy::authorize(&author, school.id, now()).expect("grant");
    let id = storage
        .cases
        .add_entry(
            &write,
            LogbookTarget::Pupil(sem.id),
            &entry(LogbookKind::SupportMeasure, "Extra begeleiding."),
            now(),
        )
        .await
        .expect("add")
        .expect("added");
    // Teachers cannot correct others' entries; the policy gives them no CorrectLogbook at all.
    assert!(policy::authorize::<policy::CorrectLogbook>(&author, school.id, now()).is_err());
    let colleague_write: SchoolGrant<policy::WriteLogbook> =
        policy::authorize(&colleague, school.id, now()).expect("grant");
    let fixed = entry(
        LogbookKind::SupportMeasure,
        "Extra begeleiding, twee keer per week.",
    );
    assert_eq!(
        storage
            .cases
            .correct_entry(
                LogbookEditor::Author(&colleague_write),
                id,
                1,
                &fixed,
                now()
            )
            .await
            .expect("correct"),
        Change::NotFound
    );
    assert_eq!(
        storage
            .cases
            .correct_entry(LogbookEditor::Author(&write), id, 1, &fixed, now())
            .await
            .expect("correct"),
        Change::Saved
    );
    // A second save on the old version conflicts and changes nothing.
    assert_eq!(
        storage
            .cases
            .correct_entry(
                LogbookEditor::Author(&write),
                id,
                1,
                &entry(LogbookKind::Observation, "overschreven"),
                now()
            )
            .await
            .expect("correct"),
        Change::Conflict
    );
    let correct: SchoolGrant<policy::CorrectLogbook> =
        policy::authorize(&leader, school.id, now()).expect("leadership corrects");
    let seen = storage
        .cases
        .entry(LogbookEditor::Leadership(&correct), id, now())
        .await
        .expect("entry")
        .expect("found");
    assert_eq!(seen.body, "Extra begeleiding, twee keer per week.");
    assert_eq!(seen.version, 2);
    assert_eq!(
        seen.parents_informed,
        Some(ParentsInformed::Yes(today() - Duration::days(2)))
    );
    assert_eq!(
        seen.updated.as_ref().map(|u| u.0.as_str()),
        Some("Naam meester@c.test")
    );
    // Leadership of another school finds nothing to correct or delete.
    let (elsewhere, _) = school_with_pupils(storage, "correctie-b").await;
    let other: SchoolGrant<policy::CorrectLogbook> = policy::authorize(
        &member(&elsewhere, Role::Leadership, vec![]),
        elsewhere.id,
        now(),
    )
    .expect("grant");
    assert!(
        !storage
            .cases
            .delete_entry(&other, id, now())
            .await
            .expect("delete")
    );
    assert_eq!(
        storage
            .cases
            .correct_entry(LogbookEditor::Leadership(&other), id, 2, &fixed, now())
            .await
            .expect("correct"),
        Change::NotFound
    );
    assert_eq!(
        storage
            .cases
            .correct_entry(LogbookEditor::Leadership(&correct), id, 2, &fixed, now())
            .await
            .expect("correct"),
        Change::Saved
    );
    assert!(
        storage
            .cases
            .delete_entry(&correct, id, now())
            .await
            .expect("delete")
    );
    assert!(
        !storage
            .cases
            .delete_entry(&correct, id, now())
            .await
            .expect("again")
    );
    let log = chain(storage, &school).await;
    assert_eq!(
        actions(&log, "logbook."),
        [
            "logbook.add",
            "logbook.correct",
            "logbook.view",
            "logbook.correct",
            "logbook.delete"
        ]
    );
}

pub async fn cases_change_with_versions_and_stay_in_their_school(storage: &Storage) {
    let (school, pupils) = school_with_pupils(storage, "zaken-a").await;
    let (other, other_pupils) = school_with_pupils(storage, "zaken-b").await;
    let (sem, daan) = (pupil(&pupils, "Sem"), pupil(&pupils, "Daan"));
    let coordinator_id = staff(storage, &school, "ib@z.test", Role::Coordinator).await;
    let teacher_id = staff(storage, &school, "juf@z.test", Role::Teacher).await;
    let coordinator = actor_with(coordinator_id, &school, Role::Coordinator, vec![]);
    let manage: SchoolGrant<policy::ManageCases> =
        policy::authorize(&coordinator, school.id, now()).expect("coordinators manage cases");
    let choices = storage
        .cases
        .case_choices(&manage, now() - Duration::days(90), now())
        .await
        .expect("choices");
    assert_eq!(
        choices.owners,
        [(coordinator_id, "Naam ib@z.test".to_owned())]
    );

    // Another school's pupil, an unknown report, a teacher as owner: nothing is made.
    for bad in [
        NewCase {
            title: "x".into(),
            pupil: Some(other_pupils[0].id),
            reports: vec![],
            owner: None,
        },
        NewCase {
            title: "x".into(),
            pupil: None,
            reports: vec![signaal_domain::ReportId::new()],
            owner: None,
        },
        NewCase {
            title: "x".into(),
            pupil: None,
            reports: vec![],
            owner: Some(teacher_id),
        },
    ] {
        assert_eq!(
            storage
                .cases
                .create_case(&manage, &bad, now())
                .await
                .expect("create"),
            None
        );
    }
    let about_sem = storage
        .cases
        .create_case(
            &manage,
            &NewCase {
                title: "Buitengesloten in de pauze".into(),
                pupil: Some(sem.id),
                reports: vec![],
                owner: Some(coordinator_id),
            },
            now(),
        )
        .await
        .expect("create")
        .expect("made");
    let about_daan = storage
        .cases
        .create_case(
            &manage,
            &NewCase {
                title: "Ruzie op het plein".into(),
                pupil: Some(daan.id),
                reports: vec![],
                owner: None,
            },
            now(),
        )
        .await
        .expect("create")
        .expect("made");

    // A logbook entry on the case appears on the case and on the pupil's page.
    let write: SchoolGrant<policy::WriteLogbook> =
        policy::authorize(&coordinator, school.id, now()).expect("grant");
    storage
        .cases
        .add_entry(
            &write,
            LogbookTarget::Case(about_sem),
            &entry(LogbookKind::TalkParents, "Ouders gebeld."),
            now(),
        )
        .await
        .expect("add")
        .expect("added");
    let read: SchoolGrant<policy::ReadReports> =
        policy::authorize(&coordinator, school.id, now()).expect("grant");
    let file = storage
        .cases
        .case_file(&read, about_sem, now())
        .await
        .expect("case")
        .expect("found");
    assert_eq!(file.case.title, "Buitengesloten in de pauze");
    assert_eq!(file.case.status, CaseStatus::Open);
    assert_eq!(
        file.case.owner,
        Some((coordinator_id, "Naam ib@z.test".into()))
    );
    assert_eq!(
        file.case.pupil.as_ref().map(|p| p.1.as_str()),
        Some("Sem Jansen")
    );
    assert_eq!(file.logbook.len(), 1);
    let pupil_page = storage
        .cases
        .pupil_file(&read, sem.id, now())
        .await
        .expect("pupil")
        .expect("found");
    assert_eq!(pupil_page.cases.len(), 1);
    assert_eq!(pupil_page.logbook.len(), 1);

    // Status changes go by version: the second save on version 1 conflicts.
    let monitoring = CaseUpdate {
        status: CaseStatus::Monitoring,
        owner: Some(coordinator_id),
    };
    assert_eq!(
        storage
            .cases
            .update_case(&manage, about_sem, 1, monitoring, now())
            .await
            .expect("update"),
        Change::Saved
    );
    let closed = CaseUpdate {
        status: CaseStatus::Closed,
        owner: None,
    };
    assert_eq!(
        storage
            .cases
            .update_case(&manage, about_sem, 1, closed, now())
            .await
            .expect("update"),
        Change::Conflict
    );
    assert_eq!(
        storage
            .cases
            .update_case(&manage, about_sem, 2, closed, now())
            .await
            .expect("update"),
        Change::Saved
    );

    // A teacher of 5a sees Sem's case only; another school sees none of them.
    let teacher = actor_with(
        teacher_id,
        &school,
        Role::Teacher,
        vec![sem.group_id.unwrap()],
    );
    let teacher_read: SchoolGrant<policy::ReadReports> =
        policy::authorize(&teacher, school.id, now()).expect("grant");
    let listed = storage
        .cases
        .cases(&teacher_read, now())
        .await
        .expect("list");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, about_sem);
    assert_eq!(listed[0].status, CaseStatus::Closed);
    assert_eq!(
        storage
            .cases
            .case_file(&teacher_read, about_daan, now())
            .await
            .expect("case"),
        None
    );
    let teacher_write: SchoolGrant<policy::WriteLogbook> =
        policy::authorize(&teacher, school.id, now()).expect("grant");
    assert_eq!(
        storage
            .cases
            .add_entry(
                &teacher_write,
                LogbookTarget::Case(about_daan),
                &entry(LogbookKind::Observation, "x"),
                now()
            )
            .await
            .expect("add"),
        None
    );
    let other_manage: SchoolGrant<policy::ManageCases> =
        policy::authorize(&member(&other, Role::Leadership, vec![]), other.id, now())
            .expect("grant");
    assert_eq!(
        storage
            .cases
            .update_case(&other_manage, about_sem, 3, monitoring, now())
            .await
            .expect("update"),
        Change::NotFound
    );
    let other_read: SchoolGrant<policy::ReadReports> =
        policy::authorize(&member(&other, Role::Leadership, vec![]), other.id, now())
            .expect("grant");
    assert!(
        storage
            .cases
            .cases(&other_read, now())
            .await
            .expect("list")
            .is_empty()
    );
    assert_eq!(
        storage
            .cases
            .case_file(&other_read, about_sem, now())
            .await
            .expect("case"),
        None
    );
    let log = chain(storage, &school).await;
    assert_eq!(
        actions(&log, "case."),
        [
            "case.create",
            "case.create",
            "case.view",
            "case.update",
            "case.update",
            "case.list",
        ]
    );
    assert!(
        !log.iter()
            .any(|(_, s, o)| s.contains("pauze") || o.contains("pauze"))
    );
}

pub async fn the_steering_view_is_audited_as_a_view_or_a_print(storage: &Storage) {
    let (school, pupils) = school_with_pupils(storage, "stuurgroep").await;
    let leader_id = staff(storage, &school, "directie@s.test", Role::Leadership).await;
    let leader = actor_with(leader_id, &school, Role::Leadership, vec![]);
    let manage: SchoolGrant<policy::ManageCases> =
        policy::authorize(&leader, school.id, now()).expect("grant");
    for (title, pupil) in [("Open zaak", &pupils[0]), ("Gesloten zaak", &pupils[1])] {
        let id = storage
            .cases
            .create_case(
                &manage,
                &NewCase {
                    title: title.into(),
                    pupil: Some(pupil.id),
                    reports: vec![],
                    owner: None,
                },
                now(),
            )
            .await
            .expect("create")
            .expect("made");
        if title.starts_with("Gesloten") {
            let closed = CaseUpdate {
                status: CaseStatus::Closed,
                owner: None,
            };
            storage
                .cases
                .update_case(&manage, id, 1, closed, now())
                .await
                .expect("close");
        }
    }
    // A report that is not approved does not count.
    let report = signaal_domain::report::ReportDraft {
        reporter: "pupil_self".into(),
        categories: vec!["verbal".into()],
        place: "classroom".into(),
        frequency: "once".into(),
        description: "Ze schelden.".into(),
        ..Default::default()
    }
    .validate(&Default::default(), today())
    .expect("valid");
    storage
        .reports
        .submit(school.id, &report, [7; 32], now())
        .await
        .expect("submit");
    let view = storage
        .cases
        .steering(
            &manage,
            now() - Duration::days(30),
            now() + Duration::days(1),
            false,
            now(),
        )
        .await
        .expect("view");
    assert!(view.reports.is_empty());
    assert_eq!(view.cases.len(), 1);
    assert_eq!(view.cases[0].title, "Open zaak");
    storage
        .cases
        .steering(
            &manage,
            now() - Duration::days(30),
            now() + Duration::days(1),
            true,
            now(),
        )
        .await
        .expect("print");
    let log = chain(storage, &school).await;
    assert_eq!(
        actions(&log, "steering."),
        ["steering.view", "steering.print"]
    );
    let print = log.iter().find(|(a, _, _)| a == "steering.print").unwrap();
    assert_eq!(
        print.2,
        "ok from=2026-10-25 to=2026-11-25 reports=0 cases=1"
    );
}

/// Submits a report naming `did_it` and `done_to`, links both names and approves it.
pub(crate) async fn approved_report(
    storage: &Storage,
    school: &School,
    did_it: &Pupil,
    done_to: &Pupil,
    receipt: u8,
) -> signaal_domain::ReportId {
    use signaal_domain::intake::PersonRef;
    use signaal_domain::report::{FormChoices, NameDraft, ReportDraft};
    let draft = ReportDraft {
        reporter: "pupil_self".into(),
        categories: vec!["exclusion".into()],
        place: "schoolyard".into(),
        frequency: "several_times".into(),
        did_it: vec![NameDraft {
            name: did_it.name.given_name.clone(),
            group: String::new(),
        }],
        done_to: vec![NameDraft {
            name: done_to.name.given_name.clone(),
            group: String::new(),
        }],
        description: "Ze mag nooit meedoen met tikkertje.".into(),
        ..Default::default()
    }
    .validate(&FormChoices::default(), today())
    .expect("valid");
    let report = storage
        .reports
        .submit(school.id, &draft, [receipt; 32], now())
        .await
        .expect("submit")
        .id;
    // Links name who made them, so the coordinator is a real account.
    let coordinator = staff(
        storage,
        school,
        &format!("ib{receipt}@g.test"),
        Role::Coordinator,
    )
    .await;
    let moderate: SchoolGrant<policy::ModerateReports> = policy::authorize(
        &actor_with(coordinator, school, Role::Coordinator, vec![]),
        school.id,
        now(),
    )
    .expect("grant");
    let link = |did_it: bool| PersonRef {
        did_it,
        position: 0,
    };
    let v = storage
        .intake
        .link_person(&moderate, report, link(true), Some(did_it.id), 1, now())
        .await
        .expect("link");
    let v = storage
        .intake
        .link_person(&moderate, report, link(false), Some(done_to.id), v, now())
        .await
        .expect("link");
    assert_eq!(
        storage
            .intake
            .approve(&moderate, report, v, now())
            .await
            .expect("approve"),
        crate::intake::Approval::Approved
    );
    report
}

pub async fn approved_linked_reports_reach_the_pupil_page_cases_and_steering(storage: &Storage) {
    let (school, pupils) = school_with_pupils(storage, "gekoppeld").await;
    let (sem, noor, daan) = (
        pupil(&pupils, "Sem"),
        pupil(&pupils, "Noor"),
        pupil(&pupils, "Daan"),
    );
    let approved = approved_report(storage, &school, sem, noor, 1).await;
    // A new report naming Sem that nobody approved yet does not count anywhere.
    let unapproved = storage
        .reports
        .submit(
            school.id,
            &signaal_domain::report::ReportDraft {
                reporter: "pupil_self".into(),
                categories: vec!["verbal".into()],
                place: "classroom".into(),
                frequency: "once".into(),
                description: "Nog niet bekeken.".into(),
                ..Default::default()
            }
            .validate(&Default::default(), today())
            .expect("valid"),
            [2; 32],
            now(),
        )
        .await
        .expect("submit")
        .id;

    let leader_id = staff(storage, &school, "directie@g.test", Role::Leadership).await;
    let leader = actor_with(leader_id, &school, Role::Leadership, vec![]);
    let read: SchoolGrant<policy::ReadReports> =
        policy::authorize(&leader, school.id, now()).expect("grant");
    let sem_page = storage
        .cases
        .pupil_file(&read, sem.id, now())
        .await
        .expect("read")
        .expect("found");
    assert_eq!(sem_page.reports.len(), 1);
    assert_eq!(sem_page.reports[0].id, approved);
    assert!(sem_page.reports[0].did_it);
    assert_eq!(sem_page.reports[0].categories, ["exclusion"]);
    assert_eq!(sem_page.reports[0].place, "schoolyard");
    let noor_page = storage
        .cases
        .pupil_file(&read, noor.id, now())
        .await
        .expect("read")
        .expect("found");
    assert_eq!(noor_page.reports.len(), 1);
    assert!(!noor_page.reports[0].did_it);
    let daan_page = storage
        .cases
        .pupil_file(&read, daan.id, now())
        .await
        .expect("read")
        .expect("found");
    assert!(daan_page.reports.is_empty());

    // Only approved reports go into a case.
    let manage: SchoolGrant<policy::ManageCases> =
        policy::authorize(&leader, school.id, now()).expect("grant");
    let with_unapproved = NewCase {
        title: "Tikkertje".into(),
        pupil: Some(noor.id),
        reports: vec![approved, unapproved],
        owner: Some(leader_id),
    };
    assert_eq!(
        storage
            .cases
            .create_case(&manage, &with_unapproved, now())
            .await
            .expect("create"),
        None
    );
    let case = storage
        .cases
        .create_case(
            &manage,
            &NewCase {
                reports: vec![approved, approved],
                ..with_unapproved
            },
            now(),
        )
        .await
        .expect("create")
        .expect("made");
    let file = storage
        .cases
        .case_file(&read, case, now())
        .await
        .expect("case")
        .expect("found");
    assert_eq!(file.case.reports, 1);
    assert_eq!(file.reports.len(), 1);
    assert_eq!(
        file.reports[0].description,
        "Ze mag nooit meedoen met tikkertje."
    );
    // More reports later: a second approved one is added, one already in it is skipped, an
    // unapproved one or another school's case changes nothing.
    let second = approved_report(storage, &school, daan, sem, 3).await;
    assert_eq!(
        storage
            .cases
            .add_case_reports(&manage, case, &[second, unapproved], now())
            .await
            .expect("add"),
        None
    );
    assert_eq!(
        storage
            .cases
            .add_case_reports(&manage, case, &[approved, second], now())
            .await
            .expect("add"),
        Some(1)
    );
    let (elsewhere, _) = school_with_pupils(storage, "gekoppeld-b").await;
    let other_manage: SchoolGrant<policy::ManageCases> = policy::authorize(
        &member(&elsewhere, Role::Leadership, vec![]),
        elsewhere.id,
        now(),
    )
    .expect("grant");
    assert_eq!(
        storage
            .cases
            .add_case_reports(&other_manage, case, &[second], now())
            .await
            .expect("add"),
        None
    );
    let file = storage
        .cases
        .case_file(&read, case, now())
        .await
        .expect("case")
        .expect("found");
    assert_eq!(file.reports.len(), 2);
    let choices = storage
        .cases
        .case_choices(&manage, now() - Duration::days(30), now())
        .await
        .expect("choices");
    assert_eq!(choices.reports.len(), 2);
    assert!(choices.reports.iter().all(|r| r.in_case));

    let view = storage
        .cases
        .steering(
            &manage,
            now() - Duration::days(1),
            now() + Duration::days(1),
            false,
            now(),
        )
        .await
        .expect("steering");
    assert_eq!(view.reports.len(), 2);
    assert!(view.reports.iter().any(|r| r.id == approved));
    assert!(view.reports.iter().all(|r| r.in_case));
    assert_eq!(view.cases.len(), 1);
    // A period before the report holds none of it.
    let before = storage
        .cases
        .steering(
            &manage,
            now() - Duration::days(10),
            now() - Duration::days(5),
            false,
            now(),
        )
        .await
        .expect("steering");
    assert!(before.reports.is_empty());
}
