"""Open every offline slide deck in headless Chromium with the network cut, and report what it shows.

Usage::

    python benchmarks/check_decks_offline.py [DECK_DIR] [--chromium PATH]

DECK_DIR holds the ``*.slides.html`` files of ``crm-lab slides --all``
(default: build/slides; ``make slides`` writes them); a folder without decks
is searched for the HTML copies ``crm-lab run`` writes (``make suite``:
build/suite), which get the same offline check of their scripts and formulas
(ready means the page finished typesetting; slides and screens are 0).  Each deck is copied
to a temporary folder with a small probe script appended; Chromium opens the
copy from ``file://`` with every host name mapped to nothing and a dead
proxy (``--host-resolver-rules``, ``--proxy-server``), so a script, style or
font that needed the network would fail.  After reveal.js reports ready and
MathJax has typeset, the probe visits every slide (``Reveal.slide``) and
measures its content height in the deck's own 1280 × 720 coordinates.

Printed per deck: size, slides (horizontal) and screens (with subslides),
whether reveal.js initialised, formulas typeset by MathJax, failed network
requests logged by Chromium, and the screens whose content is taller than
720 px.  A check of the machine, not a test: it needs Chromium (Debian's
``chromium`` package), which the project does not install.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

PROBE = """
<script>
(function () {
  function done(result) {
    var out = document.createElement('pre');
    out.id = 'crm-lab-probe';
    out.textContent = JSON.stringify(result);
    document.body.appendChild(out);
  }
  function measure() {
    var slides = Reveal.getSlides(), tall = [], screens = slides.length;
    for (var i = 0; i < slides.length; i++) {
      var idx = Reveal.getIndices(slides[i]);
      Reveal.slide(idx.h, idx.v || 0);
      var h = slides[i].scrollHeight;
      if (h > 720) {
        var title = (slides[i].innerText || '').trim().split('\\n')[0].slice(0, 60);
        tall.push([idx.h, idx.v || 0, h, title]);
      }
    }
    done({ready: Reveal.isReady(), horizontal: Reveal.getHorizontalSlides().length, screens: screens,
          math: document.querySelectorAll('mjx-container').length, tall: tall});
  }
  var tries = 0;
  var timer = setInterval(function () {
    tries += 1;
    var revealReady = window.Reveal && Reveal.isReady && Reveal.isReady();
    var mathReady = !window.MathJax || !MathJax.startup || MathJax.startup.promise === undefined;
    if (revealReady && window.MathJax && MathJax.startup && MathJax.startup.promise) {
      clearInterval(timer);
      MathJax.startup.promise.then(measure, measure);
    } else if (revealReady && mathReady && tries > 20) {
      clearInterval(timer);
      measure();
    } else if (!window.Reveal && tries > 20) {  // an HTML copy (crm-lab run), not a deck
      clearInterval(timer);
      var report = function () {
        done({ready: true, horizontal: 0, screens: 0, tall: [],
              math: document.querySelectorAll('mjx-container').length});
      };
      if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
        MathJax.startup.promise.then(report, report);
      } else {
        report();
      }
    } else if (tries > 200) {
      clearInterval(timer);
      done({ready: false, error: 'reveal.js did not initialise'});
    }
  }, 50);
})();
</script>
"""


def check(deck: Path, chromium: str, workdir: Path) -> dict:
    copy = workdir / deck.name
    text = deck.read_text(encoding="utf-8")
    copy.write_text(text + PROBE, encoding="utf-8")  # after the deck's own scripts (they follow </body>)
    command = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=0",
               "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
               "--window-size=1280,720", "--virtual-time-budget=30000", "--dump-dom", copy.as_uri()]
    run = subprocess.run(command, capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="crm-lab-probe">(.*?)</pre>', run.stdout, re.DOTALL)
    result = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&")) if found else {"ready": False}
    result["network_errors"] = sorted(set(re.findall(r"net::ERR_[A-Z_]+[^\n]*", run.stderr)))
    result["kb"] = deck.stat().st_size / 1024
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("deck_dir", nargs="?", default="build/slides")
    parser.add_argument("--chromium", default=shutil.which("chromium") or shutil.which("chromium-browser") or "")
    args = parser.parse_args()
    if not args.chromium:
        print("No Chromium found (Debian: apt-get install chromium); give --chromium PATH.", file=sys.stderr)
        return 2
    folder = Path(args.deck_dir)
    decks = sorted(folder.glob("*.slides.html")) or sorted(folder.rglob("*.html"))
    if not decks:
        print(f"No *.slides.html or *.html in {args.deck_dir} (run: make slides).", file=sys.stderr)
        return 2
    print(f"{'deck':40} {'KB':>7} {'slides':>6} {'screens':>7} {'ready':>5} {'formulas':>8} {'net err':>7} tall screens")
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for deck in decks:
            r = check(deck, args.chromium, Path(tmp))
            tall = "; ".join(f"{h}.{v} {px}px {t!r}" for h, v, px, t in r.get("tall", [])) or "-"
            print(f"{deck.name:40} {r['kb']:7.0f} {r.get('horizontal', 0):6} {r.get('screens', 0):7} "
                  f"{str(r.get('ready')):>5} {r.get('math', 0):8} {len(r['network_errors']):7} {tall}")
            for error in r["network_errors"]:
                print(f"    {error}")
            bad += (not r.get("ready")) + bool(r["network_errors"])
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
