#!/bin/sh
. "$(dirname "$0")/common.sh"
read -r line; hello "$line"
while read -r line; do echo '{"id":999999,"ok":{}}'; done
