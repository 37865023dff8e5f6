"""Where and how results were produced, read from the stored records only.

Pages end with this, and the index names when and where each matrix ran: taken from the
records (never from the machine writing the report, never "now"), so the same results give the
same bytes wherever the report is regenerated.
"""

from __future__ import annotations

from typing import Any

from ablations.describe.status import Status

# Statuses a worker stores; placeholders for unfinished trials (missing, running, killed) are not.
STORED = (Status.OK, Status.DIVERGED, Status.FAILED, Status.TIMEOUT, Status.SKIPPED)


def stored(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records of trials that ran (placeholders for missing or killed trials have no env)."""
    return [r for r in records if r.get("status") in STORED and isinstance(r.get("env"), dict)]


def distinct(records: list[dict[str, Any]], key: str) -> list[str]:
    values = {str(v) for r in records if (v := (r.get("env") or {}).get(key)) is not None}
    return sorted(values)


def finished_at(records: list[dict[str, Any]]) -> str | None:
    """The latest finish time among stored records (ISO 8601 UTC strings sort by time)."""
    times = [r["finished_at"] for r in stored(records) if isinstance(r.get("finished_at"), str)]
    return max(times) if times else None


def machine(records: list[dict[str, Any]]) -> str:
    """A short fingerprint of where the trials ran: CPU, devices, host."""
    ran = stored(records)
    if not ran:
        return "–"
    devices = sorted({d for r in ran for d in (r["env"].get("devices") or [])})
    parts = [", ".join(distinct(ran, "cpu")), ", ".join(devices), ", ".join(distinct(ran, "hostname"))]
    return "; ".join(p for p in parts if p)


def provenance(profile: str, records: list[dict[str, Any]]) -> str:
    """The markdown section every page ends with."""
    ran = stored(records)
    datasets = sorted({r["dataset_version"] for r in records if r.get("dataset_version")})
    backends = sorted(
        {f"{b} {v}" for r in ran if (b := r["env"].get("backend")) for v in [r["env"].get("backend_version")]}
    )
    devices = sorted({d for r in ran for d in (r["env"].get("devices") or [])})

    def line(name: str, values: list[str]) -> str:
        return f"- {name}: {', '.join(f'`{v}`' for v in values) if values else '–'}"

    lines = [
        "## Provenance\n",
        f"- profile: `{profile}`; {len(ran)} of {len(records)} trials stored; "
        f"last finished {finished_at(records) or '–'}",
        line("data sets (name-checksum)", datasets),
        line("python", distinct(ran, "python")),
        line("keras", distinct(ran, "keras")),
        line("backend", backends),
        line("keras-ablations", distinct(ran, "ablations")),
        line("device", devices),
        line("cpu", [f"{c}" for c in distinct(ran, "cpu")]),
        line("platform", distinct(ran, "platform")),
        line("git commit", distinct(ran, "git_commit")),
    ]
    return "\n".join(lines) + "\n"
