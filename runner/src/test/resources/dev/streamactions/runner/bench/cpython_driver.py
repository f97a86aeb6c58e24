"""The CPython side of RunnerBenchmark: runs an action's main(data, logger) in-process, as fast as it goes.

Started by RunnerBenchmark as `python3 cpython_driver.py --action DIR --records FILE ...`. It imports DIR/main.py
(the same main.py and distinct.py the runner gets), reads the very records the Java side generated (a JSON array
written by Jackson), cuts them into the same batches, warms up, then counts input records over a fixed wall-clock
window. The last stdout line is `RESULT key=value ...`; the warm-up curve and versions go there too.

Modes:
  objects  main gets the batch as Python lists and dicts already in memory: no conversion at all (pure CPython).
  json     CPython fed as a runner on CPython would be from Kafka: each batch arrives as JSON text (json.loads),
           main runs, every returned record leaves as JSON text (json.dumps) and so do the log lines.
"""
import argparse
import importlib
import json
import logging
import sys
import time


class _Capture(logging.Handler):
    """Keeps the log records of the current batch, as the runner's harness does."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.lines = []

    def emit(self, record):
        self.lines.append([record.created, record.levelname, record.getMessage(), None])


def _encode(result):
    # The same work as harness._encode for a real-time action.
    if not isinstance(result, list):
        raise TypeError("main returned %r" % type(result))
    parts = []
    for i, record in enumerate(result):
        if not isinstance(record, dict):
            raise TypeError("item [%d] is not a dict" % i)
        parts.append(json.dumps(record, allow_nan=False, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(parts)


def run():
    parser = argparse.ArgumentParser()
    parser.add_argument("--action", required=True)
    parser.add_argument("--records", required=True)
    parser.add_argument("--batch", type=int, required=True)
    parser.add_argument("--warmup", type=float, required=True)
    parser.add_argument("--measure", type=float, required=True)
    parser.add_argument("--mode", choices=["objects", "json"], required=True)
    args = parser.parse_args()

    sys.path.insert(0, args.action)
    action = importlib.import_module("main")
    capture = _Capture()
    root = logging.getLogger()
    root.addHandler(capture)
    root.setLevel(logging.INFO)
    logger = logging.getLogger("action.bench")

    with open(args.records, encoding="utf-8") as f:
        records = json.load(f)
    batches = [records[i:i + args.batch] for i in range(0, len(records), args.batch)]
    texts = [json.dumps(b, separators=(",", ":")) for b in batches]
    sizes = [len(b) for b in batches]
    main = action.main

    if args.mode == "objects":
        def one(i):
            main(batches[i], logger)
            capture.lines = []
            return sizes[i]
    else:
        def one(i):
            result = main(json.loads(texts[i]), logger)
            _encode(result)
            json.dumps(capture.lines, default=str)
            capture.lines = []
            return sizes[i]

    # Check once that main does what the Java side expects of it (same checks as RunnerBenchmark).
    first = main(batches[0], logger)
    capture.lines = []
    out_count = len(first)

    n = len(batches)
    i = 0
    curve = []
    clock = time.perf_counter
    end = clock() + args.warmup
    window_start = clock()
    window_records = 0
    now = window_start
    while now < end:
        window_records += one(i % n)
        i += 1
        now = clock()
        if now - window_start >= 1.0:
            curve.append(round(window_records / (now - window_start)))
            window_start = now
            window_records = 0

    done = 0
    calls = 0
    start = clock()
    deadline = start + args.measure
    now = start
    while True:
        done += one(i % n)
        i += 1
        calls += 1
        now = clock()
        if now >= deadline:
            break
    elapsed = now - start
    print("RESULT records_per_s=%.1f records=%d batches=%d seconds=%.3f out_per_batch=%d curve=%s version=%s" % (
        done / elapsed, done, calls, elapsed, out_count, ",".join(str(c) for c in curve) or "-",
        sys.version.split()[0]))


if __name__ == "__main__":
    run()
