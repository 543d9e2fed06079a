"""Python handlers for thaw's Python runtime tests."""
import logging
import os

logger = logging.getLogger()
invocations = 0  # module scope: survives across events of one instance


def handler(event, context):
    global invocations
    invocations += 1
    print("hello from", context.function_name)
    logger.warning("a warning")
    return {
        "event": event,
        "invocations": invocations,
        "pid": os.getpid(),
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "function_version": context.function_version,
        "invoked_function_arn": context.invoked_function_arn,
        "memory_limit_in_mb": context.memory_limit_in_mb,
        "log_group_name": context.log_group_name,
        "remaining": context.get_remaining_time_in_millis(),
        "client_context": context.client_context,
        "trace_id": os.environ.get("_X_AMZN_TRACE_ID"),
        "execution_env": os.environ.get("AWS_EXECUTION_ENV"),
    }


def fails(event, context):
    raise ValueError("bad value")
