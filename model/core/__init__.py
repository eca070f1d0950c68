"""The simulation core: parameters, state, the weekly step and its submodels, building the city, outputs.

Nothing here imports the shells built on it (``model.experiments``, ``model.reporting``,
``model.workshop``, ``model.api``, ``model.cli``); ``tests/test_architecture.py`` checks it.
The model class is :class:`model.core.community.CommunityModel`.
"""
