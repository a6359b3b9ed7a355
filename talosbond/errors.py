"""The one exception tree talosbond raises; the CLI turns it into one red line and exit code 2."""

from __future__ import annotations


class TalosbondError(Exception):
    """Root of every error talosbond reports to a user.

    `hint` is an optional second line telling the user what to do about it.
    """

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message


class UsageError(TalosbondError):
    """The command line asks for something impossible (unknown port, bad CIDR, VLAN 5000...)."""


class ParseError(TalosbondError):
    """Input text is not what it claims to be; names the file, the line and what was expected."""

    def __init__(self, source: str, line: int | None, expected: str, hint: str = "") -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {expected}", hint)
        self.source = source
        self.line = line
        self.expected = expected

    def __reduce__(self) -> tuple[type[ParseError], tuple[str, int | None, str, str]]:
        # A node parsed in another process carries its unparsable bond files as ParseErrors.
        return ParseError, (self.source, self.line, self.expected, self.hint)


class SourceError(TalosbondError):
    """A node could not be read: talosctl missing or failing, a timeout, a missing capture file.

    `reason` is the message without the node's name, for reports that name the node themselves."""

    def __init__(self, message: str, hint: str = "", node: str = "") -> None:
        super().__init__(f"{node}: {message}" if node else message, hint)
        self.node = node
        self.reason = message


class ToolMissing(SourceError):
    """A program talosbond runs (talosctl) is not installed: no node can be read, so the command stops."""
