#!/bin/sh
# An example skill in plain shell and awk (no jq) for scenario-orchestrator.
#
#   npx scenarios run --skill-command "sh examples/skills/shell/skill.sh"
#
# It speaks the JSON-lines protocol of docs/skill-protocol.md with one long-lived awk process: one request
# per line on stdin, one response per line on stdout (flushed at once), logs on stderr. It relies on two
# promises the protocol makes to line-oriented tools: every line is one compact JSON object, and its first
# key is "id", so `{"id":N` starts every request and every cancel.
#
# Its "work": the mean of the items' "value" fields (generated items are {"id","value"}), mapped to a
# quality score in 0.8..1 (0.5 when no item has one).
# Requests are answered in order, one at a time, so a cancel comes after its answer: it is ignored.

echo "shell skill ready" >&2
LC_ALL=C exec awk '
  function fail(id, message) {
    printf "{\"id\":%s,\"error\":\"%s\"}\n", id, message
    fflush()
  }
  {
    if (!match($0, /^\{"id":[0-9]+/)) { print "skipping a line that is not a request" > "/dev/stderr"; next }
    id = substr($0, 7, RLENGTH - 6)
    if ($0 ~ /"cancel":true/) next
    # The items: everything after "items":[ (the last key of a request).
    at = index($0, "\"items\":[")
    if (at == 0) { fail(id, "request without items"); next }
    text = substr($0, at + 9)
    sum = 0; values = 0
    while (match(text, /"value":-?[0-9][0-9.eE+-]*/)) {
      sum += substr(text, RSTART + 8, RLENGTH - 8)
      values++
      text = substr(text, RSTART + RLENGTH)
    }
    mean = values > 0 ? sum / values : 0.5
    if (mean < 0) mean = 0
    if (mean > 1) mean = 1
    # No "processed": the whole batch counts as processed.
    printf "{\"id\":%s,\"qualityScore\":%.6f,\"metrics\":{\"meanValue\":%.6f}}\n", id, 0.8 + 0.2 * mean, mean
    fflush()
  }
'
