"""The Python side of a local Lambda for `agentic-ai-framework local` (see cli/lambda-protocol.ts).

Usage: python3 lambda_runner.py <module> <function>, in the code directory. Imports the handler
once, as Lambda's runtime does at init, then calls it for each JSON request line on stdin, one at
a time, answering one JSON line each on file descriptor 3.
"""
import importlib
import json
import os
import signal
import sys
import time
import traceback


class Context:
    def __init__(self, fields, deadline_ms):
        self.aws_request_id = fields["awsRequestId"]
        self.function_name = fields["functionName"]
        self.function_version = fields["functionVersion"]
        self.invoked_function_arn = fields["invokedFunctionArn"]
        self.memory_limit_in_mb = fields["memoryLimitInMB"]
        self.log_group_name = fields["logGroupName"]
        self.log_stream_name = fields["logStreamName"]
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))


def error_of(exc, error_type=None):
    return {
        "errorType": error_type or type(exc).__name__,
        "errorMessage": str(exc),
        "trace": traceback.format_exception(type(exc), exc, exc.__traceback__),
    }


def main():
    module_name, function_name = sys.argv[1], sys.argv[2]
    # Ctrl-C reaches the whole process group: the tool stops this sandbox by closing stdin.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.path.insert(0, os.getcwd())
    results = os.fdopen(3, "w", encoding="utf-8")
    handler, init_error = None, None
    try:
        module = importlib.import_module(module_name.replace("/", "."))
        handler = getattr(module, function_name, None)
        if not callable(handler):
            handler = None
            init_error = {
                "errorType": "Runtime.HandlerNotFound",
                "errorMessage": "Handler '%s' missing on module '%s'" % (function_name, module_name),
            }
    except Exception as exc:  # noqa: BLE001 - reported as the invocation's error, as Lambda does
        init_error = error_of(exc, "Runtime.ImportModuleError")

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if handler is None:
            answer = {"id": request["id"], "ok": False, "error": init_error}
        else:
            try:
                response = handler(request["event"], Context(request["context"], request["deadlineMs"]))
                answer = {"id": request["id"], "ok": True, "response": response}
            except Exception as exc:  # noqa: BLE001 - the handler's error is the invocation's result
                answer = {"id": request["id"], "ok": False, "error": error_of(exc)}
        sys.stdout.flush()
        sys.stderr.flush()
        try:
            # allow_nan=False: NaN/Infinity are not JSON, and Lambda refuses them too.
            results.write(json.dumps(answer, allow_nan=False) + "\n")
        except (TypeError, ValueError) as exc:
            results.write(json.dumps({"id": request["id"], "ok": False, "error": error_of(exc, "Runtime.MarshalError")}) + "\n")
        results.flush()


if __name__ == "__main__":
    main()
