"""The draw page: a learner draws a digit and watches every step's network read it (`cli.py draw`).

`models` finds the finished runs and reads a picture with each, loaded once; `server` answers the
page and `POST /api/predict`; `static/` is the page itself, plain HTML, CSS and JavaScript, with its
words in one JSON file per language.
"""
