//! Running it safely: TLS (a real handshake, reloading on SIGHUP and on change, bad files refused),
//! HSTS, the whole header set on every route (signed in, and on errors), slow clients cut off, and a
//! flood on one route group that does not starve the others.

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::*;

// ---- certificates made for the test ----

/// A test CA that signs server certificates for `localhost`.
struct TestCa {
    issuer: Issuer<'static, KeyPair>,
    cert: CertificateDer<'static>,
}

/// A server certificate and key as PEM, and the certificate's DER to recognise it in a handshake.
struct Pair {
    cert_pem: String,
    key_pem: String,
    der: Vec<u8>,
}

impl TestCa {
    fn new() -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "Signaal test CA");
        let key = KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("ca");
        Self {
            cert: cert.der().clone(),
            issuer: Issuer::new(params, key),
        }
    }

    fn pair(&self, name: &str) -> Pair {
        let key = KeyPair::generate().expect("key");
        let mut params = CertificateParams::new(vec!["localhost".to_owned()]).expect("params");
        params.distinguished_name.push(DnType::CommonName, name);
        let cert = params.signed_by(&key, &self.issuer).expect("signed");
        Pair {
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            der: cert.der().to_vec(),
        }
    }
}

fn write_pair(dir: &Path, pair: &Pair) -> (PathBuf, PathBuf) {
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    // Written next to the files and renamed, as certbot and friends do, so a look never sees half.
    std::fs::write(dir.join("cert.tmp"), &pair.cert_pem).expect("write");
    std::fs::write(dir.join("key.tmp"), &pair.key_pem).expect("write");
    std::fs::rename(dir.join("cert.tmp"), &cert).expect("rename");
    std::fs::rename(dir.join("key.tmp"), &key).expect("rename");
    (cert, key)
}

/// A TLS handshake for `localhost` trusting only the test CA, then `GET path`; returns the
/// certificate the server presented and the raw response.
async fn tls_get(addr: SocketAddr, ca: &TestCa, path: &str) -> (Vec<u8>, String) {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(ca.cert.clone()).expect("root");
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = TcpStream::connect(addr).await.expect("connect");
    let name = ServerName::try_from("localhost").expect("name");
    let mut stream = connector.connect(name, tcp).await.expect("handshake");
    let presented = stream.get_ref().1.peer_certificates().expect("certificate")[0].to_vec();
    stream
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .expect("write");
    let mut response = Vec::new();
    // The answer is what matters; how the peer closes is not.
    let _ = stream.read_to_end(&mut response).await;
    (presented, String::from_utf8_lossy(&response).into_owned())
}

/// Waits until the server presents `expected` (it reloads in the background).
async fn until_presented(addr: SocketAddr, ca: &TestCa, expected: &Pair, within: Duration) {
    let started = Instant::now();
    loop {
        let (presented, _) = tls_get(addr, ca, "/healthz").await;
        if presented == expected.der {
            return;
        }
        assert!(
            started.elapsed() < within,
            "the new certificate was not served within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `signaal serve` as a process, killed when dropped; its standard error is collected.
struct Process {
    child: Child,
    addr: SocketAddr,
    stderr: Arc<Mutex<String>>,
}

impl Process {
    fn start(data: &Path, env: &[(&str, &str)]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_signaal"))
            .arg("serve")
            .env("SIGNAAL_DATA_DIR", data)
            .env("SIGNAAL_LISTEN", "127.0.0.1:0")
            .env("SIGNAAL_LOG_LEVEL", "info")
            .env_remove("SIGNAAL_DATABASE_URL")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the binary runs");
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut pipe = child.stderr.take().expect("stderr");
        let collected = stderr.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = pipe.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                collected
                    .lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buffer[..n]));
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut line = String::new();
        stdout.read_line(&mut line).expect("a line");
        let addr = line
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or_else(|| panic!("no address in {line:?}; stderr: {}", stderr.lock().unwrap()))
            .parse()
            .expect("address");
        Self {
            child,
            addr,
            stderr,
        }
    }

    fn signal(&self, name: &str) {
        let sent = Command::new("kill")
            .args([format!("-{name}"), self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(sent.success());
    }

    async fn until_logged(&self, needle: &str, within: Duration) {
        let started = Instant::now();
        while !self.stderr.lock().unwrap().contains(needle) {
            assert!(
                started.elapsed() < within,
                "{needle:?} not logged: {}",
                self.stderr.lock().unwrap()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn tls_is_served_and_reloaded_on_sighup_and_a_bad_new_pair_is_refused() {
    let dir = tempfile::tempdir().expect("dir");
    let ca = TestCa::new();
    let first = ca.pair("first");
    let (cert, key) = write_pair(dir.path(), &first);
    let server = Process::start(
        &dir.path().join("data"),
        &[
            ("SIGNAAL_TLS_CERT", cert.to_str().expect("utf-8")),
            ("SIGNAAL_TLS_KEY", key.to_str().expect("utf-8")),
            // Only the signal may reload in this test.
            ("SIGNAAL_TLS_RELOAD_CHECK_SECONDS", "3600"),
        ],
    );
    let (presented, response) = tls_get(server.addr, &ca, "/healthz").await;
    assert_eq!(presented, first.der, "the configured certificate is served");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response
            .to_lowercase()
            .contains("strict-transport-security: max-age=31536000; includesubdomains"),
        "{response}"
    );
    // Plain HTTP on the TLS port gets no page.
    let mut plain = TcpStream::connect(server.addr).await.expect("connect");
    plain
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("write");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut answer)).await;
    assert!(
        !String::from_utf8_lossy(&answer).contains("HTTP/1.1 200"),
        "plain HTTP was answered on the TLS port"
    );

    // Renewed files are served after SIGHUP.
    let second = ca.pair("second");
    write_pair(dir.path(), &second);
    server.signal("HUP");
    until_presented(server.addr, &ca, &second, Duration::from_secs(10)).await;
    server
        .until_logged("TLS certificate and key reloaded", Duration::from_secs(5))
        .await;

    // A key that does not belong to the certificate is refused; the pair in use stays.
    let third = ca.pair("third");
    let mismatched = Pair {
        cert_pem: third.cert_pem.clone(),
        key_pem: first.key_pem.clone(),
        der: third.der.clone(),
    };
    write_pair(dir.path(), &mismatched);
    server.signal("HUP");
    server
        .until_logged(
            "the new TLS certificate or key was refused; the previous one stays in use",
            Duration::from_secs(10),
        )
        .await;
    assert!(
        server
            .stderr
            .lock()
            .unwrap()
            .contains("does not belong to the certificate"),
        "the log says why"
    );
    let (presented, response) = tls_get(server.addr, &ca, "/healthz").await;
    assert_eq!(presented, second.der, "the previous pair is still in use");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    let log = server.stderr.lock().unwrap().clone();
    for pair in [&first, &second, &third] {
        let key_line = pair.key_pem.lines().nth(1).expect("a line of the key");
        assert!(!log.contains(key_line), "no key material in the log");
    }
}

#[tokio::test]
async fn without_tls_a_sighup_is_logged_and_the_server_goes_on() {
    let dir = tempfile::tempdir().expect("dir");
    let server = Process::start(&dir.path().join("data"), &[]);
    server.signal("HUP");
    server
        .until_logged(
            "SIGHUP: nothing to reload (TLS is off)",
            Duration::from_secs(10),
        )
        .await;
    let response = reqwest::get(format!("http://{}/healthz", server.addr))
        .await
        .expect("still serving");
    assert_eq!(response.status(), 200);
    assert!(!response.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn changed_tls_files_are_picked_up_without_a_signal() {
    let dir = tempfile::tempdir().expect("dir");
    let ca = TestCa::new();
    let first = ca.pair("first");
    let (cert, key) = write_pair(dir.path(), &first);
    let app = TestApp::start_with(SettingFlags {
        tls_cert: Some(cert.display().to_string()),
        tls_key: Some(key.display().to_string()),
        tls_reload_check_seconds: Some("1".into()),
        ..SettingFlags::default()
    })
    .await;
    assert!(app.server.tls);
    let (presented, response) = tls_get(app.server.addr, &ca, "/s/de-vuurtoren").await;
    assert_eq!(presented, first.der);
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(
        response.contains("strict-transport-security: max-age=31536000; includeSubDomains"),
        "{response}"
    );
    // Garbage first: refused, the first pair stays.
    std::fs::write(&cert, "not a certificate").expect("write");
    tokio::time::sleep(Duration::from_millis(2500)).await;
    let (presented, _) = tls_get(app.server.addr, &ca, "/healthz").await;
    assert_eq!(
        presented, first.der,
        "a broken file does not take the site down"
    );
    // Then a good renewal: served within a few looks.
    let second = ca.pair("second");
    write_pair(dir.path(), &second);
    until_presented(app.server.addr, &ca, &second, Duration::from_secs(10)).await;
}

#[test]
fn bad_tls_settings_and_files_stop_the_start_with_a_clear_message() {
    let cli = Cli::new();
    let ca = TestCa::new();
    let pair = ca.pair("good");
    let other = ca.pair("other");
    let cert = cli.file("cert.pem", pair.cert_pem.as_bytes());
    let key = cli.file("key.pem", pair.key_pem.as_bytes());
    let other_key = cli.file("other-key.pem", other.key_pem.as_bytes());
    let garbage = cli.file("garbage.pem", b"hello\n");
    let listen = ["--listen", "127.0.0.1:0"];

    let only_cert = cli.fails(&[&["serve", "--tls-cert", &cert][..], &listen].concat());
    assert!(
        only_cert
            .contains("setting `tls_key` (--tls-key, SIGNAAL_TLS_KEY): is needed with tls_cert"),
        "{only_cert}"
    );
    let only_key = cli.fails(&["config", "check", "--tls-key", &key]);
    assert!(
        only_key.contains("setting `tls_cert`") && only_key.contains("is needed with tls_key"),
        "{only_key}"
    );
    let missing = cli.fails(
        &[
            &[
                "serve",
                "--tls-cert",
                "/nonexistent/cert.pem",
                "--tls-key",
                &key,
            ][..],
            &listen,
        ]
        .concat(),
    );
    assert!(
        missing.contains("cannot read the TLS certificate file /nonexistent/cert.pem"),
        "{missing}"
    );
    let not_pem = cli.fails(
        &[
            &["serve", "--tls-cert", &garbage, "--tls-key", &key][..],
            &listen,
        ]
        .concat(),
    );
    assert!(
        not_pem.contains(&format!(
            "the TLS certificate file {garbage} holds no certificate"
        )),
        "{not_pem}"
    );
    let no_key = cli.fails(
        &[
            &["serve", "--tls-cert", &cert, "--tls-key", &garbage][..],
            &listen,
        ]
        .concat(),
    );
    assert!(
        no_key.contains(&format!(
            "the TLS key file {garbage} holds no usable private key"
        )),
        "{no_key}"
    );
    let mismatch = cli.fails(&[
        "config",
        "check",
        "--tls-cert",
        &cert,
        "--tls-key",
        &other_key,
    ]);
    assert!(
        mismatch.contains(&format!(
            "the TLS key {other_key} does not belong to the certificate {cert}"
        )),
        "{mismatch}"
    );
    let key_line = pair.key_pem.lines().nth(1).expect("a line of the key");
    let other_line = other.key_pem.lines().nth(1).expect("a line of the key");
    for text in [&only_cert, &missing, &not_pem, &no_key, &mismatch] {
        assert!(
            !text.contains(key_line) && !text.contains(other_line),
            "no key material in messages: {text}"
        );
        assert!(!text.contains("panicked"), "{text}");
    }
    let ok = cli.ok(&["config", "check", "--tls-cert", &cert, "--tls-key", &key]);
    assert!(ok.contains("tls: on, certificate"), "{ok}");
    assert!(cli.ok(&["config", "check"]).contains("tls: off"));
}

// ---- HSTS and the header set ----

/// An app with the given flags and no trusted proxy (TestApp always sets one).
async fn start_without_proxy() -> TestApp {
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
    let flags = SettingFlags {
        listen: Some("127.0.0.1:0".into()),
        ..SettingFlags::default()
    };
    let settings = Settings::resolve(&flags, &toml::Table::new()).expect("valid");
    let server = serve::start(storage, &master, clock.clone(), &settings)
        .await
        .expect("start");
    TestApp {
        server,
        client: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client"),
        store,
        clock,
        demo,
        _dir: dir,
    }
}

#[tokio::test]
async fn hsts_only_when_the_request_came_over_https() {
    let behind_proxy = TestApp::start().await;
    let hsts = |response: &reqwest::Response| {
        response
            .headers()
            .get("strict-transport-security")
            .map(|v| v.to_str().expect("ascii").to_owned())
    };
    let proxied = |app: &TestApp, proto: Option<&str>| {
        let mut request = app.client.get(app.url("/s/de-vuurtoren"));
        if let Some(proto) = proto {
            request = request.header("x-forwarded-proto", proto);
        }
        request.send()
    };
    let https = proxied(&behind_proxy, Some("https"))
        .await
        .expect("response");
    assert_eq!(
        hsts(&https).as_deref(),
        Some("max-age=31536000; includeSubDomains"),
        "the trusted proxy says https"
    );
    for proto in [None, Some("http"), Some("https, http")] {
        let response = proxied(&behind_proxy, proto).await.expect("response");
        assert_eq!(hsts(&response), None, "{proto:?}");
    }
    // Without a trusted proxy the header is anyone's to send, so it is not believed.
    let direct = start_without_proxy().await;
    let response = proxied(&direct, Some("https")).await.expect("response");
    assert_eq!(hsts(&response), None);
}

/// The headers every response must carry; `cache` is the expected Cache-Control.
fn assert_header_set(what: &str, response: &reqwest::Response, framed_by_school: bool) {
    let headers = response.headers();
    let csp = headers
        .get("content-security-policy")
        .unwrap_or_else(|| panic!("{what}: no CSP"))
        .to_str()
        .expect("ascii");
    for directive in [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(directive), "{what}: {csp}");
    }
    assert!(!csp.contains("unsafe"), "{what}: {csp}");
    let (ancestors, frame_options) = if framed_by_school {
        ("frame-ancestors 'self'", "SAMEORIGIN")
    } else {
        ("frame-ancestors 'none'", "DENY")
    };
    assert!(csp.contains(ancestors), "{what}: {csp}");
    let expected = [
        ("x-content-type-options", "nosniff"),
        ("referrer-policy", "no-referrer"),
        ("x-frame-options", frame_options),
        ("cross-origin-opener-policy", "same-origin"),
        ("cross-origin-resource-policy", "same-origin"),
        (
            "permissions-policy",
            "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        ),
    ];
    for (name, value) in expected {
        assert_eq!(
            headers.get(name).map(|v| v.to_str().expect("ascii")),
            Some(value),
            "{what}: {name}"
        );
    }
    assert!(headers.contains_key("x-request-id"), "{what}");
    assert!(
        !headers.contains_key("strict-transport-security"),
        "{what}: HSTS over plain HTTP without the proxy saying https"
    );
    assert!(
        !headers.contains_key("server"),
        "{what}: names its software"
    );
}

fn assert_no_store(what: &str, response: &reqwest::Response) {
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .map(|v| v.to_str().expect("ascii")),
        Some("no-store"),
        "{what}"
    );
}

#[tokio::test]
async fn every_route_signed_in_or_not_and_every_error_sends_the_whole_header_set() {
    let app = TestApp::start().await;
    let public = [
        "/",
        "/healthz",
        "/readyz",
        "/s/de-vuurtoren",
        "/s/de-vuurtoren/en",
        "/s/de-vuurtoren/volgen",
        "/s/de-vuurtoren/volgen/bericht",
        "/s/de-vuurtoren/poster",
        "/api/v1/openapi.json",
        "/api/v1/schools/de-vuurtoren",
        "/api/v1/schools/de-vuurtoren/report-form",
        "/app",
        "/app/login",
        "/app/session",
    ];
    for route in public {
        let response = app.get(route, None).await;
        let framed = route == "/s/de-vuurtoren" || route == "/s/de-vuurtoren/en";
        assert_header_set(route, &response, framed);
        assert_no_store(route, &response);
    }
    for route in [
        "/static/signaal.css",
        "/static/pictograms.svg",
        "/static/signaal.js",
        "/static/staff.js",
        "/static/staff.css",
    ] {
        let response = app.get(route, None).await;
        assert_header_set(route, &response, false);
        let cache = response.headers()["cache-control"].to_str().expect("ascii");
        assert!(cache.starts_with("public"), "{route}: {cache}");
    }

    // Signed in: every staff page and staff API answer carries personal data, never cached.
    let session = app.sign_in_ready("directie@de-vuurtoren.demo").await;
    let school = app.demo.school.id.to_string();
    let staff_pages = [
        "/app".to_owned(),
        "/app/statement".to_owned(),
        "/app/audit".to_owned(),
        "/app/staff".to_owned(),
        "/app/school".to_owned(),
        "/app/intake".to_owned(),
        "/app/tokens".to_owned(),
        "/app/session".to_owned(),
        "/app/admin".to_owned(),
        format!("/app/intake/{}", uuid::Uuid::now_v7()),
        format!("/app/staff/{}", uuid::Uuid::now_v7()),
        "/api/v1/staff/me".to_owned(),
        format!("/api/v1/staff/schools/{school}/staff"),
        format!("/api/v1/staff/schools/{school}/audit"),
        format!("/api/v1/staff/schools/{school}/pupils"),
        format!("/api/v1/staff/schools/{school}/groups"),
        format!("/api/v1/staff/schools/{}/staff", uuid::Uuid::now_v7()),
    ];
    let mut statuses = Vec::new();
    for route in &staff_pages {
        let response = app
            .with_cookie(reqwest::Method::GET, route, &session, &[])
            .await;
        statuses.push((route.clone(), response.status().as_u16()));
        assert_header_set(route, &response, false);
        assert_no_store(route, &response);
    }
    assert!(
        statuses.iter().filter(|(_, s)| *s == 200).count() >= 10,
        "most staff routes answered with their page: {statuses:?}"
    );

    // The receipt follow-up with a real receipt shows a report's status and messages.
    let receipt = app.demo.sample_receipt.as_ref().expect("a demo receipt");
    let status = app
        .client
        .post(app.url("/s/de-vuurtoren/volgen"))
        .form(&[("receipt", receipt.as_str()), ("lang", "nl")])
        .send()
        .await
        .expect("response");
    assert_eq!(status.status(), 200);
    assert_header_set("receipt status", &status, false);
    assert_no_store("receipt status", &status);
    let api_status = app
        .client
        .post(app.url("/api/v1/receipt/status"))
        .json(&serde_json::json!({"school": "de-vuurtoren", "receipt": receipt.as_str()}))
        .send()
        .await
        .expect("response");
    assert_eq!(api_status.status(), 200);
    assert_header_set("receipt status (API)", &api_status, false);
    assert_no_store("receipt status (API)", &api_status);

    // Errors: not found, wrong method, too large, bad token, missing CSRF, bad receipt, bad JSON.
    let mut errors: Vec<(&str, reqwest::Response)> = Vec::new();
    errors.push(("404", app.get("/nope", None).await));
    errors.push((
        "405",
        app.client
            .delete(app.url("/healthz"))
            .send()
            .await
            .expect("response"),
    ));
    errors.push((
        "413",
        app.client
            .post(app.url("/s/de-vuurtoren"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(vec![b'x'; 1024 * 1024])
            .send()
            .await
            .expect("response"),
    ));
    errors.push((
        "401",
        app.client
            .get(app.url("/api/v1/staff/me"))
            .header("authorization", "Bearer nonsense")
            .send()
            .await
            .expect("response"),
    ));
    errors.push((
        "403 without csrf",
        app.with_cookie(
            reqwest::Method::POST,
            "/app/staff",
            &session,
            &[("action", "add")],
        )
        .await,
    ));
    errors.push((
        "unknown receipt",
        app.client
            .post(app.url("/s/de-vuurtoren/volgen"))
            .form(&[("receipt", "niet-bestaand-bonnetje")])
            .send()
            .await
            .expect("response"),
    ));
    errors.push((
        "bad json",
        app.client
            .post(app.url("/api/v1/receipt/status"))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .expect("response"),
    ));
    for (what, response) in &errors {
        // The receipt form comes back with its error message; the others are error statuses.
        assert!(
            !response.status().is_success() || *what == "unknown receipt",
            "{what}: {}",
            response.status()
        );
        assert_header_set(what, response, false);
        assert_no_store(what, response);
    }
    // And when the database is gone: a 503 with the same headers.
    app.store.close().await;
    for route in ["/readyz", "/app/staff", "/api/v1/staff/me"] {
        let response = app
            .with_cookie(reqwest::Method::GET, route, &session, &[])
            .await;
        assert_eq!(response.status(), 503, "{route}");
        assert_header_set(route, &response, false);
        assert_no_store(route, &response);
    }
}

// ---- slow clients and crowds ----

#[tokio::test]
async fn a_client_that_sends_its_request_byte_by_byte_is_cut_off() {
    let app = TestApp::start_with(SettingFlags {
        header_read_timeout_seconds: Some("2".into()),
        ..SettingFlags::default()
    })
    .await;
    let request = b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    let mut stream = TcpStream::connect(app.server.addr).await.expect("connect");
    let started = Instant::now();
    let mut cut_off = None;
    let mut buffer = [0u8; 1024];
    for byte in request {
        if stream.write_all(&[*byte]).await.is_err() {
            cut_off = Some(started.elapsed());
            break;
        }
        match tokio::time::timeout(Duration::from_millis(200), stream.read(&mut buffer)).await {
            Err(_) => {}
            Ok(Ok(0) | Err(_)) => {
                cut_off = Some(started.elapsed());
                break;
            }
            Ok(Ok(n)) => {
                let answer = String::from_utf8_lossy(&buffer[..n]).into_owned();
                assert!(!answer.contains(" 200 "), "the slow request was served");
                cut_off = Some(started.elapsed());
                break;
            }
        }
    }
    let cut_off = cut_off.expect("the slow client was never cut off");
    assert!(
        cut_off >= Duration::from_millis(1500) && cut_off < Duration::from_secs(5),
        "cut off after {cut_off:?}"
    );
    // A normal client is not affected.
    assert_eq!(app.get("/healthz", None).await.status(), 200);
}

#[tokio::test]
async fn a_flood_on_the_public_form_does_not_starve_the_staff_pages() {
    let app = TestApp::start_with(SettingFlags {
        max_concurrent_public: Some("2".into()),
        ..SettingFlags::default()
    })
    .await;
    let session = app.sign_in_ready("directie@de-vuurtoren.demo").await;
    // Two reports whose bodies never finish hold both places of the public group.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(app.server.addr).await.expect("connect");
        stream
            .write_all(
                b"POST /s/de-vuurtoren HTTP/1.1\r\nHost: localhost\r\n\
                  Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\nwhat=",
            )
            .await
            .expect("write");
        held.push(stream);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;

    let started = Instant::now();
    let refused = app.get("/s/de-vuurtoren", Some("en")).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "a full group answers, it does not hang"
    );
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "10");
    assert_no_store("busy page", &refused);
    let page = refused.text().await.expect("body");
    assert!(page.contains("It is very busy right now"), "{page}");
    assert!(page.contains("back button"), "{page}");
    let api = app
        .get("/api/v1/schools/de-vuurtoren/report-form", Some("nl"))
        .await;
    assert_eq!(api.status(), 503);
    let json: serde_json::Value = api.json().await.expect("json");
    assert_eq!(json["error"], "busy");

    // Meanwhile staff pages, the staff API and the receipt follow-up answer at once.
    for route in ["/app", "/app/staff", "/api/v1/staff/me", "/app/login"] {
        let started = Instant::now();
        let response = app
            .with_cookie(reqwest::Method::GET, route, &session, &[])
            .await;
        assert_eq!(response.status(), 200, "{route}");
        assert!(started.elapsed() < Duration::from_secs(2), "{route}");
    }
    assert_eq!(app.get("/s/de-vuurtoren/volgen", None).await.status(), 200);
    assert_eq!(app.get("/healthz", None).await.status(), 200);

    // When the flood goes, the form is back.
    drop(held);
    let started = Instant::now();
    loop {
        let status = app.get("/s/de-vuurtoren", None).await.status();
        if status == 200 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "{status}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
