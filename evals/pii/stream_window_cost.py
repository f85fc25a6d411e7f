"""What the streaming hold-back window costs: each line of pii_eval.jsonl inside a ~300-character reply,
streamed 16 characters (about 4 tokens, generation's coalescing) per partial through `StreamWindow`, with
the real redactor. Prints CPU milliseconds per partial and per reply, and checks that no released text ever
holds a value the final check masks.

    .venv/bin/python evals/pii/stream_window_cost.py
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from relaydesk.compliance.claims import tenant_policy
from relaydesk.compliance.pii import get_redactor
from relaydesk.compliance.streaming import StreamWindow

HERE = Path(__file__).parent
BEFORE = "Thanks for getting in touch. I have looked at your account and the details you sent. "
AFTER = " I have noted this on the case, and a colleague will confirm by e-mail within one working day. Anything else?"


def main() -> None:
    redactor = get_redactor()
    policy = tenant_policy([])
    lines = [json.loads(line) for line in (HERE / "pii_eval.jsonl").open(encoding="utf-8")]
    per_push: list[float] = []
    per_reply: list[float] = []
    leaks = 0
    for line in lines:
        text = BEFORE + line["text"] + AFTER
        window = StreamWindow(redactor, policy)
        started = time.thread_time()
        for i in range(0, len(text), 16):
            t0 = time.thread_time()
            window.push(text[i : i + 16])
            per_push.append((time.thread_time() - t0) * 1000)
        window.finish()
        per_reply.append((time.thread_time() - started) * 1000)
        values = [line["text"][e["start"] : e["end"]] for e in line["entities"]]
        leaks += sum(1 for v in values if v in window.released)
    per_push.sort()
    per_reply.sort()
    print(json.dumps({
        "replies": len(lines),
        "partials": len(per_push),
        "cpu_ms_per_partial": {"p50": round(statistics.median(per_push), 3),
                               "p99": round(per_push[int(0.99 * len(per_push))], 3)},
        "cpu_ms_per_reply": {"p50": round(statistics.median(per_reply), 2),
                             "p99": round(per_reply[int(0.99 * len(per_reply))], 2)},
        "gold_values_released_unmasked": leaks,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
