//! The whole application over HTTP and the command line, on SQLite always and on PostgreSQL when
//! `SIGNAAL_TEST_POSTGRES_URL` is set. One test binary for the crate keeps link times down.

// Test helpers outside #[test] functions may fail loudly too.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use signaal::serve::{self, Server};
use signaal::settings::{SettingFlags, Settings};
use signaal_domain::SystemClock;
use signaal_storage::Storage;
use signaal_storage_sqlite::SqliteStore;

fn settings() -> Settings {
    let flags = SettingFlags {
        listen: Some("127.0.0.1:0".into()),
        ..Default::default()
    };
    Settings::resolve(&flags, &toml::Table::new()).expect("valid settings")
}

struct TestApp {
    server: Server,
    client: reqwest::Client,
    store: SqliteStore,
    _dir: tempfile::TempDir,
}

impl TestApp {
    async fn start() -> Self {
        let dir = tempfile::tempdir().expect("dir");
        let store = SqliteStore::open(&dir.path().join("signaal.db"))
            .await
            .expect("open");
        let storage = store.clone().into_storage();
        signaal::demo::seed(&storage, &SystemClock)
            .await
            .expect("demo");
        let server = serve::start(storage, Arc::new(SystemClock), &settings())
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
        "/s/nergens",
        "/api/v1/openapi.json",
        "/api/v1/schools/de-vuurtoren",
        "/api/v1/schools/x",
        "/nope",
        "/static/signaal.css",
    ];
    for route in routes {
        let response = app.get(route, None).await;
        let headers = response.headers();
        let csp = headers["content-security-policy"].to_str().expect("ascii");
        assert!(
            csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"),
            "{route}: {csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{route}");
        assert_eq!(headers["x-content-type-options"], "nosniff", "{route}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{route}");
        assert_eq!(headers["x-frame-options"], "DENY", "{route}");
        assert_eq!(
            headers["cross-origin-opener-policy"], "same-origin",
            "{route}"
        );
        assert!(headers.contains_key("x-request-id"), "{route}");
        let cache = headers["cache-control"].to_str().expect("ascii");
        if route == "/static/signaal.css" {
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
        body.contains("Meldpunt van Basisschool De Vuurtoren (demo)"),
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
        verify.contains("de-regenboog: 3 entries, the chain is intact"),
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

#[tokio::test]
async fn the_app_serves_from_postgresql_too() {
    let Ok(url) = std::env::var("SIGNAAL_TEST_POSTGRES_URL") else {
        eprintln!("skipped: SIGNAAL_TEST_POSTGRES_URL is not set");
        return;
    };
    let schema = format!("signaal_app_{}", uuid::Uuid::now_v7().simple());
    let admin = sqlx::PgPool::connect(&url).await.expect("connect");
    sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .expect("schema");
    let options = sqlx::postgres::PgConnectOptions::from_str(&url)
        .expect("url")
        .options([("search_path", schema.as_str())]);
    let storage: Storage = signaal_storage_postgres::PgStore::open_with(options, 4)
        .await
        .expect("open")
        .into_storage();
    signaal::demo::seed(&storage, &SystemClock)
        .await
        .expect("demo");
    // Seeding twice keeps one demo school.
    assert!(
        !signaal::demo::seed(&storage, &SystemClock)
            .await
            .expect("demo")
            .newly_loaded
    );
    let server = serve::start(storage, Arc::new(SystemClock), &settings())
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
    server.stop(Duration::from_secs(5)).await;
}
