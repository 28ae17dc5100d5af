//! A full disk: the data folder on a small tmpfs (or, where tmpfs cannot be mounted, a
//! loop-mounted ext4 image), filled up. Submissions must get a clear 503 (the HTML form comes
//! back with the typed text), the database must stay intact, and it must work again when space
//! returns.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::http::{self, SCHOOL, Sent};
use crate::kill9::integrity_check;
use crate::server::{Launch, Signaal, fresh_dir};
use crate::{Context, Res, dutch_message};

/// Dutch is the default language; the message the child reads when nothing was stored.
const NOT_STORED: &str = "form-not-stored";

/// A mounted small file system; unmounted when dropped.
struct SmallDisk {
    mount_point: PathBuf,
    how: &'static str,
}

impl SmallDisk {
    fn mount(root: &Path, megabytes: u32) -> Res<Self> {
        let mount_point = fresh_dir(root, "small-disk")?;
        let point = mount_point.to_string_lossy().into_owned();
        let size = format!("size={megabytes}m");
        let tmpfs = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &size, "tmpfs", &point])
            .output()
            .map_err(|e| e.to_string())?;
        if tmpfs.status.success() {
            return Ok(Self {
                mount_point,
                how: "tmpfs",
            });
        }
        // Without tmpfs (a container may allow only loop devices): an ext4 image.
        let image = root.join("small-disk.img");
        let image_path = image.to_string_lossy().into_owned();
        let steps: [(&str, Vec<String>); 3] = [
            (
                "truncate",
                vec!["-s".into(), format!("{megabytes}M"), image_path.clone()],
            ),
            (
                "mkfs.ext4",
                vec!["-q".into(), "-F".into(), image_path.clone()],
            ),
            ("mount", vec!["-o".into(), "loop".into(), image_path, point]),
        ];
        for (program, args) in steps {
            let output = Command::new(program)
                .args(&args)
                .output()
                .map_err(|e| format!("cannot run {program}: {e}"))?;
            if !output.status.success() {
                return Err(format!(
                    "cannot mount a small file system: tmpfs said {:?}, and {program} said {:?} \
                     (the disk test needs root, or a container allowed to mount)",
                    String::from_utf8_lossy(&tmpfs.stderr).trim(),
                    String::from_utf8_lossy(&output.stderr).trim()
                ));
            }
        }
        Ok(Self {
            mount_point,
            how: "loop-mounted ext4",
        })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(&self.mount_point)
            .output();
    }
}

/// Writes zeros to `path` until the file system says it is full; returns the bytes written.
fn fill(path: &Path) -> Res<u64> {
    let mut file = std::fs::File::create(path).map_err(|e| format!("filler: {e}"))?;
    let block = vec![0u8; 64 * 1024];
    let mut written = 0u64;
    loop {
        match file.write(&block) {
            Ok(0) => break,
            Ok(n) => written += n as u64,
            Err(e) if e.raw_os_error() == Some(28) => break, // ENOSPC
            Err(e) => return Err(format!("filler: {e}")),
        }
    }
    // Also what is left below a whole block.
    let rest = [0u8; 512];
    while let Ok(n) = file.write(&rest) {
        if n == 0 {
            break;
        }
        written += n as u64;
    }
    let _ = file.sync_all();
    Ok(written)
}

pub async fn run(context: &Context) -> Res<()> {
    let root = fresh_dir(&context.work_dir, "disk")?;
    let disk = SmallDisk::mount(&root, 24)?;
    let launch = Launch {
        binary: context.signaal.clone(),
        data_dir: disk.mount_point.join("data"),
        database_url: None,
        demo: true,
        env: Vec::new(),
        log: root.join("server.log"),
    };
    let database = launch.data_dir.join("signaal.db");
    let server = Signaal::start(&launch).await?;
    let client = http::client(Duration::from_secs(60))?;
    let token = http::form_token(&client, &server.base).await?;
    let mut acknowledged = Vec::new();
    for i in 0..20 {
        match http::submit(&client, &server.base, &token, i).await {
            Sent::Stored(receipt) => acknowledged.push(receipt),
            _ => return Err("a submission failed before the disk was full".into()),
        }
    }

    let filler = disk.mount_point.join("filler");
    let filled = fill(&filler)?;
    // The WAL may still have room in pages it reuses; keep sending until the disk says no.
    let (mut refused, mut other, mut sent) = (0usize, Vec::new(), 0usize);
    while refused < 20 && sent < 5_000 {
        sent += 1;
        match http::submit(&client, &server.base, &token, 1_000 + sent).await {
            Sent::Stored(receipt) => acknowledged.push(receipt),
            Sent::Status(503) => refused += 1,
            Sent::Status(status) => other.push(status),
            Sent::NoAnswer(why) => return Err(format!("no answer while the disk was full: {why}")),
        }
    }
    let stored_while_full = sent - refused - other.len();
    // The child's view: the HTML form, refused with the kind message and the typed text kept.
    let typed = "Niemand wil naast Kees zitten in de klas, al drie weken niet (schijftest)";
    // Like the API loop above: the form's smaller report may still fit into pages SQLite reuses
    // (seen once: stored and answered with its receipt page); send it until the disk says no. A
    // receipt the child was shown is acknowledged: it must be found later like the others.
    let mut form = html_form_while_full(&client, &server, typed).await?;
    let mut form_stored = 0;
    while let Some(receipt) = form.receipt.take() {
        acknowledged.push(receipt);
        form_stored += 1;
        if form_stored == 50 {
            break;
        }
        form = html_form_while_full(&client, &server, typed).await?;
    }
    let integrity_full = integrity_check(&database).await?;

    std::fs::remove_file(&filler).map_err(|e| format!("removing the filler: {e}"))?;
    let mut after = 0;
    for i in 0..20 {
        if let Sent::Stored(receipt) = http::submit(&client, &server.base, &token, 5_000 + i).await
        {
            acknowledged.push(receipt);
            after += 1;
        }
    }
    let found =
        http::count_found(&client, &server.base, &acknowledged, context.concurrency).await?;
    let integrity_after = integrity_check(&database).await?;
    println!(
        "fault: disk full ({}): {filled} bytes of filler; {stored_while_full} stored into space \
         SQLite had, then {refused} refused with 503 ({} other answers); form: {form_stored} stored \
         first, then {}; integrity while full {integrity_full}, after {integrity_after}; {after} of \
         20 stored after space returned; {} acknowledged, {found} found",
        disk.how,
        other.len(),
        form.describe(),
        acknowledged.len(),
    );
    drop(server);
    let mut problems = Vec::new();
    if refused < 20 {
        problems.push(format!(
            "only {refused} submissions were refused on a full disk"
        ));
    }
    if !other.is_empty() {
        problems.push(format!(
            "answers other than 201/503 on a full disk: {other:?}"
        ));
    }
    problems.extend(form.problems());
    if integrity_full != "ok" || integrity_after != "ok" {
        problems.push("integrity_check failed".into());
    }
    if after != 20 {
        problems.push(format!("only {after} of 20 stored after space returned"));
    }
    if found != acknowledged.len() {
        problems.push(format!(
            "{} acknowledged reports lost",
            acknowledged.len() - found
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

/// What the report form answered while the disk was full.
struct FormAnswer {
    status: u16,
    retry_after: bool,
    text_kept: bool,
    message_shown: bool,
    /// The receipt words of a thanks page: the report was stored after all.
    receipt: Option<String>,
}

impl FormAnswer {
    fn describe(&self) -> String {
        format!(
            "{}{}, typed text {}, message {}",
            self.status,
            if self.retry_after {
                " with Retry-After"
            } else {
                ""
            },
            if self.text_kept { "kept" } else { "LOST" },
            if self.message_shown {
                "shown"
            } else {
                "MISSING"
            },
        )
    }

    fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.status != 503 || !self.retry_after {
            problems.push(format!("the form answered {}", self.describe()));
        }
        if !self.text_kept || !self.message_shown {
            problems.push(format!("the form came back as: {}", self.describe()));
        }
        problems
    }
}

async fn html_form_while_full(
    client: &reqwest::Client,
    server: &Signaal,
    typed: &str,
) -> Res<FormAnswer> {
    let page = client
        .get(server.url(&format!("/s/{SCHOOL}")))
        .send()
        .await
        .map_err(|e| format!("form page: {e}"))?
        .text()
        .await
        .map_err(|e| format!("form page: {e}"))?;
    let token = page
        .split("name=\"form_token\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .ok_or("no form token on the form page")?
        .to_owned();
    let response = client
        .post(server.url(&format!("/s/{SCHOOL}")))
        .header("accept-language", "nl")
        .form(&[
            ("form_token", token.as_str()),
            ("reporter", "pupil_self"),
            ("categories", "exclusion"),
            ("place", "classroom"),
            ("date", "2026-11-20"),
            ("part_of_day", "lesson"),
            ("frequency", "almost_daily"),
            ("description", typed),
        ])
        .send()
        .await
        .map_err(|e| format!("form post: {e}"))?;
    let status = response.status().as_u16();
    let retry_after = response.headers().contains_key("retry-after");
    let body = response
        .text()
        .await
        .map_err(|e| format!("form answer: {e}"))?;
    Ok(FormAnswer {
        status,
        retry_after,
        text_kept: body.contains(typed),
        message_shown: body.contains(&dutch_message(NOT_STORED)?),
        receipt: receipt_on_thanks_page(&body),
    })
}

/// The four receipt words of the thanks page (`<ol class="receipt"><li>word</li>…</ol>`), as a
/// reporter would type them.
fn receipt_on_thanks_page(body: &str) -> Option<String> {
    let list = body
        .split("<ol class=\"receipt\"")
        .nth(1)?
        .split("</ol>")
        .next()?;
    let words: Vec<&str> = list
        .split("<li>")
        .skip(1)
        .filter_map(|item| item.split("</li>").next())
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

#[cfg(test)]
mod tests {
    use super::receipt_on_thanks_page;

    #[test]
    fn the_receipt_is_read_off_the_thanks_page_and_nothing_off_another() {
        let thanks = r#"<div class="card"><ol class="receipt" aria-label="Je bonnetje"><li>appel</li><li>boom</li><li>kaars</li><li>molen</li></ol><p class="card-where">"#;
        assert_eq!(
            receipt_on_thanks_page(thanks).as_deref(),
            Some("appel boom kaars molen")
        );
        // The form again (refused, or any other page): no receipt.
        assert_eq!(
            receipt_on_thanks_page(r#"<form method="post"><textarea>Kees</textarea></form>"#),
            None
        );
        assert_eq!(receipt_on_thanks_page(r#"<ol class="receipt"></ol>"#), None);
    }
}
