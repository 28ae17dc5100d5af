//! Overviews and signals over HTTP (issue 6): the dashboard, the per-pupil table and the signals on
//! the demo school, with approved linked reports made through storage's intake functions.

use super::*;

const LEADER: &str = "directie@de-vuurtoren.demo";
const TEACHER: &str = "leerkracht@de-vuurtoren.demo";

/// The number in "N goedgekeurde meldingen in deze periode."
fn total_of(page: &str) -> u64 {
    let before = page
        .split(" goedgekeurde meldingen in deze periode.")
        .next()
        .expect("total");
    before
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number")
}

#[tokio::test]
async fn the_dashboard_counts_approved_reports_and_teachers_see_their_groups_only() {
    let app = TestApp::start().await;
    let (own, other) = app.pupils_in_and_outside_5a().await;
    let leader = app.sign_in_ready(LEADER).await;
    let teacher = app.sign_in_ready(TEACHER).await;

    let (status, page) = app.follow_page(&leader, "/app/overview").await;
    assert_eq!(status, 200);
    let leader_before = total_of(&page);
    let (_, page) = app.follow_page(&teacher, "/app/overview").await;
    let teacher_before = total_of(&page);

    // The pupil of 5a did it three times to a pupil of another group; one more report is only
    // about pupils outside 5a.
    for receipt in 1..=3 {
        app.follow_approved_report(&own, &other, receipt).await;
    }
    app.follow_approved_report(&other, &other, 4).await;

    let (status, page) = app.follow_page(&leader, "/app/overview").await;
    assert_eq!(status, 200);
    assert_eq!(total_of(&page), leader_before + 4);
    assert!(page.contains("Alle groepen van de school."));
    // Charts are SVG with a title and a description, and the numbers are in tables.
    assert!(page.contains("<svg role=\"img\" aria-labelledby=\"weeks-title weeks-desc\""));
    assert!(page.contains("<title id=\"categories-title\">Wat er gebeurde</title>"));
    assert!(page.contains("<td>Buitensluiten</td>"));
    assert!(page.contains("<th scope=\"row\">Schoolplein</th>"));
    assert!(page.contains("<td>groep 5a</td>"));

    let (_, page) = app.follow_page(&teacher, "/app/overview").await;
    assert_eq!(
        total_of(&page),
        teacher_before + 3,
        "not the report outside 5a"
    );
    assert!(page.contains("Alleen uw eigen groepen"));

    // The pupil table: the leader sees both pupils, the teacher only the one of 5a.
    let (status, table) = app.follow_page(&leader, "/app/overview/pupils").await;
    assert_eq!(status, 200);
    assert!(table.contains(&own.name.full()));
    assert!(table.contains(&other.name.full()));
    let (status, table) = app
        .follow_page(
            &teacher,
            "/app/overview/pupils?sort=did_it&category=exclusion",
        )
        .await;
    assert_eq!(status, 200);
    assert!(table.contains(&own.name.full()));
    assert!(!table.contains(&other.name.full()));
    // Filtering by a group the table does not hold leaves nobody; a category nobody has, too.
    let (status, table) = app
        .follow_page(
            &leader,
            &format!(
                "/app/overview/pupils?group={}&category=online",
                own.group_id.expect("group")
            ),
        )
        .await;
    assert_eq!(status, 200);
    assert!(!table.contains(&own.name.full()));

    let chain = app.chain_of(app.demo.school.id).await;
    let actions: Vec<&str> = chain.iter().map(|(a, _, _)| a.as_str()).collect();
    assert!(actions.contains(&"overview.view"));
    assert!(actions.contains(&"pupil_table.view"));
}

#[tokio::test]
async fn bad_query_parameters_get_a_clear_answer_not_an_error() {
    let app = TestApp::start().await;
    let leader = app.sign_in_ready(LEADER).await;
    for (path, message) in [
        (
            "/app/overview?from=2026-13-01",
            "Schrijf de datum als jaar-maand-dag",
        ),
        (
            "/app/overview?from=2026-11-02&to=2026-11-01",
            "Het begin van de periode ligt na het einde",
        ),
        (
            "/app/overview?from=2020-01-01&to=2026-01-01",
            "Een periode is hoogstens twee jaar",
        ),
        ("/app/overview/pupils?group=5a", "Deze groep is onbekend"),
        (
            "/app/overview/pupils?category=%3Cscript%3E",
            "Deze soort gedrag is onbekend",
        ),
        (
            "/app/overview/pupils?sort=age",
            "Deze sortering is onbekend",
        ),
        (
            "/app/overview/pupils?from=gisteren",
            "Schrijf de datum als jaar-maand-dag",
        ),
    ] {
        let (status, page) = app.follow_page(&leader, path).await;
        assert_eq!(status, 422, "{path}");
        assert!(page.contains(message), "{path}: {message}");
        assert!(page.contains("aria-invalid=\"true\""), "{path}");
    }
    // What was typed is shown again, escaped.
    let (_, page) = app.follow_page(&leader, "/app/overview?from=%3Cb%3E").await;
    assert!(page.contains("value=\"&#60;b&#62;\"") || page.contains("value=\"&lt;b&gt;\""));
}

#[tokio::test]
async fn signals_appear_are_acknowledged_with_a_note_and_reopen_with_a_new_report() {
    let app = TestApp::start().await;
    let (own, other) = app.pupils_in_and_outside_5a().await;
    for receipt in 1..=3 {
        app.follow_approved_report(&own, &other, receipt).await;
    }
    let leader = app.sign_in_ready(LEADER).await;
    let teacher = app.sign_in_ready(TEACHER).await;

    let (status, page) = app.follow_page(&leader, "/app/signals").await;
    assert_eq!(status, 200);
    assert!(page.contains("Het systeem neemt geen besluit en doet zelf niets"));
    let own_heading = own.name.full();
    assert!(page.contains(&format!(
        "{own_heading} (groep 5a): vaak gemeld als degene die het deed (open)"
    )));
    assert!(page.contains(&other.name.full()));
    assert!(page.contains("deze leerling overkwam vaak iets"));
    assert!(page.contains("De meldingen achter dit signaal"));

    // A note is required; what was typed comes back.
    let csrf = csrf_of(&page);
    let own_id = own.id.to_string();
    let ack = |note: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("subject_kind", "pupil".to_owned()),
            ("subject_id", own_id.clone()),
            ("kind", "did_it".to_owned()),
            ("note", note.to_owned()),
        ]
    };
    let form = ack("   ");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = app
        .follow_post(&leader, "/app/signals/acknowledge", &form)
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Schrijf op wat er gedaan of afgesproken is"));

    // The teacher of 5a may not acknowledge a signal about a pupil of another group.
    let teacher_page = app.follow_page(&teacher, "/app/signals").await.1;
    assert!(!teacher_page.contains(&other.name.full()));
    let other_id = other.id.to_string();
    let teacher_csrf = csrf_of(&teacher_page);
    let (status, _, _) = app
        .follow_post(
            &teacher,
            "/app/signals/acknowledge",
            &[
                ("csrf", teacher_csrf.as_str()),
                ("subject_kind", "pupil"),
                ("subject_id", other_id.as_str()),
                ("kind", "hurt"),
                ("note", "Gezien."),
            ],
        )
        .await;
    assert_eq!(status, 404);
    // A made-up kind is not found either.
    let (status, _, _) = app
        .follow_post(
            &leader,
            "/app/signals/acknowledge",
            &[
                ("csrf", csrf.as_str()),
                ("subject_kind", "pupil"),
                ("subject_id", own_id.as_str()),
                ("kind", "rising"),
                ("note", "Gezien."),
            ],
        )
        .await;
    assert_eq!(status, 404);

    let form = ack("Gesprek met ouders gepland.");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, to, _) = app
        .follow_post(&leader, "/app/signals/acknowledge", &form)
        .await;
    assert_eq!(status, 303);
    assert_eq!(to, "/app/signals?saved=1");
    let (_, page) = app.follow_page(&leader, "/app/signals?saved=1").await;
    assert!(page.contains(&format!(
        "{own_heading} (groep 5a): vaak gemeld als degene die het deed (gezien)"
    )));
    assert!(page.contains("Gesprek met ouders gepland."));

    // A new approved report re-opens it.
    app.clock.advance(60);
    app.follow_approved_report(&own, &other, 4).await;
    let (_, page) = app.follow_page(&leader, "/app/signals").await;
    assert!(page.contains(&format!(
        "{own_heading} (groep 5a): vaak gemeld als degene die het deed (open)"
    )));
    assert!(page.contains("maar daarna kwam er een nieuwe melding"));

    let chain = app.chain_of(app.demo.school.id).await;
    let actions: Vec<&str> = chain.iter().map(|(a, _, _)| a.as_str()).collect();
    assert!(actions.contains(&"signals.view"));
    assert!(actions.contains(&"signal.acknowledge"));
    assert!(actions.contains(&"denied.read_reports"));
}

#[tokio::test]
async fn the_board_sees_suppressed_counts_without_any_pupil() {
    let app = TestApp::start().await;
    let (own, other) = app.pupils_in_and_outside_5a().await;
    for receipt in 1..=2 {
        app.follow_approved_report(&own, &other, receipt).await;
    }
    let board = app.sign_in_ready("bestuur@de-vuurtoren.demo").await;
    let (_, start) = app.follow_page(&board, "/app").await;
    assert!(start.contains("href=\"/app/board\""));
    let (status, page) = app.follow_page(&board, "/app/board").await;
    assert_eq!(status, 200);
    assert!(page.contains("Meldingen per school en soort gedrag"));
    assert!(page.contains("<td>&#60; 5</td>") || page.contains("<td>&lt; 5</td>"));
    assert!(!page.contains(&own.name.full()));
    assert!(!page.contains(&other.name.full()));
    // No shown count below 5 anywhere in the tables.
    for cell in page.split("<td>").skip(1) {
        let value = cell.split('<').next().unwrap_or("");
        if let Ok(n) = value.trim().parse::<u64>() {
            assert!(n >= 5, "a count of {n} is shown");
        }
    }
    let (status, page) = app.follow_page(&board, "/app/board?to=2026-02-30").await;
    assert_eq!(status, 422);
    assert!(page.contains("Schrijf de datum als jaar-maand-dag"));

    // Leadership and teachers have no board role: not found.
    for email in [LEADER, TEACHER] {
        let session = app.sign_in_ready(email).await;
        assert_eq!(
            app.follow_page(&session, "/app/board").await.0,
            404,
            "{email}"
        );
    }
    let chain = app.chain_of(app.demo.school.id).await;
    assert!(chain.iter().any(|(a, _, _)| a == "board.view"));
}

/// The form fields of the thresholds page with the defaults, one changed.
fn rules_form(csrf: &str, changed: &[(&'static str, &'static str)]) -> Vec<(&'static str, String)> {
    let mut form = vec![("csrf", csrf.to_owned())];
    for (field, default) in [
        ("window_days", "60"),
        ("did_it_reports", "3"),
        ("did_it_categories", "3"),
        ("done_to_reports", "3"),
        ("rise_days", "28"),
        ("rise_min", "3"),
    ] {
        let value = changed
            .iter()
            .find(|(f, _)| *f == field)
            .map_or(default, |(_, v)| *v);
        form.push((field, value.to_owned()));
    }
    form
}

#[tokio::test]
async fn a_school_with_threshold_two_gets_a_signal_the_default_would_not() {
    let app = TestApp::start().await;
    let (own, other) = app.pupils_in_and_outside_5a().await;
    for receipt in 1..=2 {
        app.follow_approved_report(&own, &other, receipt).await;
    }
    let leader = app.sign_in_ready(LEADER).await;
    let teacher = app.sign_in_ready(TEACHER).await;
    let did_it_heading = format!(
        "{} (groep 5a): vaak gemeld als degene die het deed",
        own.name.full()
    );

    // Two reports: no signal with the default of three.
    let (status, page) = app.follow_page(&leader, "/app/signals").await;
    assert_eq!(status, 200);
    assert!(!page.contains(&did_it_heading));
    assert!(page.contains("href=\"/app/signals/settings\""));
    let (_, teacher_page) = app.follow_page(&teacher, "/app/signals").await;
    assert!(!teacher_page.contains("href=\"/app/signals/settings\""));

    let (status, form_page) = app.follow_page(&leader, "/app/signals/settings").await;
    assert_eq!(status, 200);
    assert!(form_page.contains("id=\"did_it_reports\" name=\"did_it_reports\""));
    assert!(form_page.contains("value=\"3\""));
    let csrf = csrf_of(&form_page);

    // Bad values: every one named, with what was typed kept; nothing stored.
    let bad = rules_form(
        &csrf,
        &[
            ("did_it_reports", "twee"),
            ("rise_min", "0"),
            ("window_days", "400"),
            ("did_it_categories", "12"),
        ],
    );
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, page) = app
        .follow_post(&leader, "/app/signals/settings", &bad)
        .await;
    assert_eq!(status, 422);
    for message in [
        "Meldingen als degene die het deed: schrijf een heel getal, bijvoorbeeld 3.",
        "Minimum aantal meldingen voor een stijgende groep: kies een getal van 1 tot en met 365.",
        "Aantal dagen dat meetelt voor een leerling: kies een getal van 1 tot en met 365.",
        "Soorten gedrag als degene die het deed: kies een getal van 1 tot en met 9.",
    ] {
        assert!(page.contains(message), "{message}");
    }
    assert!(page.contains("href=\"#did_it_reports\""));
    assert!(page.contains("value=\"twee\""));
    assert!(page.contains("value=\"400\""));
    assert_eq!(page.matches("aria-invalid=\"true\"").count(), 4);
    let (_, page) = app.follow_page(&leader, "/app/signals").await;
    assert!(!page.contains(&did_it_heading), "nothing was stored");

    // A teacher may not see or change them: not found, and the attempt is recorded.
    assert_eq!(
        app.follow_page(&teacher, "/app/signals/settings").await.0,
        404
    );
    // (The teacher's own CSRF token, from a page that has a form for everyone.)
    let (_, tokens_page) = app.follow_page(&teacher, "/app/tokens").await;
    let teacher_form = rules_form(&csrf_of(&tokens_page), &[("did_it_reports", "1")]);
    let teacher_form: Vec<(&str, &str)> =
        teacher_form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, _) = app
        .follow_post(&teacher, "/app/signals/settings", &teacher_form)
        .await;
    assert_eq!(status, 404);

    // Threshold 2: the pupil who did it twice now has a signal.
    let good = rules_form(&csrf, &[("did_it_reports", "2")]);
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, to, _) = app
        .follow_post(&leader, "/app/signals/settings", &good)
        .await;
    assert_eq!(status, 303);
    assert_eq!(to, "/app/signals/settings?saved=1");
    let (_, saved) = app
        .follow_page(&leader, "/app/signals/settings?saved=1")
        .await;
    assert!(saved.contains("De drempels zijn opgeslagen."));
    assert!(saved.contains("value=\"2\""));
    let (_, page) = app.follow_page(&leader, "/app/signals").await;
    assert!(page.contains(&format!("{did_it_heading} (open)")), "{page}");
    assert!(page.contains("het deed in 2 of meer goedgekeurde meldingen"));
    // The one it was done to (twice) still needs three.
    assert!(
        !page
            .lines()
            .any(|l| l.contains(&other.name.full()) && l.contains("overkwam vaak iets"))
    );

    let chain = app.chain_of(app.demo.school.id).await;
    let set: Vec<&(String, String, String)> = chain
        .iter()
        .filter(|(a, _, _)| a == "signal_rules.set")
        .collect();
    assert_eq!(set.len(), 1, "only the good values were stored");
    assert!(set[0].2.contains("did_it_reports=2"));
    assert_eq!(
        chain
            .iter()
            .filter(|(a, _, _)| a == "denied.configure_school")
            .count(),
        2
    );
}

/// The cells of one CSV line (RFC 4180 quoting; no line breaks inside cells in these files).
fn csv_cells(line: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                cells.last_mut().expect("cell").push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => cells.push(String::new()),
            (c, _) => cells.last_mut().expect("cell").push(c),
        }
    }
    cells
}

#[tokio::test]
async fn leadership_downloads_the_pupil_table_as_csv_and_nobody_else_may() {
    let app = TestApp::start().await;
    let (own, other) = app.pupils_in_and_outside_5a().await;
    for receipt in 1..=3 {
        app.follow_approved_report(&own, &other, receipt).await;
    }
    let leader = app.sign_in_ready(LEADER).await;
    let (_, page) = app.follow_page(&leader, "/app/overview/pupils").await;
    assert!(page.contains("href=\"/app/overview/pupils.csv?from="));

    let response = app
        .with_cookie(
            reqwest::Method::GET,
            "/app/overview/pupils.csv?category=exclusion&sort=did_it",
            &leader,
            &[],
        )
        .await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert_eq!(header("content-type"), "text/csv; charset=utf-8");
    assert!(header("content-disposition").starts_with("attachment; filename=\"leerlingen-"));
    assert!(header("cache-control").contains("no-store"));
    let body = response.text().await.expect("csv");
    let body = body.strip_prefix('\u{feff}').expect("a byte order mark");
    let lines: Vec<&str> = body.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert!(
        lines[0].starts_with("Naam,Groep,Deed het,Overkwam het,"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("Buitensluiten: deed het,Buitensluiten: overkwam"));
    let columns = csv_cells(lines[0]).len();
    assert_eq!(columns, 4 + 2 * 9 + 3);
    for line in &lines {
        assert_eq!(csv_cells(line).len(), columns, "{line}");
    }
    // Sorted by "did it" (the demo school has reports of its own), and the pupil's counts.
    let did_it: Vec<u64> = lines[1..]
        .iter()
        .map(|l| csv_cells(l)[2].parse().expect("a count"))
        .collect();
    assert!(did_it.windows(2).all(|w| w[0] >= w[1]), "{did_it:?}");
    let own_row = lines
        .iter()
        .find(|l| l.starts_with(&own.name.full()))
        .expect("the one who did it");
    assert!(
        own_row.starts_with(&format!("{},groep 5a,3,", own.name.full())),
        "{own_row}"
    );
    let other_row = lines
        .iter()
        .find(|l| l.starts_with(&other.name.full()))
        .expect("the one it was done to");
    assert_eq!(csv_cells(other_row)[3], "3", "{other_row}");
    // The group filter holds: the other pupil's group only.
    let other_group = other.group_id.expect("group");
    let (status, filtered) = app
        .follow_page(
            &leader,
            &format!("/app/overview/pupils.csv?group={other_group}"),
        )
        .await;
    assert_eq!(status, 200);
    assert!(!filtered.contains(&own.name.full()));
    assert!(filtered.contains(&other.name.full()));
    // A bad filter gets the page with the message, not a file.
    let (status, refused) = app
        .follow_page(&leader, "/app/overview/pupils.csv?sort=age")
        .await;
    assert_eq!(status, 422);
    assert!(refused.contains("Deze sortering is onbekend"));

    // Teachers, coordinators and the board may not: not found, recorded.
    let teacher = app.sign_in_ready(TEACHER).await;
    let (_, page) = app.follow_page(&teacher, "/app/overview/pupils").await;
    assert!(!page.contains("pupils.csv"));
    let others = [
        teacher,
        app.sign_in_ready("coordinator@de-vuurtoren.demo").await,
        app.sign_in_ready("bestuur@de-vuurtoren.demo").await,
    ];
    for session in &others {
        let (status, body) = app.follow_page(session, "/app/overview/pupils.csv").await;
        assert_eq!(status, 404);
        assert!(!body.contains(&own.name.full()));
    }

    let chain = app.chain_of(app.demo.school.id).await;
    let exports: Vec<&(String, String, String)> = chain
        .iter()
        .filter(|(a, _, _)| a == "pupil_table.export")
        .collect();
    assert_eq!(exports.len(), 2, "two files were made");
    for (_, _, outcome) in &exports {
        assert!(outcome.contains("pupils="), "{outcome}");
        assert!(!outcome.contains(&own.name.given_name), "{outcome}");
    }
    assert_eq!(
        chain
            .iter()
            .filter(|(a, _, _)| a == "denied.export_reports")
            .count(),
        3
    );
}

#[tokio::test]
async fn the_overview_api_follows_the_pages_policy_scopes_and_audit() {
    let app = TestApp::start().await;
    let (own, other) = app.pupils_in_and_outside_5a().await;
    for receipt in 1..=3 {
        app.follow_approved_report(&own, &other, receipt).await;
    }
    let elsewhere = app.school_of_another_board().await;
    let leader = app.sign_in_ready(LEADER).await;
    let read = app
        .make_token(&leader, "Lezen", &["staff:read"], "30")
        .await;
    let write = app
        .make_token(&leader, "Schrijven", &["staff:read", "staff:write"], "30")
        .await;
    let roster = app
        .make_token(&leader, "Rooster", &["roster:read"], "30")
        .await;
    let api = |what: &str| format!("/api/v1/staff/schools/de-vuurtoren/{what}");

    // The dashboard: staff:read is needed; a token without it gets 403 with the scope named.
    let (status, body) = app.bearer_json(&api("overview"), &roster).await;
    assert_eq!(status, 403);
    assert_eq!(body["error"], "insufficient_scope");
    let (status, body) = app.bearer_json(&api("overview"), &read).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "school");
    let total = body["total"].as_u64().expect("total");
    assert!(total >= 3);
    let weekly: u64 = body["per_week"]
        .as_array()
        .expect("weeks")
        .iter()
        .map(|w| w["reports"].as_u64().expect("n"))
        .sum();
    assert_eq!(weekly, total, "the weeks add up to the total");
    let (status, body) = app
        .bearer_json(&api("overview?from=2026-02-30"), &read)
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["problems"][0]["field"], "from");

    // The pupil table with the page's filters and order.
    let (status, body) = app
        .bearer_json(
            &api("overview/pupils?sort=did_it&category=exclusion"),
            &read,
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let pupils = body["pupils"].as_array().expect("pupils");
    let row = pupils
        .iter()
        .find(|p| p["pupil"] == own.id.to_string())
        .expect("the one who did it");
    assert_eq!(row["did_it"], 3);
    assert_eq!(row["categories"][0]["category"], "exclusion");
    let did_it: Vec<u64> = pupils
        .iter()
        .map(|p| p["did_it"].as_u64().expect("n"))
        .collect();
    assert!(did_it.windows(2).all(|w| w[0] >= w[1]));
    let (status, body) = app
        .bearer_json(&api("overview/pupils?sort=age&group=5a"), &read)
        .await;
    assert_eq!(status, 422);
    let fields: Vec<&str> = body["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .map(|p| p["field"].as_str().expect("field"))
        .collect();
    assert_eq!(fields, ["group", "sort"]);

    // Signals, and acknowledging one: staff:write.
    let (status, body) = app.bearer_json(&api("signals"), &read).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["advice_only"], true);
    assert_eq!(body["rules"]["did_it_reports"], 3);
    let signal = body["signals"]
        .as_array()
        .expect("signals")
        .iter()
        .find(|s| s["subject"] == own.id.to_string() && s["kind"] == "did_it")
        .expect("a did-it signal")
        .clone();
    assert_eq!(signal["state"], "open");
    assert_eq!(signal["reports"].as_array().expect("reports").len(), 3);
    let ack = api(&format!("signals/did_it/{}/acknowledge", own.id));
    let post = |token: String, note: &'static str| {
        let ack = ack.clone();
        let app = &app;
        async move {
            app.bearer(
                reqwest::Method::POST,
                &ack,
                &token,
                Some(serde_json::json!({ "note": note })),
            )
            .await
        }
    };
    assert_eq!(post(read.clone(), "Gezien.").await.status(), 403);
    let empty = post(write.clone(), "  ").await;
    assert_eq!(empty.status(), 422);
    let empty: serde_json::Value = empty.json().await.expect("json");
    assert_eq!(empty["problems"][0]["field"], "note");
    // A kind that does not fit the subject, and a made-up kind: not found.
    for path in [
        api(&format!("signals/rising/{}/acknowledge", own.id)),
        api(&format!("signals/often/{}/acknowledge", own.id)),
    ] {
        let response = app
            .bearer(
                reqwest::Method::POST,
                &path,
                &write,
                Some(serde_json::json!({ "note": "x" })),
            )
            .await;
        assert_eq!(response.status(), 404, "{path}");
    }
    assert_eq!(post(write.clone(), "Gesprek gepland.").await.status(), 200);
    let (_, body) = app.bearer_json(&api("signals"), &read).await;
    let signal = body["signals"]
        .as_array()
        .expect("signals")
        .iter()
        .find(|s| s["subject"] == own.id.to_string() && s["kind"] == "did_it")
        .expect("still there")
        .clone();
    assert_eq!(signal["state"], "acknowledged");
    assert_eq!(signal["acknowledgement"]["note"], "Gesprek gepland.");

    // Another school: 404 like a school that does not exist, and the attempt is in its log.
    let (status, _) = app
        .bearer_json("/api/v1/staff/schools/de-zandloper/overview", &read)
        .await;
    assert_eq!(status, 404);
    let (status, _) = app
        .bearer_json("/api/v1/staff/schools/de-zandloper/signals", &read)
        .await;
    assert_eq!(status, 404);
    let theirs = app.chain_of(elsewhere.id).await;
    assert_eq!(
        theirs
            .iter()
            .filter(|(a, _, _)| a == "denied.read_reports")
            .count(),
        2
    );
    assert!(!theirs.iter().any(|(a, _, _)| a == "overview.view"));

    // A teacher's token: their own groups only, whatever the scopes.
    let teacher = app.sign_in_ready(TEACHER).await;
    let teacher_token = app
        .make_token(&teacher, "Klas", &["staff:read", "staff:write"], "30")
        .await;
    let (status, body) = app
        .bearer_json(&api("overview/pupils"), &teacher_token)
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["scope"], "own_groups");
    let ids: Vec<&str> = body["pupils"]
        .as_array()
        .expect("pupils")
        .iter()
        .map(|p| p["pupil"].as_str().expect("id"))
        .collect();
    assert!(ids.contains(&own.id.to_string().as_str()));
    assert!(!ids.contains(&other.id.to_string().as_str()));
    let (_, body) = app.bearer_json(&api("signals"), &teacher_token).await;
    assert!(
        !body["signals"]
            .as_array()
            .expect("signals")
            .iter()
            .any(|s| s["subject"] == other.id.to_string())
    );
    let response = app
        .bearer(
            reqwest::Method::POST,
            &api(&format!("signals/hurt/{}/acknowledge", other.id)),
            &teacher_token,
            Some(serde_json::json!({ "note": "Gezien." })),
        )
        .await;
    assert_eq!(response.status(), 404);

    // The board's aggregates: the board role only, no count under 5.
    let (status, _) = app.bearer_json("/api/v1/staff/board", &read).await;
    assert_eq!(status, 404);
    let board = app.sign_in_ready("bestuur@de-vuurtoren.demo").await;
    let board_token = app
        .make_token(&board, "Cijfers", &["staff:read"], "30")
        .await;
    let (status, body) = app.bearer_json("/api/v1/staff/board", &board_token).await;
    assert_eq!(status, 200, "{body}");
    assert!(!body.to_string().contains(&own.name.family_name));
    let tables = body["tables"].as_array().expect("tables");
    assert_eq!(tables.len(), 2);
    let mut small = 0;
    for table in tables {
        let mut entries: Vec<&serde_json::Value> = table["cells"]
            .as_array()
            .expect("cells")
            .iter()
            .flat_map(|row| row.as_array().expect("row").iter())
            .collect();
        entries.extend(table["row_totals"].as_array().expect("totals"));
        entries.extend(table["column_totals"].as_array().expect("totals"));
        entries.push(&table["total"]);
        for entry in entries {
            match entry["shown"].as_str() {
                Some("count") => assert!(entry["count"].as_u64().expect("n") >= 5),
                Some("small") => small += 1,
                Some("hidden") => assert!(entry["count"].is_null()),
                other => panic!("{other:?}"),
            }
        }
    }
    assert!(small > 0, "the demo's small cells are marked small");

    let chain = app.chain_of(app.demo.school.id).await;
    let actions: Vec<&str> = chain.iter().map(|(a, _, _)| a.as_str()).collect();
    for wanted in [
        "overview.view",
        "pupil_table.view",
        "signals.view",
        "signal.acknowledge",
        "board.view",
        "denied.read_reports",
    ] {
        assert!(actions.contains(&wanted), "{wanted}");
    }
}

/// Whether one hidden entry of a suppressed table in the research file can be worked out: a row
/// (or column, totals row and totals column included) whose total is shown with exactly one entry
/// not shown gives that entry away by subtraction.
fn recoverable(entries: &std::collections::HashMap<(String, String), String>) -> Vec<String> {
    let shown = |v: &str| v.parse::<u64>().is_ok();
    let mut rows: Vec<&String> = entries.keys().map(|(r, _)| r).collect();
    rows.sort();
    rows.dedup();
    let mut columns: Vec<&String> = entries.keys().map(|(_, c)| c).collect();
    columns.sort();
    columns.dedup();
    let mut found = Vec::new();
    for row in &rows {
        let Some(total) = entries.get(&((*row).clone(), "total".to_owned())) else {
            continue;
        };
        let hidden: Vec<&&String> = columns
            .iter()
            .filter(|c| c.as_str() != "total")
            .filter(|c| !shown(&entries[&((*row).clone(), (**c).clone())]))
            .collect();
        if shown(total) && hidden.len() == 1 {
            found.push(format!("row {row}, column {}", hidden[0]));
        }
    }
    for column in &columns {
        let Some(total) = entries.get(&("total".to_owned(), (*column).clone())) else {
            continue;
        };
        let hidden: Vec<&&String> = rows
            .iter()
            .filter(|r| r.as_str() != "total")
            .filter(|r| !shown(&entries[&((**r).clone(), (*column).clone())]))
            .collect();
        if shown(total) && hidden.len() == 1 {
            found.push(format!("column {column}, row {}", hidden[0]));
        }
    }
    found
}

#[tokio::test]
async fn the_research_file_is_anonymous_and_no_small_number_can_be_worked_out() {
    let app = TestApp::start().await;
    let (own, other) = app.pupils_in_and_outside_5a().await;
    for receipt in 1..=2 {
        app.follow_approved_report(&own, &other, receipt).await;
    }
    let board = app.sign_in_ready("bestuur@de-vuurtoren.demo").await;
    let (_, page) = app.follow_page(&board, "/app/board").await;
    assert!(page.contains("href=\"/app/board/research.csv?from="));
    let response = app
        .with_cookie(reqwest::Method::GET, "/app/board/research.csv", &board, &[])
        .await;
    assert_eq!(response.status(), 200);
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned()
    };
    assert!(header("content-disposition").starts_with("attachment; filename=\"onderzoek-"));
    assert!(header("cache-control").contains("no-store"));
    let body = response.text().await.expect("csv");
    assert!(!body.contains(&own.name.family_name));
    assert!(!body.contains(&other.name.family_name));
    assert!(!body.contains("5a"), "no group");
    let mut tables: std::collections::HashMap<
        String,
        std::collections::HashMap<(String, String), String>,
    > = std::collections::HashMap::new();
    let mut lines = body.trim_start_matches('\u{feff}').split("\r\n");
    assert_eq!(lines.next(), Some("table,row,column,reports"));
    let (mut small, mut counts) = (0, 0);
    for line in lines.filter(|l| !l.is_empty()) {
        let cells = csv_cells(line);
        assert_eq!(cells.len(), 4, "{line}");
        let value = cells[3].clone();
        match value.as_str() {
            "<5" => small += 1,
            "x" => {}
            n => {
                let n: u64 = n.parse().unwrap_or_else(|_| panic!("{line}"));
                assert!(n >= 5, "a count under 5 in the file: {line}");
                counts += 1;
            }
        }
        tables
            .entry(cells[0].clone())
            .or_default()
            .insert((cells[1].clone(), cells[2].clone()), value);
    }
    assert!(small > 0 && counts > 0, "{small} small, {counts} shown");
    let mut names: Vec<&String> = tables.keys().collect();
    names.sort();
    assert_eq!(
        names,
        [
            "month_by_grade",
            "place_by_part_of_day",
            "school_by_category"
        ]
    );
    assert!(tables["month_by_grade"].contains_key(&("total".to_owned(), "not_known".to_owned())));
    for (name, entries) in &tables {
        assert_eq!(recoverable(entries), Vec::<String>::new(), "{name}");
    }
    // The check itself can fail: a row with one hidden cell next to its shown total.
    let mut leaky = std::collections::HashMap::new();
    for (key, value) in [(("a", "1"), "7"), (("a", "2"), "<5"), (("a", "total"), "9")] {
        leaky.insert((key.0.to_owned(), key.1.to_owned()), value.to_owned());
    }
    assert_eq!(recoverable(&leaky).len(), 1);

    let (status, page) = app
        .follow_page(&board, "/app/board/research.csv?from=morgen")
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Schrijf de datum als jaar-maand-dag"));
    let leader = app.sign_in_ready(LEADER).await;
    assert_eq!(
        app.follow_page(&leader, "/app/board/research.csv").await.0,
        404
    );
    let chain = app.chain_of(app.demo.school.id).await;
    assert!(chain.iter().any(|(a, _, _)| a == "research.export"));
}
