//! The whole application over HTTP and the command line, on SQLite always and on PostgreSQL when
//! `SIGNAAL_TEST_POSTGRES_URL` is set. One test binary for the crate keeps link times down.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use signaal::serve::{self, Server};
use signaal::settings::{SettingFlags, Settings};
use signaal_domain::secrets::MasterKey;
use signaal_domain::{Clock, SystemClock};
use signaal_storage::Storage;
use signaal_storage_sqlite::SqliteStore;

fn settings() -> Settings {
    settings_with(SettingFlags::default())
}

fn settings_with(flags: SettingFlags) -> Settings {
    let flags = SettingFlags {
        listen: Some("127.0.0.1:0".into()),
        trusted_proxy_header: Some("x-forwarded-for".into()),
        ..flags
    };
    Settings::resolve(&flags, &toml::Table::new()).expect("valid settings")
}

/// A clock the test moves by hand (form tokens need a few seconds to pass).
struct TestClock(Mutex<DateTime<Utc>>);

impl TestClock {
    fn advance(&self, seconds: i64) {
        let mut now = self.0.lock().unwrap();
        *now += chrono::Duration::seconds(seconds);
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

struct TestApp {
    server: Server,
    client: reqwest::Client,
    store: SqliteStore,
    clock: Arc<TestClock>,
    demo: signaal::demo::DemoInfo,
    _dir: tempfile::TempDir,
}

impl TestApp {
    async fn start() -> Self {
        Self::start_with(SettingFlags::default()).await
    }

    async fn start_with(flags: SettingFlags) -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let master = MasterKey::generate().expect("master key");
        let store = SqliteStore::open(&dir.path().join("signaal.db"), master.clone())
            .await
            .expect("open");
        let storage = store.clone().into_storage();
        let demo = signaal::demo::seed(&storage, &SystemClock, &master)
            .await
            .expect("demo");
        let clock = Arc::new(TestClock(Mutex::new(Utc::now())));
        let server = serve::start(storage, &master, clock.clone(), &settings_with(flags))
            .await
            .expect("start");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client");
        Self {
            server,
            client,
            store,
            clock,
            demo,
            _dir: dir,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.server.addr)
    }

    async fn get(&self, path: &str, lang: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(lang) = lang {
            request = request.header("accept-language", lang);
        }
        request.send().await.expect("response")
    }
}

#[tokio::test]
async fn health_and_readiness() {
    let app = TestApp::start().await;
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.expect("body"), r#"{"status":"ok"}"#);
    assert_eq!(app.get("/readyz", None).await.status(), 200);
    // With the database gone, the process is still alive but not ready.
    app.store.close().await;
    assert_eq!(app.get("/healthz", None).await.status(), 200);
    let ready = app.get("/readyz", None).await;
    assert_eq!(ready.status(), 503);
    assert_eq!(
        ready.text().await.expect("body"),
        r#"{"status":"unavailable"}"#
    );
    // A page that needs the database says so kindly, with 503 and no internals.
    let page = app.get("/s/de-vuurtoren", Some("en")).await;
    assert_eq!(page.status(), 503);
    assert_eq!(page.headers()["retry-after"], "30");
    let body = page.text().await.expect("body");
    assert!(body.contains("It does not work right now"), "{body}");
    assert!(
        !body.to_lowercase().contains("pool") && !body.contains("sqlx"),
        "{body}"
    );
}

#[tokio::test]
async fn every_route_sends_the_security_headers() {
    let app = TestApp::start().await;
    let routes = [
        "/",
        "/healthz",
        "/readyz",
        "/s/de-vuurtoren",
        "/s/de-vuurtoren/en",
        "/s/de-vuurtoren/volgen",
        "/s/de-vuurtoren/poster",
        "/s/nergens",
        "/api/v1/openapi.json",
        "/api/v1/schools/de-vuurtoren",
        "/api/v1/schools/de-vuurtoren/report-form",
        "/api/v1/schools/x",
        "/nope",
        "/static/signaal.css",
        "/static/pictograms.svg",
        "/static/signaal.js",
        "/static/staff.js",
        "/static/staff.css",
        "/app/login",
        "/app/session",
        "/app",
    ];
    for route in routes {
        let response = app.get(route, None).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().expect("ascii");
        // Only the report form may be framed, and then only by the school's own site.
        let is_form = route.starts_with("/s/de-vuurtoren")
            && !route.contains("volgen")
            && !route.contains("poster");
        let (frame_ancestors, frame_options) = if is_form {
            ("frame-ancestors 'self'", "SAMEORIGIN")
        } else {
            ("frame-ancestors 'none'", "DENY")
        };
        assert!(
            csp.contains("default-src 'none'") && csp.contains(frame_ancestors),
            "{route}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{route}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{route}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{route}");
        assert_eq!(headers["x-frame-options"], frame_options, "{route}");
        assert_eq!(
            headers["cross-origin-opener-policy"], "same-origin",
            "{route}"
        );
        assert!(headers.contains_key("x-request-id"), "{route}");
        let cache = headers["cache-control"].to_str().expect("ascii");
        if route.starts_with("/static/") {
            assert!(cache.starts_with("public"), "{route}: {cache}");
        } else {
            assert_eq!(cache, "no-store", "{route}");
        }
        assert!(
            !headers.contains_key("set-cookie"),
            "{route} sets a cookie without being asked"
        );
    }
}

#[tokio::test]
async fn not_found_pages_speak_the_visitors_language() {
    let app = TestApp::start().await;
    let dutch = app.get("/bestaat-niet", None).await;
    assert_eq!(dutch.status(), 404);
    let body = dutch.text().await.expect("body");
    assert!(
        body.contains("<html lang=\"nl\">") && body.contains("Deze pagina bestaat niet"),
        "{body}"
    );

    let english = app.get("/does-not-exist", Some("en-GB,en;q=0.9")).await;
    let body = english.text().await.expect("body");
    assert!(
        body.contains("<html lang=\"en\">") && body.contains("This page does not exist"),
        "{body}"
    );

    // The visible switch wins over the browser's preference.
    let switched = app.get("/s/nergens?lang=nl", Some("en")).await;
    assert_eq!(switched.status(), 404);
    assert!(
        switched
            .text()
            .await
            .expect("body")
            .contains("Deze pagina bestaat niet")
    );

    // Malformed school names are simply not found, never an error.
    for path in [
        "/s/UPPER",
        "/s/%00",
        "/s/a",
        "/s/..%2f..%2fetc",
        "/s/de-vuurtoren/extra",
    ] {
        assert_eq!(app.get(path, None).await.status(), 404, "{path}");
    }
    // The wrong method is a not-found page too, not an empty response.
    let post = app
        .client
        .post(app.url("/healthz"))
        .send()
        .await
        .expect("response");
    assert_eq!(post.status(), 404);
}

#[tokio::test]
async fn the_language_switch_is_remembered_only_as_a_language() {
    let app = TestApp::start().await;
    let page = app
        .client
        .get(app.url("/?lang=en"))
        .header("cookie", "signaal_lang=nl")
        .send()
        .await
        .expect("response");
    assert_eq!(
        page.headers()["set-cookie"],
        "signaal_lang=en; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly"
    );
    assert!(
        page.text()
            .await
            .expect("body")
            .contains("<html lang=\"en\">")
    );
    // An unknown language is ignored, and sets nothing.
    let unknown = app
        .client
        .get(app.url("/?lang=xx"))
        .send()
        .await
        .expect("response");
    assert!(!unknown.headers().contains_key("set-cookie"));
    assert!(
        unknown
            .text()
            .await
            .expect("body")
            .contains("<html lang=\"nl\">")
    );
    let remembered = app
        .client
        .get(app.url("/"))
        .header("cookie", "signaal_lang=en")
        .send()
        .await
        .expect("response");
    assert!(
        remembered
            .text()
            .await
            .expect("body")
            .contains("<html lang=\"en\">")
    );
}

#[tokio::test]
async fn the_demo_school_is_public_and_marked_as_demo() {
    let app = TestApp::start().await;
    let page = app.get("/s/de-vuurtoren", None).await;
    assert_eq!(page.status(), 200);
    let body = page.text().await.expect("body");
    assert!(
        body.contains("Meld het bij Basisschool De Vuurtoren (demo)"),
        "{body}"
    );
    assert!(
        body.contains("class=\"demo\""),
        "the demo banner is missing"
    );
    assert!(
        !body.contains("http://") && !body.contains("https://"),
        "no request to any other host: {body}"
    );

    let info: serde_json::Value = app
        .get("/api/v1/schools/de-vuurtoren", None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        info,
        serde_json::json!({"slug": "de-vuurtoren", "name": "Basisschool De Vuurtoren (demo)", "is_demo": true})
    );
    let missing = app.get("/api/v1/schools/nergens", None).await;
    assert_eq!(missing.status(), 404);
    let error: serde_json::Value = missing.json().await.expect("json");
    assert_eq!(error["error"], "not_found");
}

#[tokio::test]
async fn the_openapi_document_describes_the_api() {
    let app = TestApp::start().await;
    let document: serde_json::Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .expect("json");
    assert!(
        document["openapi"]
            .as_str()
            .expect("version")
            .starts_with("3.")
    );
    for path in ["/healthz", "/readyz", "/api/v1/schools/{school}"] {
        assert!(
            document["paths"][path]["get"].is_object(),
            "{path} is missing"
        );
    }
    assert!(document["components"]["schemas"]["PublicSchool"].is_object());
}

#[tokio::test]
async fn oversized_requests_are_refused() {
    let app = TestApp::start().await;
    let response = app
        .client
        .post(app.url("/"))
        .body(vec![b'x'; 1024 * 1024])
        .send()
        .await
        .expect("response");
    assert!(
        response.status() == 413 || response.status() == 404,
        "{}",
        response.status()
    );
}

#[tokio::test]
async fn a_stopped_server_lets_nothing_through() {
    let app = TestApp::start().await;
    let addr = app.server.addr;
    app.server.stop(Duration::from_secs(5)).await;
    assert!(
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .is_err()
    );
}

// ---- the command line, as an operator uses it ----

struct Cli {
    dir: tempfile::TempDir,
}

impl Cli {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("dir"),
        }
    }

    fn run(&self, args: &[&str]) -> (bool, String) {
        let output = Command::new(env!("CARGO_BIN_EXE_signaal"))
            .args(args)
            .env("SIGNAAL_DATA_DIR", self.dir.path().join("data"))
            .env("SIGNAAL_LOG_LEVEL", "warn")
            .env_remove("SIGNAAL_DATABASE_URL")
            .output()
            .expect("the binary runs");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        (output.status.success(), text)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (ok, text) = self.run(args);
        assert!(ok, "{args:?} failed: {text}");
        text
    }

    fn fails(&self, args: &[&str]) -> String {
        let (ok, text) = self.run(args);
        assert!(!ok, "{args:?} should fail: {text}");
        text
    }

    fn file(&self, name: &str, contents: &[u8]) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write");
        path.display().to_string()
    }

    /// `admin create-school` of board "Stichting Test", with any further global flags (such as
    /// `--database-url`).
    fn create_school(&self, slug: &str, name: &str, flags: &[&str]) {
        let mut args = flags.to_vec();
        args.extend([
            "admin",
            "create-school",
            "--slug",
            slug,
            "--name",
            name,
            "--board",
            "Stichting Test",
        ]);
        self.ok(&args);
    }
}

const ROSTER: &str = "leerlingnummer;voornaam;tussenvoegsel;achternaam;geboortedatum;groep\n\
    1;Daan;van der;Berg;2016-03-09;groep 5a\n2;Sanne;;Bakker;2016-05-01;groep 5a\n3;Noor;de;Vries;2015-01-20;groep 6b\n\
    4;Finn;;Jansen;2015-02-11;groep 6b\n5;Eva;;Smit;2015-03-03;groep 6b\n";

#[test]
fn roster_import_from_the_command_line() {
    let cli = Cli::new();
    cli.ok(&[
        "admin",
        "create-school",
        "--slug",
        "de-regenboog",
        "--name",
        "OBS De Regenboog",
        "--board",
        "Stichting Test",
    ]);
    let file = cli.file("roster.csv", ROSTER.as_bytes());

    let dry = cli.ok(&[
        "roster",
        "import",
        "--school",
        "de-regenboog",
        "--dry-run",
        &file,
    ]);
    assert!(
        dry.contains("+ 1 Daan van der Berg (groep 5a)")
            && dry.contains("dry run: nothing was changed"),
        "{dry}"
    );
    let first = cli.ok(&["roster", "import", "--school", "de-regenboog", &file]);
    assert!(
        first.contains("5 added, 0 changed, 0 marked as left, 2 new groups"),
        "{first}"
    );
    // The dry run changed nothing, and the same file again changes nothing.
    let again = cli.ok(&["roster", "import", "--school", "de-regenboog", &file]);
    assert!(
        again.contains("0 added, 0 changed, 0 left, 5 unchanged"),
        "{again}"
    );

    // One pupil fewer: marked as left (1 of 5 is within the default 25%).
    let fewer = cli.file(
        "fewer.csv",
        ROSTER
            .replace("5;Eva;;Smit;2015-03-03;groep 6b\n", "")
            .as_bytes(),
    );
    let left = cli.ok(&["roster", "import", "--school", "de-regenboog", &fewer]);
    assert!(left.contains("- 5 left on"), "{left}");

    // A truncated file would empty the school: refused unless asked for.
    let truncated = cli.file(
        "truncated.csv",
        ROSTER
            .lines()
            .take(2)
            .collect::<Vec<_>>()
            .join("\n")
            .as_bytes(),
    );
    let refused = cli.fails(&["roster", "import", "--school", "de-regenboog", &truncated]);
    assert!(
        refused.contains("would mark 3 of 4 current pupils as left")
            && refused.contains("--allow-mass-leave"),
        "{refused}"
    );
    cli.ok(&[
        "roster",
        "import",
        "--school",
        "de-regenboog",
        "--allow-mass-leave",
        "--dry-run",
        &truncated,
    ]);

    let verify = cli.ok(&["audit", "verify"]);
    assert!(
        // The school's creation, then every run read the roster to compare (audited, dry runs and
        // refusals too); two imported.
        verify.contains("de-regenboog: 10 entries, the chain is intact"),
        "{verify}"
    );
}

#[test]
fn bad_roster_files_are_refused_and_change_nothing() {
    let cli = Cli::new();
    cli.ok(&[
        "admin",
        "create-school",
        "--slug",
        "het-anker",
        "--name",
        "Het Anker",
        "--board",
        "B",
    ]);
    let good = cli.file("good.csv", ROSTER.as_bytes());
    cli.ok(&["roster", "import", "--school", "het-anker", &good]);

    let mut garbage = Vec::new();
    let mut state: u64 = 1;
    while garbage.len() < 10 * 1024 * 1024 {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        garbage.extend_from_slice(&state.to_le_bytes());
    }
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.csv", Vec::new(), "the file is empty"),
        (
            "tabs.csv",
            ROSTER.replace(';', "\t").into_bytes(),
            "missing columns",
        ),
        (
            "columns.csv",
            b"leerlingnummer;voornaam\n1;Daan\n".to_vec(),
            "missing columns: achternaam, geboortedatum, groep",
        ),
        (
            "duplicates.csv",
            format!("{ROSTER}1;Dubbel;;Nummer;2016-01-01;groep 5a\n").into_bytes(),
            "line 7, column \"leerlingnummer\": pupil number 1 is already used on line 2",
        ),
        (
            "dates.csv",
            ROSTER.replace("2016-03-09", "31-02-2016").into_bytes(),
            "line 2, column \"geboortedatum\"",
        ),
        (
            "bom-bad.csv",
            [
                b"\xEF\xBB\xBF".as_slice(),
                ROSTER.replace("groep 5a", "").as_bytes(),
            ]
            .concat(),
            "column \"groep\": is empty",
        ),
        ("garbage.bin", garbage, "is not UTF-8 text"),
    ];
    for (name, contents, expected) in cases {
        let path = cli.file(name, &contents);
        let refused = cli.fails(&["roster", "import", "--school", "het-anker", &path]);
        assert!(refused.contains(expected), "{name}: {refused}");
        assert!(
            refused.contains("nothing has changed") || name == "garbage.bin" || name == "empty.csv",
            "{name}: {refused}"
        );
    }
    // After all of that, the roster is as the good file left it.
    let unchanged = cli.ok(&[
        "roster",
        "import",
        "--school",
        "het-anker",
        "--dry-run",
        &good,
    ]);
    assert!(
        unchanged.contains("0 added, 0 changed, 0 left, 5 unchanged"),
        "{unchanged}"
    );
    // A BOM on a good file is fine.
    let bom = cli.file(
        "bom.csv",
        [b"\xEF\xBB\xBF".as_slice(), ROSTER.as_bytes()]
            .concat()
            .as_slice(),
    );
    assert!(
        cli.ok(&[
            "roster",
            "import",
            "--school",
            "het-anker",
            "--dry-run",
            &bom
        ])
        .contains("5 unchanged")
    );
    // Unknown school and missing file are named.
    assert!(
        cli.fails(&["roster", "import", "--school", "nergens", &good])
            .contains("no school with the short name \"nergens\"")
    );
    assert!(
        cli.fails(&[
            "roster",
            "import",
            "--school",
            "het-anker",
            "/nonexistent.csv"
        ])
        .contains("cannot read /nonexistent.csv")
    );
}

#[test]
fn a_oneroster_export_is_imported() {
    let cli = Cli::new();
    cli.ok(&[
        "admin",
        "create-school",
        "--slug",
        "one",
        "--name",
        "One",
        "--board",
        "B",
    ]);
    let folder = cli.dir.path().join("oneroster");
    std::fs::create_dir(&folder).expect("dir");
    let write = |name: &str, text: &str| std::fs::write(folder.join(name), text).expect("write");
    write(
        "orgs.csv",
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\norg-1,active,,One,school,01AB,\n",
    );
    write(
        "users.csv",
        "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password\nu1,active,,true,org-1,student,,,Daan,Berg,van der,1001,,,,,05,\nu2,active,,true,org-1,student,,,Sanne,Bakker,,1002,,,,,05,\n",
    );
    write(
        "classes.csv",
        "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\nc1,active,,groep 5a,05,,,homeroom,,org-1,,,,\n",
    );
    write(
        "enrollments.csv",
        "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\ne1,active,,c1,org-1,u1,student,,,\ne2,active,,c1,org-1,u2,student,,,\n",
    );
    let folder = folder.display().to_string();
    let out = cli.ok(&["roster", "import", "--school", "one", &folder]);
    assert!(
        out.contains("+ 1001 Daan van der Berg (groep 5a)") && out.contains("2 added"),
        "{out}"
    );
    std::fs::remove_file(Path::new(&folder).join("enrollments.csv")).expect("remove");
    assert!(
        cli.fails(&["roster", "import", "--school", "one", &folder])
            .contains("enrollments.csv")
    );
}

#[test]
fn configuration_is_checked_before_anything_starts() {
    let cli = Cli::new();
    let out = cli.ok(&["config", "check"]);
    assert!(
        out.contains("listen")
            && out.contains("127.0.0.1:8080")
            && out.contains("the configuration is valid"),
        "{out}"
    );
    let config = cli.file("signaal.toml", b"listen = \"127.0.0.1:9999\"\nlisen = 1\n");
    let refused = cli.fails(&["--config", &config, "config", "check"]);
    assert!(
        refused.contains("unknown setting `lisen` in the configuration file"),
        "{refused}"
    );
    let refused = cli.fails(&["config", "check", "--db-max-connections", "0"]);
    assert!(
        refused.contains("setting `db_max_connections`"),
        "{refused}"
    );
    let refused = cli.fails(&["config", "check", "--database-url", "mysql://x"]);
    assert!(refused.contains("neither a SQLite path"), "{refused}");
    let good = cli.file(
        "good.toml",
        b"listen = \"127.0.0.1:9999\"\nroster_max_leave_share = 0.1\n",
    );
    let out = cli.ok(&["--config", &good, "config", "check"]);
    assert!(
        out.contains("127.0.0.1:9999") && out.contains("(file;"),
        "{out}"
    );
    // A misspelt variable is refused too.
    let output = Command::new(env!("CARGO_BIN_EXE_signaal"))
        .args(["config", "check"])
        .env("SIGNAAL_LISEN", "x")
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown setting `SIGNAAL_LISEN`"));
}

#[test]
fn a_lexicon_file_with_an_error_stops_the_start_with_file_and_line() {
    let cli = Cli::new();
    let lexicons = cli.dir.path().join("lexicons");
    std::fs::create_dir_all(lexicons.join("nl")).expect("mkdir");
    let file = lexicons.join("nl/health.txt");
    std::fs::write(&file, "# our own terms\nzwaluwziekte\n*\n").expect("write");
    let dir = lexicons.display().to_string();
    let expected = format!("{} line 3:", file.display());
    let refused = cli.fails(&["config", "check", "--lexicon-dir", &dir]);
    assert!(refused.contains(&expected), "{refused}");
    let refused = cli.fails(&["serve", "--listen", "127.0.0.1:0", "--lexicon-dir", &dir]);
    assert!(refused.contains(&expected), "{refused}");
    // Fixed, the terms are counted in.
    std::fs::write(&file, "# our own terms\nzwaluwziekte\n").expect("write");
    let out = cli.ok(&["config", "check", "--lexicon-dir", &dir]);
    assert!(out.contains(&format!("built-in and from {dir}")), "{out}");
}

#[test]
fn admin_commands_refuse_bad_input_clearly() {
    let cli = Cli::new();
    assert!(
        cli.fails(&[
            "admin",
            "create-school",
            "--slug",
            "Bad Slug",
            "--name",
            "X",
            "--board",
            "B"
        ])
        .contains("--slug \"Bad Slug\"")
    );
    cli.ok(&[
        "admin",
        "create-school",
        "--slug",
        "taken",
        "--name",
        "X",
        "--board",
        "B",
    ]);
    assert!(
        cli.fails(&[
            "admin",
            "create-school",
            "--slug",
            "taken",
            "--name",
            "Y",
            "--board",
            "B"
        ])
        .contains("already in use")
    );
    let out = cli.ok(&[
        "admin",
        "create-user",
        "--email",
        "Juf@School.example",
        "--name",
        "Juf",
        "--school",
        "taken",
        "--role",
        "teacher",
    ]);
    assert!(
        out.contains("juf@school.example") && out.contains("as teacher at taken"),
        "{out}"
    );
    assert!(
        cli.fails(&[
            "admin",
            "create-user",
            "--email",
            "juf@school.example",
            "--name",
            "Juf",
            "--provider-admin"
        ])
        .contains("already has an account")
    );
    assert!(
        cli.fails(&[
            "admin",
            "create-user",
            "--email",
            "x@y",
            "--name",
            "X",
            "--school",
            "taken",
            "--role",
            "king"
        ])
        .contains("is not one of: leadership")
    );
    assert!(
        cli.fails(&[
            "admin",
            "create-user",
            "--email",
            "not-an-address",
            "--name",
            "X",
            "--provider-admin"
        ])
        .contains("is not an e-mail address")
    );
}

#[test]
fn a_lost_master_key_stops_the_start() {
    let cli = Cli::new();
    cli.ok(&["migrate"]);
    std::fs::remove_file(cli.dir.path().join("data").join("master.key")).expect("remove");
    assert!(cli.fails(&["migrate"]).contains("master key"));
}

// ---- PostgreSQL, when configured ----

/// A migrated PostgreSQL store in a schema of its own (`{prefix}_<id>`), or `None` when
/// `SIGNAAL_TEST_POSTGRES_URL` is not set.
async fn postgres_storage(prefix: &str, master: &MasterKey) -> Option<Storage> {
    let url = std::env::var("SIGNAAL_TEST_POSTGRES_URL").ok()?;
    let schema = format!("{prefix}_{}", uuid::Uuid::now_v7().simple());
    let admin = sqlx::PgPool::connect(&url).await.expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .expect("schema");
    let options = sqlx::postgres::PgConnectOptions::from_str(&url)
        .expect("url")
        .options([("search_path", schema.as_str())]);
    let store = signaal_storage_postgres::PgStore::open_with(options, 4, master.clone())
        .await
        .expect("open");
    Some(store.into_storage())
}

#[tokio::test]
async fn the_app_serves_from_postgresql_too() {
    let master = MasterKey::generate().expect("master key");
    let Some(storage) = postgres_storage("signaal_app", &master).await else {
        eprintln!("skipped: SIGNAAL_TEST_POSTGRES_URL is not set");
        return;
    };
    let demo = signaal::demo::seed(&storage, &SystemClock, &master)
        .await
        .expect("demo");
    // Seeding twice keeps one demo school.
    assert!(
        !signaal::demo::seed(&storage, &SystemClock, &master)
            .await
            .expect("demo")
            .newly_loaded
    );
    let server = serve::start(storage, &master, Arc::new(SystemClock), &settings())
        .await
        .expect("start");
    let base = format!("http://{}", server.addr);
    assert_eq!(
        reqwest::get(format!("{base}/readyz"))
            .await
            .expect("ready")
            .status(),
        200
    );
    let page = reqwest::get(format!("{base}/s/de-vuurtoren"))
        .await
        .expect("page");
    assert_eq!(page.status(), 200);
    // The demo's receipt opens its report, and the reporter can write back.
    let receipt = demo.sample_receipt.expect("a demo receipt");
    let client = reqwest::Client::new();
    let status = client
        .post(format!("{base}/api/v1/receipt/messages"))
        .json(&serde_json::json!({"school": "de-vuurtoren", "receipt": receipt.as_str(), "message": "Nog een keer"}))
        .send()
        .await
        .expect("message");
    assert_eq!(status.status(), 201);
    let body: serde_json::Value = status.json().await.expect("json");
    assert_eq!(body["messages"][0]["body"], "Nog een keer");
    server.stop(Duration::from_secs(5)).await;
}

// ---- Anonymous reporting (issue 3) ----

const SCHOOL: &str = "de-vuurtoren";

/// The text between `start` and the next `end`.
fn between<'a>(body: &'a str, start: &str, end: &str) -> &'a str {
    let from = body
        .find(start)
        .unwrap_or_else(|| panic!("{start:?} not in page"))
        + start.len();
    let len = body[from..].find(end).expect("end marker");
    &body[from..from + len]
}

fn form_token(page: &str) -> String {
    between(page, "name=\"form_token\" value=\"", "\"").to_owned()
}

fn receipt_words(page: &str) -> String {
    let list = between(page, "<ol class=\"receipt\"", "</ol>");
    list.split("<li>")
        .skip(1)
        .map(|w| w.split("</li>").next().expect("word"))
        .collect::<Vec<_>>()
        .join(" ")
}

fn complete_form(token: &str) -> Vec<(&'static str, String)> {
    [
        ("form_token", token),
        ("lang", "nl"),
        ("website", ""),
        ("reporter", "pupil_witness"),
        ("categories", "verbal"),
        ("categories", "online"),
        ("place", "schoolyard"),
        ("date", ""),
        ("part_of_day", "break"),
        ("frequency", "almost_daily"),
        ("did_it_name", "Sem de Vries"),
        ("did_it_group", "groep 6a"),
        ("did_it_name", ""),
        ("did_it_group", ""),
        ("done_to_name", "Noor"),
        ("done_to_group", ""),
        (
            "description",
            "Ze lachen Noor elke pauze uit & <roepen> namen.",
        ),
        ("contact", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_owned()))
    .collect()
}

impl TestApp {
    async fn form_page(&self) -> String {
        let page = self.get(&format!("/s/{SCHOOL}"), Some("nl")).await;
        assert_eq!(page.status(), 200);
        page.text().await.expect("body")
    }

    async fn post_form(
        &self,
        path: &str,
        fields: &[(&str, String)],
        client_address: &str,
    ) -> (u16, String) {
        let response = self
            .client
            .post(self.url(path))
            .header("x-forwarded-for", client_address)
            .form(fields)
            .send()
            .await
            .expect("response");
        (
            response.status().as_u16(),
            response.text().await.expect("body"),
        )
    }

    async fn post_json(
        &self,
        path: &str,
        body: serde_json::Value,
        client_address: &str,
    ) -> (u16, serde_json::Value) {
        let response = self
            .client
            .post(self.url(path))
            .header("x-forwarded-for", client_address)
            .header("accept-language", "en")
            .json(&body)
            .send()
            .await
            .expect("response");
        (
            response.status().as_u16(),
            response.json().await.expect("json"),
        )
    }
}

#[tokio::test]
async fn a_report_round_trip_through_the_html_form() {
    let app = TestApp::start().await;
    let token = form_token(&app.form_page().await);
    app.clock.advance(5);
    let (status, thanks) = app
        .post_form(&format!("/s/{SCHOOL}"), &complete_form(&token), "192.0.2.1")
        .await;
    assert_eq!(status, 200, "{thanks}");
    assert!(thanks.contains("Dankjewel! Je melding is verstuurd."));
    let receipt = receipt_words(&thanks);
    assert_eq!(receipt.split(' ').count(), 4, "{receipt}");

    // Following up: typed in capitals with extra spaces still works.
    let typed = format!("  {}  ", receipt.to_uppercase());
    let (status, page) = app
        .post_form(
            &format!("/s/{SCHOOL}/volgen"),
            &[("receipt", typed), ("lang", "nl".into())],
            "192.0.2.1",
        )
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("aria-current=\"step\" class=\"current\"><span class=\"visually-hidden\">Nu: </span>Ontvangen"), "{page}");
    assert!(page.contains("Er zijn nog geen berichten."));

    // Writing back to the school.
    let fields = [
        ("receipt", receipt.clone()),
        ("message", "Het gebeurde vandaag weer.".into()),
        ("lang", "nl".into()),
    ];
    let (status, page) = app
        .post_form(&format!("/s/{SCHOOL}/volgen/bericht"), &fields, "192.0.2.1")
        .await;
    assert_eq!(status, 200, "{page}");
    assert!(page.contains("Je bericht is verstuurd."));
    assert!(page.contains("Het gebeurde vandaag weer."));
    // An empty message is refused kindly, on the same page.
    let fields = [
        ("receipt", receipt),
        ("message", "  ".into()),
        ("lang", "nl".into()),
    ];
    let (status, page) = app
        .post_form(&format!("/s/{SCHOOL}/volgen/bericht"), &fields, "192.0.2.1")
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Schrijf eerst je bericht."));
    // The receipt never appears in a URL: every form posts it in the body.
    assert!(!page.contains("?receipt"));
}

#[tokio::test]
async fn a_report_round_trip_through_the_api() {
    let app = TestApp::start().await;
    let form: serde_json::Value = app
        .get(
            &format!("/api/v1/schools/{SCHOOL}/report-form?lang=en"),
            None,
        )
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(form["categories"][0]["code"], "physical");
    assert_eq!(
        form["categories"][0]["label"],
        "Hitting, kicking or pushing"
    );
    let token = form["form_token"].as_str().expect("token").to_owned();
    app.clock
        .advance(form["min_fill_seconds"].as_i64().expect("seconds"));
    let report = serde_json::json!({
        "form_token": token, "reporter": "pupil_self", "categories": ["exclusion"], "place": "canteen",
        "frequency": "once", "did_it": [{"name": "Daan"}], "done_to": [], "description": "Ik mocht niet mee-eten.",
        "wants_contact": true, "contact": "Mila, groep 7"
    });
    let (status, issued) = app
        .post_json(
            &format!("/api/v1/schools/{SCHOOL}/reports"),
            report,
            "192.0.2.2",
        )
        .await;
    assert_eq!(status, 201, "{issued}");
    let receipt = issued["receipt"].as_str().expect("receipt").to_owned();
    assert_eq!(issued["status"], "received");

    let (status, view) = app
        .post_json(
            "/api/v1/receipt/status",
            serde_json::json!({"school": SCHOOL, "receipt": receipt}),
            "192.0.2.2",
        )
        .await;
    assert_eq!(status, 200, "{view}");
    assert_eq!(view["status"], "received");
    assert_eq!(view["messages"], serde_json::json!([]));
    let (status, view) = app
        .post_json(
            "/api/v1/receipt/messages",
            serde_json::json!({"school": SCHOOL, "receipt": receipt, "message": "Hoi"}),
            "192.0.2.2",
        )
        .await;
    assert_eq!(status, 201, "{view}");
    assert_eq!(view["messages"][0]["author"], "reporter");
    assert_eq!(view["messages"][0]["body"], "Hoi");
    // An empty or too long message is refused with its field, problem and limit; nothing is added.
    for (message, problem, limit) in [
        ("  \n ".to_owned(), "missing", serde_json::Value::Null),
        ("x".repeat(2001), "too_long", serde_json::json!(2000)),
    ] {
        let (status, body) = app
            .post_json(
                "/api/v1/receipt/messages",
                serde_json::json!({"school": SCHOOL, "receipt": receipt, "message": message}),
                "192.0.2.2",
            )
            .await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["problems"][0]["field"], "message");
        assert_eq!(body["problems"][0]["problem"], problem);
        assert_eq!(body["problems"][0]["limit"], limit);
    }
    let (_, view) = app
        .post_json(
            "/api/v1/receipt/status",
            serde_json::json!({"school": SCHOOL, "receipt": receipt}),
            "192.0.2.2",
        )
        .await;
    assert_eq!(
        view["messages"].as_array().map(Vec::len),
        Some(1),
        "refused messages were not stored"
    );

    // Bad input: each with its own code and a message.
    let (status, body) = app
        .post_json(
            "/api/v1/receipt/status",
            serde_json::json!({"school": SCHOOL, "receipt": "appel peer"}),
            "192.0.2.2",
        )
        .await;
    assert_eq!((status, body["error"].as_str()), (422, Some("invalid")));
    assert_eq!(body["message"], "Your secret words are four. You typed 2.");
    let (status, body) = app
        .post_json(
            "/api/v1/receipt/status",
            serde_json::json!({"school": "nergens", "receipt": receipt}),
            "192.0.2.2",
        )
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = app
        .post_json(
            &format!("/api/v1/schools/{SCHOOL}/reports"),
            serde_json::json!([1, 2]),
            "192.0.2.2",
        )
        .await;
    assert_eq!(
        (status, body["error"].as_str()),
        (400, Some("invalid_json"))
    );
    let (status, body) = app
        .post_json(
            &format!("/api/v1/schools/{SCHOOL}/reports"),
            serde_json::json!({"form_token": token}),
            "192.0.2.2",
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["field"].as_str().expect("field"))
        .collect();
    assert_eq!(
        fields,
        [
            "reporter",
            "categories",
            "place",
            "frequency",
            "description"
        ]
    );
    assert_eq!(body["problems"][0]["problem"], "missing");
    assert_eq!(body["problems"][0]["message"], "Choose who you are.");
    // The API is in the OpenAPI document.
    let doc: serde_json::Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .expect("json");
    for path in [
        "/api/v1/schools/{school}/reports",
        "/api/v1/receipt/status",
        "/api/v1/receipt/messages",
        "/api/v1/schools/{school}/report-form",
    ] {
        assert!(
            doc["paths"][path].is_object(),
            "{path} missing from OpenAPI"
        );
    }
}

#[tokio::test]
async fn every_validation_error_is_shown_and_the_text_is_kept() {
    let app = TestApp::start().await;
    let token = form_token(&app.form_page().await);
    app.clock.advance(5);
    let mut fields = complete_form(&token);
    fields.retain(|(k, _)| !["reporter", "categories", "place", "frequency"].contains(k));
    for (key, value) in &mut fields {
        match *key {
            "date" => *value = "2099-01-01".into(),
            "did_it_name" if !value.is_empty() => *value = "x".repeat(81),
            "description" => *value = format!("Mijn verhaal {}", "é".repeat(4000)),
            _ => {}
        }
    }
    fields.push(("wants_contact", "yes".into()));
    let (status, page) = app
        .post_form(&format!("/s/{SCHOOL}"), &fields, "192.0.2.3")
        .await;
    assert_eq!(status, 422);
    for message in [
        "Er ontbreekt nog iets",
        "Kies wie jij bent.",
        "Kies minstens één ding dat er gebeurde.",
        "Kies waar het gebeurde.",
        "Deze dag moet nog komen.",
        "Kies hoe vaak het gebeurt.",
        "Dit is te lang. Het mag hooguit 80 tekens zijn.",
        "Dit is te lang. Het mag hooguit 4000 tekens zijn.",
        "Schrijf je naam of hoe we je kunnen bereiken. Of zet het vinkje uit.",
    ] {
        assert!(page.contains(message), "missing {message:?}");
    }
    // Everything typed comes back, escaped.
    assert!(page.contains("Mijn verhaal éééé"));
    assert!(page.contains(&"x".repeat(81)));
    assert!(page.contains("value=\"groep 6a\""));
    assert!(page.contains("value=\"2099-01-01\""));
    assert!(page.contains("name=\"wants_contact\" value=\"yes\" id=\"wants_contact\" aria-describedby=\"contact-explain\" checked"));
    // The summary links to the fields.
    assert!(page.contains("<a href=\"#reporter\">"));
    assert!(page.contains("<a href=\"#did_it_0-name\">"));

    // Script in a text is shown as text, never run.
    let mut fields = complete_form(&token);
    fields.retain(|(k, _)| *k != "reporter");
    for (key, value) in &mut fields {
        if *key == "description" {
            *value = "<script>alert(1)</script>".into();
        }
    }
    let (status, page) = app
        .post_form(&format!("/s/{SCHOOL}"), &fields, "192.0.2.3")
        .await;
    assert_eq!(status, 422);
    assert!(!page.contains("<script>alert(1)"));
    assert!(
        page.contains("&#60;script&#62;alert(1)") || page.contains("&lt;script&gt;alert(1)"),
        "escaped"
    );

    // An unknown school is a friendly 404, for the form and for posting to it.
    let missing = app.get("/s/bestaat-niet", Some("nl")).await;
    assert_eq!(missing.status(), 404);
    assert!(
        missing
            .text()
            .await
            .expect("body")
            .contains("Deze pagina bestaat niet")
    );
    let (status, _) = app
        .post_form("/s/bestaat-niet", &complete_form(&token), "192.0.2.3")
        .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn bots_are_stopped_without_losing_a_childs_text() {
    let app = TestApp::start().await;
    let token = form_token(&app.form_page().await);
    // Sent at once: too fast for a person; the text stays and the same token works a moment later.
    let (status, page) = app
        .post_form(&format!("/s/{SCHOOL}"), &complete_form(&token), "192.0.2.4")
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Dat ging supersnel!"));
    assert!(
        page.contains("Ze lachen Noor elke pauze uit &#38; &#60;roepen&#62; namen.")
            || page.contains("Ze lachen Noor elke pauze uit &amp; &lt;roepen&gt; namen."),
        "{page}"
    );
    assert_eq!(form_token(&page), token);
    app.clock.advance(5);
    // A made-up token.
    let (status, page) = app
        .post_form(
            &format!("/s/{SCHOOL}"),
            &complete_form("00112233"),
            "192.0.2.4",
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Er ging iets mis met het formulier."));
    // The honeypot.
    let mut fields = complete_form(&token);
    for (key, value) in &mut fields {
        if *key == "website" {
            *value = "http://spam.example".into();
        }
    }
    let (status, page) = app
        .post_form(&format!("/s/{SCHOOL}"), &fields, "192.0.2.4")
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Er staat iets in een verborgen veld."));
    // Expired after twelve hours.
    app.clock.advance(13 * 3600);
    let (status, page) = app
        .post_form(&format!("/s/{SCHOOL}"), &complete_form(&token), "192.0.2.4")
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("De pagina stond lang open."));
    assert_ne!(
        form_token(&page),
        token,
        "a fresh token comes with the page"
    );
}

#[tokio::test]
async fn per_client_and_per_school_limits_slow_a_flood() {
    let flags = SettingFlags {
        submissions_per_client_per_hour: Some("2".into()),
        reports_per_school_per_hour: Some("3".into()),
        ..Default::default()
    };
    let app = TestApp::start_with(flags).await;
    let token = form_token(&app.form_page().await);
    app.clock.advance(5);
    let path = format!("/s/{SCHOOL}");
    for _ in 0..2 {
        assert_eq!(
            app.post_form(&path, &complete_form(&token), "192.0.2.5")
                .await
                .0,
            200
        );
    }
    let (status, page) = app
        .post_form(&path, &complete_form(&token), "192.0.2.5")
        .await;
    assert_eq!(status, 429);
    assert!(page.contains("Er komen nu heel veel meldingen binnen."));
    assert!(
        page.contains("Ze lachen Noor elke pauze uit"),
        "the text is kept"
    );
    // Another address may still send, until the school's hourly cap.
    assert_eq!(
        app.post_form(&path, &complete_form(&token), "192.0.2.6")
            .await
            .0,
        200
    );
    assert_eq!(
        app.post_form(&path, &complete_form(&token), "192.0.2.7")
            .await
            .0,
        429
    );
    // An hour later it works again.
    app.clock.advance(3600);
    assert_eq!(
        app.post_form(&path, &complete_form(&token), "192.0.2.5")
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn guessing_receipts_is_throttled() {
    let app = TestApp::start().await;
    let form: serde_json::Value = app
        .get(&format!("/api/v1/schools/{SCHOOL}/report-form"), None)
        .await
        .json()
        .await
        .expect("json");
    app.clock.advance(5);
    let report = serde_json::json!({
        "form_token": form["form_token"], "reporter": "parent", "categories": ["physical"], "place": "gym",
        "frequency": "once", "description": "Mijn zoon werd geduwd.",
        // JSON clients send null for "nothing"; it means the same as leaving the field out.
        "date": null, "part_of_day": null, "contact": null, "did_it": [{"name": "Bram", "group": null}]
    });
    let (_, issued) = app
        .post_json(
            &format!("/api/v1/schools/{SCHOOL}/reports"),
            report,
            "192.0.2.8",
        )
        .await;
    let receipt = issued["receipt"].as_str().expect("receipt").to_owned();
    let guess = |words: &str| serde_json::json!({"school": SCHOOL, "receipt": words});
    // Valid words, wrong combination: ten misses are allowed per quarter of an hour.
    let wrong = {
        let mut words: Vec<&str> = receipt.split(' ').collect();
        words.rotate_left(1);
        words.join(" ")
    };
    for attempt in 0..10 {
        let (status, body) = app
            .post_json("/api/v1/receipt/status", guess(&wrong), "198.51.100.9")
            .await;
        assert_eq!(status, 404, "attempt {attempt}: {body}");
        assert_eq!(
            body["message"],
            "We find no report with these words. Check that you copied them correctly."
        );
    }
    let (status, body) = app
        .post_json("/api/v1/receipt/status", guess(&receipt), "198.51.100.9")
        .await;
    assert_eq!(status, 429, "even the right receipt waits now: {body}");
    assert!(body["retry_after_seconds"].as_i64().expect("retry") > 0);
    // Another client is not affected; after the quarter the guesser may try again.
    assert_eq!(
        app.post_json("/api/v1/receipt/status", guess(&receipt), "198.51.100.10")
            .await
            .0,
        200
    );
    app.clock.advance(15 * 60);
    assert_eq!(
        app.post_json("/api/v1/receipt/status", guess(&receipt), "198.51.100.9")
            .await
            .0,
        200
    );
    // The HTML page says the same kindly.
    for _ in 0..10 {
        app.post_form(
            &format!("/s/{SCHOOL}/volgen"),
            &[("receipt", wrong.clone())],
            "198.51.100.11",
        )
        .await;
    }
    let (status, page) = app
        .post_form(
            &format!("/s/{SCHOOL}/volgen"),
            &[("receipt", receipt.clone())],
            "198.51.100.11",
        )
        .await;
    assert_eq!(status, 429);
    assert!(page.contains("Je hebt het te vaak geprobeerd."));
    assert!(
        page.contains(&format!("value=\"{receipt}\"")),
        "what was typed stays"
    );
}

#[tokio::test]
async fn a_full_or_missing_database_keeps_the_childs_text() {
    let app = TestApp::start().await;
    let token = form_token(&app.form_page().await);
    app.clock.advance(5);
    // A full disk: SQLite may not grow the file any more.
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(app.store.writer_pool())
        .await
        .expect("pages");
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "PRAGMA max_page_count = {pages}"
    )))
    .execute(app.store.writer_pool())
    .await
    .expect("limit");
    let mut fields = complete_form(&token);
    for (key, value) in &mut fields {
        if *key == "description" {
            *value = "Een lang verhaal dat niet verloren mag gaan. ".repeat(80);
        }
    }
    let (status, page) = app
        .post_form(&format!("/s/{SCHOOL}"), &fields, "192.0.2.12")
        .await;
    assert_eq!(status, 503, "{page}");
    assert!(page.contains("Het is niet gelukt om je melding te versturen. Je tekst staat er nog."));
    assert!(page.contains("Een lang verhaal dat niet verloren mag gaan."));
    assert!(
        !page.contains("<ol class=\"receipt\""),
        "no receipt for a report that was not stored"
    );
    // With the database gone entirely, the same.
    app.store.close().await;
    let (status, page) = app
        .post_form(&format!("/s/{SCHOOL}"), &fields, "192.0.2.12")
        .await;
    assert_eq!(status, 503);
    assert!(page.contains("Een lang verhaal dat niet verloren mag gaan."));
    assert_eq!(
        form_token(&page),
        token,
        "the token comes back so pressing send again works"
    );
    let (status, body) = app
        .post_json(
            &format!("/api/v1/schools/{SCHOOL}/reports"),
            serde_json::json!({"form_token": token, "reporter": "other", "categories": ["verbal"],
                "place": "online", "frequency": "once", "description": "Niet verloren"}),
            "192.0.2.12",
        )
        .await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"], "unavailable");
}

#[tokio::test]
async fn the_form_is_small_self_contained_and_framed_only_by_the_school() {
    let app = TestApp::start().await;
    let page = app.form_page().await;
    let css = app
        .get("/static/signaal.css", None)
        .await
        .text()
        .await
        .expect("css");
    let size = page.len() + css.len();
    assert!(size < 20_000, "form page with its CSS is {size} bytes");
    // Nothing is loaded from another host.
    for attribute in ["src=\"", "href=\""] {
        for value in page
            .split(attribute)
            .skip(1)
            .map(|v| v.split('"').next().expect("value"))
        {
            assert!(
                value.starts_with('/') || value.starts_with('#') || value.starts_with('?'),
                "{attribute}{value}"
            );
        }
    }
    assert!(page.contains("<html lang=\"nl\">"));
    let english = app
        .get(&format!("/s/{SCHOOL}/en"), None)
        .await
        .text()
        .await
        .expect("page");
    assert!(english.contains("<html lang=\"en\">") && english.contains("Who are you?"));
    // A school names its website; only that site may frame the form. (A school of its own, since
    // the server keeps a school's settings in memory for a few seconds.)
    let storage = app.store.clone().into_storage();
    let directory =
        signaal_domain::policy::authorize_directory(&signaal_domain::policy::Actor::Operator)
            .expect("grant");
    let board = storage
        .directory
        .create_board(&directory, "Stichting", false, Utc::now())
        .await
        .expect("board");
    let new = signaal_domain::school::NewSchool {
        board_id: board.id,
        slug: signaal_domain::school::SchoolSlug::parse("de-ster").expect("slug"),
        name: "De Ster".into(),
        is_demo: false,
    };
    let school = storage
        .directory
        .create_school(&directory, &new, Utc::now())
        .await
        .expect("school");
    let grant = signaal_domain::policy::authorize(
        &signaal_domain::policy::Actor::Operator,
        school.id,
        Utc::now(),
    )
    .expect("grant");
    let settings = signaal_storage::reports::FormSettings {
        choices: signaal_domain::report::FormChoices::parse("verbal,physical", "")
            .expect("choices"),
        frame_ancestors: signaal_domain::report::FrameAncestors::parse(
            "https://www.vuurtoren.example",
        )
        .expect("origin"),
    };
    storage
        .reports
        .set_form_settings(&grant, &settings, Utc::now())
        .await
        .expect("settings");
    let response = app.get("/s/de-ster", None).await;
    let csp = response.headers()["content-security-policy"]
        .to_str()
        .expect("csp")
        .to_owned();
    assert!(
        csp.contains("frame-ancestors 'self' https://www.vuurtoren.example"),
        "{csp}"
    );
    let page = response.text().await.expect("page");
    assert!(
        page.contains("name=\"categories\" value=\"verbal\"")
            && !page.contains("name=\"categories\" value=\"online\""),
        "the school's own list"
    );
    // The poster carries a QR code of the form's address.
    let poster = app
        .get(&format!("/s/{SCHOOL}/poster"), None)
        .await
        .text()
        .await
        .expect("poster");
    assert!(poster.contains("<svg") && poster.contains(&format!("/s/{SCHOOL}</p>")));
}

/// Whether `needle` occurs in `haystack` as bytes, in UTF-8 or in UTF-16 (SQLite can store either).
fn contains_bytes(haystack: &[u8], needle: &str) -> bool {
    let utf8 = needle.as_bytes();
    let utf16: Vec<u8> = needle.encode_utf16().flat_map(u16::to_le_bytes).collect();
    [utf8, utf16.as_slice()]
        .iter()
        .any(|n| haystack.windows(n.len()).any(|w| w == *n))
}

#[tokio::test]
async fn nothing_about_the_reporter_is_stored_or_logged() {
    // A real server process, logging at debug level, its log captured to a file.
    let dir = tempfile::tempdir().expect("dir");
    let data = dir.path().join("data");
    let log_path = dir.path().join("server.log");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_signaal"))
        .args([
            "serve",
            "--demo",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--form-min-fill-seconds",
            "0",
        ])
        .args([
            "--trusted-proxy-header",
            "x-forwarded-for",
            "--log-level",
            "debug",
        ])
        .env("SIGNAAL_DATA_DIR", &data)
        .env_remove("SIGNAAL_DATABASE_URL")
        .stdout(std::fs::File::create(dir.path().join("server.out")).expect("out"))
        .stderr(std::fs::File::create(&log_path).expect("log"))
        .spawn()
        .expect("the server starts");
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let mut ready = false;
    for _ in 0..100 {
        if client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        ready,
        "the server did not become ready: {}",
        std::fs::read_to_string(&log_path).unwrap_or_default()
    );

    // Made-up, unique traces of a reporter.
    const ADDRESS: &str = "203.0.113.197";
    const AGENT: &str = "PrivacyProbe/7.3 (unique-agent-5c1d9e)";
    const REFERRER: &str = "https://unique-referrer-8e2f.example/page";
    const STORY: &str = "Unieke-verhaal-tekst-4b7a: ze pakken mijn tas af";
    let page = client
        .get(format!("{base}/s/{SCHOOL}"))
        .send()
        .await
        .expect("form")
        .text()
        .await
        .expect("page");
    let token = form_token(&page);
    let mut fields = complete_form(&token);
    for (key, value) in &mut fields {
        if *key == "description" {
            *value = STORY.into();
        }
    }
    let sent = client
        .post(format!("{base}/s/{SCHOOL}"))
        .header("x-forwarded-for", ADDRESS)
        .header("user-agent", AGENT)
        .header("referer", REFERRER)
        .form(&fields)
        .send()
        .await
        .expect("report");
    assert_eq!(sent.status(), 200);
    let receipt = receipt_words(&sent.text().await.expect("thanks"));
    let api = client
        .post(format!("{base}/api/v1/schools/{SCHOOL}/reports"))
        .header("x-forwarded-for", ADDRESS)
        .header("user-agent", AGENT)
        .header("referer", REFERRER)
        .json(
            &serde_json::json!({"form_token": token, "reporter": "other", "categories": ["online"],
            "place": "online", "frequency": "once", "description": STORY}),
        )
        .send()
        .await
        .expect("api report");
    assert_eq!(api.status(), 201);
    // A body the API cannot read, with the story where a list belongs: refused, and the story is
    // not written to the debug log by the rejection's message.
    let unreadable = client
        .post(format!("{base}/api/v1/schools/{SCHOOL}/reports"))
        .json(
            &serde_json::json!({"form_token": token, "reporter": "other", "categories": STORY,
            "place": "online", "frequency": "once", "description": STORY}),
        )
        .send()
        .await
        .expect("api report");
    assert_eq!(unreadable.status(), 400);
    let followed = client
        .post(format!("{base}/s/{SCHOOL}/volgen/bericht"))
        .header("x-forwarded-for", ADDRESS)
        .header("user-agent", AGENT)
        .form(&[("receipt", receipt.as_str()), ("message", STORY)])
        .send()
        .await
        .expect("message");
    assert_eq!(followed.status(), 200);

    // While running: the WAL holds the fresh writes. Then stop (SIGTERM), which checkpoints.
    let wal = std::fs::read(data.join("signaal.db-wal")).unwrap_or_default();
    assert!(!wal.is_empty(), "the writes are in the WAL");
    let _ = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status();
    let exited = tokio::task::spawn_blocking(move || server.wait())
        .await
        .expect("join")
        .expect("wait");
    assert!(exited.success(), "{exited:?}");
    let database = std::fs::read(data.join("signaal.db")).expect("database file");
    let log = std::fs::read(&log_path).expect("log");
    assert!(contains_bytes(&log, "handled"), "the log was captured");
    // Positive controls: the reports are really in these files (codes are stored readably).
    assert!(
        contains_bytes(&wal, "pupil_witness"),
        "the report is in the WAL"
    );
    assert!(
        contains_bytes(&database, "pupil_witness"),
        "the checkpoint moved it into the database"
    );
    for (name, bytes) in [("database", &database), ("WAL", &wal), ("log", &log)] {
        for trace in [
            ADDRESS,
            AGENT,
            "unique-agent-5c1d9e",
            REFERRER,
            "unique-referrer-8e2f",
        ] {
            assert!(
                !contains_bytes(bytes, trace),
                "{trace:?} found in the {name}"
            );
        }
        // Free text and receipts are not readable at rest or in logs either.
        for secret in [
            STORY,
            "Unieke-verhaal-tekst-4b7a",
            receipt.as_str(),
            "Sem de Vries",
        ] {
            assert!(
                !contains_bytes(bytes, secret),
                "{secret:?} found in the {name}"
            );
        }
    }
}

#[test]
fn the_report_form_is_configured_per_school_from_the_command_line() {
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
    let shown = cli.ok(&["admin", "school-form", "--school", "de-regenboog"]);
    assert!(shown.contains("categories:      physical,verbal,exclusion,material,online,sexual,threat,discrimination,other"), "{shown}");
    let saved = cli.ok(&[
        "admin",
        "school-form",
        "--school",
        "de-regenboog",
        "--places",
        "schoolyard,classroom",
        "--frame-ancestors",
        "https://www.regenboog.example/",
    ]);
    assert!(
        saved.contains("places:          schoolyard,classroom,elsewhere"),
        "{saved}"
    );
    assert!(
        saved.contains("frame ancestors: https://www.regenboog.example"),
        "{saved}"
    );
    assert!(
        cli.fails(&[
            "admin",
            "school-form",
            "--school",
            "de-regenboog",
            "--places",
            "dak"
        ])
        .contains("\"dak\" is not a known code")
    );
    let refused = cli.fails(&[
        "admin",
        "school-form",
        "--school",
        "de-regenboog",
        "--frame-ancestors",
        "http://evil.example",
    ]);
    assert!(
        refused.contains("--frame-ancestors: \"http://evil.example\" is not a website address"),
        "{refused}"
    );
    assert!(
        cli.fails(&["admin", "school-form", "--school", "nergens"])
            .contains("nergens")
    );
    // The change is audited (after the school's creation).
    assert!(
        cli.ok(&["audit", "verify", "--school", "de-regenboog"])
            .contains("2 entries")
    );
}

// ---- Staff sign-in (issue 4, first part) ----

const COORDINATOR: &str = "coordinator@de-vuurtoren.demo";

/// The session cookie a response sets (empty when it clears it).
fn set_session(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("__Host-signaal_session="))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .map(|l| l.to_str().expect("ascii").to_owned())
        .unwrap_or_default()
}

impl TestApp {
    fn totp_secret(&self, email: &str) -> signaal_domain::auth::TotpSecret {
        let (_, secret) = self
            .demo
            .totp_secrets
            .iter()
            .find(|(e, _)| e == email)
            .expect("demo secret");
        signaal_domain::auth::TotpSecret::from_base32(secret).expect("base32")
    }

    fn code_now(&self, email: &str) -> String {
        signaal_domain::auth::totp::code_at(&self.totp_secret(email), self.clock.now().timestamp())
    }

    async fn with_cookie(
        &self,
        method: reqwest::Method,
        path: &str,
        cookie: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method.clone(), self.url(path))
            .header("cookie", format!("__Host-signaal_session={cookie}"))
            .header("accept-language", "nl");
        if method == reqwest::Method::POST {
            request = request.form(form);
        }
        request.send().await.expect("response")
    }

    async fn password_step(&self, email: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/app/login"))
            .header("x-forwarded-for", "192.0.2.50")
            .header("accept-language", "nl")
            .form(&[("email", email), ("password", password), ("next", "/app")])
            .send()
            .await
            .expect("login")
    }

    /// Signs in with password and TOTP; returns the session cookie.
    async fn sign_in(&self, email: &str) -> String {
        let pending = self
            .password_step(email, signaal::demo::DEMO_PASSWORD)
            .await;
        assert_eq!(pending.status(), 303);
        assert_eq!(location(&pending), "/app/login/code?next=%2Fapp");
        let pending = set_session(&pending).expect("a pending session");
        let page = self
            .with_cookie(reqwest::Method::GET, "/app/login/code", &pending, &[])
            .await
            .text()
            .await
            .expect("page");
        let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_owned();
        let code = self.code_now(email);
        let done = self
            .with_cookie(
                reqwest::Method::POST,
                "/app/login/code",
                &pending,
                &[("csrf", &csrf), ("code", &code), ("next", "/app")],
            )
            .await;
        assert_eq!(
            done.status(),
            303,
            "{}",
            done.text().await.unwrap_or_default()
        );
        assert_eq!(location(&done), "/app");
        let session = set_session(&done).expect("a new session");
        assert_ne!(session, pending, "the session id is renewed at login");
        session
    }
}

#[tokio::test]
async fn a_coordinator_signs_in_with_password_and_code_and_accepts_the_statement() {
    let app = TestApp::start().await;
    let start = app.get("/app", None).await;
    assert_eq!(
        (start.status().as_u16(), location(&start)),
        (303, "/app/login?next=%2Fapp".to_owned())
    );
    let session = app.sign_in(COORDINATOR).await;
    // First the confidentiality statement.
    let start = app
        .with_cookie(reqwest::Method::GET, "/app", &session, &[])
        .await;
    assert_eq!(location(&start), "/app/statement?next=%2Fapp");
    let page = app
        .with_cookie(reqwest::Method::GET, "/app/statement", &session, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("Geheimhoudingsverklaring")
            && page.contains("Basisschool De Vuurtoren (demo)")
    );
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_owned();
    let school = between(&page, "name=\"school\" value=\"", "\"").to_owned();
    let accepted = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/statement",
            &session,
            &[
                ("csrf", &csrf),
                ("school", &school),
                ("version", "1"),
                ("accept", "yes"),
            ],
        )
        .await;
    assert_eq!(location(&accepted), "/app");
    let start = app
        .with_cookie(reqwest::Method::GET, "/app", &session, &[])
        .await;
    assert_eq!(start.status(), 200);
    assert_eq!(start.headers()["cache-control"], "no-store");
    let page = start.text().await.expect("page");
    assert!(page.contains("Welkom, Ahmed Benali"), "{page}");
    assert!(page.contains("anti-pestcoördinator"));
    // Every step was audited in the school's chain.
    let verify = app.store.clone().into_storage();
    let school_id = signaal_domain::SchoolId::from_uuid(school.parse().expect("uuid"));
    let grant = signaal_domain::policy::authorize::<signaal_domain::policy::VerifyAudit>(
        &signaal_domain::policy::Actor::Operator,
        school_id,
        Utc::now(),
    )
    .expect("grant");
    let actions: Vec<String> = verify
        .audit
        .chain(&grant)
        .await
        .expect("chain")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert!(
        actions.ends_with(&[
            "staff.login".to_owned(),
            "staff.statement_accepted".to_owned()
        ]),
        "{actions:?}"
    );

    // Logging out needs the form's token, ends the session and makes the cookie worthless.
    let refused = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/logout",
            &session,
            &[("csrf", "wrong")],
        )
        .await;
    assert_eq!(refused.status(), 403);
    let out = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/logout",
            &session,
            &[("csrf", &csrf_of(&page))],
        )
        .await;
    assert_eq!(location(&out), "/app/login?why=logged_out");
    assert_eq!(
        set_session(&out).as_deref(),
        Some(""),
        "the cookie is cleared"
    );
    let after = app
        .with_cookie(reqwest::Method::GET, "/app", &session, &[])
        .await;
    assert_eq!(after.status(), 303, "the old cookie is worthless");

    // The same code cannot be used twice.
    let pending = set_session(
        &app.password_step(COORDINATOR, signaal::demo::DEMO_PASSWORD)
            .await,
    )
    .expect("pending");
    let page = app
        .with_cookie(reqwest::Method::GET, "/app/login/code", &pending, &[])
        .await
        .text()
        .await
        .expect("page");
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").to_owned();
    let replay = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/login/code",
            &pending,
            &[("csrf", &csrf), ("code", &app.code_now(COORDINATOR))],
        )
        .await;
    assert_eq!(replay.status(), 401);
    assert!(
        replay
            .text()
            .await
            .expect("page")
            .contains("Dit lukte niet.")
    );
    app.clock.advance(30);
    let fresh = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/login/code",
            &pending,
            &[("csrf", &csrf), ("code", &app.code_now(COORDINATOR))],
        )
        .await;
    assert_eq!(fresh.status(), 303, "the next step's code works");
}

fn csrf_of(page: &str) -> String {
    between(page, "name=\"csrf\" value=\"", "\"").to_owned()
}

#[tokio::test]
async fn sessions_end_when_idle_and_after_twelve_hours() {
    let app = TestApp::start().await;
    let session = app.sign_in(COORDINATOR).await;
    let open = |path: &'static str| app.with_cookie(reqwest::Method::GET, path, &session, &[]);
    assert_eq!(open("/app/statement").await.status(), 200);
    app.clock.advance(14 * 60 + 59);
    assert_eq!(
        open("/app/statement").await.status(),
        200,
        "allowed at 14:59"
    );
    app.clock.advance(15 * 60 + 1);
    let idle = open("/app/statement").await;
    assert_eq!(
        location(&idle),
        "/app/login?next=%2Fapp%2Fstatement&why=idle",
        "refused at 15:01, back to the page after login"
    );
    // Activity keeps a session alive, but never longer than twelve hours.
    let session = app.sign_in(COORDINATOR).await;
    for _ in 0..(12 * 60 / 10 - 1) {
        app.clock.advance(10 * 60);
        let response = app
            .with_cookie(reqwest::Method::GET, "/app/statement", &session, &[])
            .await;
        assert_eq!(response.status(), 200);
    }
    app.clock.advance(10 * 60);
    let ended = app
        .with_cookie(reqwest::Method::GET, "/app/statement", &session, &[])
        .await;
    assert_eq!(
        location(&ended),
        "/app/login?next=%2Fapp%2Fstatement&why=ended"
    );
}

#[tokio::test]
async fn wrong_credentials_get_one_answer_and_repeated_failures_lock_the_account() {
    let app = TestApp::start().await;
    let unknown = app
        .password_step("nobody@de-vuurtoren.demo", "whatever-password-123")
        .await;
    assert_eq!(unknown.status(), 401);
    let unknown_page = unknown.text().await.expect("page");
    let wrong = app
        .password_step(COORDINATOR, "not-the-right-password")
        .await;
    assert_eq!(wrong.status(), 401);
    let wrong_page = wrong.text().await.expect("page");
    let message = "Dit lukte niet. Het e-mailadres, het wachtwoord of de code klopt niet";
    assert!(unknown_page.contains(message) && wrong_page.contains(message));
    assert!(set_session(&app.password_step(COORDINATOR, "again-wrong-password").await).is_none());
    // Five failures in all: the account locks, and even the right password is refused.
    for _ in 0..3 {
        assert_eq!(
            app.password_step(COORDINATOR, "still-the-wrong-one")
                .await
                .status(),
            401
        );
    }
    let locked = app
        .password_step(COORDINATOR, signaal::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(locked.status(), 401, "locked");
    assert!(
        locked.text().await.expect("page").contains(message),
        "the same answer when locked"
    );
    // That attempt counted too (a sixth failure: two minutes); the lock runs out.
    app.clock.advance(121);
    let open = app
        .password_step(COORDINATOR, signaal::demo::DEMO_PASSWORD)
        .await;
    assert_eq!(open.status(), 303, "the lock has expired");
}

#[tokio::test]
async fn the_first_login_sets_up_the_second_factor_with_recovery_codes() {
    let app = TestApp::start().await;
    let storage = app.store.clone().into_storage();
    let directory =
        signaal_domain::policy::authorize_directory(&signaal_domain::policy::Actor::Operator)
            .expect("grant");
    let staff = storage
        .directory
        .create_staff(
            &directory,
            &signaal_storage::NewStaff {
                email: "nieuw@de-vuurtoren.demo".into(),
                display_name: "Nieuwe Collega".into(),
                is_provider_admin: false,
            },
            Utc::now(),
        )
        .await
        .expect("staff");
    let school = storage
        .directory
        .school_by_slug(&signaal_domain::school::SchoolSlug::parse(SCHOOL).expect("slug"))
        .await
        .expect("lookup")
        .expect("school");
    storage
        .directory
        .assign_role(
            &directory,
            staff.id,
            school.id,
            signaal_domain::staff::Role::Teacher,
            Utc::now(),
        )
        .await
        .expect("role");
    let hash = signaal_domain::auth::hash_password(
        "een-lang-eigen-wachtwoord",
        signaal_domain::auth::Argon2Params::TEST,
    )
    .expect("hash");
    storage
        .staff_auth
        .set_password(staff.id, &hash)
        .await
        .expect("password");

    let pending = app
        .password_step("NIEUW@de-vuurtoren.demo", "een-lang-eigen-wachtwoord")
        .await;
    assert_eq!(
        location(&pending),
        "/app/enrol?next=%2Fapp",
        "the address is compared without case"
    );
    let pending = set_session(&pending).expect("pending");
    let page = app
        .with_cookie(reqwest::Method::GET, "/app/enrol", &pending, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("<svg") && page.contains("role=\"img\""),
        "a QR code"
    );
    let secret = between(&page, "name=\"secret\" value=\"", "\"").to_owned();
    let csrf = csrf_of(&page);
    let wrong = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/enrol",
            &pending,
            &[("csrf", &csrf), ("secret", &secret), ("code", "000000")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let totp = signaal_domain::auth::TotpSecret::from_base32(&secret).expect("secret");
    let code = signaal_domain::auth::totp::code_at(&totp, app.clock.now().timestamp());
    let done = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/enrol",
            &pending,
            &[("csrf", &csrf), ("secret", &secret), ("code", &code)],
        )
        .await;
    assert_eq!(done.status(), 200);
    let session = set_session(&done).expect("signed in");
    let page = done.text().await.expect("page");
    let codes: Vec<String> = page
        .split("<li><code>")
        .skip(1)
        .map(|c| c.split("</code>").next().expect("code").to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    assert_eq!(
        location(
            &app.with_cookie(reqwest::Method::GET, "/app", &session, &[])
                .await
        ),
        "/app/statement?next=%2Fapp"
    );

    // A recovery code signs in once, instead of the app's code.
    let sign_in_with = |code: String| {
        let app = &app;
        async move {
            let pending = set_session(
                &app.password_step("nieuw@de-vuurtoren.demo", "een-lang-eigen-wachtwoord")
                    .await,
            )
            .expect("pending");
            let page = app
                .with_cookie(reqwest::Method::GET, "/app/login/code", &pending, &[])
                .await
                .text()
                .await
                .expect("page");
            app.with_cookie(
                reqwest::Method::POST,
                "/app/login/code",
                &pending,
                &[("csrf", &csrf_of(&page)), ("code", &code)],
            )
            .await
            .status()
        }
    };
    assert_eq!(sign_in_with(codes[3].to_uppercase()).await, 303);
    assert_eq!(sign_in_with(codes[3].clone()).await, 401, "used once");
}

#[tokio::test]
async fn a_one_time_link_sets_the_password_once_and_expires() {
    let app = TestApp::start().await;
    let storage = app.store.clone().into_storage();
    let directory =
        signaal_domain::policy::authorize_directory(&signaal_domain::policy::Actor::Operator)
            .expect("grant");
    let staff = storage
        .directory
        .create_staff(
            &directory,
            &signaal_storage::NewStaff {
                email: "mentor@de-vuurtoren.demo".into(),
                display_name: "Kees Mentor".into(),
                is_provider_admin: false,
            },
            Utc::now(),
        )
        .await
        .expect("staff");
    let link = |purpose| {
        let storage = storage.clone();
        let now = app.clock.now();
        async move {
            let (token, hash) = signaal_web::staff::new_session_id().expect("token");
            storage
                .staff_auth
                .create_link(
                    signaal_domain::policy::ActorRef::Operator,
                    hash,
                    staff.id,
                    purpose,
                    now,
                )
                .await
                .expect("link");
            token
        }
    };
    let token = link(signaal_storage::staff_auth::LinkPurpose::Invite).await;
    let path = format!("/app/invite/{token}");
    let page = app.get(&path, Some("nl")).await;
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("page")
            .contains("mentor@de-vuurtoren.demo")
    );
    let post = |password: &'static str, repeat: &'static str| {
        let request = app
            .client
            .post(app.url(&path))
            .header("accept-language", "nl")
            .form(&[("password", password), ("repeat", repeat)]);
        async move { request.send().await.expect("post") }
    };
    for (password, repeat, message) in [
        (
            "kort",
            "kort",
            "Het wachtwoord is te kort: gebruik minstens 12 tekens.",
        ),
        (
            "wachtwoord123",
            "wachtwoord123",
            "Dit wachtwoord wordt heel vaak gebruikt",
        ),
        (
            "kees-mentor-2026!",
            "kees-mentor-2026!",
            "Het wachtwoord bevat je naam of e-mailadres.",
        ),
        (
            "een heel lange zin hier",
            "een andere zin",
            "De twee wachtwoorden zijn niet hetzelfde.",
        ),
    ] {
        let refused = post(password, repeat).await;
        assert_eq!(refused.status(), 422, "{password}");
        assert!(
            refused.text().await.expect("page").contains(message),
            "{password}"
        );
    }
    let set = post(
        "zeven groene fietsen op het dak",
        "zeven groene fietsen op het dak",
    )
    .await;
    assert_eq!(location(&set), "/app/login?why=password_set");
    let used = app.get(&path, Some("nl")).await;
    assert_eq!(used.status(), 410);
    assert!(
        used.text()
            .await
            .expect("page")
            .contains("Deze link is al gebruikt.")
    );
    // The new password works; the account has no role yet, but the first login leads to the second factor.
    let login = app
        .password_step(
            "mentor@de-vuurtoren.demo",
            "zeven groene fietsen op het dak",
        )
        .await;
    assert_eq!(location(&login), "/app/enrol?next=%2Fapp");

    let expiring = link(signaal_storage::staff_auth::LinkPurpose::Reset).await;
    app.clock.advance(48 * 3600 + 1);
    let expired = app
        .get(&format!("/app/invite/{expiring}"), Some("nl"))
        .await;
    assert_eq!(expired.status(), 410);
    assert!(
        expired
            .text()
            .await
            .expect("page")
            .contains("Deze link is verlopen")
    );
    let unknown = app
        .get(&format!("/app/invite/{}", "ab".repeat(32)), Some("nl"))
        .await;
    assert_eq!(unknown.status(), 410);
    assert_eq!(app.get("/app/invite/kapot", Some("nl")).await.status(), 410);
}

#[test]
fn accounts_made_on_the_command_line_get_a_one_time_link() {
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
    let created = cli.ok(&[
        "admin",
        "create-user",
        "--email",
        "Directie@Regenboog.example",
        "--name",
        "Ilse",
        "--school",
        "de-regenboog",
        "--role",
        "leadership",
    ]);
    assert!(
        created.contains("send this link to directie@regenboog.example"),
        "{created}"
    );
    assert!(
        created.contains("http://127.0.0.1:8080/app/invite/"),
        "{created}"
    );
    let reset = cli.ok(&[
        "admin",
        "reset-password",
        "--email",
        "directie@regenboog.example",
    ]);
    assert!(
        reset.contains("/app/invite/") && reset.contains("works once, for 48 hours"),
        "{reset}"
    );
    assert!(
        cli.fails(&["admin", "reset-password", "--email", "niemand@x.example"])
            .contains("no account has this address")
    );
}

impl TestApp {
    /// Signs in and accepts the statement; returns the session cookie.
    async fn sign_in_ready(&self, email: &str) -> String {
        let session = self.sign_in(email).await;
        let accepted = self.accept_statement(&session).await;
        assert_eq!(location(&accepted), "/app");
        session
    }

    /// Accepts the confidentiality statement the session is asked for next (the page names the
    /// school), and returns the answer to that.
    async fn accept_statement(&self, session: &str) -> reqwest::Response {
        let page = self
            .with_cookie(reqwest::Method::GET, "/app/statement", session, &[])
            .await
            .text()
            .await
            .expect("page");
        let school = between(&page, "name=\"school\" value=\"", "\"").to_owned();
        self.with_cookie(
            reqwest::Method::POST,
            "/app/statement",
            session,
            &[
                ("csrf", &csrf_of(&page)),
                ("school", &school),
                ("version", "1"),
                ("accept", "yes"),
            ],
        )
        .await
    }
}

#[tokio::test]
async fn the_audit_log_is_shown_to_leadership_and_the_dpo_only_and_looking_is_recorded() {
    let app = TestApp::start().await;
    let coordinator = app.sign_in_ready(COORDINATOR).await;
    // The coordinator may not read the log: not found, not "forbidden".
    assert_eq!(
        app.with_cookie(reqwest::Method::GET, "/app/audit", &coordinator, &[])
            .await
            .status(),
        404
    );
    let dpo = app.sign_in_ready("fg@de-vuurtoren.demo").await;
    let start = app
        .with_cookie(reqwest::Method::GET, "/app", &dpo, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(start.contains("href=\"/app/audit\""));
    let page = app
        .with_cookie(reqwest::Method::GET, "/app/audit", &dpo, &[])
        .await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("page");
    assert!(
        page.contains("Ahmed Benali (anti-pestcoördinator) (coordinator@de-vuurtoren.demo)"),
        "names, not ids"
    );
    assert!(page.contains("staff.login"));
    // The demo's own intake work fills the newest entries; the roster import is found by filter.
    let roster = app
        .with_cookie(reqwest::Method::GET, "/app/audit?action=roster.", &dpo, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(roster.contains("roster.import"));
    let filtered = app
        .with_cookie(
            reqwest::Method::GET,
            "/app/audit?person=coordinator%40de-vuurtoren.demo&action=staff.",
            &dpo,
            &[],
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(filtered.contains("staff.login") && !filtered.contains("roster.import"));
    assert!(
        !filtered.contains("Sanne Mulder (functionaris gegevensbescherming) (fg@"),
        "only the coordinator's entries"
    );
    let unknown = app
        .with_cookie(
            reqwest::Method::GET,
            "/app/audit?person=niemand%40x.example",
            &dpo,
            &[],
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(
        unknown.contains(
            "Het logboek van deze school heeft geen regels van &#34;niemand@x.example&#34;"
        ) || unknown.contains(
            "Het logboek van deze school heeft geen regels van &quot;niemand@x.example&quot;"
        ),
        "{unknown}"
    );
    assert!(unknown.contains("Geen regels voor deze filters."));
    // An account that exists elsewhere gets the same answer: the page does not tell who has one.
    let elsewhere = app
        .with_cookie(
            reqwest::Method::GET,
            "/app/audit?person=beheer%40signaal.demo",
            &dpo,
            &[],
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(elsewhere.contains("Het logboek van deze school heeft geen regels van"));
    // Another school's log is not found, and looking was recorded (by the DPO).
    let other = format!("/app/audit?school={}", uuid::Uuid::now_v7());
    assert_eq!(
        app.with_cookie(reqwest::Method::GET, &other, &dpo, &[])
            .await
            .status(),
        404
    );
    let views = app
        .with_cookie(
            reqwest::Method::GET,
            "/app/audit?action=audit.view",
            &dpo,
            &[],
        )
        .await
        .text()
        .await
        .expect("page");
    assert_eq!(
        views.matches("<td>audit.view</td>").count(),
        5,
        "every look is in the log"
    );
}

#[tokio::test]
async fn leadership_adds_and_removes_staff_and_changes_apply_at_once() {
    let app = TestApp::start().await;
    let coordinator = app.sign_in_ready(COORDINATOR).await;
    assert_eq!(
        app.with_cookie(reqwest::Method::GET, "/app/staff", &coordinator, &[])
            .await
            .status(),
        404
    );
    let leader = app.sign_in_ready("directie@de-vuurtoren.demo").await;
    let page = app
        .with_cookie(reqwest::Method::GET, "/app/staff", &leader, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("coordinator@de-vuurtoren.demo") && page.contains("fg@de-vuurtoren.demo")
    );
    let csrf = csrf_of(&page);
    // Adding someone new gives a one-time link to pass on.
    let added = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/staff",
            &leader,
            &[
                ("csrf", &csrf),
                ("do", "add"),
                ("name", "Nieuwe Juf"),
                ("email", "Juf.Nieuw@de-vuurtoren.demo"),
                ("role", "teacher"),
            ],
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(added.contains("juf.nieuw@de-vuurtoren.demo heeft de rol gekregen."));
    assert!(added.contains("/app/invite/") && added.contains("uitgenodigd, nog geen wachtwoord"));
    let bad = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/staff",
            &leader,
            &[
                ("csrf", &csrf),
                ("do", "add"),
                ("name", "X"),
                ("email", "geen adres"),
                ("role", "teacher"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert!(
        bad.text()
            .await
            .expect("page")
            .contains("Dit is geen e-mailadres.")
    );
    let forged = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/staff",
            &leader,
            &[("csrf", "nope"), ("do", "add")],
        )
        .await;
    assert_eq!(forged.status(), 403);
    // Removing the coordinator ends their session on the very next request.
    let id = {
        let row = page
            .split("<tr>")
            .find(|row| row.contains("coordinator@de-vuurtoren.demo"))
            .expect("row");
        between(row, "name=\"staff\" value=\"", "\"").to_owned()
    };
    let removed = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/staff",
            &leader,
            &[("csrf", &csrf), ("do", "remove"), ("staff", &id)],
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(removed.contains("coordinator@de-vuurtoren.demo heeft geen rol meer op deze school"));
    let after = app
        .with_cookie(reqwest::Method::GET, "/app", &coordinator, &[])
        .await;
    assert_eq!(after.status(), 303, "the removed account's session is over");
    assert!(location(&after).starts_with("/app/login"));
    // Leadership cannot remove itself; someone of another school is not found.
    let own = {
        let row = page
            .split("<tr>")
            .find(|row| row.contains("directie@de-vuurtoren.demo"))
            .expect("row");
        between(row, "name=\"staff\" value=\"", "\"").to_owned()
    };
    let refused = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/staff",
            &leader,
            &[("csrf", &csrf), ("do", "remove"), ("staff", &own)],
        )
        .await;
    assert!(
        refused
            .text()
            .await
            .expect("page")
            .contains("Je kunt jezelf niet weghalen.")
    );
    let stranger = uuid::Uuid::now_v7().to_string();
    assert_eq!(
        app.with_cookie(
            reqwest::Method::POST,
            "/app/staff",
            &leader,
            &[("csrf", &csrf), ("do", "remove"), ("staff", &stranger)]
        )
        .await
        .status(),
        404
    );
}

/// Every staff route for every role (and for no session): who gets the page, who gets "not found".
#[tokio::test]
async fn every_staff_route_for_every_role() {
    let app = TestApp::start().await;
    let routes = [
        "/app",
        "/app/statement",
        "/app/audit",
        "/app/staff",
        "/app/school",
        "/app/intake",
    ];
    for route in routes {
        let anonymous = app.get(route, None).await;
        assert_eq!(anonymous.status(), 303, "{route} without a session");
        assert!(location(&anonymous).starts_with("/app/login"), "{route}");
    }
    // (account, expected status per route: /app, /app/statement, /app/audit, /app/staff, /app/school,
    // /app/intake)
    let table: [(&str, [u16; 6]); 5] = [
        ("directie@de-vuurtoren.demo", [200, 303, 200, 200, 200, 200]),
        (
            "coordinator@de-vuurtoren.demo",
            [200, 303, 404, 404, 404, 200],
        ),
        (
            "leerkracht@de-vuurtoren.demo",
            [200, 303, 404, 404, 404, 404],
        ),
        ("bestuur@de-vuurtoren.demo", [200, 303, 404, 404, 404, 404]),
        ("fg@de-vuurtoren.demo", [200, 303, 200, 404, 404, 404]),
    ];
    for (email, expected) in table {
        let session = app.sign_in_ready(email).await;
        for (route, status) in routes.iter().zip(expected) {
            let response = app
                .with_cookie(reqwest::Method::GET, route, &session, &[])
                .await;
            assert_eq!(response.status().as_u16(), status, "{email} on {route}");
        }
    }
    // The demo advisor may look until the end of the 90th day from now (Dutch time): still there a
    // second before, gone a second after, in the middle of a session.
    let today = app.clock.now().date_naive();
    let period = signaal_domain::staff::advisor_period(
        today - chrono::Days::new(7),
        today + chrono::Days::new(90),
    )
    .expect("period");
    app.clock
        .advance((period.ends_at - app.clock.now()).num_seconds() - 600);
    let advisor = app.sign_in_ready("adviseur@de-vuurtoren.demo").await;
    for (route, status) in routes.iter().zip([200, 303, 404, 404, 404, 404]) {
        let response = app
            .with_cookie(reqwest::Method::GET, route, &advisor, &[])
            .await;
        assert_eq!(response.status().as_u16(), status, "advisor on {route}");
    }
    app.clock
        .advance((period.ends_at - app.clock.now()).num_seconds() - 1);
    let last_second = app
        .with_cookie(reqwest::Method::GET, "/app", &advisor, &[])
        .await;
    assert_eq!(last_second.status(), 200, "the period's last second");
    app.clock.advance(2);
    let after = app
        .with_cookie(reqwest::Method::GET, "/app", &advisor, &[])
        .await;
    assert_eq!(
        location(&after),
        "/app/login?next=%2Fapp&why=ended",
        "an advisor a second after the period sees nothing"
    );
}

/// The staff id in the row of the staff page that holds `email`.
fn staff_id_in(page: &str, email: &str) -> String {
    let row = page
        .split("<tr>")
        .find(|row| row.contains(email))
        .expect("row");
    between(row, "name=\"staff\" value=\"", "\"").to_owned()
}

/// The ids of the group boxes on a person page, with whether each is ticked.
fn group_boxes(page: &str) -> Vec<(String, bool)> {
    page.split("name=\"group\" value=\"")
        .skip(1)
        .map(|rest| {
            let id = rest.split('"').next().unwrap_or_default().to_owned();
            let tag = rest.split('>').next().unwrap_or_default();
            (id, tag.contains("checked"))
        })
        .collect()
}

#[tokio::test]
async fn leadership_sets_a_teachers_groups_and_an_advisors_period() {
    let app = TestApp::start().await;
    let leader = app.sign_in_ready("directie@de-vuurtoren.demo").await;
    let list = app
        .with_cookie(reqwest::Method::GET, "/app/staff", &leader, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(
        list.contains("leerkracht (groep 5a)"),
        "teachers are listed with their groups"
    );
    let teacher = staff_id_in(&list, "leerkracht@de-vuurtoren.demo");
    let path = format!("/app/staff/{teacher}");
    let page = app
        .with_cookie(reqwest::Method::GET, &path, &leader, &[])
        .await
        .text()
        .await
        .expect("page");
    let boxes = group_boxes(&page);
    assert!(boxes.len() >= 3, "every group of the school is offered");
    assert_eq!(boxes.iter().filter(|(_, ticked)| *ticked).count(), 1);
    let csrf = csrf_of(&page);
    let third = boxes[2].0.clone();
    let post = |form: Vec<(&'static str, String)>| {
        let (app, leader, path) = (&app, &leader, &path);
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.with_cookie(reqwest::Method::POST, path, leader, &pairs)
                .await
        }
    };
    let saved = post(vec![
        ("csrf", csrf.clone()),
        ("role", "teacher".into()),
        ("group", third.clone()),
    ])
    .await;
    assert_eq!(saved.status(), 200);
    let saved = saved.text().await.expect("page");
    assert!(saved.contains("Opgeslagen."), "{saved}");
    let ticked: Vec<String> = group_boxes(&saved)
        .into_iter()
        .filter(|(_, t)| *t)
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ticked, std::slice::from_ref(&third));

    // Bad input: a clear message, what was ticked and typed kept, nothing saved.
    let no_period = post(vec![
        ("csrf", csrf.clone()),
        ("role", "teacher".into()),
        ("role", "advisor".into()),
        ("group", third.clone()),
        ("first_day", "2026-12-01".into()),
    ])
    .await;
    assert_eq!(no_period.status(), 422);
    let no_period = no_period.text().await.expect("page");
    assert!(no_period.contains("Een adviseur heeft een periode nodig"));
    assert!(
        no_period.contains("value=\"advisor\" checked")
            && no_period.contains("value=\"2026-12-01\"")
    );
    let backwards = post(vec![
        ("csrf", csrf.clone()),
        ("role", "advisor".into()),
        ("first_day", "2026-12-10".into()),
        ("last_day", "2026-12-01".into()),
    ])
    .await;
    assert_eq!(backwards.status(), 422);
    assert!(
        backwards
            .text()
            .await
            .expect("page")
            .contains("De laatste dag ligt vóór de eerste dag.")
    );
    let garbage = post(vec![
        ("csrf", csrf.clone()),
        ("role", "advisor".into()),
        ("first_day", "morgen".into()),
        ("last_day", "2026-13-45".into()),
    ])
    .await;
    assert_eq!(garbage.status(), 422);
    let no_role = post(vec![("csrf", csrf.clone()), ("role", "koning".into())]).await;
    assert_eq!(no_role.status(), 422);
    assert!(
        no_role
            .text()
            .await
            .expect("page")
            .contains("Kies minstens één rol.")
    );
    assert_eq!(
        post(vec![("csrf", "vals".into()), ("role", "teacher".into())])
            .await
            .status(),
        403
    );

    // An advisor period, shown back as the days entered.
    let period = post(vec![
        ("csrf", csrf.clone()),
        ("role", "advisor".into()),
        ("first_day", "2026-12-01".into()),
        ("last_day", "2027-01-31".into()),
    ])
    .await
    .text()
    .await
    .expect("page");
    assert!(period.contains("Opgeslagen.") && period.contains("value=\"2027-01-31\""));
    let list = app
        .with_cookie(reqwest::Method::GET, "/app/staff", &leader, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(list.contains("adviseur (2026-12-01 t/m 2027-01-31)"));

    // Leadership keeps its own role; strangers and other roles find nothing.
    let own = format!(
        "/app/staff/{}",
        staff_id_in(&list, "directie@de-vuurtoren.demo")
    );
    let demoted = app
        .with_cookie(
            reqwest::Method::POST,
            &own,
            &leader,
            &[("csrf", &csrf), ("role", "coordinator")],
        )
        .await;
    assert_eq!(demoted.status(), 422);
    assert!(
        demoted
            .text()
            .await
            .expect("page")
            .contains("eigen rol als schoolleiding")
    );
    for stranger in [
        format!("/app/staff/{}", uuid::Uuid::now_v7()),
        "/app/staff/geen-id".into(),
    ] {
        assert_eq!(
            app.with_cookie(reqwest::Method::GET, &stranger, &leader, &[])
                .await
                .status(),
            404
        );
    }
    let coordinator = app.sign_in_ready(COORDINATOR).await;
    assert_eq!(
        app.with_cookie(reqwest::Method::GET, &path, &coordinator, &[])
            .await
            .status(),
        404
    );
    let audit = app
        .with_cookie(
            reqwest::Method::GET,
            "/app/audit?action=staff.access_set",
            &leader,
            &[],
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(audit.matches("staff.access_set").count() >= 2, "{audit}");
}

#[tokio::test]
async fn a_school_chooses_its_idle_limit_and_publishes_a_new_statement() {
    let app = TestApp::start().await;
    let leader = app.sign_in_ready("directie@de-vuurtoren.demo").await;
    let page = app
        .with_cookie(reqwest::Method::GET, "/app/school", &leader, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("<option value=\"15\" selected>"),
        "15 minutes by default"
    );
    let csrf = csrf_of(&page);
    let school = |form: Vec<(&'static str, String)>| {
        let (app, leader) = (&app, &leader);
        async move {
            let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            app.with_cookie(reqwest::Method::POST, "/app/school", leader, &pairs)
                .await
        }
    };
    for bad in ["7", "0", "-5", "veel", "", "99999999999999999999"] {
        let refused = school(vec![
            ("csrf", csrf.clone()),
            ("do", "idle".into()),
            ("idle_minutes", bad.into()),
        ])
        .await;
        assert_eq!(refused.status(), 422, "{bad:?}");
        assert!(
            refused
                .text()
                .await
                .expect("page")
                .contains("Kies een van de tijden")
        );
    }
    let saved = school(vec![
        ("csrf", csrf.clone()),
        ("do", "idle".into()),
        ("idle_minutes", "5".into()),
    ])
    .await
    .text()
    .await
    .expect("page");
    assert!(
        saved.contains("na 5 minuten zonder klik")
            && saved.contains("<option value=\"5\" selected>")
    );

    let audit = app
        .with_cookie(
            reqwest::Method::GET,
            "/app/audit?action=school.",
            &leader,
            &[],
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(audit.contains("school.idle_minutes_set"), "{audit}");

    // A session that starts after the change ends after 5 idle minutes: fine at 4:59, over at 5:01.
    let coordinator = app.sign_in_ready(COORDINATOR).await;
    app.clock.advance(4 * 60 + 59);
    assert_eq!(
        app.with_cookie(reqwest::Method::GET, "/app", &coordinator, &[])
            .await
            .status(),
        200
    );
    app.clock.advance(5 * 60 + 1);
    let over = app
        .with_cookie(reqwest::Method::GET, "/app", &coordinator, &[])
        .await;
    assert_eq!(location(&over), "/app/login?next=%2Fapp&why=idle");

    // The statement: too short is refused with the text kept; a new version asks everyone again.
    let short = school(vec![
        ("csrf", csrf.clone()),
        ("do", "statement".into()),
        ("statement", "Kort <b>en</b> krachtig".into()),
    ])
    .await;
    assert_eq!(short.status(), 422);
    let short = short.text().await.expect("page");
    assert!(short.contains("nu zijn het er 23"), "{short}");
    assert!(
        short.contains("Kort &#60;b&#62;en&#60;/b&#62; krachtig")
            || short.contains("Kort &lt;b&gt;en&lt;/b&gt; krachtig")
    );
    let text = "Ik houd alles wat ik in Signaal over leerlingen lees voor mij, nu en later. Versie van de school.";
    let published = school(vec![
        ("csrf", csrf.clone()),
        ("do", "statement".into()),
        ("statement", text.into()),
    ])
    .await
    .text()
    .await
    .expect("page");
    assert!(
        published.contains("Versie 2 is gepubliceerd."),
        "{published}"
    );
    let fg = app.sign_in("fg@de-vuurtoren.demo").await;
    let asked = app
        .with_cookie(reqwest::Method::GET, "/app", &fg, &[])
        .await;
    assert_eq!(location(&asked), "/app/statement?next=%2Fapp");
    let statement = app
        .with_cookie(reqwest::Method::GET, "/app/statement", &fg, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(statement.contains("Versie van de school."));
    // Leadership too must accept the new version before going on.
    let leader_asked = app
        .with_cookie(reqwest::Method::GET, "/app/audit", &leader, &[])
        .await;
    // ... and comes back to the page it asked for afterwards.
    assert_eq!(
        location(&leader_asked),
        "/app/statement?next=%2Fapp%2Faudit"
    );
    let page = app
        .with_cookie(
            reqwest::Method::GET,
            "/app/statement?next=%2Fapp%2Faudit",
            &leader,
            &[],
        )
        .await
        .text()
        .await
        .expect("page");
    let accepted = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/statement",
            &leader,
            &[
                ("csrf", &csrf_of(&page)),
                ("school", between(&page, "name=\"school\" value=\"", "\"")),
                ("version", "2"),
                ("accept", "yes"),
                ("next", between(&page, "name=\"next\" value=\"", "\"")),
            ],
        )
        .await;
    assert_eq!(location(&accepted), "/app/audit");
}

#[tokio::test]
async fn the_idle_warning_reads_the_time_left_without_counting_as_a_click() {
    let app = TestApp::start().await;
    let session = app.sign_in_ready(COORDINATOR).await;
    let page = app
        .with_cookie(reqwest::Method::GET, "/app", &session, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(
        page.contains("/static/staff.js")
            && page.contains("/static/staff.css")
            && page.contains("id=\"idle-warning\"")
    );
    let left = |app: &TestApp, session: &str| {
        let request = app
            .client
            .get(app.url("/app/session"))
            .header("cookie", format!("__Host-signaal_session={session}"));
        async move {
            let response = request.send().await.expect("response");
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.expect("json");
            (status, body["seconds_left"].as_i64().expect("seconds"))
        }
    };
    app.clock.advance(10 * 60);
    assert_eq!(left(&app, &session).await, (200, 5 * 60));
    app.clock.advance(60);
    assert_eq!(
        left(&app, &session).await,
        (200, 4 * 60),
        "asking is not activity"
    );
    // Staying signed in needs the page's CSRF token, and moves the limit.
    let keep = |token: &str| {
        app.client
            .post(app.url("/app/session/keep"))
            .header("cookie", format!("__Host-signaal_session={session}"))
            .header("x-csrf-token", token.to_owned())
            .send()
    };
    assert_eq!(keep("vals").await.expect("response").status(), 403);
    assert_eq!(keep(&csrf_of(&page)).await.expect("response").status(), 204);
    assert_eq!(left(&app, &session).await, (200, 15 * 60));
    app.clock.advance(15 * 60);
    assert_eq!(left(&app, &session).await, (401, 0));
    assert_eq!(left(&app, "0".repeat(64).as_str()).await, (401, 0));
    let none = app
        .client
        .get(app.url("/app/session"))
        .send()
        .await
        .expect("response");
    assert_eq!(none.status(), 401);
}

const PROVIDER_ADMIN: &str = "beheer@signaal.demo";

#[tokio::test]
async fn a_provider_admin_adds_a_school_with_its_first_leader() {
    let app = TestApp::start().await;
    let admin = app.sign_in(PROVIDER_ADMIN).await;
    let page = app
        .with_cookie(reqwest::Method::GET, "/app/admin", &admin, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(page.contains("de-vuurtoren"), "the schools are listed");
    let csrf = csrf_of(&page);
    let create = |fields: [(&'static str, &'static str); 5]| {
        let (app, admin, csrf) = (&app, &admin, csrf.clone());
        async move {
            let mut form = vec![("csrf", csrf.as_str())];
            form.extend(fields);
            app.with_cookie(reqwest::Method::POST, "/app/admin", admin, &form)
                .await
        }
    };
    let good = [
        ("school_name", "OBS Het Kompas"),
        ("slug", "het-kompas"),
        ("board", "Stichting Kompasscholen"),
        ("leader_name", "Fatima El Amrani"),
        ("leader_email", "F.ElAmrani@kompas.example"),
    ];
    // Each bad field gets its own message, with everything typed kept.
    for (field, value, message) in [
        (
            "slug",
            "Het Kompas!",
            "kleine letters, cijfers en losse streepjes",
        ),
        ("slug", "-kompas", "niet aan het begin of eind"),
        ("school_name", "   ", "Vul de naam van de school in"),
        ("board", "", "Vul de naam van het bestuur in"),
        (
            "leader_email",
            "fatima at kompas",
            "Dit is geen e-mailadres.",
        ),
        ("leader_name", "", "Vul een naam in"),
    ] {
        let mut fields = good;
        for f in fields.iter_mut() {
            if f.0 == field {
                f.1 = value;
            }
        }
        let refused = create(fields).await;
        assert_eq!(refused.status(), 422, "{field}={value:?}");
        let refused = refused.text().await.expect("page");
        assert!(refused.contains(message), "{field}={value:?}: {refused}");
        assert!(refused.contains("value=\"Stichting Kompasscholen\"") || field == "board");
        assert!(refused.contains(&format!("id=\"{field}\" name=\"{field}\"")));
    }
    let created = create(good).await;
    assert_eq!(created.status(), 200);
    let created = created.text().await.expect("page");
    assert!(
        created.contains(
            "OBS Het Kompas is toegevoegd, met f.elamrani@kompas.example als schoolleider."
        )
    );
    let link = between(&created, "<code class=\"secret\">", "</code>").to_owned();
    assert!(link.contains("/app/invite/"));
    // The same short name again is refused, kindly.
    let taken = create(good).await;
    assert_eq!(taken.status(), 422);
    assert!(
        taken
            .text()
            .await
            .expect("page")
            .contains("De korte naam het-kompas is al in gebruik.")
    );
    // The new school answers, and its chain records who made it and gave the role.
    assert_eq!(app.get("/s/het-kompas", None).await.status(), 200);
    let chain = app
        .store
        .clone()
        .into_storage()
        .audit
        .chain(
            &signaal_domain::policy::authorize(
                &signaal_domain::policy::Actor::Operator,
                app.store
                    .clone()
                    .into_storage()
                    .directory
                    .school_by_slug(
                        &signaal_domain::school::SchoolSlug::parse("het-kompas").expect("slug"),
                    )
                    .await
                    .expect("read")
                    .expect("school")
                    .id,
                app.clock.now(),
            )
            .expect("grant"),
        )
        .await
        .expect("chain");
    let actions: Vec<&str> = chain.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        ["school.created", "staff.role_added", "staff.link_issued"]
    );
    assert!(chain.iter().all(|e| e.actor.starts_with("staff:")));
    // Nobody else reaches the page.
    for email in ["directie@de-vuurtoren.demo", COORDINATOR] {
        let session = app.sign_in_ready(email).await;
        assert_eq!(
            app.with_cookie(reqwest::Method::GET, "/app/admin", &session, &[])
                .await
                .status(),
            404,
            "{email}"
        );
    }
    // A new link for an account that forgot its password; an unknown address is said to be unknown.
    let reset = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/admin",
            &admin,
            &[
                ("csrf", &csrf),
                ("do", "reset"),
                ("email", " Directie@De-Vuurtoren.demo "),
            ],
        )
        .await
        .text()
        .await
        .expect("page");
    assert!(reset.contains("/app/invite/"), "{reset}");
    let unknown = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/admin",
            &admin,
            &[
                ("csrf", &csrf),
                ("do", "reset"),
                ("email", "niemand@nergens.example"),
            ],
        )
        .await;
    assert_eq!(unknown.status(), 422);
    assert!(
        unknown
            .text()
            .await
            .expect("page")
            .contains("Er is geen actief account met het adres niemand@nergens.example.")
    );
    // And the provider admin sees no school's staff or audit.
    for route in ["/app/staff", "/app/audit", "/app/school"] {
        assert_eq!(
            app.with_cookie(reqwest::Method::GET, route, &admin, &[])
                .await
                .status(),
            404,
            "{route}"
        );
    }
}

// ---- Personal API tokens and the staff API (issue 4, item 9) ----

const LEADER: &str = "directie@de-vuurtoren.demo";
const TEACHER: &str = "leerkracht@de-vuurtoren.demo";
const DPO: &str = "fg@de-vuurtoren.demo";
const ALL_SCOPES: [&str; 4] = ["staff:read", "staff:write", "audit:read", "roster:read"];

impl TestApp {
    /// Posts the token form of `/app/tokens` (with the page's CSRF token) and returns the answer.
    async fn token_form(&self, session: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        let page = self
            .with_cookie(reqwest::Method::GET, "/app/tokens", session, &[])
            .await
            .text()
            .await
            .expect("page");
        let mut form = vec![("csrf", csrf_of(&page))];
        form.extend(fields.iter().map(|(k, v)| (*k, (*v).to_owned())));
        self.client
            .post(self.url("/app/tokens"))
            .header("cookie", format!("__Host-signaal_session={session}"))
            .header("accept-language", "nl")
            .form(&form)
            .send()
            .await
            .expect("response")
    }

    /// Makes a token on `/app/tokens` and returns it as shown (once).
    async fn make_token(&self, session: &str, name: &str, scopes: &[&str], days: &str) -> String {
        let mut fields = vec![("do", "create"), ("name", name), ("days", days)];
        fields.extend(scopes.iter().map(|s| ("scope", *s)));
        let made = self.token_form(session, &fields).await;
        assert_eq!(made.status(), 200);
        let page = made.text().await.expect("page");
        between(&page, "id=\"new-token\">", "</code>").to_owned()
    }

    /// A staff API request with `Authorization: Bearer <token>`, from one client address.
    async fn bearer(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let mut request = self
            .client
            .request(method, self.url(path))
            .header("authorization", format!("Bearer {token}"))
            .header("x-forwarded-for", "192.0.2.90")
            .header("accept-language", "en");
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("response")
    }

    async fn bearer_json(&self, path: &str, token: &str) -> (u16, serde_json::Value) {
        let response = self.bearer(reqwest::Method::GET, path, token, None).await;
        let status = response.status().as_u16();
        (status, response.json().await.expect("json"))
    }

    /// The (action, actor, outcome) of every entry of a school's audit chain.
    async fn chain_of(&self, school: signaal_domain::SchoolId) -> Vec<(String, String, String)> {
        let grant = signaal_domain::policy::authorize::<signaal_domain::policy::VerifyAudit>(
            &signaal_domain::policy::Actor::Operator,
            school,
            Utc::now(),
        )
        .expect("grant");
        let chain = self
            .store
            .clone()
            .into_storage()
            .audit
            .chain(&grant)
            .await
            .expect("chain");
        assert!(signaal_domain::audit::verify_chain(&chain).is_ok());
        // Everything after the school's creation, which every chain starts with.
        chain
            .into_iter()
            .filter(|e| e.action != "school.created")
            .map(|e| (e.action, e.actor, e.outcome))
            .collect()
    }

    /// "De Zandloper" of another board, where the demo's staff have no role.
    async fn school_of_another_board(&self) -> signaal_domain::school::School {
        let storage = self.store.clone().into_storage();
        let directory =
            signaal_domain::policy::authorize_directory(&signaal_domain::policy::Actor::Operator)
                .expect("grant");
        let board = storage
            .directory
            .create_board(&directory, "Stichting Elders", false, Utc::now())
            .await
            .expect("board");
        storage
            .directory
            .create_school(
                &directory,
                &signaal_domain::school::NewSchool {
                    board_id: board.id,
                    slug: signaal_domain::school::SchoolSlug::parse("de-zandloper").expect("slug"),
                    name: "De Zandloper".into(),
                    is_demo: false,
                },
                Utc::now(),
            )
            .await
            .expect("school")
    }

    async fn staff_id(&self, email: &str) -> signaal_domain::StaffId {
        self.store
            .clone()
            .into_storage()
            .directory
            .staff_by_email(email)
            .await
            .expect("read")
            .expect("account")
            .id
    }
}

fn staff_path(what: &str) -> String {
    format!("/api/v1/staff/schools/{SCHOOL}/{what}")
}

#[tokio::test]
async fn a_token_is_shown_once_stored_as_a_hash_used_and_revoked() {
    let app = TestApp::start().await;
    let leader = app.sign_in_ready(LEADER).await;
    let empty = app
        .with_cookie(reqwest::Method::GET, "/app/tokens", &leader, &[])
        .await;
    assert_eq!(empty.status(), 200);
    assert!(
        empty
            .text()
            .await
            .expect("page")
            .contains("Je hebt nog geen sleutels.")
    );
    let token = app
        .make_token(
            &leader,
            "Koppeling leerlingvolgsysteem",
            &["staff:read"],
            "90",
        )
        .await;
    assert!(token.starts_with("sgl_") && token.len() == 68, "{token}");
    // Shown once: the list names it, but never shows it again.
    let list = app
        .with_cookie(reqwest::Method::GET, "/app/tokens", &leader, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(list.contains("Koppeling leerlingvolgsysteem") && list.contains("staff:read"));
    assert!(!list.contains(&token) && !list.contains(&token[4..20]));
    assert!(list.contains("nog nooit"), "not used yet");
    let today = app.clock.now().format("%Y-%m-%d").to_string();
    let expires = (app.clock.now() + chrono::Duration::days(90))
        .format("%Y-%m-%d")
        .to_string();
    assert!(list.contains(&format!("<td>{today}</td><td>{expires}</td>")));

    let (status, me) = app.bearer_json("/api/v1/staff/me", &token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["email"], LEADER);
    assert_eq!(me["authenticated_by"], "token");
    assert_eq!(me["token"]["scopes"], serde_json::json!(["staff:read"]));
    assert_eq!(me["token"]["name"], "Koppeling leerlingvolgsysteem");
    assert_eq!(me["token"]["last_used_on"], today, "this use counts");
    assert!(me["csrf_token"].is_null(), "no CSRF token for a token");
    assert_eq!(me["memberships"][0]["role"], "leadership");
    assert_eq!(me["memberships"][0]["school"]["slug"], SCHOOL);
    assert_eq!(me["memberships"][0]["statement_accepted"], true);
    let (status, staff) = app.bearer_json(&staff_path("staff"), &token).await;
    assert_eq!(status, 200, "{staff}");
    let people = staff["staff"].as_array().expect("list");
    assert!(
        people
            .iter()
            .any(|p| p["email"] == COORDINATOR && p["roles"] == serde_json::json!(["coordinator"]))
    );
    let list = app
        .with_cookie(reqwest::Method::GET, "/app/tokens", &leader, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(!list.contains("nog nooit"), "the day of use is noted");

    // Only the SHA-256 of the token is stored; the token itself is nowhere in the database.
    let hashes: Vec<Vec<u8>> = sqlx::query_scalar("SELECT token_hash FROM api_tokens")
        .fetch_all(app.store.writer_pool())
        .await
        .expect("hashes");
    let expected = signaal_domain::auth::api_token::presented_hash(&token).expect("well-formed");
    assert_eq!(hashes, vec![expected.to_vec()]);
    for entry in std::fs::read_dir(app._dir.path()).expect("dir") {
        let bytes = std::fs::read(entry.expect("file").path()).expect("read");
        assert!(!contains_bytes(&bytes, &token[4..]), "the token was stored");
    }

    // Revoked: refused at once, with the challenge and a clear message.
    let row = list
        .split("<tr>")
        .find(|r| r.contains("Koppeling leerlingvolgsysteem"))
        .expect("row");
    let id = between(row, "name=\"token\" value=\"", "\"").to_owned();
    let revoked = app
        .token_form(&leader, &[("do", "revoke"), ("token", &id)])
        .await;
    assert_eq!(revoked.status(), 200);
    assert!(
        revoked
            .text()
            .await
            .expect("page")
            .contains("De sleutel is ingetrokken.")
    );
    let refused = app
        .bearer(reqwest::Method::GET, "/api/v1/staff/me", &token, None)
        .await;
    assert_eq!(refused.status(), 401);
    assert_eq!(
        refused.headers()["www-authenticate"],
        "Bearer realm=\"signaal\", error=\"invalid_token\""
    );
    let body: serde_json::Value = refused.json().await.expect("json");
    assert_eq!(body["error"], "invalid_token");
    assert_eq!(
        body["message"],
        "We do not know this key, or it has been revoked."
    );
    // Revoking again, or someone else's token: not found.
    assert_eq!(
        app.token_form(&leader, &[("do", "revoke"), ("token", &id)])
            .await
            .status(),
        404
    );
    // Made and revoked are in the school's log, by id: never the token or its name.
    let school = app.demo.school.id;
    let leader_id = app.staff_id(LEADER).await;
    let entries: Vec<(String, String, String)> = app
        .chain_of(school)
        .await
        .into_iter()
        .filter(|(action, _, _)| action.starts_with("staff.token"))
        .collect();
    assert_eq!(
        entries,
        vec![
            (
                "staff.token_created".to_owned(),
                format!("staff:{leader_id}"),
                format!("token={id} scopes=staff:read expires={expires}")
            ),
            (
                "staff.token_revoked".to_owned(),
                format!("staff:{leader_id}"),
                format!("token={id}")
            ),
        ]
    );
}

#[tokio::test]
async fn every_role_manages_its_own_tokens_only() {
    let app = TestApp::start().await;
    let anonymous = app.get("/app/tokens", None).await;
    assert_eq!(
        (anonymous.status().as_u16(), location(&anonymous)),
        (303, "/app/login?next=%2Fapp%2Ftokens".to_owned())
    );
    let mut ids = Vec::new();
    for email in [
        LEADER,
        COORDINATOR,
        TEACHER,
        DPO,
        "bestuur@de-vuurtoren.demo",
    ] {
        let session = app.sign_in_ready(email).await;
        let start = app
            .with_cookie(reqwest::Method::GET, "/app", &session, &[])
            .await
            .text()
            .await
            .expect("page");
        assert!(start.contains("href=\"/app/tokens\""), "{email}");
        let token = app.make_token(&session, email, &["staff:read"], "7").await;
        let (status, me) = app.bearer_json("/api/v1/staff/me", &token).await;
        assert_eq!((status, me["email"].as_str()), (200, Some(email)));
        let page = app
            .with_cookie(reqwest::Method::GET, "/app/tokens", &session, &[])
            .await
            .text()
            .await
            .expect("page");
        // Each account sees only its own.
        assert_eq!(
            page.matches("name=\"token\" value=\"").count(),
            1,
            "{email}"
        );
        ids.push((
            session,
            between(&page, "name=\"token\" value=\"", "\"").to_owned(),
        ));
    }
    let (coordinator, _) = &ids[1];
    let (_, leaders_token) = &ids[0];
    assert_eq!(
        app.token_form(coordinator, &[("do", "revoke"), ("token", leaders_token)])
            .await
            .status(),
        404,
        "another account's token is not found"
    );
    // Without the form's CSRF token nothing happens.
    let forged = app
        .with_cookie(
            reqwest::Method::POST,
            "/app/tokens",
            coordinator,
            &[
                ("csrf", "nope"),
                ("do", "create"),
                ("name", "x"),
                ("scope", "staff:read"),
            ],
        )
        .await;
    assert_eq!(forged.status(), 403);
}

#[tokio::test]
async fn a_token_request_with_problems_is_explained_and_tokens_expire_by_the_clock() {
    let app = TestApp::start().await;
    let leader = app.sign_in_ready(LEADER).await;
    let bad = app
        .token_form(&leader, &[("do", "create"), ("name", " "), ("days", "366")])
        .await;
    assert_eq!(bad.status(), 422);
    let page = bad.text().await.expect("page");
    for message in [
        "Geef de sleutel een naam.",
        "Kies minstens één ding waarvoor de sleutel werkt.",
        "Kies hoe lang de sleutel werkt: 1 tot 365 dagen.",
    ] {
        assert!(page.contains(message), "{message}");
    }
    let unknown = app
        .token_form(
            &leader,
            &[
                ("do", "create"),
                ("name", "Koppeling"),
                ("scope", "admin:all"),
                ("days", "0"),
            ],
        )
        .await;
    assert_eq!(unknown.status(), 422);
    let page = unknown.text().await.expect("page");
    assert!(
        page.contains("&#34;admin:all&#34; kennen we niet"),
        "{page}"
    );
    assert!(
        page.contains("value=\"Koppeling\""),
        "what was typed is kept"
    );

    let token = app
        .make_token(&leader, "Een week", &["staff:read"], "7")
        .await;
    app.clock.advance(7 * 86_400 - 1);
    let (status, _) = app.bearer_json("/api/v1/staff/me", &token).await;
    assert_eq!(status, 200, "works the second before it expires");
    app.clock.advance(1);
    let expired = app
        .bearer(reqwest::Method::GET, "/api/v1/staff/me", &token, None)
        .await;
    assert_eq!(expired.status(), 401, "refused at the moment it expires");
    assert!(
        expired.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .starts_with("Bearer")
    );
    let body: serde_json::Value = expired.json().await.expect("json");
    assert_eq!(body["error"], "token_expired");
    let day = app.clock.now().format("%Y-%m-%d").to_string();
    assert_eq!(
        body["message"],
        format!("This key expired on {day}. Make a new one at /app/tokens.")
    );
    app.clock.advance(3600);
    assert_eq!(app.bearer_json("/api/v1/staff/me", &token).await.0, 401);
    // The list says so (a new sign-in: the old session has long been idle).
    let session = app.sign_in(LEADER).await;
    let list = app
        .with_cookie(reqwest::Method::GET, "/app/tokens", &session, &[])
        .await
        .text()
        .await
        .expect("page");
    assert!(list.contains(&format!("verlopen op {day}")));
}

#[tokio::test]
async fn a_tokens_scopes_only_narrow_what_the_role_allows() {
    let app = TestApp::start().await;
    let leader = app.sign_in_ready(LEADER).await;
    let staff_only = app
        .make_token(&leader, "Alleen medewerkers", &["staff:read"], "30")
        .await;
    assert_eq!(
        app.bearer_json(&staff_path("staff"), &staff_only).await.0,
        200
    );
    // Leadership may read the log, but this token may not: 403, decided before the school is asked.
    for path in [
        staff_path("audit"),
        staff_path("pupils"),
        staff_path("groups"),
        format!("/api/v1/staff/schools/{}/audit", uuid::Uuid::now_v7()),
    ] {
        let refused = app
            .bearer(reqwest::Method::GET, &path, &staff_only, None)
            .await;
        assert_eq!(refused.status(), 403, "{path}");
        let challenge = refused.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .to_owned();
        assert!(
            challenge.contains("error=\"insufficient_scope\""),
            "{challenge}"
        );
        let body: serde_json::Value = refused.json().await.expect("json");
        assert_eq!(body["error"], "insufficient_scope");
    }
    let audit_refused = app
        .bearer(
            reqwest::Method::GET,
            &staff_path("audit"),
            &staff_only,
            None,
        )
        .await;
    assert!(
        audit_refused.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .contains("scope=\"audit:read\"")
    );
    // The same person signed in (a session has every scope) reads the log.
    let with_session = app
        .with_cookie(reqwest::Method::GET, &staff_path("audit"), &leader, &[])
        .await;
    assert_eq!(with_session.status(), 200);

    // A teacher's token with every scope still gets only what a teacher may: not found, and the
    // refused attempts are recorded.
    let teacher = app.sign_in_ready(TEACHER).await;
    let everything = app.make_token(&teacher, "Alles", &ALL_SCOPES, "30").await;
    for what in ["staff", "audit", "pupils", "groups"] {
        let (status, body) = app.bearer_json(&staff_path(what), &everything).await;
        assert_eq!(
            (status, body["error"].as_str()),
            (404, Some("not_found")),
            "{what}"
        );
    }
    let teacher_id = app.staff_id(TEACHER).await;
    let refused: Vec<String> = app
        .chain_of(app.demo.school.id)
        .await
        .into_iter()
        .filter(|(_, actor, outcome)| {
            *actor == format!("staff:{teacher_id}") && outcome == "denied"
        })
        .map(|(action, _, _)| action)
        .collect();
    assert_eq!(
        refused,
        [
            "denied.manage_staff",
            "denied.read_audit",
            "denied.read_roster",
            "denied.read_roster"
        ]
    );

    // The data protection officer's token reads the log with the viewer's filters.
    let dpo = app.sign_in_ready(DPO).await;
    let log = app.make_token(&dpo, "Logboek", &["audit:read"], "30").await;
    let (status, body) = app
        .bearer_json(
            &format!("{}?action=denied.&person={TEACHER}", staff_path("audit")),
            &log,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let entries = body["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 4);
    assert!(entries.iter().all(|e| e["actor_email"] == TEACHER
        && e["outcome"] == "denied"
        && e["subject"] == format!("school:{}", app.demo.school.id)));
    let (_, limited) = app
        .bearer_json(&format!("{}?limit=2", staff_path("audit")), &log)
        .await;
    assert_eq!(limited["entries"].as_array().expect("entries").len(), 2);
    let (_, nobody) = app
        .bearer_json(
            &format!("{}?person=niemand%40x.example", staff_path("audit")),
            &log,
        )
        .await;
    assert_eq!(
        nobody["entries"],
        serde_json::json!([]),
        "unknown people find nothing"
    );
    let (status, bad) = app
        .bearer_json(
            &format!("{}?from=gisteren&limit=0", staff_path("audit")),
            &log,
        )
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = bad["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["from", "limit"]);
    assert_eq!(
        bad["problems"][0]["message"],
        "\"gisteren\" is not a date. Write it as yyyy-mm-dd."
    );
    let (status, twice) = app
        .bearer_json(&format!("{}?limit=1&limit=2", staff_path("audit")), &log)
        .await;
    assert_eq!(
        (status, twice["error"].as_str()),
        (400, Some("invalid_query"))
    );
    // Looking through the API is recorded like looking on the page.
    let (_, views) = app
        .bearer_json(&format!("{}?action=audit.view", staff_path("audit")), &log)
        .await;
    assert!(views["entries"].as_array().expect("entries").len() >= 4);
}

#[tokio::test]
async fn role_changes_count_on_the_next_request_and_a_removed_accounts_token_stops_at_once() {
    let app = TestApp::start().await;
    let leader = app.sign_in_ready(LEADER).await;
    let manage = app
        .make_token(&leader, "Beheer", &["staff:read", "staff:write"], "30")
        .await;
    let coordinator = app.sign_in_ready(COORDINATOR).await;
    let roster = app
        .make_token(&coordinator, "Rooster", &["roster:read"], "30")
        .await;
    let (status, pupils) = app.bearer_json(&staff_path("pupils"), &roster).await;
    assert_eq!(status, 200);
    assert_eq!(pupils["pupils"].as_array().expect("pupils").len(), 200);
    let (status, groups) = app.bearer_json(&staff_path("groups"), &roster).await;
    assert_eq!(status, 200);
    assert!(!groups["groups"].as_array().expect("groups").is_empty());
    let teacher = app.sign_in_ready(TEACHER).await;
    let teachers = app
        .make_token(&teacher, "Lijst", &["staff:read"], "30")
        .await;
    assert_eq!(
        app.bearer_json(&staff_path("staff"), &teachers).await.0,
        404
    );

    // Leadership makes the teacher a school leader too: it counts on the very next request.
    let added = app
        .bearer(
            reqwest::Method::POST,
            &staff_path("staff"),
            &manage,
            Some(serde_json::json!({"email": TEACHER, "name": "Marieke Visser", "role": "leadership"})),
        )
        .await;
    assert_eq!(added.status(), 201, "a token needs no CSRF token");
    let added: serde_json::Value = added.json().await.expect("json");
    assert_eq!(added["new_account"], false);
    assert!(added["invite_link"].is_null());
    assert_eq!(
        app.bearer_json(&staff_path("staff"), &teachers).await.0,
        200
    );

    // Someone new gets a one-time link to pass on.
    let (status, new) = {
        let response = app
            .bearer(
                reqwest::Method::POST,
                &staff_path("staff"),
                &manage,
                Some(serde_json::json!({"email": " Nieuw@De-Vuurtoren.demo", "name": "Nieuwe Meester", "role": "teacher"})),
            )
            .await;
        (
            response.status().as_u16(),
            response.json::<serde_json::Value>().await.expect("json"),
        )
    };
    assert_eq!(status, 201);
    assert_eq!(new["new_account"], true);
    assert!(
        new["invite_link"]
            .as_str()
            .expect("link")
            .contains("/app/invite/")
    );
    // Problems per field, and unreadable JSON.
    let bad = app
        .bearer(
            reqwest::Method::POST,
            &staff_path("staff"),
            &manage,
            Some(serde_json::json!({"email": "geen adres", "name": "", "role": "baas"})),
        )
        .await;
    assert_eq!(bad.status(), 422);
    let bad: serde_json::Value = bad.json().await.expect("json");
    let fields: Vec<&str> = bad["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["email", "name", "role"]);
    let unreadable = app
        .client
        .post(app.url(&staff_path("staff")))
        .header("authorization", format!("Bearer {manage}"))
        .header("content-type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("response");
    assert_eq!(unreadable.status(), 400);
    let unreadable: serde_json::Value = unreadable.json().await.expect("json");
    assert_eq!(unreadable["error"], "invalid_json");

    // Removing the coordinator from the school's only role deactivates the account: its token
    // stops on the very next request.
    let coordinator_id = app.staff_id(COORDINATOR).await;
    let removed = app
        .bearer(
            reqwest::Method::DELETE,
            &staff_path(&format!("staff/{coordinator_id}")),
            &manage,
            None,
        )
        .await;
    assert_eq!(removed.status(), 204);
    let stopped = app
        .bearer(reqwest::Method::GET, &staff_path("pupils"), &roster, None)
        .await;
    assert_eq!(stopped.status(), 401);
    assert!(
        stopped.headers()["www-authenticate"]
            .to_str()
            .expect("ascii")
            .starts_with("Bearer")
    );
    let again = app
        .bearer(
            reqwest::Method::DELETE,
            &staff_path(&format!("staff/{coordinator_id}")),
            &manage,
            None,
        )
        .await;
    assert_eq!(again.status(), 404, "no longer at the school");
    let leader_id = app.staff_id(LEADER).await;
    let yourself = app
        .bearer(
            reqwest::Method::DELETE,
            &staff_path(&format!("staff/{leader_id}")),
            &manage,
            None,
        )
        .await;
    assert_eq!(yourself.status(), 422);
    assert_eq!(
        yourself.json::<serde_json::Value>().await.expect("json")["error"],
        "not_yourself"
    );
}

#[tokio::test]
async fn another_schools_data_is_not_found_and_the_attempt_is_recorded_there() {
    let app = TestApp::start().await;
    let other = app.school_of_another_board().await;
    let leader = app.sign_in_ready(LEADER).await;
    let token = app.make_token(&leader, "Alles", &ALL_SCOPES, "30").await;
    let leader_id = app.staff_id(LEADER).await;

    let not_found = |body: &serde_json::Value| {
        (
            body["error"].as_str().map(str::to_owned),
            body["message"].as_str().map(str::to_owned),
        )
    };
    let (status, by_id) = app
        .bearer_json(&format!("/api/v1/staff/schools/{}/staff", other.id), &token)
        .await;
    assert_eq!(status, 404);
    let (status, by_slug) = app
        .bearer_json("/api/v1/staff/schools/de-zandloper/pupils", &token)
        .await;
    assert_eq!(status, 404);
    let (status, nowhere) = app
        .bearer_json(
            &format!("/api/v1/staff/schools/{}/staff", uuid::Uuid::now_v7()),
            &token,
        )
        .await;
    assert_eq!(status, 404);
    let (status, nonsense) = app
        .bearer_json("/api/v1/staff/schools/Geen%20School!/audit", &token)
        .await;
    assert_eq!(status, 404);
    // One answer for a school that exists and one that does not.
    assert_eq!(not_found(&by_id), not_found(&nowhere));
    assert_eq!(not_found(&by_slug), not_found(&nonsense));
    assert_eq!(not_found(&by_id).0.as_deref(), Some("not_found"));

    // Recorded in the chain of the school that was asked about, by whom; nothing in the own school.
    assert_eq!(
        app.chain_of(other.id).await,
        vec![
            (
                "denied.manage_staff".to_owned(),
                format!("staff:{leader_id}"),
                "denied".to_owned()
            ),
            (
                "denied.read_roster".to_owned(),
                format!("staff:{leader_id}"),
                "denied".to_owned()
            ),
        ]
    );
    assert!(
        !app.chain_of(app.demo.school.id)
            .await
            .iter()
            .any(|(action, _, _)| action.starts_with("denied."))
    );
    // The pages answer the same way: the audit viewer for another school is not found, and the
    // attempt is recorded there; a made-up school id is not found and recorded nowhere.
    for school in [other.id.to_string(), uuid::Uuid::now_v7().to_string()] {
        let page = app
            .with_cookie(
                reqwest::Method::GET,
                &format!("/app/audit?school={school}"),
                &leader,
                &[],
            )
            .await;
        assert_eq!(page.status(), 404);
    }
    let other_chain = app.chain_of(other.id).await;
    assert_eq!(
        other_chain.last(),
        Some(&(
            "denied.read_audit".to_owned(),
            format!("staff:{leader_id}"),
            "denied".to_owned()
        ))
    );
    assert_eq!(other_chain.len(), 3);

    // Refusals are limited per account (each one is written to a log): past the limit the answer is
    // 429 for any school, existing or not, and the other school's log stops growing.
    let mut answered = Vec::new();
    for _ in 0..30 {
        answered.push(
            app.bearer_json(&format!("/api/v1/staff/schools/{}/staff", other.id), &token)
                .await
                .0,
        );
    }
    assert_eq!(
        answered.iter().filter(|s| **s == 404).count(),
        24,
        "the two page requests count too"
    );
    assert_eq!(answered.iter().filter(|s| **s == 429).count(), 6);
    let busy = app
        .bearer(
            reqwest::Method::GET,
            &format!("/api/v1/staff/schools/{}/staff", uuid::Uuid::now_v7()),
            &token,
            None,
        )
        .await;
    assert_eq!(busy.status(), 429);
    assert!(busy.headers().contains_key("retry-after"));
    assert_eq!(app.chain_of(other.id).await.len(), 3 + 24);
    // The own school is not refused, so it still answers.
    assert_eq!(app.bearer_json(&staff_path("staff"), &token).await.0, 200);
}

#[tokio::test]
async fn bad_authorization_headers_get_401_and_never_500() {
    let app = TestApp::start().await;
    let leader = app.sign_in_ready(LEADER).await;
    let token = app.make_token(&leader, "Goed", &["staff:read"], "30").await;
    let unknown = format!("sgl_{}", "0".repeat(64));
    let long = format!("Bearer sgl_{}", "a".repeat(60_000));
    let headers: Vec<reqwest::header::HeaderValue> = [
        "garbage",
        "Basic ZGlyZWN0aWU6d2FjaHR3b29yZA==",
        "Bearer",
        "Bearer ",
        "",
        "Bearer sgl_",
        &format!("Token {token}"),
        &format!("Bearer {}", token.to_uppercase()),
        &format!("Bearer {unknown}"),
        &format!("Bearer {token} extra"),
        &long,
    ]
    .iter()
    .map(|v| reqwest::header::HeaderValue::from_str(v).expect("header"))
    .chain([reqwest::header::HeaderValue::from_bytes(b"Bearer sgl_\xff\xfe").expect("bytes")])
    .collect();
    for (i, value) in headers.into_iter().enumerate() {
        let response = app
            .client
            .get(app.url("/api/v1/staff/me"))
            .header("authorization", value.clone())
            .header("x-forwarded-for", format!("198.51.100.{i}"))
            .send()
            .await
            .expect("response");
        assert_eq!(response.status(), 401, "{value:?}");
        assert_eq!(
            response.headers()["www-authenticate"],
            "Bearer realm=\"signaal\", error=\"invalid_token\"",
            "{value:?}"
        );
        let body: serde_json::Value = response.json().await.expect("json");
        assert_eq!(body["error"], "invalid_token", "{value:?}");
    }
    // No credentials at all: 401 with the plain challenge. A bogus session cookie: 401 too.
    let none = app.get("/api/v1/staff/me", Some("en")).await;
    assert_eq!(none.status(), 401);
    assert_eq!(
        none.headers()["www-authenticate"],
        "Bearer realm=\"signaal\""
    );
    assert_eq!(
        none.json::<serde_json::Value>().await.expect("json")["error"],
        "unauthenticated"
    );
    let bogus = app
        .with_cookie(
            reqwest::Method::GET,
            "/api/v1/staff/me",
            &"0".repeat(64),
            &[],
        )
        .await;
    assert_eq!(bogus.status(), 401);
    // The scheme is read in any case; an Authorization header wins over a valid cookie.
    let lower = app
        .client
        .get(app.url("/api/v1/staff/me"))
        .header("authorization", format!("bearer {token}"))
        .send()
        .await
        .expect("response");
    assert_eq!(lower.status(), 200);
    let both = app
        .client
        .get(app.url("/api/v1/staff/me"))
        .header("authorization", "Bearer nonsense")
        .header("cookie", format!("__Host-signaal_session={leader}"))
        .send()
        .await
        .expect("response");
    assert_eq!(both.status(), 401);

    // Failed attempts are throttled per client: after 20, even a good token waits; others do not.
    for _ in 0..20 {
        let response = app
            .client
            .get(app.url("/api/v1/staff/me"))
            .header("authorization", format!("Bearer {unknown}"))
            .header("x-forwarded-for", "203.0.113.66")
            .send()
            .await
            .expect("response");
        assert_eq!(response.status(), 401);
    }
    let throttled = app
        .client
        .get(app.url("/api/v1/staff/me"))
        .header("authorization", format!("Bearer {token}"))
        .header("x-forwarded-for", "203.0.113.66")
        .send()
        .await
        .expect("response");
    assert_eq!(throttled.status(), 429);
    assert!(throttled.headers().contains_key("retry-after"));
    assert_eq!(
        throttled.json::<serde_json::Value>().await.expect("json")["error"],
        "busy"
    );
    assert_eq!(app.bearer_json("/api/v1/staff/me", &token).await.0, 200);
}

#[tokio::test]
async fn cookie_requests_that_change_something_need_the_csrf_header() {
    let app = TestApp::start().await;
    let leader = app.sign_in_ready(LEADER).await;
    let cookie = format!("__Host-signaal_session={leader}");
    let me: serde_json::Value = app
        .client
        .get(app.url("/api/v1/staff/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("response")
        .json()
        .await
        .expect("json");
    assert_eq!(me["authenticated_by"], "session");
    assert!(me["token"].is_null());
    let csrf = me["csrf_token"].as_str().expect("csrf").to_owned();
    let add = serde_json::json!({"email": "hulp@de-vuurtoren.demo", "name": "Hulp", "role": "coordinator"});
    let post = |header: Option<&str>| {
        let mut request = app
            .client
            .post(app.url(&staff_path("staff")))
            .header("cookie", &cookie)
            .json(&add);
        if let Some(value) = header {
            request = request.header("x-csrf-token", value);
        }
        request.send()
    };
    for header in [None, Some(""), Some("wrong")] {
        let refused = post(header).await.expect("response");
        assert_eq!(refused.status(), 403, "{header:?}");
        assert_eq!(
            refused.json::<serde_json::Value>().await.expect("json")["error"],
            "csrf"
        );
    }
    assert!(
        app.store
            .clone()
            .into_storage()
            .directory
            .staff_by_email("hulp@de-vuurtoren.demo")
            .await
            .expect("read")
            .is_none(),
        "nothing happened"
    );
    assert_eq!(post(Some(&csrf)).await.expect("response").status(), 201);
    let someone = app.staff_id("hulp@de-vuurtoren.demo").await;
    let delete = app
        .client
        .delete(app.url(&staff_path(&format!("staff/{someone}"))))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("response");
    assert_eq!(delete.status(), 403);
    // Reading needs no CSRF token.
    let list = app
        .client
        .get(app.url(&staff_path("staff")))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("response");
    assert_eq!(list.status(), 200);
    // An idle session ends for the API as for the pages: 401, and the cookie is cleared.
    app.clock.advance(16 * 60);
    let ended = app
        .client
        .get(app.url("/api/v1/staff/me"))
        .header("cookie", &cookie)
        .send()
        .await
        .expect("response");
    assert_eq!(ended.status(), 401);
    assert_eq!(set_session(&ended).as_deref(), Some(""));
    assert_eq!(
        ended.json::<serde_json::Value>().await.expect("json")["error"],
        "session_ended"
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_staff_api() {
    let app = TestApp::start().await;
    let document: serde_json::Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .expect("json");
    let paths = &document["paths"];
    for (path, method) in [
        ("/api/v1/staff/me", "get"),
        ("/api/v1/staff/schools/{school}/staff", "get"),
        ("/api/v1/staff/schools/{school}/staff", "post"),
        ("/api/v1/staff/schools/{school}/staff/{staff}", "delete"),
        ("/api/v1/staff/schools/{school}/audit", "get"),
        ("/api/v1/staff/schools/{school}/pupils", "get"),
        ("/api/v1/staff/schools/{school}/groups", "get"),
        ("/api/v1/staff/schools/{school}/overview", "get"),
        ("/api/v1/staff/schools/{school}/overview/pupils", "get"),
        ("/api/v1/staff/schools/{school}/signals", "get"),
        (
            "/api/v1/staff/schools/{school}/signals/{kind}/{subject}/acknowledge",
            "post",
        ),
        ("/api/v1/staff/board", "get"),
    ] {
        let operation = &paths[path][method];
        assert!(operation.is_object(), "{method} {path} is missing");
        assert_eq!(operation["tags"], serde_json::json!(["staff"]), "{path}");
        assert!(operation["responses"]["401"].is_object(), "{path}: 401");
        let security = operation["security"].as_array().expect("security");
        assert!(security.iter().any(|s| s["bearer"].is_array()), "{path}");
        assert!(security.iter().any(|s| s["session"].is_array()), "{path}");
    }
    assert_eq!(
        paths["/api/v1/staff/schools/{school}/audit"]["get"]["security"][0]["bearer"],
        serde_json::json!(["audit:read"])
    );
    assert_eq!(
        paths["/api/v1/staff/schools/{school}/signals"]["get"]["security"][0]["bearer"],
        serde_json::json!(["staff:read"])
    );
    assert_eq!(
        paths["/api/v1/staff/schools/{school}/signals/{kind}/{subject}/acknowledge"]["post"]["security"]
            [0]["bearer"],
        serde_json::json!(["staff:write"])
    );
    let table_params: Vec<&str> =
        paths["/api/v1/staff/schools/{school}/overview/pupils"]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .map(|p| p["name"].as_str().expect("name"))
            .collect();
    for name in ["school", "from", "to", "group", "category", "sort"] {
        assert!(table_params.contains(&name), "{name}");
    }
    let audit_params: Vec<&str> =
        paths["/api/v1/staff/schools/{school}/audit"]["get"]["parameters"]
            .as_array()
            .expect("parameters")
            .iter()
            .map(|p| p["name"].as_str().expect("name"))
            .collect();
    for name in ["school", "person", "action", "from", "until", "limit"] {
        assert!(audit_params.contains(&name), "{name}");
    }
    let schemes = &document["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["type"], "http");
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["session"]["type"], "apiKey");
    assert_eq!(schemes["session"]["in"], "cookie");
    assert_eq!(schemes["session"]["name"], "__Host-signaal_session");
    for schema in [
        "Me",
        "StaffList",
        "AddStaffRequest",
        "AuditEntries",
        "PupilList",
        "GroupList",
        "ApiError",
        "OverviewView",
        "PupilTableView",
        "SignalList",
        "AcknowledgeRequest",
        "BoardView",
    ] {
        assert!(
            document["components"]["schemas"][schema].is_object(),
            "{schema}"
        );
    }
}

#[tokio::test]
async fn staff_tokens_work_on_postgresql_too() {
    use signaal_domain::auth::api_token::{ApiScope, NewToken, Scopes};
    let master = MasterKey::generate().expect("master key");
    let Some(storage) = postgres_storage("signaal_api", &master).await else {
        eprintln!("skipped: SIGNAAL_TEST_POSTGRES_URL is not set");
        return;
    };
    let demo = signaal::demo::seed(&storage, &SystemClock, &master)
        .await
        .expect("demo");
    let clock = Arc::new(TestClock(Mutex::new(Utc::now())));
    let now = clock.now();
    let leader = storage
        .directory
        .staff_by_email(LEADER)
        .await
        .expect("read")
        .expect("leader");
    storage
        .staff_auth
        .accept_statement(leader.id, demo.school.id, 1, now)
        .await
        .expect("statement");
    let made = |scopes: Scopes, hours: i64| {
        let storage = storage.clone();
        let staff = leader.id;
        async move {
            let token = NewToken::generate().expect("token");
            let record = storage
                .api_tokens
                .create_token(
                    token.hash(),
                    &signaal_storage::api_tokens::NewApiToken {
                        staff,
                        name: "PostgreSQL".into(),
                        scopes,
                        expires_at: now + chrono::Duration::hours(hours),
                    },
                    now,
                )
                .await
                .expect("create");
            (token.shown().to_owned(), record)
        }
    };
    let (token, record) = made(Scopes::new([ApiScope::StaffRead]), 24).await;
    let (short, _) = made(Scopes::new([ApiScope::AuditRead]), 1).await;
    let server = serve::start(storage.clone(), &master, clock.clone(), &settings())
        .await
        .expect("start");
    let base = format!("http://{}", server.addr);
    let client = reqwest::Client::new();
    let get = |path: String, token: String| {
        client
            .get(format!("{base}{path}"))
            .header("authorization", format!("Bearer {token}"))
            .send()
    };
    let me = get("/api/v1/staff/me".into(), token.clone())
        .await
        .expect("me");
    assert_eq!(me.status(), 200);
    let me: serde_json::Value = me.json().await.expect("json");
    assert_eq!(me["email"], LEADER);
    assert_eq!(
        get(staff_path("staff"), token.clone())
            .await
            .expect("staff")
            .status(),
        200
    );
    assert_eq!(
        get(staff_path("audit"), short.clone())
            .await
            .expect("audit")
            .status(),
        200
    );
    // The day of use is noted.
    let used = storage
        .api_tokens
        .tokens_of(leader.id)
        .await
        .expect("list")
        .into_iter()
        .find(|t| t.id == record.id)
        .expect("token");
    assert_eq!(used.last_used_on, Some(now.date_naive()));
    // Another school: not found, recorded there.
    let directory =
        signaal_domain::policy::authorize_directory(&signaal_domain::policy::Actor::Operator)
            .expect("grant");
    let board = storage
        .directory
        .create_board(&directory, "Stichting Elders", false, now)
        .await
        .expect("board");
    let other = storage
        .directory
        .create_school(
            &directory,
            &signaal_domain::school::NewSchool {
                board_id: board.id,
                slug: signaal_domain::school::SchoolSlug::parse("de-zandloper").expect("slug"),
                name: "De Zandloper".into(),
                is_demo: false,
            },
            now,
        )
        .await
        .expect("school");
    assert_eq!(
        get(
            format!("/api/v1/staff/schools/{}/staff", other.id),
            token.clone()
        )
        .await
        .expect("other")
        .status(),
        404
    );
    let verify = signaal_domain::policy::authorize::<signaal_domain::policy::VerifyAudit>(
        &signaal_domain::policy::Actor::Operator,
        other.id,
        now,
    )
    .expect("grant");
    let chain = storage.audit.chain(&verify).await.expect("chain");
    assert_eq!(
        chain
            .iter()
            .skip(1) // the school's creation
            .map(|e| (e.action.as_str(), e.outcome.as_str()))
            .collect::<Vec<_>>(),
        [("denied.manage_staff", "denied")]
    );
    // Expiry by the clock, and revocation.
    clock.advance(3600);
    assert_eq!(
        get(staff_path("audit"), short)
            .await
            .expect("expired")
            .status(),
        401
    );
    assert!(
        storage
            .api_tokens
            .revoke_token(leader.id, record.id, clock.now())
            .await
            .expect("revoke")
    );
    assert_eq!(
        get("/api/v1/staff/me".into(), token)
            .await
            .expect("revoked")
            .status(),
        401
    );
    server.stop(Duration::from_secs(5)).await;
}

// ---- E-mail (issue 4: content-free notifications, one-time links by mail) ----

#[path = "app/access.rs"]
mod access;
#[path = "app/backup.rs"]
mod backup;
#[path = "app/cases.rs"]
mod cases;
#[path = "app/hardening.rs"]
mod hardening;
#[path = "app/mail.rs"]
mod mail;
#[path = "app/overview.rs"]
mod overview;
#[path = "app/retention.rs"]
mod retention;

#[path = "app/intake.rs"]
mod intake;
#[path = "app/privacy.rs"]
mod privacy;
#[path = "app/rights.rs"]
mod rights;
#[path = "app/setup.rs"]
mod setup;

#[tokio::test]
async fn intake_shows_new_reports_with_sensitive_details_marked_and_names_suggested() {
    use signaal_domain::report::{FormChoices, NameDraft, ReportDraft};
    let app = TestApp::start().await;
    let storage = app.store.clone().into_storage();
    let school = app.demo.school.id;
    // A pupil of the demo roster, named with a slip of the pen.
    let leader = signaal_domain::policy::Actor::Staff(signaal_domain::policy::StaffActor {
        id: signaal_domain::StaffId::new(),
        is_provider_admin: false,
        memberships: vec![signaal_domain::policy::Membership::new(
            school,
            signaal_domain::staff::Role::Leadership,
        )],
    });
    let read = signaal_domain::policy::authorize(&leader, school, Utc::now()).expect("grant");
    let pupil = storage
        .rosters
        .pupils(&read, Utc::now())
        .await
        .expect("pupils")
        .into_iter()
        .find(|p| p.left_on.is_none())
        .expect("a pupil");
    let draft = ReportDraft {
        reporter: "pupil_self".into(),
        categories: vec!["verbal".into()],
        place: "classroom".into(),
        frequency: "once".into(),
        did_it: vec![NameDraft {
            name: format!(
                "{} {}",
                pupil.name.given_name,
                pupil.name.family_name.to_uppercase()
            ),
            group: String::new(),
        }],
        description: "Hij zegt dat ik ADHD heb. Bel me op 06-12345678.".into(),
        ..Default::default()
    }
    .validate(&FormChoices::default(), app.clock.now().date_naive())
    .expect("valid");
    let submitted = storage
        .reports
        .submit(school, &draft, [42; 32], app.clock.now())
        .await
        .expect("submit");

    let coordinator = app.sign_in_ready(COORDINATOR).await;
    let queue = app
        .with_cookie(reqwest::Method::GET, "/app/intake", &coordinator, &[])
        .await;
    assert_eq!(queue.status(), 200);
    let queue = queue.text().await.expect("page");
    assert!(queue.contains(&format!("/app/intake/{}", submitted.id)));
    assert!(queue.contains("gevoelige gegevens: 2") && queue.contains("namen te koppelen: 1"));
    let path = format!("/app/intake/{}", submitted.id);
    let page = app
        .with_cookie(reqwest::Method::GET, &path, &coordinator, &[])
        .await;
    assert_eq!(page.status(), 200);
    let page = page.text().await.expect("page");
    assert!(
        page.contains("<mark>ADHD<span class=\"visually-hidden\"> (gezondheid)</span></mark>"),
        "{page}"
    );
    assert!(page.contains(
        "<mark>06-12345678<span class=\"visually-hidden\"> (telefoonnummer)</span></mark>"
    ));
    assert!(
        page.contains(&format!("Misschien: {}", pupil.name.full())),
        "{page}"
    );

    // Roles without intake, made-up and malformed ids: not found.
    for email in [
        "leerkracht@de-vuurtoren.demo",
        "bestuur@de-vuurtoren.demo",
        "fg@de-vuurtoren.demo",
    ] {
        let session = app.sign_in_ready(email).await;
        for route in ["/app/intake", path.as_str()] {
            assert_eq!(
                app.with_cookie(reqwest::Method::GET, route, &session, &[])
                    .await
                    .status(),
                404,
                "{email} on {route}"
            );
        }
    }
    for other in [
        format!("/app/intake/{}", uuid::Uuid::new_v4()),
        "/app/intake/melding".to_owned(),
    ] {
        assert_eq!(
            app.with_cookie(reqwest::Method::GET, &other, &coordinator, &[])
                .await
                .status(),
            404
        );
    }
    // Each look is in the school's log, by id and count only.
    let chain = app.chain_of(school).await;
    let looks: Vec<&(String, String, String)> = chain
        .iter()
        // The demo's own intake (links, approvals) is in the chain too; these are the looks.
        .filter(|(action, _, _)| action == "report.list" || action == "report.view")
        .collect();
    // The queue; the report; the other new reports it may be merged into.
    assert_eq!(looks.len(), 3);
    assert!(looks[0].2.starts_with("ok reports=") && looks[1].0 == "report.view");
    assert_eq!(looks[2].0, "report.list");
    assert!(!chain.iter().any(|(_, _, outcome)| outcome.contains("ADHD")));
}
