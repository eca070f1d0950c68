"""What is handed on: the advisor's HTML report (:mod:`~model.reporting.report`) and excerpts of ``docs/ODD.md``.

A library the command line calls (:mod:`model.cli`); it builds on :mod:`model.api`.
"""
