"""Reads its secret through the Parameters and Secrets extension on every invoke.

The extension caches it (SECRETS_MANAGER_TTL, 300 s by default), so Secrets Manager sees a
call only when the extension's copy has expired.
"""
import json
import os
import urllib.parse
import urllib.request


def handler(event, context):
    url = "http://localhost:2773/secretsmanager/get?secretId=" + urllib.parse.quote(
        os.environ["SECRET_ID"])
    request = urllib.request.Request(
        url, headers={"X-Aws-Parameters-Secrets-Token": os.environ["AWS_SESSION_TOKEN"]})
    with urllib.request.urlopen(request, timeout=5) as response:
        secret = json.loads(response.read())
    return {"length": len(secret["SecretString"])}
