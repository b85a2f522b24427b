//! The Web Services data action's Basic credential, checked in constant time.

use std::sync::Arc;

use subtle::ConstantTimeEq;

use crate::http::ApiError;
use crate::ports::SecretSource;

/// Where the data action's Basic credential lives: a secret with `username` and `password`.
///
/// The comparison is constant-time: both the presented and the expected `username:password`
/// are hashed with SHA-256 and the digests compared with `subtle::ConstantTimeEq`, so neither
/// the position of the first differing byte nor the length of the secret leaks through timing.
#[derive(Debug, Clone)]
pub struct DataActionCredential {
    secrets: Arc<dyn SecretSource>,
    secret_id: String,
}

impl DataActionCredential {
    /// Reads the credential from `secret_id` (cached by the source).
    pub fn new(secrets: Arc<dyn SecretSource>, secret_id: impl Into<String>) -> Self {
        Self {
            secrets,
            secret_id: secret_id.into(),
        }
    }

    /// Whether `presented` (decoded `user:pass`) matches.
    pub async fn verify(&self, presented: Option<&[u8]>) -> Result<bool, ApiError> {
        let fields =
            self.secrets
                .fields(&self.secret_id)
                .await
                .map_err(|e| ApiError::Unavailable {
                    what: "data-action credential",
                    source: Some(Box::new(e)),
                })?;
        let (Ok(user), Ok(pass)) = (
            fields.get(&self.secret_id, "username"),
            fields.get(&self.secret_id, "password"),
        ) else {
            return Err(ApiError::Internal(
                "data-action credential secret lacks username/password".to_owned(),
            ));
        };
        let expected = format!("{}:{}", user.expose(), pass.expose());
        let expected = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, expected.as_bytes());
        let presented =
            aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, presented.unwrap_or_default());
        Ok(bool::from(expected.as_ref().ct_eq(presented.as_ref())))
    }
}
