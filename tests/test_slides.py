"""Offline slides (crm-lab slides) and self-contained HTML copies (crm-lab run).

Decks are built from the committed, executed notebooks (``execute=False``):
no notebook is re-executed here.  For every notebook of the suite:

* the deck builds, has at least ``MIN_SLIDES`` slides, and neither it nor the
  HTML copy references a script, style, font, image or frame over http(s);
  no CDN host appears anywhere in it;
* no line of a solution (``teaching.solution_cells``) appears on a slide or
  in its notes;
* parameters / imports / results-JSON cells are not on the slides;
* the estimated height of every slide that holds more than one cell fits
  the 1280 × 720 canvas.
"""

from __future__ import annotations

import re
from functools import cache

import nbformat
import pytest

from crm_lab import cli, runner, slides, teaching

NOTEBOOKS = runner.list_notebooks()
CDN = re.compile(r"unpkg\.com|cdnjs|jsdelivr|googleapis|cdn\.|mathjax\.org/mathjax|require\.js", re.IGNORECASE)


@cache
def _deck(stem: str) -> str:
    nb = nbformat.read(runner.resolve_notebook(stem), as_version=4)
    return slides.deck_html(nb, name=stem)


@cache
def _copy(stem: str) -> str:
    nb = nbformat.read(runner.resolve_notebook(stem), as_version=4)
    return slides.export_html(nb, name=stem)


def _solution_lines(nb) -> set[str]:
    """Lines of the solutions that are specific to them (not also elsewhere in the notebook)."""
    found = teaching.solution_cells(nb)
    inside = {i for i, _ in found if teaching._is_solution_cell(nb.cells[i])}
    other = "\n".join(c.source for i, c in enumerate(nb.cells) if i not in inside)
    other_lines = {re.sub(r"\s+", " ", line).strip() for line in other.splitlines()}
    lines = set()
    for _, text in found:
        for line in text.splitlines():
            line = re.sub(r"\s+", " ", line).strip()
            if len(line) >= 12 and line not in other_lines and not line.startswith("#"):
                lines.add(line)
    return lines


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_deck_builds_offline_with_enough_slides(path):
    body = _deck(path.stem)
    assert slides.external_references(body) == []
    assert not CDN.search(body), CDN.search(body).group(0)
    assert slides.deck_slide_count(body) >= slides.MIN_SLIDES
    assert "Reveal.initialize" in body and "RevealNotes" in body


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_no_solution_on_any_slide(path):
    nb = nbformat.read(path, as_version=4)
    lines = _solution_lines(nb)
    sections = slides.deck_sections(_deck(path.stem))
    shown = " \n ".join(s["text"] + " " + s["notes"] for s in sections)
    leaked = [line for line in lines if line in shown]
    assert not leaked, f"{path.stem}: solution lines on the slides: {leaked[:3]}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_skipped_cells_are_not_on_the_slides(path):
    nb = nbformat.read(path, as_version=4)
    ready = slides.prepare(nb, name=path.stem)
    sources = "\n".join(c.source for c in ready.cells)
    assert "check_notebook(" not in sources
    assert not any("parameters" in c.metadata.get("tags", []) for c in ready.cells)
    assert "save_results(" not in sources  # the heights: test_the_notebook_carries_its_own_slide_structure


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_html_copy_is_self_contained(path):
    body = _copy(path.stem)
    assert slides.external_references(body) == []
    assert not CDN.search(body), CDN.search(body).group(0)
    if slides._has_math(nbformat.read(path, as_version=4)):
        assert "window.MathJax" in body


#: Notebooks whose lesson has a what-if widget (a parameter that teaches something live in class).
WIDGET_NOTEBOOKS = ("01", "02", "03", "04", "05", "06", "07")
MIN_NOTES = 6


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_the_notebook_carries_its_own_slide_structure(path):
    """The convention: every cell has a slide type, >= 8 slides, speaker notes, no screen too tall."""
    nb = nbformat.read(path, as_version=4)
    unmarked = [i for i, c in enumerate(nb.cells) if slides._slide_type(c) is None]
    assert not unmarked, f"{path.stem}: cells without metadata.slideshow.slide_type: {unmarked}"
    kinds = [slides._slide_type(c) for c in nb.cells]
    assert set(kinds) <= set(slides.SLIDE_TYPES)
    assert slides.count_slides(nb) >= slides.MIN_SLIDES
    notes = [c for c in nb.cells if slides._slide_type(c) == "notes"]
    assert len(notes) >= MIN_NOTES, f"{path.stem}: {len(notes)} speaker notes"
    assert all(c.cell_type == "markdown" and c.source.startswith("**Speaker notes.**") for c in notes)
    ready = slides.prepare(nb, structure="never", name=path.stem)
    for group, height in zip(slides._groups(ready), slides.slide_heights(ready)):
        shown = [i for i in group if slides._slide_type(ready.cells[i]) != "notes"]  # notes are not on the screen
        limit = slides.BUDGET if len(shown) > 1 else slides.HEIGHT - 60
        first = ready.cells[group[0]].source[:60]
        assert height <= limit, f"{path.stem}: a slide starting {first!r} is ~{height:.0f}px tall"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_widget_cells_show_a_static_figure(path):
    nb = nbformat.read(path, as_version=4)
    cells = [c for c in nb.cells if c.cell_type == "code" and re.search(r"\bwidgets\.\w+\(", c.source)]
    if path.stem[:2] not in WIDGET_NOTEBOOKS:
        return
    assert cells, f"{path.stem}: no what-if widget"
    for cell in cells:
        data = {k for o in cell.outputs for k in o.get("data", {})}
        assert {"image/png", "text/html", slides._WIDGET_VIEW} <= data, f"{path.stem}: widget output {data}"
        assert slides._slide_type(cell) in ("slide", "subslide", "-", "fragment")


def test_apply_default_structure_keeps_existing_metadata():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    cells = [md("# Title"), code("seed = 1", metadata={"tags": ["parameters"]}),
             code("from crm_lab import params\nP = params.check_notebook(globals(), '02')"),
             code("import numpy as np\nfrom crm_lab import plots\n\nplots.set_theme()\nrng = np.random.default_rng(1)"),
             md("## Theory", metadata={"slideshow": {"slide_type": "notes"}}), md("### Detail"),
             code('ex.check("02.1", answer_1)'), code("x = 1"), md("## Key results"), code("save_results(results)"),
             code("results['more'] = 1"), md("## Exercises")]
    nb = nbformat.v4.new_notebook(cells=cells)
    out = slides.apply_default_structure(nb)
    kinds = [c.metadata.slideshow.slide_type for c in out.cells]
    assert kinds == ["slide", "skip", "skip", "skip", "notes", "subslide", "fragment", "-", "skip", "skip", "skip", "slide"]
    assert "slideshow" not in nb.cells[0].metadata  # a copy
    only_skips = slides.apply_default_structure(nb, headings=False)
    assert [c.metadata.slideshow.slide_type for c in only_skips.cells][:2] == ["-", "skip"]


def test_tall_slide_is_split_into_subslides():
    md = nbformat.v4.new_markdown_cell
    text = "\n".join(f"Line {i} of a long explanation." for i in range(12))
    nb = nbformat.v4.new_notebook(cells=[md("# One"), md(text), md(text), md(text), md(text)])
    ready = slides.prepare(nb, structure="never")
    kinds = [c.metadata.slideshow.slide_type for c in ready.cells]
    assert kinds.count("subslide") >= 1
    assert max(slides.slide_heights(ready)) <= slides.BUDGET


def test_notes_and_marked_solutions_in_a_small_deck():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(cells=[
        md("# Title with $x^2$"),
        md("Point at 0.42 here.", metadata={"slideshow": {"slide_type": "notes"}}),
        code("### BEGIN SOLUTION\nanswer_1 = secret_value_9913\n### END SOLUTION",
             outputs=[nbformat.v4.new_output("stream", text="secret_output_9913\n")]),
        md("**Rubric.** model answer rubric_token_7741", metadata={"tags": ["solution"]}),
    ])
    body = slides.deck_html(nb, name="small")
    assert "secret_value_9913" not in body and "secret_output_9913" not in body and "rubric_token_7741" not in body
    sections = slides.deck_sections(body)
    assert any("Point at 0.42" in s["notes"] for s in sections)
    assert "YOUR CODE HERE" in body and "window.MathJax" in body


def test_long_code_shows_only_its_output_on_the_slides():
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    long = "\n".join(f"long_code_line_{i} = {i}" for i in range(slides.MAX_CODE_LINES + 1))
    nb = nbformat.v4.new_notebook(cells=[
        md("# Title"),
        code(long, outputs=[nbformat.v4.new_output("stream", text="long_cell_output_5512\n")]),
        code("short_code_7781 = 1"),
    ])
    body = slides.deck_html(nb, name="small")
    assert "long_cell_output_5512" in body and "short_code_7781" in body
    assert "long_code_line_3" not in body  # nbconvert reads metadata.transient.remove_source


def test_external_references_finds_what_loads():
    page = ('<link rel="stylesheet" href="https://x.example/a.css"><script src="//cdn.example/r.js"></script>'
            '<a href="https://doi.org/10.1/x">paper</a><style>@import url("http://f.example/f.css");</style>')
    found = slides.external_references(page)
    assert len(found) >= 3 and not any("doi.org" in f for f in found)


def test_cli_slides_no_execute(tmp_path, capsys):
    assert cli.main(["slides", "00", "--no-execute", "--output-dir", str(tmp_path)]) == 0
    deck = tmp_path / "00_start_here.slides.html"
    assert deck.is_file() and slides.external_references(deck.read_text(encoding="utf-8")) == []
    assert "1 offline slide deck(s)" in capsys.readouterr().out


def test_cli_slides_usage_errors():
    with pytest.raises(SystemExit):
        cli.main(["slides", "--output-dir", "x"])  # neither NOTEBOOK nor --all
    with pytest.raises(SystemExit):
        cli.main(["slides", "00", "--no-execute", "-p", "seed", "1"])


def test_run_writes_self_contained_html(tmp_path):
    md, code = nbformat.v4.new_markdown_cell, nbformat.v4.new_code_cell
    nb = nbformat.v4.new_notebook(cells=[md("Margin multiple $r/(1+d-r)$"), code("print(1 + 1)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source = tmp_path / "tiny.ipynb"
    nbformat.write(nb, source)
    result = runner.run_notebook(source, output_dir=tmp_path / "out", progress=False)
    body = result.html.read_text(encoding="utf-8")
    assert slides.external_references(body) == [] and "window.MathJax" in body and "require.min.js" not in body
