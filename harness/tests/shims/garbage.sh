#!/bin/sh
. "$(dirname "$0")/common.sh"
read -r line; hello "$line"
while read -r line; do echo "this is not JSON"; done
