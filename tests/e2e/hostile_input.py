#!/usr/bin/env python3
"""Hostile input against a live keybroker: malformed HTTP, wrong methods and content types,
broken JSON, garbage evidence, documents for another key, replays. Every answer must be a
well-formed error of the contract (status and code agree), and the server must stay healthy:
/healthz after every case and a real release at the end.

usage: hostile_input.py PORT CA_PEM KEYBROKER DEV_CA_DIR VECTORS_DIR WORK_DIR"""
import json
import os
import sys

from kbclient import Broker, parse, release_body, request

PORT, CA, KB, DEV_CA, VECTORS, WORK = sys.argv[1:7]
STATUS = {"malformed_request": 400, "malformed_evidence": 400, "unsupported_algorithm": 400,
          "unsupported_public_key": 400, "bad_signature": 403, "untrusted_chain": 403,
          "certificate_expired": 403, "stale_evidence": 403, "nonce_unknown": 403,
          "nonce_expired": 403, "nonce_mismatch": 403, "nonce_replayed": 403,
          "policy_denied": 403, "key_not_found": 404, "not_found": 404, "key_disabled": 403,
          "unauthorized": 401, "forbidden": 403, "conflict": 409, "payload_too_large": 413,
          "rate_limited": 429, "internal": 500}
broker = Broker(PORT, CA, KB, DEV_CA, WORK)
cases = 0


def expect_error(name, raw, codes, status_override=None):
    """One case: the answer is a contract error with one of `codes` (with its contract status,
    or `status_override`); then the server is fine."""
    global cases
    cases += 1
    data = broker.exchange(raw)
    if not data:
        sys.exit(f"FAIL {name}: no answer")
    status, headers, body = parse(data)
    try:
        answer = json.loads(body)
    except ValueError:
        sys.exit(f"FAIL {name}: not JSON: {status} {body[:200]!r}")
    code = answer.get("error")
    expected_status = status_override or STATUS.get(code)
    if code not in codes or expected_status != status or not isinstance(answer.get("message"), str):
        sys.exit(f"FAIL {name}: got {status} {answer}, expected one of {codes}")
    if headers.get("content-type") != "application/json":
        sys.exit(f"FAIL {name}: content type {headers.get('content-type')}")
    if broker.call("GET", "/healthz")[0] != 200:
        sys.exit(f"FAIL: unhealthy after {name}")


MALFORMED = ["malformed_request"]
TOO_LARGE = ["payload_too_large"]
EVIDENCE = ["malformed_evidence", "unsupported_algorithm", "bad_signature", "untrusted_chain",
            "certificate_expired", "stale_evidence", "nonce_unknown"]


def http_cases():
    expect_error("bad request line", b"GARBAGE\r\n\r\n", MALFORMED)
    expect_error("bad version", b"GET /healthz HTTP/7.1\r\nHost: x\r\n\r\n", MALFORMED)
    expect_error("space in target", b"GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", MALFORMED)
    expect_error("NUL in header", b"GET /healthz HTTP/1.1\r\nHost: x\x00y\r\n\r\n", MALFORMED)
    expect_error("header without colon", b"GET /healthz HTTP/1.1\r\nNoColon\r\n\r\n", MALFORMED)
    expect_error("bad chunk size", b"POST /v1/release HTTP/1.1\r\nHost: x\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n", MALFORMED)
    expect_error("chunk longer than said", b"POST /v1/release HTTP/1.1\r\nHost: x\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n2\r\nabcdef\r\n0\r\n\r\n", MALFORMED)
    expect_error("conflicting Content-Length", b"POST /v1/release HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x", MALFORMED)
    expect_error("Content-Length and chunked", b"POST /v1/release HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", MALFORMED)
    expect_error("negative Content-Length", b"POST /v1/release HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Length: -1\r\n\r\n", MALFORMED)
    expect_error("huge Content-Length", b"POST /v1/release HTTP/1.1\r\nHost: x\r\n"
                 b"Content-Length: 99999999999999999999999\r\n\r\n", MALFORMED + TOO_LARGE)
    flood = b"".join(b"X-Flood-%d: y\r\n" % i for i in range(2000))
    expect_error("header flood", b"GET /healthz HTTP/1.1\r\n" + flood + b"\r\n", TOO_LARGE)
    expect_error("one huge header", b"GET /healthz HTTP/1.1\r\nX: " + b"a" * 100000 + b"\r\n\r\n",
                 TOO_LARGE)
    expect_error("body over the limit", request("POST", "/v1/release", b"{" * 500000), TOO_LARGE)
    expect_error("unknown route", request("GET", "/etc/passwd"), ["not_found"])
    expect_error("path traversal", request("GET", "/v1/../v1/admin/keys"), ["not_found"])
    for method, target in [("GET", "/v1/release"), ("PUT", "/v1/challenge"),
                           ("DELETE", "/healthz"), ("POST", "/metrics"), ("BREW", "/v1/release")]:
        # A known path with the wrong method answers 405 with malformed_request.
        expect_error(f"{method} {target}", request(method, target), MALFORMED, 405)
    for content_type in ["text/plain", "", "application/xml", "multipart/form-data"]:
        expect_error(f"content type {content_type!r}",
                     request("POST", "/v1/release", b"{}", content_type), MALFORMED)
    expect_error("admin without token", request("GET", "/v1/admin/keys"), ["unauthorized"])
    expect_error("admin with garbage token",
                 request("GET", "/v1/admin/keys", extra="Authorization: Bearer kbt_zz\r\n"),
                 ["unauthorized"])


def json_cases():
    bodies = {
        "empty body": b"", "invalid JSON": b"{", "not an object": b"[1,2]", "null": b"null",
        "string": b'"x"', "trailing garbage": b'{"key_id":"k"} x',
        "key_id a number": b'{"key_id": 5, "evidence": {"type": "auto", "document": "AA=="}}',
        "evidence a string": b'{"key_id": "k", "evidence": "AA=="}',
        "document a number": b'{"key_id": "k", "evidence": {"type": "auto", "document": 1}}',
        "missing evidence": b'{"key_id": "k"}',
        "unknown member": b'{"key_id": "k", "evidence": {"type": "auto", "document": "AA=="}, "x": 1}',
        "duplicate member": b'{"key_id": "a", "key_id": "b", "evidence": {"type": "auto", "document": "AA=="}}',
        "deep nesting": b"[" * 100000 + b"]" * 100000,
        "deep objects": b'{"a":' * 5000 + b"1" + b"}" * 5000,
        "huge number": b'{"key_id": 1e999999999, "evidence": {}}',
        "long integer": b'{"key_id": ' + b"9" * 5000 + b"}",
        "lone surrogate": b'{"key_id": "\\ud800", "evidence": {"type": "auto", "document": "AA=="}}',
        "invalid UTF-8": b'{"key_id": "\xff\xfe", "evidence": {"type": "auto", "document": "AA=="}}',
        "invalid base64": b'{"key_id": "k", "evidence": {"type": "auto", "document": "!!!"}}',
        "base64 without padding": b'{"key_id": "k", "evidence": {"type": "auto", "document": "AAA"}}',
        "empty document": b'{"key_id": "k", "evidence": {"type": "auto", "document": ""}}',
        "unknown evidence type": release_body(b"x", evidence_type="sgx"),
        "unknown format": b'{"key_id": "k", "format": "pkcs1", "evidence": {"type": "auto", "document": "AA=="}}',
        "empty key_id": release_body(b"x", key=""),
        "long key_id": release_body(b"x", key="k" * 100000),
    }
    for name, body in bodies.items():
        expect_error(name, request("POST", "/v1/release", body),
                     MALFORMED + ["malformed_evidence", "key_not_found"])


def evidence_cases():
    garbage = [os.urandom(64), os.urandom(5000), b"\xd2\x84" + os.urandom(100), b"\xa0", b"\x00",
               b"\xbf" * 1000, b"\x9f" * 100000]
    for evidence_type in ["auto", "nitro-enclave", "nitro-tpm", "tpm2-quote"]:
        for i, doc in enumerate(garbage):
            expect_error(f"{evidence_type} garbage {i}",
                         request("POST", "/v1/release", release_body(doc, evidence_type=evidence_type)),
                         EVIDENCE)
    expect_error("tpm2-quote JSON of wrong shape",
                 request("POST", "/v1/release", release_body(b'{"quote": 1}', evidence_type="tpm2-quote")),
                 EVIDENCE)
    for name in sorted(os.listdir(VECTORS)):
        if not name.endswith(".cbor"):
            continue
        real = open(os.path.join(VECTORS, name), "rb").read()
        for label, doc in [("", real), (" truncated", real[: len(real) // 2]),
                           (" bit-flipped", real[:-10] + bytes([real[-10] ^ 1]) + real[-9:])]:
            expect_error(name + label, request("POST", "/v1/release", release_body(doc)), EVIDENCE)


def semantic_cases():
    expect_error("a nonce never issued",
                 request("POST", "/v1/release", release_body(broker.signed_document("ab" * 32))),
                 ["nonce_unknown"])
    doc = broker.signed_document(broker.challenge())
    expect_error("a document for a key that does not exist",
                 request("POST", "/v1/release", release_body(doc, key="someone-elses-key")),
                 ["policy_denied"])  # no policy names it: existence is not revealed
    expect_error("the same document, its nonce spent by the denial, for the right key",
                 request("POST", "/v1/release", release_body(doc)), ["nonce_replayed"])
    doc = broker.signed_document(broker.challenge())
    status, _, body = broker.call("POST", "/v1/release", release_body(doc))
    if status != 200:
        sys.exit(f"FAIL: an honest release after the hostile cases: {status} {body!r}")
    expect_error("a released document replayed", request("POST", "/v1/release", release_body(doc)),
                 ["nonce_replayed"])


http_cases()
json_cases()
evidence_cases()
semantic_cases()
print(f"hostile input ok: {cases} cases, every answer a contract error, server healthy")
