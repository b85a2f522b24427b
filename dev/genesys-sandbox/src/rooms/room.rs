//! The lock every room of the sandbox keeps its store behind.

use std::sync::{Arc, Mutex, PoisonError};

/// A store behind its own lock, shared by every clone.
#[derive(Debug)]
pub(crate) struct Room<T>(Arc<Mutex<T>>);

impl<T> Clone for Room<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T> Room<T> {
    pub(crate) fn new(store: T) -> Self {
        Self(Arc::new(Mutex::new(store)))
    }

    /// Runs `f` on the store under its lock. Every change to a room is one step that leaves it
    /// consistent, so a panic elsewhere under the lock leaves usable data: a poisoned lock is
    /// recovered rather than passed on.
    pub(crate) fn with<R>(&self, f: impl FnOnce(&mut T) -> R) -> R {
        f(&mut self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}
