"""The command line: headless commands (presets, train, render, bench) on the same core as the GUI.

Errors a user can make (a bad key, value, preset or file) print one line on stderr
and exit with status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from tqdm import tqdm

from .core.config import DEVICES
from .core.errors import ConfigError, DataError

EXIT_USAGE = 2
EXIT_FAILED = 1


class UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, not argparse's usage block
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ganstudio", description="GAN Studio: watch a GAN learn a distribution.")
    p.add_argument("--preset", help="open the GUI on this preset (default ring-8)")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    sub.add_parser("presets", help="list the presets, one per line: name, summary")

    t = sub.add_parser("train", help="train headless and report metrics")
    t.add_argument("--preset", help="preset name (see `ganstudio presets`)")
    t.add_argument("--steps", type=_positive_int, help="number of steps (default: the preset's)")
    t.add_argument("--seed", type=_nonneg_int)
    t.add_argument("--device", choices=DEVICES)
    t.add_argument("--set", dest="assignments", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config key; repeatable")
    t.add_argument("--data", help="train on the points in a CSV, NPY or NPZ file, or the images in an IDX, NPY "
                   "or NPZ file or a folder of pictures")
    t.add_argument("--metrics-json", help="write the final metrics to this JSON file")
    t.add_argument("--save", help="save the session here when done")
    t.add_argument("--resume", help="continue a saved session exactly where it stopped")
    t.add_argument("--quiet", action="store_true", help="no progress bar")

    r = sub.add_parser("render", help="train headless, then render the main window to a PNG")
    r.add_argument("--preset", required=True)
    r.add_argument("--steps", type=_nonneg_int, required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--seed", type=_nonneg_int)

    d = sub.add_parser("datasets", help="list or download the image data sets")
    dsub = d.add_subparsers(dest="datasets_command", parser_class=_Parser, required=True)
    dsub.add_parser("list", help="one line per image set: name, where it comes from, whether it is here")
    dl = dsub.add_parser("download", help="download an image set into the cache folder (resumes a partial download)")
    dl.add_argument("name", help="mnist, fashion-mnist or kmnist")
    dl.add_argument("--quiet", action="store_true", help="no progress bar")

    b = sub.add_parser("bench", help="trainer speed against a bare PyTorch loop, and FLOP rate")
    b.add_argument("--preset", default="ring-8", help="preset whose model, data and batch are timed")
    b.add_argument("--device", choices=DEVICES, help="time on this device instead of the preset's")
    b.add_argument("--seconds", type=float, default=4.0, help="time per measurement")
    b.add_argument("--json", help="also write the figures to this JSON file")
    return p


def _positive_int(text: str) -> int:
    v = _nonneg_int(text)
    if v < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {text}")
    return v


def _nonneg_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
    if v < 0:
        raise argparse.ArgumentTypeError(f"must not be negative, got {text}")
    return v


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        if args.command in ("train", "render", "bench"):
            from .core.runtime import configure_threads

            configure_threads()
        if args.command is None:
            return gui_main(["--preset", args.preset] if args.preset else [])
        return {"presets": cmd_presets, "train": cmd_train, "render": cmd_render, "bench": cmd_bench,
                "datasets": cmd_datasets}[args.command](args)
    except (UsageError, ConfigError, DataError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def gui_main(argv: list[str] | None = None) -> int:
    """Entry point of the `ganstudio` GUI script and of main.py."""
    argv = sys.argv[1:] if argv is None else argv
    preset = None
    if argv:
        if len(argv) == 2 and argv[0] == "--preset":
            preset = argv[1]
        else:
            return main(argv)
    try:
        from .core.presets import load_preset

        if preset is not None:
            load_preset(preset)  # a bad name is a usage error, before any window opens
        from .gui.app import run_gui
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ImportError as exc:
        print(f"error: the GUI cannot start: {exc}", file=sys.stderr)
        return EXIT_FAILED
    return run_gui(preset)


def writable_path(path: str | None, what: str) -> None:
    """Fail before any work when an output cannot be written: a long run must not be lost to a typo."""
    if path is None:
        return
    p = Path(path)
    folder = p.parent if str(p.parent) else Path(".")
    if p.is_dir():
        raise UsageError(f"{what} {path}: is a folder, not a file name")
    if not folder.is_dir():
        raise UsageError(f"{what} {path}: the folder {folder} does not exist")
    if not os.access(folder, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise UsageError(f"{what} {path}: not writable")


def write_output(path: str, text: str, what: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:  # checked before the run, so a disk that filled up or a folder that went away
        raise UsageError(f"{what} {path}: could not be written ({exc.strerror or exc})") from None


def cmd_presets(args) -> int:
    from .core.presets import all_presets

    presets = all_presets()
    width = max(len(p.name) for p in presets)
    for p in presets:
        print(f"{p.name:<{width}}  {p.summary}")
    return 0


def resolve_run(args):
    """The trainer, preset name and step count that `train` arguments ask for."""
    from .core.presets import default_preset_for, load_preset
    from .core.sources import FILE_PREFIX, get_distribution
    from .core.session import load_session
    from .core.trainer import Trainer

    overrides = []
    if args.seed is not None:
        overrides.append(f"seed={args.seed}")
    if args.device is not None:
        overrides.append(f"device={args.device}")
    overrides += args.assignments

    if args.resume:
        state, preset_name = load_session(args.resume)
        from .core.config import TrainConfig

        config = TrainConfig.from_dict(state["config"], args.resume)
        if overrides:
            config = config.with_assignments(overrides)
            state["config"] = config.to_dict()
        trainer = Trainer(config)
        trainer.load_state_dict(state)
        steps = args.steps if args.steps is not None else (load_preset(preset_name).steps if preset_name else 1000)
        return trainer, preset_name or "session", steps

    if args.data:
        data = get_distribution(f"{FILE_PREFIX}{Path(args.data).resolve()}")  # validates the file before anything else
        # without --preset, the defaults of the preset for what the file holds, but the run is the file's
        preset = load_preset(args.preset or default_preset_for(data))
        config = preset.config.replace(distribution=f"file:{Path(args.data).resolve()}")
        name = preset.name if args.preset else None
    else:
        preset = load_preset(args.preset or "ring-8")
        config = preset.config
        name = preset.name
    config = config.with_assignments(overrides)
    return Trainer(config), name, args.steps if args.steps is not None else preset.steps


def cmd_train(args) -> int:
    from .core.trainer import NonFiniteError

    writable_path(args.metrics_json, "--metrics-json")
    writable_path(args.save, "--save")
    trainer, preset_name, steps = resolve_run(args)
    start_step = trainer.step_count
    # redrawn at most 5 times a second on a terminal, a line every 5 s into a log file
    tty = sys.stderr.isatty()
    t0 = time.perf_counter()
    with tqdm(total=steps, unit="step", disable=args.quiet, file=sys.stderr, mininterval=0.2 if tty else 5.0,
              ascii=not tty, dynamic_ncols=True) as bar:
        try:
            trainer.train(steps, on_step=lambda done: bar.update(1))
        except NonFiniteError as exc:
            bar.close()
            print(f"error: training diverged: {exc}", file=sys.stderr)
            return EXIT_FAILED
    elapsed = time.perf_counter() - t0

    snap = trainer.snapshot(full=True)
    keys = ("d_loss", "g_loss", "jsd", "jsd_floor", "kl_data_g", "kl_g_data", "entropy_data", "cross_entropy",
            "value", "value_bound", "modes_captured", "modes_total", "hq_fraction",
            "classes_covered", "classes_total", "class_kl", "class_kl_floor", "fid", "fid_floor")
    final = {k: snap.metrics[k] for k in keys if k in snap.metrics}
    g_norm = trainer.history.recent_mean("g_grad_norm", 100)  # one step's norm is too noisy to compare
    if g_norm == g_norm:
        final["g_grad_norm"] = g_norm
    for k in ("modes_captured", "modes_total", "classes_covered", "classes_total"):
        if k in final:
            final[k] = int(final[k])
    report = {
        "preset": preset_name,
        **({"data": str(Path(args.data).resolve())} if args.data and not args.resume else {}),
        "steps": trainer.step_count - start_step,
        "total_steps": trainer.step_count,
        "seed": trainer.config.seed,
        "device": trainer.device.type,
        "elapsed_s": round(elapsed, 3),
        "steps_per_s": round(steps / elapsed, 2) if elapsed > 0 else None,
        "final": final,
    }
    if args.save:
        from .core.session import save_session

        try:
            save_session(trainer, args.save, preset=preset_name if preset_name != "session" else None)
        except (OSError, RuntimeError) as exc:  # torch reports a missing folder as a RuntimeError
            raise UsageError(f"--save {args.save}: could not be written ({exc})") from None
    if args.metrics_json:
        write_output(args.metrics_json, json.dumps(report, indent=2) + "\n", "--metrics-json")
    summary = ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in final.items())
    label = preset_name or Path(args.data).name
    print(f"{label}: {report['steps']} steps in {elapsed:.1f} s ({report['steps_per_s']} steps/s) on {report['device']}: {summary}")
    return 0


def cmd_render(args) -> int:
    from .core.presets import load_preset

    load_preset(args.preset)
    writable_path(args.out, "--out")
    from .gui.render import render_to_png

    try:
        render_to_png(args.preset, args.steps, args.out, seed=args.seed)
    except OSError as exc:
        raise UsageError(f"--out {args.out}: {exc}") from None
    print(f"wrote {args.out}")
    return 0


def cmd_bench(args) -> int:
    from .core.bench import format_report, run_benchmarks

    writable_path(args.json, "--json")
    report = run_benchmarks(preset=args.preset, seconds=args.seconds, device=args.device)
    print(format_report(report))
    if args.json:
        write_output(args.json, json.dumps(report, indent=2) + "\n", "--json")
    return 0


def cmd_datasets(args) -> int:
    from .core.images.builtin import BUILTIN_IMAGE_SETS
    from .core.images.download import DOWNLOADS, cache_dir, download, is_downloaded
    from .core.images.files import LoadCancelled

    if args.datasets_command == "list":
        for name in BUILTIN_IMAGE_SETS:
            print(f"{name:<14}  built in")
        for name, spec in DOWNLOADS.items():
            where = f"downloaded in {cache_dir() / name}" if is_downloaded(name) else "not downloaded"
            print(f"{name:<14}  {spec.title}: {where}")
        return 0
    if args.name not in DOWNLOADS:
        raise UsageError(f"datasets download: unknown set {args.name!r}; one of {', '.join(DOWNLOADS)}")
    with tqdm(unit="B", unit_scale=True, disable=args.quiet, file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total or None
            bar.n = done
            bar.refresh()

        try:
            folder = download(args.name, progress=progress)
        except LoadCancelled:
            print("download stopped; run the same command again to resume", file=sys.stderr)
            return EXIT_FAILED
    print(f"{args.name}: ready in {folder}")
    return 0
