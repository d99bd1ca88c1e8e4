"""Live what-if widgets for class: sliders wired to :mod:`crm_lab.whatif`.

In a notebook cell::

    from crm_lab import widgets
    widgets.nps_survey_size()           # 01: survey size -> width of the NPS interval
    widgets.kano_survey_size()          # 02: survey size -> recovering the Kano category
    widgets.attenuation()               # 03: reliability -> attenuation of a path
    widgets.loyalty_thresholds()        # 04: thresholds -> Dick & Basu / Jones & Sasser shares
    widgets.switching_levers()          # 05: levers -> predicted return, with its interval
    widgets.clv_retention()             # 06: retention and discount -> CLV
    widgets.stage_retention()           # 07: a stage's retention -> lifetime value

Each returns a :class:`WhatIfWidget` (an ipywidgets ``VBox``: sliders, one
sentence, the figure).  Moving a slider recomputes (well under 0.3 s on the
sample).  Without a live kernel — papermill, nbval, the HTML copies, the
offline slides, a notebook viewer — the cell shows the static figure and
sentence for the default values: the widget's display bundle carries them as
``image/png``, ``text/html`` and ``text/plain`` beside the widget view.
Keyword arguments set the sliders' starting values; ``data_dir`` (the
notebook's parameter) makes the widget compute on the same data as the
notebook (default: the sample).
"""

from __future__ import annotations

import base64
import math
from collections.abc import Callable
from functools import partial
from typing import Any

import ipywidgets as w

from crm_lab import whatif

__all__ = [
    "WhatIfWidget",
    "attenuation",
    "clv_retention",
    "kano_survey_size",
    "loyalty_thresholds",
    "nps_survey_size",
    "stage_retention",
    "switching_levers",
]


class WhatIfWidget(w.VBox):
    """Sliders + the :class:`crm_lab.whatif.WhatIf` they drive; static fallback when displayed without a kernel."""

    def __init__(self, compute: Callable[..., whatif.WhatIf], controls: dict[str, w.ValueWidget], **kwargs: Any):
        self._compute = compute
        self._controls = controls
        self._text = w.HTML()
        self._image = w.Image(format="png")
        for control in controls.values():
            control.continuous_update = False
            control.style = {"description_width": "initial"}
            control.observe(self._update, names="value")
        self.result = self._run()
        super().__init__([w.HBox(list(controls.values()), layout=w.Layout(flex_flow="row wrap")), self._text,
                          self._image], **kwargs)

    def values(self) -> dict[str, Any]:
        """The sliders' current values, by argument name."""
        return {name: control.value for name, control in self._controls.items()}

    def _run(self) -> whatif.WhatIf:
        result = self._compute(**self.values())
        self._png = result.png()
        self._text.value = f"<p>{result.text}</p>"
        self._image.value = self._png
        return result

    def _update(self, _change=None) -> None:
        self.result = self._run()

    def _repr_mimebundle_(self, **kwargs):
        bundle = super()._repr_mimebundle_(**kwargs) or {}
        image = base64.b64encode(self._png).decode("ascii")
        bundle = dict(bundle)
        bundle["image/png"] = image
        bundle["text/html"] = (f"<div class='crm-lab-whatif'><p>{self.result.text}</p>"
                               f"<img src='data:image/png;base64,{image}' alt='{self.result.title}'/></div>")
        bundle["text/plain"] = f"{self.result.title}: {self.result.text}"
        return bundle


def _folder(data_dir: str | None) -> str:
    """The notebook's ``data_dir`` parameter as the cache key of :mod:`crm_lab.whatif` ("" = the sample)."""
    return str(data_dir) if data_dir else ""


def _top(value: float, usual: float) -> float:
    """A slider's upper end: *usual*, or a round step above a starting *value* beyond it (never clamped)."""
    return max(usual, math.ceil(float(value) * 10) / 10)


def _float(description: str, value: float, low: float, high: float, step: float, fmt: str = ".2f") -> w.FloatSlider:
    return w.FloatSlider(value=value, min=low, max=high, step=step, description=description, readout_format=fmt)


def kano_survey_size(n: int = 30, *, data_dir: str | None = "", **kwargs: Any) -> WhatIfWidget:
    """02 — respondents per survey -> share of surveys whose mode is the planted Kano category."""
    if "shares" not in kwargs:  # the planted scenarios of the notebook's data (read only when needed)
        kwargs["shares"] = whatif.kano_scenarios(_folder(data_dir))
    return WhatIfWidget(lambda n: whatif.kano_survey_size(n, **kwargs),
                        {"n": w.IntSlider(value=n, min=10, max=640, step=10, description="respondents")})


def attenuation(reliability_x: float = 0.8, reliability_y: float = 0.8, path: float = 0.5) -> WhatIfWidget:
    """03 — reliability of the two scales -> the observed standardized path."""
    return WhatIfWidget(whatif.attenuation, {
        "reliability_x": _float("reliability of x", reliability_x, 0.3, 1.0, 0.05),
        "reliability_y": _float("reliability of y", reliability_y, 0.3, 1.0, 0.05),
        "path": _float("true path", path, 0.1, 0.9, 0.05),
    })


def loyalty_thresholds(attitude_quantile: float = 0.5, patronage_quantile: float = 0.5,
                       satisfaction_quantile: float = 0.5, loyalty_quantile: float = 0.5, *,
                       data_dir: str | None = "") -> WhatIfWidget:
    """04 — the quantile thresholds of Dick & Basu and Jones & Sasser -> the types' shares."""
    frame = whatif.loyalty_frame(_folder(data_dir))
    return WhatIfWidget(partial(whatif.loyalty_thresholds, frame=frame), {
        "attitude_quantile": _float("attitude quantile", attitude_quantile, 0.1, 0.9, 0.05),
        "patronage_quantile": _float("patronage quantile", patronage_quantile, 0.1, 0.9, 0.05),
        "satisfaction_quantile": _float("satisfaction quantile", satisfaction_quantile, 0.1, 0.9, 0.05),
        "loyalty_quantile": _float("loyalty quantile", loyalty_quantile, 0.1, 0.9, 0.05),
    })


def switching_levers(satisfaction_shift: float = 0.5, switching_cost_shift: float = 0.0, *,
                     data_dir: str | None = "") -> WhatIfWidget:
    """05 — shifts of satisfaction and switching cost (SD) -> predicted return with its interval."""
    model = whatif.return_model(_folder(data_dir))
    return WhatIfWidget(partial(whatif.switching_levers, model=model), {
        "satisfaction_shift": _float("satisfaction (SD)", satisfaction_shift, -1.0, 1.0, 0.1, ".1f"),
        "switching_cost_shift": _float("switching cost (SD)", switching_cost_shift, -1.0, 1.0, 0.1, ".1f"),
    })


def clv_retention(retention: float = 0.7, discount: float = 0.10, *, margin_rate: float = 0.30,
                  data_dir: str | None = "") -> WhatIfWidget:
    """06 — retention and discount rate -> margin multiple and CLV (margin: *margin_rate* × spend, as notebook 06)."""
    margin = whatif.sample_margin(_folder(data_dir), float(margin_rate))
    return WhatIfWidget(partial(whatif.clv_retention, margin=margin), {
        "retention": _float("retention", retention, 0.0, 0.95, 0.01),
        "discount": _float("discount", discount, 0.0, _top(discount, 0.30), 0.01),
    })


def stage_retention(stage: str = "exploration", points: float = 0.05, discount: float = 0.10, *,
                    margin_rate: float = 0.30, data_dir: str | None = "") -> WhatIfWidget:
    """07 — a retention gain in one stage -> lifetime value per starting stage (margins at *margin_rate*, as notebook 07)."""
    from crm_lab.schema import STAGES

    chain, margins = whatif._chain(_folder(data_dir), float(margin_rate))
    return WhatIfWidget(partial(whatif.stage_retention, chain=chain, margins=margins), {
        "stage": w.Dropdown(options=list(STAGES), value=stage, description="stage"),
        "points": _float("retention gain", points, 0.0, _top(points, 0.20), 0.01),
        "discount": _float("discount", discount, 0.0, _top(discount, 0.30), 0.01),
    })


def nps_survey_size(n: int = 100, *, confidence: float = 0.95, data_dir: str | None = "") -> WhatIfWidget:
    """01 — respondents per survey -> width of the NPS interval (Wald and adjusted Wald), 20 simulated surveys."""
    return WhatIfWidget(partial(whatif.nps_survey_size, confidence=confidence, data_dir=_folder(data_dir)),
                        {"n": w.IntSlider(value=n, min=10, max=2000, step=10, description="respondents")})
