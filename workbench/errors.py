"""The workbench's exceptions. Every message names the bad value and says what to do next.

The tree, so that a caller can catch as much or as little as it means to::

    WorkbenchError                 every error the workbench raises on purpose
    ├── SettingsError              a setting, config file or environment variable is bad
    ├── BadInput                   a file, value or argument the user gave is invalid (a bad
    │   │                          archive, an unknown theme id in a codebook operation, a
    │   │                          malformed codebook, .qdc or .qdpx file, a bad date, an
    │   │                          unknown format name)
    │   └── UnreadableDocument     a file, row or archive member cannot become a document;
    │                              ingest skips it
    ├── NotFound                   no document, excerpt, run, theme, user, coding or suggestion
    │                              has that id
    ├── Conflict                   changed since read, already exists, or a duplicate decision
    ├── PermissionDenied           the actor's role (or ownership) does not allow the action
    └── StoreError                 the database cannot be opened, migrated or written

The command line prints any :class:`WorkbenchError` as ``error: <message>``; pages show it.
"""


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class SettingsError(WorkbenchError):
    """A setting, config file or environment variable has a bad value."""


class BadInput(WorkbenchError):
    """A file, value or argument the user gave is invalid; the message says which and why."""


class UnreadableDocument(BadInput):
    """A file (or row, or archive member) cannot be turned into a document; ingest skips it."""


class NotFound(WorkbenchError):
    """A document, excerpt, run, theme, user, coding or suggestion with the given id does not exist."""


class Conflict(WorkbenchError):
    """A record changed since it was read, already exists, or the decision was already made."""


class PermissionDenied(WorkbenchError):
    """The actor's role, or the record's owner, does not allow the action."""


class StoreError(WorkbenchError):
    """The database cannot be opened, migrated or written."""


__all__ = [
    "BadInput",
    "Conflict",
    "NotFound",
    "PermissionDenied",
    "SettingsError",
    "StoreError",
    "UnreadableDocument",
    "WorkbenchError",
]
