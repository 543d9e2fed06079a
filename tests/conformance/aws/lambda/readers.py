# boto3 (Debian's python3-boto3) and awscli v2 (/usr/bin/aws) reading a secret from inside a
# python3.11 function under `thaw serve`, with the instance's own credentials from the
# environment and no endpoint: neither version reads AWS_ENDPOINT_URL_*, and none is needed, as
# the real name resolves to the fake in the instance's sandbox (HTTPS, the run's CA trusted
# through AWS_CA_BUNDLE). Errors are returned, not raised, so the test sees each client's own
# code.
import json
import os
import subprocess

import boto3
import botocore.config
import botocore.exceptions

_sm = boto3.client(
    "secretsmanager",
    config=botocore.config.Config(retries={"total_max_attempts": 1, "mode": "standard"}),
)


def boto(event, context):
    try:
        return {"value": _sm.get_secret_value(SecretId=event["secretId"])["SecretString"]}
    except botocore.exceptions.ClientError as e:
        return {"error": e.response["Error"]["Code"], "message": e.response["Error"]["Message"]}


def cli(event, context):
    env = dict(os.environ, HOME="/tmp", AWS_MAX_ATTEMPTS="1", AWS_PAGER="")
    r = subprocess.run(
        ["/usr/bin/aws", "secretsmanager", "get-secret-value", "--secret-id", event["secretId"],
         "--output", "json"],
        capture_output=True, text=True, env=env)
    if r.returncode == 0:
        return {"value": json.loads(r.stdout)["SecretString"]}
    return {"status": r.returncode, "stderr": r.stderr}
