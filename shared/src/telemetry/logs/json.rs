//! The JSON line format: one object per event, every field at the top level.
//!
//! `{"timestamp","level","message", <the event's fields>, <the fields of every span it is in>,
//! <the process's static fields>}`. Span fields carry what one invocation shares (request ids,
//! `cold_start`, the trace id); static fields what the process shares (function name and
//! version). Both are written after the event's own fields, so an event can never overwrite
//! them (a field named `request_id` in a message cannot pose as the request's), and an outer
//! span's field wins over an inner span's of the same name.

use std::fmt::Write as _;
use std::io::Write as _;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::Context;
use tracing_subscriber::registry::LookupSpan;

/// Writes each event as one JSON line to `writer`.
pub(super) struct JsonLines<W> {
    writer: W,
    statics: Map<String, Value>,
}

impl<W> JsonLines<W> {
    pub(super) fn new(writer: W, statics: &[(&str, String)]) -> Self {
        Self {
            writer,
            statics: statics
                .iter()
                .map(|(k, v)| ((*k).to_owned(), Value::from(v.as_str())))
                .collect(),
        }
    }
}

/// A span's fields, kept in its extensions.
struct SpanFields(Map<String, Value>);

struct Fields<'a>(&'a mut Map<String, Value>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().to_owned(), Value::from(value));
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0
            .insert(field.name().to_owned(), Value::from(value.to_string()));
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let mut text = String::new();
        let _ = write!(text, "{value:?}");
        self.0.insert(field.name().to_owned(), Value::from(text));
    }
}

impl<S, W> Layer<S> for JsonLines<W>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + 'static,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut fields = Map::new();
        attrs.record(&mut Fields(&mut fields));
        span.extensions_mut().insert(SpanFields(fields));
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, ctx: Context<'_, S>) {
        let Some(span) = ctx.span(id) else { return };
        let mut extensions = span.extensions_mut();
        if let Some(SpanFields(fields)) = extensions.get_mut::<SpanFields>() {
            values.record(&mut Fields(fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let mut line = Map::new();
        line.insert("timestamp".to_owned(), Value::from(timestamp()));
        line.insert(
            "level".to_owned(),
            Value::from(event.metadata().level().as_str()),
        );
        let mut fields = Map::new();
        event.record(&mut Fields(&mut fields));
        if let Some(message) = fields.remove("message") {
            line.insert("message".to_owned(), message);
        }
        line.extend(fields);
        // The outermost span wins a name: the invocation's `request_id` is not replaced by the
        // AWS SDK's span field of the same name around one of its calls.
        let mut spans = Map::new();
        if let Some(scope) = ctx.event_scope(event) {
            for span in scope.from_root() {
                if let Some(SpanFields(fields)) = span.extensions().get::<SpanFields>() {
                    for (k, v) in fields {
                        spans.entry(k.clone()).or_insert_with(|| v.clone());
                    }
                }
            }
        }
        line.extend(spans);
        line.extend(self.statics.iter().map(|(k, v)| (k.clone(), v.clone())));
        let Ok(mut bytes) = serde_json::to_vec(&line) else {
            return;
        };
        bytes.push(b'\n');
        let _ = self.writer.make_writer().write_all(&bytes);
    }
}

/// RFC 3339 UTC with milliseconds, as Lambda's own JSON lines write it.
fn timestamp() -> String {
    let now = time::OffsetDateTime::now_utc();
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    now.format(&format).unwrap_or_default()
}
