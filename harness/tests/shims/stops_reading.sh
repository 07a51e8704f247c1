#!/bin/sh
# Answers hello, then never reads stdin again: a request line larger than the pipe's
# buffer blocks the writer, which must still end in a timeout.
. "$(dirname "$0")/common.sh"
read -r line; hello "$line"
exec sleep 60
