//! The claims of a token whose signature verified, checked in this order: `exp` and `nbf`, `iss`
//! (with the tenant of a `{tenantid}` issuer), the issuer the signing key is scoped to, `aud` or
//! `client_id`, the pinned claims, `sub`. Every claim that is present must have its JSON type: a
//! string `exp` or an `aud` of numbers is refused, never skipped.

use serde_json::{Map, Value};

use super::error::AuthError;
use super::policy::{Issuer, TENANT_PLACEHOLDER, VerifierConfig, is_guid};

/// What the claims must satisfy, with the issuers compiled.
#[derive(Debug)]
pub(crate) struct Expected {
    pub(crate) config: VerifierConfig,
    pub(crate) issuers: Vec<Issuer>,
}

impl Expected {
    /// Checks `claims` at `now` (Unix seconds); `key_issuer` is the issuer the signing key is
    /// scoped to, when its key set names one. Returns the caller's identity.
    pub(crate) fn check(
        &self,
        claims: &Map<String, Value>,
        key_issuer: Option<&str>,
        now: i64,
    ) -> Result<String, AuthError> {
        self.check_times(claims, now)?;
        let iss = match claims.get("iss") {
            Some(Value::String(iss)) => iss.as_str(),
            _ => return Err(missing("iss")),
        };
        if self.check_issuer(iss, claims)? == Matched::Tenant {
            check_key_issuer(key_issuer, iss, claims)?;
        }
        self.check_audience(claims)?;
        self.check_pins(claims)?;
        let sub = match claims.get("sub") {
            None => return Err(missing("sub")),
            Some(Value::String(sub)) if !sub.trim().is_empty() => sub,
            Some(_) => return Err(AuthError::InvalidSubject),
        };
        Ok(self.principal(iss, sub))
    }

    /// `sub` is unique only within its issuer (OpenID Connect Core §2; Microsoft Entra repeats a
    /// `sub` across tenants): with more than one possible issuer the identity is both.
    fn principal(&self, iss: &str, sub: &str) -> String {
        match self.issuers.as_slice() {
            [Issuer::Exact(_)] => sub.to_owned(),
            _ => format!("{}:{iss}{sub}", iss.len()),
        }
    }

    fn check_times(&self, claims: &Map<String, Value>, now: i64) -> Result<(), AuthError> {
        let leeway = i64::try_from(self.config.leeway_secs).unwrap_or(i64::MAX);
        let exp = numeric_date(claims, "exp")?.ok_or_else(|| missing("exp"))?;
        if exp.saturating_add(leeway) < now {
            return Err(AuthError::Expired);
        }
        match numeric_date(claims, "nbf")? {
            Some(nbf) if nbf.saturating_sub(leeway) > now => Err(AuthError::NotYetValid),
            None if self.config.require_nbf => Err(missing("nbf")),
            _ => Ok(()),
        }
    }

    /// `iss` equals an exact issuer, or fills a `{tenantid}` issuer with the token's own `tid`,
    /// a GUID among the allowed tenants (Microsoft's rule for multi-tenant applications).
    fn check_issuer(&self, iss: &str, claims: &Map<String, Value>) -> Result<Matched, AuthError> {
        let mut refusal = AuthError::WrongIssuer;
        for issuer in &self.issuers {
            match issuer {
                Issuer::Exact(exact) if exact == iss => return Ok(Matched::Exact),
                Issuer::Exact(_) => {}
                Issuer::Tenant { prefix, suffix } => {
                    let Some(tenant) = iss
                        .strip_prefix(prefix.as_str())
                        .and_then(|rest| rest.strip_suffix(suffix.as_str()))
                    else {
                        continue;
                    };
                    match self.check_tenant(tenant, claims) {
                        Ok(()) => return Ok(Matched::Tenant),
                        Err(e) => refusal = e,
                    }
                }
            }
        }
        Err(refusal)
    }

    fn check_tenant(&self, tenant: &str, claims: &Map<String, Value>) -> Result<(), AuthError> {
        if claims.get("tid").and_then(Value::as_str) != Some(tenant) {
            return Err(AuthError::WrongTenant("`tid` is not the tenant of `iss`"));
        }
        if !is_guid(tenant) || !self.config.tenants.iter().any(|t| t == tenant) {
            return Err(AuthError::WrongTenant(
                "the tenant is not an allowed tenant",
            ));
        }
        Ok(())
    }

    /// `aud` (a string or an array of strings) holds a configured value; a token without `aud`
    /// passes on its `client_id` instead; one with neither never passes.
    fn check_audience(&self, claims: &Map<String, Value>) -> Result<(), AuthError> {
        let ours = |value: &str| self.config.audiences.iter().any(|a| a == value);
        let found = match (claims.get("aud"), claims.get("client_id")) {
            (Some(Value::String(aud)), _) => ours(aud),
            (Some(Value::Array(auds)), _) => {
                if auds.iter().any(|a| !a.is_string()) {
                    return Err(missing("aud"));
                }
                auds.iter().filter_map(Value::as_str).any(ours)
            }
            (Some(_), _) => return Err(missing("aud")),
            (None, Some(Value::String(client))) => ours(client),
            (None, Some(_)) => return Err(missing("client_id")),
            (None, None) => return Err(AuthError::NoAudience),
        };
        if found {
            Ok(())
        } else {
            Err(AuthError::WrongAudience)
        }
    }

    /// Each pinned claim is a string equal to one of the values listed for its name.
    fn check_pins(&self, claims: &Map<String, Value>) -> Result<(), AuthError> {
        for (name, _) in &self.config.required_claims {
            let value = claims.get(name).and_then(Value::as_str);
            let listed = self
                .config
                .required_claims
                .iter()
                .any(|(n, v)| n == name && Some(v.as_str()) == value);
            if !listed {
                return Err(AuthError::ClaimMismatch {
                    claim: super::error::sanitize(name),
                });
            }
        }
        Ok(())
    }
}

/// Which kind of issuer a token's `iss` matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Matched {
    Exact,
    Tenant,
}

/// Where `iss` matched a `{tenantid}` issuer (Microsoft Entra's tenant-independent metadata),
/// the signing key must be scoped to it: a key the keys document gives an `issuer` verifies only
/// tokens of that issuer, its `{tenantid}` read as the token's `tid` ("Validate the signing key
/// issuer", https://learn.microsoft.com/entra/identity-platform/access-tokens). An exact issuer
/// needs no more than its exact match, as Microsoft says of tenant-specific metadata.
fn check_key_issuer(
    key_issuer: Option<&str>,
    iss: &str,
    claims: &Map<String, Value>,
) -> Result<(), AuthError> {
    let Some(scope) = key_issuer else {
        return Ok(());
    };
    let resolved = match scope.to_ascii_lowercase().find(TENANT_PLACEHOLDER) {
        None => scope.to_owned(),
        Some(at) => {
            let Some(tid) = claims.get("tid").and_then(Value::as_str) else {
                return Err(AuthError::KeyIssuerMismatch);
            };
            let end = at + TENANT_PLACEHOLDER.len();
            format!("{}{tid}{}", &scope[..at], &scope[end..])
        }
    };
    if resolved == iss {
        Ok(())
    } else {
        Err(AuthError::KeyIssuerMismatch)
    }
}

/// A NumericDate claim: a JSON number (integer or finite fraction, RFC 7519 §2), anything else
/// is refused rather than skipped.
pub(crate) fn numeric_date(
    claims: &Map<String, Value>,
    name: &str,
) -> Result<Option<i64>, AuthError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            if let Some(i) = n.as_i64() {
                Ok(Some(i))
            } else if let Some(f) = n.as_f64().filter(|f| f.is_finite()) {
                // Fractions are floored: the comparison is in whole seconds.
                #[allow(clippy::cast_possible_truncation)]
                Ok(Some(
                    f.floor().clamp(i64::MIN as f64, i64::MAX as f64) as i64
                ))
            } else {
                Err(missing(name))
            }
        }
        Some(_) => Err(missing(name)),
    }
}

pub(crate) fn missing(claim: &str) -> AuthError {
    AuthError::MissingClaim {
        claim: claim.to_owned(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;
    use url::Url;

    use super::*;
    use crate::session::policy::compile;

    const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const OTHER: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

    fn expected(edit: impl FnOnce(&mut VerifierConfig)) -> Expected {
        let mut config = VerifierConfig::new(
            Url::parse("https://idp.example/keys").unwrap(),
            "https://idp.example/",
            "shop",
        );
        edit(&mut config);
        let issuers = compile(&config).unwrap();
        Expected { config, issuers }
    }

    fn claims(value: serde_json::Value) -> Map<String, Value> {
        let mut base =
            json!({"iss": "https://idp.example/", "aud": "shop", "sub": "u", "exp": 100});
        if let (Value::Object(b), Value::Object(edits)) = (&mut base, value) {
            b.extend(edits);
            b.retain(|_, v| !v.is_null());
        }
        base.as_object().unwrap().clone()
    }

    #[test]
    fn a_token_without_nbf_passes_unless_nbf_is_required() {
        assert_eq!(
            expected(|_| {})
                .check(&claims(json!({})), None, 50)
                .unwrap(),
            "u"
        );
        let strict = expected(|c| c.require_nbf = true);
        assert!(matches!(
            strict.check(&claims(json!({})), None, 50),
            Err(AuthError::MissingClaim { .. })
        ));
        assert!(strict.check(&claims(json!({"nbf": 40})), None, 50).is_ok());
    }

    #[test]
    fn a_token_without_aud_passes_on_a_configured_client_id_only() {
        let e = expected(|c| c.audiences = vec!["api".into(), "client-1".into()]);
        let no_aud = |client: Value| claims(json!({"aud": null, "client_id": client}));
        assert!(e.check(&no_aud(json!("client-1")), None, 50).is_ok());
        assert!(matches!(
            e.check(&no_aud(json!("client-2")), None, 50),
            Err(AuthError::WrongAudience)
        ));
        assert!(matches!(
            e.check(&no_aud(Value::Null), None, 50),
            Err(AuthError::NoAudience)
        ));
        assert!(matches!(
            e.check(&no_aud(json!(7)), None, 50),
            Err(AuthError::MissingClaim { .. })
        ));
        // With `aud` present, `client_id` cannot rescue a foreign audience.
        let foreign = claims(json!({"aud": "other", "client_id": "client-1"}));
        assert!(matches!(
            e.check(&foreign, None, 50),
            Err(AuthError::WrongAudience)
        ));
    }

    #[test]
    fn an_audience_array_must_hold_only_strings_and_one_of_ours() {
        let e = expected(|c| c.audiences = vec!["a".into(), "b".into()]);
        assert!(
            e.check(&claims(json!({"aud": ["x", "b"]})), None, 50)
                .is_ok()
        );
        assert!(matches!(
            e.check(&claims(json!({"aud": ["x", 1, "b"]})), None, 50),
            Err(AuthError::MissingClaim { .. })
        ));
        assert!(matches!(
            e.check(&claims(json!({"aud": []})), None, 50),
            Err(AuthError::WrongAudience)
        ));
    }

    #[test]
    fn any_listed_issuer_passes_and_only_exactly() {
        let e = expected(|c| {
            c.issuers = vec![
                "https://accounts.google.com".into(),
                "accounts.google.com".into(),
            ];
        });
        for iss in ["https://accounts.google.com", "accounts.google.com"] {
            assert!(
                e.check(&claims(json!({"iss": iss})), None, 50).is_ok(),
                "{iss}"
            );
        }
        for iss in [
            "https://accounts.google.com/",
            "HTTPS://accounts.google.com",
        ] {
            assert!(matches!(
                e.check(&claims(json!({"iss": iss})), None, 50),
                Err(AuthError::WrongIssuer)
            ));
        }
    }

    #[test]
    fn a_tenant_issuer_needs_the_tokens_own_allowed_tid() {
        let e = expected(|c| {
            c.issuers = vec!["https://login.microsoftonline.com/{tenantid}/v2.0".into()];
            c.tenants = vec![TENANT.into()];
        });
        let token = |iss_tenant: &str, tid: Value| {
            let iss = format!("https://login.microsoftonline.com/{iss_tenant}/v2.0");
            claims(json!({"iss": iss, "tid": tid}))
        };
        assert!(e.check(&token(TENANT, json!(TENANT)), None, 50).is_ok());
        for (iss_tenant, tid) in [
            (TENANT, json!(OTHER)),
            (OTHER, json!(OTHER)),
            (TENANT, Value::Null),
            (TENANT, json!(7)),
            ("common", json!("common")),
        ] {
            assert!(
                matches!(
                    e.check(&token(iss_tenant, tid.clone()), None, 50),
                    Err(AuthError::WrongTenant(_))
                ),
                "{iss_tenant} {tid}"
            );
        }
    }

    #[test]
    fn a_key_scoped_to_an_issuer_verifies_only_that_issuers_tokens() {
        let e = expected(|c| {
            c.issuers = vec!["https://login.microsoftonline.com/{tenantid}/v2.0".into()];
            c.tenants = vec![TENANT.into(), OTHER.into()];
        });
        let iss = |t: &str| format!("https://login.microsoftonline.com/{t}/v2.0");
        let ours = claims(json!({"iss": iss(TENANT), "tid": TENANT}));
        let templated = "https://login.microsoftonline.com/{TenantId}/v2.0";
        assert!(e.check(&ours, Some(templated), 50).is_ok());
        assert!(e.check(&ours, Some(&iss(TENANT)), 50).is_ok());
        assert!(matches!(
            e.check(&ours, Some(&iss(OTHER)), 50),
            Err(AuthError::KeyIssuerMismatch)
        ));
    }

    #[test]
    fn an_exact_issuer_needs_no_key_scope() {
        // A v1.0 token verified with a key the v2.0 keys document scopes to v2.0 issuers.
        let v1 = format!("https://sts.windows.net/{TENANT}/");
        let e = expected(|c| c.issuers = vec![v1.clone()]);
        let token = claims(json!({"iss": v1, "tid": TENANT}));
        let v2_scope = "https://login.microsoftonline.com/{tenantid}/v2.0";
        assert!(e.check(&token, Some(v2_scope), 50).is_ok());
    }

    #[test]
    fn with_several_issuers_the_identity_is_qualified_by_the_issuer() {
        let e = expected(|c| c.issuers.push("https://other.example/".into()));
        let a = e.check(&claims(json!({})), None, 50).unwrap();
        let b = e
            .check(&claims(json!({"iss": "https://other.example/"})), None, 50)
            .unwrap();
        assert_ne!(a, b);
        assert!(a.ends_with("https://idp.example/u"));
    }

    #[test]
    fn pinned_claims_accept_any_listed_value_and_nothing_else() {
        let e = expected(|c| {
            c.required_claims = vec![
                ("token_use".into(), "id".into()),
                ("token_use".into(), "access".into()),
            ];
        });
        assert!(
            e.check(&claims(json!({"token_use": "access"})), None, 50)
                .is_ok()
        );
        for value in [json!("refresh"), json!(["access"]), Value::Null] {
            assert!(matches!(
                e.check(&claims(json!({"token_use": value})), None, 50),
                Err(AuthError::ClaimMismatch { .. })
            ));
        }
    }

    #[test]
    fn string_and_fractional_numeric_dates() {
        let claims: Map<String, Value> =
            serde_json::from_str(r#"{"exp":"9999999999","nbf":10.7,"iat":-1}"#).unwrap();
        assert!(matches!(
            numeric_date(&claims, "exp"),
            Err(AuthError::MissingClaim { .. })
        ));
        assert_eq!(numeric_date(&claims, "nbf").unwrap(), Some(10));
        assert_eq!(numeric_date(&claims, "iat").unwrap(), Some(-1));
        assert_eq!(numeric_date(&claims, "zzz").unwrap(), None);
    }
}
