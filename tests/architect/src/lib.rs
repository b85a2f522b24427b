//! Helpers of the architect suites: where the repository and the fixture flows are.

use std::path::{Path, PathBuf};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fixture flow's text.
pub fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| format!("cannot read {}: {e}", path.display()))
}

/// A repository file's text.
pub fn repo_file(path: &str) -> String {
    let full = root().join(path);
    std::fs::read_to_string(&full)
        .unwrap_or_else(|e| format!("cannot read {}: {e}", full.display()))
}
