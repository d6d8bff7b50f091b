"""The course's steps as Jupyter notebooks (`notebooks/en/`, `notebooks/ko/`), and what generates them (`make`)."""
