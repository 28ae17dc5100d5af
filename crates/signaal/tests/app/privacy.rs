//! Privacy lifecycle, part 1 (issue 7): requests of pupils and parents, the disclosure and breach
//! registers, the retention settings and the public privacy statement, over HTTP on SQLite and on
//! PostgreSQL (when `SIGNAAL_TEST_POSTGRES_URL` is set); the reminder mail against the real SMTP
//! test server of `mail.rs`.

use super::*;

const LEADER: &str = "directie@de-vuurtoren.demo";
const DPO: &str = "fg@de-vuurtoren.demo";
const REQUESTER: &str = "Mevrouw Jansen-Bakker";

/// A running app on either backend, with the demo school and one more school with pupils.
struct PrivacyApp {
    server: Server,
    storage: Storage,
    clock: Arc<TestClock>,
    client: reqwest::Client,
    demo: signaal::demo::DemoInfo,
    /// A pupil of the other school.
    foreign_pupil: String,
    db_path: Option<std::path::PathBuf>,
    _dir: tempfile::TempDir,
}

impl PrivacyApp {
    async fn start(backend: &str, flags: SettingFlags) -> Option<Self> {
        let dir = tempfile::tempdir().expect("dir");
        let master = MasterKey::generate().expect("master key");
        let db_path = dir.path().join("signaal.db");
        let storage = if backend == "postgres" {
            let Some(storage) = super::postgres_storage("signaal_privacy", &master).await else {
                eprintln!("skipped on postgres: SIGNAAL_TEST_POSTGRES_URL is not set");
                return None;
            };
            storage
        } else {
            SqliteStore::open(&db_path, master.clone())
                .await
                .expect("open")
                .into_storage()
        };
        let demo = signaal::demo::seed(&storage, &SystemClock, &master)
            .await
            .expect("demo");
        let foreign_pupil = other_school_pupil(&storage).await;
        let clock = Arc::new(TestClock(Mutex::new(Utc::now())));
        let server = serve::start(
            storage.clone(),
            &master,
            clock.clone(),
            &settings_with(flags),
        )
        .await
        .expect("start");
        Some(Self {
            server,
            storage,
            clock,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            demo,
            foreign_pupil,
            db_path: (backend == "sqlite").then_some(db_path),
            _dir: dir,
        })
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr)
    }

    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        cookie: Option<&str>,
        lang: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method.clone(), self.url(path))
            .header("accept-language", lang);
        if let Some(cookie) = cookie {
            request = request.header("cookie", format!("__Host-signaal_session={cookie}"));
        }
        if method == reqwest::Method::POST {
            request = request.form(form);
        }
        request.send().await.expect("response")
    }

    async fn page(&self, path: &str, cookie: &str) -> (u16, String) {
        let response = self
            .send(reqwest::Method::GET, path, Some(cookie), "nl", &[])
            .await;
        let status = response.status().as_u16();
        (status, response.text().await.expect("page"))
    }

    async fn post(&self, path: &str, cookie: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.send(reqwest::Method::POST, path, Some(cookie), "nl", form)
            .await
    }

    /// Signs in with password and code, and accepts the statement.
    async fn sign_in(&self, email: &str) -> String {
        let pending = self
            .client
            .post(self.url("/app/login"))
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
        let (_, page) = self.page("/app/login/code", &pending).await;
        let (_, secret) = self
            .demo
            .totp_secrets
            .iter()
            .find(|(e, _)| e == email)
            .expect("demo secret");
        let secret = signaal_domain::auth::TotpSecret::from_base32(secret).expect("base32");
        let code = signaal_domain::auth::totp::code_at(&secret, self.clock.now().timestamp());
        let done = self
            .post(
                "/app/login/code",
                &pending,
                &[("csrf", &csrf_of(&page)), ("code", &code), ("next", "/app")],
            )
            .await;
        let session = set_session(&done).expect("a session");
        let (_, page) = self.page("/app/statement", &session).await;
        let school = between(&page, "name=\"school\" value=\"", "\"").to_owned();
        let accepted = self
            .post(
                "/app/statement",
                &session,
                &[
                    ("csrf", &csrf_of(&page)),
                    ("school", &school),
                    ("version", "1"),
                    ("accept", "yes"),
                ],
            )
            .await;
        assert_eq!(location(&accepted), "/app");
        session
    }

    fn today(&self) -> chrono::NaiveDate {
        let now = self.clock.now();
        (now + chrono::Duration::hours(signaal_domain::clock::dutch_offset_hours(now))).date_naive()
    }

    fn days_ago(&self, days: i64) -> String {
        (self.today() - chrono::Duration::days(days))
            .format("%Y-%m-%d")
            .to_string()
    }

    async fn chain(&self) -> Vec<(String, String, String)> {
        use signaal_domain::policy::{self, Actor, VerifyAudit};
        let grant =
            policy::authorize::<VerifyAudit>(&Actor::Operator, self.demo.school.id, Utc::now())
                .expect("grant");
        let chain = self.storage.audit.chain(&grant).await.expect("chain");
        assert!(signaal_domain::audit::verify_chain(&chain).is_ok());
        chain
            .into_iter()
            .map(|e| (e.action, e.subject, e.outcome))
            .collect()
    }
}

/// Another school with a few pupils; returns one pupil's id.
async fn other_school_pupil(storage: &Storage) -> String {
    let (_, pupils) = super::setup::other_school_with_pupils(
        storage,
        "Stichting Elders",
        "de-eik",
        "Basisschool De Eik",
        (3, 9),
    )
    .await;
    pupils[0].id.to_string()
}

/// The first pupil offered on the registration form: (id, name).
fn first_pupil(page: &str) -> (String, String) {
    let select = between(page, "<select id=\"pupil\"", "</select>");
    let option = select
        .split("<option value=\"")
        .nth(2)
        .expect("a pupil option");
    let id = option.split('"').next().expect("id").to_owned();
    let name = between(option, ">", " (").to_owned();
    (id, name)
}

fn request_form<'a>(
    csrf: &'a str,
    pupil: &'a str,
    kind: &'a str,
    received: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("pupil", pupil),
        ("kind", kind),
        ("received_on", received),
        ("requester_name", REQUESTER),
        ("requester", ""),
        ("details", "Wil weten wat er over haar dochter is gemeld"),
        ("verification", "Paspoort bekeken aan de balie, geen kopie"),
        ("verified_by", "Directeur De Vries"),
    ]
}

async fn every_request_kind_end_to_end(backend: &str) {
    let Some(app) = PrivacyApp::start(backend, SettingFlags::default()).await else {
        return;
    };
    let leader = app.sign_in(LEADER).await;
    let (status, form) = app.page("/app/requests/new", &leader).await;
    assert_eq!(status, 200);
    assert!(form.contains("Maak of bewaar geen kopie van een identiteitsbewijs"));
    let csrf = csrf_of(&form);
    let (pupil, pupil_name) = first_pupil(&form);
    let received = app.days_ago(3);
    let mut ids = Vec::new();
    for kind in signaal_domain::privacy::RequestKind::ALL {
        let created = app
            .post(
                "/app/requests",
                &leader,
                &request_form(&csrf, &pupil, kind.code(), &received),
            )
            .await;
        assert_eq!(created.status(), 303, "{}", kind.code());
        let path = location(&created);
        assert!(path.starts_with("/app/requests/"), "{path}");
        let (status, detail) = app.page(&path, &leader).await;
        assert_eq!(status, 200);
        assert!(detail.contains(&pupil_name) && detail.contains(REQUESTER));
        // Primary school pupils are under 16: their parents ask.
        assert!(detail.contains("Ouder of verzorger"), "{detail}");
        let deadline =
            signaal_domain::privacy::response_deadline(app.today() - chrono::Duration::days(3));
        assert!(detail.contains(&deadline.format("%d-%m-%Y").to_string()));
        let today = app.days_ago(0);
        let extended = app
            .post(
                &format!("{path}/extend"),
                &leader,
                &[
                    ("csrf", &csrf),
                    ("months", "2"),
                    ("notice_on", &today),
                    ("extension_reason", "Veel gegevens om na te lopen"),
                ],
            )
            .await;
        assert_eq!(extended.status(), 303);
        let (_, detail) = app.page(&path, &leader).await;
        let until = signaal_domain::privacy::extend(
            app.today() - chrono::Duration::days(3),
            2,
            app.today(),
            app.today(),
            false,
            false,
        )
        .expect("allowed");
        assert!(detail.contains("Verlengd tot"));
        assert!(detail.contains(&until.format("%d-%m-%Y").to_string()));
        assert!(!detail.contains("action=\"/app/requests/") || !detail.contains("/extend\""));
        let decided = app
            .post(
                &format!("{path}/decide"),
                &leader,
                &[
                    ("csrf", &csrf),
                    ("decision", "partly"),
                    ("reasons", "De melder en andere kinderen blijven anoniem."),
                ],
            )
            .await;
        assert_eq!(decided.status(), 303);
        let (_, detail) = app.page(&path, &leader).await;
        assert!(detail.contains("Gedeeltelijk toegewezen"));
        assert!(detail.contains("De melder en andere kinderen blijven anoniem."));
        assert!(!detail.contains("/decide\""), "no second decision form");
        ids.push(path);
    }
    // The list shows all six, decided.
    let (status, list) = app.page("/app/requests", &leader).await;
    assert_eq!(status, 200);
    assert_eq!(list.matches("state-decided").count(), 6);
    // The DPO reads along but changes nothing; a coordinator sees nothing.
    let dpo = app.sign_in(DPO).await;
    let (status, list) = app.page("/app/requests", &dpo).await;
    assert_eq!(status, 200);
    assert!(list.contains(&pupil_name) && !list.contains("/app/requests/new"));
    let (status, detail) = app.page(&ids[0], &dpo).await;
    assert_eq!(status, 200);
    assert!(!detail.contains("<form method=\"post\" action=\"/app/requests"));
    // The start page's logout form carries the session's token.
    let dpo_csrf = csrf_of(&app.page("/app", &dpo).await.1);
    let refused = app
        .post(
            &format!("{}/decide", ids[1]),
            &dpo,
            &[
                ("csrf", &dpo_csrf),
                ("decision", "granted"),
                ("reasons", "Zomaar iets beslissen"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 404);
    assert_eq!(app.page("/app/requests/new", &dpo).await.0, 404);
    let coordinator = app.sign_in(COORDINATOR).await;
    assert_eq!(app.page("/app/requests", &coordinator).await.0, 404);
    assert_eq!(app.page(&ids[0], &coordinator).await.0, 404);
    // Audited: each step, with ids and codes only.
    let chain = app.chain().await;
    let count = |action: &str| chain.iter().filter(|(a, _, _)| a == action).count();
    assert_eq!(count("request.register"), 6);
    assert_eq!(count("request.extend"), 6);
    assert_eq!(count("request.decide"), 6);
    assert!(count("request.view") >= 18);
    for (action, subject, outcome) in &chain {
        assert!(
            !outcome.contains("Jansen")
                && !subject.contains("Jansen")
                && !outcome.contains("Paspoort"),
            "{action}"
        );
    }
    // Sealed: the requester's name and the verification are not in the database file as text.
    if let Some(path) = &app.db_path {
        let mut bytes = std::fs::read(path).expect("db");
        bytes.extend(std::fs::read(path.with_extension("db-wal")).unwrap_or_default());
        for secret in [
            REQUESTER,
            "Paspoort bekeken",
            "Veel gegevens",
            "andere kinderen",
        ] {
            assert!(!contains_bytes(&bytes, secret), "{secret} stored as text");
        }
    }
    app.server.stop(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn every_request_kind_end_to_end_on_sqlite() {
    every_request_kind_end_to_end("sqlite").await;
}

#[tokio::test]
async fn every_request_kind_end_to_end_on_postgres() {
    every_request_kind_end_to_end("postgres").await;
}

async fn bad_requests_are_refused_clearly(backend: &str) {
    let Some(app) = PrivacyApp::start(backend, SettingFlags::default()).await else {
        return;
    };
    let leader = app.sign_in(LEADER).await;
    let (_, form) = app.page("/app/requests/new", &leader).await;
    let csrf = csrf_of(&form);
    let (pupil, _) = first_pupil(&form);
    let received = app.days_ago(2);
    // No pupil chosen: the form again, with the message and the typed text kept.
    let response = app
        .post(
            "/app/requests",
            &leader,
            &request_form(&csrf, "", "access", &received),
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("page");
    assert!(page.contains("Kies een leerling van de school."));
    assert!(page.contains(REQUESTER) && page.contains("Paspoort bekeken aan de balie"));
    assert!(page.contains("aria-invalid=\"true\""));
    // Each missing or wrong field has its own message.
    let future = (app.today() + chrono::Duration::days(2))
        .format("%Y-%m-%d")
        .to_string();
    let cases: [(&str, &str, &str); 4] = [
        ("kind", "rectify", "Kies de soort verzoek."),
        ("received_on", future.as_str(), "niet later dan vandaag"),
        ("requester_name", " ", "Vul de naam van de aanvrager in"),
        (
            "verification",
            "",
            "Schrijf op hoe de identiteit is gecontroleerd.",
        ),
    ];
    for (field, value, message) in cases {
        let mut posted = request_form(&csrf, &pupil, "access", &received);
        for (key, v) in posted.iter_mut() {
            if *key == field {
                *v = value;
            }
        }
        let response = app.post("/app/requests", &leader, &posted).await;
        assert_eq!(response.status(), 422, "{field}");
        assert!(
            response.text().await.expect("page").contains(message),
            "{field}"
        );
    }
    // A pupil that does not exist, or of another school: not found.
    let unknown = uuid::Uuid::now_v7().to_string();
    for other in [unknown.as_str(), app.foreign_pupil.as_str()] {
        let response = app
            .post(
                "/app/requests",
                &leader,
                &request_form(&csrf, other, "access", &received),
            )
            .await;
        assert_eq!(response.status(), 404);
    }
    // Without the session's CSRF token nothing happens.
    let response = app
        .post(
            "/app/requests",
            &leader,
            &request_form("nope", &pupil, "access", &received),
        )
        .await;
    assert_eq!(response.status(), 403);
    // A request received 40 days ago cannot be extended any more.
    let old = app.days_ago(40);
    let created = app
        .post(
            "/app/requests",
            &leader,
            &request_form(&csrf, &pupil, "erasure", &old),
        )
        .await;
    assert_eq!(created.status(), 303);
    let path = location(&created);
    let (_, detail) = app.page(&path, &leader).await;
    assert!(detail.contains("Te laat"), "an overdue request is marked");
    assert!(detail.contains("Verlengen kan niet meer"));
    let today = app.days_ago(0);
    let response = app
        .post(
            &format!("{path}/extend"),
            &leader,
            &[
                ("csrf", &csrf),
                ("months", "1"),
                ("notice_on", &today),
                ("extension_reason", "Veel gegevens om na te lopen"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("page");
    assert!(page.contains("De eerste maand is voorbij."), "{page}");
    // A fresh request: three months is too long; a notice in the future is refused.
    let created = app
        .post(
            "/app/requests",
            &leader,
            &request_form(&csrf, &pupil, "objection", &received),
        )
        .await;
    let path = location(&created);
    let tomorrow = (app.today() + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    for (months, notice, message) in [
        (
            "3",
            today.as_str(),
            "Kies een verlenging van een of twee maanden.",
        ),
        ("1", tomorrow.as_str(), "niet na vandaag"),
    ] {
        let response = app
            .post(
                &format!("{path}/extend"),
                &leader,
                &[
                    ("csrf", &csrf),
                    ("months", months),
                    ("notice_on", notice),
                    ("extension_reason", "Veel gegevens om na te lopen"),
                ],
            )
            .await;
        assert_eq!(response.status(), 422);
        let page = response.text().await.expect("page");
        assert!(page.contains(message), "{months} {notice}");
        assert!(
            page.contains("Veel gegevens om na te lopen"),
            "the reason is kept"
        );
    }
    // A decision without reasons, or without a choice, is refused; the text is kept.
    let response = app
        .post(
            &format!("{path}/decide"),
            &leader,
            &[("csrf", &csrf), ("decision", "refused"), ("reasons", "nee")],
        )
        .await;
    assert_eq!(response.status(), 422);
    assert!(
        response
            .text()
            .await
            .expect("page")
            .contains("Schrijf de redenen van het besluit op")
    );
    let response = app
        .post(
            &format!("{path}/decide"),
            &leader,
            &[
                ("csrf", &csrf),
                ("reasons", "Het kind zou in gevaar komen."),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("page");
    assert!(page.contains("Kies een besluit.") && page.contains("Het kind zou in gevaar komen."));
    // Refused for the child's safety; a second decision is refused clearly.
    let decided = app
        .post(
            &format!("{path}/decide"),
            &leader,
            &[
                ("csrf", &csrf),
                ("decision", "refused"),
                ("reasons", "Het kind zou in gevaar komen."),
            ],
        )
        .await;
    assert_eq!(decided.status(), 303);
    let again = app
        .post(
            &format!("{path}/decide"),
            &leader,
            &[
                ("csrf", &csrf),
                ("decision", "granted"),
                ("reasons", "Toch maar wel doen."),
            ],
        )
        .await;
    assert_eq!(again.status(), 422);
    assert!(
        again
            .text()
            .await
            .expect("page")
            .contains("Over dit verzoek is al besloten.")
    );
    // Unknown and malformed request ids are not found.
    for path in [
        format!("/app/requests/{}", uuid::Uuid::now_v7()),
        "/app/requests/geen-id".to_owned(),
    ] {
        assert_eq!(app.page(&path, &leader).await.0, 404, "{path}");
    }
    // The list: the overdue one is marked, and counted at the top.
    let (_, list) = app.page("/app/requests", &leader).await;
    assert!(list.contains("deadline-overdue"));
    assert!(list.contains("1 verzoek is te laat."), "{list}");
    app.server.stop(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn bad_requests_are_refused_clearly_on_sqlite() {
    bad_requests_are_refused_clearly("sqlite").await;
}

#[tokio::test]
async fn bad_requests_are_refused_clearly_on_postgres() {
    bad_requests_are_refused_clearly("postgres").await;
}

async fn registers_and_settings(backend: &str) {
    let Some(app) = PrivacyApp::start(backend, SettingFlags::default()).await else {
        return;
    };
    let leader = app.sign_in(LEADER).await;
    let (status, page) = app.page("/app/registers/disclosures", &leader).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&page);
    let pupil = between(
        between(&page, "<select id=\"pupil\"", "</select>"),
        "</option><option value=\"",
        "\"",
    )
    .to_owned();
    let yesterday = app.days_ago(1);
    let disclosure = |categories: &'static [&'static str]| {
        let mut form = vec![
            ("csrf", csrf.clone()),
            ("recipient", "Veilig Thuis regio Noord".to_owned()),
            ("legal_ground", "legal_duty".to_owned()),
            ("disclosed_on", yesterday.clone()),
            ("pupil", pupil.clone()),
            (
                "purpose",
                "Meldcode huiselijk geweld en kindermishandeling".to_owned(),
            ),
        ];
        for c in categories {
            form.push(("categories", (*c).to_owned()));
        }
        form
    };
    let form = disclosure(&[]);
    let posted: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app
        .post("/app/registers/disclosures", &leader, &posted)
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("page");
    assert!(
        page.contains("Kies minstens een soort gegevens.")
            && page.contains("Veilig Thuis regio Noord")
    );
    let form = disclosure(&["names", "reports"]);
    let posted: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app
        .post("/app/registers/disclosures", &leader, &posted)
        .await;
    assert_eq!(response.status(), 303);
    // Another school's pupil is not found.
    let mut foreign = posted.clone();
    for (k, v) in foreign.iter_mut() {
        if *k == "pupil" {
            *v = app.foreign_pupil.as_str();
        }
    }
    assert_eq!(
        app.post("/app/registers/disclosures", &leader, &foreign)
            .await
            .status(),
        404
    );
    let (_, page) = app.page("/app/registers/disclosures", &leader).await;
    assert!(page.contains("Veilig Thuis regio Noord") && page.contains("Wettelijke plicht"));
    assert!(page.contains("Namen van leerlingen, Meldingen"));
    // Breaches: every breach is documented; one not notified says why.
    let discovered = (app.clock.now()
        + chrono::Duration::hours(signaal_domain::clock::dutch_offset_hours(app.clock.now()))
        - chrono::Duration::hours(2))
    .format("%Y-%m-%dT%H:%M")
    .to_string();
    let breach = |reason: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("discovered_at", discovered.clone()),
            (
                "description",
                "Een klassenlijst is naar de verkeerde ouder gemaild".to_owned(),
            ),
            ("categories", "names".to_owned()),
            ("people_count", "28".to_owned()),
            ("risk", "risk".to_owned()),
            ("dpa_notified_at", String::new()),
            ("not_notified_reason", reason.to_owned()),
            (
                "measures",
                "De ontvanger heeft de mail verwijderd".to_owned(),
            ),
        ]
    };
    let form = breach("");
    let posted: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.post("/app/registers/breaches", &leader, &posted).await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("page");
    assert!(page.contains("Schrijf op waarom het lek niet gemeld is"));
    assert!(page.contains("Een klassenlijst is naar de verkeerde ouder gemaild"));
    let form = breach("Nog in onderzoek, melding volgt");
    let posted: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.post("/app/registers/breaches", &leader, &posted).await;
    assert_eq!(response.status(), 303);
    let (_, page) = app.page("/app/registers/breaches", &leader).await;
    assert!(page.contains("Niet gemeld: Nog in onderzoek, melding volgt"));
    // The 72-hour deadline is shown: discovery + 72 h, in Dutch time.
    let deadline = chrono::NaiveDateTime::parse_from_str(&discovered, "%Y-%m-%dT%H:%M")
        .expect("time")
        + chrono::Duration::hours(72);
    assert!(
        page.contains(&deadline.format("%d-%m-%Y %H:%M").to_string()),
        "{page}"
    );
    // Notified later, on the breach's own page; a notification before the discovery is refused.
    let breach_path = format!(
        "/app/registers/breaches/{}",
        between(&page, "href=\"/app/registers/breaches/", "\"")
    );
    let local = |at: DateTime<Utc>| {
        (at + chrono::Duration::hours(signaal_domain::clock::dutch_offset_hours(at)))
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    let too_early = local(app.clock.now() - chrono::Duration::hours(5));
    let response = app
        .post(
            &breach_path,
            &leader,
            &[
                ("csrf", &csrf),
                ("dpa_notified_at", &too_early),
                ("parents_informed", "yes"),
                ("measures", "Ouders gebeld"),
            ],
        )
        .await;
    assert_eq!(response.status(), 422);
    let page = response.text().await.expect("page");
    assert!(page.contains("De melding bij de AP moet na de ontdekking liggen"));
    assert!(page.contains("Ouders gebeld"), "typed text kept");
    let notified = local(app.clock.now());
    let response = app
        .post(
            &breach_path,
            &leader,
            &[
                ("csrf", &csrf),
                ("dpa_notified_at", &notified),
                ("parents_informed", "yes"),
                ("measures", "Ouders gebeld"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let (_, page) = app.page(&breach_path, &leader).await;
    assert!(page.contains("Gemeld op") && page.contains("Ouders gebeld"));
    assert_eq!(
        app.page(
            &format!("/app/registers/breaches/{}", uuid::Uuid::now_v7()),
            &leader
        )
        .await
        .0,
        404
    );
    // The DPO reads both registers and the overview, without forms; not the settings.
    let dpo = app.sign_in(DPO).await;
    let (status, page) = app.page(&breach_path, &dpo).await;
    assert_eq!(status, 200);
    assert!(!page.contains("<form method=\"post\" action=\"/app/registers"));
    let refused = app
        .post(
            &breach_path,
            &dpo,
            &[
                ("csrf", &csrf_of(&app.page("/app", &dpo).await.1)),
                ("dpa_notified_at", &notified),
                ("measures", "Niets"),
            ],
        )
        .await;
    assert_eq!(refused.status(), 404);
    for path in [
        "/app/registers",
        "/app/registers/disclosures",
        "/app/registers/breaches",
        "/app/registers/processing",
    ] {
        let (status, page) = app.page(path, &dpo).await;
        assert_eq!(status, 200, "{path}");
        assert!(
            !page.contains("<form method=\"post\" action=\"/app/registers"),
            "{path}"
        );
    }
    assert_eq!(app.page("/app/registers/settings", &dpo).await.0, 404);
    let teacher = app.sign_in("leerkracht@de-vuurtoren.demo").await;
    for path in ["/app/registers", "/app/registers/breaches", "/app/requests"] {
        assert_eq!(app.page(path, &teacher).await.0, 404, "{path}");
    }
    // Settings: out of bounds is refused per field; saved values reach the public statement.
    let (status, page) = app.page("/app/registers/settings", &leader).await;
    assert_eq!(status, 200);
    assert!(page.contains("value=\"12\"") && page.contains("value=\"30\""));
    let settings = |report_months: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("report_months", report_months.to_owned()),
            ("logbook_months", "12".to_owned()),
            ("usage_log_months", "6".to_owned()),
            ("rejected_days", "14".to_owned()),
            ("left_pupil_days", "0".to_owned()),
            ("request_years", "5".to_owned()),
            (
                "school_contact",
                "Zeeweg 1, 1234 AB Strand; info@vuurtoren.test".to_owned(),
            ),
            ("dpo_name", "Mr. A. Visser".to_owned()),
            ("dpo_contact", "fg@bestuur.test".to_owned()),
        ]
    };
    for bad in ["0", "25", "twaalf"] {
        let form = settings(bad);
        let posted: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let response = app.post("/app/registers/settings", &leader, &posted).await;
        assert_eq!(response.status(), 422, "{bad}");
        let page = response.text().await.expect("page");
        assert!(page.contains("Een bewaartermijn valt buiten de grenzen."));
        assert!(page.contains("Mr. A. Visser"), "typed text kept");
    }
    let form = settings("9");
    let posted: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let response = app.post("/app/registers/settings", &leader, &posted).await;
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .expect("page")
            .contains("De instellingen zijn bewaard.")
    );
    let statement = app
        .send(
            reqwest::Method::GET,
            &format!("/s/{SCHOOL}/privacy"),
            None,
            "nl",
            &[],
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(statement.contains("na 9 maanden halen we namen en tekst weg"));
    assert!(statement.contains("Mr. A. Visser") && statement.contains("fg@bestuur.test"));
    assert!(statement.contains("Meldingen die niet serieus zijn: 14 dagen."));
    let (_, overview) = app.page("/app/registers/processing", &dpo).await;
    assert!(overview.contains("Mr. A. Visser") && overview.contains("9 maanden na de melding"));
    let chain = app.chain().await;
    let actions: Vec<&str> = chain.iter().map(|(a, _, _)| a.as_str()).collect();
    for action in [
        "disclosure.record",
        "disclosure.list",
        "breach.record",
        "breach.list",
        "breach.view",
        "breach.update",
        "privacy.settings",
    ] {
        assert!(actions.contains(&action), "{action}");
    }
    app.server.stop(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn registers_and_settings_on_sqlite() {
    registers_and_settings("sqlite").await;
}

#[tokio::test]
async fn registers_and_settings_on_postgres() {
    registers_and_settings("postgres").await;
}

#[tokio::test]
async fn the_privacy_statement_is_public_cacheable_and_linked_from_the_form() {
    let app = TestApp::start().await;
    let form = app.get(&format!("/s/{SCHOOL}"), Some("nl")).await;
    let form = form.text().await.expect("page");
    assert!(form.contains(&format!("href=\"/s/{SCHOOL}/privacy?lang=nl\"")));
    assert!(form.len() < 20_000);
    for (lang, words) in [
        (
            "nl",
            [
                "Privacyverklaring van Basisschool De Vuurtoren",
                "Autoriteit Persoonsgegevens",
                "na 12 maanden halen we namen en tekst weg",
                "tot het 16 jaar is",
            ],
        ),
        (
            "en",
            [
                "Privacy statement of Basisschool De Vuurtoren",
                "Dutch Data Protection Authority",
                "after 12 months we remove names and text",
                "until the child is 16",
            ],
        ),
    ] {
        let response = app.get(&format!("/s/{SCHOOL}/privacy"), Some(lang)).await;
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["cache-control"].to_str().expect("ascii"),
            "public, max-age=300"
        );
        assert!(
            response.headers()["vary"]
                .to_str()
                .expect("ascii")
                .contains("accept-language")
        );
        let page = response.text().await.expect("page");
        for w in words {
            assert!(page.contains(w), "{lang}: {w}");
        }
        // No pupil of the roster is named.
        assert!(!page.contains("Sem de Vries"));
    }
    // The language switch sets its cookie: that answer is for the browser only.
    let switched = app.get(&format!("/s/{SCHOOL}/privacy?lang=en"), None).await;
    assert_eq!(
        switched.headers()["cache-control"].to_str().expect("ascii"),
        "private, max-age=300"
    );
    assert!(switched.headers().contains_key("set-cookie"));
    assert_eq!(app.get("/s/nergens/privacy", None).await.status(), 404);
}

// ---- the reminder mail ----

async fn leadership_is_reminded_once_a_day_without_content(backend: &str) {
    let Some(smtp) = super::mail::TestSmtp::start() else {
        return;
    };
    let Some(app) = PrivacyApp::start(backend, super::mail::mail_flags(&smtp)).await else {
        return;
    };
    // A request due in 3 days, registered as leadership.
    let leader_id = app
        .storage
        .directory
        .staff_by_email(LEADER)
        .await
        .expect("read")
        .expect("leader")
        .id;
    let leader = signaal_domain::policy::Actor::Staff(signaal_domain::policy::StaffActor {
        id: leader_id,
        is_provider_admin: false,
        memberships: vec![signaal_domain::policy::Membership::new(
            app.demo.school.id,
            signaal_domain::staff::Role::Leadership,
        )],
    });
    let grant =
        signaal_domain::policy::authorize(&leader, app.demo.school.id, Utc::now()).expect("grant");
    let read =
        signaal_domain::policy::authorize(&leader, app.demo.school.id, Utc::now()).expect("read");
    let pupil = app
        .storage
        .rosters
        .pupils(&read, Utc::now())
        .await
        .expect("pupils")[0]
        .clone();
    // Received so that the one-month deadline falls within the next 3 days (month ends clamp).
    let received = (app.today() + chrono::Duration::days(3))
        .checked_sub_months(chrono::Months::new(1))
        .expect("date");
    app.storage
        .privacy
        .register_request(
            &grant,
            &signaal_storage::privacy::NewRequest {
                pupil: pupil.id,
                kind: signaal_domain::privacy::RequestKind::Access,
                received_on: received,
                requester_name: REQUESTER.into(),
                details: None,
                verification: "Paspoort bekeken".into(),
                verified_by: "Directeur".into(),
                requester_if_unknown: None,
            },
            Utc::now(),
        )
        .await
        .expect("stored")
        .expect("registered");
    // The demo's reports also bring coordinator notifications: look at the reminder only.
    let is_reminder = |m: &super::mail::Received| m.subject.starts_with("Verzoeken over privacy");
    let reminders = |mails: Vec<super::mail::Received>| -> Vec<super::mail::Received> {
        mails.into_iter().filter(|m| is_reminder(m)).collect()
    };
    let found = smtp.wait_for_matching(1, is_reminder).await;
    assert_eq!(found.len(), 1, "one reminder");
    let mail = &found[0];
    assert_eq!(mail.rcpt_tos, vec![LEADER.to_owned()]);
    assert_eq!(
        mail.subject,
        "Verzoeken over privacy voor Basisschool De Vuurtoren (demo)"
    );
    assert!(mail.body.contains("/app/requests"), "{}", mail.body);
    for leak in [
        REQUESTER,
        pupil.name.given_name.as_str(),
        "Paspoort",
        "Inzage",
    ] {
        assert!(!mail.body.contains(leak), "{leak} in {}", mail.body);
        assert!(!contains_bytes(&mail.raw, leak), "{leak} in the raw mail");
    }
    // No second one that day (the job runs every second).
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(reminders(smtp.received()).len(), 1);
    // The next day: one more.
    app.clock.advance(24 * 3600);
    let count = smtp.wait_for_matching(2, is_reminder).await.len();
    assert_eq!(count, 2, "a reminder the next day");
    let chain = app.chain().await;
    let sent: Vec<&(String, String, String)> = chain
        .iter()
        .filter(|(a, _, _)| a == "mail.request_reminder")
        .collect();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].1, format!("staff:{leader_id}"));
    app.server.stop(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn leadership_is_reminded_once_a_day_without_content_on_sqlite() {
    leadership_is_reminded_once_a_day_without_content("sqlite").await;
}

#[tokio::test]
async fn leadership_is_reminded_once_a_day_without_content_on_postgres() {
    leadership_is_reminded_once_a_day_without_content("postgres").await;
}

#[tokio::test]
async fn every_privacy_route_for_every_role() {
    let app = TestApp::start().await;
    let routes = [
        "/app/requests",
        "/app/requests/new",
        "/app/registers",
        "/app/registers/disclosures",
        "/app/registers/breaches",
        "/app/registers/processing",
        "/app/registers/settings",
    ];
    for route in routes {
        let anonymous = app.get(route, None).await;
        assert_eq!(anonymous.status(), 303, "{route} without a session");
        assert!(location(&anonymous).starts_with("/app/login"), "{route}");
    }
    let table: [(&str, [u16; 7], bool); 6] = [
        (LEADER, [200, 200, 200, 200, 200, 200, 200], true),
        (COORDINATOR, [404; 7], false),
        ("leerkracht@de-vuurtoren.demo", [404; 7], false),
        ("bestuur@de-vuurtoren.demo", [404; 7], false),
        ("adviseur@de-vuurtoren.demo", [404; 7], false),
        (DPO, [200, 404, 200, 200, 200, 200, 404], true),
    ];
    for (email, expected, linked) in table {
        let session = app.sign_in_ready(email).await;
        for (route, status) in routes.iter().zip(expected) {
            let response = app
                .with_cookie(reqwest::Method::GET, route, &session, &[])
                .await;
            assert_eq!(response.status().as_u16(), status, "{email} on {route}");
        }
        let start = app
            .with_cookie(reqwest::Method::GET, "/app", &session, &[])
            .await
            .text()
            .await
            .expect("page");
        assert_eq!(
            start.contains("href=\"/app/requests\""),
            linked,
            "{email}: the start page links the requests"
        );
    }
}

/// An account with rights at two schools: the registration form of the school where it manages
/// privacy offers that school's pupils only, never the roster of its other school (where it may
/// read the roster too). A page asks for its second right at the school of its first.
#[tokio::test]
async fn one_page_never_mixes_the_two_schools_of_an_account() {
    let app = TestApp::start().await;
    let storage = app.store.clone().into_storage();
    let (other, other_pupils) = super::setup::other_school_with_pupils(
        &storage,
        "Stichting Elders",
        "de-eik",
        "Basisschool De Eik",
        (4, 9),
    )
    .await;
    // The demo coordinator reads the demo roster; now they lead the other school as well.
    let session = app.sign_in_ready(COORDINATOR).await;
    let directory =
        signaal_domain::policy::authorize_directory(&signaal_domain::policy::Actor::Operator)
            .expect("grant");
    storage
        .directory
        .assign_role(
            &directory,
            app.staff_id(COORDINATOR).await,
            other.id,
            signaal_domain::staff::Role::Leadership,
            Utc::now(),
        )
        .await
        .expect("role");
    // The other school asks for its own statement first.
    let accepted = app.accept_statement(&session).await;
    assert_eq!(accepted.status().as_u16(), 303);

    let response = app
        .with_cookie(reqwest::Method::GET, "/app/requests/new", &session, &[])
        .await;
    assert_eq!(response.status().as_u16(), 200);
    let page = response.text().await.expect("page");
    let select = between(&page, "<select id=\"pupil\"", "</select>");
    let offered = select.matches("<option value=\"").count() - 1;
    assert_eq!(offered, other_pupils.len(), "{select}");
    for pupil in &other_pupils {
        assert!(select.contains(&pupil.id.to_string()));
    }
}
