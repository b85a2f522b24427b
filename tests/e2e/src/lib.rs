//! End-to-end suites live under `tests/`; see `tests/common/mod.rs` for the harness.
