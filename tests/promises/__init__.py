"""Promises that check themselves: each promise's mutation, made and killed (check.py)."""
