"""Implementations that each differ from upstream in exactly one specified behaviour.

Every module exposes ``LinearLrInterval`` and ``ReduceLR``; one of them subclasses the reference
and changes one rule, the other is the reference class itself. ``MUTANTS`` maps each module to
the clauses a failure may name when the suite catches it (tests/test_mutants.py).
"""

MUTANTS = {
    'lli_no_dip': ('LLI-FIRST-STEP-DIP',),
    'lli_relative_value': ('LLI-ABSOLUTE-VALUE', 'LLI-STAIRCASE', 'LLI-GROUPS-COLLAPSE'),
    'lli_clamped_fraction': ('LLI-PROGRESS-INCONSISTENT',),
    'lli_progress_from_counter': ('LLI-PROGRESS-SOURCE', 'LLI-RUNNER-LAG', 'LLI-STAIRCASE'),
    'lli_interval_validated': ('LLI-INTERVAL-UNVALIDATED', 'LLI-INTERVAL-TOO-LARGE',
                               'LLI-INTERVAL-ZERO'),
    'lli_progress_from_runner_hub': ('LLI-CURRENT-HUB',),
    'rlr_torch_reduce_order': ('RLR-REDUCE-ORDER', 'RLR-MIN-LR', 'RLR-EPS'),
    'rlr_min_lr_not_raising': ('RLR-MIN-LR', 'RLR-REDUCE-ORDER'),
    'rlr_threshold_inclusive': ('RLR-IS-BETTER', 'RLR-IS-BETTER-EDGES'),
    'rlr_cooldown_before_count': ('RLR-COOLDOWN',),
    'rlr_live_hub_after_load': ('RLR-RESUME-STALE-HUB',),
    'rlr_mode_message_fixed': ('RLR-VALIDATION',),
    'rlr_state_without_last_epoch': ('RLR-STATE-KEYS', 'RLR-LAST-EPOCH'),
    'rlr_first_step_consumes': ('RLR-FIRST-STEP',),
    'rlr_mean_of_values': ('RLR-METRIC-CURRENT',),
}
