//! Conformance cases for `OverviewRepo`, run on both backends: `overview_conformance_suite!(fresh)`.

// This module is test code that happens to live in a library so both backends can run it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use chrono::Duration;
use signaal_domain::overview::calendar::Period;
use signaal_domain::overview::signals::{self, SignalKind, SignalRules, SignalState};
use signaal_domain::policy::{self, ReadReports, SchoolGrant};
use signaal_domain::staff::Role;

use crate::Storage;
use crate::conformance::now;
use crate::conformance_cases::{
    actor_with, approved_report, chain, pupil, school_with_pupils, staff,
};
use crate::overview::SignalSubject;

/// Generates one `#[tokio::test]` per case, each on a fresh database from `$fresh`.
#[macro_export]
macro_rules! overview_conformance_suite {
    ($fresh:path) => {
        $crate::overview_conformance_cases!($fresh;
            counts_tables_and_signals_follow_approved_reports_within_the_grant,
            signal_rules_are_the_schools_own_and_exports_are_audited,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! overview_conformance_cases {
    ($fresh:path; $($case:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $case() {
            match $fresh().await {
                Some((storage, _guard)) => $crate::conformance_overview::$case(&storage).await,
                None => eprintln!("skipped: this backend is not configured"),
            }
        }
    )*};
}

pub async fn counts_tables_and_signals_follow_approved_reports_within_the_grant(storage: &Storage) {
    let (school, pupils) = school_with_pupils(storage, "overzicht").await;
    let (sem, noor, daan) = (
        pupil(&pupils, "Sem"),
        pupil(&pupils, "Noor"),
        pupil(&pupils, "Daan"),
    );
    // Sem (5a) did it to Noor (5a) three times; Daan (6b) did it to Noor once.
    for receipt in 1..=3 {
        approved_report(storage, &school, sem, noor, receipt).await;
    }
    approved_report(storage, &school, daan, noor, 4).await;

    let leader_id = staff(storage, &school, "directie@o.test", Role::Leadership).await;
    let leader = actor_with(leader_id, &school, Role::Leadership, vec![]);
    let read: SchoolGrant<ReadReports> = policy::authorize(&leader, school.id, now()).unwrap();
    let period = Period::school_year(now().date_naive());

    let counts = storage
        .overview
        .school_counts(&read, period, now())
        .await
        .unwrap();
    assert_eq!(counts.total, 4);
    assert_eq!(counts.per_day, vec![(now().date_naive(), 4)]);
    assert_eq!(counts.per_category, vec![("exclusion".to_owned(), 4)]);
    assert_eq!(counts.hotspots, vec![("schoolyard".to_owned(), None, 4)]);
    assert_eq!(
        counts.per_group,
        vec![("5a".to_owned(), 4), ("6b".to_owned(), 1)]
    );
    // The board's anonymous counts: the same numbers, audited as a board view.
    let aggregates: SchoolGrant<policy::ReadAggregates> =
        policy::authorize(&leader, school.id, now()).unwrap();
    let anonymous = storage
        .overview
        .aggregate_counts(&aggregates, period, now())
        .await
        .unwrap();
    assert_eq!(anonymous.total, 4);
    assert_eq!(anonymous.per_category, counts.per_category);
    assert_eq!(anonymous.hotspots, counts.hotspots);

    // A period without reports counts nothing.
    let before = Period {
        from: period.from - Duration::days(365),
        to: period.from - Duration::days(1),
    };
    let empty = storage
        .overview
        .school_counts(&read, before, now())
        .await
        .unwrap();
    assert_eq!(empty.total, 0);
    assert!(empty.per_group.is_empty());

    // A teacher of 6b sees only the report about Daan.
    let teacher_id = staff(storage, &school, "juf@o.test", Role::Teacher).await;
    let teacher = actor_with(
        teacher_id,
        &school,
        Role::Teacher,
        vec![daan.group_id.unwrap()],
    );
    let teacher_read: SchoolGrant<ReadReports> =
        policy::authorize(&teacher, school.id, now()).unwrap();
    let theirs = storage
        .overview
        .school_counts(&teacher_read, period, now())
        .await
        .unwrap();
    assert_eq!(theirs.total, 1);
    assert_eq!(theirs.per_group, vec![("6b".to_owned(), 1)]);
    let their_table = storage
        .overview
        .pupil_table(&teacher_read, period, now())
        .await
        .unwrap();
    assert_eq!(their_table.len(), 1);
    assert_eq!(their_table[0].pupil, daan.id);

    // The pupil table: Noor was hurt four times, Sem did it three times.
    let table = storage
        .overview
        .pupil_table(&read, period, now())
        .await
        .unwrap();
    let row = |id| table.iter().find(|r| r.pupil == id).unwrap();
    assert_eq!(table.len(), 3);
    assert_eq!((row(sem.id).did_it, row(sem.id).done_to), (3, 0));
    assert_eq!((row(noor.id).did_it, row(noor.id).done_to), (0, 4));
    assert_eq!(
        row(noor.id).categories,
        vec![("exclusion".to_owned(), 0, 4)]
    );
    assert!(!row(sem.id).open_case);

    // Signals: Sem did it, Noor needs support; Daan once is no signal.
    let rules = SignalRules::default();
    let since = now().date_naive() - Duration::days(i64::from(rules.window_days));
    let inputs = storage
        .overview
        .signal_inputs(&read, since, now())
        .await
        .unwrap();
    let fired = |inputs: &crate::overview::SignalInputs, id| {
        let links = inputs.pupils.iter().find(|p| p.pupil == id).unwrap();
        signals::pupil_signals(&rules, now().date_naive(), &links.reports)
    };
    let sem_signals = fired(&inputs, sem.id);
    assert_eq!(sem_signals.len(), 1);
    assert_eq!(sem_signals[0].kind, SignalKind::DidIt);
    assert_eq!(sem_signals[0].reports.len(), 3);
    assert_eq!(fired(&inputs, noor.id)[0].kind, SignalKind::Hurt);
    assert!(fired(&inputs, daan.id).is_empty());
    assert_eq!(inputs.groups.iter().map(|g| g.days.len()).sum::<usize>(), 5);

    // Acknowledged with a note; the teacher of 6b may not acknowledge Sem's signal (recorded).
    assert!(
        !storage
            .overview
            .acknowledge(
                &teacher_read,
                SignalSubject::Pupil(sem.id),
                SignalKind::DidIt,
                "x",
                now()
            )
            .await
            .unwrap()
    );
    assert!(
        storage
            .overview
            .acknowledge(
                &read,
                SignalSubject::Pupil(sem.id),
                SignalKind::DidIt,
                "Besproken met ouders.",
                now()
            )
            .await
            .unwrap()
    );
    let inputs = storage
        .overview
        .signal_inputs(&read, since, now())
        .await
        .unwrap();
    let ack = inputs
        .acknowledgements
        .iter()
        .find(|a| a.subject == SignalSubject::Pupil(sem.id))
        .unwrap();
    assert_eq!(ack.note, "Besproken met ouders.");
    assert_eq!(ack.by, "Naam directie@o.test");
    assert_eq!(
        signals::state(sem_signals[0].last_approved, Some(ack.at)),
        SignalState::Acknowledged
    );
    // The teacher does not see acknowledgements outside their groups.
    let teacher_inputs = storage
        .overview
        .signal_inputs(&teacher_read, since, now())
        .await
        .unwrap();
    assert!(teacher_inputs.acknowledgements.is_empty());
    // Only pupils of their own groups: Daan, not Noor of 5a who is linked in the same report.
    assert_eq!(teacher_inputs.pupils.len(), 1);
    assert_eq!(teacher_inputs.pupils[0].pupil, daan.id);

    let log = chain(storage, &school).await;
    let actions: Vec<&str> = log.iter().map(|(a, _, _)| a.as_str()).collect();
    for wanted in [
        "overview.view",
        "board.view",
        "pupil_table.view",
        "signals.view",
        "signal.acknowledge",
        "denied.read_reports",
    ] {
        assert!(actions.contains(&wanted), "{wanted} in {actions:?}");
    }
}

pub async fn signal_rules_are_the_schools_own_and_exports_are_audited(storage: &Storage) {
    use signaal_domain::overview::signals::RuleField;
    let (school, pupils) = school_with_pupils(storage, "drempels").await;
    let (other, _) = school_with_pupils(storage, "anders").await;
    let (sem, noor) = (pupil(&pupils, "Sem"), pupil(&pupils, "Noor"));
    approved_report(storage, &school, sem, noor, 1).await;
    let leader_id = staff(storage, &school, "directie@d.test", Role::Leadership).await;
    let leader = actor_with(leader_id, &school, Role::Leadership, vec![]);

    // No row: the defaults.
    assert_eq!(
        storage.overview.signal_rules(school.id).await.unwrap(),
        SignalRules::default()
    );
    let configure: SchoolGrant<policy::ConfigureSchool> =
        policy::authorize(&leader, school.id, now()).unwrap();
    let strict = SignalRules {
        did_it_reports: 2,
        window_days: 30,
        ..SignalRules::default()
    };
    storage
        .overview
        .set_signal_rules(&configure, strict, now())
        .await
        .unwrap();
    assert_eq!(
        storage.overview.signal_rules(school.id).await.unwrap(),
        strict
    );
    // Changing them again replaces them; another school keeps the defaults.
    let stricter = SignalRules {
        done_to_reports: 1,
        ..strict
    };
    storage
        .overview
        .set_signal_rules(&configure, stricter, now())
        .await
        .unwrap();
    assert_eq!(
        storage.overview.signal_rules(school.id).await.unwrap(),
        stricter
    );
    assert_eq!(
        storage.overview.signal_rules(other.id).await.unwrap(),
        SignalRules::default()
    );
    // Storage refuses what validation refuses, and keeps the earlier values.
    let mut zero = stricter;
    RuleField::RiseMin.set(&mut zero, 0);
    assert!(
        storage
            .overview
            .set_signal_rules(&configure, zero, now())
            .await
            .is_err()
    );
    assert_eq!(
        storage.overview.signal_rules(school.id).await.unwrap(),
        stricter
    );

    // The export holds the same rows as the page, audited as an export with counts only.
    let export: SchoolGrant<policy::ExportReports> =
        policy::authorize(&leader, school.id, now()).unwrap();
    let period = Period::school_year(now().date_naive());
    let exported = storage
        .overview
        .export_pupil_table(&export, period, now())
        .await
        .unwrap();
    assert_eq!(exported.len(), 2);
    assert!(exported.iter().any(|r| r.pupil == sem.id && r.did_it == 1));

    // The research counts: one report about two pupils of 5a counts once for its grade (this
    // roster gives no grade, so "not known").
    let aggregates: SchoolGrant<policy::ReadAggregates> =
        policy::authorize(&leader, school.id, now()).unwrap();
    let research = storage
        .overview
        .research_counts(&aggregates, period, now())
        .await
        .unwrap();
    assert_eq!(research, vec![(now().date_naive(), None, 1)]);

    let log = chain(storage, &school).await;
    assert!(log.iter().any(|(a, _, _)| a == "research.export"));
    let set: Vec<&(String, String, String)> = log
        .iter()
        .filter(|(a, _, _)| a == "signal_rules.set")
        .collect();
    assert_eq!(set.len(), 2);
    assert!(set[1].2.contains("done_to_reports=1"), "{:?}", set[1]);
    let exports: Vec<&(String, String, String)> = log
        .iter()
        .filter(|(a, _, _)| a == "pupil_table.export")
        .collect();
    assert_eq!(exports.len(), 1);
    assert!(exports[0].2.ends_with("pupils=2"), "{:?}", exports[0]);
    assert!(!exports[0].2.contains("Sem"));
}
