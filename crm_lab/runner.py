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
  The kernel's own console output (ipykernel's "running over TCP without
  encryption" warning, "KeyboardInterrupt caught in kernel" at shutdown) goes
  to ``<stem>.log`` beside the executed notebook, not to the console.

Isolation
---------
Every run owns its folders while it runs: ``<output_dir>/<stem>.*`` and the
notebook's results folder are locked (a second run aimed at them is refused
with :class:`FolderInUseError`), a stale ``results.json`` is removed before
the kernel starts, the results are read from that run's own folder only, and
the executed notebook is written as ``<stem>.partial.ipynb`` and renamed to
``<stem>.ipynb`` when the run ends (a killed run leaves the ``.partial``
file).  Relative ``output_dir`` / ``data_dir`` parameters are resolved
against the caller's working directory, and the kernel starts in the run's
output folder, so nothing is written beside the source notebook.

Sweeps keep ``manifest.json`` in their folder (each point's parameters and
notebook hash -> status, results); rerunning the same sweep skips the
finished points.  Points run in worker processes, or on a dask.distributed
cluster (``scheduler=``).
"""

from __future__ import annotations

import ast
import concurrent.futures
import contextlib
import difflib
import functools
import hashlib
import itertools
import json
import math
import multiprocessing
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
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
    "FolderInUseError",
    "HTMLExportError",
    "Interrupted",
    "NotebookExecutionError",
    "RunResult",
    "SweepError",
    "default_workers",
    "expected_seconds",
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
#: Parameters holding a path: a relative value is resolved against the caller's working directory.
PATH_PARAMETERS = ("output_dir", "data_dir")
#: A sweep's record of its points (parameters + notebook hash -> status, results).
MANIFEST_FILE = "manifest.json"
#: A sweep's tidy table, one row per finished point.
TABLE_FILE = "sweep.csv"
#: Suffix of an executed notebook while its run is under way.
PARTIAL_SUFFIX = ".partial.ipynb"


def default_workers() -> int:
    """The number of cores this process may use (the default of ``workers``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


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

    def _evalue_lines(self) -> list[str]:
        return [line.rstrip() for line in str(self.evalue).strip().splitlines() if line.strip()]

    def headline(self) -> str:
        """One line: notebook, cell, error (its first line, then ``…`` if it has more) and the partial output."""
        return (
            f"notebook {self.notebook.stem} failed in cell [{self.exec_count}] "
            f"({self.ename}: {_first_line(str(self.evalue))}); partial output: {self.output}"
        )

    def describe(self) -> str:
        """The headline, then every further line of the notebook's error, indented (no traceback).

        A :class:`~crm_lab.datasets.DataValidationError` raised in the
        notebook so keeps the file, the columns and the lines it names.
        """
        more = self._evalue_lines()[1:]
        return "\n".join([self.headline()] + [line if line[:1].isspace() else f"  {line}" for line in more])

    def __str__(self) -> str:
        return self.headline() + super().__str__()


class FolderInUseError(FileExistsError):
    """Another run is writing to the same folder (raised before anything runs)."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped a sweep or ``run_all``; the message says what finished and how to resume."""


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
    """Kernel manager that runs the ``python3`` kernel with ``sys.executable``.

    A subclass made by :func:`_kernel_manager` with ``console_log`` set sends
    the kernel process's stdout and stderr to that file.
    """

    console_log: str | None = None

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        if self.console_log is None:
            return await super()._async_launch_kernel(kernel_cmd, **kw)
        with open(self.console_log, "ab") as log:  # the child keeps its own copy of the descriptor
            kw.setdefault("stdout", log)
            kw.setdefault("stderr", log)
            return await super()._async_launch_kernel(kernel_cmd, **kw)

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
        from crm_lab.slides import export_html

        export_html(probe, name="probe")  # the offline template of the HTML copies (crm_lab/templates)
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


# --------------------------------------------------------------------------
# Isolation: locked folders, atomic writes, absolute paths
# --------------------------------------------------------------------------
try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None


@contextlib.contextmanager
def _claim(lock: Path, what: str):
    """Hold an exclusive lock on *lock* (a file) or raise :class:`FolderInUseError`.

    The lock is an ``flock`` held by this process: the operating system
    releases it when the process ends, however it ends, so a killed run
    never leaves a folder locked.  The file is removed while still held.
    """
    lock.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock, "a+", encoding="utf-8")  # noqa: SIM115 - closed below
    try:
        if fcntl is not None:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                owner = handle.read().strip() or "unknown"
                raise FolderInUseError(
                    f"{what} is in use by another crm-lab run ({owner}); wait for it to finish "
                    "or choose another output folder"
                ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()} on {os.uname().nodename if hasattr(os, 'uname') else 'this host'}")
        handle.flush()
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                lock.unlink()
    finally:
        handle.close()


def _atomic_write(path: Path, data: str | bytes) -> None:
    """Write *data* to a temporary file beside *path*, then rename it over *path*."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _absolute_paths(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """*parameters* with relative :data:`PATH_PARAMETERS` made absolute against the caller's cwd."""
    out = dict(parameters)
    for name in PATH_PARAMETERS:
        value = out.get(name)
        if isinstance(value, (str, Path)) and str(value) != "":
            out[name] = os.path.abspath(os.path.expanduser(str(value)))
    return out


# --------------------------------------------------------------------------
# Running one notebook
# --------------------------------------------------------------------------
def _check_output_dir(output_dir: str | Path) -> None:
    """Raise before anything runs when *output_dir* is a file or cannot be created."""
    from crm_lab._checks import CrmLabError
    from crm_lab.cli import output_folder_problem  # cli stays light: it does not import runner

    if not isinstance(output_dir, (str, os.PathLike)):
        raise CrmLabError(f"'output_dir' must be a folder path, a str or pathlib.Path (got {output_dir!r})")
    problem = output_folder_problem(output_dir)
    if problem:
        raise CrmLabError(f"output_dir {problem}")


def _kernel_manager(console_log: Path) -> type[_CurrentPythonKernelManager]:
    return type("_LoggedKernelManager", (_CurrentPythonKernelManager,), {"console_log": str(console_log)})


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
    params = _absolute_paths(parameters)
    if OUTPUT_PARAMETER in known and OUTPUT_PARAMETER not in params:
        params[OUTPUT_PARAMETER] = str(output_dir / path.stem)
    results_dir = Path(params[OUTPUT_PARAMETER]) if params.get(OUTPUT_PARAMETER) else None
    output = output_dir / f"{path.stem}.ipynb"
    partial = output_dir / f"{path.stem}{PARTIAL_SUFFIX}"
    console_log = output_dir / f"{path.stem}.log"
    workdir = Path(cwd).resolve() if cwd is not None else output_dir
    with contextlib.ExitStack() as claims:
        claims.enter_context(_claim(output_dir / f".{path.stem}.lock", f"output folder {output_dir} ({path.stem})"))
        if results_dir is not None:
            claims.enter_context(_claim(results_dir / ".crm-lab.lock", f"results folder {results_dir}"))
            (results_dir / RESULTS_FILE).unlink(missing_ok=True)  # never return a previous run's results
        console_log.unlink(missing_ok=True)
        start = time.perf_counter()
        try:
            nb = papermill.execute_notebook(
                str(path),
                str(partial),
                parameters=params,
                kernel_name=kernel_name,
                progress_bar=progress,
                # the kernel starts in `workdir` without chdir-ing this process
                resources={"metadata": {"path": str(workdir)}},
                kernel_manager_class=_kernel_manager(console_log),
            )
        except PapermillExecutionError as error:
            os.replace(partial, output)  # complete up to the failing cell
            raise NotebookExecutionError.from_papermill(error, path, output) from error
        os.replace(partial, output)
        html_path = None
        if html:
            html_path = output_dir / f"{path.stem}.html"
            from crm_lab.slides import export_html  # self-contained: MathJax inlined, nothing from a CDN

            body = export_html(nb, name=path.stem)
            _atomic_write(html_path, body)
        results: dict[str, Any] = {}
        if results_dir is not None and (results_dir / RESULTS_FILE).is_file():
            results = json.loads((results_dir / RESULTS_FILE).read_text(encoding="utf-8"))
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
        Folder for the outputs: ``<stem>.ipynb`` (executed), ``<stem>.html``,
        ``<stem>.log`` (the kernel's console output) and the notebook's own
        ``<stem>/`` folder (its ``results.json``).  A relative folder is
        resolved against the current working directory.
    parameters : mapping, optional
        Values for the notebook's ``parameters`` cell.  Names are checked
        against the cell before anything runs.  ``output_dir`` defaults to
        ``<output_dir>/<stem>`` when the notebook declares it; relative
        ``output_dir`` and ``data_dir`` values are resolved against the
        current working directory.
    html : bool, default True
        Also export the executed notebook to HTML (nbconvert).
    progress : bool, default True
        Show papermill's cell progress bar.
    kernel_name : str, optional
        Kernel to use; default the notebook's kernelspec.  ``python3`` always
        means the interpreter running this function.
    cwd : str or pathlib.Path, optional
        Working directory of the kernel; default the run's ``output_dir``.

    Returns
    -------
    RunResult
        Its ``results`` are read from this run's own results folder.

    Raises
    ------
    ValueError
        Unknown notebook or parameter name, or an *output_dir* that is a
        file or cannot be created (nothing is executed).
    FolderInUseError
        Another run is writing the same outputs or results folder.
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
    _check_output_dir(output_dir)
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


# --------------------------------------------------------------------------
# Worker processes and progress
# --------------------------------------------------------------------------
def _stopped(*_) -> None:
    """SIGTERM in a worker: stop quietly (the kernel is shut down on the way out, its noise unseen)."""
    with contextlib.suppress(OSError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
    sys.exit(143)


def _worker_init() -> None:
    """Worker processes leave Ctrl-C to the parent and stop quietly on SIGTERM."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _stopped)


def _pool(workers: int) -> concurrent.futures.ProcessPoolExecutor:
    # spawn: safe whatever threads the caller runs (a Jupyter kernel, a Dask client)
    return concurrent.futures.ProcessPoolExecutor(
        max_workers=workers, mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init
    )


def _stop_pool(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Cancel what has not started and end the workers (their kernels follow them)."""
    processes = list(getattr(pool, "_processes", {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(5)


def _clock(seconds: float) -> str:
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"


class _Progress:
    """One line per finished item with the elapsed time and an ETA; on a terminal also a bar.

    The ETA is the remaining items times the observed time per item (which
    already counts the items running in parallel).
    """

    def __init__(self, total: int, *, done: int = 0, unit: str = "notebooks", enabled: bool = True, stream=None):
        self.total, self.done, self.unit, self.enabled = total, done, unit, enabled
        self.start_done = done
        self.start = time.perf_counter()
        self.stream = stream if stream is not None else sys.stdout
        self.bar = enabled and hasattr(sys.stderr, "isatty") and sys.stderr.isatty()
        self._draw()

    def eta(self) -> float | None:
        finished = self.done - self.start_done
        if finished <= 0 or self.done >= self.total:
            return None
        return (time.perf_counter() - self.start) / finished * (self.total - self.done)

    def _times(self) -> str:
        text = f"elapsed {_clock(time.perf_counter() - self.start)}"
        eta = self.eta()
        return text + (f", ETA {_clock(eta)}" if eta is not None else "")

    def _draw(self) -> None:
        if not self.bar:
            return
        width = 24
        filled = int(width * self.done / max(self.total, 1))
        line = f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} {self.unit} ({self._times()})"
        sys.stderr.write("\r\033[K" + line)
        sys.stderr.flush()

    def finished(self, name: str, outcome: str, seconds: float) -> None:
        self.done += 1
        if not self.enabled:
            return
        if self.bar:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()
        print(f"[{self.done}/{self.total}] {name} {outcome} {seconds:.1f} s ({self._times()})",
              file=self.stream, flush=True)
        self._draw()

    def close(self) -> None:
        if self.bar:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def expected_seconds(path: str | Path) -> float:
    """How long *path* took when it was last executed: the sum of papermill's cell durations in the file.

    0 for a notebook without papermill metadata (never executed by papermill)
    or one that cannot be read.

    >>> expected_seconds(list_notebooks()[0]) > 0
    True
    """
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return 0.0
    return float(sum(c.get("metadata", {}).get("papermill", {}).get("duration") or 0 for c in nb.cells))


def _longest_first(paths: Sequence[Path]) -> list[int]:
    """Indices of *paths*, the slowest notebook (by :func:`expected_seconds`) first; ties in the given order."""
    seconds = [expected_seconds(p) for p in paths]
    return sorted(range(len(paths)), key=lambda i: -seconds[i])


def run_all(
    names: Iterable[str | Path] | None = None,
    *,
    output_dir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    html: bool = True,
    progress: bool = True,
    kernel_name: str | None = None,
    workers: int | None = None,
) -> list[RunResult]:
    """Execute several notebooks, in parallel worker processes, with a progress line each.

    Parameters
    ----------
    names : iterable of str or pathlib.Path, optional
        The notebooks (see :func:`resolve_notebook`); default all of
        :func:`list_notebooks`.
    output_dir : str or pathlib.Path
        Common output folder (see :func:`run_notebook`).
    parameters : mapping, optional
        Parameters given to every notebook; every notebook must declare them.
        All names are checked before the first notebook runs.  An
        ``output_dir`` parameter is refused for more than one notebook (they
        would overwrite each other's ``results.json``).
    html, kernel_name
        As in :func:`run_notebook`.
    progress : bool, default True
        Print ``[1/3] 00_start_here done in 12.3 s (elapsed 0:13, ETA 0:20)``
        as each notebook finishes (and a bar on a terminal).
    workers : int, optional
        Notebooks executed at the same time, each in its own worker process;
        default :func:`default_workers`.  1 runs them one after another in
        this process.  In parallel, the notebooks start slowest first (by
        :func:`expected_seconds` of the committed file), so that the run does
        not end waiting for a long notebook started last.

    Returns
    -------
    list of RunResult
        In the order of *names*.

    Raises
    ------
    ValueError
        Unknown notebook or parameter, or an *output_dir* that is a file or
        cannot be created (before anything runs).
    NotebookExecutionError
        After every notebook ran: the first (in order) that failed; every
        failure was printed as it happened.
    Interrupted
        Ctrl-C: the workers are stopped.
    HTMLExportError
        ``html=True`` but nbconvert cannot export HTML here (checked before
        running).
    """
    paths = list_notebooks() if names is None else [resolve_notebook(n) for n in names]
    if not paths:
        raise ValueError("no notebooks to run")
    workers = default_workers() if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"'workers' must be a positive integer (got {workers!r})")
    params = _absolute_paths(parameters or {})
    if OUTPUT_PARAMETER in params and len(paths) > 1:
        raise ValueError(
            f"the parameter {OUTPUT_PARAMETER!r} would send the results of {len(paths)} notebooks to one "
            "folder; leave it out (each notebook writes <output-dir>/<notebook>/results.json)"
        )
    knowns = [_check_parameters(path, params) for path in paths]
    _check_output_dir(output_dir)
    if html:
        _require_html_export()
    root = Path(output_dir).resolve()
    bar = _Progress(len(paths), unit="notebooks", enabled=progress)
    results: dict[int, RunResult] = {}
    errors: dict[int, BaseException] = {}

    def record(i: int, outcome: RunResult | BaseException, seconds: float) -> None:
        if isinstance(outcome, BaseException):
            errors[i] = outcome
            headline = getattr(outcome, "headline", None)
            reason = headline() if callable(headline) else f"{type(outcome).__name__}: {outcome}"
            bar.finished(paths[i].stem, f"failed ({_first_line(reason)}) after", seconds)
        else:
            results[i] = outcome
            bar.finished(paths[i].stem, "done in", outcome.seconds)

    try:
        if workers == 1 or len(paths) == 1:
            for i in range(len(paths)):
                start = time.perf_counter()
                try:
                    outcome = _execute(paths[i], root, params, knowns[i], html=html, progress=False,
                                       kernel_name=kernel_name, cwd=None)
                except Exception as error:
                    outcome = error
                record(i, outcome, time.perf_counter() - start)
        else:
            pool = _pool(min(workers, len(paths)))
            try:
                starts = {}
                futures = {}
                for i in _longest_first(paths):  # the longest first: the last to finish is then a short one
                    futures[pool.submit(_execute, paths[i], root, params, knowns[i], html=html, progress=False,
                                        kernel_name=kernel_name, cwd=None)] = i
                    starts[i] = time.perf_counter()
                for future in concurrent.futures.as_completed(futures):
                    i = futures[future]
                    error = future.exception()
                    record(i, error if error is not None else future.result(), time.perf_counter() - starts[i])
            except BaseException:
                _stop_pool(pool)
                raise
            pool.shutdown(wait=True)
    except KeyboardInterrupt:
        bar.close()
        raise Interrupted(
            f"interrupted: {len(results)} of {len(paths)} notebooks finished (outputs in {root})"
        ) from None
    bar.close()
    if errors:
        raise errors[min(errors)]
    return [results[i] for i in range(len(paths))]


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


def _row(combo: Mapping[str, Any], results: Mapping[str, Any], seconds: float) -> dict[str, Any]:
    row = dict(combo)
    for key, value in _flatten(results).items():
        if key in row and _same(row[key], value):
            continue  # the notebook echoes a parameter: keep one column
        row[f"results.{key}" if key in row or key == "seconds" else key] = value
    row["seconds"] = seconds
    return row


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def notebook_hash(path: str | Path) -> str:
    """Hash of what a notebook computes: its kernel and its code cells' sources.

    Outputs, execution counts, metadata, markdown and papermill's
    ``injected-parameters`` cell do not count, so re-saving or re-executing
    a notebook keeps its hash; editing code changes it (and a sweep then
    reruns its points).
    """
    nb = nbformat.read(Path(path), as_version=4)
    kernel = nb.metadata.get("kernelspec", {}).get("name", "")
    code = [cell.source for cell in nb.cells
            if cell.cell_type == "code" and "injected-parameters" not in cell.metadata.get("tags", [])]
    return hashlib.sha256(json.dumps([kernel, code]).encode()).hexdigest()[:16]


def _point_key(notebook: str, parameters: Mapping[str, Any]) -> str:
    text = json.dumps({"notebook": notebook, "parameters": _jsonable(dict(parameters))}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _error_text(error: BaseException) -> str:
    return f"{getattr(error, 'ename', type(error).__name__)}: {getattr(error, 'evalue', error)}"


def _first_line(text: str) -> str:
    """The first line of *text*, then ``…`` when more lines follow (for a one-line progress message)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return (lines[0] if lines else "") + (" …" if len(lines) > 1 else "")


def _load_manifest(root: Path, stem: str) -> dict[str, Any]:
    file = root / MANIFEST_FILE
    if not file.is_file():
        return {"notebook": stem, "points": {}}
    manifest = json.loads(file.read_text(encoding="utf-8"))
    if manifest.get("notebook") != stem:
        raise FolderInUseError(
            f"{root} holds a sweep of notebook {manifest.get('notebook')!r}, not {stem!r}; "
            "choose another output folder"
        )
    return manifest


def _pack(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _unpack(files: Mapping[str, bytes], folder: Path) -> None:
    """Write *files* into a fresh temporary folder, then rename it to *folder*."""
    tmp = folder.with_name(f".{folder.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        for rel, data in files.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        tmp.mkdir(parents=True, exist_ok=True)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(tmp, folder)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _shipped_point(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one sweep point on a Dask worker, which may not see the caller's disk.

    The notebook travels as text; it runs in a temporary folder of the
    worker, whose files come back to the caller with the result (or the
    error) and are written there.
    """
    with tempfile.TemporaryDirectory(prefix="crm-lab-point-") as tmp:
        source = Path(tmp) / "in" / spec["name"]
        source.parent.mkdir()
        source.write_text(spec["notebook"], encoding="utf-8")
        out = Path(tmp) / "out"
        try:
            result = _execute(source, out, spec["parameters"], spec["known"], html=spec["html"], progress=False,
                              kernel_name=spec["kernel_name"], cwd=None)
        except NotebookExecutionError as error:
            return {"error": error, "files": _pack(out), "seconds": None}
        return {"error": None, "files": _pack(out), "results": result.results, "seconds": result.seconds}


def _dask_client(scheduler: Any):
    try:
        from distributed import Client
    except ImportError as error:  # pragma: no cover - distributed is a dependency
        raise RuntimeError("a sweep on a Dask cluster needs dask.distributed (pip install distributed)") from error
    if isinstance(scheduler, Client):
        return contextlib.nullcontext(scheduler)
    return Client(scheduler, timeout="20s")


def sweep(
    name: str | Path,
    grid: Mapping[str, Sequence[Any]],
    *,
    output_dir: str | Path,
    parameters: Mapping[str, Any] | None = None,
    workers: int | None = None,
    html: bool = False,
    progress: bool = True,
    scheduler: Any = None,
) -> pd.DataFrame:
    """Run a notebook on every combination of a parameter grid, in parallel; resumable.

    Parameters
    ----------
    name : str or pathlib.Path
        The notebook (see :func:`resolve_notebook`).
    grid : mapping of str to sequence
        Parameter name to the values to try; the points are the Cartesian
        product, in the grid's order.
    output_dir : str or pathlib.Path
        The sweep's folder: each point gets a subfolder named from its values
        (e.g. ``seed=1_alpha=0.05``) holding ``<stem>.ipynb``, ``<stem>.log``
        and ``<stem>/results.json``; ``manifest.json`` records every point;
        ``sweep.csv`` is rewritten (atomically) as each point finishes.
    parameters : mapping, optional
        Fixed parameters for every point.  ``output_dir`` is set by the sweep
        for each point and may not be given.
    workers : int, optional
        Points executed at the same time, each in its own worker process;
        default :func:`default_workers`.  1 runs them one after another in
        this process.  Ignored with *scheduler*.
    html : bool, default False
        Export each point to HTML.
    progress : bool, default True
        Print one line per finished point, with the elapsed time and an ETA.
    scheduler : str or distributed.Client, optional
        A dask.distributed scheduler address (``tcp://host:8786``) or client:
        the points run on that cluster, whose workers need crm-lab installed
        (and ``data_dir``, if given, at the same path).  Default: the
        ``DASK_SCHEDULER_ADDRESS`` environment variable when set, else local
        worker processes.

    Returns
    -------
    pandas.DataFrame
        One row per point: the grid's parameters, then the flattened keys of
        the point's ``results.json`` (nested keys joined with ``.``), then
        ``seconds``.

    Raises
    ------
    ValueError
        Empty grid, empty value list, unknown parameter, an ``output_dir``
        parameter, ``workers < 1``, or an *output_dir* that is a file or
        cannot be created.
    FolderInUseError
        Another sweep is running in *output_dir*, or it holds a sweep of
        another notebook.
    SweepError
        After all points finished, if any failed; names every failed point.
        The finished points are kept: rerunning runs only the failed ones.
    Interrupted
        Ctrl-C: the message says how many points finished; rerunning the
        same call resumes.
    HTMLExportError
        ``html=True`` but nbconvert cannot export HTML here.

    Notes
    -----
    A point is identified by its parameters (fixed and grid) and
    :func:`notebook_hash`.  Rerunning a sweep into the same folder skips the
    points recorded as done with the same identity, and reruns failed,
    interrupted (``running``) and changed ones; a grid can so be extended
    without redoing anything.
    """
    path = resolve_notebook(name)
    if not grid:
        raise ValueError("'grid' must name at least one parameter (got an empty grid)")
    empty = [key for key, values in grid.items() if len(values) == 0]
    if empty:
        raise ValueError(f"'grid' has no values for {', '.join(map(repr, empty))}")
    workers = default_workers() if workers is None else workers
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"'workers' must be a positive integer (got {workers!r})")
    fixed = dict(parameters or {})
    overlap = sorted(set(fixed) & set(grid))
    if overlap:
        raise ValueError(f"parameters {overlap} are both fixed and in the grid")
    if OUTPUT_PARAMETER in fixed or OUTPUT_PARAMETER in grid:
        raise ValueError(
            f"the parameter {OUTPUT_PARAMETER!r} is set by the sweep for each point "
            f"(<output-dir>/<point>/{path.stem}/); choose the sweep's folder with output_dir (--output-dir)"
        )
    known = _check_parameters(path, {**fixed, **grid})
    _check_output_dir(output_dir)
    if html:
        _require_html_export()
    if scheduler is None:
        scheduler = os.environ.get("DASK_SCHEDULER_ADDRESS") or None
    keys = list(grid)
    combos = [dict(zip(keys, values)) for values in itertools.product(*grid.values())]
    folders: list[str] = []
    for combo in combos:
        folder = _folder_name(combo)
        if folder in folders:
            folder = f"{folder}_{len(folders) + 1}"
        folders.append(folder)
    code_hash = notebook_hash(path)
    run_params = [_absolute_paths({**fixed, **combo}) for combo in combos]
    point_keys = [_point_key(code_hash, p) for p in run_params]
    root = Path(output_dir).resolve()
    root.mkdir(parents=True, exist_ok=True)

    with _claim(root / ".sweep.lock", f"sweep folder {root}"):
        manifest = _load_manifest(root, path.stem)
        manifest.update(notebook=path.stem, source=str(path), notebook_hash=code_hash, grid=_jsonable(dict(grid)),
                        parameters=_jsonable(fixed))
        points = manifest["points"]

        def is_done(i: int) -> bool:
            entry = points.get(folders[i], {})
            return entry.get("status") == "done" and entry.get("key") == point_keys[i]

        def save() -> None:
            _atomic_write(root / MANIFEST_FILE, json.dumps(manifest, indent=1, default=str) + "\n")
            rows = [_row(combos[i], points[folders[i]]["results"], points[folders[i]]["seconds"])
                    for i in range(len(combos)) if is_done(i)]
            if rows:
                _atomic_write(root / TABLE_FILE, pd.DataFrame(rows).to_csv(index=False))

        todo = [i for i in range(len(combos)) if not is_done(i)]
        if progress and len(todo) < len(combos):
            before = [points.get(folders[i], {}).get("status") for i in todo]
            notes = [f"{before.count(s)} {s}" for s in ("failed", "running") if before.count(s)]
            print(f"resuming {root}: {len(combos) - len(todo)} of {len(combos)} points already done; "
                  f"running {len(todo)}" + (f" ({', '.join(notes)} before)" if notes else ""), flush=True)
        for i in todo:
            points[folders[i]] = {"parameters": _jsonable(combos[i]), "key": point_keys[i], "status": "pending"}
        save()

        bar = _Progress(len(combos), done=len(combos) - len(todo), unit="points", enabled=progress)
        failures: dict[int, BaseException] = {}

        def started(i: int) -> None:
            shutil.rmtree(root / folders[i], ignore_errors=True)  # a failed or partial earlier attempt
            points[folders[i]]["status"] = "running"

        def finished(i: int, outcome: Any, seconds: float, results: Mapping[str, Any] | None = None) -> None:
            entry = points[folders[i]]
            if isinstance(outcome, BaseException):
                failures[i] = outcome
                entry.update(status="failed", error=_error_text(outcome), seconds=seconds)
                bar.finished(folders[i], f"failed ({_first_line(_error_text(outcome))}) after", seconds)
            else:
                entry.update(status="done", results=_jsonable(results or {}), seconds=seconds)
                entry.pop("error", None)
                bar.finished(folders[i], "done in", seconds)
            save()

        try:
            if scheduler is not None:
                _sweep_dask(scheduler, path, todo, folders, run_params, known, root, html, started, finished, save)
            elif workers == 1 or len(todo) <= 1:
                for i in todo:
                    started(i)
                    save()
                    start = time.perf_counter()
                    try:
                        result = _execute(path, root / folders[i], run_params[i], known, html=html, progress=False,
                                          kernel_name=None, cwd=None)
                    except Exception as error:
                        finished(i, error, time.perf_counter() - start)
                    else:
                        finished(i, result, result.seconds, result.results)
            else:
                _sweep_local(workers, path, todo, folders, run_params, known, root, html, started, finished, save)
        except KeyboardInterrupt:
            bar.close()
            save()
            done = sum(is_done(i) for i in range(len(combos)))
            raise Interrupted(
                f"interrupted: {done} of {len(combos)} points finished and kept in {root}; "
                "rerun the same command to resume"
            ) from None
        bar.close()

    rows = [_row(combos[i], points[folders[i]]["results"], points[folders[i]]["seconds"])
            for i in range(len(combos)) if is_done(i)]
    table = pd.DataFrame(rows)
    if failures:
        ordered = sorted(failures)
        described = "; ".join(f"{folders[i]} ({_error_text(failures[i])})" for i in ordered)
        error = SweepError(
            f"{len(failures)} of {len(combos)} runs of {path.stem} failed: {described}; "
            "rerun the same command to retry them",
            [(combos[i], failures[i]) for i in ordered],
            table,
        )
        raise error from failures[ordered[0]]
    return table


def _sweep_local(workers, path, todo, folders, run_params, known, root, html, started, finished, save) -> None:
    """Run the points in worker processes, at most *workers* at a time (so 'running' means running)."""
    pool = _pool(min(workers, len(todo)))
    queue = list(todo)
    running: dict[concurrent.futures.Future, tuple[int, float]] = {}
    try:
        while queue or running:
            while queue and len(running) < workers:
                i = queue.pop(0)
                started(i)
                running[pool.submit(_execute, path, root / folders[i], run_params[i], known, html=html, progress=False,
                                    kernel_name=None, cwd=None)] = (i, time.perf_counter())
            save()
            done, _ = concurrent.futures.wait(running, return_when=concurrent.futures.FIRST_COMPLETED)
            for future in done:
                i, start = running.pop(future)
                error = future.exception()
                if error is not None:
                    finished(i, error, time.perf_counter() - start)
                else:
                    result = future.result()
                    finished(i, result, result.seconds, result.results)
    except BaseException:
        _stop_pool(pool)
        raise
    pool.shutdown(wait=True)


def _sweep_dask(scheduler, path, todo, folders, run_params, known, root, html, started, finished, save) -> None:
    """Send the points to a dask.distributed cluster; write what comes back into *root*."""
    from distributed import as_completed

    text = path.read_text(encoding="utf-8")
    with _dask_client(scheduler) as client:
        futures = {}
        for i in todo:
            started(i)
            spec = {"name": path.name, "notebook": text, "parameters": run_params[i], "known": dict(known),
                    "html": html, "kernel_name": None}
            key = f"crm-lab-{path.stem}-{folders[i]}-{uuid.uuid4().hex[:8]}"
            futures[client.submit(_shipped_point, spec, key=key, pure=False)] = (i, time.perf_counter())
        save()
        try:
            for future in as_completed(list(futures)):
                i, start = futures[future]
                if future.status == "error":
                    finished(i, future.exception(), time.perf_counter() - start)
                    continue
                outcome = future.result()
                folder = root / folders[i]
                _unpack(outcome["files"], folder)
                error = outcome["error"]
                if error is not None:
                    error = NotebookExecutionError(*error.args[:6], path, folder / f"{path.stem}.ipynb")
                    finished(i, error, time.perf_counter() - start)
                else:
                    finished(i, None, outcome["seconds"], outcome["results"])
        except BaseException:
            client.cancel(list(futures))
            raise
