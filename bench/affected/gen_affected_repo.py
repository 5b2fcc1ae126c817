#!/usr/bin/env python3
"""Generates a large repository for benchmarking `auto affected`.

Layout (defaults): 2,000 customers x 3 roots (infra, hive, superset) in environment `dev`,
two environment-level roots, 18 infra modules (some calling others), three app modules
calling infra modules, scripts, images. About 33,000 files in one commit on `main`
(also `origin/main`), then a branch `feature` (checked out) with one commit changing 50
files, one of them `infra/kubernetes/namespace/main.tf`, which every hive and superset
root reaches through its app module; a branch `feature-roots` changing 50 files but no
module (roots, images, scripts), the common case; and `feature-narrow`, those plus
`apps/trino/kubernetes`, which one root uses.

Usage: gen_affected_repo.py OUT_DIR [--customers N]
"""
import argparse
import os
import random
import subprocess

AZURE = ["naming", "resource_group", "storage", "postgres", "key_vault", "network", "log_analytics",
         "diagnostic_setting", "identity", "dns", "private_endpoint", "container_registry", "aks"]
KUBE = ["namespace", "service_account", "config_map", "secret", "ingress"]
APPS = ["hive", "superset", "trino"]


def write(root, path, text):
    full = os.path.join(root, path)
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "w") as f:
        f.write(text)


def module_files(name, calls):
    main = f'resource "terraform_data" "{name}" {{\n  input = {{ name = var.name, tags = var.tags }}\n}}\n'
    for call, source in calls:
        main += f'\nmodule "{call}" {{\n  source = "{source}"\n  name   = "${{var.name}}-{call}"\n  tags   = var.tags\n}}\n'
    variables = ('variable "name" {\n  description = "Name of the thing."\n  type        = string\n}\n\n'
                 'variable "tags" {\n  description = "Tags."\n  type        = map(string)\n  default     = {}\n}\n')
    outputs = f'output "id" {{\n  value = terraform_data.{name}.id\n}}\n\noutput "name" {{\n  value = var.name\n}}\n'
    versions = 'terraform {\n  required_version = ">= 1.0"\n}\n'
    return {"main.tf": main, "variables.tf": variables, "outputs.tf": outputs, "versions.tf": versions}


def root_files(env, customer, kind, calls):
    main = "locals {\n  prefix = \"%s-%s\"\n}\n" % (env, customer)
    for call, source in calls:
        main += (f'\nmodule "{call}" {{\n  source = "{source}"\n  name   = "${{local.prefix}}-{call}"\n'
                 f'  tags   = {{ customer = var.customer, env = var.environment }}\n}}\n')
    variables = ('variable "customer" {\n  type = string\n}\n\nvariable "environment" {\n  type = string\n}\n')
    outputs = "".join(f'output "{call}_id" {{\n  value = module.{call}.id\n}}\n\n' for call, _ in calls)
    versions = ('terraform {\n  required_version = ">= 1.0"\n  backend "local" {}\n}\n')
    readme = f"# {customer} {kind}\n"
    return {"main.tf": main, "variables.tf": variables, "outputs.tf": outputs, "versions.tf": versions, "README.md": readme}


def git(root, *args, env=None):
    subprocess.run(["git", *args], cwd=root, check=True, stdout=subprocess.DEVNULL, env=env)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--customers", type=int, default=2000)
    args = parser.parse_args()
    root = args.out
    os.makedirs(root, exist_ok=True)
    rng = random.Random(42)

    for name in AZURE:
        calls = [("naming", "../naming")] if name in ("storage", "postgres", "key_vault", "aks") else []
        for file, text in module_files(name, calls).items():
            write(root, f"infra/azure/{name}/{file}", text)
    for name in KUBE:
        calls = [("namespace", "../namespace")] if name in ("service_account", "ingress") else []
        for file, text in module_files(name, calls).items():
            write(root, f"infra/kubernetes/{name}/{file}", text)
    for app in APPS:
        calls = [(k, f"../../../infra/kubernetes/{k}") for k in ("namespace", "service_account", "config_map")]
        for file, text in module_files(app, calls).items():
            write(root, f"apps/{app}/kubernetes/{file}", text)
        write(root, f"apps/{app}/docker/Dockerfile", f"FROM alpine:3.20\nLABEL app={app}\n")
        write(root, f"apps/{app}/docker/entrypoint.sh", "#!/bin/sh\nexec \"$@\"\n")

    write(root, "scripts/lib/platform.rhai", "fn roots(env) { [] }\n")
    for script in ("onboard_customer", "offboard_customer", "build_images", "terraform_root", "deploy_app"):
        write(root, f"scripts/{script}.rhai", f"//! {script}\nimport \"lib/platform\" as platform;\n")
    write(root, ".github/workflows/ci.yml", "on: push\n")
    write(root, "README.md", "# bench\n")

    env = "dev"
    write(root, f"environments/{env}/env.toml", "[naming]\nprefix = \"anl\"\n")
    for kind, calls in (("infra", [("rg", "../../../infra/azure/resource_group"), ("aks", "../../../infra/azure/aks")]),
                        ("trino", [("trino", "../../../apps/trino/kubernetes")])):
        for file, text in root_files(env, "env", kind, calls).items():
            write(root, f"environments/{env}/{kind}/{file}", text)
    up = "../../../.."
    kinds = {
        "infra": [("rg", f"{up}/infra/azure/resource_group"), ("storage", f"{up}/infra/azure/storage"),
                  ("db", f"{up}/infra/azure/postgres")],
        "hive": [("hive", f"{up}/apps/hive/kubernetes")],
        "superset": [("superset", f"{up}/apps/superset/kubernetes")],
    }
    customers = [f"c{i:05d}" for i in range(args.customers)]
    for customer in customers:
        write(root, f"environments/{env}/{customer}/customer.toml", f"display_name = \"{customer}\"\napps = [\"hive\", \"superset\"]\n")
        for kind, calls in kinds.items():
            for file, text in root_files(env, customer, kind, calls).items():
                write(root, f"environments/{env}/{customer}/{kind}/{file}", text)

    dated = dict(os.environ, GIT_AUTHOR_DATE="2026-01-01T00:00:00Z", GIT_COMMITTER_DATE="2026-01-01T00:00:00Z",
                 GIT_AUTHOR_NAME="bench", GIT_AUTHOR_EMAIL="bench@example.com",
                 GIT_COMMITTER_NAME="bench", GIT_COMMITTER_EMAIL="bench@example.com")
    git(root, "init", "-q", "-b", "main")
    # No background auto-gc racing the explicit one below.
    git(root, "config", "gc.auto", "0")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base", env=dated)
    git(root, "update-ref", "refs/remotes/origin/main", "HEAD")
    git(root, "checkout", "-q", "-b", "feature")

    # 50 changed files: the widely used module, root files, images, scripts, settings, docs.
    changed = ["infra/kubernetes/namespace/main.tf"]
    changed += [f"environments/{env}/{c}/{rng.choice(list(kinds))}/main.tf" for c in rng.sample(customers, 25)]
    changed += [f"environments/{env}/{c}/customer.toml" for c in rng.sample(customers, 5)]
    changed += [f"apps/{app}/docker/{f}" for app in APPS for f in ("Dockerfile", "entrypoint.sh")]
    changed += ["scripts/lib/platform.rhai", "scripts/onboard_customer.rhai", "scripts/deploy_app.rhai"]
    changed += [f"environments/{env}/{c}/hive/README.md" for c in rng.sample(customers, 8)]
    changed += ["README.md", ".github/workflows/ci.yml"]
    changed = sorted(set(changed))
    while len(changed) < 50:
        changed.append(f"environments/{env}/{rng.choice(customers)}/superset/variables.tf")
        changed = sorted(set(changed))
    for path in changed:
        with open(os.path.join(root, path), "a") as f:
            f.write("\n# changed\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change 50 files", env=dated)

    # A second change of 50 files that touches no module: roots, images, scripts only.
    git(root, "checkout", "-q", "-b", "feature-roots", "main")
    direct = [f"environments/{env}/{c}/{k}/main.tf" for c in rng.sample(customers, 15) for k in ("infra", "hive")]
    direct += [f"environments/{env}/{c}/superset/variables.tf" for c in rng.sample(customers, 14)]
    direct += [f"apps/{app}/docker/Dockerfile" for app in APPS] + ["scripts/onboard_customer.rhai", "README.md", ".github/workflows/ci.yml"]
    direct = sorted(set(direct))[:50]
    for path in direct:
        with open(os.path.join(root, path), "a") as f:
            f.write("\n# changed\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change 50 files, no module", env=dated)
    # The same 50 files, but with a module only one root uses instead of roots' files.
    git(root, "checkout", "-q", "-b", "feature-narrow", "feature-roots")
    with open(os.path.join(root, "apps/trino/kubernetes/main.tf"), "a") as f:
        f.write("\n# changed\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "change a module one root uses", env=dated)
    git(root, "checkout", "-q", "feature")
    # Packed, as a CI clone is (fresh local commits are loose objects: slower to read).
    git(root, "gc", "-q")
    files = int(subprocess.run(["git", "ls-files"], cwd=root, check=True, capture_output=True).stdout.count(b"\n"))
    print(f"generated {root}: {files} files, {args.customers * 3 + 2} roots, {len(changed)} changed files")


if __name__ == "__main__":
    main()
