//! The external programs the suites run (`moto_server`, `cargo-lambda`): where to find them.
//!
//! `scripts/python-tools.sh` installs them, pinned, into a virtual environment of its own and
//! puts its `bin/` first on `PATH` for the scripts that source it. A suite run from a plain
//! shell (`cargo nextest run`) finds them there too, so a machine that ran `scripts/test.sh`
//! once needs nothing else. A program found nowhere is an error naming how to install it: a
//! suite that needs one fails, it never skips.

use std::path::{Path, PathBuf};

/// A program the suites need and could not find.
#[derive(Debug, thiserror::Error)]
#[error(
    "`{program}` not found (set {variable}, put it on PATH, or install the pinned Python tools: \
     `source scripts/python-tools.sh && python_tools`)"
)]
pub struct NotInstalled {
    /// The program's name.
    pub program: &'static str,
    /// The variable that names it explicitly.
    pub variable: &'static str,
}

/// `$variable` if set; else `program` on `PATH`; else the project's Python tools environment
/// (`${XDG_CACHE_HOME:-$HOME/.cache}/secure-initiation/python-tools/bin`, where
/// `scripts/python-tools.sh` puts it).
pub fn find(program: &'static str, variable: &'static str) -> Result<PathBuf, NotInstalled> {
    if let Some(explicit) = std::env::var_os(variable) {
        return Ok(PathBuf::from(explicit));
    }
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default();
    on_path
        .into_iter()
        .chain(python_tools_bin())
        .map(|dir| dir.join(program))
        .find(|candidate| is_file(candidate))
        .ok_or(NotInstalled { program, variable })
}

fn python_tools_bin() -> Option<PathBuf> {
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))?;
    Some(cache.join("secure-initiation/python-tools/bin"))
}

fn is_file(path: &Path) -> bool {
    path.metadata().is_ok_and(|m| m.is_file())
}
