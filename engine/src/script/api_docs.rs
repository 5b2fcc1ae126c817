//! The script API's documentation table: for every function a script can call, what it
//! does, its options (types, defaults), its result, its errors and an example.
//!
//! `auto docs` (engine/src/commands/docs.rs) joins this table with the engine's own
//! function metadata (`Engine::gen_fn_metadata_to_json`) to write docs/script-api.md and
//! docs/auto.d.rhai. The join is checked both ways by engine/tests/docs.rs: a function the
//! engine registers without an entry here, an entry (or overload) the engine does not have,
//! or a parameter/return type that disagrees with the registration, fails the build. So
//! adding a binding means adding its entry here, then running `auto docs`.
//!
//! Signatures use Rhai's definition-file syntax with `type_of()` names: `string`, `int`,
//! `float`, `bool`, `array`, `map`, `Fn`, `()`, the custom types, and `?` for "any value".

/// A group of functions in the reference: a static module (`terraform`) or a category of
/// global functions.
pub struct Section {
    pub key: &'static str,
    /// `Some("terraform")` for `terraform::…` functions, `None` for global ones.
    pub module: Option<&'static str>,
    pub title: &'static str,
    /// Markdown shown under the section heading.
    pub doc: &'static str,
}

pub struct Function {
    /// `step`, `terraform::apply`.
    pub name: &'static str,
    /// The [`Section::key`] it is listed under.
    pub section: &'static str,
    /// One per overload the engine registers, without the module prefix:
    /// `apply(root: string, options: map) -> map`.
    pub signatures: &'static [&'static str],
    /// Markdown: what it does, options, result, errors, an example.
    pub doc: &'static str,
}

pub struct Type {
    /// The name scripts see (`type_of(x)`).
    pub name: &'static str,
    pub doc: &'static str,
    pub members: &'static [Member],
}

/// A property (`get id(customer: Customer) -> string`) or method
/// (`root(customer: Customer, name: string) -> string`); the first parameter is the value.
pub struct Member {
    pub signature: &'static str,
    pub doc: &'static str,
}

/// The script environment: `params`, modes, limits, sandbox. `{max_operations}` and the
/// other `{limit}` placeholders are filled in from the engine `auto docs` builds.
pub const ENVIRONMENT: &str = r##"
### `params`

A constant map of the run's parameters, declared at the top of the script with
[`param`](#param) and given with `--set key=value` or `--params-json '{...}'`. Every
declared parameter is present (defaults filled in) and has its declared type:

```rhai
param("env", #{ help: "target environment", choices: environments() });
param("limit", #{ help: "customers at once", default_value: 4 });
let env = params.env;          // "dev"
let limit = params.limit;      // 4, an int
```

Reading a parameter that was not declared is an error (`params.nope`: property not
found). `params` cannot be changed.

### Modes

The same script runs in three modes, chosen on the command line; a script does not change
between them (see [run modes](guide/run-modes.md)):

| mode | effects | values tools would produce | exit code |
|---|---|---|---|
| `auto run x` | run | real | 0 ok, 1 failed |
| `auto run x --plan` | reads run (`terraform plan`, `kubectl diff`), writes are recorded | real when read, "known after apply" after a recorded write | 3 when writes were recorded |
| `auto run x --dry-run` | nothing runs, everything is recorded | "known after apply" | 0 |

A value only an apply would produce is an [`Unknown`](#type-unknown) and prints as
`(known after apply: dev/acme/infra.storage_account)`; passing one to a real write is an
error. [`mode()`](#mode) says which mode is running (for messages, not for branching).

### Limits

A runaway script stops with an error naming the limit instead of hanging CI:

| limit | value | on the command line |
|---|---|---|
| operations per run | {max_operations} | `--max-operations N` |
| function call depth | {max_call_levels} | |
| memory the run holds (bytes) | {max_memory} | |
| a file or tool output read into a string (bytes) | {max_string_size} | |
| expression nesting (global / in functions) | {max_expr_depth} / {max_function_expr_depth} | |
| imported modules | {max_modules} | |

`step(name, #{ timeout: "10m" }, || ...)` bounds the time of one step; Ctrl-C stops a
script at its next operation (exit 130).

### Sandbox

- Variables must be declared (`let`) before use: a typo is a compile error.
- `eval` does not exist: every line that can run is one `auto check` has compiled.
- Paths given to functions are relative to the repository root and may not leave it:
  `..` above the root, absolute paths elsewhere, anything in `.git/` and any path that
  goes through a symbolic link (wherever it points) are refused. Files are opened inside
  the repository folder one component at a time, so a folder swapped for a link while a
  script runs redirects nothing. Only regular files are read (a FIFO or device is
  refused, never waited on).
- `import "lib/platform" as platform;` loads `scripts/lib/platform.rhai`; imports cannot
  leave `scripts/`.
- Option maps (`#{ vars: ..., workspace: ... }`) reject unknown keys, at the line of the
  call, listing the keys there are.
- Errors raised by functions carry the script line; `try { ... } catch (e) { e.message }`
  catches them (see [`Error`](#type-error)).
"##;

/// The doc comment of `params` in docs/auto.d.rhai.
pub const PARAMS_DOC: &str = "The run's parameters: declared with `param(name, #{ help, ... })` at the top of the \
script, given with `--set key=value` or `--params-json`. Constant; every declared parameter is present.";

pub static SECTIONS: &[Section] = &[
    Section {
        key: "params",
        module: None,
        title: "Parameters",
        doc: "Declared at the top of a script, validated (every problem at once, exit 2) before anything runs.",
    },
    Section {
        key: "flow",
        module: None,
        title: "Steps, concurrency and locks",
        doc: "Steps are the unit of progress, journaling and resume (see [resuming](guide/resuming.md)).",
    },
    Section {
        key: "secrets",
        module: None,
        title: "Secrets and values known after apply",
        doc: "See [secrets](guide/secrets.md) for where secrets may flow.",
    },
    Section {
        key: "repo",
        module: None,
        title: "The repository: environments and customers",
        doc: "Read from `environments/<env>/env.toml` and `environments/<env>/<customer>/customer.toml`.",
    },
    Section {
        key: "run",
        module: None,
        title: "Logging, failing and the run",
        doc: "`print(x)` logs at info level and `debug(x)` at debug level (shown with `-v`), like `info`.",
    },
    Section {
        key: "terraform",
        module: Some("terraform"),
        title: "Plan, apply and read terraform roots.",
        doc: "Runs the `terraform` on PATH (1.0+) through the runner, so `--plan` and `--dry-run` need no \
change to the script. Roots are `environments/<env>/<root>` or `environments/<env>/<customer>/<root>`; \
the path decides the backend, the state key and the scope lock. Options shared by several functions: \
`vars` (a map of variable values — strings, numbers, bools, lists, maps, secrets; names are checked \
against the root's `variable` blocks), `workspace` (string), `lock_timeout` (duration string, default \
`\"0s\"`: report the state lock holder at once), `retries` (`#{ attempts: 3, delay: \"5s\", patterns: [..] }`: \
transient errors are retried 3 times in all by default). Details: [docs/terraform.md](terraform.md).",
    },
    Section {
        key: "docker",
        module: Some("docker"),
        title: "Images, containers and compose.",
        doc: "Images and containers go through the Docker Engine API (`DOCKER_HOST`), compose through the \
compose CLI. Paths are repository-relative. Registry credentials: `username` + `password` options, else \
the docker CLI's `config.json` (credential helpers, `auths`). Details: [docs/docker.md](docker.md).",
    },
    Section {
        key: "kubectl",
        module: Some("kubectl"),
        title: "Kubernetes, always in the environment's cluster.",
        doc: "The first argument is the environment: every call passes `--context` from its `env.toml` \
(`AUTO_KUBE_CONTEXT` overrides it, if listed in `kubernetes.allowed_contexts`). `target` is kubectl's \
`kind/name`. Durations are strings like `\"30s\"`, `\"5m\"`. Details: [docs/kubectl.md](kubectl.md).",
    },
    Section {
        key: "template",
        module: Some("template"),
        title: "Jinja templates (minijinja).",
        doc: "Strict: an undefined variable is an error naming the template line. A secret used while \
rendering makes the result a secret. Filters (`to_json`, `to_yaml`, `b64encode`, `quote`, `required`, …), \
escaping and includes: [docs/templates.md](templates.md).",
    },
    Section {
        key: "fs",
        module: Some("fs"),
        title: "Files in the repository.",
        doc: "Paths are repository-relative and confined to the repository: `.git/` and paths through a symbolic link are refused. \
Writes are atomic, happen only when the content changed, and are recorded (not written) under `--plan` \
and `--dry-run`.",
    },
    Section {
        key: "exec",
        module: Some("exec"),
        title: "Any other command.",
        doc: "For tools without a module. No shell: the command is an argument vector.",
    },
];

pub static FUNCTIONS: &[Function] = &[
    // ----- parameters -----
    Function {
        name: "param",
        section: "params",
        signatures: &["param(name: string, options: map) -> ?"],
        doc: r##"Declares a parameter of the script. Declarations must be the first statements of the
script (after `import`s): `auto` evaluates only them to learn the parameters, validates
the values given on the command line (every problem listed at once, exit 2), then runs
the script. Returns the parameter's value; read it as `params.<name>`.

| option | type | default | meaning |
|---|---|---|---|
| `help` | string | required | what the parameter is for (`auto describe`, usage errors) |
| `type` | string | from `default_value`, else the first choice, else `"string"` | `"string"`, `"int"`, `"float"` or `"bool"`; `--set` text is converted to it |
| `default_value` | string, int, float or bool | none: the parameter is required | `default` is a reserved word in Rhai; a quoted `"default"` key works too |
| `choices` | array | any value | the allowed values |
| `pattern` | string | any value | a regular expression the whole value must match (strings only) |

Names are lowercase letters, digits and `_`, starting with a letter. Booleans accept
`true`/`false`, `yes`/`no`, `1`/`0`.

**Errors** (exit 2, at the `param` line): unknown option keys, an empty `help`, a default
that fails its own checks, a declaration after other statements, a name declared twice.

```rhai
param("env", #{ help: "target environment", choices: environments() });
param("customer", #{ help: "customer id", pattern: "[a-z][a-z0-9]{2,19}" });
param("smoke", #{ help: "run the smoke check", default_value: true });
param("limit", #{ help: "customers at once", type: "int", default_value: 4 });
```"##,
    },
    // ----- flow -----
    Function {
        name: "step",
        section: "flow",
        signatures: &["step(name: string, body: Fn) -> ?", "step(name: string, options: map, body: Fn) -> ?"],
        doc: r##"Runs `body` as a named step and returns its result. A step is timed, reported
(`▶`/`✔`/`✘` lines, the recap table, `::group::` in GitHub Actions) and journaled before
and after it runs. Its status is `changed` when something inside changed the world (a
terraform apply with changes, a written file), `ok` otherwise.

On `auto run --resume <run-id>`, a step that completed in the resumed run with the same
key and the same inputs is **skipped** and returns its recorded result. The key is the
step's scope path plus its name (`acme/hive`; `#2` for a repeated name); the inputs are
the values the closure captured. A result holding a secret or an unknown value is not
recorded, so such a step runs again. See [resuming](guide/resuming.md).

| option | type | default | meaning |
|---|---|---|---|
| `timeout` | string | none | e.g. `"10m"`: the step fails when it runs longer; a tool still running is stopped |

**Errors**: a name that is empty or contains `/` (exit 2); whatever `body` raises, which
the step records as its failure and passes on.

```rhai
let infra = step("customer infra", || terraform::apply(roots.infra, #{ vars: vars }));
step("smoke check", #{ timeout: "5m" }, || kubectl::rollout_status(env, "deployment/hive-metastore"));
```"##,
    },
    Function {
        name: "parallel",
        section: "flow",
        signatures: &["parallel(tasks: ?) -> ?", "parallel(tasks: ?, options: map) -> ?"],
        doc: r##"Runs closures concurrently and waits for all of them. `tasks` is an array of
closures (the result is an array, in the same order) or a map of name → closure (the
result is a map; output lines and step keys are prefixed with the name).

| option | type | default | meaning |
|---|---|---|---|
| `limit` | int | the `runtime.parallelism` of the environment named by the `env` parameter, else 4 | tasks running at once, 1 to 1024 |
| `fail_fast` | bool | `false` | stop starting new tasks after the first failure |

**Errors**: every failed task is reported, not only the first:
`2 of 3 parallel tasks failed:` followed by one line per task with its script line. A
task that is not a closure, or a `limit` out of range, is exit 2.

```rhai
let apps = parallel(#{
    hive: || step("hive", || terraform::apply(roots.hive, #{ vars: hive_vars })),
    superset: || step("superset", || terraform::apply(roots.superset, #{ vars: superset_vars })),
});
print(apps.hive.metastore_uri);
```"##,
    },
    Function {
        name: "parallel_map",
        section: "flow",
        signatures: &[
            "parallel_map(items: array, body: Fn) -> array",
            "parallel_map(items: array, body: Fn, options: map) -> array",
        ],
        doc: r##"Calls `body(item)` for every item concurrently; returns the results in item order.
Each task is labelled with its item (`acme`), so output lines read `[acme/hive] ...` and
step keys are `acme/hive`. Prefer it to closures built in a `for` loop: Rhai closures
share the loop variable.

Options as for [`parallel`](#parallel): `limit` (int, default the environment's
`runtime.parallelism`, else 4) and `fail_fast` (bool, default `false`).

**Errors**: all failures, one line per item (`acme: terraform::apply: ... (scripts/x.rhai:12)`).

```rhai
parallel_map(customers(params.env), |id| {
    lock(`${params.env}/${id}`);
    step("hive", || terraform::apply(`environments/${params.env}/${id}/hive`))
}, #{ limit: 2 });
```"##,
    },
    Function {
        name: "lock",
        section: "flow",
        signatures: &["lock(scope: string) -> ()"],
        doc: r##"Takes the lock on `scope` (`"dev"`, `"dev/acme"`) for the rest of the run, so two
runs never roll out the same environment or customer at once. Locks are files under
`.auto/locks/`, released when the run ends (also on Ctrl-C and failures). A lock left by
a process that no longer exists on this host is taken over with a warning. Taking a lock
twice in one run is a no-op. Under `--plan` and `--dry-run` no lock is taken.
`terraform::apply`/`destroy` take the root's scope lock themselves.

**Errors**: exit 4 when another run holds it, naming its run ID, user, host, pid and
since when; exit 2 for a scope part that is not a valid name.

```rhai
lock(`${params.env}/${params.customer}`);
```"##,
    },
    // ----- secrets and unknowns -----
    Function {
        name: "secret",
        section: "secrets",
        signatures: &["secret(value: string) -> Secret"],
        doc: r##"Wraps a string as a [`Secret`](#type-secret): it prints as `***`, and the value (with its
base64, URL-encoded and JSON-escaped forms, and each line of a value of several lines) is
masked in every output line, journal and plan from now on. Prefer `secret_env` or `random_secret`: a literal in a script is in git.

```rhai
let saved = parse_json(fs::read(".auto/passwords.json"));
let password = secret(saved.postgres);
```"##,
    },
    Function {
        name: "secret_env",
        section: "secrets",
        signatures: &["secret_env(name: string) -> Secret"],
        doc: r##"Reads an environment variable as a [`Secret`](#type-secret).

**Errors**: exit 1 when the variable is unset or empty: `environment variable `X` is not
set: export it before running (it is read as a secret and never printed)`.

```rhai
let password = secret_env("ACME_ADMIN_PASSWORD");
terraform::apply(root, #{ vars: #{ admin_password: password } });
```"##,
    },
    Function {
        name: "random_secret",
        section: "secrets",
        signatures: &["random_secret(bytes: int) -> Secret"],
        doc: r##"A new random [`Secret`](#type-secret): `bytes` random bytes from the operating system, as
lowercase hex (`2 × bytes` characters). Generated in-process in every mode, so a dry-run
shows `***`, not a command. Keep it somewhere (a 0600 file through `fs::write`, a key
vault) if the next run needs the same value.

**Errors**: `bytes` outside 8 to 256 (exit 2).

```rhai
let password = random_secret(16);   // 32 hex characters
```"##,
    },
    Function {
        name: "is_secret",
        section: "secrets",
        signatures: &["is_secret(value: ?) -> bool"],
        doc: r##"Whether `value` is a [`Secret`](#type-secret) (a secret inside a map or array does not count).

```rhai
if is_secret(infra.hive_db_password) { info("the password stays masked"); }
```"##,
    },
    Function {
        name: "is_known",
        section: "secrets",
        signatures: &["is_known(value: ?) -> bool"],
        doc: r##"`false` for an [`Unknown`](#type-unknown) — a value only an apply would produce, which
`--dry-run` and `--plan` return for recorded writes — `true` for everything else. A map
is known even when some of its values are not: test the value itself.

```rhai
let plan = terraform::plan(root);
if is_known(plan.add) { info(`${plan.add} to add`); }
```"##,
    },
    // ----- repository -----
    Function {
        name: "environments",
        section: "repo",
        signatures: &["environments() -> array"],
        doc: r##"The names of the environments: folders of `environments/` holding an `env.toml`,
sorted. Typical as the `choices` of an `env` parameter.

```rhai
param("env", #{ help: "environment", choices: environments() });
```"##,
    },
    Function {
        name: "environment",
        section: "repo",
        signatures: &["environment(env: string) -> map"],
        doc: r##"The environment's `env.toml` as a map, plus `name`: `azure` (`subscription_id`,
`tenant_id`, `location`), `naming.prefix`, `backend` (`kind`: `"azurerm"` or `"local"`, and
the azurerm settings), `kubernetes` (`context`, `allowed_contexts`), `registry.server`,
`runtime.parallelism`.

**Errors**: an unknown environment (exit 2, listing the known ones), an invalid `env.toml`.

```rhai
let registry = environment(params.env).registry.server;
```"##,
    },
    Function {
        name: "customers",
        section: "repo",
        signatures: &["customers(env: string) -> array"],
        doc: r##"The customer ids of an environment: its folders holding a `customer.toml`, sorted.

**Errors**: an unknown environment (exit 2).

```rhai
parallel_map(customers(params.env), |id| step("plan", || terraform::plan(`environments/${params.env}/${id}/infra`)));
```"##,
    },
    Function {
        name: "customer",
        section: "repo",
        signatures: &["customer(env: string, id: string) -> Customer"],
        doc: r##"One customer, as a [`Customer`](#type-customer) (`c.id`, `c.display_name`, `c.apps`,
`c.dir`, `c.root("infra")`).

**Errors**: an unknown environment or customer (exit 2, listing the customers there are).

```rhai
let c = customer(params.env, params.customer);
info(`${c.display_name}: ${c.apps}`);
```"##,
    },
    Function {
        name: "customer_exists",
        section: "repo",
        signatures: &["customer_exists(env: string, id: string) -> bool"],
        doc: r##"Whether `environments/<env>/<id>/customer.toml` exists.

**Errors**: an unknown environment, or an `id` that is not a valid customer name (exit 2).

```rhai
if !customer_exists(params.env, params.customer) { step("scaffold", || scaffold()); }
```"##,
    },
    Function {
        name: "path_exists",
        section: "repo",
        signatures: &["path_exists(path: string) -> bool"],
        doc: r##"Whether a repository path exists (file or folder). Same as `fs::exists`.

**Errors**: a path outside the repository (exit 2).

```rhai
if path_exists(`environments/${params.env}/trino`) { info("the environment has Trino"); }
```"##,
    },
    Function {
        name: "validate_name",
        section: "repo",
        signatures: &["validate_name(kind: string, name: string) -> ()"],
        doc: r##"Checks a name with the repository's rules: 1–32 lowercase letters, digits and `-`,
starting with a letter. `kind` (`"customer"`, `"environment"`, anything else) only
changes the wording of the error.

**Errors**: exit 2 saying what is wrong: ``invalid customer name `Bad_Name`: it contains
an uppercase letter (use 1-32 lowercase letters, digits and `-`, starting with a
letter)``.

```rhai
validate_name("customer", params.customer);
```"##,
    },
    // ----- logging, failing, the run -----
    Function {
        name: "info",
        section: "run",
        signatures: &["info(message: string) -> ()"],
        doc: r##"Logs a line at info level, labelled with the current step (like `print`).

```rhai
info(`customer ${id} onboarded in ${env}`);
```"##,
    },
    Function {
        name: "warn",
        section: "run",
        signatures: &["warn(message: string) -> ()"],
        doc: r##"Logs a warning (`warning: ...`; a `::warning::` annotation in GitHub Actions). Shown even with `--quiet`.

```rhai
if customers(params.env).is_empty() { warn(`no customers in ${params.env}`); }
```"##,
    },
    Function {
        name: "fail",
        section: "run",
        signatures: &["fail(message: string) -> ()"],
        doc: r##"Stops the script (or the current step or task) with an error: exit 1, the message, and
the script line. `try { } catch (e) { }` catches it like any error.

```rhai
if params.confirm != params.customer {
    fail(`re-run with --set confirm=${params.customer}`);
}
```"##,
    },
    Function {
        name: "env_var",
        section: "run",
        signatures: &["env_var(name: string, default: string) -> string"],
        doc: r##"An environment variable as a plain string, or `default` when it is unset. For
credentials use `secret_env`, which keeps the value masked.

```rhai
let who = env_var("GITHUB_ACTOR", "a person");
```"##,
    },
    Function {
        name: "mode",
        section: "run",
        signatures: &["mode() -> string"],
        doc: r##"The run's mode: `"run"`, `"plan"` or `"dry-run"`. For messages: effects already
behave per mode, so a script needs no `if mode() == ...` around them.

```rhai
info(`rolling out (${mode()})`);
```"##,
    },
    Function {
        name: "run_id",
        section: "run",
        signatures: &["run_id() -> string"],
        doc: r##"The run's ID (`20261125T133000.123Z-4f2a`): its journal is `.auto/runs/<id>/`, and
`auto run --resume <id>` resumes it.

```rhai
fs::write(".auto/last-rollout", run_id() + "\n");
```"##,
    },
    // ----- terraform -----
    Function {
        name: "terraform::init",
        section: "terraform",
        signatures: &["init(root: string) -> ()", "init(root: string, options: map) -> ()"],
        doc: r##"Runs `terraform init` with the environment's backend. Rarely needed: `plan`,
`apply`, `output` and `destroy` initialise the root themselves, and skip it when
`.terraform/` is up to date for the same backend and requirements.

| option | type | default | meaning |
|---|---|---|---|
| `upgrade` | bool | `false` | `-upgrade`: newest provider versions the constraints allow |
| `reconfigure` | bool | `false` | `-reconfigure`: forget the previous backend configuration |
| `retries` | map | 3 attempts, 5s delay doubling, the default patterns | `#{ attempts, delay, patterns }` |

**Errors**: terraform's diagnostics with the `.tf` file and line (exit 1); a root that is
not a folder with `.tf` files under `environments/` (exit 2).

```rhai
terraform::init("environments/dev/acme/infra", #{ upgrade: true });
```"##,
    },
    Function {
        name: "terraform::plan",
        section: "terraform",
        signatures: &["plan(root: string) -> map", "plan(root: string, options: map) -> map"],
        doc: r##"Plans a root (`plan -detailed-exitcode`) and returns
`#{ changes, add, change, destroy, resources: [#{ address, action }] }`. A read: it runs
under `--plan`; under `--dry-run` (or with unknown `vars`) it is recorded and the values
are unknown.

| option | type | default | meaning |
|---|---|---|---|
| `vars` | map | `#{}` | variable values; every name must be a `variable` of the root |
| `workspace` | string | the default workspace | terraform workspace, created on first use |
| `destroy` | bool | `false` | plan the destruction of everything in the root |
| `lock_timeout` | string | `"0s"` | how long to wait for the state lock |
| `retries` | map | 3 attempts, 5s doubling | `#{ attempts, delay, patterns }` |

**Errors**: diagnostics with file and line (exit 1); a variable the root does not declare
(exit 2); a state lock held by someone else, with its holder (exit 4).

```rhai
let p = terraform::plan("environments/dev/acme/hive", #{ vars: #{ customer: "acme" } });
if p.changes { info(`${p.add} to add, ${p.change} to change, ${p.destroy} to destroy`); }
```"##,
    },
    Function {
        name: "terraform::apply",
        section: "terraform",
        signatures: &["apply(root: string) -> map", "apply(root: string, options: map) -> map"],
        doc: r##"Plans into a private plan file and, only if that plan has changes, applies exactly that
file; then returns the root's outputs as a map. Sensitive outputs are
[`Secret`](#type-secret)s. Takes the root's scope lock (`dev/acme` for a customer root). A step
around it is `changed` when something was applied.

Under `--plan` the plan runs and the apply is recorded (exit 3); outputs are real when
nothing would change, else [`Unknown`](#type-unknown) (`(known after apply: dev/acme/infra.x)`).
Under `--dry-run` everything is recorded and outputs are unknown, named after the root's
`output` blocks (a misspelt output is an error there too).

| option | type | default | meaning |
|---|---|---|---|
| `vars` | map | `#{}` | variable values (strings, numbers, bools, lists, maps, secrets) |
| `workspace` | string | the default workspace | terraform workspace |
| `plan_only` | bool | `false` | plan, never apply, even in a real run |
| `lock_timeout` | string | `"0s"` | how long to wait for the state lock |
| `retries` | map | 3 attempts, 5s doubling | transient errors are re-planned and retried |

**Errors**: diagnostics with file and line (exit 1); an undeclared variable (exit 2); a
variable whose value is unknown in a real run (the root it came from was not applied);
a locked state or scope (exit 4).

```rhai
let infra = terraform::apply("environments/dev/acme/infra", #{
    vars: #{ environment: "dev", customer: "acme" },
});
terraform::apply("environments/dev/acme/hive", #{ vars: #{ storage: infra.storage_account_name } });
```"##,
    },
    Function {
        name: "terraform::output",
        section: "terraform",
        signatures: &["output(root: string) -> map", "output(root: string, options: map) -> map"],
        doc: r##"The root's current outputs (`output -json`) as a map; sensitive ones are secrets. A
read: it runs under `--plan`; unknown under `--dry-run`.

| option | type | default | meaning |
|---|---|---|---|
| `workspace` | string | the default workspace | terraform workspace |

A root that was never applied has no outputs: the map is empty.

**Errors**: terraform's (exit 1).

```rhai
let infra = terraform::output(platform::customer_roots(env, id).infra);
```"##,
    },
    Function {
        name: "terraform::destroy",
        section: "terraform",
        signatures: &["destroy(root: string) -> map", "destroy(root: string, options: map) -> map"],
        doc: r##"Like `apply` with `plan -destroy`: plans the destruction, applies that plan if it
has changes, and returns what the destroy plan held
(`#{ changes, add, change, destroy, resources }`). Same options as `apply` without
`plan_only`: `vars`, `workspace`, `lock_timeout`, `retries`.

**Errors**: as for `apply`.

```rhai
step("superset", || terraform::destroy(roots.superset, #{ vars: vars }));
```"##,
    },
    Function {
        name: "terraform::validate",
        section: "terraform",
        signatures: &["validate(path: string) -> map"],
        doc: r##"`terraform validate` of any folder with `.tf` files (modules too):
`#{ valid, diagnostics: [#{ severity, summary, detail, file, line }] }` with
repository-relative files. Invalid code is a result, not an error.

```rhai
let v = terraform::validate("infra/azure/storage");
for d in v.diagnostics { warn(`${d.file}:${d.line}: ${d.summary}`); }
```"##,
    },
    Function {
        name: "terraform::fmt_check",
        section: "terraform",
        signatures: &["fmt_check(path: string) -> array"],
        doc: r##"The repository-relative files under `path` that `terraform fmt` would change (empty
when formatted). Unknown under `--dry-run`.

```rhai
let files = terraform::fmt_check("infra");
if files.len() > 0 { fail(`run terraform fmt: ${files}`); }
```"##,
    },
    Function {
        name: "terraform::summary",
        section: "terraform",
        signatures: &["summary() -> array"],
        doc: r##"Every root this run planned or applied so far, in order:
`[#{ root, add, change, destroy }]` (counts unknown for plans that were only recorded).

```rhai
for s in terraform::summary() { print(`${s.root}: +${s.add} ~${s.change} -${s.destroy}`); }
```"##,
    },
    // ----- docker -----
    Function {
        name: "docker::build",
        section: "docker",
        signatures: &["build(context_dir: string) -> map", "build(context_dir: string, options: map) -> map"],
        doc: r##"Builds an image from a repository folder (the context honours `.dockerignore`) and
returns `#{ image_id, tags, skipped, content_tag }`.

| option | type | default | meaning |
|---|---|---|---|
| `dockerfile` | string | `"Dockerfile"` | relative to the context |
| `tags` | array of strings | `[]` | full references to tag the image with |
| `build_args` | map | `#{}` | plain values (a secret is refused: it would stay in the image history) |
| `target` | string | last stage | build stage |
| `labels` | map | `#{}` | plain values |
| `platform` | string | the engine's | e.g. `"linux/amd64"` |
| `content_tag` | string | none | `"registry/repo"`: tag `repo:<hash of the context>` and skip the build when that tag exists locally or in the registry |
| `pull` | bool | `false` | always pull newer base images |
| `username`, `password` | string, secret | from the docker config | credentials for the registry check of `content_tag` |

**Errors**: invalid references, missing context or Dockerfile (exit 2); a failing build
instruction, with its step and last output lines (exit 1).

```rhai
let image = docker::build("apps/hive/docker", #{ content_tag: `${registry}/hive` });
if !image.skipped { docker::push(image.content_tag); }
```"##,
    },
    Function {
        name: "docker::content_tag",
        section: "docker",
        signatures: &[
            "content_tag(context_dir: string) -> string",
            "content_tag(context_dir: string, options: map) -> string",
        ],
        doc: r##"The 12-hex-digit content hash `build` would tag with: over the files the build sees,
the Dockerfile, the build args, `target` and `platform`. Needs no engine.

Options: `dockerfile`, `build_args`, `target`, `platform` (as for `build`).

```rhai
let tag = docker::content_tag("apps/trino/docker");
info(`trino image: ${registry}/trino:${tag}`);
```"##,
    },
    Function {
        name: "docker::tag",
        section: "docker",
        signatures: &["tag(source: string, target: string) -> ()"],
        doc: r##"Tags a local image (`source`: a reference or ID) as `target` (a full reference).

**Errors**: an invalid target reference (exit 2), an unknown source image (exit 1).

```rhai
docker::tag(image.content_tag, `${registry}/hive:latest`);
```"##,
    },
    Function {
        name: "docker::push",
        section: "docker",
        signatures: &["push(image: string) -> map", "push(image: string, options: map) -> map"],
        doc: r##"Pushes a local image and returns `#{ image, digest }` (the digest the registry reported).

| option | type | default | meaning |
|---|---|---|---|
| `username`, `password` | string, secret | from the docker config | registry credentials (both or neither) |

**Errors**: a refused push says where the credentials came from, never what they were (exit 1).

```rhai
let pushed = docker::push(`${registry}/hive:1.4.2`, #{ username: "ci", password: secret_env("REGISTRY_PASSWORD") });
```"##,
    },
    Function {
        name: "docker::pull",
        section: "docker",
        signatures: &["pull(image: string) -> map", "pull(image: string, options: map) -> map"],
        doc: r##"Pulls an image and returns `#{ image, image_id }`. Options: `username`, `password`.

```rhai
docker::pull("busybox:1.36");
```"##,
    },
    Function {
        name: "docker::inspect",
        section: "docker",
        signatures: &["inspect(image: string) -> ?"],
        doc: r##"A local image's metadata — `#{ id, tags, digests, created, size, architecture, os,
labels, env, cmd, entrypoint, workdir }` — or `()` when it is not present locally.

```rhai
let info = docker::inspect("registry/hive:1.4.2");
if info != () { print(info.labels); }
```"##,
    },
    Function {
        name: "docker::exists",
        section: "docker",
        signatures: &["exists(image: string) -> bool", "exists(image: string, options: map) -> bool"],
        doc: r##"Whether an image is present locally, or with `registry: true` in its registry (a
manifest check, nothing pulled). Unknown under `--dry-run`.

| option | type | default | meaning |
|---|---|---|---|
| `registry` | bool | `false` | ask the registry instead of the local engine |
| `username`, `password` | string, secret | from the docker config | only with `registry: true` |

```rhai
if !docker::exists(`${registry}/hive:${tag}`, #{ registry: true }) { warn("not pushed yet"); }
```"##,
    },
    Function {
        name: "docker::remove",
        section: "docker",
        signatures: &["remove(image: string) -> bool", "remove(image: string, options: map) -> bool"],
        doc: r##"Removes a local image; `false` when there was none.

| option | type | default | meaning |
|---|---|---|---|
| `force` | bool | `false` | remove even if other tags or stopped containers use it |

```rhai
docker::remove("registry/hive:old", #{ force: true });
```"##,
    },
    Function {
        name: "docker::run",
        section: "docker",
        signatures: &["run(image: string) -> map", "run(image: string, options: map) -> map"],
        doc: r##"Runs a container to completion and returns `#{ code, stdout, stderr }`. The container
is always removed afterwards (success, failure, timeout, Ctrl-C). Does not pull. When
`env` holds a secret, `stdout` and `stderr` are [`Secret`](#type-secret)s (what the
container prints may be derived from it); so is output holding a known secret's value.

| option | type | default | meaning |
|---|---|---|---|
| `cmd` | array | the image's CMD | the command (a secret is refused: `docker inspect` shows it) |
| `env` | map | `#{}` | environment; values may be secrets |
| `mounts` | array of strings | `[]` | `"host:container[:ro]"`; a host side with `/` or starting with `.` is a repository path, a bare name a volume |
| `network` | string | the default | network to attach |
| `workdir` | string | the image's | working directory |
| `timeout` | string | none | the container is stopped and the call fails after this long |
| `check` | bool | `true` | a non-zero exit is an error (with the last stderr lines); `false` returns the code |

```rhai
let out = docker::run(image.content_tag, #{ cmd: ["hive", "--version"], timeout: "1m" });
print(out.stdout);
```"##,
    },
    Function {
        name: "docker::compose_up",
        section: "docker",
        signatures: &["compose_up(dir: string) -> map", "compose_up(dir: string, options: map) -> map"],
        doc: r##"`docker compose up --detach` in a repository folder, then (with `wait`) polls until every
service is healthy, running (no healthcheck) or exited 0 (one-shot). Returns
`#{ services: #{ name: state } }`.

| option | type | default | meaning |
|---|---|---|---|
| `profiles` | array of strings | `[]` | `--profile` each |
| `wait` | bool | `true` | wait for the services |
| `env_file` | string | none | repository path passed as `--env-file` |
| `build` | bool | `false` | `--build` |
| `services` | array of strings | all | only these services |
| `timeout` | string | `"5m"` | how long `wait` waits |

**Errors**: a service unhealthy or exiting non-zero, or not ready in time, naming each (exit 1).

```rhai
docker::compose_up("docker_compose", #{ wait: true, build: true, env_file: "docker_compose/generated/.env" });
```"##,
    },
    Function {
        name: "docker::compose_down",
        section: "docker",
        signatures: &["compose_down(dir: string) -> ()", "compose_down(dir: string, options: map) -> ()"],
        doc: r##"`docker compose down` in a repository folder.

| option | type | default | meaning |
|---|---|---|---|
| `volumes` | bool | `false` | also remove named volumes: the data is gone |
| `env_file` | string | none | `--env-file` |
| `profiles` | array of strings | `[]` | `--profile` each |

```rhai
docker::compose_down("docker_compose", #{ volumes: true });
```"##,
    },
    // ----- kubectl -----
    Function {
        name: "kubectl::apply",
        section: "kubectl",
        signatures: &["apply(env: string, options: map) -> map"],
        doc: r##"Server-side apply (`--field-manager=auto`), after a `kubectl diff`: the apply is sent
only when something differs. Returns `#{ changed, diff, output }`. Under `--plan` the diff
runs and only applies that would change something are recorded.

| option | type | default | meaning |
|---|---|---|---|
| `file` | string | — | a manifest file (repository path) |
| `dir` | string | — | a folder of manifests, applied recursively |
| `manifest` | string, secret, map or array | — | manifest text (a secret goes on stdin), or objects sent as JSON |
| `namespace` | string | the manifests' | `--namespace` |
| `prune` | bool | `false` | delete objects that left the manifests (needs `applyset` and `namespace`) |
| `applyset` | string | none | the ApplySet tracking what to prune |
| `force_conflicts` | bool | `false` | take over fields another manager owns |
| `timeout` | string | none | the process is stopped after this long |

Exactly one of `file`, `dir` and `manifest` is required.

**Errors**: kubectl's, turned into what to do (unreachable cluster, unknown context,
forbidden, not found) (exit 1); option problems (exit 2).

```rhai
let r = kubectl::apply(env, #{ manifest: template::render_file("apps/hive/kubernetes/job.yaml.j2", vars), namespace: ns });
if r.changed == true { print(r.diff); }
```"##,
    },
    Function {
        name: "kubectl::diff",
        section: "kubectl",
        signatures: &["diff(env: string, options: map) -> map"],
        doc: r##"`kubectl diff --server-side`: `#{ changed, diff }`. A read (runs under `--plan`).
Options: `file`, `dir`, `manifest`, `namespace` (as for `apply`).

```rhai
let d = kubectl::diff(env, #{ dir: ".auto/rendered/dev/acme/hive" });
if d.changed == true { print(d.diff); }
```"##,
    },
    Function {
        name: "kubectl::get",
        section: "kubectl",
        signatures: &["get(env: string, target: string) -> ?", "get(env: string, target: string, options: map) -> ?"],
        doc: r##"The object (`kubectl get -o json`) as a map.

| option | type | default | meaning |
|---|---|---|---|
| `namespace` | string | the context's | `--namespace` |
| `optional` | bool | `false` | return `()` instead of failing when the object does not exist |

```rhai
let d = kubectl::get(env, "deployment/superset", #{ namespace: ns, optional: true });
if d == () { info("not deployed yet"); }
```"##,
    },
    Function {
        name: "kubectl::wait",
        section: "kubectl",
        signatures: &[
            "wait(env: string, target: string) -> string",
            "wait(env: string, target: string, options: map) -> string",
        ],
        doc: r##"`kubectl wait`; returns kubectl's output.

| option | type | default | meaning |
|---|---|---|---|
| `condition` | string | required | kubectl's `--for`: a condition name (`"complete"`, `"Available"`) or its own form (`"condition=Ready=false"`, `"delete"`, `"jsonpath={.status.phase}=Running"`); `for` is a Rhai keyword, a quoted `"for"` key works too |
| `timeout` | string | `"5m"` | kubectl's `--timeout`; the process is stopped a minute later |
| `namespace` | string | the context's | `--namespace` |

```rhai
kubectl::wait(env, "job/hive-schema-init", #{ namespace: ns, condition: "complete", timeout: "10m" });
```"##,
    },
    Function {
        name: "kubectl::rollout_status",
        section: "kubectl",
        signatures: &[
            "rollout_status(env: string, target: string) -> string",
            "rollout_status(env: string, target: string, options: map) -> string",
        ],
        doc: r##"Waits for a rollout to finish (`kubectl rollout status`); returns kubectl's output.

| option | type | default | meaning |
|---|---|---|---|
| `namespace` | string | the context's | `--namespace` |
| `timeout` | string | `"5m"` | kubectl's `--timeout` |

```rhai
kubectl::rollout_status(env, "deployment/hive-metastore", #{ namespace: ns, timeout: "5m" });
```"##,
    },
    Function {
        name: "kubectl::rollout_restart",
        section: "kubectl",
        signatures: &[
            "rollout_restart(env: string, target: string) -> string",
            "rollout_restart(env: string, target: string, options: map) -> string",
        ],
        doc: r##"Restarts a deployment's (daemon set's, stateful set's) pods (`kubectl rollout restart`).
Options: `namespace`.

```rhai
kubectl::rollout_restart(env, "deployment/superset", #{ namespace: ns });
```"##,
    },
    Function {
        name: "kubectl::delete",
        section: "kubectl",
        signatures: &[
            "delete(env: string, target: string) -> string",
            "delete(env: string, target: string, options: map) -> string",
        ],
        doc: r##"Deletes an object (`kubectl delete`); returns kubectl's output.

| option | type | default | meaning |
|---|---|---|---|
| `namespace` | string | the context's | `--namespace` |
| `ignore_not_found` | bool | `false` | an absent object is not an error |
| `timeout` | string | none | kubectl's `--timeout` |

```rhai
kubectl::delete(env, "job/hive-schema-init", #{ namespace: ns, ignore_not_found: true });
```"##,
    },
    Function {
        name: "kubectl::logs",
        section: "kubectl",
        signatures: &[
            "logs(env: string, target: string) -> string",
            "logs(env: string, target: string, options: map) -> string",
        ],
        doc: r##"A pod's (or `deployment/x`'s) logs as text.

| option | type | default | meaning |
|---|---|---|---|
| `namespace` | string | the context's | `--namespace` |
| `container` | string | the default container | `--container` |
| `tail` | int | all | lines from the end |
| `since` | string | all | e.g. `"10m"`: only newer lines |
| `previous` | bool | `false` | the previous (crashed) container's logs |

```rhai
print(kubectl::logs(env, "job/hive-schema-init", #{ namespace: ns, tail: 50 }));
```"##,
    },
    Function {
        name: "kubectl::exec",
        section: "kubectl",
        signatures: &[
            "exec(env: string, target: string, command: array) -> map",
            "exec(env: string, target: string, command: array, options: map) -> map",
        ],
        doc: r##"Runs a command in a container and returns `#{ code, stdout, stderr, recorded }`: the
command's exit code is returned, not judged; kubectl's own failures are errors.
`recorded` is `true` when the call was only recorded (the other fields are then unknown).
When `stdin` is a secret, `stdout` and `stderr` are [`Secret`](#type-secret)s; so is output
holding a known secret's value.

| option | type | default | meaning |
|---|---|---|---|
| `namespace` | string | the context's | `--namespace` |
| `container` | string | the default container | `--container` |
| `stdin` | string or secret | none | sent to the command |
| `timeout` | string | none | the process is stopped after this long |
| `effect` | string | `"write"` | `"read"` for a command that changes nothing: it runs under `--plan` and does not mark the step changed |

```rhai
let r = kubectl::exec(env, "deployment/trino-coordinator", ["trino", "--execute", "SHOW CATALOGS"], #{ namespace: "trino", effect: "read" });
if r.recorded == false && r.code != 0 { fail(r.stderr); }
```"##,
    },
    Function {
        name: "kubectl::create_secret",
        section: "kubectl",
        signatures: &[
            "create_secret(env: string, name: string, data: map) -> map",
            "create_secret(env: string, name: string, data: map, options: map) -> map",
        ],
        doc: r##"Creates or updates a Secret from `data` (key → string or secret), built in memory and
applied through stdin like `apply`: the values never reach a command line. Returns
`#{ changed, diff, output }` (the diff of a secret is not returned).

| option | type | default | meaning |
|---|---|---|---|
| `namespace` | string | the context's | where the Secret lives |
| `type` | string | `"Opaque"` | the Secret's type, e.g. `"kubernetes.io/dockerconfigjson"` |

```rhai
kubectl::create_secret(env, "hive-db", #{ user: "hive", password: infra.hive_db_password }, #{ namespace: ns });
```"##,
    },
    // ----- template -----
    Function {
        name: "template::render",
        section: "template",
        signatures: &["render(text: string) -> ?", "render(text: string, vars: map) -> ?"],
        doc: r##"Renders template text. Returns a string, a [`Secret`](#type-secret) when a secret was used,
or an [`Unknown`](#type-unknown) when a value known only after apply was used.

**Errors**: syntax errors and undefined variables, with the template line (exit 2).

```rhai
let json = template::render("{{ c | to_json(2) }}\n", #{ c: catalogs });
```"##,
    },
    Function {
        name: "template::render_file",
        section: "template",
        signatures: &["render_file(path: string) -> ?", "render_file(path: string, vars: map) -> ?"],
        doc: r##"Renders a repository template file (a trailing `.j2` picks the escaping of the name
without it: XML for `.xml`, HTML for `.html`, none otherwise). Returns a string, a secret
or an unknown, like `render`.

```rhai
let manifest = template::render_file("apps/hive/kubernetes/job.yaml.j2", #{ namespace: ns });
```"##,
    },
    Function {
        name: "template::render_dir",
        section: "template",
        signatures: &["render_dir(src: string, dest: string, vars: map) -> map"],
        doc: r##"Renders a folder into another: `.j2` files are rendered (the suffix dropped), others
copied; the layout is kept. Everything is rendered before anything is written, files are
written only when changed (`0600` if they used a secret), and under `--plan`/`--dry-run`
writes are recorded. Returns `#{ created, updated, unchanged }` (repository paths).

**Errors**: template errors (nothing is written, exit 2); `dest` inside `src` (exit 2).

```rhai
template::render_dir("templates/customer", `environments/${env}/${id}`, #{ env: env, customer: id });
```"##,
    },
    // ----- fs -----
    Function {
        name: "fs::read",
        section: "fs",
        signatures: &["read(path: string) -> string | Secret"],
        doc: r##"A repository file's text. A read: it runs in every mode. A file only its owner may
read (no group or other permission bits, as `fs::write` makes for a secret) is read as a
[`Secret`](#type-secret): what was written as a secret comes back as one.

**Errors**: a missing or non-UTF-8 file (exit 1); a path outside the repository, inside
`.git/`, or through a symbolic link, a FIFO, device or socket, a file larger than the
string limit (exit 2).

```rhai
let saved = if fs::exists(file) { parse_json(fs::read(file)) } else { #{} };
```"##,
    },
    Function {
        name: "fs::write",
        section: "fs",
        signatures: &["write(path: string, content: ?) -> string"],
        doc: r##"Writes a string or a [`Secret`](#type-secret) to a repository file (folders created);
returns `"created"`, `"updated"` or `"unchanged"`. Atomic (temp file + rename), only when
the content differs, mode `0600` for a secret (`0644` otherwise). Recorded, not written,
under `--plan` and `--dry-run`; the plan shows the size, never the content.

**Errors**: content that is not a string or secret (render structured data with
`template::render("{{ v | to_json }}", #{ v: value })`), a path in `.git/` or outside the
repository (exit 2).

```rhai
fs::write(".auto/catalogs.json", template::render("{{ c | to_json(2) }}\n", #{ c: catalogs }));
```"##,
    },
    Function {
        name: "fs::exists",
        section: "fs",
        signatures: &["exists(path: string) -> bool"],
        doc: r##"Whether a repository path exists.

```rhai
if !fs::exists(`${out}/tls/keystore.p12`) { step("keystore", || make_keystore()); }
```"##,
    },
    Function {
        name: "fs::list",
        section: "fs",
        signatures: &["list(dir: string) -> array"],
        doc: r##"The repository paths of a folder's entries, sorted.

```rhai
for path in fs::list("apps") { info(path); }
```"##,
    },
    // ----- exec -----
    Function {
        name: "exec::run",
        section: "exec",
        signatures: &["run(argv: array) -> map", "run(argv: array, options: map) -> map"],
        doc: r##"Runs a program (`argv[0]`, found on PATH) with arguments, no shell, through the
runner: shown in plans and journals like every other effect. Returns
`#{ code, stdout, stderr, recorded }`; when only recorded (`--dry-run`, or a write under
`--plan`) `recorded` is `true` and the rest is unknown.

`stdout` and `stderr` are [`Secret`](#type-secret)s when the program was given a secret
(in `env` or `stdin`): `auto` cannot know what it did with the value (`cat` echoes it, a
vault client trades a token for a key), so its output is not streamed with `-v` either.
Pass `secret_output: false` when the output is not secret. Output that holds a known
secret's value (or its base64, …) is a secret whatever the option says.

| option | type | default | meaning |
|---|---|---|---|
| `env` | map | `#{}` | extra environment variables; values may be secrets |
| `cwd` | string | the repository root | working directory (repository path) |
| `stdin` | string, secret or other value (sent as JSON) | none | the program's standard input |
| `effect` | string | `"write"` | `"read"`: runs under `--plan` too |
| `timeout` | string | none | e.g. `"30s"`: the program is stopped after this long |
| `check` | bool | `true` | a non-zero exit is an error (with the tail of its output, masked) |
| `secret_output` | bool | `true` when `env` or `stdin` holds a secret | whether `stdout` and `stderr` are secrets |

**Errors**: a secret in `argv` is refused — anyone can read a command line in `ps`; pass it
in `env` or `stdin` (exit 2). A failing program, with its masked command line and the end
of its output, masked of every known secret (exit 1).

```rhai
let r = exec::run(["keytool", "-list", "-keystore", "tls/keystore.p12", "-storepass:env", "KS_PASS"],
    #{ env: #{ KS_PASS: secret_env("KS_PASS") }, effect: "read", secret_output: false });
print(r.stdout);   // the listing is not secret; without `secret_output: false` it prints ***
```"##,
    },
];

pub static TYPES: &[Type] = &[
    Type {
        name: "Secret",
        doc: r##"A value that never shows: printing or interpolating it gives `***`, and its value
(with its base64 at any alignment, URL-encoded and JSON-escaped forms and, for a value of
several lines, each line, if 4 characters or longer) is masked in every output line,
error, journal and plan. Made by `secret`, `secret_env`, `random_secret`, sensitive
terraform outputs, registry credentials, templates that used a secret, and the output of
`exec::run` given a secret. No function turns one back into a plain string; it reaches a
tool only through env, stdin or a 0600 file.

`+` with a string, a character or another secret gives a secret (`"user:" + pw` is one,
holding the real value); `text += pw` on a string is an error (the string cannot become a
secret): write `text = text + pw`. `==` and `!=` compare with a string or a secret. The
string methods below return secrets, except `len`, `is_empty` and the tests, which say
something about the value but are not the value. They return a new secret and leave the
original as it is (Rhai's string `trim` changes its string in place). See
[secrets](guide/secrets.md)."##,
        members: &[
            Member { signature: "to_string(secret: Secret) -> string", doc: "`\"***\"`." },
            Member { signature: "to_debug(secret: Secret) -> string", doc: "`\"Secret(***)\"`." },
            Member { signature: "trim(secret: Secret) -> Secret", doc: "Without leading and trailing whitespace." },
            Member {
                signature: "parse_json(secret: Secret) -> map | array | Secret",
                doc:
                    "The JSON a secret holds (a private file read back, a tool's output): every value in it a `Secret`.",
            },
            Member {
                signature: "secret(secret: Secret) -> Secret",
                doc: "The same secret (`secret(x)` whether `x` is text or already a secret).",
            },
            Member {
                signature: "split(secret: Secret, separator: string) -> array",
                doc: "The parts between separators, each a secret (`pw.split(\":\")`).",
            },
            Member {
                signature: "sub_string(secret: Secret, start: int) -> Secret",
                doc: "The characters from `start` on (negative: from the end).",
            },
            Member {
                signature: "sub_string(secret: Secret, start: int, len: int) -> Secret",
                doc: "`len` characters from `start` (negative: from the end).",
            },
            Member { signature: "to_upper(secret: Secret) -> Secret", doc: "In upper case." },
            Member { signature: "to_lower(secret: Secret) -> Secret", doc: "In lower case." },
            Member {
                signature: "replace(secret: Secret, find: string, with: string) -> Secret",
                doc: "Every `find` replaced with `with`.",
            },
            Member { signature: "len(secret: Secret) -> int", doc: "The number of characters." },
            Member { signature: "is_empty(secret: Secret) -> bool", doc: "Whether the value is empty." },
            Member {
                signature: "contains(secret: Secret, part: string) -> bool",
                doc: "Whether the value contains `part`.",
            },
            Member {
                signature: "starts_with(secret: Secret, part: string) -> bool",
                doc: "Whether the value starts with `part`.",
            },
            Member {
                signature: "ends_with(secret: Secret, part: string) -> bool",
                doc: "Whether the value ends with `part`.",
            },
        ],
    },
    Type {
        name: "Unknown",
        doc: r##"A value only an apply would produce, returned under `--dry-run` and `--plan` for
recorded writes. It prints as `(known after apply: dev/acme/infra.storage_account)`.
Indexing one gives another (`infra.x`, `list[0]`), so code using it keeps working; a
real write refuses it. Test with `is_known(value)`."##,
        members: &[
            Member { signature: "to_string(value: Unknown) -> string", doc: "`\"(known after apply: <what>)\"`." },
            Member { signature: "to_debug(value: Unknown) -> string", doc: "Same as `to_string`." },
        ],
    },
    Type {
        name: "Customer",
        doc: "A customer of an environment, from `customer(env, id)`.",
        members: &[
            Member { signature: "get id(customer: Customer) -> string", doc: "The customer id (`acme`)." },
            Member { signature: "get env(customer: Customer) -> string", doc: "The environment (`dev`)." },
            Member {
                signature: "get display_name(customer: Customer) -> string",
                doc: "`display_name` from `customer.toml`.",
            },
            Member { signature: "get apps(customer: Customer) -> array", doc: "`apps` from `customer.toml`." },
            Member { signature: "get dir(customer: Customer) -> string", doc: "`environments/dev/acme`." },
            Member {
                signature: "root(customer: Customer, name: string) -> string",
                doc: "The path of one of its roots: `c.root(\"hive\")` → `environments/dev/acme/hive`.",
            },
            Member { signature: "to_string(customer: Customer) -> string", doc: "`\"dev/acme\"`." },
            Member { signature: "to_debug(customer: Customer) -> string", doc: "`\"Customer(dev/acme)\"`." },
        ],
    },
    Type {
        name: "Error",
        doc: r##"What `catch (e)` receives when a host function failed (or `fail` was called).

```rhai
try { terraform::apply(root) } catch (e) { warn(`apply failed: ${e.message}`); }
```"##,
        members: &[
            Member { signature: "get message(error: Error) -> string", doc: "The error message." },
            Member { signature: "to_string(error: Error) -> string", doc: "The error message." },
        ],
    },
];
