//! Intake actions over HTTP (issue 5, part 1): a report from the public form is linked, redacted,
//! kept with a reason and approved, and the reporter reads the adjustment message with the receipt;
//! approval with unresolved hits is refused on the page and through the API; two coordinators on one
//! report get the conflict page with both versions; another school's report or pupil is not found;
//! bad input is explained.

use super::*;

use signaal_domain::intake::{PersonRef, TextField};
use signaal_domain::policy::{self, Actor, ModerateReports, SchoolGrant};
use signaal_domain::report::{FormChoices, NameDraft, ReportDraft};

/// The hidden value of `name` in the first form that has it.
fn hidden(page: &str, name: &str) -> String {
    between(page, &format!("name=\"{name}\" value=\""), "\"").to_owned()
}

impl TestApp {
    async fn page(&self, session: &str, path: &str) -> (u16, String) {
        let response = self
            .with_cookie(reqwest::Method::GET, path, session, &[])
            .await;
        (
            response.status().as_u16(),
            response.text().await.expect("page"),
        )
    }

    /// Posts an intake action with the page's CSRF token and version.
    async fn act(
        &self,
        session: &str,
        report: &str,
        fields: &[(&str, &str)],
    ) -> (u16, String, String) {
        let (_, page) = self.page(session, &format!("/app/intake/{report}")).await;
        let csrf = csrf_of(&page);
        let version = hidden(&page, "version");
        let mut form = vec![("csrf", csrf.as_str()), ("version", version.as_str())];
        form.extend_from_slice(fields);
        let response = self
            .with_cookie(
                reqwest::Method::POST,
                &format!("/app/intake/{report}"),
                session,
                &form,
            )
            .await;
        let status = response.status().as_u16();
        let to = location(&response);
        (status, to, response.text().await.expect("body"))
    }

    fn storage(&self) -> Storage {
        self.store.clone().into_storage()
    }

    /// A coordinator's intake grant at the demo school (for setting up through storage).
    async fn intake_grant(&self) -> SchoolGrant<ModerateReports> {
        let id = self.staff_id(COORDINATOR).await;
        let storage = self.storage();
        let actor = Actor::Staff(policy::StaffActor {
            id,
            is_provider_admin: false,
            memberships: storage.staff_auth.memberships(id).await.expect("roles"),
        });
        policy::authorize(&actor, self.demo.school.id, Utc::now()).expect("grant")
    }

    /// A new report with a health term and a phone number, stored directly.
    async fn sensitive_report(&self, receipt: u8) -> signaal_domain::ReportId {
        let draft = ReportDraft {
            reporter: "pupil_self".into(),
            categories: vec!["verbal".into()],
            place: "classroom".into(),
            frequency: "once".into(),
            did_it: vec![NameDraft {
                name: "Sem".into(),
                group: String::new(),
            }],
            description: "Hij zegt dat ik ADHD heb. Bel me op 06-12345678.".into(),
            ..Default::default()
        }
        .validate(&FormChoices::default(), self.clock.now().date_naive())
        .expect("valid");
        self.storage()
            .reports
            .submit(self.demo.school.id, &draft, [receipt; 32], self.clock.now())
            .await
            .expect("submit")
            .id
    }
}

#[tokio::test]
async fn a_report_goes_from_the_form_through_intake_to_the_reporters_mailbox() {
    let app = TestApp::start().await;
    let token = form_token(&app.form_page().await);
    app.clock.advance(5);
    let mut form = complete_form(&token);
    for (name, value) in form.iter_mut() {
        if *name == "description" {
            *value = "Sem zegt dat Noor ADHD heeft. Zijn nummer is 06-12345678.".into();
        }
    }
    let (status, thanks) = app
        .post_form(&format!("/s/{SCHOOL}"), &form, "192.0.2.7")
        .await;
    assert_eq!(status, 200, "{thanks}");
    let receipt = receipt_words(&thanks);

    let session = app.sign_in_ready(COORDINATOR).await;
    let (status, queue) = app.page(&session, "/app/intake").await;
    assert_eq!(status, 200);
    // The report just sent (found by its text; demo reports of today may be listed above it),
    // with what needs doing.
    let report = app
        .storage()
        .reports
        .intake_queue(&app.intake_grant().await, 500, Utc::now())
        .await
        .expect("queue")
        .into_iter()
        .find(|r| r.description.starts_with("Sem zegt dat Noor ADHD heeft."))
        .expect("the report")
        .id
        .to_string();
    let row = between(
        &queue,
        &format!("<a href=\"/app/intake/{report}\">"),
        "</tr>",
    )
    .to_owned();
    assert!(
        row.contains("gevoelige gegevens: 2") && row.contains("namen te koppelen: 2"),
        "{row}"
    );
    let path = format!("/app/intake/{report}");
    let (status, page) = app.page(&session, &path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Wie is &#34;Sem de Vries&#34;?"), "{page}");
    // Approving now lists what still needs doing, each linked to its place on the page.
    let (status, _, blocked) = app.act(&session, &report, &[("do", "approve")]).await;
    assert_eq!(status, 422);
    assert!(blocked.contains("Deze melding kan nog niet worden goedgekeurd."));
    assert!(blocked.contains("href=\"#field-description\""));
    assert!(
        blocked.contains("href=\"#name-did_it-0\"") && blocked.contains("href=\"#name-done_to-0\"")
    );

    // Link the one who did it to a pupil of group 5a from the whole roster; the other cannot be
    // traced.
    let (in_5a, _) = app.pupils_in_and_outside_5a().await;
    let pupil = in_5a.id.to_string();
    let line = between(&page, "id=\"name-did_it-0\"", "</form>").to_owned();
    assert!(
        between(&line, "name=\"other_pupil\">", "</select>").contains(&pupil),
        "the whole roster is offered"
    );
    let (status, to, _) = app
        .act(
            &session,
            &report,
            &[
                ("do", "link"),
                ("person", "did_it/0"),
                ("pupil", "other"),
                ("other_pupil", &pupil),
            ],
        )
        .await;
    assert_eq!(
        (status, to.as_str()),
        (303, format!("{path}?done=link#name-did_it-0").as_str())
    );
    let (status, _, _) = app
        .act(
            &session,
            &report,
            &[("do", "link"), ("person", "done_to/0"), ("pupil", "none")],
        )
        .await;
    assert_eq!(status, 303);

    // Redact the phone number: the page then offers the standard message to the reporter.
    let (status, to, _) = app
        .act(
            &session,
            &report,
            &[
                ("do", "redact"),
                ("field", "description"),
                ("key", "phone:06-12345678"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(to, format!("{path}?done=redact&notify=1#message"));
    let (_, page) = app
        .page(&session, &format!("{path}?done=redact&notify=1"))
        .await;
    assert!(page.contains("Het gegeven is onleesbaar gemaakt."));
    assert!(page.contains("Zijn nummer is [verwijderd]."), "{page}");
    assert!(!page.contains("06-12345678"));
    assert!(page.contains("onleesbaar gemaakt: telefoonnummer in In de woorden van de melder"));
    let standard = between(
        &page,
        "name=\"body\" rows=\"4\" maxlength=\"4000\">",
        "</textarea>",
    )
    .to_owned();
    assert!(
        standard.starts_with("Dank je wel voor je melding."),
        "{standard}"
    );
    assert!(page.contains("Niet versturen"));
    let (status, _, _) = app
        .act(&session, &report, &[("do", "message"), ("body", &standard)])
        .await;
    assert_eq!(status, 303);

    // Keeping needs a reason; with one, approval goes through.
    let keep = [
        ("do", "keep"),
        ("field", "description"),
        ("key", "health:adhd"),
        ("justification", "   "),
    ];
    let (status, _, page) = app.act(&session, &report, &keep).await;
    assert_eq!(status, 422);
    assert!(page.contains("Schrijf op waarom dit gegeven moet blijven staan."));
    let mut keep = keep;
    keep[3].1 = "Noor vertelde het zelf; nodig voor de aanpak.";
    let (status, _, _) = app.act(&session, &report, &keep).await;
    assert_eq!(status, 303);
    let (_, page) = app.page(&session, &path).await;
    assert!(page.contains("blijft staan, omdat: Noor vertelde het zelf; nodig voor de aanpak."));
    let (status, to, _) = app.act(&session, &report, &[("do", "approve")]).await;
    assert_eq!((status, to.as_str()), (303, "/app/intake?done=approve"));
    let (_, queue) = app.page(&session, &to).await;
    assert!(queue.contains("De melding is goedgekeurd."));
    assert!(!queue.contains(&path));
    // Decided: the page shows it, and nothing can be changed any more.
    let (status, page) = app.page(&session, &path).await;
    assert_eq!(status, 200);
    assert!(page.contains("Deze melding is goedgekeurd."));
    assert!(!page.contains("value=\"approve\""));

    // The reporter sees the school at work and the message, with the receipt.
    let (status, follow) = app
        .post_form(
            &format!("/s/{SCHOOL}/volgen"),
            &[("receipt", receipt), ("lang", "nl".into())],
            "192.0.2.7",
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        follow.contains("Nu: </span>De school is ermee bezig"),
        "{follow}"
    );
    assert!(follow.contains("Dank je wel voor je melding."));

    // Every step is in the school's log by id and code, never the text.
    let chain = app.chain_of(app.demo.school.id).await;
    let coordinator = format!("staff:{}", app.staff_id(COORDINATOR).await);
    let steps: Vec<&str> = chain
        .iter()
        .filter(|(_, actor, _)| *actor == coordinator)
        .map(|(action, _, _)| action.as_str())
        .filter(|a| {
            [
                "report.link",
                "report.redact",
                "report.message",
                "report.keep_hit",
                "report.approve",
            ]
            .contains(a)
        })
        .collect();
    assert!(steps.ends_with(&[
        "report.link",
        "report.link",
        "report.redact",
        "report.message",
        "report.keep_hit",
        "report.approve"
    ]));
    assert!(
        !chain
            .iter()
            .any(|(_, _, o)| o.contains("ADHD") || o.contains("12345678"))
    );

    // Follow-up: the teacher of the pupil's group sees the approved report on the pupil page (not
    // who sent it) and writes in the logbook.
    let teacher = app.sign_in_ready(TEACHER).await;
    let pupil_path = format!("/app/pupils/{pupil}");
    let (status, page) = app.follow_page(&teacher, &pupil_path).await;
    assert_eq!(status, 200);
    let row = "<td>degene die het deed</td><td>Online pesten, Uitschelden of uitlachen</td>\
               <td>Schoolplein</td>";
    assert!(page.contains(row), "{page}");
    let csrf = csrf_of(&page);
    let today = app.clock.now().date_naive().to_string();
    let entry = [
        ("csrf", csrf.as_str()),
        ("kind", "talk_pupil"),
        ("occurred_on", today.as_str()),
        ("body", "Gesprek gehad over het uitlachen in de pauze."),
    ];
    let (status, _, _) = app
        .follow_post(&teacher, &format!("{pupil_path}/logbook"), &entry)
        .await;
    assert_eq!(status, 303);
    let (_, page) = app.follow_page(&teacher, &pupil_path).await;
    assert!(page.contains("Gesprek gehad over het uitlachen in de pauze."));

    // The same teacher, now teaching another group only, is refused the page and the logbook.
    let storage = app.storage();
    let teacher_id = app.staff_id(TEACHER).await;
    let leadership = Actor::Staff(policy::StaffActor {
        id: app.staff_id(LEADER).await,
        is_provider_admin: false,
        memberships: vec![policy::Membership::new(
            app.demo.school.id,
            signaal_domain::staff::Role::Leadership,
        )],
    });
    let read: SchoolGrant<policy::ReadRoster> =
        policy::authorize(&leadership, app.demo.school.id, Utc::now()).expect("roster");
    let other_group = storage
        .rosters
        .groups(&read, app.clock.now().date_naive())
        .await
        .expect("groups")
        .into_iter()
        .find(|g| Some(g.id) != in_5a.group_id)
        .expect("another group")
        .id;
    let manage = policy::authorize(&leadership, app.demo.school.id, Utc::now()).expect("manage");
    let access = signaal_domain::staff::StaffAccess::new(
        vec![signaal_domain::staff::Role::Teacher],
        vec![other_group],
        None,
    )
    .expect("valid access");
    assert!(
        storage
            .staff_admin
            .set_access(&manage, teacher_id, &access, Utc::now())
            .await
            .expect("set access")
    );
    assert_eq!(app.follow_page(&teacher, &pupil_path).await.0, 404);
    let (status, _, _) = app
        .follow_post(&teacher, &format!("{pupil_path}/logbook"), &entry)
        .await;
    assert_eq!(status, 404);
    let chain = app.chain_of(app.demo.school.id).await;
    let teacher_actor = format!("staff:{teacher_id}");
    let teachers: Vec<&str> = chain
        .iter()
        .filter(|(_, actor, _)| *actor == teacher_actor)
        .map(|(action, _, _)| action.as_str())
        .filter(|a| a.starts_with("logbook.") || a.starts_with("denied."))
        .collect();
    assert!(
        teachers.ends_with(&["logbook.add", "denied.read_reports", "denied.write_logbook"]),
        "{teachers:?}"
    );
}

#[tokio::test]
async fn approval_with_unresolved_hits_is_refused_through_the_api_too() {
    let app = TestApp::start().await;
    let report = app.sensitive_report(71).await;
    let session = app.sign_in_ready(COORDINATOR).await;
    let token = app
        .make_token(&session, "intake", &["intake:write"], "30")
        .await;
    let roster_only = app
        .make_token(&session, "roster", &["roster:read"], "30")
        .await;
    let path = staff_path(&format!("reports/{report}/approve"));
    let post = |token: String, body: serde_json::Value, path: String| {
        let app = &app;
        async move {
            let response = app
                .bearer(reqwest::Method::POST, &path, &token, Some(body))
                .await;
            let status = response.status().as_u16();
            (
                status,
                response.json::<serde_json::Value>().await.expect("json"),
            )
        }
    };
    let (status, body) = post(
        token.clone(),
        serde_json::json!({"version": 1}),
        path.clone(),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error"], "blocked");
    let codes: Vec<&str> = body["blockers"]
        .as_array()
        .expect("blockers")
        .iter()
        .map(|b| b["code"].as_str().expect("code"))
        .collect();
    assert_eq!(
        codes,
        [
            "hit:description:health:adhd",
            "hit:description:phone:06-12345678",
            "unlinked:did_it/0"
        ]
    );
    // The scope is needed; a stale version is a conflict; a bad body is explained.
    let (status, _) = post(roster_only, serde_json::json!({"version": 1}), path.clone()).await;
    assert_eq!(status, 403);
    let (status, body) = post(
        token.clone(),
        serde_json::json!({"version": 7}),
        path.clone(),
    )
    .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("version_conflict"))
    );
    let (status, _) = post(token.clone(), serde_json::json!({"v": 1}), path.clone()).await;
    assert_eq!(status, 400);
    let reject = staff_path(&format!("reports/{report}/reject"));
    let (status, body) = post(
        token.clone(),
        serde_json::json!({"version": 1, "reason": "boring"}),
        reject.clone(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body["message"]
            .as_str()
            .expect("message")
            .contains("not_about_children")
    );
    let unknown = staff_path(&format!("reports/{}/approve", uuid::Uuid::new_v4()));
    let (status, _) = post(token.clone(), serde_json::json!({"version": 1}), unknown).await;
    assert_eq!(status, 404);

    // Resolved through storage (as the page does), the API approves.
    let grant = app.intake_grant().await;
    let storage = app.storage();
    let leader = Actor::Staff(policy::StaffActor {
        id: signaal_domain::StaffId::new(),
        is_provider_admin: false,
        memberships: vec![policy::Membership::new(
            app.demo.school.id,
            signaal_domain::staff::Role::Leadership,
        )],
    });
    let read = policy::authorize::<policy::ReadRoster>(&leader, app.demo.school.id, Utc::now())
        .expect("grant");
    let pupil = storage
        .rosters
        .pupils(&read, Utc::now())
        .await
        .expect("pupils")[0]
        .id;
    let sem = PersonRef {
        did_it: true,
        position: 0,
    };
    let now = Utc::now();
    let v = storage
        .intake
        .link_person(&grant, report, sem, Some(pupil), 1, now)
        .await
        .expect("link");
    let v = storage
        .intake
        .redact_hit(
            &grant,
            report,
            TextField::Description,
            "phone:06-12345678",
            v,
            now,
        )
        .await
        .expect("redact");
    let v = storage
        .intake
        .redact_hit(
            &grant,
            report,
            TextField::Description,
            "health:adhd",
            v,
            now,
        )
        .await
        .expect("redact");
    let (status, body) = post(
        token.clone(),
        serde_json::json!({"version": v}),
        path.clone(),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["intake"], "approved");
    let (status, body) = post(token, serde_json::json!({"version": v + 1}), path).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("already_decided"))
    );
}

#[tokio::test]
async fn a_second_save_on_an_old_version_shows_both_and_loses_nothing() {
    let app = TestApp::start().await;
    let report = app.sensitive_report(72).await.to_string();
    let path = format!("/app/intake/{report}");
    let first = app.sign_in_ready(COORDINATOR).await;
    let second = app.sign_in_ready(LEADER).await;
    // Both open version 1.
    let (_, page_a) = app.page(&first, &path).await;
    let (_, page_b) = app.page(&second, &path).await;
    assert_eq!(hidden(&page_a, "version"), "1");
    let save = |session: String, page: String, text: &'static str| {
        let app = &app;
        let path = path.clone();
        async move {
            let csrf = csrf_of(&page);
            let response = app
                .with_cookie(
                    reqwest::Method::POST,
                    &path,
                    &session,
                    &[
                        ("csrf", csrf.as_str()),
                        ("version", "1"),
                        ("do", "correct"),
                        ("field", "description"),
                        ("text", text),
                    ],
                )
                .await;
            (
                response.status().as_u16(),
                response.text().await.expect("body"),
            )
        }
    };
    let (status, _) = save(first.clone(), page_a, "Hij pest mij in de pauze.").await;
    assert_eq!(status, 303);
    let (status, conflict) = save(second.clone(), page_b, "Hij pest mij elke dag.").await;
    assert_eq!(status, 409);
    assert!(conflict.contains("Iemand anders was je voor"));
    assert!(
        conflict.contains("nu versie 2; jij werkte op versie 1"),
        "{conflict}"
    );
    // What is stored now, and what was sent, kept in a box to send again on the new version.
    assert!(conflict.contains("Hij pest mij in de pauze."));
    assert!(conflict.contains(">Hij pest mij elke dag.</textarea>"));
    assert_eq!(hidden(&conflict, "version"), "2");
    let csrf = csrf_of(&conflict);
    let again = app
        .with_cookie(
            reqwest::Method::POST,
            &path,
            &second,
            &[
                ("csrf", csrf.as_str()),
                ("version", "2"),
                ("do", "correct"),
                ("field", "description"),
                ("text", "Hij pest mij elke dag."),
            ],
        )
        .await;
    assert_eq!(again.status(), 303);
    let (_, page) = app.page(&first, &path).await;
    assert!(page.contains("Hij pest mij elke dag."));
    // Two correction notes, by each of them.
    assert_eq!(
        page.matches("tekst verbeterd in In de woorden van de melder")
            .count(),
        2
    );
}

#[tokio::test]
async fn another_schools_report_or_pupil_is_not_found_and_bad_input_is_explained() {
    let app = TestApp::start().await;
    let storage = app.storage();
    let now = Utc::now();
    // A second school with a pupil and a report.
    let (other, their_pupils) = super::setup::other_school_with_pupils(
        &storage,
        "Andere stichting",
        "de-ander",
        "De Ander",
        (5, 3),
    )
    .await;
    let their_pupil = their_pupils[0].id;
    let draft = ReportDraft {
        reporter: "pupil_self".into(),
        categories: vec!["verbal".into()],
        place: "classroom".into(),
        frequency: "once".into(),
        description: "Iets bij de andere school.".into(),
        ..Default::default()
    }
    .validate(&FormChoices::default(), now.date_naive())
    .expect("valid");
    let theirs = storage
        .reports
        .submit(other.id, &draft, [73; 32], now)
        .await
        .expect("submit")
        .id;

    let ours = app.sensitive_report(74).await.to_string();
    let session = app.sign_in_ready(COORDINATOR).await;
    let (_, page) = app.page(&session, &format!("/app/intake/{ours}")).await;
    let csrf = csrf_of(&page);
    // Their report: not found, to look at and to change.
    let (status, _) = app.page(&session, &format!("/app/intake/{theirs}")).await;
    assert_eq!(status, 404);
    let response = app
        .with_cookie(
            reqwest::Method::POST,
            &format!("/app/intake/{theirs}"),
            &session,
            &[
                ("csrf", &csrf),
                ("version", "1"),
                ("do", "reject"),
                ("reason", "spam"),
            ],
        )
        .await;
    assert_eq!(response.status(), 404);
    // Their pupil on our report: not found, and nothing linked.
    let their_pupil = their_pupil.to_string();
    let (status, _, _) = app
        .act(
            &session,
            &ours,
            &[
                ("do", "link"),
                ("person", "did_it/0"),
                ("pupil", &their_pupil),
            ],
        )
        .await;
    assert_eq!(status, 404);
    let (_, page) = app.page(&session, &format!("/app/intake/{ours}")).await;
    assert!(page.contains("Nog niet gekoppeld."));
    assert_eq!(hidden(&page, "version"), "1");

    // Bad input: a clear message on the same page, with what was chosen kept.
    let cases: [(&[(&str, &str)], &str); 6] = [
        (
            &[
                ("do", "link"),
                ("person", "did_it/0"),
                ("pupil", "leerling-12"),
            ],
            "Die leerling kennen we niet.",
        ),
        (
            &[
                ("do", "link"),
                ("person", "did_it/0"),
                ("pupil", "other"),
                ("other_pupil", ""),
            ],
            "Kies een leerling, of &#34;niet te herleiden&#34;.",
        ),
        (
            &[("do", "reject"), ("reason", "saai")],
            "Kies waarom de melding wordt afgewezen.",
        ),
        (
            &[("do", "correct"), ("field", "description"), ("text", " ")],
            "De beschrijving mag niet leeg zijn.",
        ),
        (
            &[("do", "verify"), ("note", "")],
            "Schrijf op wat er nagevraagd moet worden.",
        ),
        (&[("do", "opblazen")], "Dat kan hier niet."),
    ];
    for (fields, message) in cases {
        let (status, _, page) = app.act(&session, &ours, fields).await;
        assert_eq!(status, 422, "{fields:?}");
        assert!(page.contains(message), "{fields:?}: {page}");
    }
    // A field or name line the report does not have is not found.
    let (status, _, _) = app
        .act(
            &session,
            &ours,
            &[("do", "link"), ("person", "done_to/4"), ("pupil", "none")],
        )
        .await;
    assert_eq!(status, 404);
    let (status, _, _) = app
        .act(
            &session,
            &ours,
            &[
                ("do", "keep"),
                ("field", "elders"),
                ("key", "x"),
                ("justification", "y"),
            ],
        )
        .await;
    assert_eq!(status, 404);
    // A teacher has no intake: not found.
    let teacher = app.sign_in_ready(TEACHER).await;
    let (status, _) = app.page(&teacher, &format!("/app/intake/{ours}")).await;
    assert_eq!(status, 404);
    // The demo has approved reports and new ones: the pages are not empty.
    let (_, queue) = app.page(&session, "/app/intake").await;
    assert!(queue.matches("<a href=\"/app/intake/").count() >= 10);
}

#[tokio::test]
async fn approving_through_the_api_works_on_postgresql_too() {
    use signaal_domain::auth::api_token::{ApiScope, NewToken, Scopes};
    let master = MasterKey::generate().expect("master key");
    let Some(storage) = postgres_storage("signaal_intake", &master).await else {
        eprintln!("skipped: SIGNAAL_TEST_POSTGRES_URL is not set");
        return;
    };
    // The demo's own intake (links, kept hits, approvals) runs on PostgreSQL here.
    let demo = signaal::demo::seed(&storage, &SystemClock, &master)
        .await
        .expect("demo");
    let school = demo.school.id;
    let now = Utc::now();
    let coordinator = storage
        .directory
        .staff_by_email(COORDINATOR)
        .await
        .expect("read")
        .expect("account");
    storage
        .staff_auth
        .accept_statement(coordinator.id, school, 1, now)
        .await
        .expect("statement");
    let token = NewToken::generate().expect("token");
    storage
        .api_tokens
        .create_token(
            token.hash(),
            &signaal_storage::api_tokens::NewApiToken {
                staff: coordinator.id,
                name: "intake".into(),
                scopes: Scopes::new([ApiScope::IntakeWrite]),
                expires_at: now + chrono::Duration::days(1),
            },
            now,
        )
        .await
        .expect("token");
    let draft = ReportDraft {
        reporter: "pupil_self".into(),
        categories: vec!["verbal".into()],
        place: "classroom".into(),
        frequency: "once".into(),
        description: "Ze noemen mij een jood.".into(),
        ..Default::default()
    }
    .validate(&FormChoices::default(), now.date_naive())
    .expect("valid");
    let report = storage
        .reports
        .submit(school, &draft, [75; 32], now)
        .await
        .expect("submit")
        .id;
    let server = serve::start(storage.clone(), &master, Arc::new(SystemClock), &settings())
        .await
        .expect("start");
    let approve = |version: i64| {
        let url = format!(
            "http://{}/api/v1/staff/schools/{SCHOOL}/reports/{report}/approve",
            server.addr
        );
        let token = token.shown().to_owned();
        async move {
            let response = reqwest::Client::new()
                .post(url)
                .header("authorization", format!("Bearer {token}"))
                .json(&serde_json::json!({ "version": version }))
                .send()
                .await
                .expect("response");
            let status = response.status().as_u16();
            (
                status,
                response.json::<serde_json::Value>().await.expect("json"),
            )
        }
    };
    let (status, body) = approve(1).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (409, Some("blocked")),
        "{body}"
    );
    assert_eq!(body["blockers"][0]["code"], "hit:description:religion:jood");
    let actor = Actor::Staff(policy::StaffActor {
        id: coordinator.id,
        is_provider_admin: false,
        memberships: storage
            .staff_auth
            .memberships(coordinator.id)
            .await
            .expect("roles"),
    });
    let grant: SchoolGrant<ModerateReports> =
        policy::authorize(&actor, school, now).expect("grant");
    let v = storage
        .intake
        .keep_hit(
            &grant,
            report,
            TextField::Description,
            "religion:jood",
            "Het schelden zelf is de melding.",
            1,
            now,
        )
        .await
        .expect("keep");
    let (status, body) = approve(v).await;
    assert_eq!(status, 200, "{body}");
    let view = storage
        .reports
        .follow_up(school, [75; 32])
        .await
        .expect("read")
        .expect("found");
    assert_eq!(
        view.status,
        signaal_domain::report::ReportStatus::InProgress
    );
    server.stop(Duration::from_secs(5)).await;
}
