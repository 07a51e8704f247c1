#!/bin/sh
. "$(dirname "$0")/common.sh"
read -r line; hello "$line"
read -r line; exit 3
