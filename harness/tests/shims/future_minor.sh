#!/bin/sh
# Answers hello with a minor version above the runner's, which would let it report classes
# the runner does not know.
read -r line
printf '{"id":%s,"ok":{"protocol":1,"minor":99,"name":"future","version":"0","profiles":["modern"],"capabilities":[],"error_classes":[]}}\n' "$(printf '%s' "$line" | sed 's/.*"id":\([0-9]*\).*/\1/')"
while read -r line; do :; done
