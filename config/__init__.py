"""Settings and rule tables as data; `CONFIG_DIR` is where the tables live."""

from pathlib import Path

CONFIG_DIR = Path(__file__).resolve().parent
