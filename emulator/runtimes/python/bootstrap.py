"""thaw's Python runtime: the Runtime API loop with the managed python runtime's handler
contract. Run by thaw as `python3 bootstrap.py` with the instance's environment.

_HANDLER = module.function (dotted packages allowed) under LAMBDA_TASK_ROOT; the context
object; errors as {errorMessage, errorType, requestId, stackTrace}; init errors through
/runtime/init/error; the root logger writes "[LEVEL]\t<ISO time>\t<request id>\t<message>".
It opens no socket but the Runtime API's.
"""
import importlib
import json
import logging
import os
import socket
import sys
import time
import traceback

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
TASK_ROOT = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
PREFIX = "/2018-06-01/runtime"
_request_id = None


class _ProtocolError(Exception):
    pass


class _Connection:
    """One HTTP/1.1 keep-alive connection to the Runtime API, reopened when it breaks.

    A plain socket with a small parser of its own: http.client parses every answer's header
    through the email package, which costs more per event than a trivial handler does. An
    answer's body is framed by Content-Length or chunked encoding (as thaw's and Lambda's are),
    or ends with the connection. request() answers (status, headers with lower-case names, body
    bytes).
    """

    def __init__(self):
        host, _, port = API.rpartition(":")
        self._address = (host, int(port))
        self._sock = None
        self._buffer = bytearray()

    def _close(self):
        if self._sock is not None:
            self._sock.close()
        self._sock = None
        self._buffer = bytearray()

    def _fill(self):
        chunk = self._sock.recv(65536)
        if not chunk:
            raise _ProtocolError("the Runtime API closed the connection")
        self._buffer += chunk

    def _read_line(self, start):
        while True:
            end = self._buffer.find(b"\r\n", start)
            if end >= 0:
                return end
            self._fill()

    def _read_until(self, size):
        while len(self._buffer) < size:
            self._fill()

    def _read_response(self):
        while True:
            end = self._buffer.find(b"\r\n\r\n")
            if end >= 0:
                break
            self._fill()
        lines = self._buffer[:end].decode("latin-1").split("\r\n")
        status = int(lines[0][9:12])
        headers = {}
        for line in lines[1:]:
            name, colon, value = line.partition(":")
            if colon:
                name = name.strip().lower()
                value = value.strip()
                headers[name] = headers[name] + ", " + value if name in headers else value
        start = end + 4
        close = lines[0].startswith("HTTP/1.0") or "close" in headers.get("connection", "").lower()
        if "content-length" in headers:
            used = start + int(headers["content-length"])
            self._read_until(used)
            body = bytes(self._buffer[start:used])
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            parts = []
            at = start
            while True:
                line_end = self._read_line(at)
                size = int(self._buffer[at:line_end].split(b";")[0], 16)
                if size == 0:
                    while True:  # trailers, if any, up to the blank line
                        trailers_end = self._buffer.find(b"\r\n\r\n", line_end)
                        if trailers_end >= 0:
                            break
                        self._fill()
                    used = trailers_end + 4
                    break
                self._read_until(line_end + 4 + size)
                parts.append(bytes(self._buffer[line_end + 2:line_end + 2 + size]))
                at = line_end + 4 + size
            body = b"".join(parts)
        else:
            try:
                while True:
                    self._fill()
            except _ProtocolError:
                pass
            used = len(self._buffer)
            body = bytes(self._buffer[start:])
            close = True
        del self._buffer[:used]
        if close:
            self._close()
        return status, headers, body

    @staticmethod
    def _message(method, path, body=None, headers=None):
        head = "%s %s%s HTTP/1.1\r\nHost: %s\r\n" % (method, PREFIX, path, API)
        if headers:
            for name, value in headers.items():
                head += "%s: %s\r\n" % (name, value)
        if body is None:
            return (head + "\r\n").encode("latin-1")
        if isinstance(body, str):
            body = body.encode("utf-8")
        return (head + "Content-Length: %d\r\n\r\n" % len(body)).encode("latin-1") + body

    def _exchange(self, message, count):
        """Sends `message` (`count` requests, pipelined) in one write and reads their answers in
        order. Sent again once on a new connection when no answer came; otherwise answers the
        ones read before the connection broke (raising when none)."""
        answers = []
        for attempt in range(2):
            try:
                if self._sock is None:
                    self._sock = socket.create_connection(self._address)
                    self._sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                self._sock.sendall(message)
                while len(answers) < count:
                    answers.append(self._read_response())
                return answers
            except (_ProtocolError, OSError, ValueError):
                self._close()
                if answers:
                    return answers
                if attempt == 1:
                    raise
        return answers

    def request(self, method, path, body=None, headers=None):
        return self._exchange(self._message(method, path, body, headers), 1)[0]

    def post_and_next(self, path, body, headers):
        """Posts an answer and asks for the next event in the same write (one write and one
        wake-up of the Runtime API fewer per event); answers the /next answer."""
        next_message = self._message("GET", "/invocation/next")
        answers = self._exchange(self._message("POST", path, body, headers) + next_message, 2)
        if len(answers) == 2:
            return answers[1]
        return self._exchange(next_message, 1)[0]


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


# Read once, not at every event.
_FUNCTION_ENV = tuple(os.environ.get(name) for name in (
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
    "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME"))


class Context:
    def __init__(self, headers, deadline_ms):
        self.aws_request_id = headers.get("lambda-runtime-aws-request-id")
        self.invoked_function_arn = headers.get("lambda-runtime-invoked-function-arn")
        (self.function_name, self.function_version, self.memory_limit_in_mb, self.log_group_name,
         self.log_stream_name) = _FUNCTION_ENV
        client_context = headers.get("lambda-runtime-client-context")
        identity = headers.get("lambda-runtime-cognito-identity")
        self.client_context = json.loads(client_context) if client_context else None
        self.identity = json.loads(identity) if identity else None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, self._deadline_ms - int(time.time() * 1000))


def main():
    global _request_id
    _setup_logging()
    handler = _load_handler()
    _, headers, body = _api.request("GET", "/invocation/next")
    while True:
        request_id = headers.get("lambda-runtime-aws-request-id")
        deadline_ms = int(headers.get("lambda-runtime-deadline-ms", "0"))
        trace_id = headers.get("lambda-runtime-trace-id")
        if trace_id:
            os.environ["_X_AMZN_TRACE_ID"] = trace_id
        else:
            os.environ.pop("_X_AMZN_TRACE_ID", None)
        _request_id = request_id
        try:
            event = json.loads(body) if body else {}
            result = handler(event, Context(headers, deadline_ms))
            answer = ("/invocation/%s/response" % request_id, json.dumps(result),
                      {"Content-Type": "application/json"})
        except Exception as error:  # the handler failed: report it as Lambda does
            error_body = _error_body(error, request_id)
            print("[ERROR] %s: %s" % (error_body["errorType"], error_body["errorMessage"]),
                  flush=True)
            answer = ("/invocation/%s/error" % request_id, json.dumps(error_body),
                      {"Lambda-Runtime-Function-Error-Type": "Function.Error",
                       "Content-Type": "application/json"})
        sys.stdout.flush()
        _request_id = None
        _, headers, body = _api.post_and_next(*answer)


if __name__ == "__main__":
    main()
