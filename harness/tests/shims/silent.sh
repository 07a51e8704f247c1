#!/bin/sh
# Never answers, not even hello.
exec sleep 60
