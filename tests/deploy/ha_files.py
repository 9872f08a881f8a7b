#!/usr/bin/env python3
"""The files of deploy/ha/ agree with each other and with what docs/ha.md says (tests/deploy/ha.sh
runs the tools; this checks the text):

- compose.yaml and the broker configurations are YAML; compose.yaml builds the brokers from
  deploy/Containerfile, mounts broker-a.yaml and broker-b.yaml as their configurations, and puts
  each secret where the configurations read it; every file it mounts from the repository exists;
- the two broker configurations differ in their audit sink only, and name a PostgreSQL URL
  without a password;
- the systemd drop-in loads the credential the configurations name;
- every repository path docs/ha.md and deploy/ha/README.md name exists.

  ha_files.py REPO
"""
import os
import re
import sys

import yaml

REPO = sys.argv[1]
HA = os.path.join(REPO, "deploy", "ha")
CREDENTIALS = "/run/credentials/keybroker.service/"
failures = []


def fail(message):
    failures.append(message)


def load(name):
    with open(os.path.join(HA, name), encoding="utf-8") as f:
        return yaml.safe_load(f)


def check_broker_configs():
    a, b = load("broker-a.yaml"), load("broker-b.yaml")
    for name, config in (("broker-a.yaml", a), ("broker-b.yaml", b)):
        url = config.get("database", "")
        if not re.match(r"postgres(ql)?://[^:@/]+@", url):
            fail(f"{name}: database is not a postgresql://USER@HOST URL without a password: {url}")
        if "sslmode=verify-full" not in url:
            fail(f"{name}: database does not verify PostgreSQL's certificate (sslmode=verify-full)")
        for key in ("kek_file", "database_password_file"):
            if not str(config.get(key, "")).startswith(CREDENTIALS):
                fail(f"{name}: {key} is not a credential of keybroker.service")
        if not config["tls"]["private_key"].startswith(CREDENTIALS):
            fail(f"{name}: tls.private_key is not a credential of keybroker.service")
    a_rest = {k: v for k, v in a.items() if k != "audit_sink"}
    b_rest = {k: v for k, v in b.items() if k != "audit_sink"}
    if a_rest != b_rest:
        differing = sorted(k for k in set(a_rest) | set(b_rest) if a_rest.get(k) != b_rest.get(k))
        fail(f"broker-a.yaml and broker-b.yaml differ besides audit_sink: {differing}")
    if a.get("audit_sink") == b.get("audit_sink"):
        fail("broker-a.yaml and broker-b.yaml write the same audit sink file")
    return a


def secret_targets(service):
    targets = {}
    for entry in service.get("secrets", []):
        if isinstance(entry, str):
            targets[entry] = "/run/secrets/" + entry
        else:
            targets[entry["source"]] = entry.get("target", "/run/secrets/" + entry["source"])
    return targets


def check_compose(broker_config):
    compose = load("compose.yaml")
    services = compose.get("services", {})
    for name in ("postgres", "broker-a", "broker-b", "haproxy"):
        if name not in services:
            fail(f"compose.yaml: no service {name}")
            return
    declared = compose.get("secrets", {})
    needed = {broker_config["kek_file"], broker_config["tls"]["private_key"],
              broker_config["database_password_file"]}
    for broker in ("broker-a", "broker-b"):
        service = services[broker]
        build = service.get("build", {})
        if build.get("dockerfile") != "deploy/Containerfile":
            fail(f"compose.yaml: {broker} is not built from deploy/Containerfile")
        mounts = [v.split(":") for v in service.get("volumes", []) if v.startswith("./")]
        configs = [m[0] for m in mounts if m[1] == "/etc/keybroker/config.yaml"]
        if configs != [f"./{broker}.yaml"]:
            fail(f"compose.yaml: {broker} does not mount ./{broker}.yaml as its configuration")
        targets = set(secret_targets(service).values())
        for path in sorted(needed - targets):
            fail(f"compose.yaml: {broker} has no secret at {path}, which its configuration reads")
        for source in secret_targets(service):
            if source not in declared:
                fail(f"compose.yaml: {broker} uses the undeclared secret {source}")
    for name, service in services.items():
        build = service.get("build")
        if build and not os.path.isfile(os.path.join(HA, build["context"], build["dockerfile"])):
            fail(f"compose.yaml: {name} builds from {build['dockerfile']}, which does not exist")
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./") and not source.startswith("./secrets/"):
                if not os.path.exists(os.path.join(HA, source)):
                    fail(f"compose.yaml: {name} mounts {source}, which does not exist")
    for name, secret in declared.items():
        if not secret.get("file", "").startswith("./secrets/"):
            fail(f"compose.yaml: secret {name} is not read from ./secrets/ (kept out of git)")


def check_drop_in(broker_config):
    with open(os.path.join(HA, "keybroker.service.d", "postgresql.conf"), encoding="utf-8") as f:
        drop_in = f.read()
    credential = broker_config["database_password_file"][len(CREDENTIALS):]
    if not re.search(rf"^LoadCredential={re.escape(credential)}:/", drop_in, re.M):
        fail(f"keybroker.service.d/postgresql.conf loads no credential {credential}")


def check_references():
    pattern = re.compile(r"(?<![\w./-])((?:deploy|docs|tests)/[\w./-]*[\w])")
    for doc in ("docs/ha.md", "deploy/ha/README.md"):
        with open(os.path.join(REPO, doc), encoding="utf-8") as f:
            text = f.read()
        for path in sorted(set(pattern.findall(text))):
            if path.startswith("deploy/ha/secrets"):
                continue  # the operator makes them; never in the repository
            if not os.path.exists(os.path.join(REPO, path)):
                fail(f"{doc} names {path}, which does not exist")
        for link in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", text):
            if not os.path.exists(os.path.join(REPO, os.path.dirname(doc), link)):
                fail(f"{doc} links to {link}, which does not exist")


config = check_broker_configs()
check_compose(config)
check_drop_in(config)
check_references()
for message in failures:
    print("FAIL: " + message, file=sys.stderr)
sys.exit(1 if failures else 0)
