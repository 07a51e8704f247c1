#!/bin/sh
. "$(dirname "$0")/common.sh"
read -r line; hello "$line"
while read -r line; do head -c 5000000 /dev/zero | tr '\0' 'x'; echo; done
