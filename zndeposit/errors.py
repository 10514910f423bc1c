"""Exceptions with messages that name the file, the key and what was expected."""

from __future__ import annotations

from dataclasses import dataclass, field


class ZnDepositError(Exception):
    """Base class of every error zndeposit reports to the user."""


@dataclass
class CaseIssue:
    """One problem found in a case file.

    Attributes:
        file: path of the case file (or preset file) the value came from.
        key: dotted key path, e.g. ``electrolyte.concentration``.
        message: what is wrong and what was expected (with units).
        value: the value given, if any.
        severity: ``"error"`` or ``"warning"``.
    """

    file: str
    key: str
    message: str
    value: object = None
    severity: str = "error"

    def __str__(self) -> str:
        where = f"{self.file} › {self.key}" if self.key else self.file
        given = f" = {self.value!r}" if self.value is not None else ""
        return f"{self.severity}: {where}{given}: {self.message}"


@dataclass
class CaseError(ZnDepositError):
    """A case file is invalid; carries every issue found, not just the first."""

    issues: list[CaseIssue] = field(default_factory=list)

    def __str__(self) -> str:
        errors = [i for i in self.issues if i.severity == "error"]
        head = f"{len(errors)} problem(s) in case file"
        return head + ":\n" + "\n".join(f"  {i}" for i in self.issues)


class UnitError(ZnDepositError, ValueError):
    """A quantity string cannot be parsed or has the wrong dimension."""


class MeshError(ZnDepositError):
    """Geometry or mesh generation failed for a reason the user can act on."""


class SolverError(ZnDepositError):
    """The nonlinear solver failed beyond recovery."""


class RunInterrupted(ZnDepositError):
    """A run stopped on a signal (SIGINT, SIGTERM) after a completed step.

    Attributes:
        exit_code: 128 + the signal number (130 for SIGINT, 143 for SIGTERM).
    """

    def __init__(self, message: str, exit_code: int = 130):
        super().__init__(message)
        self.exit_code = exit_code


class OutputDirError(ZnDepositError):
    """An output folder cannot be used (a file, not writable, not a zndeposit run, live)."""
