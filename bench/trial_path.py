"""Follow one trial through the package's calls, from its TOML file to its stored record.

Runs ``ablations run`` in this process on a one-trial matrix (digits, 2 epochs, inline
executor), with a profile hook that sees every call into a module of the package. Prints the
modules in the order they were first entered (module bodies run by imports left out), and counts the *climbs back*: a call into a
module that is already on the call stack below the current one (a callee calling back into a
module it was called from, as a trainer calling back into its runner would). Calls from outside
the package (Keras calling a callback) start from the nearest package frame below them.

    python bench/trial_path.py --trainer fit      # or fused (needs KERAS_BACKEND=jax)
    python bench/trial_path.py --max-climbs 2     # exit 1 above that
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path
from types import FrameType
from typing import Any

MATRIX = """\
description = "one trial, followed through the calls"
seeds = [0]
[fixed]
dataset = "digits"
model = "mlp"
depth = 1
width = 16
epochs = 2
trainer = "{trainer}"
backend = "{backend}"
"""


class CallTracer:
    """Records, per call into the package, the package modules on the stack."""

    def __init__(self) -> None:
        self.order: list[str] = []  # modules in the order first entered
        self.climbs: list[tuple[str, str]] = []  # (from module, back into module)

    @staticmethod
    def _module(frame: FrameType | None) -> str | None:
        """The package module a frame's function belongs to (None: not the package's, or a
        module body run by an import, which is no step of the trial's path)."""
        if frame is None or frame.f_code.co_name == "<module>":
            return None
        name = frame.f_globals.get("__name__", "")
        return name if name == "ablations" or name.startswith("ablations.") else None

    def _stack(self, frame: FrameType | None) -> list[str]:
        """The package modules of the frames below ``frame``, innermost first, runs collapsed."""
        modules: list[str] = []
        while frame is not None:
            module = self._module(frame)
            if module is not None and (not modules or modules[-1] != module):
                modules.append(module)
            frame = frame.f_back
        return modules

    def __call__(self, frame: FrameType, event: str, arg: Any) -> None:
        if event != "call":
            return
        module = self._module(frame)
        if module is None:
            return
        if module not in self.order:
            self.order.append(module)
        below = self._stack(frame.f_back)
        if below and below[0] != module and module in below[1:]:
            self.climbs.append((below[0], module))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--trainer", choices=["fit", "fused"], default="fit")
    parser.add_argument("--max-climbs", type=int, default=None)
    args = parser.parse_args(argv)
    backend = "jax" if args.trainer == "fused" else "tensorflow"

    from ablations.read.cli import main as cli_main

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "one_trial.toml"
        path.write_text(MATRIX.format(trainer=args.trainer, backend=backend))
        tracer = CallTracer()
        sys.setprofile(tracer)
        try:
            code = cli_main(["run", str(path), "--runs-dir", str(Path(tmp) / "runs"), "--quiet"])
        finally:
            sys.setprofile(None)
    unique = sorted(set(tracer.climbs))
    print(f"exit {code}; {len(tracer.order)} modules entered, {len(unique)} distinct climbs back")
    print("  " + " -> ".join(m.removeprefix("ablations.") for m in tracer.order))
    for low, high in unique:
        print(f"  climb: {low.removeprefix('ablations.')} calls back into {high.removeprefix('ablations.')}")
    if code != 0:
        return code
    if args.max_climbs is not None and len(unique) > args.max_climbs:
        print(f"more than {args.max_climbs} climbs back")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
