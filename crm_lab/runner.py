"""Run the crm-lab notebooks with papermill: one, all, or a parameter grid.

Every run writes the executed notebook (and, by default, an HTML export) into
an output folder chosen by the caller, passes the notebook an ``output_dir``
parameter so that it can write its key results as ``results.json``, and
returns those results.  :func:`sweep` runs the Cartesian product of a
parameter grid in parallel and collects one tidy row per run.

Notes
-----
Two decisions differ from a plain ``papermill.execute_notebook`` call:

* **Working directory.**  papermill's ``cwd=`` argument changes the working
  directory of the whole Python process (``os.chdir``), which is not safe
  when runs execute in parallel threads (papermill issue #473).  The runner
  instead gives the folder to nbclient as ``resources["metadata"]["path"]``,
  which starts only the *kernel* in that folder; every path the runner itself
  uses is absolute.
* **Kernel.**  A notebook whose kernelspec is ``python3`` is executed by the
  interpreter running crm-lab (``sys.executable``), with ipykernel's own
  kernel spec, whatever ``python3`` kernelspec a ``JUPYTER_PATH`` or user
  folder might hold (such a spec may point to another interpreter, where
  crm_lab is not installed).  Other kernel names are looked up as usual.
"""

from __future__ import annotations

import ast
import difflib
import functools
import hashlib
import itertools
import json
import math
import re
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd
import papermill
from ipykernel.kernelspec import get_kernel_dict
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import NATIVE_KERNEL_NAME, KernelSpec
from nbconvert import HTMLExporter
from papermill.exceptions import PapermillExecutionError

__all__ = [
    "HTMLExportError",
    "NotebookExecutionError",
    "RunResult",
    "SweepError",
    "list_notebooks",
    "resolve_notebook",
    "run_all",
    "run_notebook",
    "sweep",
]

#: Name of the notebook parameter that receives the per-run results folder.
OUTPUT_PARAMETER = "output_dir"
#: File a notebook writes into ``output_dir`` with its key results.
RESULTS_FILE = "results.json"


# --------------------------------------------------------------------------
# Locating notebooks
# --------------------------------------------------------------------------
def notebooks_dir() -> Path:
    """Return the repository's ``notebooks/`` folder (the one place it is resolved).

    Returns
    -------
    pathlib.Path
        ``<repository>/notebooks``, found beside the ``crm_lab`` package of an
        editable install.

    Raises
    ------
    FileNotFoundError
        If the folder does not exist (e.g. crm_lab was installed from a wheel,
        without the repository checkout).
    """
    folder = Path(__file__).resolve().parents[1] / "notebooks"
    if not folder.is_dir():
        raise FileNotFoundError(
            f"crm-lab notebooks folder not found at {folder}; the runner needs the "
            "repository checkout (install it with `pip install -e .`), or pass a "
            "notebook's path instead of its name"
        )
    return folder


def list_notebooks() -> list[Path]:
    """List the suite's notebooks in their numbered order.

    Returns
    -------
    list of pathlib.Path
        The ``*.ipynb`` files directly inside :func:`notebooks_dir`, sorted by
        name; checkpoints and anything in a ``student/`` subfolder (generated
        student versions) are not included.
    """
    return sorted(
        path
        for path in notebooks_dir().glob("*.ipynb")
        if path.is_file() and not path.stem.endswith("-checkpoint")
    )


def _looks_like_path(name: str | Path) -> bool:
    return isinstance(name, Path) or "/" in name or "\\" in name


def resolve_notebook(name: str | Path) -> Path:
    """Find a notebook from its number, stem, file name or path.

    Parameters
    ----------
    name : str or pathlib.Path
        ``"00"``, ``"00_start_here"``, ``"00_start_here.ipynb"``, or the path
        of any notebook file.

    Returns
    -------
    pathlib.Path
        The absolute path of the notebook.

    Raises
    ------
    ValueError
        If no (or more than one) notebook of the suite matches; the message
        lists the available names.
    FileNotFoundError
        If a path is given and no such file exists.

    Examples
    --------
    >>> resolve_notebook("00").name
    '00_start_here.ipynb'
    """
    if _looks_like_path(name):
        path = Path(name).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"notebook file not found: {path}")
        return path.resolve()
    text = str(name).strip()
    stem = text.removesuffix(".ipynb")
    available = list_notebooks()
    matches = [p for p in available if p.stem == stem]
    if not matches:
        matches = [p for p in available if p.stem.split("_", 1)[0] == stem]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(p.stem for p in available) or "(none)"
    if len(matches) > 1:
        found = ", ".join(p.stem for p in matches)
        raise ValueError(f"notebook {text!r} is ambiguous: it matches {found}")
    if text.endswith(".ipynb") and Path(text).is_file():
        return Path(text).resolve()
    raise ValueError(f"unknown notebook {text!r}; available notebooks: {names}")


# --------------------------------------------------------------------------
# Results and errors
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class RunResult:
    """One executed notebook.

    Attributes
    ----------
    notebook : pathlib.Path
        The source notebook (never modified).
    output : pathlib.Path
        The executed notebook.
    html : pathlib.Path or None
        Its HTML export, or None when HTML was not requested.
    results : dict
        The key results the notebook wrote to ``results.json`` (empty when it
        wrote none).
    seconds : float
        Wall-clock time of the execution and export.
    parameters : dict
        The parameters the notebook was run with (including ``output_dir``).
    """

    notebook: Path
    output: Path
    html: Path | None
    results: dict[str, Any]
    seconds: float
    parameters: dict[str, Any] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The notebook's stem, e.g. ``"00_start_here"``."""
        return self.notebook.stem


class NotebookExecutionError(PapermillExecutionError):
    """A cell of a notebook raised; carries the notebook and its partial output.

    A subclass of :class:`papermill.exceptions.PapermillExecutionError` (so
    code catching papermill's error still catches it) that adds which notebook
    failed and where the partially executed copy was written.

    Attributes
    ----------
    notebook : pathlib.Path
        The source notebook.
    output : pathlib.Path
        The partially executed notebook (open it to see the failing cell).
    """

    def __init__(self, cell_index, exec_count, source, ename, evalue, traceback, notebook, output):
        super().__init__(cell_index, exec_count, source, ename, evalue, traceback)
        self.args = (cell_index, exec_count, source, ename, evalue, traceback, notebook, output)
        self.notebook = Path(notebook)
        self.output = Path(output)

    @classmethod
    def from_papermill(cls, error: PapermillExecutionError, notebook: Path, output: Path):
        """Wrap papermill's error with the notebook and output paths."""
        return cls(
            error.cell_index,
            error.exec_count,
            error.source,
            error.ename,
            error.evalue,
            error.traceback,
            notebook,
            output,
        )

    def headline(self) -> str:
        """One line: notebook, cell, error and the partial output's path."""
        return (
            f"notebook {self.notebook.stem} failed in cell [{self.exec_count}] "
            f"({self.ename}: {self.evalue}); partial output: {self.output}"
        )

    def __str__(self) -> str:
        return self.headline() + super().__str__()


class HTMLExportError(RuntimeError):
    """nbconvert cannot export HTML in this environment (raised before any run)."""


class SweepError(RuntimeError):
    """Some runs of a sweep failed (raised after all runs finished).

    Attributes
    ----------
    failures : list of (dict, BaseException)
        Each failed combination of parameters and its error.
    table : pandas.DataFrame
        The tidy table of the runs that succeeded.
    """

    def __init__(self, message: str, failures: list, table: pd.DataFrame):
        super().__init__(message)
        self.failures = failures
        self.table = table


# --------------------------------------------------------------------------
# Kernel: python3 means the interpreter running crm-lab
# --------------------------------------------------------------------------
class _CurrentPythonKernelManager(AsyncKernelManager):
    """Kernel manager that runs the ``python3`` kernel with ``sys.executable``."""

    @property
    def kernel_spec(self) -> KernelSpec | None:
        if self.kernel_name == NATIVE_KERNEL_NAME:
            traits = set(KernelSpec.class_trait_names())
            spec = {k: v for k, v in get_kernel_dict().items() if k in traits}
            return KernelSpec(name=NATIVE_KERNEL_NAME, **spec)
        return super().kernel_spec


# --------------------------------------------------------------------------
# HTML export
# --------------------------------------------------------------------------
@functools.cache
def _html_export_problem() -> str | None:
    """Why nbconvert's HTML export is broken here, or None when it works.

    nbconvert 7.16.4 and older break on any markdown cell with mistune >= 3.1
    (``AttributeError: 'MathBlockParser' object has no attribute
    'parse_axt_heading'``; jupyter/nbconvert#2198, fixed in 7.16.5).  Probing
    once, on a one-cell notebook, lets a run stop before it executes instead
    of failing after the execution.
    """
    probe = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# probe")])
    try:
        HTMLExporter().from_notebook_node(probe)
    except AttributeError as error:
        return (
            f"HTML export does not work with nbconvert {version('nbconvert')} and "
            f"mistune {version('mistune')} ({error}); upgrade nbconvert to >= 7.16.5, "
            "or run without HTML (html=False, --no-html)"
        )
    return None


def _require_html_export() -> None:
    problem = _html_export_problem()
    if problem is not None:
        raise HTMLExportError(problem)


# --------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------
def _assigned_names(path: Path) -> list[str]:
    """Names assigned at top level of the notebook's ``parameters`` cell(s)."""
    nb = nbformat.read(path, as_version=4)
    names: list[str] = []
    for cell in nb.cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            try:
                tree = ast.parse(cell.source)
            except SyntaxError as error:
                raise ValueError(
                    f"notebook {path.stem}: its 'parameters' cell is not valid Python "
                    f"(line {error.lineno}: {error.msg})"
                ) from error
            for node in tree.body:
                if isinstance(node, ast.Assign):
                    targets = node.targets
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    targets = [node.target]
                else:
                    continue
                names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def _check_parameters(path: Path, parameters: Mapping[str, Any]) -> dict[str, Any]:
    """Return the notebook's declared parameters; raise on an unknown name.

    Also raises when papermill cannot read a parameter that the cell assigns:
    papermill skips (with only a logged warning) any line holding more than
    one ``=``, e.g. ``alpha: float = 0.05  # reject if p <= alpha``, and
    would then neither document nor accept that parameter.
    """
    known = papermill.inspect_notebook(str(path))
    unread = [name for name in _assigned_names(path) if name not in known]
    if unread:
        raise ValueError(
            f"notebook {path.stem}: papermill cannot read parameter(s) {unread} of its "
            "'parameters' cell; papermill skips a line with more than one '=' "
            "(e.g. an '=' in the comment)"
        )
    unknown = [name for name in parameters if name not in known]
    if unknown:
        names = ", ".join(sorted(known)) or "(none: the notebook has no 'parameters' cell)"
        hints = []
        for name in unknown:
            close = difflib.get_close_matches(name, list(known), n=1)
            hints.append(f"{name!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise ValueError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(hints)} "
            f"for notebook {path.stem}; known parameters: {names}"
        )
    return known


def _file_state(path: Path) -> tuple[int, int] | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _execute(
    path: Path,
    output_dir: Path,
    parameters: Mapping[str, Any],
    known: Mapping[str, Any],
    *,
    html: bool,
    progress: bool,
    kernel_name: str | None,
    cwd: str | Path | None,
) -> RunResult:
    """Execute an already validated notebook (see :func:`run_notebook`)."""
    output_dir = Path(output_dir).resolve()
    output_dir.mkdir(parents=True, exist_ok=True)
    params = dict(parameters)
    if OUTPUT_PARAMETER in known and OUTPUT_PARAMETER not in params:
        params[OUTPUT_PARAMETER] = str(output_dir / path.stem)
    results_file = (
        Path(params[OUTPUT_PARAMETER]) / RESULTS_FILE if params.get(OUTPUT_PARAMETER) else None
    )
    before = _file_state(results_file) if results_file else None
    output = output_dir / f"{path.stem}.ipynb"
    workdir = Path(cwd).resolve() if cwd is not None else path.parent
    start = time.perf_counter()
    try:
        nb = papermill.execute_notebook(
            str(path),
            str(output),
            parameters=params,
            kernel_name=kernel_name,
            progress_bar=progress,
            # the kernel starts in `workdir` without chdir-ing this process
            resources={"metadata": {"path": str(workdir)}},
            kernel_manager_class=_CurrentPythonKernelManager,
        )
    except PapermillExecutionError as error:
        raise NotebookExecutionError.from_papermill(error, path, output) from error
    html_path = None
    if html:
        html_path = output_dir / f"{path.stem}.html"
        body, _ = HTMLExporter().from_notebook_node(nb)
        html_path.write_text(body, encoding="utf-8")
    results: dict[str, Any] = {}
    if results_file is not None:
        after = _file_state(results_file)
        if after is not None and after != before:
            results = json.loads(results_file.read_text(encoding="utf-8"))
    return RunResult(
        notebook=path,
        output=output,
        html=html_path,
        results=results,
        seconds=time.perf_counter() - start,
        parameters=params,
    )


def run_notebook(
    name: str | Path,
    *,
    output_dir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    html: bool = True,
    progress: bool = True,
    kernel_name: str | None = None,
    cwd: str | Path | None = None,
) -> RunResult:
    """Execute one notebook with papermill and collect its results.

    Parameters
    ----------
    name : str or pathlib.Path
        Notebook number, stem, file name or path (see :func:`resolve_notebook`).
    output_dir : str or pathlib.Path
        Folder for the outputs: ``<stem>.ipynb`` (executed), ``<stem>.html``
        and the notebook's own ``<stem>/`` folder (its ``results.json``).
    parameters : mapping, optional
        Values for the notebook's ``parameters`` cell.  Names are checked
        against the cell before anything runs.  ``output_dir`` defaults to
        ``<output_dir>/<stem>`` when the notebook declares it.
    html : bool, default True
        Also export the executed notebook to HTML (nbconvert).
    progress : bool, default True
        Show papermill's cell progress bar.
    kernel_name : str, optional
        Kernel to use; default the notebook's kernelspec.  ``python3`` always
        means the interpreter running this function.
    cwd : str or pathlib.Path, optional
        Working directory of the kernel; default the notebook's folder.

    Returns
    -------
    RunResult

    Raises
    ------
    ValueError
        Unknown notebook or parameter name (nothing is executed).
    NotebookExecutionError
        A cell raised; a :class:`papermill.exceptions.PapermillExecutionError`
        naming the notebook and the partially executed output.
    HTMLExportError
        ``html=True`` but nbconvert cannot export HTML here (checked before
        running).

    See Also
    --------
    run_all, sweep
    """
    path = resolve_notebook(name)
    params = dict(parameters or {})
    known = _check_parameters(path, params)
    if html:
        _require_html_export()
    return _execute(
        path,
        Path(output_dir),
        params,
        known,
        html=html,
        progress=progress,
        kernel_name=kernel_name,
        cwd=cwd,
    )


def run_all(
    names: Iterable[str | Path] | None = None,
    *,
    output_dir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    html: bool = True,
    progress: bool = True,
    kernel_name: str | None = None,
) -> list[RunResult]:
    """Execute several notebooks in order, one progress line each.

    Parameters
    ----------
    names : iterable of str or pathlib.Path, optional
        The notebooks (see :func:`resolve_notebook`); default all of
        :func:`list_notebooks`.
    output_dir : str or pathlib.Path
        Common output folder (see :func:`run_notebook`).
    parameters : mapping, optional
        Parameters given to every notebook; every notebook must declare them.
        All names are checked before the first notebook runs.
    html, kernel_name
        As in :func:`run_notebook`.
    progress : bool, default True
        Print ``[1/3] 00_start_here ... done in 12.3 s`` lines to stdout.

    Returns
    -------
    list of RunResult

    Raises
    ------
    ValueError
        Unknown notebook or parameter (before anything runs).
    NotebookExecutionError
        The first notebook that fails; later ones are not run.
    HTMLExportError
        ``html=True`` but nbconvert cannot export HTML here (checked before
        running).
    """
    paths = list_notebooks() if names is None else [resolve_notebook(n) for n in names]
    if not paths:
        raise ValueError("no notebooks to run")
    params = dict(parameters or {})
    knowns = [_check_parameters(path, params) for path in paths]
    if html:
        _require_html_export()
    results = []
    for i, (path, known) in enumerate(zip(paths, knowns), start=1):
        if progress:
            print(f"[{i}/{len(paths)}] {path.stem} ... ", end="", flush=True)
        start = time.perf_counter()
        try:
            result = _execute(
                path,
                Path(output_dir),
                params,
                known,
                html=html,
                progress=False,
                kernel_name=kernel_name,
                cwd=None,
            )
        except BaseException:
            if progress:
                print(f"failed after {time.perf_counter() - start:.1f} s", flush=True)
            raise
        if progress:
            print(f"done in {result.seconds:.1f} s", flush=True)
        results.append(result)
    return results


# --------------------------------------------------------------------------
# Sweeps
# --------------------------------------------------------------------------
_UNSAFE = re.compile(r"[^A-Za-z0-9._=+-]+")


def _folder_name(combo: Mapping[str, Any]) -> str:
    """A filesystem-safe folder name built from parameter values."""
    name = "_".join(f"{k}={v}" for k, v in combo.items())
    name = _UNSAFE.sub("-", name).strip(".-") or "run"
    if len(name) > 100:
        digest = hashlib.sha1(name.encode()).hexdigest()[:8]
        name = f"{name[:90]}-{digest}"
    return name


def _flatten(data: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Flatten nested dicts, joining keys with '.'."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        full = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, prefix=f"{full}."))
        else:
            flat[full] = value
    return flat


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    return a == b


def _row(combo: Mapping[str, Any], result: RunResult) -> dict[str, Any]:
    row = dict(combo)
    for key, value in _flatten(result.results).items():
        if key in row and _same(row[key], value):
            continue  # the notebook echoes a parameter: keep one column
        row[f"results.{key}" if key in row or key == "seconds" else key] = value
    row["seconds"] = result.seconds
    return row


def sweep(
    name: str | Path,
    grid: Mapping[str, Sequence[Any]],
    *,
    output_dir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    workers: int = 2,
    html: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Run a notebook on every combination of a parameter grid, in parallel.

    Parameters
    ----------
    name : str or pathlib.Path
        The notebook (see :func:`resolve_notebook`).
    grid : mapping of str to sequence
        Parameter name to the values to try; the runs are the Cartesian
        product, in the grid's order.
    output_dir : str or pathlib.Path
        Each run gets a subfolder named from its values (e.g.
        ``seed=1_alpha=0.05``); the table is also written to
        ``<output_dir>/sweep.csv``.
    parameters : mapping, optional
        Fixed parameters for every run.
    workers : int, default 2
        Runs executed at the same time (threads; each run's kernel is its own
        process).
    html : bool, default False
        Export each run to HTML.
    progress : bool, default True
        Print one line per finished run.

    Returns
    -------
    pandas.DataFrame
        One row per run: the grid's parameters, then the flattened keys of the
        run's ``results.json`` (nested keys joined with ``.``), then
        ``seconds``.

    Raises
    ------
    ValueError
        Empty grid, empty value list, unknown parameter, or ``workers < 1``.
    SweepError
        After all runs finished, if any failed; names every failed
        combination.
    HTMLExportError
        ``html=True`` but nbconvert cannot export HTML here.
    """
    path = resolve_notebook(name)
    if not grid:
        raise ValueError("'grid' must name at least one parameter (got an empty grid)")
    empty = [key for key, values in grid.items() if len(values) == 0]
    if empty:
        raise ValueError(f"'grid' has no values for {', '.join(map(repr, empty))}")
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"'workers' must be a positive integer (got {workers!r})")
    fixed = dict(parameters or {})
    overlap = sorted(set(fixed) & set(grid))
    if overlap:
        raise ValueError(f"parameters {overlap} are both fixed and in the grid")
    known = _check_parameters(path, {**fixed, **grid})
    if html:
        _require_html_export()
    keys = list(grid)
    combos = [dict(zip(keys, values)) for values in itertools.product(*grid.values())]
    folders: list[str] = []
    for combo in combos:
        folder = _folder_name(combo)
        if folder in folders:
            folder = f"{folder}_{len(folders) + 1}"
        folders.append(folder)
    root = Path(output_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)

    lock = threading.Lock()
    finished = 0

    def report(folder: str, outcome: str, start: float) -> None:
        nonlocal finished
        with lock:
            finished += 1
            if progress:
                seconds = time.perf_counter() - start
                print(f"[{finished}/{len(combos)}] {folder} {outcome} {seconds:.1f} s", flush=True)

    def one(combo: dict[str, Any], folder: str) -> RunResult:
        start = time.perf_counter()
        try:
            result = _execute(
                path,
                root / folder,
                {**fixed, **combo},
                known,
                html=html,
                progress=False,
                kernel_name=None,
                cwd=None,
            )
        except BaseException:
            report(folder, "failed after", start)
            raise
        report(folder, "done in", start)
        return result

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(one, combo, folder) for combo, folder in zip(combos, folders)]
    rows, failures = [], []
    for combo, future in zip(combos, futures):
        error = future.exception()
        if error is None:
            rows.append(_row(combo, future.result()))
        else:
            failures.append((combo, error))
    table = pd.DataFrame(rows)
    if failures:
        described = "; ".join(
            f"{_folder_name(combo)} ({getattr(err, 'ename', type(err).__name__)}: "
            f"{getattr(err, 'evalue', err)})"
            for combo, err in failures
        )
        error = SweepError(
            f"{len(failures)} of {len(combos)} runs of {path.stem} failed: {described}",
            failures,
            table,
        )
        raise error from failures[0][1]
    table.to_csv(root / "sweep.csv", index=False)
    return table
