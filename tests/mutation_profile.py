"""A pytest plugin for mutation runs: a hypothesis profile that reports the first failing example.

Shrinking makes a failure readable, but a mutation run only needs to know that the suite fails
and which clause it names, so ``-p tests.mutation_profile --hypothesis-profile=mutation`` skips it.
"""

from hypothesis import HealthCheck, Phase, settings

settings.register_profile(
    'mutation',
    max_examples=60,
    derandomize=True,
    deadline=None,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
