"""Experiments on the model: runs and replications, scenario files, resumable batches, designs and sweeps.

Their analysis (sensitivity indices, scenario discovery), the calibration and its validation, the
provenance of results, and the statistics and figures every summary shows. Builds on
:mod:`model.core` only; the public face of it all is :mod:`model.api`.
"""
