//! Where configuration values come from: the [`EnvSource`] port, beneath everything that reads
//! the environment (configuration, TLS roots). Functions read the process environment; tests
//! pass a map, so no test mutates process-wide state.

use std::collections::BTreeMap;

/// Where variables are read from: the process environment, or a map in tests.
pub trait EnvSource {
    /// The value of `name`, if set.
    fn var(&self, name: &str) -> Option<String>;
}

/// `std::env`: what the functions read.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProcessEnv;

impl EnvSource for ProcessEnv {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }
}

impl EnvSource for BTreeMap<String, String> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).cloned()
    }
}

impl EnvSource for BTreeMap<&str, &str> {
    fn var(&self, name: &str) -> Option<String> {
        self.get(name).map(|v| (*v).to_owned())
    }
}
