#!/usr/bin/env python3
"""Generates sigv4.json: requests signed by botocore (the AWS SDK for Python) as an independent
reference for api/kms/sigv4. Run with a Python that has botocore: python3 gen_sigv4.py > sigv4.json"""
import hashlib
import json

import botocore.auth
import botocore.awsrequest
import botocore.credentials

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
cases = [
    ("GenerateDataKey", "/", "", {"X-Amz-Target": "TrentService.GenerateDataKey"},
     '{"KeyId":"alias/broker-test","KeySpec":"AES_256"}', False),
    ("Decrypt with content hash", "/", "", {"X-Amz-Target": "TrentService.Decrypt"},
     '{"CiphertextBlob":"Y2lwaGVydGV4dC1ibG9i"}', True),
    ("spaces in a header value", "/", "", {"X-Amz-Target": "TrentService.ListKeys",
                                          "X-Custom": "  a   b  c "}, "{}", False),
    ("a query string and an encoded path", "/some%20path/x", "b=2&a=1&c=%2F",
     {"X-Amz-Target": "TrentService.ListKeys"}, "", False),
    ("temporary credentials", "/", "", {"X-Amz-Target": "TrentService.ListKeys"}, "{}", False),
]
out = []
for name, path, query, extra, body, content_hash in cases:
    url = "https://127.0.0.1:8443" + path + ("?" + query if query else "")
    headers = {"Content-Type": "application/x-amz-json-1.1", **extra}
    if content_hash:
        headers["X-Amz-Content-SHA256"] = hashlib.sha256(body.encode()).hexdigest()
    request = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body, headers=headers)
    token = "FwoGZXIvYXdzE" if name == "temporary credentials" else None  # signed by botocore
    creds = botocore.credentials.Credentials("AKIDEXAMPLE", SECRET, token)
    botocore.auth.SigV4Auth(creds, "kms", "us-east-1").add_auth(request)
    prepared = request.prepare()
    out.append({"name": name, "method": "POST", "path": path, "query": query,
                "headers": [[k.lower(), v] for k, v in prepared.headers.items()]
                + [["host", "127.0.0.1:8443"]],
                "body": body, "secret": SECRET, "amz_date": request.headers["X-Amz-Date"]})
print(json.dumps(out, indent=1))
