"""Build step that puts the shipped scenarios, designs and documents into the package (see pyproject.toml).

Everything else about the package is declared in ``pyproject.toml``. The files listed there under
``[tool.community-vitality] shipped`` live outside the ``model`` package in the repository (where people
edit them); a wheel carries copies in ``model/_shipped/``, where :func:`model.experiments.provenance.shipped`
finds them when the package runs outside the repository.
"""

import shutil
import tomllib
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


class BuildWithShippedFiles(build_py):
    """``build_py`` that also copies the shipped files into ``model/_shipped`` of the build."""

    def run(self) -> None:
        """Build the packages, then copy the shipped files beside them."""
        super().run()
        config = tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))
        target = Path(self.build_lib) / "model" / "_shipped"
        for name in config["tool"]["community-vitality"]["shipped"]:
            source, copy = HERE / name, target / name
            copy.parent.mkdir(parents=True, exist_ok=True)
            if source.is_dir():
                shutil.copytree(source, copy, dirs_exist_ok=True)
            else:
                shutil.copy2(source, copy)


setup(cmdclass={"build_py": BuildWithShippedFiles})
