//! The access report and the portability export over HTTP (issue 7, items 5 and 6): a pupil named
//! in reports together with another pupil, by a reporter who left contact details and messages.
//! What leaves the school must hold none of that; the same strings are shown to be in the school's
//! own pages first, so each check can fail. Storage is covered on both backends by the
//! conformance suite (`conformance_access`).

use super::*;

const ADVISOR: &str = "adviseur@de-vuurtoren.demo";
const TEACHER_NAME: &str = "Marieke Visser (leerkracht groep 5a)";
const ADVISOR_NAME: &str = "Joost van Dam (adviseur)";
const DESCRIPTION: &str = "Zij sluiten hem buiten bij het voetbalveld, zegt Lotte.";
const CONTACT: &str = "Lotte uit groep 7, via juf Anja";
const REPORTER_MESSAGE: &str = "Vandaag gebeurde het opnieuw bij de glijbaan.";

impl TestApp {
    fn access_storage(&self) -> Storage {
        self.store.clone().into_storage()
    }

    /// Sends the public form naming `did_it` and `done_to` with contact details, writes a
    /// message as the reporter, links both names as the demo coordinator and approves the report.
    /// Returns the report and the receipt.
    async fn reported_with_contact(
        &self,
        did_it: &signaal_domain::school::Pupil,
        done_to: &signaal_domain::school::Pupil,
    ) -> (signaal_domain::ReportId, String) {
        let token = form_token(&self.form_page().await);
        self.clock.advance(5);
        let mut fields = complete_form(&token);
        for (name, value) in &mut fields {
            match *name {
                "did_it_name" if value == "Sem de Vries" => *value = did_it.name.full(),
                "did_it_group" if value == "groep 6a" => value.clear(),
                "done_to_name" => *value = done_to.name.full(),
                "description" => *value = DESCRIPTION.into(),
                "contact" => *value = CONTACT.into(),
                _ => {}
            }
        }
        fields.push(("wants_contact", "yes".into()));
        let (status, thanks) = self
            .post_form(&format!("/s/{SCHOOL}"), &fields, "192.0.2.77")
            .await;
        assert_eq!(status, 200, "{thanks}");
        let receipt = receipt_words(&thanks);
        let message = [
            ("receipt", receipt.clone()),
            ("message", REPORTER_MESSAGE.into()),
            ("lang", "nl".into()),
        ];
        let (status, page) = self
            .post_form(
                &format!("/s/{SCHOOL}/volgen/bericht"),
                &message,
                "192.0.2.77",
            )
            .await;
        assert_eq!(status, 200, "{page}");

        let storage = self.access_storage();
        let school = self.demo.school.id;
        let coordinator =
            signaal_domain::policy::Actor::Staff(signaal_domain::policy::StaffActor {
                id: self.staff_id(COORDINATOR).await,
                is_provider_admin: false,
                memberships: vec![signaal_domain::policy::Membership::new(
                    school,
                    signaal_domain::staff::Role::Coordinator,
                )],
            });
        let grant = signaal_domain::policy::authorize(&coordinator, school, self.clock.now())
            .expect("grant");
        let queue = storage
            .reports
            .intake_queue(&grant, 100, self.clock.now())
            .await
            .expect("queue");
        let report = queue
            .iter()
            .find(|r| r.description == DESCRIPTION)
            .expect("the report in intake");
        let (id, mut version) = (report.id, report.version);
        for did in [true, false] {
            let pupil = if did { did_it } else { done_to };
            version = storage
                .intake
                .link_person(
                    &grant,
                    id,
                    signaal_domain::intake::PersonRef {
                        did_it: did,
                        position: 0,
                    },
                    Some(pupil.id),
                    version,
                    self.clock.now(),
                )
                .await
                .expect("link");
        }
        let approved = storage
            .intake
            .approve(&grant, id, version, self.clock.now())
            .await
            .expect("approve");
        assert_eq!(approved, signaal_storage::intake::Approval::Approved);
        (id, receipt)
    }

    /// Registers a request of `kind` for `pupil` as leadership; returns its id.
    async fn request_for(
        &self,
        leader: &str,
        pupil: &signaal_domain::school::Pupil,
        kind: &str,
    ) -> String {
        let (_, form) = self.follow_page(leader, "/app/requests/new").await;
        let today = self.clock.now().date_naive().to_string();
        let id = pupil.id.to_string();
        let (status, to, page) = self
            .follow_post(
                leader,
                "/app/requests",
                &[
                    ("csrf", &csrf_of(&form)),
                    ("pupil", &id),
                    ("kind", kind),
                    ("received_on", &today),
                    ("requester_name", "Mevrouw Jansen"),
                    ("verification", "Paspoort getoond, niet gekopieerd"),
                    ("verified_by", "Ilse de Leeuw"),
                    ("requester", "parent"),
                ],
            )
            .await;
        assert_eq!(status, 303, "{page}");
        to.trim_start_matches("/app/requests/").to_owned()
    }
}

#[tokio::test]
async fn the_access_report_and_the_export_leave_out_reporters_and_other_pupils() {
    let app = TestApp::start().await;
    let (pupil, other) = app.pupils_in_and_outside_5a().await;
    let other_name = other.name.full();
    // The pupil did it to the other pupil (with contact details and a message), and the other
    // pupil did it to the pupil.
    let (first, receipt) = app.reported_with_contact(&pupil, &other).await;
    let second = app.follow_approved_report(&other, &pupil, 41).await;

    // Positive control: the school's own intake page shows what must not leave it.
    let coordinator = app.sign_in_ready(COORDINATOR).await;
    let (status, intake) = app
        .follow_page(&coordinator, &format!("/app/intake/{first}"))
        .await;
    assert_eq!(status, 200);
    let secrets = [
        other_name.as_str(),
        DESCRIPTION,
        CONTACT,
        REPORTER_MESSAGE,
        "Ze mag nooit meedoen in de pauze.",
    ];
    let (status, second_intake) = app
        .follow_page(&coordinator, &format!("/app/intake/{second}"))
        .await;
    assert_eq!(status, 200);
    for secret in secrets {
        assert!(
            intake.contains(secret) || second_intake.contains(secret),
            "{secret} is on an intake page"
        );
    }
    // The receipt is real: it opens the mailbox.
    let (status, mailbox) = app
        .post_form(
            &format!("/s/{SCHOOL}/volgen"),
            &[("receipt", receipt.clone()), ("lang", "nl".into())],
            "192.0.2.77",
        )
        .await;
    assert_eq!(status, 200);
    assert!(mailbox.contains(REPORTER_MESSAGE));

    // The teacher of 5a opens the pupil's page; the advisor opens nothing of theirs.
    let teacher = app.sign_in_ready(TEACHER).await;
    let (status, _) = app
        .follow_page(&teacher, &format!("/app/pupils/{}", pupil.id))
        .await;
    assert_eq!(status, 200);
    let _advisor = app.sign_in_ready(ADVISOR).await;

    let leader = app.sign_in_ready(LEADER).await;
    let request = app.request_for(&leader, &pupil, "access").await;
    let (_, request_page) = app
        .follow_page(&leader, &format!("/app/requests/{request}"))
        .await;
    assert!(request_page.contains(&format!("/app/requests/{request}/access-report/items")));
    assert!(!request_page.contains("portability.json"));

    // The selection form lists both reports; leadership ticks the second only.
    let items_path = format!("/app/requests/{request}/access-report/items");
    let (status, items) = app.follow_page(&leader, &items_path).await;
    assert_eq!(status, 200);
    assert!(
        items.contains(&format!("value=\"{first}\""))
            && items.contains(&format!("value=\"{second}\""))
    );
    let second_id = second.to_string();
    let (status, to, _) = app
        .follow_post(
            &leader,
            &items_path,
            &[("csrf", &csrf_of(&items)), ("item", &second_id)],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(to, format!("/app/requests/{request}/access-report"));
    // Nonsense in the form is refused with a clear message and nothing else changes.
    let (status, _, refused) = app
        .follow_post(
            &leader,
            &items_path,
            &[("csrf", &csrf_of(&items)), ("item", "niet-een-melding")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(refused.contains("kon niet worden gelezen"), "{refused}");

    // The data protection officer reads the report.
    let dpo = app.sign_in_ready(DPO).await;
    let report_path = format!("/app/requests/{request}/access-report");
    let response = app
        .with_cookie(reqwest::Method::GET, &report_path, &dpo, &[])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.expect("page");
    assert!(page.contains(&pupil.name.full()));
    let knowledge = between(&page, "<table id=\"knowledge\"", "</table>");
    assert!(knowledge.contains(TEACHER_NAME), "{knowledge}");
    assert!(
        knowledge.contains("Ahmed Benali"),
        "linked the names: {knowledge}"
    );
    assert!(!knowledge.contains(ADVISOR_NAME), "{knowledge}");
    // Counted: both reports, one per role; described: the second only (exclusion), not the
    // first (verbal and online).
    let behaviours = between(&page, "<table id=\"behaviours\"", "</table>");
    assert!(
        behaviours.contains("Online") || behaviours.contains("online"),
        "{behaviours}"
    );
    let details = between(&page, "<table id=\"details\"", "</table>");
    assert_eq!(
        details.matches("<tr>").count(),
        2,
        "a header and one item: {details}"
    );
    assert!(details.contains("degene bij wie het gebeurde"), "{details}");
    assert!(!details.to_lowercase().contains("online"), "{details}");

    let response = app
        .with_cookie(
            reqwest::Method::GET,
            &format!("{report_path}.json"),
            &dpo,
            &[],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let json_text = response.text().await.expect("json");
    let json: serde_json::Value = serde_json::from_str(&json_text).expect("valid JSON");
    assert_eq!(json["schema"], "signaal.access-report.v1");
    // The processing of reports, of support and the logbook, and of requests: not staff accounts.
    assert_eq!(json["purposes"].as_array().map(Vec::len), Some(3));
    assert_eq!(json["reports_as_actor"], 1);
    assert_eq!(json["reports_as_target"], 1);
    assert_eq!(json["details"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        json["details"][0]["categories"],
        serde_json::json!(["exclusion"])
    );

    // The portability export of a portability request.
    let portability = app.request_for(&leader, &pupil, "portability").await;
    let response = app
        .with_cookie(
            reqwest::Method::GET,
            &format!("/app/requests/{portability}/portability.json"),
            &leader,
            &[],
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    assert!(
        response.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .starts_with("attachment;")
    );
    let export_text = response.text().await.expect("json");
    let export: serde_json::Value = serde_json::from_str(&export_text).expect("valid JSON");
    assert_eq!(export["schema"], "signaal.portability-export.v1");
    assert_eq!(
        export["provided"]["pupil"]["family_name"],
        pupil.name.family_name.as_str()
    );
    assert_eq!(
        export["held_about"]["reports"].as_array().map(Vec::len),
        Some(2)
    );

    for (what, text) in [
        ("page", &page),
        ("json", &json_text),
        ("export", &export_text),
    ] {
        for secret in secrets {
            assert!(!text.contains(secret), "{secret} is in the {what}");
        }
        assert!(!text.contains(&receipt), "the receipt is in the {what}");
    }

    // Making them was audited with ids and counts.
    let chain = app.chain_of(app.demo.school.id).await;
    let made: Vec<&(String, String, String)> = chain
        .iter()
        .filter(|(a, _, _)| a == "privacy.access_report" || a == "privacy.portability_export")
        .collect();
    assert_eq!(made.len(), 3, "{made:?}");
    let dpo_id = app.staff_id(DPO).await;
    assert_eq!(made[0].1, format!("staff:{dpo_id}"));
    assert!(
        made.iter()
            .all(|(_, _, o)| o.contains("reports=2") && !o.contains(&pupil.name.given_name)),
        "{made:?}"
    );
    assert!(made[0].2.starts_with("ok format=html ") && made[1].2.starts_with("ok format=json "));
}

#[tokio::test]
async fn others_get_not_found_and_the_attempt_is_recorded() {
    let app = TestApp::start().await;
    let (pupil, _) = app.pupils_in_and_outside_5a().await;
    let leader = app.sign_in_ready(LEADER).await;
    let access = app.request_for(&leader, &pupil, "access").await;
    let portability = app.request_for(&leader, &pupil, "portability").await;

    // The teacher: nothing of it, and the attempt is in the school's log.
    let teacher = app.sign_in_ready(TEACHER).await;
    let teacher_id = app.staff_id(TEACHER).await;
    for path in [
        format!("/app/requests/{access}/access-report"),
        format!("/app/requests/{access}/access-report.json"),
        format!("/app/requests/{access}/access-report/items"),
        format!("/app/requests/{portability}/portability.json"),
    ] {
        let (status, _) = app.follow_page(&teacher, &path).await;
        assert_eq!(status, 404, "{path}");
    }
    // The data protection officer reads the report but neither chooses items nor exports.
    let dpo = app.sign_in_ready(DPO).await;
    let (status, _) = app
        .follow_page(&dpo, &format!("/app/requests/{access}/access-report"))
        .await;
    assert_eq!(status, 200);
    let (status, _) = app
        .follow_page(&dpo, &format!("/app/requests/{access}/access-report/items"))
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .follow_page(
            &dpo,
            &format!("/app/requests/{portability}/portability.json"),
        )
        .await;
    assert_eq!(status, 404);
    // A choice without the session's form token changes nothing.
    let (status, _, _) = app
        .follow_post(
            &leader,
            &format!("/app/requests/{access}/access-report/items"),
            &[("item", &uuid::Uuid::now_v7().to_string())],
        )
        .await;
    assert_eq!(status, 403);
    // The wrong kind of request, and no request: not found.
    let (status, _) = app
        .follow_page(
            &leader,
            &format!("/app/requests/{portability}/access-report"),
        )
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .follow_page(
            &leader,
            &format!("/app/requests/{}/access-report", uuid::Uuid::now_v7()),
        )
        .await;
    assert_eq!(status, 404);

    let chain = app.chain_of(app.demo.school.id).await;
    let denied: Vec<(&str, &str)> = chain
        .iter()
        .filter(|(a, _, _)| a.starts_with("denied."))
        .map(|(a, by, _)| (a.as_str(), by.as_str()))
        .collect();
    let by_teacher = format!("staff:{teacher_id}");
    assert_eq!(
        denied
            .iter()
            .filter(|(a, by)| *a == "denied.read_privacy" && *by == by_teacher)
            .count(),
        2,
        "{denied:?}"
    );
    assert_eq!(
        denied
            .iter()
            .filter(|(a, _)| *a == "denied.manage_privacy")
            .count(),
        4,
        "two by the teacher, two by the data protection officer: {denied:?}"
    );

    // A request of another school, asked for by this school's leader: not found, and the attempt
    // is recorded in that school's log.
    let storage = app.access_storage();
    let (elsewhere, their_pupils) = super::setup::other_school_with_pupils(
        &storage,
        "Stichting Elders",
        "de-eik",
        "Basisschool De Eik",
        (3, 9),
    )
    .await;
    let directory =
        signaal_domain::policy::authorize_directory(&signaal_domain::policy::Actor::Operator)
            .expect("grant");
    let their_leader = storage
        .directory
        .create_staff(
            &directory,
            &signaal_storage::NewStaff {
                email: "directie@de-eik.test".into(),
                display_name: "Directeur De Eik".into(),
                is_provider_admin: false,
            },
            Utc::now(),
        )
        .await
        .expect("account");
    storage
        .directory
        .assign_role(
            &directory,
            their_leader.id,
            elsewhere.id,
            signaal_domain::staff::Role::Leadership,
            Utc::now(),
        )
        .await
        .expect("role");
    let manage = signaal_domain::policy::authorize(
        &signaal_domain::policy::Actor::Staff(signaal_domain::policy::StaffActor {
            id: their_leader.id,
            is_provider_admin: false,
            memberships: vec![signaal_domain::policy::Membership::new(
                elsewhere.id,
                signaal_domain::staff::Role::Leadership,
            )],
        }),
        elsewhere.id,
        Utc::now(),
    )
    .expect("grant");
    let theirs = storage
        .privacy
        .register_request(
            &manage,
            &signaal_storage::privacy::NewRequest {
                pupil: their_pupils[0].id,
                kind: signaal_domain::privacy::RequestKind::Access,
                received_on: Utc::now().date_naive(),
                requester_name: "Meneer Elders".into(),
                details: None,
                verification: "Paspoort getoond".into(),
                verified_by: "Directeur De Eik".into(),
                requester_if_unknown: Some(signaal_domain::privacy::Requester::Parent),
            },
            Utc::now(),
        )
        .await
        .expect("register")
        .expect("registered");
    let (status, _) = app
        .follow_page(
            &leader,
            &format!("/app/requests/{}/access-report", theirs.id),
        )
        .await;
    assert_eq!(status, 404);
    let leader_id = app.staff_id(LEADER).await;
    let there = app.chain_of(elsewhere.id).await;
    assert!(
        there.contains(&(
            "denied.read_privacy".to_owned(),
            format!("staff:{leader_id}"),
            "denied".to_owned()
        )),
        "{there:?}"
    );
}
