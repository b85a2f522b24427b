//! The armed faults: the next requests (under a path prefix, if given) fail as chosen, each
//! fault as often as it was armed for.

use crate::faults::{Fault, FaultKind};
use crate::rooms::room::Room;

/// Faults armed and not yet used up, in the order they were armed.
#[derive(Debug, Clone)]
pub(crate) struct ArmedFaults(Room<Vec<Fault>>);

impl ArmedFaults {
    pub(crate) fn new() -> Self {
        Self(Room::new(Vec::new()))
    }

    /// Arms a fault.
    pub(crate) fn arm(&self, fault: Fault) {
        self.0.with(|f| f.push(fault));
    }

    /// Takes one use of the first fault matching `path`.
    pub(crate) fn take(&self, path: &str) -> Option<FaultKind> {
        self.0.with(|f| take(f, path))
    }

    /// The armed faults.
    pub(crate) fn all(&self) -> Vec<Fault> {
        self.0.with(|f| f.clone())
    }

    /// Disarms every fault.
    pub(crate) fn clear(&self) {
        self.0.with(Vec::clear);
    }
}

/// Takes one use of the first armed fault matching `path`.
fn take(faults: &mut Vec<Fault>, path: &str) -> Option<FaultKind> {
    let i = faults.iter().position(|f| f.matches(path))?;
    let fault = &mut faults[i];
    fault.count -= 1;
    let kind = fault.kind.clone();
    if fault.count == 0 {
        faults.remove(i);
    }
    Some(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fault_applies_only_to_its_path_and_only_as_often_as_armed() {
        let mut faults = vec![Fault::status(503).times(2).on_path("/oauth/token")];
        assert_eq!(take(&mut faults, "/api/v2/conversations/messages/x"), None);
        assert!(take(&mut faults, "/oauth/token").is_some());
        assert!(take(&mut faults, "/oauth/token").is_some());
        assert_eq!(take(&mut faults, "/oauth/token"), None);
        assert!(faults.is_empty());
    }
}
