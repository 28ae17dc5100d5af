//! A `signaal serve` process started by a fault test: settings through its environment, its
//! address read from the first lines it prints, its log kept in a file, and kill -9 on demand.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use std::io::BufRead;
use std::process::{Child, Command};

use crate::Res;

/// How one server is started.
#[derive(Clone, Debug)]
pub struct Launch {
    pub binary: PathBuf,
    pub data_dir: PathBuf,
    /// None: SQLite in the data folder.
    pub database_url: Option<String>,
    /// Load the demo school and print its staff accounts.
    pub demo: bool,
    /// Further settings as environment variables (`SIGNAAL_…`).
    pub env: Vec<(String, String)>,
    /// Standard error goes here (appended, so restarts keep one log).
    pub log: PathBuf,
}

/// A running server.
pub struct Signaal {
    child: Child,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// The demo accounts' e-mail addresses and TOTP secrets (base32), when started with the demo.
    pub totp: Vec<(String, String)>,
    /// The demo accounts' password, as printed.
    pub demo_password: Option<String>,
}

impl Signaal {
    pub async fn start(launch: &Launch) -> Res<Self> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&launch.log)
            .map_err(|e| format!("cannot open {}: {e}", launch.log.display()))?;
        let mut command = Command::new(&launch.binary);
        command.arg("serve");
        if launch.demo {
            command.arg("--demo");
        }
        command
            .env("SIGNAAL_DATA_DIR", &launch.data_dir)
            .env("SIGNAAL_LISTEN", "127.0.0.1:0")
            // One client sends everything: the per-client and per-school limits would stop it.
            .env("SIGNAAL_FORM_MIN_FILL_SECONDS", "0")
            .env("SIGNAAL_SUBMISSIONS_PER_CLIENT_PER_HOUR", "100000000")
            .env("SIGNAAL_REPORTS_PER_SCHOOL_PER_HOUR", "100000000")
            .env("SIGNAAL_LOG_LEVEL", "info")
            .env_remove("SIGNAAL_CONFIG")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        if let Some(url) = &launch.database_url {
            command.env("SIGNAAL_DATABASE_URL", url);
        }
        for (key, value) in &launch.env {
            command.env(key, value);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", launch.binary.display()))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        // The server's first lines, read on a thread of their own (std's pipes block).
        let (lines, printed) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                // Once nobody listens, the rest is read and dropped, so the pipe never fills.
                let _ = lines.send(line);
            }
        });
        let (mut base, mut totp, mut demo_password) = (None, Vec::new(), None);
        let deadline = std::time::Instant::now() + Duration::from_secs(120);
        let mut ready = false;
        while let Some(left) = deadline.checked_duration_since(std::time::Instant::now()) {
            let line = match tokio::task::block_in_place(|| printed.recv_timeout(left)) {
                Ok(line) => line,
                Err(_) => break,
            };
            if let (None, Some(at)) = (&base, line.find("http://")) {
                let address = line[at..].split_whitespace().next().unwrap_or_default();
                base = Some(address.trim_end_matches('/').to_owned());
            }
            let words: Vec<&str> = line.split_whitespace().collect();
            let after = |marker: &str, skip: usize| {
                let at = words.iter().position(|w| *w == marker)?;
                Some((
                    at.checked_sub(1).and_then(|j| words.get(j))?,
                    words.get(at + skip)?,
                ))
            };
            if let Some((email, secret)) = after("TOTP", 2) {
                totp.push(((*email).to_owned(), (*secret).to_owned()));
            }
            if let Some((_, word)) = after("password", 1) {
                demo_password = Some(word.trim_end_matches(',').to_owned());
            }
            // The demo prints its accounts after the address; its last line says how to stop.
            if base.is_some() && (!launch.demo || line.contains("Stop with ctrl-c")) {
                ready = true;
                break;
            }
        }
        let Some(base) = base.filter(|_| ready) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "signaal did not start; its log is {}",
                launch.log.display()
            ));
        };
        Ok(Self {
            child,
            base,
            totp,
            demo_password,
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL, then waits until the process is gone.
    pub fn kill9(&mut self) -> Res<()> {
        self.child.kill().map_err(|e| format!("kill -9: {e}"))?;
        self.child
            .wait()
            .map_err(|e| format!("waiting for the killed server: {e}"))?;
        Ok(())
    }

    /// SIGTERM (a graceful stop), then waits; kill -9 when it takes longer than 30 s.
    pub async fn stop(&mut self) -> Res<()> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        for _ in 0..300 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.kill9()
    }

    /// A TOTP code for a demo account now.
    pub fn code_now(&self, email: &str) -> Res<String> {
        let (_, secret) = self
            .totp
            .iter()
            .find(|(e, _)| e == email)
            .ok_or_else(|| format!("no TOTP secret printed for {email}"))?;
        let secret = signaal_domain::auth::TotpSecret::from_base32(secret)
            .map_err(|_| format!("the TOTP secret of {email} is not base32"))?;
        Ok(signaal_domain::auth::totp::code_at(
            &secret,
            chrono::Utc::now().timestamp(),
        ))
    }
}

impl Drop for Signaal {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.kill9();
        }
    }
}

/// A fresh folder under `root`.
pub fn fresh_dir(root: &Path, name: &str) -> Res<PathBuf> {
    let dir = root.join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    Ok(dir)
}
