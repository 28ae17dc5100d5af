//! The conformance cases of content-free notifications, run on both backends like
//! [`conformance`](crate::conformance): `mail_conformance_suite!(fresh)`.

// This module is test code that happens to live in a library so both backends can run it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use chrono::{DateTime, Duration, Utc};
use signaal_domain::StaffId;
use signaal_domain::policy::{self, Actor, ManageStaff, VerifyAudit};
use signaal_domain::school::{NewSchool, School, SchoolSlug};
use signaal_domain::staff::Role;

use crate::notifications::DueNotice;
use crate::{NewStaff, Storage};

/// Generates one `#[tokio::test]` per notification case, each on a fresh database from `$fresh`.
#[macro_export]
macro_rules! mail_conformance_suite {
    ($fresh:path) => {
        $crate::mail_conformance_cases!($fresh;
            news_reaches_coordinators_only_after_the_hour_and_at_most_hourly,
            removed_and_deactivated_staff_get_nothing,
            a_claim_is_held_once_and_failures_wait_for_their_retry,
            the_language_of_mail_is_remembered_per_account,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! mail_conformance_cases {
    ($fresh:path; $($case:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $case() {
            match $fresh().await {
                Some((storage, _guard)) => $crate::conformance_mail::$case(&storage).await,
                None => eprintln!("skipped: this backend is not configured"),
            }
        }
    )*};
}

/// 2026-11-24 at `hh:mm` UTC.
fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(&format!("2026-11-24T{hour:02}:{minute:02}:00Z"))
        .map(|t| t.with_timezone(&Utc))
        .expect("time")
}

async fn school(storage: &Storage, slug: &str) -> School {
    let grant = policy::authorize_directory(&Actor::Operator).expect("grant");
    let board = storage
        .directory
        .create_board(&grant, "Stichting Mail", false, at(8, 0))
        .await
        .expect("board");
    let new = NewSchool {
        board_id: board.id,
        slug: SchoolSlug::parse(slug).expect("slug"),
        name: format!("Basisschool {slug}"),
        is_demo: false,
    };
    storage
        .directory
        .create_school(&grant, &new, at(8, 0))
        .await
        .expect("school")
}

async fn person(storage: &Storage, school: &School, email: &str, role: Role) -> StaffId {
    let grant = policy::authorize_directory(&Actor::Operator).expect("grant");
    let staff = storage
        .directory
        .create_staff(
            &grant,
            &NewStaff {
                email: email.into(),
                display_name: email.split('@').next().unwrap_or_default().into(),
                is_provider_admin: false,
            },
            at(8, 0),
        )
        .await
        .expect("staff");
    storage
        .directory
        .assign_role(&grant, staff.id, school.id, role, at(8, 0))
        .await
        .expect("role");
    staff.id
}

async fn report(storage: &Storage, school: &School, n: u8, when: DateTime<Utc>) {
    use signaal_domain::report::{FormChoices, NameDraft, ReportDraft};
    let report = ReportDraft {
        reporter: "pupil_self".into(),
        categories: vec!["verbal".into()],
        place: "classroom".into(),
        date: String::new(),
        part_of_day: String::new(),
        frequency: "once".into(),
        did_it: vec![NameDraft::default()],
        done_to: vec![NameDraft::default()],
        description: "Zij pakken steeds mijn etui af.".into(),
        wants_contact: false,
        contact: String::new(),
    }
    .validate(&FormChoices::default(), when.date_naive())
    .expect("a valid report");
    storage
        .reports
        .submit(school.id, &report, [n; 32], when)
        .await
        .expect("stored");
}

fn recipients(notices: &[DueNotice]) -> Vec<StaffId> {
    let mut staff: Vec<StaffId> = notices.iter().map(|n| n.staff).collect();
    staff.sort();
    staff
}

const LEASE: Duration = Duration::minutes(5);

pub async fn news_reaches_coordinators_only_after_the_hour_and_at_most_hourly(storage: &Storage) {
    let school = school(storage, "de-linde").await;
    let coordinator = person(storage, &school, "ib@de-linde.example", Role::Coordinator).await;
    person(storage, &school, "juf@de-linde.example", Role::Teacher).await;
    person(
        storage,
        &school,
        "directie@de-linde.example",
        Role::Leadership,
    )
    .await;
    let notices = &storage.notifications;

    report(storage, &school, 1, at(10, 5)).await;
    report(storage, &school, 2, at(10, 40)).await;
    // While the submission hour runs, nothing is told: a mail must not date a report more precisely
    // than the stored hour does.
    assert_eq!(notices.spread_news(at(10, 59)).await.expect("spread"), 0);
    assert!(
        notices
            .claim_due(at(10, 59), LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    assert_eq!(notices.spread_news(at(11, 0)).await.expect("spread"), 1);
    // Spreading again finds nothing new.
    assert_eq!(notices.spread_news(at(11, 1)).await.expect("spread"), 0);
    let due = notices
        .claim_due(at(11, 20), LEASE, 10)
        .await
        .expect("claim");
    assert_eq!(recipients(&due), vec![coordinator], "coordinators only");
    let notice = &due[0];
    assert_eq!(notice.email, "ib@de-linde.example");
    assert_eq!(notice.school_name, "Basisschool de-linde");
    assert_eq!(notice.language, "nl");
    assert_eq!(notice.attempts, 0);
    notices.notice_sent(notice, at(11, 20)).await.expect("sent");

    // A report in the next hour: its hour ends at 12:00, but the last mail was at 11:20.
    report(storage, &school, 3, at(11, 25)).await;
    assert_eq!(notices.spread_news(at(12, 0)).await.expect("spread"), 1);
    assert!(
        notices
            .claim_due(at(12, 19), LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    let due = notices
        .claim_due(at(12, 20), LEASE, 10)
        .await
        .expect("claim");
    assert_eq!(recipients(&due), vec![coordinator]);
    notices
        .notice_sent(&due[0], at(12, 20))
        .await
        .expect("sent");
    // Told: nothing more is owed, however long one waits.
    notices.spread_news(at(15, 0)).await.expect("spread");
    assert!(
        notices
            .claim_due(at(15, 0), LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );

    // Each mail is in the school's audit chain: the operator notified the staff member, no content.
    let grant =
        policy::authorize::<VerifyAudit>(&Actor::Operator, school.id, at(15, 0)).expect("grant");
    let chain = storage.audit.chain(&grant).await.expect("chain");
    let mails: Vec<_> = chain
        .iter()
        .filter(|e| e.action == "mail.notified")
        .collect();
    assert_eq!(mails.len(), 2);
    for entry in mails {
        assert_eq!(entry.actor, "operator");
        assert_eq!(entry.subject, format!("staff:{coordinator}"));
        assert!(entry.outcome.starts_with("sent"), "{}", entry.outcome);
    }
    assert!(signaal_domain::audit::verify_chain(&chain).is_ok());
}

pub async fn removed_and_deactivated_staff_get_nothing(storage: &Storage) {
    let school = school(storage, "de-eik").await;
    let other = school_two(storage).await;
    let stays = person(storage, &school, "blijft@de-eik.example", Role::Coordinator).await;
    let removed = person(storage, &school, "weg@de-eik.example", Role::Coordinator).await;
    // Someone who is coordinator elsewhere too keeps that school's mail.
    let grant = policy::authorize_directory(&Actor::Operator).expect("grant");
    storage
        .directory
        .assign_role(&grant, removed, other.id, Role::Coordinator, at(8, 0))
        .await
        .expect("role");
    let deactivated = person(storage, &school, "stopt@de-eik.example", Role::Coordinator).await;
    report(storage, &school, 10, at(9, 10)).await;
    report(storage, &other, 11, at(9, 10)).await;
    assert_eq!(
        storage
            .notifications
            .spread_news(at(10, 0))
            .await
            .expect("spread"),
        2
    );

    // After the notices were made, one person leaves the school and one account loses its only role
    // (and so is deactivated).
    let manage =
        policy::authorize::<ManageStaff>(&Actor::Operator, school.id, at(10, 1)).expect("grant");
    assert!(
        storage
            .staff_admin
            .remove_staff(&manage, removed, at(10, 1))
            .await
            .expect("removed")
    );
    assert!(
        storage
            .staff_admin
            .remove_staff(&manage, deactivated, at(10, 1))
            .await
            .expect("removed")
    );
    let due = storage
        .notifications
        .claim_due(at(10, 2), LEASE, 10)
        .await
        .expect("claim");
    let mut got: Vec<(StaffId, signaal_domain::SchoolId)> =
        due.iter().map(|n| (n.staff, n.school)).collect();
    got.sort();
    let mut expected = vec![(stays, school.id), (removed, other.id)];
    expected.sort();
    assert_eq!(got, expected);
    // Their notices are gone, not merely skipped: giving the role back later owes them nothing old.
    storage
        .notifications
        .spread_news(at(10, 3))
        .await
        .expect("spread");
    storage
        .directory
        .assign_role(&grant, removed, school.id, Role::Coordinator, at(10, 4))
        .await
        .expect("role");
    for notice in &due {
        storage
            .notifications
            .notice_sent(notice, at(10, 4))
            .await
            .expect("sent");
    }
    assert!(
        storage
            .notifications
            .claim_due(at(12, 0), LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
}

async fn school_two(storage: &Storage) -> School {
    school(storage, "de-beuk").await
}

pub async fn a_claim_is_held_once_and_failures_wait_for_their_retry(storage: &Storage) {
    let school = school(storage, "de-wilg").await;
    let coordinator = person(storage, &school, "ib@de-wilg.example", Role::Coordinator).await;
    report(storage, &school, 20, at(13, 30)).await;
    let notices = &storage.notifications;
    notices.spread_news(at(14, 0)).await.expect("spread");
    let first = notices
        .claim_due(at(14, 0), LEASE, 10)
        .await
        .expect("claim");
    assert_eq!(recipients(&first), vec![coordinator]);
    // A second sender (another instance) gets nothing while the claim holds.
    assert!(
        notices
            .claim_due(at(14, 1), LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    // The first sender died without settling: once its claim runs out, another sender takes over.
    let second = notices
        .claim_due(at(14, 5), LEASE, 10)
        .await
        .expect("claim");
    assert_eq!(recipients(&second), vec![coordinator]);
    assert_ne!(second[0].claim, first[0].claim);
    // The dead sender's late word changes nothing: only the holder of the claim settles it.
    notices
        .notice_failed(&first[0], at(20, 0), at(14, 6))
        .await
        .expect("failed");
    // The mail server is down: retry in two minutes.
    notices
        .notice_failed(&second[0], at(14, 8), at(14, 6))
        .await
        .expect("failed");
    assert!(
        notices
            .claim_due(at(14, 7), LEASE, 10)
            .await
            .expect("claim")
            .is_empty()
    );
    let retry = notices
        .claim_due(at(14, 8), LEASE, 10)
        .await
        .expect("claim");
    assert_eq!(recipients(&retry), vec![coordinator]);
    assert_eq!(retry[0].attempts, 1);
    notices
        .notice_sent(&retry[0], at(14, 9))
        .await
        .expect("sent");
    let grant =
        policy::authorize::<VerifyAudit>(&Actor::Operator, school.id, at(15, 0)).expect("grant");
    let chain = storage.audit.chain(&grant).await.expect("chain");
    let mails: Vec<_> = chain
        .iter()
        .filter(|e| e.action == "mail.notified")
        .collect();
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].outcome, "sent attempt=2");
}

pub async fn the_language_of_mail_is_remembered_per_account(storage: &Storage) {
    let school = school(storage, "de-es").await;
    let staff = person(storage, &school, "ib@de-es.example", Role::Coordinator).await;
    assert_eq!(
        storage
            .notifications
            .language(staff)
            .await
            .expect("language"),
        "nl"
    );
    storage
        .notifications
        .set_language(staff, "en")
        .await
        .expect("set");
    assert_eq!(
        storage
            .notifications
            .language(staff)
            .await
            .expect("language"),
        "en"
    );
    // Anything else is Dutch, the default.
    storage
        .notifications
        .set_language(staff, "de")
        .await
        .expect("set");
    assert_eq!(
        storage
            .notifications
            .language(staff)
            .await
            .expect("language"),
        "nl"
    );
    assert_eq!(
        storage
            .notifications
            .language(StaffId::new())
            .await
            .expect("language"),
        "nl"
    );
}
