"""samples/python-secrets: a Python Lambda handler that reads its secret once per instance.

The boto3 client and the secret live at module scope, so each execution environment calls
Secrets Manager once (on its first event) and reuses the value for every later event; a
handler that called get_secret_value on every event would pay a request, and its latency,
per invoke. thaw counts GetSecretValue calls per instance to prove which one you wrote.
"""
import json
import os

import boto3

SECRET_ID = os.environ.get("SECRET_ID", "app/api-key")

_client = boto3.client("secretsmanager")
_secret = None


def _api_key():
    global _secret
    if _secret is None:
        _secret = json.loads(_client.get_secret_value(SecretId=SECRET_ID)["SecretString"])
    return _secret["API_KEY"]


def handler(event, context):
    key = _api_key()
    # Never return the secret itself; its length proves it was read.
    return {"secret_id": SECRET_ID, "key_length": len(key), "pid": os.getpid()}
