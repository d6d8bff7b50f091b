"""`python -m notebooks`: write every step's notebook, in English and Korean, from its sources."""

from notebooks.make import CHECKOUT, stale, write_all

if __name__ == "__main__":
    for path in write_all():
        print(f"wrote {path.relative_to(CHECKOUT)}")
    for path in stale():  # after writing, only the notebooks no step makes are left
        print(f"{path} is made by no step: remove it if it was a step's")
