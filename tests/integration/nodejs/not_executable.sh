#!/bin/sh
# An AWS_LAMBDA_EXEC_WRAPPER script, written as the Lambda docs' example: it gets the runtime's
# command as its arguments, changes the environment, and execs the command.
export WRAPPED_BY="exec_wrapper.sh"
exec "$@"
