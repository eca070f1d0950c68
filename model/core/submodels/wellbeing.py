"""Submodels of residents' well-being: motivation, loneliness and trust (``docs/ODD.md``, 7.14-7.16).

:func:`settle` sets all three to their targets for the initial city.
"""

from __future__ import annotations

from collections import namedtuple
from typing import TYPE_CHECKING

import numba
import numpy as np

from model.core.categories import TALENTS
from model.core.state import CASE_OPEN, CASE_WAITING, PARTICIPATION, SOCIAL_NETWORK, handed_on_or_fresh
from model.core.submodels.helpers import kernel_parameters, relational_shortfall
from model.core.tie_passes import _BLOCK, _stack_block, tie_counts, tie_sums
from model.core.time import WEEKS_PER_YEAR

if TYPE_CHECKING:
    from model.core.community import CommunityModel


#: The residents' talents (``categories.TALENTS``), a literal here: numba freezes a constant into the cached kernel
#: and recompiles it when this file changes, not when ``categories.py`` does, so the count is checked below.
_N_TALENTS = 5
if len(TALENTS) != _N_TALENTS:
    raise RuntimeError(f"wellbeing._N_TALENTS is {_N_TALENTS}, but there are {len(TALENTS)} talents: update it")


_MotivationParameters = namedtuple("_MotivationParameters", [
    "relatedness_membership", "control_felt_outside", "autonomy_base", "crowding", "support_autonomy",
    "contribution_memory_weeks", "competence_base", "competence_contributing", "competence_per_talent",
    "competence_problem_penalty"])


_LonelinessParameters = namedtuple("_LonelinessParameters", [
    "belonging_engagement", "belonging_membership", "emotional_alone", "emotional_together", "confidant_protection",
    "contagion"])


_TrustParameters = namedtuple("_TrustParameters", [
    "long_wait_weeks", "trust_base", "trust_helped", "trust_waiting", "trust_control", "trust_own_budget"])


# 14 ------------------------------------------------------------------------------
def update_motivation(m: CommunityModel, settle: bool = False) -> None:
    """Autonomy, competence and relatedness follow their targets; control crowds autonomy out.

    Autonomy falls with felt control (full in an initiative the municipality took over, less
    outside initiatives) and rises with professional support or an own budget; competence rises
    with contributing (recent volunteering or care) and talents and falls with problems and
    strain; relatedness is the share of the relationships a resident wants that they have (good ties
    and membership). The ZRM domain community
    participation is 2 for nothing, 3 for volunteering this year, 4 for a member, 5 for core.
    With ``settle`` the state jumps to its targets (initialisation). The need levels are casework's, handed on
    by the step (:func:`model.core.state.handed_on_or_fresh`): this writes only the participation domain.
    """
    p, pop, ini, lev = m.p, m.pop, m.inits, m.levers
    level = handed_on_or_fresh(m.need_levels, pop.zrm)
    _motivation_step(kernel_parameters(_MotivationParameters, p), 1.0 if settle else p.motivation_rate, m.week,
                     pop.nbh, pop.member_of, pop.core, pop.last_volunteered, pop.care_given, pop.talents,
                     level, pop.strain, pop.good_ties, pop.desired, lev.control, ini.taken_over,
                     ini.support_hours, ini.citizen_funded, pop.autonomy, pop.competence, pop.relatedness, pop.zrm)


# error_model="numpy": no check of the shortfall's division for a zero divisor, whose raising kept the block's loop
# from being vectorised; the divisor is a resident's wish of relationships, positive (desired_ties_mean >= 1 times
# a lognormal number), so no result changes.
@numba.njit(cache=True, error_model="numpy")
def _motivation_step(p: tuple, rate: float, week: int, nbh: np.ndarray, member_of: np.ndarray,
                     core: np.ndarray, last_volunteered: np.ndarray, care_given: np.ndarray, talents: np.ndarray,
                     need: np.ndarray, strain: np.ndarray, good_ties: np.ndarray, desired: np.ndarray,
                     control: np.ndarray, taken_over: np.ndarray, support_hours: np.ndarray,
                     citizen_funded: np.ndarray, autonomy: np.ndarray, competence: np.ndarray,
                     relatedness: np.ndarray, zrm: np.ndarray) -> None:
    """The per-resident part of :func:`update_motivation`: autonomy and relatedness a block at a time, then the rest.

    As :func:`_trust_step`: a block's targets of autonomy and relatedness go into arrays on the stack in a loop
    that only reads (vectorised), then the block's values move toward them; competence (the talents, five bytes a
    resident, which do not vectorise) and the participation domain in a second pass. 0.78 -> 0.64 ms at 100,000
    residents (0.90 -> 0.82 with the caches flushed), 8.2 -> 6.9 ms at 1,000,000 (8.4 -> 6.8; round 14).
    """
    # The initiatives' flags as numbers (1.0 or 0.0, as they were in their products): a gather of bytes is not
    # vectorised. ``&`` and choices, not ``and``: the initiative's state is read for non-members too (at slot 0:
    # there are always slots), so the conditions need no branches, which would be mispredicted.
    taken, backed = np.empty(len(taken_over)), np.empty(len(taken_over))
    for g in range(len(taken_over)):
        taken[g] = 1.0 if taken_over[g] else 0.0
        backed[g] = 1.0 if (support_hours[g] > 0) | citizen_funded[g] else 0.0  # supported or own budget
    autonomy_t, related_t = numba.carray(_stack_block(), _BLOCK), numba.carray(_stack_block(), _BLOCK)
    n = len(nbh)
    for lo in range(0, n, _BLOCK):
        m = min(_BLOCK, n - lo)
        member, where, good, wish = member_of[lo:lo + m], nbh[lo:lo + m], good_ties[lo:lo + m], desired[lo:lo + m]
        for j in range(m):
            active = member[j] >= 0
            g = max(member[j], 0)
            outside = control[where[j]] * (1.0 if active else p.control_felt_outside)
            felt = 1.0 if active & (taken[g] > 0) else outside
            autonomy_t[j] = (p.autonomy_base - p.crowding * felt
                             + p.support_autonomy * (backed[g] if active else 0.0))
            related_t[j] = 1 - relational_shortfall(good[j], p.relatedness_membership * active, wish[j])
        own_autonomy, own_related = autonomy[lo:lo + m], relatedness[lo:lo + m]
        for j in range(m):
            own_autonomy[j] += rate * (min(max(autonomy_t[j], 0.0), 1.0) - own_autonomy[j])
            own_related[j] += rate * (related_t[j] - own_related[j])
    for i in range(n):
        contributing = (week - last_volunteered[i] <= p.contribution_memory_weeks) | (care_given[i] > 0)
        # Over a constant count (unrolled), not ``talents.shape[1]``: 0.87 -> 0.76 ms at 100,000 residents (round 12).
        n_talents = 0
        for j in range(_N_TALENTS):
            n_talents += talents[i, j]
        competence_t = (p.competence_base + p.competence_contributing * contributing
                        + p.competence_per_talent * n_talents
                        - p.competence_problem_penalty * ((need[i] >= 2) + strain[i]))
        competence[i] += rate * (min(max(competence_t, 0.0), 1.0) - competence[i])
        zrm[i, PARTICIPATION] = 2 + (week - last_volunteered[i] < WEEKS_PER_YEAR) + (member_of[i] >= 0) + core[i]


# 15 ------------------------------------------------------------------------------
def update_loneliness(m: CommunityModel, settle: bool = False) -> None:
    """De Jong Gierveld loneliness from the relationships lacking, living alone, and ties' loneliness.

    Social loneliness (0-5) is the shortfall of good ties and belonging against the good
    relationships the resident wants (``desired``; De Jong Gierveld's cognitive discrepancy);
    emotional loneliness (0-6) depends on living alone and on close ties. Loneliness spreads
    through ties (``contagion``; along kin ties times ``kin_contagion``): each resident is pulled
    toward the weighted loneliness of its ties. The ZRM domain social network goes from 1 with no
    good tie up to 5 with eight or more. With ``settle`` the state jumps to its target
    (initialisation).
    """
    p, pop, net = m.p, m.pop, m.net
    # The network's counts and sums stay in their rows, which the residents' pass reads in turn: no arrays of
    # them are written and read again (at 1,000,000 residents some 100 MB of memory traffic a week less).
    rows, most_close = net.strength_rows(pop.lon_s, p.good_tie_threshold, p.close_tie_threshold, p.kin_contagion,
                                         more=pop.lon_e)
    pop.good_ties = np.empty(net.n, dtype=np.int64)
    pop.score = _loneliness_step(kernel_parameters(_LonelinessParameters, p), 1.0 if settle else p.loneliness_rate,
                                 pop.alone, pop.disp_s, pop.disp_e, pop.engagement, pop.member_of, pop.desired,
                                 confidant_table(most_close, p.confidant_scale), rows, pop.good_ties, pop.lon_s,
                                 pop.lon_e, pop.zrm)


def confidant_table(most: int, scale: float) -> np.ndarray:
    """``np.exp(-k / scale)`` for ``k = 0, 1, ..., most`` close ties (numpy's exponential, as numpy computed it).

    A resident has a few close ties, so the exponential of each count is computed once (by numpy, as
    before: the same bits) instead of once per resident (0.7 ms a week at 100,000 residents).
    """
    return np.exp(-np.arange(most + 1) / scale)


@numba.njit(cache=True)
def _loneliness_step(p: tuple, rate: float, alone: np.ndarray, disp_s: np.ndarray, disp_e: np.ndarray,
                     engagement: np.ndarray, member_of: np.ndarray, desired: np.ndarray, no_confidant: np.ndarray,
                     rows: tuple, good_ties: np.ndarray, lon_s: np.ndarray, lon_e: np.ndarray,
                     zrm: np.ndarray) -> np.ndarray:
    """The per-resident part of :func:`update_loneliness`, in one pass; returns the scores.

    ``rows`` are ``TieNetwork.strength_rows``'; each resident's good ties are written to ``good_ties``.
    ``no_confidant`` is :func:`confidant_table` (computed by numpy, whose ``exp`` rounds differently from
    numba's in the last bit), looked up by the number of close ties.
    """
    score = np.empty(len(alone), dtype=np.int8)
    for i in range(len(alone)):
        good_ties[i], close = tie_counts(rows, i)
        wsum, wtotal = tie_sums(rows, i)
        belonging = p.belonging_engagement * engagement[i] + p.belonging_membership * (member_of[i] >= 0)
        social_t = 5 * relational_shortfall(good_ties[i], belonging, desired[i]) + disp_s[i]
        base = p.emotional_alone if alone[i] else p.emotional_together
        emotional_t = base * (1 - p.confidant_protection * (1 - no_confidant[close])) + disp_e[i]
        total = lon_s[i] + lon_e[i]
        ties_total = wtotal / max(wsum, 1e-9) if wsum > 0 else total
        pull = p.contagion * (ties_total - total)
        social_t = min(max(social_t + pull * 5 / 11, 0.0), 5.0)
        emotional_t = min(max(emotional_t + pull * 6 / 11, 0.0), 6.0)
        lon_s[i] += rate * (social_t - lon_s[i])
        lon_e[i] += rate * (emotional_t - lon_e[i])
        score[i] = np.rint(lon_s[i]) + np.rint(lon_e[i])
        zrm[i, SOCIAL_NETWORK] = min(max(1 + good_ties[i] // 2, 1), 5)
    return score


# 16 ------------------------------------------------------------------------------
def update_trust(m: CommunityModel, settle: bool = False) -> None:
    """Trust in the municipality follows experience: timely help, long waits, control, own budgets."""
    p, pop = m.p, m.pop
    _trust_step(kernel_parameters(_TrustParameters, p), 1.0 if settle else p.trust_rate, m.week, pop.nbh,
                pop.case_state, pop.case_since, pop.member_of, m.levers.control, m.inits.citizen_funded, pop.trust)


@numba.njit(cache=True)
def _trust_step(p: tuple, rate: float, week: int, nbh: np.ndarray, case_state: np.ndarray,
                case_since: np.ndarray, member_of: np.ndarray, control: np.ndarray, citizen_funded: np.ndarray,
                trust: np.ndarray) -> None:
    """The per-resident part of :func:`update_trust`, a block of residents at a time.

    A block's signals first go into an array on the stack, in a loop that only reads (the compiler can tell its
    stores from the reads, so the loop is vectorised, with AVX-512 gathers of the neighbourhood's control and the
    initiative's budget), then the block's trusts move toward them: 0.28 -> 0.14 ms at 100,000 residents (0.31 ->
    0.21 with the caches flushed), 2.9 -> 1.8 ms at 1,000,000 (1.9 flushed; round 14).
    """
    # The initiatives' own budgets as numbers (1.0 or 0.0, as the flag was in its product with the parameter): a
    # gather of bytes is not vectorised. No branches on who waits or is a member (``&``, choices; the budget read
    # at slot 0 for non-members), which a CPU mispredicts (round 12).
    funded = np.empty(len(citizen_funded))
    for g in range(len(citizen_funded)):
        funded[g] = 1.0 if citizen_funded[g] else 0.0
    signal = numba.carray(_stack_block(), _BLOCK)
    for lo in range(0, len(nbh), _BLOCK):
        m = min(_BLOCK, len(nbh) - lo)
        state, since, member, where = case_state[lo:lo + m], case_since[lo:lo + m], member_of[lo:lo + m], nbh[lo:lo + m]
        for j in range(m):
            waiting_long = (state[j] == CASE_WAITING) & (week - since[j] > p.long_wait_weeks)
            active = member[j] >= 0
            own_budget = funded[max(member[j], 0)] if active else 0.0
            signal[j] = (p.trust_base + p.trust_helped * (state[j] == CASE_OPEN) - p.trust_waiting * waiting_long
                         - p.trust_control * control[where[j]] * active + p.trust_own_budget * own_budget)
        own = trust[lo:lo + m]
        for j in range(m):
            own[j] += rate * (min(max(signal[j], 0.0), 1.0) - own[j])


def settle(m: CommunityModel) -> None:
    """Set loneliness, motivation and trust to their targets for the initial city (before the burn-in)."""
    update_loneliness(m, settle=True)
    update_motivation(m, settle=True)
    update_trust(m, settle=True)
