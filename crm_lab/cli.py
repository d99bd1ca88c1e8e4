"""The ``crm-lab`` command: run notebooks, sweep grids, build student versions, data.

::

    crm-lab run [NOTEBOOK ...] [--all] [-p NAME VALUE ...] [--output-dir DIR] [--no-html]
                [--workers N]
    crm-lab sweep NOTEBOOK -g NAME V1,V2,... [-g ...] [-p NAME VALUE ...]
                  [--workers N] [--output-dir DIR] [--scheduler tcp://HOST:8786]
    crm-lab student [--output-dir DIR]
    crm-lab slides [NOTEBOOK ...] [--all] [-p NAME VALUE ...] [--output-dir DIR] [--no-execute]
    crm-lab data generate [--seed N] [--output-dir DIR] [--force]
    crm-lab data verify [DIR] [--regenerate]
    crm-lab data dictionary [--output FILE]

Exit codes: 0 success; 1 a notebook (or a sweep run) failed, or the data has
problems; 2 bad input or environment (unknown notebook or parameter, missing
file, usage, an output folder that is a file or cannot be created, no HTML
export available, output folder in use by another run); 130 interrupted
(Ctrl-C; a sweep resumes when the same command is rerun).
Errors are a message on stderr, without a traceback (a failed notebook's
message keeps all its lines: the file, column and lines of a data error, and
the path of the partial output); ``--debug`` shows the traceback instead.
Numeric options and output folders are checked before anything runs.
Relative paths (``--output-dir``, ``-p output_dir``, ``-p data_dir``) are
relative to the current working directory.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

__all__ = ["main", "output_folder_problem", "parse_value"]

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


def _usage_error(message: str) -> Exception:
    """The error for bad command-line input found after parsing (exit code 2)."""
    from crm_lab._checks import CrmLabError

    return CrmLabError(message)


def _parameters(pairs: list[list[str]] | None) -> dict[str, Any]:
    """``-p NAME VALUE`` pairs as a dict; a name given twice is an error (never the last silently wins)."""
    given: dict[str, list[str]] = {}
    for name, value in pairs or []:
        given.setdefault(name, []).append(value)
    twice = []
    for name, values in given.items():
        if len(values) > 1:
            shown = [value if value.strip() else repr(value) for value in values]
            count = "twice" if len(values) == 2 else f"{len(values)} times"
            twice.append(f"-p {name} given {count} ({', '.join(shown[:-1])} and {shown[-1]})")
    if twice:
        raise _usage_error("; ".join(twice) + "; give each parameter once")
    return {name: parse_value(values[0]) for name, values in given.items()}


def _grid(items: list[list[str]], fixed: dict[str, Any]) -> dict[str, list[Any]]:
    """``-g NAME V1,V2,...`` as a dict of value lists; checks repeated names, values and ``-p`` overlap."""
    grid: dict[str, list[Any]] = {}
    texts: dict[str, str] = {}
    problems = []
    for name, values in items:
        if name in grid:
            problems.append(f"-g {name} given twice ({texts[name]} and {values}); list all its values once, "
                            f"e.g. -g {name} {texts[name]},{values}")
            continue
        parts = [v.strip() for v in values.split(",") if v.strip()]
        parsed = [parse_value(v) for v in parts]
        if not parsed:
            problems.append(f"-g {name}: no values (expected e.g. -g {name} 1,2,3)")
        keys = [(type(v), v) for v in parsed]
        repeated = list(dict.fromkeys(parts[i] for i in range(len(keys)) if keys[i] in keys[:i]))
        if repeated:
            problems.append(f"-g {name} lists {', '.join(repeated)} more than once (got {values}); "
                            "give each value once")
        if name in fixed:
            problems.append(f"{name} is given with both -p and -g; a parameter is either fixed (-p) "
                            "or in the grid (-g)")
        grid[name], texts[name] = parsed, values
    if problems:
        raise _usage_error("; ".join(problems))
    return grid


# --------------------------------------------------------------------------
# Option types: checked by argparse, so a bad value names its option
# --------------------------------------------------------------------------
def _integer(low: int):
    """An argparse type: an integer >= *low* (argparse adds 'argument --NAME:' to the message)."""

    def convert(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            value = None
        if value is None or value < low:
            got = text if text.strip() else repr(text)
            raise argparse.ArgumentTypeError(f"must be an integer >= {low} (got {got})")
        return value

    convert.__name__ = f"integer >= {low}"
    return convert


def _output_folder(text: str) -> str:
    """An argparse type for ``--output-dir``: a folder that exists or can be created (kept as typed)."""
    problem = output_folder_problem(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def _output_file(text: str) -> str:
    """An argparse type for a file to write (its folder must exist and be writable)."""
    path = Path(os.path.expanduser(text))
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name")
    parent = path.absolute().parent
    if not parent.is_dir():
        what = "is a file, not a folder" if parent.exists() else "does not exist"
        raise argparse.ArgumentTypeError(f"cannot write {text}: its folder {parent} {what}")
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise argparse.ArgumentTypeError(f"cannot write {text}: permission denied")
    return text


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

    parameters = _parameters(args.parameters)
    table = runner.sweep(
        args.notebook,
        _grid(args.grid, parameters),
        output_dir=args.output_dir,
        parameters=parameters,
        workers=args.workers,
        html=args.html,
        **({"scheduler": args.scheduler} if args.scheduler else {}),
    )
    print(table.to_string(index=False))
    print(f"{len(table)} run(s); table written to {Path(args.output_dir) / 'sweep.csv'}")
    return EXIT_OK


def _cmd_student(args: argparse.Namespace) -> int:
    from crm_lab import teaching

    paths = teaching.make_student_versions(args.output_dir, args.notebooks)
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


def _overwrite_problem(folder: Path) -> str | None:
    """Why ``data generate`` must not overwrite *folder* without ``--force``, or None.

    None when the folder is missing or empty, or when it is an unchanged
    crm-lab sample (:func:`crm_lab.datasets.manifest_problems` finds nothing:
    generating again loses nothing; files the manifest does not list are not
    touched).
    """
    if not folder.is_dir():
        return None
    entries = sorted(p.name for p in folder.iterdir())
    problems = _datasets().manifest_problems(folder) if entries else []
    if not problems:
        return None
    shown = ", ".join(entries[:5]) + (", …" if len(entries) > 5 else "")
    return (f"{folder} already holds {len(entries)} file{'s' if len(entries) > 1 else ''} ({shown}) and is not an "
            f"unchanged crm-lab sample ({problems[0]}{'; …' if len(problems) > 1 else ''}); use --force to overwrite")


def _cmd_data_generate(args: argparse.Namespace) -> int:
    datasets = _datasets()
    folder = Path(args.output_dir) if args.output_dir is not None else datasets.sample_dir()
    problem = None if args.force else _overwrite_problem(folder)
    if problem:
        raise _usage_error(problem)
    try:
        paths = datasets.generate_sample(args.output_dir, seed=args.seed)
    except KeyboardInterrupt:
        raise KeyboardInterrupt(
            f"interrupted: {folder} may hold a partly written sample; run the command again with --force"
        ) from None
    for path in paths:
        print(path)
    print(f"{len(paths)} file(s) written")
    return EXIT_OK


def _cmd_data_verify(args: argparse.Namespace) -> int:
    problems = _datasets().verify(args.dir, regenerate=args.regenerate)
    where = args.dir if args.dir is not None else "the shipped datasets"
    if problems:
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s) found in {where}", file=sys.stderr)
        return EXIT_FAILED
    checked = " (and identical to a fresh simulation from its seed)" if args.regenerate else ""
    print(f"OK: no problems found in {where}{checked}")
    return EXIT_OK


def _cmd_data_dictionary(args: argparse.Namespace) -> int:
    print(_datasets().write_dictionary(args.output))
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
        help="set a notebook parameter (int, float, true/false, none, else text); repeat for "
             "other parameters (each name once)",
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
    run.add_argument("--output-dir", type=_output_folder, metavar="DIR", default="build/runs", help="default: %(default)s")
    run.add_argument("--no-html", action="store_true", help="skip the HTML export")
    run.add_argument("--workers", type=_integer(1), default=None, metavar="N",
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
        help="values to try for a parameter; repeat for a grid (each name once)",
    )
    sweep.add_argument("-p", "--parameter", **param)
    sweep.add_argument("--workers", type=_integer(1), default=None, metavar="N",
                       help="points run at the same time, each in its own process (default: the number of cores)")
    sweep.add_argument(
        "--scheduler", default=None, metavar="ADDRESS",
        help="run the points on a dask.distributed cluster, e.g. tcp://HOST:8786 "
             "(default: $DASK_SCHEDULER_ADDRESS if set, else local processes)",
    )
    sweep.add_argument("--output-dir", type=_output_folder, metavar="DIR", default="build/sweeps", help="default: %(default)s")
    sweep.add_argument("--html", action="store_true", help="also export each run to HTML")
    sweep.set_defaults(handler=_cmd_sweep)

    student = commands.add_parser(
        "student", parents=[debug], help="write student versions (solutions removed)"
    )
    student.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                         help='e.g. 02 or 02_kano_model (default: every notebook)')
    student.add_argument("--output-dir", type=_output_folder, metavar="DIR", default="build/student",
                         help="default: %(default)s")
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
    slides.add_argument("--output-dir", type=_output_folder, metavar="DIR", default="build/slides",
                        help="default: %(default)s")
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
    generate.add_argument("--seed", type=_integer(0), default=None, metavar="N",
                          help="an integer >= 0 (default: the shipped seed)")
    generate.add_argument(
        "--output-dir", type=_output_folder, metavar="DIR", default=None, help="default: the shipped datasets/ folder"
    )
    generate.add_argument(
        "--force", action="store_true",
        help="write into a folder that holds other or changed files (overwrites them); without it, only an "
             "empty folder or an unchanged crm-lab sample is written to",
    )
    generate.set_defaults(handler=_cmd_data_generate)
    verify = data_commands.add_parser(
        "verify", parents=[debug], help="validate a data folder (default: shipped datasets)"
    )
    verify.add_argument("dir", nargs="?", default=None, metavar="DIR",
                        help="a folder of data files (default: the shipped datasets)")
    verify.add_argument(
        "--regenerate", action="store_true",
        help="also simulate the data afresh from its seed (truth.json) and compare, file by file",
    )
    verify.set_defaults(handler=_cmd_data_verify)
    dictionary = data_commands.add_parser(
        "dictionary", parents=[debug], help="write the data dictionary"
    )
    dictionary.add_argument("--output", type=_output_file, default=None, metavar="FILE",
                            help="default: the shipped datasets/README.md")
    dictionary.set_defaults(handler=_cmd_data_dictionary)
    return parser


def output_folder_problem(path: str | os.PathLike) -> str | None:
    """Why *path* cannot be used as an output folder, or None when it can.

    An existing folder must be writable; a missing one must be creatable (its
    nearest existing parent a writable folder).  Nothing is created.

    >>> output_folder_problem(__file__)  # doctest: +ELLIPSIS
    '...cli.py is a file; give a folder'
    >>> output_folder_problem(Path(__file__) / "sub")  # doctest: +ELLIPSIS
    '...sub cannot be created: ...cli.py is a file, not a folder'
    """
    if "\0" in os.fspath(path):
        return f"{path!r} cannot be used: a path cannot hold a NUL byte"
    folder = Path(os.path.expanduser(os.fspath(path)))
    try:
        if folder.is_dir():
            if not os.access(folder, os.W_OK | os.X_OK):
                return f"{path} is a folder you may not write to (permission denied)"
            return None
        if folder.is_symlink() and not folder.exists():
            return f"{path} is a broken symbolic link (to {os.readlink(folder)}); give a folder"
        if folder.exists():
            return f"{path} is a file; give a folder"
        parent = folder.absolute().parent
        while not (parent.exists() or parent.is_symlink()) and parent != parent.parent:
            parent = parent.parent
        if not parent.is_dir():
            what = "is a file, not a folder" if parent.exists() else "is a broken symbolic link"
            return f"{path} cannot be created: {parent} {what}"
        if not os.access(parent, os.W_OK | os.X_OK):
            return f"{path} cannot be created: no permission to write in {parent}"
    except OSError as error:
        return f"{path} cannot be used: {_os_error_text(error)}"
    return None


def _os_error_text(error: OSError) -> str:
    """``path: reason`` for an operating-system error (not ``[Errno 17] File exists: 'path'``)."""
    if error.strerror and error.filename is not None:
        reason = error.strerror[:1].lower() + error.strerror[1:]
        target = f" -> {error.filename2}" if error.filename2 is not None else ""
        return f"{error.filename}{target}: {reason}"
    return str(error) or type(error).__name__


def _message(error: BaseException) -> str:
    """The whole message of *error*, all its lines (no traceback), for stderr.

    A failed notebook gives its headline (notebook, cell, error, partial
    output) and then every further line of the error raised in the notebook,
    so a data error keeps its file, columns and lines.
    """
    describe = getattr(error, "describe", None) or getattr(error, "headline", None)
    if callable(describe):
        text = describe()
    elif isinstance(error, KeyError) and len(error.args) == 1:
        text = str(error.args[0])
    elif isinstance(error, OSError):
        text = _os_error_text(error)
    else:
        text = str(error)
    lines = [line.rstrip() for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines) if lines else type(error).__name__


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

    try:
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
        except run_failures as error:
            print(f"crm-lab: error: {_message(error)}", file=sys.stderr)
            return EXIT_FAILED
        except bad_input as error:
            print(f"crm-lab: error: {_message(error)}", file=sys.stderr)
            return EXIT_USAGE
    except KeyboardInterrupt as error:
        print(f"crm-lab: {str(error) or 'interrupted'}", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
