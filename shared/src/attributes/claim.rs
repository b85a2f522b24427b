//! A `claim` source: where in the verified token an attribute's value is.
//!
//! - A name starting with `/` is a JSON Pointer (RFC 6901) into the claims: `/realm_access/roles`
//!   (Keycloak), `/firebase/sign_in_provider` (Firebase), `/shop/tier` (a Keycloak mapper whose
//!   claim name is `shop.tier`). `~1` stands for `/` and `~0` for `~` inside a segment.
//! - Anything else is one top-level claim name, taken literally, dots and colons included:
//!   `tier`, `custom:tier` (Cognito), `https://shop.example/tier` (Auth0), `extn.tier` (Entra).
//!
//! A pointer and not a dotted path, because real claim names hold dots (`extn.tier`) and colons
//! (`custom:tier`): with a pointer every claim can be named without escapes in the common case.
//!
//! A claim's value must be a scalar (a string, number or boolean), else the attribute is
//! refused at request time (`nested`). One mapping of arrays is defined: with
//! `contains = "<value>"` a `boolean` attribute is `true` when the claim is an array holding that
//! string, `false` when it is an array without it or the claim is absent (a user with no roles
//! or groups), and refused (`contains`) when the claim is anything but an array: Keycloak realm
//! roles, Okta and Entra groups, Cognito `cognito:groups`.

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::error::{AttributeError, SchemaError};
use super::value::AttributeType;

/// Longest claim name or pointer accepted.
const MAX_CLAIM_LEN: usize = 128;
/// Longest `contains` value accepted.
const MAX_CONTAINS_LEN: usize = 256;

/// A `claim` source, checked at schema load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimSource {
    path: String,
    contains: Option<String>,
}

impl ClaimSource {
    /// The claim name or JSON Pointer as written in the schema.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The `contains` value, for a boolean taken from an array claim.
    pub fn contains(&self) -> Option<&str> {
        self.contains.as_deref()
    }

    /// `verified claim \`tier\``, or with `contains`, what it tests.
    pub fn describe(&self) -> String {
        match &self.contains {
            None => format!("verified claim `{}`", self.path),
            Some(v) => format!("verified claim `{}` contains `{v}`", self.path),
        }
    }

    /// The value this source gives attribute `key`: the claim as it is, or with `contains`, the
    /// boolean it maps to; `None` when the claim is absent (and no `contains`).
    pub(super) fn value<'a>(
        &self,
        claims: &'a Map<String, Value>,
        key: &str,
    ) -> Result<Option<Cow<'a, Value>>, AttributeError> {
        let found = self.find(claims);
        let Some(needle) = &self.contains else {
            return Ok(found.map(Cow::Borrowed));
        };
        match found {
            None | Some(Value::Null) => Ok(Some(Cow::Owned(Value::Bool(false)))),
            Some(Value::Array(items)) => Ok(Some(Cow::Owned(Value::Bool(
                items.iter().any(|i| i.as_str() == Some(needle)),
            )))),
            Some(_) => Err(AttributeError::NotAList {
                key: key.to_owned(),
            }),
        }
    }

    fn find<'a>(&self, claims: &'a Map<String, Value>) -> Option<&'a Value> {
        let Some(pointer) = self.path.strip_prefix('/') else {
            return claims.get(&self.path);
        };
        let (first, rest) = match pointer.find('/') {
            Some(at) => (&pointer[..at], &pointer[at..]),
            None => (pointer, ""),
        };
        claims.get(&unescape(first))?.pointer(rest)
    }
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}

fn bad(key: &str, reason: impl Into<String>) -> SchemaError {
    SchemaError::BadSource {
        key: key.to_owned(),
        reason: reason.into(),
    }
}

/// `source = { claim = "...", contains = "..." }` for an attribute of type `ty`.
pub(super) fn parse(
    key: &str,
    ty: AttributeType,
    table: &toml::Table,
) -> Result<ClaimSource, SchemaError> {
    if let Some(other) = table.keys().find(|k| *k != "claim" && *k != "contains") {
        return Err(bad(
            key,
            format!("a claim source takes `claim` and optionally `contains`, not `{other}`"),
        ));
    }
    let path = match table.get("claim") {
        Some(toml::Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err(bad(key, "`source.claim` is a non-empty string")),
    };
    if path.len() > MAX_CLAIM_LEN || path.chars().any(char::is_control) {
        return Err(bad(key, "a claim name is at most 128 printable characters"));
    }
    if path.starts_with('/') && !valid_pointer(&path) {
        return Err(bad(
            key,
            format!("`{path}` is not a JSON Pointer: `~` must be followed by `0` or `1`"),
        ));
    }
    let contains = match table.get("contains") {
        None => None,
        Some(toml::Value::String(s))
            if !s.is_empty() && s.len() <= MAX_CONTAINS_LEN && !s.chars().any(char::is_control) =>
        {
            Some(s.clone())
        }
        Some(_) => {
            return Err(bad(
                key,
                "`source.contains` is a non-empty string of at most 256 printable characters",
            ));
        }
    };
    if contains.is_some() && ty != AttributeType::Boolean {
        return Err(SchemaError::Contradiction {
            key: key.to_owned(),
            rule: "source",
            detail: format!("`contains` makes a boolean, not a {ty}"),
        });
    }
    Ok(ClaimSource { path, contains })
}

/// RFC 6901: every `~` is followed by `0` or `1`.
fn valid_pointer(pointer: &str) -> bool {
    let bytes = pointer.as_bytes();
    bytes
        .iter()
        .enumerate()
        .all(|(i, b)| *b != b'~' || matches!(bytes.get(i + 1), Some(b'0' | b'1')))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::json;

    use super::*;

    fn source(toml_table: &str, ty: AttributeType) -> Result<ClaimSource, SchemaError> {
        let table: toml::Table = toml::from_str(toml_table).unwrap();
        parse("k", ty, &table)
    }

    fn claims() -> Map<String, Value> {
        json!({
            "custom:tier": "2",
            "https://shop.example/tier": 3,
            "extn.tier": "1",
            "realm_access": {"roles": ["offline_access", "vip"]},
            "firebase": {"sign_in_provider": "password"},
            "a/b": {"c~d": "escaped"},
            "groups": "not-a-list"
        })
        .as_object()
        .unwrap()
        .clone()
    }

    fn found(path: &str) -> Option<Value> {
        let s = source(&format!("claim = {path:?}"), AttributeType::String).unwrap();
        s.value(&claims(), "k").unwrap().map(Cow::into_owned)
    }

    #[test]
    fn a_name_without_a_leading_slash_is_one_claim_taken_literally() {
        assert_eq!(found("custom:tier"), Some(json!("2")));
        assert_eq!(found("https://shop.example/tier"), Some(json!(3)));
        assert_eq!(found("extn.tier"), Some(json!("1")));
        assert_eq!(found("realm_access.roles"), None);
    }

    #[test]
    fn a_leading_slash_makes_a_json_pointer() {
        assert_eq!(found("/realm_access/roles/1"), Some(json!("vip")));
        assert_eq!(found("/firebase/sign_in_provider"), Some(json!("password")));
        assert_eq!(found("/a~1b/c~0d"), Some(json!("escaped")));
        assert_eq!(found("/firebase/missing"), None);
        assert_eq!(
            found("/realm_access"),
            Some(json!({"roles": ["offline_access", "vip"]}))
        );
    }

    #[test]
    fn contains_maps_an_array_to_a_boolean_and_refuses_anything_else() {
        let vip = |claim: &str| {
            let s = source(
                &format!("claim = {claim:?}\ncontains = \"vip\""),
                AttributeType::Boolean,
            )
            .unwrap();
            s.value(&claims(), "k").map(|v| v.map(Cow::into_owned))
        };
        assert_eq!(vip("/realm_access/roles").unwrap(), Some(json!(true)));
        assert_eq!(vip("/firebase/roles").unwrap(), Some(json!(false)));
        assert_eq!(
            vip("groups").unwrap_err(),
            AttributeError::NotAList { key: "k".into() }
        );
    }

    #[test]
    fn bad_sources_are_refused_at_load() {
        for (table, ty) in [
            ("claim = \"/a~2b\"", AttributeType::String),
            ("claim = \"\"", AttributeType::String),
            (
                "claim = \"roles\"\ncontains = \"vip\"",
                AttributeType::String,
            ),
            ("claim = \"roles\"\ncontains = \"\"", AttributeType::Boolean),
            ("claim = \"roles\"\ncontains = 3", AttributeType::Boolean),
            (
                "claim = \"roles\"\nequals = \"vip\"",
                AttributeType::Boolean,
            ),
        ] {
            assert!(source(table, ty).is_err(), "{table}");
        }
        assert!(
            source(
                &format!("claim = {:?}", "x".repeat(129)),
                AttributeType::String
            )
            .is_err()
        );
    }
}
