"""Reports what a Python handler sees from inside its sandbox."""
import os
import socket


def handler(event, context):
    try:
        socket.create_connection(("1.1.1.1", 443), timeout=5).close()
        egress = "open"
    except OSError as e:
        egress = os.strerror(e.errno) if e.errno else str(e)
    return {
        "runtime_api": os.environ["AWS_LAMBDA_RUNTIME_API"],
        "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "thaw_vars": len([k for k in os.environ if k.startswith(("THAW_", "AWS_ENDPOINT_URL"))]),
        "egress": egress,
    }
