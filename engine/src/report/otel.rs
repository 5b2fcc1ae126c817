//! OpenTelemetry traces of a run, exported over OTLP/HTTP (protobuf) when the standard
//! `OTEL_*` variables ask for it: a span for the run, one per step and one per tool
//! invocation inside it, with the run id, script, parameters (secrets masked), roots and
//! exit codes as attributes and an error status where something failed. `TRACEPARENT`
//! (W3C trace context, what CI systems pass on) makes the run a child of the caller's span.
//!
//! A reporter like the others: it sees the run's events and nothing else, so tracing
//! costs a run nothing unless it is switched on, and cannot change what the run does.
//! The export goes through `ureq` (the HTTP client the rest of auto uses), from the SDK's
//! batching thread; the run waits for the last batch when it ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use opentelemetry::propagation::TextMapPropagator;
use opentelemetry::trace::{SpanKind, Status, TraceContextExt, Tracer as _, TracerProvider as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_otlp::{WithExportConfig as _, WithHttpConfig as _};
use opentelemetry_sdk::trace::{SdkTracer, SdkTracerProvider};

use super::{Event, Reporter, StepStatus};
use crate::secret::redact;

/// The spans of one run: the run's, each running step's (by scope) and each running
/// tool's (by scope, in start order).
struct Spans {
    run: Option<Context>,
    steps: HashMap<String, Context>,
    tools: HashMap<String, Vec<(String, Context)>>,
}

pub struct OtelReporter {
    provider: SdkTracerProvider,
    tracer: SdkTracer,
    /// Where the spans go, for the warning when they could not be sent.
    endpoint: String,
    export_failure: ExportFailure,
    /// The caller's span from `TRACEPARENT`, or none.
    parent: Context,
    spans: Mutex<Spans>,
}

/// Why tracing could not be switched on: said once on stderr, and the run goes on.
#[derive(Debug, thiserror::Error)]
#[error("OpenTelemetry: {0}")]
pub struct OtelError(String);

impl OtelReporter {
    /// The reporter the environment asks for: none unless `OTEL_EXPORTER_OTLP_ENDPOINT` or
    /// `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set, and none when `OTEL_SDK_DISABLED=true`
    /// or `OTEL_TRACES_EXPORTER=none` (the specification's switches).
    pub fn from_env() -> Option<Result<OtelReporter, OtelError>> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let endpoint = var("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT").or_else(|| var("OTEL_EXPORTER_OTLP_ENDPOINT"))?;
        if var("OTEL_SDK_DISABLED").is_some_and(|v| v.eq_ignore_ascii_case("true"))
            || var("OTEL_TRACES_EXPORTER").is_some_and(|v| v == "none")
        {
            return None;
        }
        let protocol = var("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL").or_else(|| var("OTEL_EXPORTER_OTLP_PROTOCOL"));
        if let Some(other) = protocol.filter(|p| p != "http/protobuf") {
            return Some(Err(OtelError(format!(
                "OTEL_EXPORTER_OTLP_PROTOCOL={other} is not supported: auto exports http/protobuf (port 4318 of a collector); traces are off"
            ))));
        }
        Some(Self::exporting(&endpoint))
    }

    fn exporting(endpoint: &str) -> Result<OtelReporter, OtelError> {
        // The exporter reads the endpoint, headers and timeout from the standard variables
        // itself; a bad one is refused here, before the run.
        let export_failure = ExportFailure::default();
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .with_http_client(UreqClient::new(export_failure.clone()))
            .build()
            .map_err(|e| OtelError(format!("cannot export to {endpoint}: {e}")))?;
        let resource = opentelemetry_sdk::Resource::builder()
            .with_service_name("auto")
            .with_attribute(KeyValue::new("service.version", env!("CARGO_PKG_VERSION")))
            .build();
        let provider = SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build();
        let tracer = provider.tracer("auto");
        Ok(OtelReporter {
            provider,
            tracer,
            endpoint: endpoint.to_string(),
            export_failure,
            parent: parent_from_env(),
            spans: Mutex::new(Spans { run: None, steps: HashMap::new(), tools: HashMap::new() }),
        })
    }

    fn start(&self, name: String, parent: &Context, attributes: Vec<KeyValue>) -> Context {
        let span = self
            .tracer
            .span_builder(name)
            .with_kind(SpanKind::Internal)
            .with_attributes(attributes)
            .start_with_context(&self.tracer, parent);
        parent.with_span(span)
    }
}

/// The caller's span context from `TRACEPARENT` (and `TRACESTATE`), as W3C trace context
/// defines them; an empty context when there is none or it does not parse.
fn parent_from_env() -> Context {
    let mut carrier = HashMap::new();
    for (variable, header) in [("TRACEPARENT", "traceparent"), ("TRACESTATE", "tracestate")] {
        if let Ok(value) = std::env::var(variable) {
            carrier.insert(header.to_string(), value);
        }
    }
    opentelemetry_sdk::propagation::TraceContextPropagator::new().extract(&carrier)
}

/// The innermost running step at or above `scope`: a tool in `acme/infra` belongs to the
/// step `acme/infra`, and one in `acme/infra/plan` (a nested scope) to it as well.
fn enclosing<'a>(steps: &'a HashMap<String, Context>, scope: &str) -> Option<&'a Context> {
    let mut at = scope;
    loop {
        if let Some(found) = steps.get(at) {
            return Some(found);
        }
        at = at.rsplit_once('/')?.0;
    }
}

fn failed(context: &Context, message: &str) {
    context.span().set_status(Status::error(redact(message)));
}

impl Reporter for OtelReporter {
    fn event(&self, scope: Option<&str>, event: &Event) {
        let mut spans = self.spans.lock().unwrap_or_else(|e| e.into_inner());
        let scope_key = |fallback: &str| scope.unwrap_or(fallback).to_string();
        match event {
            Event::RunStarted { run_id, script, mode, params, .. } => {
                let attributes = vec![
                    KeyValue::new("auto.run_id", run_id.clone()),
                    KeyValue::new("auto.script", script.clone()),
                    KeyValue::new(
                        "auto.mode",
                        serde_json::to_value(mode).unwrap_or_default().as_str().unwrap_or_default().to_string(),
                    ),
                    KeyValue::new("auto.params", redact(&params.to_string())),
                ];
                let run = self.start(format!("auto run {script}"), &self.parent, attributes);
                let trace_id = run.span().span_context().trace_id().to_string();
                crate::errln!("trace {trace_id} (OpenTelemetry, run {run_id})");
                if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY") {
                    use std::io::Write as _;
                    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(summary) {
                        let _ = writeln!(file, "OpenTelemetry trace of run `{run_id}`: `{trace_id}`\n");
                    }
                }
                spans.run = Some(run);
            }
            Event::StepStarted { step } => {
                let Some(run) = spans.run.clone() else { return };
                let key = scope_key(step);
                let attributes =
                    vec![KeyValue::new("auto.step", step.clone()), KeyValue::new("auto.scope", key.clone())];
                let context = self.start(format!("step {}", redact(&key)), &run, attributes);
                spans.steps.insert(key, context);
            }
            Event::CommandStarted { command } => {
                let Some(run) = spans.run.clone() else { return };
                let key = scope_key("");
                let parent = enclosing(&spans.steps, &key).cloned().unwrap_or(run);
                let command = redact(command);
                // `terraform plan`, `kubectl rollout`: the program and its subcommand, past
                // the `NAME=value` environment shown before them.
                let is_assignment = |w: &&str| {
                    w.split_once('=')
                        .is_some_and(|(n, _)| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                };
                let name = command.split_whitespace().skip_while(is_assignment).take(2).collect::<Vec<_>>().join(" ");
                let context = self.start(name, &parent, vec![KeyValue::new("process.command_line", command.clone())]);
                spans.tools.entry(key).or_default().push((command, context));
            }
            Event::CommandFinished { command, exit_code, elapsed_ms } => {
                let key = scope_key("");
                let command = redact(command);
                let Some(running) = spans.tools.get_mut(&key) else { return };
                let Some(index) = running.iter().position(|(c, _)| *c == command) else { return };
                let (_, context) = running.remove(index);
                let span = context.span();
                span.set_attribute(KeyValue::new("auto.elapsed_ms", *elapsed_ms as i64));
                match exit_code {
                    Some(code) => span.set_attribute(KeyValue::new("process.exit_code", i64::from(*code))),
                    None => span.set_attribute(KeyValue::new("auto.stopped", true)),
                }
                if *exit_code != Some(0) {
                    failed(
                        &context,
                        &format!(
                            "`{command}` exited {}",
                            exit_code.map_or("by a signal or timeout".into(), |c| c.to_string())
                        ),
                    );
                }
                span.end();
            }
            Event::ChangeSummary { root, add, change, destroy, replace, .. } => {
                // The terraform root a step planned or applied: on the step's span.
                if let Some(context) = enclosing(&spans.steps, &scope_key("")).or(spans.run.as_ref()) {
                    let span = context.span();
                    span.set_attribute(KeyValue::new("auto.root", root.clone()));
                    span.set_attribute(KeyValue::new(
                        "auto.changes",
                        format!("{add} to add, {change} to change, {replace} to replace, {destroy} to destroy"),
                    ));
                }
            }
            Event::StepFinished { step, status, error, .. } => {
                let key = scope_key(step);
                let Some(context) = spans.steps.remove(&key) else { return };
                let label = serde_json::to_value(status).unwrap_or_default().as_str().unwrap_or_default().to_string();
                context.span().set_attribute(KeyValue::new("auto.status", label));
                if *status == StepStatus::Failed {
                    failed(&context, error.as_deref().unwrap_or("failed"));
                }
                context.span().end();
            }
            Event::RunFinished { status, exit_code, error, .. } => {
                // Anything still open ended with the run (an interrupted step, a tool).
                for (_, running) in spans.tools.drain() {
                    for (_, context) in running {
                        failed(&context, "the run ended before it did");
                        context.span().end();
                    }
                }
                for (_, context) in spans.steps.drain() {
                    failed(&context, "the run ended before it did");
                    context.span().end();
                }
                if let Some(run) = spans.run.take() {
                    let span = run.span();
                    span.set_attribute(KeyValue::new("auto.exit_code", i64::from(*exit_code)));
                    if *status == StepStatus::Failed {
                        failed(&run, error.as_deref().unwrap_or("the run failed"));
                    }
                    span.end();
                }
                drop(spans);
                // The last batch goes out before auto exits.
                if let Err(e) = self.provider.force_flush() {
                    let why = self.export_failure.take();
                    crate::errln!(
                        "warning: OpenTelemetry: the trace was not exported to {} (the run's result is unchanged): {}",
                        self.endpoint,
                        why.unwrap_or_else(|| e.to_string())
                    );
                }
            }
            _ => {}
        }
    }
}

impl Drop for OtelReporter {
    fn drop(&mut self) {
        let _ = self.provider.shutdown();
    }
}

/// Why the last export failed, in the HTTP client's words (the SDK's own error wraps it in
/// debug output no person should read): set on the export thread, read at the run's end.
#[derive(Debug, Clone, Default)]
struct ExportFailure(Arc<Mutex<Option<String>>>);

impl ExportFailure {
    fn record(&self, why: String) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(why);
    }

    fn take(&self) -> Option<String> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).take()
    }
}

/// The OTLP exporter's HTTP client: ureq, blocking, on the SDK's export thread.
#[derive(Debug)]
struct UreqClient {
    agent: ureq::Agent,
    failure: ExportFailure,
}

impl UreqClient {
    fn new(failure: ExportFailure) -> UreqClient {
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(std::time::Duration::from_secs(10)))
            .build();
        UreqClient { agent: config.into(), failure }
    }
}

#[async_trait::async_trait]
impl opentelemetry_http::HttpClient for UreqClient {
    async fn send_bytes(
        &self,
        request: http::Request<bytes::Bytes>,
    ) -> Result<http::Response<bytes::Bytes>, opentelemetry_http::HttpError> {
        let (parts, body) = request.into_parts();
        let request = http::Request::from_parts(parts, body.to_vec());
        let mut response = self.agent.run(request).inspect_err(|e| self.failure.record(e.to_string()))?;
        let status = response.status();
        if !status.is_success() {
            self.failure.record(format!("the collector answered {status}"));
        }
        let body = response.body_mut().read_to_vec()?;
        Ok(http::Response::builder().status(status).body(bytes::Bytes::from(body))?)
    }
}
