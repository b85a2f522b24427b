//! End-user session verification (JWT via JWKS) and the session hash.
