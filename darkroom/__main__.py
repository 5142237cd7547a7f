"""`python -m darkroom` is the `darkroom` command."""

from darkroom.cli import app

# Guarded: `darkroom serve` starts its workers with multiprocessing's spawn, which imports the
# main module again in each of them.
if __name__ == "__main__":
    app()
