"""Tests of physreel.stylization (a package, so that its conftest does not shadow tests/conftest.py)."""
