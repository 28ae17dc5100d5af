//! Carrying out requests over HTTP (issue 7): register → carry out → decide, for correction,
//! erasure, restriction and objection, on the demo school (SQLite). What storage removes from the
//! raw SQLite file and from every PostgreSQL table is tested in the backends' conformance tests
//! (`after_an_erasure_…`); the storage rules on both backends in `conformance_rights`.

use super::*;

/// A logbook entry as the pupil page posts it.
fn logbook_form<'a>(csrf: &'a str, today: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("kind", "observation"),
        ("occurred_on", today),
        ("body", "Zat alleen in de pauze."),
    ]
}

impl TestApp {
    fn dutch_today(&self) -> String {
        let now = self.clock.now();
        (now + chrono::Duration::hours(signaal_domain::clock::dutch_offset_hours(now)))
            .date_naive()
            .format("%Y-%m-%d")
            .to_string()
    }

    /// Registers a request of `kind` about `pupil` on the form; the request's path.
    async fn register_request(
        &self,
        session: &str,
        pupil: &signaal_domain::school::Pupil,
        kind: &str,
    ) -> String {
        let (_, form) = self.follow_page(session, "/app/requests/new").await;
        let csrf = csrf_of(&form);
        let today = self.dutch_today();
        let pupil = pupil.id.to_string();
        let (status, to, _) = self
            .follow_post(
                session,
                "/app/requests",
                &[
                    ("csrf", &csrf),
                    ("pupil", &pupil),
                    ("kind", kind),
                    ("received_on", &today),
                    ("requester_name", "Mevrouw Oosterhuis"),
                    ("requester", ""),
                    ("details", ""),
                    ("verification", "Bekend bij de school"),
                    ("verified_by", "Directeur"),
                ],
            )
            .await;
        assert_eq!(status, 303, "{kind}");
        to
    }

    /// A logbook entry about `pupil` by the leader: the status (303 saved, 409 frozen) and page.
    async fn write_logbook(
        &self,
        session: &str,
        pupil: &signaal_domain::school::Pupil,
    ) -> (u16, String) {
        let path = format!("/app/pupils/{}", pupil.id);
        let csrf = csrf_of(&self.follow_page(session, "/app").await.1);
        // The logbook checks dates against the server's day (UTC): an hour before midnight UTC
        // the Dutch day is already tomorrow, and would be "in the future".
        let today = self.clock.now().date_naive().format("%Y-%m-%d").to_string();
        let (status, _, page) = self
            .follow_post(
                session,
                &format!("{path}/logbook"),
                &logbook_form(&csrf, &today),
            )
            .await;
        (status, page)
    }
}

#[tokio::test]
async fn a_correction_changes_the_report_text_and_lists_the_recipients_to_tell() {
    let app = TestApp::start().await;
    let (own, other) = app.pupils_in_and_outside_5a().await;
    let report = app.follow_approved_report(&own, &other, 1).await;
    let leader = app.sign_in_ready(LEADER).await;
    // A disclosure about the pupil: its recipient must be told of the correction.
    let storage = app.store.clone().into_storage();
    let manage: signaal_domain::policy::SchoolGrant<signaal_domain::policy::ManagePrivacy> =
        signaal_domain::policy::authorize(
            &signaal_domain::policy::Actor::Staff(signaal_domain::policy::StaffActor {
                id: app.staff_id(LEADER).await,
                is_provider_admin: false,
                memberships: vec![signaal_domain::policy::Membership::new(
                    app.demo.school.id,
                    signaal_domain::staff::Role::Leadership,
                )],
            }),
            app.demo.school.id,
            Utc::now(),
        )
        .expect("leadership");
    storage
        .privacy
        .record_disclosure(
            &manage,
            &signaal_storage::privacy::Disclosure {
                id: uuid::Uuid::now_v7(),
                pupil: Some(other.id),
                pupil_name: None,
                recipient: "Jeugdteam Oosterwijk".into(),
                legal_ground: signaal_domain::privacy::LegalGround::Consent,
                categories: vec![signaal_domain::privacy::DataCategory::Reports],
                disclosed_on: app.clock.now().date_naive(),
                purpose: "Hulp na pesten".into(),
            },
            app.clock.now(),
        )
        .await
        .expect("disclosure")
        .expect("the school's pupil");

    let request = app.register_request(&leader, &other, "correction").await;
    let (_, detail) = app.follow_page(&leader, &request).await;
    assert!(detail.contains(&format!("{request}/apply")), "{detail}");
    let apply = format!("{request}/apply");
    let response = app
        .with_cookie(reqwest::Method::GET, &apply, &leader, &[])
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.expect("page");
    assert!(page.contains("Ze mag nooit meedoen in de pauze."));
    assert!(
        page.contains("Jeugdteam Oosterwijk"),
        "the recipient to tell"
    );
    let csrf = csrf_of(&page);
    let target = format!("report-{report}");
    let corrected = "Ze mocht één keer niet meedoen in de pauze.";

    // Reasons are required; what was typed comes back.
    let (status, _, page) = app
        .follow_post(
            &leader,
            &format!("{apply}/correct"),
            &[
                ("csrf", &csrf),
                ("target", &target),
                ("text", corrected),
                ("reasons", "kort"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Schrijf de redenen op (minstens 10 tekens)."));
    assert!(page.contains(corrected));
    // An empty text is refused too.
    let (status, _, page) = app
        .follow_post(
            &leader,
            &format!("{apply}/correct"),
            &[
                ("csrf", &csrf),
                ("target", &target),
                ("text", "  "),
                ("reasons", "De ouders wezen op een fout."),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Schrijf de nieuwe tekst"));
    // A made-up report is not found.
    let made_up = format!("report-{}", uuid::Uuid::now_v7());
    let (status, _, _) = app
        .follow_post(
            &leader,
            &format!("{apply}/correct"),
            &[
                ("csrf", &csrf),
                ("target", &made_up),
                ("text", corrected),
                ("reasons", "De ouders wezen op een fout."),
            ],
        )
        .await;
    assert_eq!(status, 404);

    let (status, to, _) = app
        .follow_post(
            &leader,
            &format!("{apply}/correct"),
            &[
                ("csrf", &csrf),
                ("target", &target),
                ("text", corrected),
                ("reasons", "De ouders wezen op een fout."),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(to, format!("{apply}?done=correction"));
    let (_, page) = app.follow_page(&leader, &to).await;
    assert!(page.contains("Informeer de ontvangers hieronder"));
    assert!(page.contains(corrected) && !page.contains("Ze mag nooit meedoen in de pauze."));
    assert!(
        page.contains("De ouders wezen op een fout."),
        "the reasons are kept"
    );

    // Decide: the flow ends as every request does.
    let (_, detail) = app.follow_page(&leader, &request).await;
    let (status, _, _) = app
        .follow_post(
            &leader,
            &format!("{request}/decide"),
            &[
                ("csrf", &csrf_of(&detail)),
                ("decision", "granted"),
                ("reasons", "De tekst is gecorrigeerd."),
            ],
        )
        .await;
    assert_eq!(status, 303);

    // Others than leadership cannot open the page.
    let coordinator = app.sign_in_ready(COORDINATOR).await;
    assert_eq!(app.follow_page(&coordinator, &apply).await.0, 404);
    let chain = app.chain_of(app.demo.school.id).await;
    let correct: Vec<&String> = chain
        .iter()
        .filter(|(a, _, _)| a == "request.correct")
        .map(|(_, _, o)| o)
        .collect();
    assert_eq!(correct, [&format!("ok report={report} field=description")]);
    assert!(chain.iter().any(|(a, _, _)| a == "request.rights_view"));
}

#[tokio::test]
async fn an_erasure_removes_the_pupils_links_and_logbook_and_keeps_the_report_for_others() {
    let app = TestApp::start().await;
    let (own, other) = app.pupils_in_and_outside_5a().await;
    app.follow_approved_report(&own, &other, 1).await;
    let leader = app.sign_in_ready(LEADER).await;
    assert_eq!(app.write_logbook(&leader, &other).await.0, 303);
    let other_page = format!("/app/pupils/{}", other.id);
    let (_, before) = app.follow_page(&leader, &other_page).await;
    assert!(before.contains("Zat alleen in de pauze.") && !before.contains("Nog geen meldingen"));

    let request = app.register_request(&leader, &other, "erasure").await;
    let apply = format!("{request}/apply");
    let (status, page) = app.follow_page(&leader, &apply).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&page);
    // Nothing chosen: refused with a clear message.
    let (status, _, page) = app
        .follow_post(
            &leader,
            &format!("{apply}/erase"),
            &[
                ("csrf", &csrf),
                ("reasons", "Verzoek van de ouders toegewezen."),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Kies wat verwijderd moet worden."));
    let (status, to, _) = app
        .follow_post(
            &leader,
            &format!("{apply}/erase"),
            &[
                ("csrf", &csrf),
                ("scope_links", "on"),
                ("scope_logbook", "on"),
                ("scope_acknowledgements", "on"),
                ("scope_cases", "on"),
                ("reasons", "Verzoek van de ouders toegewezen."),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(to, format!("{apply}?done=erasure"));
    let (_, after) = app.follow_page(&leader, &other_page).await;
    assert!(
        !after.contains("Zat alleen in de pauze."),
        "the logbook entry is gone"
    );
    let storage = app.store.clone().into_storage();
    let read: signaal_domain::policy::SchoolGrant<signaal_domain::policy::ReadReports> =
        signaal_domain::policy::authorize(
            &signaal_domain::policy::Actor::Staff(signaal_domain::policy::StaffActor {
                id: app.staff_id(LEADER).await,
                is_provider_admin: false,
                memberships: vec![signaal_domain::policy::Membership::new(
                    app.demo.school.id,
                    signaal_domain::staff::Role::Leadership,
                )],
            }),
            app.demo.school.id,
            Utc::now(),
        )
        .expect("leadership");
    let reports_of = async |pupil: signaal_domain::PupilId| {
        storage
            .cases
            .pupil_file(&read, pupil, Utc::now())
            .await
            .expect("read")
            .expect("on the roster")
            .reports
            .len()
    };
    assert_eq!(reports_of(other.id).await, 0, "no link to the erased pupil");
    assert_eq!(
        reports_of(own.id).await,
        1,
        "the report stays for the other pupil"
    );
    let chain = app.chain_of(app.demo.school.id).await;
    let erase: Vec<&String> = chain
        .iter()
        .filter(|(a, _, _)| a == "request.erase")
        .map(|(_, _, o)| o)
        .collect();
    assert_eq!(erase.len(), 1);
    assert!(
        erase[0].starts_with("ok scope=links,logbook,acknowledgements,cases links=1"),
        "{erase:?}"
    );
}

#[tokio::test]
async fn a_restriction_hides_the_pupil_and_freezes_their_records_until_lifted() {
    let app = TestApp::start().await;
    let (own, other) = app.pupils_in_and_outside_5a().await;
    for receipt in 1..=3 {
        app.follow_approved_report(&own, &other, receipt).await;
    }
    let leader = app.sign_in_ready(LEADER).await;
    let own_name = own.name.full();
    let visible = |page: &str| page.contains(&own_name);
    assert!(visible(
        &app.follow_page(&leader, "/app/overview/pupils").await.1
    ));
    assert!(visible(&app.follow_page(&leader, "/app/signals").await.1));

    let request = app.register_request(&leader, &own, "restriction").await;
    let apply = format!("{request}/apply");
    let (_, page) = app.follow_page(&leader, &apply).await;
    let csrf = csrf_of(&page);
    let (status, _, page) = app
        .follow_post(
            &leader,
            &format!("{apply}/restrict"),
            &[("csrf", &csrf), ("reasons", "kort")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Schrijf de redenen op"));
    let (status, to, _) = app
        .follow_post(
            &leader,
            &format!("{apply}/restrict"),
            &[
                ("csrf", &csrf),
                ("reasons", "De ouders betwisten de meldingen."),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert_eq!(to, format!("{apply}?done=restriction"));

    // Left out of the pupil table and the signals; marked on the pupil page and in search.
    assert!(!visible(
        &app.follow_page(&leader, "/app/overview/pupils").await.1
    ));
    let (_, signals) = app.follow_page(&leader, "/app/signals").await;
    assert!(!visible(&signals));
    assert!(signals.contains(&other.name.full()), "others still signal");
    let (_, pupil_page) = app
        .follow_page(&leader, &format!("/app/pupils/{}", own.id))
        .await;
    assert!(pupil_page.contains("state-paused") && pupil_page.contains("beperkt"));
    let query = own.name.family_name.clone();
    let (_, found) = app
        .follow_page(
            &leader,
            &format!("/app/pupils?q={}", query.replace(' ', "+")),
        )
        .await;
    assert!(found.contains("state-paused"), "{found}");
    // Frozen: a logbook entry is refused with a clear page.
    let (status, page) = app.write_logbook(&leader, &own).await;
    assert_eq!(status, 409);
    assert!(page.contains("Deze leerling is beperkt"), "{page}");
    assert_eq!(
        app.write_logbook(&leader, &other).await.0,
        303,
        "others are not frozen"
    );

    // Lifting needs the day the requester was told (not in the future).
    let (_, page) = app.follow_page(&leader, &apply).await;
    assert!(page.contains("Beperkt sinds"));
    let tomorrow = (app.clock.now().date_naive() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let (status, _, page) = app
        .follow_post(
            &leader,
            &format!("{apply}/lift"),
            &[
                ("csrf", &csrf),
                ("informed_on", &tomorrow),
                ("reasons", "De meldingen zijn nagelopen."),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Vul de dag in waarop de verzoeker is geïnformeerd"));
    let today = app.dutch_today();
    let (status, _, _) = app
        .follow_post(
            &leader,
            &format!("{apply}/lift"),
            &[
                ("csrf", &csrf),
                ("informed_on", &today),
                ("reasons", "De meldingen zijn nagelopen."),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(visible(
        &app.follow_page(&leader, "/app/overview/pupils").await.1
    ));
    assert!(visible(&app.follow_page(&leader, "/app/signals").await.1));
    assert_eq!(app.write_logbook(&leader, &own).await.0, 303);

    let chain = app.chain_of(app.demo.school.id).await;
    let count = |action: &str| chain.iter().filter(|(a, _, _)| a == action).count();
    assert_eq!((count("request.restrict"), count("request.lift")), (1, 1));
    assert!(
        chain
            .iter()
            .filter(|(a, _, _)| a.starts_with("request."))
            .all(|(_, _, o)| !o.contains(&own_name) && !o.contains("betwisten"))
    );
}

#[tokio::test]
async fn an_objection_pauses_processing_until_it_is_decided() {
    let app = TestApp::start().await;
    let (own, other) = app.pupils_in_and_outside_5a().await;
    for receipt in 1..=3 {
        app.follow_approved_report(&own, &other, receipt).await;
    }
    let leader = app.sign_in_ready(LEADER).await;
    let other_name = other.name.full();
    assert!(
        app.follow_page(&leader, "/app/signals")
            .await
            .1
            .contains(&other_name)
    );
    let request = app.register_request(&leader, &other, "objection").await;
    let (_, detail) = app.follow_page(&leader, &request).await;
    assert!(detail.contains("Zolang op dit bezwaar niet is beslist"));
    assert!(
        !detail.contains(&format!("{request}/apply")),
        "an objection needs no action page"
    );
    assert_eq!(
        app.follow_page(&leader, &format!("{request}/apply"))
            .await
            .0,
        404
    );

    // Paused at once: out of signals and the pupil table, logbook refused.
    assert!(
        !app.follow_page(&leader, "/app/signals")
            .await
            .1
            .contains(&other_name)
    );
    assert!(
        !app.follow_page(&leader, "/app/overview/pupils")
            .await
            .1
            .contains(&other_name)
    );
    let (status, page) = app.write_logbook(&leader, &other).await;
    assert_eq!(status, 409);
    assert!(
        page.contains("Verwerking gepauzeerd door bezwaar"),
        "{page}"
    );

    // The decision ends the pause.
    let (status, _, _) = app
        .follow_post(
            &leader,
            &format!("{request}/decide"),
            &[
                ("csrf", &csrf_of(&detail)),
                ("decision", "refused"),
                (
                    "reasons",
                    "Zwaarwegend belang: veiligheid van andere kinderen.",
                ),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(
        app.follow_page(&leader, "/app/signals")
            .await
            .1
            .contains(&other_name)
    );
    assert_eq!(app.write_logbook(&leader, &other).await.0, 303);
    let (_, detail) = app.follow_page(&leader, &request).await;
    assert!(detail.contains("Het besluit heeft de pauze beëindigd"));
}
