# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.7
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # Lesson 2, kept as a percent script
#
# The helper module beside it is plain content, not a lesson.

# %%
from helpers import greet

print(greet("percent"))

# %% tags=["raises-exception"]
int("not a number")

# %%
assert greet("x") == "Hello, x!"
