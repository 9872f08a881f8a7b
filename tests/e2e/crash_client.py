#!/usr/bin/env python3
"""The client side of the crash test (crash_restart.sh).

  crash_client.py PORT CA KEYBROKER DEV_CA WORK prepare CYCLE N
      N challenges and their signed documents, into WORK/docs/CYCLE-i.cbor
  crash_client.py PORT CA KEYBROKER DEV_CA WORK fire CYCLE THREADS
      posts the cycle's documents concurrently while the server may be killed; appends one line
      per answer to WORK/answers.jsonl ({"doc", "status", "decision_id"}), flushed at once
  crash_client.py PORT CA KEYBROKER DEV_CA WORK replay
      posts every document again: one that was released must now be nonce_replayed, one that
      never got an answer may be released once; no nonce is ever accepted twice
  crash_client.py PORT CA KEYBROKER DEV_CA WORK check DB
      every acknowledged release (200) is an "allow" row of the audit log with its decision id
      and the SHA-256 of its document"""
import concurrent.futures
import glob
import hashlib
import json
import os
import sqlite3
import sys
import threading

from kbclient import Broker, parse, release_body, request

PORT, CA, KB, DEV_CA, WORK, MODE = sys.argv[1:7]
broker = Broker(PORT, CA, KB, DEV_CA, WORK)
answers_file = os.path.join(WORK, "answers.jsonl")
lock = threading.Lock()


def docs(pattern="*"):
    return sorted(glob.glob(os.path.join(WORK, "docs", pattern + ".cbor")))


def post(path):
    with open(path, "rb") as f:
        raw = request("POST", "/v1/release", release_body(f.read()))
    try:
        status, _, body = parse(broker.exchange(raw, timeout=20))
    except (OSError, ValueError, IndexError):
        return None  # the server died under this request: no answer
    decision = json.loads(body).get("decision_id") if body else None
    return {"doc": os.path.basename(path), "status": status, "decision_id": decision}


def record(answer):
    with lock, open(answers_file, "a") as f:
        f.write(json.dumps(answer) + "\n")
        f.flush()
        os.fsync(f.fileno())


def answers():
    if not os.path.exists(answers_file):
        return []
    with open(answers_file) as f:
        return [json.loads(line) for line in f if line.strip()]


def prepare(cycle, n):
    os.makedirs(os.path.join(WORK, "docs"), exist_ok=True)
    for i in range(n):
        broker.signed_document(broker.challenge(), os.path.join("docs", f"{cycle}-{i:03}.cbor"))


def fire(cycle, threads):
    def one(path):
        answer = post(path)
        if answer is not None:
            record(answer)
    with concurrent.futures.ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, docs(f"{cycle}-*")))


def replay():
    released = {a["doc"] for a in answers() if a["status"] == 200}
    accepted_now = 0
    for path in docs():
        answer = post(path)
        if answer is None:
            sys.exit(f"FAIL replay: no answer for {path}")
        record(answer)
        name = os.path.basename(path)
        if answer["status"] == 200:
            if name in released:
                sys.exit(f"FAIL: {name} was released twice")
            accepted_now += 1
            released.add(name)
        elif answer["status"] != 403:
            sys.exit(f"FAIL replay of {name}: {answer}")
    for path in docs():  # and once more: now every nonce is spent
        answer = post(path)
        if answer is None or answer["status"] != 403:
            sys.exit(f"FAIL second replay of {path}: {answer}")
    print(f"replay: {accepted_now} unanswered document(s) released once, none twice")


def check(db):
    acknowledged = [a for a in answers() if a["status"] == 200]
    rows = {row[0]: row[1:] for row in sqlite3.connect(db).execute(
        "SELECT seq, decision, evidence_sha256 FROM audit_log WHERE action = 'release'")}
    for a in acknowledged:
        row = rows.get(int(a["decision_id"]))
        with open(os.path.join(WORK, "docs", a["doc"]), "rb") as f:
            digest = hashlib.sha256(f.read()).digest()
        if row is None or row[0] != "allow" or row[1] != digest:
            sys.exit(f"FAIL: acknowledged release {a} is not in the audit log as allowed")
    print(f"check: {len(acknowledged)} acknowledged releases, every one an audit row; "
          f"{len(rows)} release rows in all")


if MODE == "prepare":
    prepare(sys.argv[7], int(sys.argv[8]))
elif MODE == "fire":
    fire(sys.argv[7], int(sys.argv[8]))
elif MODE == "replay":
    replay()
elif MODE == "check":
    check(sys.argv[7])
else:
    sys.exit(f"unknown mode {MODE}")
