//! The in-memory store: every port of `ports::store` behind one mutex, so each operation is
//! atomic exactly like a DynamoDB conditional write. For tests and the local stack; it forgets
//! everything on restart and is not shared between processes.

mod idempotency;
mod items;
mod pending;
mod sessions;

pub use items::{MemoryStore, SessionCounts};
