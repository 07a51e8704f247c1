#!/bin/sh
# Answers every request, each after 0.6 s: within any request timeout over that, but a test
# of a few requests outlasts a short test budget.
. "$(dirname "$0")/common.sh"
read -r line; hello "$line"
while read -r line; do
  sleep 0.6
  printf '{"id":%s,"ok":{}}\n' "$(reply_id "$line")"
done
