//! The conformance cases of re-encryption (`signaal keys rotate --reencrypt`), run on both backends:
//! `reencrypt_conformance_suite!(fresh)`, where `fresh` also returns the database's master key (the
//! cases unwrap the stored school keys themselves, to try the old key on every stored value).

// This module is test code that happens to live in a library so both backends can run it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet};

use chrono::Duration;
use signaal_domain::SchoolId;
use signaal_domain::policy::{self, Actor, VerifyAudit};
use signaal_domain::secrets::{DataKey, MasterKey};

use signaal_domain::overview::signals::SignalKind;
use signaal_domain::staff::Role;

use crate::Storage;
use crate::conformance::{now, receipt_hash, sample_report, school};
use crate::overview::SignalSubject;
use crate::reencrypt::{ReencryptOptions, SealedValue};
use crate::sql::reencrypt::SEALED;

/// Generates one `#[tokio::test]` per re-encryption case, each on a fresh database from `$fresh`
/// (`Option<(Storage, Guard, MasterKey)>`).
#[macro_export]
macro_rules! reencrypt_conformance_suite {
    ($fresh:path) => {
        $crate::reencrypt_conformance_cases!($fresh;
            every_sealed_value_is_sealed_again_with_the_new_key,
            a_run_cut_off_half_way_reads_throughout_and_finishes_on_the_next,
            reports_submitted_while_it_runs_all_read_back,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! reencrypt_conformance_cases {
    ($fresh:path; $($case:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $case() {
            match $fresh().await {
                Some((storage, _guard, master)) => {
                    $crate::conformance_reencrypt::$case(&storage, &master).await
                }
                None => eprintln!("skipped: this backend is not configured"),
            }
        }
    )*};
}

/// One school's keys as stored, unwrapped with the master key.
struct Unwrapped {
    current: DataKey,
    previous: Option<DataKey>,
}

async fn school_keys(storage: &Storage, master: &MasterKey) -> BTreeMap<SchoolId, Unwrapped> {
    storage
        .keys
        .stored_school_keys()
        .await
        .expect("stored keys")
        .into_iter()
        .map(|stored| {
            let owner = *stored.school.as_uuid().as_bytes();
            let unwrap = |wrapped: &[u8]| master.unwrap(wrapped, &owner).expect("unwraps");
            let keys = Unwrapped {
                current: unwrap(&stored.wrapped),
                previous: stored.previous.as_deref().map(unwrap),
            };
            (stored.school, keys)
        })
        .collect()
}

type Place = (SchoolId, &'static str, uuid::Uuid, String);

/// Every stored sealed value: its place, the value, and the school.
async fn stored_values(
    storage: &Storage,
    schools: impl Iterator<Item = SchoolId>,
) -> Vec<(SchoolId, SealedValue)> {
    let mut all = Vec::new();
    for school in schools {
        for value in storage.keys.sealed_values(school).await.expect("values") {
            all.push((school, value));
        }
    }
    all
}

fn opens(key: &DataKey, school: SchoolId, value: &SealedValue) -> Option<String> {
    key.open_text(&value.place(school), &value.sealed).ok()
}

/// Every sealed value opened with the key it was sealed with (current or previous), and how
/// many opened with each.
async fn plaintexts(
    storage: &Storage,
    master: &MasterKey,
) -> (BTreeMap<Place, String>, usize, usize) {
    let keys = school_keys(storage, master).await;
    let (mut current, mut previous) = (0, 0);
    let mut texts = BTreeMap::new();
    for (school, value) in stored_values(storage, keys.keys().copied()).await {
        let key = &keys[&school];
        let text = match opens(&key.current, school, &value) {
            Some(text) => {
                current += 1;
                text
            }
            None => {
                previous += 1;
                opens(
                    key.previous.as_ref().expect("a previous key"),
                    school,
                    &value,
                )
                .unwrap_or_else(|| panic!("{} of {} opens", value.column, value.record))
            }
        };
        texts.insert((school, value.column, value.record, value.field), text);
    }
    (texts, current, previous)
}

fn reencrypt_audits(storage: &Storage, school: SchoolId) -> impl Future<Output = Vec<String>> {
    let storage = storage.clone();
    async move {
        let verify =
            policy::authorize::<VerifyAudit>(&Actor::Operator, school, now()).expect("verify");
        let chain = storage.audit.chain(&verify).await.expect("chain");
        assert!(
            signaal_domain::audit::verify_chain(&chain).is_ok(),
            "the chain holds"
        );
        chain
            .into_iter()
            .filter(|e| e.action == "keys.reencrypt")
            .map(|e| format!("{} {} {}", e.actor, e.subject, e.outcome))
            .collect()
    }
}

/// Data in every sealed column, at several schools, by running other conformance cases.
async fn seed_everything(storage: &Storage) {
    crate::conformance_privacy::a_request_is_registered_extended_and_decided_within_its_school(
        storage,
    )
    .await;
    crate::conformance_privacy::seed_registers(storage, "registers-sleutel").await;
    crate::conformance_rights::a_correction_changes_a_report_text_and_a_logbook_entry_of_the_pupil_only(storage).await;
    crate::conformance_cases::cases_change_with_versions_and_stay_in_their_school(storage).await;
    crate::conformance_intake::approval_waits_until_every_hit_and_name_is_resolved(storage).await;
    crate::conformance_intake::the_school_writes_to_the_reporter_and_needs_verification_is_kept(
        storage,
    )
    .await;
    // A report with a verification note.
    let intake = crate::conformance_intake::Fixture::new(storage, "controle").await;
    let report = intake.submit(storage, 77).await;
    storage
        .intake
        .set_verification(
            &intake.grant(),
            report,
            Some("Navragen bij de juf."),
            1,
            now(),
        )
        .await
        .expect("note");
    // A signal acknowledged with a note.
    let (school, pupils) = crate::conformance_cases::school_with_pupils(storage, "signaal").await;
    let leader = crate::conformance_cases::staff(
        storage,
        &school,
        "directie@signaal.test",
        Role::Leadership,
    )
    .await;
    let leader = crate::conformance_cases::actor_with(leader, &school, Role::Leadership, vec![]);
    let read = policy::authorize(&leader, school.id, now()).expect("leadership reads");
    for kind in [SignalKind::DidIt, SignalKind::Hurt] {
        let acknowledged = storage
            .overview
            .acknowledge(
                &read,
                SignalSubject::Pupil(pupils[0].id),
                kind,
                "Besproken met ouders.",
                now(),
            )
            .await
            .expect("acknowledge");
        assert!(acknowledged);
    }
}

pub async fn every_sealed_value_is_sealed_again_with_the_new_key(
    storage: &Storage,
    master: &MasterKey,
) {
    seed_everything(storage).await;
    // Two reports naming Sem within the burst window: a third after the re-encryption must still
    // be recognised (the name fingerprints are computed again with the new key).
    let burst = school(storage, "drie-meldingen").await;
    for (hash, minutes) in [(201, 0), (202, 30)] {
        let submitted = storage
            .reports
            .submit(
                burst.id,
                &sample_report("Sem de Vries"),
                receipt_hash(hash),
                now() + Duration::minutes(minutes),
            )
            .await
            .expect("submit");
        assert!(!submitted.burst);
    }

    let before = school_keys(storage, master).await;
    assert!(before.len() >= 5, "several schools have keys");
    assert!(before.values().all(|k| k.previous.is_none()));
    let (texts, _, previous) = plaintexts(storage, master).await;
    assert_eq!(previous, 0);
    let columns: BTreeSet<&str> = texts.keys().map(|(_, column, _, _)| *column).collect();
    let missing: Vec<&str> = SEALED
        .iter()
        .map(|c| c.name)
        .filter(|name| !columns.contains(name))
        .collect();
    assert!(
        missing.is_empty(),
        "seeded every sealed column: missing {missing:?}"
    );

    let begun = storage.keys.begin_reencryption().await.expect("begin");
    assert_eq!(begun, before.len());
    let options = ReencryptOptions {
        batch: 3,
        max_batches: None,
    };
    let summary = storage.keys.reencrypt(&options, now()).await.expect("run");
    assert!(summary.finished(), "{summary:?}");
    assert_eq!(summary.schools.len(), before.len());
    assert_eq!(summary.resealed(), texts.len() as u64, "every value once");

    let after = school_keys(storage, master).await;
    let (again, current, previous) = plaintexts(storage, master).await;
    assert_eq!(again, texts, "every value reads back the same");
    assert_eq!((current, previous), (texts.len(), 0));
    for (school, value) in stored_values(storage, after.keys().copied()).await {
        let old = &before[&school].current;
        assert!(!after[&school].current.same_as(old), "a new key");
        assert!(
            after[&school].previous.is_none(),
            "the previous key is gone"
        );
        assert_eq!(
            opens(old, school, &value),
            None,
            "{} of {} no longer opens with the old key",
            value.column,
            value.record
        );
    }
    for (school, done) in after.keys().zip(&summary.schools) {
        assert_eq!(done.school, *school);
        let audits = reencrypt_audits(storage, *school).await;
        assert_eq!(
            audits,
            vec![format!(
                "operator school:{school} ok resealed={} fingerprints={}",
                done.resealed, done.fingerprints
            )],
            "one entry per school"
        );
    }
    let at_burst = summary.schools.iter().find(|s| s.school == burst.id);
    assert_eq!(
        at_burst.map(|s| s.fingerprints),
        Some(2),
        "both marks moved"
    );

    let third = storage
        .reports
        .submit(
            burst.id,
            &sample_report("Sém de Vries"),
            receipt_hash(203),
            now() + Duration::minutes(70),
        )
        .await
        .expect("submit");
    assert!(third.burst, "the burst check still knows the earlier two");

    // A second re-encryption later seals everything again, the new report too.
    let (texts, _, _) = plaintexts(storage, master).await;
    assert_eq!(
        storage.keys.begin_reencryption().await.expect("again"),
        before.len()
    );
    let second = storage.keys.reencrypt(&options, now()).await.expect("run");
    assert!(second.finished());
    assert_eq!(second.resealed(), texts.len() as u64);
    assert_eq!(plaintexts(storage, master).await.0, texts);
}

/// Reports with receipts 1..=count at `school`, and what their reporters see.
async fn reports_at(
    storage: &Storage,
    school: SchoolId,
    receipts: std::ops::RangeInclusive<u8>,
) -> Vec<crate::reports::ReceiptView> {
    let mut views = Vec::new();
    for receipt in receipts {
        storage
            .reports
            .submit(school, &sample_report("Daan"), receipt_hash(receipt), now())
            .await
            .expect("submit");
        let view = storage
            .reports
            .reporter_message(school, receipt_hash(receipt), "Nog iets", now())
            .await
            .expect("message")
            .expect("known");
        views.push(view);
    }
    views
}

async fn follow_ups(
    storage: &Storage,
    school: SchoolId,
    receipts: std::ops::RangeInclusive<u8>,
) -> Vec<crate::reports::ReceiptView> {
    let mut views = Vec::new();
    for receipt in receipts {
        views.push(
            storage
                .reports
                .follow_up(school, receipt_hash(receipt))
                .await
                .expect("follow up")
                .expect("known"),
        );
    }
    views
}

pub async fn a_run_cut_off_half_way_reads_throughout_and_finishes_on_the_next(
    storage: &Storage,
    master: &MasterKey,
) {
    let a = school(storage, "half-a").await;
    let b = school(storage, "half-b").await;
    let views_a = reports_at(storage, a.id, 1..=12).await;
    let views_b = reports_at(storage, b.id, 1..=4).await;
    let (texts, _, _) = plaintexts(storage, master).await;

    assert_eq!(storage.keys.begin_reencryption().await.expect("begin"), 2);
    let cut = ReencryptOptions {
        batch: 2,
        max_batches: Some(4),
    };
    let first = storage.keys.reencrypt(&cut, now()).await.expect("run");
    assert!(!first.finished(), "stopped after four pages: {first:?}");
    assert_eq!(first.batches, 4);
    assert!(first.resealed() > 0);

    // Half-way: values under both keys, every one still reads, through the repositories too.
    let (during, current, previous) = plaintexts(storage, master).await;
    assert_eq!(during, texts);
    assert!(current > 0 && previous > 0, "{current} new, {previous} old");
    assert!(
        school_keys(storage, master)
            .await
            .values()
            .all(|k| k.previous.is_some())
    );
    assert_eq!(follow_ups(storage, a.id, 1..=12).await, views_a);
    assert_eq!(follow_ups(storage, b.id, 1..=4).await, views_b);
    assert!(
        reencrypt_audits(storage, a.id).await.is_empty(),
        "not done yet"
    );

    // Starting again (as `keys rotate --reencrypt` does) keeps the keys of the run under way.
    assert_eq!(storage.keys.begin_reencryption().await.expect("begin"), 0);
    let rest = storage
        .keys
        .reencrypt(&ReencryptOptions::default(), now())
        .await
        .expect("run");
    assert!(rest.finished(), "{rest:?}");
    assert_eq!(first.resealed() + rest.resealed(), texts.len() as u64);
    let (after, current, previous) = plaintexts(storage, master).await;
    assert_eq!(after, texts);
    assert_eq!((current, previous), (texts.len(), 0));
    assert!(
        school_keys(storage, master)
            .await
            .values()
            .all(|k| k.previous.is_none())
    );
    assert_eq!(follow_ups(storage, a.id, 1..=12).await, views_a);
    assert_eq!(reencrypt_audits(storage, a.id).await.len(), 1);
    assert_eq!(reencrypt_audits(storage, b.id).await.len(), 1);
}

pub async fn reports_submitted_while_it_runs_all_read_back(storage: &Storage, master: &MasterKey) {
    let a = school(storage, "druk-a").await;
    let old = reports_at(storage, a.id, 1..=40).await;
    assert_eq!(storage.keys.begin_reencryption().await.expect("begin"), 1);
    let writer = {
        let storage = storage.clone();
        tokio::spawn(async move { reports_at(&storage, a.id, 41..=80).await })
    };
    let options = ReencryptOptions {
        batch: 1,
        max_batches: None,
    };
    let summary = storage.keys.reencrypt(&options, now()).await.expect("run");
    let new = writer.await.expect("writer");
    assert!(summary.finished(), "{summary:?}");
    assert_eq!(follow_ups(storage, a.id, 1..=40).await, old);
    assert_eq!(follow_ups(storage, a.id, 41..=80).await, new);
    let (_, current, previous) = plaintexts(storage, master).await;
    assert_eq!(previous, 0, "nothing is left under the old key");
    // Each report: a description, a name, and two messages (the reporter's and none other).
    assert!(current >= 80 * 3, "{current}");
}
