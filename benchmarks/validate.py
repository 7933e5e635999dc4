"""Throughput of the harness's frame validation against the ``ocpp`` package's, same corpus.

Why it exists: the harness validates every frame of every conversation, so validation must
stay cheap enough never to distort a CSMS's timing; and it must not buy speed with laxness,
so the verdicts (valid/invalid) of both validators are compared on every frame and any
difference fails the run. Frames where the two differ by design are listed apart.

Each line also gives the validator's speed as a share of the parse floor (``json.loads`` alone
over the same frames); the corpus is also timed per frame-size class. The last line reads
``RESULT mixed_ratio=<median> target=15 met=<yes|no> parse_floor_share=<x> floor_target=0.5
floor_met=<yes|no>``; each line gives the median ratio and, in brackets, the range over the
interleaved repeats. The
exit status is non-zero only when a verdict differs (or the corpus is not what it claims);
a ratio below the target fails the run only when ``--min-ratio`` asks for it, since timing on
a shared machine is too noisy to gate on by default.

    .venv/bin/python benchmarks/validate.py [--sessions N] [--repeats N] [--copies N] [--json]
                                                 [--min-ratio X]
"""

import argparse
import json
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ocpp.exceptions import OCPPError
from ocpp.messages import CallResult as OcppCallResult
from ocpp.messages import _validate_payload, unpack

from benchmarks.corpus import DISAGREEMENTS, INVALID, VALID, Item, frames
from ocpp_upi.ocpp.codec import Call, CallResult, FramingError, Send, decode
from ocpp_upi.ocpp.validator import (
    FrameValidator,
    PayloadValidator,
    default_payload_validator,
)
from ocpp_upi.ocpp.versions import VERSIONS

# The acceptance targets for the mixed corpus: ocpp-upi at least this many times faster than
# the ocpp package, and at least this share of json.loads's speed over the same frames.
TARGET_RATIO = 15.0
TARGET_FLOOR_SHARE = 0.5


def ours(items: list[Item], payloads: PayloadValidator) -> list[bool]:
    """Our verdict per frame: decode + RPC state + fast/exact schema check (FrameValidator)."""
    validators = {version: FrameValidator(version, payloads) for version in VERSIONS}
    return [validators[item.version].check(item.raw, item.sender).ok for item in items]


def ocpp_verdict(item: Item) -> bool | str:
    """The ocpp package's verdict: unpack, then its synchronous payload validation."""
    message = unpack(item.raw)
    if isinstance(message, OcppCallResult):
        message.action = item.action  # a CallResult is validated against its CALL's action
    try:
        _validate_payload(message, item.version)
    except OCPPError:
        return False
    except Exception as exc:  # the ocpp package fails on some inputs instead of judging them
        return f"raised {type(exc).__name__}"
    return True


def theirs(items: list[Item]) -> list[bool | str]:
    return [ocpp_verdict(item) for item in items]


@dataclass(frozen=True)
class Throughput:
    """Frames per second of both validators over one set of frames."""

    frames: int
    ours_best: float
    ours_median: float
    ocpp_best: float
    ocpp_median: float
    floor_median: float  # json.loads alone over the same frames: no validator can beat it
    floor_share: float  # median over the repeats of (json.loads time / our time), paired
    ratio_low: float  # the lowest and highest ratio of one interleaved repeat (ours / ocpp)
    ratio_high: float

    @property
    def ratio_best(self) -> float:
        return self.ours_best / self.ocpp_best

    @property
    def ratio_median(self) -> float:
        return self.ours_median / self.ocpp_median

    def line(self, label: str) -> str:
        return (
            f"{label:<26} {self.frames:>5} frames | ocpp-upi {self.ours_best:>9,.0f}/s best "
            f"{self.ours_median:>9,.0f}/s median | ocpp {self.ocpp_best:>7,.0f}/s best "
            f"{self.ocpp_median:>7,.0f}/s median | {self.ratio_best:5.1f}x best "
            f"{self.ratio_median:5.1f}x median ({self.ratio_low:.1f}-{self.ratio_high:.1f}) | "
            f"{self.floor_share:4.0%} of json.loads"
        )

    def as_json(self) -> dict[str, float]:
        return {
            "frames": self.frames,
            "ours_fps_best": round(self.ours_best),
            "ours_fps_median": round(self.ours_median),
            "ocpp_fps_best": round(self.ocpp_best),
            "ocpp_fps_median": round(self.ocpp_median),
            "ratio_best": round(self.ratio_best, 2),
            "ratio_median": round(self.ratio_median, 2),
            "ratio_range": [round(self.ratio_low, 2), round(self.ratio_high, 2)],
            "parse_floor_fps_median": round(self.floor_median),
            "parse_floor_share": round(self.floor_share, 3),
        }


def measure(items: list[Item], payloads: PayloadValidator, repeats: int, copies: int) -> Throughput:
    """Time both validators and the parse floor (``json.loads`` alone) over ``items`` x
    ``copies``, interleaved so noise hits all three."""
    timed = items * copies
    raws = [item.raw for item in timed]
    ours_times, ocpp_times, floor_times = [], [], []
    for _ in range(repeats):
        start = time.perf_counter()
        ours(timed, payloads)
        ours_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        theirs(timed)
        ocpp_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        for raw in raws:
            json.loads(raw)
        floor_times.append(time.perf_counter() - start)
    n = len(timed)
    ratios = [theirs_s / ours_s for ours_s, theirs_s in zip(ours_times, ocpp_times, strict=True)]
    # Our speed as a share of the parse floor's (1.0 = validation costs nothing), taken within
    # each repeat (the two were timed moments apart) and then the median: a shared machine's
    # load drifts between repeats, which a ratio of separate medians would take in.
    shares = [floor_s / ours_s for ours_s, floor_s in zip(ours_times, floor_times, strict=True)]
    return Throughput(
        len(items),
        n / min(ours_times),
        n / statistics.median(ours_times),
        n / min(ocpp_times),
        n / statistics.median(ocpp_times),
        n / statistics.median(floor_times),
        statistics.median(shares),
        min(ratios),
        max(ratios),
    )


SIZE_CLASSES = (
    (0, 80, "exchanges <= 80 chars"),
    (81, 400, "exchanges 81-400 chars"),
    (401, 10**9, "exchanges > 400 chars"),
)


def by_size(items: list[Item]) -> list[tuple[str, list[Item]]]:
    """The corpus split where a fixed per-frame cost dominates (Heartbeat, StatusNotification,
    short answers) and where payload size does (meter values). Whole exchanges are classed by
    their larger frame, so every answer still follows its CALL: a class of answers without
    their CALLs would time the RPC-violation path instead of the valid one."""
    exchanges = [items[i : i + 2] for i in range(0, len(items), 2)]
    classes = []
    for low, high, label in SIZE_CLASSES:
        chosen = [
            item
            for pair in exchanges
            if low <= max(len(i.raw) for i in pair) <= high
            for item in pair
        ]
        if chosen:
            classes.append((label, chosen))
    return classes


def explained(items: list[Item], payloads: PayloadValidator) -> tuple[int, int]:
    """(refusals the fast path explained itself, payloads the fast path refused).

    An invalid frame is cheap only if its refusal needs no exact-path pass; a schema change or
    a fastjsonschema upgrade that sends refusals back to the exact path shows here first.
    """
    refused = explained_here = 0
    for item in items:
        try:
            frame = decode(item.raw, item.version)
        except FramingError:
            continue
        if not isinstance(frame, Call | CallResult | Send):
            continue
        try:
            payloads.fast_function(item.version, item.action, item.kind)(frame.payload)
        except Exception as refusal:
            refused += 1
            found = payloads.explain_refusal(
                item.version, item.action, item.kind, frame.payload, refusal
            )
            explained_here += found is not None
    return explained_here, refused


def compare(items: list[Item], payloads: PayloadValidator) -> list[tuple[Item, bool, bool | str]]:
    """Both verdicts for every frame (this also warms every cache on both sides)."""
    return list(zip(items, ours(items, payloads), theirs(items), strict=True))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11, help="timed runs of each validator")
    parser.add_argument("--copies", type=int, default=20, help="corpus copies per timed run")
    parser.add_argument(
        "--sessions",
        type=int,
        default=1,
        help="charging sessions per version in the mixed corpus (more = lower invalid share)",
    )
    parser.add_argument("--json", action="store_true", help="also print one JSON result line")
    parser.add_argument(
        "--min-ratio", type=float, default=None, help="exit 1 if the mixed median ratio is lower"
    )
    args = parser.parse_args(argv)
    payloads = default_payload_validator()

    valid = frames(VALID * args.sessions, prefix="v")
    invalid = frames(INVALID, prefix="i")
    corpus = valid + invalid
    verdicts = compare(corpus, payloads)
    mismatches = [(item, mine, other) for item, mine, other in verdicts if mine is not other]
    # The corpus itself must be what it claims: every VALID frame valid, every INVALID
    # exchange with at least one frame both validators reject.
    corpus_errors = [
        f"{item.version} {item.action}.{item.kind} should be valid"
        for item, mine, other in verdicts[: len(valid)]
        if not (mine and other is True)
    ]
    for exchange, (request, response) in zip(
        INVALID,
        zip(verdicts[len(valid) :: 2], verdicts[len(valid) + 1 :: 2], strict=True),
        strict=True,
    ):
        if request[1] and response[1]:
            corpus_errors.append(f"{exchange.version} {exchange.action}: nothing invalid")
    invalid_frames = [mine for _, mine, _ in verdicts].count(False)

    mixed = measure(corpus, payloads, args.repeats, args.copies)
    valid_only = measure(valid, payloads, args.repeats, args.copies)
    invalid_only = measure(invalid, payloads, args.repeats, args.copies * 5)

    print(
        f"ocpp-upi FrameValidator (decode + RPC state + payload) vs ocpp {_ocpp_version()} "
        f"(unpack + _validate_payload); {args.repeats} interleaved runs each"
    )
    share = f"{invalid_frames / len(corpus):.1%} invalid"
    print(mixed.line(f"mixed ({share})"))
    print(valid_only.line("valid sessions"))
    print(invalid_only.line("invalid exchanges"))
    sized = [
        (label, measure(chosen, payloads, args.repeats, args.copies))
        for label, chosen in by_size(corpus)
    ]
    for label, throughput in sized:
        print(throughput.line(label))
    fast_explained, fast_refused = explained(corpus, payloads)
    print(
        f"payloads refused by the fast path: {fast_refused}, explained without the exact path: "
        f"{fast_explained}"
    )

    disagreements = [
        (item, mine, other)
        for item, mine, other in compare(frames(DISAGREEMENTS, prefix="d"), payloads)
        if mine is not other
    ]
    print(f"\nknown disagreements by design ({len(disagreements)} frames, not timed):")
    for item, mine, other in disagreements:
        print(
            f"  {item.version:<5} {item.action}.{item.kind}: ocpp-upi "
            f"{_word(mine)}, ocpp {_word(other)} - {item.note}"
        )

    for problem in corpus_errors:
        print(f"CORPUS ERROR: {problem}")
    if mismatches:
        print(f"\nVERDICT MISMATCHES ({len(mismatches)}):")
        for item, mine, other in mismatches:
            print(
                f"  {item.version} {item.sender} {item.action}.{item.kind}: ocpp-upi "
                f"{_word(mine)}, ocpp {_word(other)}: {item.raw[:160]}"
            )
    else:
        print(f"\nverdicts identical on all {len(corpus)} corpus frames")

    if args.json:
        result = {
            "benchmark": "validate",
            "ocpp_version": _ocpp_version(),
            "repeats": args.repeats,
            "invalid_frames": invalid_frames,
            "sessions": args.sessions,
            "mixed": mixed.as_json(),
            "valid_sessions": valid_only.as_json(),
            "invalid_exchanges": invalid_only.as_json(),
            "size_classes": {label: t.as_json() for label, t in sized},
            "fast_refusals": fast_refused,
            "fast_refusals_explained": fast_explained,
            "target_ratio": TARGET_RATIO,
            "target_floor_share": TARGET_FLOOR_SHARE,
            "verdict_mismatches": len(mismatches),
            "corpus_errors": corpus_errors,
            "disagreements": [
                {
                    "version": item.version,
                    "action": item.action,
                    "kind": item.kind,
                    "ours": _word(mine),
                    "ocpp": _word(other),
                    "note": item.note,
                }
                for item, mine, other in disagreements
            ],
        }
        print(json.dumps(result, sort_keys=True))
    status = 1 if mismatches or corpus_errors else 0
    if args.min_ratio is not None and mixed.ratio_median < args.min_ratio:
        print(f"mixed median ratio {mixed.ratio_median:.1f}x is below --min-ratio {args.min_ratio}")
        status = 1
    met = "yes" if mixed.ratio_median >= TARGET_RATIO else "no"
    floor_met = "yes" if mixed.floor_share >= TARGET_FLOOR_SHARE else "no"
    print(
        f"RESULT mixed_ratio={mixed.ratio_median:.2f} target={TARGET_RATIO:g} met={met} "
        f"parse_floor_share={mixed.floor_share:.2f} floor_target={TARGET_FLOOR_SHARE:g} "
        f"floor_met={floor_met}"
    )
    return status


def _word(verdict: bool | str) -> str:
    return verdict if isinstance(verdict, str) else ("valid" if verdict else "invalid")


def _ocpp_version() -> str:
    from importlib.metadata import version

    return version("ocpp")


if __name__ == "__main__":
    sys.exit(main())
