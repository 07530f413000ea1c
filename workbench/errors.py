"""The workbench's exceptions. Every message names the bad value and says what to do next."""


class WorkbenchError(Exception):
    """Base class of every error the workbench raises on purpose."""


class ConfigError(WorkbenchError):
    """A setting, config file or environment variable has a bad value."""


class UnreadableDocument(WorkbenchError):
    """A file (or row, or archive member) cannot be turned into a document; ingest skips it."""


class StoreError(WorkbenchError):
    """The database cannot be opened, migrated or written."""


class NotFound(WorkbenchError):
    """A document, excerpt, run or theme with the given id does not exist."""


class Conflict(WorkbenchError):
    """A record changed since it was read; reload it and try again."""
