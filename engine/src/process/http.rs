//! HTTP requests as data, like invocations: the run's backend decides whether one is sent
//! (a real run; a read in a plan) or recorded (a write in a plan, everything in a dry-run),
//! so a dry-run of a rollout records its webhook post instead of sending it. The one place
//! that sends is [`send`], on a shared agent (the system's root certificates, no redirect
//! from https to http).

use std::fmt;
use std::io::Read;
use std::time::Duration;

use super::invocation::{Effect, Value};
use crate::secret::{redact, MASK};

/// A response body larger than this is refused (a health check, an API answer).
pub const MAX_BODY: u64 = 16 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// `GET`, `POST`, … (upper case).
    pub method: String,
    /// A secret when it holds a token (a webhook's URL): shown masked.
    pub url: Value,
    pub headers: Vec<(String, Value)>,
    pub body: Option<Value>,
    pub timeout: Duration,
    /// A GET or HEAD is a read; anything else changes something.
    pub effect: Effect,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    /// Names lower case, in the order received.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HttpCompletion {
    Sent(HttpResponse),
    /// A plan or dry-run recorded it.
    Recorded,
}

impl HttpRequest {
    /// The method's effect: GET and HEAD read.
    pub fn effect_of(method: &str) -> Effect {
        match method {
            "GET" | "HEAD" | "OPTIONS" => Effect::Read,
            _ => Effect::Write,
        }
    }
}

impl fmt::Display for HttpRequest {
    /// `POST https://hooks.example/… (42 bytes, header authorization)`, secrets masked.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let url = match &self.url {
            Value::Plain(url) => redact(url),
            Value::Secret(_) => MASK.to_string(),
        };
        write!(f, "{} {url}", self.method)?;
        let mut details = Vec::new();
        if let Some(body) = &self.body {
            details.push(format!("{} bytes", body.expose().len()));
        }
        for (name, _) in &self.headers {
            details.push(format!("header {name}"));
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    let tls = ureq::tls::TlsConfig::builder().root_certs(ureq::tls::RootCerts::PlatformVerifier).build();
    ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        // A status is an answer for the script (`expect_status`), not a transport error.
        .http_status_as_error(false)
        .https_only(false)
        .tls_config(tls)
        .build()
        .into()
}

/// Sends `request`: the only code that does. `Err`: why there is no answer (redacted).
pub fn send(request: &HttpRequest) -> Result<HttpResponse, String> {
    let failed = |message: String| redact(&message);
    let mut builder = ureq::http::Request::builder().method(request.method.as_str()).uri(request.url.expose());
    for (name, value) in &request.headers {
        builder = builder.header(name.as_str(), value.expose());
    }
    let body = request.body.as_ref().map(|b| b.expose().as_bytes().to_vec()).unwrap_or_default();
    let built = builder.body(body).map_err(|e| failed(format!("not a valid request: {e}")))?;
    let mut response = agent(request.timeout).run(built).map_err(|e| failed(describe(e, request.timeout)))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .map(|(name, value)| (name.as_str().to_string(), String::from_utf8_lossy(value.as_bytes()).into_owned()))
        .collect();
    let mut text = String::new();
    response
        .body_mut()
        .as_reader()
        .take(MAX_BODY + 1)
        .read_to_string(&mut text)
        .map_err(|e| failed(format!("cannot read the response: {e}")))?;
    if text.len() as u64 > MAX_BODY {
        return Err(failed(format!("the response is larger than {} MiB", MAX_BODY >> 20)));
    }
    Ok(HttpResponse { status, headers, body: text })
}

fn describe(error: ureq::Error, timeout: Duration) -> String {
    match error {
        ureq::Error::Timeout(_) => format!("no answer within {}", humantime::format_duration(timeout)),
        ureq::Error::Io(e) => e.to_string(),
        other => other.to_string(),
    }
}
