#!/usr/bin/env python3
"""One GitHub issue per drifted terraform root (.github/workflows/drift.yml, job issues).

Reads the drift.json that `auto run detect_drift` wrote (format auto.drift/v1) and keeps,
for each root of its environment, one issue titled `Drift: <root>` with the label `drift`:

  root drifts, no issue with that title   create it (the label too, when missing); alert
  root drifts, its issue is open          edit the body (first seen kept, last seen and the
                                          table updated); when the drift is not the same
                                          (another fingerprint) also a comment saying what
                                          changed, and an alert; the same drift: no comment
                                          and no alert
  root drifts, its issue is closed        reopen that issue (never a second one), comment
                                          "Drift is back"; alert
  root clean or only pending, issue open  comment "The root is clean again as of …" and close
  root failed (could not be planned)      its issue is left as it is (a root that was not
                                          planned says nothing about drift); a warning
Issues of other environments (titles not starting with `Drift: <environment>/`) are never
read or touched: a run of `test` does not close the issues of `dev`.

The body starts with the marker
  <!-- auto-drift root=<root> first-seen=<generated> fingerprint=<sha256> -->
where the fingerprint is the SHA-256 of the root's drift entries, sorted (see
`fingerprint`): the same drift reported in another order is the same drift.

GitHub is reached only through `gh api` (so the tests can put a fake gh on PATH); the
alert is a POST of {"text": "..."} (what Slack and Teams incoming webhooks take) to
DRIFT_WEBHOOK_URL, only for new drift (created, reopened, changed).

Usage: drift-issues.py --drift FILE [--dry-run]
  --dry-run  read the issues, print what would be done, change nothing, alert nobody
Env:   GITHUB_REPOSITORY   owner/name (set by the runner)
       GH_TOKEN            for gh: issues: write (read only, with --dry-run)
       DRIFT_WEBHOOK_URL   optional, a secret: never printed
       GITHUB_SERVER_URL, GITHUB_RUN_ID  optional: the run's link in the issue
Exit:  0 done (a webhook that fails is a warning); 1 gh failed (the message says which
       call and what gh said; the other roots are still handled); 2 bad input.
"""

import argparse
import hashlib
import json
import os
import re
import shlex
import subprocess
import sys
import urllib.error
import urllib.request

LABEL = "drift"
LABEL_COLOR = "d93f0b"
LABEL_DESCRIPTION = "A terraform root whose real resources are not what its state says (drift.yml)"
FORMAT = "auto.drift/v1"
STATUSES = ("clean", "drifted", "pending", "drifted_and_pending", "failed")
DRIFTING = ("drifted", "drifted_and_pending")
# GitHub refuses an issue body over 65536 characters; the rest is room for the marker,
# the text around the table and the note about what was cut.
BODY_TABLE_LIMIT = 50_000
# One value in a table cell: long ones are cut (drift.json in the artifact has them whole).
VALUE_LIMIT = 200
# The entries' keys kept in the body for describing the next change; left out when larger.
ENTRIES_LIMIT = 8_000
WEBHOOK_TIMEOUT = 10

MARKER = re.compile(r"<!-- auto-drift root=(\S+) first-seen=(\S+) fingerprint=([0-9a-f]{64}) -->")
ENTRIES = re.compile(r"<!-- auto-drift-entries (\[.*?\]) -->", re.S)
LAST_SEEN = re.compile(r"^Last seen: (\S+)", re.M)


class BadInput(Exception):
    """drift.json or the environment is not what this script can work with (exit 2)."""


class GhFailed(Exception):
    """A `gh api` call failed (exit 1): the call, its exit code and the tail of its stderr."""

    def __init__(self, args, code, stderr):
        tail = " ".join(stderr.strip().splitlines()[-3:]) or "no message"
        super().__init__(f"`{shlex.join(['gh', 'api', *args])}` failed (exit {code}): {tail}")


def warn(title, message):
    print(f"::warning title={title}::{message}", flush=True)


# ----------------------------------------------------------------- gh


class GitHub:
    """The REST calls this script makes, all through `gh api`."""

    def __init__(self, repo):
        self.repo = repo

    def _call(self, args, body=None):
        payload = None if body is None else json.dumps(body).encode()
        if payload is not None:
            # The body on stdin: no argument length limit, no quoting of Markdown.
            args = [*args, "--input", "-"]
        try:
            done = subprocess.run(["gh", "api", *args], input=payload, capture_output=True, check=False)
        except FileNotFoundError:
            raise GhFailed(args, 127, "gh is not installed (or not on PATH)") from None
        if done.returncode != 0:
            raise GhFailed(args, done.returncode, done.stderr.decode(errors="replace"))
        return done.stdout.decode()

    def issues(self):
        """Every issue with the label (open and closed), all pages."""
        text = self._call(["--paginate", f"repos/{self.repo}/issues?labels={LABEL}&state=all&per_page=100"])
        # --paginate prints one JSON array per page, one after the other.
        decoder, at, found = json.JSONDecoder(), 0, []
        while True:
            while at < len(text) and text[at].isspace():
                at += 1
            if at == len(text):
                break
            try:
                page, at = decoder.raw_decode(text, at)
            except json.JSONDecodeError as e:
                raise GhFailed(["--paginate", f"repos/{self.repo}/issues"], 0, f"the answer is not JSON: {e}") from None
            if not isinstance(page, list):
                raise GhFailed(["--paginate", f"repos/{self.repo}/issues"], 0, "the answer is not a list of issues")
            found.extend(page)
        # The issues API lists pull requests too.
        return [i for i in found if isinstance(i, dict) and "pull_request" not in i]

    def has_label(self):
        try:
            self._call([f"repos/{self.repo}/labels/{LABEL}"])
            return True
        except GhFailed as e:
            if "HTTP 404" in str(e):
                return False
            raise

    def create_label(self):
        self._call(
            ["--method", "POST", f"repos/{self.repo}/labels"],
            {"name": LABEL, "color": LABEL_COLOR, "description": LABEL_DESCRIPTION},
        )

    def create_issue(self, title, body):
        fields = {"title": title, "body": body, "labels": [LABEL]}
        return json.loads(self._call(["--method", "POST", f"repos/{self.repo}/issues"], fields))

    def edit_issue(self, number, fields):
        return json.loads(self._call(["--method", "PATCH", f"repos/{self.repo}/issues/{number}"], fields))

    def comment(self, number, body):
        self._call(["--method", "POST", f"repos/{self.repo}/issues/{number}/comments"], {"body": body})


# ----------------------------------------------------------------- drift.json


def load(path):
    """drift.json, checked: every later step may rely on its shape."""
    try:
        with open(path, encoding="utf-8") as f:
            drift = json.load(f)
    except OSError as e:
        raise BadInput(f"cannot read {path}: {e.strerror}") from None
    except json.JSONDecodeError as e:
        raise BadInput(f"{path} is not JSON: {e}") from None
    if not isinstance(drift, dict) or drift.get("format") != FORMAT:
        found = drift.get("format") if isinstance(drift, dict) else None
        raise BadInput(f"{path} is not {FORMAT} (format: {json.dumps(found)})")
    for key in ("generated", "environment"):
        value = drift.get(key)
        if not isinstance(value, str) or not re.fullmatch(r"[^\s<>]+", value):
            raise BadInput(f"{path}: `{key}` is {json.dumps(value)}, not a word")
    if not isinstance(drift.get("roots"), list):
        raise BadInput(f"{path}: `roots` is not a list")
    for root in drift["roots"]:
        label = root.get("root") if isinstance(root, dict) else None
        if not isinstance(label, str) or not re.fullmatch(r"[^\s<>]+", label):
            raise BadInput(f"{path}: a root without a `root` label: {json.dumps(root)[:200]}")
        if root.get("status") not in STATUSES:
            status = json.dumps(root.get("status"))
            raise BadInput(f"{path}: root {label} has status {status}, not one of {', '.join(STATUSES)}")
        for kind in ("drift", "pending"):
            entries = root.get(kind) or []
            if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
                raise BadInput(f"{path}: root {root['root']}: `{kind}` is not a list of resources")
    return drift


def attributes(entry):
    return [a for a in entry.get("attributes") or [] if isinstance(a, dict)]


def normalised(entry):
    """An entry with its attributes sorted (by their canonical JSON)."""
    return dict(entry, attributes=sorted(attributes(entry), key=canonical))


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def fingerprint(entries):
    """SHA-256 of the JSON array of the entries, each with its keys and its attributes
    sorted, the entries sorted by their own JSON: independent of every order."""
    text = "[" + ",".join(sorted(canonical(normalised(e)) for e in entries)) + "]"
    return hashlib.sha256(text.encode()).hexdigest()


def keyed(entries):
    """(address, attribute path) → a short hash of its before/after: what the next change
    is described against. A resource without attributes (deleted outside terraform, say)
    is one key with the path empty."""
    keys = {}
    for e in entries:
        address = str(e.get("address"))
        attrs = attributes(e) or [{"path": "", "before": e.get("action"), "after": None}]
        for a in attrs:
            value = canonical([a.get("before"), a.get("after")])
            keys[f"{address}\t{a.get('path') or ''}"] = hashlib.sha256(value.encode()).hexdigest()[:12]
    return keys


# ----------------------------------------------------------------- Markdown


def code(value):
    """A value as a code span in a table cell."""
    if value is None:
        return "—"
    text = value if isinstance(value, str) else canonical(value)
    text = " ".join(text.splitlines())
    if len(text) > VALUE_LIMIT:
        text = text[:VALUE_LIMIT] + "…"
    text = text.replace("|", "\\|")
    ticks = max((len(run) for run in re.findall(r"`+", text)), default=0) + 1
    fence = "`" * ticks
    pad = " " if text.startswith("`") or text.endswith("`") or ticks > 1 else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def rows(entries):
    for e in sorted(entries, key=lambda e: str(e.get("address"))):
        address, action = code(str(e.get("address"))), str(e.get("action") or "?")
        attrs = sorted(attributes(e), key=lambda a: str(a.get("path")))
        if not attrs:
            yield f"| {address} | {action} | — | — | — |"
        for a in attrs:
            yield f"| {address} | {action} | {code(a.get('path'))} | {code(a.get('before'))} | {code(a.get('after'))} |"


def table(entries, artifact):
    lines, size, shown = ["| resource | action | attribute | before | after |", "|---|---|---|---|---|"], 0, 0
    every = list(rows(entries))
    for row in every:
        if size + len(row) > BODY_TABLE_LIMIT:
            break
        lines.append(row)
        size += len(row) + 1
        shown += 1
    text = "\n".join(lines) + "\n"
    if shown < len(every):
        text += (
            f"\n_… and {len(every) - shown} more row(s), left out to stay under GitHub's limit: "
            f"`drift.json` in the artifact `{artifact}` has them all._\n"
        )
    return text


def resources(entries):
    count = len({str(e.get("address")) for e in entries})
    return f"{count} resource" + ("" if count == 1 else "s")


def body(drift, root, first_seen, run_url):
    env, generated = drift["environment"], drift["generated"]
    label, entries, pending = root["root"], root.get("drift") or [], root.get("pending") or []
    artifact = f"drift-{env}"
    keys = canonical(sorted(keyed(entries).items())).replace(">", "\\u003e")
    seen = f"Last seen: {generated}" + (f" ([run]({run_url}))" if run_url else "")
    parts = [
        f"<!-- auto-drift root={label} first-seen={first_seen} fingerprint={fingerprint(entries)} -->",
        *([f"<!-- auto-drift-entries {keys} -->"] if len(keys) <= ENTRIES_LIMIT else []),
        f"The terraform root `{label}` (`environments/{label}`) has drifted: its resources are not what "
        "its state says, they were changed outside terraform. _before_ is the state's value, _after_ the "
        "real one.",
        "",
        f"Drift first seen: {first_seen}",
        seen,
        "",
        f"### {resources(entries)} drifted",
        "",
        table(entries, artifact),
    ]
    if pending:
        addresses = sorted(str(e.get("address")) for e in pending)
        names = ", ".join(code(a) for a in addresses[:20])
        more = "" if len(pending) <= 20 else f" and {len(pending) - 20} more"
        parts += [f"Also pending, not drift (the code changed and was not applied yet): {names}{more}.", ""]
    parts += [
        "### What to do",
        "",
        f"- **Put back what the code says**: apply the root, `auto run terraform_root --set env={env} "
        f"--set root=environments/{label} --set action=apply`, with the environment's rights;",
        "- **or keep the change**: change the code to match it, in a pull request.",
        "",
        "The daily drift workflow (`.github/workflows/drift.yml`) keeps this issue: it updates it while the "
        "drift stays, comments when the drift changes, and closes it once the root is clean again. Its first "
        "lines are its memory: leave them as they are.",
    ]
    return "\n".join(parts) + "\n"


def changes(old_keys, entries, generated):
    """The comment on an issue whose drift changed: what is new, what changed, what is gone."""
    new_keys = keyed(entries)
    lines = [f"The drift changed as of {generated}: {resources(entries)} drifted now.", ""]
    if old_keys is None:
        lines.append("What it was before is not recorded in this issue: the description shows the drift as it is now.")
        return "\n".join(lines) + "\n"
    values = {}
    for e in entries:
        for a in attributes(e) or [{"path": ""}]:
            values[f"{e.get('address')}\t{a.get('path') or ''}"] = (e, a)

    def name(key):
        address, path = key.split("\t", 1)
        return code(address) + (f" {code(path)}" if path else "")

    def change(key):
        e, a = values[key]
        if "before" not in a and "after" not in a:
            return str(e.get("action") or "?")
        return f"{code(a.get('before'))} → {code(a.get('after'))}"

    listed = 0
    for key in sorted(new_keys):
        if key not in old_keys:
            lines.append(f"- new: {name(key)}: {change(key)}")
        elif old_keys[key] != new_keys[key]:
            lines.append(f"- changed: {name(key)}: now {change(key)}")
        else:
            continue
        listed += 1
    for key in sorted(set(old_keys) - set(new_keys)):
        lines.append(f"- no longer drifting: {name(key)}")
        listed += 1
    if listed > 50:
        lines = lines[:52] + [f"- … and {listed - 50} more"]
    lines += ["", "The description shows the drift as it is now."]
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------- the issues


def memory(issue):
    """What an issue's body remembers: first seen, last seen, fingerprint, entry keys.
    An issue without the marker (edited by hand) was first seen when it was opened."""
    text = issue.get("body") or ""
    marker = MARKER.search(text)
    first = marker.group(2) if marker else str(issue.get("created_at") or "unknown")
    last = LAST_SEEN.search(text)
    keys = None
    entries = ENTRIES.search(text)
    if entries:
        try:
            keys = dict(json.loads(entries.group(1)))
        except (ValueError, TypeError):
            keys = None
    return {
        "first_seen": first,
        "last_seen": last.group(1) if last else first,
        "fingerprint": marker.group(3) if marker else None,
        "keys": keys,
    }


class Run:
    """One pass over drift.json's roots against the environment's issues."""

    def __init__(self, github, drift, dry_run, webhook, run_url):
        self.github, self.drift, self.dry_run, self.webhook, self.run_url = github, drift, dry_run, webhook, run_url
        self.label_checked = False
        self.failures = []

    def did(self, label, would, done):
        """Says what is done to a root's issue: before the calls with --dry-run ("would …"),
        after them otherwise."""
        print(f"dry-run: {label}: would {would}" if self.dry_run else f"{label}: {done}", flush=True)

    def ensure_label(self, label):
        if self.label_checked:
            return
        if not self.github.has_label():
            if not self.dry_run:
                self.github.create_label()
            self.did(label, f"create the label `{LABEL}`", f"created the label `{LABEL}`")
        self.label_checked = True

    def alert(self, root, url, why):
        """New drift: one message naming the root, the issue and how many resources drifted."""
        label, entries = root["root"], root.get("drift") or []
        if not self.webhook:
            return
        text = f"Drift in {label} ({why}): {resources(entries)} drifted. {url}"
        if self.dry_run:
            self.did(label, f"alert the webhook: {text}", "")
            return
        if not re.match(r"https?://", self.webhook):
            warn(f"drift {label}", "DRIFT_WEBHOOK_URL is not an http(s) URL: no alert sent")
            return
        request = urllib.request.Request(
            self.webhook,
            data=json.dumps({"text": text}).encode(),
            headers={"Content-Type": "application/json"},
            method="POST",
        )
        # Never the URL in a message: it is the secret. The messages below name the HTTP
        # status or the socket's error, which do not hold it.
        try:
            with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT) as answer:
                answer.read()
            self.did(label, "", "alerted the webhook")
        except urllib.error.HTTPError as e:
            warn(f"drift {label}", f"the webhook refused the alert (HTTP {e.code}): the issue is {url}")
        except (urllib.error.URLError, OSError, ValueError) as e:
            reason = getattr(e, "reason", None) or type(e).__name__
            warn(f"drift {label}", f"the webhook could not be reached ({reason}): the issue is {url}")

    def handle(self, root, issues):
        label, status, generated = root["root"], root["status"], self.drift["generated"]
        title = f"Drift: {label}"
        mine = [i for i in issues if i.get("title") == title]
        open_ = sorted((i for i in mine if i.get("state") == "open"), key=lambda i: i["number"])
        closed = sorted((i for i in mine if i.get("state") != "open"), key=lambda i: -i["number"])
        if len(open_) > 1:
            others = ", ".join(f"#{i['number']}" for i in open_[1:])
            warn(f"drift {label}", f"more than one open issue `{title}`: #{open_[0]['number']} is kept, {others} not")
        entries = root.get("drift") or []

        if status == "failed":
            error = " ".join(str(root.get("error") or "no error given").split())[:300]
            where = f" (#{open_[0]['number']})" if open_ else ""
            warn(f"drift {label}", f"could not be planned ({error}): its drift issue{where} is left as it is")
        elif status in DRIFTING and open_:
            issue = open_[0]
            was = memory(issue)
            n = issue["number"]
            if was["fingerprint"] == fingerprint(entries):
                if not self.dry_run:
                    self.github.edit_issue(n, {"body": body(self.drift, root, was["first_seen"], self.run_url)})
                self.did(label, f"update #{n} (the same drift)", f"updated #{n} (the same drift)")
                return
            if not self.dry_run:
                self.github.edit_issue(n, {"body": body(self.drift, root, was["first_seen"], self.run_url)})
                self.github.comment(n, changes(was["keys"], entries, generated))
            self.did(label, f"update #{n} and comment: the drift changed", f"updated #{n}, commented: the drift changed")
            self.alert(root, issue.get("html_url"), "changed")
        elif status in DRIFTING and closed:
            issue = closed[0]
            n = issue["number"]
            if not self.dry_run:
                self.github.edit_issue(n, {"state": "open", "body": body(self.drift, root, generated, self.run_url)})
                self.github.comment(
                    n,
                    f"Drift is back as of {generated}: {resources(entries)} drifted (the description shows what). "
                    "This issue was closed when the root was clean.\n",
                )
            self.did(label, f"reopen #{n}: drift is back", f"reopened #{n}: drift is back")
            self.alert(root, issue.get("html_url"), "back")
        elif status in DRIFTING:
            self.ensure_label(label)
            url = f"(the new issue `{title}`)"
            if not self.dry_run:
                created = self.github.create_issue(title, body(self.drift, root, generated, self.run_url))
                url = created.get("html_url")
            self.did(label, f"open an issue `{title}`: new drift", f"opened {url}: new drift")
            self.alert(root, url, "new")
        elif open_:
            issue = open_[0]
            was = memory(issue)
            n = issue["number"]
            if not self.dry_run:
                since = f"drift from {was['first_seen']} to {was['last_seen']}"
                text = f"The root is clean again as of {generated} ({since})."
                if status == "pending":
                    text += "\n\nIt has changes pending (the code changed and was not applied yet): that is not drift."
                self.github.comment(n, text + "\n")
                self.github.edit_issue(n, {"state": "closed", "state_reason": "completed"})
            self.did(label, f"close #{n}: the root is {status}", f"closed #{n}: the root is {status}")

    def all(self):
        env = self.drift["environment"]
        prefix = f"Drift: {env}/"
        # Only this environment's issues: the others are not this run's to judge.
        issues = [i for i in self.github.issues() if str(i.get("title", "")).startswith(prefix)]
        issues = [i for i in issues if LABEL in (lb.get("name") for lb in i.get("labels") or [] if isinstance(lb, dict))]
        listed = set()
        for root in self.drift["roots"]:
            label = root["root"]
            if not label.startswith(f"{env}/"):
                warn(f"drift {label}", f"not a root of environment {env}: left out")
                continue
            listed.add(f"Drift: {label}")
            try:
                self.handle(root, issues)
            except GhFailed as e:
                self.failures.append(label)
                print(f"drift-issues.py: error: {label}: {e}", file=sys.stderr, flush=True)
        for issue in issues:
            if issue.get("state") == "open" and issue.get("title") not in listed:
                warn(
                    f"drift {issue['title'][len('Drift: '):]}",
                    f"#{issue['number']} is open, and drift.json has no such root: left as it is "
                    "(close it by hand if the root is gone)",
                )


def main(argv):
    parser = argparse.ArgumentParser(prog="drift-issues.py", description="One GitHub issue per drifted terraform root.")
    parser.add_argument("--drift", required=True, metavar="FILE", help="drift.json of `auto run detect_drift`")
    parser.add_argument("--dry-run", action="store_true", help="print what would be done; change nothing")
    args = parser.parse_args(argv)
    try:
        repo = os.environ.get("GITHUB_REPOSITORY", "")
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", repo):
            raise BadInput(f"GITHUB_REPOSITORY is {json.dumps(repo)}: set it to <owner>/<name>")
        drift = load(args.drift)
    except BadInput as e:
        print(f"drift-issues.py: error: {e}", file=sys.stderr)
        return 2
    server, run_id = os.environ.get("GITHUB_SERVER_URL", "https://github.com"), os.environ.get("GITHUB_RUN_ID")
    run_url = f"{server}/{repo}/actions/runs/{run_id}" if run_id else None
    run = Run(GitHub(repo), drift, args.dry_run, os.environ.get("DRIFT_WEBHOOK_URL") or None, run_url)
    try:
        run.all()
    except GhFailed as e:
        print(f"drift-issues.py: error: {e}", file=sys.stderr)
        return 1
    if run.failures:
        failed = ", ".join(run.failures)
        print(f"drift-issues.py: error: the issues of {failed} could not be updated (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
