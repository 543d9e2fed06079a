"""thaw's Python runtime: the Runtime API loop with the managed python runtime's handler
contract. Run by thaw as `python3 bootstrap.py` with the instance's environment.

_HANDLER = module.function (dotted packages allowed) under LAMBDA_TASK_ROOT; the context
object; errors as {errorMessage, errorType, requestId, stackTrace}; init errors through
/runtime/init/error; the root logger writes "[LEVEL]\t<ISO time>\t<request id>\t<message>".
It opens no socket but the Runtime API's.
"""
import http.client
import importlib
import json
import logging
import os
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
PREFIX = "/2018-06-01/runtime"
_request_id = None


class _Connection:
    """One keep-alive connection to the Runtime API, reopened when it breaks."""

    def __init__(self):
        host, _, port = API.rpartition(":")
        self._host, self._port = host, int(port)
        self._conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self._conn is None:
                self._conn = http.client.HTTPConnection(self._host, self._port)
            try:
                self._conn.request(method, PREFIX + path, body=body, headers=headers or {})
                response = self._conn.getresponse()
                return response, response.read()
            except (http.client.HTTPException, OSError):
                self._conn.close()
                self._conn = None
                if attempt == 1:
                    raise


_api = _Connection()


class _Formatter(logging.Formatter):
    def format(self, record):
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        message = message.replace("\n", "\r")
        return "[%s]\t%s.%03dZ\t%s\t%s" % (record.levelname, stamp, int(record.msecs),
                                          _request_id, message)


def _setup_logging():
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(_Formatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)


def _error_body(error, request_id=None):
    body = {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "stackTrace": traceback.format_list(traceback.extract_tb(error.__traceback__)),
    }
    if request_id:
        body["requestId"] = request_id
    return body


def _init_error(error_type, message, error=None):
    body = {"errorMessage": message, "errorType": error_type, "stackTrace": []}
    if error is not None and error.__traceback__ is not None:
        body["stackTrace"] = traceback.format_list(traceback.extract_tb(error.__traceback__))
    print("[ERROR] %s: %s" % (error_type, message), flush=True)
    _api.request("POST", "/init/error", json.dumps(body),
                 {"Lambda-Runtime-Function-Error-Type": error_type,
                  "Content-Type": "application/json"})
    sys.exit(1)


# What Lambda's Python runtimes provide besides the standard library: boto3 and what it needs.
_RUNTIME_MODULES = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")


def _runtime_module_note(error):
    """A note when the missing module is one that Lambda's runtime has and this interpreter lacks."""
    name = (getattr(error, "name", None) or "").split(".")[0]
    if name not in _RUNTIME_MODULES:
        return ""
    return (" (thaw: Lambda's Python runtime includes %s, and thaw's interpreter %s has none: "
            "apt-get install python3-boto3, or pip install boto3 into that interpreter's "
            "environment)" % (name, sys.executable))


def _load_handler():
    spec = os.environ.get("_HANDLER", "")
    module_name, _, function_name = spec.rpartition(".")
    if not module_name or not function_name:
        _init_error("Runtime.MalformedHandlerName",
                    "Bad handler '%s': not enough values to unpack (expected 2, got 1)" % spec)
    sys.path.insert(0, TASK_ROOT)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except SyntaxError as error:
        _init_error("Runtime.UserCodeSyntaxError", "Syntax error in module '%s': %s"
                    % (module_name, error), error)
    except ImportError as error:
        _init_error("Runtime.ImportModuleError", "Unable to import module '%s': %s%s"
                    % (module_name, error, _runtime_module_note(error)), error)
    except Exception as error:  # an exception raised at import time
        _init_error("Runtime.ImportModuleError", "Unable to import module '%s': %s"
                    % (module_name, error), error)
    handler = getattr(module, function_name, None)
    if not callable(handler):
        _init_error("Runtime.HandlerNotFound",
                    "Handler '%s' missing on module '%s'" % (function_name, module_name))
    return handler


class Context:
    def __init__(self, headers, deadline_ms):
        self.aws_request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        self.invoked_function_arn = headers.get("Lambda-Runtime-Invoked-Function-Arn")
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        client_context = headers.get("Lambda-Runtime-Client-Context")
        identity = headers.get("Lambda-Runtime-Cognito-Identity")
        self.client_context = json.loads(client_context) if client_context else None
        self.identity = json.loads(identity) if identity else None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


def main():
    global _request_id
    _setup_logging()
    handler = _load_handler()
    while True:
        response, body = _api.request("GET", "/invocation/next")
        headers = response.headers
        request_id = headers.get("Lambda-Runtime-Aws-Request-Id")
        deadline_ms = int(headers.get("Lambda-Runtime-Deadline-Ms", "0"))
        trace_id = headers.get("Lambda-Runtime-Trace-Id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        _request_id = request_id
        try:
            event = json.loads(body) if body else {}
            result = handler(event, Context(headers, deadline_ms))
            payload = json.dumps(result)
            _api.request("POST", "/invocation/%s/response" % request_id, payload,
                         {"Content-Type": "application/json"})
        except Exception as error:  # the handler failed: report it as Lambda does
            error_body = _error_body(error, request_id)
            print("[ERROR] %s: %s" % (error_body["errorType"], error_body["errorMessage"]),
                  flush=True)
            _api.request("POST", "/invocation/%s/error" % request_id, json.dumps(error_body),
                         {"Lambda-Runtime-Function-Error-Type": "Function.Error",
                          "Content-Type": "application/json"})
        sys.stdout.flush()
        _request_id = None


if __name__ == "__main__":
    main()
