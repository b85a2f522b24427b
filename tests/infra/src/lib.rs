//! Tests only: the deployment files (`infra/`) checked against the code. See `tests/`.
