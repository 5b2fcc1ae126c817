//! Terraform diagnostics (`"type": "diagnostic"` UI lines, `validate -json`) and how an
//! error one reads to a person: what went wrong, in which `.tf` file and line, in which root.

use serde_json::Value as Json;

use super::invocation::VAR_FILE;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub summary: String,
    pub detail: String,
    /// The resource it is about (`null_resource.slow`), when terraform says.
    pub address: Option<String>,
    /// As terraform reports it: relative to the root, or absolute (the variables file).
    pub file: Option<String>,
    pub line: Option<u64>,
}

impl Diagnostic {
    /// From the `diagnostic` object of a UI line or an item of `validate -json`.
    pub fn from_json(value: &Json) -> Option<Diagnostic> {
        let text = |key: &str| value.get(key).and_then(Json::as_str).map(str::to_string);
        let severity = match value.get("severity").and_then(Json::as_str)? {
            "error" => Severity::Error,
            _ => Severity::Warning,
        };
        let range = value.get("range");
        Some(Diagnostic {
            severity,
            summary: text("summary").unwrap_or_default(),
            detail: text("detail").unwrap_or_default(),
            address: text("address"),
            file: range.and_then(|r| r.get("filename")).and_then(Json::as_str).map(str::to_string),
            line: range.and_then(|r| r.pointer("/start/line")).and_then(Json::as_u64),
        })
    }

    /// `environments/dev/acme/infra/main.tf:14`, or the variables file the script passed.
    pub fn location(&self, root_path: &str) -> Option<String> {
        let file = self.file.as_deref()?;
        let line = self.line.map(|l| format!(":{l}")).unwrap_or_default();
        if file.ends_with(VAR_FILE) && file.starts_with('/') {
            return Some(format!("the variables the script passed ({VAR_FILE}{line})"));
        }
        if file.starts_with('/') {
            return Some(format!("{file}{line}"));
        }
        Some(format!("{root_path}/{file}{line}"))
    }

    /// Summary and detail: what the retry and lock matchers search.
    pub fn text(&self) -> String {
        format!("{}\n{}", self.summary, self.detail)
    }

    /// `null_resource.a: Invalid value (environments/dev/x/main.tf:3)` then the detail,
    /// indented.
    pub fn render(&self, root_path: &str) -> String {
        let mut head = match &self.address {
            Some(address) => format!("{address}: {}", self.summary),
            None => self.summary.clone(),
        };
        if let Some(location) = self.location(root_path) {
            head.push_str(&format!(" ({location})"));
        }
        let detail = self.detail.trim();
        if detail.is_empty() {
            return head;
        }
        let indented: Vec<String> =
            detail.lines().map(|l| if l.trim().is_empty() { String::new() } else { format!("  {l}") }).collect();
        format!("{head}\n{}", indented.join("\n"))
    }
}

/// The error diagnostics, each once (terraform repeats "execution halted").
pub fn errors(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    let mut seen: Vec<&Diagnostic> = Vec::new();
    for diagnostic in diagnostics.iter().filter(|d| d.severity == Severity::Error) {
        if !seen.contains(&diagnostic) {
            seen.push(diagnostic);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Diagnostic {
        Diagnostic::from_json(&serde_json::from_str(json).unwrap()).unwrap()
    }

    #[test]
    fn validation_error_points_at_the_tf_file() {
        // Captured from terraform 1.0.3 (`plan -json`, variable with a validation rule).
        let diagnostic = parse(
            r#"{"severity":"error","summary":"Invalid value for variable","detail":"The size must be between 1 and 9.\n\nThis was checked by the validation rule at main.tf:3,3-13.","range":{"filename":"main.tf","start":{"line":1,"column":1,"byte":0},"end":{"line":1,"column":16,"byte":15}},"snippet":{"context":null,"code":"variable \"size\" {","start_line":1,"highlight_start_offset":0,"highlight_end_offset":15,"values":[]}}"#,
        );
        expect_test::expect![[r#"
            Invalid value for variable (environments/test/bad/main.tf:1)
              The size must be between 1 and 9.

              This was checked by the validation rule at main.tf:3,3-13."#]]
        .assert_eq(&diagnostic.render("environments/test/bad"));
    }

    #[test]
    fn a_type_error_in_the_variables_names_the_generated_file_not_a_temp_path() {
        let diagnostic = parse(
            r#"{"severity":"error","summary":"Invalid value for input variable","detail":"The given value is not valid for variable \"size\": a number is required.","range":{"filename":"/tmp/auto-x1/auto.tfvars.json","start":{"line":1,"column":10,"byte":9},"end":{"line":1,"column":15,"byte":14}},"snippet":{"context":null,"code":"{\"size\": \"abc\"}","start_line":1,"highlight_start_offset":9,"highlight_end_offset":14,"values":[]}}"#,
        );
        expect_test::expect![[r#"
            Invalid value for input variable (the variables the script passed (auto.tfvars.json:1))
              The given value is not valid for variable "size": a number is required."#]]
        .assert_eq(&diagnostic.render("environments/test/bad"));
    }

    #[test]
    fn repeated_errors_are_shown_once() {
        let halted = parse(r#"{"severity":"error","summary":"execution halted","detail":""}"#);
        let warning = parse(r#"{"severity":"warning","summary":"Deprecated","detail":""}"#);
        let all = [halted.clone(), warning, halted.clone()];
        assert_eq!(errors(&all), vec![&halted]);
        assert_eq!(halted.render("r"), "execution halted");
    }
}
