//! Reads one variable by its row: trimmed, blank means absent, a present value that the row
//! does not accept is an error naming the variable, the value and what it accepts (nothing
//! quietly falls back to a default).

use std::time::Duration;

use url::Url;

use super::error::ConfigError;
use super::vars::{Kind, Variable};
use crate::env::EnvSource;

/// A variable that is not accepted.
pub(super) fn invalid(variable: &Variable, value: &str) -> ConfigError {
    ConfigError::Invalid {
        variable: variable.name,
        value: value.to_owned(),
        accepted: variable.accepts(),
    }
}

/// Reads rows from an environment.
pub(super) struct Reader<'a, E: EnvSource + ?Sized> {
    pub(super) env: &'a E,
}

impl<E: EnvSource + ?Sized> Reader<'_, E> {
    /// The trimmed value, `None` when unset or blank.
    pub(super) fn optional(&self, variable: &Variable) -> Option<String> {
        self.env
            .var(variable.name)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }

    /// The value, or [`ConfigError::Missing`].
    pub(super) fn required(&self, variable: &Variable) -> Result<String, ConfigError> {
        self.optional(variable).ok_or_else(|| ConfigError::Missing {
            variable: variable.name,
            accepted: variable.accepts(),
        })
    }

    /// An integer row: its default when absent, an error outside its range.
    pub(super) fn integer(&self, variable: &Variable) -> Result<i64, ConfigError> {
        let Kind::Integer {
            min, max, default, ..
        } = variable.kind
        else {
            return Err(ConfigError::NotOfKind {
                variable: variable.name,
                kind: "an integer",
            });
        };
        match self.optional(variable) {
            None => Ok(default),
            Some(v) => match v.parse::<i64>() {
                Ok(n) if (min..=max).contains(&n) => Ok(n),
                _ => Err(invalid(variable, &v)),
            },
        }
    }

    /// An integer row that is a count (its range starts at zero or above).
    pub(super) fn count(&self, variable: &Variable) -> Result<u32, ConfigError> {
        let n = self.integer(variable)?;
        u32::try_from(n).map_err(|_| invalid(variable, &n.to_string()))
    }

    /// An integer row of seconds.
    pub(super) fn secs(&self, variable: &Variable) -> Result<Duration, ConfigError> {
        let n = self.integer(variable)?;
        u64::try_from(n)
            .map(Duration::from_secs)
            .map_err(|_| invalid(variable, &n.to_string()))
    }

    /// An integer row of milliseconds.
    pub(super) fn millis(&self, variable: &Variable) -> Result<Duration, ConfigError> {
        let n = self.integer(variable)?;
        u64::try_from(n)
            .map(Duration::from_millis)
            .map_err(|_| invalid(variable, &n.to_string()))
    }

    /// A flag row.
    pub(super) fn flag(&self, variable: &Variable) -> Result<bool, ConfigError> {
        let Kind::Flag { default } = variable.kind else {
            return Err(ConfigError::NotOfKind {
                variable: variable.name,
                kind: "a flag",
            });
        };
        match self.optional(variable).as_deref() {
            None => Ok(default),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(v) => Err(invalid(variable, v)),
        }
    }

    /// A choice row: one of its values, its default when absent.
    pub(super) fn choice(&self, variable: &Variable) -> Result<&'static str, ConfigError> {
        let Kind::Choice { values, default } = variable.kind else {
            return Err(ConfigError::NotOfKind {
                variable: variable.name,
                kind: "a choice",
            });
        };
        match self.optional(variable) {
            None => Ok(default),
            Some(v) => values
                .iter()
                .find(|c| **c == v)
                .copied()
                .ok_or_else(|| invalid(variable, &v)),
        }
    }

    /// An `https` URL (plain `http` only to loopback, for local runs and tests).
    pub(super) fn url(&self, variable: &Variable, value: &str) -> Result<Url, ConfigError> {
        let url = Url::parse(value).map_err(|_| invalid(variable, value))?;
        let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
        if url.scheme() == "https" || (url.scheme() == "http" && loopback) {
            Ok(url)
        } else {
            Err(invalid(variable, value))
        }
    }

    /// An optional URL row.
    pub(super) fn optional_url(&self, variable: &Variable) -> Result<Option<Url>, ConfigError> {
        self.optional(variable)
            .map(|v| self.url(variable, &v))
            .transpose()
    }
}
