"""Suite-wide settings: the same single intra-op torch thread the app uses (see core/runtime.py), and a
cache folder of the suite's own (downloads and trained classifiers), never the user's."""

import os
import tempfile

from ganstudio.core.runtime import configure_threads

configure_threads()
os.environ["GANSTUDIO_CACHE"] = tempfile.mkdtemp(prefix="ganstudio-test-cache-")

import pytest  # noqa: E402


@pytest.fixture
def failing_factory():
    """A trainer factory whose trainers fail every step with NonFiniteError(message)."""
    from ganstudio.core.trainer import NonFiniteError, Trainer

    def make(message: str, eval_samples: int = 5000):
        def factory(config):
            trainer = Trainer(config, eval_samples=eval_samples)

            def step(train_d=True, train_g=True):
                raise NonFiniteError(message)

            trainer.step = step
            return trainer

        return factory

    return make
