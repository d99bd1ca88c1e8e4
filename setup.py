"""Build hook: ship the sample datasets inside the wheel.

Everything else about the package is declared in pyproject.toml.

The sample lives at the project's top level, in ``datasets/``, where the
notebooks, the README and ``crm-lab data`` find it in a clone.  A wheel has no
such folder, so ``build_py`` copies the sample's files into ``crm_lab/_sample/``
of the *build* directory (never into the source tree); an installed crm_lab
reads them from there (:func:`crm_lab.datasets.sample_dir`).  An editable
install keeps reading the clone's ``datasets/``.  MANIFEST.in puts
``datasets/`` into the sdist, so a wheel built from the sdist has it too.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SAMPLE = Path(__file__).resolve().parent / "datasets"
SAMPLE_FILES = ("*.csv", "*.json", "MANIFEST.sha256", "README.md")
TARGET = ("crm_lab", "_sample")


class build_py_with_sample(build_py):
    """``build_py`` that also copies ``datasets/*`` into ``crm_lab/_sample/`` of the build."""

    def _sample_files(self) -> list[Path]:
        if getattr(self, "editable_mode", False):
            return []  # an editable install reads the clone's datasets/
        files = sorted({path for pattern in SAMPLE_FILES for path in SAMPLE.glob(pattern) if path.is_file()})
        if not any(path.name == "MANIFEST.sha256" for path in files):
            raise FileNotFoundError(f"the sample datasets are missing: no {SAMPLE / 'MANIFEST.sha256'} to ship in the wheel")
        return files

    def run(self):
        super().run()
        target = Path(self.build_lib, *TARGET)
        for path in self._sample_files():
            self.mkpath(str(target))
            self.copy_file(str(path), str(target / path.name))

    def get_outputs(self, include_bytecode=True):
        target = Path(self.build_lib, *TARGET)
        return super().get_outputs(include_bytecode) + [str(target / path.name) for path in self._sample_files()]


setup(cmdclass={"build_py": build_py_with_sample})
