"""Model-owned state arrays of residents, meeting places and initiatives.

Residents, meeting places and initiatives are Mesa agents that users can inspect,
but their state lives here, in arrays indexed by the agent's ``idx``, so that the
weekly dynamics run as vectorised updates (see ``docs/ODD.md``, "Entities").
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numba
import numpy as np

NO = -1  # "none" in index arrays (no initiative, no helper, no professional)
CASE_NONE, CASE_WAITING, CASE_OPEN = 0, 1, 2
#: Columns of ``Population.talents`` (``model.core.parameters.TALENTS``) that rules read.
CARE_TALENT, ORGANISING_TALENT = 0, 2
#: Columns of ``Population.zrm`` (``model.core.parameters.ZRM_DOMAINS``) that rules read.
PHYSICAL, DAILY_LIVING, SOCIAL_NETWORK, PARTICIPATION = 5, 7, 9, 10
LONELY = 3  # De Jong Gierveld score from which a resident counts as lonely (0-2 not lonely)
SEVERE = 9  # De Jong Gierveld score from which loneliness is severe (9-10; 11 is very severe)


def need_level_of(zrm: np.ndarray, who: np.ndarray | None = None) -> np.ndarray:
    """Need level 0-3 (:attr:`Population.need_level`) of all residents, or of ``who`` (indices).

    4 minus the lowest of the nine life domains, within 0-3. Both are one compiled call: for everyone
    one pass, each resident's nine domains side by side (each domain is a contiguous column of the
    column-major matrix), for a few residents a loop over their rows (no copy of them first).
    """
    if who is not None:
        return _need_levels_of(zrm, np.asarray(who, dtype=np.int64))
    return _need_levels_of_all(zrm)


def handed_on_or_fresh(handed: np.ndarray | None, zrm: np.ndarray) -> np.ndarray:
    """Everyone's need level for a submodel after ``casework``: ``handed`` (the step's), or fresh where ``None``.

    ``casework`` returns the levels after its recoveries; no submodel from there to ``collect`` writes the nine
    domains they are read from (``update_motivation`` and ``update_loneliness`` write only the participation and
    social-network columns), so the step keeps them as ``CommunityModel.need_levels`` for ``initiative_lifecycle``,
    ``update_motivation`` and ``collect`` and sets it to ``None`` after ``collect``: a submodel called on its own,
    outside a step, computes them: three passes over the residents a week fewer (two where casework made none).
    """
    return need_level_of(zrm) if handed is None else handed


@numba.njit(cache=True)
def _need_levels_of_all(zrm: np.ndarray) -> np.ndarray:
    """The need level of every resident (:func:`need_level_at`), in ``zrm``'s type, as ``np.clip(4 - low, 0, 3)`` gave.

    One pass, each resident's minimum over its nine domains (nine contiguous columns of the column-major matrix,
    read side by side in vector instructions), where a pass over the levels per column (as numpy's ``np.minimum``
    over the columns did) read and wrote the levels nine times: 0.108 -> 0.071 ms at 100,000 residents, 0.60 ->
    0.39 ms at 1,000,000 (four calls a week: life events, informal help, escalation, casework, whose levels
    :func:`handed_on_or_fresh` hands on to the week's later readers). :func:`need_level_at`'s rule written out,
    not called: with it inlined a row at a time the loop stayed scalar, eight times slower (0.6 ms at 100,000
    residents; an unsigned row index did not help).
    """
    level = np.empty(zrm.shape[0], dtype=zrm.dtype)
    for i in range(zrm.shape[0]):
        low = zrm[i, 0]
        for j in range(1, 9):
            low = min(low, zrm[i, j])
        level[i] = min(max(4 - low, 0), 3)
    return level


@numba.njit(cache=True)
def _need_levels_of(zrm: np.ndarray, who: np.ndarray) -> np.ndarray:
    level = np.empty(len(who), dtype=zrm.dtype)
    for k in range(len(who)):
        level[k] = need_level_at(zrm, who[k])
    return level


@numba.njit(cache=True, inline="always")
def need_level_at(zrm: np.ndarray, i: int) -> int:
    """Resident ``i``'s need level: 4 minus the lowest of its nine life domains, within 0-3 (in a compiled loop)."""
    low = zrm[i, 0]
    for j in range(1, 9):
        low = min(low, zrm[i, j])
    return min(max(4 - low, 0), 3)


@dataclass
class Population:
    """State of all residents; every array has one entry per resident."""

    pid: np.ndarray  # person id, stable while the resident lives here (a newcomer in a leaver's row gets a new one)
    nbh: np.ndarray  # neighbourhood index
    age: np.ndarray  # age group 0..3 (18-34, 35-54, 55-74, 75+)
    alone: np.ndarray  # lives alone (a one-person household)
    low_income: np.ndarray
    vulnerability: np.ndarray  # 0-1
    chronic: np.ndarray  # daily-living/physical problems that do not recover
    talents: np.ndarray  # (n, 5) bool: care, practical, organising, connecting, creative
    # (n, 11) int8, ZRM 1 (acute) .. 5 (self-reliant); column-major, because the submodels read a domain
    # of all residents at a time (need levels, several times a week) far more often than one resident's row.
    zrm: np.ndarray
    reluctance: np.ndarray  # 0-1, vraagverlegenheid
    disp_s: np.ndarray  # disposition to social loneliness (DJG points)
    disp_e: np.ndarray  # disposition to emotional loneliness
    desired: np.ndarray  # good relationships wanted (De Jong Gierveld's standard; loneliness is the shortfall)
    lon_s: np.ndarray  # social loneliness, continuous 0-5
    lon_e: np.ndarray  # emotional loneliness, continuous 0-6
    score: np.ndarray  # De Jong Gierveld score 0-11 (integer)
    autonomy: np.ndarray  # SDT needs, 0-1
    competence: np.ndarray
    relatedness: np.ndarray
    trust: np.ndarray  # trust in the municipality, 0-1
    civic: np.ndarray  # propensity to volunteer (regular volunteers are a minority)
    member_of: np.ndarray  # initiative index or NO
    core: np.ndarray  # core volunteer of that initiative
    helper: np.ndarray  # resident giving me informal help, or NO
    care_given: np.ndarray  # informal help hours given this week
    strain: np.ndarray  # carers' strain 0-1
    unmet_weeks: np.ndarray  # weeks with a need and no help
    case_state: np.ndarray  # CASE_NONE / CASE_WAITING / CASE_OPEN
    case_prof: np.ndarray  # professional index of an open case, or NO
    case_since: np.ndarray  # week the case (or the wait) began
    last_volunteered: np.ndarray  # week of the last volunteering, or a large negative number
    volunteer_hours: np.ndarray  # this week
    visited: np.ndarray  # meeting place visited this week, or NO
    engagement: np.ndarray  # smoothed venue attendance 0-1
    prompted: np.ndarray  # encouraged by a professional to ask for help
    spotted: np.ndarray  # talent spotted by a professional
    good_ties: np.ndarray  # number of good ties (updated weekly)
    ties_lost: np.ndarray  # ties that dissolved or ended since the resident arrived

    def __len__(self) -> int:
        return len(self.nbh)

    @classmethod
    def empty(cls, n: int, talents: int, domains: int) -> Population:
        """``n`` residents whose state is yet to be drawn (``model.core.city.draw_residents``)."""
        arrays = {f.name: np.empty(n, dtype=_POP_DTYPES.get(f.name, np.float64)) for f in fields(cls)}
        arrays["talents"] = np.empty((n, talents), dtype=bool)
        arrays["zrm"] = np.empty((n, domains), dtype=np.int8, order="F")  # column-major: see the field
        return cls(**arrays)

    @property
    def need_level(self) -> np.ndarray:
        """0 none, 1 light, 2 moderate, 3 heavy: from the lowest life-domain ZRM score."""
        return need_level_of(self.zrm)

    @property
    def motivation(self) -> np.ndarray:
        """Intrinsic motivation: mean of autonomy, competence and relatedness (Ryan & Deci 2000)."""
        return _mean_of_three(self.autonomy, self.competence, self.relatedness)


@numba.njit(cache=True)
def _mean_of_three(x: np.ndarray, y: np.ndarray, z: np.ndarray) -> np.ndarray:
    """``(x + y + z) / 3.0`` in one pass: the same additions in the same order, so the same bits as numpy's.

    Three numpy passes and two temporaries were 0.3-0.6 ms a week at 100,000 residents (initiative_lifecycle
    reads it every week).
    """
    out = np.empty(len(x))
    for i in range(len(x)):
        out[i] = mean_of_three_at(x, y, z, i)
    return out


@numba.njit(cache=True, inline="always")
def mean_of_three_at(x: np.ndarray, y: np.ndarray, z: np.ndarray, i: int) -> float:
    """``(x[i] + y[i] + z[i]) / 3.0``: one resident's :func:`_mean_of_three` (in a compiled loop)."""
    return (x[i] + y[i] + z[i]) / 3.0


_POP_DTYPES = {"pid": np.int64, "nbh": np.int64, "age": np.int8, "alone": bool, "low_income": bool, "chronic": bool,
               "score": np.int8, "member_of": np.int64, "core": bool, "helper": np.int64, "unmet_weeks": np.int64,
               "case_state": np.int8, "case_prof": np.int64, "case_since": np.int64, "last_volunteered": np.int64,
               "visited": np.int64, "prompted": bool, "spotted": bool, "good_ties": np.int64, "ties_lost": np.int64}


@dataclass
class Places:
    """State of meeting places (buurthuis and the like)."""

    nbh: np.ndarray
    capacity: np.ndarray  # visits per week (may be fractional: a small neighbourhood's share of a place)
    subsidy_share: np.ndarray  # share of the base subsidy this place receives (0 = cut)
    funding: np.ndarray  # effective funding this week, share of base subsidy
    underfunded_weeks: np.ndarray
    open: np.ndarray
    visits: np.ndarray  # visits this week
    self_managed: np.ndarray  # run by residents (zelfbeheer) this week
    unstaffed_weeks: np.ndarray  # weeks a self-managed place has had too few volunteers
    taken_over: np.ndarray  # run by the municipality at its own cost

    def __len__(self) -> int:
        return len(self.nbh)


@dataclass
class Initiatives:
    """State of resident initiatives; slots are reused after an initiative ends."""

    alive: np.ndarray
    uid: np.ndarray  # initiative id, unique over the run (slots are reused)
    kind: np.ndarray  # index into INITIATIVE_KINDS
    nbh: np.ndarray
    place: np.ndarray  # meeting place used, or NO
    group_age: np.ndarray  # founder's age group (homophily reference)
    group_income: np.ndarray  # founder's income group
    founded: np.ndarray  # week
    grant_weeks_left: np.ndarray
    citizen_funded: np.ndarray  # funded from the citizen budget (no strings)
    taken_over: np.ndarray  # run by the municipality
    struggling_weeks: np.ndarray
    support_hours: np.ndarray  # professional support this week
    support_weight: np.ndarray  # its part in the neighbourhood's support hours (1: an equal part, 0: none)
    n_core: np.ndarray
    n_members: np.ndarray  # including core

    def __len__(self) -> int:
        return len(self.alive)

    @classmethod
    def empty(cls, n: int) -> Initiatives:
        """``n`` free slots."""
        return cls(**{f.name: np.full(n, _INIT_FILL.get(f.name, 0), dtype=_INIT_DTYPES.get(f.name, np.int64))
                      for f in fields(cls)})

    def grow(self) -> None:
        """Double the number of slots."""
        more = Initiatives.empty(len(self))
        for f in fields(self):
            setattr(self, f.name, np.concatenate([getattr(self, f.name), getattr(more, f.name)]))


_INIT_DTYPES = {"alive": bool, "citizen_funded": bool, "taken_over": bool, "support_hours": np.float64,
                "support_weight": np.float64}
_INIT_FILL = {"place": NO, "support_weight": 1.0}
