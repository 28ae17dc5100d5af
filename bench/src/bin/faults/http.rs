//! What the fault tests do over HTTP: submissions at a given concurrency (each acknowledged
//! receipt kept), receipt look-ups, and a staff sign-in with password, TOTP code and statement.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::Res;
use crate::server::Signaal;

pub const SCHOOL: &str = "de-vuurtoren";
pub const COORDINATOR: &str = "coordinator@de-vuurtoren.demo";
const SESSION_COOKIE: &str = "__Host-signaal_session";

/// A client that follows no redirects and gives up on a request after `timeout`.
pub fn client(timeout: Duration) -> Res<reqwest::Client> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .map_err(|e| format!("HTTP client: {e}"))
}

/// A form token the server accepts at once (the servers run with a minimum fill time of 0).
pub async fn form_token(client: &reqwest::Client, base: &str) -> Res<String> {
    #[derive(serde::Deserialize)]
    struct Form {
        form_token: String,
    }
    let response = client
        .get(format!("{base}/api/v1/schools/{SCHOOL}/report-form"))
        .send()
        .await
        .map_err(|e| format!("report-form: {e}"))?;
    if !response.status().is_success() {
        return Err(format!("report-form answered {}", response.status()));
    }
    let form: Form = response
        .json()
        .await
        .map_err(|e| format!("report-form JSON: {e}"))?;
    Ok(form.form_token)
}

/// What one submission got.
pub enum Sent {
    /// 201 with this receipt: the report is acknowledged.
    Stored(String),
    /// Any other status.
    Status(u16),
    /// No answer: the connection failed or the request timed out.
    NoAnswer(String),
}

pub async fn submit(client: &reqwest::Client, base: &str, token: &str, i: usize) -> Sent {
    #[derive(serde::Deserialize)]
    struct Issued {
        receipt: String,
    }
    let sent = client
        .post(format!("{base}/api/v1/schools/{SCHOOL}/reports"))
        .header("content-type", "application/json")
        .body(signaal_bench::submission::json(token, i))
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(e) => return Sent::NoAnswer(e.to_string()),
    };
    let status = response.status().as_u16();
    if status != 201 {
        return Sent::Status(status);
    }
    match response.json::<Issued>().await {
        Ok(issued) => Sent::Stored(issued.receipt),
        // The answer was cut off: the reporter never saw the receipt, so it was not acknowledged.
        Err(e) => Sent::NoAnswer(e.to_string()),
    }
}

/// Whether the report behind `receipt` is there (200), or not (404); anything else is an error.
pub async fn receipt_found(client: &reqwest::Client, base: &str, receipt: &str) -> Res<bool> {
    let response = client
        .post(format!("{base}/api/v1/receipt/status"))
        .json(&serde_json::json!({ "school": SCHOOL, "receipt": receipt }))
        .send()
        .await
        .map_err(|e| format!("receipt status: {e}"))?;
    match response.status().as_u16() {
        200 => Ok(true),
        404 => Ok(false),
        other => Err(format!("receipt status answered {other}")),
    }
}

/// How many of `receipts` the server finds, looked up `concurrency` at a time.
pub async fn count_found(
    client: &reqwest::Client,
    base: &str,
    receipts: &[String],
    concurrency: usize,
) -> Res<usize> {
    let next = Arc::new(AtomicUsize::new(0));
    let receipts = Arc::new(receipts.to_vec());
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let (client, base, next, receipts) = (
            client.clone(),
            base.to_owned(),
            next.clone(),
            receipts.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut found = 0usize;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(receipt) = receipts.get(i) else {
                    return Ok::<usize, String>(found);
                };
                if receipt_found(&client, &base, receipt).await? {
                    found += 1;
                }
            }
        }));
    }
    let mut found = 0;
    for worker in workers {
        found += worker.await.map_err(|e| e.to_string())??;
    }
    Ok(found)
}

/// Receipts acknowledged so far, shared by the workers of a load.
pub type Acknowledged = Arc<Mutex<Vec<String>>>;

pub fn remember(acknowledged: &Acknowledged, receipt: String) {
    if let Ok(mut list) = acknowledged.lock() {
        list.push(receipt);
    }
}

pub fn snapshot(acknowledged: &Acknowledged) -> Vec<String> {
    acknowledged.lock().map(|l| l.clone()).unwrap_or_default()
}

fn session_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix(&format!("{SESSION_COOKIE}=")))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

pub fn cookie(session: &str) -> String {
    format!("{SESSION_COOKIE}={session}")
}

fn between<'a>(page: &'a str, start: &str, end: &str) -> Res<&'a str> {
    let from = page
        .find(start)
        .ok_or_else(|| format!("{start:?} is not in the page"))?
        + start.len();
    let len = page[from..]
        .find(end)
        .ok_or_else(|| format!("no {end:?} after {start:?}"))?;
    Ok(&page[from..from + len])
}

pub fn csrf_of(page: &str) -> Res<String> {
    between(page, "name=\"csrf\" value=\"", "\"").map(str::to_owned)
}

/// GET with the session; the status and the page.
pub async fn get_with(
    client: &reqwest::Client,
    url: &str,
    session: &str,
) -> Result<(u16, String), reqwest::Error> {
    let response = client
        .get(url)
        .header("cookie", cookie(session))
        .send()
        .await?;
    let status = response.status().as_u16();
    Ok((status, response.text().await?))
}

/// POST a form with the session; the status and the `location` header.
pub async fn post_with(
    client: &reqwest::Client,
    url: &str,
    session: &str,
    form: &[(&str, &str)],
) -> Res<(u16, String)> {
    let response = client
        .post(url)
        .header("cookie", cookie(session))
        .form(form)
        .send()
        .await
        .map_err(|e| format!("POST {url}: {e}"))?;
    let location = response
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    Ok((response.status().as_u16(), location))
}

/// Signs a demo account in on `server` (password, TOTP code, confidentiality statement) and
/// returns the session id. A TOTP code works once, so one account signs in once per 30 s.
pub async fn sign_in(client: &reqwest::Client, server: &Signaal, email: &str) -> Res<String> {
    let password = server
        .demo_password
        .as_deref()
        .ok_or("the server printed no demo password")?;
    let password = client
        .post(server.url("/app/login"))
        .form(&[("email", email), ("password", password), ("next", "/app")])
        .send()
        .await
        .map_err(|e| format!("login: {e}"))?;
    let pending = session_of(&password)
        .ok_or_else(|| format!("the password step answered {}", password.status()))?;
    let (_, page) = get_with(client, &server.url("/app/login/code"), &pending)
        .await
        .map_err(|e| format!("code page: {e}"))?;
    let csrf = csrf_of(&page)?;
    let code = server.code_now(email)?;
    let done = client
        .post(server.url("/app/login/code"))
        .header("cookie", cookie(&pending))
        .form(&[("csrf", csrf.as_str()), ("code", &code), ("next", "/app")])
        .send()
        .await
        .map_err(|e| format!("code step: {e}"))?;
    let session =
        session_of(&done).ok_or_else(|| format!("the code step answered {}", done.status()))?;
    let (_, page) = get_with(client, &server.url("/app/statement"), &session)
        .await
        .map_err(|e| format!("statement page: {e}"))?;
    let school = between(&page, "name=\"school\" value=\"", "\"")?.to_owned();
    let (status, location) = post_with(
        client,
        &server.url("/app/statement"),
        &session,
        &[
            ("csrf", &csrf_of(&page)?),
            ("school", &school),
            ("version", "1"),
            ("accept", "yes"),
        ],
    )
    .await?;
    if (status, location.as_str()) != (303, "/app") {
        return Err(format!(
            "accepting the statement answered {status} to {location:?}"
        ));
    }
    Ok(session)
}
