//! `signaal serve`: logging, storage, the web app, and a graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use signaal_domain::secrets::MasterKey;
use signaal_domain::{Clock, SystemClock};
use signaal_storage::Storage;
use signaal_web::{AppState, I18n, Limits, Public, PublicOptions};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::settings::{LogFormat, Settings};
use crate::{CommandResult, Failure, backend, demo};

/// Logs go to standard error, human-readable or as JSON lines.
pub fn init_logging(settings: &Settings) {
    let filter = tracing_subscriber::EnvFilter::new(&settings.log_level.0);
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        // Colours only on a terminal; log files and collectors get plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    // A second initialisation (in tests) keeps the first subscriber; that is fine.
    let _ = match settings.log_format {
        LogFormat::Human => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    /// Whether it speaks HTTPS (`tls_cert` and `tls_key` set).
    pub tls: bool,
    shutdown: oneshot::Sender<()>,
    task: JoinHandle<std::io::Result<()>>,
    /// Reads the TLS files again on SIGHUP or when they change.
    reloader: Option<JoinHandle<()>>,
    /// The background jobs (notification mails), when mail is on.
    jobs: Option<(tokio::sync::watch::Sender<bool>, JoinHandle<()>)>,
    /// The daily purge of rejected reports, the daily retention run (always on) and the daily
    /// backup (with `backup_recipients`).
    purge: (tokio::sync::watch::Sender<bool>, JoinHandle<()>),
}

impl Server {
    /// Stops accepting connections, lets in-flight requests finish (at most `grace`), and returns.
    pub async fn stop(self, grace: Duration) {
        if let Some(reloader) = &self.reloader {
            reloader.abort();
        }
        let (stop_purge, purge) = self.purge;
        let _ = stop_purge.send(true);
        let _ = tokio::time::timeout(grace, purge).await;
        if let Some((stop, job)) = self.jobs {
            let _ = stop.send(true);
            // A round in progress finishes its mail; what is left is done after the next start.
            let _ = tokio::time::timeout(grace, job).await;
        }
        let _ = self.shutdown.send(());
        if tokio::time::timeout(grace, self.task).await.is_err() {
            tracing::warn!("in-flight requests did not finish within the grace period");
        }
    }
}

/// Binds `settings.listen` (port 0 picks a free port) and serves the app in the background.
pub async fn start(
    storage: Storage,
    master: &MasterKey,
    clock: Arc<dyn Clock>,
    settings: &Settings,
) -> CommandResult<Server> {
    // TLS first: a wrong file should stop the start before anything else happens.
    let tls = match settings.tls()? {
        Some(files) => Some(Arc::new(crate::tls::Tls::load(files).map_err(Failure)?)),
        None => None,
    };
    let i18n = I18n::load().map_err(Failure)?;
    crate::lexicons::install(settings.lexicon_dir.0.as_deref())?;
    let options = PublicOptions {
        trusted_proxy_header: settings.trusted_proxy_header.0.clone(),
        form_min_fill_seconds: settings.form_min_fill_seconds.0 as i64,
        submissions_per_client_per_hour: clamp_u32(settings.submissions_per_client_per_hour.0),
        reports_per_school_per_hour: clamp_u32(settings.reports_per_school_per_hour.0),
        receipt_misses_per_client: clamp_u32(settings.receipt_misses_per_client.0),
        public_url: settings.public_url.0.clone(),
        backup_keep_days: settings.backup_keep_days.0,
    };
    let public = Public::new(options, master, clock.now()).map_err(Failure)?;
    let mail = match settings.mail()? {
        Some(config) => {
            let mailer = signaal_mail::Mailer::new(&config).map_err(Failure)?;
            tracing::info!(
                server = %mailer.describe(),
                from = %config.from,
                "mail is on: coordinators get content-free notifications, one-time links are mailed"
            );
            Some(Arc::new(mailer))
        }
        None => {
            tracing::info!(
                "mail is off (no smtp_url): no notifications; one-time links are shown to pass on"
            );
            None
        }
    };
    let jobs = mail.as_ref().map(|mailer| {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let notifier = signaal_jobs::notify::Notifier {
            storage: storage.clone(),
            mailer: mailer.clone(),
            clock: clock.clone(),
        };
        let every = Duration::from_secs(settings.mail_check_seconds.0);
        let reminders = signaal_jobs::reminders::Reminders {
            storage: storage.clone(),
            mailer: mailer.clone(),
            clock: clock.clone(),
        }
        .spawn(every, stopped.clone());
        let notifications = notifier.spawn(every, stopped);
        // One handle for both jobs: the server waits for each when it stops.
        let both = tokio::spawn(async move {
            let _ = notifications.await;
            let _ = reminders.await;
        });
        (stop, both)
    });
    let purge = {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let purger = signaal_jobs::purge::Purger {
            storage: storage.clone(),
            clock: clock.clone(),
        };
        let purge = purger.spawn(signaal_jobs::purge::EVERY, stopped.clone());
        // The daily retention run shares the purge's stop signal and handle.
        let retention = signaal_jobs::retention::Retention::new(storage.clone(), clock.clone())
            .spawn(settings.retention_at.0, stopped.clone());
        // The daily backup (when backup_recipients is set) shares them too.
        let backups = crate::backup::schedule::spawn(
            settings.clone(),
            storage.clone(),
            clock.clone(),
            stopped,
        );
        let both = tokio::spawn(async move {
            let _ = purge.await;
            let _ = retention.await;
            if let Some(backups) = backups {
                let _ = backups.await;
            }
        });
        (stop, both)
    };
    let state = AppState {
        storage,
        i18n: Arc::new(i18n),
        clock,
        public: Arc::new(public),
        hashing: Arc::new(tokio::sync::Semaphore::new(2)),
        mail,
    };
    let limits = Limits {
        request_timeout: Duration::from_secs(settings.request_timeout_seconds.0),
        groups: settings.group_limits(),
        ..Limits::default()
    };
    let app = signaal_web::app(state, limits);
    let listener = tokio::net::TcpListener::bind(settings.listen)
        .await
        .map_err(|e| Failure(format!("cannot listen on {}: {e}", settings.listen)))?;
    let addr = listener.local_addr().map_err(|e| Failure(e.to_string()))?;
    let (shutdown, signal) = oneshot::channel::<()>();
    let reloader = tls
        .clone()
        .map(|tls| tls.spawn_reloader(Duration::from_secs(settings.tls_reload_check_seconds.0)));
    let options = crate::connections::ConnectionOptions {
        tls: tls.clone(),
        header_read_timeout: Duration::from_secs(settings.header_read_timeout_seconds.0),
    };
    let task = tokio::spawn(crate::connections::serve(listener, app, options, signal));
    Ok(Server {
        addr,
        tls: tls.is_some(),
        shutdown,
        task,
        reloader,
        jobs,
        purge,
    })
}

pub async fn run(settings: &Settings, with_demo: bool) -> CommandResult {
    init_logging(settings);
    let (storage, master) = backend::open_with_key(settings).await?;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let demo = if with_demo {
        Some(demo::seed(&storage, clock.as_ref(), &master).await?)
    } else {
        None
    };
    let server = start(storage, &master, clock, settings).await?;
    let _hangups = (!server.tls).then(crate::tls::log_hangups);
    let scheme = if server.tls { "https" } else { "http" };
    let base = format!("{scheme}://{}", server.addr);
    tracing::info!(address = %base, "signaal is listening");
    if let Some(demo) = demo {
        println!("{}", demo.describe(&base));
    } else {
        println!("Signaal is running at {base}/ (stop with ctrl-c)");
    }
    shutdown_signal().await;
    tracing::info!("shutting down; letting in-flight requests finish");
    server
        .stop(Duration::from_secs(settings.shutdown_grace_seconds.0))
        .await;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}

fn clamp_u32(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}
