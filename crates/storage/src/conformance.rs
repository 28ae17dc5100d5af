//! The conformance suite: the behaviour every backend must have, written once. A backend's tests
//! call [`conformance_suite!`](crate::conformance_suite) with a function that makes a fresh, migrated
//! database (`Option<(Storage, Guard)>`; `None` skips, for a PostgreSQL that is not configured).

// This module is test code that happens to live in a library so both backends can run it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use chrono::{DateTime, Duration, NaiveDate, Utc};
use signaal_domain::audit::{self, ChainBreak};
use signaal_domain::demo;
use signaal_domain::policy::{self, Actor, ImportRoster, ReadRoster, SchoolGrant, VerifyAudit};
use signaal_domain::roster::{RosterFile, SyncOptions, SyncPlan, plan_sync};
use signaal_domain::school::{NewSchool, School, SchoolSlug};
use signaal_domain::staff::Role;

use crate::{NewStaff, Storage, StorageError};

/// Generates one `#[tokio::test]` per conformance case, each on a fresh database from `$fresh`.
#[macro_export]
macro_rules! conformance_suite {
    ($fresh:path) => {
        $crate::conformance_cases!($fresh;
            schools_are_created_and_found_by_slug,
            a_taken_slug_is_a_conflict,
            staff_accounts_and_roles,
            a_roster_import_stores_every_pupil,
            importing_the_same_file_twice_changes_nothing,
            a_sync_updates_and_marks_leavers,
            rosters_are_scoped_to_their_school,
            every_roster_change_and_view_is_audited_in_a_chain_per_school,
            names_keep_every_character,
            health_answers,
            a_report_is_followed_up_with_its_receipt_only,
            reporters_write_in_the_mailbox_by_the_hour,
            a_taken_receipt_is_a_conflict,
            bursts_naming_one_person_are_flagged,
            form_settings_default_and_changes_are_audited,
            staff_credentials_sessions_and_statements,
            the_audit_log_is_filtered_and_reading_it_is_audited,
            leadership_sets_roles_groups_and_periods,
            a_school_sets_its_idle_limit_and_statement_versions,
            intake_opens_the_schools_new_reports_and_records_each_look,
            api_tokens_are_kept_by_hash_per_account_and_audited,
            a_deactivated_accounts_tokens_are_removed,
            a_password_reset_revokes_the_accounts_tokens,
            refused_attempts_are_recorded_where_they_were_aimed,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! conformance_cases {
    ($fresh:path; $($case:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $case() {
            match $fresh().await {
                Some((storage, _guard)) => $crate::conformance::$case(&storage).await,
                None => eprintln!("skipped: this backend is not configured"),
            }
        }
    )*};
}

/// A master key for test databases.
pub fn test_master_key() -> signaal_domain::secrets::MasterKey {
    signaal_domain::secrets::MasterKey::generate().expect("randomness")
}

pub(crate) fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-24T10:00:00Z")
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_default()
}

pub(crate) fn today() -> NaiveDate {
    now().date_naive()
}

const OPTIONS: SyncOptions = SyncOptions {
    max_leave_share: 0.25,
    allow_mass_leave: false,
};

pub(crate) async fn school(storage: &Storage, slug: &str) -> School {
    school_of_board(storage, "Stichting Test", slug).await
}

/// A school `slug` under a new board of that name (set-up shared by the conformance modules).
pub(crate) async fn school_of_board(storage: &Storage, board: &str, slug: &str) -> School {
    let grant =
        policy::authorize_directory(&Actor::Operator).expect("the operator manages the directory");
    let board = storage
        .directory
        .create_board(&grant, board, false, now())
        .await
        .expect("board");
    let new = NewSchool {
        board_id: board.id,
        slug: SchoolSlug::parse(slug).expect("slug"),
        name: format!("School {slug}"),
        is_demo: false,
    };
    storage
        .directory
        .create_school(&grant, &new, now())
        .await
        .expect("school")
}

/// The school's pupils after importing `file`, as leadership reads them.
pub(crate) async fn pupils_after_import(
    storage: &Storage,
    school: &School,
    file: &RosterFile,
) -> Vec<signaal_domain::school::Pupil> {
    import(storage, school, file).await;
    storage
        .rosters
        .pupils(&read_grant(school), now())
        .await
        .expect("pupils")
}

fn import_grant(school: &School) -> SchoolGrant<ImportRoster> {
    policy::authorize(&Actor::Operator, school.id, now()).expect("the operator imports rosters")
}

fn leader(storage_school: &School) -> Actor {
    Actor::Staff(policy::StaffActor {
        id: signaal_domain::StaffId::new(),
        is_provider_admin: false,
        memberships: vec![policy::Membership::new(storage_school.id, Role::Leadership)],
    })
}

pub(crate) fn read_grant(school: &School) -> SchoolGrant<ReadRoster> {
    policy::authorize(&leader(school), school.id, now()).expect("leadership reads the roster")
}

async fn plan_import(storage: &Storage, school: &School, file: &RosterFile) -> SyncPlan {
    let current = storage
        .rosters
        .current_roster(&import_grant(school), now())
        .await
        .expect("current roster");
    plan_sync(&current, file, today(), OPTIONS).expect("plan")
}

pub(crate) async fn import(
    storage: &Storage,
    school: &School,
    file: &RosterFile,
) -> crate::SyncCounts {
    let plan = plan_import(storage, school, file).await;
    storage
        .rosters
        .apply_sync(&import_grant(school), &plan, now())
        .await
        .expect("apply")
}

pub async fn schools_are_created_and_found_by_slug(storage: &Storage) {
    let created = school(storage, "de-regenboog").await;
    let found = storage
        .directory
        .school_by_slug(&created.slug)
        .await
        .expect("lookup");
    assert_eq!(found, Some(created.clone()));
    let missing = SchoolSlug::parse("nergens").expect("slug");
    assert_eq!(
        storage
            .directory
            .school_by_slug(&missing)
            .await
            .expect("lookup"),
        None
    );
    let grant = policy::authorize_directory(&Actor::Operator).expect("grant");
    assert_eq!(
        storage.directory.list_schools(&grant).await.expect("list"),
        vec![created.clone()]
    );
    let board = storage
        .directory
        .board_by_name(&grant, "Stichting Test")
        .await
        .expect("board");
    assert_eq!(board.map(|b| b.id), Some(created.board_id));
    assert_eq!(
        storage
            .directory
            .board_by_name(&grant, "Nobody")
            .await
            .expect("board"),
        None
    );
}

pub async fn a_taken_slug_is_a_conflict(storage: &Storage) {
    let first = school(storage, "het-anker").await;
    let grant = policy::authorize_directory(&Actor::Operator).expect("grant");
    let again = NewSchool {
        board_id: first.board_id,
        slug: first.slug.clone(),
        name: "Another".into(),
        is_demo: false,
    };
    match storage.directory.create_school(&grant, &again, now()).await {
        Err(StorageError::Conflict(message)) => assert!(message.contains("het-anker"), "{message}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

pub async fn staff_accounts_and_roles(storage: &Storage) {
    let school = school(storage, "staff-school").await;
    let grant = policy::authorize_directory(&Actor::Operator).expect("grant");
    let new = NewStaff {
        email: "J.de.Vries@School.example".into(),
        display_name: "Juf de Vries".into(),
        is_provider_admin: false,
    };
    let staff = storage
        .directory
        .create_staff(&grant, &new, now())
        .await
        .expect("staff");
    assert_eq!(staff.email, "j.de.vries@school.example");
    assert!(staff.active);
    let duplicate = NewStaff {
        email: "j.de.vries@SCHOOL.example".into(),
        ..new
    };
    assert!(matches!(
        storage
            .directory
            .create_staff(&grant, &duplicate, now())
            .await,
        Err(StorageError::Conflict(_))
    ));
    storage
        .directory
        .assign_role(&grant, staff.id, school.id, Role::Teacher, now())
        .await
        .expect("role");
    storage
        .directory
        .assign_role(&grant, staff.id, school.id, Role::Coordinator, now())
        .await
        .expect("role");
    // Assigning a role twice is harmless.
    storage
        .directory
        .assign_role(&grant, staff.id, school.id, Role::Teacher, now())
        .await
        .expect("role");
    let mut roles = storage.directory.roles_of(staff.id).await.expect("roles");
    roles.sort();
    assert_eq!(
        roles,
        vec![(school.id, Role::Coordinator), (school.id, Role::Teacher)]
    );
    let found = storage
        .directory
        .staff_by_email("J.DE.VRIES@school.example")
        .await
        .expect("lookup");
    assert_eq!(found, Some(staff));
}

pub async fn a_roster_import_stores_every_pupil(storage: &Storage) {
    let school = school(storage, "roster-school").await;
    let file = demo::roster(200, 1, today());
    let counts = import(storage, &school, &file).await;
    assert_eq!(counts.added, 200);
    assert_eq!(counts.groups_created, 16);
    let pupils = storage
        .rosters
        .pupils(&read_grant(&school), now())
        .await
        .expect("pupils");
    assert_eq!(pupils.len(), 200);
    let groups = storage
        .rosters
        .groups(&read_grant(&school), today())
        .await
        .expect("groups");
    assert_eq!(groups.len(), 16);
    for entry in &file.entries {
        let pupil = pupils
            .iter()
            .find(|p| p.number == entry.number)
            .expect("every pupil is stored");
        assert_eq!(pupil.name, entry.name);
        assert_eq!(pupil.date_of_birth, entry.date_of_birth);
        assert_eq!(pupil.enrolled_on, today());
        assert_eq!(pupil.left_on, None);
        assert_eq!(pupil.school_id, school.id);
        let group = groups
            .iter()
            .find(|g| Some(g.id) == pupil.group_id)
            .expect("a group");
        assert_eq!(group.name, entry.group);
        assert_eq!(group.grade, entry.grade);
    }
}

pub async fn importing_the_same_file_twice_changes_nothing(storage: &Storage) {
    let school = school(storage, "twice").await;
    let file = demo::roster(120, 2, today());
    import(storage, &school, &file).await;
    let before = storage
        .rosters
        .pupils(&read_grant(&school), now())
        .await
        .expect("pupils");
    let second = plan_import(storage, &school, &file).await;
    assert!(second.is_empty(), "{}", second.describe());
    assert_eq!(second.unchanged, 120);
    let counts = storage
        .rosters
        .apply_sync(&import_grant(&school), &second, now())
        .await
        .expect("apply");
    assert_eq!(counts, crate::SyncCounts::default());
    assert_eq!(
        storage
            .rosters
            .pupils(&read_grant(&school), now())
            .await
            .expect("pupils"),
        before
    );
}

pub async fn a_sync_updates_and_marks_leavers(storage: &Storage) {
    let school = school(storage, "changes").await;
    let mut file = demo::roster(40, 3, today());
    import(storage, &school, &file).await;

    let gone = file.entries.remove(0);
    file.entries[0].group = "groep 8c".into();
    file.entries[0].grade = Some(8);
    file.entries[1].name.family_name = "Veranderd".into();
    let mut newcomer = file.entries[2].clone();
    newcomer.number = signaal_domain::school::PupilNumber::parse("900001").expect("number");
    newcomer.enrolled_on = NaiveDate::from_ymd_opt(2026, 9, 1);
    file.entries.push(newcomer.clone());

    let plan = plan_import(storage, &school, &file).await;
    assert_eq!(
        (plan.add.len(), plan.update.len(), plan.leave.len()),
        (1, 2, 1)
    );
    let counts = storage
        .rosters
        .apply_sync(&import_grant(&school), &plan, now())
        .await
        .expect("apply");
    assert_eq!(
        counts,
        crate::SyncCounts {
            added: 1,
            updated: 2,
            left: 1,
            groups_created: 1
        }
    );

    let pupils = storage
        .rosters
        .pupils(&read_grant(&school), now())
        .await
        .expect("pupils");
    let by_number = |n: &signaal_domain::school::PupilNumber| {
        pupils.iter().find(|p| &p.number == n).expect("pupil")
    };
    assert_eq!(by_number(&gone.number).left_on, Some(today()));
    assert_eq!(
        by_number(&file.entries[1].number).name.family_name,
        "Veranderd"
    );
    assert_eq!(
        by_number(&newcomer.number).enrolled_on,
        NaiveDate::from_ymd_opt(2026, 9, 1).expect("date")
    );
    let groups = storage
        .rosters
        .groups(&read_grant(&school), today())
        .await
        .expect("groups");
    let moved = by_number(&file.entries[0].number);
    assert_eq!(
        groups
            .iter()
            .find(|g| Some(g.id) == moved.group_id)
            .map(|g| g.name.as_str()),
        Some("groep 8c")
    );

    // The leaver returns in a later import.
    file.entries.push(gone.clone());
    let plan = plan_import(storage, &school, &file).await;
    assert_eq!(
        (plan.add.len(), plan.update.len(), plan.leave.len()),
        (0, 1, 0)
    );
    storage
        .rosters
        .apply_sync(&import_grant(&school), &plan, now())
        .await
        .expect("apply");
    let pupils = storage
        .rosters
        .pupils(&read_grant(&school), now())
        .await
        .expect("pupils");
    assert_eq!(
        pupils
            .iter()
            .find(|p| p.number == gone.number)
            .and_then(|p| p.left_on),
        None
    );
}

pub async fn rosters_are_scoped_to_their_school(storage: &Storage) {
    let a = school(storage, "school-a").await;
    let b = school(storage, "school-b").await;
    import(storage, &a, &demo::roster(30, 4, today())).await;
    // The same pupil numbers at another school are other pupils.
    import(storage, &b, &demo::roster(10, 5, today())).await;
    let in_a = storage
        .rosters
        .pupils(&read_grant(&a), now())
        .await
        .expect("pupils");
    let in_b = storage
        .rosters
        .pupils(&read_grant(&b), now())
        .await
        .expect("pupils");
    assert_eq!((in_a.len(), in_b.len()), (30, 10));
    assert!(in_a.iter().all(|p| p.school_id == a.id));
    assert!(in_b.iter().all(|p| p.school_id == b.id));
    // Syncing B with fewer pupils marks only B's pupils as left.
    let plan = {
        let current = storage
            .rosters
            .current_roster(&import_grant(&b), now())
            .await
            .expect("current");
        let file = demo::roster(9, 5, today());
        plan_sync(&current, &file, today(), OPTIONS).expect("plan")
    };
    storage
        .rosters
        .apply_sync(&import_grant(&b), &plan, now())
        .await
        .expect("apply");
    let in_a = storage
        .rosters
        .pupils(&read_grant(&a), now())
        .await
        .expect("pupils");
    assert!(in_a.iter().all(|p| p.left_on.is_none()));
    assert_eq!(
        storage
            .rosters
            .groups(&read_grant(&a), today())
            .await
            .expect("groups")
            .len(),
        16
    );
}

pub async fn every_roster_change_and_view_is_audited_in_a_chain_per_school(storage: &Storage) {
    let a = school(storage, "audit-a").await;
    let b = school(storage, "audit-b").await;
    import(storage, &a, &demo::roster(20, 6, today())).await;
    storage
        .rosters
        .pupils(&read_grant(&a), now() + Duration::seconds(1))
        .await
        .expect("view");
    import(storage, &b, &demo::roster(5, 7, today())).await;
    let verify = |school: &School| -> SchoolGrant<VerifyAudit> {
        policy::authorize(&Actor::Operator, school.id, now()).expect("grant")
    };

    let chain_a = storage.audit.chain(&verify(&a)).await.expect("chain");
    let actions: Vec<&str> = chain_a.iter().map(|e| e.action.as_str()).collect();
    // Reading the roster to compare it with the import holds names too, so it is audited.
    assert_eq!(
        actions,
        vec![
            "school.created",
            "roster.compare",
            "roster.import",
            "roster.view"
        ]
    );
    assert_eq!(chain_a[1].outcome, "ok pupils=0");
    assert_eq!(chain_a[2].actor, "operator");
    assert_eq!(
        chain_a[2].outcome,
        "added=20 updated=0 left=0 groups_created=16"
    );
    assert!(chain_a[3].actor.starts_with("staff:"));
    assert_eq!(audit::verify_chain(&chain_a), Ok(4));
    let chain_b = storage.audit.chain(&verify(&b)).await.expect("chain");
    assert_eq!(audit::verify_chain(&chain_b), Ok(3));
    // Nothing in the audit log names a pupil.
    let file = demo::roster(20, 6, today());
    for entry in chain_a.iter().chain(&chain_b) {
        for pupil in &file.entries {
            assert!(
                !entry.subject.contains(&pupil.name.family_name)
                    && !entry.outcome.contains(&pupil.name.family_name)
            );
        }
    }
    // A forged chain of another school's entries does not verify as this school's.
    let mut mixed = chain_a.clone();
    mixed[1] = chain_b[0].clone();
    assert!(matches!(
        audit::verify_chain(&mixed),
        Err(ChainBreak::Gap { .. })
    ));
}

pub async fn names_keep_every_character(storage: &Storage) {
    let school = school(storage, "namen").await;
    let mut file = demo::roster(3, 8, today());
    file.entries[0].name.given_name = "Zoë-Chloé".into();
    file.entries[1].name.family_name = "Öztürk-Çelik 'O\"Brien'; DROP TABLE pupils".into();
    file.entries[2].name.particle = Some("van 't".into());
    import(storage, &school, &file).await;
    let pupils = storage
        .rosters
        .pupils(&read_grant(&school), now())
        .await
        .expect("pupils");
    for entry in &file.entries {
        assert!(
            pupils.iter().any(|p| p.name == entry.name),
            "{:?}",
            entry.name
        );
    }
}

pub async fn health_answers(storage: &Storage) {
    storage.health.ping().await.expect("ping");
    assert!(storage.health.schema_version().await.expect("version") >= 1);
}

pub(crate) fn sample_report(did_it: &str) -> signaal_domain::report::NewReport {
    use signaal_domain::report::{FormChoices, NameDraft, ReportDraft};
    ReportDraft {
        reporter: "pupil_witness".into(),
        categories: vec!["verbal".into(), "online".into()],
        place: "schoolyard".into(),
        date: "2026-11-20".into(),
        part_of_day: "break".into(),
        frequency: "several_times".into(),
        did_it: vec![NameDraft {
            name: did_it.into(),
            group: "6b".into(),
        }],
        done_to: vec![NameDraft {
            name: "Noor".into(),
            group: String::new(),
        }],
        description: "Ze lachen Noor elke pauze uit.".into(),
        wants_contact: true,
        contact: "Lisa, groep 6".into(),
    }
    .validate(&FormChoices::default(), today())
    .expect("a valid report")
}

pub(crate) fn receipt_hash(n: u8) -> [u8; 32] {
    [n; 32]
}

pub async fn a_report_is_followed_up_with_its_receipt_only(storage: &Storage) {
    let school_a = school(storage, "school-a").await;
    let school_b = school(storage, "school-b").await;
    let submitted = storage
        .reports
        .submit(
            school_a.id,
            &sample_report("Sem"),
            receipt_hash(1),
            now() + Duration::minutes(42),
        )
        .await
        .expect("submit");
    assert!(!submitted.burst);
    let view = storage
        .reports
        .follow_up(school_a.id, receipt_hash(1))
        .await
        .expect("follow up")
        .expect("the receipt is known");
    assert_eq!(view.report, submitted.id);
    assert_eq!(view.status, signaal_domain::report::ReportStatus::Received);
    assert_eq!(view.submitted_hour, now(), "kept to the hour");
    assert!(view.messages.is_empty());
    assert_eq!(
        storage
            .reports
            .follow_up(school_a.id, receipt_hash(2))
            .await
            .expect("lookup"),
        None
    );
    assert_eq!(
        storage
            .reports
            .follow_up(school_b.id, receipt_hash(1))
            .await
            .expect("lookup"),
        None,
        "a receipt works only at its own school"
    );
}

pub async fn reporters_write_in_the_mailbox_by_the_hour(storage: &Storage) {
    let school = school(storage, "school-a").await;
    storage
        .reports
        .submit(school.id, &sample_report("Sem"), receipt_hash(1), now())
        .await
        .expect("submit");
    let view = storage
        .reports
        .reporter_message(
            school.id,
            receipt_hash(1),
            "Het is weer gebeurd.\nVandaag.",
            now() + Duration::minutes(70),
        )
        .await
        .expect("message")
        .expect("the receipt is known");
    assert_eq!(view.messages.len(), 1);
    let message = &view.messages[0];
    assert_eq!(message.body, "Het is weer gebeurd.\nVandaag.");
    assert_eq!(
        message.author,
        signaal_domain::report::MessageAuthor::Reporter
    );
    assert_eq!(message.sent_at, now() + Duration::hours(1));
    let unknown = storage
        .reports
        .reporter_message(school.id, receipt_hash(9), "hallo", now())
        .await
        .expect("message");
    assert_eq!(unknown, None);
    let again = storage
        .reports
        .follow_up(school.id, receipt_hash(1))
        .await
        .expect("follow up")
        .expect("known");
    assert_eq!(again.messages, view.messages);

    // Within one stored hour, messages keep the order they were written in (ids are random).
    for (minute, body) in [(71, "twee"), (72, "drie"), (73, "vier"), (74, "vijf")] {
        storage
            .reports
            .reporter_message(
                school.id,
                receipt_hash(1),
                body,
                now() + Duration::minutes(minute),
            )
            .await
            .expect("message")
            .expect("known");
    }
    let ordered = storage
        .reports
        .follow_up(school.id, receipt_hash(1))
        .await
        .expect("follow up")
        .expect("known");
    let bodies: Vec<&str> = ordered.messages.iter().map(|m| m.body.as_str()).collect();
    assert_eq!(
        bodies,
        [
            "Het is weer gebeurd.\nVandaag.",
            "twee",
            "drie",
            "vier",
            "vijf"
        ]
    );
}

pub async fn a_taken_receipt_is_a_conflict(storage: &Storage) {
    let school = school(storage, "school-a").await;
    storage
        .reports
        .submit(school.id, &sample_report("Sem"), receipt_hash(1), now())
        .await
        .expect("submit");
    let second = storage
        .reports
        .submit(school.id, &sample_report("Sem"), receipt_hash(1), now())
        .await;
    assert!(
        matches!(second, Err(StorageError::Conflict(_))),
        "{second:?}"
    );
    // The failed one left nothing behind, and the next one is stored.
    storage
        .reports
        .submit(school.id, &sample_report("Sem"), receipt_hash(2), now())
        .await
        .expect("submit");
}

pub async fn bursts_naming_one_person_are_flagged(storage: &Storage) {
    let school = school(storage, "school-a").await;
    let submit = |name: &'static str, hash: u8, at: DateTime<Utc>| {
        let storage = storage.clone();
        let school = school.id;
        async move {
            storage
                .reports
                .submit(school, &sample_report(name), receipt_hash(hash), at)
                .await
                .expect("submit")
                .burst
        }
    };
    assert!(!submit("Sem de Vries", 1, now()).await);
    assert!(!submit("Daan", 2, now()).await);
    assert!(!submit("SEM  de vries!", 3, now() + Duration::minutes(30)).await);
    assert!(
        submit("Sém de Vries", 4, now() + Duration::minutes(70)).await,
        "third about Sem within two hours"
    );
    // Three hours later the window has moved on.
    assert!(!submit("Sem de Vries", 5, now() + Duration::hours(4)).await);
}

pub async fn form_settings_default_and_changes_are_audited(storage: &Storage) {
    use signaal_domain::report::{FormChoices, FrameAncestors};
    let school = school(storage, "school-a").await;
    let settings = storage
        .reports
        .form_settings(school.id)
        .await
        .expect("settings");
    assert_eq!(settings, crate::reports::FormSettings::default());
    let changed = crate::reports::FormSettings {
        choices: FormChoices::parse("verbal,physical", "schoolyard,canteen").expect("choices"),
        frame_ancestors: FrameAncestors::parse("https://www.school-a.nl").expect("origins"),
    };
    let grant =
        policy::authorize(&leader(&school), school.id, now()).expect("leadership configures");
    storage
        .reports
        .set_form_settings(&grant, &changed, now())
        .await
        .expect("store");
    assert_eq!(
        storage
            .reports
            .form_settings(school.id)
            .await
            .expect("settings"),
        changed
    );
    let verify =
        policy::authorize::<VerifyAudit>(&Actor::Operator, school.id, now()).expect("verify");
    let chain = storage.audit.chain(&verify).await.expect("chain");
    let last = chain.last().expect("an entry");
    assert_eq!(last.action, "school.form_settings");
    assert!(
        last.outcome.contains("places=schoolyard,canteen,elsewhere"),
        "{}",
        last.outcome
    );
}

pub async fn staff_credentials_sessions_and_statements(storage: &Storage) {
    use crate::staff_auth::{SessionRecord, SessionStage};
    use signaal_domain::auth::TotpSecret;
    let school = school(storage, "school-a").await;
    let directory = policy::authorize_directory(&Actor::Operator).expect("grant");
    let new = NewStaff {
        email: "juf.anna@school-a.example".into(),
        display_name: "Anna".into(),
        is_provider_admin: false,
    };
    let staff = storage
        .directory
        .create_staff(&directory, &new, now())
        .await
        .expect("staff");
    storage
        .directory
        .assign_role(&directory, staff.id, school.id, Role::Teacher, now())
        .await
        .expect("role");
    let auth = &storage.staff_auth;

    let fresh = auth
        .credentials("JUF.ANNA@school-a.example")
        .await
        .expect("read")
        .expect("found");
    assert_eq!(
        (
            fresh.password_hash.as_deref(),
            fresh.totp_secret.is_none(),
            fresh.failed_logins
        ),
        (None, true, 0)
    );
    auth.set_password(staff.id, "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA")
        .await
        .expect("password");
    let secret = TotpSecret::generate().expect("secret");
    auth.enrol_second_factor(staff.id, &secret, &[[1; 32], [2; 32]])
        .await
        .expect("enrol");
    let until = now() + Duration::minutes(2);
    auth.login_failed(staff.id, 6, Some(until), now())
        .await
        .expect("failed");
    let read = auth
        .credentials_of(staff.id)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(
        read.totp_secret.as_ref().map(|s| s.as_bytes().to_vec()),
        Some(secret.as_bytes().to_vec()),
        "the sealed secret opens"
    );
    assert_eq!((read.failed_logins, read.locked_until), (6, Some(until)));
    auth.login_succeeded(staff.id, Some(1234), now())
        .await
        .expect("login");
    let read = auth
        .credentials_of(staff.id)
        .await
        .expect("read")
        .expect("found");
    assert_eq!(
        (read.failed_logins, read.locked_until, read.totp_last_step),
        (0, None, Some(1234))
    );
    assert!(
        auth.use_recovery_code(staff.id, [1; 32], now())
            .await
            .expect("use")
    );
    assert!(
        !auth
            .use_recovery_code(staff.id, [1; 32], now())
            .await
            .expect("use"),
        "once"
    );
    assert!(
        !auth
            .use_recovery_code(staff.id, [9; 32], now())
            .await
            .expect("use")
    );

    let memberships = auth.memberships(staff.id).await.expect("memberships");
    assert_eq!(
        memberships,
        vec![policy::Membership::new(school.id, Role::Teacher)]
    );

    let session = SessionRecord {
        staff: staff.id,
        stage: SessionStage::Active,
        csrf_token: "token".into(),
        created_at: now(),
        last_seen_at: now(),
        idle_seconds: 900,
    };
    auth.create_session([7; 32], &session)
        .await
        .expect("session");
    auth.touch_session([7; 32], now() + Duration::minutes(5))
        .await
        .expect("touch");
    let stored = auth.session([7; 32]).await.expect("read").expect("found");
    assert_eq!(stored.last_seen_at, now() + Duration::minutes(5));
    auth.end_session([7; 32], true, now()).await.expect("end");
    assert_eq!(auth.session([7; 32]).await.expect("read"), None);

    assert_eq!(auth.statement(school.id).await.expect("statement"), None);
    assert!(
        !auth
            .has_accepted(staff.id, school.id, 1)
            .await
            .expect("accepted")
    );
    auth.accept_statement(staff.id, school.id, 1, now())
        .await
        .expect("accept");
    assert!(
        auth.has_accepted(staff.id, school.id, 1)
            .await
            .expect("accepted")
    );
    let verify =
        policy::authorize::<VerifyAudit>(&Actor::Operator, school.id, now()).expect("verify");
    let actions: Vec<String> = storage
        .audit
        .chain(&verify)
        .await
        .expect("chain")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            "school.created",
            "staff.role_added",
            "staff.login_failed",
            "staff.login",
            "staff.logout",
            "staff.statement_accepted"
        ]
    );
}

pub async fn the_audit_log_is_filtered_and_reading_it_is_audited(storage: &Storage) {
    let a = school(storage, "audit-a").await;
    import(storage, &a, &demo::roster(5, 1, today())).await;
    storage
        .rosters
        .pupils(&read_grant(&a), now() + Duration::hours(2))
        .await
        .expect("view");
    let dpo = Actor::Staff(policy::StaffActor {
        id: signaal_domain::StaffId::new(),
        is_provider_admin: false,
        memberships: vec![policy::Membership::new(a.id, Role::DataProtectionOfficer)],
    });
    let grant = policy::authorize::<policy::ReadAudit>(&dpo, a.id, now())
        .expect("the DPO reads the audit log");
    let all = crate::AuditFilter {
        limit: 100,
        ..Default::default()
    };
    let entries = storage
        .audit
        .entries(&grant, &all, now() + Duration::hours(3))
        .await
        .expect("entries");
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "roster.view",
            "roster.import",
            "roster.compare",
            "school.created"
        ],
        "newest first"
    );
    let by_operator = crate::AuditFilter {
        actor: Some("operator".into()),
        ..all.clone()
    };
    assert_eq!(
        storage
            .audit
            .entries(&grant, &by_operator, now())
            .await
            .expect("entries")
            .len(),
        3
    );
    let roster_prefix = crate::AuditFilter {
        action: Some("roster.".into()),
        ..all.clone()
    };
    assert_eq!(
        storage
            .audit
            .entries(&grant, &roster_prefix, now())
            .await
            .expect("entries")
            .len(),
        3
    );
    let exact = crate::AuditFilter {
        action: Some("roster.view".into()),
        ..all.clone()
    };
    assert_eq!(
        storage
            .audit
            .entries(&grant, &exact, now())
            .await
            .expect("entries")
            .len(),
        1
    );
    let later = crate::AuditFilter {
        from: Some(now() + Duration::hours(1)),
        action: Some("roster.".into()),
        ..all.clone()
    };
    assert_eq!(
        storage
            .audit
            .entries(&grant, &later, now())
            .await
            .expect("entries")
            .len(),
        1
    );
    let limited = crate::AuditFilter {
        limit: 1,
        ..all.clone()
    };
    assert_eq!(
        storage
            .audit
            .entries(&grant, &limited, now())
            .await
            .expect("entries")
            .len(),
        1
    );
    // Each look was recorded, by whom, and the chain still holds.
    let views = crate::AuditFilter {
        action: Some("audit.view".into()),
        ..all
    };
    let looked = storage
        .audit
        .entries(&grant, &views, now())
        .await
        .expect("entries");
    assert_eq!(looked.len(), 6);
    assert!(
        looked
            .iter()
            .all(|e| e.actor == dpo.reference().audit_name())
    );
    let verify = policy::authorize::<VerifyAudit>(&Actor::Operator, a.id, now()).expect("verify");
    assert_eq!(
        audit::verify_chain(&storage.audit.chain(&verify).await.expect("chain")),
        Ok(11)
    );
}

pub async fn leadership_sets_roles_groups_and_periods(storage: &Storage) {
    use signaal_domain::staff::StaffAccess;
    let (a, b) = (
        school(storage, "access-a").await,
        school(storage, "access-b").await,
    );
    import(storage, &a, &demo::roster(20, 1, today())).await;
    import(storage, &b, &demo::roster(20, 1, today())).await;
    let groups_a = storage
        .rosters
        .groups(&read_grant(&a), today())
        .await
        .expect("groups");
    let groups_b = storage
        .rosters
        .groups(&read_grant(&b), today())
        .await
        .expect("groups");
    assert!(groups_a.len() >= 2 && !groups_b.is_empty());
    let manage: SchoolGrant<policy::ManageStaff> =
        policy::authorize(&leader(&a), a.id, now()).expect("leadership manages staff");
    let (teacher, _) = storage
        .staff_admin
        .add_staff(&manage, "juf@a.example", "Juf", Role::Teacher, now())
        .await
        .expect("add");

    // A group of another school is ignored, not linked.
    let access = StaffAccess::new(
        vec![Role::Teacher],
        vec![groups_a[0].id, groups_b[0].id],
        None,
    )
    .expect("valid");
    assert!(
        storage
            .staff_admin
            .set_access(&manage, teacher, &access, now())
            .await
            .expect("set")
    );
    let memberships = storage
        .staff_auth
        .memberships(teacher)
        .await
        .expect("memberships");
    assert_eq!(memberships.len(), 1);
    assert_eq!(memberships[0].groups, vec![groups_a[0].id]);

    // Teacher and advisor at once; the advisor role carries the period.
    let period = policy::Period {
        starts_at: now(),
        ends_at: now() + Duration::days(30),
    };
    let both = StaffAccess::new(
        vec![Role::Teacher, Role::Advisor],
        vec![groups_a[1].id],
        Some(period),
    )
    .expect("valid");
    assert!(
        storage
            .staff_admin
            .set_access(&manage, teacher, &both, now())
            .await
            .expect("set")
    );
    let mut memberships = storage
        .staff_auth
        .memberships(teacher)
        .await
        .expect("memberships");
    memberships.sort_by_key(|m| m.role);
    assert_eq!(memberships[0].role, Role::Teacher);
    assert_eq!(memberships[0].groups, vec![groups_a[1].id]);
    assert_eq!(memberships[0].period, None);
    assert_eq!(memberships[1].role, Role::Advisor);
    assert_eq!(memberships[1].period, Some(period));
    let listing = storage
        .staff_admin
        .school_staff(&manage, now())
        .await
        .expect("list");
    let person = listing
        .iter()
        .find(|l| l.staff.id == teacher)
        .expect("listed");
    assert_eq!(person.groups, vec![groups_a[1].id]);
    assert_eq!(person.period, Some(period));

    // Back to coordinator only: groups and period go.
    let coordinator = StaffAccess::new(vec![Role::Coordinator], vec![], None).expect("valid");
    assert!(
        storage
            .staff_admin
            .set_access(&manage, teacher, &coordinator, now())
            .await
            .expect("set")
    );
    let memberships = storage
        .staff_auth
        .memberships(teacher)
        .await
        .expect("memberships");
    assert_eq!(memberships.len(), 1);
    assert_eq!(
        (
            memberships[0].role,
            memberships[0].groups.len(),
            memberships[0].period
        ),
        (Role::Coordinator, 0, None)
    );

    // Someone without a role at the school is not touched.
    let manage_b: SchoolGrant<policy::ManageStaff> =
        policy::authorize(&leader(&b), b.id, now()).expect("leadership manages staff");
    assert!(
        !storage
            .staff_admin
            .set_access(&manage_b, teacher, &coordinator, now())
            .await
            .expect("set")
    );
    assert_eq!(
        storage
            .staff_auth
            .memberships(teacher)
            .await
            .expect("memberships")
            .len(),
        1
    );

    // One person: found at their own school (and the look recorded), not at another.
    let one = storage
        .staff_admin
        .staff_member(&manage, teacher, now())
        .await
        .expect("read");
    assert_eq!(one.map(|l| l.roles), Some(vec![Role::Coordinator]));
    assert_eq!(
        storage
            .staff_admin
            .staff_member(&manage_b, teacher, now())
            .await
            .expect("read"),
        None
    );
    let chain_b = chain_actions(storage, &b).await;
    assert!(!chain_b.iter().any(|(action, _, _)| action == "staff.view"));
    let chain_a = chain_actions(storage, &a).await;
    assert!(chain_a.contains(&(
        "staff.view".to_owned(),
        format!("staff:{teacher}"),
        "ok".to_owned()
    )));

    let read_audit: SchoolGrant<policy::ReadAudit> =
        policy::authorize(&leader(&a), a.id, now()).expect("leadership reads the audit");
    let filter = crate::AuditFilter {
        action: Some("staff.access_set".into()),
        limit: 10,
        ..Default::default()
    };
    let entries = storage
        .audit
        .entries(&read_audit, &filter, now())
        .await
        .expect("entries");
    let outcomes: Vec<&str> = entries.iter().map(|e| e.outcome.as_str()).collect();
    assert_eq!(
        outcomes,
        [
            "roles=coordinator groups=0 period=none",
            "roles=teacher,advisor groups=1 period=set",
            "roles=teacher groups=1 period=none",
        ]
    );
}

pub async fn a_school_sets_its_idle_limit_and_statement_versions(storage: &Storage) {
    let a = school(storage, "settings-a").await;
    assert_eq!(a.idle_minutes, 15, "the default");
    let configure: SchoolGrant<policy::ConfigureSchool> =
        policy::authorize(&leader(&a), a.id, now()).expect("leadership configures");
    storage
        .directory
        .set_idle_minutes(&configure, 5, now())
        .await
        .expect("set");
    let found = storage
        .directory
        .school_by_id(a.id)
        .await
        .expect("read")
        .expect("school");
    assert_eq!(found.idle_minutes, 5);
    assert!(
        storage
            .directory
            .set_idle_minutes(&configure, 7, now())
            .await
            .is_err(),
        "only the offered choices"
    );
    assert_eq!(
        storage.staff_auth.statement(a.id).await.expect("read"),
        None
    );
    let first = storage
        .staff_auth
        .publish_statement(&configure, "Eerste tekst", now())
        .await
        .expect("publish");
    let second = storage
        .staff_auth
        .publish_statement(&configure, "Tweede tekst", now())
        .await
        .expect("publish");
    assert_eq!((first, second), (2, 3), "version 1 is the default text");
    let current = storage
        .staff_auth
        .statement(a.id)
        .await
        .expect("read")
        .expect("stored");
    assert_eq!(
        (current.version, current.body.as_str()),
        (3, "Tweede tekst")
    );
    let chain = storage
        .audit
        .chain(&policy::authorize(&Actor::Operator, a.id, now()).expect("verify grant"))
        .await
        .expect("chain");
    let actions: Vec<&str> = chain.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "school.created",
            "school.idle_minutes_set",
            "statement.published",
            "statement.published"
        ]
    );
}

pub(crate) async fn staff_at(
    storage: &Storage,
    school: &School,
    email: &str,
    role: Role,
) -> signaal_domain::StaffId {
    staff_named(storage, school, email, email, role).await
}

/// A real staff account with a display name and one role at the school.
pub(crate) async fn staff_named(
    storage: &Storage,
    school: &School,
    email: &str,
    display_name: &str,
    role: Role,
) -> signaal_domain::StaffId {
    let directory = policy::authorize_directory(&Actor::Operator).expect("grant");
    let new = NewStaff {
        email: email.into(),
        display_name: display_name.into(),
        is_provider_admin: false,
    };
    let staff = storage
        .directory
        .create_staff(&directory, &new, now())
        .await
        .expect("staff");
    storage
        .directory
        .assign_role(&directory, staff.id, school.id, role, now())
        .await
        .expect("role");
    staff.id
}

/// The whole verified chain of the school as (action, subject, outcome).
pub(crate) async fn chain_entries(
    storage: &Storage,
    school: &School,
) -> Vec<(String, String, String)> {
    let verify =
        policy::authorize::<VerifyAudit>(&Actor::Operator, school.id, now()).expect("verify");
    let chain = storage.audit.chain(&verify).await.expect("chain");
    assert!(audit::verify_chain(&chain).is_ok(), "the chain holds");
    chain
        .into_iter()
        .map(|e| (e.action, e.subject, e.outcome))
        .collect()
}

pub(crate) async fn chain_actions(
    storage: &Storage,
    school: &School,
) -> Vec<(String, String, String)> {
    // Everything after the school's creation, which every chain starts with.
    chain_entries(storage, school)
        .await
        .into_iter()
        .filter(|(action, _, _)| action != "school.created")
        .collect()
}

pub async fn api_tokens_are_kept_by_hash_per_account_and_audited(storage: &Storage) {
    use crate::api_tokens::NewApiToken;
    use signaal_domain::auth::api_token::{ApiScope, Scopes};
    let a = school(storage, "tokens-a").await;
    let anna = staff_at(storage, &a, "anna@tokens-a.example", Role::Leadership).await;
    let bob = staff_at(storage, &a, "bob@tokens-a.example", Role::Teacher).await;
    let tokens = &storage.api_tokens;
    let new = NewApiToken {
        staff: anna,
        name: "Koppeling met het rooster ✓".into(),
        scopes: Scopes::new([ApiScope::StaffRead, ApiScope::AuditRead]),
        expires_at: now() + Duration::days(90),
    };
    let first = tokens
        .create_token([1; 32], &new, now())
        .await
        .expect("create");
    assert_eq!(
        (
            first.staff,
            first.name.as_str(),
            first.created_at,
            first.last_used_on
        ),
        (anna, "Koppeling met het rooster ✓", now(), None)
    );
    let later = now() + Duration::hours(1);
    let second = tokens
        .create_token(
            [2; 32],
            &NewApiToken {
                scopes: Scopes::new([ApiScope::RosterRead]),
                ..new.clone()
            },
            later,
        )
        .await
        .expect("create");
    // The same hash twice is refused (a token is unique).
    assert!(tokens.create_token([1; 32], &new, now()).await.is_err());

    let found = tokens
        .token_by_hash([1; 32])
        .await
        .expect("read")
        .expect("found");
    assert_eq!(found, first);
    assert_eq!(found.scopes.codes(), "staff:read audit:read");
    assert_eq!(tokens.token_by_hash([9; 32]).await.expect("read"), None);
    let listed = tokens.tokens_of(anna).await.expect("list");
    assert_eq!(listed, vec![second.clone(), first.clone()], "newest first");
    assert!(tokens.tokens_of(bob).await.expect("list").is_empty());

    // Use is noted by the day only.
    tokens.token_used(first.id, today()).await.expect("used");
    tokens
        .token_used(first.id, today())
        .await
        .expect("used again");
    let used = tokens
        .token_by_hash([1; 32])
        .await
        .expect("read")
        .expect("found");
    assert_eq!(used.last_used_on, Some(today()));
    tokens
        .token_used(first.id, today() + Duration::days(1))
        .await
        .expect("used the next day");
    assert_eq!(
        tokens
            .token_by_hash([1; 32])
            .await
            .expect("read")
            .expect("found")
            .last_used_on,
        Some(today() + Duration::days(1))
    );

    // Only the owner revokes; then the token is gone.
    assert!(
        !tokens
            .revoke_token(bob, first.id, now())
            .await
            .expect("revoke")
    );
    assert!(tokens.token_by_hash([1; 32]).await.expect("read").is_some());
    assert!(
        tokens
            .revoke_token(anna, first.id, now())
            .await
            .expect("revoke")
    );
    assert!(
        !tokens
            .revoke_token(anna, first.id, now())
            .await
            .expect("revoke"),
        "once"
    );
    assert_eq!(tokens.token_by_hash([1; 32]).await.expect("read"), None);
    assert_eq!(
        tokens.tokens_of(anna).await.expect("list"),
        vec![second.clone()]
    );

    // Audited in the account's school, with ids and scopes but never the name or the hash.
    let entries = chain_actions(storage, &a).await;
    let token_entries: Vec<&(String, String, String)> = entries
        .iter()
        .filter(|(action, _, _)| action.starts_with("staff.token"))
        .collect();
    assert_eq!(
        token_entries,
        vec![
            &(
                "staff.token_created".to_owned(),
                format!("staff:{anna}"),
                format!(
                    "token={} scopes=staff:read,audit:read expires=2027-02-22",
                    first.id
                )
            ),
            &(
                "staff.token_created".to_owned(),
                format!("staff:{anna}"),
                format!("token={} scopes=roster:read expires=2027-02-22", second.id)
            ),
            &(
                "staff.token_revoked".to_owned(),
                format!("staff:{anna}"),
                format!("token={}", first.id)
            ),
        ]
    );
    assert!(
        entries
            .iter()
            .all(|(_, _, outcome)| !outcome.contains("Koppeling"))
    );
}

pub async fn a_password_reset_revokes_the_accounts_tokens(storage: &Storage) {
    use crate::api_tokens::NewApiToken;
    use crate::staff_auth::LinkPurpose;
    use signaal_domain::auth::api_token::{ApiScope, Scopes};
    let a = school(storage, "tokens-reset").await;
    let cas = staff_at(storage, &a, "cas@tokens-reset.example", Role::Coordinator).await;
    let other = staff_at(storage, &a, "ali@tokens-reset.example", Role::Coordinator).await;
    for (hash, staff) in [([4; 32], cas), ([5; 32], cas), ([6; 32], other)] {
        let new = NewApiToken {
            staff,
            name: "x".into(),
            scopes: Scopes::new([ApiScope::RosterRead]),
            expires_at: now() + Duration::days(7),
        };
        storage
            .api_tokens
            .create_token(hash, &new, now())
            .await
            .expect("create");
    }
    let auth = &storage.staff_auth;
    auth.create_link(
        policy::ActorRef::Operator,
        [7; 32],
        cas,
        LinkPurpose::Reset,
        now(),
    )
    .await
    .expect("link");
    assert!(
        auth.redeem_link([7; 32], "new-hash", now())
            .await
            .expect("redeem")
    );
    for (hash, kept) in [([4; 32], false), ([5; 32], false), ([6; 32], true)] {
        let found = storage.api_tokens.token_by_hash(hash).await.expect("read");
        assert_eq!(found.is_some(), kept, "token {}", hash[0]);
    }
    let actions = chain_actions(storage, &a).await;
    assert!(
        actions
            .iter()
            .any(|(action, _, outcome)| action == "staff.password_set"
                && outcome == "tokens_revoked=2"),
        "{actions:?}"
    );
}

pub async fn a_deactivated_accounts_tokens_are_removed(storage: &Storage) {
    use crate::api_tokens::NewApiToken;
    use signaal_domain::auth::api_token::{ApiScope, Scopes};
    let a = school(storage, "tokens-b").await;
    let b = school(storage, "tokens-c").await;
    let leader = staff_at(storage, &a, "leider@tokens-b.example", Role::Leadership).await;
    let grant_a = policy::authorize::<policy::ManageStaff>(
        &Actor::Staff(policy::StaffActor {
            id: leader,
            is_provider_admin: false,
            memberships: vec![policy::Membership::new(a.id, Role::Leadership)],
        }),
        a.id,
        now(),
    )
    .expect("leadership manages staff");
    let cas = staff_at(storage, &a, "cas@tokens-b.example", Role::Coordinator).await;
    let directory = policy::authorize_directory(&Actor::Operator).expect("grant");
    storage
        .directory
        .assign_role(&directory, cas, b.id, Role::Teacher, now())
        .await
        .expect("a role at a second school");
    let new = NewApiToken {
        staff: cas,
        name: "x".into(),
        scopes: Scopes::new([ApiScope::RosterRead]),
        expires_at: now() + Duration::days(7),
    };
    storage
        .api_tokens
        .create_token([3; 32], &new, now())
        .await
        .expect("create");
    // Removed from one school, still at another: the token stays (the policy decides what it reaches).
    assert!(
        storage
            .staff_admin
            .remove_staff(&grant_a, cas, now())
            .await
            .expect("remove")
    );
    assert!(
        storage
            .api_tokens
            .token_by_hash([3; 32])
            .await
            .expect("read")
            .is_some()
    );
    // Without any role left the account is deactivated, and its tokens are gone.
    let grant_b = policy::authorize::<policy::ManageStaff>(&Actor::Operator, b.id, now())
        .expect("the operator manages staff");
    assert!(
        storage
            .staff_admin
            .remove_staff(&grant_b, cas, now())
            .await
            .expect("remove")
    );
    assert_eq!(
        storage
            .api_tokens
            .token_by_hash([3; 32])
            .await
            .expect("read"),
        None
    );
    assert!(
        storage
            .api_tokens
            .tokens_of(cas)
            .await
            .expect("list")
            .is_empty()
    );
}

pub async fn refused_attempts_are_recorded_where_they_were_aimed(storage: &Storage) {
    let a = school(storage, "refused-a").await;
    let b = school(storage, "refused-b").await;
    let leader_of_a = leader(&a);
    let refusal = policy::authorize_or_refuse::<policy::ManageStaff>(&leader_of_a, b.id, now())
        .expect_err("another school's staff is refused");
    storage
        .audit
        .record_refusal(&refusal, now())
        .await
        .expect("recorded");
    let recorded = chain_actions(storage, &b).await;
    assert_eq!(
        recorded,
        vec![(
            "denied.manage_staff".to_owned(),
            format!("school:{}", b.id),
            "denied".to_owned()
        )]
    );
    let verify = policy::authorize::<VerifyAudit>(&Actor::Operator, b.id, now()).expect("verify");
    let chain = storage.audit.chain(&verify).await.expect("chain");
    assert_eq!(chain[1].actor, leader_of_a.reference().audit_name());
    assert!(
        chain_actions(storage, &a).await.is_empty(),
        "nothing in the asker's own school"
    );
    // A school that does not exist: the same quiet answer, and nothing written anywhere.
    let nowhere = policy::authorize_or_refuse::<policy::ReadAudit>(
        &leader_of_a,
        signaal_domain::SchoolId::new(),
        now(),
    )
    .expect_err("refused");
    storage
        .audit
        .record_refusal(&nowhere, now())
        .await
        .expect("quiet");
    assert_eq!(chain_actions(storage, &b).await.len(), 1);
    assert!(chain_actions(storage, &a).await.is_empty());
}

pub async fn intake_opens_the_schools_new_reports_and_records_each_look(storage: &Storage) {
    let (a, b) = (
        school(storage, "intake-a").await,
        school(storage, "intake-b").await,
    );
    let submitted = storage
        .reports
        .submit(a.id, &sample_report("Sem"), receipt_hash(1), now())
        .await
        .expect("submit");
    storage
        .reports
        .reporter_message(a.id, receipt_hash(1), "Het gebeurde weer.", now())
        .await
        .expect("message");
    let coordinator = |school: &School| {
        Actor::Staff(policy::StaffActor {
            id: signaal_domain::StaffId::new(),
            is_provider_admin: false,
            memberships: vec![policy::Membership::new(school.id, Role::Coordinator)],
        })
    };
    let grant_a: SchoolGrant<policy::ModerateReports> =
        policy::authorize(&coordinator(&a), a.id, now()).expect("coordinators do intake");
    let queue = storage
        .reports
        .intake_queue(&grant_a, 50, now())
        .await
        .expect("queue");
    assert_eq!(queue.len(), 1);
    let report = &queue[0];
    assert_eq!(report.id, submitted.id);
    assert_eq!(report.description, "Ze lachen Noor elke pauze uit.");
    assert_eq!(report.contact.as_deref(), Some("Lisa, groep 6"));
    assert_eq!(report.categories, ["online", "verbal"]);
    assert_eq!(
        (report.place.as_str(), report.frequency.as_str()),
        ("schoolyard", "several_times")
    );
    let names: Vec<(bool, Option<&str>, Option<&str>)> = report
        .people
        .iter()
        .map(|p| (p.did_it, p.name.as_deref(), p.group.as_deref()))
        .collect();
    assert_eq!(
        names,
        [(true, Some("Sem"), Some("6b")), (false, Some("Noor"), None)]
    );
    assert_eq!(report.messages.len(), 1);
    let one = storage
        .reports
        .intake_report(&grant_a, submitted.id, now())
        .await
        .expect("read")
        .expect("the school's own report");
    assert_eq!(&one, report);

    // Another school's coordinator does not find it, and nothing is read or recorded there.
    let grant_b: SchoolGrant<policy::ModerateReports> =
        policy::authorize(&coordinator(&b), b.id, now()).expect("coordinators do intake");
    assert_eq!(
        storage
            .reports
            .intake_report(&grant_b, submitted.id, now())
            .await
            .expect("read"),
        None
    );
    assert!(
        storage
            .reports
            .intake_queue(&grant_b, 50, now())
            .await
            .expect("queue")
            .is_empty()
    );
    let actions = |chain: Vec<(String, String, String)>| -> Vec<String> {
        chain.into_iter().map(|(action, _, _)| action).collect()
    };
    assert_eq!(
        actions(chain_actions(storage, &a).await),
        ["report.list", "report.view"]
    );
    assert_eq!(actions(chain_actions(storage, &b).await), ["report.list"]);
    // The audit holds ids and counts, never the text or a name.
    for (_, subject, outcome) in chain_actions(storage, &a).await {
        assert!(
            !subject.contains("Noor") && !outcome.contains("Noor") && !outcome.contains("pauze")
        );
    }
}
