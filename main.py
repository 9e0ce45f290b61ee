"""Command-line entry point: python main.py COMMAND [flags]; see --help."""
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of the way

from Utils.commands import main

if __name__ == "__main__":
    sys.exit(main())
