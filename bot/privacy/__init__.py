"""Data protection: which columns hold whose personal data, why, and for how long.

``bot.privacy.register`` is the one place that says so; subject access, erasure and retention
(issue 17) are to read it rather than keep lists of their own.
"""
