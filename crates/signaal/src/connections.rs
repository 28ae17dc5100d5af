//! The accept loop: plain TCP or TLS, HTTP/1.1 through hyper, with a limit on the time a client may
//! take to send its request head (slowloris) and to finish the TLS handshake, and a graceful
//! shutdown that lets requests in flight finish.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tower::ServiceExt;

use crate::tls::Tls;

/// How a connection is served.
#[derive(Clone)]
pub struct ConnectionOptions {
    pub tls: Option<Arc<Tls>>,
    /// The time from accepting a connection (or from the end of the previous response) to a whole
    /// request head; also the time the TLS handshake may take. Slower clients are cut off.
    pub header_read_timeout: Duration,
}

/// Serves `app` on `listener` until `stop` fires, then waits for open connections to finish
/// their request in flight (the caller bounds how long).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    options: ConnectionOptions,
    mut stop: oneshot::Receiver<()>,
) -> std::io::Result<()> {
    let graceful = GracefulShutdown::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) => {
                    let watcher = graceful.watcher();
                    let app = app.clone();
                    let options = options.clone();
                    tokio::spawn(async move {
                        connection(stream, peer, app, options, watcher).await;
                    });
                }
                // Out of file descriptors and the like: wait a moment instead of spinning.
                Err(e) => {
                    tracing::warn!(error = %e, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            _ = &mut stop => break,
        }
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    options: ConnectionOptions,
    watcher: hyper_util::server::graceful::Watcher,
) {
    let _ = stream.set_nodelay(true);
    match &options.tls {
        None => http(TokioIo::new(stream), peer, app, false, &options, watcher).await,
        Some(tls) => {
            let handshake =
                tokio::time::timeout(options.header_read_timeout, tls.acceptor.accept(stream))
                    .await;
            match handshake {
                Ok(Ok(stream)) => {
                    http(TokioIo::new(stream), peer, app, true, &options, watcher).await;
                }
                // A failed or slow handshake is the client's problem; nothing about it is logged
                // beyond the fact (no address).
                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake took too long"),
            }
        }
    }
}

async fn http<I>(
    io: TokioIo<I>,
    peer: SocketAddr,
    app: Router,
    over_tls: bool,
    options: &ConnectionOptions,
    watcher: hyper_util::server::graceful::Watcher,
) where
    I: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        // The peer address reaches only the in-memory throttle (as a keyed hash); it is never logged.
        request.extensions_mut().insert(ConnectInfo(peer));
        if over_tls {
            request.extensions_mut().insert(signaal_web::OverTls);
        }
        app.clone().oneshot(request)
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout);
    let connection = builder.serve_connection(io, service);
    if let Err(e) = watcher.watch(connection).await {
        tracing::debug!(error = %e, "connection ended with an error");
    }
}
