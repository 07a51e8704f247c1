#!/bin/sh
. "$(dirname "$0")/common.sh"
read -r line; hello "$line"
while read -r line; do printf '{"id":%s,"error":{"class":"oops","detail":"not a class"}}\n' "$(reply_id "$line")"; done
