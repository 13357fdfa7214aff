"""Domain errors: anything a user can cause. The CLI and the app show their message, never a traceback.

Defined in the lowest layer so every layer can raise them.
"""


class TrendscopeError(Exception):
    """Base for errors whose message is meant for the user."""
