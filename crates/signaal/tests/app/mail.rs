//! Content-free e-mail (issue 4, item 8, and one-time links by mail), against a real SMTP server
//! that the tests start: Python's aiosmtpd with `tests/smtp/capture.py`. Without aiosmtpd these
//! tests say they were skipped, unless `SIGNAAL_TEST_SMTP=required` (set by
//! `scripts/test-deps.sh`, so in CI), where they fail.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Stdio};

use super::*;

/// The mail server of one test, on a port of its own.
pub(super) struct TestSmtp {
    python: String,
    port: u16,
    dir: tempfile::TempDir,
    child: Option<Child>,
}

/// One received mail.
#[derive(Debug)]
pub(super) struct Received {
    pub(super) rcpt_tos: Vec<String>,
    from: String,
    pub(super) subject: String,
    pub(super) body: String,
    pub(super) raw: Vec<u8>,
}

impl TestSmtp {
    /// Starts the server, or `None` (the test is skipped) when aiosmtpd is missing and not required.
    pub(super) fn start() -> Option<Self> {
        let python =
            std::env::var("SIGNAAL_TEST_SMTP_PYTHON").unwrap_or_else(|_| "python3".to_owned());
        let found = Command::new(&python)
            .args(["-c", "import aiosmtpd"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !found {
            let required = std::env::var("SIGNAAL_TEST_SMTP").is_ok_and(|v| v == "required");
            assert!(
                !required,
                "SIGNAAL_TEST_SMTP=required, but {python} cannot import aiosmtpd: run \
                 `source scripts/test-deps.sh` (it installs aiosmtpd in a venv and sets \
                 SIGNAAL_TEST_SMTP_PYTHON)"
            );
            eprintln!(
                "skipped: {python} cannot import aiosmtpd (`source scripts/test-deps.sh` installs it)"
            );
            return None;
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut smtp = Self {
            python,
            port,
            dir: tempfile::tempdir().expect("dir"),
            child: None,
        };
        smtp.resume();
        Some(smtp)
    }

    /// (Re)starts the server on its port; returns once it listens.
    fn resume(&mut self) {
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/smtp/capture.py");
        let mut child = Command::new(&self.python)
            .arg(script)
            .arg(self.port.to_string())
            .arg(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the mail server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read");
        assert_eq!(line.trim(), "ready", "the test mail server did not start");
        self.child = Some(child);
    }

    /// Stops the server at once (the mail server is "down").
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Plain text to this machine, as the settings allow for tests and local relays.
    fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}?tls=none", self.port)
    }

    pub(super) fn received(&self) -> Vec<Received> {
        let mut names: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .expect("dir")
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|path| {
                let record: serde_json::Value =
                    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("json");
                let text = |key: &str| record[key].as_str().unwrap_or_default().to_owned();
                Received {
                    rcpt_tos: record["rcpt_tos"]
                        .as_array()
                        .expect("list")
                        .iter()
                        .map(|v| v.as_str().unwrap_or_default().to_owned())
                        .collect(),
                    from: text("from"),
                    subject: text("subject"),
                    body: text("body"),
                    raw: std::fs::read(path.with_extension("eml")).expect("raw"),
                }
            })
            .collect()
    }

    /// Waits until `count` mails have arrived in all, and returns them all.
    async fn wait_for(&self, count: usize) -> Vec<Received> {
        self.wait_for_matching(count, |_| true).await
    }

    /// Waits until `count` mails that `matches` accepts have arrived, and returns those. The limit
    /// (60 s) is a liveness deadline, not a timing: a loaded machine may take seconds per mail.
    pub(crate) async fn wait_for_matching(
        &self,
        count: usize,
        matches: impl Fn(&Received) -> bool,
    ) -> Vec<Received> {
        let matching =
            || -> Vec<Received> { self.received().into_iter().filter(&matches).collect() };
        for _ in 0..600 {
            let found = matching();
            if found.len() >= count {
                return found;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "expected {count} mails, got {:?}",
            matching().iter().map(|m| &m.rcpt_tos).collect::<Vec<_>>()
        );
    }

    /// Waits a few rounds of the notification job (1 s apart) and checks nothing more arrived.
    async fn quiet_at(&self, count: usize) {
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let received = self.received();
        assert_eq!(
            received.len(),
            count,
            "unexpected mail to {:?}",
            received
                .iter()
                .skip(count)
                .map(|m| &m.rcpt_tos)
                .collect::<Vec<_>>()
        );
    }
}

impl Drop for TestSmtp {
    fn drop(&mut self) {
        self.stop();
    }
}

const PUBLIC_URL: &str = "https://meld.signaal.test";
const SECOND_COORDINATOR: &str = "ib@de-vuurtoren.demo";
const REMOVED_COORDINATOR: &str = "vertrokken@de-vuurtoren.demo";
const TEACHER: &str = "leerkracht@de-vuurtoren.demo";

pub(super) fn mail_flags(smtp: &TestSmtp) -> SettingFlags {
    SettingFlags {
        smtp_url: Some(smtp.url()),
        mail_from: Some("Signaal <meldpunt@signaal.test>".into()),
        public_url: Some(PUBLIC_URL.into()),
        mail_check_seconds: Some("1".into()),
        ..SettingFlags::default()
    }
}

/// The demo school on either backend, with a second coordinator and one who was removed again.
async fn mail_storage(backend: &str) -> Option<(Storage, MasterKey, tempfile::TempDir)> {
    let dir = tempfile::tempdir().expect("dir");
    let master = MasterKey::generate().expect("master key");
    let storage = if backend == "postgres" {
        super::postgres_storage("signaal_mail", &master).await?
    } else {
        SqliteStore::open(&dir.path().join("signaal.db"), master.clone())
            .await
            .expect("open")
            .into_storage()
    };
    let demo = signaal::demo::seed(&storage, &SystemClock, &master)
        .await
        .expect("demo");
    use signaal_domain::policy::{self, Actor};
    let directory = policy::authorize_directory(&Actor::Operator).expect("grant");
    for email in [SECOND_COORDINATOR, REMOVED_COORDINATOR] {
        let staff = storage
            .directory
            .create_staff(
                &directory,
                &signaal_storage::NewStaff {
                    email: email.into(),
                    display_name: "Intern begeleider".into(),
                    is_provider_admin: false,
                },
                Utc::now(),
            )
            .await
            .expect("staff");
        storage
            .directory
            .assign_role(
                &directory,
                staff.id,
                demo.school.id,
                signaal_domain::staff::Role::Coordinator,
                Utc::now(),
            )
            .await
            .expect("role");
        if email == REMOVED_COORDINATOR {
            let manage = policy::authorize::<policy::ManageStaff>(
                &Actor::Operator,
                demo.school.id,
                Utc::now(),
            )
            .expect("grant");
            storage
                .staff_admin
                .remove_staff(&manage, staff.id, Utc::now())
                .await
                .expect("removed");
        }
    }
    Some((storage, master, dir))
}

/// A running app with mail, on either backend.
struct MailApp {
    server: Server,
    storage: Storage,
    clock: Arc<TestClock>,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl MailApp {
    async fn start(backend: &str, smtp: &TestSmtp) -> Option<Self> {
        let Some((storage, master, dir)) = mail_storage(backend).await else {
            eprintln!("skipped on {backend}: SIGNAAL_TEST_POSTGRES_URL is not set");
            return None;
        };
        let clock = Arc::new(TestClock(Mutex::new(Utc::now())));
        let server = serve::start(
            storage.clone(),
            &master,
            clock.clone(),
            &settings_with(mail_flags(smtp)),
        )
        .await
        .expect("start");
        Some(Self {
            server,
            storage,
            clock,
            client: reqwest::Client::new(),
            _dir: dir,
        })
    }

    /// Sends a report through the HTML form with `description`; the receipt page must come back.
    async fn report(&self, description: &str) {
        let base = format!("http://{}/s/{SCHOOL}", self.server.addr);
        let page = self
            .client
            .get(&base)
            .send()
            .await
            .expect("form")
            .text()
            .await
            .expect("page");
        self.clock.advance(5);
        let mut fields = complete_form(&form_token(&page));
        for (key, value) in &mut fields {
            if *key == "description" {
                *value = description.to_owned();
            }
        }
        let started = std::time::Instant::now();
        let thanks = self
            .client
            .post(&base)
            .header("x-forwarded-for", "192.0.2.77")
            .form(&fields)
            .send()
            .await
            .expect("post");
        assert_eq!(thanks.status(), 200);
        assert!(
            thanks
                .text()
                .await
                .expect("page")
                .contains("Dankjewel! Je melding is verstuurd.")
        );
        // Mail is never on the way: the report is answered without waiting for any mail server.
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    async fn mail_audit(&self) -> Vec<signaal_domain::audit::AuditEntry> {
        use signaal_domain::policy::{self, Actor, VerifyAudit};
        let school = self
            .storage
            .directory
            .school_by_slug(&signaal_domain::school::SchoolSlug::parse(SCHOOL).expect("slug"))
            .await
            .expect("school")
            .expect("found");
        let grant = policy::authorize::<VerifyAudit>(&Actor::Operator, school.id, Utc::now())
            .expect("grant");
        let chain = self.storage.audit.chain(&grant).await.expect("chain");
        assert!(signaal_domain::audit::verify_chain(&chain).is_ok());
        chain
            .into_iter()
            .filter(|e| e.action.starts_with("mail."))
            .collect()
    }
}

fn recipients(mails: &[Received]) -> Vec<String> {
    let mut to: Vec<String> = mails.iter().flat_map(|m| m.rcpt_tos.clone()).collect();
    to.sort();
    to
}

async fn coordinators_get_one_content_free_mail_an_hour(backend: &str) {
    let Some(smtp) = TestSmtp::start() else {
        return;
    };
    let Some(app) = MailApp::start(backend, &smtp).await else {
        return;
    };
    let coordinators = vec![COORDINATOR.to_owned(), SECOND_COORDINATOR.to_owned()];
    // The demo's reports are weeks old: the first round tells each coordinator, once. Not the
    // teacher, not the leadership, not the coordinator who was removed.
    let first = smtp.wait_for(2).await;
    assert_eq!(recipients(&first), coordinators);
    smtp.quiet_at(2).await;

    let secret = "Zebrapaard-7391 duwt mij elke ochtend bij het hek";
    app.report(secret).await;
    // Half an hour later: the report's hour may have ended, but each coordinator had a mail less
    // than an hour ago, so nothing yet.
    app.clock.advance(1800);
    smtp.quiet_at(2).await;
    // Past the hour: exactly one more each.
    app.clock.advance(1805);
    let second = smtp.wait_for(4).await;
    assert_eq!(recipients(&second[2..]), coordinators);
    smtp.quiet_at(4).await;

    // A report right after that mail waits for the next hour, then comes as exactly one mail.
    app.report("Iemand schreef iets gemeens op mijn tas").await;
    app.clock.advance(1800);
    smtp.quiet_at(4).await;
    app.clock.advance(1810);
    let third = smtp.wait_for(6).await;
    assert_eq!(recipients(&third[4..]), coordinators);
    smtp.quiet_at(6).await;

    for mail in &third {
        assert!(!mail.rcpt_tos.iter().any(|to| to == TEACHER));
        assert_eq!(mail.from, "Signaal <meldpunt@signaal.test>");
        assert_eq!(
            mail.subject,
            "Nieuwe meldingen voor Basisschool De Vuurtoren (demo)"
        );
        assert!(
            mail.body
                .contains("Er zijn nieuwe meldingen voor Basisschool De Vuurtoren (demo).")
                && mail.body.contains(&format!("{PUBLIC_URL}/app/login")),
            "{}",
            mail.body
        );
        // Nothing of any report: not the description, not a name, not a place.
        for leak in [
            secret,
            "Zebrapaard",
            "Sem de Vries",
            "Noor",
            "schoolyard",
            "schoolplein",
        ] {
            assert!(!mail.body.contains(leak), "{leak} in {}", mail.body);
            assert!(!contains_bytes(&mail.raw, leak), "{leak} in the raw mail");
        }
    }
    // Every mail is in the school's audit chain, as sent to that staff member, with no content.
    let audit = app.mail_audit().await;
    assert_eq!(audit.len(), 6);
    for entry in &audit {
        assert_eq!(entry.action, "mail.notified");
        assert_eq!(entry.actor, "operator");
        assert!(entry.subject.starts_with("staff:"));
        assert_eq!(entry.outcome, "sent attempt=1");
    }
    app.server.stop(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn coordinators_get_one_content_free_mail_an_hour_on_sqlite() {
    coordinators_get_one_content_free_mail_an_hour("sqlite").await;
}

#[tokio::test]
async fn coordinators_get_one_content_free_mail_an_hour_on_postgresql() {
    coordinators_get_one_content_free_mail_an_hour("postgres").await;
}

async fn a_mail_server_that_is_down_slows_nothing_and_gets_the_mail_later(backend: &str) {
    let Some(mut smtp) = TestSmtp::start() else {
        return;
    };
    let Some(app) = MailApp::start(backend, &smtp).await else {
        return;
    };
    smtp.wait_for(2).await;
    smtp.stop();
    app.report("De bal werd steeds afgepakt").await;
    app.clock.advance(3605);
    // The job tries, fails (logged without address or text), and waits a minute of the clock.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    smtp.resume();
    smtp.quiet_at(2).await;
    app.clock.advance(61);
    let mails = smtp.wait_for(4).await;
    assert_eq!(
        recipients(&mails[2..]),
        vec![COORDINATOR.to_owned(), SECOND_COORDINATOR.to_owned()]
    );
    smtp.quiet_at(4).await;
    let audit = app.mail_audit().await;
    let retried: Vec<&str> = audit.iter().skip(2).map(|e| e.outcome.as_str()).collect();
    assert_eq!(retried, vec!["sent attempt=2", "sent attempt=2"]);
    app.server.stop(Duration::from_secs(5)).await;
}

#[tokio::test]
async fn a_mail_server_that_is_down_slows_nothing_and_gets_the_mail_later_on_sqlite() {
    a_mail_server_that_is_down_slows_nothing_and_gets_the_mail_later("sqlite").await;
}

#[tokio::test]
async fn a_mail_server_that_is_down_slows_nothing_and_gets_the_mail_later_on_postgresql() {
    a_mail_server_that_is_down_slows_nothing_and_gets_the_mail_later("postgres").await;
}

/// The one-time link in a mail's body.
fn link_in(mail: &Received) -> String {
    let start = mail
        .body
        .find(&format!("{PUBLIC_URL}/app/invite/"))
        .expect("a link in the mail");
    mail.body[start..]
        .split_whitespace()
        .next()
        .expect("link")
        .to_owned()
}

#[tokio::test]
async fn one_time_links_are_mailed_instead_of_shown() {
    let Some(mut smtp) = TestSmtp::start() else {
        return;
    };
    let app = TestApp::start_with(mail_flags(&smtp)).await;
    // The demo's coordinator gets the notification of the demo reports first.
    smtp.wait_for(1).await;
    let leader = app.sign_in_ready("directie@de-vuurtoren.demo").await;
    let page = app
        .with_cookie(reqwest::Method::GET, "/app/staff", &leader, &[])
        .await
        .text()
        .await
        .expect("page");
    let csrf = csrf_of(&page);
    let added = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/staff",
            &leader,
            &[
                ("csrf", &csrf),
                ("do", "add"),
                ("name", "Meester Bram"),
                ("email", "bram@de-vuurtoren.demo"),
                ("role", "teacher"),
            ],
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(
        added.contains("bram@de-vuurtoren.demo heeft de rol gekregen. Er is een link verstuurd naar bram@de-vuurtoren.demo."),
        "{added}"
    );
    assert!(
        !added.contains("/app/invite/"),
        "the link is mailed, not shown"
    );
    let mails = smtp.wait_for(2).await;
    let invite = &mails[1];
    assert_eq!(invite.rcpt_tos, vec!["bram@de-vuurtoren.demo".to_owned()]);
    assert_eq!(invite.subject, "Je account voor Signaal");
    assert!(
        invite.body.starts_with("Beste Meester Bram,"),
        "{}",
        invite.body
    );
    // The mailed link works: it opens the page to choose a password, and sets it once.
    let link = link_in(invite);
    let path = link.strip_prefix(PUBLIC_URL).expect("a path").to_owned();
    let opened = app.get(&path, Some("nl")).await;
    assert_eq!(opened.status(), 200);
    assert!(
        opened
            .text()
            .await
            .expect("page")
            .contains("bram@de-vuurtoren.demo")
    );
    let set = app
        .client
        .post(app.url(&path))
        .header("accept-language", "nl")
        .form(&[
            ("password", "lange zinnen zijn sterk"),
            ("repeat", "lange zinnen zijn sterk"),
        ])
        .send()
        .await
        .expect("post");
    assert_eq!(location(&set), "/app/login?why=password_set");
    assert_eq!(
        app.get(&path, Some("nl")).await.status(),
        410,
        "a link works once"
    );

    // A new link for someone with a password is a reset, mailed too.
    let id = {
        let page = app
            .with_cookie(reqwest::Method::GET, "/app/staff", &leader, &[])
            .await
            .text()
            .await
            .expect("page");
        let row = page
            .split("<tr>")
            .find(|row| row.contains("bram@de-vuurtoren.demo"))
            .expect("row")
            .to_owned();
        between(&row, "name=\"staff\" value=\"", "\"").to_owned()
    };
    let new_link = |csrf: String| {
        let id = id.clone();
        let leader = leader.clone();
        let app = &app;
        async move {
            app.with_cookie(
                reqwest::Method::POST,
                "/app/staff",
                &leader,
                &[("csrf", &csrf), ("do", "link"), ("staff", &id)],
            )
            .await
            .text()
            .await
            .expect("page")
        }
    };
    let made = new_link(csrf.clone()).await;
    assert!(
        made.contains("Er is een link verstuurd naar bram@de-vuurtoren.demo."),
        "{made}"
    );
    assert!(!made.contains("/app/invite/"));
    let mails = smtp.wait_for(3).await;
    assert_eq!(mails[2].subject, "Een nieuw wachtwoord voor Signaal");
    // With the mail server down, the link is shown to pass on after all, and the page says why.
    smtp.stop();
    let fallback = new_link(csrf).await;
    assert!(
        fallback.contains("De e-mail aan bram@de-vuurtoren.demo kon niet worden verstuurd.")
            && fallback.contains(&format!("{PUBLIC_URL}/app/invite/")),
        "{fallback}"
    );
    app.server.stop(Duration::from_secs(5)).await;
}

#[test]
fn accounts_made_on_the_command_line_get_their_link_by_mail() {
    let Some(smtp) = TestSmtp::start() else {
        return;
    };
    let cli = Cli::new();
    cli.ok(&[
        "admin",
        "create-school",
        "--slug",
        "de-regenboog",
        "--name",
        "De Regenboog",
        "--board",
        "Stichting",
    ]);
    let url = smtp.url();
    let with_mail = |args: &[&str]| -> Vec<String> {
        let mut all: Vec<String> = args.iter().map(|a| (*a).to_owned()).collect();
        all.extend(
            [
                "--smtp-url",
                &url,
                "--mail-from",
                "meldpunt@signaal.test",
                "--public-url",
                PUBLIC_URL,
            ]
            .map(str::to_owned),
        );
        all
    };
    let args = with_mail(&[
        "admin",
        "create-user",
        "--email",
        "ib@regenboog.example",
        "--name",
        "Ilse",
        "--school",
        "de-regenboog",
        "--role",
        "coordinator",
    ]);
    let created = cli.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        created.contains("a link to set a password was sent to ib@regenboog.example"),
        "{created}"
    );
    assert!(!created.contains("/app/invite/"), "{created}");
    let invite = &smtp.received()[0];
    assert_eq!(invite.rcpt_tos, vec!["ib@regenboog.example".to_owned()]);
    assert!(link_in(invite).starts_with(&format!("{PUBLIC_URL}/app/invite/")));
    let args = with_mail(&["admin", "reset-password", "--email", "ib@regenboog.example"]);
    let reset = cli.ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(
        reset.contains("was sent to ib@regenboog.example"),
        "{reset}"
    );
    assert_eq!(
        smtp.received()[1].subject,
        "Een nieuw wachtwoord voor Signaal"
    );
}

#[test]
fn mail_settings_are_checked_and_the_password_never_shown() {
    let cli = Cli::new();
    let out = cli.ok(&["config", "check"]);
    assert!(out.contains("mail: off (no smtp_url)"), "{out}");
    let cases: [(&[&str], &str); 6] = [
        (
            &["--smtp-url", "http://mail.example.nl"],
            "setting `smtp_url` (--smtp-url, SIGNAAL_SMTP_URL): \"http://\" is not smtp://",
        ),
        (
            &["--smtp-url", "smtp://mail.example.nl?tls=none"],
            "plain text (tls=none) is allowed only to this machine",
        ),
        (
            &[
                "--smtp-url",
                "smtp://mail.example.nl",
                "--public-url",
                PUBLIC_URL,
            ],
            "setting `mail_from` (--mail-from, SIGNAAL_MAIL_FROM): is needed when smtp_url is set",
        ),
        (
            &[
                "--smtp-url",
                "smtp://mail.example.nl",
                "--mail-from",
                "meldpunt",
            ],
            "\"meldpunt\" is not a sender address",
        ),
        (
            &[
                "--smtp-url",
                "smtp://mail.example.nl",
                "--mail-from",
                "a@b.nl",
            ],
            "setting `public_url` (--public-url, SIGNAAL_PUBLIC_URL): is needed when smtp_url is set",
        ),
        (
            &[
                "--smtp-url",
                "smtp://mail.example.nl",
                "--mail-from",
                "a@b.nl",
                "--public-url",
                PUBLIC_URL,
                "--smtp-user",
                "signaal",
            ],
            "setting `smtp_password` (--smtp-password, SIGNAAL_SMTP_PASSWORD): is needed when smtp_user is set",
        ),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["config", "check"];
        args.extend_from_slice(flags);
        let refused = cli.fails(&args);
        assert!(refused.contains(expected), "{flags:?}: {refused}");
    }
    let password_file = cli.file("smtp-password", b"hunter2-from-a-file\n");
    let good = [
        "config",
        "check",
        "--smtp-url",
        "smtps://Mail.Example.nl",
        "--mail-from",
        "Signaal <meldpunt@example.nl>",
        "--public-url",
        PUBLIC_URL,
        "--smtp-user",
        "signaal",
        "--smtp-password-file",
        &password_file,
    ];
    let out = cli.ok(&good);
    assert!(
        out.contains(
            "mail: on, through mail.example.nl:465 (TLS) from Signaal <meldpunt@example.nl>"
        ),
        "{out}"
    );
    // A password given in the environment is shown as *** and never appears in help either.
    for args in [&["config", "check"][..], &["--help"][..]] {
        let output = Command::new(env!("CARGO_BIN_EXE_signaal"))
            .args(args)
            .env("SIGNAAL_DATA_DIR", cli.dir.path().join("data"))
            .env("SIGNAAL_SMTP_URL", "smtp://mail.example.nl")
            .env("SIGNAAL_MAIL_FROM", "meldpunt@example.nl")
            .env("SIGNAAL_PUBLIC_URL", PUBLIC_URL)
            .env("SIGNAAL_SMTP_USER", "signaal")
            .env("SIGNAAL_SMTP_PASSWORD", "hunter2-secret")
            .env_remove("SIGNAAL_DATABASE_URL")
            .output()
            .expect("runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        if args[0] == "config" {
            assert!(
                text.contains("smtp_password") && text.contains("***"),
                "{text}"
            );
        }
    }
    // Both a password and a password file is one too many.
    let mut both = good.to_vec();
    both.extend(["--smtp-password", "x"]);
    assert!(cli.fails(&both).contains("not both"));
}
