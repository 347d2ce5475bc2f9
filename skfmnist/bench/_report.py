"""Summaries, ratios, the table on screen and the markdown summary of a benchmark."""

import statistics

REFERENCE = "skfmnist"

# (record key, column title, format) of the summary table.
COLUMNS = (
    ("seconds_per_epoch", "s/epoch", "{:.2f}"),
    ("fit_seconds", "fit s", "{:.1f}"),
    ("test_accuracy", "test acc", "{:.4f}"),
    ("seconds_to_target", "s to {target}", "{:.1f}"),
    ("predict_images_per_second", "predict img/s", "{:,.0f}"),
    ("peak_memory_mib", "peak MiB", "{:,.0f}"),
)


def summarize(runs, contenders):
    """Per contender: medians over its successful runs (peak memory: the maximum).

    ``seconds_to_target`` is the median over the runs that reached the target, ``None``
    when none did. A contender without a successful run gets its status and reason.
    """
    summary = {}
    for name in contenders:
        mine = [run for run in runs if run["contender"] == name]
        ok = [run for run in mine if run["status"] == "ok"]
        if not ok:
            last = mine[-1] if mine else {"status": "skipped", "reason": "not run"}
            summary[name] = {"runs": 0, "status": last["status"], "reason": last.get("reason")}
            continue
        entry = {"runs": len(ok), "status": "ok"}
        for key, _, _ in COLUMNS:
            values = [run[key] for run in ok if run[key] is not None]
            if key == "peak_memory_mib":
                entry[key] = max(values)
            else:
                entry[key] = statistics.median(values) if values else None
        entry["threads"] = ok[0]["threads"]
        entry["notes"] = ok[0]["notes"]
        summary[name] = entry
    return summary


def ratios(runs, reference=REFERENCE):
    """The reference's figures against every other contender's, round by round.

    For each other contender with successful runs in the same rounds as the reference:
    ``seconds_per_epoch`` is the median over rounds of (reference's s/epoch / theirs),
    below 1 when the reference is faster; ``predict_speedup`` is the median of
    (reference's images per second / theirs), above 1 when the reference is faster.
    """
    by_round = {}
    for run in runs:
        if run["status"] == "ok":
            by_round.setdefault(run["round"], {})[run["contender"]] = run
    result = {}
    others = sorted({run["contender"] for run in runs} - {reference})
    for name in others:
        pairs = [
            (results[reference], results[name])
            for _, results in sorted(by_round.items())
            if reference in results and name in results
        ]
        if not pairs:
            continue
        epoch = [ours["seconds_per_epoch"] / theirs["seconds_per_epoch"] for ours, theirs in pairs]
        predict = [
            ours["predict_images_per_second"] / theirs["predict_images_per_second"]
            for ours, theirs in pairs
        ]
        result[name] = {
            "seconds_per_epoch": statistics.median(epoch),
            "seconds_per_epoch_per_round": epoch,
            "predict_speedup": statistics.median(predict),
            "predict_speedup_per_round": predict,
        }
    return result


def _cell(entry, key, fmt):
    value = entry.get(key)
    return "-" if value is None else fmt.format(value)


def _short(reason):
    """A failure's reason on one line: its first line and, after a traceback, its last.

    The full reason (the worker's last lines of output) stays in ``results.json`` and in
    the progress log.
    """
    lines = [line.strip() for line in str(reason).strip().splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else ""
    return f"{lines[0]} {lines[-1]} (the full output is in results.json)"


def _rows(summary, target):
    """Header and rows of the contenders that ran; lines for those that did not."""
    header = ["contender"] + [title.format(target=target) for _, title, _ in COLUMNS]
    rows, missing = [], []
    for name, entry in summary.items():
        if entry["status"] == "ok":
            rows.append([name] + [_cell(entry, key, fmt) for key, _, fmt in COLUMNS])
        else:
            missing.append(f"{name}: {entry['status']}: {_short(entry['reason'])}")
    return header, rows, missing


def _per_round(values, fmt):
    if len(values) < 2:
        return ""
    return " (rounds " + ", ".join(fmt.format(value) for value in values) + ")"


def _ratio_lines(ratio_table, reference=REFERENCE):
    if not ratio_table:
        return []
    epoch = ", ".join(
        f"{r['seconds_per_epoch']:.2f}x {name}"
        + _per_round(r["seconds_per_epoch_per_round"], "{:.2f}")
        for name, r in ratio_table.items()
    )
    predict = ", ".join(
        f"{r['predict_speedup']:.1f}x {name}" + _per_round(r["predict_speedup_per_round"], "{:.1f}")
        for name, r in ratio_table.items()
    )
    return [
        f"{reference} seconds per epoch: {epoch} (median of per-round ratios; < 1 is faster)",
        f"{reference} prediction throughput: {predict} (> 1 is faster)",
    ]


def format_threads(threads):
    """Thread settings as text: ``{"intra_op": 1}`` -> ``intra_op=1``; 0 is the default."""
    if not isinstance(threads, dict):
        return str(threads)
    return ", ".join(f"{key}={value or 'default'}" for key, value in threads.items())


def format_table(summary, ratio_table, target):
    """The summary as an aligned text table, followed by the ratio lines."""
    header, rows, missing = _rows(summary, target)
    widths = [max(map(len, column)) for column in zip(header, *rows, strict=True)]
    lines = []
    for row in [header, *rows]:
        cells = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append("  ".join(cells).rstrip())
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(lines + missing + [""] + _ratio_lines(ratio_table))


def _plural(count, word):
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def _settings_line(settings):
    rounds = _plural(settings["repeat"], "round")
    if settings["repeat"] > 1:
        rounds += " (every round runs every contender once, in the order given)"
    line = (
        f"Settings: {_plural(settings['epochs'], 'epoch')}, {rounds}, seed {settings['seed']}, "
        f"{settings['train_size']:,} training images (a tenth of them held out for validation)"
    )
    if REFERENCE in settings.get("contenders", [REFERENCE]):
        line += f", {REFERENCE} threads {format_threads(settings['threads'])}"
    return line + "."


def _incomplete_lines(result):
    if result.get("complete", True):
        return []
    settings = result["settings"]
    planned = settings["repeat"] * len(settings["contenders"])
    return [
        f"**Incomplete**: {len(result['runs'])} of {planned} runs finished "
        "(interrupted, or still running).",
        "",
    ]


def format_markdown(result):
    """A markdown summary of a benchmark result (the JSON document)."""
    settings, machine = result["settings"], result["machine"]
    target = settings["target_accuracy"]
    header, rows, _ = _rows(result["summary"], target)
    lines = [
        "# skfmnist benchmark",
        "",
        f"`{result['command']}`, {result['started']}",
        "",
        *_incomplete_lines(result),
        f"Machine: {machine['cpu_model']}, {machine['usable_cpus']} usable CPUs, "
        f"{machine['platform']}, Python {machine['python']}; load average "
        f"{machine['load_average_start'][0]:.2f} at the start, "
        f"{machine['load_average_end'][0]:.2f} at the end.",
        "",
        "Libraries: " + ", ".join(f"{k} {v}" for k, v in result["libraries"].items() if v),
        "",
        _settings_line(settings),
        "",
        "| " + " | ".join(header) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    lines += [""] + [f"- {line}" for line in _ratio_lines(result["ratios"])]
    lines += ["", "Contenders:", ""]
    for name, entry in result["summary"].items():
        if entry["status"] == "ok":
            threads = format_threads(entry["threads"])
            lines.append(f"- **{name}** (threads {threads}): {entry['notes']}")
        else:
            lines.append(f"- **{name}**: {entry['status']}: {_short(entry['reason'])}")
    return "\n".join(lines) + "\n"
