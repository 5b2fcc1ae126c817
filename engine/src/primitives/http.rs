//! HTTP primitive: `http::get/post/request` as requests for the runner (no Rhai, no
//! sending here: `process/http.rs` sends, the run's backend decides whether it does).
//! JSON bodies, headers that may be secrets (masked everywhere they are shown), a timeout,
//! and the status checked against what the script expects.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use crate::process::http::{HttpCompletion, HttpRequest, HttpResponse};
use crate::process::{Runner, Value};
use crate::runtime::data::Data;
use crate::secret::redact;

/// The options of `http::get`, `http::post` and `http::request`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HttpOptions {
    /// Request headers; values may be secrets (`#{ authorization: secret_env("TOKEN") }`),
    /// which are masked wherever the request is shown.
    #[serde(default)]
    pub headers: BTreeMap<String, Data>,
    /// A body sent as JSON (`content-type: application/json`): a map, an array, a value.
    pub json: Option<Data>,
    /// A body sent as it is (a string or a secret). Not together with `json`.
    pub body: Option<Data>,
    /// How long the whole request may take.
    /// Default: `"30s"`.
    pub timeout: Option<String>,
    /// The statuses that are an answer: a number, a list of numbers, or `"any"` (the
    /// script looks at `status` itself). Any other status is an error.
    /// Default: 200 to 299.
    pub expect_status: Option<Data>,
}

/// What a request came to.
#[derive(Debug, Clone, PartialEq)]
pub enum HttpResult {
    Answered {
        status: u16,
        headers: BTreeMap<String, String>,
        body: String,
        /// The body parsed, when it is JSON.
        json: Option<Data>,
    },
    /// A plan or dry-run recorded it: nothing is known of the answer.
    Recorded,
}

/// Which statuses are an answer.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Expected {
    Success,
    Any,
    These(Vec<u16>),
}

impl Expected {
    fn of(value: Option<&Data>) -> Result<Expected, String> {
        let status = |data: &Data| match data {
            Data::Int(n) if (100..=599).contains(n) => Ok(*n as u16),
            other => Err(format!("`expect_status`: {other} is not an HTTP status (100 to 599)")),
        };
        match value {
            None => Ok(Expected::Success),
            Some(Data::Str(any)) if any == "any" => Ok(Expected::Any),
            Some(Data::List(items)) => Ok(Expected::These(items.iter().map(status).collect::<Result<_, _>>()?)),
            Some(one) => Ok(Expected::These(vec![status(one)?])),
        }
    }

    fn admits(&self, status: u16) -> bool {
        match self {
            Expected::Success => (200..300).contains(&status),
            Expected::Any => true,
            Expected::These(these) => these.contains(&status),
        }
    }

    fn describe(&self) -> String {
        match self {
            Expected::Success => "2xx".to_string(),
            Expected::Any => "any".to_string(),
            Expected::These(these) => these.iter().map(u16::to_string).collect::<Vec<_>>().join(" or "),
        }
    }
}

fn value_of(what: &str, data: &Data) -> Result<Value, String> {
    match data {
        Data::Str(text) => Ok(Value::Plain(text.clone())),
        Data::Secret(secret) => Ok(Value::Secret(secret.clone())),
        Data::Unknown(label) => {
            Err(format!("{what} is not known yet ({label}): it comes from a step that only recorded its work"))
        }
        other => Ok(Value::Plain(other.to_string())),
    }
}

/// The request `function` makes (pure; unit-tested).
pub fn request(method: &str, url: &Data, options: &HttpOptions) -> Result<HttpRequest, String> {
    let method = method.to_ascii_uppercase();
    if !method.chars().all(|c| c.is_ascii_alphabetic()) || method.is_empty() {
        return Err(format!("`{method}` is not an HTTP method"));
    }
    let url = value_of("the URL", url)?;
    let scheme_ok = ["http://", "https://"].iter().any(|s| url.expose().to_ascii_lowercase().starts_with(s));
    if !scheme_ok {
        let shown = match &url {
            Value::Plain(text) => redact(text),
            Value::Secret(_) => crate::secret::MASK.to_string(),
        };
        return Err(format!("`{shown}` is not an http:// or https:// URL"));
    }
    let mut headers = Vec::new();
    for (name, value) in &options.headers {
        headers.push((name.to_ascii_lowercase(), value_of(&format!("header `{name}`"), value)?));
    }
    let body = match (&options.json, &options.body) {
        (Some(_), Some(_)) => return Err("give `json` or `body`, not both".into()),
        (Some(json), None) => {
            if let Some(unknown) = json.first_unknown() {
                return Err(format!("the JSON body holds a value not known yet ({unknown})"));
            }
            if !headers.iter().any(|(name, _)| name == "content-type") {
                headers.push(("content-type".into(), Value::Plain("application/json".into())));
            }
            let text = json.to_json_exposed().to_string();
            Some(if json.contains_secret() {
                Value::Secret(crate::secret::Secret::containing_secrets(text))
            } else {
                Value::Plain(text)
            })
        }
        (None, Some(body)) => Some(value_of("the body", body)?),
        (None, None) => None,
    };
    let timeout = match &options.timeout {
        Some(text) => crate::duration::parse(text).map_err(|e| format!("`timeout`: {e}"))?,
        None => Duration::from_secs(30),
    };
    Expected::of(options.expect_status.as_ref())?;
    Ok(HttpRequest { effect: HttpRequest::effect_of(&method), method, url, headers, body, timeout })
}

/// Sends (or has the run record) `request`, and checks the status.
pub fn call(runner: &dyn Runner, request: &HttpRequest, options: &HttpOptions) -> Result<HttpResult, String> {
    let expected = Expected::of(options.expect_status.as_ref())?;
    match runner.http(request).map_err(|e| e.to_string())? {
        HttpCompletion::Recorded => Ok(HttpResult::Recorded),
        HttpCompletion::Sent(response) => answered(request, response, &expected),
    }
}

fn answered(request: &HttpRequest, response: HttpResponse, expected: &Expected) -> Result<HttpResult, String> {
    if !expected.admits(response.status) {
        let start: String = response.body.chars().take(300).collect();
        return Err(redact(&format!(
            "`{request}` answered {} (expected {}): {}",
            response.status,
            expected.describe(),
            start.trim()
        )));
    }
    let json = serde_json::from_str::<serde_json::Value>(&response.body).ok().map(Data::from_json);
    let mut headers = BTreeMap::new();
    for (name, value) in response.headers {
        headers.entry(name).and_modify(|v: &mut String| v.push_str(&format!(", {value}"))).or_insert(value);
    }
    Ok(HttpResult::Answered { status: response.status, headers, body: response.body, json })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::Effect;

    #[test]
    fn a_request_is_checked_and_secrets_stay_masked() {
        let options = HttpOptions {
            headers: BTreeMap::from([("Authorization".into(), Data::Secret(crate::secret::Secret::new("tok-123")))]),
            json: Some(Data::Map(BTreeMap::from([("text".into(), Data::Str("rolled out".into()))]))),
            ..HttpOptions::default()
        };
        let post = request("post", &Data::Str("http://127.0.0.1:9/hook".into()), &options).unwrap();
        assert_eq!(post.effect, Effect::Write);
        expect_test::expect!["POST http://127.0.0.1:9/hook (21 bytes, header authorization, header content-type)"]
            .assert_eq(&post.to_string());
        let get = request(
            "GET",
            &Data::Secret(crate::secret::Secret::new("https://hooks/secret-path")),
            &HttpOptions::default(),
        )
        .unwrap();
        assert_eq!((get.effect, get.to_string()), (Effect::Read, "GET ***".to_string()));
        let error = |url: &str, options: &HttpOptions| request("GET", &Data::Str(url.into()), options).unwrap_err();
        expect_test::expect!["`ftp://x` is not an http:// or https:// URL"]
            .assert_eq(&error("ftp://x", &HttpOptions::default()));
        let bad = HttpOptions { expect_status: Some(Data::Int(42)), ..HttpOptions::default() };
        expect_test::expect!["`expect_status`: 42 is not an HTTP status (100 to 599)"]
            .assert_eq(&error("http://x", &bad));
    }

    #[test]
    fn the_status_is_held_to_what_is_expected() {
        let request = request("GET", &Data::Str("http://x/health".into()), &HttpOptions::default()).unwrap();
        let response = |status| HttpResponse { status, headers: vec![], body: r#"{"ok":false}"#.into() };
        let error = answered(&request, response(503), &Expected::Success).unwrap_err();
        expect_test::expect![[r#"`GET http://x/health` answered 503 (expected 2xx): {"ok":false}"#]].assert_eq(&error);
        let HttpResult::Answered { json, .. } = answered(&request, response(503), &Expected::Any).unwrap() else {
            panic!("answered")
        };
        assert_eq!(json.unwrap().to_string(), r#"{"ok":false}"#);
        assert!(answered(&request, response(404), &Expected::These(vec![404])).is_ok());
    }
}
