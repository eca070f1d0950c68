"""The model's clock: one step is one week.

Rates are per week, costs are counted per week and the outputs' ``year`` is the week divided by
:data:`WEEKS_PER_YEAR`; "a year" in a rule (volunteered in the past year, the final year of a run)
is this many weeks.
"""

#: Weeks in a model year (52, so a year of steps is 52 weeks, not 365.25 / 7).
WEEKS_PER_YEAR = 52
