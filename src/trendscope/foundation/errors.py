"""Domain errors: anything a user can cause. The CLI and the app show their message, never a traceback.

Defined in the lowest layer so every layer can raise them.
"""


class TrendscopeError(Exception):
    """Base for errors whose message is meant for the user."""


class SettingsProblems(TrendscopeError):
    """Several bad settings found at once, one line each in `problems` (the message holds them all), so that a
    settings file with four mistakes is not fixed one run at a time (a blind walkthrough)."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = list(problems)


class StorageError(TrendscopeError):
    """The data home cannot be read or written (read-only, full, missing, no permission); the message names the
    path and says why in one line."""


def os_reason(exc: OSError) -> str:
    """A short reason for a file-system error ("Permission denied", "No space left on device", ...)."""
    return exc.strerror or str(exc) or exc.__class__.__name__


class FileStorageError(StorageError, OSError):
    """A file of the data home cannot be written (read-only, full): one line naming the file; still an OSError
    for code that handles those."""

    def __init__(self, message: str, cause: OSError | None = None):
        super().__init__(message)
        self.message = message
        if cause is not None:
            self.errno, self.filename = cause.errno, cause.filename

    def __str__(self) -> str:
        return self.message


class Terminated(KeyboardInterrupt):
    """SIGTERM (what systemd and `kill` send to stop a process), raised as Ctrl-C is, so that what was being done
    is recorded as interrupted: a stopped `ingest` stayed "running" in `status` until the next run (an operations
    walkthrough). The CLI then ends by SIGTERM as before (`ui.cli.main`)."""

