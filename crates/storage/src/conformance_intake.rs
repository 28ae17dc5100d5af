//! The conformance cases of the intake actions, run on both backends like
//! [`conformance`](crate::conformance): `intake_conformance_suite!(fresh)`.

// This module is test code that happens to live in a library so both backends can run it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};
use signaal_domain::intake::{Blocker, IntakeState, PersonRef, RejectReason, TextField};
use signaal_domain::policy::{self, Actor, ModerateReports, SchoolGrant};
use signaal_domain::report::{FormChoices, MessageAuthor, NameDraft, ReportDraft, ReportStatus};
use signaal_domain::school::{Pupil, School};
use signaal_domain::staff::Role;
use signaal_domain::{PupilId, ReportId, StaffId};

use crate::conformance::{
    chain_actions, import, now, read_grant, receipt_hash, sample_report, school, staff_at, today,
};
use crate::intake::{ALREADY_DECIDED, Approval, VERSION_CONFLICT};
use crate::reports::IntakeReport;
use crate::{Storage, StorageError};

/// Generates one `#[tokio::test]` per intake case, each on a fresh database from `$fresh`.
#[macro_export]
macro_rules! intake_conformance_suite {
    ($fresh:path) => {
        $crate::intake_conformance_cases!($fresh;
            names_link_only_to_the_schools_own_pupils,
            approval_waits_until_every_hit_and_name_is_resolved,
            corrections_and_redactions_leave_notes_and_not_the_original,
            a_stale_version_is_a_conflict_and_changes_nothing,
            merged_reports_leave_the_queue_and_keep_their_mailbox,
            rejected_reports_are_purged_thirty_days_after_the_decision,
            the_school_writes_to_the_reporter_and_needs_verification_is_kept,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! intake_conformance_cases {
    ($fresh:path; $($case:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $case() {
            match $fresh().await {
                Some((storage, _guard)) => $crate::conformance_intake::$case(&storage).await,
                None => eprintln!("skipped: this backend is not configured"),
            }
        }
    )*};
}

/// A school with a small roster, a coordinator account and their intake grant.
pub struct Fixture {
    pub school: School,
    pub coordinator: StaffId,
    pub pupils: Vec<Pupil>,
}

impl Fixture {
    pub async fn new(storage: &Storage, slug: &str) -> Self {
        let school = school(storage, slug).await;
        import(
            storage,
            &school,
            &signaal_domain::demo::roster(30, 7, today()),
        )
        .await;
        let coordinator = staff_at(
            storage,
            &school,
            &format!("coordinator@{slug}.example"),
            Role::Coordinator,
        )
        .await;
        let pupils = storage
            .rosters
            .pupils(&read_grant(&school), now())
            .await
            .expect("pupils");
        Self {
            school,
            coordinator,
            pupils,
        }
    }

    pub fn grant(&self) -> SchoolGrant<ModerateReports> {
        let actor = Actor::Staff(policy::StaffActor {
            id: self.coordinator,
            is_provider_admin: false,
            memberships: vec![policy::Membership::new(self.school.id, Role::Coordinator)],
        });
        policy::authorize(&actor, self.school.id, now()).expect("coordinators do intake")
    }

    pub async fn submit(&self, storage: &Storage, receipt: u8) -> ReportId {
        self.submit_at(storage, receipt, now()).await
    }

    /// A report naming Sem, submitted at `at`.
    pub async fn submit_at(&self, storage: &Storage, receipt: u8, at: DateTime<Utc>) -> ReportId {
        storage
            .reports
            .submit(
                self.school.id,
                &sample_report("Sem"),
                receipt_hash(receipt),
                at,
            )
            .await
            .expect("submit")
            .id
    }

    pub async fn read(&self, storage: &Storage, report: ReportId) -> IntakeReport {
        storage
            .reports
            .intake_report(&self.grant(), report, now())
            .await
            .expect("read")
            .expect("the school's report")
    }
}

const DID_IT: PersonRef = PersonRef {
    did_it: true,
    position: 0,
};
const DONE_TO: PersonRef = PersonRef {
    did_it: false,
    position: 0,
};

fn is_conflict(result: &Result<impl std::fmt::Debug, StorageError>, message: &str) -> bool {
    matches!(result, Err(StorageError::Conflict(m)) if m == message)
}

/// A report of school A and a pupil of school B, for the backends' raw SQL check that the database
/// itself refuses a link across schools.
pub async fn cross_school_fixture(storage: &Storage) -> (Fixture, ReportId, PupilId) {
    let a = Fixture::new(storage, "raw-a").await;
    let b = Fixture::new(storage, "raw-b").await;
    let report = a.submit(storage, 90).await;
    (a, report, b.pupils[0].id)
}

pub async fn names_link_only_to_the_schools_own_pupils(storage: &Storage) {
    let a = Fixture::new(storage, "link-a").await;
    let b = Fixture::new(storage, "link-b").await;
    let report = a.submit(storage, 1).await;
    assert_eq!(a.read(storage, report).await.version, 1);
    let intake = &storage.intake;
    // A pupil of another school is not found, and nothing changes (the version neither).
    let other = intake
        .link_person(&a.grant(), report, DID_IT, Some(b.pupils[0].id), 1, now())
        .await;
    assert!(matches!(other, Err(StorageError::NotFound)), "{other:?}");
    let unknown = intake
        .link_person(&a.grant(), report, DID_IT, Some(PupilId::new()), 1, now())
        .await;
    assert!(matches!(unknown, Err(StorageError::NotFound)));
    // No such name line; another school's grant does not find the report.
    let line = PersonRef {
        did_it: true,
        position: 3,
    };
    assert!(matches!(
        intake
            .link_person(&a.grant(), report, line, None, 1, now())
            .await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        intake
            .link_person(&b.grant(), report, DID_IT, Some(b.pupils[0].id), 1, now())
            .await,
        Err(StorageError::NotFound)
    ));
    let sem = a.pupils[0].id;
    let v = intake
        .link_person(&a.grant(), report, DID_IT, Some(sem), 1, now())
        .await
        .expect("link");
    assert_eq!(v, 2);
    let v = intake
        .link_person(&a.grant(), report, DONE_TO, None, v, now())
        .await
        .expect("not identifiable");
    let read = a.read(storage, report).await;
    assert_eq!(read.version, v);
    let links: Vec<(bool, Option<PupilId>)> = read
        .people
        .iter()
        .map(|p| (p.did_it, p.link.as_ref().and_then(|l| l.pupil)))
        .collect();
    assert_eq!(links, [(true, Some(sem)), (false, None)]);
    assert!(read.people.iter().all(|p| p.link.is_some()));
    let actions: Vec<String> = chain_actions(storage, &a.school)
        .await
        .into_iter()
        .filter(|(action, _, _)| action == "report.link")
        .map(|(_, subject, outcome)| format!("{subject} {outcome}"))
        .collect();
    assert_eq!(actions.len(), 2);
    assert!(actions[0].starts_with(&format!("report:{report} ok did_it/0 pupil=")));
    assert!(actions[1].ends_with("done_to/0 not_identifiable"));
}

pub async fn approval_waits_until_every_hit_and_name_is_resolved(storage: &Storage) {
    let a = Fixture::new(storage, "approve-a").await;
    let draft = ReportDraft {
        reporter: "pupil_self".into(),
        categories: vec!["verbal".into()],
        place: "classroom".into(),
        frequency: "once".into(),
        did_it: vec![NameDraft {
            name: "Sem".into(),
            group: String::new(),
        }],
        description: "Hij zegt dat ik ADHD heb. Bel me op 06-12345678.".into(),
        ..Default::default()
    }
    .validate(&FormChoices::default(), today())
    .expect("valid");
    let report = storage
        .reports
        .submit(a.school.id, &draft, receipt_hash(2), now())
        .await
        .expect("submit")
        .id;
    let intake = &storage.intake;
    let grant = a.grant();
    match intake
        .approve(&grant, report, 1, now())
        .await
        .expect("approve")
    {
        Approval::Blocked(blockers) => {
            let codes: Vec<String> = blockers.iter().map(Blocker::code).collect();
            assert_eq!(
                codes,
                [
                    "hit:description:health:adhd",
                    "hit:description:phone:06-12345678",
                    "unlinked:did_it/0"
                ]
            );
        }
        Approval::Approved => panic!("approved with unresolved hits"),
    }
    assert_eq!(
        a.read(storage, report).await.version,
        1,
        "a refusal changes nothing"
    );
    let v = intake
        .link_person(&grant, report, DID_IT, Some(a.pupils[1].id), 1, now())
        .await
        .expect("link");
    let v = intake
        .redact_hit(
            &grant,
            report,
            TextField::Description,
            "phone:06-12345678",
            v,
            now(),
        )
        .await
        .expect("redact");
    // A justification is required; a hit that is not there is not found.
    let empty = intake
        .keep_hit(
            &grant,
            report,
            TextField::Description,
            "health:adhd",
            "  ",
            v,
            now(),
        )
        .await;
    assert!(matches!(empty, Err(StorageError::Conflict(_))), "{empty:?}");
    let missing = intake
        .keep_hit(
            &grant,
            report,
            TextField::Description,
            "health:autisme",
            "want",
            v,
            now(),
        )
        .await;
    assert!(matches!(missing, Err(StorageError::NotFound)));
    let v = intake
        .keep_hit(
            &grant,
            report,
            TextField::Description,
            "health:adhd",
            "Het kind vertelt het zelf; nodig om de situatie te begrijpen.",
            v,
            now(),
        )
        .await
        .expect("keep");
    assert_eq!(
        intake
            .approve(&grant, report, v, now())
            .await
            .expect("approve"),
        Approval::Approved
    );
    let read = a.read(storage, report).await;
    assert_eq!(read.state, IntakeState::Approved);
    assert_eq!(read.version, v + 1);
    assert_eq!(read.decisions.len(), 1);
    assert_eq!(read.decisions[0].key, "health:adhd");
    assert!(read.decisions[0].justification.starts_with("Het kind"));
    let view = storage
        .reports
        .follow_up(a.school.id, receipt_hash(2))
        .await
        .expect("follow up")
        .expect("found");
    assert_eq!(view.status, ReportStatus::InProgress);
    // Out of the queue, and no longer open to intake changes.
    let queue = storage
        .reports
        .intake_queue(&grant, 50, now())
        .await
        .expect("queue");
    assert!(queue.iter().all(|r| r.id != report));
    let again = intake
        .set_verification(&grant, report, Some("x"), v + 1, now())
        .await;
    assert!(is_conflict(&again, ALREADY_DECIDED), "{again:?}");
    let actions: Vec<String> = chain_actions(storage, &a.school)
        .await
        .into_iter()
        .map(|(action, _, outcome)| {
            assert!(!outcome.contains("ADHD") && !outcome.contains("12345678"));
            action
        })
        .filter(|a| a.starts_with("report.") && a != "report.view" && a != "report.list")
        .collect();
    assert_eq!(
        actions,
        [
            "report.link",
            "report.redact",
            "report.keep_hit",
            "report.approve"
        ]
    );
}

pub async fn corrections_and_redactions_leave_notes_and_not_the_original(storage: &Storage) {
    let a = Fixture::new(storage, "redact-a").await;
    let draft = ReportDraft {
        reporter: "pupil_witness".into(),
        categories: vec!["verbal".into()],
        place: "classroom".into(),
        frequency: "once".into(),
        did_it: vec![NameDraft {
            name: "Sem".into(),
            group: "6b".into(),
        }],
        description: "Hij is moslim en woont op de Kerkstraat 12. Hij is moslim.".into(),
        ..Default::default()
    }
    .validate(&FormChoices::default(), today())
    .expect("valid");
    let report = storage
        .reports
        .submit(a.school.id, &draft, receipt_hash(3), now())
        .await
        .expect("submit")
        .id;
    let grant = a.grant();
    let intake = &storage.intake;
    let v = intake
        .redact_hit(
            &grant,
            report,
            TextField::Description,
            "religion:moslim",
            1,
            now(),
        )
        .await
        .expect("redact");
    let read = a.read(storage, report).await;
    assert_eq!(
        read.description,
        "Hij is [verwijderd] en woont op de Kerkstraat 12. Hij is [verwijderd]."
    );
    let v = intake
        .correct_text(
            &grant,
            report,
            TextField::Description,
            "Hij woont op de [verwijderd]. Hij pest.",
            v,
            now() + Duration::minutes(1),
        )
        .await
        .expect("correct");
    let v = intake
        .correct_text(
            &grant,
            report,
            TextField::Name(DID_IT),
            "Sem de Vries",
            v,
            now(),
        )
        .await
        .expect("correct a name");
    // The description cannot be emptied; a contact line the reporter did not give is not added.
    let empty = intake
        .correct_text(&grant, report, TextField::Description, " ", v, now())
        .await;
    assert!(matches!(empty, Err(StorageError::Conflict(_))));
    let contact = intake
        .correct_text(&grant, report, TextField::Contact, "bel mij", v, now())
        .await;
    assert!(matches!(contact, Err(StorageError::NotFound)));
    let read = a.read(storage, report).await;
    assert_eq!(read.description, "Hij woont op de [verwijderd]. Hij pest.");
    assert_eq!(read.people[0].name.as_deref(), Some("Sem de Vries"));
    let notes: Vec<(&str, &str, &str)> = read
        .edits
        .iter()
        .map(|e| (e.field.as_str(), e.kind.as_str(), e.edited_by.as_str()))
        .collect();
    let who = "coordinator@redact-a.example";
    // Oldest first: the redaction and the name (same minute), then the later correction.
    assert_eq!(
        notes,
        [
            ("description", "religion", who),
            ("did_it/0/name", "correction", who),
            ("description", "correction", who),
        ]
    );
}

pub async fn a_stale_version_is_a_conflict_and_changes_nothing(storage: &Storage) {
    let a = Fixture::new(storage, "version-a").await;
    let report = a.submit(storage, 4).await;
    let grant = a.grant();
    let intake = &storage.intake;
    // Two coordinators opened version 1; the first saves.
    intake
        .set_verification(
            &grant,
            report,
            Some("Navragen bij de juf van 6b."),
            1,
            now(),
        )
        .await
        .expect("first save");
    let second = intake
        .correct_text(
            &grant,
            report,
            TextField::Description,
            "Iets anders.",
            1,
            now(),
        )
        .await;
    assert!(is_conflict(&second, VERSION_CONFLICT), "{second:?}");
    let approve = intake.approve(&grant, report, 1, now()).await;
    assert!(is_conflict(&approve, VERSION_CONFLICT));
    let reject = intake
        .reject(&grant, report, RejectReason::Spam, 1, now())
        .await;
    assert!(is_conflict(&reject, VERSION_CONFLICT));
    let read = a.read(storage, report).await;
    assert_eq!(read.version, 2);
    assert_eq!(read.description, "Ze lachen Noor elke pauze uit.");
    assert_eq!(read.state, IntakeState::New);
    assert!(read.edits.is_empty());
}

pub async fn merged_reports_leave_the_queue_and_keep_their_mailbox(storage: &Storage) {
    let a = Fixture::new(storage, "merge-a").await;
    let b = Fixture::new(storage, "merge-b").await;
    let first = a.submit(storage, 5).await;
    let second = a.submit(storage, 6).await;
    let third = a.submit(storage, 7).await;
    let elsewhere = b.submit(storage, 8).await;
    let grant = a.grant();
    let intake = &storage.intake;
    // Not into itself, not into another school's report.
    assert!(matches!(
        intake.merge(&grant, second, second, 1, now()).await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        intake.merge(&grant, second, elsewhere, 1, now()).await,
        Err(StorageError::NotFound)
    ));
    intake
        .merge(&grant, second, third, 1, now())
        .await
        .expect("merge");
    // Merging the target on moves what was merged into it along.
    intake
        .merge(&grant, third, first, 1, now())
        .await
        .expect("merge");
    let target = a.read(storage, first).await;
    assert_eq!(target.merged_from.len(), 2);
    assert!(target.merged_from.contains(&second) && target.merged_from.contains(&third));
    let merged = a.read(storage, second).await;
    assert_eq!(merged.state, IntakeState::Merged);
    assert_eq!(merged.merged_into, Some(first));
    let queue: Vec<ReportId> = storage
        .reports
        .intake_queue(&grant, 50, now())
        .await
        .expect("queue")
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(queue, [first]);
    // The merged reporter's mailbox still works both ways.
    let view = storage
        .reports
        .reporter_message(a.school.id, receipt_hash(6), "Is er al nieuws?", now())
        .await
        .expect("message")
        .expect("found");
    assert_eq!(view.messages.len(), 1);
    intake
        .send_message(&grant, second, "We kijken ernaar.", now())
        .await
        .expect("answer");
    let view = storage
        .reports
        .follow_up(a.school.id, receipt_hash(6))
        .await
        .expect("follow up")
        .expect("found");
    assert_eq!(view.messages[1].author, MessageAuthor::School);
    // Into a merged report: no.
    let into_merged = intake
        .merge(&grant, first, second, target.version, now())
        .await;
    assert!(
        is_conflict(&into_merged, ALREADY_DECIDED),
        "{into_merged:?}"
    );
}

pub async fn rejected_reports_are_purged_thirty_days_after_the_decision(storage: &Storage) {
    let a = Fixture::new(storage, "purge-a").await;
    let kept = a.submit(storage, 9).await;
    let rejected = a.submit(storage, 10).await;
    let merged = a.submit(storage, 11).await;
    let grant = a.grant();
    let intake = &storage.intake;
    intake
        .link_person(&grant, rejected, DID_IT, Some(a.pupils[0].id), 1, now())
        .await
        .expect("link");
    intake
        .redact_hit(
            &grant,
            rejected,
            TextField::Contact,
            "nothing:here",
            2,
            now(),
        )
        .await
        .expect_err("no such hit");
    intake
        .merge(&grant, merged, rejected, 1, now())
        .await
        .expect("merge");
    intake
        .reject(&grant, rejected, RejectReason::Joke, 2, now())
        .await
        .expect("reject");
    let read = a.read(storage, rejected).await;
    assert_eq!(read.state, IntakeState::Rejected);
    assert_eq!(read.reject_reason.as_deref(), Some("joke"));
    let almost = now() + Duration::days(30) - Duration::minutes(1);
    assert!(
        intake
            .purge_rejected(almost)
            .await
            .expect("purge")
            .is_empty()
    );
    assert!(
        storage
            .reports
            .follow_up(a.school.id, receipt_hash(10))
            .await
            .expect("read")
            .is_some()
    );
    let purged = intake
        .purge_rejected(now() + Duration::days(30))
        .await
        .expect("purge");
    assert_eq!(purged.len(), 1);
    assert_eq!((purged[0].school, purged[0].reports), (a.school.id, 2));
    for receipt in [10, 11] {
        assert!(
            storage
                .reports
                .follow_up(a.school.id, receipt_hash(receipt))
                .await
                .expect("read")
                .is_none()
        );
    }
    assert!(
        storage
            .reports
            .intake_report(&grant, rejected, now())
            .await
            .expect("read")
            .is_none()
    );
    a.read(storage, kept).await;
    let purge: Vec<(String, String, String)> = chain_actions(storage, &a.school)
        .await
        .into_iter()
        .filter(|(action, _, _)| action == "report.purge")
        .collect();
    assert_eq!(purge.len(), 1);
    assert_eq!(purge[0].2, "ok reports=2");
}

pub async fn the_school_writes_to_the_reporter_and_needs_verification_is_kept(storage: &Storage) {
    let a = Fixture::new(storage, "message-a").await;
    let b = Fixture::new(storage, "message-b").await;
    let report = a.submit(storage, 12).await;
    let intake = &storage.intake;
    assert!(matches!(
        intake
            .send_message(&b.grant(), report, "Hallo", now())
            .await,
        Err(StorageError::NotFound)
    ));
    assert!(matches!(
        intake.send_message(&a.grant(), report, "  ", now()).await,
        Err(StorageError::Conflict(_))
    ));
    intake
        .send_message(&a.grant(), report, "Dank je wel voor je melding.", now())
        .await
        .expect("send");
    let view = storage
        .reports
        .follow_up(a.school.id, receipt_hash(12))
        .await
        .expect("read")
        .expect("found");
    assert_eq!(view.messages.len(), 1);
    assert_eq!(view.messages[0].body, "Dank je wel voor je melding.");
    assert_eq!(view.messages[0].author, MessageAuthor::School);
    let v = intake
        .set_verification(
            &a.grant(),
            report,
            Some("Navragen bij de mentor."),
            1,
            now(),
        )
        .await
        .expect("note");
    let queue = storage
        .reports
        .intake_queue(&a.grant(), 50, now())
        .await
        .expect("queue");
    assert_eq!(
        queue[0].verification_note.as_deref(),
        Some("Navragen bij de mentor.")
    );
    intake
        .set_verification(&a.grant(), report, None, v, now())
        .await
        .expect("clear");
    assert_eq!(a.read(storage, report).await.verification_note, None);
    let actions: Vec<String> = chain_actions(storage, &a.school)
        .await
        .into_iter()
        .map(|(action, _, outcome)| {
            assert!(!outcome.contains("Dank") && !outcome.contains("mentor"));
            action
        })
        .filter(|a| a == "report.message" || a == "report.verify")
        .collect();
    assert_eq!(
        actions,
        ["report.message", "report.verify", "report.verify"]
    );
}
