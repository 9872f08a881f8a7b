"""Raw HTTPS helpers for the end-to-end suites: send exact bytes over TLS, parse the answer,
build release bodies, sign development documents with `keybroker dev-attest`."""
import base64
import json
import os
import socket
import ssl
import subprocess

HOST = "127.0.0.1"


class Broker:
    def __init__(self, port, ca_file, kb, dev_ca, work):
        self.port, self.kb, self.dev_ca, self.work = int(port), kb, dev_ca, work
        self.context = ssl.create_default_context(cafile=ca_file)

    def exchange(self, raw: bytes, timeout=15.0) -> bytes:
        """Sends `raw` on a new connection and reads until the server closes it."""
        with socket.create_connection((HOST, self.port), timeout=timeout) as tcp:
            with self.context.wrap_socket(tcp, server_hostname=HOST) as tls:
                try:
                    tls.sendall(raw)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # refused early; the answer may still be readable
                data = b""
                try:
                    while True:
                        chunk = tls.recv(65536)
                        if not chunk:
                            break
                        data += chunk
                except (ssl.SSLError, ConnectionResetError, socket.timeout):
                    pass
                return data

    def call(self, method, target, body=b""):
        return parse(self.exchange(request(method, target, body)))

    def challenge(self) -> str:
        status, _, body = self.call("POST", "/v1/challenge")
        if status != 200:
            raise RuntimeError(f"challenge: {status} {body!r}")
        return json.loads(body)["nonce"]

    def signed_document(self, nonce_hex: str, out_name="doc.cbor") -> bytes:
        """A development Nitro document for the instance key work/pub.pem, PCR0 = aa..aa."""
        out = os.path.join(self.work, out_name)
        subprocess.run([self.kb, "dev-attest", "--platform", "nitro-enclave", "--ca-dir",
                        self.dev_ca, "--out", out, "--nonce", nonce_hex, "--public-key",
                        os.path.join(self.work, "pub.pem"), "--pcr", "0=" + "a" * 96],
                       check=True, stdout=subprocess.DEVNULL)
        with open(out, "rb") as f:
            return f.read()


def request(method, target, body=b"", content_type="application/json", extra=""):
    raw = (f"{method} {target} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n"
           f"Content-Type: {content_type}\r\nContent-Length: {len(body)}\r\n{extra}\r\n")
    return raw.encode() + body


def parse(data: bytes):
    """(status, lower-cased headers, body); raises ValueError on no or a broken answer."""
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {k.strip().lower(): v.strip() for k, v in (l.split(":", 1) for l in lines[1:])}
    length = int(headers.get("content-length", len(body)))
    return status, headers, body[:length]


def release_body(document: bytes, key="example-key", evidence_type="auto") -> bytes:
    return json.dumps({"key_id": key, "evidence": {
        "type": evidence_type, "document": base64.b64encode(document).decode()}}).encode()
