//! The conformance cases of privacy requests, registers and settings, run on both backends like
//! [`conformance`](crate::conformance): `privacy_conformance_suite!(fresh)`.

// This module is test code that happens to live in a library so both backends can run it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use chrono::{Duration, NaiveDate};
use signaal_domain::policy::{self, Actor, ManagePrivacy, ReadPrivacy, SchoolGrant, VerifyAudit};
use signaal_domain::privacy::{
    BreachRisk, DataCategory, Decision, ExtensionError, LegalGround, RequestKind, Requester,
    RetentionPolicy,
};
use signaal_domain::school::{Pupil, School};
use signaal_domain::staff::Role;
use signaal_domain::{StaffId, demo};

use crate::Storage;
use crate::conformance::{chain_entries, now, pupils_after_import, school_of_board, staff_named};
use crate::privacy::{
    Breach, BreachUpdate, Change, Disclosure, Extension, NewRequest, PrivacySettings,
    RegisterRefusal,
};

/// Generates one `#[tokio::test]` per privacy case, each on a fresh database from `$fresh`.
#[macro_export]
macro_rules! privacy_conformance_suite {
    ($fresh:path) => {
        $crate::privacy_conformance_cases!($fresh;
            privacy_settings_default_to_the_spec_and_changes_are_audited,
            a_request_is_registered_extended_and_decided_within_its_school,
            disclosures_and_breaches_are_registered_sealed_and_audited,
            reminders_are_claimed_once_a_day_per_active_leader,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! privacy_conformance_cases {
    ($fresh:path; $($case:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $case() {
            match $fresh().await {
                Some((storage, _guard)) => $crate::conformance_privacy::$case(&storage).await,
                None => eprintln!("skipped: this backend is not configured"),
            }
        }
    )*};
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("date")
}

struct World {
    school: School,
    leader: Actor,
    leader_id: StaffId,
    dpo: Actor,
    pupils: Vec<Pupil>,
}

async fn world(storage: &Storage, slug: &str) -> World {
    let school = school_of_board(storage, &format!("Stichting {slug}"), slug).await;
    let mut actors = Vec::new();
    for role in [Role::Leadership, Role::DataProtectionOfficer] {
        let email = format!("{}@{slug}.test", role.as_str());
        let id = staff_named(storage, &school, &email, role.as_str(), role).await;
        actors.push((
            id,
            Actor::Staff(policy::StaffActor {
                id,
                is_provider_admin: false,
                memberships: vec![policy::Membership::new(school.id, role)],
            }),
        ));
    }
    let roster = demo::roster(12, 1, now().date_naive());
    let pupils = pupils_after_import(storage, &school, &roster).await;
    let (leader_id, leader) = actors.remove(0);
    World {
        school,
        leader,
        leader_id,
        dpo: actors.remove(0).1,
        pupils,
    }
}

impl World {
    fn manage(&self) -> SchoolGrant<ManagePrivacy> {
        policy::authorize(&self.leader, self.school.id, now()).expect("leadership manages")
    }
    fn read_as_dpo(&self) -> SchoolGrant<ReadPrivacy> {
        policy::authorize(&self.dpo, self.school.id, now()).expect("the DPO reads")
    }
    fn pupil_born(&self) -> &Pupil {
        self.pupils
            .iter()
            .find(|p| p.date_of_birth.is_some())
            .expect("a pupil with a date of birth")
    }
}

async fn audit_actions(storage: &Storage, world: &World) -> Vec<(String, String, String)> {
    chain_entries(storage, &world.school).await
}

fn new_request(pupil: &Pupil, received_on: NaiveDate) -> NewRequest {
    NewRequest {
        pupil: pupil.id,
        kind: RequestKind::Access,
        received_on,
        requester_name: "Mevrouw Jansen-Bakker".into(),
        details: Some("Wil weten wat er over haar dochter is gemeld".into()),
        verification: "Paspoort getoond aan de balie, niet gekopieerd".into(),
        verified_by: "Directeur De Vries".into(),
        requester_if_unknown: None,
    }
}

pub async fn privacy_settings_default_to_the_spec_and_changes_are_audited(storage: &Storage) {
    let world = world(storage, "instellingen").await;
    let settings = storage
        .privacy
        .privacy_settings(world.school.id)
        .await
        .expect("settings");
    assert_eq!(settings.retention, RetentionPolicy::default());
    assert_eq!(settings.updated_at, None);
    let configure = policy::authorize(&world.leader, world.school.id, now()).expect("configure");
    let changed = PrivacySettings {
        retention: RetentionPolicy::from_values([6, 12, 3, 14, 0, 5]).expect("in bounds"),
        school_contact: "Schoolstraat 1, 1234 AB Dorp; privacy@school.test".into(),
        dpo_name: "Mr. A. Visser".into(),
        dpo_contact: "fg@bestuur.test".into(),
        updated_at: None,
    };
    storage
        .privacy
        .set_privacy_settings(&configure, &changed, now())
        .await
        .expect("saved");
    let stored = storage
        .privacy
        .privacy_settings(world.school.id)
        .await
        .expect("settings");
    assert_eq!(stored.retention, changed.retention);
    assert_eq!(stored.dpo_name, "Mr. A. Visser");
    assert_eq!(stored.updated_at, Some(now()));
    // A second save replaces the first.
    storage
        .privacy
        .set_privacy_settings(&configure, &PrivacySettings::default(), now())
        .await
        .expect("saved again");
    assert_eq!(
        storage
            .privacy
            .privacy_settings(world.school.id)
            .await
            .expect("settings")
            .retention,
        RetentionPolicy::default()
    );
    let audit = audit_actions(storage, &world).await;
    let saved: Vec<&String> = audit
        .iter()
        .filter(|(a, _, _)| a == "privacy.settings")
        .map(|(_, _, o)| o)
        .collect();
    assert_eq!(
        saved,
        ["ok retention=6/12/3/14/0/5", "ok retention=12/12/6/30/0/5"]
    );
}

pub async fn a_request_is_registered_extended_and_decided_within_its_school(storage: &Storage) {
    let world = world(storage, "verzoeken").await;
    let other = world_other(storage).await;
    let pupil = world.pupil_born().clone();
    let received = day(2026, 1, 31);
    let record = storage
        .privacy
        .register_request(&world.manage(), &new_request(&pupil, received), now())
        .await
        .expect("stored")
        .expect("registered");
    assert_eq!(record.deadline, day(2026, 2, 28));
    assert_eq!(record.pupil, pupil.id);
    assert_eq!(
        Some(record.requester),
        signaal_domain::privacy::requester_on(pupil.date_of_birth, received)
    );
    assert_eq!(record.requester_name, "Mevrouw Jansen-Bakker");
    // Another school's pupil is not found; neither is a pupil that does not exist.
    let foreign = other.pupils[0].clone();
    assert_eq!(
        storage
            .privacy
            .register_request(&world.manage(), &new_request(&foreign, received), now())
            .await
            .expect("stored"),
        Err(RegisterRefusal::UnknownPupil)
    );
    // The request is seen by the DPO of its school, not by another school.
    let seen = storage
        .privacy
        .request(&world.read_as_dpo(), record.id, now())
        .await
        .expect("read");
    assert_eq!(seen.as_ref().map(|r| r.id), Some(record.id));
    assert_eq!(
        storage
            .privacy
            .request(&other.read_as_dpo(), record.id, now())
            .await
            .expect("read"),
        None
    );
    assert_eq!(
        storage
            .privacy
            .extend_request(
                &other.manage(),
                record.id,
                &Extension {
                    months: 1,
                    notice_on: day(2026, 2, 2),
                    reason: "Veel gegevens".into()
                },
                day(2026, 2, 2),
                now()
            )
            .await
            .expect("extend"),
        Change::NotFound
    );
    // After the first month: refused.
    let extension = Extension {
        months: 2,
        notice_on: day(2026, 2, 20),
        reason: "Veel gegevens om na te lopen".into(),
    };
    assert_eq!(
        storage
            .privacy
            .extend_request(
                &world.manage(),
                record.id,
                &extension,
                day(2026, 3, 1),
                now()
            )
            .await
            .expect("extend"),
        Change::ExtensionRefused(ExtensionError::FirstMonthOver)
    );
    let Change::Done(extended) = storage
        .privacy
        .extend_request(
            &world.manage(),
            record.id,
            &extension,
            day(2026, 2, 20),
            now(),
        )
        .await
        .expect("extend")
    else {
        panic!("the extension within the first month is allowed")
    };
    assert_eq!(extended.extended_until, Some(day(2026, 4, 30)));
    assert_eq!(extended.due(), day(2026, 4, 30));
    assert_eq!(
        extended.extension_reason.as_deref(),
        Some("Veel gegevens om na te lopen")
    );
    assert_eq!(
        storage
            .privacy
            .extend_request(
                &world.manage(),
                record.id,
                &extension,
                day(2026, 2, 21),
                now()
            )
            .await
            .expect("extend"),
        Change::ExtensionRefused(ExtensionError::AlreadyExtended)
    );
    let Change::Done(decided) = storage
        .privacy
        .decide_request(
            &world.manage(),
            record.id,
            Decision::Partly,
            "Gegevens van andere kinderen blijven weg.",
            day(2026, 3, 10),
            now(),
        )
        .await
        .expect("decide")
    else {
        panic!("decided")
    };
    assert_eq!(decided.decision, Some(Decision::Partly));
    assert_eq!(decided.decided_on, Some(day(2026, 3, 10)));
    assert_eq!(
        storage
            .privacy
            .decide_request(
                &world.manage(),
                record.id,
                Decision::Granted,
                "Toch helemaal.",
                day(2026, 3, 11),
                now()
            )
            .await
            .expect("decide"),
        Change::AlreadyDecided
    );
    let list = storage
        .privacy
        .requests(&world.read_as_dpo(), now())
        .await
        .expect("list");
    assert_eq!(list.len(), 1);
    assert!(list[0].extended);
    assert_eq!(list[0].decision, Some(Decision::Partly));
    assert!(
        storage
            .privacy
            .requests(&other.read_as_dpo(), now())
            .await
            .expect("list")
            .is_empty()
    );
    // Every step is in the chain, with ids and codes only: no names, no text.
    let audit = audit_actions(storage, &world).await;
    let actions: Vec<&str> = audit
        .iter()
        .map(|(a, _, _)| a.as_str())
        .filter(|a| a.starts_with("request."))
        .collect();
    assert_eq!(
        actions,
        [
            "request.register",
            "request.view",
            "request.extend",
            "request.decide",
            "request.list"
        ]
    );
    for (action, subject, outcome) in &audit {
        for secret in ["Jansen", "Paspoort", "Veel gegevens", "andere kinderen"] {
            assert!(
                !subject.contains(secret) && !outcome.contains(secret),
                "{action} {subject} {outcome}"
            );
        }
    }
    // The chosen requester counts only where the roster has no date of birth.
    let conn_pupil = world
        .pupils
        .iter()
        .find(|p| p.id != pupil.id)
        .expect("another pupil")
        .clone();
    let mut unknown = new_request(&conn_pupil, received);
    unknown.kind = RequestKind::Erasure;
    unknown.requester_if_unknown = Some(Requester::Parent);
    let record = storage
        .privacy
        .register_request(&world.manage(), &unknown, now())
        .await
        .expect("stored")
        .expect("registered");
    assert_eq!(record.kind, RequestKind::Erasure);
    if conn_pupil.date_of_birth.is_some() {
        assert_eq!(
            Some(record.requester),
            signaal_domain::privacy::requester_on(conn_pupil.date_of_birth, received)
        );
    }
}

async fn world_other(storage: &Storage) -> World {
    world(storage, "andere-school").await
}

pub async fn disclosures_and_breaches_are_registered_sealed_and_audited(storage: &Storage) {
    let world = world(storage, "registers").await;
    let other = world_other(storage).await;
    let pupil = world.pupils[0].clone();
    let disclosure = Disclosure {
        id: uuid::Uuid::nil(),
        pupil: Some(pupil.id),
        pupil_name: None,
        recipient: "Veilig Thuis regio Noord".into(),
        legal_ground: LegalGround::LegalDuty,
        categories: vec![DataCategory::Names, DataCategory::Reports],
        disclosed_on: day(2026, 11, 20),
        purpose: "Meldcode huiselijk geweld".into(),
    };
    let id = storage
        .privacy
        .record_disclosure(&world.manage(), &disclosure, now())
        .await
        .expect("stored")
        .expect("recorded");
    // Another school's pupil is refused.
    let mut foreign = disclosure.clone();
    foreign.pupil = Some(other.pupils[0].id);
    assert_eq!(
        storage
            .privacy
            .record_disclosure(&world.manage(), &foreign, now())
            .await
            .expect("stored"),
        None
    );
    let list = storage
        .privacy
        .disclosures(&world.read_as_dpo(), now())
        .await
        .expect("list");
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].id, id);
    assert_eq!(list[0].recipient, "Veilig Thuis regio Noord");
    assert_eq!(list[0].pupil_name, Some(pupil.name.full()));
    assert_eq!(list[0].categories, disclosure.categories);
    assert!(
        storage
            .privacy
            .disclosures(&other.read_as_dpo(), now())
            .await
            .expect("list")
            .is_empty()
    );
    let breach = Breach {
        id: uuid::Uuid::nil(),
        discovered_at: now() - Duration::hours(5),
        description: "Een lijst met namen is naar de verkeerde ouder gemaild".into(),
        categories: vec![DataCategory::Names],
        people_count: 28,
        risk: BreachRisk::Risk,
        dpa_notified_at: None,
        not_notified_reason: Some("Nog in onderzoek".into()),
        parents_informed: false,
        measures: "Ontvanger gevraagd de mail te verwijderen".into(),
    };
    let breach_id = storage
        .privacy
        .record_breach(&world.manage(), &breach, now())
        .await
        .expect("recorded");
    let breaches = storage
        .privacy
        .breaches(&world.read_as_dpo(), now())
        .await
        .expect("list");
    assert_eq!(breaches.len(), 1);
    assert_eq!(breaches[0].id, breach_id);
    assert_eq!(breaches[0].description, breach.description);
    assert_eq!(breaches[0].people_count, 28);
    assert_eq!(breaches[0].discovered_at, breach.discovered_at);
    assert_eq!(
        breaches[0].not_notified_reason.as_deref(),
        Some("Nog in onderzoek")
    );
    // Notified later: the update is kept; another school cannot change or see it.
    let update = BreachUpdate {
        dpa_notified_at: Some(now() + Duration::hours(20)),
        not_notified_reason: None,
        parents_informed: true,
        measures: "Ontvanger heeft de mail verwijderd; ouders gebeld".into(),
    };
    assert!(
        !storage
            .privacy
            .update_breach(&other.manage(), breach_id, &update, now())
            .await
            .expect("update")
    );
    assert_eq!(
        storage
            .privacy
            .breach(&other.read_as_dpo(), breach_id, now())
            .await
            .expect("read"),
        None
    );
    assert!(
        storage
            .privacy
            .update_breach(&world.manage(), breach_id, &update, now())
            .await
            .expect("update")
    );
    let updated = storage
        .privacy
        .breach(&world.read_as_dpo(), breach_id, now())
        .await
        .expect("read")
        .expect("found");
    assert_eq!(updated.dpa_notified_at, update.dpa_notified_at);
    assert_eq!(updated.not_notified_reason, None);
    assert!(updated.parents_informed);
    assert_eq!(updated.measures, update.measures);
    assert_eq!(updated.description, breach.description);
    let audit = audit_actions(storage, &world).await;
    let actions: Vec<&str> = audit
        .iter()
        .map(|(a, _, _)| a.as_str())
        .filter(|a| a.starts_with("disclosure.") || a.starts_with("breach."))
        .collect();
    assert_eq!(
        actions,
        [
            "disclosure.record",
            "disclosure.list",
            "breach.record",
            "breach.list",
            "breach.update",
            "breach.view"
        ]
    );
    for (_, subject, outcome) in &audit {
        assert!(!outcome.contains("Veilig") && !subject.contains("Veilig"));
    }
}

pub async fn reminders_are_claimed_once_a_day_per_active_leader(storage: &Storage) {
    let world = world(storage, "herinneringen").await;
    let pupil = world.pupil_born().clone();
    let today = day(2026, 11, 24);
    // Due in 10 days: no reminder yet.
    storage
        .privacy
        .register_request(
            &world.manage(),
            &new_request(&pupil, today - Duration::days(20)),
            now(),
        )
        .await
        .expect("stored")
        .expect("registered");
    assert!(
        storage
            .privacy
            .claim_reminders(today, 5)
            .await
            .expect("claim")
            .is_empty()
    );
    // Due in 3 days: the leader (not the DPO) is reminded once that day.
    let due_soon = storage
        .privacy
        .register_request(
            &world.manage(),
            &new_request(&pupil, today - Duration::days(28)),
            now(),
        )
        .await
        .expect("stored")
        .expect("registered");
    let claimed = storage
        .privacy
        .claim_reminders(today, 5)
        .await
        .expect("claim");
    assert_eq!(claimed.len(), 1);
    assert_eq!(claimed[0].staff, world.leader_id);
    assert_eq!(
        claimed[0].schools,
        vec![(world.school.id, "School herinneringen".to_owned())]
    );
    assert!(
        storage
            .privacy
            .claim_reminders(today, 5)
            .await
            .expect("claim")
            .is_empty()
    );
    // A failed send gives the claim up: tried again the same day.
    storage
        .privacy
        .reminder_failed(&claimed[0])
        .await
        .expect("failed");
    let again = storage
        .privacy
        .claim_reminders(today, 5)
        .await
        .expect("claim");
    assert_eq!(again.len(), 1);
    storage
        .privacy
        .reminder_sent(&again[0], now())
        .await
        .expect("sent");
    assert!(
        storage
            .privacy
            .claim_reminders(today, 5)
            .await
            .expect("claim")
            .is_empty()
    );
    // The next day again; once decided, no more.
    let tomorrow = today + Duration::days(1);
    assert_eq!(
        storage
            .privacy
            .claim_reminders(tomorrow, 5)
            .await
            .expect("claim")
            .len(),
        1
    );
    storage
        .privacy
        .decide_request(
            &world.manage(),
            due_soon.id,
            Decision::Granted,
            "Alles toegestuurd.",
            tomorrow,
            now(),
        )
        .await
        .expect("decided");
    let later = today + Duration::days(2);
    assert!(
        storage
            .privacy
            .claim_reminders(later, 5)
            .await
            .expect("claim")
            .is_empty()
    );
    let audit = audit_actions(storage, &world).await;
    let mails: Vec<(&str, &str)> = audit
        .iter()
        .filter(|(a, _, _)| a == "mail.request_reminder")
        .map(|(_, s, o)| (s.as_str(), o.as_str()))
        .collect();
    assert_eq!(
        mails,
        [(format!("staff:{}", world.leader_id).as_str(), "ok")]
    );
    // A leader of two schools with requests due gets one reminder a day, naming both (and it is
    // recorded in both schools' chains).
    let second = world_other(storage).await;
    let directory = policy::authorize_directory(&Actor::Operator).expect("grant");
    storage
        .directory
        .assign_role(
            &directory,
            world.leader_id,
            second.school.id,
            Role::Leadership,
            now(),
        )
        .await
        .expect("role");
    let two_schools = Actor::Staff(policy::StaffActor {
        id: world.leader_id,
        is_provider_admin: false,
        memberships: vec![policy::Membership::new(second.school.id, Role::Leadership)],
    });
    let manage_second: SchoolGrant<ManagePrivacy> =
        policy::authorize(&two_schools, second.school.id, now()).expect("manage");
    let fourth = today + Duration::days(3);
    for (grant, pupil) in [
        (world.manage(), world.pupil_born().clone()),
        (manage_second, second.pupil_born().clone()),
    ] {
        storage
            .privacy
            .register_request(
                &grant,
                &new_request(&pupil, fourth - Duration::days(29)),
                now(),
            )
            .await
            .expect("stored")
            .expect("registered");
    }
    let owed = storage
        .privacy
        .claim_reminders(fourth, 5)
        .await
        .expect("claim");
    let mine: Vec<_> = owed.iter().filter(|r| r.staff == world.leader_id).collect();
    assert_eq!(mine.len(), 1, "one mail for both schools");
    let mut names: Vec<&str> = mine[0].schools.iter().map(|(_, n)| n.as_str()).collect();
    names.sort_unstable();
    assert_eq!(names, ["School andere-school", "School herinneringen"]);
    storage
        .privacy
        .reminder_sent(mine[0], now())
        .await
        .expect("sent");
    for school in [world.school.id, second.school.id] {
        let grant: SchoolGrant<VerifyAudit> =
            policy::authorize(&Actor::Operator, school, now()).expect("verify");
        let sent = storage
            .audit
            .chain(&grant)
            .await
            .expect("chain")
            .iter()
            .filter(|e| {
                e.action == "mail.request_reminder"
                    && e.subject == format!("staff:{}", world.leader_id)
            })
            .count();
        assert!(sent >= 1, "recorded at {school}");
    }
}

/// One disclosure and one breach at a school of their own (data for other suites, such as the
/// re-encryption cases).
pub(crate) async fn seed_registers(storage: &Storage, slug: &str) {
    let world = world(storage, slug).await;
    let disclosure = Disclosure {
        id: uuid::Uuid::nil(),
        pupil: Some(world.pupils[0].id),
        pupil_name: None,
        recipient: "Veilig Thuis regio Noord".into(),
        legal_ground: LegalGround::LegalDuty,
        categories: vec![DataCategory::Names],
        disclosed_on: day(2026, 11, 20),
        purpose: "Meldcode huiselijk geweld".into(),
    };
    storage
        .privacy
        .record_disclosure(&world.manage(), &disclosure, now())
        .await
        .expect("stored")
        .expect("recorded");
    let breach = Breach {
        id: uuid::Uuid::nil(),
        discovered_at: now() - Duration::hours(5),
        description: "Een lijst met namen is naar de verkeerde ouder gemaild".into(),
        categories: vec![DataCategory::Names],
        people_count: 28,
        risk: BreachRisk::Risk,
        dpa_notified_at: None,
        not_notified_reason: Some("Nog in onderzoek".into()),
        parents_informed: false,
        measures: "Ontvanger gevraagd de mail te verwijderen".into(),
    };
    storage
        .privacy
        .record_breach(&world.manage(), &breach, now())
        .await
        .expect("recorded");
}
