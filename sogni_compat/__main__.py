"""``python -m sogni_compat``: the command line (see :mod:`sogni_compat._cli`)."""

from ._cli import console

if __name__ == "__main__":
    console()
