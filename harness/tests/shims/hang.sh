#!/bin/sh
. "$(dirname "$0")/common.sh"
read -r line; hello "$line"
read -r line; exec sleep 60
