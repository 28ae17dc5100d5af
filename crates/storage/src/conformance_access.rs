//! The conformance cases of the access report and the portability export, run on both backends
//! like [`conformance`](crate::conformance): `access_conformance_suite!(fresh)`.

// This module is test code that happens to live in a library so both backends can run it.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::panic)]

use signaal_domain::ReportId;
use signaal_domain::policy::{self, ManagePrivacy, ModerateReports, ReadPrivacy, ReadReports};
use signaal_domain::privacy::RequestKind;
use signaal_domain::staff::Role;

use crate::Storage;
use crate::access_report::{Format, Found};
use crate::conformance::{now, today};
use crate::conformance_cases::{actor_with, approved_report, chain, pupil, school_with_pupils};
use crate::privacy::NewRequest;

/// Generates one `#[tokio::test]` per case, each on a fresh database from `$fresh`.
#[macro_export]
macro_rules! access_conformance_suite {
    ($fresh:path) => {
        $crate::access_conformance_cases!($fresh;
            the_access_report_counts_the_pupils_reports_and_names_who_looked,
            the_portability_export_is_made_for_a_portability_request_only,
        );
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! access_conformance_cases {
    ($fresh:path; $($case:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $case() {
            match $fresh().await {
                Some((storage, _guard)) => $crate::conformance_access::$case(&storage).await,
                None => eprintln!("skipped: this backend is not configured"),
            }
        }
    )*};
}

/// A request of `kind` for `pupil`, registered by leadership.
async fn registered(
    storage: &Storage,
    manage: &policy::SchoolGrant<ManagePrivacy>,
    pupil: &signaal_domain::school::Pupil,
    kind: RequestKind,
) -> crate::privacy::RequestRecord {
    let request = NewRequest {
        pupil: pupil.id,
        kind,
        received_on: today(),
        requester_name: "Mevrouw Jansen".into(),
        details: None,
        verification: "Paspoort getoond, niet gekopieerd".into(),
        verified_by: "De directeur".into(),
        requester_if_unknown: None,
    };
    storage
        .privacy
        .register_request(manage, &request, now())
        .await
        .expect("register")
        .expect("registered")
}

/// A real account with one role at the school (the report names people by account), as an actor.
async fn member(
    storage: &Storage,
    school: &signaal_domain::school::School,
    (email, name): (&str, &str),
    role: Role,
) -> policy::Actor {
    let id = crate::conformance::staff_named(storage, school, email, name, role).await;
    actor_with(id, school, role, vec![])
}

pub async fn the_access_report_counts_the_pupils_reports_and_names_who_looked(storage: &Storage) {
    let (school, pupils) = school_with_pupils(storage, "inzage").await;
    let (sem, noor, daan) = (
        pupil(&pupils, "Sem"),
        pupil(&pupils, "Noor"),
        pupil(&pupils, "Daan"),
    );
    // Sem did it to Noor; Daan did it to Sem; Daan did it to Noor (nothing of Sem's).
    let first = approved_report(storage, &school, sem, noor, 1).await;
    let second = approved_report(storage, &school, daan, sem, 2).await;
    let unrelated = approved_report(storage, &school, daan, noor, 3).await;

    let leader = member(
        storage,
        &school,
        ("directie@inzage.test", "Directeur Visser"),
        Role::Leadership,
    )
    .await;
    let dpo = member(
        storage,
        &school,
        ("fg@inzage.test", "FG Mulder"),
        Role::DataProtectionOfficer,
    )
    .await;
    // One colleague opens Sem's page; another only Daan's.
    for (who, account) in [
        (sem, ("ib@inzage.test", "Coördinator Smit")),
        (daan, ("ib2@inzage.test", "Coördinator De Wit")),
    ] {
        let colleague = member(storage, &school, account, Role::Coordinator).await;
        let read: policy::SchoolGrant<ReadReports> =
            policy::authorize(&colleague, school.id, now()).expect("grant");
        storage
            .cases
            .pupil_file(&read, who.id, now())
            .await
            .expect("page")
            .expect("found");
    }

    let manage: policy::SchoolGrant<ManagePrivacy> =
        policy::authorize(&leader, school.id, now()).expect("manage");
    let access = registered(storage, &manage, sem, RequestKind::Access).await;
    assert_eq!(
        storage
            .access
            .request_school(access.id)
            .await
            .expect("school"),
        Some(school.id)
    );
    assert_eq!(
        storage
            .access
            .request_school(uuid::Uuid::now_v7())
            .await
            .expect("none"),
        None
    );

    // The selection form lists both of Sem's reports with their role, nothing selected yet.
    let Found::Yes((data, selected)) = storage
        .access
        .access_report_items(&manage, access.id, now())
        .await
        .expect("items")
    else {
        panic!("an access request of the school");
    };
    assert!(selected.is_empty());
    let roles: Vec<(ReportId, bool)> = data.reports.iter().map(|r| (r.id, r.did_it)).collect();
    assert_eq!(roles.len(), 2);
    assert!(roles.contains(&(first, true)) && roles.contains(&(second, false)));
    assert!(!roles.iter().any(|(id, _)| *id == unrelated));
    assert_eq!(data.reports[0].categories, ["exclusion"]);
    assert_eq!(data.pupil.name.given_name, "Sem");
    assert_eq!(data.pupil.group.as_deref(), Some("5a"));
    assert_eq!(data.requests, 1);

    // Only Sem's own reports can be selected.
    let kept = storage
        .access
        .select_access_report_items(
            &manage,
            access.id,
            &[second, unrelated, ReportId::new()],
            now(),
        )
        .await
        .expect("select");
    assert_eq!(kept, Found::Yes(1));

    let read: policy::SchoolGrant<ReadPrivacy> =
        policy::authorize(&dpo, school.id, now()).expect("the DPO reads");
    let Found::Yes(report) = storage
        .access
        .access_report(&read, access.id, Format::Json, now())
        .await
        .expect("report")
    else {
        panic!("found");
    };
    assert_eq!(report.selected, [second]);
    let named: Vec<&str> = report.staff.iter().map(|s| s.name.as_str()).collect();
    assert!(named.contains(&"Coördinator Smit"), "{named:?}");
    assert!(
        named.contains(&"Directeur Visser"),
        "registered the request: {named:?}"
    );
    assert!(!named.contains(&"Coördinator De Wit"), "{named:?}");
    assert!(
        !named.contains(&"FG Mulder"),
        "the report's own making is not yet in it: {named:?}"
    );
    let smit = report
        .staff
        .iter()
        .find(|s| s.name == "Coördinator Smit")
        .expect("smit");
    assert_eq!(smit.roles, [Role::Coordinator]);
    // The coordinators of approved_report linked the names of both reports.
    assert!(report.knowledge.iter().any(|k| k.action == "report.link"));

    // Nothing typed by a reporter and no other pupil is in what storage handed out; the same
    // strings are in the report as intake reads it (so this check can fail).
    let moderate: policy::SchoolGrant<ModerateReports> =
        policy::authorize(&leader, school.id, now()).expect("moderate");
    let mut opened = String::new();
    for id in [first, second] {
        let report = storage
            .reports
            .intake_report(&moderate, id, now())
            .await
            .expect("intake")
            .expect("found");
        opened.push_str(&format!("{report:?}"));
    }
    let handed_out = format!("{report:?}");
    for secret in ["tikkertje", "Noor", "Daan"] {
        assert!(opened.contains(secret), "{secret} is in the report itself");
        assert!(!handed_out.contains(secret), "{secret} left the school");
    }

    // Another kind of request, another school: no report.
    let correction = registered(storage, &manage, sem, RequestKind::Correction).await;
    assert_eq!(
        storage
            .access
            .access_report(&read, correction.id, Format::Html, now())
            .await
            .expect("kind"),
        Found::WrongKind(RequestKind::Correction)
    );
    let (elsewhere, _) = school_with_pupils(storage, "elders").await;
    let stranger = member(
        storage,
        &elsewhere,
        ("directie@elders.test", "Directeur Elders"),
        Role::Leadership,
    )
    .await;
    let theirs: policy::SchoolGrant<ReadPrivacy> =
        policy::authorize(&stranger, elsewhere.id, now()).expect("grant");
    assert_eq!(
        storage
            .access
            .access_report(&theirs, access.id, Format::Html, now())
            .await
            .expect("scoped"),
        Found::NotFound
    );

    // Each step is audited with ids and counts, never a name (the wrong kind and the other
    // school read nothing of the pupil and add nothing).
    let log = chain(storage, &school).await;
    let made: Vec<&(String, String, String)> = log
        .iter()
        .filter(|(a, _, _)| a.starts_with("privacy.access_report"))
        .collect();
    let actions: Vec<&str> = made.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "privacy.access_report_items",
            "privacy.access_report_select",
            "privacy.access_report"
        ]
    );
    assert_eq!(
        made[1].2,
        format!("ok request={} selected=1 reports={second}", access.id)
    );
    assert!(
        made[2].2.starts_with("ok format=json ") && made[2].2.contains("reports=2"),
        "{}",
        made[2].2
    );
    assert!(
        made.iter()
            .all(|(_, s, o)| s == &format!("pupil:{}", sem.id) && !o.contains("Sem"))
    );
}

pub async fn the_portability_export_is_made_for_a_portability_request_only(storage: &Storage) {
    let (school, pupils) = school_with_pupils(storage, "meenemen").await;
    let (sem, noor) = (pupil(&pupils, "Sem"), pupil(&pupils, "Noor"));
    approved_report(storage, &school, sem, noor, 1).await;
    let leader = member(
        storage,
        &school,
        ("directie@meenemen.test", "Directeur"),
        Role::Leadership,
    )
    .await;
    let manage: policy::SchoolGrant<ManagePrivacy> =
        policy::authorize(&leader, school.id, now()).expect("manage");
    let portability = registered(storage, &manage, noor, RequestKind::Portability).await;
    let Found::Yes(data) = storage
        .access
        .portability_export(&manage, portability.id, now())
        .await
        .expect("export")
    else {
        panic!("a portability request");
    };
    assert_eq!(data.pupil.name.family_name, "Berg");
    assert_eq!(
        data.pupil.date_of_birth,
        chrono::NaiveDate::from_ymd_opt(2017, 5, 2)
    );
    assert_eq!(data.reports.len(), 1);
    assert!(!data.reports[0].did_it);
    assert!(
        !format!("{data:?}").contains("Sem"),
        "the other pupil stays out"
    );
    // An access request gets the access report, not the export.
    let access = registered(storage, &manage, noor, RequestKind::Access).await;
    assert_eq!(
        storage
            .access
            .portability_export(&manage, access.id, now())
            .await
            .expect("kind"),
        Found::WrongKind(RequestKind::Access)
    );
    let log = chain(storage, &school).await;
    let exported: Vec<&String> = log
        .iter()
        .filter(|(a, _, _)| a == "privacy.portability_export")
        .map(|(_, _, o)| o)
        .collect();
    assert_eq!(
        exported,
        [&format!(
            "ok request={} reports=1 cases=0 entries=0",
            portability.id
        )]
    );
}
