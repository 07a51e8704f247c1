# Helpers for the deliberately broken shims: read a request, answer hello correctly.
reply_id() { printf '%s' "$1" | sed 's/.*"id":\([0-9]*\).*/\1/'; }
hello() {
  printf '{"id":%s,"ok":{"protocol":1,"name":"broken","version":"0","profiles":["modern"],"capabilities":[],"error_classes":[]}}\n' "$(reply_id "$1")"
}
