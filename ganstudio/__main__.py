import sys

from .cli import main

if __name__ == "__main__":  # the training process (multiprocessing's spawn) must not rerun the CLI
    import multiprocessing

    multiprocessing.freeze_support()
    sys.exit(main())
