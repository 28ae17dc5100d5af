//! TLS directly in `signaal serve` (rustls with ring): the certificate and key come from PEM files
//! and are read again on SIGHUP and when the files change. A new pair that cannot be used is refused
//! with a log line and the pair in use stays, so a half-finished renewal never takes the site down.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use rustls::ServerConfig;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio::task::JoinHandle;

/// The certificate chain and key files.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads and checks a pair: PEM certificates (the server's first), a PEM private key that belongs
/// to the first certificate. The message says which file is wrong and how.
pub fn load_pair(files: &TlsFiles) -> Result<CertifiedKey, String> {
    let (cert, key) = (&files.cert, &files.key);
    let chain = CertificateDer::pem_file_iter(cert)
        .map_err(|e| {
            format!(
                "cannot read the TLS certificate file {}: {e}",
                cert.display()
            )
        })?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            format!(
                "the TLS certificate file {} is not valid PEM: {e}",
                cert.display()
            )
        })?;
    if chain.is_empty() {
        return Err(format!(
            "the TLS certificate file {} holds no certificate (expected PEM: -----BEGIN CERTIFICATE-----)",
            cert.display()
        ));
    }
    let private = PrivateKeyDer::from_pem_file(key).map_err(|e| {
        format!(
            "the TLS key file {} holds no usable private key (expected PEM: -----BEGIN PRIVATE KEY-----): {e}",
            key.display()
        )
    })?;
    CertifiedKey::from_der(chain, private, &provider()).map_err(|e| {
        format!(
            "the TLS key {} does not belong to the certificate {} (or is of a kind not supported): {e}",
            key.display(),
            cert.display()
        )
    })
}

/// The pair in use, swapped whole when a new one has been read and checked.
#[derive(Debug)]
pub struct CurrentCert(RwLock<Arc<CertifiedKey>>);

impl CurrentCert {
    fn replace(&self, pair: CertifiedKey) {
        // A poisoned lock only means a panic elsewhere while swapping; the value is still whole.
        let mut current = self.0.write().unwrap_or_else(|e| e.into_inner());
        *current = Arc::new(pair);
    }
}

impl ResolvesServerCert for CurrentCert {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().unwrap_or_else(|e| e.into_inner()).clone())
    }
}

/// TLS for the listener: the acceptor and the pair it serves.
pub struct Tls {
    pub acceptor: tokio_rustls::TlsAcceptor,
    current: Arc<CurrentCert>,
    files: TlsFiles,
}

impl Tls {
    /// Reads the pair once; an error stops the start.
    pub fn load(files: TlsFiles) -> Result<Self, String> {
        let pair = load_pair(&files)?;
        let current = Arc::new(CurrentCert(RwLock::new(Arc::new(pair))));
        let mut config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS cannot be set up: {e}"))?
            .with_no_client_auth()
            .with_cert_resolver(current.clone());
        // HTTP/1.1 only, as the server speaks.
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(Self {
            acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
            current,
            files,
        })
    }

    /// Reads the files again; on success the new pair serves every new connection.
    pub fn reload(&self, why: &str) {
        match load_pair(&self.files) {
            Ok(pair) => {
                self.current.replace(pair);
                tracing::info!(cert = %self.files.cert.display(), why, "TLS certificate and key reloaded");
            }
            Err(reason) => tracing::error!(
                %reason,
                why,
                "the new TLS certificate or key was refused; the previous one stays in use"
            ),
        }
    }

    /// Reloads on SIGHUP and when either file's modification time or size changes (looked at
    /// every `every`), until the task is aborted.
    pub fn spawn_reloader(self: Arc<Self>, every: Duration) -> JoinHandle<()> {
        // Listening for SIGHUP starts now, before the server says it is running: a SIGHUP sent
        // right after must not end the process (the default action).
        let mut hangup = hangup_signal();
        tokio::spawn(async move {
            let mut last = stamp(&self.files);
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            tick.tick().await;
            loop {
                tokio::select! {
                    _ = tick.tick() => {
                        let now = stamp(&self.files);
                        if now != last {
                            last = now;
                            self.reload("the files changed");
                        }
                    }
                    () = next_hangup(&mut hangup) => {
                        last = stamp(&self.files);
                        self.reload("SIGHUP");
                    }
                }
            }
        })
    }
}

/// Without TLS, SIGHUP has nothing to reload; it is logged instead of ending the process (its default
/// action), so a `systemctl reload` never stops the service.
pub fn log_hangups() -> JoinHandle<()> {
    let mut hangup = hangup_signal();
    tokio::spawn(async move {
        loop {
            next_hangup(&mut hangup).await;
            tracing::info!("SIGHUP: nothing to reload (TLS is off)");
        }
    })
}

type Stamp = [Option<(SystemTime, u64)>; 2];

fn stamp(files: &TlsFiles) -> Stamp {
    let one = |path: &Path| {
        std::fs::metadata(path)
            .ok()
            .and_then(|m| Some((m.modified().ok()?, m.len())))
    };
    [one(&files.cert), one(&files.key)]
}

#[cfg(unix)]
type Hangup = Option<tokio::signal::unix::Signal>;
#[cfg(not(unix))]
type Hangup = ();

#[cfg(unix)]
fn hangup_signal() -> Hangup {
    use tokio::signal::unix::{SignalKind, signal};
    match signal(SignalKind::hangup()) {
        Ok(signal) => Some(signal),
        Err(e) => {
            tracing::warn!(error = %e, "cannot listen for SIGHUP; TLS files are still reloaded when they change");
            None
        }
    }
}

#[cfg(not(unix))]
fn hangup_signal() -> Hangup {}

#[cfg(unix)]
async fn next_hangup(hangup: &mut Hangup) {
    match hangup {
        Some(signal) => {
            if signal.recv().await.is_none() {
                std::future::pending::<()>().await;
            }
        }
        None => std::future::pending::<()>().await,
    }
}

#[cfg(not(unix))]
async fn next_hangup(_: &mut Hangup) {
    std::future::pending::<()>().await;
}
