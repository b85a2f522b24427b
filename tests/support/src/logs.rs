//! Log lines captured in memory: a writer for a `tracing` subscriber whose output a test reads
//! back, e.g. to check that a refusal's reason is logged while the response body stays generic.

use std::io::Write;
use std::sync::{Arc, Mutex, PoisonError};

/// Everything the subscriber wrote, shared between the subscriber and the test.
#[derive(Debug, Clone, Default)]
pub struct Capture(Arc<Mutex<Vec<u8>>>);

impl Capture {
    /// All lines written so far, lossily decoded.
    pub fn text(&self) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// How many bytes have been written so far: with [`Capture::since`], the lines one step wrote.
    pub fn mark(&self) -> usize {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).len()
    }

    /// The lines written after `mark`.
    pub fn since(&self, mark: usize) -> String {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(bytes.get(mark..).unwrap_or_default()).into_owned()
    }
}

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Capture {
    type Writer = Capture;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}
