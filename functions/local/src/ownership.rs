//! The development ownership service: `POST /dev/ownership`, the endpoint a site would run for
//! the ownership check (`OWNERSHIP_CHECK_URL`), so the demo and the tests exercise the real
//! HTTP check against something that answers like a site.
//!
//! Which orders a dev user owns: **every order id that does not end in `0`** (`88472`, the
//! demo's example, is the signed-in user's); **an order id ending in `0` belongs to another
//! customer** (try `88470` to see the `403 not-owned`). Every dev user owns the same orders: the
//! dev identity provider has no order book, and one rule is easy to remember. Any field other
//! than `orderId` is owned by nobody.

use std::collections::BTreeMap;

use axum::Json;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub(crate) struct CheckRequest {
    #[allow(dead_code, reason = "the rule is the same for every dev user")]
    subject: String,
    fields: BTreeMap<String, String>,
}

/// Whether the dev user owns request field `name` with `value`.
fn owned(name: &str, value: &str) -> bool {
    name == "orderId" && !value.is_empty() && !value.ends_with('0')
}

/// `POST /dev/ownership`: `{"subject", "fields"}` → `{"owned": [names]}`.
pub(crate) async fn check(Json(request): Json<CheckRequest>) -> Json<Value> {
    let owned: Vec<&String> = request
        .fields
        .iter()
        .filter(|(name, value)| owned(name, value))
        .map(|(name, _)| name)
        .collect();
    Json(json!({ "owned": owned }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dev_user_owns_every_order_not_ending_in_zero_and_nothing_else() {
        assert!(owned("orderId", "88472"));
        assert!(owned("orderId", "1"));
        assert!(!owned("orderId", "88470"));
        assert!(!owned("orderId", "10"));
        assert!(!owned("orderRef", "88472"));
    }
}
