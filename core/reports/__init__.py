"""Reports built from loaded runs: plain data models plus text, Markdown, JSON and CSV writers.

Nothing here imports a UI library; text plots come in through an injected renderer.
"""
