"""The one exception type a user sees for a mistake of theirs.

Raised at the boundary (loaders, command line, public functions) with a message that names the file, field or
value and what was expected. The command line prints it as ``error: <message>`` and exits with status 2, without
a traceback.
"""


class ToolkitError(ValueError):
    """A user's input cannot be used as given; the message says what was received and what was expected."""
