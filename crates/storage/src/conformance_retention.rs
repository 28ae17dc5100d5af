//! The conformance cases of retention and anonymisation, run on both backends like
//! [`conformance`](crate::conformance): `retention_conformance_suite!(fresh)`.

// This module is test code that happens to live in a library so both backends can run it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, Months, Utc};
use signaal_domain::follow_up::{LogbookEntryNew, LogbookKind};
use signaal_domain::intake::PersonRef;
use signaal_domain::policy::{self, Actor, SchoolGrant, WriteLogbook};
use signaal_domain::privacy::RetentionPolicy;
use signaal_domain::privacy::retention::RetentionCutoffs;
use signaal_domain::staff::Role;
use signaal_domain::{PupilId, ReportId, SchoolId};

use crate::Storage;
use crate::cases::LogbookTarget;
use crate::conformance::{chain_actions, import, now, receipt_hash, sample_report, school, today};
use crate::conformance_intake::Fixture;
use crate::retention::{RetentionCounts, SweepCursor};

/// Generates one `#[tokio::test]` per retention case, each on a fresh database from `$fresh`.
#[macro_export]
macro_rules! retention_conformance_suite {
    ($fresh:path) => {
        $crate::retention_conformance_cases!($fresh;
            a_report_is_anonymised_twelve_months_and_a_day_after_and_not_a_day_before,
            a_pupil_who_left_is_anonymised_with_everything_about_them_on_the_next_run,
            a_run_stopped_after_a_batch_finishes_when_started_again,
            the_sweep_takes_every_school_by_its_own_term_and_each_audits_its_share_once,
            a_sweep_step_takes_only_its_own_reports_from_the_hours_it_walked,
            parts_of_the_sweep_at_once_anonymise_every_report_once_and_audit_the_sum,
            a_lease_is_held_by_one_holder_until_it_expires_or_is_released,
            name_fingerprints_go_once_past_the_burst_window_and_bursts_are_still_found,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! retention_conformance_cases {
    ($fresh:path; $($case:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $case() {
            match $fresh().await {
                Some((storage, _guard)) => $crate::conformance_retention::$case(&storage).await,
                None => eprintln!("skipped: this backend is not configured"),
            }
        }
    )*};
}

const DID_IT: PersonRef = PersonRef {
    did_it: true,
    position: 0,
};

fn cutoffs_at(at: DateTime<Utc>) -> RetentionCutoffs {
    RetentionPolicy::default().cutoffs(at)
}

/// Sweeps in steps of `limit` until the walk ends; the reports anonymised.
pub async fn sweep_to_the_end(
    storage: &Storage,
    terms: &BTreeMap<SchoolId, DateTime<Utc>>,
    limit: u32,
) -> u64 {
    let mut cursor = SweepCursor::start();
    let mut total = 0;
    loop {
        let step = storage
            .retention
            .sweep_old_reports(terms, cursor, limit)
            .await
            .expect("sweep step");
        total += step.reports;
        match step.next {
            Some(next) => {
                assert!(next != cursor, "a sweep step must move on");
                cursor = next;
            }
            None => return total,
        }
    }
}

/// As the job does for one school: the sweep, then batches of `limit` until one finds nothing;
/// the total the batches counted (and audited).
pub async fn run_to_the_end(
    storage: &Storage,
    fixture: &Fixture,
    cutoffs: &RetentionCutoffs,
    limit: u32,
    at: DateTime<Utc>,
) -> RetentionCounts {
    let terms = BTreeMap::from([(fixture.school.id, cutoffs.reports_before)]);
    sweep_to_the_end(storage, &terms, limit).await;
    let mut total = RetentionCounts::default();
    loop {
        let batch = storage
            .retention
            .retention_batch(fixture.school.id, cutoffs, limit, at)
            .await
            .expect("batch");
        if batch.is_empty() {
            return total;
        }
        total.add(batch);
        if batch.short_of(limit) {
            // What the job relies on to skip the last, empty batch.
            let next = storage
                .retention
                .retention_batch(fixture.school.id, cutoffs, limit, at)
                .await
                .expect("batch");
            assert!(next.is_empty(), "a short batch {batch:?} left {next:?}");
            return total;
        }
    }
}

fn counts(reports: u64, pupils: u64, logbook_entries: u64) -> RetentionCounts {
    RetentionCounts {
        reports,
        pupils,
        logbook_entries,
        requests: 0,
    }
}

/// A report of the fixture linked to its first pupil, with a message from the reporter.
async fn linked_report(storage: &Storage, fixture: &Fixture, receipt: u8) -> (ReportId, PupilId) {
    linked_report_about(storage, fixture, receipt, fixture.pupils[0].id).await
}

async fn linked_report_about(
    storage: &Storage,
    fixture: &Fixture,
    receipt: u8,
    pupil: PupilId,
) -> (ReportId, PupilId) {
    let report = linked_at(storage, fixture, receipt, pupil, now()).await;
    storage
        .reports
        .reporter_message(
            fixture.school.id,
            receipt_hash(receipt),
            "Het gebeurde weer bij de fietsenstalling.",
            now(),
        )
        .await
        .expect("message")
        .expect("the receipt");
    (report, pupil)
}

/// A report submitted at `at` whose "who did it" is linked to `pupil`.
async fn linked_at(
    storage: &Storage,
    fixture: &Fixture,
    receipt: u8,
    pupil: PupilId,
    at: DateTime<Utc>,
) -> ReportId {
    let report = fixture.submit_at(storage, receipt, at).await;
    storage
        .intake
        .link_person(&fixture.grant(), report, DID_IT, Some(pupil), 1, now())
        .await
        .expect("link");
    report
}

/// No text, no typed names, no links left on the report.
fn assert_anonymised(read: &crate::reports::IntakeReport) {
    assert_eq!(read.description, "");
    assert!(
        read.people
            .iter()
            .all(|p| p.name.is_none() && p.link.is_none())
    );
}

/// A logbook entry about `pupil`, written at `now()` by the fixture's coordinator.
async fn logbook_entry(storage: &Storage, fixture: &Fixture, pupil: PupilId) {
    let actor = Actor::Staff(policy::StaffActor {
        id: fixture.coordinator,
        is_provider_admin: false,
        memberships: vec![policy::Membership::new(
            fixture.school.id,
            Role::Coordinator,
        )],
    });
    let write: SchoolGrant<WriteLogbook> = policy::authorize(&actor, fixture.school.id, now())
        .expect("coordinators write the logbook");
    let entry = LogbookEntryNew {
        kind: LogbookKind::Observation,
        occurred_on: today(),
        body: "Gesprek gehad over de pauzes.".into(),
        parents_informed: None,
    };
    storage
        .cases
        .add_entry(&write, LogbookTarget::Pupil(pupil), &entry, now())
        .await
        .expect("entry")
        .expect("the school's pupil");
}

fn retention_audits(chain: &[(String, String, String)]) -> Vec<String> {
    chain
        .iter()
        .filter(|(action, _, _)| action == "retention.anonymise")
        .map(|(_, _, outcome)| outcome.clone())
        .collect()
}

pub async fn a_report_is_anonymised_twelve_months_and_a_day_after_and_not_a_day_before(
    storage: &Storage,
) {
    let a = Fixture::new(storage, "bewaar-a").await;
    let (report, _) = linked_report(storage, &a, 1).await;
    logbook_entry(storage, &a, a.pupils[2].id).await;
    let before = a.read(storage, report).await;
    assert!(!before.description.is_empty());
    assert!(before.people[0].name.is_some() && before.people[0].link.is_some());
    assert_eq!(before.messages.len(), 1);

    // Exactly 12 months later (the same day): kept, and nothing is due or audited.
    let same_day = now().checked_add_months(Months::new(12)).expect("date");
    let kept = cutoffs_at(same_day);
    let retention = &storage.retention;
    assert_eq!(
        retention
            .retention_due(a.school.id, &kept)
            .await
            .expect("due"),
        counts(0, 0, 0)
    );
    assert_eq!(
        run_to_the_end(storage, &a, &kept, 500, same_day).await,
        counts(0, 0, 0)
    );
    assert!(retention_audits(&chain_actions(storage, &a.school).await).is_empty());

    // A day later it is 12 months and a day old: anonymised.
    let day_after = same_day + Duration::days(1);
    let due = cutoffs_at(day_after);
    assert_eq!(
        retention
            .retention_due(a.school.id, &due)
            .await
            .expect("due"),
        counts(1, 0, 1)
    );
    assert_eq!(
        run_to_the_end(storage, &a, &due, 500, day_after).await,
        counts(1, 0, 1)
    );
    let after = a.read(storage, report).await;
    assert_eq!(after.description, "");
    assert_eq!(after.contact, None);
    assert_eq!(after.verification_note, None);
    assert!(after.messages.is_empty());
    assert!(after.decisions.is_empty());
    assert!(
        after
            .people
            .iter()
            .all(|p| p.name.is_none() && p.group.is_none() && p.link.is_none())
    );
    // What statistics need stays; of the event date only its month.
    assert_eq!(after.categories, before.categories);
    assert_eq!(after.place, before.place);
    assert_eq!(after.part_of_day, before.part_of_day);
    assert_eq!(after.reporter, before.reporter);
    assert_eq!(
        after.date,
        before
            .date
            .map(signaal_domain::privacy::retention::month_of)
    );

    // A second run changes nothing and writes no audit entry.
    assert_eq!(
        retention
            .retention_due(a.school.id, &due)
            .await
            .expect("due"),
        counts(0, 0, 0)
    );
    assert_eq!(
        run_to_the_end(storage, &a, &due, 500, day_after).await,
        counts(0, 0, 0)
    );
    assert_eq!(
        retention_audits(&chain_actions(storage, &a.school).await),
        ["ok reports=1 pupils=0 logbook_entries=1 requests=0"]
    );
}

pub async fn a_pupil_who_left_is_anonymised_with_everything_about_them_on_the_next_run(
    storage: &Storage,
) {
    let a = Fixture::new(storage, "vertrek-a").await;
    let b = Fixture::new(storage, "vertrek-b").await;
    let (report, pupil) = linked_report(storage, &a, 1).await;
    // A report not about the pupil, and the other school's report: untouched.
    let other = a.submit(storage, 2).await;
    let (b_report, _) = linked_report(storage, &b, 3).await;
    for target in [pupil, a.pupils[1].id] {
        logbook_entry(storage, &a, target).await;
    }
    let leaving = a.pupils[0].clone();

    // The roster sync marks the pupil as left; nothing is due before that.
    let cut = cutoffs_at(now());
    assert_eq!(
        storage
            .retention
            .retention_due(a.school.id, &cut)
            .await
            .expect("due"),
        counts(0, 0, 0)
    );
    let mut file = signaal_domain::demo::roster(30, 7, today());
    file.entries.retain(|e| e.number != leaving.number);
    assert_eq!(import(storage, &a.school, &file).await.left, 1);
    assert_eq!(
        storage
            .retention
            .retention_due(a.school.id, &cut)
            .await
            .expect("due"),
        counts(1, 1, 1)
    );
    assert_eq!(
        run_to_the_end(storage, &a, &cut, 500, now()).await,
        counts(1, 1, 1)
    );

    assert_anonymised(&a.read(storage, report).await);
    assert!(!a.read(storage, other).await.description.is_empty());
    assert!(!b.read(storage, b_report).await.description.is_empty());
    let grant = policy::authorize::<policy::ImportRoster>(&Actor::Operator, a.school.id, now())
        .expect("grant");
    let roster = storage
        .rosters
        .current_roster(&grant, now())
        .await
        .expect("roster");
    let gone = roster
        .iter()
        .find(|p| p.id == pupil)
        .expect("the row stays");
    assert_eq!(gone.name.given_name, "");
    assert_eq!(gone.name.family_name, "");
    assert_eq!(gone.date_of_birth, None);
    assert_ne!(gone.number, leaving.number);
    assert!(
        roster
            .iter()
            .all(|p| p.name.family_name != leaving.name.family_name
                || p.name.given_name != leaving.name.given_name)
    );
    // Idempotent: the next run finds nothing.
    assert_eq!(
        run_to_the_end(storage, &a, &cut, 500, now()).await,
        counts(0, 0, 0)
    );
    assert_eq!(
        retention_audits(&chain_actions(storage, &a.school).await),
        ["ok reports=1 pupils=1 logbook_entries=1 requests=0"]
    );
    assert!(retention_audits(&chain_actions(storage, &b.school).await).is_empty());
}

pub async fn a_run_stopped_after_a_batch_finishes_when_started_again(storage: &Storage) {
    let a = Fixture::new(storage, "hervat-a").await;
    let mut reports = Vec::new();
    for receipt in 1..=5 {
        reports.push(a.submit(storage, receipt).await);
    }
    let later = now().checked_add_months(Months::new(13)).expect("date");
    let cut = cutoffs_at(later);
    // The sweep's first step commits; the run "dies" before the next one, and before the
    // school's batch that audits it.
    let terms = BTreeMap::from([(a.school.id, cut.reports_before)]);
    let first = storage
        .retention
        .sweep_old_reports(&terms, SweepCursor::start(), 2)
        .await
        .expect("sweep step");
    assert_eq!(first.reports, 2);
    assert!(first.next.is_some());
    let anonymised = |descriptions: &[String]| descriptions.iter().filter(|d| d.is_empty()).count();
    let mut descriptions = Vec::new();
    for report in &reports {
        descriptions.push(a.read(storage, *report).await.description);
    }
    assert_eq!(anonymised(&descriptions), 2);
    // Started again (later still), it finishes the rest and only the rest; its audit entry
    // counts the first run's two as well, which no entry had counted yet.
    let restart = later + Duration::hours(1);
    assert_eq!(
        sweep_to_the_end(storage, &terms, 2).await,
        3,
        "the sweep anonymises only the rest"
    );
    assert_eq!(
        run_to_the_end(storage, &a, &cut, 2, restart).await,
        counts(5, 0, 0)
    );
    descriptions.clear();
    for report in &reports {
        descriptions.push(a.read(storage, *report).await.description);
    }
    assert_eq!(anonymised(&descriptions), 5);
    assert_eq!(
        run_to_the_end(storage, &a, &cut, 2, restart).await,
        counts(0, 0, 0)
    );
    assert_eq!(
        retention_audits(&chain_actions(storage, &a.school).await),
        ["ok reports=5 pupils=0 logbook_entries=0 requests=0"]
    );
}

pub async fn the_sweep_takes_every_school_by_its_own_term_and_each_audits_its_share_once(
    storage: &Storage,
) {
    let a = Fixture::new(storage, "veeg-a").await;
    let b = Fixture::new(storage, "veeg-b").await;
    let c = Fixture::new(storage, "veeg-c").await;
    let written = now() - Duration::days(500);
    let at = |hours: i64| written + Duration::hours(hours);
    // Written in turn at the three schools, about 16 months ago, and one of a's today.
    let a_old = [
        a.submit_at(storage, 1, at(0)).await,
        a.submit_at(storage, 2, at(3)).await,
    ];
    let b_old = b.submit_at(storage, 3, at(1)).await;
    let c_old = c.submit_at(storage, 4, at(2)).await;
    let a_new = a.submit(storage, 5).await;
    // a keeps reports 12 months, b 24; c is not in this run.
    let year = |months: u32| now().checked_sub_months(Months::new(months)).expect("date");
    let terms = BTreeMap::from([(a.school.id, year(12)), (b.school.id, year(24))]);

    // Steps of one report: the walk passes b's and c's on its way.
    assert_eq!(sweep_to_the_end(storage, &terms, 1).await, 2);
    for report in a_old {
        assert_eq!(a.read(storage, report).await.description, "");
    }
    assert_ne!(a.read(storage, a_new).await.description, "");
    assert_ne!(b.read(storage, b_old).await.description, "");
    assert_ne!(c.read(storage, c_old).await.description, "");
    // Nothing left: another sweep finds nothing.
    assert_eq!(sweep_to_the_end(storage, &terms, 500).await, 0);

    // Each school's batch audits its share once and clears it; b had none.
    let batch = |fixture: &Fixture| {
        let cutoffs = cutoffs_at(now());
        let school = fixture.school.id;
        async move {
            storage
                .retention
                .retention_batch(school, &cutoffs, 500, now())
                .await
                .expect("batch")
        }
    };
    assert_eq!(batch(&a).await, counts(2, 0, 0));
    assert_eq!(batch(&a).await, counts(0, 0, 0));
    assert_eq!(batch(&b).await, counts(0, 0, 0));
    assert_eq!(
        retention_audits(&chain_actions(storage, &a.school).await),
        ["ok reports=2 pupils=0 logbook_entries=0 requests=0"]
    );
    assert!(retention_audits(&chain_actions(storage, &b.school).await).is_empty());
    assert!(retention_audits(&chain_actions(storage, &c.school).await).is_empty());
}

/// A step finds names, links and contents by the hours it walked: reports of other schools
/// written between its own (not due, or not in the run) keep everything.
pub async fn a_sweep_step_takes_only_its_own_reports_from_the_hours_it_walked(storage: &Storage) {
    let a = Fixture::new(storage, "uren-a").await;
    let b = Fixture::new(storage, "uren-b").await;
    let c = Fixture::new(storage, "uren-c").await;
    let written = now() - Duration::days(500);
    let at = |hours: i64| written + Duration::hours(hours);
    // a's first and last hour enclose b's (kept 24 months) and c's (not in this run).
    let a_first = linked_at(storage, &a, 1, a.pupils[0].id, at(0)).await;
    let b_between = linked_at(storage, &b, 2, b.pupils[0].id, at(1)).await;
    let c_between = linked_at(storage, &c, 3, c.pupils[0].id, at(2)).await;
    let a_last = linked_at(storage, &a, 4, a.pupils[0].id, at(3)).await;
    let year = |months: u32| now().checked_sub_months(Months::new(months)).expect("date");
    let terms = BTreeMap::from([(a.school.id, year(12)), (b.school.id, year(24))]);

    // One step walks all four hours.
    let step = storage
        .retention
        .sweep_old_reports(&terms, SweepCursor::start(), 500)
        .await
        .expect("sweep step");
    assert_eq!((step.reports, step.next), (2, None));
    for report in [a_first, a_last] {
        assert_anonymised(&a.read(storage, report).await);
    }
    for (fixture, report) in [(&b, b_between), (&c, c_between)] {
        let read = fixture.read(storage, report).await;
        assert_ne!(read.description, "");
        let did_it = read.people.iter().find(|p| p.did_it).expect("who did it");
        assert_eq!(did_it.name.as_deref(), Some("Sem"));
        assert!(did_it.link.is_some(), "the link stays");
    }
}

pub async fn parts_of_the_sweep_at_once_anonymise_every_report_once_and_audit_the_sum(
    storage: &Storage,
) {
    let a = Fixture::new(storage, "delen-a").await;
    let b = Fixture::new(storage, "delen-b").await;
    let written = now() - Duration::days(500);
    // Nine old reports at each school, 15 days apart (the walk to the term is 135 days, three parts
    // of 45), in turn; one recent one at a.
    let mut old = Vec::new();
    for day in 0..9u8 {
        for (fixture, offset) in [(&a, 0u8), (&b, 100)] {
            let report = fixture
                .submit_at(
                    storage,
                    offset + day,
                    written + Duration::days(15 * i64::from(day)),
                )
                .await;
            old.push((fixture, report));
        }
    }
    let recent = a.submit(storage, 250).await;
    let term = now().checked_sub_months(Months::new(12)).expect("date");
    let terms = BTreeMap::from([(a.school.id, term), (b.school.id, term)]);
    let oldest = storage
        .retention
        .oldest_unanonymised()
        .await
        .expect("oldest")
        .expect("there are reports");
    // Stored by the hour.
    assert!(oldest <= written && written - oldest < Duration::hours(1));

    // Three parts walked at once, a report a step.
    let walk = |start: SweepCursor| {
        let terms = &terms;
        async move {
            let mut cursor = start;
            let mut total = 0;
            loop {
                let step = storage
                    .retention
                    .sweep_old_reports(terms, cursor, 1)
                    .await
                    .expect("sweep step");
                total += step.reports;
                match step.next {
                    Some(next) => cursor = next,
                    None => return total,
                }
            }
        }
    };
    let parts = SweepCursor::parts(oldest, term, 3);
    let done = futures_util::future::join_all(parts.into_iter().map(walk)).await;
    assert_eq!(done.len(), 3);
    assert!(done.iter().all(|&n| n > 0), "each part had some: {done:?}");
    assert_eq!(done.iter().sum::<u64>(), 18);
    for (fixture, report) in &old {
        assert_eq!(fixture.read(storage, *report).await.description, "");
    }
    assert_ne!(a.read(storage, recent).await.description, "");

    // Each school's batch audits the sum of its parts' tallies once.
    let cutoffs = cutoffs_at(now());
    for fixture in [&a, &b] {
        let batch = storage
            .retention
            .retention_batch(fixture.school.id, &cutoffs, 500, now())
            .await
            .expect("batch");
        assert_eq!(batch, counts(9, 0, 0));
        assert_eq!(
            retention_audits(&chain_actions(storage, &fixture.school).await),
            ["ok reports=9 pupils=0 logbook_entries=0 requests=0"]
        );
    }
}

/// Fingerprints serve the burst check only: those of hours before the window of a report
/// submitted now go, those inside it stay and still find a burst.
pub async fn name_fingerprints_go_once_past_the_burst_window_and_bursts_are_still_found(
    storage: &Storage,
) {
    use signaal_domain::report::names::burst_window_start;
    let school = school(storage, "vingerafdrukken").await;
    let submit = |hash: u8, at: DateTime<Utc>| {
        let storage = storage.clone();
        let school = school.id;
        async move {
            storage
                .reports
                .submit(
                    school,
                    &sample_report("Sem de Vries"),
                    receipt_hash(hash),
                    at,
                )
                .await
                .expect("submit")
                .burst
        }
    };
    // Sem named at 10:00, 11:00 and 12:00: at 12:00 the window is 11:00 to 12:59.
    for (hash, hours) in [(1, 0), (2, 1), (3, 2)] {
        assert!(!submit(hash, now() + Duration::hours(hours)).await);
    }
    let at_noon = burst_window_start(now() + Duration::hours(2));
    let retention = &storage.retention;
    let first = retention
        .remove_past_name_marks(at_noon, 500)
        .await
        .expect("removed");
    assert!(first >= 1, "the 10:00 report's fingerprint goes");
    assert_eq!(
        retention
            .remove_past_name_marks(at_noon, 500)
            .await
            .expect("removed"),
        0,
        "nothing else was outside the window"
    );
    // The 11:00 and 12:00 fingerprints stayed: a third report at 12:00 is a burst.
    assert!(submit(4, now() + Duration::hours(2)).await);
    // Hours later every one of them is past: the three left go, one report per batch.
    let later = burst_window_start(now() + Duration::hours(5));
    let mut removed = 0;
    for _ in 0..3 {
        removed += retention
            .remove_past_name_marks(later, 1)
            .await
            .expect("removed");
    }
    assert_eq!(removed, 3 * first);
    assert_eq!(
        retention
            .remove_past_name_marks(later, 1)
            .await
            .expect("removed"),
        0
    );
}

pub async fn a_lease_is_held_by_one_holder_until_it_expires_or_is_released(storage: &Storage) {
    let leases = &storage.retention;
    let hour = Duration::hours(1);
    assert!(
        leases
            .take_lease("retention", "a", now(), now() + hour)
            .await
            .expect("take")
    );
    assert!(
        !leases
            .take_lease("retention", "b", now(), now() + hour)
            .await
            .expect("take")
    );
    // The holder extends it; another job's lease is separate.
    assert!(
        leases
            .take_lease(
                "retention",
                "a",
                now() + Duration::minutes(30),
                now() + hour * 2
            )
            .await
            .expect("extend")
    );
    assert!(
        leases
            .take_lease("other", "b", now(), now() + hour)
            .await
            .expect("take")
    );
    assert!(
        !leases
            .take_lease("retention", "b", now() + hour, now() + hour * 3)
            .await
            .expect("take")
    );
    // Expired: another instance takes over (the first one died).
    assert!(
        leases
            .take_lease("retention", "b", now() + hour * 2, now() + hour * 3)
            .await
            .expect("take")
    );
    // Releasing a lease one does not hold does nothing; releasing one's own frees it.
    leases
        .release_lease("retention", "a")
        .await
        .expect("release");
    assert!(
        !leases
            .take_lease("retention", "a", now() + hour * 2, now() + hour * 3)
            .await
            .expect("take")
    );
    leases
        .release_lease("retention", "b")
        .await
        .expect("release");
    assert!(
        leases
            .take_lease("retention", "a", now() + hour * 2, now() + hour * 3)
            .await
            .expect("take")
    );
}

/// What the backends' raw checks look for: a pupil with a name found nowhere else, linked to a
/// report with a message.
pub struct RawFixture {
    pub fixture: Fixture,
    pub report: ReportId,
    pub pupil: PupilId,
    /// The pupil's given and family name: unique markers to search the raw bytes for.
    pub given_name: &'static str,
    pub family_name: &'static str,
}

impl RawFixture {
    pub async fn new(storage: &Storage) -> Self {
        let fixture = Fixture::new(storage, "ruwe-bytes").await;
        let (given_name, family_name) = ("Zwaanhilde", "Oosterretentiewolde");
        let mut file = signaal_domain::demo::roster(30, 7, today());
        file.entries[0].name = signaal_domain::school::PersonName {
            given_name: given_name.into(),
            particle: None,
            family_name: family_name.into(),
        };
        import(storage, &fixture.school, &file).await;
        let renamed = fixture
            .pupils
            .iter()
            .find(|p| p.number == file.entries[0].number)
            .expect("the renamed pupil")
            .id;
        let (report, pupil) = linked_report_about(storage, &fixture, 1, renamed).await;
        Self {
            fixture,
            report,
            pupil,
            given_name,
            family_name,
        }
    }

    /// The roster sync without the pupil: they leave today.
    pub async fn leave(&self, storage: &Storage) {
        let mut file = signaal_domain::demo::roster(30, 7, today());
        file.entries.remove(0);
        assert_eq!(import(storage, &self.fixture.school, &file).await.left, 1);
    }

    /// The whole run as the job does it: batches until nothing is left, then settling.
    pub async fn run(&self, storage: &Storage) -> RetentionCounts {
        let total = run_to_the_end(storage, &self.fixture, &cutoffs_at(now()), 500, now()).await;
        storage
            .retention
            .settle_after_retention()
            .await
            .expect("settle");
        total
    }
}
