#!/usr/bin/env python3
"""Double-clickable launcher: opens GAN Studio on the ring-8 preset."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ganstudio.cli import gui_main  # noqa: E402

if __name__ == "__main__":
    import multiprocessing

    multiprocessing.freeze_support()  # a frozen build starts its training process through here
    sys.exit(gui_main())
