"""Suite-wide settings: the same single intra-op torch thread the app uses (see core/runtime.py)."""

from ganstudio.core.runtime import configure_threads

configure_threads()
