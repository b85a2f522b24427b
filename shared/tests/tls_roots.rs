//! The HTTPS clients trust the compiled-in roots and nothing else unless told otherwise: real
//! TLS handshakes with a loopback HTTPS server whose certificate no public authority signed.
//! The AWS SDK's client (Amazon Trust Services roots, `AWS_CA_BUNDLE`) and the `reqwest`
//! clients of the identity provider, Genesys and the risk scorer (Mozilla's roots,
//! `SSL_CERT_FILE`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use secure_initiation::adapters::{AwsRoots, aws_http::CA_BUNDLE_VAR};
use secure_initiation::tls::WebRoots;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;

/// A Secrets Manager stand-in over HTTPS on 127.0.0.1 with a fresh self-signed certificate.
/// Returns its URL, the certificate (PEM) and how many requests it answered.
async fn https_secrets_manager() -> (String, String, Arc<AtomicUsize>) {
    let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let cert_pem = key.cert.pem();
    let chain = vec![key.cert.der().clone()];
    let private =
        rustls::pki_types::PrivateKeyDer::try_from(key.signing_key.serialize_der()).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, private)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let answered = Arc::new(AtomicUsize::new(0));
    let counter = answered.clone();
    tokio::spawn(async move {
        loop {
            let Ok((tcp, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            let counter = counter.clone();
            tokio::spawn(async move {
                // A client that refuses the certificate ends the handshake here.
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request_complete(&request) {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let body = r#"{"ARN":"arn:aws:secretsmanager:us-east-1:123456789012:secret:bench-AbCdEf","Name":"bench","SecretString":"{\"username\":\"u\"}","VersionId":"v1"}"#;
                let response = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.1\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                counter.fetch_add(1, Ordering::SeqCst);
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (url, cert_pem, answered)
}

/// Headers read and `content-length` bytes of body after them.
fn request_complete(request: &[u8]) -> bool {
    let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    request.len() >= end + 4 + length
}

async fn get_secret(roots: &AwsRoots, url: &str) -> Result<String, String> {
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::for_tests())
        .endpoint_url(url)
        .http_client(roots.https_client().unwrap())
        .retry_config(aws_sdk_secretsmanager::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
        .get_secret_value()
        .secret_id("bench")
        .send()
        .await
        .map(|out| out.secret_string().unwrap_or_default().to_owned())
        .map_err(|e| {
            format!(
                "{:?}",
                aws_sdk_secretsmanager::error::DisplayErrorContext(e)
            )
        })
}

/// The handshake failed on the certificate and the server answered nothing.
fn assert_refused(error: &str, answered: &AtomicUsize) {
    assert!(
        error.contains("UnknownIssuer") || error.contains("certificate"),
        "{error}"
    );
    assert_eq!(answered.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_compiled_in_roots_refuse_a_certificate_no_amazon_root_signed() {
    let (url, _, answered) = https_secrets_manager().await;
    let roots = AwsRoots::amazon_trust_services().unwrap();
    let error = get_secret(&roots, &url).await.unwrap_err();
    assert_refused(&error, &answered);
}

#[tokio::test]
async fn a_ca_bundle_makes_that_issuer_trusted() {
    let (url, cert_pem, answered) = https_secrets_manager().await;
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle.pem");
    std::fs::write(&bundle, cert_pem).unwrap();
    let env = BTreeMap::from([(CA_BUNDLE_VAR.to_owned(), bundle.display().to_string())]);
    let roots = AwsRoots::from_env(&env).unwrap();
    assert_eq!(roots.len(), 1);
    assert_eq!(
        get_secret(&roots, &url).await.unwrap(),
        r#"{"username":"u"}"#
    );
    assert_eq!(answered.load(Ordering::SeqCst), 1);
}

async fn fetch(roots: &WebRoots, url: &str) -> Result<String, String> {
    let client = roots.client_builder().unwrap().build().unwrap();
    let response = client
        .post(url)
        .body("{}")
        .send()
        .await
        .map_err(|e| format!("{:?}", e))?;
    response.text().await.map_err(|e| e.to_string())
}

#[tokio::test]
async fn the_web_clients_refuse_a_certificate_outside_mozillas_roots() {
    let (url, _, answered) = https_secrets_manager().await;
    let error = fetch(&WebRoots::mozilla(), &url).await.unwrap_err();
    assert_refused(&error, &answered);
}

#[tokio::test]
async fn a_bundle_of_the_web_clients_makes_that_issuer_trusted() {
    let (url, cert_pem, answered) = https_secrets_manager().await;
    let roots = WebRoots::from_pem(cert_pem.as_bytes(), std::path::Path::new("test")).unwrap();
    assert_eq!(roots.len(), 1);
    assert!(fetch(&roots, &url).await.unwrap().contains("SecretString"));
    assert_eq!(answered.load(Ordering::SeqCst), 1);
}
