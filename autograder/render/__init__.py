"""Renderings of results, made at the edge: grades.csv, results.json, feedback.md and the terminal table.

Each module turns plain `SubmissionResult`s into text or JSON-ready dicts; `outdir` writes them to disk.
"""
