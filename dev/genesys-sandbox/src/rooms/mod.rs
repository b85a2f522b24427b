//! The sandbox's memory, one room per resource, each keyed the way it is looked up and each
//! behind its own lock: the OAuth client and its bearer tokens (`clients.rs`), conversations by
//! id (`conversations.rs`), initiation tokens (`initiations.rs`), the request log
//! (`requests.rs`) and the armed faults (`faults.rs`). The guest sessions keep a room of their
//! own (`crate::guests`), and so does the inbound flow (`crate::inbound`); `crate::state`
//! composes them all.

mod clients;
mod conversations;
mod faults;
mod initiations;
mod requests;
mod room;

pub(crate) use clients::Clients;
pub(crate) use conversations::Conversations;
pub(crate) use faults::ArmedFaults;
pub(crate) use initiations::{Initiations, StartCheck};
pub(crate) use requests::RequestLog;
