"""The ``crm-lab`` command: run notebooks, sweep grids, build student versions, data.

::

    crm-lab run [NOTEBOOK ...] [--all] [-p NAME VALUE ...] [--output-dir DIR] [--no-html]
                [--workers N]
    crm-lab sweep NOTEBOOK -g NAME V1,V2,... [-g ...] [-p NAME VALUE ...]
                  [--workers N] [--output-dir DIR] [--scheduler tcp://HOST:8786]
    crm-lab student [--output-dir DIR]
    crm-lab slides [NOTEBOOK ...] [--all] [-p NAME VALUE ...] [--output-dir DIR] [--no-execute]
    crm-lab data generate [--seed N] [--output-dir DIR]
    crm-lab data verify [DIR]
    crm-lab data dictionary

Exit codes: 0 success; 1 a notebook (or a sweep run) failed, or the data has
problems; 2 bad input or environment (unknown notebook or parameter, missing
file, usage, no HTML export available, output folder in use by another run);
130 interrupted (Ctrl-C; a sweep resumes when the same command is rerun).
Errors are one line on stderr; ``--debug`` shows the traceback instead.
Relative paths (``--output-dir``, ``-p output_dir``, ``-p data_dir``) are
relative to the current working directory.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "parse_value"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def parse_value(text: str) -> Any:
    """Parse a command-line value the way papermill's ``-p`` does.

    Parameters
    ----------
    text : str
        The value as typed.

    Returns
    -------
    bool, None, int, float or str
        ``true``/``false`` (any case of the first letter: ``True``,
        ``false`` …) → bool, ``none``/``None`` → None, then int, then
        float, else the text unchanged.

    Examples
    --------
    >>> [parse_value(v) for v in ["3", "0.05", "true", "None", "kano"]]
    [3, 0.05, True, None, 'kano']
    """
    if text in ("True", "true"):
        return True
    if text in ("False", "false"):
        return False
    if text in ("None", "none"):
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def _parameters(pairs: list[list[str]] | None) -> dict[str, Any]:
    return {name: parse_value(value) for name, value in (pairs or [])}


def _grid(items: list[list[str]]) -> dict[str, list[Any]]:
    grid: dict[str, list[Any]] = {}
    for name, values in items:
        if name in grid:
            raise ValueError(f"parameter {name!r} is given twice with -g")
        parsed = [parse_value(v.strip()) for v in values.split(",") if v.strip()]
        if not parsed:
            raise ValueError(f"-g {name}: no values (expected e.g. -g {name} 1,2,3)")
        grid[name] = parsed
    return grid


# --------------------------------------------------------------------------
# Subcommands
# --------------------------------------------------------------------------
def _cmd_run(args: argparse.Namespace) -> int:
    from crm_lab import runner

    names = None if args.all else args.notebooks
    start = time.perf_counter()
    results = runner.run_all(
        names,
        output_dir=args.output_dir,
        parameters=_parameters(args.parameters),
        html=not args.no_html,
        **({"workers": args.workers} if args.workers is not None else {}),
    )
    print(f"{len(results)} notebook(s) executed in {time.perf_counter() - start:.1f} s; "
          f"outputs in {Path(args.output_dir)}")
    return EXIT_OK


def _cmd_sweep(args: argparse.Namespace) -> int:
    from crm_lab import runner

    table = runner.sweep(
        args.notebook,
        _grid(args.grid),
        output_dir=args.output_dir,
        parameters=_parameters(args.parameters),
        workers=args.workers,
        html=args.html,
        **({"scheduler": args.scheduler} if args.scheduler else {}),
    )
    print(table.to_string(index=False))
    print(f"{len(table)} run(s); table written to {Path(args.output_dir) / 'sweep.csv'}")
    return EXIT_OK


def _cmd_student(args: argparse.Namespace) -> int:
    from crm_lab import teaching

    paths = teaching.make_student_versions(args.output_dir)
    for path in paths:
        print(path)
    print(f"{len(paths)} student version(s) written to {Path(args.output_dir)}")
    return EXIT_OK


def _cmd_slides(args: argparse.Namespace) -> int:
    from crm_lab import slides

    names = None if args.all else args.notebooks
    parameters = _parameters(args.parameters)
    paths = slides.build_decks(names, args.output_dir, execute=not args.no_execute, parameters=parameters)
    for path in paths:
        print(f"{path}  ({path.stat().st_size / 1e6:.1f} MB)")
    print(f"{len(paths)} offline slide deck(s) written to {Path(args.output_dir)}")
    return EXIT_OK


def _datasets():
    """Import crm_lab.datasets only when a data command runs."""
    try:
        return importlib.import_module("crm_lab.datasets")
    except ModuleNotFoundError as error:
        if error.name != "crm_lab.datasets":
            raise
        raise FileNotFoundError("crm_lab.datasets is not available in this installation") from error


def _cmd_data_generate(args: argparse.Namespace) -> int:
    paths = _datasets().generate_sample(args.output_dir, seed=args.seed)
    for path in paths:
        print(path)
    print(f"{len(paths)} file(s) written")
    return EXIT_OK


def _cmd_data_verify(args: argparse.Namespace) -> int:
    problems = _datasets().verify(args.dir)
    where = args.dir if args.dir is not None else "the shipped datasets"
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s) found in {where}", file=sys.stderr)
        return EXIT_FAILED
    print(f"OK: no problems found in {where}")
    return EXIT_OK


def _cmd_data_dictionary(args: argparse.Namespace) -> int:
    print(_datasets().write_dictionary())
    return EXIT_OK


# --------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------
def _parser() -> argparse.ArgumentParser:
    # --debug is accepted before or after the subcommand
    debug = argparse.ArgumentParser(add_help=False)
    debug.add_argument(
        "--debug", action="store_true", default=argparse.SUPPRESS, help="show tracebacks"
    )
    param = dict(
        nargs=2,
        action="append",
        metavar=("NAME", "VALUE"),
        dest="parameters",
        help="set a notebook parameter (int, float, true/false, none, else text); repeatable",
    )

    parser = argparse.ArgumentParser(
        prog="crm-lab", description="Run and teach the crm-lab notebooks."
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run", parents=[debug], help="execute notebooks with papermill", description=(
            "Execute notebooks (by number, name or path) into --output-dir: "
            "NAME.ipynb, NAME.html and NAME/results.json."
        )
    )
    run.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="e.g. 00 or 02_kano_model")
    run.add_argument("--all", action="store_true", help="run every notebook, in order")
    run.add_argument("-p", "--parameter", **param)
    run.add_argument("--output-dir", default="build/runs", help="default: %(default)s")
    run.add_argument("--no-html", action="store_true", help="skip the HTML export")
    run.add_argument("--workers", type=int, default=None,
                     help="notebooks run at the same time, each in its own process (default: the number of cores)")
    run.set_defaults(handler=_cmd_run)

    sweep = commands.add_parser(
        "sweep", parents=[debug], help="run a parameter grid in parallel (resumable)",
        description=(
            "Run every combination of the -g values; write one row per finished point to sweep.csv. "
            "Rerunning the same command skips the points already done."
        ),
    )
    sweep.add_argument("notebook", metavar="NOTEBOOK")
    sweep.add_argument(
        "-g", "--grid", nargs=2, action="append", required=True, metavar=("NAME", "V1,V2,..."),
        help="values to try for a parameter; repeat for a grid",
    )
    sweep.add_argument("-p", "--parameter", **param)
    sweep.add_argument("--workers", type=int, default=None,
                       help="points run at the same time, each in its own process (default: the number of cores)")
    sweep.add_argument(
        "--scheduler", default=None, metavar="ADDRESS",
        help="run the points on a dask.distributed cluster, e.g. tcp://HOST:8786 "
             "(default: $DASK_SCHEDULER_ADDRESS if set, else local processes)",
    )
    sweep.add_argument("--output-dir", default="build/sweeps", help="default: %(default)s")
    sweep.add_argument("--html", action="store_true", help="also export each run to HTML")
    sweep.set_defaults(handler=_cmd_sweep)

    student = commands.add_parser(
        "student", parents=[debug], help="write student versions (solutions removed)"
    )
    student.add_argument("--output-dir", default="build/student", help="default: %(default)s")
    student.set_defaults(handler=_cmd_student)

    slides = commands.add_parser(
        "slides", parents=[debug], help="write offline reveal.js slides", description=(
            "Execute notebooks (default parameters, or -p) and write one self-contained "
            "reveal.js deck per notebook, NAME.slides.html, that opens with no network "
            "(no solutions on the slides; press S for the speaker notes)."
        )
    )
    slides.add_argument("notebooks", nargs="*", metavar="NOTEBOOK", help="e.g. 00 or 02_kano_model")
    slides.add_argument("--all", action="store_true", help="every notebook, in order")
    slides.add_argument("-p", "--parameter", **param)
    slides.add_argument("--output-dir", default="build/slides", help="default: %(default)s")
    slides.add_argument(
        "--no-execute", action="store_true",
        help="use the outputs saved in the notebook files instead of executing them",
    )
    slides.set_defaults(handler=_cmd_slides)

    data = commands.add_parser("data", parents=[debug], help="sample datasets")
    data_commands = data.add_subparsers(dest="data_command", required=True, metavar="ACTION")
    generate = data_commands.add_parser(
        "generate", parents=[debug], help="regenerate the sample datasets"
    )
    generate.add_argument("--seed", type=int, default=None, help="default: the shipped seed")
    generate.add_argument(
        "--output-dir", default=None, help="default: the shipped datasets/ folder"
    )
    generate.set_defaults(handler=_cmd_data_generate)
    verify = data_commands.add_parser(
        "verify", parents=[debug], help="validate a data folder (default: shipped datasets)"
    )
    verify.add_argument("dir", nargs="?", default=None, metavar="DIR")
    verify.set_defaults(handler=_cmd_data_verify)
    dictionary = data_commands.add_parser(
        "dictionary", parents=[debug], help="write the data dictionary"
    )
    dictionary.set_defaults(handler=_cmd_data_dictionary)
    return parser


def _one_line(error: BaseException) -> str:
    headline = getattr(error, "headline", None)
    text = headline() if callable(headline) else str(error)
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    first = lines[0] if lines else type(error).__name__
    if isinstance(error, KeyError) and len(error.args) == 1:
        first = str(error.args[0])
    return first


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``crm-lab`` command.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; default ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit code: 0 success, 1 a run failed or the data has problems,
        2 bad input.  Usage errors exit through :class:`SystemExit` (code 2),
        as argparse does.
    """
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command == "run" and not args.all and not args.notebooks:
        parser.error("run: name at least one NOTEBOOK, or use --all")
    if args.command == "run" and args.all and args.notebooks:
        parser.error("run: give NOTEBOOK names or --all, not both")
    if args.command == "slides" and args.all == bool(args.notebooks):
        parser.error("slides: name at least one NOTEBOOK, or use --all (not both)")
    if args.command == "slides" and args.no_execute and args.parameters:
        parser.error("slides: -p needs execution; drop --no-execute")
    if args.debug:
        return args.handler(args)

    run_failures: tuple[type[BaseException], ...] = ()
    bad_input: tuple[type[BaseException], ...] = (ValueError, OSError)
    if args.command in ("run", "sweep", "student", "slides"):
        from jupyter_client.kernelspec import NoSuchKernel
        from nbclient.exceptions import CellTimeoutError, DeadKernelError
        from papermill.exceptions import PapermillException

        from crm_lab.runner import HTMLExportError, SweepError

        run_failures = (PapermillException, SweepError, DeadKernelError, CellTimeoutError)
        bad_input += (NoSuchKernel, HTMLExportError)
    try:
        return args.handler(args)
    except KeyboardInterrupt as error:
        print(f"crm-lab: {str(error) or 'interrupted'}", file=sys.stderr)
        return EXIT_INTERRUPTED
    except run_failures as error:
        print(f"crm-lab: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_FAILED
    except bad_input as error:
        print(f"crm-lab: error: {_one_line(error)}", file=sys.stderr)
        return EXIT_USAGE

if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
