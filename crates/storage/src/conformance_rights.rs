//! The conformance cases of carrying out correction, erasure, restriction and objection, and of
//! deleting request records 5 years after leaving, run on both backends like
//! [`conformance`](crate::conformance): `rights_conformance_suite!(fresh)`.

// This module is test code that happens to live in a library so both backends can run it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use chrono::{Duration, Months};
use signaal_domain::follow_up::{LogbookEntryNew, LogbookKind};
use signaal_domain::intake::PersonRef;
use signaal_domain::overview::signals::SignalKind;
use signaal_domain::policy::{self, Actor, ManagePrivacy, SchoolGrant};
use signaal_domain::privacy::rights::{ApplyError, ErasureScope, PauseReason};
use signaal_domain::privacy::{Decision, RequestKind, RetentionPolicy};
use signaal_domain::school::{Pupil, School};
use signaal_domain::staff::Role;
use signaal_domain::{PupilId, ReportId};
use uuid::Uuid;

use crate::Storage;
use crate::cases::{LogbookTarget, NewCase};
use crate::conformance::{chain_entries, now, receipt_hash, sample_report, today};
use crate::conformance_cases::{actor_with, approved_report, pupil, school_with_pupils, staff};
use crate::overview::SignalSubject;
use crate::privacy::NewRequest;
use crate::rights::{Applied, CorrectionTarget, ErasureCounts, paused_reason};

/// Generates one `#[tokio::test]` per rights case, each on a fresh database from `$fresh`.
#[macro_export]
macro_rules! rights_conformance_suite {
    ($fresh:path) => {
        $crate::rights_conformance_cases!($fresh;
            a_correction_changes_a_report_text_and_a_logbook_entry_of_the_pupil_only,
            an_erasure_removes_the_pupils_links_name_logbook_acknowledgements_and_own_cases,
            a_restriction_freezes_the_pupil_until_lifted_and_an_objection_until_decided,
            request_records_go_five_years_and_a_day_after_the_pupil_left,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! rights_conformance_cases {
    ($fresh:path; $($case:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $case() {
            match $fresh().await {
                Some((storage, _guard)) => $crate::conformance_rights::$case(&storage).await,
                None => eprintln!("skipped: this backend is not configured"),
            }
        }
    )*};
}

const REASONS: &str = "Op verzoek van de ouders, na controle.";

struct World {
    school: School,
    pupils: Vec<Pupil>,
    leader: Actor,
    coordinator: Actor,
}

async fn world(storage: &Storage, slug: &str) -> World {
    let (school, pupils) = school_with_pupils(storage, slug).await;
    let leader_id = staff(
        storage,
        &school,
        &format!("directie@{slug}.test"),
        Role::Leadership,
    )
    .await;
    let coordinator_id = staff(
        storage,
        &school,
        &format!("ib@{slug}.test"),
        Role::Coordinator,
    )
    .await;
    World {
        leader: actor_with(leader_id, &school, Role::Leadership, vec![]),
        coordinator: actor_with(coordinator_id, &school, Role::Coordinator, vec![]),
        school,
        pupils,
    }
}

impl World {
    fn grant<C: policy::Capability>(&self) -> SchoolGrant<C> {
        policy::authorize(&self.leader, self.school.id, now()).expect("leadership may")
    }
    fn manage(&self) -> SchoolGrant<ManagePrivacy> {
        self.grant()
    }
    fn pupil(&self, given: &str) -> &Pupil {
        pupil(&self.pupils, given)
    }

    async fn request(&self, storage: &Storage, pupil: PupilId, kind: RequestKind) -> Uuid {
        storage
            .privacy
            .register_request(
                &self.manage(),
                &NewRequest {
                    pupil,
                    kind,
                    received_on: today(),
                    requester_name: "Mevrouw Van der Berg".into(),
                    details: None,
                    verification: "Bekend bij de school".into(),
                    verified_by: "De directeur".into(),
                    requester_if_unknown: None,
                },
                now(),
            )
            .await
            .expect("register")
            .expect("the school's pupil")
            .id
    }

    /// The sample report ("Ze lachen Noor elke pauze uit.") with Sem linked as the one who did it
    /// and Noor as the one it was done to; still in intake.
    async fn report_naming_noor(&self, storage: &Storage, receipt: u8) -> ReportId {
        let moderate: SchoolGrant<policy::ModerateReports> =
            policy::authorize(&self.coordinator, self.school.id, now()).expect("intake");
        let report = storage
            .reports
            .submit(
                self.school.id,
                &sample_report("Sem"),
                receipt_hash(receipt),
                now(),
            )
            .await
            .expect("submit")
            .id;
        for (did_it, pupil, version) in [(true, "Sem", 1), (false, "Noor", 2)] {
            storage
                .intake
                .link_person(
                    &moderate,
                    report,
                    PersonRef {
                        did_it,
                        position: 0,
                    },
                    Some(self.pupil(pupil).id),
                    version,
                    now(),
                )
                .await
                .expect("link");
        }
        report
    }

    async fn entry(
        &self,
        storage: &Storage,
        target: LogbookTarget,
    ) -> Result<(), crate::StorageError> {
        let write: SchoolGrant<policy::WriteLogbook> = self.grant();
        let entry = LogbookEntryNew {
            kind: LogbookKind::Observation,
            occurred_on: today(),
            body: "Noor zat alleen in de pauze.".into(),
            parents_informed: None,
        };
        storage
            .cases
            .add_entry(&write, target, &entry, now())
            .await
            .map(|added| assert!(added.is_some(), "the school's pupil or case"))
    }

    async fn audits(&self, storage: &Storage, action: &str) -> Vec<String> {
        chain_entries(storage, &self.school)
            .await
            .into_iter()
            .filter(|(a, _, _)| a == action)
            .map(|(_, _, outcome)| outcome)
            .collect()
    }
}

pub async fn a_correction_changes_a_report_text_and_a_logbook_entry_of_the_pupil_only(
    storage: &Storage,
) {
    let w = world(storage, "corrigeer").await;
    let noor = w.pupil("Noor").id;
    let report = w.report_naming_noor(storage, 1).await;
    let other = approved_report(storage, &w.school, w.pupil("Sem"), w.pupil("Daan"), 2).await;
    w.entry(storage, LogbookTarget::Pupil(noor))
        .await
        .expect("entry");
    let request = w.request(storage, noor, RequestKind::Correction).await;

    let file = storage
        .rights
        .rights_file(&w.manage(), request, now())
        .await
        .expect("file")
        .expect("the school's request");
    assert_eq!(file.reports.len(), 1, "only the reports Noor is linked in");
    assert_eq!(file.reports[0].id, report);
    assert_eq!(file.reports[0].typed_names, ["Noor"]);
    assert_eq!(
        file.reports[0].description,
        "Ze lachen Noor elke pauze uit."
    );
    assert_eq!(file.logbook.len(), 1);
    let entry = file.logbook[0].id;

    let rights = &storage.rights;
    let corrected = "Ze lachen Noor soms uit in de pauze.";
    assert_eq!(
        rights
            .correct(
                &w.manage(),
                request,
                CorrectionTarget::Report(report),
                corrected,
                REASONS,
                now()
            )
            .await
            .expect("correct"),
        Applied::Done(())
    );
    assert_eq!(
        rights
            .correct(
                &w.manage(),
                request,
                CorrectionTarget::Logbook(entry),
                "Noor speelde mee.",
                REASONS,
                now()
            )
            .await
            .expect("correct"),
        Applied::Done(())
    );
    // Not Noor's report, too short reasons, an empty text: nothing changes.
    assert_eq!(
        rights
            .correct(
                &w.manage(),
                request,
                CorrectionTarget::Report(other),
                "Anders.",
                REASONS,
                now()
            )
            .await
            .expect("correct"),
        Applied::NotFound
    );
    assert_eq!(
        rights
            .correct(
                &w.manage(),
                request,
                CorrectionTarget::Report(report),
                "Anders.",
                "kort",
                now()
            )
            .await
            .expect("correct"),
        Applied::BadText
    );
    assert_eq!(
        rights
            .correct(
                &w.manage(),
                request,
                CorrectionTarget::Report(report),
                "   ",
                REASONS,
                now()
            )
            .await
            .expect("correct"),
        Applied::BadText
    );
    // A correction request is not an erasure.
    assert_eq!(
        rights
            .erase(&w.manage(), request, ErasureScope::ALL, REASONS, now())
            .await
            .expect("erase"),
        Applied::Refused(ApplyError::WrongKind)
    );

    let after = storage
        .rights
        .rights_file(&w.manage(), request, now())
        .await
        .expect("file")
        .expect("found");
    assert_eq!(after.reports[0].description, corrected);
    assert_eq!(after.logbook[0].body, "Noor speelde mee.");
    assert_eq!(after.actions.len(), 2);
    assert_eq!(after.actions[0].reasons, REASONS);
    let moderate: SchoolGrant<policy::ModerateReports> =
        policy::authorize(&w.coordinator, w.school.id, now()).expect("intake");
    let intake = storage
        .reports
        .intake_report(&moderate, report, now())
        .await
        .expect("read")
        .expect("found");
    assert_eq!(intake.description, corrected);
    assert_eq!(
        intake.edits.last().map(|e| e.kind.as_str()),
        Some("correction")
    );

    let audits = w.audits(storage, "request.correct").await;
    assert_eq!(
        audits,
        [
            format!("ok report={report} field=description"),
            format!("ok logbook={entry}")
        ],
        "ids, never text"
    );

    // Another school's leadership finds nothing.
    let elsewhere = world(storage, "elders").await;
    assert_eq!(
        storage
            .rights
            .rights_file(&elsewhere.manage(), request, now())
            .await
            .expect("file"),
        None
    );
    assert_eq!(
        storage
            .rights
            .correct(
                &elsewhere.manage(),
                request,
                CorrectionTarget::Report(report),
                "X is weg.",
                REASONS,
                now()
            )
            .await
            .expect("correct"),
        Applied::NotFound
    );
}

pub async fn an_erasure_removes_the_pupils_links_name_logbook_acknowledgements_and_own_cases(
    storage: &Storage,
) {
    let w = world(storage, "wis").await;
    let (sem, noor) = (w.pupil("Sem").id, w.pupil("Noor").id);
    let report = w.report_naming_noor(storage, 1).await;
    let shared_report =
        approved_report(storage, &w.school, w.pupil("Sem"), w.pupil("Noor"), 2).await;
    w.entry(storage, LogbookTarget::Pupil(noor))
        .await
        .expect("entry");
    let manage_cases: SchoolGrant<policy::ManageCases> = w.grant();
    let case = |title: &str, reports: Vec<ReportId>| NewCase {
        title: title.into(),
        pupil: Some(noor),
        reports,
        owner: None,
    };
    let own = storage
        .cases
        .create_case(&manage_cases, &case("Alleen Noor", vec![]), now())
        .await
        .expect("case")
        .expect("created");
    w.entry(storage, LogbookTarget::Case(own))
        .await
        .expect("case entry");
    let shared = storage
        .cases
        .create_case(
            &manage_cases,
            &case("Noor en Sem", vec![shared_report]),
            now(),
        )
        .await
        .expect("case")
        .expect("created");
    let read: SchoolGrant<policy::ReadReports> = w.grant();
    assert!(
        storage
            .overview
            .acknowledge(
                &read,
                SignalSubject::Pupil(noor),
                SignalKind::Hurt,
                "Gesproken met Noor",
                now()
            )
            .await
            .expect("acknowledge")
    );
    let request = w.request(storage, noor, RequestKind::Erasure).await;

    let nothing = ErasureScope::default();
    assert_eq!(
        storage
            .rights
            .erase(&w.manage(), request, nothing, REASONS, now())
            .await
            .expect("erase"),
        Applied::Unchanged
    );
    let erased = storage
        .rights
        .erase(&w.manage(), request, ErasureScope::ALL, REASONS, now())
        .await
        .expect("erase");
    assert_eq!(
        erased,
        Applied::Done(ErasureCounts {
            links: 2,
            names_redacted: 1,
            logbook_entries: 2,
            acknowledgements: 1,
            cases_deleted: 1,
            cases_unlinked: 1,
        })
    );

    // The report stays, for Sem; Noor's line has no name and no link, her name is out of the text.
    let moderate: SchoolGrant<policy::ModerateReports> =
        policy::authorize(&w.coordinator, w.school.id, now()).expect("intake");
    let after = storage
        .reports
        .intake_report(&moderate, report, now())
        .await
        .expect("read")
        .expect("the report stays");
    assert_eq!(after.description, "Ze lachen [verwijderd] elke pauze uit.");
    let sem_line = after.people.iter().find(|p| p.did_it).expect("Sem's line");
    assert_eq!(sem_line.link.as_ref().and_then(|l| l.pupil), Some(sem));
    assert_eq!(sem_line.name.as_deref(), Some("Sem"));
    let noor_line = after
        .people
        .iter()
        .find(|p| !p.did_it)
        .expect("Noor's line");
    assert_eq!(
        (noor_line.name.as_deref(), noor_line.link.as_ref()),
        (None, None)
    );
    assert_eq!(after.edits.last().map(|e| e.kind.as_str()), Some("erasure"));

    let page = storage
        .cases
        .pupil_file(&read, noor, now())
        .await
        .expect("read")
        .expect("the pupil stays on the roster");
    assert!(page.reports.is_empty() && page.logbook.is_empty() && page.cases.is_empty());
    let cases = storage.cases.cases(&read, now()).await.expect("cases");
    assert_eq!(cases.len(), 1, "the case only about Noor is gone");
    assert_eq!(cases[0].id, shared);
    assert_eq!(
        (cases[0].pupil.as_ref(), cases[0].title.as_str()),
        (None, "")
    );
    let signals = storage
        .overview
        .signal_inputs(&read, today() - Duration::days(60), now())
        .await
        .expect("signals");
    assert!(signals.acknowledgements.is_empty());

    let audits = w.audits(storage, "request.erase").await;
    assert_eq!(audits.len(), 1);
    assert!(
        audits[0].starts_with("ok scope=links,logbook,acknowledgements,cases links=2 names=1"),
        "{audits:?}"
    );
    assert!(!audits[0].contains("Noor"));
}

pub async fn a_restriction_freezes_the_pupil_until_lifted_and_an_objection_until_decided(
    storage: &Storage,
) {
    let w = world(storage, "beperk").await;
    let (sem, noor, daan) = (w.pupil("Sem").id, w.pupil("Noor").id, w.pupil("Daan").id);
    approved_report(storage, &w.school, w.pupil("Sem"), w.pupil("Noor"), 1).await;
    let read: SchoolGrant<policy::ReadReports> = w.grant();
    let signal_pupils = || async {
        let mut pupils: Vec<PupilId> = storage
            .overview
            .signal_inputs(&read, today() - Duration::days(60), now())
            .await
            .expect("signals")
            .pupils
            .iter()
            .map(|p| p.pupil)
            .collect();
        pupils.sort();
        pupils
    };
    let mut both = vec![sem, noor];
    both.sort();
    assert_eq!(signal_pupils().await, both);

    let request = w.request(storage, noor, RequestKind::Restriction).await;
    let rights = &storage.rights;
    assert_eq!(
        rights
            .restrict(&w.manage(), request, REASONS, now())
            .await
            .expect("restrict"),
        Applied::Done(())
    );
    assert_eq!(
        rights
            .restrict(&w.manage(), request, REASONS, now())
            .await
            .expect("restrict"),
        Applied::Unchanged
    );
    assert_eq!(
        rights.paused_pupils(&read).await.expect("paused"),
        [(noor, PauseReason::Restriction)]
    );
    assert_eq!(
        signal_pupils().await,
        [sem],
        "left out of signals while restricted"
    );

    // Frozen: no logbook entry, no case, no new link.
    let refused = w
        .entry(storage, LogbookTarget::Pupil(noor))
        .await
        .expect_err("frozen");
    assert_eq!(paused_reason(&refused), Some(PauseReason::Restriction));
    let manage_cases: SchoolGrant<policy::ManageCases> = w.grant();
    let new_case = NewCase {
        title: "Noor".into(),
        pupil: Some(noor),
        reports: vec![],
        owner: None,
    };
    let refused = storage
        .cases
        .create_case(&manage_cases, &new_case, now())
        .await
        .expect_err("frozen");
    assert_eq!(paused_reason(&refused), Some(PauseReason::Restriction));
    let moderate: SchoolGrant<policy::ModerateReports> =
        policy::authorize(&w.coordinator, w.school.id, now()).expect("intake");
    let fresh = storage
        .reports
        .submit(w.school.id, &sample_report("Sem"), receipt_hash(9), now())
        .await
        .expect("submit")
        .id;
    let done_to = PersonRef {
        did_it: false,
        position: 0,
    };
    let refused = storage
        .intake
        .link_person(&moderate, fresh, done_to, Some(noor), 1, now())
        .await
        .expect_err("frozen");
    assert_eq!(paused_reason(&refused), Some(PauseReason::Restriction));
    // Others are not frozen.
    w.entry(storage, LogbookTarget::Pupil(sem))
        .await
        .expect("Sem is not restricted");

    // Lifting, with the day the requester was told, gives everything back.
    assert_eq!(
        rights
            .lift(&w.manage(), request, today(), REASONS, now())
            .await
            .expect("lift"),
        Applied::Done(())
    );
    assert_eq!(
        rights
            .lift(&w.manage(), request, today(), REASONS, now())
            .await
            .expect("lift"),
        Applied::Unchanged
    );
    assert!(
        rights
            .paused_pupils(&read)
            .await
            .expect("paused")
            .is_empty()
    );
    w.entry(storage, LogbookTarget::Pupil(noor))
        .await
        .expect("no longer frozen");
    assert_eq!(signal_pupils().await, both);
    assert_eq!(
        w.audits(storage, "request.lift").await,
        [format!("ok pupil={noor} informed_on={}", today())]
    );

    // An objection pauses from registration until the decision, by itself.
    let objection = w.request(storage, daan, RequestKind::Objection).await;
    assert_eq!(
        rights.paused_pupils(&read).await.expect("paused"),
        [(daan, PauseReason::Objection)]
    );
    let refused = w
        .entry(storage, LogbookTarget::Pupil(daan))
        .await
        .expect_err("paused");
    assert_eq!(paused_reason(&refused), Some(PauseReason::Objection));
    assert_eq!(
        rights
            .restrict(&w.manage(), objection, REASONS, now())
            .await
            .expect("restrict"),
        Applied::Refused(ApplyError::WrongKind)
    );
    storage
        .privacy
        .decide_request(
            &w.manage(),
            objection,
            Decision::Refused,
            REASONS,
            today(),
            now(),
        )
        .await
        .expect("decide");
    assert!(
        rights
            .paused_pupils(&read)
            .await
            .expect("paused")
            .is_empty()
    );
    w.entry(storage, LogbookTarget::Pupil(daan))
        .await
        .expect("the decision ends the pause");
}

pub async fn request_records_go_five_years_and_a_day_after_the_pupil_left(storage: &Storage) {
    // A roster of 30, so one leaving is an ordinary sync (not a mass leave).
    let fixture = crate::conformance_intake::Fixture::new(storage, "vijf-jaar").await;
    let leader_id = staff(
        storage,
        &fixture.school,
        "directie@vijf.test",
        Role::Leadership,
    )
    .await;
    let coordinator = actor_with(
        fixture.coordinator,
        &fixture.school,
        Role::Coordinator,
        vec![],
    );
    let w = World {
        leader: actor_with(leader_id, &fixture.school, Role::Leadership, vec![]),
        coordinator,
        school: fixture.school.clone(),
        pupils: fixture.pupils.clone(),
    };
    let mut file = signaal_domain::demo::roster(30, 7, today());
    let first = file.entries.remove(0);
    let leaving = w
        .pupils
        .iter()
        .find(|p| p.number == first.number)
        .expect("the first pupil")
        .id;
    let staying_pupil = w
        .pupils
        .iter()
        .find(|p| p.id != leaving)
        .expect("another")
        .id;
    let request = w.request(storage, leaving, RequestKind::Restriction).await;
    storage
        .rights
        .restrict(&w.manage(), request, REASONS, now())
        .await
        .expect("restrict");
    storage
        .rights
        .lift(&w.manage(), request, today(), REASONS, now())
        .await
        .expect("lift");
    // A pupil who stays keeps their request whatever the date.
    let staying = w.request(storage, staying_pupil, RequestKind::Access).await;
    // The first pupil leaves today (the roster sync without them).
    assert_eq!(
        crate::conformance::import(storage, &w.school, &file)
            .await
            .left,
        1
    );

    let policy = RetentionPolicy::default();
    let five_years = now().checked_add_months(Months::new(60)).expect("date");
    let retention = &storage.retention;
    let run = |at: chrono::DateTime<chrono::Utc>| async move {
        let cutoffs = policy.cutoffs(at);
        let due = retention
            .retention_due(w.school.id, &cutoffs)
            .await
            .expect("due");
        let mut done = crate::retention::RetentionCounts::default();
        loop {
            let batch = retention
                .retention_batch(w.school.id, &cutoffs, 500, at)
                .await
                .expect("batch");
            if batch.is_empty() {
                break;
            }
            done.add(batch);
        }
        (due.requests, done.requests)
    };
    // 5 years minus a day, and 5 years to the day: kept.
    assert_eq!(run(five_years - Duration::days(1)).await, (0, 0));
    assert_eq!(run(five_years).await, (0, 0));
    let read: SchoolGrant<policy::ReadPrivacy> = w.grant();
    assert_eq!(
        storage
            .privacy
            .requests(&read, now())
            .await
            .expect("list")
            .len(),
        2
    );
    // 5 years and a day: gone, with what was done for it.
    assert_eq!(run(five_years + Duration::days(1)).await, (1, 1));
    let left: Vec<Uuid> = storage
        .privacy
        .requests(&read, now())
        .await
        .expect("list")
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(left, [staying]);
    assert!(
        storage
            .privacy
            .request(&read, request, now())
            .await
            .expect("read")
            .is_none()
    );
    let audits = w.audits(storage, "retention.anonymise").await;
    assert!(
        audits.iter().any(|a| a.ends_with("requests=1")),
        "counted in the run's audit entry: {audits:?}"
    );
}

/// A school where Noor is linked in a report that names her in its text and has a logbook entry,
/// with an erasure request for her: for the backends' tests that read the raw file or every table.
pub struct ErasureFixture {
    world: World,
    pub report: ReportId,
    pub pupil: PupilId,
    request: Uuid,
}

impl ErasureFixture {
    pub async fn new(storage: &Storage) -> Self {
        let world = world(storage, "wis-alles").await;
        let pupil = world.pupil("Noor").id;
        let report = world.report_naming_noor(storage, 1).await;
        world
            .entry(storage, LogbookTarget::Pupil(pupil))
            .await
            .expect("entry");
        let request = world.request(storage, pupil, RequestKind::Erasure).await;
        Self {
            world,
            report,
            pupil,
            request,
        }
    }

    /// Erases everything the request may cover; the links and entries removed.
    pub async fn erase(&self, storage: &Storage) -> ErasureCounts {
        match storage
            .rights
            .erase(
                &self.world.manage(),
                self.request,
                ErasureScope::ALL,
                REASONS,
                now(),
            )
            .await
            .expect("erase")
        {
            Applied::Done(counts) => counts,
            other => panic!("not erased: {other:?}"),
        }
    }
}
