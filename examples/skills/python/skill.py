#!/usr/bin/env python3
"""An example skill in Python (standard library only) for scenario-orchestrator.

Run it with:  npx scenarios run --skill-command "python3 examples/skills/python/skill.py"

It speaks the JSON-lines protocol of docs/skill-protocol.md: one request per line on stdin, one response
per line on stdout, logs on stderr (shown prefixed with the scenario). The orchestrator starts one of these
per scenario and keeps it for the whole run, so load a model once, at the top.

This one "classifies" each item by comparing its value with a threshold and scores how confident it was;
replace `process_batch` with your own work. Requests are answered one at a time, in order: a cancel for a
request arrives after its answer has been written, so there is nothing to stop. A skill that works on
several requests at once (threads, asyncio) should stop the cancelled one and answer it.
"""

import json
import sys
import time


def item_value(item):
    """Generated items are {"id", "value"}; a dataset file's records are whatever the file holds."""
    if isinstance(item, dict) and isinstance(item.get("value"), (int, float)):
        return float(item["value"])
    return 0.5


def process_batch(items, params):
    threshold = float(params.get("threshold", 0.5))
    latency_ms = float(params.get("latencyMs", 0))
    started = time.monotonic()
    if latency_ms > 0:
        time.sleep(latency_ms / 1000)
    # Confidence: how far each value is from the threshold, mapped to 0.5..1.
    confidence = [0.5 + min(abs(item_value(item) - threshold), 0.5) for item in items]
    quality = sum(confidence) / len(confidence) if confidence else 1.0
    elapsed_ms = (time.monotonic() - started) * 1000
    return {
        "qualityScore": round(quality, 6),
        "processed": len(items),
        # Any name but `coverage` and `latency`, which the run measures itself (0..1, higher is better).
        "metrics": {"speed": max(0.0, 1.0 - elapsed_ms / 1000)},
    }


def respond(response):
    sys.stdout.write(json.dumps(response) + "\n")
    sys.stdout.flush()  # the orchestrator waits for the line: never leave it in a buffer


def main():
    print("python skill ready", file=sys.stderr, flush=True)
    for line in sys.stdin:  # ends when the orchestrator closes stdin: then exit
        line = line.strip()
        if not line:
            continue
        message = json.loads(line)
        if message.get("cancel"):
            continue
        try:
            result = process_batch(message["items"], message.get("params", {}))
            respond({"id": message["id"], **result})
        except Exception as error:  # this batch fails (and is retried); the skill goes on
            respond({"id": message["id"], "error": f"{type(error).__name__}: {error}"})


if __name__ == "__main__":
    main()
