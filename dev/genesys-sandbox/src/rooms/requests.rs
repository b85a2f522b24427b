//! The request log: every request the sandbox received (admin routes excluded), oldest first,
//! with the status it was answered.

use crate::record::RecordedRequest;
use crate::rooms::room::Room;

/// The recorded requests.
#[derive(Debug, Clone)]
pub(crate) struct RequestLog(Room<Vec<RecordedRequest>>);

impl RequestLog {
    pub(crate) fn new() -> Self {
        Self(Room::new(Vec::new()))
    }

    /// Records a request (numbering it); where it is, to set its status once answered.
    pub(crate) fn record(&self, mut request: RecordedRequest) -> usize {
        self.0.with(|log| {
            request.seq = u64::try_from(log.len()).unwrap_or(u64::MAX) + 1;
            log.push(request);
            log.len() - 1
        })
    }

    /// The status a recorded request was answered.
    pub(crate) fn set_status(&self, index: usize, status: u16) {
        self.0.with(|log| {
            if let Some(r) = log.get_mut(index) {
                r.status = Some(status);
            }
        });
    }

    /// Every request, oldest first.
    pub(crate) fn all(&self) -> Vec<RecordedRequest> {
        self.0.with(|log| log.clone())
    }

    /// The requests `keep` selects, oldest first.
    #[cfg(feature = "test-views")]
    pub(crate) fn select(&self, keep: impl Fn(&RecordedRequest) -> bool) -> Vec<RecordedRequest> {
        self.0
            .with(|log| log.iter().filter(|r| keep(r)).cloned().collect())
    }

    /// How many requests `keep` selects.
    pub(crate) fn count(&self, keep: impl Fn(&RecordedRequest) -> bool) -> usize {
        self.0.with(|log| log.iter().filter(|r| keep(r)).count())
    }

    /// Forgets every request.
    pub(crate) fn clear(&self) {
        self.0.with(Vec::clear);
    }
}
