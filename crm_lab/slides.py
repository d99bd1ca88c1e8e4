"""Offline slides and self-contained HTML copies of the notebooks.

``crm-lab slides`` turns an executed notebook into one reveal.js HTML file
that opens from a USB stick on a classroom PC with no network: reveal.js,
its speaker-notes plugin, the styles, MathJax and every figure are inlined;
nothing is loaded from a CDN.  The HTML copies that ``crm-lab run`` writes
beside each executed notebook use the same offline assets
(:func:`export_html`).

The deck of a notebook
----------------------
:func:`build_deck` (or :func:`deck_html` on a notebook object) does, on a copy:

1. **Structure.**  The notebook's own slide metadata (``slideshow.slide_type``:
   ``slide``, ``subslide``, ``fragment``, ``skip``, ``notes``, ``-``) is kept.
   :func:`apply_default_structure` fills in the cells that have none: the
   parameters cell, the imports, the parameter check, the exercise workbook,
   the "Parameters" and "Key results" sections (the results-JSON cell) are
   skipped always; when the notebook has fewer than :data:`MIN_SLIDES`
   slides, ``#``/``##`` headings also start a slide, ``###`` headings a
   subslide, and each exercise check appears as a fragment.
2. **No solutions.**  Cells tagged ``solution`` are dropped; a ``### BEGIN
   SOLUTION`` … ``### END SOLUTION`` block is replaced by the student
   version's placeholder (:mod:`crm_lab.teaching`), and the outputs of that
   cell and of every exercise check (``ex.check(...)``: the instructor's
   feedback) are dropped.  The deck shows what a student sees.
3. **One screen per slide.**  A slide (or subslide) whose estimated height at
   :data:`WIDTH` × :data:`HEIGHT` is too large is split into subslides at cell
   boundaries (:func:`split_tall_slides`); long code is shown by its output
   only; images, tables and text outputs are capped in height by the deck's
   style sheet (a long table scrolls inside its slide).
4. **Offline HTML**: nbconvert's reveal template with the assets inlined
   from ``crm_lab/vendor`` (reveal.js 5.2.1, MIT; MathJax 3.2.2 tex-svg-full,
   Apache-2.0: see ``crm_lab/vendor/README.md``).  MathJax's SVG output needs
   no font files.  :func:`external_references` lists any http(s) reference
   to a script, style, font, image or frame; a deck with one is an error.

Speaker notes: cells whose slide type is ``notes`` go to reveal.js's speaker
view (press ``S``).  Widgets (:mod:`crm_lab.widgets`) show their static
figure.
"""

from __future__ import annotations

import ast
import base64
import copy
import html
import re
import struct
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from html.parser import HTMLParser
from importlib import resources as importlib_resources
from pathlib import Path
from typing import Any

import nbformat

from crm_lab import teaching

__all__ = [
    "HEIGHT",
    "MIN_SLIDES",
    "WIDTH",
    "apply_default_structure",
    "build_deck",
    "build_decks",
    "count_slides",
    "deck_html",
    "deck_sections",
    "export_html",
    "external_references",
    "prepare",
    "slide_heights",
    "split_tall_slides",
]

#: The deck's canvas (reveal.js scales it to the screen).
WIDTH, HEIGHT = 1280, 720
#: Every notebook's deck has at least this many slides.
MIN_SLIDES = 8
#: Estimated content height (px) a slide may hold before it is split.
BUDGET = 600
#: Code cells longer than this are shown by their output only.
MAX_CODE_LINES = 8

SLIDE_TYPES = ("slide", "subslide", "fragment", "skip", "notes", "-")
_WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
_CHECK = re.compile(r"^\s*\w+\.check\(\s*[\"']\d+\.\d+[\"']", re.MULTILINE)
_SKIP_SECTIONS = re.compile(r"^(parameters|key results|results)\b", re.IGNORECASE)
_HEADING = re.compile(r"^(#{1,6})\s+(.*)")


# --------------------------------------------------------------------------
# Offline assets
# --------------------------------------------------------------------------
def _vendor(*parts: str) -> str:
    return importlib_resources.files("crm_lab").joinpath("vendor", *parts).read_text(encoding="utf-8")


def _template_dir() -> str:
    return str(importlib_resources.files("crm_lab").joinpath("templates"))


def _script_safe(code: str) -> str:
    """JavaScript safe to inline in a <script> element (no premature ``</script>``)."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE)


#: MathJax 3 configuration: TeX as Jupyter writes it ($…$, $$…$$), SVG output
#: (no web fonts), nothing fetched: every TeX extension is in tex-svg-full.
_MATHJAX_CONFIG = """window.MathJax = {
  tex: {inlineMath: [["$", "$"], ["\\\\(", "\\\\)"]], displayMath: [["$$", "$$"], ["\\\\[", "\\\\]"]],
        processEscapes: true, processEnvironments: true, tags: "ams"},
  svg: {fontCache: "global"},
  options: {enableMenu: false, ignoreHtmlClass: "tex2jax_ignore", processHtmlClass: "tex2jax_process"}
};"""


@lru_cache(maxsize=1)
def _mathjax() -> str:
    """The <script> elements of the inlined MathJax (config, then tex-svg-full.js).

    The URLs of optional components that MathJax would fetch from a CDN (the
    speech-rule engine of its accessibility menu, disabled here) are pointed
    at a local path that does not exist, so no CDN URL remains in the page.
    """
    code = _vendor("mathjax", "tex-svg-full.js")
    code = re.sub(r"https://cdn\.jsdelivr\.net/npm/", "./mathjax-offline/", code)
    return (
        f"<script>\n{_MATHJAX_CONFIG}\n</script>\n"
        "<!-- MathJax 3.2.2 (Apache-2.0, https-free copy from crm_lab/vendor) -->\n"
        f'<script type="text/javascript">\n{_script_safe(code)}\n</script>'
    )


@lru_cache(maxsize=1)
def _reveal_assets() -> dict[str, str]:
    theme = _vendor("revealjs", "white.css")
    # the theme's web font (Source Sans Pro) is not shipped: system fonts instead
    theme = re.sub(r"@import url\([^)]*\);", "", theme)
    return {
        "reveal_js": _script_safe(_vendor("revealjs", "reveal.js")),
        "notes_js": _script_safe(_vendor("revealjs", "notes.js")),
        "reveal_css": _vendor("revealjs", "reveal.css"),
        "theme_css": theme,
    }


_DECK_CSS = f"""
:root {{
  --jp-content-font-size1: 20px;
  --jp-ui-font-size1: 18px;
  --jp-code-font-size: 15px;
  --jp-cell-prompt-width: 0px;
}}
.reveal {{ font-family: "Source Sans Pro", "Helvetica Neue", Helvetica, Arial, "Noto Sans CJK SC",
          "Microsoft YaHei", sans-serif; }}
.reveal .slides {{ text-align: left; }}
.reveal .slides section {{ height: {HEIGHT - 40}px; overflow-x: hidden; overflow-y: auto; }}
.reveal h1 {{ font-size: 1.7em; }}
.reveal h2 {{ font-size: 1.4em; }}
.reveal h3 {{ font-size: 1.15em; }}
.reveal h1, .reveal h2, .reveal h3 {{ text-transform: none; margin-bottom: 0.4em; }}
.reveal p, .reveal li {{ font-size: 20px; line-height: 1.35; }}
.reveal .jp-InputPrompt, .reveal .jp-OutputPrompt {{ display: none; }}
.reveal .jp-OutputArea-output, .reveal .jp-OutputArea-child > div {{ max-height: {BUDGET - 40}px !important;
  overflow: auto !important; }}
.reveal .jp-OutputArea-output img {{ max-height: {BUDGET - 80}px; max-width: 100%; width: auto; margin: 0; }}
.reveal .jp-RenderedHTMLCommon table {{ font-size: 13px; }}
.reveal .jp-RenderedText pre, .reveal .highlight pre {{ font-size: 14px; line-height: 1.3; }}
.reveal .jp-RenderedHTMLCommon {{ padding-right: 0; }}
.reveal .jp-Cell {{ padding: 2px 0; }}
.reveal .slide-number {{ font-size: 14px; }}
.reveal a.anchor-link {{ display: none; }}
"""


def external_references(text: str) -> list[str]:
    """The http(s) URLs that a page would load: scripts, styles, fonts, images, frames.

    Parameters
    ----------
    text : str
        An HTML page.

    Returns
    -------
    list of str
        Each offending reference as written (``src=``/``href=`` of
        ``<script>``, ``<link>``, ``<img>``, ``<iframe>``, ``<source>``,
        ``<embed>``, ``<object data=>``; CSS ``url(...)`` and ``@import``;
        ES ``import ... from "https://..."``).  Links a reader may click
        (``<a href>``) are not loads and are not listed.

    Examples
    --------
    >>> external_references('<script src="https://cdn.example/x.js"></script><a href="https://doi.org/1">')
    ['<script src="https://cdn.example/x.js">']
    >>> external_references("<style>@font-face {src: url('http://f.example/a.woff')}</style>")
    ["url('http://f.example/a.woff')"]
    """
    found: list[str] = []
    tag = re.compile(r"<(script|link|img|iframe|source|embed|object|audio|video|track|input)\b[^>]*>", re.IGNORECASE)
    attr = re.compile(r"""\b(?:src|href|data|srcset|poster)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
    for match in tag.finditer(text):
        if attr.search(match.group(0)):
            found.append(match.group(0))
    found += re.findall(r"""url\(\s*["']?\s*(?:https?:)?//[^)]*\)""", text, flags=re.IGNORECASE)
    found += re.findall(r"""@import\s+(?:url\()?\s*["']?\s*(?:https?:)?//[^;]*;""", text, flags=re.IGNORECASE)
    found += re.findall(r"""\bimport\s[^;\n]*?from\s*["'](?:https?:)?//[^"']*["']""", text)
    return found


def _offline_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy without the interactive widget views (their static figure stays) or widget state."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        kept = []
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data is not None and _WIDGET_VIEW in data:
                data.pop(_WIDGET_VIEW)
                if not any(key != "text/plain" for key in data):
                    continue  # a widget with no static rendering: nothing to show offline
            kept.append(output)
        cell.outputs = kept
    return nb


def _has_math(nb: nbformat.NotebookNode) -> bool:
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.search(r"\$|\\\(|\\\[|\\begin\{", cell.source):
            return True
        for output in cell.get("outputs", []) if cell.cell_type == "code" else []:
            data = output.get("data", {})
            if "text/latex" in data or re.search(r"\$[^$\n]+\$", str(data.get("text/markdown", ""))):
                return True
    return False


def _common_resources(nb: nbformat.NotebookNode, name: str) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "crm_lab": {"mathjax": _mathjax() if _has_math(nb) else ""},
    }


def export_html(nb: nbformat.NotebookNode, *, name: str = "notebook") -> str:
    """A self-contained HTML page of a notebook (the copy ``crm-lab run`` writes).

    JupyterLab's look (nbconvert's ``lab`` template) without require.js,
    mermaid or the widget manager from a CDN; MathJax 3 is inlined when the
    notebook has math, figures are embedded, and widgets show their static
    figure.  Raises RuntimeError if a reference to the network remains.
    """
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="crm_lab_html",
        extra_template_basedirs=[_template_dir()],
        embed_images=True,
    )
    body, _ = exporter.from_notebook_node(_offline_copy(nb), resources=_common_resources(nb, name))
    _require_offline(body, name)
    return body


def _require_offline(body: str, name: str) -> None:
    remote = external_references(body)
    if remote:
        raise RuntimeError(f"{name}: the HTML would load {len(remote)} item(s) from the network, e.g. {remote[0][:120]}")


# --------------------------------------------------------------------------
# Slide structure
# --------------------------------------------------------------------------
def _slide_type(cell) -> str | None:
    """The cell's own slide type, or None when it has none."""
    value = cell.get("metadata", {}).get("slideshow", {}).get("slide_type")
    return value if value in SLIDE_TYPES else None


def _set(cell, slide_type: str) -> None:
    metadata = cell.setdefault("metadata", nbformat.NotebookNode())
    if not isinstance(metadata.get("slideshow"), dict):
        metadata["slideshow"] = nbformat.NotebookNode()
    elif not isinstance(metadata["slideshow"], nbformat.NotebookNode):
        metadata["slideshow"] = nbformat.NotebookNode(metadata["slideshow"])
    metadata["slideshow"]["slide_type"] = slide_type


def _heading(cell) -> tuple[int, str] | None:
    if cell.cell_type != "markdown":
        return None
    first = cell.source.lstrip().split("\n", 1)[0]
    match = _HEADING.match(first)
    return (len(match.group(1)), match.group(2).strip()) if match else None


def _statements(source: str) -> list[ast.stmt] | None:
    try:
        return ast.parse(source).body
    except SyntaxError:
        return None


def _is_setup(source: str) -> bool:
    """Imports, plus at most theme / random-generator / warnings set-up lines."""
    body = _statements(source)
    if not body or not any(isinstance(node, (ast.Import, ast.ImportFrom)) for node in body):
        return False
    for node in body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        text = ast.get_source_segment(source, node) or ""
        if not re.search(r"set_theme|default_rng|warnings\.|filterwarnings|rcParams|set_option|%matplotlib", text):
            return False
    return True


def _skip_reason(cell) -> str | None:
    """Why a cell never belongs on a slide (None: it may)."""
    tags = set(cell.get("metadata", {}).get("tags", []))
    if tags & {"parameters", "injected-parameters", "remove-cell", "skip"}:
        return "parameters"
    if cell.cell_type != "code":
        return None
    source = cell.source
    if "check_notebook(" in source:
        return "parameter check"
    if _is_setup(source):
        return "imports"
    if re.search(r"\bsave_results\(|\bresults\.save\(|json\.dump\(", source):
        return "results JSON"
    if re.search(r"exercises\.workbook\(", source):
        return "exercise workbook"
    return None


def count_slides(nb: nbformat.NotebookNode) -> int:
    """Number of horizontal slides the notebook's metadata gives (as nbconvert groups them).

    The first visible cell always opens a slide; then each cell of type
    ``slide``.  Skipped cells and notes are not visible.
    """
    visible = [c for c in nb.cells if _slide_type(c) not in ("skip", "notes")]
    if not visible:
        return 0
    return 1 + sum(1 for c in visible[1:] if _slide_type(c) == "slide")


def apply_default_structure(
    nb: nbformat.NotebookNode, *, headings: bool = True, inplace: bool = False
) -> nbformat.NotebookNode:
    """Give every cell without slide metadata a sensible slide type.

    A cell that already has ``metadata.slideshow.slide_type`` keeps it.  The
    others get:

    * ``skip``: the parameters cell (tag ``parameters`` or
      ``injected-parameters``), the import cell, the parameter check
      (``params.check_notebook``), the exercise workbook
      (``exercises.workbook``), the results-JSON cell (``save_results``), and
      every cell of a "Parameters" or "Key results" section;
    * with ``headings=True``: ``slide`` for a markdown cell that starts with
      a ``#`` or ``##`` heading, ``subslide`` for ``###``, ``fragment`` for
      an exercise check (``ex.check("NN.k", ...)``: the check appears after
      the question);
    * ``-`` (continue the current slide) for the rest.

    Parameters
    ----------
    nb : NotebookNode
        A notebook (nbformat 4).
    headings : bool, default True
        Also set slides, subslides and fragments (False: only the skips).
    inplace : bool, default False
        Change *nb* itself instead of a copy.

    Returns
    -------
    NotebookNode
        The notebook with a slide type on every cell.

    Examples
    --------
    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# Title"),
    ...     nbformat.v4.new_code_cell("import numpy as np"), nbformat.v4.new_markdown_cell("### Detail")])
    >>> [c.metadata.slideshow.slide_type for c in apply_default_structure(nb).cells]
    ['slide', 'skip', 'subslide']
    """
    if not inplace:
        nb = copy.deepcopy(nb)
    section_skipped: int | None = None  # heading level of a skipped section we are in
    for cell in nb.cells:
        heading = _heading(cell)
        if heading is not None:
            level, title = heading
            if section_skipped is not None and level <= section_skipped:
                section_skipped = None
            if section_skipped is None and level <= 2 and _SKIP_SECTIONS.match(title):
                section_skipped = level
        if _slide_type(cell) is not None:
            continue
        if section_skipped is not None or _skip_reason(cell):
            _set(cell, "skip")
        elif headings and heading is not None and heading[0] <= 2:
            _set(cell, "slide")
        elif headings and heading is not None and heading[0] == 3:
            _set(cell, "subslide")
        elif headings and cell.cell_type == "code" and _CHECK.search(cell.source):
            _set(cell, "fragment")
        else:
            _set(cell, "-")
    return nb


# --------------------------------------------------------------------------
# Height estimate and splitting
# --------------------------------------------------------------------------
def _png_size(data: str) -> tuple[int, int] | None:
    try:
        head = base64.b64decode(data[:64] if isinstance(data, str) else "".join(data)[:64])
    except ValueError:
        return None
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    width, height = struct.unpack(">II", head[16:24])
    return width, height


def _text_lines(text: str, per_line: int) -> int:
    return sum(max(1, -(-len(line) // per_line)) for line in text.splitlines() or [""])


def _output_height(output) -> float:
    kind = output.get("output_type")
    if kind == "stream":
        return 20 * _text_lines(output.get("text", ""), 130) + 8
    if kind == "error":
        return 200
    data = output.get("data", {})
    cap = BUDGET - 40
    if "image/png" in data:
        size = _png_size(data["image/png"])
        if size is None:
            return cap
        width, height = size
        dpi_scale = 0.5 if width > 1400 else 1.0  # retina figures are shown at half size
        width, height = width * dpi_scale, height * dpi_scale
        scale = min(1.0, (WIDTH - 80) / max(width, 1), (BUDGET - 80) / max(height, 1))
        return height * scale + 10
    if "image/svg+xml" in data or "image/jpeg" in data:
        return BUDGET - 80
    if "text/html" in data:
        text = data["text/html"]
        rows = len(re.findall(r"<tr\b", text))
        if rows:
            return min(cap, 24 * rows + 20)
        return min(cap, 22 * _text_lines(re.sub(r"<[^>]+>", "", text), 120))
    if "text/markdown" in data or "text/latex" in data:
        return min(cap, 28 * _text_lines(str(data.get("text/markdown", data.get("text/latex", ""))), 100))
    if "text/plain" in data:
        return min(cap, 20 * _text_lines(data["text/plain"], 130) + 8)
    return 0


def _cell_height(cell) -> float:
    if _slide_type(cell) in ("skip", "notes"):
        return 0
    if cell.cell_type == "markdown":
        height = 0.0
        for line in cell.source.splitlines():
            heading = _HEADING.match(line)
            if heading:
                height += {1: 60, 2: 50, 3: 42}.get(len(heading.group(1)), 34)
            elif line.strip():
                height += 28 * _text_lines(line, 105)
            else:
                height += 10
        return height + 10
    if cell.cell_type != "code":
        return 24 * _text_lines(cell.source, 120)
    shown = not cell.metadata.get("transient", {}).get("remove_source") and cell.source.strip()
    height = (19 * len(cell.source.splitlines()) + 16) if shown else 0
    return height + sum(_output_height(o) for o in cell.get("outputs", []))


def _groups(nb) -> list[list[int]]:
    """Cell indices of each (sub)slide, in order (as nbconvert's reveal preprocessor groups them)."""
    groups: list[list[int]] = []
    for index, cell in enumerate(nb.cells):
        kind = _slide_type(cell) or "-"
        if kind in ("slide", "subslide") or not groups:
            groups.append([])
        groups[-1].append(index)
    return groups


def slide_heights(nb: nbformat.NotebookNode) -> list[float]:
    """Estimated content height (px, at :data:`WIDTH` × :data:`HEIGHT`) of each slide and subslide."""
    return [sum(_cell_height(nb.cells[i]) for i in group) for group in _groups(nb)]


def split_tall_slides(nb: nbformat.NotebookNode, *, budget: float = BUDGET) -> nbformat.NotebookNode:
    """Start a subslide wherever a (sub)slide would grow taller than *budget* (in place).

    Only cells of type ``-`` (continue) or ``fragment`` (which would appear
    below the screen) are turned into ``subslide``; a cell
    that alone is taller than the budget stays on its own subslide (the
    style sheet caps its outputs' height).
    """
    for group in _groups(nb):
        used = 0.0
        for position, index in enumerate(group):
            cell = nb.cells[index]
            height = _cell_height(cell)
            if position and used + height > budget and (_slide_type(cell) or "-") in ("-", "fragment") and used > 0:
                _set(cell, "subslide")
                used = 0.0
            used += height
    return nb


# --------------------------------------------------------------------------
# The deck
# --------------------------------------------------------------------------
def _remove_solutions(nb: nbformat.NotebookNode, label: str) -> nbformat.NotebookNode:
    """Drop solution cells; BEGIN/END SOLUTION blocks become the student placeholder; no check outputs."""
    cells = []
    for index, cell in enumerate(nb.cells):
        if teaching._is_solution_cell(cell):
            continue
        if isinstance(cell.source, str) and "SOLUTION" in cell.source:
            stripped = teaching._strip_marked(cell.source, cell.cell_type, f"{label}, cell {index}")
            if stripped != cell.source:
                cell.source = stripped
                if cell.cell_type == "code":
                    cell.outputs = []
        if cell.cell_type == "code" and _CHECK.search(cell.source):
            cell.outputs = []  # the instructor's feedback on the model answer
        cells.append(cell)
    nb.cells = cells
    return nb


def prepare(
    nb: nbformat.NotebookNode, *, structure: str = "auto", name: str = "notebook"
) -> nbformat.NotebookNode:
    """The notebook as it goes on slides (a copy): structure, no solutions, no skipped cells, split.

    Parameters
    ----------
    nb : NotebookNode
        An executed (instructor) notebook.
    structure : {"auto", "always", "never"}
        When to add :func:`apply_default_structure`'s slides and subslides
        (the skips are always added): ``"auto"`` when the notebook's own
        metadata gives fewer than :data:`MIN_SLIDES` slides.
    name : str
        For messages.
    """
    if structure not in ("auto", "always", "never"):
        raise ValueError(f"structure must be 'auto', 'always' or 'never' (got {structure!r})")
    nb = _offline_copy(nb)
    headings = structure == "always" or (structure == "auto" and count_slides(nb) < MIN_SLIDES)
    apply_default_structure(nb, headings=headings, inplace=True)
    nb = _remove_solutions(nb, name)
    nb.cells = [c for c in nb.cells if _slide_type(c) != "skip"]
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        # test markers are not for the audience
        cell.source = re.sub(r"^# NBVAL_\w+[^\n]*\n?", "", cell.source, flags=re.MULTILINE)
        if len(cell.source.splitlines()) > MAX_CODE_LINES:  # the output tells; long code is for the notebook
            cell.metadata.setdefault("transient", {})["remove_source"] = True  # where nbconvert 7 reads it
    split_tall_slides(nb)
    return nb


def deck_html(nb: nbformat.NotebookNode, *, name: str = "notebook", structure: str = "auto") -> str:
    """The offline reveal.js deck of an executed notebook, as one HTML string.

    See the module docstring for what goes on the slides.  Raises
    RuntimeError if the page would load anything from the network.
    """
    from nbconvert import SlidesExporter

    slides = prepare(nb, structure=structure, name=name)
    exporter = SlidesExporter(template_name="crm_lab_slides", extra_template_basedirs=[_template_dir()])
    resources = _common_resources(slides, name)
    resources["crm_lab"].update(_reveal_assets(), deck_css=_DECK_CSS, width=WIDTH, height=HEIGHT)
    body, _ = exporter.from_notebook_node(slides, resources=resources)
    _require_offline(body, name)
    return body


def build_deck(
    notebook: str | Path,
    output_dir: str | Path,
    *,
    execute: bool = True,
    parameters: Mapping[str, Any] | None = None,
    structure: str = "auto",
    progress: bool = False,
) -> Path:
    """Write ``<output_dir>/<stem>.slides.html``: the offline deck of one notebook.

    Parameters
    ----------
    notebook : str or pathlib.Path
        ``"02"``, ``"02_kano_model"`` or a path (see
        :func:`crm_lab.runner.resolve_notebook`).
    output_dir : str or pathlib.Path
        Folder for the deck (created if needed).
    execute : bool, default True
        Execute the notebook first with *parameters* (papermill, as
        ``crm-lab run``; the executed copy goes to a temporary folder).
        False: use the outputs the notebook file already holds (the committed
        notebooks are executed with the default parameters).
    parameters : mapping, optional
        Notebook parameters (only with ``execute=True``).
    structure : {"auto", "always", "never"}
        See :func:`prepare`.
    progress : bool, default False
        Show papermill's progress bar while executing.

    Returns
    -------
    pathlib.Path
        The deck.
    """
    from crm_lab import runner

    path = runner.resolve_notebook(notebook)
    if parameters and not execute:
        raise ValueError("parameters need execution: drop --no-execute (execute=False) or the -p values")
    output_dir = Path(output_dir)
    if execute:
        with tempfile.TemporaryDirectory(prefix="crm-lab-slides-") as tmp:
            result = runner.run_notebook(path, output_dir=tmp, parameters=dict(parameters or {}), html=False,
                                         progress=progress)
            nb = nbformat.read(result.output, as_version=4)
    else:
        nb = nbformat.read(path, as_version=4)
    body = deck_html(nb, name=path.stem, structure=structure)
    output_dir.mkdir(parents=True, exist_ok=True)
    out = output_dir / f"{path.stem}.slides.html"
    out.write_text(body, encoding="utf-8")
    return out


def build_decks(
    notebooks: Sequence[str | Path] | None,
    output_dir: str | Path,
    *,
    execute: bool = True,
    parameters: Mapping[str, Any] | None = None,
    structure: str = "auto",
) -> list[Path]:
    """:func:`build_deck` for each notebook (None: every notebook of the suite, in order)."""
    from crm_lab import runner

    names: Iterable[str | Path] = notebooks if notebooks else runner.list_notebooks()
    return [build_deck(name, output_dir, execute=execute, parameters=parameters, structure=structure)
            for name in names]


# --------------------------------------------------------------------------
# Reading a deck back (tests, checks)
# --------------------------------------------------------------------------
class _Sections(HTMLParser):
    """Text of each innermost <section> of a deck (what one slide shows), notes apart."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[dict[str, Any]] = []
        self.done: list[dict[str, Any]] = []
        self.skip = 0  # inside <script>/<style>
        self.notes = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        elif tag == "section":
            self.stack.append({"text": [], "notes": [], "children": 0})
            if len(self.stack) > 1:
                self.stack[-2]["children"] += 1
        elif tag == "aside" and ("class", "notes") in attrs:
            self.notes += 1
        elif tag == "aside" and self.notes:
            self.notes += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag == "section" and self.stack:
            section = self.stack.pop()
            if section["children"] == 0:
                self.done.append(section)
        elif tag == "aside" and self.notes:
            self.notes -= 1

    def handle_data(self, data):
        if self.skip or not self.stack:
            return
        (self.stack[-1]["notes"] if self.notes else self.stack[-1]["text"]).append(data)


def deck_sections(body: str) -> list[dict[str, str]]:
    """Each slide of a deck (innermost ``<section>``): ``{"text": ..., "notes": ...}``, whitespace collapsed."""
    parser = _Sections()
    parser.feed(body)
    squash = lambda parts: re.sub(r"\s+", " ", html.unescape("".join(parts))).strip()  # noqa: E731
    return [{"text": squash(s["text"]), "notes": squash(s["notes"])} for s in parser.done]


def deck_slide_count(body: str) -> int:
    """Number of horizontal slides (top-level ``<section>``) of a deck."""
    start = body.find('<div class="slides">')
    body = re.sub(r"<script\b.*?</script>", "", body[start:], flags=re.DOTALL)
    depth, count = 0, 0
    for match in re.finditer(r"<(/?)section\b", body):
        if match.group(1):
            depth -= 1
        else:
            if depth == 0:
                count += 1
            depth += 1
    return count
