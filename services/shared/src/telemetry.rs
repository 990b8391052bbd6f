//! Telemetry, set up in one place: structured logs, OpenTelemetry traces exported over
//! OTLP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, and W3C trace context carried across
//! gRPC metadata and AMQP headers so that one report is one trace.

use std::collections::BTreeMap;

use opentelemetry::{
    global,
    propagation::{Extractor, Injector},
    trace::TracerProvider as _,
};
use opentelemetry_sdk::{
    Resource,
    propagation::TraceContextPropagator,
    trace::{SdkTracerProvider, SpanExporter},
};
use serde::Deserialize;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::{EnvFilter, layer::SubscriberExt, util::SubscriberInitExt};

/// Trace context as carried in message headers and outbox rows.
pub type TraceHeaders = BTreeMap<String, String>;

#[derive(Clone, Copy, Debug, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable, for a terminal.
    #[default]
    Pretty,
    /// One JSON object a line, for log collectors.
    Json,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TelemetrySettings {
    pub log_format: LogFormat,
    /// Log filter when `RUST_LOG` is not set.
    pub log_level: String,
}

impl Default for TelemetrySettings {
    fn default() -> Self {
        Self {
            log_format: LogFormat::Pretty,
            log_level: "info,sqlx=warn,sea_orm=warn,lapin=warn".into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TelemetryError {
    #[error("OTLP exporter: {0}")]
    Exporter(String),
    #[error("a global tracing subscriber is already installed")]
    AlreadyInstalled,
}

/// Keeps the tracer provider alive; flushes spans when dropped.
#[must_use = "dropping the guard stops trace export"]
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
}

impl TelemetryGuard {
    /// Exports every span that has ended so far.
    pub fn flush(&self) {
        if let Err(error) = self.provider.force_flush() {
            tracing::warn!(%error, "could not flush spans");
        }
    }
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        let _ = self.provider.shutdown();
    }
}

/// Installs logging and tracing for a process named `service_name`. Spans go to the
/// OTLP endpoint when `OTEL_EXPORTER_OTLP_ENDPOINT` is set, otherwise nowhere (but trace
/// context is still propagated).
pub fn init(
    service_name: &str,
    settings: &TelemetrySettings,
) -> Result<TelemetryGuard, TelemetryError> {
    let exporter =
        if std::env::var("OTEL_EXPORTER_OTLP_ENDPOINT").is_ok_and(|v| !v.trim().is_empty()) {
            Some(
                opentelemetry_otlp::SpanExporter::builder()
                    .with_tonic()
                    .build()
                    .map_err(|e| TelemetryError::Exporter(e.to_string()))?,
            )
        } else {
            None
        };
    let mut builder = SdkTracerProvider::builder().with_resource(resource(service_name));
    if let Some(exporter) = exporter {
        builder = builder.with_batch_exporter(exporter);
    }
    install(builder.build(), service_name, settings)
}

/// Like [`init`], but every span goes synchronously to `exporter`: for tests that
/// inspect spans.
pub fn init_with_exporter(
    exporter: impl SpanExporter + 'static,
    service_name: &str,
    settings: &TelemetrySettings,
) -> Result<TelemetryGuard, TelemetryError> {
    let provider = SdkTracerProvider::builder()
        .with_resource(resource(service_name))
        .with_simple_exporter(exporter)
        .build();
    install(provider, service_name, settings)
}

fn resource(service_name: &str) -> Resource {
    Resource::builder()
        .with_service_name(service_name.to_owned())
        .build()
}

fn install(
    provider: SdkTracerProvider,
    service_name: &str,
    settings: &TelemetrySettings,
) -> Result<TelemetryGuard, TelemetryError> {
    global::set_text_map_propagator(TraceContextPropagator::new());
    global::set_tracer_provider(provider.clone());
    let tracer = provider.tracer(service_name.to_owned());
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.log_level));
    let otel = tracing_opentelemetry::layer().with_tracer(tracer);
    let registry = tracing_subscriber::registry().with(filter).with(otel);
    let result = match settings.log_format {
        LogFormat::Pretty => registry
            .with(tracing_subscriber::fmt::layer().with_writer(std::io::stderr))
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    result.map_err(|_| TelemetryError::AlreadyInstalled)?;
    Ok(TelemetryGuard { provider })
}

/// The current span's trace context, as headers to send along.
pub fn current_trace_headers() -> TraceHeaders {
    let context = tracing::Span::current().context();
    let mut headers = TraceHeaders::new();
    global::get_text_map_propagator(|propagator| {
        propagator.inject_context(&context, &mut MapCarrier(&mut headers));
    });
    headers
}

/// Makes `span` a child of the trace whose context `headers` carry, if they carry one.
pub fn continue_trace(span: &tracing::Span, headers: &TraceHeaders) {
    let mut copy = headers.clone();
    let context =
        global::get_text_map_propagator(|propagator| propagator.extract(&MapCarrier(&mut copy)));
    let _ = span.set_parent(context);
}

/// Makes `span` a child of the trace whose context the HTTP/2 headers carry.
pub fn continue_trace_from_http(span: &tracing::Span, headers: &http::HeaderMap) {
    let context =
        global::get_text_map_propagator(|propagator| propagator.extract(&HeaderCarrier(headers)));
    let _ = span.set_parent(context);
}

struct MapCarrier<'a>(&'a mut TraceHeaders);

impl Injector for MapCarrier<'_> {
    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), value);
    }
}

impl Extractor for MapCarrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(String::as_str).collect()
    }
}

struct HeaderCarrier<'a>(&'a http::HeaderMap);

impl Extractor for HeaderCarrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|v| v.to_str().ok())
    }
    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(http::HeaderName::as_str).collect()
    }
}
