"""Renderers: turn engine results into JSON, Markdown, Rich tables and CSV.

Only this package imports Rich; the engine and the API never do.
"""
