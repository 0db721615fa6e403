"""Shared by the Python scripts under Scripts/: their PyPI needs, installed when missing."""
import importlib.util
import subprocess
import sys


def ensure_packages(*names):
    """Installs from PyPI whichever of `names` is missing, as the shell scripts install from Debian."""
    missing = [name for name in names if importlib.util.find_spec(name) is None]
    if missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *missing], check=True)
