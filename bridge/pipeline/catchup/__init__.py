"""Catch-up: what was posted, edited, deleted or reacted while the bridge was not listening
(stopped, crashed, or a platform session lost) is read back from each linked channel's history
and fed through the same pipeline as live events, once and in order."""
