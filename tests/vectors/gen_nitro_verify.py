#!/usr/bin/env python3
"""Writes nitro_verify.json: rejection vectors derived from the real Nitro documents.

The vectors are data; this script only keeps them readable and consistent (tcIds, counts).
Each mutation is applied by tests/support/document_mutation.cc. Run it after editing a vector.
"""
import json
import os

TS8 = "2026-03-06T11:14:18.051Z"
PCR0_8 = "61740291e3b65d2d"
Z48 = "00" * 48


def T(comment, mutation, result="invalid", error=None, **kw):
    t = {"comment": comment, "mutation": mutation, "result": result}
    if error:
        t["error"] = error
    t.update(kw)
    return t


def ps(field, **kw):
    return dict({"op": "payload_set", "field": field}, **kw)


def real_groups():
    real = [("nitro-enclave-1.cbor", "2021-04-26T04:09:13.100Z"),
            ("nitro-enclave-1-tagged18.cbor", "2021-04-26T04:09:13.100Z"),
            ("nitro-enclave-3.cbor", "2022-09-15T17:43:28.848Z"),
            ("nitro-enclave-6.cbor", "2024-09-07T14:37:39.545Z"),
            ("nitro-enclave-8.cbor", TS8),
            ("nitro-tpm-1.cbor", "2026-02-03T10:12:02.437Z")]
    groups = []
    for f, at in real:
        groups.append({"source": f, "at": at, "tests": [
            T("real document at its own timestamp", {"op": "none"}, "valid"),
            T("real document at 2026-11-28 (leaf expired)", {"op": "none"},
              error="certificate_expired", at="2026-11-28T00:00:00Z"),
        ]})
    groups.append({"source": "nitro-tpm-1.cbor", "at": "2026-02-03T10:12:02.437Z", "tests": [
        T("NitroTPM document where an enclave document is required", {"op": "none"},
          error="malformed_evidence", type="nitro-enclave"),
        T("NitroTPM document where a NitroTPM document is required", {"op": "none"}, "valid",
          type="nitro-tpm"),
    ]})
    groups.append({"source": "negative-selfsigned-not-aws.cbor", "at": TS8, "tests": [
        T("synthetic document not signed by AWS, null unprotected header", {"op": "none"},
          error="malformed_evidence")]})
    return groups


ENVELOPE = [
    T("tag 18 in two-byte form", {"op": "prefix", "hex": "d812"}, "valid"),
    T("tag 17 instead of 18", {"op": "prefix", "hex": "d1"}, error="malformed_evidence"),
    T("two COSE tags", {"op": "prefix", "hex": "d2d2"}, error="malformed_evidence"),
    T("tag 18 in eight-byte form", {"op": "prefix", "hex": "db0000000000000012"},
      error="malformed_evidence"),
    T("bit flip in PCR0 (payload)", {"op": "flip", "find": PCR0_8, "offset": 3, "bit": 2},
      error="bad_signature"),
    T("bit flip in the last signature byte", {"op": "flip", "offset": -1, "bit": 0},
      error="bad_signature"),
    T("bit flip in the first signature byte", {"op": "flip", "offset": -96, "bit": 7},
      error="bad_signature"),
    T("bit flip in the first byte of s", {"op": "flip", "offset": -48, "bit": 0},
      error="bad_signature"),
    T("signature all zero", {"op": "envelope", "signature": "00" * 96}, error="bad_signature"),
    T("signature all 0xff (r, s above the group order)", {"op": "envelope", "signature": "ff" * 96},
      error="bad_signature"),
    T("alg ES256 (-7)", {"op": "envelope", "protected": "a10126"}, error="unsupported_algorithm"),
    T("alg ES512 (-36)", {"op": "envelope", "protected": "a1013823"},
      error="unsupported_algorithm"),
    T("alg as text", {"op": "envelope", "protected": "a1016545533338 34".replace(" ", "")},
      error="unsupported_algorithm"),
    T("no alg in protected header", {"op": "envelope", "protected": "a0"},
      error="unsupported_algorithm"),
    T("empty protected header", {"op": "envelope", "protected": ""}, error="malformed_evidence"),
    T("protected header with an extra label", {"op": "envelope", "protected": "a201382204420102"},
      error="malformed_evidence"),
    T("protected header with duplicate alg", {"op": "envelope", "protected": "a2013822013822"},
      error="malformed_evidence"),
    T("protected header is an array", {"op": "envelope", "protected": "813822"},
      error="malformed_evidence"),
    T("alg in the unprotected header", {"op": "envelope", "unprotected": "a1013822"},
      error="malformed_evidence"),
    T("unprotected header null", {"op": "envelope", "unprotected": "f6"},
      error="malformed_evidence"),
    T("unprotected kid is allowed: it is not signed and not used",
      {"op": "envelope", "unprotected": "a10442abcd"}, "valid"),
    T("COSE array of 3 items", {"op": "envelope", "items": 3, "extra": ""},
      error="malformed_evidence"),
    T("COSE array of 5 items", {"op": "envelope", "items": 5, "extra": "00"},
      error="malformed_evidence"),
    T("signature of 95 bytes", {"op": "envelope", "signature": "01" * 95},
      error="malformed_evidence"),
    T("signature of 97 bytes", {"op": "envelope", "signature": "01" * 97},
      error="malformed_evidence"),
    T("empty payload", {"op": "envelope", "payload": ""}, error="malformed_evidence"),
    T("truncated to 100 bytes", {"op": "truncate", "length": 100}, error="malformed_evidence"),
    T("truncated by one byte", {"op": "truncate", "length": -1}, error="malformed_evidence"),
    T("truncated to nothing", {"op": "truncate", "length": 0}, error="malformed_evidence"),
    T("one trailing byte", {"op": "append", "hex": "00"}, error="malformed_evidence"),
    T("a second CBOR item after the document", {"op": "append", "hex": "a0"},
      error="malformed_evidence"),
    T("document is a map", {"op": "synthetic", "hex": "a0"}, error="malformed_evidence"),
    T("100,000 nested arrays", {"op": "synthetic", "hex": "81", "repeat": 100000, "tail": "00"},
      error="malformed_evidence"),
    T("100,000 nested indefinite arrays", {"op": "synthetic", "hex": "9f", "repeat": 100000},
      error="malformed_evidence"),
    T("100,000 nested maps", {"op": "synthetic", "hex": "a100", "repeat": 100000, "tail": "00"},
      error="malformed_evidence"),
    T("100,000 nested tags", {"op": "synthetic", "hex": "d818", "repeat": 100000, "tail": "00"},
      error="malformed_evidence"),
    T("array declaring 2^64-1 items", {"op": "synthetic", "hex": "9bffffffffffffffff"},
      error="malformed_evidence"),
    T("array declaring 2^32 items with a few bytes",
      {"op": "synthetic", "hex": "9b0000000100000000", "tail": "00000000"},
      error="malformed_evidence"),
    T("map declaring 2^63 entries", {"op": "synthetic", "hex": "bb7fffffffffffffff", "tail": "0000"},
      error="malformed_evidence"),
    T("byte string declaring 4 GiB", {"op": "synthetic", "head": "84", "hex": "5affffffff",
                                      "tail": "00"}, error="malformed_evidence"),
    T("indefinite-length byte string",
      {"op": "synthetic", "head": "84", "hex": "5f4100ff", "tail": "a0414140"},
      error="malformed_evidence"),
    T("document of 262,145 bytes",
      {"op": "synthetic", "head": "845a0004000040", "hex": "00", "repeat": 262138},
      error="malformed_evidence"),
    T("reserved additional info 28", {"op": "synthetic", "hex": "9c"}, error="malformed_evidence"),
    T("break outside an indefinite item", {"op": "synthetic", "hex": "ff"},
      error="malformed_evidence"),
    T("payload is not CBOR", {"op": "envelope", "payload": "ff"}, error="malformed_evidence"),
    T("payload is an array", {"op": "envelope", "payload": "80"}, error="malformed_evidence"),
    T("payload larger than 16384 bytes", ps("user_data", bytes_len=17000),
      error="malformed_evidence"),
    T("payload with trailing bytes", {"op": "envelope", "payload": "a000"},
      error="malformed_evidence"),
]


def pcr_map(count):
    return "b8%02x" % count + "".join(
        ("%02x" % i if i < 24 else "18%02x" % i) + "5830" + Z48 for i in range(count))


FIELDS = [
    T("module_id as bytes", ps("module_id", cbor="4461626364"), error="malformed_evidence"),
    T("module_id empty", ps("module_id", text=""), error="malformed_evidence"),
    T("module_id with a space", ps("module_id", text="i-0 x"), error="malformed_evidence"),
    T("module_id of 257 characters", ps("module_id", text="a" * 257), error="malformed_evidence"),
    T("digest SHA256", ps("digest", text="SHA256"), error="malformed_evidence"),
    T("digest as bytes", ps("digest", cbor="46534841333834"), error="malformed_evidence"),
    T("timestamp zero", ps("timestamp", cbor="00"), error="malformed_evidence"),
    T("timestamp negative", ps("timestamp", cbor="3b0000019cc2dad1d3"), error="malformed_evidence"),
    T("timestamp as text", ps("timestamp", text="1772795658051"), error="malformed_evidence"),
    T("timestamp as float", ps("timestamp", cbor="fb41d9b3e4a2d4e2f3"), error="malformed_evidence"),
    T("timestamp past year 9999", ps("timestamp", cbor="1b00ffffffffffffff"),
      error="malformed_evidence"),
    T("pcrs as an array", ps("pcrs", cbor="8100"), error="malformed_evidence"),
    T("pcrs empty", ps("pcrs", cbor="a0"), error="malformed_evidence"),
    T("PCR index 32", ps("pcrs", cbor="a118205830" + Z48), error="malformed_evidence"),
    T("PCR index negative", ps("pcrs", cbor="a1205830" + Z48), error="malformed_evidence"),
    T("PCR index as text", ps("pcrs", cbor="a161305830" + Z48), error="malformed_evidence"),
    T("PCR value of 32 bytes", ps("pcrs", cbor="a1005820" + "00" * 32), error="malformed_evidence"),
    T("PCR value of 64 bytes", ps("pcrs", cbor="a1005840" + "00" * 64), error="malformed_evidence"),
    T("PCR value as text", ps("pcrs", cbor="a1006130"), error="malformed_evidence"),
    T("duplicate PCR index", ps("pcrs", cbor="a2005830" + Z48 + "005830" + Z48),
      error="malformed_evidence"),
    T("33 PCRs", ps("pcrs", cbor=pcr_map(33)), error="malformed_evidence"),
    T("single PCR is well-formed (signature then fails)", ps("pcrs", cbor="a1005830" + Z48),
      error="bad_signature"),
    T("certificate as text", ps("certificate", text="cert"), error="malformed_evidence"),
    T("certificate empty", ps("certificate", bytes_len=0), error="malformed_evidence"),
    T("certificate of 1025 bytes", ps("certificate", bytes_len=1025), error="malformed_evidence"),
    T("certificate is not DER", ps("certificate", bytes_len=100), error="malformed_evidence"),
    T("cabundle as a map", ps("cabundle", cbor="a0"), error="malformed_evidence"),
    T("cabundle empty", ps("cabundle", cbor="80"), error="malformed_evidence"),
    T("cabundle of 9 entries", ps("cabundle", cbor="89" + "4100" * 9), error="malformed_evidence"),
    T("cabundle entry as text", ps("cabundle", cbor="816161"), error="malformed_evidence"),
    T("cabundle entry of 1025 bytes", ps("cabundle", cbor="81590401" + "00" * 1025),
      error="malformed_evidence"),
    T("public_key of 1025 bytes", ps("public_key", bytes_len=1025), error="malformed_evidence"),
    T("public_key empty", ps("public_key", bytes_len=0), error="malformed_evidence"),
    T("public_key as text", ps("public_key", text="k"), error="malformed_evidence"),
    T("user_data of 1025 bytes", ps("user_data", bytes_len=1025), error="malformed_evidence"),
    T("user_data as an integer", ps("user_data", cbor="01"), error="malformed_evidence"),
    T("nonce of 1025 bytes", ps("nonce", bytes_len=1025), error="malformed_evidence"),
    T("nonce as an array", ps("nonce", cbor="80"), error="malformed_evidence"),
    T("nonce of 1024 bytes is well-formed (signature then fails)", ps("nonce", bytes_len=1024),
      error="bad_signature"),
    T("optional nonce removed (signature then fails)", {"op": "payload_remove", "field": "nonce"},
      error="bad_signature"),
    T("module_id missing", {"op": "payload_remove", "field": "module_id"},
      error="malformed_evidence"),
    T("digest missing", {"op": "payload_remove", "field": "digest"}, error="malformed_evidence"),
    T("timestamp missing", {"op": "payload_remove", "field": "timestamp"},
      error="malformed_evidence"),
    T("pcrs missing", {"op": "payload_remove", "field": "pcrs"}, error="malformed_evidence"),
    T("certificate missing", {"op": "payload_remove", "field": "certificate"},
      error="malformed_evidence"),
    T("cabundle missing", {"op": "payload_remove", "field": "cabundle"},
      error="malformed_evidence"),
    T("duplicate digest key", {"op": "payload_add", "key": "digest", "text": "SHA384"},
      error="malformed_evidence"),
    T("duplicate certificate key", {"op": "payload_add", "key": "certificate", "bytes_len": 10},
      error="malformed_evidence"),
    T("unknown field", {"op": "payload_add", "key": "extra", "cbor": "01"},
      error="malformed_evidence"),
    T("integer key", {"op": "payload_add", "key_cbor": "01", "cbor": "01"},
      error="malformed_evidence"),
    T("byte-string key", {"op": "payload_add", "key_cbor": "41aa", "cbor": "01"},
      error="malformed_evidence"),
    T("both pcrs and nitrotpm_pcrs",
      {"op": "payload_add", "key": "nitrotpm_pcrs", "cbor": "a1005830" + Z48},
      error="malformed_evidence"),
]

CHAIN = [
    T("root removed from cabundle", {"op": "cabundle_remove", "i": 0}, error="untrusted_chain"),
    T("root and regional CA swapped", {"op": "cabundle_swap", "i": 0, "j": 1},
      error="untrusted_chain"),
    T("regional and zonal CAs swapped", {"op": "cabundle_swap", "i": 1, "j": 2},
      error="untrusted_chain"),
    T("zonal and instance CAs swapped", {"op": "cabundle_swap", "i": 2, "j": 3},
      error="untrusted_chain"),
    T("zonal CA missing", {"op": "cabundle_remove", "i": 2}, error="untrusted_chain"),
    T("instance CA missing", {"op": "cabundle_remove", "i": 3}, error="untrusted_chain"),
    T("bit flip in the leaf certificate's signature", {"op": "cert_flip", "cert": -1, "offset": -5},
      error="untrusted_chain"),
    T("bit flip in the instance CA's signature", {"op": "cert_flip", "cert": 3, "offset": -5},
      error="untrusted_chain"),
    T("bit flip in the regional CA's signature", {"op": "cert_flip", "cert": 1, "offset": -5},
      error="untrusted_chain"),
    T("bit flip in the root (no longer the pinned root)", {"op": "cert_flip", "cert": 0, "offset": -5},
      error="untrusted_chain"),
    T("leaf expired: verified 4 h after the document", {"op": "none"}, error="certificate_expired",
      at="2026-03-06T15:14:18.051Z"),
    T("leaf not yet valid: verified 1 h before the document", {"op": "none"},
      error="certificate_expired", at="2026-03-06T10:14:18.051Z"),
    T("leaf still valid 2 h 59 min after the document", {"op": "none"}, "valid",
      at="2026-03-06T14:13:18.051Z"),
    T("document timestamp 4 h later than its leaf allows", {"op": "timestamp_shift", "ms": 14400000},
      error="certificate_expired"),
    T("document timestamp 1 h before its leaf", {"op": "timestamp_shift", "ms": -3600000},
      error="certificate_expired"),
    T("document timestamp shifted within validity (signature then fails)",
      {"op": "timestamp_shift", "ms": 1000}, error="bad_signature"),
]


def main():
    groups = real_groups()
    groups.append({"source": "nitro-enclave-8.cbor", "at": TS8, "tests": ENVELOPE + FIELDS + CHAIN})
    n = 0
    for g in groups:
        numbered = []
        for t in g["tests"]:
            n += 1
            numbered.append({"tcId": n, **t})
        g["tests"] = numbered
    doc = {
        "algorithm": "AWS Nitro attestation document (COSE_Sign1 ES384)",
        "notes": "Derived from the real documents in tests/vectors/nitro by the mutations of "
                 "tests/support/document_mutation.h. Each test runs with a cold certificate cache "
                 "and with one warmed by the unmodified source. 'at' is the verification time.",
        "numberOfTests": n,
        "testGroups": groups,
    }
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "nitro_verify.json")
    with open(out, "w") as f:
        f.write(json.dumps(doc, indent=1) + "\n")
    print(n, "vectors")


if __name__ == "__main__":
    main()
