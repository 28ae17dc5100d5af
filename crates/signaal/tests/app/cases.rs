//! Follow-up over HTTP (issue 5, part 2): the pupil page, the logbook, cases and the steering view,
//! on the demo school. Approved linked reports are made with the intake functions of storage.

use super::*;

const LEADER: &str = "directie@de-vuurtoren.demo";
const TEACHER: &str = "leerkracht@de-vuurtoren.demo";
const ADVISOR: &str = "adviseur@de-vuurtoren.demo";

impl TestApp {
    fn follow_storage(&self) -> Storage {
        self.store.clone().into_storage()
    }

    /// A pupil of the demo teacher's group (5a) and one of another group.
    pub(super) async fn pupils_in_and_outside_5a(
        &self,
    ) -> (signaal_domain::school::Pupil, signaal_domain::school::Pupil) {
        let school = self.demo.school.id;
        let leader = signaal_domain::policy::Actor::Staff(signaal_domain::policy::StaffActor {
            id: signaal_domain::StaffId::new(),
            is_provider_admin: false,
            memberships: vec![signaal_domain::policy::Membership::new(
                school,
                signaal_domain::staff::Role::Leadership,
            )],
        });
        let read = signaal_domain::policy::authorize(&leader, school, Utc::now()).expect("grant");
        let storage = self.follow_storage();
        let groups = storage
            .rosters
            .groups(&read, Utc::now().date_naive())
            .await
            .expect("groups");
        let five_a = groups.iter().find(|g| g.name == "groep 5a").expect("5a").id;
        let pupils = storage
            .rosters
            .pupils(&read, Utc::now())
            .await
            .expect("pupils");
        let current = |inside: bool| {
            pupils
                .iter()
                .find(|p| {
                    p.left_on.is_none()
                        && p.group_id.is_some()
                        && (p.group_id == Some(five_a)) == inside
                })
                .cloned()
                .expect("pupil")
        };
        (current(true), current(false))
    }

    /// A report naming `did_it` and `done_to`, linked and approved by the demo coordinator.
    pub(super) async fn follow_approved_report(
        &self,
        did_it: &signaal_domain::school::Pupil,
        done_to: &signaal_domain::school::Pupil,
        receipt: u8,
    ) -> signaal_domain::ReportId {
        use signaal_domain::intake::PersonRef;
        use signaal_domain::report::{FormChoices, NameDraft, ReportDraft};
        let storage = self.follow_storage();
        let school = self.demo.school.id;
        let draft = ReportDraft {
            reporter: "pupil_self".into(),
            categories: vec!["exclusion".into()],
            place: "schoolyard".into(),
            frequency: "several_times".into(),
            did_it: vec![NameDraft {
                name: did_it.name.full(),
                group: String::new(),
            }],
            done_to: vec![NameDraft {
                name: done_to.name.full(),
                group: String::new(),
            }],
            description: "Ze mag nooit meedoen in de pauze.".into(),
            ..Default::default()
        }
        .validate(&FormChoices::default(), self.clock.now().date_naive())
        .expect("valid");
        let report = storage
            .reports
            .submit(school, &draft, [receipt; 32], self.clock.now())
            .await
            .expect("submit")
            .id;
        let coordinator =
            signaal_domain::policy::Actor::Staff(signaal_domain::policy::StaffActor {
                id: self.staff_id(COORDINATOR).await,
                is_provider_admin: false,
                memberships: vec![signaal_domain::policy::Membership::new(
                    school,
                    signaal_domain::staff::Role::Coordinator,
                )],
            });
        let grant =
            signaal_domain::policy::authorize(&coordinator, school, Utc::now()).expect("grant");
        let now = self.clock.now();
        let mut version = 1;
        for (did, pupil) in [(true, did_it), (false, done_to)] {
            version = storage
                .intake
                .link_person(
                    &grant,
                    report,
                    PersonRef {
                        did_it: did,
                        position: 0,
                    },
                    Some(pupil.id),
                    version,
                    now,
                )
                .await
                .expect("link");
        }
        let approval = storage
            .intake
            .approve(&grant, report, version, now)
            .await
            .expect("approve");
        assert_eq!(approval, signaal_storage::intake::Approval::Approved);
        report
    }

    pub(super) async fn follow_page(&self, session: &str, path: &str) -> (u16, String) {
        let response = self
            .with_cookie(reqwest::Method::GET, path, session, &[])
            .await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("page"))
    }

    pub(super) async fn follow_post(
        &self,
        session: &str,
        path: &str,
        form: &[(&str, &str)],
    ) -> (u16, String, String) {
        let response = self
            .with_cookie(reqwest::Method::POST, path, session, form)
            .await;
        let status = response.status().as_u16();
        let to = location(&response);
        (status, to, response.text().await.expect("page"))
    }

    fn actions(chain: &[(String, String, String)], prefix: &str) -> Vec<String> {
        chain
            .iter()
            .filter(|(a, _, _)| a.starts_with(prefix))
            .map(|(a, _, _)| a.clone())
            .collect()
    }
}

#[tokio::test]
async fn a_teacher_writes_the_logbook_for_their_own_group_only() {
    let app = TestApp::start().await;
    // What the demo's own seeding recorded is not what these tests look at.
    let seeded = app.chain_of(app.demo.school.id).await.len();
    let (own, other) = app.pupils_in_and_outside_5a().await;
    let teacher = app.sign_in_ready(TEACHER).await;

    // The start page leads to finding a pupil; the search sees only group 5a.
    let (_, start) = app.follow_page(&teacher, "/app").await;
    assert!(start.contains("href=\"/app/pupils\""));
    assert!(!start.contains("href=\"/app/steering\""));
    let (status, found) = app
        .follow_page(&teacher, &format!("/app/pupils?q={}", own.name.given_name))
        .await;
    assert_eq!(status, 200);
    assert!(found.contains(&format!("/app/pupils/{}", own.id)));
    let (_, not_found) = app
        .follow_page(&teacher, &format!("/app/pupils?q={}", other.name.full()))
        .await;
    assert!(!not_found.contains(&format!("/app/pupils/{}", other.id)));
    let (status, short) = app.follow_page(&teacher, "/app/pupils?q=a").await;
    assert_eq!(status, 422);
    assert!(short.contains("Typ 2 tot 80 tekens"));

    let path = format!("/app/pupils/{}", own.id);
    let (status, page) = app.follow_page(&teacher, &path).await;
    assert_eq!(status, 200);
    assert!(page.contains(&own.name.full()));
    assert!(page.contains("Zijn de ouders persoonlijk geïnformeerd?"));
    let csrf = csrf_of(&page);
    let today = app.clock.now().date_naive().to_string();
    let (status, to, _) = app
        .follow_post(
            &teacher,
            &format!("{path}/logbook"),
            &[
                ("csrf", &csrf),
                ("kind", "observation"),
                ("occurred_on", &today),
                ("body", "Zat alleen in de pauze; heeft ADHD volgens moeder."),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(to, format!("{path}?saved=1#logbook"));
    let (_, page) = app.follow_page(&teacher, &format!("{path}?saved=1")).await;
    assert!(page.contains("Vastgelegd in het logboek."));
    assert!(page.contains("Zat alleen in de pauze; heeft ADHD volgens moeder."));
    // The detector's hit is a warning next to the entry, not a block.
    assert!(
        page.contains("Let op: deze tekst lijkt bijzondere"),
        "{page}"
    );
    assert!(page.contains("gezondheid"));

    // A pupil of another group: not found, and the attempts are in the school's log.
    let other_path = format!("/app/pupils/{}", other.id);
    assert_eq!(app.follow_page(&teacher, &other_path).await.0, 404);
    let (status, _, _) = app
        .follow_post(
            &teacher,
            &format!("{other_path}/logbook"),
            &[
                ("csrf", &csrf),
                ("kind", "observation"),
                ("occurred_on", &today),
                ("body", "Mag niet."),
            ],
        )
        .await;
    assert_eq!(status, 404);
    // Made-up and malformed ids are simply not found.
    for bad in [
        format!("/app/pupils/{}", uuid::Uuid::new_v4()),
        "/app/pupils/leerling".to_owned(),
    ] {
        assert_eq!(app.follow_page(&teacher, &bad).await.0, 404);
    }
    let chain = app.chain_of(app.demo.school.id).await.split_off(seeded);
    assert_eq!(
        TestApp::actions(&chain, "denied."),
        ["denied.read_reports", "denied.write_logbook"]
    );
    assert_eq!(TestApp::actions(&chain, "logbook."), ["logbook.add"]);
    assert!(
        !chain
            .iter()
            .any(|(_, _, outcome)| outcome.contains("pauze"))
    );
}

#[tokio::test]
async fn a_measure_needs_the_parents_answer_and_the_text_is_kept() {
    let app = TestApp::start().await;
    let (own, _) = app.pupils_in_and_outside_5a().await;
    let teacher = app.sign_in_ready(TEACHER).await;
    let path = format!("/app/pupils/{}", own.id);
    let (_, page) = app.follow_page(&teacher, &path).await;
    let csrf = csrf_of(&page);
    let today = app.clock.now().date_naive();
    let text = "Mag een week niet mee op het plein & <moet> binnen blijven.";
    let (status, _, page) = app
        .follow_post(
            &teacher,
            &format!("{path}/logbook"),
            &[
                ("csrf", &csrf),
                ("kind", "limiting_measure"),
                ("occurred_on", &today.to_string()),
                ("body", text),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Bij een maatregel of doorverwijzing is het antwoord verplicht"));
    assert!(page.contains("href=\"#parents_informed\""));
    assert!(
        page.contains("Mag een week niet mee op het plein &#38; &#60;moet&#62; binnen blijven."),
        "{page}"
    );
    assert!(page.contains("value=\"limiting_measure\" selected"));
    // Yes without a date, a date in the future: each explained.
    let tomorrow = (today + chrono::Days::new(1)).to_string();
    let (status, _, page) = app
        .follow_post(
            &teacher,
            &format!("{path}/logbook"),
            &[
                ("csrf", &csrf),
                ("kind", "referral"),
                ("occurred_on", &tomorrow),
                ("body", text),
                ("parents_informed", "yes"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("De datum ligt in de toekomst."));
    assert!(page.contains("Vul in op welke datum de ouders geïnformeerd zijn."));
    assert!(page.contains("id=\"informed-yes\" name=\"parents_informed\" value=\"yes\" aria-describedby=\"informed-hint\" checked"));
    // Answered: stored with the answer.
    let (status, _, _) = app
        .follow_post(
            &teacher,
            &format!("{path}/logbook"),
            &[
                ("csrf", &csrf),
                ("kind", "limiting_measure"),
                ("occurred_on", &today.to_string()),
                ("body", text),
                ("parents_informed", "yes"),
                ("informed_on", &today.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = app.follow_page(&teacher, &path).await;
    assert!(page.contains(&format!(
        "Ouders persoonlijk geïnformeerd op {}.",
        today.format("%d-%m-%Y")
    )));
    // Without the form's token nothing is stored.
    let (status, _, _) = app
        .follow_post(
            &teacher,
            &format!("{path}/logbook"),
            &[("kind", "observation"), ("body", "x")],
        )
        .await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn leadership_corrects_and_deletes_entries_and_authors_correct_their_own() {
    let app = TestApp::start().await;
    // What the demo's own seeding recorded is not what these tests look at.
    let seeded = app.chain_of(app.demo.school.id).await.len();
    let (own, _) = app.pupils_in_and_outside_5a().await;
    let teacher = app.sign_in_ready(TEACHER).await;
    let path = format!("/app/pupils/{}", own.id);
    let (_, page) = app.follow_page(&teacher, &path).await;
    let today = app.clock.now().date_naive().to_string();
    app.follow_post(
        &teacher,
        &format!("{path}/logbook"),
        &[
            ("csrf", &csrf_of(&page)),
            ("kind", "talk_pupil"),
            ("occurred_on", &today),
            ("body", "Gesprek gehad."),
        ],
    )
    .await;
    let (_, page) = app.follow_page(&teacher, &path).await;
    let entry = between(&page, "href=\"/app/logbook/", "\"").to_owned();
    let entry_path = format!("/app/logbook/{entry}");

    // The author corrects their own entry.
    let (status, form) = app.follow_page(&teacher, &entry_path).await;
    assert_eq!(status, 200);
    assert!(!form.contains("Definitief verwijderen"));
    let (status, to, _) = app
        .follow_post(
            &teacher,
            &entry_path,
            &[
                ("csrf", &csrf_of(&form)),
                ("version", "1"),
                ("kind", "talk_pupil"),
                ("occurred_on", &today),
                ("body", "Gesprek gehad, rustig."),
            ],
        )
        .await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("{path}?saved=1#logbook").as_str())
    );
    // A teacher may not delete.
    let (status, _, _) = app
        .follow_post(
            &teacher,
            &format!("{entry_path}/delete"),
            &[("csrf", &csrf_of(&form))],
        )
        .await;
    assert_eq!(status, 404);

    let leader = app.sign_in_ready(LEADER).await;
    let (status, form) = app.follow_page(&leader, &entry_path).await;
    assert_eq!(status, 200);
    assert!(form.contains("Gesprek gehad, rustig."));
    // A save on the old version: the conflict page shows the stored text and keeps the new one.
    let (status, _, page) = app
        .follow_post(
            &leader,
            &entry_path,
            &[
                ("csrf", &csrf_of(&form)),
                ("version", "1"),
                ("kind", "talk_pupil"),
                ("occurred_on", &today),
                ("body", "Mijn eigen versie."),
            ],
        )
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("Iemand anders heeft dit net gecorrigeerd."));
    assert!(page.contains("Gesprek gehad, rustig.") && page.contains("Mijn eigen versie."));
    assert!(page.contains("name=\"version\" value=\"2\""));
    let (status, _, _) = app
        .follow_post(
            &leader,
            &entry_path,
            &[
                ("csrf", &csrf_of(&form)),
                ("version", "2"),
                ("kind", "talk_pupil"),
                ("occurred_on", &today),
                ("body", "Mijn eigen versie."),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = app.follow_page(&leader, &path).await;
    assert!(page.contains("Mijn eigen versie.") && page.contains("Gecorrigeerd door"));
    let (status, to, _) = app
        .follow_post(
            &leader,
            &format!("{entry_path}/delete"),
            &[("csrf", &csrf_of(&page))],
        )
        .await;
    assert_eq!((status, to), (303, format!("{path}#logbook")));
    let (_, page) = app.follow_page(&leader, &path).await;
    assert!(!page.contains("Mijn eigen versie."));
    assert_eq!(app.follow_page(&leader, &entry_path).await.0, 404);
    let chain = app.chain_of(app.demo.school.id).await.split_off(seeded);
    let changes: Vec<String> = TestApp::actions(&chain, "logbook.")
        .into_iter()
        .filter(|a| a != "logbook.view")
        .collect();
    assert_eq!(
        changes,
        [
            "logbook.add",
            "logbook.correct",
            "logbook.correct",
            "logbook.delete"
        ]
    );
    // Opening an entry to correct it is a read, and recorded as one.
    assert!(TestApp::actions(&chain, "logbook.view").len() >= 2);
}

#[tokio::test]
async fn a_case_with_reports_changes_status_and_a_conflict_loses_nothing() {
    let app = TestApp::start().await;
    // What the demo's own seeding recorded is not what these tests look at.
    let seeded = app.chain_of(app.demo.school.id).await.len();
    let (own, other) = app.pupils_in_and_outside_5a().await;
    let report = app.follow_approved_report(&other, &own, 1).await;
    let coordinator = app.sign_in_ready(COORDINATOR).await;

    // The pupil page shows the approved report with the pupil's part in it, not the reporter.
    let (status, page) = app
        .follow_page(&coordinator, &format!("/app/pupils/{}", own.id))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("degene bij wie het gebeurde"));
    assert!(page.contains("Buitensluiten") && page.contains("Schoolplein"));
    let (_, page) = app
        .follow_page(&coordinator, &format!("/app/pupils/{}", other.id))
        .await;
    assert!(page.contains("degene die het deed"));

    // A case without a title is refused with what was chosen kept.
    let (_, list) = app.follow_page(&coordinator, "/app/cases").await;
    assert!(list.contains(&format!("value=\"{report}\"")));
    let (status, _, page) = app
        .follow_post(
            &coordinator,
            "/app/cases",
            &[
                ("csrf", &csrf_of(&list)),
                ("title", " "),
                ("report", &report.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Geef de zaak een titel."));
    assert!(page.contains(&format!("value=\"{report}\" checked")));
    let (status, to, _) = app
        .follow_post(
            &coordinator,
            "/app/cases",
            &[
                ("csrf", &csrf_of(&list)),
                ("title", "Buitensluiten op het plein"),
                ("pupil", &own.id.to_string()),
                ("report", &report.to_string()),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let case_path = to;
    let (status, page) = app.follow_page(&coordinator, &case_path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Buitensluiten op het plein"));
    assert!(page.contains("Ze mag nooit meedoen in de pauze."));
    assert!(page.contains(&own.name.full()));
    let csrf = csrf_of(&page);

    // A later report is added to the case; choosing none is explained.
    let later = app.follow_approved_report(&own, &other, 2).await;
    let (_, page) = app.follow_page(&coordinator, &case_path).await;
    assert!(page.contains(&format!("id=\"more-{later}\"")));
    assert!(
        !page.contains(&format!("id=\"more-{report}\"")),
        "already in the case"
    );
    let reports_path = format!("{case_path}/reports");
    let (status, _, page) = app
        .follow_post(&coordinator, &reports_path, &[("csrf", &csrf)])
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Kies ten minste één melding om toe te voegen."));
    let (status, to, _) = app
        .follow_post(
            &coordinator,
            &reports_path,
            &[("csrf", &csrf), ("report", &later.to_string())],
        )
        .await;
    assert_eq!((status, to), (303, format!("{case_path}?saved=reports")));
    let (_, page) = app.follow_page(&coordinator, &case_path).await;
    assert_eq!(page.matches("class=\"case-report\"").count(), 2);

    // The reporter of the case's report gets a message in their receipt mailbox.
    let message_path = format!("{case_path}/message");
    let too_long = "x".repeat(2001);
    let (status, _, page) = app
        .follow_post(
            &coordinator,
            &message_path,
            &[
                ("csrf", &csrf),
                ("report", &report.to_string()),
                ("body", &too_long),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Het bericht is te lang") && page.contains(&too_long));
    let (status, to, _) = app
        .follow_post(
            &coordinator,
            &message_path,
            &[
                ("csrf", &csrf),
                ("report", &report.to_string()),
                ("body", "Dank je wel. We praten met de klas."),
            ],
        )
        .await;
    assert_eq!(
        (status, to),
        (303, format!("{case_path}?saved=message#report-{report}"))
    );
    let view = app
        .follow_storage()
        .reports
        .follow_up(app.demo.school.id, [1; 32])
        .await
        .expect("read")
        .expect("the receipt's report");
    assert_eq!(
        view.messages.last().map(|m| m.body.as_str()),
        Some("Dank je wel. We praten met de klas.")
    );
    // A report that is not in the case: not found.
    let (status, _, _) = app
        .follow_post(
            &coordinator,
            &message_path,
            &[
                ("csrf", &csrf),
                ("report", &uuid::Uuid::new_v4().to_string()),
                ("body", "Hoi"),
            ],
        )
        .await;
    assert_eq!(status, 404);

    // Two people change the case from version 1: the second gets the case as it is now.
    let (status, to, _) = app
        .follow_post(
            &coordinator,
            &case_path,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("status", "monitoring"),
                ("owner", ""),
            ],
        )
        .await;
    assert_eq!((status, to), (303, format!("{case_path}?saved=1")));
    let (status, _, page) = app
        .follow_post(
            &coordinator,
            &case_path,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("status", "closed"),
                ("owner", ""),
            ],
        )
        .await;
    assert_eq!(status, 409);
    assert!(page.contains("Iemand anders heeft deze zaak net gewijzigd."));
    assert!(page.contains("status: Gesloten"));
    assert!(page.contains("<dd>Volgen</dd>"));
    assert!(page.contains("value=\"closed\" selected"));
    assert!(page.contains("name=\"version\" value=\"2\""));
    // A made-up status is explained, not a crash.
    let (status, _, page) = app
        .follow_post(
            &coordinator,
            &case_path,
            &[
                ("csrf", &csrf),
                ("version", "2"),
                ("status", "weg"),
                ("owner", ""),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Deze keuze bestaat niet."));

    // A logbook entry on the case; the teacher of 5a sees the case on the pupil's page, read-only.
    let today = app.clock.now().date_naive().to_string();
    let (status, _, _) = app
        .follow_post(
            &coordinator,
            &format!("{case_path}/logbook"),
            &[
                ("csrf", &csrf),
                ("kind", "talk_parents"),
                ("occurred_on", &today),
                ("body", "Ouders gebeld."),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let teacher = app.sign_in_ready(TEACHER).await;
    let (_, page) = app
        .follow_page(&teacher, &format!("/app/pupils/{}", own.id))
        .await;
    assert!(page.contains("Buitensluiten op het plein") && page.contains("Ouders gebeld."));
    let (status, page) = app.follow_page(&teacher, &case_path).await;
    assert_eq!(status, 200);
    assert!(!page.contains("name=\"status\""));
    let (status, _, _) = app
        .follow_post(
            &teacher,
            &case_path,
            &[
                ("csrf", &csrf_of(&page)),
                ("version", "2"),
                ("status", "closed"),
            ],
        )
        .await;
    assert_eq!(status, 404);
    let chain = app.chain_of(app.demo.school.id).await.split_off(seeded);
    assert_eq!(
        TestApp::actions(&chain, "case.update"),
        ["case.update"],
        "the conflicting save changed nothing"
    );
}

#[tokio::test]
async fn the_pupil_page_follows_the_role() {
    let app = TestApp::start().await;
    let (own, other) = app.pupils_in_and_outside_5a().await;
    app.follow_approved_report(&own, &other, 1).await;
    let path = format!("/app/pupils/{}", own.id);
    // Advisors read, without forms.
    let advisor = app.sign_in_ready(ADVISOR).await;
    let (status, page) = app.follow_page(&advisor, &path).await;
    assert_eq!(status, 200);
    assert!(page.contains("degene die het deed"));
    assert!(!page.contains("name=\"body\"") && !page.contains("Zaak openen"));
    let (_, start) = app.follow_page(&advisor, "/app").await;
    let (status, _, _) = app
        .follow_post(
            &advisor,
            &format!("{path}/logbook"),
            &[
                ("csrf", &csrf_of(&start)),
                ("kind", "observation"),
                ("body", "x"),
            ],
        )
        .await;
    assert_eq!(status, 404);
    // Leadership may open a case from the pupil page.
    let leader = app.sign_in_ready(LEADER).await;
    let (_, page) = app.follow_page(&leader, &path).await;
    assert!(page.contains("Zaak openen") && page.contains("name=\"body\""));
    // The board and the data protection officer see no pupils at all.
    for email in ["bestuur@de-vuurtoren.demo", "fg@de-vuurtoren.demo"] {
        let session = app.sign_in_ready(email).await;
        for route in ["/app/pupils", path.as_str(), "/app/cases", "/app/steering"] {
            assert_eq!(
                app.follow_page(&session, route).await.0,
                404,
                "{email} {route}"
            );
        }
    }
}

#[tokio::test]
async fn the_steering_print_is_audited_and_stamped() {
    let app = TestApp::start().await;
    // What the demo's own seeding recorded is not what these tests look at.
    let seeded = app.chain_of(app.demo.school.id).await.len();
    let (own, other) = app.pupils_in_and_outside_5a().await;
    app.follow_approved_report(&own, &other, 1).await;
    let leader = app.sign_in_ready(LEADER).await;
    // The steering period is in Dutch days: an hour before midnight UTC a report just made is
    // already on tomorrow's Dutch day.
    let now = app.clock.now();
    let today = (now + chrono::Duration::hours(signaal_domain::clock::dutch_offset_hours(now)))
        .date_naive();
    let from = (today - chrono::Days::new(7)).to_string();
    let to = today.to_string();
    let (status, page) = app
        .follow_page(&leader, &format!("/app/steering?from={from}&to={to}"))
        .await;
    assert_eq!(status, 200);
    assert!(page.contains("Buitensluiten") && page.contains("Schoolplein"));
    assert!(
        !page.contains(&own.name.family_name),
        "no names in the steering view"
    );
    assert!(page.contains(&format!("/app/steering/print?from={from}&amp;to={to}")));
    let (status, print) = app
        .follow_page(&leader, &format!("/app/steering/print?from={from}&to={to}"))
        .await;
    assert_eq!(status, 200);
    let leader_name = app
        .follow_storage()
        .directory
        .staff_by_email(LEADER)
        .await
        .expect("read")
        .expect("leader")
        .display_name;
    assert!(
        print.contains(&format!("Afgedrukt door {leader_name} op ")),
        "{print}"
    );
    assert_eq!(
        print.matches("Afgedrukt door ").count(),
        2,
        "top and bottom"
    );
    // Bad periods are explained.
    let (status, page) = app
        .follow_page(&leader, &format!("/app/steering?from={to}&to={from}"))
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("De einddatum ligt voor de begindatum."));
    let (status, page) = app
        .follow_page(&leader, "/app/steering?from=gisteren")
        .await;
    assert_eq!(status, 422);
    assert!(
        page.contains("Vul bij &#34;Van&#34; een geldige datum in."),
        "{page}"
    );
    // Coordinators see it too; teachers do not.
    let coordinator = app.sign_in_ready(COORDINATOR).await;
    assert_eq!(app.follow_page(&coordinator, "/app/steering").await.0, 200);
    let teacher = app.sign_in_ready(TEACHER).await;
    assert_eq!(
        app.follow_page(&teacher, "/app/steering/print").await.0,
        404
    );
    let chain = app.chain_of(app.demo.school.id).await.split_off(seeded);
    assert_eq!(
        TestApp::actions(&chain, "steering."),
        ["steering.view", "steering.print", "steering.view"]
    );
    let leader_id = app.staff_id(LEADER).await;
    let printed = chain
        .iter()
        .find(|(action, _, _)| action == "steering.print")
        .expect("print audited");
    assert_eq!(printed.1, format!("staff:{leader_id}"));
    assert!(printed.2.contains("reports=1"));
}

/// Signs a demo account in over HTTP (password, TOTP code, statement) against any server; returns
/// the session cookie.
async fn sign_in_at(
    client: &reqwest::Client,
    base: &str,
    demo: &signaal::demo::DemoInfo,
    email: &str,
) -> String {
    let with = |request: reqwest::RequestBuilder, cookie: &str| {
        request
            .header("cookie", format!("__Host-signaal_session={cookie}"))
            .header("accept-language", "nl")
    };
    let pending = client
        .post(format!("{base}/app/login"))
        .header("x-forwarded-for", "192.0.2.60")
        .form(&[
            ("email", email),
            ("password", signaal::demo::DEMO_PASSWORD),
            ("next", "/app"),
        ])
        .send()
        .await
        .expect("login");
    let pending = set_session(&pending).expect("a pending session");
    let page = with(client.get(format!("{base}/app/login/code")), &pending)
        .send()
        .await
        .expect("code page")
        .text()
        .await
        .expect("page");
    let (_, secret) = demo
        .totp_secrets
        .iter()
        .find(|(e, _)| e == email)
        .expect("demo secret");
    let secret = signaal_domain::auth::TotpSecret::from_base32(secret).expect("base32");
    let code = signaal_domain::auth::totp::code_at(&secret, Utc::now().timestamp());
    let done = with(client.post(format!("{base}/app/login/code")), &pending)
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("code", &code),
            ("next", "/app"),
        ])
        .send()
        .await
        .expect("code");
    let session = set_session(&done).expect("a session");
    let page = with(client.get(format!("{base}/app/statement")), &session)
        .send()
        .await
        .expect("statement")
        .text()
        .await
        .expect("page");
    let school = between(&page, "name=\"school\" value=\"", "\"").to_owned();
    let accepted = with(client.post(format!("{base}/app/statement")), &session)
        .form(&[
            ("csrf", csrf_of(&page).as_str()),
            ("school", &school),
            ("version", "1"),
            ("accept", "yes"),
        ])
        .send()
        .await
        .expect("accept");
    assert_eq!(location(&accepted), "/app");
    session
}

#[tokio::test]
async fn follow_up_pages_work_on_postgresql_too() {
    let master = MasterKey::generate().expect("master key");
    let Some(storage) = postgres_storage("signaal_cases", &master).await else {
        eprintln!("skipped: SIGNAAL_TEST_POSTGRES_URL is not set");
        return;
    };
    // The demo's cases and logbook entries are made on PostgreSQL here.
    let demo = signaal::demo::seed(&storage, &SystemClock, &master)
        .await
        .expect("demo");
    let server = serve::start(storage.clone(), &master, Arc::new(SystemClock), &settings())
        .await
        .expect("start");
    let base = format!("http://{}", server.addr);
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let get = |cookie: String, path: String| {
        let client = client.clone();
        let base = base.clone();
        async move {
            let response = client
                .get(format!("{base}{path}"))
                .header("cookie", format!("__Host-signaal_session={cookie}"))
                .header("accept-language", "nl")
                .send()
                .await
                .expect("get");
            let status = response.status().as_u16();
            (status, response.text().await.expect("page"))
        }
    };
    let teacher = sign_in_at(&client, &base, &demo, TEACHER).await;
    let (status, cases) = get(teacher.clone(), "/app/cases".into()).await;
    assert_eq!(status, 200);
    assert!(
        cases.contains("Buitengesloten bij het buitenspelen"),
        "{cases}"
    );
    assert!(
        !cases.contains("Onrust op het plein"),
        "not a case of the teacher's group"
    );
    let case_path = format!("/app/cases/{}", between(&cases, "href=\"/app/cases/", "\""));
    let (status, case) = get(teacher.clone(), case_path).await;
    assert_eq!(status, 200);
    assert!(case.contains("Maatje in de pauze afgesproken"));
    let pupil_path = format!(
        "/app/pupils/{}",
        between(&case, "href=\"/app/pupils/", "\"")
    );
    let (status, pupil) = get(teacher.clone(), pupil_path.clone()).await;
    assert_eq!(status, 200);
    assert!(pupil.contains("Speelt in de pauzes alleen"));
    let today = Utc::now().date_naive().to_string();
    let added = client
        .post(format!("{base}{pupil_path}/logbook"))
        .header("cookie", format!("__Host-signaal_session={teacher}"))
        .form(&[
            ("csrf", csrf_of(&pupil).as_str()),
            ("kind", "referral"),
            ("occurred_on", &today),
            ("body", "Doorverwezen naar de schoolmaatschappelijk werker."),
            ("parents_informed", "no"),
        ])
        .send()
        .await
        .expect("add");
    assert_eq!(added.status(), 303);
    let (_, pupil) = get(teacher.clone(), pupil_path).await;
    assert!(pupil.contains("Doorverwezen naar de schoolmaatschappelijk werker."));

    let leader = sign_in_at(&client, &base, &demo, LEADER).await;
    let (status, print) = get(leader, "/app/steering/print".into()).await;
    assert_eq!(status, 200);
    assert!(print.contains("Afgedrukt door ") && print.contains("Onrust op het plein"));
    server.stop(Duration::from_secs(5)).await;
}
