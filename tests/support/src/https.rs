//! A JSON document served over HTTPS on 127.0.0.1 with a freshly self-signed certificate: an
//! identity provider's JWKS endpoint as a deployed function reaches one (HTTPS only), trusted
//! through the certificate file a test names in `SSL_CERT_FILE`.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum HttpsError {
    /// The certificate could not be made.
    #[error("certificate: {0}")]
    Certificate(String),
    /// The port or the certificate file.
    #[error("{0}")]
    Io(#[from] io::Error),
}

/// The running server; stops and removes its certificate file when dropped.
#[derive(Debug)]
pub struct HttpsJson {
    base: String,
    ca_file: PathBuf,
    body: Arc<RwLock<Vec<u8>>>,
    hits: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl HttpsJson {
    /// Serves `body` as `application/json` at every path.
    pub async fn start(body: impl Into<Vec<u8>>) -> Result<Self, HttpsError> {
        let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
            .map_err(|e| HttpsError::Certificate(e.to_string()))?;
        let private = rustls::pki_types::PrivateKeyDer::try_from(key.signing_key.serialize_der())
            .map_err(|e| HttpsError::Certificate(e.to_string()))?;
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .map_err(|e| HttpsError::Certificate(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![key.cert.der().clone()], private)
        .map_err(|e| HttpsError::Certificate(e.to_string()))?;
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let ca_file = std::env::temp_dir().join(format!(
            "https-json-{}-{}.pem",
            std::process::id(),
            addr.port()
        ));
        std::fs::write(&ca_file, key.cert.pem())?;
        let body = Arc::new(RwLock::new(body.into()));
        let hits = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(serve(listener, acceptor, body.clone(), hits.clone()));
        Ok(Self {
            base: format!("https://{addr}"),
            ca_file,
            body,
            hits,
            task,
        })
    }

    /// `https://127.0.0.1:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The server's certificate (PEM), for `SSL_CERT_FILE`.
    pub fn ca_file(&self) -> &Path {
        &self.ca_file
    }

    /// Replaces the document served.
    pub fn set(&self, body: impl Into<Vec<u8>>) {
        *self.body.write().unwrap_or_else(PoisonError::into_inner) = body.into();
    }

    /// Requests answered so far.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::SeqCst)
    }
}

impl Drop for HttpsJson {
    fn drop(&mut self) {
        self.task.abort();
        let _ = std::fs::remove_file(&self.ca_file);
    }
}

async fn serve(
    listener: TcpListener,
    acceptor: tokio_rustls::TlsAcceptor,
    body: Arc<RwLock<Vec<u8>>>,
    hits: Arc<AtomicU64>,
) {
    while let Ok((tcp, _)) = listener.accept().await {
        let (acceptor, body, hits) = (acceptor.clone(), body.clone(), hits.clone());
        tokio::spawn(async move {
            // A client that refuses the certificate ends the handshake here.
            let Ok(mut tls) = acceptor.accept(tcp).await else {
                return;
            };
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match tls.read(&mut buf).await {
                    Ok(0) | Err(_) => return,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let body = body.read().unwrap_or_else(PoisonError::into_inner).clone();
            let head = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            hits.fetch_add(1, Ordering::SeqCst);
            let _ = tls.write_all(head.as_bytes()).await;
            let _ = tls.write_all(&body).await;
            let _ = tls.shutdown().await;
        });
    }
}
