"""A plain Lambda handler, as written for AWS: nothing thaw-specific."""
import os


def lambda_handler(event, context):
    return {
        "runtime": "python",
        "functionName": context.function_name,
        "invokedFunctionArn": context.invoked_function_arn,
        "memoryLimitInMB": context.memory_limit_in_mb,
        "greeting": os.environ.get("GREETING"),
        "stage": os.environ.get("STAGE"),
        "executionEnv": os.environ.get("AWS_EXECUTION_ENV"),
        "pid": os.getpid(),
        "event": event,
    }
