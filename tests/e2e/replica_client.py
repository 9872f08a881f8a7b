#!/usr/bin/env python3
"""The client side of the replica test (replicas.sh): two brokers on one PostgreSQL database.

  replica_client.py CA KEYBROKER DEV_CA WORK prepare PORT TAG N
      N challenges from the broker at PORT, and their signed documents, into WORK/docs/TAG-i.cbor
  replica_client.py CA KEYBROKER DEV_CA WORK fire PORT TAG THREADS [SECONDS]
      posts the documents TAG-* to PORT concurrently, one line per answer in WORK/answers.jsonl
      ({"doc", "port", "status", "error", "decision_id"}); with SECONDS, keeps posting fresh
      documents (a challenge each) for that long, so a load spans an outage
  replica_client.py CA KEYBROKER DEV_CA WORK race PORT_A PORT_B TAG
      posts each document TAG-* to both brokers at the same moment: exactly one 200, the other
      nonce_replayed, or the test fails
  replica_client.py CA KEYBROKER DEV_CA WORK replay PORT TAG
      posts every document TAG-* to PORT again: one acknowledged before (by any broker) must be
      nonce_replayed now; one never answered may be released, once
  replica_client.py CA KEYBROKER DEV_CA WORK check URL
      every acknowledged release (200) is an "allow" audit row of the database at URL (psql,
      password in PGPASSWORD) with its decision id and the SHA-256 of its document"""
import concurrent.futures
import glob
import hashlib
import json
import os
import subprocess
import sys
import threading
import time

from kbclient import Broker, parse, release_body, request

CA, KB, DEV_CA, WORK, MODE = sys.argv[1:6]
ARGS = sys.argv[6:]
answers_file = os.path.join(WORK, "answers.jsonl")
lock = threading.Lock()


def broker(port):
    return Broker(port, CA, KB, DEV_CA, WORK)


def docs(tag):
    return sorted(glob.glob(os.path.join(WORK, "docs", tag + "-*.cbor")))


def post(port, path):
    with open(path, "rb") as f:
        raw = request("POST", "/v1/release", release_body(f.read()))
    try:
        status, _, body = parse(broker(port).exchange(raw, timeout=30))
    except (OSError, ValueError, IndexError):
        return None  # the broker died under this request, or never answered
    answer = json.loads(body) if body else {}
    return {"doc": os.path.basename(path), "port": int(port), "status": status,
            "error": answer.get("error"), "decision_id": answer.get("decision_id")}


def record(answer):
    with lock, open(answers_file, "a") as f:
        f.write(json.dumps(answer) + "\n")
        f.flush()


def answers():
    if not os.path.exists(answers_file):
        return []
    with open(answers_file) as f:
        return [json.loads(line) for line in f if line.strip()]


def prepare(port, tag, n):
    os.makedirs(os.path.join(WORK, "docs"), exist_ok=True)
    b = broker(port)
    for i in range(n):
        b.signed_document(b.challenge(), os.path.join("docs", f"{tag}-{i:03}.cbor"))


def fire(port, tag, threads, seconds=0.0):
    def one(path):
        answer = post(port, path)
        record(answer if answer is not None else
               {"doc": os.path.basename(path), "port": int(port), "status": None})
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, docs(tag)))
    if seconds <= 0:
        return
    # A load that spans an outage: a fresh challenge and document each round; a challenge that
    # fails (the database is away) is recorded as such and tried again.
    deadline, n = time.monotonic() + seconds, 0
    b = broker(port)

    def round_trip(i):
        name = os.path.join("docs", f"{tag}-live-{i:04}.cbor")
        try:
            b.signed_document(b.challenge(), name)
        except (RuntimeError, OSError, ValueError, IndexError) as e:
            record({"doc": None, "port": int(port), "status": "challenge_failed", "why": str(e)})
            time.sleep(0.05)
            return
        one(os.path.join(WORK, name))
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        while time.monotonic() < deadline:
            list(pool.map(round_trip, range(n, n + threads)))
            n += threads


def race(port_a, port_b, tag):
    for path in docs(tag):
        barrier = threading.Barrier(2)
        results = [None, None]

        def one(i, port):
            barrier.wait()
            results[i] = post(port, path)
        threads = [threading.Thread(target=one, args=(i, p)) for i, p in enumerate((port_a, port_b))]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for r in results:
            if r is None:
                sys.exit(f"FAIL race: no answer for {path}")
            record(r)
        ok = [r for r in results if r["status"] == 200]
        replayed = [r for r in results if r["status"] == 403 and r["error"] == "nonce_replayed"]
        if len(ok) != 1 or len(replayed) != 1:
            sys.exit(f"FAIL race on {path}: {results}")
    print(f"race: {len(docs(tag))} documents posted to both brokers at once, each released once")


def replay(port, tag):
    released = {a["doc"] for a in answers() if a["status"] == 200}
    for path in docs(tag):
        answer = post(port, path)
        if answer is None:
            sys.exit(f"FAIL replay: no answer for {path}")
        record(answer)
        name = os.path.basename(path)
        if answer["status"] == 200:
            if name in released:
                sys.exit(f"FAIL: {name} was released twice")
            released.add(name)
        elif answer["status"] != 403 or answer["error"] != "nonce_replayed":
            sys.exit(f"FAIL replay of {name}: {answer}")


def check(url):
    acknowledged = [a for a in answers() if a["status"] == 200]
    out = subprocess.run(
        ["psql", url, "-At", "-F", " ", "-c",
         "SELECT seq, decision, encode(evidence_sha256, 'hex') FROM audit_log "
         "WHERE action = 'release'"], check=True, capture_output=True, text=True).stdout
    rows = {int(seq): (decision, digest) for seq, decision, digest in
            (line.split(" ") for line in out.splitlines() if line)}
    for a in acknowledged:
        row = rows.get(int(a["decision_id"]))
        with open(os.path.join(WORK, "docs", a["doc"]), "rb") as f:
            digest = hashlib.sha256(f.read()).hexdigest()
        if row is None or row != ("allow", digest):
            sys.exit(f"FAIL: acknowledged release {a} is not in the audit log as allowed: {row}")
    print(f"check: {len(acknowledged)} acknowledged releases, every one an audit row; "
          f"{len(rows)} release rows in all")


if MODE == "prepare":
    prepare(ARGS[0], ARGS[1], int(ARGS[2]))
elif MODE == "fire":
    fire(ARGS[0], ARGS[1], int(ARGS[2]), float(ARGS[3]) if len(ARGS) > 3 else 0.0)
elif MODE == "race":
    race(ARGS[0], ARGS[1], ARGS[2])
elif MODE == "replay":
    replay(ARGS[0], ARGS[1])
elif MODE == "check":
    check(ARGS[0])
else:
    sys.exit(f"unknown mode {MODE}")
