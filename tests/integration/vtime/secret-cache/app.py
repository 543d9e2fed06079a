"""A handler that caches its Momento key for 15 minutes, as the guide advises.

It reads the key from Secrets Manager once, then again only when the cached copy is 15 minutes
old on its own clock (time.monotonic): with virtual time, `advance 20m` ages it.
"""
import json
import os
import time

import boto3

_secrets = boto3.client("secretsmanager")
_TTL_S = 15 * 60
_cached = {"key": None, "at": 0.0}


def handler(event, context):
    now = time.monotonic()
    if _cached["key"] is None or now - _cached["at"] >= _TTL_S:
        secret = _secrets.get_secret_value(SecretId=os.environ["SECRET_ID"])
        _cached["key"] = json.loads(secret["SecretString"])["MOMENTO_API_KEY"]
        _cached["at"] = now
    return {"key_age_s": round(now - _cached["at"], 3)}
