//! The validate-session input as both entry points parse it: the API Gateway body
//! (`ValidationRequest::parse`) and the AWS Lambda data action's already-decoded event
//! (`ValidationRequest::from_value`). Beyond "no panic": whatever the strict body parser
//! accepts, the event parser accepts identically.
#![no_main]

use libfuzzer_sys::fuzz_target;
use secure_initiation::request::{RefreshRequest, ValidationRequest};

fuzz_target!(|data: &[u8]| {
    let strict = ValidationRequest::parse(data);
    let _ = RefreshRequest::parse(data);
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let event = ValidationRequest::from_value(value);
        if let Ok(parsed) = &strict {
            assert_eq!(event.as_ref().ok(), Some(parsed));
        }
    }
});
