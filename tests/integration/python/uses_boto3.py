# A handler written for AWS: boto3 comes with Lambda's Python runtime, so it is not bundled.
import boto3


def handler(event, context):
    return {"boto3": boto3.__version__}
